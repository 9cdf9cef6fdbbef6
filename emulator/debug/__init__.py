"""Debugging a run: the debug interface (target.py), its stop hook (stops.py), the gdb stub (rsp.py)."""
from __future__ import annotations

from typing import Callable

from ..errors import BadInput
from .target import DebugTarget, Stop

__all__ = ["DebugTarget", "Stop", "run_under_gdb"]


def run_under_gdb(machine, address: str, wait: bool, break_on_finding: bool,
                  break_on_fault: bool, log: Callable[[str], None], **run_options):
    """Run ``machine`` with a gdb stub on ``address`` ([HOST:]PORT); ``wait``: halted at reset
    until a client connects (as QEMU's -S).  Returns the RunResult once the run has ended."""
    from .rsp import GdbStub, parse_address
    try:
        host, port = parse_address(address)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    target = DebugTarget(machine, halt_at_start=wait, break_on_finding=break_on_finding,
                         break_on_fault=break_on_fault)
    try:
        stub = GdbStub(target, host, port, log)
    except OSError as exc:
        raise BadInput(f"--gdb {address}: cannot listen there: {exc.strerror or exc}") from None
    target.start(**run_options)
    stub.serve(wait_for_client=wait or break_on_finding or break_on_fault)
    return target.result()
