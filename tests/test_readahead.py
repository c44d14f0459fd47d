"""A big store read ahead while Typer loads (vzwatch.storage.readahead).

The command gets the bytes the thread read only while the file is still the one
read, and judges them as of the moment they were read: a change after the read
ahead is never overwritten and never hidden by the cache.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import tomllib
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import RunCli, a_big_store
from vzwatch import cli
from vzwatch.operations import reading, writing
from vzwatch.storage import cache, readahead, store
from vzwatch.storage.store import StoreLocation


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store of 600 initiatives, read ahead although it is smaller than a megabyte."""
    monkeypatch.setattr(readahead, "WORTH_BYTES", 0)
    path = tmp_path / "big.toml"
    path.write_text(a_big_store(600), encoding="utf-8")
    return path


def _location(path: Path) -> StoreLocation:
    return StoreLocation(path, "option", "given with --file")


def _reads_by_thread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the thread behind each read of a store's bytes, from now on."""
    names: list[str] = []
    real = store.read_stamped

    def counting(path: Path) -> store.StampedRead:
        names.append(threading.current_thread().name)
        return real(path)

    monkeypatch.setattr(store, "read_stamped", counting)
    return names


def _changed_by_hand(path: Path, old: bytes, new: bytes) -> None:
    """Rewrite the file in place with the same size, as an editor may, until its stamp moves."""
    before = store.stamp_of(path.stat())
    data = path.read_bytes()
    assert len(old) == len(new)
    assert old in data
    while store.stamp_of(path.stat()) == before:
        with path.open("r+b") as handle:
            handle.write(data.replace(old, new, 1))
        time.sleep(0.002)


def _racy_read_ahead(path: Path, data: bytes) -> None:
    """A read ahead of ``data`` with the stamp the file has now: what the thread holds
    when an edit lands within the clock tick of the change before it, keeping the stamp."""
    ahead = readahead._Ahead(path)
    ahead.read = store.StampedRead(data, store.stamp_of(path.stat()), False, time.time_ns())
    ahead.thread = threading.Thread(target=lambda: None)
    ahead.thread.start()
    readahead._pending = ahead


