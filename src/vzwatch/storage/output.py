"""Writing an output file (a picture, an export) without ever clobbering the store.

The file is written to a temporary file beside it and renamed over the target,
so a reader (a browser, a calendar subscription, a sync client) sees the old
file or the new one, never half of one.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from vzwatch.domain.errors import UsageError

__all__ = ["write_output"]


def _show(path: Path) -> str:
    text = os.fspath(path)
    return text if text.isprintable() else repr(text)


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return a.samefile(b)  # hard links
    except OSError:
        return False


def write_output(path: Path, data: str | bytes, *, store: Path) -> None:
    """Atomically replace ``path`` with ``data`` (UTF-8 for text).

    Refuses the store itself and its lock file (an export must never replace
    the data it came from). Problems are usage errors: exit code 2.
    """
    lock = Path(os.path.realpath(store) + ".lock")
    if _same_file(path, store) or _same_file(path, lock):
        raise UsageError(f"{_show(path)} is the store itself; choose another output file")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    real = Path(os.path.realpath(path))
    if real.is_dir():
        raise UsageError(f"cannot write {_show(path)}: it is a directory")
    directory = real.parent
    if not directory.is_dir():
        raise UsageError(f"cannot write {_show(path)}: directory {_show(directory)} does not exist")
    try:
        mode = real.stat().st_mode & 0o7777
    except OSError:
        mode = None
    tmp = directory / f".{real.name}.{os.urandom(6).hex()}.vzwatch-out"
    try:
        # 0o666 filtered by the umask, like any new file; an existing file keeps its mode.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(real)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise UsageError(f"cannot write {_show(path)}: {exc.strerror or exc}") from None
