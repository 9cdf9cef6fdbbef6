"""What a run watches: profiles enabled for an image + a user's rules file, merged and bound, and the stack."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

from ..rules import builtin as profiles_mod
from ..rules import stackbounds
from ..errors import BadInput
from ..report.model import WatchSummary
from ..rules.model import Rules, StackRule
from ..rules.merge import Merged, Source, merge
from ..rules.parse import parse_merged


@dataclass(frozen=True)
class Watch:
    """The effective rules of one image (bound, only functions it has) and how they came about."""

    rules: Rules
    merged: Merged
    enabled: tuple[profiles_mod.Enabled, ...]
    rules_file: str | None
    stack: stackbounds.StackBounds

    @property
    def summary(self) -> WatchSummary:
        s = self.stack
        return WatchSummary(profiles=tuple((e.profile.name, e.reason) for e in self.enabled),
                            rules_file=self.rules_file, functions=self.rules.watched,
                            stack_name=s.name, stack_base=s.base, stack_top=s.top,
                            stack_source=s.source)


def resolve(symbols: Mapping, arch: str, vector0: Callable[[], int | None],
            rules_path: str | Path | None = None, profile_names: tuple[str, ...] = (),
            auto: bool = True) -> Watch:
    """Enable profiles for ``symbols`` (name -> object with ``addr``, ``size``), merge the user's
    rules file over them, check what the user named exists, and find the interrupt stack."""
    enabled = profiles_mod.enabled(symbols, tuple(profile_names), auto)
    user = Source.from_file(rules_path) if rules_path is not None else None
    merged = merge([e.profile.source for e in enabled] + ([user] if user else []))
    rules = parse_merged(merged)
    if user is not None:
        _check_user_symbols(rules, user, symbols)
    addresses = {name: sym.addr for name, sym in symbols.items()}
    present = rules.only(name for name in rules.watched if name in symbols)
    bound = present.bind(addresses, functions=False)
    stack = stackbounds.find(rules.isr_stack, arch, symbols, vector0)
    bound = replace(bound, isr_stack=StackRule(stack.name, stack.base, stack.top))
    return Watch(bound, merged, enabled, str(rules_path) if rules_path is not None else None, stack)


def _check_user_symbols(rules: Rules, user: Source, symbols: Mapping) -> None:
    """Every function, region and stack symbol the user's file names must be in the image."""
    named = set(user.data.get("functions", {}) if isinstance(user.data.get("functions"), dict) else ())
    errors = [f"{user.where(key)}: key '{key}': symbol '{name}' not found in the image"
              for key, name in rules.missing_symbols(symbols)
              if name not in symbols and _named_by_user(key, named, user)]
    if errors:
        raise BadInput("\n".join(errors))


def _named_by_user(key: str, named: set[str], user: Source) -> bool:
    parts = key.split(".")
    if parts[0] == "isr_stack":
        return isinstance(user.data.get("isr_stack"), dict) and parts[1] in user.data["isr_stack"]
    return parts[1] in named