def test_an_edit_after_a_hand_edit_takes_the_store_read_ahead(
    run: RunCli, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The racy case the read ahead is for: the thread reads and hashes the store, and
    the write in place reads nothing more on the main thread."""
    assert run("list", "--json", "-f", str(big)).exit_code == 0  # fills the cache
    copy = big.with_name("copy.toml")
    shutil.copyfile(big, copy)
    os.replace(copy, big)  # the same bytes under a new stamp: the entry must hash them
    reads = _reads_by_thread(monkeypatch)
    result = run("edit", "item-7", "--title", "Renamed", "-f", str(big))
    assert result.exit_code == 0, result.stderr
    assert reads == ["vzwatch-readahead"]
    assert 'title = "Renamed"' in big.read_text(encoding="utf-8")
    shown = run("show", "item-7", "--json", "-f", str(big))
    assert '"title": "Renamed"' in shown.stdout


def test_a_hand_edit_after_the_read_ahead_is_what_the_command_reads(run: RunCli, big: Path) -> None:
    assert run("list", "--json", "-f", str(big)).exit_code == 0
    readahead.start(big)
    assert readahead._pending is not None
    assert readahead._pending.thread is not None
    readahead._pending.thread.join()
    _changed_by_hand(big, b'title = "Item 12"', b'title = "Itam 12"')
    read = readahead.read_stamped(big)
    assert read.data == big.read_bytes()
    assert b'title = "Itam 12"' in (read.data or b"")


def test_a_write_never_overwrites_an_edit_that_kept_the_stamp_after_the_read_ahead(
    run: RunCli, big: Path
) -> None:
    """Bytes read ahead are checked before the replace as any read is: an unsettled
    stamp is settled by comparing the file, so the hand edit survives and the edit
    is made again on top of it."""
    assert run("list", "--json", "-f", str(big)).exit_code == 0
    before = big.read_bytes()
    _changed_by_hand(big, b'title = "Item 12"', b'title = "Itam 12"')
    _racy_read_ahead(big, before)
    request = writing.InitiativeEdit(status="active")
    writing.edit_initiative(_location(big), "item-7", request, today=date(2025, 4, 1))
    written = {item["id"]: item for item in tomllib.loads(big.read_text("utf-8"))["initiatives"]}
    assert written["item-12"]["title"] == "Itam 12"
    assert written["item-7"]["status"] == "active"


def test_a_read_of_bytes_an_edit_then_changed_leaves_no_entry_that_hides_the_edit(
    run: RunCli, big: Path
) -> None:
    """A read ahead may see the store a moment before an edit that kept its stamp; the
    entry it leaves is judged as of that read, so the next read hashes the file."""
    assert run("list", "--json", "-f", str(big)).exit_code == 0
    before = big.read_bytes()
    _changed_by_hand(big, b'title = "Item 12"', b'title = "Itam 12"')
    _racy_read_ahead(big, before)
    first = reading.open_snapshot(_location(big)).find("item-12")
    assert first.title == "Item 12"  # the store as the read ahead saw it
    again = reading.open_snapshot(_location(big)).find("item-12")
    assert again.title == "Itam 12"


def _read_ahead_now(path: Path) -> tuple[store.StampedRead | None, int]:
    """What cache.read_ahead reads of the store now, and how many reads it made."""
    reads: list[Path] = []

    def counting(path: Path) -> store.StampedRead:
        reads.append(path)
        return store.read_stamped(path)

    return cache.read_ahead(path, path.stat(), counting), len(reads)


def _same_bytes_new_stamp(path: Path) -> None:
    copy = path.with_name("copy.toml")
    shutil.copyfile(path, copy)
    os.replace(copy, path)


def test_a_read_ahead_reads_and_hashes_what_the_entry_will_ask_for(
    run: RunCli, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _read_ahead_now(big) == (None, 0)  # no entry: the whole parse reads the store
    assert run("list", "--json", "-f", str(big)).exit_code == 0
    _same_bytes_new_stamp(big)
    monkeypatch.setattr(cache, "_last_digest", None)
    read, count = _read_ahead_now(big)
    assert count == 1
    assert read is not None
    assert read.data == big.read_bytes()
    assert cache._last_digest is not None  # a whole parse's entry: the whole digest
    assert cache._last_digest[0] is read.data
    directory = cache.cache_directory()
    assert directory is not None
    later = big.stat().st_ctime_ns + 5_000_000_000
    os.utime(cache.entry_path(big, directory), ns=(later, later))
    assert _read_ahead_now(big) == (None, 0)  # an entry written long after the change


def test_a_store_whose_entry_holds_groups_of_runs_is_read_ahead_without_its_whole_digest(
    run: RunCli, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read by runs matches the groups on the main thread (on this one each match
    is a short release of the GIL, and measured, that made the read slower): the
    thread reads the bytes and hashes nothing."""
    assert run("list", "--json", "-f", str(big)).exit_code == 0
    assert run("edit", "item-7", "--title", "Renamed", "-f", str(big)).exit_code == 0
    _changed_by_hand(big, b'title = "Item 12"', b'title = "Itam 12"')
    monkeypatch.setattr(cache, "_last_digest", None)
    read, count = _read_ahead_now(big)
    assert count == 1
    assert read is not None
    assert read.data == big.read_bytes()
    assert cache._last_digest is None


def test_a_read_after_a_hand_edit_takes_the_store_read_ahead(
    run: RunCli, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("list", "--json", "-f", str(big)).exit_code == 0
    assert run("edit", "item-7", "--title", "Renamed", "-f", str(big)).exit_code == 0
    _changed_by_hand(big, b'title = "Item 12"', b'title = "Itam 12"')
    reads = _reads_by_thread(monkeypatch)
    result = run("list", "--json", "-f", str(big))
    assert result.exit_code == 0, result.stderr
    assert reads == ["vzwatch-readahead"]
    titles = {item["id"]: item["title"] for item in json.loads(result.stdout)}
    assert (titles["item-7"], titles["item-12"]) == ("Renamed", "Itam 12")


def test_a_settled_store_is_not_read_ahead(
    run: RunCli, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("list", "--json", "-f", str(big)).exit_code == 0
    monkeypatch.setattr(cache, "read_ahead", lambda path, st, read: None)
    readahead.start(big)
    assert readahead._pending is not None
    assert readahead._pending.thread is not None
    readahead._pending.thread.join()
    assert readahead._pending.read is None


def test_a_small_store_starts_no_thread(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text("", encoding="utf-8")
    readahead.start(path)
    assert readahead._pending is None
    assert readahead.WORTH_BYTES == 1 << 20


def test_another_store_than_the_one_read_ahead_is_read_now(big: Path, tmp_path: Path) -> None:
    readahead.start(big)
    other = tmp_path / "other.toml"
    other.write_text('title = "Other"\n', encoding="utf-8")
    assert readahead.read_stamped(other).data == b'title = "Other"\n'
    assert readahead._pending is None  # taken once, whoever asks


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["list", "--file", "a.toml"], ["a.toml"]),
        (["edit", "x", "--status", "active", "--file=b.toml"], ["b.toml"]),
        (["show", "x", "-f", "c.toml"], ["c.toml"]),
        (["show", "x", "-fd.toml"], ["d.toml"]),
        (["list", "-f", "a.toml", "--file", "b.toml"], ["a.toml", "b.toml"]),
        (["list", "--", "--file", "a.toml"], []),
        (["list"], []),
    ],
)
def test_the_store_options_are_found_in_the_arguments(args: list[str], expected: list[str]) -> None:
    assert cli._store_options(args) == [Path(name) for name in expected]


@pytest.mark.parametrize(
    ("args", "started"),
    [
        (["list", "--json"], True),
        (["edit", "item-7", "--status", "active"], True),
        (["milestone", "done", "m", "--date", "2025-01-01"], True),
        (["measure", "people", "5"], False),  # an O(1) append reads nothing
        (["progress", "item-7", "50"], False),
        (["add", "New"], False),
        (["list", "--help"], False),
        (["nothing-such"], False),
    ],
)
def test_commands_that_read_the_store_start_reading_it(
    big: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], started: bool
) -> None:
    seen: list[Path] = []
    monkeypatch.setattr(readahead, "start", seen.append)
    cli._read_ahead(cli._invoked(args), [*args, "--file", str(big)])
    assert seen == ([big] if started else [])
    seen.clear()
    cli._read_ahead(cli._invoked(args), [*args, "-f", str(big), "-f", str(big)])
    assert seen == []  # several stores: none is read ahead
