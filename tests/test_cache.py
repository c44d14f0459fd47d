"""The parse cache: never stale, never a reason to fail, updated by vzwatch's own writes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.storage import cache
from vzwatch.storage.store import StoreLocation

pytestmark = pytest.mark.usefixtures("cache_home")


def entry_of(store: Path, cache_home: Path) -> Path:
    return cache.entry_path(store, cache_home)


def ids(run: RunCli) -> list[str]:
    result = run("list", "--json")
    assert result.exit_code == 0, result.stderr
    import json

    return [item["id"] for item in json.loads(result.stdout)]


def test_a_read_fills_the_cache_outside_the_repository(
    run: RunCli, store: Path, cache_home: Path
) -> None:
    assert len(ids(run)) == 3
    assert entry_of(store, cache_home).is_file()


def test_a_settled_entry_is_served_without_reading_the_store(
    run: RunCli, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids(run)
    # Pretend the entry was recorded long after the store last changed.
    monkeypatch.setattr(cache, "_settled", lambda stamp, recorded: True)
    hit = cache.lookup(store)
    assert hit is not None
    assert len(hit.initiatives) == 3


def test_hand_edit_in_the_same_second_with_the_same_size_is_seen(run: RunCli, store: Path) -> None:
    assert "election-oversight-missions" in ids(run)
    text = store.read_text(encoding="utf-8")
    # Its milestone's reference too: a milestone naming no initiative is a store error.
    edited = text.replace('"election-oversight-missions"', '"election-oversight-mission2"')
    assert len(edited) == len(text)
    before = store.stat()
    store.write_text(edited, encoding="utf-8")
    # Same size, and put the old mtime back, as `touch -r` would.
    os.utime(store, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert store.stat().st_size == before.st_size
    assert "election-oversight-mission2" in ids(run)


def test_a_settled_entry_still_sees_an_edit_that_keeps_size_and_mtime(
    run: RunCli, store: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctime is the kernel's: restoring mtime cannot hide a change from a settled entry."""
    ids(run)
    time.sleep(0.02)  # let the coarse clock tick past the first write
    text = store.read_text(encoding="utf-8")
    before = store.stat()
    store.write_text(text.replace("humanitarian-aid-programs", "humanitarian-aid-programz"))
    os.utime(store, ns=(before.st_atime_ns, before.st_mtime_ns))
    monkeypatch.setattr(cache, "_settled", lambda stamp, recorded: True)
    assert "humanitarian-aid-programz" in ids(run)


def test_a_corrupt_cache_file_is_ignored_and_replaced(
    run: RunCli, store: Path, cache_home: Path
) -> None:
    ids(run)
    entry = entry_of(store, cache_home)
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert len(ids(run)) == 3
    entry.write_bytes(b"garbage")
    assert len(ids(run)) == 3
    entry.write_bytes(b"")
    assert len(ids(run)) == 3
    assert cache.lookup(store, store.read_bytes()) is not None  # rewritten whole


def test_an_unwritable_cache_directory_is_ignored(run: RunCli, store: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    env = {"XDG_CACHE_HOME": str(blocker)}
    assert len(ids(lambda *a: run(*a, env=env))) == 3
    result = run("add", "Cache Free Summit", "--timeline", "Q2 2025", env=env)
    assert result.exit_code == 0, result.stderr
    assert "cache-free-summit" in store.read_text()


def test_vzwatch_no_cache_bypasses_it(run: RunCli, store: Path, cache_home: Path) -> None:
    result = run("list", "--json", env={cache.NO_CACHE_ENV: "1"})
    assert result.exit_code == 0
    assert not cache_home.exists()


def test_add_updates_the_cache_and_appends_in_place(
    run: RunCli, store: Path, cache_home: Path
) -> None:
    ids(run)
    inode = store.stat().st_ino
    result = run("add", "Regional Mediation Summit", "--timeline", "Q2 2025", "--tag", "summit")
    assert result.exit_code == 0, result.stderr
    assert store.stat().st_ino == inode  # appended, not rewritten
    hit = cache.lookup(store)  # own writes are trusted at once: no need to read the store
    assert hit is not None
    assert hit.find("regional-mediation-summit").tags == ("summit",)
    assert "regional-mediation-summit" in ids(run)


def test_fast_append_writes_exactly_what_the_full_rewrite_would(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    slow_store = tmp_path / "slow.toml"
    slow_store.write_bytes(store.read_bytes())
    args = (
        "add",
        "Élection Watch",
        "--timeline",
        "Q3 – Q4 2025",
        "--pillar",
        "election-monitoring",
    )
    ids(run)
    assert run(*args).exit_code == 0
    assert run(*args, env={"VZWATCH_FILE": str(slow_store), cache.NO_CACHE_ENV: "1"}).exit_code == 0
    assert store.read_bytes() == slow_store.read_bytes()


def test_fast_append_refuses_a_duplicate_id_and_leaves_the_store_alone(
    run: RunCli, store: Path
) -> None:
    ids(run)
    before = store.read_bytes()
    result = run("add", "X", "--timeline", "Q1 2025", "--id", "election-oversight-missions")
    assert result.exit_code == 2
    assert store.read_bytes() == before


def test_a_store_with_initiatives_in_the_root_table_is_not_appended_to(
    run: RunCli, store: Path
) -> None:
    store.write_text(
        'initiatives = [{id = "a", title = "A", timeline = "Q1 2025"}]\n', encoding="utf-8"
    )
    ids(run)
    before = store.read_bytes()
    result = run("add", "B", "--timeline", "Q1 2025")
    # An appended [[initiatives]] header would be invalid here: the fast path
    # must not try, and the full path refuses with the store unchanged.
    assert result.exit_code == 4
    assert "immutable namespace" in result.stderr
    assert store.read_bytes() == before


def test_an_interrupted_append_is_undone_before_the_next_read(run: RunCli, store: Path) -> None:
    """What a writer killed halfway through an append leaves behind, repaired."""
    from vzwatch.storage.store import _undo_record

    ids(run)
    before = store.read_bytes()
    st = store.stat()
    block = b'\n[[initiatives]]\nid = "half"\ntitle = "Half written"\ntimeline = "Q1 2025"\n'
    lock = store.with_name(store.name + ".lock")
    lock.write_bytes(_undo_record(st, block))
    with store.open("ab") as handle:
        handle.write(block[:20])  # killed here
    assert len(ids(run)) == 3
    assert store.read_bytes() == before
    assert lock.stat().st_size == 0


def test_a_complete_unacknowledged_append_is_kept(run: RunCli, store: Path) -> None:
    from vzwatch.storage.store import _undo_record

    st = store.stat()
    block = b'\n[[initiatives]]\nid = "whole"\ntitle = "Whole"\ntimeline = "Q1 2025"\n'
    store.with_name(store.name + ".lock").write_bytes(_undo_record(st, block))
    with store.open("ab") as handle:
        handle.write(block)
    assert "whole" in ids(run)


def test_lookup_of_a_missing_store_is_a_miss(tmp_path: Path) -> None:
    assert cache.lookup(tmp_path / "nothing.toml") is None
    location = StoreLocation(tmp_path / "nothing.toml", "option", "--file option")
    assert not location.exists
