"""Runs one fuzz input through the real CLI in a forked child and judges how it ended.

Each input runs ``emulator.cli.main`` in a child forked from the test process (the engines are
imported once, so a run costs its own time only), stdout to /dev/null (a console flood fills no
disk), stderr to a file.  The parent watches the child's resident memory and the wall clock and
kills it past ``MEMORY_LIMIT`` or past its budget.  Verdicts:

  ok         exit 0 or 1, or exit 2 with a one-line ``fwsandbox: error:`` on stderr
  traceback  an exception escaped (stderr has a traceback) or exit 2 without the error line
  crash      the child died of a signal (the engine took the host process down)
  hang       still running at the input's wall-clock timeout + 1 s (+ a start-up allowance)
  memory     resident memory above MEMORY_LIMIT

With ``FWSANDBOX_FUZZ_LOG`` set every verdict is appended there as a JSON line (family, verdict,
exit code, seconds, peak RSS in MB, the arguments), which ``tests/fuzz/long.py`` sums up; with
``FWSANDBOX_FUZZ_KEEP_GOING`` set a bad verdict is only logged (and its input kept under
``FWSANDBOX_FUZZ_KEEP``), so a long run counts instead of stopping at the first failure.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

# Imported here, once: a child forked for an input starts where a CLI process would be after
# its imports (the fuzz budget is the run's timeout + 1 s, not Python's start-up).
import emulator.cli  # noqa: E402,F401
import emulator.gate  # noqa: E402,F401
import emulator.session  # noqa: E402,F401
import emulator.probes.trace  # noqa: E402,F401
import emulator.arch.arm.core  # noqa: E402,F401
import emulator.arch.ppc.core  # noqa: E402,F401

MEMORY_LIMIT = 500 << 20            # bytes of resident memory
GRACE = 1.0                         # the "wall-clock timeout + 1 s"
STARTUP = 0.0                       # the whole process must end within timeout + 1 s
POLL = 0.01


@dataclass(frozen=True)
class Verdict:
    family: str
    verdict: str
    exit: int | None
    seconds: float
    rss_mb: float
    stderr: str
    args: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


def _child(args: list[str], err_path: str) -> None:
    code = 99
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(devnull, 1)
        os.dup2(err, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from emulator.cli import main
        try:
            main.main(args=args, prog_name="fwsandbox", standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 99
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as stat:
            return int(stat.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_cli(family: str, args: list[str], timeout: float, budget: float | None = None) -> Verdict:
    """Run ``fwsandbox ARGS`` in a forked child; ``timeout`` is the run's --timeout (the hang
    limit is timeout + GRACE + STARTUP unless ``budget`` gives the whole allowance)."""
    limit = budget if budget is not None else timeout + GRACE + STARTUP
    fd, err_path = tempfile.mkstemp(prefix="fuzz-err-")
    os.close(fd)
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child([str(a) for a in args], err_path)
    verdict, status, peak = None, 0, 0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            peak = max(peak, usage.ru_maxrss * 1024)
            break
        rss = _rss(pid)
        peak = max(peak, rss)
        elapsed = time.monotonic() - start
        if rss > MEMORY_LIMIT or elapsed > limit:
            verdict = "memory" if rss > MEMORY_LIMIT else "hang"
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(POLL)
    seconds = time.monotonic() - start
    stderr = Path(err_path).read_text(errors="replace")
    os.unlink(err_path)
    code = os.waitstatus_to_exitcode(status) if verdict is None else None
    if verdict is None:
        verdict = _judge(code, stderr)
    result = Verdict(family, verdict, code, round(seconds, 3), round(peak / 2**20, 1),
                     stderr[-2000:], tuple(str(a) for a in args))
    _log(result)
    return result


def _judge(code: int, stderr: str) -> str:
    if code < 0:
        return "crash"
    if "Traceback (most recent call last)" in stderr or code not in (0, 1, 2):
        return "traceback"
    if code == 2 and "error:" not in stderr and "Error:" not in stderr:
        return "traceback"
    return "ok"


def _log(result: Verdict) -> None:
    path = os.environ.get("FWSANDBOX_FUZZ_LOG")
    if not path:
        return
    record = {"family": result.family, "verdict": result.verdict, "exit": result.exit,
              "seconds": result.seconds, "rss_mb": result.rss_mb}
    if not result.ok:
        record["args"] = list(result.args)
        record["stderr"] = result.stderr[-600:]
        record["kept"] = _keep(result)
    with open(path, "a") as log:
        log.write(json.dumps(record) + "\n")


def _keep(result: Verdict) -> list[str]:
    """Copy the input files of a bad verdict (arguments that are temporary files) for replay."""
    keep = os.environ.get("FWSANDBOX_FUZZ_KEEP")
    if not keep:
        return []
    target = Path(keep) / f"{result.family}-{int(time.time() * 1000)}"
    kept = []
    for arg in result.args:
        if arg.startswith(tempfile.gettempdir()) and Path(arg).is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(arg, target / Path(arg).name)
            kept.append(str(target / Path(arg).name))
    return kept


def check(result: Verdict) -> None:
    """Fail the test on a bad verdict (only log it with FWSANDBOX_FUZZ_KEEP_GOING)."""
    if result.ok or os.environ.get("FWSANDBOX_FUZZ_KEEP_GOING"):
        return
    raise AssertionError(f"{result.verdict} (exit {result.exit}, {result.seconds} s, "
                         f"{result.rss_mb} MB) for fwsandbox {' '.join(result.args)}\n"
                         f"{result.stderr}")
