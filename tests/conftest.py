"""Shared pytest set-up: tests import their helper modules (armfw, ...) from this folder."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
