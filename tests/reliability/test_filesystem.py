"""File system trouble: clear errors, the original intact, mode and links kept."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import BUNDLED, Vz, child_env, temp_files, vzwatch_command
from vzwatch.domain.errors import ExitCode
from vzwatch.operations.reading import load_portfolio


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs; skipped where this machine cannot mount one."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_read_only_store_is_refused_and_unchanged(store: Path, vz: Vz) -> None:
    store.chmod(0o444)
    before = store.read_bytes()
    result = vz("add", "X", "--timeline", "Q1 2026")
    assert result.returncode == ExitCode.STORE
    assert "read-only" in result.stderr
    assert store.read_bytes() == before
    assert store.stat().st_mode & 0o777 == 0o444
    assert vz("list", "--json").returncode == ExitCode.OK  # reading still works


def test_missing_directory_is_a_clear_store_error(vz: Vz, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "store.toml"
    for command in (["add", "X", "--timeline", "Q1 2026"], ["list"]):
        result = vz(*command, "--file", str(target))
        assert result.returncode == ExitCode.STORE
        assert "does not exist" in result.stderr
        assert result.stderr.count("\n") == 1
    assert not (tmp_path / "no").exists()


def test_full_disk_leaves_the_store_intact(tmpfs: Path, vz: Vz) -> None:
    store = tmpfs / "store.toml"
    text = BUNDLED.read_text(encoding="utf-8")
    padding = "# " + "x" * 76 + "\n"
    store.write_text(text + padding * (40_000 // len(padding)), encoding="utf-8")
    before = store.read_bytes()
    result = vz("add", "Will Not Fit", "--timeline", "Q1 2026", "--file", str(store))
    assert result.returncode == ExitCode.STORE
    assert "No space left on device" in result.stderr
    assert "unchanged" in result.stderr
    assert store.read_bytes() == before
    assert sorted(p.name for p in tmpfs.iterdir()) == ["store.toml", "store.toml.lock"]


def test_read_only_file_system_refuses_writes_but_reads(tmpfs: Path, vz: Vz) -> None:
    store = tmpfs / "store.toml"
    shutil.copyfile(BUNDLED, store)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=False)
    assert remount.returncode == 0
    result = vz("add", "X", "--timeline", "Q1 2026", "--file", str(store))
    assert result.returncode == ExitCode.STORE
    assert "Read-only file system" in result.stderr
    assert store.read_bytes() == BUNDLED.read_bytes()
    assert vz("list", "--file", str(store)).returncode == ExitCode.OK


def test_file_size_limit_leaves_the_store_intact(store: Path, tmp_path: Path) -> None:
    """`ulimit -f` below the store's size: the write fails, nothing is lost."""
    before = store.read_bytes()

    limit = len(before)  # the old store fits; the store with one more record does not

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [*vzwatch_command(), "add", "Too Big", "--timeline", "Q1 2026"],
        env=child_env(store, tmp_path),
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.STORE, result.stderr
    assert "File too large" in result.stderr
    assert store.read_bytes() == before
    assert list(tmp_path.glob(".store.toml.*.vzwatch-tmp")) == []


def test_symlinked_store_is_written_through_and_stays_a_link(
    store: Path, tmp_path: Path, vz: Vz
) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(store)
    result = vz("add", "Through The Link", "--timeline", "Q1 2026", "--file", str(link))
    assert result.returncode == ExitCode.OK, result.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(store)
    assert "through-the-link" in load_portfolio(store.read_text(encoding="utf-8"), store).ids


def test_shared_store_keeps_its_mode_and_group(store: Path, vz: Vz) -> None:
    store.chmod(0o664)
    os.chown(store, -1, 100)  # "users": a team's shared group
    assert vz("add", "Shared", "--timeline", "Q1 2026").returncode == ExitCode.OK
    assert store.stat().st_mode & 0o777 == 0o664
    assert store.stat().st_gid == 100


# --- every writing command, and the files export and timeline write -------------------

IMPORT_ITEM = [{"title": "Imported", "timeline": "Q2 2026"}]
WRITES = [
    ["progress", "election", "50", "--date", "2025-01-02"],
    ["edit", "election", "--status", "active"],
    ["remove", "election-oversight-missions", "--yes"],
    ["import", "SOURCE"],
]


