"""The ``fwsandbox`` command line: thin click commands over Machine, detectors and reports."""
from __future__ import annotations

import json
import sys

import click

from . import __version__
from .errors import BadInput, FwError
from .machine import DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT, Machine
from .runreport import exit_code, run_document, run_text

_INT = click.INT


class _Address(click.ParamType):
    name = "address"

    def convert(self, value, param, ctx):
        try:
            return int(value, 0) if isinstance(value, str) else int(value)
        except ValueError:
            self.fail(f"{value!r} is not an address (use 0x...)", param, ctx)


@click.group()
@click.version_option(__version__, prog_name="fwsandbox")
def main() -> None:
    """An emulated, interrupt-driven microcontroller sandbox."""


@main.command()
@click.argument("image", type=click.Path(dir_okay=False))
@click.option("--board", help="Built-in board name or board TOML file (default: from the image).")
@click.option("--base", type=_Address(), help="Load address of a raw binary image.")
@click.option("--max-cycles", type=click.IntRange(1), default=DEFAULT_MAX_CYCLES, show_default=True,
              help="Cycle budget of the run.")
@click.option("--timeout", type=click.FloatRange(0.01), default=DEFAULT_TIMEOUT, show_default=True,
              help="Wall-clock limit in seconds.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--trace", is_flag=True, help="Print every executed instruction (slow).")
@click.option("--trace-limit", type=click.IntRange(1), default=10_000, show_default=True)
def run(image, board, base, max_cycles, timeout, fmt, trace, trace_limit) -> None:
    """Run IMAGE: stream its console output, then print a summary.

    Exit code 0: the firmware exited 0 and nothing was found; 1: findings, a fault, a budget
    or timeout, or a nonzero firmware exit; 2: bad input.
    """
    machine = _guard(lambda: Machine.load(image, board, base))
    if fmt == "text":
        machine.console_sink = _stream
    if trace:
        from .trace import Tracer
        Tracer(machine, trace_limit, lambda line: click.echo(line, err=True))
    result = _guard(lambda: machine.run(max_cycles, timeout))
    if fmt == "json":
        click.echo(json.dumps(run_document(machine, result), indent=2, sort_keys=True))
    else:
        _finish_console(result.output)
        click.echo(run_text(machine, result))
    sys.exit(exit_code(result))


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
        click.echo(f"fwsandbox: error: {exc}", err=True)
        sys.exit(2)
    except FwError as exc:
        click.echo(f"fwsandbox: error: {exc}", err=True)
        sys.exit(2)
