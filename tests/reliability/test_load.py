"""Load: many writers and readers at once; every acknowledged write survives."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.reliability.conftest import Vz, child_env, vzwatch_command
from vzwatch.model import load_portfolio

WRITERS = 40


def start(args: list[str], store: Path, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*vzwatch_command(), *args],
        env=child_env(store, home, {"VZWATCH_LOCK_TIMEOUT": "120"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_forty_parallel_adds_all_land_with_unique_ids(store: Path, tmp_path: Path) -> None:
    writers = [
        start(["add", "Parallel Initiative", "--timeline", "Q1 2026"], store, tmp_path)
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
        start(["add", f"Writer {n}", "--timeline", "Q2 2026"], store, tmp_path) for n in range(12)
    ]
    readers = [start(["list", "--json"], store, tmp_path) for _ in range(12)]
    for reader in readers:
        out, err = reader.communicate(timeout=300)
        assert reader.returncode == 0, err
        assert len(json.loads(out)) >= 3
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    final = json.loads(vz("list", "--json").stdout)
    assert len(final) == 3 + 12
