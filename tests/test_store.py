"""Tests for vzwatch.storage.store: locating, reading, parsing, locking and atomic writes.

Everything happens under tmp_path with explicit env mappings, so no test can
touch the real per-user store. Locking and concurrency are tested across real
processes, because flock semantics are what keep concurrent writers honest.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vzwatch.domain.errors import StoreError, StoreLockedError
from vzwatch.storage import store as store_module
from vzwatch.storage.store import (
    StoreLocation,
    append_text,
    atomic_write,
    locate_store,
    parse_toml,
    read_store_text,
    user_store_path,
    write_lock,
    write_store,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- helpers


def option_location(path: Path) -> StoreLocation:
    return StoreLocation(path, "option", "--file option")


def toml_check(path: Path) -> Callable[[str], object]:
    """The kind of check callback model.py provides: parse, raise StoreError."""

    def check(text: str) -> object:
        return parse_toml(text, path)

    return check


def appender(chunk: str) -> Callable[[str], tuple[str, None]]:
    def edit(old: str) -> tuple[str, None]:
        return append_text(old, chunk), None

    return edit


def must_not_run(old: str) -> tuple[str, None]:
    raise AssertionError("edit must not run")


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".vzwatch-tmp"))


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop(store_module.LOCK_TIMEOUT_ENV, None)
    env.pop(store_module.STORE_ENV, None)
    return env


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def lock_held_by_other_process(lock_file: Path) -> Iterator[None]:
    """Hold flock(LOCK_EX) on ``lock_file`` in a child process for the block's duration."""
    code = textwrap.dedent(
        """
        import fcntl, os, sys
        fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        sys.stdin.read()  # hold the lock until the parent closes our stdin
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(lock_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    ) as child:
        assert child.stdout is not None
        assert child.stdin is not None
        try:
            assert child.stdout.readline().strip() == "locked"
            yield
        finally:
            child.stdin.close()
            child.wait(timeout=10)


# --------------------------------------------------------------------------- locate_store


def test_locate_prefers_option_over_everything(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "initiatives.toml").write_text("")
    env = {"VZWATCH_FILE": str(tmp_path / "env.toml"), "HOME": str(tmp_path / "home")}

    location = locate_store(tmp_path / "opt.toml", env, tmp_path)

    assert location == StoreLocation(tmp_path / "opt.toml", "option", "--file option")


def test_locate_env_beats_cwd_data_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "initiatives.toml").write_text("")
    env = {"VZWATCH_FILE": str(tmp_path / "env.toml"), "HOME": str(tmp_path / "home")}

    location = locate_store(None, env, tmp_path)

    assert location.path == tmp_path / "env.toml"
    assert location.source == "env"
    assert location.reason == "VZWATCH_FILE environment variable"


def test_locate_cwd_data_file_beats_user_store(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "initiatives.toml").write_text("")

    location = locate_store(None, {"VZWATCH_FILE": "", "HOME": str(tmp_path)}, tmp_path)

    assert location.path == tmp_path / "data" / "initiatives.toml"
    assert location.source == "cwd"
    assert location.reason == "./data/initiatives.toml in the working directory"
    assert location.exists


def test_locate_falls_back_to_user_store(tmp_path: Path) -> None:
    # A *directory* named data/initiatives.toml is not a store.
    (tmp_path / "data" / "initiatives.toml").mkdir(parents=True)
    home = tmp_path / "home"

    location = locate_store(None, {"HOME": str(home)}, tmp_path)

    assert location.path == home / ".local/share/vzwatch/initiatives.toml"
    assert location.source == "user"
    assert location.reason == "per-user store"
    assert not location.exists


def test_locate_relative_and_tilde_paths(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home)}

    assert locate_store(Path("sub/s.toml"), env, tmp_path).path == tmp_path / "sub/s.toml"
    assert locate_store(Path("~/s.toml"), env, tmp_path).path == home / "s.toml"
    from_env = locate_store(None, {**env, "VZWATCH_FILE": "~/e.toml"}, tmp_path)
    assert from_env.path == home / "e.toml"
    from_env = locate_store(None, {**env, "VZWATCH_FILE": "rel.toml"}, tmp_path)
    assert from_env.path == tmp_path / "rel.toml"


# --------------------------------------------------------------------------- user_store_path


def test_user_store_path_linux_default(tmp_path: Path) -> None:
    path = user_store_path({}, "linux", home=tmp_path)
    assert path == tmp_path / ".local" / "share" / "vzwatch" / "initiatives.toml"


def test_user_store_path_linux_uses_home_from_env(tmp_path: Path) -> None:
    path = user_store_path({"HOME": str(tmp_path)}, "linux")
    assert path == tmp_path / ".local" / "share" / "vzwatch" / "initiatives.toml"


def test_user_store_path_xdg_data_home(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert user_store_path(env, "linux", home=tmp_path) == tmp_path / "xdg/vzwatch/initiatives.toml"
    assert user_store_path(env, "freebsd14", home=tmp_path) == (
        tmp_path / "xdg/vzwatch/initiatives.toml"
    )


def test_user_store_path_ignores_relative_xdg(tmp_path: Path) -> None:
    path = user_store_path({"XDG_DATA_HOME": "rel/xdg"}, "linux", home=tmp_path)
    assert path == tmp_path / ".local/share/vzwatch/initiatives.toml"


def test_user_store_path_darwin(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}  # not a macOS convention
    path = user_store_path(env, "darwin", home=tmp_path)
    assert path == tmp_path / "Library" / "Application Support" / "vzwatch" / "initiatives.toml"


def test_user_store_path_without_any_home(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))

    with pytest.raises(StoreError, match="set VZWATCH_FILE or pass --file") as caught:
        user_store_path({}, "linux")
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------- reading


def test_read_store_text_returns_text(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('title = "Kärnkraft"\n', encoding="utf-8")
    assert read_store_text(option_location(path)) == 'title = "Kärnkraft"\n'


def test_read_missing_store_names_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(path))
    assert str(caught.value) == (
        f"{path} does not exist; create it with `vzwatch add` or point --file at an existing store"
    )


def test_read_missing_user_store_is_bundled_copy_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "bundled_store_text", lambda: "bundled = true\n")
    path = tmp_path / "xdg" / "vzwatch" / "initiatives.toml"

    text = read_store_text(StoreLocation(path, "user", "per-user store"))

    assert text == "bundled = true\n"
    assert not (tmp_path / "xdg").exists()


def test_bundled_store_text_in_source_checkout() -> None:
    expected = (REPO / "data" / "initiatives.toml").read_text(encoding="utf-8")
    assert store_module.bundled_store_text() == expected


def test_read_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(tmp_path))
    assert str(caught.value) == f"{tmp_path} is a directory, not a store file"


def test_read_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"a = 1\nb\x00\x01\x02")
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(path))
    assert str(caught.value) == f"{path} is not a text file (NUL byte at line 2, column 2)"


def test_read_invalid_utf8_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    # Column counts characters: 'b = "é' is six characters, the bad byte is the 7th.
    path.write_bytes('a = "x"\nb = "é'.encode() + b'\xff"\n')
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(path))
    assert str(caught.value) == (f"{path}:2:7: invalid UTF-8 (byte 0xff); save the file as UTF-8")


def test_read_latin1_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes('title = "Kärnkraft"\n'.encode("latin-1"))
    with pytest.raises(StoreError, match=r":1:11: invalid UTF-8 \(byte 0xe4\)"):
        read_store_text(option_location(path))


def test_read_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(path))
    assert str(caught.value) == (
        f"{path} starts with a byte-order mark; save it as UTF-8 without BOM"
    )


def test_read_utf16_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n", encoding="utf-16")  # writes a BOM
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(path))
    assert str(caught.value) == (
        f"{path} starts with a byte-order mark; it looks UTF-16-encoded; "
        "save it as UTF-8 without BOM"
    )


@pytest.mark.skipif(IS_ROOT, reason="root can read files without read permission")
def test_read_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n")
    path.chmod(0o000)
    try:
        with pytest.raises(StoreError) as caught:
            read_store_text(option_location(path))
        assert str(caught.value) == f"cannot read {path}: permission denied"
    finally:
        path.chmod(0o644)


def test_read_permission_denied_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as above, runnable as root: the OS refuses the read."""
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(path))
    assert str(caught.value) == f"cannot read {path}: permission denied"


