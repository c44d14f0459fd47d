"""`vzwatch export`: the formats of `list`, to stdout or atomically to a file."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import icalendar
import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.storage import store as store_module

AS_OF = ("--today", "2025-02-14")


def test_json_export_is_list_json_with_the_day_it_is_as_of(run: RunCli) -> None:
    exported = json.loads(run("export", "--format", "json", *AS_OF).stdout)
    assert exported == {
        "as_of": "2025-02-14",
        "initiatives": json.loads(run("list", "--json", *AS_OF).stdout),
    }
    today = json.loads(run("export", "--format", "json").stdout)
    assert today["as_of"] == date.today().isoformat()


def test_csv_export_is_list_csv_with_an_as_of_column(run: RunCli) -> None:
    """A column, not a comment line: a spreadsheet reads the first line as the header."""
    exported = run("export", "--format", "csv", *AS_OF).stdout
    listed = run("list", "--format", "csv", *AS_OF).stdout.splitlines()
    assert exported.splitlines() == [
        listed[0] + ",as_of",
        *(line + ",2025-02-14" for line in listed[1:]),
    ]
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["as_of"] for row in rows] == ["2025-02-14"] * 3


def test_every_export_of_several_stores_says_the_day_it_is_as_of(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    other = tmp_path / "us.toml"
    other.write_text(
        '[portfolio]\ntitle = "US"\n\n[[initiatives]]\nid = "us-one"\ntitle = "One"\n'
        'timeline = "Q1 2025"\n',
        encoding="utf-8",
    )
    several = ("--file", str(store), "--file", str(other), *AS_OF)
    document = json.loads(run("export", "--format", "json", *several).stdout)
    assert document["as_of"] == "2025-02-14"
    assert [item["portfolio"] for item in document["initiatives"]][-1] == "US"
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv", *several).stdout)))
    assert [(row["portfolio"], row["as_of"]) for row in rows][-1] == ("US", "2025-02-14")
    assert ics_as_of(run("export", "--format", "ics", *several).stdout) == date(2025, 2, 14)


def ics_as_of(document: str) -> object:
    """The calendar's X-VZWATCH-AS-OF, as the icalendar parser reads a DATE value."""
    return getattr(icalendar.Calendar.from_ical(document)["X-VZWATCH-AS-OF"], "dt", None)


def test_ics_export_says_the_day_it_is_as_of(run: RunCli) -> None:
    document = run("export", "--format", "ics", *AS_OF).stdout
    calendar = icalendar.Calendar.from_ical(document)
    assert ics_as_of(document) == date(2025, 2, 14)
    assert str(calendar["X-WR-CALDESC"]) == "As of 2025-02-14"
    tasks = run("export", "--format", "ics", "--tasks", "--today", "2025-03-31").stdout
    assert ics_as_of(tasks) == date(2025, 3, 31)


def test_markdown_is_the_list_format(run: RunCli) -> None:
    listed = run("list", "--format", "markdown", *AS_OF).stdout
    exported = run("export", "--format", "markdown", *AS_OF).stdout
    # Markdown is a briefing: the day it is as of, the sources column holds footnote
    # marks, the footnotes follow.
    table = listed.removeprefix("As of 2025-02-14\n")
    assert exported == "As of 2025-02-14.\n\n" + table.replace("| japan-wire |", "| [^1] |") + (
        "\n[^1]: Japan Wire, citing Kyodo News, “Japan Commits to Diplomatic Initiatives Aimed "
        "at Democratic Restoration in Venezuela”\n"
    )


def test_csv_export_guards_formulas(run: RunCli) -> None:
    run("add", '=HYPERLINK("http://evil")', "--timeline", "Q1 2026")
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    assert any(row["title"] == '\'=HYPERLINK("http://evil")' for row in rows)


def test_filters_apply(run: RunCli) -> None:
    data = json.loads(run("export", "--format", "json", "--status", "active").stdout)
    assert [item["id"] for item in data["initiatives"]] == ["humanitarian-aid-programs"]


def test_output_file_is_written_and_replaced(run: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("old", encoding="utf-8")
    result = run("export", "--format", "markdown", "--output", str(target))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith(f"As of {date.today()}.\n\n| Id | Title |")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.md")] == []


def test_output_refuses_the_store(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("export", "--format", "csv", "--output", str(store))
    assert result.exit_code == ExitCode.USAGE
    assert store.read_bytes() == before


def test_output_in_a_missing_directory_is_a_usage_error(run: RunCli, tmp_path: Path) -> None:
    result = run("export", "--format", "csv", "--output", str(tmp_path / "no" / "x.csv"))
    assert result.exit_code == ExitCode.USAGE
    assert "does not exist" in result.stderr


def test_tasks_only_for_ics(run: RunCli) -> None:
    assert run("export", "--format", "csv", "--tasks").exit_code == ExitCode.USAGE
    assert "BEGIN:VTODO" in run("export", "--format", "ics", "--tasks").stdout


def test_unknown_format_is_a_usage_error(run: RunCli) -> None:
    assert run("export", "--format", "xlsx").exit_code == ExitCode.USAGE


def test_output_files_are_written_by_the_stores_atomic_replace(
    run: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash right after the export cannot bring the old file back: the
    directory is fsynced, as for the store, and the old file keeps its mode."""
    synced: list[Path] = []
    real_sync = store_module._fsync_directory

    def recording(directory: Path) -> None:
        synced.append(directory)
        real_sync(directory)

    monkeypatch.setattr(store_module, "_fsync_directory", recording)
    out = tmp_path / "out" / "initiatives.ics"
    out.parent.mkdir()
    out.write_text("old")
    out.chmod(0o640)
    result = run("export", "--format", "ics", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert synced == [out.parent]
    assert out.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in out.parent.iterdir()) == ["initiatives.ics"]


def test_an_output_directory_that_cannot_be_synced_is_one_line(
    run: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(directory: Path) -> None:
        raise store_module.DirectorySyncError(5, "Input/output error", str(directory))

    monkeypatch.setattr(store_module, "_fsync_directory", failing)
    out = tmp_path / "backup.json"
    result = run("export", "--format", "json", "--output", str(out))
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        f"vzwatch: error: wrote {out} but could not sync its directory: Input/output error; "
        "it may not survive a crash\n"
    )
