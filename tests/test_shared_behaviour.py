"""The shared behaviour table (tests/behaviours.py) on both ISAs: the same outcome on each."""
from __future__ import annotations

import pytest

from behaviours import TABLE, Outcome, differences, run

ISAS = ("arm", "ppc")
ROWS = [pytest.param(row, isa, id=f"{isa}: {row.name}") for row in TABLE for isa in ISAS]


@pytest.mark.parametrize("row,isa", ROWS)
def test_the_behaviour_has_the_same_outcome_on_both_isas(tmp_path, row, isa):
    observed, _ = run(row, isa, tmp_path)
    assert differences(row.expected, observed) == {}


@pytest.mark.parametrize("row,isa", [p for p in ROWS if p.values[0].expected.rejected is None])
def test_every_behaviour_runs_the_same_twice_event_for_event(tmp_path, row, isa):
    first, second = run(row, isa, tmp_path), run(row, isa, tmp_path)
    assert first == second and first[1]


def test_an_outcome_that_differs_is_reported_field_by_field():
    expected = Outcome(exit=("exit", 0), gaps=(5000,), message="budget")
    observed = Outcome(exit=("exit", 0), gaps=(4999,), message="cycle budget reached", trace=("+x",))
    assert differences(expected, observed) == {"gaps": ((5000,), (4999,))}
