"""Tests for vzwatch.domain.chart: the chart of initiatives on a window of quarters."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import SEED, initiative
from vzwatch.domain.chart import (
    MIN_CELL_WIDTH,
    Cell,
    default_window,
    fit,
    grid,
    make_chart,
    progress_cells,
)
from vzwatch.domain.errors import UsageError
from vzwatch.domain.portfolio import Initiative, ProgressEntry
from vzwatch.domain.quarters import Quarter, Timeline

TODAY = date(2025, 2, 14)  # the middle of Q1-2025


def test_default_window_covers_the_data_today_and_room_for_ongoing() -> None:
    assert default_window(SEED, TODAY) == (Quarter(2024, 3), Quarter(2025, 2))


def test_default_window_is_at_least_a_year() -> None:
    first, last = default_window([initiative("one", "Q1 2025")], TODAY)
    assert (first, last) == (Quarter(2025, 1), Quarter(2025, 4))


def test_default_window_includes_today_even_far_from_the_data() -> None:
    first, last = default_window([initiative("old", "Q1 2020")], TODAY)
    assert first == Quarter(2020, 1)
    assert last == Quarter(2025, 1)


def test_bars_span_their_quarters_and_ongoing_ones_stay_open() -> None:
    window = make_chart(SEED, TODAY)
    spans = {b.initiative.id: (b.start, b.end, b.open_left, b.open_right) for b in window.bars}
    assert spans == {
        "humanitarian": (0, 4, True, True),  # no known start, no end
        "dialogue": (0, 2, False, False),
        "elections": (2, 3, False, False),
    }


def test_bars_are_clipped_to_an_explicit_window_and_marked_as_continuing() -> None:
    window = make_chart(SEED, TODAY, Quarter(2024, 4), Quarter(2024, 4))
    dialogue = next(b for b in window.bars if b.initiative.id == "dialogue")
    assert (dialogue.start, dialogue.end, dialogue.open_left) == (0, 1, True)
    assert window.hidden == 1  # elections starts after the window
    assert window.today_offset is None  # today is outside the window


def test_today_is_placed_within_its_quarter() -> None:
    window = make_chart(SEED, TODAY)
    assert window.current == Quarter(2025, 1)
    assert window.today_offset is not None
    assert 2.4 < window.today_offset < 2.6  # Q1-2025 is the third quarter; mid-February


def test_from_after_to_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="before"):
        make_chart(SEED, TODAY, Quarter(2025, 4), Quarter(2025, 1))


def test_from_alone_keeps_a_sensible_end() -> None:
    window = make_chart(SEED, TODAY, first=Quarter(2026, 1))
    assert window.last >= window.first


@pytest.mark.parametrize("width", [30, 40, 60, 80, 100, 160, 300])
def test_the_layout_fits_the_width(width: int) -> None:
    window = make_chart(SEED, TODAY)
    layout = fit(window, width, longest_label=30)
    assert layout.chart_left + layout.chart_width <= width
    assert layout.cell_width >= MIN_CELL_WIDTH


@pytest.mark.parametrize("width", [80, 100, 160])
def test_twenty_years_fit_as_years(width: int) -> None:
    window = make_chart(SEED, TODAY, Quarter(2010, 1), Quarter(2030, 4))
    layout = fit(window, width, longest_label=30)
    assert layout.chart_left + layout.chart_width <= width


def test_narrow_terminals_group_quarters_into_halves_then_years() -> None:
    window = make_chart(SEED, TODAY, Quarter(2020, 1), Quarter(2025, 4))  # 24 quarters
    assert fit(window, 160, 30).quarters_per_column == 1
    assert fit(window, 80, 30).quarters_per_column == 2
    assert fit(window, 50, 30).quarters_per_column == 4


def test_columns_of_halves_start_on_a_half() -> None:
    window = make_chart(SEED, TODAY, Quarter(2024, 2), Quarter(2025, 4))
    layout = fit(window, 30, 10)
    assert layout.first.number in (1, 3) if layout.quarters_per_column == 2 else True


def test_grid_headers_name_years_and_quarters() -> None:
    window = make_chart(SEED, TODAY)
    chart = grid(window, fit(window, 100, 30))
    assert chart.year_row.split() == ["2024", "2025"]
    assert chart.period_row.split() == ["Q3", "Q4", "Q1", "Q2"]


def test_progress_fills_the_bar_from_the_left() -> None:
    window = make_chart(SEED, TODAY)
    chart = grid(window, fit(window, 100, 30))
    cells = {bar.initiative.id: row for bar, row in chart.rows}
    dialogue = [c for c in cells["dialogue"] if c in (Cell.DONE, Cell.TODO)]
    done = dialogue.count(Cell.DONE)
    assert dialogue == [Cell.DONE] * done + [Cell.TODO] * (len(dialogue) - done)
    assert round(len(dialogue) * 0.6) == done
    assert cells["humanitarian"][0] is Cell.LEFT
    assert cells["humanitarian"][-1] is Cell.RIGHT
    assert Cell.TODAY in cells["dialogue"]  # today's line crosses the empty part


@pytest.mark.parametrize(
    ("percent", "length", "filled"),
    [(0, 10, 0), (1, 10, 1), (50, 10, 5), (99, 10, 9), (100, 10, 10), (100, 1, 1), (50, 1, 0)],
)
def test_any_progress_shows_and_only_100_fills(percent: int, length: int, filled: int) -> None:
    assert progress_cells(percent, length) == filled


@given(
    start=st.integers(0, 40),
    length=st.integers(0, 12),
    ongoing=st.booleans(),
    percent=st.integers(0, 100),
    width=st.integers(30, 200),
)
def test_every_bar_is_drawn_inside_the_chart(
    start: int, length: int, ongoing: bool, percent: int, width: int
) -> None:
    first = Quarter.from_index(Quarter(2020, 1).index + start)
    end = None if ongoing else first.shifted(length)
    item = Initiative(
        id="x",
        title="X",
        timeline=Timeline(first, end),
        timeline_text="x",
        progress_log=(ProgressEntry("x", date(2024, 1, 1), percent),),
    )
    window = make_chart([item], TODAY)
    layout = fit(window, width, 10)
    (_bar, with_today), *_ = grid(window, layout).rows
    assert len(with_today) == layout.chart_width
    if window.today_offset is not None:  # today's line crosses the bar, whatever is under it
        assert with_today.count(Cell.TODAY) == 1
    (_bar, cells), *_ = grid(replace(window, today_offset=None), layout).rows
    assert any(c is not Cell.EMPTY and c is not Cell.TODAY for c in cells)
    drawn = sum(1 for c in cells if c in (Cell.DONE, Cell.TODO, Cell.RIGHT))
    if drawn >= 2:
        assert (cells.count(Cell.DONE) > 0) == (percent > 0)
