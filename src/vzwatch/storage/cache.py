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
all: ``progress`` on a 100k store), the runs frame (run digests and lengths,
for reads after a change and writes in place) followed by a marked region of
their payloads in chunks (read only by look-ups), then one frame per append
(rows, new state); the last state wins. An appended row replaces the row with the same
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
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, TypeVar, overload

from vzwatch import __version__
from vzwatch.domain import schema
from vzwatch.domain.portfolio import Initiative, Measurement, Portfolio, ProgressEntry
from vzwatch.domain.quarters import FiscalCalendar

if TYPE_CHECKING:
    from datetime import date

    from vzwatch.domain.queries import Filters
    from vzwatch.storage.runs import Runs
    from vzwatch.storage.store import StampedRead

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
# 5: runs (block digests -> validated payloads), the stamp taken before the read;
# 8: indicators and their measurements in initiative rows; 9: milestone, indicator and
# measurement runs, and append frames that may carry a new head (the milestones);
# 15: whole digests are two halves' (digest.whole_digest); 16: groups of 256 runs
_FORMAT = 16
_HEADER = "vzwatch-cache"
_FINE_MARGIN_NS = 1_000_000_000
_COARSE_MARGIN_NS = 3_000_000_000
_APPENDABLE = ("initiatives", "progress", "measurements")
_ROOT_PREFIX_TRIES = 64
_CHUNK_ROWS = 256
_SEARCHES_BEFORE_SET = 8
# Rendering this many rows or fewer decodes only their milestones (Snapshot.rendered).
_FEW_RENDERED = 64

Stamp = tuple[int, int, int, int, int]
Row = tuple[Any, ...]
Buffer = bytes | memoryview  # UTF-8 text as it is kept in the cache file
# What one run of the store holds, validated: ("i", bare initiative row) — or ("i", id)
# where the cached row of that id is the run's record —, ("p", initiative, ordinal,
# percent, note), ("h", initiative, ordinal, field, from, to), ("m", *milestone row),
# ("n", *indicator row without its measurements), ("e", *measurement row), or ("r",)
# for the rest (the head, [portfolio], pillars, other tables), which must stay
# byte-identical.
Payload = tuple[Any, ...]
_REST: Payload = ("r",)
_RUN_TABLES = {
    "initiatives": "i",
    "progress": "p",
    "history": "h",
    "milestones": "m",
    "indicators": "n",
    "measurements": "e",
}
_DIGEST_SIZE = 16
# digest.WHOLE_DIGEST_SIZE, not imported: a warm read loads nothing that hashes
_WHOLE_DIGEST_SIZE = 32  # of a store's bytes (run digests are _DIGEST_SIZE)
_ROWS_PLACED_BY_SEARCH = 32
# Marks a frame of run digests (where a frame has its CRC: a CRC never equals it
# by accident in a way that matters, since a misread frame is a miss anyway).
_SEQUENCE_MARK = b"\xffRUN"
_VIEWS_MARK = b"\xffVUE"  # a frame of rendered views (see _Entry.views)
# Marks the region of run payloads after the runs frame: frames of its own, one per
# chunk, so a write in place reads the digests without the payloads (70% of the runs).
_PAYLOADS_MARK = b"\xffPAY"
# Which initiatives to build, asked of (status, index of the end quarter or None).
RowTest = Callable[[str, int | None], bool]
Fact = TypeVar("Fact")  # what Snapshot.facts reads of each initiative
_ID, _STATUS, _END = schema.ID_COLUMN, schema.STATUS_COLUMN, schema.END_COLUMN  # see row_of


def cache_directory(env: Mapping[str, str] | None = None) -> Path | None:
    """Where cache files live, or None when caching is off (VZWATCH_NO_CACHE)."""
    env = os.environ if env is None else env
    if env.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "vzwatch"
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
    from vzwatch.domain import portfolio, quarters

    parts: list[Any] = [_FORMAT, __version__, sys.version_info[:2]]
    # vzwatch.storage.runs makes the run payloads; stat'ed, not imported (warm reads do without it).
    runs_file = Path(__file__).with_name("runs.py")
    for module_file in (
        portfolio.__file__,
        schema.__file__,
        quarters.__file__,
        __file__,
        runs_file,
    ):
        st = Path(module_file or "").stat()
        parts.append((st.st_size, st.st_mtime_ns))
    return tuple(parts)


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


_last_digest: tuple[bytes | memoryview, bytes] | None = None


def _digest(data: bytes | memoryview, *, parallel: bool = True) -> bytes:
    """The whole digest of the bytes (digest.whole_digest); the same bytes object asked
    twice in a run is hashed once."""
    from vzwatch.storage.digest import whole_digest

    global _last_digest
    last = _last_digest  # once: a read-ahead thread may set it meanwhile
    if last is not None and last[0] is data:
        return last[1]
    found = whole_digest(data, parallel=parallel)
    _last_digest = (data, found)
    return found


