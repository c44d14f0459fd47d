"""`--today D` means "as of D": entries dated after D do not exist for that run (issue 12)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

WRITE_DAY = ("--today", "2025-03-31")


@pytest.fixture
def recorded(run: RunCli) -> RunCli:
    """10% in January, 40% on 20 February, a status change on 20 March."""
    for args in (
        ("election", "10", "--date", "2025-01-20"),
        ("election", "40", "--date", "2025-02-20"),
    ):
        assert run("progress", *args, *WRITE_DAY).exit_code == ExitCode.OK
    assert run("edit", "hum", "--status", "paused", "--today", "2025-03-20").exit_code == 0
    return run


def _report(run: RunCli, *options: str) -> dict[str, object]:
    result = run("report", "--quarter", "Q1-2025", "--json", *options)
    assert result.exit_code == ExitCode.OK, result.stderr
    value = json.loads(result.stdout)
    assert isinstance(value, dict)
    return value


def _line(report: dict[str, object], ident: str) -> dict[str, object]:
    items = report["initiatives"]
    assert isinstance(items, list)
    return next(item for item in items if item["id"] == ident)


def test_a_report_as_of_a_past_day_sees_only_what_was_recorded_by_then(recorded: RunCli) -> None:
    report = _report(recorded, "--today", "2025-02-15")
    election = _line(report, "election-oversight-missions")
    assert (election["progress"], election["last_update"]) == (10, "2025-01-20")
    assert election["health"] == "behind"
    assert _line(report, "humanitarian-aid-programs")["status"] == "active"
    assert [change["date"] for change in report["changes"]] == ["2025-01-20"]  # type: ignore[attr-defined]


def test_a_report_as_of_a_past_day_does_not_change_when_more_is_recorded(
    recorded: RunCli,
) -> None:
    before = recorded("report", "--quarter", "Q1-2025", "--json", "--today", "2025-02-15")
    assert recorded("progress", "election", "90", "--date", "2025-03-01", *WRITE_DAY).exit_code == 0
    assert recorded("edit", "inter", "--status", "done", *WRITE_DAY).exit_code == 0
    after = recorded("report", "--quarter", "Q1-2025", "--json", "--as-of", "2025-02-15")
    assert after.stdout == before.stdout


def test_as_of_is_the_same_option_as_today(recorded: RunCli) -> None:
    one = recorded("show", "election", "--json", "--today", "2025-02-01")
    two = recorded("show", "election", "--json", "--as-of", "2025-02-01")
    assert one.stdout == two.stdout
    shown = json.loads(one.stdout)
    assert (shown["progress"], len(shown["progress_log"])) == (10, 1)


def test_list_and_show_say_which_day_they_are_as_of(recorded: RunCli) -> None:
    listed = recorded("list", "--today", "2025-02-15")
    assert listed.stdout.splitlines()[0].strip() == "As of 2025-02-15"
    assert "░  10%" in listed.stdout
    assert "40%" not in listed.stdout
    shown = recorded("show", "election", "--as-of", "2025-02-15")
    assert shown.stdout.splitlines()[0] == "As of 2025-02-15"
    assert "2025-02-20" not in shown.stdout
    assert not recorded("list").stdout.startswith("As of")


def test_due_as_of_a_day_sees_the_status_of_that_day(recorded: RunCli) -> None:
    assert recorded("edit", "election", "--status", "done", *WRITE_DAY).exit_code == 0
    result = recorded("due", "--quarter", "Q1-2025", "--today", "2025-02-15")
    assert result.stdout.splitlines()[0].strip() == "Due in Q1-2025, as of 2025-02-15"
    assert "election-oversight-missions" in result.stdout
    after = recorded("due", "--quarter", "Q1-2025", "--today", "2025-04-02")
    assert after.stdout == "Nothing due in Q1-2025, as of 2025-04-02.\n"


def test_timeline_and_export_as_of_a_day(recorded: RunCli) -> None:
    chart = json.loads(recorded("timeline", "--json", "--today", "2025-02-15").stdout)
    assert chart["today"] == "2025-02-15"
    row = next(r for r in chart["rows"] if r["id"] == "election-oversight-missions")
    assert row["progress"] == 10
    exported = json.loads(recorded("export", "--format", "json", "--as-of", "2025-02-15").stdout)
    assert exported["as_of"] == "2025-02-15"
    election = next(
        item for item in exported["initiatives"] if item["id"] == "election-oversight-missions"
    )
    assert [entry["percent"] for entry in election["progress_log"]] == [10]


@pytest.mark.parametrize(
    "command",
    [
        ("progress", "election", "30"),
        ("edit", "election", "--status", "active"),
    ],
)
def test_a_write_dated_after_the_real_today_is_refused(
    run: RunCli, store: Path, command: tuple[str, ...]
) -> None:
    before = store.read_bytes()
    result = run(*command, "--today", "2999-06-01")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        f"vzwatch: error: --today 2999-06-01 is in the future (today is {date.today()}): "
        "an entry records what has happened\n"
    )
    assert store.read_bytes() == before


@pytest.mark.parametrize("day", ["3000-01-01", "0001-01-01", "1899-12-31"])
@pytest.mark.parametrize(
    "command",
    [
        ("timeline",),
        ("export", "--format", "json"),
        ("report",),
        ("list",),
        ("due",),
        ("show", "hum"),
    ],
)
def test_today_outside_its_range_is_one_usage_error(
    run: RunCli, day: str, command: tuple[str, ...]
) -> None:
    result = run(*command, "--today", day)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        f"vzwatch: error: --today '{day}' is outside the days vzwatch handles "
        "(1900-01-01 to 2999-12-31)\n"
    )


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
@pytest.mark.parametrize(
    "command",
    [("timeline",), ("timeline", "--json"), ("export", "--format", "ics"), ("report",), ("due",)],
)
def test_today_at_the_ends_of_its_range_works(
    run: RunCli, day: str, command: tuple[str, ...]
) -> None:
    result = run(*command, "--today", day)
    assert result.exit_code == ExitCode.OK, result.stderr


def test_progress_before_1900_is_refused(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("progress", "election", "30", "--date", "1800-01-01")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        "vzwatch: error: --date '1800-01-01' is outside the days vzwatch handles "
        "(1900-01-01 to 2999-12-31)\n"
    )
    assert store.read_bytes() == before


BEFORE_REVISION = ("--today", "2025-02-14")


@pytest.fixture
def unrevised(run: RunCli, store: Path, tmp_path: Path) -> Path:
    """The store before the dialogue forums were revised on 2025-03-03 (a copy); the
    test's store then has the revision of timeline and objective."""
    copy = tmp_path / "unrevised.toml"
    copy.write_bytes(store.read_bytes())
    revise = ("edit", "inter", "--timeline", "Q2 2025", "--objective", "Meet again in 2025")
    assert run(*revise, "--date", "2025-03-03").exit_code == ExitCode.OK
    return copy


