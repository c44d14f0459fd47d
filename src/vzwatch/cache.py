"""The parse cache: a validated store, kept in a form that loads 20x faster than TOML.

tomllib reads about 3 MB/s, so a 10k-initiative store (6.5 MB) takes seconds
to parse and validate. The cache keeps the validated records of each store
as marshal frames in ``$XDG_CACHE_HOME/vzwatch`` (else ``~/.cache/vzwatch``),
one file per store, named by a hash of the store's real path. It is never a
reason for a command to fail: any problem reading or writing it is a miss,
and deleting the directory is always safe. ``VZWATCH_NO_CACHE=1`` bypasses it.

**Never stale.** An entry describes one content of the store: the content's
BLAKE2b digest (per appended segment) and the stat stamp the store had
(device, inode, size, mtime_ns, ctime_ns). A read trusts the stamp alone only
when the entry is *settled*: the store's ctime is more than a margin (1 s,
3 s on file systems with whole-second times) older than the moment the entry
was recorded. The kernel sets ctime to the current time on every change to
the file (write, truncate, chmod, utime) and no program can set it back, so a
change after a settled entry was recorded gets a newer ctime and the stamp no
longer matches. An entry that is not settled ("racy", as git calls it: the
file changed within the clock's granularity of the recording, e.g. a hand
edit in the same second with the same size) is checked by hashing the file's
bytes, like any stamp mismatch; a digest mismatch is a miss. The one
exception is an entry vzwatch records right after its own O(1) append, under
the write lock, from fstat after fsync: it is trusted at once, see
docs/performance.md for the argument and its limit.

File layout: frames of ``<length:4><crc32:4><marshal>``: header, head
(portfolio fields, pillars, appendable tables), ids (one newline-separated
string: loading 100k ids as one string takes 1 ms, as 100k strings and a set
20 ms, which was most of an O(1) append's time), chunk offsets, the rows
in chunks of ``_CHUNK_ROWS`` (so one row can be read without loading them
all: ``progress`` on a 100k store), then one frame per append (rows, new
state); the last state wins. An appended row replaces the row with the same
id (``progress`` rewrites its initiative's row) or, for a new id (``add``),
comes after all others. A torn or corrupt frame makes the whole file a miss.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import time
import zlib
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from itertools import accumulate, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from vzwatch import __version__, schema
from vzwatch.errors import StoreError
from vzwatch.model import Initiative, Portfolio, ProgressEntry
from vzwatch.quarters import FiscalCalendar

if TYPE_CHECKING:
    from vzwatch.store import StampedRead

__all__ = [
    "NO_CACHE_ENV",
    "AppendTarget",
    "RowTest",
    "Snapshot",
    "append_target",
    "cache_directory",
    "entry_path",
    "lookup",
    "remember",
    "row_of",
    "snapshot",
]

NO_CACHE_ENV = "VZWATCH_NO_CACHE"
# 2: the status history; 3: rows in chunks, appended rows replace; 4: ids joined;
# 5: runs (block digests -> validated payloads), the stamp taken before the read
_FORMAT = 5
_HEADER = "vzwatch-cache"
_FINE_MARGIN_NS = 1_000_000_000
_COARSE_MARGIN_NS = 3_000_000_000
_APPENDABLE = ("initiatives", "progress")
_ROOT_PREFIX_TRIES = 64
_CHUNK_ROWS = 256
_SEARCHES_BEFORE_SET = 8

Stamp = tuple[int, int, int, int, int]
Row = tuple[Any, ...]
# What one run of the store holds, validated: ("i", bare initiative row) — or ("i", id)
# where the cached row of that id is the run's record —, ("p", initiative, ordinal,
# percent, note), ("h", initiative, ordinal, field, from, to), or ("r",) for the rest
# (the head, [portfolio], pillars, other tables), which must stay byte-identical.
Payload = tuple[Any, ...]
_REST: Payload = ("r",)
_RUN_TABLES = {"initiatives": "i", "progress": "p", "history": "h"}
_MAX_CHANGED_SHARE = 4  # past 1/4 of the runs changed, a whole parse is as cheap
_DIGEST_SIZE = 16
_SCANS_BEFORE_DICT = 64
_PAYLOAD_CHUNK = 4096
_ENDS_STEP = 4096
_GROUP_RUNS = 64
_ROWS_PLACED_BY_SEARCH = 32
_NEAR_RUNS = 64  # a change of more runs than this takes the general path
# Marks a frame of run digests (where a frame has its CRC: a CRC never equals it
# by accident in a way that matters, since a misread frame is a miss anyway).
_SEQUENCE_MARK = b"\xffRUN"
_VIEWS_MARK = b"\xffVUE"  # a frame of rendered views (see _Entry.views)
# Which initiatives to build, asked of (status, index of the end quarter or None).
RowTest = Callable[[str, int | None], bool]
_STATUS, _END = schema.STATUS_COLUMN, schema.END_COLUMN  # where row_of puts them


def cache_directory(env: Mapping[str, str] | None = None) -> Path | None:
    """Where cache files live, or None when caching is off (VZWATCH_NO_CACHE)."""
    env = os.environ if env is None else env
    if env.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "vzwatch"
    if sys.platform == "win32":  # pragma: no cover
        local = env.get("LOCALAPPDATA", "")
        return Path(local) / "vzwatch" / "cache" if local else None
    home = env.get("HOME", "")
    if not (home and Path(home).is_absolute()):
        try:
            home = str(Path.home())
        except (RuntimeError, KeyError, OSError):
            return None
    return Path(home) / ".cache" / "vzwatch"


def entry_path(store_path: Path, directory: Path) -> Path:
    """The cache file of a store: named by checksums of its real path (no hashlib import,
    which costs 3 ms of start-up); the header repeats the path, so a clash is a miss."""
    real = os.fsencode(os.path.realpath(store_path))
    return directory / f"{zlib.crc32(real):08x}{zlib.adler32(real):08x}.v{_FORMAT}"


def _fingerprint() -> tuple[Any, ...]:
    """Changes whenever the code that produced the records may have changed."""
    from vzwatch import model, quarters

    parts: list[Any] = [_FORMAT, __version__, sys.version_info[:2]]
    for module_file in (model.__file__, schema.__file__, quarters.__file__, __file__):
        st = Path(module_file or "").stat()
        parts.append((st.st_size, st.st_mtime_ns))
    return tuple(parts)


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


_last_digest: tuple[bytes | memoryview, bytes] | None = None


def _digest(data: bytes | memoryview) -> bytes:
    """BLAKE2b of the bytes; the same bytes object asked twice in a run is hashed once."""
    import hashlib

    global _last_digest
    if _last_digest is not None and _last_digest[0] is data:
        return _last_digest[1]
    found = hashlib.blake2b(data, digest_size=32).digest()
    _last_digest = (data, found)
    return found


def _settled(stamp: Stamp, recorded_ns: int) -> bool:
    ctime_ns = stamp[4]
    margin = _COARSE_MARGIN_NS if ctime_ns % 1_000_000_000 == 0 else _FINE_MARGIN_NS
    return ctime_ns + margin < recorded_ns


# --- records <-> rows ----------------------------------------------------------


def row_of(item: Initiative) -> Row:
    """The cache's flat form of one initiative."""
    return schema.initiative_row(item)


def _bare_row(item: Initiative) -> Row:
    """The row of an initiative without its logs: what its own run holds."""
    return row_of(replace(item, progress_log=(), history=()))


def _with_logs(bare: Row, log: list[Row], history: list[Row]) -> Row:
    """A bare row with its logs, in the order loading the store gives them."""
    log.sort(key=_date_of)  # stable: same-day entries keep file order
    history.sort(key=_date_of)
    return (*bare[:-2], tuple(log), tuple(history))


def _date_of(entry_row: Row) -> Any:
    return entry_row[1]  # (initiative, date ordinal, …): see schema.progress_row


def _initiatives(rows: Iterable[Row]) -> list[Initiative]:
    return list(map(schema.initiative_from_row, rows))


def _head(portfolio: Portfolio, appendable: tuple[str, ...]) -> tuple[Any, ...]:
    return (schema.portfolio_row(portfolio), appendable)


def _fields_of(head: tuple[Any, ...]) -> Portfolio:
    """The portfolio-wide fields a head keeps, as a Portfolio without initiatives."""
    return schema.portfolio_from_row(head[0])


# --- the file ------------------------------------------------------------------


def _frame(value: Any) -> bytes:
    body = marshal.dumps(value)
    return len(body).to_bytes(4, "little") + zlib.crc32(body).to_bytes(4, "little") + body


def _read_frame(handle: BinaryIO) -> Any:
    prefix = handle.read(8)
    if len(prefix) < 8:
        raise EOFError
    length = int.from_bytes(prefix[:4], "little")
    crc = int.from_bytes(prefix[4:], "little")
    body = handle.read(length)
    if len(body) != length or zlib.crc32(body) != crc:
        raise ValueError("torn or corrupt cache frame")
    # Our own file in the user's cache dir; marshal builds data, it never runs code.
    return marshal.loads(body)  # noqa: S302


class _State(NamedTuple):  # NamedTuples, not dataclasses, here: cheaper to define at start-up
    stamp: Stamp
    recorded_ns: int
    segments: tuple[tuple[int, bytes], ...]  # (end offset, digest of the bytes since the last end)
    tail: bytes  # the store's last three bytes
    trusted: bool

    def as_tuple(self) -> tuple[Any, ...]:
        return ("state", *self)

    def fresh_for(self, stamp: Stamp) -> bool:
        return stamp == self.stamp and (self.trusted or _settled(stamp, self.recorded_ns))

    def describes(self, data: bytes) -> bool:
        if not self.segments or self.segments[-1][0] != len(data):
            return False
        if len(self.segments) == 1:  # the whole bytes: hashed once per run of vzwatch
            return _digest(data) == self.segments[0][1]
        view, start = memoryview(data), 0
        for end, digest in self.segments:
            if _digest(view[start:end]) != digest:
                return False
            start = end
        return True


