"""Hostile text in every field and every output: printed literally or refused with exit 2,
nothing raw reaches a terminal, every format stays valid."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from tests.reliability.conftest import Vz, child_env, vzwatch_command
from vzwatch.errors import ExitCode

MARKUP = ["[red]x[/]", "[/]", ":skull:", "[link=http://evil]click[/link]", "[bold"]
CONTROL = [
    "\x1b[31mred",  # ANSI colour
    "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]0;title\x07",  # OSC window title
    "nul\x00byte",
    "bidi\u202eoverride",
    "c1\x9bcsi",
    "bell\x07",
]
ARGV_CONTROL = [text for text in CONTROL if "\x00" not in text]  # argv cannot carry NUL
# Bytes a terminal would obey if they reached it raw.
RAW_DANGER = ["\x1b", "\x00", "\x07", "\x9b", "\u202e"]
OUTPUTS = [
    ["list"],
    ["show", "hostile"],
    ["list", "--json"],
    ["list", "--format", "jsonl"],
    ["list", "--format", "csv"],
    ["list", "--format", "markdown"],
    ["due", "--quarter", "Q1-2026"],
]


@pytest.mark.parametrize("text", MARKUP)
def test_markup_is_printed_literally_everywhere(vz: Vz, text: str) -> None:
    added = vz("add", text, "--timeline", "Q1 2026", "--id", "hostile", "--objective", text)
    assert added.returncode == ExitCode.OK, added.stderr
    shown = vz("show", "hostile")
    assert text in shown.stdout
    listed = json.loads(vz("list", "--json").stdout)
    assert [item["title"] for item in listed if item["id"] == "hostile"] == [text]
    table = vz("list", env={"COLUMNS": "200"})
    assert text in table.stdout


@pytest.mark.parametrize("field", ["title", "--objective", "--partner", "--tag", "--timeline"])
@pytest.mark.parametrize("text", ARGV_CONTROL)
def test_control_characters_are_refused_on_input(
    store: Path, vz: Vz, field: str, text: str
) -> None:
    before = store.read_bytes()
    args = ["add", "Title", "--timeline", "Q1 2026"]
    if field == "title":
        args[1] = text
    elif field == "--timeline":
        args[3] = "Q1 2026" + text
    else:
        args += [field, text]
    result = vz(*args)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.count("\n") == 1
    for danger in RAW_DANGER:
        assert danger not in result.stderr
    assert store.read_bytes() == before


def test_invalid_utf8_from_argv_is_refused(store: Path, tmp_path: Path) -> None:
    before = store.read_bytes()
    result = subprocess.run(
        [*vzwatch_command(), "add", b"bad \xff\xfe bytes", "--timeline", "Q1 2026"],
        env=child_env(store, tmp_path),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.USAGE
    assert b"\xff" not in result.stderr
    assert result.stderr.count(b"\n") == 1
    assert store.read_bytes() == before


@pytest.fixture
def hostile_store(store: Path) -> Path:
    """A store a person (or another tool) wrote with hostile strings in every field."""
    evil = "".join(CONTROL)
    escaped = json.dumps(evil)[1:-1]  # a TOML basic string takes JSON-style escapes
    with store.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n[[initiatives]]\n"
            'id = "hostile"\n'
            f'title = "[red]T[/] {escaped}"\n'
            f'objective = "{escaped}"\n'
            'timeline = "Q1 2026"\n'
            f'partners = ["=cmd|calc", "{escaped}"]\n'
            f'tags = ["{escaped}"]\n'
            f'source = "{escaped}"\n'
            "\n[[progress]]\n"
            'initiative = "hostile"\n'
            "date = 2025-01-01\n"
            "percent = 5\n"
            f'note = "{escaped}"\n'
        )
    return store


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c))
def test_nothing_raw_reaches_the_terminal(hostile_store: Path, vz: Vz, command: list[str]) -> None:
    result = vz(*command)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "hostile" in result.stdout
    for danger in RAW_DANGER:
        assert danger not in result.stdout, (danger, command)


def test_formats_stay_valid_with_hostile_text(hostile_store: Path, vz: Vz) -> None:
    items = json.loads(vz("list", "--json").stdout)
    hostile = next(item for item in items if item["id"] == "hostile")
    assert "\x1b]8;;http://evil" in hostile["objective"]  # the value is kept exactly
    lines = vz("list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines][-1] == "hostile"
    rows = list(csv.DictReader(io.StringIO(vz("list", "--format", "csv").stdout)))
    assert rows[-1]["partners"].startswith("'=cmd|calc; ")
    markdown = vz("list", "--format", "markdown").stdout.splitlines()
    assert len({line.count(" | ") for line in markdown if line.startswith("| ")}) == 1


def test_a_five_thousand_character_title_and_sixty_partners(vz: Vz) -> None:
    title = "Long " * 1000
    partners = [arg for n in range(60) for arg in ("--partner", f"Partner {n}")]
    added = vz("add", title, "--timeline", "Q1 2026", "--id", "long", *partners)
    assert added.returncode == ExitCode.OK, added.stderr
    shown = json.loads(vz("show", "long", "--json").stdout)
    assert (len(shown["title"]), len(shown["partners"])) == (len(title.strip()), 60)
    assert vz("list").returncode == ExitCode.OK
    assert vz("show", "long").returncode == ExitCode.OK
