"""Speed benchmark: fwsandbox with every detector on, side by side with its limit and a naive twin.

For each workload, in one process, interleaved run by run (medians of --runs):
  (a) limit     Unicorn with only what delivers the same interrupts: the native block clock (it
                decides when timers fire), timers, NVIC/INTC, exception entry/return.  No
                probes, no event recording, no detectors.
  (b) fwsandbox every detector on: `fwsandbox run`'s work (default rules: call probes on every
                allocator, the interrupt-stack watch, events, detectors, the report).
  (c) naive     (b) plus a Python hook on every instruction doing the per-instruction cycle and
                ISR-context bookkeeping (model cost of the instruction, read IPSR / MSR).
(a) and (b) must agree on cycles, instructions and console output (same deliveries), else the
benchmark fails.  Also printed: bare Unicorn (no hooks at all, so no interrupts) on the compute
workload, start-up time of `fwsandbox run` on a small image, and peak RSS of the largest run,
and `fwsandbox explore` on the ARM demo's windows: branches per second forked from the
recording run (--jobs 1 and 2) and rerun from reset (the first --explore-points points).

    python tools/bench.py [--runs 5] [--workload NAME ...]      (make bench)
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.engine import clock
from emulator.engine.cpu import UnicornCpu
from emulator.machine.machine import Machine
from emulator.report import render_json
from emulator.session import finish_analysis, prepare
from tools.build_firmware import build_image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
DEMO_LOOPS = 1024                  # a Thumb-2 modified immediate (cmp r4, #LOOPS)
BUDGET, TIMEOUT = 400_000_000, 600.0


@dataclass(frozen=True)
class Workload:
    name: str
    image: Path
    what: str


def demo_variant(arch: str) -> Path:
    """firmware/<arch>/demo.s with more loop iterations: the allocation-heavy workload."""
    src = (ROOT / "firmware" / arch / "demo.s").read_text()
    src, n = re.subn(r"(\.equ\s+LOOPS,\s*)\d+", rf"\g<1>{DEMO_LOOPS}", src)
    if n != 1:
        raise SystemExit(f"firmware/{arch}/demo.s: no '.equ LOOPS' line to scale")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"demo_{arch}.s"
    path.write_text(src)
    elf = path.with_suffix(".elf")
    elf.write_bytes(build_image(path, arch, ROOT))
    return elf


def workloads() -> list[Workload]:
    subprocess.run(["make", "-s", "-C", str(ROOT / "firmware" / "bench")], check=True)
    return [Workload("compute", OUT / "compute.elf", "gcc -O2 CRC/list/matrix, SysTick 100k cycles"),
            Workload("irq-heavy", OUT / "irqheavy.elf", "same kernels, SysTick every 2,000 cycles"),
            Workload("demo-arm", demo_variant("arm"), f"allocation-heavy demo, {DEMO_LOOPS} loops"),
            Workload("demo-ppc", demo_variant("ppc"), f"allocation-heavy demo, {DEMO_LOOPS} loops")]


# the three ways to run an image -------------------------------------------------------------
def run_limit(image: Path):
    machine = Machine.load(image, record=False)
    started = time.perf_counter()
    result = machine.run(BUDGET, TIMEOUT)
    return time.perf_counter() - started, result


def run_fwsandbox(image: Path, naive: bool = False):
    machine, rules = prepare(image)
    if naive:
        NaiveBookkeeping(machine)
    started = time.perf_counter()
    result = machine.run(BUDGET, TIMEOUT)
    report = render_json(finish_analysis(machine, result, rules, image).report)
    return time.perf_counter() - started, result, report


class NaiveBookkeeping:
    """What a sandbox without a native clock does: Python on every executed instruction."""

    def __init__(self, machine):
        self.cpu, self.model = machine.cpu, machine.model
        self.context_reg = machine.spec.context_reg
        self.cost: dict[int, int] = {}
        self.cycles = self.isr_instructions = 0
        machine.cpu.on_code(self.on_instruction)

    def on_instruction(self, addr: int, size: int) -> None:
        cost = self.cost.get(addr)
        if cost is None:
            cost = self.cost[addr] = self.model.block(self.cpu.read(addr, size), addr).total
        self.cycles += cost
        if self.cpu.reg(self.context_reg):
            self.isr_instructions += 1


def run_bare(image: Path, count: int = 4_000_000) -> tuple[float, int]:
    """Unicorn alone (no hooks, so no interrupts): the first ``count`` instructions of the image."""
    machine = Machine.load(image, record=False)
    bare = UnicornCpu(machine.spec.unicorn, dict(machine.spec.cpus)[machine.board.cpu])
    for lo, hi, perms in machine.cpu.uc.mem_regions():     # memory and peripheral pages
        bare.uc.mem_map(lo, hi - lo + 1, perms)
    for seg in machine.image.segments:
        bare.write(seg.addr, seg.data)
    for name in ("sp", "pc"):
        bare.set_reg(name, machine.cpu.reg(name))
    started = time.perf_counter()
    bare.start(machine.core.exec_pc(machine.cpu.reg("pc")), count=count)
    return time.perf_counter() - started, count


# measurement ---------------------------------------------------------------------------------
def measure(work: Workload, runs: int) -> dict:
    times = {"a": [], "b": [], "c": []}
    instructions = 0
    for _ in range(runs):
        t_a, limit = run_limit(work.image)
        t_b, full, report = run_fwsandbox(work.image)
        t_c, naive, naive_report = run_fwsandbox(work.image, naive=True)
        _same_deliveries(work, limit, full)
        if naive_report != report:
            raise SystemExit(f"{work.name}: the naive run gave a different report")
        times["a"].append(t_a), times["b"].append(t_b), times["c"].append(t_c)
        instructions = full.instructions
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"work": work, "instructions": instructions, **med}


def _same_deliveries(work: Workload, limit, full) -> None:
    got = (limit.cycles, limit.instructions, limit.output, limit.reason)
    want = (full.cycles, full.instructions, full.output, full.reason)
    if got != want:
        raise SystemExit(f"{work.name}: (a) and (b) differ: {got[:2]} vs {want[:2]}")


def startup(runs: int) -> float:
    exe = Path(sys.executable).with_name("fwsandbox")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(exe), "run", "firmware/arm/demo.elf"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


# Peak memory of `fwsandbox run`, taken inside that process from VmHWM (the high-water mark of
# its own address space).  The rusage maxrss a parent gets from wait4 would also count the
# pages of the forked copy of this (large) benchmark process before it exec'd.
_PEAK_RSS = """
import sys
from emulator.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(int(hwm.split()[1]) // 1024, file=sys.stderr)
"""


def peak_rss_mb(image: Path) -> float:
    proc = subprocess.run([sys.executable, "-c", _PEAK_RSS, "run", str(image), "--max-cycles",
                           str(BUDGET)], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode not in (0, 1):          # 1: the run has findings
        raise SystemExit(f"fwsandbox run {image}: exit {proc.returncode}\n{proc.stderr}")
    return float(proc.stderr.split()[-1])


# output --------------------------------------------------------------------------------------
def explore_rates(points: int) -> list[tuple[str, float, int, float]]:
    """(how, branches per wall second, branches, CPU ms per branch, children included) of
    exploring firmware/arm/demo.elf's first ``points`` points; all must give the same report."""
    import resource
    from emulator.explore import Options, explore
    from emulator.explore.summary import render_explore_json

    def cpu() -> float:
        return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                     resource.getrusage(resource.RUSAGE_CHILDREN)))
    rows, docs = [], set()
    for via, jobs in (("fork", 1), ("fork", 2), ("rerun", 1)):
        before = cpu()
        found = explore(str(ROOT / "firmware" / "arm" / "demo.elf"),
                        Options(max_points=points, jobs=jobs, via=via))
        used = cpu() - before
        docs.add(render_explore_json(found))
        count = len(found.results)
        rows.append((f"{via} --jobs {jobs}", count / found.seconds, count, 1000 * used / max(count, 1)))
    if len(docs) != 1:
        raise SystemExit("explore: forked and rerun branches gave different reports")
    return rows


