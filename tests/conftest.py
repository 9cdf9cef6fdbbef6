"""Shared pytest set-up: helper modules importable from tests/, and ``--update-golden``."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden report files from the current output")


def pytest_configure(config):
    if config.getoption("--update-golden"):
        os.environ["FWSANDBOX_UPDATE_GOLDEN"] = "1"