def read_ahead(
    store_path: Path, st: os.stat_result, read: Callable[[Path], StampedRead]
) -> StampedRead | None:
    """Read the store ahead of a command (vzwatch.storage.readahead) when the stamp alone
    cannot prove it, and hash it whole when its entry holds the whole digest.

    None (nothing read) when the stamp proves the store, and when there is no
    entry (the whole parse dwarfs the read). An entry that holds groups of runs
    gets the bytes alone: the groups are matched on the main thread, since each
    group's hash is a short release of the GIL that this thread would wait up
    to 5 ms to take back while the main one imports (measured: the read after a
    change got slower). The digest is remembered by _digest, computed on the
    calling thread alone: the main one keeps the other CPU.
    """
    directory = cache_directory()
    if directory is None:
        return None
    stamp = _stamp(st)
    try:
        written_ns = entry_path(store_path, directory).stat().st_mtime_ns
    except OSError:
        return None  # no entry
    # An entry written well after the store's last change is settled for it: the
    # usual warm run is told by two stats, without opening the entry.
    if _settled(stamp, written_ns):
        return None
    entry = _open_entry(store_path)
    if entry is None:
        return None
    with entry.handle:
        state = entry.state
    if state.fresh_for(stamp):
        return None
    done = read(store_path)
    whole = state.told_whole() and state.segments[0][0] == st.st_size
    if whole and done.data is not None and len(done.data) == st.st_size:
        _digest(done.data, parallel=False)
    return done


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


_MILESTONES = schema.PORTFOLIO_MILESTONES_COLUMN


def _head(portfolio: Portfolio, appendable: tuple[str, ...]) -> tuple[Any, ...]:
    # The milestones' rows stay marshal bytes inside the head: loading and decoding 10k
    # of them costs 7 ms, and edits, progress and measurements never look at them.
    row = schema.portfolio_row(portfolio)
    packed = marshal.dumps(row[_MILESTONES])
    return ((*row[:_MILESTONES], packed, *row[_MILESTONES + 1 :]), appendable)


def _with_milestones(head: tuple[Any, ...], milestones: Sequence[Row]) -> Portfolio:
    """The portfolio-wide fields a head keeps, with these milestone rows, as a Portfolio
    without initiatives."""
    row = head[0]
    return schema.portfolio_from_row((*row[:_MILESTONES], milestones, *row[_MILESTONES + 1 :]))


def _packed_milestones(head: tuple[Any, ...]) -> Sequence[Row]:
    """The milestone rows a head keeps packed (see _head)."""
    rows: Sequence[Row] = marshal.loads(head[0][_MILESTONES])  # noqa: S302 - see _read_frame
    return rows


def _fields_of(head: tuple[Any, ...]) -> Portfolio:
    """The portfolio-wide fields a head keeps, as a Portfolio without initiatives."""
    return _with_milestones(head, _packed_milestones(head))


def _fields_for(head: tuple[Any, ...], initiatives: Collection[str]) -> Portfolio:
    """The fields a head keeps with the milestones of ``initiatives`` alone: what rendering
    those initiatives needs, without building the store's 10k other milestones."""
    column = schema.MILESTONE_INITIATIVE_COLUMN
    rows = _packed_milestones(head)
    return _with_milestones(head, tuple(row for row in rows if row[column] in initiatives))


