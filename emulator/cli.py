"""The ``fwsandbox`` command line: thin click commands over Machine, detectors and reports."""
from __future__ import annotations

import sys

import click

from . import __version__
from .engine import clock
from .errors import BadInput, FwError
from .machine.machine import DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT
from .report.runsummary import exit_code, run_text

_INT = click.INT


class _Address(click.ParamType):
    name = "address"

    def convert(self, value, param, ctx):
        try:
            address = int(value, 0) if isinstance(value, str) else int(value)
        except ValueError:
            self.fail(f"{value!r} is not an address (use 0x...)", param, ctx)
        if not 0 <= address <= 0xFFFFFFFF:
            self.fail(f"{value!r} is not a 32-bit address (0 to 0xffffffff)", param, ctx)
        return address


@click.group()
@click.version_option(__version__, prog_name="fwsandbox",
                      message=f"%(prog)s %(version)s\n{clock.describe()}")
def main() -> None:
    """An emulated, interrupt-driven microcontroller sandbox."""


def _limit_options() -> list:
    """--run-for and --idle-ok: how firmware that never exits can still end a run well."""
    return [click.option("--run-for", metavar="CYCLES|DURATION",
                         help="End the run as 'stopped' (exit 0 without findings) after this "
                              "many cycles (5000000, 5M) or this much model time (2s, 500ms)."),
            click.option("--idle-ok", is_flag=True,
                         help="A core idle with nothing left to wake it ends the run as 'stopped'.")]


def _run_options(func):
    options = [
        click.argument("image", type=click.Path(dir_okay=False)),
        click.option("--board", help="Built-in board name or board TOML file (default: from the image)."),
        click.option("--base", type=_Address(), help="Load address of a raw binary image."),
        click.option("--rules", "rules", type=click.Path(dir_okay=False),
                     help="Your ISR-safety rules TOML, merged over the built-in profiles the image enables."),
        click.option("--max-cycles", type=click.IntRange(1), default=DEFAULT_MAX_CYCLES,
                     show_default=True, help="Cycle budget of the run."),
        click.option("--timeout", type=click.FloatRange(0.01), default=DEFAULT_TIMEOUT,
                     show_default=True, help="Wall-clock limit in seconds."),
        *_limit_options(),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _profile_options(func):
    """--profile NAME (repeatable) and --no-profiles: which built-in rule profiles apply."""
    func = click.option("--no-profiles", is_flag=True,
                        help="Enable no profile by its symbols (only --profile ones).")(func)
    return click.option("--profile", "profile", multiple=True, metavar="NAME",
                        help="Enable a built-in rule profile even without its symbols "
                             "(repeatable; `fwsandbox profiles` lists them).")(func)


@main.command()
@_run_options
@_profile_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--trace", is_flag=True, help="Print every executed instruction to stderr (slow).")
@click.option("--trace-limit", type=click.IntRange(1), default=10_000, show_default=True)
@click.option("--trace-from", metavar="SYMBOL|CYCLE",
              help="Start the trace when SYMBOL first runs, or at model cycle CYCLE (implies --trace).")
@click.option("--trace-window", type=click.IntRange(1, 100_000), metavar="N",
              help="Print the last N executed instructions before each finding and at a fault.")
@click.option("--gdb", "gdb", is_flag=False, flag_value="127.0.0.1:1234", metavar="[HOST:]PORT",
              help="Serve gdb's remote protocol there (--gdb alone: 127.0.0.1:1234).")
@click.option("--gdb-wait", is_flag=True, help="Halt at reset until gdb connects (implies --gdb).")
@click.option("--break-on-finding", is_flag=True,
              help="Stop in gdb (SIGTRAP) when a detector fires (implies --gdb).")
@click.option("--break-on-fault", is_flag=True,
              help="Stop in gdb (SIGTRAP) at a fault, before its handler (implies --gdb).")
@click.option("--inject-irq", "inject", multiple=True, metavar="N@CYCLE",
              help="Pend interrupt N at model cycle CYCLE, taken at the next instruction boundary "
                   "that lets it in (Cortex-M exception number, Book E INTC source; repeatable).")
def run(image, board, base, rules, max_cycles, timeout, run_for, idle_ok, profile, no_profiles,
        fmt, trace, trace_limit, trace_from, trace_window, gdb, gdb_wait, break_on_finding,
        break_on_fault, inject) -> None:
    """Run IMAGE: stream its console output, then print the summary and findings.

    Exit code 0: the firmware exited 0 (or ran for --run-for, or idled with --idle-ok) and
    nothing was found; 1: findings, a fault, a budget or timeout, or a nonzero firmware exit;
    2: bad input.
    """
    from .machine.runlimits import parse_duration
    from .session import prepare, finish_analysis
    from .explore.inject import injector_for
    injections = _guard(lambda: injector_for(inject))
    machine, bound = _guard(lambda: prepare(image, board, rules, base, profiles=profile,
                                            auto=not no_profiles, stream=True,
                                            before_probes=injections.attach))
    cycles = _guard(lambda: parse_duration(run_for, machine.board.clock_hz)) if run_for else None
    if fmt == "text":
        machine.console_sink = _stream
    if trace or trace_from:
        from .probes.trace import Tracer, trace_start
        start = _guard(lambda: trace_start(machine, trace_from))
        Tracer(machine, trace_limit, lambda line: click.echo(line, err=True), start)
    if trace_window:
        from .probes.trace import TraceWindow
        TraceWindow(machine, trace_window, lambda text: click.echo(text, err=True))
    options = dict(max_cycles=max_cycles, timeout=timeout, run_for=cycles, idle_ok=idle_ok)
    if gdb or gdb_wait or break_on_finding or break_on_fault:
        from .debug import run_under_gdb
        result = _guard(lambda: run_under_gdb(
            machine, gdb or "127.0.0.1:1234", gdb_wait, break_on_finding, break_on_fault,
            lambda line: click.echo(line, err=True), **options))
    else:
        result = _guard(lambda: machine.run(**options))
    analysis = finish_analysis(machine, result, bound, image)
    if fmt == "json":
        from .report.jsondoc import render_json
        click.echo(render_json(analysis.report), nl=False)
    else:
        _finish_console(result.output)
        click.echo(run_text(machine, result, analysis.results.interrupts,
                            analysis.results.unreturned, analysis.report.watch)
                   + injections.text(result))
        if analysis.results.findings:
            from .report.text import render_text
            click.echo(render_text(analysis.report))
    sys.exit(exit_code(result, analysis.results.findings))


@main.command()
@_run_options
@_profile_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--table", type=click.Choice(["allocations", "handlers", "latency", "masked"]),
              default="allocations", show_default=True, help="The table --format csv prints.")
