"""The report's rules, at the dates where they change: first and last days of quarters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from vzwatch.domain.portfolio import (
    HistoryEntry,
    Initiative,
    Portfolio,
    ProgressEntry,
)
from vzwatch.domain.quarters import Quarter, parse_timeline
from vzwatch.domain.report import (
    build_report,
    expected_progress,
    finished_on,
    forecast_finish,
    initiative_report,
    schedule_health,
    stalled_since,
)
from vzwatch.operations.reading import load_portfolio

Q1_2025 = Quarter(2025, 1)


def make(
    timeline: str = "Q1 2025",
    *,
    status: str = "active",
    log: tuple[tuple[date, int], ...] = (),
    ident: str = "x",
    pillar: str | None = None,
    partners: tuple[str, ...] = (),
    history: tuple[tuple[date, str, str], ...] = (),
) -> Initiative:
    return Initiative(
        id=ident,
        title=ident.title(),
        timeline=parse_timeline(timeline),
        timeline_text=timeline,
        status=status,
        pillar=pillar,
        partners=partners,
        progress_log=tuple(ProgressEntry(ident, on, percent) for on, percent in log),
        history=tuple(HistoryEntry(ident, on, "status", old, new) for on, old, new in history),
    )


# --- expected progress --------------------------------------------------------


@pytest.mark.parametrize(
    ("timeline", "today", "expected"),
    [
        ("Q1 2025", date(2024, 12, 31), 0),  # the day before it starts
        ("Q1 2025", date(2025, 1, 1), 0),  # first day: nothing has elapsed yet
        ("Q1 2025", date(2025, 2, 15), 50),  # 45 of 90 days
        ("Q1 2025", date(2025, 3, 31), 99),  # last day: 89 of 90 days
        ("Q1 2025", date(2025, 4, 1), 100),  # the day after it ends
        ("Q3 – Q4 2024", date(2024, 10, 1), 50),  # first day of the second quarter: 92 of 184
        ("Q3 – Q4 2024", date(2024, 12, 31), 99),
    ],
)
def test_expected_progress_is_the_share_of_days_before_today(
    timeline: str, today: date, expected: int
) -> None:
    assert expected_progress(parse_timeline(timeline), today) == expected


@pytest.mark.parametrize("timeline", ["Ongoing", "Q2 2025 – ongoing"])
def test_ongoing_timelines_expect_nothing(timeline: str) -> None:
    assert expected_progress(parse_timeline(timeline), date(2025, 6, 1)) is None


# --- health -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("initiative", "today", "health"),
    [
        (make(), date(2024, 12, 31), "not started"),  # starts tomorrow
        (make(), date(2025, 1, 1), "not started"),  # first day, no progress yet
        (make(), date(2025, 1, 10), "not started"),  # 10% expected: still within tolerance
        (make(), date(2025, 1, 11), "behind"),  # 11% expected, none recorded
        (make(log=((date(2025, 1, 1), 5),)), date(2025, 1, 1), "on track"),
        (make(log=((date(2025, 3, 31), 89),)), date(2025, 3, 31), "on track"),  # 99 - 10
        (make(log=((date(2025, 3, 31), 88),)), date(2025, 3, 31), "behind"),  # last day
        (make(log=((date(2025, 3, 31), 99),)), date(2025, 4, 1), "overdue"),  # day after the end
        (make(log=((date(2025, 1, 15), 50),)), date(2025, 1, 15), "ahead"),
        (make(status="paused", log=((date(2025, 2, 1), 5),)), date(2025, 3, 1), "behind"),
        (make(status="done"), date(2025, 6, 1), "done"),  # done needs no entries
        (make(status="cancelled"), date(2025, 6, 1), "cancelled"),
        (make(status="planned", log=((date(2025, 1, 5), 100),)), date(2025, 1, 6), "done"),
        (make("Ongoing"), date(2025, 6, 1), "ongoing"),
        (make("Q2 2025 – ongoing", log=((date(2025, 5, 1), 20),)), date(2025, 6, 1), "ongoing"),
        (make("Q2 2025 – ongoing"), date(2025, 3, 31), "not started"),
        (make("Q2 2025 – ongoing"), date(2025, 4, 1), "ongoing"),
    ],
)
def test_schedule_health(initiative: Initiative, today: date, health: str) -> None:
    assert schedule_health(initiative, today) == health


def test_behind_and_ahead_say_by_how_many_points() -> None:
    portfolio = Portfolio(
        initiatives=(
            make(ident="late", log=((date(2025, 3, 1), 40),)),
            make(ident="early", log=((date(2025, 1, 15), 50),)),
        )
    )
    report = build_report(portfolio, today=date(2025, 3, 31), quarter=Q1_2025)
    early, late = report.initiatives  # sorted by timeline, then title
    assert (late.expected, late.gap, late.health_label) == (99, -59, "behind by 59 points")
    assert (early.gap, early.health_label) == (50 - 99, "behind by 49 points")
    report = build_report(portfolio, today=date(2025, 1, 15), quarter=Q1_2025)
    assert report.initiatives[0].health_label == "ahead by 34 points"  # 50 vs 16 expected


# --- forecast -----------------------------------------------------------------


def test_no_entries_no_forecast() -> None:
    assert forecast_finish(make(), date(2025, 2, 1)) is None


def test_one_entry_runs_from_0_percent_on_the_first_day() -> None:
    # 40 points in the 45 days since 1 January: 60 more take 68 days, to 24 April.
    initiative = make(log=((date(2025, 2, 15), 40),))
    assert forecast_finish(initiative, date(2025, 2, 15)) == date(2025, 4, 24)
    report = build_report(Portfolio((initiative,)), today=date(2025, 2, 15), quarter=Q1_2025)
    item = report.initiatives[0]
    assert (item.forecast, item.forecast_late, item.forecast_label) == (
        Quarter(2025, 2),
        True,
        "Q2-2025 (late)",
    )


def test_one_entry_on_the_first_day_has_no_rate() -> None:
    assert forecast_finish(make(log=((date(2025, 1, 1), 30),)), date(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("first", "finish", "quarter", "late"),
    [
        (11, date(2025, 3, 31), Q1_2025, False),  # last day of the quarter: on time
        (10, date(2025, 4, 1), Quarter(2025, 2), True),  # one day more: the next quarter
    ],
)
def test_two_entries_give_the_rate(first: int, finish: date, quarter: Quarter, late: bool) -> None:
    # One point a day from 1 January to 15 February (45 days).
    initiative = make(log=((date(2025, 1, 1), first), (date(2025, 2, 15), first + 45)))
    assert forecast_finish(initiative, date(2025, 2, 15)) == finish
    item = build_report(Portfolio((initiative,)), today=date(2025, 2, 15), quarter=Q1_2025)
    assert (item.initiatives[0].forecast, item.initiatives[0].forecast_late) == (quarter, late)


def test_out_of_order_entries_are_read_in_date_order(tmp_path: Path) -> None:
    text = """
