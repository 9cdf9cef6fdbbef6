"""``python -m emulator`` runs the fwsandbox CLI."""
from .cli import main

main()