def table(rows: list[dict]) -> str:
    head = (f"{'workload':<10} {'instr':>10} {'(a) limit':>10} {'(b) fwsandbox':>14} "
            f"{'(c) naive':>10} {'b/a':>6} {'b/c':>6}")
    lines = [head, "-" * len(head)]
    for r in rows:
        mips = {k: r["instructions"] / r[k] / 1e6 for k in "abc"}
        lines.append(f"{r['work'].name:<10} {r['instructions']:>10,} {mips['a']:>6.1f} MIPS "
                     f"{mips['b']:>9.1f} MIPS {mips['c']:>5.2f} MIPS "
                     f"{r['a'] / r['b']:>6.2f} {r['c'] / r['b']:>6.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per workload (median), default 5")
    ap.add_argument("--workload", action="append", help="only these workloads")
    ap.add_argument("--explore-points", type=int, default=300,
                    help="points of the explore row (0: no explore row), default 300")
    args = ap.parse_args(argv)
    if clock.active_kind() != "native":
        print(f"warning: {clock.describe()}", file=sys.stderr)
    selected = [w for w in workloads() if not args.workload or w.name in args.workload]
    rows = [measure(w, args.runs) for w in selected]
    print(f"fwsandbox bench, {clock.describe()}, medians of {args.runs} runs, MIPS = "
          "emulated instructions / wall second of the run")
    print(table(rows))
    for w in selected:
        print(f"  {w.name:<10} {w.what}")
    if any(w.name == "compute" for w in selected):
        bare_t, bare_n = run_bare(OUT / "compute.elf")
        print(f"bare Unicorn, no hooks (compute, first {bare_n:,} instructions): "
              f"{bare_n / bare_t / 1e6:.1f} MIPS")
    print(f"start-up of `fwsandbox run firmware/arm/demo.elf`: {startup(args.runs):.3f} s")
    biggest = max(rows, key=lambda r: r["instructions"])["work"]
    print(f"peak RSS of `fwsandbox run {biggest.image.relative_to(ROOT)}`: {peak_rss_mb(biggest.image):.0f} MB")
    for how, rate, count, cpu_ms in explore_rates(args.explore_points) if args.explore_points else ():
        print(f"explore firmware/arm/demo.elf, {how}: {rate:.0f} branches/s, {cpu_ms:.1f} ms CPU "
              f"a branch ({count} branches, the recording run included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
