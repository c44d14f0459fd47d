"""The blocked rule, cycles and the critical chain, pinned at quarter boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from vzwatch.domain.dependencies import blocked_by, critical_chain, cycles, unknown_dependencies
from vzwatch.domain.quarters import parse_timeline
from vzwatch.domain.schema import Initiative, Portfolio


def item(
    ident: str, timeline: str, *, status: str = "planned", after: tuple[str, ...] = ()
) -> Initiative:
    return Initiative(
        id=ident,
        title=ident.title(),
        timeline=parse_timeline(timeline),
        timeline_text=timeline,
        status=status,
        depends_on=after,
    )


FORUMS = item("forums", "Q3 – Q4 2024")
ELECTION = item("election", "Q1 2025", after=("forums",))


def store(*items: Initiative) -> Portfolio:
    return Portfolio(initiatives=items)


def test_a_dependency_that_ends_before_the_start_does_not_block() -> None:
    # On the last day of Q4-2024 the forums can still end in time for Q1-2025.
    assert blocked_by(store(FORUMS, ELECTION), date(2024, 12, 31)) == {}


def test_an_overdue_dependency_blocks_from_the_first_day_of_the_next_quarter() -> None:
    # From 1 January 2025 the forums are overdue: they cannot end before today's quarter.
    assert blocked_by(store(FORUMS, ELECTION), date(2025, 1, 1)) == {"election": ("forums",)}


def test_a_dependency_ending_in_the_quarter_the_initiative_starts_blocks() -> None:
    late = item("forums", "Q4 2024 – Q1 2025")
    assert blocked_by(store(late, ELECTION), date(2024, 7, 1)) == {"election": ("forums",)}


def test_a_finished_dependency_or_initiative_blocks_nothing() -> None:
    today = date(2025, 2, 14)
    assert blocked_by(store(replace(FORUMS, status="done"), ELECTION), today) == {}
    assert blocked_by(store(replace(FORUMS, status="cancelled"), ELECTION), today) == {}
    assert blocked_by(store(FORUMS, replace(ELECTION, status="done")), today) == {}


def test_an_ongoing_dependency_always_blocks_and_no_start_means_started() -> None:
    aid = item("aid", "Ongoing")
    waits = item("waits", "Q1 2030", after=("aid",))
    anytime = item("anytime", "Ongoing", after=("forums",))
    found = blocked_by(store(aid, waits, FORUMS, anytime), date(2024, 7, 1))
    assert found == {"waits": ("aid",), "anytime": ("forums",)}


def test_unknown_ids_are_reported_and_ignored_by_the_rule() -> None:
    ghost = item("x", "Q1 2025", after=("ghost",))
    assert unknown_dependencies(store(ghost)) == [("x", "ghost")]
    assert blocked_by(store(ghost), date(2025, 1, 1)) == {}


def test_a_cycle_is_named_once_from_its_smallest_id() -> None:
    a = item("a", "Q1 2025", after=("c",))
    b = item("b", "Q1 2025", after=("a",))
    c = item("c", "Q1 2025", after=("b",))
    assert cycles(store(b, c, a)) == [("a", "c", "b", "a")]
    assert cycles(store(FORUMS, ELECTION)) == []


def test_the_critical_chain_and_its_slack() -> None:
    chain = critical_chain(store(FORUMS, ELECTION), date(2024, 7, 1))
    assert [step.initiative.id for step in chain.steps] == ["forums", "election"]
    assert (str(chain.latest_end), chain.slack) == ("Q1-2025", 0)
    # Once the forums slip into Q1-2025, the election can run only in Q2-2025.
    late = critical_chain(store(FORUMS, ELECTION), date(2025, 1, 1))
    assert [(str(s.start), str(s.finish)) for s in late.steps] == [
        ("Q3-2024", "Q1-2025"),
        ("Q2-2025", "Q2-2025"),
    ]
    assert late.slack == -1


def test_a_long_chain_needs_no_recursion() -> None:
    items = [item("s0", "Q1 2025")]
    items += [item(f"s{n}", "Q1 2025", after=(f"s{n - 1}",)) for n in range(1, 3000)]
    chain = critical_chain(store(*items), date(2025, 1, 1))
    assert len(chain.steps) == 3000
    assert cycles(store(*items)) == []
