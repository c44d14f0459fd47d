"""`amend` and `retract`: correcting one progress or history entry (issue 12)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.entries import entry_id
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.schema import HistoryEntry, ProgressEntry

TODAY = ("--today", "2025-03-31")
ELECTION = "election-oversight-missions"


@pytest.fixture
def logged(run: RunCli) -> RunCli:
    for args in (
        ("10", "--date", "2025-01-20", "--note", "Advance"),
        ("40", "--date", "2025-02-20"),
    ):
        assert run("progress", "election", *args, *TODAY).exit_code == ExitCode.OK
    assert run("edit", "hum", "--status", "paused", "--today", "2025-03-20").exit_code == 0
    return run


def test_show_prints_each_entry_id(logged: RunCli) -> None:
    shown = logged("show", "election").stdout
    first = entry_id(ProgressEntry(ELECTION, date(2025, 1, 20), 10, "Advance"))
    assert first in shown
    history = entry_id(
        HistoryEntry("humanitarian-aid-programs", date(2025, 3, 20), "status", "active", "paused")
    )
    assert history in logged("show", "hum").stdout


def test_amend_by_date_changes_only_that_entry(logged: RunCli, store: Path) -> None:
    before = store.read_text(encoding="utf-8")
    result = logged("amend", "election", "2025-02-20", "--percent", "45", "--note", "fixed", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    old = entry_id(ProgressEntry(ELECTION, date(2025, 2, 20), 40, ""))
    new = entry_id(ProgressEntry(ELECTION, date(2025, 2, 20), 45, "fixed"))
    assert result.stdout == (
        f"{ELECTION}: {old} (progress 40% on 2025-02-20) is now "
        f"{new} (progress 45% on 2025-02-20)\n"
    )
    after = store.read_text(encoding="utf-8")
    assert after == before.replace(
        "date = 2025-02-20\npercent = 40\n", 'date = 2025-02-20\npercent = 45\nnote = "fixed"\n'
    )


def test_amend_by_entry_id_moves_a_history_entry(logged: RunCli) -> None:
    ident = entry_id(
        HistoryEntry("humanitarian-aid-programs", date(2025, 3, 20), "status", "active", "paused")
    )
    result = logged("amend", "hum", ident, "--date", "2025-03-19", "--to", "PAUSED", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "2025-03-19" in logged("show", "hum").stdout
    assert logged("validate").exit_code == ExitCode.OK


def test_retract_removes_a_future_entry_that_hid_every_update(logged: RunCli, store: Path) -> None:
    store.write_text(
        store.read_text(encoding="utf-8")
        + f'\n[[progress]]\ninitiative = "{ELECTION}"\ndate = 2999-06-01\npercent = 30\n',
        encoding="utf-8",
    )
    assert logged("validate").exit_code == ExitCode.FOUND
    result = logged("retract", "election", "2999-06-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    gone = entry_id(ProgressEntry(ELECTION, date(2999, 6, 1), 30, ""))
    assert result.stdout == f"{ELECTION}: removed {gone} (progress 30% on 2999-06-01)\n"
    assert "2999" not in store.read_text(encoding="utf-8")
    assert logged("validate").exit_code == ExitCode.OK


def test_retract_json_prints_what_show_prints(logged: RunCli) -> None:
    result = logged("retract", "election", "2025-01-20", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == logged("show", "election", "--json").stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("election", "2025-01-01", "--percent", "3"),
            ExitCode.NOT_FOUND,
            f"'{ELECTION}' has no entry dated 2025-01-01 (its entries: `vzwatch show {ELECTION}`)",
        ),
        (
            ("election", "zz", "--percent", "3"),
            ExitCode.USAGE,
            "ENTRY 'zz' is neither an entry id (p3fa2, h1b2c: see "
            f"`vzwatch show {ELECTION}`) nor a date (2025-02-14)",
        ),
        (
            ("election", "2025-01-20"),
            ExitCode.USAGE,
            "nothing to change: give --date, --percent, --note, --from or --to",
        ),
        (
            ("election", "2025-01-20", "--to", "done"),
            ExitCode.USAGE,
            "--from and --to change a status-history entry, not progress",
        ),
        (
            ("election", "2025-01-20", "--date", "2999-01-01"),
            ExitCode.USAGE,
            "--date 2999-01-01 is in the future (today is 2025-03-31): "
            "an entry records what has happened",
        ),
    ],
)
def test_a_bad_correction_is_one_line_and_changes_nothing(
    logged: RunCli, store: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    before = store.read_bytes()
    result = logged("amend", *args, *TODAY)
    assert (result.exit_code, result.stderr) == (code, f"vzwatch: error: {message}\n")
    assert store.read_bytes() == before


def test_two_entries_on_one_day_need_the_entry_id(logged: RunCli, store: Path) -> None:
    assert logged("progress", "election", "50", "--date", "2025-02-20", *TODAY).exit_code == 0
    before = store.read_bytes()
    result = logged("retract", "election", "2025-02-20")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stderr.startswith(
        f"vzwatch: error: '{ELECTION}' has more than one entry dated 2025-02-20: "
    )
    assert store.read_bytes() == before
