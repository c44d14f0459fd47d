"""`vzwatch validate`: every problem of a store, one line each, with the exit code."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode, StoreError
from vzwatch.operations.reading import load_portfolio
from vzwatch.operations.validation import check_text


def line_of(text: str, content: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line == content)


def test_a_valid_store_prints_ok_and_exits_0(run: RunCli, store: Path) -> None:
    result = run("validate")
    assert result.exit_code == ExitCode.OK
    assert result.stdout == f"{store}: ok\n"
    assert result.stderr == ""


def test_quiet_prints_nothing_when_valid(run: RunCli) -> None:
    result = run("validate", "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.OK, "", "")


def test_every_problem_is_listed_in_file_order(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8")
    text = text.replace('status = "planned"', 'status = "someday"', 1)
    text = text.replace('pillar = "humanitarian-support"', 'pillar = "nope"')
    text += (
        '\n[[initiatives]]\nid = "election-oversight-missions"\ntitle = "Again"\n'
        'timeline = "Q1 2025"\n'
    )
    text += '\n[[progress]]\ninitiative = "ghost"\ndate = 2025-01-01\npercent = 5\n'
    store.write_text(text, encoding="utf-8")
    forums = line_of(text, 'id = "international-dialogue-forums"') - 1
    aid = line_of(text, 'id = "humanitarian-aid-programs"') - 1
    again = line_of(text, 'title = "Again"') - 2
    ghost = line_of(text, 'initiative = "ghost"') - 1
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND
    assert result.stdout.splitlines() == [
        f"{store}:{forums}: initiative 'international-dialogue-forums': status 'someday' is not "
        "one of planned, active, done, paused, cancelled",
        f"{store}:{aid}: initiative 'humanitarian-aid-programs': pillar 'nope' is not a "
        "[[pillars]] id (dialogue-facilitation, election-monitoring, enhanced-collaboration, "
        "humanitarian-support)",
        f"{store}:{again}: initiative 'election-oversight-missions': "
        "duplicate id (also initiative 2)",
        f"{store}:{ghost}: [[progress]] names initiative 'ghost', which does not exist",
    ]


def test_every_problem_of_one_record_is_listed(run: RunCli, store: Path) -> None:
    """A record with a duplicate id and a bad status and a bad timeline: three lines."""
    text = store.read_text(encoding="utf-8") + (
        '\n[[initiatives]]\nid = "election-oversight-missions"\ntitle = "Again"\n'
        'timeline = "Q9 2025"\nstatus = "someday"\n'
    )
    store.write_text(text, encoding="utf-8")
    again = line_of(text, 'title = "Again"') - 2
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND
    where = f"{store}:{again}: initiative 'election-oversight-missions': "
    lines = result.stdout.splitlines()
    assert lines[0] == where + "duplicate id (also initiative 2)"
    assert lines[1].startswith(where + "'Q9 2025' is not a timeline")
    assert lines[2] == (
        where + "status 'someday' is not one of planned, active, done, paused, cancelled"
    )
    assert len(lines) == 3


def test_contradictions_are_listed_with_their_lines(run: RunCli, store: Path) -> None:
    """Done below 100%, a history that does not end in the status, an entry in the future."""
    text = store.read_text(encoding="utf-8")
    text = text.replace('status = "active"', 'status = "paused"', 1)
    text += (
        '\n[[progress]]\ninitiative = "election-oversight-missions"\ndate = 2025-01-10\n'
        "percent = 100\n"
        '\n[[progress]]\ninitiative = "election-oversight-missions"\ndate = 2025-01-11\n'
        "percent = 80\n"
        '\n[[history]]\ninitiative = "humanitarian-aid-programs"\ndate = 2025-01-02\n'
        'field = "status"\nfrom = "active"\nto = "done"\n'
        '\n[[progress]]\ninitiative = "international-dialogue-forums"\ndate = 2999-01-01\n'
        "percent = 30\n"
        '\n[[history]]\ninitiative = "international-dialogue-forums"\ndate = 1800-01-01\n'
        'field = "note"\n'
    )
    at = text.index('id = "election-oversight-missions"')
    text = text[:at] + text[at:].replace('status = "planned"', 'status = "done"', 1)
    store.write_text(text, encoding="utf-8")
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND, result.stdout
    election = line_of(text, 'id = "election-oversight-missions"') - 1
    aid = line_of(text, 'id = "humanitarian-aid-programs"') - 1
    future = line_of(text, "date = 2999-01-01") - 2
    ancient = line_of(text, "date = 1800-01-01") - 2
    assert result.stdout.splitlines() == [
        f"{store}:{election}: initiative 'election-oversight-missions': status is done but the "
        "latest progress entry (2025-01-11) is 80%: record 100 or change the status",
        f"{store}:{aid}: initiative 'humanitarian-aid-programs': status is paused but the status "
        "history ends in active → done (2025-01-02): fix the status or the history",
        f"{store}:{future}: initiative 'international-dialogue-forums': progress entry dated "
        f"2999-01-01, after today ({date.today()})",
        f"{store}:{ancient}: initiative 'international-dialogue-forums': history entry dated "
        "1800-01-01, before 1900-01-01",
    ]


def test_load_portfolio_still_raises_the_first_problem(store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace('status = "active"', 'status = "x"')
    text = text.replace('timeline = "Q1 2025"', 'timeline = "Q9 2025"')
    with pytest.raises(StoreError) as raised:
        load_portfolio(text, store)
    problems = check_text(text, store)
    assert len(problems) == 2
    assert str(raised.value) == min(problems, key=lambda p: p.line or 0).text


def test_json_lists_problems(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace('status = "active"', 'status = "x"')
    store.write_text(text, encoding="utf-8")
    result = run("validate", "--json")
    assert result.exit_code == ExitCode.FOUND
    assert json.loads(result.stdout) == [
        {
            "file": str(store),
            "line": line_of(text, 'id = "humanitarian-aid-programs"') - 1,
            "column": None,
            "record": "initiative 'humanitarian-aid-programs'",
            "message": "status 'x' is not one of planned, active, done, paused, cancelled",
        }
    ]


def test_json_of_a_valid_store_is_an_empty_list(run: RunCli) -> None:
    result = run("validate", "--json")
    assert (result.exit_code, json.loads(result.stdout)) == (ExitCode.OK, [])


def test_toml_syntax_errors_have_line_and_column(run: RunCli, store: Path) -> None:
    store.write_text('[[initiatives]]\nid = "x"\ntitle = \n', encoding="utf-8")
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND
    assert result.stdout.startswith(f"{store}:3:")
    assert "invalid TOML" in result.stdout


def test_conflict_markers_are_reported_before_toml_errors(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'status = "active"\n',
        '<<<<<<< ours\nstatus = "active"\n=======\nstatus = "done"\n>>>>>>> theirs\n',
    )
    store.write_text(text, encoding="utf-8")
    start = line_of(text, "<<<<<<< ours")
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND
    assert result.stdout == (
        f"{store}:{start}: unresolved merge conflict (lines {start}-{start + 4}): "
        "keep the right value and delete the marker lines\n"
    )


def test_marker_lines_inside_a_multiline_string_are_data(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8") + (
        '\n[[progress]]\ninitiative = "humanitarian-aid-programs"\ndate = 2025-01-01\n'
        'percent = 5\nnote = """Heading\n=======\nbody"""\n'
    )
    store.write_text(text, encoding="utf-8")
    assert run("validate").exit_code == ExitCode.OK


def test_several_files_and_the_pre_commit_form(run: RunCli, store: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[[initiatives]]\nid = "x"\ntitle = "X"\n', encoding="utf-8")
    result = run("validate", "--file", str(store), str(broken))
    assert result.exit_code == ExitCode.FOUND
    assert result.stdout == (
        f"{broken}:1: initiative 'x': timeline is missing "
        "(a string such as 'Q1 2025', or start and end)\n"
    )


def test_a_missing_file_is_a_store_error_and_others_are_still_checked(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    result = run("validate", str(tmp_path / "nope.toml"), str(store))
    assert result.exit_code == ExitCode.STORE
    assert "nope.toml does not exist" in result.stderr
    assert result.stdout == ""


def test_validate_never_changes_the_file(run: RunCli, store: Path) -> None:
    store.write_text(store.read_text(encoding="utf-8") + "\nbroken =\n", encoding="utf-8")
    before = store.read_bytes()
    run("validate")
    assert store.read_bytes() == before


def test_other_commands_point_at_a_leftover_conflict(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'status = "active"\n',
        '<<<<<<< ours\nstatus = "active"\n=======\nstatus = "done"\n>>>>>>> theirs\n',
    )
    store.write_text(text, encoding="utf-8")
    result = run("list")
    assert result.exit_code == ExitCode.STORE
    assert result.stderr == (
        f"vzwatch: error: {store}:{line_of(text, '<<<<<<< ours')}:1: invalid TOML: unresolved "
        "merge conflict (<<<<<<< markers): keep the right version, delete the marker lines, "
        "then check with `vzwatch validate`\n"
    )
