"""`vzwatch due`: the cron command. Silent when asked, exit codes a script can trust."""

from __future__ import annotations

import json

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

# The bundled store's one milestone: election-oversight-missions', in Q1-2025, open.
OBSERVERS = ("milestone", "observer-teams-accredited")
ELECTION = ("initiative", "election-oversight-missions")
FORUMS = ("initiative", "international-dialogue-forums")


def rows(stdout: str) -> list[tuple[str, str]]:
    """The (kind, id) of each `due --json` row."""
    return [(row["kind"], row["id"]) for row in json.loads(stdout)]


def test_due_in_q1_2025_lists_the_election_missions(run: RunCli) -> None:
    result = run("due", "--quarter", "Q1-2025")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "Due in Q1-2025" in result.stdout
    assert "Election Oversight Missions" in result.stdout
    assert "International Dialogue Forums" not in result.stdout


def test_due_accepts_every_quarter_spelling(run: RunCli) -> None:
    for spelling in ("Q1 2025", "2025-Q1", "2025q1", "2025-02-14", "FY2024 Q4"):
        result = run("due", "--quarter", spelling, "--json")
        assert result.exit_code == ExitCode.OK, (spelling, result.stderr)
        assert rows(result.stdout) == [ELECTION, OBSERVERS]


def test_due_defaults_to_this_quarter(run: RunCli) -> None:
    result = run("due", "--json", "--today", "2024-11-30")
    assert [i["id"] for i in json.loads(result.stdout)] == ["international-dialogue-forums"]


def test_due_next_and_last(run: RunCli) -> None:
    nxt = run("due", "--json", "--quarter", "next", "--today", "2024-12-31")
    last = run("due", "--json", "--quarter", "last", "--today", "2025-01-01")
    assert rows(nxt.stdout) == [ELECTION, OBSERVERS]
    assert rows(last.stdout) == [FORUMS]


def test_due_overdue_adds_unfinished_earlier_ones(run: RunCli) -> None:
    result = run("due", "--quarter", "Q2-2025", "--overdue", "--json")
    assert rows(result.stdout) == [FORUMS, ELECTION, OBSERVERS]


def test_due_never_lists_done_or_cancelled(run: RunCli) -> None:
    run("add", "Done Thing", "--timeline", "Q1 2025", "--status", "done")
    run("add", "Dropped Thing", "--timeline", "Q1 2025", "--status", "cancelled")
    result = run("due", "--quarter", "Q1-2025", "--json")
    assert rows(result.stdout) == [ELECTION, OBSERVERS]


def test_nothing_due_says_so_unless_quiet(run: RunCli) -> None:
    loud = run("due", "--quarter", "Q3-2026")
    assert (loud.exit_code, loud.stdout, loud.stderr) == (0, "Nothing due in Q3-2026.\n", "")
    quiet = run("due", "--quarter", "Q3-2026", "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    quiet_json = run("due", "--quarter", "Q3-2026", "--quiet", "--json")
    assert (quiet_json.stdout, quiet_json.stderr) == ("", "")


def test_exit_code_flag_reports_whether_anything_is_due(run: RunCli) -> None:
    found = run("due", "--quarter", "Q1-2025", "--exit-code", "--quiet")
    assert found.exit_code == ExitCode.FOUND
    assert "Election Oversight Missions" in found.stdout
    nothing = run("due", "--quarter", "Q3-2026", "--exit-code", "--quiet")
    assert (nothing.exit_code, nothing.stdout) == (ExitCode.OK, "")


def test_bad_quarter_is_a_usage_error_showing_accepted_forms(run: RunCli) -> None:
    for bad in ("Q0-2025", "Q5 2025", "Q1 2025 please", "Q1 ２０２５", "Q1 1800", "soon"):
        result = run("due", "--quarter", bad)
        assert result.exit_code == ExitCode.USAGE, bad
        assert result.stderr.startswith("vzwatch: error: ")
        assert "Q1-2025" in result.stderr  # the message shows an accepted form
        assert len(result.stderr.splitlines()) == 1
        assert result.stdout == ""
