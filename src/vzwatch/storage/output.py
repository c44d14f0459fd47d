"""Writing an output file (a picture, an export) without ever clobbering the store.

The file is replaced by the store's own atomic replace (``store.replace_file``:
a temporary file beside it, fsynced, renamed over the target, the directory
fsynced), so a reader (a browser, a calendar subscription, a sync client)
sees the old file or the new one, never half of one, also after a crash.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from vzwatch.domain.errors import UsageError
from vzwatch.storage.store import DirectorySyncError, replace_file

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


def write_output(path: Path, data: str | bytes, *, store: Path | Sequence[Path]) -> None:
    """Atomically replace ``path`` with ``data`` (UTF-8 for text).

    Refuses the store itself (each store, for a view of several) and its lock
    file: an export must never replace the data it came from. Problems are
    usage errors: exit code 2.
    """
    for each in [store] if isinstance(store, Path) else store:
        lock = Path(os.path.realpath(each) + ".lock")
        if _same_file(path, each) or _same_file(path, lock):
            raise UsageError(f"{_show(path)} is the store itself; choose another output file")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    real = Path(os.path.realpath(path))
    if real.is_dir():
        raise UsageError(f"cannot write {_show(path)}: it is a directory")
    directory = real.parent
    if not directory.is_dir():
        raise UsageError(f"cannot write {_show(path)}: directory {_show(directory)} does not exist")
    try:
        like: os.stat_result | None = real.stat()  # an existing file keeps its mode
    except OSError:
        like = None
    try:
        # Its own temp suffix: a store's writer removes stale temp files of the store only.
        replace_file(real, payload, like, temp_suffix=".vzwatch-out")
    except DirectorySyncError as exc:
        raise UsageError(
            f"wrote {_show(path)} but could not sync its directory: {exc.strerror or exc}; "
            "it may not survive a crash"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot write {_show(path)}: {exc.strerror or exc}") from None