[[initiatives]]
id = "x"
title = "X"
timeline = "Q1 2025"

[[progress]]
initiative = "x"
date = 2025-02-09
percent = 40

[[progress]]
initiative = "x"
date = 2025-01-10
percent = 10
"""
    initiative = load_portfolio(text, tmp_path / "s.toml").initiatives[0]
    assert initiative.progress == 40
    # 30 points in 30 days: 60 more take 60 days, to 10 April.
    assert forecast_finish(initiative, date(2025, 2, 9)) == date(2025, 4, 10)


def test_no_rise_no_forecast() -> None:
    stalled = make(log=((date(2025, 1, 10), 40), (date(2025, 2, 10), 40)))
    slipping = make(log=((date(2025, 1, 10), 40), (date(2025, 2, 10), 30)))
    assert forecast_finish(stalled, date(2025, 3, 1)) is None
    assert forecast_finish(slipping, date(2025, 3, 1)) is None


def test_a_line_that_reached_100_before_today_is_stalled_not_due_this_quarter() -> None:
    stale = make(log=((date(2025, 1, 1), 0), (date(2025, 1, 11), 50)))
    # 50 points in 10 days: 100% on 21 January; on 1 June that is long past.
    assert forecast_finish(stale, date(2025, 1, 21)) == date(2025, 1, 21)
    assert stalled_since(stale, date(2025, 1, 21)) is None
    assert stalled_since(stale, date(2025, 1, 22)) == date(2025, 1, 11)
    assert forecast_finish(stale, date(2025, 6, 1)) is None
    line = initiative_report(stale, date(2025, 6, 1), Quarter(2025, 2))
    assert line.forecast_label == "stalled since 2025-01-11"


def test_stuck_at_80_since_january_is_stalled_since_its_first_80() -> None:
    """The issue's case: 80% since 10 January, recorded again later, never forecast."""
    stuck = make(
        "2025",
        log=((date(2025, 1, 1), 20), (date(2025, 1, 10), 80), (date(2025, 3, 1), 80)),
    )
    for today in (date(2025, 3, 2), date(2025, 7, 1), date(2026, 1, 1)):
        assert stalled_since(stuck, today) == date(2025, 1, 10)
        assert forecast_finish(stuck, today) is None


