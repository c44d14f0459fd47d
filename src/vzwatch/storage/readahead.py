"""The store read on a second thread while the interpreter is still starting.

Before any command code runs, a run spends ~40 ms importing Typer and vzwatch,
all of it holding the GIL on one CPU. A command that will read a big store's
bytes (a read after the store changed, a write in place) then spends ~15 ms of
a 10 MB store reading them and hashing them for the parse cache, work that
leaves the GIL. So the CLI edge starts that read here as soon as it knows the
command and the store (`start`), and the command takes the bytes (`read_stamped`)
instead of reading them again.

Nothing here decides anything:

- The thread reads only when the cache entry says the command will need the
  bytes (`cache.read_ahead`): a store proved by its stamp is not read at all.
  It hashes them whole only for an entry that holds the whole digest; that
  digest is remembered as what it is, the digest of those bytes, never as a
  verdict about the file.
- The bytes are taken only if the file's stamp is still the one they were read
  with and no append is half done, by the command's own `read_stamped` call, once.
  Their read time is when the thread read them, so the racy-stamp rules
  (`store.still_as_read`, the cache's "settled") judge them as of that earlier
  moment, never later.
- Any failure, any doubt, leaves the command to read the store itself, exactly
  as without the read-ahead.
"""

from __future__ import annotations

import stat
from pathlib import Path

from vzwatch.storage import store

__all__ = ["WORTH_BYTES", "read_stamped", "start"]

# Below this the read costs less than starting a thread (~0.1 ms).
WORTH_BYTES = 1 << 20


class _Ahead:
    """One read-ahead: the store it reads, its thread, and what it read."""

    def __init__(self, path: Path) -> None:
        import threading

        self.path = path
        self.read: store.StampedRead | None = None
        self.thread = threading.Thread(target=self.run, name="vzwatch-readahead", daemon=True)

    def run(self) -> None:
        from vzwatch.storage import cache

        try:
            st = self.path.stat()
            if stat.S_ISREG(st.st_mode):
                self.read = cache.read_ahead(self.path, st, store.read_stamped)
        except Exception:  # noqa: BLE001 - the command reads the store itself and says what is wrong
            self.read = None


_pending: _Ahead | None = None


def start(path: Path) -> None:
    """Read the store at ``path`` on a thread, if it is big enough to be worth it."""
    global _pending
    _pending = None  # one read-ahead per command: an earlier one is never taken
    try:
        if path.stat().st_size < WORTH_BYTES:
            return
    except OSError:
        return
    ahead = _Ahead(path)
    ahead.thread.start()
    _pending = ahead


def read_stamped(path: Path) -> store.StampedRead:
    """``store.read_stamped(path)``: what the read-ahead read, if it read this store and
    the file is still that one; else the store read now."""
    global _pending
    ahead, _pending = _pending, None
    if ahead is not None and ahead.path == path:
        ahead.thread.join()
        read = ahead.read
        if read is not None and read.stamp is not None and _still(path, read.stamp):
            return read
    return store.read_stamped(path)


def _still(path: Path, stamp: store.Stamp) -> bool:
    """Whether the file at ``path`` still has ``stamp``, with no append half done."""
    try:
        return store.stamp_of(path.stat()) == stamp and not store.append_pending(path)
    except OSError:
        return False
