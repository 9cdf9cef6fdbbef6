"""Built-in rule profiles (emulator/rules/profiles/*.toml): which are shipped, and which an image enables."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from ..errors import BadInput
from .model import PROFILE_DIR
from .merge import Source


@dataclass(frozen=True)
class Profile:
    """One shipped profile: enabled for an image holding any ``detect`` symbol and no ``unless``
    symbol (or when named with ``--profile``)."""

    name: str
    description: str
    detect: tuple[str, ...]
    unless: tuple[str, ...]
    source: Source

    def match(self, symbols: Iterable[str]) -> str | None:
        """The first ``detect`` symbol present (None when the profile does not apply)."""
        present = set(symbols)
        if any(name in present for name in self.unless):
            return None
        return next((name for name in self.detect if name in present), None)


@dataclass(frozen=True)
class Enabled:
    """A profile in use and why: the symbol that matched, or 'selected with --profile'."""

    profile: Profile
    reason: str


@lru_cache(maxsize=1)
def shipped() -> tuple[Profile, ...]:
    """Every shipped profile, by name."""
    found = [_profile(Source.from_file(path)) for path in sorted(PROFILE_DIR.glob("*.toml"))]
    return tuple(sorted(found, key=lambda p: p.name))


def _profile(source: Source) -> Profile:
    head = source.data.get("profile", {})
    return Profile(name=head["name"], description=head.get("description", ""),
                   detect=tuple(head.get("detect", ())), unless=tuple(head.get("unless", ())),
                   source=source)


def by_name(name: str) -> Profile:
    for profile in shipped():
        if profile.name == name:
            return profile
    names = ", ".join(p.name for p in shipped())
    raise BadInput(f"--profile {name}: no such profile (profiles: {names})")


def enabled(symbols: Iterable[str], names: tuple[str, ...] = (), auto: bool = True) -> tuple[Enabled, ...]:
    """The profiles for an image: those named (always), plus, with ``auto``, every profile
    whose symbols it holds; in profile-name order."""
    present = set(symbols)
    chosen = {name: Enabled(by_name(name), "selected with --profile") for name in names}
    if auto:
        for profile in shipped():
            symbol = profile.match(present)
            if symbol and profile.name not in chosen:
                chosen[profile.name] = Enabled(profile, f"symbol {symbol}")
    return tuple(chosen[name] for name in sorted(chosen))
