"""The store: one TOML file on disk, read and written without ever losing data.

This module knows about files, locks and atomic writes and nothing about
initiatives: it moves *text*. Validation belongs to the model, which hands us a
``check`` callback. Every writing command goes through :func:`write_store`::

    lock  ->  read old text (stamped)  ->  check(old)  ->  edit(old)  ->  check(new)
          ->  still the text read?  ->  atomic replace (only if the text changed)  ->  unlock

Editors never take our lock, so "still the text read" is checked right before
the replace; a store that changed meanwhile is edited again from its new text
(a few times at most), never overwritten.

Failures raise :class:`~vzwatch.domain.errors.StoreError` (or ``StoreLockedError``)
with a one-line message that names the file. Nothing here prints or exits.

Import cost matters (this module loads on every command), so ``tomllib``,
``re``, ``fcntl`` and ``importlib.resources`` are imported where they are used.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from vzwatch.domain.errors import StoreError, StoreLockedError

__all__ = [
    "BUNDLED_NAME",
    "DEFAULT_LOCK_TIMEOUT",
    "LOCK_TIMEOUT_ENV",
    "STORE_ENV",
    "DirectorySyncError",
    "Stamp",
    "StampedRead",
    "StoreChangedError",
    "StoreLocation",
    "TomlSyntaxError",
    "append_block",
    "append_pending",
    "append_text",
    "atomic_write",
    "bundled_store_text",
    "decode_store",
    "line_ending",
    "locate_store",
    "parse_toml",
    "read_stamped",
    "read_store_text",
    "replace_file",
    "stamp_of",
    "still_as_read",
    "user_store_path",
    "wait_for_appends",
    "write_lock",
    "write_store",
]

BUNDLED_NAME = "initiatives.toml"
LOCK_TIMEOUT_ENV = "VZWATCH_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 5.0
STORE_ENV = "VZWATCH_FILE"

_APP_DIR = "vzwatch"
_LOCK_SUFFIX = ".lock"
_TMP_SUFFIX = ".vzwatch-tmp"
_LOCK_POLL_SECONDS = 0.05
_TORN_READ_RETRIES = 20
_WRITE_ATTEMPTS = 5  # a store that changes under every attempt is refused, never overwritten
# A stamp proves the content only when the file's ctime is older than this when it is
# taken: a later change then gets a later ctime. As in the parse cache (cache._settled).
_FINE_MARGIN_NS = 1_000_000_000
_COARSE_MARGIN_NS = 3_000_000_000
_COMPARED_PIECE = 1 << 20  # bytes read at a time to compare a file with what was read
_UNDO_MAGIC = b"vzwatch-append-undo 1\n"

Result = TypeVar("Result")

_REASONS = {
    "option": "--file option",
    "env": f"{STORE_ENV} environment variable",
    "cwd": f"./data/{BUNDLED_NAME} in the working directory",
    "user": "per-user store",
}

# Byte-order marks, longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xef\xbb\xbf", "UTF-8"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


# --------------------------------------------------------------------------- locating


class StoreLocation(NamedTuple):
    """Where the store is and why that file was chosen."""

    path: Path  # the store file as given/expanded, not resolved
    source: str  # "option", "env", "cwd" or "user"
    reason: str  # human sentence for `vzwatch where` and error hints

    @property
    def exists(self) -> bool:
        """Whether something exists at ``path`` (never raises)."""
        try:
            return self.path.exists()
        except OSError:  # e.g. a parent directory we may not search
            return False


def _show(path: os.PathLike[str] | str) -> str:
    """Render a path for a one-line message.

    Control characters (a newline in a file name) or undecodable bytes
    (surrogate escapes) would break the one-line rule or crash printing, so
    such names are shown as a Python string literal instead.
    """
    text = os.fspath(path)
    return text if text.isprintable() else repr(text)


def _strerror(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _home(env: Mapping[str, str]) -> Path:
    """The home directory, preferring the injected environment's HOME."""
    home = env.get("HOME", "")
    if home and Path(home).is_absolute():
        return Path(home)
    try:
        # With no HOME (cron `env -i`) this falls back to the passwd entry.
        return Path.home()
    except (RuntimeError, KeyError, OSError) as exc:
        raise StoreError(
            f"cannot find your home directory for the per-user store ({exc}); "
            f"set {STORE_ENV} or pass --file"
        ) from exc


def user_store_path(
    env: Mapping[str, str], platform: str = sys.platform, home: Path | None = None
) -> Path:
    """The per-user store file for ``platform`` (which need not exist yet).

    Linux and others follow the XDG base directory spec; macOS uses its
    conventional per-user application data folder. ``home`` defaults to
    ``env["HOME"]`` when that is absolute, else ``Path.home()``.
    """
    if platform != "darwin":
        xdg = env.get("XDG_DATA_HOME", "")
        # The XDG spec says relative values are invalid and must be ignored.
        if xdg and Path(xdg).is_absolute():
            return Path(xdg) / _APP_DIR / BUNDLED_NAME
    base = home if home is not None else _home(env)
    if platform == "darwin":
        return base / "Library" / "Application Support" / _APP_DIR / BUNDLED_NAME
    return base / ".local" / "share" / _APP_DIR / BUNDLED_NAME


