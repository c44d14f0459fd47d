"""What the tests share: paths, how to run vzwatch and read what a user sees,
store texts and edits. Tests import these from here, never from conftest.py
(which holds fixtures only) or from another test module."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from vzwatch.domain.portfolio import Initiative, ProgressEntry
from vzwatch.domain.quarters import parse_timeline
from vzwatch.storage import blocks
from vzwatch.storage.store import append_text
from vzwatch.storage.tomledit import (
    Table,
    edit_block,
    find_record_blocks,
    piece_block,
    render_block,
)

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "initiatives.toml"
ARTICLE = REPO / "tests" / "data" / "japan-venezuela-article.md"  # the seed article, as imported


def a_big_store(count: int) -> str:
    """A store of ``count`` initiatives with log entries: many groups of runs."""
    parts = [BUNDLED.read_text(encoding="utf-8")]
    for number in range(count):
        parts.append(
            f'\n[[initiatives]]\nid = "item-{number}"\ntitle = "Item {number}"\n'
            f'timeline = "Q{number % 4 + 1} 2025"\npillar = "election-monitoring"\n'
        )
        if number % 3 == 0:
            parts.append(
                f'\n[[progress]]\ninitiative = "item-{number}"\n'
                f"date = 2025-01-{number % 28 + 1:02d}\npercent = {number % 100}\n"
            )
    return "".join(parts)


# --- running vzwatch as a user does ----------------------------------------------------


@dataclass
class Run:
    """What a user sees after one command: exit code, stdout, stderr."""

    exit_code: int
    stdout: str
    stderr: str


RunCli = Callable[..., Run]


def invoke(
    args: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    charset: str = "utf-8",
) -> Run:
    """Run vzwatch in this process the way the console script does (``vzwatch.cli.main``).

    ``main`` builds only the command it is asked for, as a user's run does;
    handing Typer's test runner the whole app instead rebuilds all ~25
    commands on every call (~9 ms, most of a short test). Bugs raise here
    when the test sets VZWATCH_DEBUG; a user's error is an exit code.
    """
    from typer.testing import CliRunner

    from vzwatch.cli import main

    with CliRunner(charset=charset).isolation(input=input, env=env) as (stdout, stderr, _):
        try:
            code = main(list(args))
        except SystemExit as exit:  # Typer's --show-completion ends the process itself
            code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = stdout.getvalue(), stderr.getvalue()
    return Run(
        code,
        out.decode(charset).replace("\r\n", "\n"),
        err.decode(charset).replace("\r\n", "\n"),
    )


VZWATCH = shutil.which("vzwatch", path=str(Path(sys.executable).parent))

Vz = Callable[..., subprocess.CompletedProcess[str]]


def vzwatch_command() -> list[str]:
    """The installed console script, as cron and shells run it."""
    if VZWATCH is None:
        pytest.fail("vzwatch is not installed next to the interpreter: pip install -e .")
    return [VZWATCH]


def child_env(store: Path, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A child's whole environment: the store, a private home and cache, nothing else."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "VZWATCH_FILE": str(store),
        "NO_COLOR": "1",
        "PYTHONUTF8": "1",
    }
    env.update(extra or {})
    return env


def start(
    args: list[str], store: Path, home: Path, extra: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start the installed vzwatch in the background (collect it with ``finish``)."""
    return subprocess.Popen(
        [*vzwatch_command(), *args],
        env=child_env(store, home, extra),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    out, err = child.communicate(timeout=timeout)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def temp_files(directory: Path) -> list[str]:
    """Temporary files a writer (store or output file) leaves while it works."""
    return sorted(
        entry.name
        for entry in directory.iterdir()
        if entry.name.endswith((".vzwatch-tmp", ".vzwatch-out"))
    )


def leftovers(directory: Path) -> list[str]:
    """Every file and directory below ``directory``, as paths relative to it."""
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


def real_cache_directory() -> Path:
    """Where vzwatch keeps its cache for a child run without HOME: the passwd home's."""
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "vzwatch"


def cache_entries_naming(directory: Path, basetemp: Path, since: float) -> list[Path]:
    """Cache files changed since ``since`` that hold a store below ``basetemp``
    (an entry repeats its store's path, so only this session's tests match)."""
    mark = os.fsencode(os.path.realpath(basetemp))
    try:
        entries = [path for path in directory.iterdir() if path.stat().st_mtime >= since]
    except OSError:
        return []
    return sorted(path for path in entries if mark in path.read_bytes())


# --- store texts and the edits a person makes to them ------------------------------------

TRICKY = '''# a store with every layout TOML allows
title = "root key"
matrix = [
  [1, 2],
  [3, 4],
]

[portfolio]
title = "P"

[[initiatives]]
id = "first"
note = """
[[initiatives]]
id = "not a record: inside a string"
"""
lines = [
    "a",  # a comment inside an array
    "b",
]

[[pillars]]
id = "p"

# this comment belongs to the sub-table below
["initiatives".milestones]
written = "after another table, so it belongs to the last initiative: first"

[[ initiatives ]]
id = "second"

["São Paulo office"]
k = "a # not a comment"

[initiatives."sub # x"]
q = 1

[[initiatives.notes]]
n = 1

[[progress]]
initiative = "second"
date = 2025-01-01
percent = 5
'''


SHORT = (
    "# A small store: every record fits on one line, so tomli_w writes them inline.\n"
    '[portfolio]\ntitle = "Desk"\n\n'
    + render_block("initiatives", {"id": "aa", "title": "A", "timeline": "Q1 2025"})
    + "\n# The second one.\n"
    + render_block("initiatives", {"id": "bb", "title": "B", "timeline": "Q2 2025"})
    + "\n"
    + render_block("progress", {"initiative": "aa", "date": date(2025, 1, 1), "percent": 5})
)


def find_records(text: str, table: str, key: str, value: str) -> list[Table]:
    """The ``[[table]]`` records whose own ``key`` is ``value``, as the editor sees them."""
    index = blocks.index(text)
    found = find_record_blocks(index, table, key, value)
    return [piece_block(text, record.pieces[0]) for record in found]


def delete_block(text: str, block: Table) -> str:
    """The text without one table, as `remove` deletes one (comments around it stay)."""
    index = blocks.index(text)
    (piece,) = (p for p in index.pieces if p.header == block.start)
    start, end = index.deletion_span(piece)
    return text[:start] + text[end:]


def add_initiative(text: str, ident: str, title: str = "", **fields: Any) -> str:
    record = {"id": ident, "title": title or ident.title(), "timeline": "Q2 2025", **fields}
    return append_text(text, render_block("initiatives", record))


def add_progress(text: str, ident: str, on: date, percent: int, note: str = "") -> str:
    entry: dict[str, Any] = {"initiative": ident, "date": on, "percent": percent}
    if note:
        entry["note"] = note
    return append_text(text, render_block("progress", entry))


def edit(text: str, ident: str, **changes: Any) -> str:
    (block,) = find_records(text, "initiatives", "id", ident)
    return edit_block(text, block, changes)


def remove(text: str, ident: str) -> str:
    (block,) = find_records(text, "initiatives", "id", ident)
    return delete_block(text, block)


def resolve(text: str, keep: str) -> str:
    """Every conflict region resolved by keeping one side's part (the one edit a person makes)."""
    kept: list[str] = []
    part = ""
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<<"):
            part = "ours"
        elif line.rstrip("\r\n") == "=======" and part:
            part = "theirs"
        elif line.startswith(">>>>>>>"):
            part = ""
        elif part in ("", keep):
            kept.append(line)
    return "".join(kept)


# --- records for the chart and the calendar -------------------------------------------------


def initiative(ident: str, timeline: str, percent: int | None = None, **kw: str) -> Initiative:
    log = () if percent is None else (ProgressEntry(ident, date(2024, 12, 1), percent),)
    return Initiative(
        id=ident,
        title=kw.get("title", ident.title()),
        timeline=parse_timeline(timeline),
        timeline_text=timeline,
        status=kw.get("status", "planned"),
        progress_log=log,
    )


SEED = [
    initiative("humanitarian", "Ongoing"),
    initiative("dialogue", "Q3 – Q4 2024", 60),
    initiative("elections", "Q1 2025"),
]