def _settings_of(head: tuple[Any, ...]) -> Portfolio:
    """The fields a head keeps but its milestones (left empty, never decoded): what
    validating a record needs (fiscal calendar, pillars, sources), at no cost per milestone."""
    return _with_milestones(head, ())


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

    def told_whole(self) -> bool:
        """Whether the state tells its bytes by one whole digest, as a whole parse records it."""
        return len(self.segments) == 1 and len(self.segments[0][1]) == _WHOLE_DIGEST_SIZE

    def in_groups(self) -> bool:
        """Whether the state tells its bytes by groups of runs (runs._group_digests), as
        a write in place and a read after a change record it."""
        return any(len(digest) == _DIGEST_SIZE for _, digest in self.segments)

    def describes(self, data: bytes) -> bool:
        if not self.segments or self.segments[-1][0] != len(data):
            return False
        if self.told_whole():
            # The whole bytes: hashed once per run of vzwatch.
            return _digest(data) == self.segments[0][1]
        from vzwatch.storage.digest import in_parallel
        from vzwatch.storage.threads import both

        segments, view = self.segments, memoryview(data)
        if not in_parallel(len(data)):
            return _segments_hold(view, 0, segments)
        # The two halves of the segments at once (13 → 9 ms for 940 groups of 10.8 MB).
        middle = next(n for n, (end, _) in enumerate(segments) if end >= len(data) // 2)
        start = segments[middle - 1][0] if middle else 0
        first, second = both(
            lambda: _segments_hold(view, 0, segments[:middle]),
            lambda: _segments_hold(view, start, segments[middle:]),
        )
        return first and second


def _segments_hold(view: memoryview, start: int, segments: Iterable[tuple[int, bytes]]) -> bool:
    """Whether the bytes of ``view`` from ``start`` on are those ``segments`` describe.

    Segments an O(1) append added have whole digests; those a write in place
    recorded are its groups of runs (runs._group_digests).
    """
    from vzwatch.storage.digest import blake2b, whole_digest

    for end, digest in segments:
        if len(digest) == _WHOLE_DIGEST_SIZE:
            if whole_digest(view[start:end]) != digest:
                return False
        elif blake2b(view[start:end], digest_size=len(digest)).digest() != digest:
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

    def indexed(self, prefix: str) -> dict[str, int]:
        """Where each id that starts with ``prefix`` is among the ids the rows were
        written with (``position`` of each), in one pass over the text."""
        found: dict[str, int] = {}
        needle, joined = "\n" + prefix, self.joined
        at, counted, line = joined.find(needle), 0, 0
        while at >= 0 and at + 1 < len(joined):
            line += joined.count("\n", counted, at)
            counted = at
            end = joined.index("\n", at + 1)
            found[joined[at + 1 : end]] = line
            at = joined.find(needle, end)
        return found

    def position(self, ident: str) -> int | None:
        """Where ``ident`` is among the ids the rows were written with."""
        at = self.joined.find(f"\n{ident}\n") if "\n" not in ident else -1
        return None if at < 0 else self.joined.count("\n", 0, at)


def _joined(ids: Iterable[str]) -> str:
    return "\n" + "".join(f"{ident}\n" for ident in ids)


# The ids frame this process read last, by (device, inode, offset, prefix): `add`
# opens the entry twice (the title's warning, then the write), and a 100k store's ids
# are 3.4 MB to read, check and decode (5 ms). An entry's frames before its appends
# never change in place (a new content is a new file), so the same file, place, length
# and CRC are the same ids; a file written again after another took its inode would
# need the same length and CRC too. One slot: a long `watch` keeps no old ids.
_last_ids: tuple[tuple[int, int, int, bytes], str] | None = None


def _ids_frame(handle: BinaryIO, file: tuple[int, int]) -> Any:
    global _last_ids
    at = handle.tell()
    prefix = handle.read(8)
    key = (*file, at, prefix)
    if _last_ids is not None and _last_ids[0] == key:
        handle.seek(int.from_bytes(prefix[:4], "little"), os.SEEK_CUR)
        return _last_ids[1]
    handle.seek(at)
    joined = _read_frame(handle)
    if isinstance(joined, str):
        _last_ids = (key, joined)
    return joined


class CacheMiss(Exception):  # noqa: N818 - a miss, not an error: the full path answers
    """What an open entry was asked can no longer be read (it was replaced or is torn)."""


class _Entry:
    """An open cache file: header, head, ids and appends read; rows read on demand."""

    def __init__(self, path: Path, handle: BinaryIO, path_of_store: Path) -> None:
        self.path = path
        self.handle = handle
        st = os.fstat(handle.fileno())
        self.inode = st.st_ino
        header = _read_frame(handle)
        if header != (_HEADER, _fingerprint(), os.path.realpath(path_of_store)):
            raise ValueError("cache from another vzwatch")
        self.head: tuple[Any, ...] = _read_frame(handle)
        joined = _ids_frame(handle, (st.st_dev, st.st_ino))
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
        # The runs' payloads follow in a region of their own, read only by look-ups.
        self.payloads_at: int | None = None
        prefix = handle.read(8)
        if len(prefix) == 8 and prefix[4:] == _PAYLOADS_MARK:
            self.payloads_at = self.appends_at + 8
            self.appends_at = self.payloads_at + int.from_bytes(prefix[:4], "little")
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
            kind, rows, state_tuple, runs, removed, sizes, *more = frame
            if more and more[0] is not None:  # a new head: the milestones changed
                self.head = more[0]
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

    def _region(self, start: int, size: int) -> bytes:
        """``size`` bytes of this entry from ``start``."""
        if self.handle.closed:  # after `with entry.handle`: read this very file again
            with open(self.path, "rb") as handle:  # noqa: PTH123
                if os.fstat(handle.fileno()).st_ino != self.inode:
                    raise CacheMiss("cache entry replaced")
                handle.seek(start)
                region = handle.read(size)
        else:
            self.handle.seek(start)
            region = self.handle.read(size)
        if len(region) != size:
            raise CacheMiss("torn cache file")
        return region

    def payloads(self, start: int, end: int) -> tuple[Payload, ...]:
        """The run payloads of one chunk: bytes ``start:end`` of their region (read when
        asked, so possibly after another process replaced the entry: then a miss)."""
        if self.payloads_at is None:
            raise CacheMiss("cache without run payloads")
        try:
            (chunk,) = _frames(self._region(self.payloads_at + start, end - start))
        except ValueError as exc:
            raise CacheMiss(str(exc)) from exc
        return chunk  # type: ignore[no-any-return]

    def rows(self) -> list[Row]:
        """Every row, in the store's order, appends applied."""
        region = self._region(self.chunks_at, self.offsets[-1])
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
        try:
            row = self._chunk(index // _CHUNK_ROWS)[index % _CHUNK_ROWS]
        except CacheMiss:
            return None
        return row if row[0] == ident else None

    def _chunk(self, number: int) -> tuple[Row, ...]:
        """The rows of chunk ``number`` as the entry was written (appends not applied)."""
        start = self.offsets[number]
        (rows,) = _frames(self._region(self.chunks_at + start, self.offsets[number + 1] - start))
        return rows  # type: ignore[no-any-return]

    def rows_starting_with(self, prefix: str) -> dict[str, Row]:
        """The current rows of the initiatives whose id starts with ``prefix``, in the
        store's order: one pass over the ids, each chunk that holds one read once (`add`
        asks for title, title-2, title-3…: a 100k store took 5 ms for each, one by one)."""
        appended: dict[str, Row] = {}
        for added in self.appends:  # later appends replace earlier rows
            appended.update((row[0], row) for row in added if row[0].startswith(prefix))
        indexed = self.ids.indexed(prefix)
        by_chunk: dict[int, list[tuple[str, int]]] = {}
        for ident, index in indexed.items():
            if ident not in appended:
                by_chunk.setdefault(index // _CHUNK_ROWS, []).append((ident, index))
        written: dict[str, Row] = {}
        for chunk, wanted in by_chunk.items():
            rows = self._chunk(chunk)
            written.update(
                (ident, rows[index % _CHUNK_ROWS])
                for ident, index in wanted
                if rows[index % _CHUNK_ROWS][0] == ident
            )
        in_order = [*indexed, *(ident for ident in appended if ident not in indexed)]
        found = {ident: appended.get(ident) or written.get(ident) for ident in in_order}
        return {i: row for i, row in found.items() if row is not None and i not in self.removed}

    def snapshot(self) -> Snapshot:
        head = self.head
        return Snapshot(
            partial(_fields_of, head),
            settings=_settings_of(head),
            rows=self.rows(),
            entry=self,
            fields_for=partial(_fields_for, head),
        )

    def runs(self, *, cut: bool = True) -> Runs | None:
        """The runs of the content this entry was made from, appended ones included
        (None: the store has a layout the run path does not handle). Not ``cut``: the
        digests stay end to end where they can (runs.Digests), for a write that reads a
        few."""
        from vzwatch.storage.runs import (
            Digests,
            Known,
            Runs,
            _read_sequence,
            _split_digests,
            unpacked_lengths,
        )

        self.handle.seek(self.runs_at)
        recorded = _read_frame(self.handle)
        if recorded is None:
            return None
        joined, rest, packed, chunk_ends, groups = recorded
        lengths = None if packed is None else unpacked_lengths(packed)
        known = Known(joined, chunk_ends, self.payloads)
        for added in self.appended_runs:
            known.update(added)
        if self.sequence_at is not None:
            self.handle.seek(self.sequence_at - 8)
            size = int.from_bytes(self.handle.read(4), "little")
            self.handle.seek(self.sequence_at)
            body = self.handle.read(size)
            if len(body) != size:
                raise ValueError("torn run digests")
            digests, lengths, groups = _read_sequence(body, cut=cut)
        elif cut:  # the recorded runs are the content's: cut their digests apart
            digests = _split_digests(joined, 0, len(joined))
        else:
            digests = Digests(joined)
        markers: list[int] = []
        if self.tail_runs:  # the runs O(1) appends added, in one copy of the 400k of a big store
            from array import array

            listed = list(digests)
            grown = None if lengths is None else array("I", lengths)
            for key, (separator, chunk) in self.tail_runs:
                if separator:
                    # The append put a separator ("\n") after the last run: its bytes are
                    # no longer the recorded ones. A marker holding the separator's size
                    # and the old digest stands for it (runs._matches reads it).
                    stale = b"~" + bytes([separator]) + listed[-1]
                    known[stale] = known[listed[-1]]
                    listed[-1] = stale
                    markers.append(len(listed) - 1)
                listed.append(key)
                if grown is not None:
                    grown[-1] += separator
                    grown.append(chunk)
            digests, lengths = tuple(listed), grown
        if self.tail_runs and groups is not None:
            # The last group may hold the run the first append extended: drop it;
            # the others were full groups of runs no append touched.
            groups = groups[: max(len(groups) - _DIGEST_SIZE, 0)]
        return Runs(digests, rest, known, lengths, groups, tuple(markers))

    def record(
        self,
        state: _State,
        rows: tuple[Row, ...] = (),
        runs: tuple[tuple[bytes, Payload], ...] = (),
        sequence: Sequence[bytes] | None = None,
        removed: tuple[str, ...] = (),
        kind: str = "append",
        sizes: tuple[int, ...] = (),
        lengths: Sequence[int] | None = None,
        groups: bytes = b"",
        fields: Portfolio | None = None,
    ) -> None:
        """Append a new state to this very file, with rows that replace (or follow) the
        rows of the same id, the runs they came from, and the store's run digests;
        ``fields``: the store's new portfolio-wide fields (milestones), when they changed."""
        with open(self.path, "r+b") as handle:  # noqa: PTH123 - seek and write in place
            if os.fstat(handle.fileno()).st_ino != self.inode:
                return  # replaced since we read it: that writer's entry stands
            handle.seek(self.end)
            if sequence is not None and lengths is not None:
                from vzwatch.storage.runs import _sequence_frame

                handle.write(_sequence_frame(sequence, lengths, groups))
            frame: tuple[Any, ...] = (kind, rows, state.as_tuple(), runs, removed, sizes)
            if fields is not None:
                frame = (*frame, _head(fields, self.head[-1]))
            handle.write(_frame(frame))
            handle.truncate()
            self.end = handle.tell()
        if fields is not None:
            self.head = _head(fields, self.head[-1])
        if rows or removed:
            self.view_events.append(("rows", {row[0] for row in rows} | set(removed)))

    def outgrown(self) -> bool:
        """Whether the changes appended since the rows were written outweigh them: time
        to write the entry again. Remembered views do not count: they save work."""
        return bool(self.end - self.appends_at - self.view_bytes > self.appends_at)

    def views(self, name: str) -> dict[str, Buffer]:
        """What a renderer called ``name`` made of each row (UTF-8), for rows unchanged since.

        A views frame holds the ids and the length of each view (marshal), then
        the views end to end, raw: read without decoding or copying, written out
        as they are.
        """
        from array import array
        from itertools import accumulate

        found: dict[str, Buffer] = {}
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
                frame = memoryview(body)[4:]  # not copied: views are most of a big entry
                if zlib.crc32(frame) != int.from_bytes(body[:4], "little"):
                    raise ValueError("torn views frame")
                described = 4 + int.from_bytes(frame[:4], "little")
                recorded_name, ids, sizes = marshal.loads(frame[4:described])  # noqa: S302
                if recorded_name != name:
                    continue
                joined = frame[described:]
                lengths = array("I")
                lengths.frombytes(sizes)
                # Slices made by C loops: 10k views (a 10k store) in a third of the time.
                ends = list(accumulate(lengths))
                if (ends[-1] if ends else 0) != len(joined):
                    raise ValueError("views frame: sizes do not add up")
                cuts = map(slice, [0, *ends[:-1]], ends)
                views = map(joined.__getitem__, cuts)
                found.update(zip(ids.split("\n"), views, strict=True))
        return found

    def record_views(self, name: str, pairs: list[tuple[str, bytes]]) -> None:
        """Append views of rows as they are now, if nobody appended to this file meanwhile."""
        from array import array

        ids = "\n".join(ident for ident, _ in pairs)
        sizes = array("I", [len(view) for _, view in pairs]).tobytes()
        described = marshal.dumps((name, ids, sizes))
        body = len(described).to_bytes(4, "little") + described
        body += b"".join(view for _, view in pairs)
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


class Built(Sequence[Initiative]):
    """The initiatives of cached rows, each built the first time it is looked at.

    `list` of a 10k store prints 100 rows of a table, or JSON that the cache
    remembered per row: building every record would cost more than the rest.
    """

    def __init__(self, rows: Sequence[Row]) -> None:
        self.rows = rows
        self._built: list[Initiative | None] = [None] * len(rows)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, at: int) -> Initiative: ...

    @overload
    def __getitem__(self, at: slice) -> Sequence[Initiative]: ...

    def __getitem__(self, at: int | slice) -> Initiative | Sequence[Initiative]:
        if isinstance(at, slice):
            return [self[number] for number in range(*at.indices(len(self.rows)))]
        built = self._built[at]
        if built is None:
            built = self._built[at] = schema.initiative_from_row(self.rows[at])
        return built

    def ids(self) -> list[str]:
        return [row[_ID] for row in self.rows]

    def having_ids(self, wanted: Container[str]) -> Built:
        """Those whose id is in ``wanted``, in order, still unbuilt."""
        return Built([row for row in self.rows if row[_ID] in wanted])


class Snapshot:
    """A store's validated content, as the cache (or a fresh parse) holds it.

    ``portfolio(keep)`` builds records; with ``keep`` only the initiatives it
    accepts are built (``due`` on a 10k store needs a few hundred of them),
    so that portfolio is partial: use it for what was selected and for the
    store's fields (pillars, fiscal calendar), never for ids or lookups.
    """

    def __init__(
        self,
        fields: Portfolio | Callable[[], Portfolio],
        *,
        settings: Portfolio | None = None,
        rows: list[Row] | None = None,
        whole: Portfolio | None = None,
        entry: _Entry | None = None,
        rebuilt: frozenset[str] = frozenset(),
        fields_for: Callable[[Collection[str]], Portfolio] | None = None,
    ) -> None:
        # Title, pillars, fiscal calendar, milestones…; no initiatives. Or how to decode
        # them from the cache's head: 10k milestones cost 7 ms that a `list --json` of
        # remembered views never needs; ``settings`` has the rest without them, and
        # ``fields_for`` the milestones of a few initiatives only (_fields_for).
        self._fields = fields
        self._fields_for = fields_for
        self._settings = settings
        self._rows = rows
        self._whole = whole
        self._entry = entry  # where rendered views of these rows are remembered
        self._rebuilt = rebuilt  # ids whose rows are not the entry's: their views do not apply

    @classmethod
    def of(cls, portfolio: Portfolio) -> Snapshot:
        """The snapshot of records already built (a cache miss, parsed)."""
        return cls(replace(portfolio, initiatives=()), whole=portfolio)

    @property
    def fields(self) -> Portfolio:
        """The store's fields (pillars, fiscal calendar, milestones…), no initiatives."""
        if not isinstance(self._fields, Portfolio):
            self._fields = self._fields()
        return self._fields

    @property
    def settings(self) -> Portfolio:
        """The store's fields without its milestones (filters, pillar names, dates)."""
        return self.fields if self._settings is None else self._settings

    @property
    def fiscal(self) -> FiscalCalendar:
        return self.settings.fiscal

    def as_of(self, day: date) -> Snapshot:
        """The store as ``day`` saw it (queries.as_of): only the initiatives with an
        entry dated after ``day`` are built, cut back, and put back as rows."""
        from vzwatch.domain import queries

        if self._whole is not None:
            seen = queries.as_of(self._whole, day)
            return self if seen is self._whole else Snapshot.of(seen)
        fields = queries.as_of(self.fields, day)  # what the store holds beside initiatives
        rows = self._rows or []
        limit = day.toordinal()
        later = [at for at, row in enumerate(rows) if schema.latest_entry_day(row) > limit]
        if not later and fields is self.fields:
            return self
        rows = list(rows)
        for at in later:
            built = schema.initiative_from_row(rows[at])
            then = queries.initiative_as_of(built, day, self.fiscal)  # revisions as written
            rows[at] = schema.initiative_row(then)
        rebuilt = self._rebuilt | {rows[at][_ID] for at in later}
        return Snapshot(
            fields, rows=rows, entry=self._entry, rebuilt=rebuilt, fields_for=self._fields_for
        )

    def rendered(
        self,
        name: str,
        initiatives: Sequence[Initiative],
        render: Callable[[Initiative, Portfolio], str],
    ) -> list[Buffer]:
        """``render`` of each initiative (with the store's fields) in UTF-8, remembered in
        the cache per row as ``name``.

        A row's view is dropped whenever the row changes (a write, a hand edit
        read back), so a remembered view is always what ``render`` gives now;
        ``name`` must change whenever ``render`` may give something else. The
        fields ``render`` gets hold the milestones of the initiatives it renders
        (all of them, or when a few are, theirs alone).
        """
        if self._entry is None:
            return [render(item, self.fields).encode() for item in initiatives]
        try:
            views = self._entry.views(name)
        except Exception:  # noqa: BLE001 - any cache problem: render again
            views = {}
        ids = initiatives.ids() if isinstance(initiatives, Built) else [i.id for i in initiatives]
        remembered = [None if i in self._rebuilt else views.get(i) for i in ids]
        todo = [at for at, text in enumerate(remembered) if text is None]
        fields = self._fields_to_render([ids[at] for at in todo])
        texts: list[Buffer] = []
        new: list[tuple[str, bytes]] = []
        for at, text in enumerate(remembered):
            if text is None:
                text = render(initiatives[at], fields).encode()
                if ids[at] not in self._rebuilt:  # as of another day than the entry's row
                    new.append((ids[at], text))
            texts.append(text)
        if new:
            with suppress(Exception):
                self._entry.record_views(name, new)
        return texts

    def _fields_to_render(self, ids: list[str]) -> Portfolio:
        decoded = isinstance(self._fields, Portfolio)
        if decoded or self._fields_for is None or len(ids) > _FEW_RENDERED:
            return self.fields
        return self._fields_for(set(ids))

    def select(self, filters: Filters) -> Sequence[Initiative]:
        """The initiatives that pass every filter, in timeline order (queries.select),
        built from cached rows only when looked at."""
        from vzwatch.domain import queries

        if self._whole is not None:
            return queries.select(self._whole, filters)
        from operator import itemgetter

        rows = self._rows or []
        if queries.unfiltered(filters):  # the order alone: no Facts built (4 ms on 10k rows)
            start, end, title = schema.START_COLUMN, schema.END_COLUMN, schema.TITLE_COLUMN
            keys = [queries.order_key(row[start], row[end], row[title]) for row in rows]
            return Built([rows[at] for at in queries.in_timeline_order(keys)])
        facts = list(map(queries.Facts._make, map(itemgetter(*schema.FACTS_COLUMNS), rows)))
        return Built([rows[at] for at in queries.chosen(facts, filters, self.settings.pillar_name)])

    def titled(self, title: str) -> list[str]:
        """The ids of the initiatives whose title is ``title`` in any case (no record built)."""
        key = title.casefold()
        if self._whole is not None:
            return [item.id for item in self._whole.initiatives if item.title.casefold() == key]
        at = schema.TITLE_COLUMN
        return [row[_ID] for row in self._rows or [] if row[at].casefold() == key]

    def has_dependencies(self) -> bool:
        """Whether any initiative names a ``depends_on`` (a column scan, no records built)."""
        if self._whole is not None:
            return any(item.depends_on for item in self._whole.initiatives)
        return any(row[schema.DEPENDS_COLUMN] for row in self._rows or ())

    def dependency_portfolio(self) -> Portfolio:
        """A partial portfolio of the initiatives that wait for another and of those they
        wait for: all that the blocked rule looks at (dependencies.blocked_by), built
        from their rows alone, with the store's settings (no milestones: the rule reads
        statuses and timelines). Partial: for what blocks what, not for lookups."""
        if self._whole is not None:
            return self._whole
        rows = self._rows or []
        waiting = [row for row in rows if row[schema.DEPENDS_COLUMN]]
        wanted = {row[_ID] for row in waiting}
        wanted.update(ident for row in waiting for ident in row[schema.DEPENDS_COLUMN])
        chosen = [row for row in rows if row[_ID] in wanted]
        return replace(self.settings, initiatives=tuple(_initiatives(chosen)))

    def find(self, id_or_prefix: str) -> Initiative:
        """The initiative an id or unambiguous prefix names, building only its record."""
        from vzwatch.domain.portfolio import find_id

        if self._whole is not None:
            return self._whole.find(id_or_prefix)
        rows = self._rows or []
        ids = [row[0] for row in rows]
        key = id_or_prefix.strip().lower()
        titles = None if key in ids else {row[0]: row[schema.FACTS_COLUMNS[-1]] for row in rows}
        ident = find_id(ids, id_or_prefix, titles)
        return next(item for item in _initiatives(row for row in rows if row[0] == ident))

    def with_ids(self, idents: Collection[str]) -> list[Initiative]:
        """The initiatives whose ids are ``idents`` (store order), building only their records:
        one pass over the cached ids."""
        wanted = set(idents)
        if self._whole is not None:
            return [item for item in self._whole.initiatives if item.id in wanted]
        return list(_initiatives(row for row in self._rows or [] if row[_ID] in wanted))

    def facts(
        self, keep: RowTest, of_record: Callable[[Initiative], Fact], of_row: Callable[[Row], Fact]
    ) -> list[Fact]:
        """What a command reads of each kept initiative: ``of_row`` of its cached row,
        no record built (``of_record`` of its record when the records are built)."""
        if self._whole is not None:
            return [
                of_record(item)
                for item in self._whole.initiatives
                if keep(item.status, item.timeline.end.index if item.timeline.end else None)
            ]
        return [of_row(row) for row in self._rows or () if keep(row[_STATUS], row[_END])]

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
        return replace(self.fields, initiatives=initiatives)


def titles_of(store_path: Path, first: str) -> dict[str, str] | None:
    """The titles of the initiatives whose id starts with ``first`` (``first``,
    ``first-2``…: the ids new initiatives get from one title), in the store's order,
    reading their rows alone; None without a usable entry. The entry may describe an
    older content: for a warning, not a rule."""
    try:
        entry = _open_entry(store_path)
        if entry is None:
            return None
        with entry.handle:
            rows = entry.rows_starting_with(first)
        return {ident: row[schema.TITLE_COLUMN] for ident, row in rows.items()}
    except Exception:  # noqa: BLE001 - any cache problem: no answer
        return None


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


@contextmanager
def opened_entry(store_path: Path, entry: _Entry | None = None) -> Iterator[_Entry | None]:
    """The store's cache entry, open for the questions of one read (None: no usable
    entry); ``entry``: one the caller already holds open, left open. A read after a
    change asks up to three questions of it, and each open costs 1–2 ms on 10k."""
    if entry is not None:
        yield entry
        return
    opened = _open_entry(store_path)
    if opened is None:
        yield None
        return
    with opened.handle:
        yield opened


def snapshot(
    store_path: Path,
    data: bytes | None = None,
    read: Stamped | None = None,
    *,
    runs_follow: bool = False,
    entry: _Entry | None = None,
) -> Snapshot | None:
    """The cached content of the store as it is now, or None (a miss).

    Without ``data`` only a settled stamp can hit; with ``data`` (the bytes
    just read, and ``read``: the stamp that describes them) a matching digest
    hits too, and the entry is re-recorded with that stamp so the next lookup
    can trust it. ``runs_follow``: on a miss the caller reads by runs
    (runs.changed_snapshot), which compares an entry's groups of runs with the
    bytes itself; one described by groups is then left to it, not hashed twice.
    ``entry``: the entry as opened_entry holds it open (else it is opened here).
    """
    try:
        with opened_entry(store_path, entry) as entry:
            if entry is None:
                return None
            if entry.state.fresh_for(_stamp(store_path.stat()) if read is None else read.stamp):
                return entry.snapshot()
            if data is None:
                return None
            if runs_follow and entry.state.in_groups() and not entry.outgrown():
                return None  # the same bytes or not, the read by runs finds out
            if not entry.state.describes(data):
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
            from vzwatch.storage.runs import _lengths, _run_bounds

            bounds = _run_bounds(data)
            if len(bounds) - 1 == len(runs[0]):
                runs = (*runs[:3], _lengths(bounds))
        _write_entry(store_path, _entry_frames(store_path, portfolio, text, rows, state, runs))
    except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is no cache
        pass


def _stored(runs: RunsRecord, data: bytes) -> bytes:
    from vzwatch.storage.runs import _stored_runs

    return _stored_runs(runs, data)


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
            _frame(None) if runs is None else _stored(runs, data),
            _frame(("append", (), state.as_tuple(), (), (), ())),
        )
    )