def _expand(path: Path, env: Mapping[str, str], cwd: Path) -> Path:
    """Expand a leading ``~`` like the shell does and anchor relative paths at cwd."""
    text = os.fspath(path)
    if text == "~" or text.startswith("~/"):
        path = _home(env) / text[2:]
    elif text.startswith("~"):
        try:
            path = path.expanduser()  # ~user/...
        except RuntimeError as exc:
            raise StoreError(f"cannot expand {_show(text)}: no such user") from exc
    return path if path.is_absolute() else cwd / path


def locate_store(option: Path | None, env: Mapping[str, str], cwd: Path) -> StoreLocation:
    """Pick the store: --file, then $VZWATCH_FILE, then ./data/initiatives.toml, then per-user."""
    if option is not None:
        return StoreLocation(_expand(option, env, cwd), "option", _REASONS["option"])
    from_env = env.get(STORE_ENV, "")
    if from_env:
        return StoreLocation(_expand(Path(from_env), env, cwd), "env", _REASONS["env"])
    local = cwd / "data" / BUNDLED_NAME
    try:
        found = local.is_file()
    except OSError:  # e.g. ./data is not searchable: not a usable store
        found = False
    if found:
        return StoreLocation(local, "cwd", _REASONS["cwd"])
    return StoreLocation(user_store_path(env), "user", _REASONS["user"])


def locate_stores(
    options: Sequence[Path] | None, env: Mapping[str, str], cwd: Path
) -> list[StoreLocation]:
    """Every store a read command was given: each --file, else each path in $VZWATCH_FILE
    (a list separated by ``os.pathsep``), else the one store ``locate_store`` finds."""
    if options:
        return [locate_store(option, env, cwd) for option in options]
    from_env = env.get(STORE_ENV, "")
    if os.pathsep in from_env:
        parts = [part for part in from_env.split(os.pathsep) if part]
        return [
            StoreLocation(_expand(Path(part), env, cwd), "env", _REASONS["env"]) for part in parts
        ] or [locate_store(None, {**env, STORE_ENV: ""}, cwd)]
    return [locate_store(None, env, cwd)]


# --------------------------------------------------------------------------- reading


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of byte ``offset`` (editor-style)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def _decode(data: bytes, path: Path) -> str:
    """Strictly decode store bytes, explaining exactly what is wrong if we can't."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            hint = "" if encoding == "UTF-8" else f"it looks {encoding}-encoded; "
            raise StoreError(
                f"{_show(path)} starts with a byte-order mark; {hint}save it as UTF-8 without BOM"
            )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _line_col(data, nul)
        raise StoreError(
            f"{_show(path)} is not a text file (NUL byte at line {line}, column {column})"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(data, exc.start)
        raise StoreError(
            f"{_show(path)}:{line}:{column}: invalid UTF-8 (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None if it does not exist; other problems raise StoreError.

    Readers take no lock, so a read may overlap an O(1) append (append_block).
    Such a read is caught and repeated: the append's undo record is still in
    the lock file, or the file has grown past what was read. The order (read,
    then undo record, then size) matters; see docs/performance.md.
    """
    for _ in range(_TORN_READ_RETRIES):
        data = _read_bytes_once(path)
        if data is None:
            return None
        if append_pending(path):
            wait_for_appends(path)
            continue
        try:
            if path.stat().st_size == len(data):
                return data
        except OSError:
            return data  # replaced or removed after the read: what we read was whole
    return _read_bytes_once(path)


