"""One table of interrupt-model behaviours, each with its ISA-neutral outcome and an image per ISA.

A row names a behaviour, the outcome a user can rely on in terms both ISAs share (handler entry
and exit order with the nesting chain, cycles between entries, where an interrupt preempted the
code, fault kinds and locations, console output, how the run ended) and a builder per ISA
(``behaviours_arm``, ``behaviours_ppc``: the same labels on both, so handler names agree).
``observe`` turns a run's events (emulator/events.py) into an ``Outcome``; ``differences``
compares only the fields a row states.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import behaviours_arm as arm
import behaviours_ppc as ppc
from emulator.errors import BadInput
from emulator.events import Fault, InterruptEntered, InterruptExited

SUBSTRING_FIELDS = ("message", "rejected")
IMAGE = "image.elf"                         # rejection rows write their ELF under this name


@dataclass(frozen=True)
class Outcome:
    """What a run showed; in an expectation, None means 'not part of this behaviour'."""

    exit: tuple | None = None                # (reason, firmware exit code)
    trace: tuple[str, ...] | None = None     # '+outer>inner' on entry (the chain), '-handler' on exit
    gaps: tuple[int, ...] | None = None      # cycles between consecutive handler entries
    preempted: tuple[str, ...] | None = None  # where each entry interrupted the code ('symbol+0xoff')
    faults: tuple[str, ...] | None = None    # 'kind@location' per Fault event
    output: str | None = None                # console text (semihosting / UART)
    message: str | None = None               # contained in the run's end message
    rejected: str | None = None              # contained in the load error ('IMAGE' = the path)


@dataclass(frozen=True)
class Behaviour:
    name: str
    expected: Outcome
    arm: Callable                            # tmp_path -> Machine (or raises BadInput)
    ppc: Callable
    max_cycles: int = 2_000_000
    run_for: int | None = None               # Machine.run's run_for and idle_ok
    idle_ok: bool = False


def observe(result) -> Outcome:
    """The ISA-neutral outcome of a finished run."""
    trace, entries = [], []
    for e in result.events:
        if isinstance(e, InterruptEntered):
            trace.append("+" + ">".join(e.context.chain))
            entries.append(e)
        elif isinstance(e, InterruptExited):
            trace.append("-" + e.handler)
    starts = [e.cycle for e in entries]
    return Outcome(exit=(result.reason, result.code), trace=tuple(trace),
                   gaps=tuple(b - a for a, b in zip(starts, starts[1:])),
                   preempted=tuple(e.preempted_location for e in entries),
                   faults=tuple(f"{e.kind}@{e.location}" for e in result.events if isinstance(e, Fault)),
                   output=result.output, message=result.message)


def run(row: Behaviour, isa: str, tmp_path) -> tuple[Outcome, list]:
    """Build the row's image for ``isa`` and run it: its outcome and its event list."""
    try:
        machine = getattr(row, isa)(tmp_path)
    except BadInput as exc:
        return Outcome(rejected=str(exc).replace(str(tmp_path / IMAGE), "IMAGE")), []
    result = machine.run(max_cycles=row.max_cycles, timeout=20, run_for=row.run_for,
                         idle_ok=row.idle_ok)
    return observe(result), result.events


def differences(expected: Outcome, observed: Outcome) -> dict:
    """field -> (expected, observed) for every stated field the run does not match."""
    out = {}
    for f in fields(Outcome):
        want, got = getattr(expected, f.name), getattr(observed, f.name)
        if want is None:
            continue
        ok = want in (got or "") if f.name in SUBSTRING_FIELDS else want == got
        if not ok:
            out[f.name] = (want, got)
    return out


def handled(kind: str) -> Behaviour:
    return Behaviour(f"{kind} is reported and enters the fault handler, which resumes after it",
                     Outcome(exit=("exit", 0), faults=(f"{kind}@bad",), preempted=("bad",),
                             trace=("+fault_handler", "-fault_handler")),
                     getattr(arm, f"handled_{kind.replace('-', '_')}"),
                     getattr(ppc, f"handled_{kind.replace('-', '_')}"))


