"""Load: many writers and readers at once; every acknowledged write survives."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.helpers import Vz, child_env, finish, start, vzwatch_command
from vzwatch.domain.errors import ExitCode
from vzwatch.operations.reading import load_portfolio

WRITERS = 40


def start_patient(args: list[str], store: Path, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*vzwatch_command(), *args],
        env=child_env(store, home, {"VZWATCH_LOCK_TIMEOUT": "120"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_forty_parallel_adds_all_land_with_unique_ids(store: Path, tmp_path: Path) -> None:
    writers = [
        start_patient(["add", "Parallel Initiative", "--timeline", "Q1 2026"], store, tmp_path)
        for _ in range(WRITERS)
    ]
    results = [(*w.communicate(timeout=300), w.returncode) for w in writers]
    assert [code for _, _, code in results] == [0] * WRITERS, [err for _, err, _ in results]
    printed = [out.strip() for out, _, _ in results]
    assert len(set(printed)) == WRITERS
    portfolio = load_portfolio(store.read_text(encoding="utf-8"), store)
    assert set(printed) <= portfolio.ids
    assert len(portfolio.initiatives) == 3 + WRITERS


def test_readers_never_see_a_partial_file(store: Path, tmp_path: Path, vz: Vz) -> None:
    writers = [
        start_patient(["add", f"Writer {n}", "--timeline", "Q2 2026"], store, tmp_path)
        for n in range(12)
    ]
    readers = [start_patient(["list", "--json"], store, tmp_path) for _ in range(12)]
    for reader in readers:
        out, err = reader.communicate(timeout=300)
        assert reader.returncode == 0, err
        assert len(json.loads(out)) >= 3
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    final = json.loads(vz("list", "--json").stdout)
    assert len(final) == 3 + 12


PROGRESS_WRITERS = 20


def validate_exit_code(store: Path, home: Path) -> int:
    return finish(start(["validate", "--quiet"], store, home)).returncode


def test_twenty_parallel_progress_entries_on_one_initiative_all_land(
    store: Path, tmp_path: Path
) -> None:
    slow_lock = {"VZWATCH_LOCK_TIMEOUT": "120"}
    writers = [
        start(
            ["progress", "election", str(n), "--note", f"writer {n}", "--date", "2025-01-15"],
            store,
            tmp_path,
            slow_lock,
        )
        for n in range(PROGRESS_WRITERS)
    ]
    results = [finish(writer) for writer in writers]
    assert [r.returncode for r in results] == [0] * PROGRESS_WRITERS, [r.stderr for r in results]
    shown = json.loads(finish(start(["show", "election", "--json"], store, tmp_path)).stdout)
    notes = sorted(entry["note"] for entry in shown["progress_log"])
    assert notes == sorted(f"writer {n}" for n in range(PROGRESS_WRITERS))
    assert validate_exit_code(store, tmp_path) == ExitCode.OK


def test_mixed_writers_and_readers_lose_nothing(store: Path, tmp_path: Path) -> None:
    """add, progress and edit on the same initiative and readers of every kind, all at once."""
    slow_lock = {"VZWATCH_LOCK_TIMEOUT": "120"}
    writer_args = []
    for n in range(6):
        writer_args += [
            ["add", f"Mixed {n}", "--timeline", "Q2 2026"],
            ["progress", "humanitarian", str(10 + n), "--note", f"mixed {n}", "-d", "2025-02-01"],
            # Six edits of one initiative, each adding its own tag: a lost update drops a tag.
            ["edit", "humanitarian", "--add-tag", f"tag-{n}"],
        ]
    reader_args = [
        ["list", "--json"],
        ["show", "humanitarian", "--json"],
        ["report", "--json", "--today", "2025-03-01"],
        ["timeline", "--json", "--today", "2025-03-01"],
        ["due", "--json", "--quarter", "Q2-2026"],
    ] * 3
    children = [start(args, store, tmp_path, slow_lock) for args in writer_args + reader_args]
    results = [finish(child) for child in children]
    for args, result in zip(writer_args + reader_args, results, strict=True):
        assert result.returncode == ExitCode.OK, (args, result.stderr)
    for result in results[len(writer_args) :]:
        json.loads(result.stdout)  # every reader saw a whole, valid store
    final = json.loads(finish(start(["list", "--json"], store, tmp_path)).stdout)
    by_id = {item["id"]: item for item in final}
    assert {f"mixed-{n}" for n in range(6)} <= set(by_id)
    humanitarian = by_id["humanitarian-aid-programs"]
    assert {f"tag-{n}" for n in range(6)} <= set(humanitarian["tags"])
    notes = {entry["note"] for entry in humanitarian["progress_log"]}
    assert {f"mixed {n}" for n in range(6)} <= notes
    assert validate_exit_code(store, tmp_path) == ExitCode.OK
