"""The effective rules of an image as TOML text (``fwsandbox rules IMAGE``), each table saying where it came from."""
from __future__ import annotations

import json
from pathlib import Path

from ..probes.watch import Watch


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:#x}" if value > 0xFFFF else str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else json.dumps(name)


def _table(header: str, table: dict, comment: str = "") -> list[str]:
    lines = [f"[{header}]" + (f"  # {comment}" if comment else "")]
    lines += [f"{_key(k)} = {toml_value(v)}" for k, v in table.items()]
    return lines + [""]


def dump(watch: Watch) -> str:
    """The merged rules restricted to the functions the image has, then the stack as found."""
    data, out = watch.merged.data, []
    stack = watch.stack
    stack_table = {"name": stack.name}
    if stack.watched:
        stack_table.update(base=stack.base, top=stack.top)
    out += _table("isr_stack", stack_table, stack.source)
    budgets = data.get("budgets")
    if isinstance(budgets, dict):
        scalars = {k: v for k, v in budgets.items() if k != "cycles"}   # timing tables inline
        if scalars:
            out += _table("budgets", scalars)
        for name, limits in sorted(budgets.get("cycles", {}).items()):
            out += _table(f"budgets.cycles.{_key(name)}", limits)
    functions = data.get("functions", {})
    for name in watch.rules.watched:
        source = watch.merged.source_of(f"functions.{name}")
        out += _table(f"functions.{_key(name)}", functions.get(name, {}),
                      f"from {Path(source.path).name}" if source else "")
    return "\n".join(out).rstrip("\n") + "\n"
