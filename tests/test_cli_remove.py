"""`vzwatch remove`: asks first, refuses without a terminal, takes its entries along."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.cli import updates as update_commands
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-03-31")


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_commands, "_stdin_is_terminal", lambda: True)


def ids(run: RunCli) -> list[str]:
    return [item["id"] for item in json.loads(run("list", "--json").stdout)]


def test_without_a_terminal_it_refuses_and_points_at_yes(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("remove", "election")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        "vzwatch: error: not removing 'election-oversight-missions' without confirmation: "
        "no terminal to ask; use --yes\n"
    )
    assert store.read_bytes() == before


@pytest.mark.usefixtures("terminal")
def test_in_a_terminal_it_asks_and_no_keeps_everything(run: RunCli, store: Path) -> None:
    run("progress", "election", "40", *TODAY)
    before = store.read_bytes()
    result = run("remove", "election", input="n\n")
    assert result.exit_code == ExitCode.OK
    assert (
        "Remove 'Election Oversight Missions' (election-oversight-missions) and its 1 "
        "progress entry and 1 milestone? This cannot be undone [y/N]"
    ) in result.stdout
    assert result.stdout.endswith("Nothing removed.\n")
    assert store.read_bytes() == before


@pytest.mark.usefixtures("terminal")
def test_in_a_terminal_yes_removes(run: RunCli) -> None:
    result = run("remove", "election", input="y\n")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.endswith(
        "Removed election-oversight-missions with 0 progress entries and 0 status-history entries"
        " (and 1 milestone)\n"
    )
    assert "election-oversight-missions" not in ids(run)


def test_yes_removes_the_record_its_progress_and_history(run: RunCli, store: Path) -> None:
    run("progress", "election", "40", "--date", "2025-02-01", *TODAY)
    run("progress", "hum", "10", *TODAY)
    run("progress", "election", "100", *TODAY)  # marks done: one history entry
    result = run("remove", "election", "--yes", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == {
        "removed": "election-oversight-missions",
        "progress_entries": 2,
        "history_entries": 1,
        "indicators": 0,
        "measurements": 0,
        "milestones": 1,
    }
    document = tomllib.loads(store.read_text(encoding="utf-8"))
    assert [i["id"] for i in document["initiatives"]] == [
        "international-dialogue-forums",
        "humanitarian-aid-programs",
    ]
    assert [p["initiative"] for p in document["progress"]] == ["humanitarian-aid-programs"]
    assert "history" not in document
    assert "milestones" not in document


def test_comments_survive(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        '[[initiatives]]\nid = "election-oversight-missions"',
        "# Elections: reviewed by the desk in March.\n"
        '[[initiatives]]\nid = "election-oversight-missions"',
    )
    store.write_text(text, encoding="utf-8")
    result = run("remove", "election-oversight-missions", "--yes")
    assert result.exit_code == ExitCode.OK, result.stderr
    after = store.read_text(encoding="utf-8")
    assert "# Elections: reviewed by the desk in March.\n" in after
    assert "# The initiatives, as in the article's table.\n" in after
    assert after.startswith("# vzwatch store: Japan's diplomatic")
    block_start = text.index('[[initiatives]]\nid = "election-oversight-missions"')
    block_end = text.index('[[initiatives]]\nid = "humanitarian-aid-programs"')
    milestone = text.index('[[milestones]]\nid = "observer-teams-accredited"')
    table = re.match(r"\[\[milestones\]\]\n(?:[a-z][^\n]*\n)*\n*", text[milestone:])
    assert table is not None
    # Its milestone's table goes too (the blank lines after it with it); comments stay.
    expected = text[:block_start] + text[block_end:milestone] + text[milestone + table.end() :]
    assert after == expected


def test_unknown_id(run: RunCli) -> None:
    assert run("remove", "nothing-here", "--yes").exit_code == ExitCode.NOT_FOUND


def test_prefix_is_resolved_before_asking(run: RunCli) -> None:
    result = run("remove", "hum", "--yes")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert ids(run) == ["international-dialogue-forums", "election-oversight-missions"]


def test_an_ambiguous_prefix_removes_nothing_and_names_the_matches(
    run: RunCli, store: Path
) -> None:
    run("add", "International Summit", "--timeline", "Q2 2025")
    before = store.read_bytes()
    result = run("remove", "internat", "--yes")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "international-dialogue-forums" in result.stderr
    assert "international-summit" in result.stderr
    assert store.read_bytes() == before


@pytest.mark.usefixtures("terminal")
def test_end_of_input_at_the_question_is_no(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("remove", "election", input="")
    assert (result.exit_code, result.stderr) == (ExitCode.OK, "")
    assert result.stdout.endswith("This cannot be undone [y/N]: \nNothing removed.\n")
    assert store.read_bytes() == before


@pytest.mark.usefixtures("terminal")
def test_an_unclear_answer_is_asked_again(run: RunCli) -> None:
    result = run("remove", "election", input="maybe\ny\n")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "Please answer y or n.\n" in result.stdout
    assert "Error" not in result.stdout + result.stderr
    assert "election-oversight-missions" not in ids(run)


@pytest.mark.usefixtures("terminal")
def test_ctrl_c_at_the_question_aborts_on_a_line_of_its_own(
    run: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(prompt: str) -> str:
        sys.stdout.write(prompt)
        raise KeyboardInterrupt

    monkeypatch.setattr("builtins.input", interrupted)
    result = run("remove", "election")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert result.stdout.endswith("[y/N]: \n")
    assert result.stderr == "vzwatch: error: aborted\n"
