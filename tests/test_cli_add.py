"""`vzwatch add`: appends a record, keeps what a person wrote, refuses bad input."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode


def test_add_prints_the_new_id_and_appends_at_the_end(run: RunCli, store: Path) -> None:
    before = store.read_text(encoding="utf-8")
    result = run(
        "add",
        "Regional Mediation Summit",
        "--timeline",
        "Q2 2025",
        "--objective",
        "Bring regional actors together",
        "--pillar",
        "Dialogue Facilitation",
        "--partner",
        "Lima Group",
        "--partner",
        "United Nations",
        "--tag",
        "summit",
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == "regional-mediation-summit\n"
    after = store.read_text(encoding="utf-8")
    assert after.startswith(before)  # comments and layout untouched
    added = after[len(before) :]
    assert added.lstrip("\n").startswith("[[initiatives]]\n")
    record = tomllib.loads(after)["initiatives"][-1]
    assert record == {
        "id": "regional-mediation-summit",
        "title": "Regional Mediation Summit",
        "objective": "Bring regional actors together",
        "timeline": "Q2 2025",
        "pillar": "dialogue-facilitation",
        "partners": ["Lima Group", "United Nations"],
        "tags": ["summit"],
        "status": "planned",
    }


def test_add_json_prints_the_record(run: RunCli) -> None:
    result = run("add", "Refugee Census", "--timeline", "H1 2025", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    record = json.loads(result.stdout)
    assert record["id"] == "refugee-census"
    assert record["timeline"] == {
        "text": "H1 2025",
        "start": "Q1-2025",
        "end": "Q2-2025",
        "ongoing": False,
    }


def test_add_same_title_twice_gets_distinct_ids(run: RunCli) -> None:
    first = run("add", "Border Dialogue", "--timeline", "Q1 2026")
    second = run("add", "Border Dialogue", "--timeline", "Q2 2026")
    assert (first.stdout, second.stdout) == ("border-dialogue\n", "border-dialogue-2\n")


def test_add_with_explicit_id_and_duplicate_refused(run: RunCli, store: Path) -> None:
    assert run("add", "X", "--timeline", "2025", "--id", "my-x").stdout == "my-x\n"
    before = store.read_bytes()
    result = run("add", "Y", "--timeline", "2025", "--id", "my-x")
    assert result.exit_code == ExitCode.USAGE
    assert "already used" in result.stderr
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeline", "Q5 2025"], "Q5 2025"),
        (["--timeline", "Q4 2025 – Q1 2025"], "Q4 2025"),
        (["--timeline", "Q1 2025", "--status", "finished"], "finished"),
        (["--timeline", "Q1 2025", "--pillar", "nowhere"], "unknown pillar 'nowhere'"),
    ],
)
def test_add_bad_values_are_usage_errors_and_change_nothing(
    run: RunCli, store: Path, args: list[str], message: str
) -> None:
    before = store.read_bytes()
    result = run("add", "Something", *args)
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    "title", ["evil\x1b]8;;http://x\x07link", "nul\x00byte", "rtl\u202eoverride"]
)
def test_add_refuses_control_characters(run: RunCli, store: Path, title: str) -> None:
    before = store.read_bytes()
    result = run("add", title, "--timeline", "Q1 2025")
    assert result.exit_code == ExitCode.USAGE
    assert "control or invisible character" in result.stderr
    assert "\x1b" not in result.stderr
    assert "\x00" not in result.stderr
    assert store.read_bytes() == before


def test_markup_in_a_title_prints_literally(run: RunCli) -> None:
    title = "[red]Alert[/] [/] :skull: [bold]"
    assert run("add", title, "--timeline", "Q1 2025").exit_code == ExitCode.OK
    listing = run("list")
    assert listing.exit_code == ExitCode.OK, listing.stderr
    assert title in listing.stdout.replace("\n", "")
    shown = run("show", "red-alert")
    assert title in shown.stdout


def test_add_creates_a_new_store_file_when_its_directory_exists(
    run: RunCli, tmp_path: Path
) -> None:
    target = tmp_path / "new.toml"
    result = run("add", "First", "--timeline", "Q1 2026", "--file", str(target))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert tomllib.loads(target.read_text(encoding="utf-8"))["initiatives"][0]["id"] == "first"


def test_add_refuses_a_store_in_a_missing_directory(run: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "new.toml"
    result = run("add", "First", "--timeline", "Q1 2026", "--file", str(target))
    assert result.exit_code == ExitCode.STORE
    assert "does not exist" in result.stderr
    assert not target.parent.exists()


def test_add_keeps_unknown_keys_and_comments(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8")
    text = text.replace(
        'status = "active"', 'status = "active"\nbudget_jpy = 1_000_000  # my own field'
    )
    text += '\n[my_notes]\nowner = "desk officer"\n'
    store.write_text(text, encoding="utf-8")
    assert run("add", "Another", "--timeline", "Q1 2026").exit_code == ExitCode.OK
    after = store.read_text(encoding="utf-8")
    assert after.startswith(text)
    assert "budget_jpy = 1_000_000  # my own field" in after
