"""Tests for vzwatch.domain.userinput: what a person types, read one way everywhere."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vzwatch.domain import userinput
from vzwatch.domain.errors import ExitCode, UsageError
from vzwatch.domain.quarters import US_FEDERAL, Quarter
from vzwatch.domain.schema import Pillar, Portfolio

FORMS = "2025-02-14 or 14 February 2025"
LIMITS = "(quarters Q1–Q4, years 1900–2999)"


def refused(read: object, *args: object) -> str:
    """The one-line message a reader refuses ``args`` with."""
    assert callable(read)
    with pytest.raises(UsageError) as raised:
        read(*args)
    assert raised.value.exit_code == ExitCode.USAGE
    message = raised.value.message
    assert "\n" not in message
    return message


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-20",
        " 2025-02-20 ",
        "20 February 2025",
        "February 20, 2025",
        "Feb 20, 2025",
        "feb 20 2025",
        "20-Feb-2025",
        "20th of February 2025",
        "Thursday, 20 February 2025",
        "Thu 20 Feb 2025",
    ],
)
def test_dates_are_read_as_people_write_them(text: str) -> None:
    assert userinput.date(text) == date(2025, 2, 20)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/04/2025", "it could be 3 April 2025 or 4 March 2025; write 2025-04-03 or 2025-03-04"),
        ("3.4.25", "it could be 3 April 2025 or 4 March 2025; write 2025-04-03 or 2025-03-04"),
        (
            "31/03/2025",
            "numbers alone are read only as YYYY-MM-DD; write 2025-03-31 or 31 March 2025",
        ),
        (
            "2025/03/04",
            "numbers alone are read only as YYYY-MM-DD; write 2025-03-04 or 4 March 2025",
        ),
        ("2025-02-30", f"there is no such day (write {FORMS})"),
        ("30 February 2025", f"there is no such day (write {FORMS})"),
        ("2025-W07-5", f"write {FORMS}"),
        ("20 February", f"give the day, the month and the year ({FORMS})"),
        ("February 2025", f"give the day, the month and the year ({FORMS})"),
        ("20 February 2025 10:00", f"give a day without a time ({FORMS})"),
        ("2025-02-20T10:00", f"give a day without a time ({FORMS})"),
        ("Monday 20 February 2025", "20 February 2025 is a Thursday"),
        ("20 Feb Mar 2025", f"write {FORMS}"),
        ("next tuesday", f"write {FORMS}"),
        ("٢٠٢٥-٠٢-٢٠", f"write {FORMS}"),
        ("1899-12-31", "vzwatch handles the years 1900–2999"),
        ("", f"write {FORMS}"),
    ],
)
def test_other_dates_are_refused_with_what_to_write(text: str, reason: str) -> None:
    assert refused(userinput.date, text, "--date") == f"--date '{text}' is not a date: {reason}"


def test_a_refused_date_is_shown_escaped() -> None:
    assert refused(userinput.date, "\x1b[31m2025", "--today").startswith(
        "--today '\\x1b[31m2025' is not a date"
    )


def message_of(read: object, *args: object) -> str | None:
    """The usage error a reader raises for ``args``, or None when it reads them."""
    assert callable(read)
    try:
        read(*args)
    except UsageError as error:
        return error.message
    return None


@given(st.text(max_size=40))
def test_any_text_is_a_date_or_one_line_usage_error(text: str) -> None:
    message = message_of(userinput.date, text)
    if message is None:
        assert 1900 <= userinput.date(text).year <= 2999
    else:
        assert "\n" not in message
        assert " is not a date: " in message


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_day_reads_back_in_both_forms(day: date) -> None:
    assert userinput.date(day.isoformat()) == day
    assert userinput.date(f"{day.day} {day.strftime('%B')} {day.year}") == day
    assert userinput.date(f"{day.strftime('%a %b')} {day.day}, {day.year}") == day


def test_since_is_a_date_or_a_quarter_and_not_after_today() -> None:
    today = date(2025, 3, 31)
    assert userinput.since("2025-02-01", today) == date(2025, 2, 1)
    assert userinput.since("1 February 2025", today) == date(2025, 2, 1)
    assert userinput.since("Q4 2024", today) == date(2024, 10, 1)
    assert userinput.since("last", today) == date(2024, 10, 1)
    assert (
        refused(userinput.since, "Q3 2025", today)
        == "--since 2025-07-01 is after today (2025-03-31)"
    )
    assert refused(userinput.since, "03/02/2025", today).startswith(
        "--since '03/02/2025' is not a date: it could be"
    )


# --- quarters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("this", date(2025, 1, 1), "Q1-2025"),
        ("next", date(2025, 1, 1), "Q2-2025"),
        ("last", date(2025, 1, 1), "Q4-2024"),
        ("this", date(2024, 12, 31), "Q4-2024"),
        ("next", date(2024, 12, 31), "Q1-2025"),
        ("last", date(2024, 12, 31), "Q3-2024"),
        ("THIS", date(2025, 5, 5), "Q2-2025"),
        (" Next ", date(2025, 5, 5), "Q3-2025"),
        ("LaSt", date(2025, 5, 5), "Q1-2025"),
        ("2025-02-14", date(2030, 1, 1), "Q1-2025"),
        ("2024-02-29", date(2030, 1, 1), "Q1-2024"),
        ("2025-12-31", date(2030, 1, 1), "Q4-2025"),
        ("2025-10-01", date(2030, 1, 1), "Q4-2025"),
        ("14 February 2025", date(2030, 1, 1), "Q1-2025"),
        ("Q3 2024", date(2030, 1, 1), "Q3-2024"),
        ("2024Q3", date(2030, 1, 1), "Q3-2024"),
    ],
)
def test_quarter(text: str, today: date, expected: str) -> None:
    assert str(userinput.quarter(text, today)) == expected


def test_quarter_uses_the_fiscal_calendar_for_fiscal_quarters_only() -> None:
    assert userinput.quarter("FY2025 Q1", date(2025, 1, 1), US_FEDERAL) == Quarter(2024, 4)
    # Relative words and dates are calendar quarters whatever the fiscal year.
    assert userinput.quarter("this", date(2025, 1, 1), US_FEDERAL) == Quarter(2025, 1)
    assert userinput.quarter("2025-01-01", date(2025, 1, 1), US_FEDERAL) == Quarter(2025, 1)


@pytest.mark.parametrize(
    "text", ["", "thisq", "this quarter", "ｔｈｉｓ", "Q5 2025", "2025", "soon", "x" * 100]
)
def test_quarter_refuses_what_is_not_one(text: str) -> None:
    message = refused(userinput.quarter, text, date(2025, 1, 1))
    shown = text if len(text) <= 80 else text[:80] + "…"
    assert message == (
        f"'{shown}' is not a quarter: use Q1-2025, Q1 2025, 2025-Q1, 2025Q1, FY2024 Q1, "
        f"this, next, last or a date ({FORMS}) {LIMITS}"
    )


@pytest.mark.parametrize("text", ["2025-02-30", "2025-13-01", "03/04/2025", "1899-12-31"])
def test_a_quarter_written_as_a_date_is_refused_as_a_date(text: str) -> None:
    assert refused(userinput.quarter, text, date(2025, 1, 1)).startswith(
        f"'{text}' is not a date: "
    )


def test_next_after_the_last_supported_quarter_is_refused() -> None:
    assert "is not a quarter" in refused(userinput.quarter, "next", date(2999, 12, 31))


@given(st.text(max_size=30))
def test_arbitrary_text_is_a_quarter_or_one_line_usage_error(text: str) -> None:
    message = message_of(userinput.quarter, text, date(2025, 1, 1))
    if message is not None:
        assert "\n" not in message
        assert " is not a quarter: " in message or " is not a date: " in message


# --- numbers, statuses, names ------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("40", 40), ("40%", 40), (" 0 ", 0), ("100 %", 100)])
def test_percent(text: str, value: int) -> None:
    assert userinput.percent(text) == value


@pytest.mark.parametrize("text", ["101", "-1", "4.5", "forty", "", "٤٠"])
def test_percent_refuses_anything_else(text: str) -> None:
    assert refused(userinput.percent, text) == (
        f"percent '{text}' is not a whole number from 0 to 100"
    )


def test_status_in_any_case() -> None:
    assert userinput.status(" Active ") == "active"
    assert refused(userinput.status, "finished") == (
        "status 'finished' is not one of planned, active, done, paused, cancelled"
    )


def test_pillar_by_id_or_name() -> None:
    portfolio = Portfolio(initiatives=(), pillars=(Pillar("aid", "Humanitarian Aid"),))
    assert userinput.pillar(portfolio, "humanitarian aid") == "aid"
    assert userinput.pillar(portfolio, "AID") == "aid"
    assert userinput.pillar(portfolio, "") is None
    assert refused(userinput.pillar, portfolio, "nope") == "unknown pillar 'nope' (known: aid)"


def test_ident() -> None:
    assert userinput.ident(" Summit-2 ") == "summit-2"
    assert refused(userinput.ident, "-x").startswith("id '-x' must be lowercase letters")


def test_text_refuses_control_characters_and_keeps_lines_only_when_asked() -> None:
    assert userinput.text("  Summit ", "title") == "Summit"
    assert refused(userinput.text, "a\nb", "title") == (
        "title contains a control or invisible character (\\x0a); remove it"
    )
    assert userinput.text("a\nb", "note", multiline=True) == "a\nb"
    assert refused(userinput.text, "x" * 10_001, "title") == (
        "title is longer than 10000 characters"
    )
