"""Broken stores: a short error naming the file and place, the store exit code, no traceback,
and the file byte-identical afterwards — for every command."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import BUNDLED, Vz, finish, start
from vzwatch.domain.errors import ExitCode

GOOD = BUNDLED.read_text(encoding="utf-8")

# Every command that reads the store. Each broken file is given to all of them at once
# (each its own copy), so the suite stays fast.
COMMANDS = [
    ["list"],
    ["list", "--json"],
    ["show", "election"],
    ["due", "--quarter", "Q1-2025", "--json"],
    ["add", "New One", "--timeline", "Q1 2026"],
    ["report", "--quarter", "Q1-2025", "--today", "2025-03-31"],
    ["report", "--json"],
    ["timeline", "--today", "2025-03-31"],
    ["timeline", "--svg", "OUT/chart.svg"],
    ["deps", "--critical"],
    ["stale", "--json"],
    ["export", "--format", "ics"],
    ["export", "--format", "json", "--output", "OUT/backup.json"],
    ["progress", "election", "50", "--date", "2025-01-02"],
    ["edit", "election", "--status", "active"],
    ["remove", "election-oversight-missions", "--yes"],
    ["import", "OUT/source.json"],
    ["import", "OUT/source.json", "--dry-run"],
]
# `validate` lists problems (exit 1) on stdout; a file it cannot read at all is exit 4.
UNREADABLE = {"binary", "bom", "invalid utf-8"}
VALIDATE_SAYS = {"conflict markers": "unresolved merge conflict"}
IMPORT_SOURCE = json.dumps([{"title": "Imported", "timeline": "Q2 2026"}])


def truncated() -> bytes:
    return GOOD[: GOOD.index('objective = "Ensure') + 18].encode()


def conflict_markers() -> bytes:
    return GOOD.replace(
        'status = "active"',
        '<<<<<<< ours\nstatus = "active"\n=======\nstatus = "paused"\n>>>>>>> theirs',
    ).encode()


BROKEN: dict[str, tuple[Callable[[], bytes], str]] = {
    # name: (file contents, what the one-line message must mention)
    "truncated": (truncated, "invalid TOML"),
    "binary": (lambda: b"\x00\x01\x02binary\xff\xfe" * 100, "not a text file"),
    "bom": (lambda: b"\xef\xbb\xbf" + GOOD.encode(), "byte-order mark"),
    "invalid utf-8": (lambda: GOOD.encode().replace(b"Lima", b"L\xffma"), "invalid UTF-8"),
    "duplicate key": (
        lambda: GOOD.replace('title = "Election', 'title = "Dup"\ntitle = "Election').encode(),
        "invalid TOML",
    ),
    "wrong type": (
        lambda: GOOD.replace('title = "Election Oversight Missions"', "title = 5").encode(),
        "title must be a string",
    ),
    "missing title": (
        lambda: GOOD.replace('title = "Election Oversight Missions"\n', "").encode(),
        "title is missing",
    ),
    "duplicate id": (
        lambda: GOOD.replace(
            'id = "election-oversight-missions"', 'id = "international-dialogue-forums"'
        ).encode(),
        "duplicate id",
    ),
    "unknown pillar": (
        lambda: GOOD.replace('pillar = "election-monitoring"', 'pillar = "nope"').encode(),
        "pillar 'nope'",
    ),
    "conflict markers": (conflict_markers, "invalid TOML"),
    "deep nesting": (lambda: b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting is too deep"),
}


def store_copies(tmp_path: Path, contents: bytes, count: int) -> list[Path]:
    """One private copy of the broken store (and output directory) per command."""
    copies = []
    for number in range(count):
        folder = tmp_path / f"run-{number}"
        (folder / "OUT").mkdir(parents=True)
        (folder / "OUT" / "source.json").write_text(IMPORT_SOURCE, encoding="utf-8")
        path = folder / "store.toml"
        path.write_bytes(contents)
        copies.append(path)
    return copies


def run_everywhere(
    tmp_path: Path, contents: bytes, commands: list[list[str]]
) -> list[tuple[Path, subprocess.CompletedProcess[str]]]:
    stores = store_copies(tmp_path, contents, len(commands))
    children = [
        start([arg.replace("OUT/", f"{path.parent}/OUT/") for arg in command], path, tmp_path)
        for path, command in zip(stores, commands, strict=True)
    ]
    return [(path, finish(child)) for path, child in zip(stores, children, strict=True)]


def assert_store_error(store: Path, result: subprocess.CompletedProcess[str], mention: str) -> None:
    """Exit code 4 and one short line on stderr that names the file and says what is wrong."""
    command = result.args[1:]
    assert result.returncode == ExitCode.STORE, (command, result.stderr)
    assert result.stdout == "", command
    assert result.stderr.startswith(f"vzwatch: error: {store}"), (command, result.stderr)
    assert result.stderr.count("\n") == 1, (command, result.stderr)
    assert len(result.stderr) < 400, command
    assert mention in result.stderr, (command, result.stderr)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_store_is_reported_and_untouched_by_every_command(tmp_path: Path, name: str) -> None:
    contents, mention = BROKEN[name]
    before = contents()
    for (store, result), command in zip(
        run_everywhere(tmp_path, before, COMMANDS), COMMANDS, strict=True
    ):
        assert_store_error(store, result, mention)
        assert store.read_bytes() == before, command
        # Nothing else appeared: no output file, no temp file, no per-user store.
        assert sorted(p.name for p in (store.parent / "OUT").iterdir()) == ["source.json"]
        assert sorted(p.name for p in store.parent.iterdir()) in (
            ["OUT", "store.toml"],
            ["OUT", "store.toml", "store.toml.lock"],
        ), command


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_validate_lists_what_is_wrong_with_a_broken_store(tmp_path: Path, name: str) -> None:
    contents, mention = BROKEN[name]
    before = contents()
    [(store, result)] = run_everywhere(tmp_path, before, [["validate"]])
    assert store.read_bytes() == before
    if name in UNREADABLE:
        assert_store_error(store, result, mention)
        return
    assert result.returncode == ExitCode.FOUND, result.stderr
    assert (result.stderr, "Traceback" in result.stdout) == ("", False)
    lines = result.stdout.splitlines()
    assert lines
    assert all(line.startswith(f"{store}:") and len(line) < 400 for line in lines)
    assert VALIDATE_SAYS.get(name, mention) in result.stdout


def test_a_fifty_megabyte_broken_store_fails_quickly_and_briefly(store: Path, vz: Vz) -> None:
    filler = b"# filler comment line for size\n" * (50 * 1024 * 1024 // 31)
    store.write_bytes(filler + b"[[initiatives]]\nid = \n")
    before_size = store.stat().st_size
    for command in (
        ["list"],
        ["add", "X", "--timeline", "Q1 2026"],
        ["progress", "election", "5"],
        ["validate"],
    ):
        result = vz(*command)
        if command == ["validate"]:  # lists the problem on stdout, exit 1
            assert result.returncode == ExitCode.FOUND, result.stderr
            assert result.stdout.startswith(f"{store}:")
            assert result.stdout.count("\n") == 1
            continue
        assert result.returncode == ExitCode.STORE, command
        assert result.stderr.startswith(f"vzwatch: error: {store}:")
        assert result.stderr.count("\n") == 1
        assert len(result.stderr) < 400
    assert store.stat().st_size == before_size
    assert store.read_bytes().endswith(b"\n[[initiatives]]\nid = \n")
