"""`vzwatch progress`: dated entries appended at the end; 100% marks the initiative done."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-03-31")


def test_progress_appends_a_dated_entry_and_keeps_every_byte_before(
    run: RunCli, store: Path
) -> None:
    before = store.read_text(encoding="utf-8")
    result = run(
        "progress", "election", "40", "--note", "Teams deployed", "--date", "2025-02-10", *TODAY
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == (
        "election-oversight-missions: 40% on 2025-02-10 (progress was 0%, now 40%)\n"
    )
    after = store.read_text(encoding="utf-8")
    assert after.startswith(before)  # comments and layout untouched
    assert after[len(before) :] == (
        "\n[[progress]]\n"
        'initiative = "election-oversight-missions"\n'
        "date = 2025-02-10\n"
        "percent = 40\n"
        'note = "Teams deployed"\n'
    )
    assert tomllib.loads(after)["progress"][0]["date"] == date(2025, 2, 10)  # a TOML date


def test_date_defaults_to_today(run: RunCli, store: Path) -> None:
    result = run("progress", "hum", "25%", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    entry = tomllib.loads(store.read_text(encoding="utf-8"))["progress"][-1]
    assert entry == {
        "initiative": "humanitarian-aid-programs",
        "date": date(2025, 3, 31),
        "percent": 25,
    }


def test_latest_date_is_the_current_progress_whatever_the_order(run: RunCli) -> None:
    run("progress", "hum", "60", "--date", "2025-03-01", *TODAY)
    result = run("progress", "hum", "20", "--date", "2025-01-15", *TODAY)
    assert (
        result.stdout
        == "humanitarian-aid-programs: 20% on 2025-01-15 (progress was 60%, now 60%)\n"
    )
    shown = json.loads(run("show", "hum", "--json").stdout)
    assert shown["progress"] == 60
    assert [(e["date"], e["percent"]) for e in shown["progress_log"]] == [
        ("2025-01-15", 20),
        ("2025-03-01", 60),
    ]


def test_same_day_entries_the_later_recorded_wins(run: RunCli) -> None:
    run("progress", "hum", "60", *TODAY)
    run("progress", "hum", "55", "--note", "corrected", *TODAY)
    assert json.loads(run("show", "hum", "--json").stdout)["progress"] == 55


def test_reaching_100_marks_done_and_logs_the_status_change(run: RunCli, store: Path) -> None:
    result = run("progress", "election", "100", "--date", "2025-03-30", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.endswith("election-oversight-missions: status planned → done\n")
    document = tomllib.loads(store.read_text(encoding="utf-8"))
    record = next(i for i in document["initiatives"] if i["id"] == "election-oversight-missions")
    assert record["status"] == "done"
    assert document["history"] == [
        {
            "initiative": "election-oversight-missions",
            "date": date(2025, 3, 30),
            "field": "status",
            "from": "planned",
            "to": "done",
        }
    ]
    # Only the status value changed in place; the comments at the top are still there.
    assert store.read_text(encoding="utf-8").startswith("# vzwatch store: Japan's diplomatic")


def test_keep_status_records_100_without_marking_done(run: RunCli, store: Path) -> None:
    result = run("progress", "election", "100", "--keep-status", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "status" not in result.stdout
    shown = json.loads(run("show", "election", "--json").stdout)
    assert (shown["status"], shown["progress"], shown["history"]) == ("planned", 100, [])


def test_a_backdated_100_below_a_later_entry_does_not_mark_done(run: RunCli) -> None:
    run("progress", "election", "80", "--date", "2025-03-20", *TODAY)
    run("progress", "election", "100", "--date", "2025-03-10", *TODAY)
    assert json.loads(run("show", "election", "--json").stdout)["status"] == "planned"


@pytest.mark.parametrize("percent", ["101", "-5", "4.5", "abc", "", "1000"])
def test_percent_must_be_0_to_100(run: RunCli, store: Path, percent: str) -> None:
    before = store.read_bytes()
    result = run("progress", *TODAY, "election", "--", percent)
    assert result.exit_code == ExitCode.USAGE
    assert "0 to 100" in result.stderr
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2025-04-01",
            "vzwatch: error: --date 2025-04-01 is in the future (today is 2025-03-31): "
            "an entry records what has happened\n",
        ),
        (
            "2025-02-30",
            "vzwatch: error: --date '2025-02-30' is not a date: there is no such day "
            "(write 2025-02-14 or 14 February 2025)\n",
        ),
        (
            "31/03/2025",
            "vzwatch: error: --date '31/03/2025' is not a date: numbers alone are read only as "
            "YYYY-MM-DD; write 2025-03-31 or 31 March 2025\n",
        ),
        (
            "03/02/2025",
            "vzwatch: error: --date '03/02/2025' is not a date: it could be 3 February 2025 or "
            "2 March 2025; write 2025-02-03 or 2025-03-02\n",
        ),
    ],
)
def test_future_or_invalid_date_is_a_usage_error(
    run: RunCli, store: Path, value: str, message: str
) -> None:
    before = store.read_bytes()
    result = run("progress", "election", "40", "--date", value, *TODAY)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == message
    assert store.read_bytes() == before


def test_note_with_control_characters_is_refused(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("progress", "election", "40", "--note", "ok\x1b[31m", *TODAY)
    assert result.exit_code == ExitCode.USAGE
    assert store.read_bytes() == before


def test_unknown_initiative(run: RunCli) -> None:
    result = run("progress", "nothing-here", "40", *TODAY)
    assert result.exit_code == ExitCode.NOT_FOUND


def test_show_lists_the_log_and_the_current_progress(run: RunCli) -> None:
    run("progress", "election", "40", "--note", "Teams deployed", "--date", "2025-02-10", *TODAY)
    run("progress", "election", "100", "--note", "[red]Count certified", *TODAY)
    result = run("show", "election")
    assert result.exit_code == ExitCode.OK, result.stderr
    out = result.stdout
    assert "Ledger" in out
    rows = [line.split() for line in out.splitlines()]
    assert ["2025-02-10", "progress", "40%:", "Teams", "deployed"] in [r[:5] for r in rows]
    assert "[red]Count certified" in out  # user text printed literally
    assert "100%" in out
    assert "status: planned → done" in out


def test_json_prints_the_stored_record(run: RunCli) -> None:
    result = run("progress", "election", "40", "--json", *TODAY)
    record = json.loads(result.stdout)
    assert record["progress"] == 40
    assert record["progress_log"] == [
        {"date": "2025-03-31", "percent": 40, "note": "", "sources": []}
    ]


def test_less_than_100_after_100_warns_that_the_status_is_still_done(run: RunCli) -> None:
    assert run("progress", "election", "100", "--date", "2025-01-10", *TODAY).exit_code == 0
    result = run("progress", "election", "80", "--date", "2025-01-11", *TODAY)
    assert result.exit_code == ExitCode.OK
    assert result.stderr == (
        "vzwatch: warning: election-oversight-missions is done but now at 80%: "
        "`vzwatch edit election-oversight-missions --status active` if the work resumed\n"
    )
