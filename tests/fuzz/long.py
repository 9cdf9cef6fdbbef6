"""`make fuzz`: the long fuzz run, two pytest processes (one per core) over the families,
every verdict logged (no stop at the first failure), then the figures the issue asks for.

    python -m tests.fuzz.long [--examples N] [--timeout S] [--log FILE] [--keep DIR]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GROUPS = ["elf or raw or check or special or limits", "board or hostile or storm"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=19_100,
                        help="the profile's max_examples (families take weighted shares: ~1.05x in all)")
    parser.add_argument("--timeout", type=float, default=0.3, help="--timeout of each run")
    parser.add_argument("--log", default="build/fuzz/verdicts.jsonl")
    parser.add_argument("--keep", default="build/fuzz/kept")
    args = parser.parse_args()
    log = ROOT / args.log
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    env = dict(os.environ, FWSANDBOX_FUZZ_PROFILE="long", FWSANDBOX_FUZZ_EXAMPLES=str(args.examples),
               FWSANDBOX_FUZZ_KEEP_GOING="1", FWSANDBOX_FUZZ_LOG=str(log),
               FWSANDBOX_FUZZ_KEEP=str(ROOT / args.keep), FWSANDBOX_FUZZ_TIMEOUT=str(args.timeout))
    start = time.monotonic()
    runs = [subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/fuzz", "-k", group], cwd=ROOT, env=env) for group in GROUPS]
    codes = [run.wait() for run in runs]
    print(summary(log, time.monotonic() - start))
    return 0 if all(code == 0 for code in codes) and bad(log) == 0 else 1


def records(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def bad(log: Path) -> int:
    return sum(r["verdict"] != "ok" for r in records(log))


def summary(log: Path, seconds: float) -> str:
    rows = records(log)
    by = collections.Counter((r["family"], r["verdict"]) for r in rows)
    families = sorted({r["family"] for r in rows})
    verdicts = ["ok", "traceback", "crash", "hang", "memory"]
    lines = [f"fwsandbox fuzz: {len(rows):,} inputs in {seconds:,.0f} s",
             f"{'family':<10}" + "".join(f"{v:>11}" for v in verdicts) + f"{'peak MB':>10}"]
    for family in families:
        peak = max(r["rss_mb"] for r in rows if r["family"] == family)
        lines.append(f"{family:<10}" + "".join(f"{by[(family, v)]:>11,}" for v in verdicts) + f"{peak:>10.0f}")
    totals = collections.Counter(r["verdict"] for r in rows)
    lines.append(f"{'total':<10}" + "".join(f"{totals[v]:>11,}" for v in verdicts)
                 + f"{max((r['rss_mb'] for r in rows), default=0):>10.0f}")
    exits = collections.Counter(r["exit"] for r in rows)
    lines.append("exit codes: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(exits.items(), key=str)))
    for r in [r for r in rows if r["verdict"] != "ok"][:20]:
        lines.append(f"  {r['verdict']}: {' '.join(r['args'])} {r.get('kept', '')}\n    {r.get('stderr', '')[-300:]}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
