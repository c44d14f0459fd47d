"""No write overwrites a change it did not read: editors never take vzwatch's lock.

A hand edit saved between vzwatch's read and its write is injected
deterministically (a wrapper around the write step), then once for real
with a second process saving the file while vzwatch edits it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode, StoreError
from vzwatch.operations import writing
from vzwatch.storage import store as store_module
from vzwatch.storage.store import StoreLocation, append_text, parse_toml, read_stamped, write_store

TODAY = ("--today", "2025-04-02")
HAND_EDIT = "# saved by hand while vzwatch was working\n"


def hand_edit_before(
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    name: str,
    change: Callable[[], None],
    times: int = 1,
) -> list[int]:
    """Run ``change`` (a person saving the store) just before ``module.name`` runs,
    the first ``times`` times it is called; returns the call counter."""
    real = getattr(module, name)
    calls = [0]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] <= times:
            change()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def save_by_hand(path: Path, edit: Callable[[str], str]) -> Callable[[], None]:
    """An editor's save: write a new file and rename it over the store."""

    def change() -> None:
        text = edit(path.read_text(encoding="utf-8"))
        tmp = path.with_name(path.name + ".editor-swap")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)

    return change


def rewrite_in_place_keeping_size_and_mtime(path: Path, old: str, new: str) -> Callable[[], None]:
    """The adversary for stamps: same inode, same size, the old mtime put back."""
    assert len(old.encode()) == len(new.encode())

    def change() -> None:
        st = path.stat()
        time.sleep(0.02)  # a later clock tick: only ctime can tell
        data = path.read_bytes()
        assert old.encode() in data
        with path.open("r+b") as handle:
            handle.write(data.replace(old.encode(), new.encode(), 1))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    return change


