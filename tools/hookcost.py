"""What each kind of Unicorn hook costs a long compute run on bare Unicorn (no fwsandbox run loop).

The image runs from reset to its first BKPT (the semihosting exit) on a core with the board's
memory map, once per variant, interleaved over --runs rounds; the median CPU time of each
variant is printed with its ratio to no hooks at all.  Every hook is one fwsandbox installs (or
could install), limited to where fwsandbox limits it, and none of them fires in a compute run
except the block hooks:

    python tools/hookcost.py [--runs 3] [IMAGE]     (default build/bench/coremark.elf)
"""
from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import unicorn                                        # tools/ may use the engine directly

from emulator.engine.clock import _NATIVE, NativeClock
from emulator.machine.machine import Machine

ROOT = Path(__file__).resolve().parent.parent
PERIPHERAL_PAGES = "peripheral pages"


class Bare:
    """A core with the machine's memory map and image, nothing else (the variant adds hooks)."""

    def __init__(self, machine: Machine, mmio: bool = False, invalid_hook: bool = False):
        self.machine = machine
        cpu = machine.cpu
        spec = machine.spec
        from emulator.engine.cpu import UnicornCpu    # its constructor sets the CPU model
        self.cpu = UnicornCpu(spec.unicorn, dict(spec.cpus)[machine.board.cpu])
        self.uc = self.cpu.uc
        if not invalid_hook:
            self.cpu.remove_hook(self.cpu._invalid_hook)
        self.windows = [(p.base, p.base + p.size - 1) for p in machine.bus.peripherals]
        pages = {lo & ~0xFFF for lo, _ in self.windows}
        for lo, hi, perms in cpu.uc.mem_regions():
            if mmio and lo in pages:
                self.uc.mmio_map(lo, hi - lo + 1, _mmio_read, None, _mmio_write, None)
            else:
                self.uc.mem_map(lo, hi - lo + 1, perms)
        for seg in machine.image.segments:
            self.uc.mem_write(seg.addr, seg.data)
        self.sp, self.pc = cpu.reg("sp"), machine.core.exec_pc(cpu.reg("pc"))

    def run(self) -> float:
        self.cpu.set_reg("sp", self.sp)
        started = time.process_time()
        try:
            self.uc.emu_start(self.pc, 0xFFFFFFFF)
        except unicorn.UcError as exc:                # the BKPT of the semihosting exit
            if exc.errno != unicorn.UC_ERR_EXCEPTION:
                raise
        spent = time.process_time() - started
        self.end = (self.cpu.reg("pc"), self.cpu.reg("r0"), self.cpu.reg("r1"))
        return spent


def _mmio_read(uc, offset, size, data):
    return 0


def _mmio_write(uc, offset, size, value, data):
    pass


def _py_hooks(kinds):
    def add(bare: Bare) -> None:
        for kind in kinds:
            cb = ((lambda uc, acc, a, s, v, d: None))
            for lo, hi in bare.windows:
                bare.uc.hook_add(kind, cb, None, lo, hi)
    return add


def _native_clock(bare: Bare) -> NativeClock:
    m = bare.machine
    clock = NativeClock(m.model, bare.cpu.read, m.core.spin_code, _NATIVE[0])
    clock.deadline = 1 << 62
    bare.keep = clock
    return clock


def _native_block(bare: Bare) -> None:
    _native_clock(bare).install(bare.cpu)


def _native_stack_write(bare: Bare) -> None:
    clock = _native_clock(bare)
    hi = bare.machine.board.memory[1].base + bare.machine.board.memory[1].size - 1 \
        if len(bare.machine.board.memory) > 1 else 0x203FFFFF
    clock.state.stack_base = hi - 0x3FF                  # a 1 KiB stack no store reaches
    bare.cpu.on_native_write(clock.function("bc_hook_stack_write"), ctypes.addressof(clock.state),
                             hi - 0x3FF, hi)


def _native_stack_prot(bare: Bare) -> None:
    clock, cpu = _native_clock(bare), bare.cpu
    hi = 0x203FFFFF
    s = clock.state
    s.stack_base, s.lowest, s.watch_lo, s.watch_hi = hi - 0x3FF, hi + 1, hi - 0x3FF, hi + 1
    s.prot_lo, s.prot_hi, s.host = cpu.write_protect(hi - 0x3FF, hi + 1)
    cpu.on_native_write_protected(clock.function("bc_hook_stack_prot"), ctypes.addressof(s))


def _native_code_one(bare: Bare) -> None:
    clock = _native_clock(bare)
    bare.cpu.on_native_code(clock.function("bc_hook_entry_check"), ctypes.addressof(clock.state),
                            0xFFFFF0, 0xFFFFF0)          # an address no code is at


VARIANTS = {
    "no hooks": (False, lambda bare: None),
    "Python MEM_INVALID (every UnicornCpu has)": (False, lambda bare: None),
    "Python MEM_WRITE on peripheral windows": (False, _py_hooks([unicorn.UC_HOOK_MEM_WRITE])),
    "Python MEM_READ on peripheral windows": (False, _py_hooks([unicorn.UC_HOOK_MEM_READ])),
    "Python MEM_READ+MEM_WRITE on windows": (False, _py_hooks([unicorn.UC_HOOK_MEM_READ,
                                                              unicorn.UC_HOOK_MEM_WRITE])),
    "mmio_map on peripheral pages": (True, lambda bare: None),
    "native MEM_WRITE on a 1 KiB stack": (False, _native_stack_write),
    "write-protected 1 KiB stack + native PROT": (False, _native_stack_prot),
    "native CODE on one address": (False, _native_code_one),
    "native BLOCK (the block clock)": (False, _native_block),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image", nargs="?", default=str(ROOT / "build" / "bench" / "coremark.elf"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    machine = Machine.load(args.image, record=False)
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    ends: dict[tuple, list[str]] = {}
    for _ in range(args.runs):
        for name, (mmio, add) in VARIANTS.items():
            bare = Bare(machine, mmio, name != "no hooks")
            add(bare)
            samples[name].append(bare.run())
            ends.setdefault(bare.end, []).append(name)
    if len(ends) != 1:
        raise SystemExit(f"the variants stopped in different places: {ends}")
    base = statistics.median(samples["no hooks"])
    print(f"hook cost on bare Unicorn {unicorn.__version__}, {Path(args.image).name}, "
          f"median CPU seconds of {args.runs} interleaved runs")
    for name, times in samples.items():
        t = statistics.median(times)
        print(f"  {name:<42} {t:7.3f} s  {t / base:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
