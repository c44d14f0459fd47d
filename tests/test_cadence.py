"""Review cadences and the stale rule, pinned at their boundaries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from vzwatch.domain.cadence import Cadence, parse_cadence, stale_initiatives, staleness
from vzwatch.domain.quarters import parse_timeline
from vzwatch.domain.schema import HistoryEntry, Initiative, Portfolio, ProgressEntry


@pytest.mark.parametrize(
    ("text", "cadence"),
    [
        ("30 days", Cadence(30, "days")),
        ("2 weeks", Cadence(2, "weeks")),
        ("Monthly", Cadence(1, "months")),
        ("quarterly", Cadence(1, "quarters")),
        ("every 6 months", Cadence(6, "months")),
        ("1 year", Cadence(1, "years")),
        ("yearly", Cadence(1, "years")),
    ],
)
def test_cadences_are_read_as_people_write_them(text: str, cadence: Cadence) -> None:
    assert parse_cadence(text) == cadence


@pytest.mark.parametrize("text", ["", "0 days", "soon", "3 fortnights", "-1 days"])
def test_other_text_is_refused_naming_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match="'30 days'"):
        parse_cadence(text)


def test_month_based_cadences_follow_the_calendar() -> None:
    assert Cadence(1, "months").after(date(2025, 1, 31)) == date(2025, 2, 28)
    assert Cadence(1, "quarters").after(date(2024, 11, 30)) == date(2025, 2, 28)
    assert Cadence(30, "days").after(date(2025, 1, 31)) == date(2025, 3, 2)


def initiative(timeline: str = "Q1 2025", **fields: Any) -> Initiative:
    return Initiative(
        id="x", title="X", timeline=parse_timeline(timeline), timeline_text=timeline, **fields
    )


PORTFOLIO = Portfolio(initiatives=(), owner="Desk")


def test_stale_the_day_after_the_review_falls_due() -> None:
    updated = initiative(progress_log=(ProgressEntry("x", date(2025, 1, 15), 10),))
    # quarterly by default: due on 15 April, stale from 16 April
    assert staleness(updated, PORTFOLIO, date(2025, 4, 15)) is None
    found = staleness(updated, PORTFOLIO, date(2025, 4, 16))
    assert found is not None
    assert (found.days, found.owner, found.last_update) == (91, "Desk", date(2025, 1, 15))


def test_any_history_entry_counts_as_an_update() -> None:
    changed = initiative(
        progress_log=(ProgressEntry("x", date(2025, 1, 15), 10),),
        history=(HistoryEntry("x", date(2025, 3, 1), "owner", "", "Desk"),),
    )
    assert staleness(changed, PORTFOLIO, date(2025, 4, 16)) is None


def test_without_entries_the_clock_starts_with_the_timeline() -> None:
    quiet = initiative("Q1 2025")
    assert staleness(quiet, PORTFOLIO, date(2025, 4, 1)) is None
    found = staleness(quiet, PORTFOLIO, date(2025, 4, 2))
    assert found is not None
    assert (found.last_update, found.days) == (None, 91)
    no_start = staleness(initiative("Ongoing"), PORTFOLIO, date(2025, 1, 1))
    assert no_start is not None
    assert no_start.days is None


def test_own_cadence_wins_then_the_portfolios_then_days() -> None:
    log = (ProgressEntry("x", date(2025, 1, 1), 10),)
    monthly = Portfolio(initiatives=(), review_every="monthly")
    assert staleness(initiative(progress_log=log), monthly, date(2025, 2, 2)) is not None
    own = initiative(progress_log=log, review_every="yearly")
    assert staleness(own, monthly, date(2025, 12, 31)) is None
    assert staleness(own, monthly, date(2025, 1, 12), days=10) is not None


def test_finished_initiatives_are_never_stale_and_the_list_is_oldest_first() -> None:
    done = initiative(status="done")
    assert staleness(done, PORTFOLIO, date(2030, 1, 1)) is None
    a = initiative(progress_log=(ProgressEntry("x", date(2025, 3, 1), 10),))
    b = initiative("Ongoing")
    c = initiative("Q3 2024")
    found = stale_initiatives(PORTFOLIO, [a, b, c], date(2026, 1, 1))
    assert [s.since for s in found] == [None, date(2024, 7, 1), date(2025, 3, 1)]
