"""Native helpers compiled by the package build (setup.py); see emulator/engine/clock.py."""
