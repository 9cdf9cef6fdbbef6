"""The detector contract, event dispatch by class, and helpers for findings and lazy records."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Generic, Hashable, Iterator, Protocol, Sequence, TypeVar

from ..events import Handlers, handler_for
from ..report.model import Finding

Row, Item = TypeVar("Row"), TypeVar("Item")


class Detector(Protocol):
    """What every detector implements.

    Contract: ``handlers()`` maps each event class the detector consumes to the method that
    takes such an event (an event of a derived class goes to its nearest base class's
    handler); it is called once, before the first event.  Events reach those methods in
    emission order, either through ``run_detectors`` (which routes each event only to the
    handlers of its class) or one by one through ``on_event(event)``, which takes every event
    and ignores the classes it has no handler for.  After the last event (normally
    ``RunEnded``) ``findings()`` returns the findings sorted by cycle.  Detectors with
    statistics also offer ``stats()``.  Detectors see events and rules only: never Unicorn,
    click or the machine.
    """

    name: str

    def handlers(self) -> Handlers: ...

    def on_event(self, event: object) -> None: ...

    def findings(self) -> tuple[Finding, ...]: ...


class Dispatching:
    """Gives a detector ``on_event`` from its ``handlers()`` table."""

    def handlers(self) -> Handlers:
        return {}

    def on_event(self, event: object) -> None:
        handler = handler_for(self.handlers(), type(event))
        if handler is not None:
            handler(event)


class FindingBook:
    """Keeps the first finding per key and counts how often the key recurred."""

    def __init__(self) -> None:
        self._first: dict[Hashable, Finding] = {}
        self._count: dict[Hashable, int] = {}

    def add(self, key: Hashable, make: Callable[[], Finding]) -> None:
        """Record one occurrence of ``key``; ``make`` builds the finding the first time only."""
        if key not in self._first:
            self._first[key] = make()
        self._count[key] = self._count.get(key, 0) + 1

    def findings(self) -> tuple[Finding, ...]:
        found = (replace(f, count=self._count[k]) for k, f in self._first.items())
        return tuple(sorted(found, key=lambda f: f.sort_key))


def hex_or_none(value: int | None) -> str:
    return "-" if value is None else f"{value:#x}"


def chain_text(chain: tuple[str, ...]) -> str:
    """``outer > inner`` (or ``thread``)."""
    return " > ".join(chain) or "thread"


def call_pc(event) -> int:
    """Address of a ``CallEntered``'s calling instruction, or its return address if unknown."""
    return event.call_pc if event.call_pc is not None else event.return_address & ~1


class LazySequence(Sequence[Item], Generic[Row, Item]):
    """A read-only sequence of ``make(row)`` for each of ``rows``, made on first read.

    It equals (and hashes like) the tuple of its items, so it stands where a tuple is expected.
    """

    def __init__(self, rows: tuple[Row, ...], make: Callable[[Row], Item]):
        self._rows, self._make = rows, make
        self._items: tuple[Item, ...] | None = None

    def items(self) -> tuple[Item, ...]:
        if self._items is None:
            self._items = tuple(map(self._make, self._rows))
        return self._items

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        return self.items()[index]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items())

    def __eq__(self, other: object) -> bool:
        return self.items() == (other.items() if isinstance(other, LazySequence) else other)

    def __hash__(self) -> int:
        return hash(self.items())

    def __repr__(self) -> str:
        return repr(self.items())
