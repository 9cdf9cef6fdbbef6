"""Speed benchmark: fwsandbox with every detector on, beside its limits and QEMU.

For each workload, interleaved run by run (medians of --runs), CPU seconds:
  (a) limit     in this process: Unicorn with only what delivers the same interrupts (the native
                block clock, which decides when timers fire; timers, NVIC/INTC, exception
                entry/return).  No probes, no event recording, no detectors.
  (b) fwsandbox in this process: `fwsandbox run`'s work (default rules: call probes on every
                allocator, the interrupt-stack watch, events, detectors, the report).
  run           `fwsandbox run IMAGE` as a whole process, start-up included.
  bare          `tools/bare.py IMAGE`: Unicorn on the board's memory map with no hooks at all, as
                a whole process, start-up included (images that need no interrupt only).
  qemu          `qemu-system-arm -M mps2-an386 -semihosting -kernel IMAGE`, whole process.
(a) and (b) must agree on cycles, instructions and console output (same deliveries), else the
benchmark fails.  Also printed: the start-up of `fwsandbox run` on a small image, the peak
RSS of the largest run, and `fwsandbox explore` on the ARM demo's windows: branches per second
forked from the recording run (--jobs 1 and 2) and rerun from reset (the first --explore-points
points).

    python tools/bench.py [--runs 5] [--workload NAME ...]      (make bench)
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.engine import clock
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
    bare: bool = False             # runs the same instructions without interrupts
    qemu: bool = True              # an ARM image QEMU's mps2-an386 runs


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
    return [Workload("coremark", OUT / "coremark.elf", "gcc -O2 CRC/list/matrix/state kernels, no interrupts", bare=True),
            Workload("compute", OUT / "compute.elf", "same kernels, SysTick every 100,000 cycles"),
            Workload("irq-heavy", OUT / "irqheavy.elf", "same kernels, SysTick every 2,000 cycles"),
            Workload("demo-arm", demo_variant("arm"), f"allocation-heavy demo, {DEMO_LOOPS} loops"),
            Workload("demo-ppc", demo_variant("ppc"), f"allocation-heavy demo, {DEMO_LOOPS} loops",
                     qemu=False)]


# the ways to run an image ---------------------------------------------------------------------
def run_limit(image: Path):
    machine = Machine.load(image, record=False)
    started = time.process_time()
    result = machine.run(BUDGET, TIMEOUT)
    return time.process_time() - started, result


def run_fwsandbox(image: Path):
    machine, rules = prepare(image)
    started = time.process_time()
    result = machine.run(BUDGET, TIMEOUT)
    report = render_json(finish_analysis(machine, result, rules, image).report)
    return time.process_time() - started, result, report


def child_cpu(argv: list[str], ok=(0,)) -> float:
    """CPU seconds (user + system) of a whole child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=TIMEOUT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}\n{proc.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fwsandbox_argv(image: Path) -> list[str]:
    return [str(Path(sys.executable).with_name("fwsandbox")), "run", str(image),
            "--max-cycles", str(BUDGET)]


def bare_argv(image: Path) -> list[str]:
    return [sys.executable, str(ROOT / "tools" / "bare.py"), str(image)]


def qemu_argv(image: Path) -> list[str]:
    return ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-semihosting",
            "-kernel", str(image)]


# measurement ---------------------------------------------------------------------------------
def measure(work: Workload, runs: int) -> dict:
    qemu = work.qemu and shutil.which("qemu-system-arm") is not None
    times: dict[str, list[float]] = {"a": [], "b": [], "run": [], "bare": [], "qemu": []}
    instructions = 0
    for _ in range(runs):
        t_a, limit = run_limit(work.image)
        t_b, full, report = run_fwsandbox(work.image)
        _same_deliveries(work, limit, full)
        times["a"].append(t_a), times["b"].append(t_b)
        times["run"].append(child_cpu(fwsandbox_argv(work.image), ok=(0, 1)))
        if work.bare:
            times["bare"].append(child_cpu(bare_argv(work.image)))
        if qemu:
            times["qemu"].append(child_cpu(qemu_argv(work.image), ok=(0, 1)))
        instructions = full.instructions
    med = {k: statistics.median(v) if v else None for k, v in times.items()}
    return {"work": work, "instructions": instructions, **med}


def _same_deliveries(work: Workload, limit, full) -> None:
    got = (limit.cycles, limit.instructions, limit.output, limit.reason)
    want = (full.cycles, full.instructions, full.output, full.reason)
    if got != want:
        raise SystemExit(f"{work.name}: (a) and (b) differ: {got[:2]} vs {want[:2]}")


def startup(runs: int) -> tuple[float, float]:
    """Medians of the wall and CPU seconds of `fwsandbox run firmware/arm/demo.elf`."""
    exe = Path(sys.executable).with_name("fwsandbox")
    wall, cpu = [], []
    for _ in range(runs):
        started = time.perf_counter()
        cpu.append(child_cpu([str(exe), "run", "firmware/arm/demo.elf"]))
        wall.append(time.perf_counter() - started)
    return statistics.median(wall), statistics.median(cpu)


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
def _ratio(num: float | None, den: float | None) -> str:
    return f"{num / den:6.2f}" if num and den else f"{'-':>6}"


def _secs(value: float | None) -> str:
    return f"{value:7.2f}" if value is not None else f"{'-':>7}"


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
    head = (f"{'workload':<10} {'instr':>11} {'(a) limit':>10} {'(b) fwsbx':>10} {'run s':>7} "
            f"{'bare s':>7} {'qemu s':>7} {'b/a':>6} {'bare/run':>8} {'qemu/run':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        mips = {k: r["instructions"] / r[k] / 1e6 for k in "ab"}
        lines.append(f"{r['work'].name:<10} {r['instructions']:>11,} {mips['a']:>5.1f} MIPS "
                     f"{mips['b']:>5.1f} MIPS {_secs(r['run'])} {_secs(r['bare'])} {_secs(r['qemu'])} "
                     f"{_ratio(r['a'], r['b'])} {_ratio(r['bare'], r['run']):>8} "
                     f"{_ratio(r['qemu'], r['run']):>8}")
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
    print(f"fwsandbox bench, {clock.describe()}, medians of {args.runs} interleaved runs, "
          "CPU seconds; MIPS = emulated instructions / CPU second of the run; run, bare and "
          "qemu are whole processes, start-up included")
    print(table(rows))
    for w in selected:
        print(f"  {w.name:<10} {w.what}")
    wall, cpu = startup(args.runs)
    bytecode = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    print(f"start-up of `fwsandbox run firmware/arm/demo.elf`: {wall:.3f} s wall, {cpu:.3f} s "
          f"CPU (bytecode cache writes {bytecode})")
    biggest = max(rows, key=lambda r: r["instructions"])["work"]
    print(f"peak RSS of `fwsandbox run {biggest.image.relative_to(ROOT)}`: {peak_rss_mb(biggest.image):.0f} MB")
    for how, rate, count, cpu_ms in explore_rates(args.explore_points) if args.explore_points else ():
        print(f"explore firmware/arm/demo.elf, {how}: {rate:.0f} branches/s, {cpu_ms:.1f} ms CPU "
              f"a branch ({count} branches, the recording run included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