@click.option("--plot", type=click.Path(dir_okay=False), help="Write an SVG histogram of cycles per allocation.")
@click.option("--html", type=click.Path(dir_okay=False),
              help="Write a self-contained HTML report (tables, findings, pictures).")
def report(image, board, base, rules, max_cycles, timeout, run_for, idle_ok, profile,
           no_profiles, fmt, table, plot, html) -> None:
    """Cycle-count report of IMAGE: cycles per allocation function and context, stack high-water
    marks and interrupts taken."""
    from .report import render_csv, render_json, render_table, write_histogram_svg
    from .report.svg import check_writable
    from .session import analyse
    for path, what in ((plot, "the SVG plot"), (html, "the HTML report")):
        if path:
            _guard(lambda: check_writable(path, what))
    analysis = _guard(lambda: analyse(image, board, rules, max_cycles, timeout, base,
                                      run_for=run_for, idle_ok=idle_ok, profiles=profile,
                                      auto=not no_profiles, masks=True, timeline=bool(html)))
    renderers = {"table": render_table, "json": render_json,
                 "csv": lambda r: render_csv(r, table)}
    click.echo(renderers[fmt](analysis.report), nl=fmt == "table")
    if plot:
        _guard(lambda: write_histogram_svg(plot, analysis.report.calls))
    if html:
        from .report.html import write_html
        _guard(lambda: write_html(html, analysis.report))
    sys.exit(exit_code(analysis.result, analysis.results.findings))


@main.command()
@click.argument("image", type=click.Path(dir_okay=False))
@click.option("--board", help="Built-in board name or board TOML file (default: from the image).")
@click.option("--rules", "rules", type=click.Path(dir_okay=False), help="Your rules TOML, merged over the profiles.")
@click.option("--irq", "irqs", type=click.IntRange(0), multiple=True, metavar="N",
              help="Deliver only these interrupts (default: every one enabled with a handler).")
@click.option("--window", "windows", multiple=True, metavar="SYMBOL|LO-HI",
              help="Also explore calls of SYMBOL, or the address range LO-HI entered at LO.")
@click.option("--stride", type=click.IntRange(1), default=1, show_default=True,
              help="Explore every K-th boundary of a window.")
@click.option("--max-points", type=click.IntRange(1), default=10_000, show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1), default=1, show_default=True)
@click.option("--to-end", is_flag=True, help="Run each branch to the end of the run, not of its window.")
@click.option("--via", type=click.Choice(["fork", "rerun"]), default="fork", show_default=True,
              help="Branch from a fork of the recording run, or rerun each from reset.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--timing", is_flag=True, help="Print the wall time and branches per second to stderr.")
@click.option("--max-cycles", type=click.IntRange(1), default=DEFAULT_MAX_CYCLES, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.01), default=600.0, show_default=True,
              help="Wall-clock limit of the recording run, branches included, in seconds.")
@_limit_options()[0]
@_limit_options()[1]
def explore(image, fmt, timing, **options) -> None:
    """Deliver each interrupt at every instruction boundary of the allocator calls (and
    --window regions) of a run of IMAGE; report what the plain run does not show.

    Exit code 0: no findings; 1: findings (the plain run's too); 2: bad input.
    """
    from .explore import Options, explore as run_explore
    from .explore.summary import explore_exit_code, render_explore_json, render_explore_text
    found = _guard(lambda: run_explore(image, Options(**options)))
    click.echo((render_explore_json if fmt == "json" else render_explore_text)(found), nl=False)
    if timing:
        rate = len(found.results) / found.seconds if found.seconds else 0.0
        click.echo(f"explore: {len(found.results)} branches in {found.seconds:.2f} s, "
                   f"{rate:.0f} branches/s ({found.via}, --jobs {options['jobs']})", err=True)
    sys.exit(explore_exit_code(found))