def _frames(data: bytes) -> Iterable[Any]:
    """The values of consecutive frames held in ``data``."""
    view, position = memoryview(data), 0
    while position < len(data):
        length = int.from_bytes(view[position : position + 4], "little")
        crc = int.from_bytes(view[position + 4 : position + 8], "little")
        body = view[position + 8 : position + 8 + length]
        if len(body) != length or zlib.crc32(body) != crc:
            raise ValueError("torn or corrupt cache frame")
        yield marshal.loads(body)  # noqa: S302 - see _read_frame
        position += 8 + length


class Ids(Collection[str]):
    """The ids of a cached store, kept as one ``\n``-separated string (ids have no newline).

    A lookup is a substring search at memory speed (1 ms in a 100k store); a
    caller that asks many times (``add`` trying title-2, title-3…) gets a set
    built once. A 100k store's ids become 100k objects only if iterated.
    """

    def __init__(
        self, joined: str, added: Iterable[str] = (), removed: Collection[str] = ()
    ) -> None:
        self.joined = joined  # "\nfirst\nsecond\n…\nlast\n", or "\n" when empty
        self.added = set(added)  # ids of appended rows: new ones, or updates of existing ones
        self.removed = frozenset(removed)  # ids of the joined ones that are gone
        self._searches = 0
        self._set: set[str] | None = None

    def _in_joined(self, ident: str) -> bool:
        if self._set is None:
            self._searches += 1
            if self._searches <= _SEARCHES_BEFORE_SET:
                return "\n" not in ident and f"\n{ident}\n" in self.joined
            self._set = set(self.joined[1:-1].split("\n"))
        return ident in self._set

    def __contains__(self, ident: object) -> bool:
        return (
            isinstance(ident, str)
            and ident not in self.removed
            and (ident in self.added or self._in_joined(ident))
        )

    def __iter__(self) -> Iterator[str]:
        if len(self.joined) > 1:
            joined = self.joined[1:-1].split("\n")
            yield from (i for i in joined if i not in self.removed) if self.removed else joined
        yield from sorted(ident for ident in self.added if not self._in_joined(ident))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def starting_with(self, prefix: str) -> set[str]:
        """The ids that start with ``prefix``, in one pass over the text."""
        found = {ident for ident in self.added if ident.startswith(prefix)}
        needle, joined = "\n" + prefix, self.joined
        at = joined.find(needle)
        while at >= 0 and at + 1 < len(joined):
            end = joined.index("\n", at + 1)
            found.add(joined[at + 1 : end])
            at = joined.find(needle, end)
        return found - self.removed

    def position(self, ident: str) -> int | None:
        """Where ``ident`` is among the ids the rows were written with."""
        at = self.joined.find(f"\n{ident}\n") if "\n" not in ident else -1
        return None if at < 0 else self.joined.count("\n", 0, at)


def _joined(ids: Iterable[str]) -> str:
    return "\n" + "".join(f"{ident}\n" for ident in ids)