@pytest.mark.parametrize(
    "view",
    [
        ("timeline",),
        ("timeline", "--json"),
        ("timeline", "--mermaid"),
        ("export", "--format", "mermaid"),
        ("list", "--format", "csv"),
        ("due", "--overdue", "--json"),
        ("deps", "--critical"),
    ],
)
def test_a_view_as_of_a_day_before_a_revision_shows_the_values_of_that_day(
    run: RunCli, unrevised: Path, view: tuple[str, ...]
) -> None:
    """As the store was then, whatever was revised afterwards (the chart drew Q2-2025)."""
    revised = run(*view, *BEFORE_REVISION)
    assert revised.exit_code == ExitCode.OK, revised.stderr
    assert revised.stdout == run(*view, *BEFORE_REVISION, "--file", str(unrevised)).stdout
    after = run(*view, "--today", "2025-03-03").stdout
    assert after != run(*view, "--today", "2025-03-03", "--file", str(unrevised)).stdout


def test_the_svg_and_html_timeline_as_of_a_day_before_a_revision(
    run: RunCli, unrevised: Path, tmp_path: Path
) -> None:
    for option in ("--svg", "--html"):
        drawn, then = tmp_path / "revised", tmp_path / "then"
        run("timeline", *BEFORE_REVISION, option, str(drawn))
        run("timeline", *BEFORE_REVISION, option, str(then), "--file", str(unrevised))
        assert drawn.read_text(encoding="utf-8") == then.read_text(encoding="utf-8")


def test_show_and_report_as_of_a_day_before_a_revision(run: RunCli, unrevised: Path) -> None:
    shown = json.loads(run("show", "inter", "--json", *BEFORE_REVISION).stdout)
    assert shown["timeline"] == {
        "text": "Q3 – Q4 2024",
        "start": "Q3-2024",
        "end": "Q4-2024",
        "ongoing": False,
    }
    assert shown["objective"] == "Bridge political divide"
    assert shown["revisions"] == []
    report = _report(run, *BEFORE_REVISION)
    assert report == _report(run, *BEFORE_REVISION, "--file", str(unrevised))
    assert _line(report, "international-dialogue-forums")["health"] == "overdue"


def test_stale_as_of_a_day_does_not_count_a_later_update(run: RunCli) -> None:
    before = run("stale", "--today", "2025-06-30", "--json").stdout
    assert run("progress", "hum", "30", "--date", "2025-07-15").exit_code == ExitCode.OK
    assert run("stale", "--today", "2025-06-30", "--json").stdout == before
    humanitarian = [i for i in json.loads(before) if i["id"] == "humanitarian-aid-programs"]
    assert [i["last_update"] for i in humanitarian] == ["2025-01-31"]  # its indicator's
    later = json.loads(run("stale", "--today", "2025-07-31", "--json").stdout)
    assert "humanitarian-aid-programs" not in [i["id"] for i in later]


def test_a_revised_fiscal_timeline_as_of_a_day_reads_in_the_stores_calendar(run: RunCli) -> None:
    """The bundled store counts Japanese fiscal years: FY2025 Q1 is Q2-2025. Read twice:
    a parse, then the cache's rows."""
    for timeline, day in (("FY2025 Q1", "2025-03-01"), ("Q4 2025", "2025-03-10")):
        assert run("edit", "inter", "--timeline", timeline, "--date", day).exit_code == 0
    for _ in range(2):
        shown = json.loads(run("show", "inter", "--json", "--today", "2025-03-05").stdout)
        assert shown["timeline"] == {
            "text": "FY2025 Q1",
            "start": "Q2-2025",
            "end": "Q2-2025",
            "ongoing": False,
        }
        rows = json.loads(run("timeline", "--json", "--today", "2025-03-05").stdout)["rows"]
        assert [row["end"] for row in rows if row["id"].startswith("inter")] == ["Q2-2025"]