def import_source(tmp_path: Path) -> str:
    source = tmp_path / "source.json"
    source.write_text(json.dumps(IMPORT_ITEM), encoding="utf-8")
    return str(source)


@pytest.mark.parametrize("command", WRITES, ids=lambda c: c[0])
def test_every_write_refuses_a_read_only_store(
    store: Path, tmp_path: Path, vz: Vz, command: list[str]
) -> None:
    store.chmod(0o444)
    before = store.read_bytes()
    result = vz(*[import_source(tmp_path) if arg == "SOURCE" else arg for arg in command])
    assert result.returncode == ExitCode.STORE, result.stderr
    assert (
        result.stderr
        == f"vzwatch: error: {store} is read-only; make it writable (chmod u+w) to change it\n"
    )
    assert store.read_bytes() == before
    assert store.stat().st_mode & 0o777 == 0o444
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("command", WRITES, ids=lambda c: c[0])
def test_every_write_on_a_full_disk_leaves_the_store_intact(
    tmpfs: Path, tmp_path: Path, vz: Vz, command: list[str]
) -> None:
    store = tmpfs / "store.toml"
    padding = "# " + "x" * 76 + "\n"
    text = BUNDLED.read_text(encoding="utf-8")
    store.write_text(text + padding * (40_000 // len(padding)), encoding="utf-8")
    before = store.read_bytes()
    args = [import_source(tmp_path) if arg == "SOURCE" else arg for arg in command]
    result = vz(*args, "--file", str(store))
    assert result.returncode == ExitCode.STORE, result.stderr
    assert "No space left on device" in result.stderr
    assert "the store is unchanged" in result.stderr
    assert result.stderr.count("\n") == 1
    assert store.read_bytes() == before
    assert sorted(p.name for p in tmpfs.iterdir()) == ["store.toml", "store.toml.lock"]


OUTPUTS = [
    ["export", "--format", "ics", "--output", "TARGET"],
    ["export", "--format", "json", "--output", "TARGET"],
    ["timeline", "--svg", "TARGET"],
    ["timeline", "--html", "TARGET"],
]


def write_to(vz: Vz, command: list[str], target: Path) -> subprocess.CompletedProcess[str]:
    return vz(*[str(target) if arg == "TARGET" else arg for arg in command])


def assert_refused_cleanly(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert result.stderr.startswith("vzwatch: error: cannot write ")
    assert reason in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:2]))
def test_output_file_on_a_full_disk_is_not_half_written(
    tmpfs: Path, vz: Vz, command: list[str]
) -> None:
    target = tmpfs / "out.file"
    target.write_text("the previous export\n", encoding="utf-8")
    filler = tmpfs / "filler"
    # Fill the disk to the last byte.
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"x" * 512)
    result = write_to(vz, command, target)
    assert_refused_cleanly(result, "No space left on device")
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert temp_files(tmpfs) == []


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:2]))
def test_output_file_on_a_read_only_file_system_is_refused(
    tmpfs: Path, vz: Vz, command: list[str]
) -> None:
    target = tmpfs / "out.file"
    target.write_text("the previous export\n", encoding="utf-8")
    assert subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=False).returncode == 0
    result = write_to(vz, command, target)
    assert_refused_cleanly(result, "Read-only file system")
    assert target.read_text(encoding="utf-8") == "the previous export\n"


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:2]))
def test_output_file_in_a_missing_directory_or_onto_a_directory(
    tmp_path: Path, vz: Vz, command: list[str]
) -> None:
    missing = write_to(vz, command, tmp_path / "no" / "such" / "out.file")
    assert_refused_cleanly(missing, "does not exist")
    assert not (tmp_path / "no").exists()
    folder = tmp_path / "a-directory"
    folder.mkdir()
    onto = write_to(vz, command, folder)
    assert_refused_cleanly(onto, "it is a directory")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c[:2]))
def test_output_file_that_is_the_store_is_refused(store: Path, vz: Vz, command: list[str]) -> None:
    before = store.read_bytes()
    result = write_to(vz, command, store)
    assert result.returncode == ExitCode.USAGE
    assert (
        result.stderr
        == f"vzwatch: error: {store} is the store itself; choose another output file\n"
    )
    assert store.read_bytes() == before
