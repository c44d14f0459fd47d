"""The pure ledger (vzwatch.domain.ledger): announced timelines, slips, promises, the story."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from vzwatch.domain import ledger
from vzwatch.domain.quarters import Quarter, Timeline, parse_timeline
from vzwatch.domain.schema import (
    HistoryEntry,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Portfolio,
    ProgressEntry,
    Source,
)

quarters = st.builds(Quarter, st.integers(2000, 2100), st.integers(1, 4))


def initiative(timeline: str, *history: HistoryEntry, status: str = "planned") -> Initiative:
    return Initiative(
        id="x",
        title="X",
        timeline=parse_timeline(timeline),
        timeline_text=timeline,
        status=status,
        sources=("wire",),
        history=history,
    )


def moved(old: str, new: str, on: date = date(2025, 3, 3)) -> HistoryEntry:
    return HistoryEntry("x", on, "timeline", old, new, ("kyodo",))


PORTFOLIO = Portfolio(
    initiatives=(),
    sources=(
        Source("wire", "Japan Wire", published=date(2024, 6, 10)),
        Source("kyodo", "Kyodo News", "Postponed", "https://example.org/k", date(2025, 3, 3)),
    ),
)


@given(quarters, quarters)
def test_slip_is_the_difference_of_end_quarters(announced: Quarter, now: Quarter) -> None:
    slip = ledger.slip_between(Timeline(announced, announced), Timeline(now, now))
    assert slip == now.index - announced.index
    assert ledger.slip_between(Timeline(now, now), Timeline(announced, announced)) == -(slip or 0)
    assert ledger.slipped(Timeline(announced, announced), Timeline(now, now)) is (now > announced)


def test_the_announced_timeline_is_the_earliest_from_else_the_current_one() -> None:
    item = initiative(
        "Q3 2025",
        moved("Q3 – Q4 2024", "Q2 2025", date(2025, 1, 5)),
        moved("Q2 2025", "Q3 2025", date(2025, 3, 3)),
    )
    first = ledger.announced(item, PORTFOLIO)
    assert (first.timeline_text, first.on, first.sources) == (
        "Q3 – Q4 2024",
        date(2024, 6, 10),
        ("wire",),
    )
    assert ledger.slip_quarters(item, PORTFOLIO) == 3
    assert ledger.announced(initiative("Q1 2025"), PORTFOLIO).timeline_text == "Q1 2025"


def test_a_from_that_is_no_timeline_leaves_the_current_one_announced() -> None:
    item = initiative("Q1 2025", moved("soon", "Q1 2025"))
    assert ledger.announced(item, PORTFOLIO).timeline_text == "Q1 2025"


def test_shift_text_reads_as_the_issue_writes_it() -> None:
    assert (
        ledger.shift_text("Q1-2025", "Q3-2025", PORTFOLIO.fiscal)
        == "Q1-2025 → Q3-2025 (+2 quarters)"
    )
    assert (
        ledger.shift_text("Q1 2025", "Q4 2024", PORTFOLIO.fiscal)
        == "Q1-2025 → Q4-2024 (-1 quarter)"
    )
    assert ledger.shift_text("Q1 2025", "Ongoing", PORTFOLIO.fiscal).endswith("(now ongoing)")


def test_median_and_worst_slip() -> None:
    items = [
        initiative("Q2 2025", moved("Q1 2025", "Q2 2025")),
        initiative("Q4 2025", moved("Q1 2025", "Q4 2025")),
    ]
    promises = ledger.promises(items, PORTFOLIO, date(2025, 3, 10))
    assert (promises.slipped, promises.median_slip, promises.worst_slip) == (2, 2.0, 3)


def test_the_story_is_in_date_order_with_its_sources() -> None:
    item = initiative("Q2 2025", moved("Q3 – Q4 2024", "Q2 2025"))
    progress = ProgressEntry("x", date(2025, 2, 1), 30, "Deployed", ("wire",))
    item = Initiative(
        id=item.id,
        title=item.title,
        timeline=item.timeline,
        timeline_text=item.timeline_text,
        sources=item.sources,
        history=item.history,
        progress_log=(progress,),
    )
    events = ledger.story(item, PORTFOLIO)
    assert [(e.on, e.kind) for e in events] == [
        (date(2024, 6, 10), "announced"),
        (date(2025, 2, 1), "progress"),
        (date(2025, 3, 3), "revision"),
    ]
    assert ledger.source_line(events[2].sources[0]) == (
        "Kyodo News, 2025-03-03, “Postponed”, https://example.org/k"
    )


def test_the_story_has_the_measurements_and_the_milestones_reached() -> None:
    """Everything dated that happened to an initiative is in its ledger: its indicators'
    measurements (value and unit, the note) and the milestones it reached."""
    people = Indicator(
        "people", "x", "People assisted", 1000, unit="people",
        measurements=(Measurement("people", date(2025, 1, 31), 1500, "First convoys"),),
    )  # fmt: skip
    item = initiative("Q2 2025")
    item = Initiative(
        id=item.id,
        title=item.title,
        timeline=item.timeline,
        timeline_text=item.timeline_text,
        indicators=(people,),
        progress_log=(ProgressEntry("x", date(2025, 3, 1), 30),),
    )
    reached = Milestone("teams", "x", "Teams accredited", Quarter(2025, 1), date(2025, 2, 14))
    still_open = Milestone("report", "x", "Report published", Quarter(2025, 2))
    portfolio = Portfolio(initiatives=(item,), milestones=(reached, still_open))
    events = ledger.story(item, portfolio)
    assert [(e.on, e.kind, e.text) for e in events[1:]] == [
        (date(2025, 1, 31), "measurement", "People assisted at 1,500 people: First convoys"),
        (date(2025, 2, 14), "milestone", "milestone: Teams accredited"),
        (date(2025, 3, 1), "progress", "progress 30%"),
    ]