@pytest.mark.parametrize(
    ("today", "stalled"),
    [
        (date(2025, 6, 30), None),  # last quarter's entry: still moving
        (date(2025, 7, 1), date(2025, 3, 31)),  # nothing this quarter or last: stalled
    ],
)
def test_nothing_recorded_this_quarter_or_last_is_stalled_at_the_quarter_boundary(
    today: date, stalled: date | None
) -> None:
    slow = make("2025 – 2027", log=((date(2025, 1, 1), 0), (date(2025, 3, 31), 10)))
    assert stalled_since(slow, today) == stalled
    assert (forecast_finish(slow, today) is None) == (stalled is not None)


def test_a_single_entry_on_the_first_day_is_not_stalled_in_its_quarter() -> None:
    fresh = make("Q1 2025 – Q4 2025", log=((date(2025, 1, 1), 0),))
    assert stalled_since(fresh, date(2025, 3, 31)) is None
    assert stalled_since(fresh, date(2025, 4, 1)) is None


def test_a_rate_too_slow_to_finish_before_2999_has_no_forecast() -> None:
    glacial = make(
        "2000", log=((date(2000, 1, 1), 0), (date(2000, 1, 2), 0), (date(2010, 1, 1), 1))
    )
    assert forecast_finish(glacial, date(2010, 1, 1)) is None


def test_ongoing_initiatives_forecast_from_their_entries() -> None:
    ongoing = make("Ongoing", log=((date(2025, 1, 1), 20), (date(2025, 3, 1), 50)))
    # 30 points in 59 days: 50 more take 99 days.
    assert forecast_finish(ongoing, date(2025, 3, 1)) == date(2025, 6, 8)
    assert forecast_finish(make("Ongoing", log=((date(2025, 3, 1), 50),)), date(2025, 3, 1)) is None


def test_done_initiatives_have_a_finish_quarter_not_a_forecast() -> None:
    early = make("Q2 2025", status="done", log=((date(2025, 3, 20), 60), (date(2025, 3, 30), 100)))
    assert forecast_finish(early, date(2025, 5, 1)) is None
    assert finished_on(early) == date(2025, 3, 30)  # 100% reached a quarter early
    item = build_report(Portfolio((early,)), today=date(2025, 5, 1), quarter=Quarter(2025, 2))
    assert (item.initiatives[0].health, item.initiatives[0].forecast_label) == (
        "done",
        "finished Q1-2025",
    )


def test_finished_is_the_start_of_the_last_run_of_100() -> None:
    again = make(log=((date(2025, 1, 5), 100), (date(2025, 2, 1), 90), (date(2025, 3, 1), 100)))
    assert finished_on(again) == date(2025, 3, 1)
    by_status = make(status="done", history=((date(2025, 2, 2), "active", "done"),))
    assert finished_on(by_status) == date(2025, 2, 2)
    assert finished_on(make(status="done")) is None
    assert finished_on(make(log=((date(2025, 1, 5), 60),))) is None