class _Entry:
    """An open cache file: header, head, ids and appends read; rows read on demand."""

    def __init__(self, path: Path, handle: BinaryIO, path_of_store: Path) -> None:
        self.path = path
        self.handle = handle
        self.inode = os.fstat(handle.fileno()).st_ino
        header = _read_frame(handle)
        if header != (_HEADER, _fingerprint(), os.path.realpath(path_of_store)):
            raise ValueError("cache from another vzwatch")
        self.head: tuple[Any, ...] = _read_frame(handle)
        joined = _read_frame(handle)
        if not (isinstance(joined, str) and joined.startswith("\n") and joined.endswith("\n")):
            raise ValueError("cache ids are not joined")
        self.ids = Ids(joined)
        # Chunk k's frame starts at chunks_at + offsets[k]; offsets[-1] is where they end.
        self.offsets: tuple[int, ...] = _read_frame(handle)
        self.chunks_at = handle.tell()
        # The runs frame follows the chunks; only a read after a change loads it.
        self.runs_at = self.chunks_at + self.offsets[-1]
        handle.seek(self.runs_at)
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise ValueError("cache without runs")
        self.appends_at = self.runs_at + 8 + int.from_bytes(prefix[:4], "little")
        handle.seek(self.appends_at)
        self.appends: list[tuple[Row, ...]] = []
        self.appended_runs: list[tuple[tuple[bytes, Payload], ...]] = []
        self.removed: set[str] = set()  # ids removed since the chunks were written
        # Runs O(1) appends added after the latest sequence: (digest, (separator, run) sizes).
        self.tail_runs: list[tuple[bytes, tuple[int, int]]] = []
        self.sequence_at: int | None = None  # the latest frame of run digests, if any
        # In file order: ("views", offset, size) frames, and ("rows", ids) that outdate them.
        self.view_events: list[tuple[Any, ...]] = []
        self.view_bytes = 0
        state: _State | None = None
        while True:
            prefix = handle.read(8)
            if len(prefix) == 8 and prefix[4:] == _VIEWS_MARK:
                size = int.from_bytes(prefix[:4], "little")
                self.view_events.append(("views", handle.tell(), size))
                self.view_bytes += 8 + size
                handle.seek(size, os.SEEK_CUR)
                continue
            if len(prefix) == 8 and prefix[4:] == _SEQUENCE_MARK:
                # Run digests after a change: only the next read after a change needs them.
                self.sequence_at = handle.tell()
                self.tail_runs.clear()
                handle.seek(int.from_bytes(prefix[:4], "little"), os.SEEK_CUR)
                continue
            handle.seek(-len(prefix), os.SEEK_CUR)
            try:
                frame = _read_frame(handle)
            except EOFError:
                break
            kind, rows, state_tuple, runs, removed, sizes = frame
            if kind == "appended":  # an O(1) append: its run follows the last one
                self.tail_runs.extend((key, sizes) for key, _ in runs)
            elif kind != "append":
                raise ValueError("unknown cache frame")
            self.appends.append(rows)
            self.appended_runs.append(runs)
            if rows or removed:
                self.view_events.append(("rows", {row[0] for row in rows} | set(removed)))
            if any(row[0] in self.removed for row in rows):
                raise ValueError("an id removed and added again: parse the store")
            self.removed.update(removed)
            state = _State(*state_tuple[1:])
        if state is None:
            raise ValueError("cache without state")
        self.state = state
        self.end = handle.tell()

    def rows(self) -> list[Row]:
        """Every row, in the store's order, appends applied."""
        if self.handle.closed:  # after `with entry.handle`: read this very file again
            with open(self.path, "rb") as handle:  # noqa: PTH123
                if os.fstat(handle.fileno()).st_ino != self.inode:
                    raise ValueError("cache entry replaced")
                handle.seek(self.chunks_at)
                region = handle.read(self.offsets[-1])
        else:
            self.handle.seek(self.chunks_at)
            region = self.handle.read(self.offsets[-1])
        if len(region) != self.offsets[-1]:
            raise ValueError("torn cache file")
        rows: list[Row] = []
        for chunk in _frames(region):
            rows.extend(chunk)
        if len(rows) != self.ids.joined.count("\n") - 1:
            raise ValueError("cache rows do not match its ids")
        appended = sum(map(len, self.appends))
        # A few appended rows are placed by searching the joined ids (C speed); many,
        # by a dict of every id (60 ms on 100k).
        position: dict[str, int] = (
            {ident: index for index, ident in enumerate(self.ids)}
            if appended > _ROWS_PLACED_BY_SEARCH
            else {}
        )
        for added in self.appends:
            for row in added:
                ident = row[0]
                index = position.get(ident)
                if index is None and appended <= _ROWS_PLACED_BY_SEARCH:
                    index = self.ids.position(ident)
                if index is None:
                    position[ident] = len(rows)
                    rows.append(row)
                else:
                    position[ident] = index
                    rows[index] = row
        if self.removed:
            rows = [row for row in rows if row[0] not in self.removed]
        return rows

    def row(self, ident: str) -> Row | None:
        """The current row of one initiative, reading one chunk at most."""
        if ident in self.removed:
            return None
        for added in reversed(self.appends):
            for appended in reversed(added):
                if appended[0] == ident:
                    return appended
        index = self.ids.position(ident)
        if index is None:
            return None
        with open(self.path, "rb") as handle:  # noqa: PTH123 - the entry's own may be closed
            if os.fstat(handle.fileno()).st_ino != self.inode:
                return None
            handle.seek(self.chunks_at + self.offsets[index // _CHUNK_ROWS])
            row: Row = _read_frame(handle)[index % _CHUNK_ROWS]
        return row if row[0] == ident else None

    def snapshot(self) -> Snapshot:
        return Snapshot(_fields_of(self.head), rows=self.rows(), entry=self)

    def runs(self) -> Runs | None:
        """The runs of the content this entry was made from, appended ones included
        (None: the store has a layout the run path does not handle)."""
        self.handle.seek(self.runs_at)
        recorded = _read_frame(self.handle)
        if recorded is None:
            return None
        digests, rest, lengths, chunks, groups = recorded
        known = Known(digests, chunks)
        for added in self.appended_runs:
            known.update(added)
        if self.sequence_at is not None:
            self.handle.seek(self.sequence_at - 8)
            size = int.from_bytes(self.handle.read(4), "little")
            self.handle.seek(self.sequence_at)
            body = self.handle.read(size)
            if len(body) != size:
                raise ValueError("torn run digests")
            digests, lengths, groups = _read_sequence(body)
        for key, (separator, chunk) in self.tail_runs:
            # The append put a separator after the last run: its bytes are no longer
            # the recorded ones. A marker that matches no run stands for it, so it
            # "vanishes" and what it held is looked at again.
            stale = b"~" + digests[-1]
            known[stale] = known[digests[-1]]
            digests = (*digests[:-1], stale, key)
            if lengths is not None:
                lengths = (*lengths[:-1], lengths[-1] + separator, chunk)
            groups = None  # they describe the runs before the append
        return Runs(digests, rest, known, lengths, groups)

    def record(
        self,
        state: _State,
        rows: tuple[Row, ...] = (),
        runs: tuple[tuple[bytes, Payload], ...] = (),
        sequence: tuple[bytes, ...] | None = None,
        removed: tuple[str, ...] = (),
        kind: str = "append",
        sizes: tuple[int, ...] = (),
        lengths: tuple[int, ...] | None = None,
        groups: bytes = b"",
    ) -> None:
        """Append a new state to this very file, with rows that replace (or follow) the
        rows of the same id, the runs they came from, and the store's run digests."""
        with open(self.path, "r+b") as handle:  # noqa: PTH123 - seek and write in place
            if os.fstat(handle.fileno()).st_ino != self.inode:
                return  # replaced since we read it: that writer's entry stands
            handle.seek(self.end)
            if sequence is not None and lengths is not None:
                handle.write(_sequence_frame(sequence, lengths, groups))
            handle.write(_frame((kind, rows, state.as_tuple(), runs, removed, sizes)))
            handle.truncate()
            self.end = handle.tell()
        if rows or removed:
            self.view_events.append(("rows", {row[0] for row in rows} | set(removed)))

    def outgrown(self) -> bool:
        """Whether the changes appended since the rows were written outweigh them: time
        to write the entry again. Remembered views do not count: they save work."""
        return bool(self.end - self.appends_at - self.view_bytes > self.appends_at)

    def views(self, name: str) -> dict[str, str]:
        """What a renderer called ``name`` made of each row, for rows unchanged since."""
        found: dict[str, str] = {}
        with open(self.path, "rb") as handle:  # noqa: PTH123
            if os.fstat(handle.fileno()).st_ino != self.inode:
                return found
            for event in self.view_events:
                if event[0] == "rows":
                    for ident in event[1]:
                        found.pop(ident, None)
                    continue
                handle.seek(event[1])
                body = handle.read(event[2])
                if zlib.crc32(body[4:]) != int.from_bytes(body[:4], "little"):
                    raise ValueError("torn views frame")
                recorded_name, pairs = marshal.loads(body[4:])  # noqa: S302 - our own file
                if recorded_name == name:
                    found.update(pairs)
        return found

    def record_views(self, name: str, pairs: list[tuple[str, str]]) -> None:
        """Append views of rows as they are now, if nobody appended to this file meanwhile."""
        body = marshal.dumps((name, tuple(pairs)))
        body = zlib.crc32(body).to_bytes(4, "little") + body
        with open(self.path, "r+b") as handle:  # noqa: PTH123 - append in place
            st = os.fstat(handle.fileno())
            if st.st_ino != self.inode or st.st_size != self.end:
                return
            handle.seek(self.end)
            handle.write(len(body).to_bytes(4, "little") + _VIEWS_MARK + body)
            self.end = handle.tell()
        self.view_bytes += 8 + len(body)
        self.view_events.append(("views", self.end - len(body), len(body)))


class Snapshot:
    """A store's validated content, as the cache (or a fresh parse) holds it.

    ``portfolio(keep)`` builds records; with ``keep`` only the initiatives it
    accepts are built (``due`` on a 10k store needs a few hundred of them),
    so that portfolio is partial: use it for what was selected and for the
    store's fields (pillars, fiscal calendar), never for ids or lookups.
    """

    def __init__(
        self,
        fields: Portfolio,
        *,
        rows: list[Row] | None = None,
        whole: Portfolio | None = None,
        entry: _Entry | None = None,
    ) -> None:
        self.fields = fields  # title, pillars, fiscal calendar…; no initiatives
        self._rows = rows
        self._whole = whole
        self._entry = entry  # where rendered views of these rows are remembered

    @classmethod
    def of(cls, portfolio: Portfolio) -> Snapshot:
        """The snapshot of records already built (a cache miss, parsed)."""
        fields = Portfolio(
            initiatives=(),
            pillars=portfolio.pillars,
            title=portfolio.title,
            source=portfolio.source,
            partners=portfolio.partners,
            fiscal=portfolio.fiscal,
        )
        return cls(fields, whole=portfolio)

    @property
    def fiscal(self) -> FiscalCalendar:
        return self.fields.fiscal

    def rendered(
        self, name: str, initiatives: Sequence[Initiative], render: Callable[[Initiative], str]
    ) -> list[str]:
        """``render`` of each initiative, remembered in the cache per row as ``name``.

        A row's view is dropped whenever the row changes (a write, a hand edit
        read back), so a remembered view is always what ``render`` gives now;
        ``name`` must change whenever ``render`` may give something else.
        """
        if self._entry is None:
            return [render(item) for item in initiatives]
        try:
            views = self._entry.views(name)
        except Exception:  # noqa: BLE001 - any cache problem: render again
            views = {}
        texts: list[str] = []
        new: list[tuple[str, str]] = []
        for item in initiatives:
            text = views.get(item.id)
            if text is None:
                text = render(item)
                new.append((item.id, text))
            texts.append(text)
        if new:
            with suppress(Exception):
                self._entry.record_views(name, new)
        return texts

    def find(self, id_or_prefix: str) -> Initiative:
        """The initiative an id or unambiguous prefix names, building only its record."""
        from vzwatch.model import find_id

        if self._whole is not None:
            return self._whole.find(id_or_prefix)
        rows = self._rows or []
        ident = find_id([row[0] for row in rows], id_or_prefix)
        return next(item for item in _initiatives(row for row in rows if row[0] == ident))

    def portfolio(self, keep: RowTest | None = None) -> Portfolio:
        if self._whole is not None:
            if keep is None:
                return self._whole
            initiatives = tuple(
                item
                for item in self._whole.initiatives
                if keep(item.status, item.timeline.end.index if item.timeline.end else None)
            )
        else:
            rows = self._rows or []
            if keep is not None:
                rows = [row for row in rows if keep(row[_STATUS], row[_END])]
            initiatives = tuple(_initiatives(rows))
        return Portfolio(
            initiatives=initiatives,
            pillars=self.fields.pillars,
            title=self.fields.title,
            source=self.fields.source,
            partners=self.fields.partners,
            fiscal=self.fields.fiscal,
        )


def _open_entry(store_path: Path) -> _Entry | None:
    directory = cache_directory()
    if directory is None:
        return None
    path = entry_path(store_path, directory)
    try:
        handle = open(path, "rb")  # noqa: PTH123, SIM115 - the entry owns it
    except OSError:
        return None
    try:
        entry = _Entry(path, handle, store_path)
    except Exception:  # noqa: BLE001 - a cache problem is a miss, whatever it is
        handle.close()
        return None
    return entry


def _root_keys(text: str) -> set[str] | None:
    """Keys defined before the first table header, or None if that cannot be told cheaply.

    Each line starting with ``[`` might be the first header (or sit inside a
    multi-line string or array); the first one whose prefix parses on its
    own is it, since a prefix that ends inside any value does not parse.
    """
    import re
    import tomllib

    for tries, match in enumerate(re.finditer(r"^[ \t]*\[", text, re.MULTILINE)):
        if tries >= _ROOT_PREFIX_TRIES:
            return None
        try:
            return set(tomllib.loads(text[: match.start()]))
        except tomllib.TOMLDecodeError:
            continue
    try:
        return set(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return None


def _appendable(text: str) -> tuple[str, ...]:
    """Tables a ``[[table]]`` block can be appended to: those not defined in the root.

    A valid store holds each of them either nowhere or as an array of tables;
    a root ``initiatives = [...]`` would make an appended header invalid.
    """
    root = _root_keys(text)
    if root is None:
        return ()
    return tuple(table for table in _APPENDABLE if table not in root)


def _write_entry(store_path: Path, frames: bytes) -> None:
    directory = cache_directory()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    path = entry_path(store_path, directory)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(frames)
        tmp.replace(path)  # readers see the old entry or the new one
    finally:
        if tmp.exists():
            tmp.unlink()


# --- what the rest of vzwatch calls ----------------------------------------------


def snapshot(
    store_path: Path, data: bytes | None = None, read: Stamped | None = None
) -> Snapshot | None:
    """The cached content of the store as it is now, or None (a miss).

    Without ``data`` only a settled stamp can hit; with ``data`` (the bytes
    just read, and ``read``: the stamp that describes them) a matching digest
    hits too, and the entry is re-recorded with that stamp so the next lookup
    can trust it.
    """
    try:
        entry = _open_entry(store_path)
        if entry is None:
            return None
        with entry.handle:
            if entry.state.fresh_for(_stamp(store_path.stat()) if read is None else read.stamp):
                return entry.snapshot()
            if data is None or not entry.state.describes(data):
                return None
            found = entry.snapshot()
            if read is not None:
                state = entry.state
                refreshed = _State(read.stamp, read.recorded_ns, state.segments, state.tail, False)
                entry.record(refreshed)
            return found
    except Exception:  # noqa: BLE001 - any cache error is a miss
        return None


def lookup(store_path: Path, data: bytes | None = None) -> Portfolio | None:
    """The cached records of the store as it is now, or None (a miss); see snapshot."""
    found = snapshot(store_path, data)
    return None if found is None else found.portfolio()


def remember(
    store_path: Path,
    data: bytes,
    portfolio: Portfolio,
    *,
    read: Stamped | None = None,
    runs: RunsRecord | None = None,
) -> None:
    """Record the validated records of ``data``, the store's bytes.

    ``read`` must describe exactly those bytes (see read_stamped). Without it
    the store is stat'ed now, which is right only under the write lock,
    straight after vzwatch wrote ``data`` itself.
    ``runs`` lets the next read after a change re-parse only what changed.
    """
    try:
        if cache_directory() is None:
            return
        if read is None:
            recorded_ns = time.time_ns()
            read = Stamped(_stamp(store_path.stat()), recorded_ns)
        if read.stamp[2] != len(data):
            return  # changed since it was read
        text = data.decode("utf-8")
        state = _State(
            read.stamp, read.recorded_ns, ((len(data), _digest(data)),), data[-3:], trusted=False
        )
        rows = tuple(row_of(item) for item in portfolio.initiatives)
        if runs is not None and runs[3] is None:
            bounds = _run_bounds(data)
            if len(bounds) - 1 == len(runs[0]):
                runs = (*runs[:3], _lengths(bounds))
        _write_entry(store_path, _entry_frames(store_path, portfolio, text, rows, state, runs))
    except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is no cache
        pass


def _entry_frames(
    store_path: Path,
    portfolio: Portfolio,
    text: str,
    rows: tuple[Row, ...] | list[Row],
    state: _State,
    runs: RunsRecord | None,
    ids: Iterable[str] | None = None,
) -> bytes:
    data = text.encode("utf-8")
    chunks = [_frame(rows[at : at + _CHUNK_ROWS]) for at in range(0, len(rows), _CHUNK_ROWS)]
    offsets = [0]
    for chunk in chunks:
        offsets.append(offsets[-1] + len(chunk))
    return b"".join(
        (
            _frame((_HEADER, _fingerprint(), os.path.realpath(store_path))),
            _frame(_head(portfolio, _appendable(text))),
            _frame(_joined(ids if ids is not None else (row[0] for row in rows))),
            _frame(tuple(offsets)),
            *chunks,
            _frame(None if runs is None else _stored_runs(runs, data)),
            _frame(("append", (), state.as_tuple(), (), (), ())),
        )
    )


# --- the read after a change: only the runs not seen before are parsed -------------
#
# A *run* is the store's text from one line starting with "[" to the next (and
# the head before the first). Each run of a valid store is recorded by its
# BLAKE2b digest with what it holds, validated. After a hand edit or a `git
# pull`, a read splits the new bytes into runs (C-speed searches), hashes them,
# and parses only the runs whose digest it has not seen; the store-wide rules
# (unique ids, entries naming existing initiatives) are checked again from the
# payloads. Anything unusual (a changed [portfolio], pillar or other table, a
# sub-table, a value spanning lines that start with "[", a problem of any kind)
# takes the whole parse instead, so this path can only be faster, never
# different: the test suite compares the two on every layout it has.

# (digests, payloads, rest digests, run lengths in bytes or None when not known)
RunsRecord = tuple[
    tuple[bytes, ...], tuple[Payload, ...], tuple[bytes, ...], tuple[int, ...] | None
]
_RUN_START = re.compile(rb"\n\[|\n[ \t]+\[")
_FIRST_RUN_START = re.compile(rb"[ \t]*\[")
_INDENTED_HEADER = re.compile(rb"\n[ \t]+\[")


class Stamped(NamedTuple):
    """The stat stamp of bytes read from a store: taken before the read, unchanged after."""

    stamp: Stamp
    recorded_ns: int  # the clock just before that stat: "settled" is judged against it


def stamped(read: StampedRead, recorded_ns: int) -> Stamped | None:
    """A stamped read of the store (``store.read_stamped``) as the cache records it;
    ``recorded_ns``: the clock just before that read. None: there was no file."""
    if read.data is None or read.stamp is None:
        return None
    stamp = read.stamp
    return Stamped(
        (stamp.device, stamp.inode, stamp.size, stamp.mtime_ns, stamp.ctime_ns), recorded_ns
    )


def _stored_runs(runs: RunsRecord, data: bytes) -> tuple[Any, ...]:
    """The runs frame: payloads in marshalled chunks, so a look-up unpacks one chunk;
    group digests when the lengths are known."""
    digests, payloads, rest, lengths = runs
    chunks = tuple(
        marshal.dumps(payloads[at : at + _PAYLOAD_CHUNK])
        for at in range(0, len(payloads), _PAYLOAD_CHUNK)
    )
    groups = None if lengths is None else _group_digests(data, [0, *accumulate(lengths)])
    return digests, rest, lengths, chunks, groups


class Known:
    """Every run digest the entry can vouch for, with its payload.

    A 100k store has 300k runs: unpacking their payloads costs 0.1 s and a
    dict of them as much again, while a read after one hand edit looks up a
    handful. So a few look-ups scan the recorded digests (C speed) and unpack
    one chunk of payloads each; past that everything is unpacked once.
    """

    def __init__(self, digests: tuple[bytes, ...], chunks: tuple[bytes, ...]) -> None:
        self._digests = digests
        self._chunks = chunks
        self._unpacked: dict[int, tuple[Payload, ...]] = {}
        self._extra: dict[bytes, Payload] = {}
        self._all: dict[bytes, Payload] | None = None
        self._scans = 0

    def _chunk(self, number: int) -> tuple[Payload, ...]:
        found = self._unpacked.get(number)
        if found is None:
            found = self._unpacked[number] = marshal.loads(self._chunks[number])  # noqa: S302
        return found

    def get(self, key: bytes) -> Payload | None:
        found = self._extra.get(key)
        if found is not None:
            return found
        if self._all is None:
            self._scans += 1
            if self._scans <= _SCANS_BEFORE_DICT:
                try:
                    at = self._digests.index(key)
                except ValueError:
                    return None
                return self._chunk(at // _PAYLOAD_CHUNK)[at % _PAYLOAD_CHUNK]
            payloads = [p for n in range(len(self._chunks)) for p in self._chunk(n)]
            self._all = dict(zip(self._digests, payloads, strict=True))
        return self._all.get(key)

    def __getitem__(self, key: bytes) -> Payload:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, bytes) and self.get(key) is not None

    def __setitem__(self, key: bytes, payload: Payload) -> None:
        self._extra[key] = payload

    def setdefault(self, key: bytes, payload: Payload) -> Payload:
        found = self.get(key)
        if found is None:
            self._extra[key] = found = payload
        return found

    def update(self, pairs: Iterable[tuple[bytes, Payload]]) -> None:
        self._extra.update(pairs)


class Runs(NamedTuple):
    """The store's runs as last recorded, and every run digest the entry can vouch for."""

    digests: tuple[bytes, ...]  # in file order; a run O(1) appends changed is a marker
    rest: tuple[bytes, ...]  # digests of the ("r",) runs, in file order
    known: Known
    lengths: tuple[int, ...] | None = None  # of each run, in bytes, when known
    groups: bytes | None = None  # digests of each _GROUP_RUNS runs' bytes (see _group_digests)


def _lengths(bounds: list[int]) -> tuple[int, ...]:
    return tuple(end - start for start, end in pairwise(bounds))


def _sequence_frame(digests: tuple[bytes, ...], lengths: tuple[int, ...], groups: bytes) -> bytes:
    """A frame of run digests, lengths and group digests (read only by the next read
    after a change)."""
    from array import array

    body = len(digests).to_bytes(4, "little") + b"".join(digests)
    body += array("I", lengths).tobytes() + groups
    return len(body).to_bytes(4, "little") + _SEQUENCE_MARK + body


def _read_sequence(body: bytes) -> tuple[tuple[bytes, ...], tuple[int, ...], bytes]:
    from array import array

    count = int.from_bytes(body[:4], "little")
    end = 4 + count * _DIGEST_SIZE
    digests = tuple(body[at : at + _DIGEST_SIZE] for at in range(4, end, _DIGEST_SIZE))
    lengths = array("I")
    lengths.frombytes(body[end : end + 4 * count])
    groups = body[end + 4 * count :]
    if len(digests) != count or len(lengths) != count or len(groups) % _DIGEST_SIZE:
        raise ValueError("torn run digests")
    return digests, tuple(lengths), groups


def _group_digests(data: bytes, bounds: list[int]) -> bytes:
    """The digest of each group of _GROUP_RUNS runs' bytes, joined: a read after a
    change hashes the store in a few thousand slices instead of one per run."""
    import hashlib

    blake2b = hashlib.blake2b
    count = len(bounds) - 1
    return b"".join(
        blake2b(data[bounds[at] : bounds[min(at + _GROUP_RUNS, count)]], digest_size=16).digest()
        for at in range(0, count, _GROUP_RUNS)
    )


def _run_bounds(data: bytes) -> list[int]:
    """0, where each run starts, and the end: runs are data[bounds[k]:bounds[k + 1]].

    The same boundaries as ``blocks.index`` for a store whose multi-line values
    have no line starting with "[" (the others never match a recorded digest).
    """
    bounds = [0]
    if _FIRST_RUN_START.match(data):
        bounds.append(0)
    if _INDENTED_HEADER.search(data) is None:
        # No header is indented (as vzwatch writes them): find "\n[" at memchr speed.
        find, at = data.find, data.find(b"\n[")
        while at >= 0:
            bounds.append(at + 1)
            at = find(b"\n[", at + 2)
    else:
        bounds.extend(match.start() + 1 for match in _RUN_START.finditer(data))
    bounds.append(len(data))
    return bounds


def run_digests(data: bytes, bounds: list[int] | None = None) -> list[bytes]:
    """The digest of every run of ``data``, head first (``blocks.digest`` of each run)."""
    import hashlib

    blake2b = hashlib.blake2b
    bounds = _run_bounds(data) if bounds is None else bounds
    return [blake2b(data[start:end], digest_size=16).digest() for start, end in pairwise(bounds)]


def runs_of(text: str, document: Mapping[str, Any], portfolio: Portfolio) -> RunsRecord | None:
    """The runs of a store just parsed whole (``document``, validated as ``portfolio``).

    None when the run path cannot follow the layout (sub-tables of records).
    """
    from vzwatch import blocks

    index = blocks.index(text, digests=True)
    payloads: list[Payload] = [_REST]
    counters = dict.fromkeys(_RUN_TABLES, 0)
    initiatives = portfolio.initiatives
    for piece in index.pieces:
        table = piece.path[0]
        if table in blocks.RECORD_TABLES and len(piece.path) > 1:
            return None
        kind = _RUN_TABLES.get(table) if piece.array and len(piece.path) == 1 else None
        if kind is None:
            payloads.append(_REST)
            continue
        number = counters[table]
        counters[table] += 1
        if kind == "i":
            payloads.append(("i", initiatives[number].id))
            continue
        payloads.append(_entry_payload(kind, document[table][number]))
    digests = index.runs
    if len(digests) != len(payloads):
        return None
    rest = tuple(key for key, payload in zip(digests, payloads, strict=True) if payload == _REST)
    return digests, tuple(payloads), rest, None  # remember() measures the lengths


def changed_snapshot(store_path: Path, data: bytes, read: Stamped) -> Snapshot | None:
    """The store's content from its cached runs plus the few that changed, or None.

    None means "parse the whole store": no entry, a layout the run path does
    not follow, too much changed, or anything at all that is not plainly valid.
    Work beyond a few C-speed passes over the runs is proportional to the change:
    only new runs are parsed, only the initiatives they touch get new rows, and
    the entry grows by one frame instead of being written again.
    """
    try:
        entry = _open_entry(store_path)
        if entry is None:
            return None
        with entry.handle:
            runs = entry.runs()
            if runs is None:
                return None
            near = _near_change(entry, runs, data, read)
            if near is not None:
                return near
            change = _runs_changed(data, runs, _fields_of(entry.head))
            if change is None:
                return None
            rows = entry.rows()
            updated = _updated_rows(rows, change)
            if updated is None:
                return None
            state = _State(
                read.stamp, read.recorded_ns, ((len(data), _digest(data)),), data[-3:], False
            )
            if updated.reordered or entry.outgrown():
                text = data.decode("utf-8")
                compact = tuple(
                    ("i", _payload_id(payload)) if payload[0] == "i" else payload
                    for payload in change.payloads
                )
                record: RunsRecord = (change.digests, compact, runs.rest, _lengths(change.bounds))
                frames = _entry_frames(
                    store_path, _fields_of(entry.head), text, updated.rows, state, record
                )
                _write_entry(store_path, frames)
            else:
                entry.record(
                    state,
                    updated.replaced,
                    change.fresh,
                    change.digests,
                    updated.removed,
                    lengths=_lengths(change.bounds),
                    groups=_group_digests(data, change.bounds),
                )
        return Snapshot(_fields_of(entry.head), rows=updated.rows)
    except Exception:  # noqa: BLE001 - any problem: parse the whole store instead
        return None


def _common_ends(old: tuple[bytes, ...], new: tuple[bytes, ...]) -> tuple[int, int]:
    """How many items ``old`` and ``new`` share at the start, and then at the end.

    Slices of a few thousand items are compared at C speed; only the slice
    where they first differ is walked item by item.
    """
    shortest = min(len(old), len(new))
    head = 0
    while head < shortest and old[head : head + _ENDS_STEP] == new[head : head + _ENDS_STEP]:
        head += _ENDS_STEP
    while head < shortest and old[head] == new[head]:
        head += 1
    head = min(head, shortest)
    tail, most = 0, shortest - head
    while (
        tail + _ENDS_STEP <= most
        and old[len(old) - tail - _ENDS_STEP : len(old) - tail]
        == new[len(new) - tail - _ENDS_STEP : len(new) - tail]
    ):
        tail += _ENDS_STEP
    while tail < most and old[len(old) - tail - 1] == new[len(new) - tail - 1]:
        tail += 1
    return head, tail


def _near_change(entry: _Entry, runs: Runs, data: bytes, read: Stamped) -> Snapshot | None:
    """A read after a change confined to a few runs (a hand edit), or None.

    The changed runs are found by comparing the recorded digests with the new
    ones from both ends; only those runs are looked up, parsed and checked,
    and the entry gets one frame. Anything else goes to the general path.
    """
    if entry.outgrown():
        return None  # the general path writes the entry again
    old = runs.digests
    split = _split_by_groups(data, runs)
    if split is None:
        bounds = _run_bounds(data)
        digests = tuple(run_digests(data, bounds))
        head, tail = _common_ends(old, digests)
        groups = _group_digests(data, bounds)
    else:
        bounds, digests, head, tail, groups = split
    old_mid, new_mid = old[head : len(old) - tail], digests[head : len(digests) - tail]
    if head == 0 or len(old_mid) + len(new_mid) > _NEAR_RUNS:
        return None
    fields = _fields_of(entry.head)
    known = runs.known
    old_payloads = [known[key] for key in old_mid]
    new_payloads: list[Payload] = []
    fresh: list[tuple[bytes, Payload]] = []
    for number, key in enumerate(new_mid, start=head):
        payload = known.get(key)
        if payload is None or (payload[0] == "i" and key not in old_mid):
            # New bytes, or known only by id (its cached row may be a later version).
            payload = _read_run(data[bounds[number] : bounds[number + 1]], fields)
            if payload is None:
                return None
            fresh.append((key, payload))
        new_payloads.append(payload)
    outside = (old[:head], old[len(old) - tail :])
    if len(set(new_mid)) != len(new_mid) or any(
        key in part for key in set(new_mid) - set(old_mid) for part in outside
    ):
        return None  # two identical runs: the whole parse counts them
    rest_before = [key for key, got in zip(old_mid, old_payloads, strict=True) if got == _REST]
    rest_after = [key for key, got in zip(new_mid, new_payloads, strict=True) if got == _REST]
    if rest_before != rest_after:
        return None  # the head, [portfolio], pillars or another table changed
    old_ids = [_payload_id(got) for got in old_payloads if got[0] == "i"]
    new_ids = [_payload_id(got) for got in new_payloads if got[0] == "i"]
    if old_ids != new_ids:
        return None  # records added, removed or moved: the general path
    old_set, new_set = set(old_mid), set(new_mid)
    appeared = [got for key, got in zip(new_mid, new_payloads, strict=True) if key not in old_set]
    vanished = [got for key, got in zip(old_mid, old_payloads, strict=True) if key not in new_set]
    if tail and any(got[0] in ("p", "h") for got in appeared):
        return None  # entries inserted between others: their order needs the whole log
    rows = entry.rows()
    at = {row[0]: number for number, row in enumerate(rows)}
    own = {_payload_id(got): got[1] for got in new_payloads if got[0] == "i"}
    touched = {_payload_id(got) if got[0] == "i" else got[1] for got in (*appeared, *vanished)}
    replaced: list[Row] = []
    for ident in sorted(touched):
        if ident not in at:
            return None  # an entry naming no initiative
        old_row = rows[at[ident]]
        logs = _logs_after(old_row, ident, vanished, appeared)
        bare = own.get(ident)
        if bare is None or isinstance(bare, str):
            bare = (*old_row[:-2], (), ())
        row = _with_logs(bare, *logs)
        rows[at[ident]] = row
        replaced.append(row)
    state = _State(read.stamp, read.recorded_ns, ((len(data), _digest(data)),), data[-3:], False)
    entry.record(
        state, tuple(replaced), tuple(fresh), digests, lengths=_lengths(bounds), groups=groups
    )
    return Snapshot(fields, rows=rows, entry=entry)


def _split_by_groups(
    data: bytes, runs: Runs
) -> tuple[list[int], tuple[bytes, ...], int, int, bytes] | None:
    """The runs of ``data`` found from the recorded ones without splitting it all.

    The recorded lengths give where each old run and group of runs would be;
    groups whose bytes are unchanged there (from the start, and from the end
    with the shift in size) are unchanged runs, and only the runs between are
    split and hashed again. Returns the new bounds, the new digests, how many
    runs are unchanged at the start and at the end, and the new group
    digests; None when the lengths or groups are not known.
    """
    import hashlib

    lengths, groups, old = runs.lengths, runs.groups, runs.digests
    count = len(old)
    if (
        lengths is None
        or groups is None
        or len(lengths) != count
        or len(groups) != -(-count // _GROUP_RUNS) * _DIGEST_SIZE
    ):
        return None
    blake2b = hashlib.blake2b
    before = [0, *accumulate(lengths)]
    shift = len(data) - before[-1]

    def same(start: int, end: int, moved: int, digest: bytes) -> bool:
        return (
            0 <= start + moved <= end + moved <= len(data)
            and blake2b(data[start + moved : end + moved], digest_size=16).digest() == digest
        )

    def group(number: int) -> tuple[int, int, bytes]:
        at = number * _GROUP_RUNS
        end = min(at + _GROUP_RUNS, count)
        return before[at], before[end], groups[number * 16 : number * 16 + 16]

    total = len(groups) // _DIGEST_SIZE
    first = 0  # groups unchanged from the start
    while first < total and same(*group(first)[:2], 0, group(first)[2]):
        first += 1
    head = first * _GROUP_RUNS  # then runs, one by one
    while head < count and same(before[head], before[head + 1], 0, old[head]):
        head += 1
    last = total  # groups unchanged at the end, after the start's (also in the new bytes)
    while (
        last - 1 > first
        and group(last - 1)[0] + shift >= before[head]
        and same(*group(last - 1)[:2], shift, group(last - 1)[2])
    ):
        last -= 1
    tail_start = min(last * _GROUP_RUNS, count)
    while tail_start - 1 >= head and same(
        before[tail_start - 1], before[tail_start], shift, old[tail_start - 1]
    ):
        tail_start -= 1
        if before[tail_start] + shift < before[head]:
            tail_start += 1
            break
    # A run's start depends on the byte before it: keep one unchanged run on each side.
    head = max(head - 1, 0)
    tail_start = min(tail_start + 1, count)
    if head == 0:
        return None
    start, end = before[head], before[tail_start] + shift
    starts = [start, *(m.start() + 1 for m in _RUN_START.finditer(data, start, end))]
    middle = [blake2b(data[a:b], digest_size=16).digest() for a, b in pairwise([*starts, end])]
    bounds = [*before[:head], *starts, *(at + shift for at in before[tail_start:])]
    digests = (*old[:head], *middle, *old[tail_start:])
    tail = count - tail_start
    if len(digests) == count:  # the same groups: only those the change touched differ
        touched = range(head // _GROUP_RUNS, -(-tail_start // _GROUP_RUNS))
        fresh = {
            n: _group_digests(data, bounds[n * _GROUP_RUNS : (n + 1) * _GROUP_RUNS + 1])
            for n in touched
        }
        new_groups = b"".join(fresh.get(n, groups[n * 16 : n * 16 + 16]) for n in range(total))
    else:
        new_groups = _group_digests(data, bounds)
    return bounds, digests, head, tail, new_groups


class _RunChange(NamedTuple):
    bounds: list[int]  # of the runs of the new bytes (see _run_bounds)
    digests: tuple[bytes, ...]  # of the new bytes, head first
    payloads: list[Payload]  # aligned with digests
    fresh: tuple[tuple[bytes, Payload], ...]  # runs parsed now
    touched: frozenset[str]  # initiatives whose own run or log entries appeared or vanished
    order_may_change: bool  # an initiative run appeared or vanished


def _runs_changed(
    data: bytes,
    runs: Runs,
    fields: Portfolio,
    split: tuple[list[int], tuple[bytes, ...]] | None = None,
) -> _RunChange | None:
    """What differs between the recorded runs and the runs of ``data`` (None: parse whole).

    ``split``: the run bounds and digests of ``data``, when the caller knows them.
    """
    if split is None:
        bounds = _run_bounds(data)
        digests = tuple(run_digests(data, bounds))
    else:
        bounds, digests = split
    new_set = set(digests)
    if len(new_set) != len(digests):
        return None  # two identical runs: counting them needs the whole parse
    known = runs.known
    found = [known.get(key) for key in digests]
    fresh: dict[bytes, Payload] = {}
    limit = max(16, len(digests) // _MAX_CHANGED_SHARE)
    for number, payload in enumerate(found):
        if payload is None:
            if len(fresh) >= limit or number == 0:
                return None
            parsed = _read_run(data[bounds[number] : bounds[number + 1]], fields)
            if parsed is None:
                return None
            found[number] = fresh[digests[number]] = parsed
    payloads: list[Payload] = found  # type: ignore[assignment]  # no None is left
    # Runs on both sides keep their order (records moved by hand: parse it all), and
    # the rest (head, [portfolio], pillars, other tables) stays byte-identical.
    old_set = set(runs.digests)
    if digests != runs.digests and [key for key in digests if key in old_set] != [
        key for key in runs.digests if key in new_set
    ]:
        return None
    at = -1
    for key in runs.rest:
        if key not in new_set:
            return None
        at = digests.index(key, at + 1)
    appeared = []
    for key in new_set - old_set:
        payload = fresh.get(key) or known[key]
        if payload[0] == "i" and isinstance(payload[1], str):
            # Known only by id: the cached row of that id may be a later version.
            number = digests.index(key)
            parsed = _read_run(data[bounds[number] : bounds[number + 1]], fields)
            if parsed is None:
                return None
            payload = payloads[number] = fresh[key] = parsed
        appeared.append(payload)
    vanished = [known[key] for key in old_set - new_set if key in known]
    if len(vanished) != len(old_set - new_set):
        return None
    touched: set[str] = set()
    order_may_change = False
    for payload in (*appeared, *vanished):
        kind = payload[0]
        if kind == "i":
            touched.add(_payload_id(payload))
            order_may_change = True
        elif kind in ("p", "h"):
            touched.add(payload[1])
        else:
            return None  # a rest run appeared or vanished
    return _RunChange(
        bounds, digests, payloads, tuple(fresh.items()), frozenset(touched), order_may_change
    )


def _payload_id(payload: Payload) -> str:
    """The id of an initiative run's payload, full or compact."""
    own = payload[1]
    return own if isinstance(own, str) else str(own[0])


class _Updated(NamedTuple):
    rows: list[Row]
    replaced: tuple[Row, ...]  # the new rows of touched initiatives that still exist
    reordered: bool  # initiatives moved (or were added anywhere but at the end)
    removed: tuple[str, ...] = ()  # ids no longer in the store


def _updated_rows(rows: list[Row], change: _RunChange) -> _Updated | None:
    """The cached rows with the change applied; None if a store-wide rule may fail.

    A touched initiative's row is built again from every payload that names it
    (its own run and all its log entries, in file order); the others are kept.
    """
    touched = change.touched
    bare: dict[str, Any] = {}  # id -> bare row, or the id again: take its cached row
    logs: dict[str, list[Row]] = {ident: [] for ident in touched}
    histories: dict[str, list[Row]] = {ident: [] for ident in touched}
    order: list[str] | None = [] if change.order_may_change else None
    for payload in change.payloads:
        kind = payload[0]
        if kind == "i":
            own = payload[1]
            ident = own if isinstance(own, str) else own[0]
            if order is not None:
                order.append(ident)
            if ident in touched:
                bare[ident] = own  # an id: this run is unchanged, its cached row stands
        elif kind != "r" and payload[1] in logs:
            (logs if kind == "p" else histories)[payload[1]].append(payload[1:])
    if order is not None and len(set(order)) != len(order):
        return None  # a duplicate id: the whole parse names it
    if any(isinstance(own, str) for own in bare.values()):
        kept = {row[0]: row for row in rows}
        for ident, own in bare.items():
            if isinstance(own, str):
                bare[ident] = (*kept[own][:-2], (), ())
    if any(ident not in bare and (logs[ident] or histories[ident]) for ident in touched):
        return None  # log entries naming an initiative that is gone
    replaced = tuple(
        _with_logs(bare[ident], logs[ident], histories[ident])
        for ident in sorted(touched)
        if ident in bare
    )
    new_by_id = {row[0]: row for row in replaced}
    if order is not None and order != [row[0] for row in rows]:
        by_id = {row[0]: row for row in rows}
        updated = [new_by_id[ident] if ident in new_by_id else by_id[ident] for ident in order]
        removed = tuple(sorted(touched - bare.keys()))
        # What a delta frame can say: removals, and new ids after all the others.
        remaining = [row[0] for row in rows if row[0] not in removed]
        added = order[len(remaining) :]
        reordered = order[: len(remaining)] != remaining or not set(added) <= new_by_id.keys()
        return _Updated(updated, replaced, reordered, removed)
    updated = [new_by_id.get(row[0], row) for row in rows] if new_by_id else list(rows)
    return _Updated(updated, replaced, False)


def _read_run(run: bytes, fields: Portfolio) -> Payload | None:
    """Parse and validate one run holding one record, or None (the whole parse decides)."""
    import tomllib

    from vzwatch import blocks
    from vzwatch.model import check_pillar

    text = run.decode("utf-8")
    path, array = blocks.header_path(text.split("\n", 1)[0] + "\n")
    kind = _RUN_TABLES.get(path[0]) if array and len(path) == 1 else None
    if kind is None:
        return None
    table = path[0]
    document = tomllib.loads(text)
    if set(document) != {table} or len(document[table]) != 1:
        return None
    raw = document[table][0]
    if kind == "i":
        item = schema.read_initiative(raw, fields.fiscal)
        check_pillar(item, {pillar.id for pillar in fields.pillars})
        return ("i", _bare_row(item))
    return _entry_payload(kind, raw)


def _entry_payload(kind: str, raw: Mapping[str, Any]) -> Payload:
    """The payload of a ``[[progress]]`` ("p") or ``[[history]]`` ("h") table."""
    if kind == "p":
        return ("p", *schema.progress_row(schema.read_progress(raw)))
    return ("h", *schema.history_row(schema.read_history(raw)))


class AppendTarget(NamedTuple):
    """What an O(1) append needs to know about the store, vouched for by the cache."""

    portfolio: Portfolio  # fields, fiscal calendar and pillars; no initiatives
    ids: Ids  # every id, those added by appends too
    appendable: tuple[str, ...]
    separator: str | None  # what goes between the old text and a new block; None: no fast path
    expected: Stamp  # the store's full stamp (store.append_block checks it again)
    entry: _Entry

    def initiative(self, ident: str) -> Initiative | None:
        """The record of ``ident`` as the store holds it now (None: ask the store instead)."""
        try:
            row = self.entry.row(ident)
            return None if row is None else _initiatives((row,))[0]
        except Exception:  # noqa: BLE001 - any cache error is a miss
            return None

    def commit(
        self,
        after: os.stat_result,
        appended: bytes,
        rows: tuple[Row, ...],
        run: tuple[bytes, Payload] | None = None,
        separator: int = 0,
    ) -> None:
        """Record the append in the cache (best effort: a failure is a later miss).

        ``rows``: the new initiatives, or new versions of existing ones (same id).
        ``run``: the appended block's digest and payload (see appended_run), so a
        read after a later change need not parse it again.
        """
        try:
            state = self.entry.state
            stamp = _stamp(after)
            if stamp[2] != state.stamp[2] + len(appended):
                return
            segments = (*state.segments, (stamp[2], _digest(appended)))
            tail = (state.tail + appended)[-3:]
            runs = () if run is None else (run,)
            state = _State(stamp, time.time_ns(), segments, tail, True)
            sizes = (separator, len(appended) - separator)
            kind = "appended" if runs else "append"
            self.entry.record(state, rows, runs, kind=kind, sizes=sizes)
        except Exception:  # noqa: BLE001, S110 - see class docstring
            pass


def appended_run(chunk: str, record: Initiative | ProgressEntry) -> tuple[bytes, Payload]:
    """The run an appended ``[[initiatives]]`` or ``[[progress]]`` block becomes."""
    from vzwatch.blocks import digest

    if isinstance(record, Initiative):
        return digest(chunk), ("i", _bare_row(record))
    return digest(chunk), ("p", *schema.progress_row(record))


def append_target(store_path: Path) -> AppendTarget | None:
    """The cache's view of the store, if it provably describes the store right now.

    The caller holds the write lock. A racy entry is checked against the
    file's bytes (O(size), still far cheaper than parsing).
    """
    try:
        entry = _open_entry(store_path)
        if entry is None:
            return None
        with entry.handle:
            st = store_path.stat()
            stamp = _stamp(st)
            if not entry.state.fresh_for(stamp):
                with open(store_path, "rb") as handle:  # noqa: PTH123
                    data = handle.read()
                if len(data) != st.st_size or not entry.state.describes(data):
                    return None
            appendable = entry.head[-1]
            added = (row[0] for rows in entry.appends for row in rows)
            ids = Ids(entry.ids.joined, added, entry.removed)
            tail = entry.state.tail
        return AppendTarget(
            portfolio=_fields_of(entry.head),
            ids=ids,
            appendable=appendable,
            separator=_separator(tail, st.st_size),
            expected=stamp,
            entry=entry,
        )
    except Exception:  # noqa: BLE001 - any cache error is a miss
        return None


def _separator(tail: bytes, size: int) -> str | None:
    """What makes ``old + separator + block`` equal ``store.append_text(old, block)``.

    append_text strips all trailing newlines and adds one blank line; an
    append cannot strip, so stores ending in CR or in two or more blank lines
    take the slow path, and so do stores without a final newline: their line
    endings cannot be told from the tail.
    """
    if size == 0:
        return ""
    if b"\r" in tail or not tail.endswith(b"\n"):
        return None
    if size >= 2 and not tail.endswith(b"\n\n"):
        return "\n"
    if size >= 3 and not tail.endswith(b"\n\n\n"):
        return ""
    return None


# --- writes proportional to the change -------------------------------------------
#
# `edit` and `remove` change one record of a store that may hold 100k. Under
# the write lock, `vouch` gives the cache's view of exactly the bytes just
# read (refused unless the entry provably describes them); the command edits
# the text of the few runs it touches; `Vouched.check` validates the result
# with the machinery a read after a change uses (parse only new runs, check
# the store-wide rules), and `Vouched.record` stores the new state as one
# delta frame. The whole parse of the old and new text is never needed.


class Vouched:
    """The store's current bytes under the write lock, as the cache knows them."""

    def __init__(self, entry: _Entry, data: bytes, read: Stamped, runs: Runs) -> None:
        self.entry = entry
        self.data = data
        self.read = read
        self.fields = _fields_of(entry.head)
        known = runs.known
        lengths = runs.lengths
        if lengths is not None and len(lengths) == len(runs.digests) and sum(lengths) == len(data):
            # The entry describes these very bytes: its runs are theirs, no split needed.
            self.bounds = [0, *accumulate(lengths)]
            digests = list(runs.digests)
            for number, key in enumerate(digests):
                if len(key) != _DIGEST_SIZE:  # a run an O(1) append added a separator to
                    digests[number] = _run_digest(self.run(number))
                    known.setdefault(digests[number], known[key])
            self.digests = tuple(digests)
        else:
            self.bounds = _run_bounds(data)
            self.digests = tuple(run_digests(data, self.bounds))
        self.known = known
        self._payloads: list[Payload] | None = None
        self.rest = runs.rest
        appended = (row[0] for rows in entry.appends for row in rows)
        self.ids = Ids(entry.ids.joined, appended, entry.removed)

    @property
    def payloads(self) -> list[Payload]:
        """What every run holds (built on first use: 30k look-ups on a 10k store)."""
        if self._payloads is None:
            self._payloads = [self.payload(number) for number in range(len(self.digests))]
        return self._payloads

    def payload(self, number: int) -> Payload:
        """What run ``number`` holds."""
        if self._payloads is not None:
            return self._payloads[number]
        return self.known.get(self.digests[number]) or self._parse(number)

    def _runs_with(self, line: str) -> list[int]:
        """The runs where a line ``line`` starts (as vzwatch writes keys), in order."""
        needle, data = f"\n{line}\n".encode(), self.data
        found: list[int] = []
        at = data.find(needle)
        while at >= 0:
            number = bisect_right(self.bounds, at) - 1
            if not found or found[-1] != number:
                found.append(number)
            at = data.find(needle, at + 1)
        return found

    def _parse(self, number: int) -> Payload:
        payload = _read_run(self.run(number), self.fields) if number else None
        if payload is None:
            raise ValueError("a run the cache does not know")
        self.known[self.digests[number]] = payload
        return payload

    def run(self, number: int) -> bytes:
        return self.data[self.bounds[number] : self.bounds[number + 1]]

    def span(self, number: int) -> tuple[int, int]:
        """Byte offsets of a run, checked against its digest before anyone edits it."""
        if _run_digest(self.run(number)) != self.digests[number]:
            raise StoreError("internal error: the cache's runs do not match the store")
        return self.bounds[number], self.bounds[number + 1]

    def initiative(self, ident: str) -> Initiative | None:
        row = self.entry.row(ident)
        return None if row is None else _initiatives((row,))[0]

    def portfolio(self) -> Portfolio:
        """Every record of the store (for a write that needs them all: import)."""
        return Snapshot(self.fields, rows=self.entry.rows()).portfolio()

    def record_run(self, ident: str) -> int | None:
        """The run holding ``[[initiatives]]`` table ``ident``.

        Looked for where its ``id = "…"`` line is written as vzwatch writes it,
        each candidate confirmed by what the run holds; else every run is asked.
        """
        for number in self._runs_with(f'id = "{ident}"'):
            payload = self.payload(number)
            if payload[0] == "i" and _payload_id(payload) == ident:
                return number
        for number, payload in enumerate(self.payloads):
            if payload[0] == "i" and _payload_id(payload) == ident:
                return number
        return None

    def entry_runs(self, ident: str) -> list[int]:
        """The runs of ``ident``'s ``[[progress]]`` and ``[[history]]`` entries, in order.

        Those whose ``initiative`` line is written otherwise are missed; a change
        that then leaves entries naming no initiative fails its check (the full
        path takes over), so missing one can cost time, never correctness.
        """
        return [
            number
            for number in self._runs_with(f'initiative = "{ident}"')
            if (payload := self.payload(number))[0] in ("p", "h") and payload[1] == ident
        ]

    def check(self, edits: list[Edit]) -> Checked | None:
        """These bytes with ``edits``, validated by the runs the edits touch alone.

        None: the change is not plainly valid, or not of a kind this path
        follows; the caller then takes the whole parse, which says why.
        """
        try:
            return _local_change(self, splice(self.data, edits), edits)
        except Exception:  # noqa: BLE001 - any problem: the whole parse decides
            return None


def _run_digest(run: bytes) -> bytes:
    import hashlib

    return hashlib.blake2b(run, digest_size=_DIGEST_SIZE).digest()


class Checked(NamedTuple):
    """New store bytes validated against vouched ones by the runs that changed."""

    vouched: Vouched
    data: bytes
    bounds: list[int]
    digests: tuple[bytes, ...]
    payloads: Callable[[], list[Payload]]  # what every new run holds (built when needed)
    fresh: tuple[tuple[bytes, Payload], ...]  # runs parsed now
    replaced: tuple[Row, ...]  # new rows of the initiatives the change touched
    removed: tuple[str, ...]
    reordered: bool  # initiatives added before others: the entry is written again

    def initiative(self, ident: str) -> Initiative | None:
        for row in self.replaced:
            if row[0] == ident:
                return _initiatives((row,))[0]
        return None if ident in self.removed else self.vouched.initiative(ident)

    def record(self, store_path: Path, written_ns: int) -> None:
        """Record the new content in the cache once it is the store (best effort).

        ``written_ns``: the clock just before the replace. The entry is not
        trusted by its stamp until it settles: a hand edit right after ours
        is then caught by the digest.
        """
        try:
            stamp = _stamp(store_path.stat())
            data = self.data
            if stamp[2] != len(data):
                return
            state = _State(stamp, written_ns, ((len(data), _digest(data)),), data[-3:], False)
            entry = self.vouched.entry
            lengths = _lengths(self.bounds)
            if self.reordered or entry.outgrown():
                self._write_again(store_path, state, lengths)
                return
            groups = _group_digests(data, self.bounds)
            entry.record(
                state,
                self.replaced,
                self.fresh,
                self.digests,
                self.removed,
                lengths=lengths,
                groups=groups,
            )
        except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is no cache
            pass

    def _write_again(self, store_path: Path, state: _State, lengths: tuple[int, ...]) -> None:
        new_rows = {row[0]: row for row in self.replaced}
        old_rows = {row[0]: row for row in self.vouched.entry.rows()}
        payloads = self.payloads()
        order = [_payload_id(payload) for payload in payloads if payload[0] == "i"]
        rows = [new_rows.get(ident) or old_rows[ident] for ident in order]
        compact = tuple(
            ("i", _payload_id(payload)) if payload[0] == "i" else payload for payload in payloads
        )
        record: RunsRecord = (self.digests, compact, self.vouched.rest, lengths)
        frames = _entry_frames(
            store_path, self.vouched.fields, self.data.decode("utf-8"), rows, state, record
        )
        _write_entry(store_path, frames)


Edit = tuple[int, int, bytes]  # (start, end, new bytes): a byte range of the old bytes replaced


def splice(data: bytes, edits: list[Edit]) -> bytes:
    """``data`` with byte ranges replaced (the ranges do not overlap)."""
    pieces: list[bytes] = []
    position = 0
    for start, end, new in sorted(edits):
        pieces.append(data[position:start])
        pieces.append(new)
        position = end
    pieces.append(data[position:])
    return b"".join(pieces)


def changed_range(old: bytes, new: bytes) -> list[Edit]:
    """The one edit that turns ``old`` into ``new``: what lies between their common
    prefix and suffix (none when they are equal). Memory comparisons, no copies."""
    if old == new:
        return []
    before, after = memoryview(old), memoryview(new)
    shortest = min(len(old), len(new))
    low, high = 0, shortest  # the common prefix is at least low and at most high long
    while low < high:
        middle = (low + high + 1) // 2
        if before[:middle] == after[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, shortest - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if before[len(old) - middle :] == after[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return [(prefix, len(old) - low, new[prefix : len(new) - low])]


def _regions(bounds: list[int], edits: list[Edit]) -> list[tuple[int, int]] | None:
    """The runs (first, last) that the edits may change, merged where they touch.

    A run ends where a line starts with "[", so the boundary before the run
    holding an edit stays (its bytes are unchanged), and so does the one after
    the run that follows the edit: only runs in between can differ.
    """
    count = len(bounds) - 1
    regions: list[tuple[int, int]] = []
    for start, end, _ in sorted(edits):
        if start <= 0:
            return None
        first = max(1, bisect_right(bounds, start) - 2)
        last = min(count - 1, bisect_right(bounds, max(end - 1, 0)))
        if bounds[first] == 0:
            return None  # the empty head of a store that starts with a header
        if regions and first <= regions[-1][1] + 1:
            regions[-1] = (regions[-1][0], max(last, regions[-1][1]))
        else:
            regions.append((first, last))
    return regions


def _local_change(vouched: Vouched, new: bytes, edits: list[Edit]) -> Checked | None:
    """``new`` (the vouched bytes with ``edits``) checked by the runs around the edits:
    they are split, hashed and (where new) parsed again; ids, references and order are
    checked against the cache."""
    bounds, digests = vouched.bounds, vouched.digests
    if not edits:  # nothing to change: the store as it is
        return Checked(vouched, new, bounds, digests, lambda: vouched.payloads, (), (), (), False)
    count = len(digests)
    regions = _regions(bounds, edits)
    if not regions:
        return None

    def shifted(at: int) -> int:  # an old offset outside every edit, in the new bytes
        return at + sum(len(text) - (end - start) for start, end, text in edits if end <= at)

    old_mid: list[bytes] = []
    old_payloads: list[Payload] = []
    new_mid: list[bytes] = []
    new_starts: list[list[int]] = []
    spans: list[tuple[int, int]] = []  # of each region's runs in the new bytes
    for first, last in regions:
        start, end = shifted(bounds[first]), shifted(bounds[last + 1])
        starts = [start, *(m.start() + 1 for m in _RUN_START.finditer(new, start, end))]
        new_starts.append(starts)
        spans.append((start, end))
        new_mid.extend(_run_digest(new[a:b]) for a, b in pairwise([*starts, end]))
        old_mid.extend(digests[first : last + 1])
        old_payloads.extend(vouched.payload(number) for number in range(first, last + 1))
    old_set, new_set = set(old_mid), set(new_mid)
    if len(new_set) != len(new_mid):
        return None  # two identical runs: the whole parse counts them
    elsewhere = set(digests) - old_set
    known = vouched.known
    fresh: dict[bytes, Payload] = {}
    mid_payloads: list[Payload] = []
    run_bytes = [
        new[a:b]
        for starts, (_, end) in zip(new_starts, spans, strict=True)
        for a, b in pairwise([*starts, end])
    ]
    for key, run in zip(new_mid, run_bytes, strict=True):
        payload = known.get(key)
        if key not in old_set:
            if key in elsewhere:
                return None  # a copy of a run elsewhere in the store
            if payload is None or (payload[0] == "i" and isinstance(payload[1], str)):
                payload = _read_run(run, vouched.fields)
                if payload is None:
                    return None
                fresh[key] = payload
        if payload is None:
            return None
        mid_payloads.append(payload)
    rest_before = [key for key, got in zip(old_mid, old_payloads, strict=True) if got == _REST]
    rest_after = [key for key, got in zip(new_mid, mid_payloads, strict=True) if got == _REST]
    if rest_before != rest_after:
        return None  # the head, [portfolio], pillars or another table changed
    appeared = [got for key, got in zip(new_mid, mid_payloads, strict=True) if key not in old_set]
    vanished = [got for key, got in zip(old_mid, old_payloads, strict=True) if key not in new_set]
    old_ids = [_payload_id(got) for got in old_payloads if got[0] == "i"]
    new_ids = [_payload_id(got) for got in mid_payloads if got[0] == "i"]
    old_id_set, new_id_set = set(old_ids), set(new_ids)
    removed = [ident for ident in old_ids if ident not in new_id_set]
    added = [ident for ident in new_ids if ident not in old_id_set]
    if any(ident in vouched.ids for ident in added) or len(new_id_set) != len(new_ids):
        return None  # a duplicate id: the whole parse names it
    if [i for i in old_ids if i in new_id_set] != [i for i in new_ids if i in old_id_set]:
        return None  # records moved
    at_end = regions[-1][1] == count - 1
    entries_appeared = [got for got in appeared if got[0] in ("p", "h")]
    if entries_appeared and not at_end:
        return None  # entries inserted between others: their order needs the whole log
    for got in entries_appeared:
        owner = got[1]
        if owner in removed or not (owner in vouched.ids or owner in added):
            return None  # an entry naming no initiative
    replaced = _touched_rows(vouched, appeared, vanished, removed, mid_payloads)
    if replaced is None:
        return None
    new_bounds: list[int] = []
    new_digests: list[bytes] = []
    position = 0  # the next old run not yet copied
    taken = 0  # runs of new_mid already placed
    for (first, last), starts in zip(regions, new_starts, strict=True):
        moved = shifted(bounds[position]) - bounds[position]  # the same for the whole stretch
        new_bounds.extend(at + moved for at in bounds[position:first])
        new_digests.extend(digests[position:first])
        new_bounds.extend(starts)
        new_digests.extend(new_mid[taken : taken + len(starts)])
        taken += len(starts)
        position = last + 1
    moved = len(new) - len(vouched.data)
    new_bounds.extend(at + moved for at in bounds[position:])
    new_digests.extend(digests[position:])

    def new_payloads() -> list[Payload]:  # only a full rewrite of the entry needs them all
        payloads, result, position, taken = vouched.payloads, [], 0, 0
        for (first, last), starts in zip(regions, new_starts, strict=True):
            result.extend(payloads[position:first])
            result.extend(mid_payloads[taken : taken + len(starts)])
            taken += len(starts)
            position = last + 1
        result.extend(payloads[position:])
        return result

    reordered = bool(added) and not (at_end and new_ids[-len(added) :] == added)
    return Checked(
        vouched,
        new,
        new_bounds,
        tuple(new_digests),
        new_payloads,
        tuple(fresh.items()),
        replaced,
        tuple(removed),
        reordered,
    )


def _touched_rows(
    vouched: Vouched,
    appeared: list[Payload],
    vanished: list[Payload],
    removed: list[str],
    mid_payloads: list[Payload],
) -> tuple[Row, ...] | None:
    """The new rows of the initiatives whose run or entries appeared or vanished.

    A row is its initiative's own run (new, or the cached row's) with the cached
    log, less the entries that vanished, plus those that appeared (at the end
    of the store: after all the others of their day). None: a rule fails.
    """
    own = {
        _payload_id(got): got[1]
        for got in mid_payloads
        if got[0] == "i" and not isinstance(got[1], str)
    }
    touched = {_payload_id(got) if got[0] == "i" else got[1] for got in (*appeared, *vanished)}
    rows: list[Row] = []
    for ident in sorted(touched):
        old = vouched.entry.row(ident)
        logs = _logs_after(old, ident, vanished, () if ident in removed else appeared)
        if ident in removed:
            if logs[0] or logs[1]:
                return None  # entries left naming an initiative that is gone
            continue
        bare = own.get(ident)
        if bare is None:
            if old is None:
                return None
            bare = (*old[:-2], (), ())
        rows.append(_with_logs(bare, *logs))
    return tuple(rows)


def _logs_after(
    old: Row | None, ident: str, vanished: Iterable[Payload], appeared: Iterable[Payload]
) -> tuple[list[Row], list[Row]]:
    """An initiative's progress log and history, less the entries whose runs vanished
    (ValueError if one is not there) and plus those whose runs appeared, in that order."""
    logs: tuple[list[Row], list[Row]] = (
        (list(old[-2]), list(old[-1])) if old is not None else ([], [])
    )
    for got in vanished:
        if got[0] in ("p", "h") and got[1] == ident:
            logs[got[0] == "h"].remove(got[1:])
    for got in appeared:
        if got[0] in ("p", "h") and got[1] == ident:
            logs[got[0] == "h"].append(got[1:])
    return logs


def vouch(store_path: Path, data: bytes, read: Stamped) -> Vouched | None:
    """The cache's view of ``data`` (read under the write lock), if it provably has one.

    An entry of an older content (a hand edit or a `git pull` since) is first
    brought up to date by the changed runs, as a read would.
    """
    try:
        entry = _open_entry(store_path)
        if entry is None:
            return None
        if not (entry.state.fresh_for(read.stamp) or entry.state.describes(data)):
            entry.handle.close()
            if changed_snapshot(store_path, data, read) is None:
                return None
            entry = _open_entry(store_path)
            if entry is None:
                return None
        with entry.handle:
            if not (entry.state.fresh_for(read.stamp) or entry.state.describes(data)):
                return None
            runs = entry.runs()
            if runs is None:
                return None
            return Vouched(entry, data, read, runs)
    except Exception:  # noqa: BLE001 - any cache problem: take the whole parse
        return None