def test_weird_file_name_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad\nname.toml"
    with pytest.raises(StoreError) as caught:
        read_store_text(option_location(path))
    assert "\n" not in str(caught.value)
    assert repr(str(path)) in str(caught.value)


# --------------------------------------------------------------------------- parse_toml


def test_parse_toml_ok() -> None:
    assert parse_toml('[[initiative]]\nid = "a"\n', Path("s.toml")) == {"initiative": [{"id": "a"}]}


def test_parse_toml_error_has_path_line_column() -> None:
    text = 'a = 1\n[section\nb = "x"\n'
    with pytest.raises(StoreError) as caught:
        parse_toml(text, Path("data/initiatives.toml"))
    assert str(caught.value) == (
        "data/initiatives.toml:2:9: invalid TOML: Expected ']' at the end of a table declaration"
    )


def test_parse_toml_error_at_end_of_document() -> None:
    with pytest.raises(StoreError) as caught:
        parse_toml("a = 1\nb", Path("s.toml"))
    assert str(caught.value) == (
        "s.toml:2:2: invalid TOML: Expected '=' after a key in a key/value pair (at end of file)"
    )


def test_parse_toml_deep_nesting_is_a_store_error() -> None:
    text = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(StoreError) as caught:
        parse_toml(text, Path("deep.toml"))
    assert str(caught.value).startswith("deep.toml: invalid TOML: nesting is too deep")