# --- runs: what a read after a change and a write in place use (vzwatch.storage.runs) ------

# (digests, payloads, rest digests, run lengths in bytes or None when not known)
RunsRecord = tuple[Sequence[bytes], tuple[Payload, ...], tuple[bytes, ...], Sequence[int] | None]


class Stamped(NamedTuple):
    """The stat stamp of bytes read from a store: taken before the read, unchanged after."""

    stamp: Stamp
    recorded_ns: int  # the clock just before that stat: "settled" is judged against it


def stamped(read: StampedRead) -> Stamped | None:
    """A stamped read of the store (``store.read_stamped``) as the cache records it,
    judged against the clock just before that read. None: there was no file."""
    if read.data is None or read.stamp is None:
        return None
    stamp = read.stamp
    return Stamped(
        (stamp.device, stamp.inode, stamp.size, stamp.mtime_ns, stamp.ctime_ns), read.read_ns
    )


class AppendTarget(NamedTuple):
    """What an O(1) append needs to know about the store, vouched for by the cache."""

    settings: Portfolio  # fields, fiscal calendar, pillars, sources; no initiatives, no milestones
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


def appended_run(
    chunk: str, record: Initiative | ProgressEntry | Measurement
) -> tuple[bytes, Payload]:
    """The run an appended ``[[initiatives]]``, ``[[progress]]`` or ``[[measurements]]``
    block becomes."""
    from vzwatch.storage.blocks import digest

    if isinstance(record, Initiative):
        return digest(chunk), ("i", _bare_row(record))
    if isinstance(record, Measurement):
        return digest(chunk), ("e", *schema.measurement_row(record))
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
            settings=_settings_of(entry.head),
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