TABLE = [
    Behaviour("a higher-priority interrupt preempts a running handler and nests",
              Outcome(exit=("exit", 0), trace=("+low", "+low>high", "-high", "-low")),
              arm.nesting, ppc.nesting),
    Behaviour("an interrupt of equal priority waits until the running handler returns",
              Outcome(exit=("exit", 0), trace=("+first", "-first", "+second", "-second")),
              arm.same_priority, ppc.same_priority),
    Behaviour("returning from a nested handler restores the preempted handler's priority",
              Outcome(exit=("exit", 0), trace=("+low", "+low>high", "-high", "+low>mid", "-mid",
                                               "-low", "+lowest", "-lowest")),
              arm.priority_restore, ppc.priority_restore),
    Behaviour("a masked interrupt is held pending and taken right after the unmasking instruction",
              Outcome(exit=("exit", 0), trace=("+held", "-held"), preempted=("after_enable",)),
              arm.masked_held, ppc.masked_held),
    Behaviour("a periodic timer interrupts exactly every period cycles",
              Outcome(exit=("exit", 0), gaps=(5000, 5000, 5000),
                      trace=("+tick", "-tick") * 3 + ("+tick",)),
              arm.periodic_timer, ppc.periodic_timer),
    Behaviour("a system call enters its handler and returns its result to the caller",
              Outcome(exit=("exit", 42), trace=("+syscall", "-syscall"), preempted=("after_call",)),
              arm.syscall, ppc.syscall),
    handled("unmapped-read"),
    handled("unmapped-write"),
    handled("undefined-instruction"),
    Behaviour("a fault without a fault handler ends the run as a fault",
              Outcome(exit=("fault", None), faults=("unmapped-read@bad",), trace=()),
              arm.unhandled_fault, ppc.unhandled_fault),
    Behaviour("a fault inside the fault handler ends the run as a fault",
              Outcome(exit=("fault", None), faults=("unmapped-read@bad", "unmapped-read@nested_bad"),
                      trace=("+fault_handler",), preempted=("bad",)),
              arm.fault_in_fault_handler, ppc.fault_in_fault_handler),
    Behaviour("idling with nothing that can wake the core is a deadlock, not a hang",
              Outcome(exit=("deadlock", None), message="with no interrupt that can ever wake it"),
              arm.deadlock, ppc.deadlock),
    Behaviour("a runaway loop stops at the cycle budget, saying where the core was",
              Outcome(exit=("budget", None), message="cycle budget of 100,000 cycles reached at "),
              arm.runaway, ppc.runaway, max_cycles=100_000),
    Behaviour("firmware that never exits ends as stopped after the cycles it was given",
              Outcome(exit=("stopped", None), message="ran for 50,000 cycles as asked at "),
              arm.runaway, ppc.runaway, run_for=50_000),
    Behaviour("the cycle budget still ends a run given more cycles than the budget",
              Outcome(exit=("budget", None), message="cycle budget of 20,000 cycles reached"),
              arm.runaway, ppc.runaway, max_cycles=20_000, run_for=50_000),
    Behaviour("idling with nothing left to wake the core ends as stopped when that is allowed",
              Outcome(exit=("stopped", None), message="wake it (--idle-ok)"),
              arm.deadlock, ppc.deadlock, idle_ok=True),
    Behaviour("console output and the firmware's exit code reach the run result",
              Outcome(exit=("exit", 7), output="hello\n"),
              arm.exit_code, ppc.exit_code),
    Behaviour("an image with a segment outside the board's memory is rejected",
              Outcome(rejected="IMAGE: segment 0x90000000+0x8 lies outside the memory of board"),
              arm.outside_memory, ppc.outside_memory),
    Behaviour("an image of an instruction-set variant the core cannot run is rejected",
              Outcome(rejected="IMAGE: "), arm.unsupported_variant, ppc.unsupported_variant),
]