def _read_bytes_once(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _read_error(path, exc) from exc


def _read_error(path: Path, exc: OSError) -> StoreError:
    if isinstance(exc, IsADirectoryError):
        return StoreError(f"{_show(path)} is a directory, not a store file")
    if isinstance(exc, PermissionError):
        return StoreError(f"cannot read {_show(path)}: permission denied")
    return StoreError(f"cannot read {_show(path)}: {_strerror(exc)}")


def _missing_message(path: Path) -> str:
    return (
        f"{_show(path)} does not exist; create it with `vzwatch add` "
        "or point --file at an existing store"
    )


def bundled_store_text() -> str:
    """The store shipped with vzwatch (the starting point of a per-user store)."""
    from importlib.resources import files

    resource = files("vzwatch") / "data" / BUNDLED_NAME
    if resource.is_file():  # installed from a wheel
        return _decode(resource.read_bytes(), Path(str(resource)))
    # Editable/source checkout: the wheel's force-include has not run, so use
    # the repository copy at <repo>/data/initiatives.toml.
    checkout = Path(__file__).resolve().parents[3] / "data" / BUNDLED_NAME
    data = _read_bytes(checkout)
    if data is None:
        raise StoreError(
            f"the bundled store is missing (neither vzwatch/data/{BUNDLED_NAME} in the "
            f"package nor {_show(checkout)} exists); reinstall vzwatch or pass --file"
        )
    return _decode(data, checkout)


def decode_store(data: bytes, path: Path) -> str:
    """Strictly decode a store's bytes (no BOM, no NUL, valid UTF-8)."""
    return _decode(data, path)


def read_store_text(location: StoreLocation) -> str:
    """The store's text. A per-user store that does not exist yet reads as the bundled one.

    Reading never creates files; the per-user copy is made on the first write.
    """
    data = _read_bytes(location.path)
    if data is None:
        if location.source == "user":
            return bundled_store_text()
        raise StoreError(_missing_message(location.path))
    return _decode(data, location.path)


class Stamp(NamedTuple):
    """What stat says about a file's content: it changes whenever the content may have."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int


def stamp_of(st: os.stat_result) -> Stamp:
    return Stamp(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _settled(stamp: Stamp, now_ns: int) -> bool:
    """Whether any change after ``now_ns`` must give the file another stamp.

    The kernel sets ctime to the current time on every change, and nobody can
    set it back; a change within one clock tick of the last one can keep it,
    so a stamp whose ctime is that recent is ambiguous (git's "racy" case).
    """
    margin = _COARSE_MARGIN_NS if stamp.ctime_ns % 1_000_000_000 == 0 else _FINE_MARGIN_NS
    return stamp.ctime_ns + margin < now_ns


class StampedRead(NamedTuple):
    """A store's bytes with the stamp the file had while they were read."""

    data: bytes | None  # None: there was no file
    stamp: Stamp | None
    settled: bool  # the stamp alone proves the content (see _settled)
    read_ns: int  # the clock just before the read: "settled" is judged against it


class StoreChangedError(StoreError):
    """The store is no longer the file that was read: someone else changed it meanwhile."""


def read_stamped(path: Path) -> StampedRead:
    """The store's bytes and stamp, taken before the read and checked after it.

    A read that overlaps a change (the stamp moved, or the path now names
    another file) is repeated, and so is one that may hold half of an O(1)
    append (its undo record is still in the lock file: see append_block);
    a file that never holds still is an error.
    """
    for _ in range(_TORN_READ_RETRIES):
        read_ns = time.time_ns()
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return StampedRead(None, None, settled=True, read_ns=read_ns)
        except OSError as exc:
            raise _read_error(path, exc) from exc
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise StoreError(f"{_show(path)} is a directory, not a store file")
            before = stamp_of(st)
            chunks: list[bytes] = []
            while chunk := os.read(fd, max(before.size + 1, 1 << 16)):
                chunks.append(chunk)
            data = b"".join(chunks)
            after = stamp_of(os.fstat(fd))
        except OSError as exc:
            raise _read_error(path, exc) from exc
        finally:
            os.close(fd)
        try:
            current = stamp_of(path.stat())
        except OSError:
            continue  # replaced or removed right after the read: read again
        if before == after == current and len(data) == before.size:
            if append_pending(path):
                wait_for_appends(path)  # an append is running, or a killed one is undone
                continue
            return StampedRead(data, before, _settled(before, read_ns), read_ns)
    raise StoreError(
        f"{_show(path)} kept changing while vzwatch read it (another program is writing it); "
        "nothing was written: try again"
    )


def still_as_read(path: Path, read: StampedRead) -> bool:
    """Whether the file at ``path`` still holds exactly what ``read`` read.

    The stamp decides when it can (a settled stamp, or one that moved); an
    ambiguous stamp that did not move is settled by comparing the bytes.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return read.stamp is None
    except OSError:
        return False
    if read.stamp is None or stamp_of(st) != read.stamp:
        return False
    if read.settled:
        return True
    try:
        again = read_stamped(path)
    except StoreError:
        return False
    return again.stamp == read.stamp and again.data == read.data


class TomlSyntaxError(StoreError):
    """Invalid TOML, with where and why kept apart for `vzwatch validate`."""

    def __init__(self, message: str, line: int | None, column: int | None, reason: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.reason = reason


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """Parse TOML text; errors become ``PATH:LINE:COL: invalid TOML: REASON``."""
    import re
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        # Python 3.11 puts the position only in the message text.
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", reason)
        if where:
            line, column = int(where[1]), int(where[2])
            reason = reason[: where.start()]
        else:
            end = re.search(r"\s*\(at end of document\)\s*$", reason)
            if end:
                reason = reason[: end.start()] + " (at end of file)"
            line = text.count("\n") + 1
            column = len(text) - (text.rfind("\n") + 1) + 1
            line = getattr(exc, "lineno", None) or line
            column = getattr(exc, "colno", None) or column
        reason = "invalid TOML: " + " ".join(reason.split())  # keep the message on one line
        marker = re.search(r"^<{7}(?: |$)", text, re.MULTILINE)
        marker_line = text.count("\n", 0, marker.start()) + 1 if marker else None
        first = re.search(r"^[ \t]*[^\s#]", text, re.MULTILINE)
        at_first_statement = first is not None and line == text.count("\n", 0, first.start()) + 1
        if at_first_statement and (marker_line is None or marker_line > line):
            # wrong already at its first statement: most likely not a store at all
            reason += " (this does not look like a TOML store: is it the right file?)"
        if marker_line is not None and marker_line <= line:
            # a merge left for a person: say so rather than "invalid statement"
            line, column = marker_line, 1
            reason = (
                "invalid TOML: unresolved merge conflict (<<<<<<< markers): keep the right "
                "version, delete the marker lines, then check with `vzwatch validate`"
            )
        raise TomlSyntaxError(
            f"{_show(path)}:{line}:{column}: {reason}", line, column, reason
        ) from exc
    except RecursionError as exc:
        # tomllib recurses per nesting level; hostile input must not crash us.
        reason = "invalid TOML: nesting is too deep (arrays/tables nested hundreds of levels)"
        raise TomlSyntaxError(f"{_show(path)}: {reason}", None, None, reason) from exc


# --------------------------------------------------------------------------- locking


def _lock_timeout(timeout: float | None) -> float:
    if timeout is not None:
        return max(0.0, timeout)
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= 0:  # also rejects NaN
        raise StoreError(
            f"invalid {LOCK_TIMEOUT_ENV}={raw!r}: expected a number of seconds, e.g. 5 or 0.5"
        )
    return value


def _lock_path(store_path: Path) -> Path:
    # Resolve symlinks first so every path to the same store shares one lock.
    real = Path(os.path.realpath(store_path))
    return real.with_name(real.name + _LOCK_SUFFIX)


def _open_lock_file(store_path: Path, lock_path: Path) -> int:
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        # 0o666 is filtered by the umask, like any file the user creates.
        return os.open(lock_path, flags | os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError as exc:
        try:
            # flock needs only an open descriptor, so a read-only lock file works.
            return os.open(lock_path, flags | os.O_RDONLY)
        except OSError:
            raise StoreError(
                f"cannot create lock file {_show(lock_path)}: {_strerror(exc)}; "
                f"the directory must be writable to change {_show(store_path)}"
            ) from exc
    except FileNotFoundError as exc:
        raise StoreError(
            f"cannot lock {_show(store_path)}: directory {_show(lock_path.parent)} does not exist"
        ) from exc
    except OSError as exc:
        raise StoreError(
            f"cannot create lock file {_show(lock_path)}: {_strerror(exc)}; "
            f"the directory must be writable to change {_show(store_path)}"
        ) from exc


@contextmanager
def write_lock(store_path: Path, timeout: float | None = None) -> Iterator[int]:
    """Hold the store's exclusive write lock, waiting at most ``timeout`` seconds.

    The lock is an flock on ``<store>.lock`` beside the real store file. That
    file is permanent on purpose. Locking the data file itself loses updates:
    atomic_write replaces its inode, so a writer that was waiting on the old
    inode wakes up holding a lock nobody else checks, while a newcomer locks
    the new inode, and both write. Deleting the lock file on release has the
    same race. ``timeout`` defaults to $VZWATCH_LOCK_TIMEOUT, else 5 seconds.

    Yields the lock file's descriptor: :func:`append_block` keeps its undo
    record in that file. What killed writers left behind (an append half
    done, temp files of an atomic write) is cleaned up before anything else
    happens under the lock.
    """
    import fcntl

    wait = _lock_timeout(timeout)
    lock_path = _lock_path(store_path)
    fd = _open_lock_file(store_path, lock_path)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            except OSError as exc:
                raise StoreError(f"cannot lock {_show(lock_path)}: {_strerror(exc)}") from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreLockedError(
                    f"store {_show(store_path)} is locked by another vzwatch process "
                    f"(waited {float(round(wait, 2))} s; set {LOCK_TIMEOUT_ENV} to wait longer)"
                )
            time.sleep(min(_LOCK_POLL_SECONDS, remaining))
        _recover_interrupted_append(store_path, fd)
        # Every writer cleans up after killed ones, the O(1) append path too.
        real = Path(os.path.realpath(store_path))
        _remove_stale_temp_files(real.parent, real.name)
        yield fd
    finally:
        # Closing the descriptor releases the flock; the lock file stays.
        os.close(fd)


# --------------------------------------------------------------------------- writing


def _remove_stale_temp_files(directory: Path, name: str) -> None:
    """Delete temp files a killed writer left behind (we hold the lock, so none are live)."""
    prefix = f".{name}."
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if (
            entry.name.startswith(prefix)
            and entry.name.endswith(_TMP_SUFFIX)
            and len(entry.name) > len(prefix) + len(_TMP_SUFFIX)
        ):
            # Best effort: a leftover temp file never affects the store.
            with suppress(OSError):
                Path(entry.path).unlink()


def _create_temp(directory: Path, name: str, suffix: str) -> tuple[int, Path]:
    """Create a fresh temp file beside the target.

    Not tempfile.mkstemp: that forces mode 0o600. Passing 0o666 to O_CREAT
    lets the kernel apply the umask, so a new store gets the same permissions
    as any other file the user creates, without the racy os.umask() dance.
    """
    while True:
        tmp = directory / f".{name}.{os.urandom(6).hex()}{suffix}"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _ignore_sigxfsz() -> Callable[[], None]:
    """Make an over-size write (ulimit -f) fail with EFBIG instead of killing us."""
    try:
        previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    except ValueError:  # not the main thread: signal handlers cannot be changed
        return lambda: None
    if previous is None:  # set outside Python (embedding host): cannot restore it
        return lambda: None

    def restore() -> None:
        signal.signal(signal.SIGXFSZ, previous)

    return restore


class DirectorySyncError(OSError):
    """The new file is in place, but its directory entry may not survive a crash."""


def _fsync_directory(directory: Path) -> None:
    # The rename lives in the directory entry; without this fsync a crash can
    # bring back the old file even though the new data blocks were synced.
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise DirectorySyncError(exc.errno, exc.strerror, exc.filename) from exc
    finally:
        os.close(dir_fd)


Pieces = list[bytes | memoryview]  # bytes to write one after the other, never joined


def replace_file(
    real: Path,
    data: bytes | Pieces,
    like: os.stat_result | None,
    *,
    expected: StampedRead | None = None,
    temp_suffix: str = _TMP_SUFFIX,
    shown: Path | None = None,
    meanwhile: Callable[[], bool] | None = None,
) -> bool:
    """The one atomic replace, for the store and for output files alike.

    ``data`` goes to a temp file beside ``real`` (the resolved file; its name
    ends in ``temp_suffix``), with the permission bits of ``like`` (the old
    file's stat) and, where allowed, its owner and group; it is fsynced,
    renamed over ``real`` (with ``expected``, exchanged only while ``real``
    still holds what was read: see _swap_in) and the directory is fsynced.

    ``meanwhile`` runs on another thread while the bytes go to disk and says
    whether to go on: False (or an exception, raised here) leaves ``real`` as
    it is and no temp file. Returns whether ``real`` was replaced. Raises
    OSError with ``real`` unchanged and no temp file left, or
    DirectorySyncError once the new file is in place.
    """
    restore_sigxfsz = _ignore_sigxfsz()
    fd: int | None = None
    tmp: Path | None = None
    try:
        fd, tmp = _create_temp(real.parent, real.name, temp_suffix)
        if like is not None:
            # Keep a shared file's group (and owner, if we are root); not
            # allowed for other people's files, and then the new file is ours.
            with suppress(OSError):
                os.fchown(fd, like.st_uid, like.st_gid)
            # After fchown, which may clear setuid/setgid bits.
            os.fchmod(fd, stat.S_IMODE(like.st_mode))
        alongside = _alongside(expected is not None, meanwhile)
        if alongside is None:
            _write_synced(fd, data)
        else:
            # The write and the fsync leave the GIL (10.8 MB: 10–30 ms): the Python
            # that the exchange and the caller need next runs meanwhile.
            from vzwatch.storage.threads import both

            _, going_on = both(partial(_write_synced, fd, data), alongside)
            if not going_on:
                return False  # the temp file goes below
        os.close(fd)
        fd = None
        if expected is None:
            tmp.replace(real)
        else:
            _swap_in(tmp, real, expected, shown or real)
        tmp = None
    finally:
        restore_sigxfsz()
        if fd is not None:
            os.close(fd)
        if tmp is not None:
            with suppress(OSError):
                tmp.unlink()
    _fsync_directory(real.parent)
    return True


def _write_synced(fd: int, data: bytes | Pieces) -> None:
    for piece in [data] if isinstance(data, bytes) else data:
        view = memoryview(piece)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    os.fsync(fd)  # the data must be on disk before the rename makes it the file


def _alongside(exchanging: bool, meanwhile: Callable[[], bool] | None) -> Callable[[], bool] | None:
    """What to do while a temp file is written: the caller's work, and looking up the
    exchange (loading ctypes: 2 ms) when one will follow and it was not looked up yet."""
    looking_up = exchanging and sys.platform == "linux" and not _renameat2_found
    if not looking_up:
        return meanwhile

    def both_of_them() -> bool:
        _renameat2()
        return meanwhile is None or meanwhile()

    return both_of_them


def atomic_write(
    path: Path,
    text: str | bytes | Pieces,
    *,
    expected: StampedRead | None = None,
    meanwhile: Callable[[], bool] | None = None,
) -> bool:
    """Replace the file at ``path`` with ``text`` so readers see old or new, never a mix.

    Writes through symlinks (the target is replaced, the link stays a link),
    keeps the existing permission bits (and, where allowed, owner and group),
    and on any failure leaves the store byte-identical. The caller should hold
    :func:`write_lock`: stale temp files of this store are removed first.

    With ``expected`` (what the caller read), the file is replaced only while
    it still holds that content: checked right before the rename, and again
    on the file the rename took away (see _swap_in). Otherwise nothing is
    replaced and StoreChangedError is raised. ``meanwhile``: see replace_file;
    returns whether the file was replaced (False: ``meanwhile`` said not to).
    """
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
    except UnicodeEncodeError as exc:
        raise StoreError(f"cannot write {_show(path)}: the text is not valid Unicode") from exc

    real = Path(os.path.realpath(path))
    directory, name = real.parent, real.name
    try:
        st: os.stat_result | None = real.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise StoreError(
            f"cannot write {_show(path)}: {_strerror(exc)}; the store is unchanged"
        ) from exc
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise StoreError(f"{_show(path)} is a directory, not a store file")
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"{_show(path)} is not a regular file; refusing to replace it")
        # Mode bits, not os.access(): root passes every access check, but a
        # store someone made read-only should stay unchanged for root too.
        if not st.st_mode & 0o222:
            raise StoreError(
                f"{_show(path)} is read-only; make it writable (chmod u+w) to change it"
            )

    _remove_stale_temp_files(directory, name)
    try:
        return replace_file(real, data, st, expected=expected, shown=path, meanwhile=meanwhile)
    except DirectorySyncError as exc:
        raise StoreError(
            f"wrote {_show(path)} but could not sync its directory: {_strerror(exc)}; "
            "the change may not survive a crash"
        ) from exc
    except OSError as exc:
        raise StoreError(
            f"cannot write {_show(path)}: {_strerror(exc)}; the store is unchanged"
        ) from exc


def _changed(path: Path) -> StoreChangedError:
    return StoreChangedError(f"{_show(path)} changed while vzwatch was writing it")


def _swap_in(tmp: Path, real: Path, expected: StampedRead, shown: Path) -> None:
    """Put ``tmp`` in place of ``real`` only if ``real`` still holds what was read.

    A plain rename cannot make that promise: a program that saves the store
    between our last check and our rename would be overwritten. So the new
    file is exchanged with the old one (renameat2 RENAME_EXCHANGE, atomic),
    and the file that comes out is checked; if it is not the one we read, the
    exchange is undone. A new store is linked into place, which fails if a
    file appeared meanwhile. Where the exchange is not available the window
    is the few microseconds between the check and the rename.
    """
    if expected.stamp is None:  # no store yet: create it, but never over one made meanwhile
        if not still_as_read(real, expected):
            raise _changed(shown)
        try:
            os.link(tmp, real)
        except FileExistsError:
            raise _changed(shown) from None
        except OSError:  # no hard links here (some network or FAT file systems)
            tmp.replace(real)
            return
        tmp.unlink()
        return
    # The stamp alone here: the bytes are compared on the file the exchange takes away.
    if not _stamp_unchanged(real, expected):
        raise _changed(shown)
    if not _exchange(tmp, real):
        if not still_as_read(real, expected):
            raise _changed(shown)
        tmp.replace(real)
        return
    # tmp now names the old store. A rename may change its ctime, not the rest.
    if not _is_the_file_read(tmp, expected):
        try:
            back = _exchange(tmp, real)  # put the other program's file back; ours goes away
        except OSError:
            back = False
        if not back:  # never seen: the exchange just worked. Keep their file, say where.
            saved = real.with_name(f"{real.name}.saved-{os.urandom(3).hex()}")
            with suppress(OSError):
                tmp.replace(saved)
            raise StoreError(
                f"{_show(shown)} was changed by another program while vzwatch wrote it; "
                f"their version is kept as {_show(saved)}"
            )
        raise _changed(shown)
    tmp.unlink()  # the old store; a crash before this leaves a temp file the next write removes


def _stamp_unchanged(path: Path, expected: StampedRead) -> bool:
    try:
        return stamp_of(path.stat()) == expected.stamp
    except OSError:
        return False


def _is_the_file_read(path: Path, expected: StampedRead) -> bool:
    stamp = expected.stamp
    try:
        now = stamp_of(path.stat())
    except OSError:
        return False
    if stamp is None or now[:4] != stamp[:4]:
        return False
    if expected.settled:
        return True
    try:
        return expected.data is not None and _holds(path, expected.data)
    except OSError:
        return False


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data``: read a piece at a time into one
    small buffer, since a copy of a store of many megabytes costs more in fresh memory
    (10.8 MB: 8 ms) than comparing it (3.5 ms)."""
    piece = memoryview(bytearray(_COMPARED_PIECE))
    at = 0
    with path.open("rb", buffering=0) as handle:
        while count := handle.readinto(piece):
            if not data.startswith(piece[:count], at):
                return False
            at += count
    return at == len(data)


_renameat2_found: list[Any] = []  # once looked up: [libc's renameat2, or None]


def _renameat2() -> Any:
    """libc's renameat2 (None: a libc without it, glibc < 2.28, musl < 1.2.?)."""
    if not _renameat2_found:
        import ctypes

        try:
            found = ctypes.CDLL(None, use_errno=True).renameat2
        except (OSError, AttributeError):
            found = None
        _renameat2_found.append(found)
    return _renameat2_found[0]


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two directory entries; False where the system cannot."""
    if sys.platform != "linux":
        return False
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    import ctypes

    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange):
        code = ctypes.get_errno()
        if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            return False  # this file system cannot exchange: fall back to a rename
        raise OSError(code, os.strerror(code), os.fspath(second))
    return True


# --------------------------------------------------------------------------- O(1) appends
#
# Appending a record to a 65 MB store by rewriting it (atomic_write) costs
# seconds; append_block writes only the new bytes, with the same promises:
#
# * under the write lock, and only when the caller knows the old text is
#   valid (the parse cache vouches for it, keyed so it cannot be stale) and
#   has checked that the old text plus the new block parses and validates;
# * before the first byte is appended, an undo record (the store's device,
#   inode and old size, and the exact bytes about to be appended) is written
#   to the lock file and fsynced; after the append is fsynced it is cleared;
# * on any error the store is truncated back to its old size, byte-identical;
# * a writer killed mid-append (SIGKILL, power loss) leaves the undo record:
#   the next process that takes the lock, or any reader that notices it,
#   truncates the store back to the old size if, and only if, what follows
#   the old end is a strict prefix of the recorded bytes. A complete append
#   is kept (it parses: it was validated before it was written); anything
#   else (the file was replaced or edited since) is left alone.


def append_pending(store_path: Path) -> bool:
    """Whether the lock file holds an undo record (an append is running or was cut short)."""
    try:
        return _lock_path(store_path).stat().st_size > 0
    except OSError:
        return False


def wait_for_appends(store_path: Path) -> None:
    """Wait until no append is running, repairing one a killed writer left behind."""
    try:
        with write_lock(store_path):
            pass
    except StoreLockedError:
        raise
    except StoreError:
        pass  # cannot lock (read-only directory): read what is there


def _undo_record(st: os.stat_result, data: bytes) -> bytes:
    return _UNDO_MAGIC + f"{st.st_dev} {st.st_ino} {st.st_size}\n".encode() + data


def _recover_interrupted_append(store_path: Path, lock_fd: int) -> None:
    """Undo a half-done append recorded in the lock file (we hold the lock)."""
    try:
        size = os.fstat(lock_fd).st_size
        if size == 0:
            return
        record = os.pread(lock_fd, size, 0)
    except OSError:
        return
    if record.startswith(_UNDO_MAGIC):
        header, _, data = record[len(_UNDO_MAGIC) :].partition(b"\n")
        try:
            dev, ino, start = (int(field) for field in header.split())
        except ValueError:
            dev = ino = start = -1
        if start >= 0:
            _truncate_partial_append(store_path, dev, ino, start, data)
    # Without the undo record the append never started; with it, it is now undone.
    with suppress(OSError):
        os.ftruncate(lock_fd, 0)
        os.fsync(lock_fd)


def _truncate_partial_append(store_path: Path, dev: int, ino: int, start: int, data: bytes) -> None:
    real = os.path.realpath(store_path)
    try:
        fd = os.open(real, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (dev, ino) or not start < st.st_size < start + len(data):
            return  # nothing appended, the append completed, or another file: leave it
        if os.pread(fd, st.st_size - start, start) != data[: st.st_size - start]:
            return  # someone else changed the end of the file: not ours to cut
        os.ftruncate(fd, start)
        os.fsync(fd)
    except OSError as exc:
        raise StoreError(
            f"cannot undo an interrupted append to {_show(store_path)}: {_strerror(exc)}"
        ) from exc
    finally:
        os.close(fd)


def append_block(
    store_path: Path, lock_fd: int, data: bytes, expected: Stamp | tuple[int, ...]
) -> os.stat_result | None:
    """Append ``data`` to the store in O(1), durably; the caller holds the lock.

    ``expected`` is the full stamp (device, inode, size, mtime, ctime) of the
    store whose text the caller validated; the file must still have it when
    the append starts and again right before its first byte is written (a
    program rewriting the store in place, even to the same size, moves it).
    Returns the store's stat after the append, or None when the fast path
    cannot be used (the file is not the expected one, or the lock file is
    read-only): the caller then falls back to write_store, which reads the
    store again. Raises StoreError, with the store byte-identical, when the
    write fails.
    """
    real = os.path.realpath(store_path)
    try:
        fd = os.open(real, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _is_expected(real, st, expected):
            return None
        if not st.st_mode & 0o222:
            raise StoreError(
                f"{_show(store_path)} is read-only; make it writable (chmod u+w) to change it"
            )
        try:
            os.ftruncate(lock_fd, 0)
            os.pwrite(lock_fd, _undo_record(st, data), 0)
            os.fsync(lock_fd)
        except OSError:
            return None
        if not _is_expected(real, os.fstat(fd), expected):
            # Changed while the undo record was written: nothing appended, and the
            # record describes no append of ours (recovery leaves a changed file alone).
            with suppress(OSError):
                os.ftruncate(lock_fd, 0)
                os.fsync(lock_fd)
            return None
        _write_appended(store_path, fd, st.st_size, data)
        after = os.fstat(fd)
    finally:
        os.close(fd)
    with suppress(OSError):
        os.ftruncate(lock_fd, 0)  # a leftover record is harmless: the append is complete
        os.fsync(lock_fd)
    return after


def _is_expected(real: str, st: os.stat_result, expected: Stamp | tuple[int, ...]) -> bool:
    """The open file is the store the caller validated, and the path still names it."""
    if tuple(stamp_of(st)) != tuple(expected):
        return False
    try:
        return tuple(stamp_of(Path(real).stat())) == tuple(expected)
    except OSError:
        return False


def _write_appended(store_path: Path, fd: int, old_size: int, data: bytes) -> None:
    restore_sigxfsz = _ignore_sigxfsz()
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError as exc:
        try:
            os.ftruncate(fd, old_size)
            os.fsync(fd)
        except OSError:
            pass  # the undo record stays in the lock file; the next writer undoes it
        raise StoreError(
            f"cannot write {_show(store_path)}: {_strerror(exc)}; the store is unchanged"
        ) from exc
    finally:
        restore_sigxfsz()


def write_store(
    location: StoreLocation,
    edit: Callable[[str], tuple[str, Result]],
    check: Callable[[str], object],
    *,
    timeout: float | None = None,
) -> tuple[str, Result]:
    """Run one read-check-edit-check-write transaction on the store under its lock.

    ``check`` raises StoreError for invalid text; ``edit`` maps old text to
    the new text and what it did (the result the command reports). Nothing is
    written if either raises, or if the edit changes nothing. When the file
    changes between the read and the replace (someone saved it by hand),
    ``check`` and ``edit`` run again on the new text, at most
    ``_WRITE_ATTEMPTS`` times, then StoreChangedError; so both must be safe to
    repeat. Returns the store's text after the transaction and the result of
    the edit that made it.
    """
    path = location.path
    if location.source == "user":
        # The lock file lives beside the store, so the per-user directory must
        # exist before locking (the store file itself is only written on change).
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create directory {_show(path.parent)} for the per-user store: "
                f"{_strerror(exc)}"
            ) from exc
    else:
        parent = Path(os.path.realpath(path)).parent
        if not parent.is_dir():
            raise StoreError(
                f"cannot create {_show(path)}: directory {_show(parent)} does not exist"
            )

    with write_lock(path, timeout):
        for _ in range(_WRITE_ATTEMPTS):
            read = read_stamped(path)
            if read.data is not None:
                old = _decode(read.data, path)
            elif location.source == "user":
                old = bundled_store_text()
            else:
                old = ""  # a new store; write_store creates it
            check(old)
            new, result = edit(old)
            check(new)
            if new == old:
                return new, result
            try:
                # A hand edit saved meanwhile (editors take no lock) must not be lost:
                # edit the store again from its new text instead.
                atomic_write(path, new, expected=read)
            except StoreChangedError:
                continue
            return new, result
    raise StoreChangedError(
        f"{_show(path)} kept changing while vzwatch was changing it (another program is "
        f"writing it); nothing was written after {_WRITE_ATTEMPTS} tries: try again"
    )


def append_text(old: str, chunk: str) -> str:
    """Append a TOML chunk so it starts on its own line after exactly one blank line,
    in the store's own line endings (those of its last line break, so a store without a
    final newline keeps them too)."""
    chunk = chunk.lstrip("\r\n")
    if not chunk:
        return old
    body = old.rstrip("\r\n")
    if not body:
        return chunk
    if line_ending(old) == "\r\n":  # a store saved with Windows line endings keeps them
        return body + "\r\n\r\n" + chunk.replace("\r\n", "\n").replace("\n", "\r\n")
    return body + "\n\n" + chunk


def line_ending(text: str) -> str:
    """The text's line ending: that of its last line break ("\n" when it has none)."""
    last = text.rfind("\n")
    return "\r\n" if last > 0 and text[last - 1] == "\r" else "\n"
