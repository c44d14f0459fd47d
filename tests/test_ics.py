"""`export --format ics`: a real iCalendar parser reads it; UIDs stable; RFC 5545 details."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.helpers import SEED, RunCli, initiative
from vzwatch.domain.errors import ExitCode
from vzwatch.formats.ics import calendar, escape_text, fold

TODAY = date(2025, 2, 14)
NOW = datetime(2025, 2, 14, 9, 30, tzinfo=UTC)


def parse(document: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(document.encode("utf-8"))


def events(document: str) -> dict[str, Any]:
    return {str(e["UID"]): e for e in parse(document).walk() if e.name in ("VEVENT", "VTODO")}


def day(entry: Any, key: str) -> date:
    value = entry.decoded(key)
    assert isinstance(value, date)
    return value


def test_events_start_and_end_at_quarter_boundaries() -> None:
    found = events(calendar(SEED, None, today=TODAY, now=NOW))
    dialogue = found["dialogue@vzwatch"]
    assert day(dialogue, "DTSTART") == date(2024, 7, 1)
    assert day(dialogue, "DTEND") == date(2025, 1, 1)  # exclusive: the day after Q4 ends
    assert dialogue["STATUS"] == "TENTATIVE"
    elections = found["elections@vzwatch"]
    assert (day(elections, "DTSTART"), day(elections, "DTEND")) == (
        date(2025, 1, 1),
        date(2025, 4, 1),
    )
    assert "60%" in str(dialogue["DESCRIPTION"])


def test_ongoing_events_run_through_this_quarter() -> None:
    found = events(calendar(SEED, None, today=TODAY, now=NOW))
    ongoing = found["humanitarian@vzwatch"]
    assert day(ongoing, "DTSTART") == date(2025, 1, 1)  # unknown start: this quarter
    assert day(ongoing, "DTEND") == date(2025, 4, 1)
    assert str(ongoing["SUMMARY"]).endswith("(ongoing)")
    started = initiative("later", "Q2 2025 – ongoing")
    entry = events(calendar([started], None, today=TODAY, now=NOW))["later@vzwatch"]
    assert (day(entry, "DTSTART"), day(entry, "DTEND")) == (date(2025, 4, 1), date(2025, 7, 1))


def test_tasks_carry_percent_complete_and_todo_statuses() -> None:
    items = [*SEED, initiative("finished", "Q1 2024", status="done")]
    found = events(calendar(items, None, today=TODAY, now=NOW, component="todo"))
    assert {e.name for e in found.values()} == {"VTODO"}
    assert found["dialogue@vzwatch"]["PERCENT-COMPLETE"] == 60
    assert day(found["dialogue@vzwatch"], "DUE") == date(2024, 12, 31)
    assert found["finished@vzwatch"]["STATUS"] == "COMPLETED"
    assert "DUE" not in found["humanitarian@vzwatch"]  # ongoing: no due date


def test_uids_are_stable_across_exports() -> None:
    first = calendar(SEED, None, today=TODAY, now=NOW)
    later = calendar(SEED, None, today=date(2025, 9, 1), now=datetime(2025, 9, 1, tzinfo=UTC))
    assert (
        list(events(first))
        == list(events(later))
        == [
            "humanitarian@vzwatch",
            "dialogue@vzwatch",
            "elections@vzwatch",
        ]
    )


def test_crlf_folding_and_dtstamp() -> None:
    long_title = initiative("long", "Q1 2025", title="Très long titre, avec; virgules " * 6)
    document = calendar([long_title], None, today=TODAY, now=NOW)
    assert document.endswith("\r\n")
    assert "\n" not in document.replace("\r\n", "")
    for line in document.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "DTSTAMP:20250214T093000Z" in document
    summary = str(events(document)["long@vzwatch"]["SUMMARY"])
    assert summary == "Très long titre, avec; virgules " * 6


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a,b;c\\d", "a\\,b\\;c\\\\d"),
        ("two\nlines", "two\\nlines"),
        ("esc\x1b[31m", "esc\\\\x1b[31m"),
    ],
)
def test_text_escaping(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


def test_folding_never_splits_a_character() -> None:
    line = "SUMMARY:" + "日本" * 40
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    for piece in folded.split("\r\n"):
        piece.encode("utf-8").decode("utf-8")
        assert len(piece.encode("utf-8")) <= 75


def test_export_ics_from_the_cli_parses(run: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "vz.ics"
    result = run("export", "--format", "ics", "--output", str(target), "--today", "2025-02-14")
    assert result.exit_code == ExitCode.OK, result.stderr
    data = target.read_bytes()
    assert b"\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    found = events(data.decode("utf-8"))
    assert set(found) == {
        "international-dialogue-forums@vzwatch",
        "election-oversight-missions@vzwatch",
        "observer-teams-accredited.milestone@vzwatch",
        "humanitarian-aid-programs@vzwatch",
    }
    assert str(parse(data.decode())["X-WR-CALNAME"]).startswith("Japan's diplomatic")
