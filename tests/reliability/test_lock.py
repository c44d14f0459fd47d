"""Lock contention: a held lock gives a clear error within the wait; nothing changes."""

from __future__ import annotations

import fcntl
import time
from pathlib import Path

from tests.helpers import Vz
from vzwatch.domain.errors import ExitCode


def test_a_held_lock_is_reported_within_the_configured_wait(store: Path, vz: Vz) -> None:
    before = store.read_bytes()
    lock_path = store.with_name(store.name + ".lock")
    with lock_path.open("a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        started = time.monotonic()
        result = vz("add", "Blocked", "--timeline", "Q1 2026", env={"VZWATCH_LOCK_TIMEOUT": "0.5"})
        waited = time.monotonic() - started
    assert result.returncode == ExitCode.STORE
    assert "locked" in result.stderr
    assert result.stderr.count("\n") == 1
    assert waited < 10  # bounded: 0.5 s of waiting plus start-up
    assert store.read_bytes() == before
    assert lock_path.exists()


def test_readers_do_not_wait_for_the_lock(store: Path, vz: Vz) -> None:
    lock_path = store.with_name(store.name + ".lock")
    with lock_path.open("a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        result = vz("list", "--json", env={"VZWATCH_LOCK_TIMEOUT": "0"})
    assert result.returncode == ExitCode.OK, result.stderr


def test_the_lock_file_is_never_deleted(store: Path, vz: Vz) -> None:
    assert vz("add", "One", "--timeline", "Q1 2026").returncode == ExitCode.OK
    lock_path = store.with_name(store.name + ".lock")
    inode = lock_path.stat().st_ino
    assert vz("add", "Two", "--timeline", "Q1 2026").returncode == ExitCode.OK
    assert lock_path.stat().st_ino == inode