@given(st.text(max_size=200))
def test_parse_toml_only_ever_raises_one_line_store_errors(text: str) -> None:
    message = ""
    try:
        parse_toml(text, Path("p.toml"))
    except StoreError as exc:
        message = str(exc)
    if message:
        assert message.startswith("p.toml")
        assert "\n" not in message


# --------------------------------------------------------------------------- atomic_write


@pytest.mark.parametrize("mode", [0o664, 0o640, 0o600])
def test_atomic_write_keeps_permission_bits(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "s.toml"
    path.write_text("old = 1\n")
    path.chmod(mode)

    atomic_write(path, "new = 2\n")

    assert path.read_text() == "new = 2\n"
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert temp_files(tmp_path) == []


def test_atomic_write_new_file_honours_umask(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"
    old_mask = os.umask(0o027)
    try:
        atomic_write(path, "a = 1\n")
    finally:
        os.umask(old_mask)
    assert path.read_text() == "a = 1\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # not mkstemp's 0o600
    assert temp_files(tmp_path) == []


def test_atomic_write_through_symlink(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "store.toml"
    target.write_text("old = 1\n")
    target.chmod(0o664)
    link = tmp_path / "link.toml"
    link.symlink_to(Path("real") / "store.toml")  # relative link

    atomic_write(link, "new = 2\n")

    assert link.is_symlink()
    assert os.readlink(link) == str(Path("real") / "store.toml")
    assert target.read_text() == "new = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o664
    # The temp file was made beside the target, and is gone.
    assert temp_files(real_dir) == []
    assert temp_files(tmp_path) == []


def test_atomic_write_removes_stale_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("old = 1\n")
    stale = tmp_path / ".s.toml.0a1b2c3d4e5f.vzwatch-tmp"
    stale.write_text("half-written")
    other = tmp_path / ".other.toml.0a1b2c3d4e5f.vzwatch-tmp"  # another store's
    other.write_text("not ours")

    atomic_write(path, "new = 2\n")

    assert not stale.exists()
    assert other.exists()
    assert path.read_text() == "new = 2\n"


def test_taking_the_write_lock_removes_stale_temp_files(tmp_path: Path) -> None:
    """Writes that never rewrite the file (an O(1) append, a no-op edit) clean up too."""
    path = tmp_path / "s.toml"
    path.write_text("old = 1\n")
    stale = tmp_path / ".s.toml.0a1b2c3d4e5f.vzwatch-tmp"
    stale.write_text("half-written")
    other = tmp_path / ".other.toml.0a1b2c3d4e5f.vzwatch-tmp"
    other.write_text("not ours")

    with write_lock(path):
        assert not stale.exists()
    assert other.exists()
    assert path.read_text() == "old = 1\n"


def test_atomic_write_refuses_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"old = 1\n")
    path.chmod(0o444)

    with pytest.raises(StoreError) as caught:
        atomic_write(path, "new = 2\n")

    assert str(caught.value) == (f"{path} is read-only; make it writable (chmod u+w) to change it")
    assert path.read_bytes() == b"old = 1\n"
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_failed_write_leaves_store_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "s.toml"
    original = b"old = 1\n# \xc3\xa9\n"
    path.write_bytes(original)

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(StoreError) as caught:
        atomic_write(path, "new = 2\n" * 1000)
    monkeypatch.undo()

    assert str(caught.value) == (
        f"cannot write {path}: No space left on device; the store is unchanged"
    )
    assert path.read_bytes() == original
    assert temp_files(tmp_path) == []


def test_write_over_file_size_limit_fails_cleanly(tmp_path: Path) -> None:
    """`ulimit -f` must produce an error, not a SIGXFSZ death with a torn store."""
    path = tmp_path / "s.toml"
    path.write_text("old = 1\n")
    code = textwrap.dedent(
        """
        import resource, signal, sys
        from pathlib import Path
        from vzwatch.domain.errors import StoreError
        from vzwatch.storage.store import atomic_write
        # CPython ignores SIGXFSZ at start-up, but an embedding host may not:
        # restore the default (kill the process) to prove atomic_write copes.
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            atomic_write(Path(sys.argv[1]), "x = 1\\n" * 10_000)
        except StoreError as exc:
            print(exc)
            sys.exit(4)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 4, result.stderr
    assert result.stdout.strip() == (f"cannot write {path}: File too large; the store is unchanged")
    assert path.read_text() == "old = 1\n"
    assert temp_files(tmp_path) == []


# --------------------------------------------------------------------------- write_store


def test_write_store_appends_and_returns_new_text(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n")

    new, _ = write_store(option_location(path), appender("b = 2\n"), toml_check(path))

    assert new == "a = 1\n\nb = 2\n"
    assert path.read_text() == new
    assert (tmp_path / "s.toml.lock").exists()
    assert temp_files(tmp_path) == []


def test_write_store_invalid_old_store_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"a = \n")

    with pytest.raises(StoreError, match=rf"^{re.escape(str(path))}:1:5: invalid TOML: "):
        write_store(option_location(path), must_not_run, toml_check(path))

    assert path.read_bytes() == b"a = \n"


def test_write_store_invalid_result_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"a = 1\n")

    with pytest.raises(
        StoreError, match=rf"^{re.escape(str(path))}:3:\d+: invalid TOML: Cannot overwrite a value$"
    ):
        write_store(option_location(path), appender("a = 2\n"), toml_check(path))

    assert path.read_bytes() == b"a = 1\n"
    assert temp_files(tmp_path) == []


def test_write_store_failing_edit_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"a = 1\n")

    def edit(old: str) -> tuple[str, None]:
        raise StoreError("no initiative matches 'zz'")

    with pytest.raises(StoreError, match="no initiative matches"):
        write_store(option_location(path), edit, toml_check(path))
    assert path.read_bytes() == b"a = 1\n"


def test_write_store_noop_edit_does_not_touch_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"a = 1 # keep my formatting\n")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.stat()

    new, result = write_store(option_location(path), lambda old: (old, "nothing"), toml_check(path))

    after = path.stat()
    assert (new, result) == ("a = 1 # keep my formatting\n", "nothing")
    assert path.read_bytes() == b"a = 1 # keep my formatting\n"
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_write_store_creates_new_file_when_parent_exists(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"

    write_store(option_location(path), appender("a = 1\n"), toml_check(path))

    assert path.read_text() == "a = 1\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~current_umask()


def test_write_store_refuses_missing_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "new.toml"

    with pytest.raises(StoreError) as caught:
        write_store(option_location(path), must_not_run, toml_check(path))

    assert str(caught.value) == (
        f"cannot create {path}: directory {tmp_path / 'missing'} does not exist"
    )
    assert not (tmp_path / "missing").exists()


def test_write_store_user_store_starts_from_bundled_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "bundled_store_text", lambda: "[meta]\nsource = 'bundled'\n")
    path = tmp_path / "xdg" / "vzwatch" / "initiatives.toml"
    location = StoreLocation(path, "user", "per-user store")

    write_store(location, appender("[extra]\nmine = true\n"), toml_check(path))

    assert path.read_text() == "[meta]\nsource = 'bundled'\n\n[extra]\nmine = true\n"
    assert read_store_text(location) == path.read_text()


def test_write_store_through_symlink_locks_real_file(tmp_path: Path) -> None:
    target = tmp_path / "real.toml"
    target.write_text("a = 1\n")
    link = tmp_path / "link.toml"
    link.symlink_to(target)

    write_store(option_location(link), appender("b = 2\n"), toml_check(link))

    assert link.is_symlink()
    assert target.read_text() == "a = 1\n\nb = 2\n"
    assert (tmp_path / "real.toml.lock").exists()
    assert not (tmp_path / "link.toml.lock").exists()


def test_write_store_refused_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"a = 1\n")

    with (
        lock_held_by_other_process(tmp_path / "s.toml.lock"),
        pytest.raises(StoreLockedError) as caught,
    ):
        write_store(option_location(path), must_not_run, toml_check(path), timeout=0.2)

    assert str(caught.value) == (
        f"store {path} is locked by another vzwatch process "
        "(waited 0.2 s; set VZWATCH_LOCK_TIMEOUT to wait longer)"
    )
    assert path.read_bytes() == b"a = 1\n"


# --------------------------------------------------------------------------- write_lock


def test_write_lock_times_out_when_another_process_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    lock_file = tmp_path / "s.toml.lock"

    with lock_held_by_other_process(lock_file):
        started = time.monotonic()
        with pytest.raises(StoreLockedError), write_lock(path, timeout=0.2):
            pytest.fail("acquired a lock another process holds")
        elapsed = time.monotonic() - started

    assert 0.2 <= elapsed < 3.0
    # Once the other process is gone the lock is free, and the file stays.
    with write_lock(path, timeout=0.2):
        assert lock_file.exists()
    assert lock_file.exists()


def test_write_lock_waits_for_a_short_holder(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    code = textwrap.dedent(
        """
        import fcntl, os, sys, time
        fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(0.3)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "s.toml.lock")],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        with write_lock(path, timeout=10):
            pass
        child.wait(timeout=10)


def test_write_lock_timeout_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VZWATCH_LOCK_TIMEOUT", "0.1")
    path = tmp_path / "s.toml"

    with (
        lock_held_by_other_process(tmp_path / "s.toml.lock"),
        pytest.raises(StoreLockedError, match=r"\(waited 0\.1 s; "),
        write_lock(path),
    ):
        pytest.fail("acquired a lock another process holds")


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_write_lock_invalid_timeout_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("VZWATCH_LOCK_TIMEOUT", value)

    with pytest.raises(StoreError) as caught, write_lock(tmp_path / "s.toml"):
        pytest.fail("locked despite an invalid timeout")

    assert str(caught.value) == (
        f"invalid VZWATCH_LOCK_TIMEOUT={value!r}: expected a number of seconds, e.g. 5 or 0.5"
    )
    assert not isinstance(caught.value, StoreLockedError)


def test_write_lock_works_with_read_only_lock_file(tmp_path: Path) -> None:
    lock_file = tmp_path / "s.toml.lock"
    lock_file.touch()
    lock_file.chmod(0o444)

    with write_lock(tmp_path / "s.toml", timeout=0.2):
        pass


def test_write_lock_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "s.toml"
    with pytest.raises(StoreError, match="does not exist"), write_lock(path, timeout=0.1):
        pytest.fail("locked in a directory that does not exist")


@pytest.mark.skipif(IS_ROOT, reason="root can create files in read-only directories")
def test_write_lock_read_only_directory(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    (directory / "s.toml").write_text("a = 1\n")
    directory.chmod(0o555)
    try:
        with pytest.raises(StoreError, match=r"cannot create lock file .*s\.toml\.lock"):
            write_store(option_location(directory / "s.toml"), must_not_run, toml_check(directory))
    finally:
        directory.chmod(0o755)


def test_write_lock_cannot_create_lock_file_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above but runnable as root: creating the lock file fails with EACCES."""
    path = tmp_path / "s.toml"
    path.write_text("a = 1\n")
    real_open = os.open

    def refusing_open(file: str | os.PathLike[str], flags: int, *args: int) -> int:
        if os.fspath(file).endswith(".lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(StoreError) as caught:
        write_store(option_location(path), must_not_run, toml_check(path))
    monkeypatch.undo()

    assert str(caught.value) == (
        f"cannot create lock file {path}.lock: Permission denied; "
        f"the directory must be writable to change {path}"
    )
    assert path.read_text() == "a = 1\n"


# --------------------------------------------------------------------------- concurrency

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from vzwatch.storage.store import StoreLocation, append_text, parse_toml, write_store

    path, worker = Path(sys.argv[1]), sys.argv[2]
    location = StoreLocation(path, "option", "--file option")
    for n in range(5):
        chunk = f'[[line]]\\nid = "w{worker}-{n}"\\n'
        write_store(
            location,
            lambda old, chunk=chunk: (append_text(old, chunk), None),
            lambda text: parse_toml(text, path),
            timeout=60,
        )
    """
)


@pytest.mark.subprocess
def test_concurrent_writers_lose_no_updates(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("")

    children = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(worker)],
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for worker in range(8)
    ]
    for child in children:
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr

    ids = [entry["id"] for entry in parse_toml(path.read_text(), path)["line"]]
    assert sorted(ids) == sorted(f"w{w}-{n}" for w in range(8) for n in range(5))
    # Each process's own appends stay in order.
    for worker in range(8):
        mine = [i for i in ids if i.startswith(f"w{worker}-")]
        assert mine == [f"w{worker}-{n}" for n in range(5)]
    assert temp_files(tmp_path) == []


