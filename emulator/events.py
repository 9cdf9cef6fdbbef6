"""Events the machine emits for detectors: frozen, engine-free, stamped with cycle and context.

Contract: every event carries ``cycle`` (the cycle-model clock when it happened) and, where it
happens inside the firmware, the ``Context`` it happened in.  Detectors consume sequences of
these and nothing else, so they run on hand-written lists and on recorded traces alike.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    """Where the CPU is: thread code (depth 0) or a chain of active interrupt handlers."""

    handler: str | None = None          # innermost active handler's symbol, None in thread mode
    irq: int | None = None              # its exception/vector number (Cortex-M: 15 = SysTick, 16+n = IRQn)
    depth: int = 0                      # number of active (nested) interrupts
    chain: tuple[str, ...] = ()         # active handlers, outermost first
    masked: bool = False                # interrupts masked (PRIMASK/BASEPRI set; Book E MSR[EE]=0)

    @property
    def in_interrupt(self) -> bool:
        return self.depth > 0

    @property
    def name(self) -> str:
        return self.handler or "thread"


THREAD = Context()


@dataclass(frozen=True)
class InterruptEntered:
    """Exception entry completed; ``context`` is the new (handler) context."""

    cycle: int
    number: int
    name: str                           # 'SysTick', 'PendSV', 'IRQ8', 'IVOR4:59', ...
    handler: str                        # handler symbol (or hex address)
    context: Context
    sp: int                             # SP after the frame was pushed
    preempted_pc: int                   # where the interrupted code resumes
    tail_chained: bool = False
    preempted_location: str = ""        # 'symbol+0xoff' of preempted_pc, when known
    entry_cycles: int = 0               # cycles the entry itself took (stacking); it began at cycle - entry_cycles


@dataclass(frozen=True)
class InterruptExited:
    """Exception return started from ``number``; ``context`` is the context returned to."""

    cycle: int
    number: int
    handler: str
    context: Context
    return_pc: int
    tail_chained_to: int | None = None


@dataclass(frozen=True)
class CallEntered:
    """A watched function was entered (its first instruction is about to run)."""

    cycle: int
    call_id: int
    function: str
    args: tuple[int, ...]
    return_address: int
    call_site: str                      # 'symbol+0xoff' of the calling instruction
    sp: int
    context: Context
    backtrace: tuple[str, ...] = ()     # innermost first, 'symbol+0xoff'
    call_pc: int | None = None          # address of the calling instruction, when known


@dataclass(frozen=True)
class CallReturned:
    """The watched call ``call_id`` returned to its caller with ``value``."""

    cycle: int
    call_id: int
    function: str
    value: int
    context: Context


@dataclass(frozen=True)
class StackWrite:
    """A write below a watched stack's base (its guard region): a byte-exact overflow."""

    cycle: int
    stack: str
    base: int
    top: int
    address: int
    size: int
    pc: int
    location: str
    sp: int
    context: Context
    by_exception_frame: bool = False    # the hardware-pushed frame of a nested interrupt


@dataclass(frozen=True)
class StackSample:
    """Deepest address used on a watched stack while ``context`` was active (high-water mark)."""

    cycle: int
    stack: str
    base: int
    top: int
    lowest: int
    context: Context


@dataclass(frozen=True)
class Fault:
    """The firmware did something the core cannot continue from (or took HardFault)."""

    cycle: int
    kind: str                           # 'unmapped-read', 'undefined-instruction', 'bad-exc-return', ...
    pc: int
    location: str
    message: str
    context: Context
    address: int | None = None


@dataclass(frozen=True)
class RunEnded:
    """Last event of every run."""

    cycle: int
    instructions: int
    reason: str                         # 'exit', 'budget', 'timeout', 'fault', 'deadlock', 'stopped'
    code: int | None = None
