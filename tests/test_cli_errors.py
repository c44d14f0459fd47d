"""Every error is one line on stderr with a documented exit code; bad stores are never touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

READ_COMMANDS = [["list"], ["list", "--json"], ["show", "election"], ["due", "-Q", "Q1-2025"]]


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_invalid_toml_names_file_line_and_column(
    run: RunCli, store: Path, command: list[str]
) -> None:
    store.write_text('[[initiatives]]\nid = "x"\ntitle = \n', encoding="utf-8")
    before = store.read_bytes()
    result = run(*command)
    assert result.exit_code == ExitCode.STORE
    assert result.stderr.startswith(f"vzwatch: error: {store}:3:")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert store.read_bytes() == before


def test_invalid_record_names_the_line_and_the_record(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace('status = "active"', 'status = "someday"')
    store.write_text(text, encoding="utf-8")
    line = next(
        number
        for number, content in enumerate(text.splitlines(), start=1)
        if content == 'id = "humanitarian-aid-programs"'
    )
    result = run("list")
    assert result.exit_code == ExitCode.STORE
    assert result.stderr == (
        f"vzwatch: error: {store}:{line - 1}: initiative 'humanitarian-aid-programs': "
        "status 'someday' is not one of planned, active, done, paused, cancelled\n"
    )


def test_invalid_store_refuses_writes_and_stays_byte_identical(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace('timeline = "Q1 2025"', 'timeline = "Q9 2025"')
    store.write_text(text, encoding="utf-8")
    before = store.read_bytes()
    result = run("add", "New", "--timeline", "Q1 2026")
    assert result.exit_code == ExitCode.STORE
    assert "Q9 2025" in result.stderr
    assert store.read_bytes() == before


def test_missing_store_file_is_a_store_problem(run: RunCli, tmp_path: Path) -> None:
    result = run("list", "--file", str(tmp_path / "nope.toml"))
    assert result.exit_code == ExitCode.STORE
    assert "nope.toml" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_unknown_option_is_one_line_usage_error(run: RunCli) -> None:
    result = run("list", "--zzz")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == ("vzwatch: error: No such option: --zzz (see 'vzwatch list --help')\n")


def test_missing_argument_is_a_usage_error(run: RunCli) -> None:
    result = run("show")
    assert result.exit_code == ExitCode.USAGE
    assert "Missing argument 'ID'" in result.stderr


def test_bad_today_is_a_usage_error(run: RunCli) -> None:
    result = run("due", "--today", "2025-02-30")
    assert result.exit_code == ExitCode.USAGE
    assert "--today '2025-02-30' is not a date" in result.stderr


@pytest.mark.parametrize("written", ["2025-02-20", "20 February 2025", "Feb 20, 2025"])
def test_today_and_date_read_the_same_forms(run: RunCli, written: str) -> None:
    result = run("progress", "election", "40", "--today", written, "--date", written)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("election-oversight-missions: 40% on 2025-02-20 ")


@pytest.mark.parametrize("option", ["--today", "--date"])
@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("2025-W07-5", "write 2025-02-14 or 14 February 2025"),
        ("03/04/2025", "it could be 3 April 2025 or 4 March 2025; write 2025-04-03 or 2025-03-04"),
    ],
)
def test_today_and_date_refuse_the_same_forms(
    run: RunCli, store: Path, option: str, written: str, reason: str
) -> None:
    before = store.read_bytes()
    other = "--date" if option == "--today" else "--today"
    result = run("progress", "election", "40", option, written, other, "2025-03-31")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == f"vzwatch: error: {option} '{written}' is not a date: {reason}\n"
    assert store.read_bytes() == before


def test_error_messages_never_echo_control_characters(run: RunCli) -> None:
    result = run("show", "x\x1b[31mred")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "\x1b" not in result.stderr
    assert "\\x1b[31mred" in result.stderr


def test_a_bug_is_one_line_with_its_own_exit_code(
    run: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vzwatch.operations import reading

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(reading, "open_snapshot", broken)
    result = run("list", env={"VZWATCH_DEBUG": None})
    assert result.exit_code == ExitCode.INTERNAL
    assert result.stderr == (
        "vzwatch: error: internal error: RuntimeError: boom "
        "(a bug in vzwatch; rerun with VZWATCH_DEBUG=1 for the traceback)\n"
    )
    with pytest.raises(RuntimeError, match="boom"):
        run("list")  # VZWATCH_DEBUG=1 (the fixture's default) shows the real error