# --- scope, groups, changes ---------------------------------------------------


def portfolio_of(*initiatives: Initiative) -> Portfolio:
    from vzwatch.domain.portfolio import Pillar

    pillars = (Pillar("b", "Bravo"), Pillar("a", "Alpha"))
    return Portfolio(initiatives=initiatives, pillars=pillars)


def test_scope_is_the_quarter_plus_what_slipped() -> None:
    portfolio = portfolio_of(
        make("Q1 2025", ident="now"),
        make("Q4 2024", ident="slipped"),
        make("Q4 2024", ident="finished", status="done"),
        make("Q2 2025", ident="later"),
        make("Ongoing", ident="always"),
    )
    report = build_report(portfolio, today=date(2025, 3, 31), quarter=Q1_2025)
    assert [item.initiative.id for item in report.initiatives] == ["always", "slipped", "now"]
    assert [(i.initiative.id, i.due) for i in report.initiatives if i.due] == [("now", True)]


def test_groups_by_pillar_in_store_order_with_no_pillar_last() -> None:
    portfolio = portfolio_of(
        make(ident="one", pillar="a", log=((date(2025, 1, 5), 10),)),
        make(ident="two", pillar="b", status="done"),
        make(ident="three", log=((date(2025, 1, 5), 25),)),
        make(ident="four", pillar="a", log=((date(2025, 1, 5), 15),)),
    )
    report = build_report(portfolio, today=date(2025, 2, 15), quarter=Q1_2025)
    assert [(g.key, g.label, g.count) for g in report.groups] == [
        ("b", "Bravo", 1),
        ("a", "Alpha", 2),
        ("", "No pillar", 1),
    ]
    alpha = report.groups[1]
    assert (alpha.mean_progress, alpha.behind, alpha.due, alpha.done) == (13, 2, 2, 0)
    totals = report.totals
    assert (totals.count, totals.mean_progress, totals.done) == (4, 38, 1)  # (10+100+25+15)/4


def test_partner_groups_hold_every_initiative_a_partner_works_on() -> None:
    portfolio = portfolio_of(
        make(ident="one", partners=("UN", "OAS")),
        make(ident="two", partners=("un",)),
        make(ident="three"),
    )
    report = build_report(portfolio, today=date(2025, 2, 1), quarter=Q1_2025, by="partner")
    assert [(g.label, [i.initiative.id for i in g.items]) for g in report.groups] == [
        ("OAS", ["one"]),
        ("UN", ["one", "two"]),
        ("No partner", ["three"]),
    ]


def test_groups_by_status_in_status_order() -> None:
    portfolio = portfolio_of(make(ident="p", status="paused"), make(ident="a", status="planned"))
    report = build_report(portfolio, today=date(2025, 2, 1), quarter=Q1_2025, by="status")
    assert [g.label for g in report.groups] == ["planned", "paused"]


def test_changes_since_are_inclusive_with_the_previous_percent() -> None:
    portfolio = portfolio_of(
        make(
            ident="x",
            log=((date(2024, 12, 31), 5), (date(2025, 1, 1), 20), (date(2025, 3, 31), 60)),
            history=((date(2025, 2, 1), "planned", "active"),),
        )
    )
    report = build_report(portfolio, today=date(2025, 3, 31), quarter=Q1_2025)
    assert report.since == date(2025, 1, 1)
    assert [(c.on, c.kind, c.previous, c.percent, c.old, c.new) for c in report.changes] == [
        (date(2025, 1, 1), "progress", 5, 20, None, None),
        (date(2025, 2, 1), "status", None, None, "planned", "active"),
        (date(2025, 3, 31), "progress", 20, 60, None, None),
    ]
    later = build_report(
        portfolio, today=date(2025, 3, 30), quarter=Q1_2025, since=date(2025, 2, 2)
    )
    assert later.changes == ()  # the 31 March entry is after today