def appending(line: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        return text + line

    return edit


def shown(run: RunCli, ident: str) -> dict[str, Any]:
    result = run("show", ident, "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    record: dict[str, Any] = json.loads(result.stdout)
    return record


# --- the full rewrite (edit, remove, import, progress that marks done) ------------


def test_edit_redoes_its_change_on_a_hand_edit_saved_meanwhile(
    run: RunCli, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    change = save_by_hand(store, lambda text: HAND_EDIT + text)
    hand_edit_before(monkeypatch, store_module, "atomic_write", change)
    result = run("edit", "election", "--status", "active", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    text = store.read_text(encoding="utf-8")
    assert text.startswith(HAND_EDIT)  # the hand edit is kept...
    assert shown(run, "election")["status"] == "active"  # ...and the edit applied on top
    assert text.count('field = "status"') == 1  # once, not once per attempt


def test_every_rewriting_command_keeps_a_hand_edit_saved_meanwhile(
    run: RunCli, store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    article = tmp_path / "article.md"
    article.write_text(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n| Port Watch | Ships | Q2 2025 |\n",
        encoding="utf-8",
    )
    commands = [
        ("edit", "hum", "--add-tag", "aid", *TODAY),
        ("progress", "inter", "100", *TODAY),  # marks done: a full rewrite
        ("remove", "election", "--yes"),
        ("import", str(article)),
        ("add", "Another Summit", "--timeline", "Q3 2025"),
    ]
    for number, command in enumerate(commands):
        change = save_by_hand(store, appending(f"# hand edit {number}\n"))
        with monkeypatch.context() as patch:
            hand_edit_before(patch, store_module, "atomic_write", change)
            result = run(*command, env={"VZWATCH_NO_CACHE": "1"})
        assert result.exit_code == ExitCode.OK, (command, result.stderr)
        text = store.read_text(encoding="utf-8")
        for earlier in range(number + 1):
            assert f"# hand edit {earlier}\n" in text, command
    ids = [item["id"] for item in json.loads(run("list", "--json").stdout)]
    assert "election-oversight-missions" not in ids
    assert {"port-watch", "another-summit"} <= set(ids)


def test_a_store_that_changes_under_every_attempt_is_refused_never_overwritten(
    run: RunCli, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saves = [0]

    def change() -> None:
        saves[0] += 1
        save_by_hand(store, lambda text: text + f"# save {saves[0]}\n")()

    hand_edit_before(monkeypatch, store_module, "atomic_write", change, times=100)
    result = run("edit", "election", "--status", "active", *TODAY)
    assert result.exit_code == ExitCode.STORE
    assert result.stderr.startswith("vzwatch: error: ")
    assert "kept changing" in result.stderr
    assert result.stderr.count("\n") == 1
    text = store.read_text(encoding="utf-8")
    assert text.endswith(f"# save {saves[0]}\n")  # the last hand edit stands
    assert 'status = "planned"' in text.split("election-oversight-missions", 1)[1]
    assert not list(store.parent.glob("*.vzwatch-tmp"))


def test_a_same_size_in_place_change_with_the_old_mtime_is_seen(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = StoreLocation(store, "option", "--file option")
    change = rewrite_in_place_keeping_size_and_mtime(
        store, "Election Oversight Missions", "Election Oversight Mission!"
    )
    hand_edit_before(monkeypatch, store_module, "atomic_write", change)
    write_store(
        location,
        lambda old: (append_text(old, "[extra]\nk = 1\n"), None),
        lambda text: parse_toml(text, store),
    )
    text = store.read_text(encoding="utf-8")
    assert "Election Oversight Mission!" in text
    assert text.endswith("[extra]\nk = 1\n")


def test_an_ambiguous_stamp_is_settled_by_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n")
    read = read_stamped(path)
    assert not read.settled  # just written: a change in the same clock tick keeps the stamp
    assert store_module.still_as_read(path, read)
    # What a same-tick change looks like: the stamp is equal, the bytes are not.
    forged = read._replace(data=b"a = 2\n")
    assert not store_module.still_as_read(path, forged)
    assert store_module.still_as_read(path, read._replace(settled=True))


def test_a_new_store_created_meanwhile_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "new.toml"
    change = save_by_hand_new(path, "title = 'made by hand'\n")
    hand_edit_before(monkeypatch, store_module, "atomic_write", change)
    write_store(
        StoreLocation(path, "option", "--file option"),
        lambda old: (append_text(old, "[extra]\nk = 1\n"), None),
        lambda text: parse_toml(text, path),
    )
    assert path.read_text() == "title = 'made by hand'\n\n[extra]\nk = 1\n"


def save_by_hand_new(path: Path, text: str) -> Callable[[], None]:
    def change() -> None:
        path.write_text(text)

    return change


def test_a_read_that_overlaps_a_change_is_repeated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n")
    real_read = os.read
    torn = [True]

    def read_then_change(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        if torn[0] and data:
            torn[0] = False
            path.write_text("a = 22\n")  # in place, while we were reading
        return data

    with monkeypatch.context() as patch:
        patch.setattr(os, "read", read_then_change)
        read = read_stamped(path)
    assert read.data == b"a = 22\n"


def test_a_file_that_never_holds_still_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n")
    real_read = os.read
    count = [0]

    def read_then_change(fd: int, size: int) -> bytes:
        first = os.lseek(fd, 0, os.SEEK_CUR) == 0
        data = real_read(fd, size)
        if first:
            count[0] += 1
            path.write_text("a = 1\n" + "#" * count[0] + "\n")
        return data

    monkeypatch.setattr(os, "read", read_then_change)
    with pytest.raises(StoreError, match="kept changing while vzwatch read it"):
        read_stamped(path)


# --- the O(1) append (add, progress) ------------------------------------------------

HAND_TITLE = ("Election Oversight Missions", "Election Oversight Mission!")


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("moment", ["before the append starts", "before its first byte"])
@pytest.mark.parametrize(
    "command",
    [
        ("add", "Regional Summit", "--timeline", "Q2 2025"),
        ("progress", "hum", "30", "--today", "2025-03-31"),
    ],
)
def test_an_o1_append_never_lands_on_a_same_size_in_place_rewrite(
    run: RunCli,
    store: Path,
    monkeypatch: pytest.MonkeyPatch,
    moment: str,
    command: tuple[str, ...],
) -> None:
    assert run("list", "--json").exit_code == ExitCode.OK  # the cache vouches for the store
    change = rewrite_in_place_keeping_size_and_mtime(store, *HAND_TITLE)
    with monkeypatch.context() as patch:
        if moment == "before the append starts":
            hand_edit_before(patch, writing, "append_block", change)
        else:
            hand_edit_before(patch, store_module, "_undo_record", change)
        result = run(*command)
    assert result.exit_code == ExitCode.OK, result.stderr
    # The hand edit is seen, through the cache and without it, and the write landed too.
    for env in ({}, {"VZWATCH_NO_CACHE": "1"}):
        listed = json.loads(run("list", "--json", env=env).stdout)
        titles = {item["id"]: item["title"] for item in listed}
        assert titles["election-oversight-missions"] == HAND_TITLE[1], env
        if command[0] == "add":
            assert "regional-summit" in titles
        else:
            assert shown(run, "hum")["progress"] == 30
    assert store.with_name(store.name + ".lock").stat().st_size == 0


# --- for real: another process saves the store while vzwatch edits it ---------------

EDITOR = textwrap.dedent(
    """
    import os, sys, time
    path, rounds = sys.argv[1], int(sys.argv[2])
    for n in range(rounds):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        with open(path + ".swp", "w", encoding="utf-8") as handle:
            handle.write(text + f"# hand {n}\\n")
        os.replace(path + ".swp", path)  # how editors save
        time.sleep(0.003)
    """
)


@pytest.mark.subprocess
def test_a_person_saving_the_store_during_edits_loses_nothing(store: Path) -> None:
    env = dict(os.environ, VZWATCH_FILE=str(store), VZWATCH_NO_CACHE="1")
    rounds = 150
    editor = subprocess.Popen([sys.executable, "-c", EDITOR, str(store), str(rounds)], env=env)
    codes = []
    try:
        for number in range(6):
            edit = subprocess.run(
                [sys.executable, "-m", "vzwatch", "edit", "hum", "--add-tag", f"t{number}"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert edit.returncode in (ExitCode.OK, ExitCode.STORE), edit.stderr
            codes.append(edit.returncode)
    finally:
        assert editor.wait(timeout=60) == 0
    text = store.read_text(encoding="utf-8")
    # The editor does not lock, so it may drop vzwatch's tags; vzwatch never drops its lines.
    missing = [n for n in range(rounds) if f"# hand {n}\n" not in text]
    assert missing == []
    assert ExitCode.OK in codes


def test_a_save_between_the_last_check_and_the_rename_is_put_back(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The narrowest race: the other program saves after vzwatch's last look."""
    location = StoreLocation(store, "option", "--file option")
    hand_edit_before(
        monkeypatch, store_module, "_exchange", save_by_hand(store, appending(HAND_EDIT))
    )
    new, edited_from = write_store(
        location,
        lambda old: (append_text(old, "[extra]\nk = 1\n"), old),
        lambda text: parse_toml(text, store),
    )
    assert store.read_text(encoding="utf-8") == new
    assert HAND_EDIT + "\n[extra]\nk = 1\n" in new
    assert HAND_EDIT in edited_from  # the result is that of the attempt that was written
    assert not list(store.parent.glob("*.vzwatch-tmp"))


def test_a_same_size_save_keeping_the_mtime_just_before_the_exchange_is_put_back(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file the exchange takes away has the stamp read (ctime aside, which a rename
    changes); only its bytes tell it is not the file read, compared piece by piece."""
    location = StoreLocation(store, "option", "--file option")
    monkeypatch.setattr(store_module, "_COMPARED_PIECE", 7)  # many pieces, one of them differs
    change = rewrite_in_place_keeping_size_and_mtime(
        store, "Election Oversight Missions", "Election Oversight Mission!"
    )
    hand_edit_before(monkeypatch, store_module, "_exchange", change)
    new, _ = write_store(
        location,
        lambda old: (append_text(old, "[extra]\nk = 1\n"), None),
        lambda text: parse_toml(text, store),
    )
    assert store.read_text(encoding="utf-8") == new
    assert "Election Oversight Mission!" in new
    assert new.endswith("[extra]\nk = 1\n")
    assert not list(store.parent.glob("*.vzwatch-tmp"))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(min_size=1, max_size=40),
    st.sampled_from(["same", "one byte changed", "shorter", "longer"]),
    st.integers(0, 39),
    st.integers(1, 9),
)
def test_a_file_holds_what_was_read_exactly_when_every_byte_is_equal(
    tmp_path: Path, held: bytes, how: str, at: int, piece: int
) -> None:
    at %= len(held)
    read = {
        "same": held,
        "one byte changed": held[:at] + bytes([held[at] ^ 1]) + held[at + 1 :],
        "shorter": held[:at],
        "longer": held + held[at:],
    }[how]
    path = tmp_path / "compared"
    path.write_bytes(held)
    with mock.patch.object(store_module, "_COMPARED_PIECE", piece):
        assert store_module._holds(path, read) == (how == "same")


def test_what_a_write_does_meanwhile_runs_on_another_thread_before_the_file_is_replaced(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = store.read_text(encoding="utf-8")
    monkeypatch.setattr(store_module, "_renameat2_found", [])
    seen: list[tuple[bool, str]] = []

    def meanwhile() -> bool:
        on_main = threading.current_thread() is threading.main_thread()
        seen.append((on_main, store.read_text(encoding="utf-8")))
        return True

    read = read_stamped(store)
    assert store_module.atomic_write(store, old + "# new\n", expected=read, meanwhile=meanwhile)
    assert seen == [(False, old)]
    assert store.read_text(encoding="utf-8") == old + "# new\n"
    assert store_module._renameat2_found  # the exchange was looked up meanwhile too


@pytest.mark.parametrize("outcome", ["says no", "raises"])
def test_a_write_whose_work_meanwhile_fails_leaves_the_store_and_no_temp_file(
    store: Path, outcome: str
) -> None:
    """A write in place checks the new bytes while they go to a temp file: a check that
    fails leaves the store as it was."""
    old = store.read_bytes()

    def meanwhile() -> bool:
        if outcome == "raises":
            raise ValueError("a check that broke")
        return False

    read = read_stamped(store)
    if outcome == "raises":
        with pytest.raises(ValueError, match="a check that broke"):
            store_module.atomic_write(store, b"new", expected=read, meanwhile=meanwhile)
    else:
        assert not store_module.atomic_write(store, b"new", expected=read, meanwhile=meanwhile)
    assert store.read_bytes() == old
    assert [path.name for path in store.parent.glob(f"{store.name}*")] == [store.name]