# --------------------------------------------------------------------------- append_text


def test_append_text_examples() -> None:
    assert append_text("", "a = 1\n") == "a = 1\n"
    assert append_text("a = 1", "b = 2\n") == "a = 1\n\nb = 2\n"
    assert append_text("a = 1\n", "b = 2\n") == "a = 1\n\nb = 2\n"
    assert append_text("a = 1\n\n\n", "\n\nb = 2\n") == "a = 1\n\nb = 2\n"
    assert append_text("a = 1\r\n", "b = 2\r\n") == "a = 1\r\n\r\nb = 2\r\n"
    assert append_text("a = 1\r\n", "b = 2\nc = 3\n") == "a = 1\r\n\r\nb = 2\r\nc = 3\r\n"
    assert append_text("a = 1\n", "") == "a = 1\n"


@given(
    st.text(alphabet="ab =\n#", max_size=40),
    st.text(alphabet="cd =\n#", min_size=1, max_size=40),
)
def test_append_text_separates_by_exactly_one_blank_line(old: str, chunk: str) -> None:
    result = append_text(old, chunk)
    body, tail = old.rstrip("\n"), chunk.lstrip("\n")
    if not tail:
        assert result == old
    elif not body:
        assert result == tail
    else:
        assert result == body + "\n\n" + tail
