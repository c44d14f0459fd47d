"""Appends keep the store's line endings, also when its last line has no newline,
on the O(1) append path and on the full rewrite alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.storage.store import append_text, line_ending

NO_CACHE: dict[str, str | None] = {"VZWATCH_NO_CACHE": "1"}
TODAY = ("--today", "2025-03-31")

WRITES = [
    ("add", "Regional Summit", "--timeline", "Q2 2025"),
    ("progress", "hum", "30", *TODAY),  # an O(1) append when the cache vouches
    ("progress", "election", "100", *TODAY),  # marks done: always the rewrite
    ("edit", "inter", "--status", "active", "--objective", "New", *TODAY),
    ("remove", "regional-summit", "--yes"),
]


def test_append_text_follows_the_last_line_break() -> None:
    assert append_text("a = 1\r\nb = 2", "c = 3\n") == "a = 1\r\nb = 2\r\n\r\nc = 3\r\n"
    assert append_text("a = 1\nb = 2", "c = 3\n") == "a = 1\nb = 2\n\nc = 3\n"
    assert append_text("a = 1", "c = 3\n") == "a = 1\n\nc = 3\n"
    assert (line_ending("a\r\nb"), line_ending("a\nb"), line_ending("ab")) == ("\r\n", "\n", "\n")


def only_line_endings(data: bytes, ending: bytes) -> bool:
    if ending == b"\r\n":
        return b"\n" not in data.replace(b"\r\n", b"")
    return b"\r" not in data


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("ending", [b"\r\n", b"\n"], ids=["crlf", "lf"])
@pytest.mark.parametrize("final_newline", [True, False], ids=["final newline", "none"])
def test_every_write_keeps_the_store_line_endings(
    run: RunCli, store: Path, tmp_path: Path, ending: bytes, final_newline: bool
) -> None:
    data = store.read_bytes().replace(b"\n", ending)
    if not final_newline:
        data = data.rstrip(b"\r\n")
    store.write_bytes(data)
    slow = tmp_path / "slow.toml"
    slow.write_bytes(data)
    assert run("list", "--json").exit_code == ExitCode.OK  # the cache vouches: O(1) appends
    for command in WRITES:
        result = run(*command)
        assert result.exit_code == ExitCode.OK, (command, result.stderr)
        result = run(*command, env={**NO_CACHE, "VZWATCH_FILE": str(slow)})
        assert result.exit_code == ExitCode.OK, (command, result.stderr)
        assert only_line_endings(store.read_bytes(), ending), command
        assert store.read_bytes() == slow.read_bytes(), command  # fast and full paths agree
    assert run("validate").exit_code == ExitCode.OK