@main.command("rules")
@click.argument("image", type=click.Path(dir_okay=False))
@click.option("--board", help="Built-in board name or board TOML file (default: from the image).")
@click.option("--base", type=_Address(), help="Load address of a raw binary image.")
@click.option("--rules", "rules", type=click.Path(dir_okay=False), help="Your rules TOML, merged over the profiles.")
@_profile_options
def rules_command(image, board, base, rules, profile, no_profiles) -> None:
    """Print what a run of IMAGE would watch, without running it: profiles enabled and why,
    functions, the interrupt stack and where its bounds come from, then the effective merged
    rules as TOML."""
    from .machine.machine import Machine
    from .rules.dump import dump
    from .report.runsummary import watch_lines
    from .session import watch_for
    machine = _guard(lambda: Machine.load(image, board, base))
    watch = _guard(lambda: watch_for(machine, rules, profile, not no_profiles))
    click.echo("\n".join(f"# {line}" for line in watch_lines(watch.summary)))
    click.echo()
    click.echo(dump(watch), nl=False)


@main.command()
@click.argument("names", nargs=-1, metavar="[BOARD|FILE.toml]...")
def boards(names) -> None:
    """List the built-in boards (or the named ones): core, memory map and peripherals."""
    from .load.board import builtin_names, load_board
    from .load.boardinfo import describe
    for i, name in enumerate(names or builtin_names()):
        click.echo(("\n" if i else "") + "\n".join(describe(_guard(lambda: load_board(name)))))


@main.command()
def profiles() -> None:
    """List the built-in rule profiles and the symbols that enable each."""
    from .rules.builtin import shipped
    for profile in shipped():
        click.echo(f"{profile.name:<12} {profile.description}")
        click.echo(f"{'':<12} enabled by: {', '.join(profile.detect)}"
                   + (f" (not with {', '.join(profile.unless)})" if profile.unless else ""))


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="IMAGE|MANIFEST.toml...")
@click.option("--board", help="Board for images that do not name one (default: from the image).")
@click.option("--rules", metavar="FILE.toml", help="Rules for images that do not name one.")
@click.option("--baseline", metavar="FILE.json", help="Baseline JSON to compare with (or write).")
@click.option("--update-baseline", is_flag=True, help="Write the baseline from this run instead of comparing.")
@click.option("--tolerance", type=float, default=0.0, show_default=True, metavar="PCT",
              help="Allowed growth of p99/max cycles and stack high-water marks, in percent.")
@click.option("--junit", metavar="FILE.xml", help="Write JUnit XML here.")
@click.option("--sarif", metavar="FILE.sarif", help="Write SARIF 2.1.0 here.")
@click.option("--jobs", "-j", type=int, help="Worker processes (default: the CPU count).")
@click.option("--shard", metavar="K/N", help="Run only the K-th of N deterministic slices (1-based).")
@click.option("--max-cycles", type=click.IntRange(1), default=DEFAULT_MAX_CYCLES, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.01), default=DEFAULT_TIMEOUT, show_default=True,
              help="Wall-clock limit per image in seconds.")
@_limit_options()[0]
@_limit_options()[1]
def check(inputs, **options) -> None:
    """CI gate: run every image (in parallel) and fail on findings, budgets or regressions.

    Exit code 0: every image passed; 1: a finding, a budget exceeded, a run that did not exit 0
    or a regression against the baseline; 2: bad input.
    """
    from .gate import CheckOptions, render_summary, run_check
    progress = _progress_line if sys.stderr.isatty() else None
    run = _guard(lambda: run_check(CheckOptions(inputs=tuple(inputs), **options), progress))
    if progress:
        click.echo("\r\033[K", nl=False, err=True)
    click.echo(render_summary(run))
    for error in run.errors:
        click.echo(f"fwsandbox: error: {error}", err=True)
    sys.exit(run.exit_code)


def _progress_line(done: int, total: int, result: dict) -> None:
    click.echo(f"\r\033[K[{done}/{total}] {result['id']}", nl=False, err=True)


def _stream(stream: str, data: bytes) -> None:
    target = sys.stderr if stream == "stderr" else sys.stdout
    target.write(data.decode("utf-8", "replace"))
    target.flush()


def _finish_console(output: str) -> None:
    if output and not output.endswith("\n"):
        click.echo()


def _guard(action):
    try:
        return action()
    except BadInput as exc:
        for line in str(exc).split("\n"):      # a rules file reports all its errors
            click.echo(f"fwsandbox: error: {line}", err=True)
        sys.exit(2)
    except FwError as exc:
        click.echo(f"fwsandbox: error: {exc}", err=True)
        sys.exit(2)
