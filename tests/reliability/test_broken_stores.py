"""Broken stores: a short error naming the file and place, the store exit code, no traceback,
and the file byte-identical afterwards — for every command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BUNDLED
from tests.reliability.conftest import Vz
from vzwatch.errors import ExitCode

GOOD = BUNDLED.read_text(encoding="utf-8")

COMMANDS = [
    ["list"],
    ["list", "--json"],
    ["show", "election"],
    ["due", "--quarter", "Q1-2025", "--json"],
    ["add", "New One", "--timeline", "Q1 2026"],
]


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


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_broken_store_is_reported_and_untouched(
    store: Path, vz: Vz, name: str, command: list[str]
) -> None:
    contents, mention = BROKEN[name]
    store.write_bytes(contents())
    before = store.read_bytes()
    result = vz(*command)
    assert result.returncode == ExitCode.STORE, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"vzwatch: error: {store}")
    assert result.stderr.count("\n") == 1
    assert len(result.stderr) < 400
    assert mention in result.stderr
    assert "Traceback" not in result.stderr
    assert store.read_bytes() == before


def test_a_fifty_megabyte_broken_store_fails_quickly_and_briefly(store: Path, vz: Vz) -> None:
    filler = b"# filler comment line for size\n" * (50 * 1024 * 1024 // 31)
    store.write_bytes(filler + b"[[initiatives]]\nid = \n")
    before_size = store.stat().st_size
    for command in (["list"], ["add", "X", "--timeline", "Q1 2026"]):
        result = vz(*command)
        assert result.returncode == ExitCode.STORE
        assert result.stderr.startswith(f"vzwatch: error: {store}:")
        assert result.stderr.count("\n") == 1
        assert len(result.stderr) < 400
    assert store.stat().st_size == before_size
    assert store.read_bytes().endswith(b"\n[[initiatives]]\nid = \n")
