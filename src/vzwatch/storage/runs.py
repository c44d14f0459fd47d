"""Reading and writing a store by its runs: work in proportion to the change.

A *run* is the store's text from one line starting with "[" to the next (and
the head before the first). Each run of a valid store is recorded in its
cache entry (vzwatch.storage.cache) by its BLAKE2b digest with what it holds,
validated, plus its length and a digest per group of runs.

**A read after a change** (a hand edit, a `git pull`) finds the runs that
changed and parses only those; the store-wide rules (unique ids, entries
naming existing initiatives) are checked again from the payloads. Anything
unusual (a changed [portfolio], pillar or other table, a sub-table, a value
spanning lines that start with "[", a problem of any kind) takes the whole
parse instead. Milestones, indicators and measurements are runs too: their
records are kept outside their initiative's own run (the milestones in the
entry's head, an indicator with its measurements in its initiative's row),
so a change to them rebuilds those from the payloads (_milestones_after,
_indicators_after, _results_after) and checks their store-wide rules. So
these paths can only be faster, never different: the test suite compares
them with a fresh parse.

**A write in place** (`edit`, `remove`, a `progress` that marks done,
`import`, the `milestone` and `indicator` writes): under the write lock,
`vouch` gives the cache's view of exactly the bytes just read (refused
unless the entry provably describes them); the command edits the text of the
few runs it touches; `Vouched.check` validates the result by the runs around
each edit, and `Checked.record` stores the new
state as one delta frame.

Only a read that misses the warm cache and the writes import this module:
its classes and patterns cost start-up time the warm path does not pay.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import cache, cached_property, partial
from itertools import accumulate, pairwise
from operator import itemgetter, sub
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from vzwatch.domain import schema
from vzwatch.domain.errors import StoreError
from vzwatch.domain.portfolio import Indicator, Initiative, Measurement, Milestone, Portfolio
from vzwatch.domain.quarters import FiscalCalendar
from vzwatch.storage.cache import (
    _DIGEST_SIZE,
    _PAYLOADS_MARK,
    _REST,
    _RUN_TABLES,
    _SEQUENCE_MARK,
    Ids,
    Payload,
    Row,
    RunsRecord,
    Snapshot,
    Stamped,
    _bare_row,
    _digest,
    _Entry,
    _entry_frames,
    _fields_for,
    _fields_of,
    _frame,
    _initiatives,
    _open_entry,
    _settings_of,
    _stamp,
    _State,
    _with_logs,
    _write_entry,
    opened_entry,
)

if TYPE_CHECKING:
    from struct import Struct
    from threading import Thread

# Where an initiative row keeps its indicators (with their measurements). A row built
# again from its initiative's run takes them from the cached row, unless runs of
# [[indicators]] or [[measurements]] changed too (see _indicators_after).
_INDICATORS = schema.INDICATORS_COLUMN
_INDICATOR_ID = schema.INDICATOR_ID_COLUMN
_LOG_KINDS = ("p", "h")  # entries of an initiative's own logs: progress, history
# Runs of records kept outside the initiative's own row columns: milestones (in the
# head), indicators and their measurements (in their initiative's row).
_RESULT_KINDS = ("m", "n", "e")

_MAX_CHANGED_SHARE = 4  # past 1/4 of the runs changed, a whole parse is as cheap


_SCANS_BEFORE_DICT = 64
# New run digests a write searches for one by one (each a scan of 1 MB for 60k runs);
# past that, one set of all the store's digests is cheaper.
_SEARCHED_DIGESTS = 16


_PAYLOAD_CHUNK = 4096


_ENDS_STEP = 4096


# Runs a group's digest covers. Each group is one hash, one release of the GIL; 256
# runs (40 KB of a 10k store) make ~240 groups of its 10.8 MB, matched from both ends
# in 9.5 ms where 940 groups of 64 runs took 12–13 ms (the two threads waited on each
# other at every group); inside the changed group, its runs are matched one by one.
_GROUP_RUNS = 256


_NEAR_RUNS = 64  # a change of more runs than this takes the general path
# From this size a read after a change matches groups from the end on a second thread.
_GROUPS_FROM_BOTH_ENDS_BYTES = 1 << 20
_SPLIT_BATCH = 1024  # digests cut at once by _split_digests


_RUN_START = re.compile(rb"\n\[|\n[ \t]+\[")


_FIRST_RUN_START = re.compile(rb"[ \t]*\[")


_INDENTED_HEADER = re.compile(rb"\n[ \t]+\[")


def _stored_runs(runs: RunsRecord, data: bytes) -> bytes:
    """The runs frame (digests, group digests when the lengths are known, where each
    chunk of payloads ends), then the payloads: a region of frames of _PAYLOAD_CHUNK
    payloads each, so a look-up reads one chunk and a write in place reads none."""
    digests, payloads, rest, lengths = runs
    chunks = [
        _frame(payloads[at : at + _PAYLOAD_CHUNK]) for at in range(0, len(payloads), _PAYLOAD_CHUNK)
    ]
    ends = tuple(accumulate(map(len, chunks)))
    groups = None if lengths is None else _group_digests(data, [0, *accumulate(lengths)])
    packed = None if lengths is None else _packed_lengths(lengths)
    region = b"".join(chunks)
    mark = len(region).to_bytes(4, "little") + _PAYLOADS_MARK
    frame = _frame((_joined_digests(digests), rest, packed, ends, groups))
    return frame + mark + region


class Known:
    """Every run digest the entry can vouch for, with its payload.

    A 100k store has 300k runs: unpacking their payloads costs 0.1 s and a
    dict of them as much again, while a read after one hand edit looks up a
    handful. So a few look-ups scan the recorded digests (C speed) and unpack
    one chunk of payloads each; past that everything is unpacked once.
    """

    def __init__(
        self,
        digests: bytes,
        chunk_ends: tuple[int, ...],
        load: Callable[[int, int], tuple[Payload, ...]],
    ) -> None:
        self._digests = digests  # the recorded run digests end to end (_joined_digests)
        self._ends = chunk_ends  # where each chunk of payloads ends in their region
        self._load = load  # the payloads of the region's bytes start:end
        self._unpacked: dict[int, tuple[Payload, ...]] = {}
        self._extra: dict[bytes, Payload] = {}
        self._all: dict[bytes, Payload] | None = None
        self._scans = 0

    def _chunk(self, number: int) -> tuple[Payload, ...]:
        found = self._unpacked.get(number)
        if found is None:
            start = self._ends[number - 1] if number else 0
            found = self._unpacked[number] = self._load(start, self._ends[number])
        return found

    def get(self, key: bytes) -> Payload | None:
        found = self._extra.get(key)
        if found is not None:
            return found
        if self._all is None:
            self._scans += 1
            if self._scans <= _SCANS_BEFORE_DICT:
                at = self._position(key)
                if at < 0:
                    return None
                return self._chunk(at // _PAYLOAD_CHUNK)[at % _PAYLOAD_CHUNK]
            payloads = [p for n in range(len(self._ends)) for p in self._chunk(n)]
            digests = _split_digests(self._digests, 0, len(self._digests))
            self._all = dict(zip(digests, payloads, strict=True))
        return self._all.get(key)

    def at(self, number: int, key: bytes) -> Payload | None:
        """The payload of ``key``, first looked for as recorded run ``number``: where it is
        when no run before it changed since the entry was made (no search then)."""
        start = number * _DIGEST_SIZE
        if self._all is None and self._digests[start : start + _DIGEST_SIZE] == key:
            return self._chunk(number // _PAYLOAD_CHUNK)[number % _PAYLOAD_CHUNK]
        return self.get(key)

    def _position(self, key: bytes) -> int:
        """Which recorded run ``key`` is the digest of (-1: none), searched at memory speed."""
        return _digest_position(self._digests, key)

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

    digests: Sequence[bytes]  # in file order; a run O(1) appends changed is a marker
    rest: tuple[bytes, ...]  # digests of the ("r",) runs, in file order
    known: Known
    lengths: Sequence[int] | None = None  # of each run, in bytes, when known
    groups: bytes | None = None  # digests of each _GROUP_RUNS runs' bytes (see _group_digests)
    markers: tuple[int, ...] = ()  # the runs whose digest is a marker (see cache._Entry.runs)


def _packed_lengths(lengths: Sequence[int]) -> bytes:
    """Run lengths as 32-bit integers end to end: loaded without making 400k objects."""
    from array import array

    return array("I", lengths).tobytes()


def unpacked_lengths(packed: bytes) -> Sequence[int]:
    """The run lengths ``_packed_lengths`` packed (an array: indexing and slicing as a
    tuple, without an object per run until one is asked for)."""
    from array import array

    lengths = array("I")
    lengths.frombytes(packed)
    return lengths


def _lengths(bounds: list[int]) -> tuple[int, ...]:
    return tuple(map(sub, bounds[1:], bounds[:-1]))


def _sequence_frame(digests: Sequence[bytes], lengths: Sequence[int], groups: bytes) -> bytes:
    """A frame of run digests, lengths and group digests (read only by the next read
    after a change)."""
    parts = [len(digests).to_bytes(4, "little"), _joined_digests(digests)]
    parts += [_packed_lengths(lengths), groups]
    size = sum(map(len, parts))
    return b"".join([size.to_bytes(4, "little"), _SEQUENCE_MARK, *parts])


@cache
def _digest_batch() -> Struct:
    """_SPLIT_BATCH digests end to end, as struct packs and unpacks them."""
    from struct import Struct

    return Struct(f"{_DIGEST_SIZE}s" * _SPLIT_BATCH)


def _joined_digests(digests: Sequence[bytes]) -> bytes:
    """The digests end to end, packed by struct a thousand at a time (400k of them in
    3 ms, against 8–18 ms for a join of 400k small objects)."""
    if isinstance(digests, Digests):
        return digests.joined
    batch = _digest_batch()
    whole = len(digests) // _SPLIT_BATCH * _SPLIT_BATCH
    parts = [batch.pack(*digests[at : at + _SPLIT_BATCH]) for at in range(0, whole, _SPLIT_BATCH)]
    parts.extend(digests[whole:])
    joined = b"".join(parts)
    if len(joined) != _DIGEST_SIZE * len(digests):  # struct pads or cuts what is not 16 bytes
        raise ValueError("a run digest of another size")
    return joined


def _split_digests(body: bytes, start: int, end: int) -> tuple[bytes, ...]:
    """The digests laid end to end in ``body[start:end]``, cut by struct a thousand at a
    time (60k of them in 1 ms, against 5 ms sliced one by one in Python)."""
    batch = _digest_batch()
    step = _DIGEST_SIZE * _SPLIT_BATCH
    whole = start + (end - start) // step * step
    found = [digest for at in range(start, whole, step) for digest in batch.unpack_from(body, at)]
    found.extend(body[at : at + _DIGEST_SIZE] for at in range(whole, end, _DIGEST_SIZE))
    return tuple(found)


class Digests(Sequence[bytes]):
    """Run digests end to end in one bytes object, each cut out when asked for: a write
    in place asks for a few of a store's 60k, and cutting them all costs 5 ms."""

    __slots__ = ("_cut", "joined")

    def __init__(self, joined: bytes) -> None:
        if len(joined) % _DIGEST_SIZE:
            raise ValueError("torn run digests")
        self.joined = joined
        self._cut: tuple[bytes, ...] | None = None

    def __len__(self) -> int:
        return len(self.joined) // _DIGEST_SIZE

    @overload
    def __getitem__(self, at: int) -> bytes: ...
    @overload
    def __getitem__(self, at: slice) -> tuple[bytes, ...]: ...
    def __getitem__(self, at: int | slice) -> bytes | tuple[bytes, ...]:
        if self._cut is not None:
            return self._cut[at]
        if isinstance(at, slice):
            start, stop, step = at.indices(len(self))
            if step != 1:
                return self.cut()[at]
            stop = max(start, stop)
            return _split_digests(self.joined, start * _DIGEST_SIZE, stop * _DIGEST_SIZE)
        number = at + len(self) if at < 0 else at
        if not 0 <= number < len(self):
            raise IndexError("run digest index out of range")
        return self.joined[number * _DIGEST_SIZE : (number + 1) * _DIGEST_SIZE]

    def cut(self) -> tuple[bytes, ...]:
        """All of them, cut once."""
        if self._cut is None:
            self._cut = _split_digests(self.joined, 0, len(self.joined))
        return self._cut

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.cut())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, bytes) and _digest_position(self.joined, key) >= 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Digests):
            return self.joined == other.joined
        if isinstance(other, tuple):
            return self.cut() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-free, but equal to tuples


def _digest_position(joined: bytes, key: bytes) -> int:
    """Which of the digests end to end in ``joined`` is ``key`` (-1: none), searched at
    memory speed; a match across two digests is no match."""
    if len(key) != _DIGEST_SIZE:
        return -1
    at = joined.find(key)
    while at >= 0 and at % _DIGEST_SIZE:
        at = joined.find(key, at + 1)
    return at // _DIGEST_SIZE if at >= 0 else -1


def _read_sequence(
    body: bytes, *, cut: bool = True
) -> tuple[Sequence[bytes], Sequence[int], bytes]:
    count = int.from_bytes(body[:4], "little")
    end = 4 + count * _DIGEST_SIZE
    digests = _split_digests(body, 4, min(end, len(body))) if cut else Digests(body[4:end])
    lengths = unpacked_lengths(body[end : end + 4 * count])
    groups = body[end + 4 * count :]
    if len(digests) != count or len(lengths) != count or len(groups) % _DIGEST_SIZE:
        raise ValueError("torn run digests")
    return digests, lengths, groups


def _group_digests(data: bytes | Spliced, bounds: list[int]) -> bytes:
    """The digest of each group of _GROUP_RUNS runs' bytes, joined: a read after a
    change hashes the store in a few thousand slices instead of one per run."""
    from vzwatch.storage.digest import blake2b

    count = len(bounds) - 1
    return b"".join(
        blake2b(data[bounds[at] : bounds[min(at + _GROUP_RUNS, count)]], digest_size=16).digest()
        for at in range(0, count, _GROUP_RUNS)
    )


def _regrouped(
    data: bytes | Spliced,
    bounds: list[int],
    digests: Sequence[bytes],
    old_digests: Sequence[bytes],
    old_groups: bytes | None,
) -> bytes:
    """The group digests of new runs, hashing only the groups a change touched.

    A recorded group other than the last was a full _GROUP_RUNS runs when it
    was hashed, so where the new runs at its places have the same digests its
    bytes are the same; the last recorded group may have been shorter, and a
    run an O(1) append extended is a marker that matches nothing.
    """
    full = len(old_groups) // _DIGEST_SIZE - 1 if old_groups else 0
    if not old_groups or len(old_groups) % _DIGEST_SIZE or full * _GROUP_RUNS > len(old_digests):
        return _group_digests(data, bounds)
    from vzwatch.storage.digest import blake2b

    count = len(digests)
    if isinstance(digests, Digests) and isinstance(old_digests, Digests):
        new_joined, old_joined = digests.joined, old_digests.joined

        def same(at: int, end: int) -> bool:  # compared end to end: no digest is cut out
            return (
                new_joined[at * _DIGEST_SIZE : end * _DIGEST_SIZE]
                == old_joined[at * _DIGEST_SIZE : end * _DIGEST_SIZE]
            )
    else:

        def same(at: int, end: int) -> bool:
            return tuple(digests[at:end]) == tuple(old_digests[at:end])

    parts: list[bytes] = []
    for number, at in enumerate(range(0, count, _GROUP_RUNS)):
        end = min(at + _GROUP_RUNS, count)
        if number < full and end - at == _GROUP_RUNS and same(at, end):
            parts.append(old_groups[number * _DIGEST_SIZE : (number + 1) * _DIGEST_SIZE])
        else:
            parts.append(blake2b(data[bounds[at] : bounds[end]], digest_size=16).digest())
    return b"".join(parts)


def _described(bounds: list[int], groups: bytes) -> tuple[tuple[int, bytes], ...]:
    """The state segments (cache._State) the group digests of runs ``bounds`` make: the
    bytes they cover, told by digests already computed (no whole-file hash)."""
    count = len(bounds) - 1
    if count <= 0:
        return ((0, _digest(b"")),)
    return tuple(
        (bounds[min(at + _GROUP_RUNS, count)], groups[n * _DIGEST_SIZE : (n + 1) * _DIGEST_SIZE])
        for n, at in enumerate(range(0, count, _GROUP_RUNS))
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
    from vzwatch.storage.digest import blake2b

    bounds = _run_bounds(data) if bounds is None else bounds
    return [blake2b(data[start:end], digest_size=16).digest() for start, end in pairwise(bounds)]


def runs_of(text: str, document: Mapping[str, Any], portfolio: Portfolio) -> RunsRecord | None:
    """The runs of a store just parsed whole (``document``, validated as ``portfolio``).

    None when the run path cannot follow the layout (sub-tables of records).
    """
    from vzwatch.storage import blocks

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
        payloads.append(_entry_payload(kind, document[table][number], portfolio.fiscal))
    digests = index.runs
    if len(digests) != len(payloads):
        return None
    rest = tuple(key for key, payload in zip(digests, payloads, strict=True) if payload == _REST)
    return digests, tuple(payloads), rest, None  # remember() measures the lengths


def changed_snapshot(
    store_path: Path, data: bytes, read: Stamped, entry: _Entry | None = None
) -> Snapshot | None:
    """The store's content from its cached runs plus the few that changed, or None.

    None means "parse the whole store": no entry, a layout the run path does
    not follow, too much changed, or anything at all that is not plainly valid.
    Work beyond a few C-speed passes over the runs is proportional to the change:
    only new runs are parsed, only the initiatives they touch get new rows, and
    the entry grows by one frame instead of being written again. ``entry``: the
    entry as cache.opened_entry holds it open (else it is opened here).
    """
    try:
        with opened_entry(store_path, entry) as entry:
            if entry is None:
                return None
            runs = entry.runs(cut=False)  # a hand edit looks at a few of its digests
            if runs is None:
                return None
            near = _near_change(entry, runs, data, read)
            if near is not None:
                return near
            fields = _fields_of(entry.head)
            change = _runs_changed(data, runs, fields)
            if change is None:
                return None
            rows = entry.rows()
            updated = _updated_rows(rows, change, fields)
            if updated is None:
                return None
            fields = updated.fields or fields
            groups = _regrouped(data, change.bounds, change.digests, runs.digests, runs.groups)
            state = _State(
                read.stamp, read.recorded_ns, _described(change.bounds, groups), data[-3:], False
            )
            if updated.reordered or entry.outgrown():
                text = data.decode("utf-8")
                compact = tuple(
                    ("i", _payload_id(payload)) if payload[0] == "i" else payload
                    for payload in change.payloads
                )
                record: RunsRecord = (change.digests, compact, runs.rest, _lengths(change.bounds))
                frames = _entry_frames(store_path, fields, text, updated.rows, state, record)
                _write_entry(store_path, frames)
            else:
                entry.record(
                    state,
                    updated.replaced,
                    change.fresh,
                    change.digests,
                    updated.removed,
                    lengths=_lengths(change.bounds),
                    groups=groups,
                    fields=updated.fields,
                )
        return Snapshot(fields, rows=updated.rows)
    except Exception:  # noqa: BLE001 - any problem: parse the whole store instead
        return None


def _common_ends(old: Sequence[bytes], new: Sequence[bytes]) -> tuple[int, int]:
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
    digests: Sequence[bytes]
    if split is None:
        bounds = _run_bounds(data)
        digests = tuple(run_digests(data, bounds))
        head, tail = _common_ends(old, digests)
        groups = _regrouped(data, bounds, digests, old, runs.groups)
        lengths: Sequence[int] = _lengths(bounds)
    else:
        bounds, digests, head, tail, groups, lengths = split
    old_mid, new_mid = old[head : len(old) - tail], digests[head : len(digests) - tail]
    if head == 0 or len(old_mid) + len(new_mid) > _NEAR_RUNS:
        return None
    packed = entry.head  # its milestones stay packed: a change to one takes the general path
    settings = _settings_of(packed)
    known = runs.known
    old_payloads = [known[key] for key in old_mid]
    new_payloads: list[Payload] = []
    fresh: list[tuple[bytes, Payload]] = []
    for number, key in enumerate(new_mid, start=head):
        payload = known.get(key)
        if payload is None or (payload[0] == "i" and key not in old_mid):
            # New bytes, or known only by id (its cached row may be a later version).
            payload = _read_run(data[bounds[number] : bounds[number + 1]], settings)
            if payload is None:
                return None
            fresh.append((key, payload))
        new_payloads.append(payload)
    # A new run not among the old middle ones that the old runs hold is outside it.
    if len(set(new_mid)) != len(new_mid) or any(key in old for key in set(new_mid) - set(old_mid)):
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
    if len(old_set) != len(old_mid) or len(new_set) != len(new_mid):
        # Two identical runs around the change: which one went cannot be told by
        # digests (dropping one of two same entries would read as no change).
        return None
    appeared = [got for key, got in zip(new_mid, new_payloads, strict=True) if key not in old_set]
    vanished = [got for key, got in zip(old_mid, old_payloads, strict=True) if key not in new_set]
    if tail and any(got[0] in ("p", "h") for got in appeared):
        return None  # entries inserted between others: their order needs the whole log
    if any(got[0] in _RESULT_KINDS for got in (*appeared, *vanished)):
        return None  # milestones, indicators or measurements: the general path
    rows = entry.rows()
    own = {_payload_id(got): got[1] for got in new_payloads if got[0] == "i"}
    touched = {_payload_id(got) if got[0] == "i" else got[1] for got in (*appeared, *vanished)}
    # The few touched rows are searched for at C speed: a dict of 100k ids costs 10 ms.
    ids = list(map(itemgetter(0), rows)) if touched else []
    replaced: list[Row] = []
    for ident in sorted(touched):
        try:
            number = ids.index(ident)
        except ValueError:
            return None  # an entry naming no initiative
        old_row = rows[number]
        logs = _logs_after(old_row, ident, vanished, appeared)
        bare = own.get(ident)
        if bare is None or isinstance(bare, str):
            bare = (*old_row[:-2], (), ())
        row = _with_logs(_kept_indicators(bare, old_row), *logs)
        rows[number] = row
        replaced.append(row)
    state = _State(read.stamp, read.recorded_ns, _described(bounds, groups), data[-3:], False)
    entry.record(state, tuple(replaced), tuple(fresh), digests, lengths=lengths, groups=groups)
    return Snapshot(
        partial(_fields_of, packed),
        settings=settings,
        rows=rows,
        entry=entry,
        fields_for=partial(_fields_for, packed),
    )


def _split_by_groups(
    data: bytes, runs: Runs
) -> tuple[list[int], Sequence[bytes], int, int, bytes, Sequence[int]] | None:
    """The runs of ``data`` found from the recorded ones without splitting it all.

    The recorded lengths give where each old run and group of runs would be;
    groups whose bytes are unchanged there (from the start, and from the end
    with the shift in size) are unchanged runs, and only the runs between are
    split and hashed again. Runs the groups do not cover (those O(1) appends
    added) are compared one by one. Returns the new bounds, the new digests,
    how many runs are unchanged at the start and at the end, the new group
    digests and the new lengths (the old ones around the split middle); None
    when the lengths or groups are not known.
    """
    from vzwatch.storage.digest import blake2b
    from vzwatch.storage.threads import usable_cpus

    lengths, groups, old = runs.lengths, runs.groups, runs.digests
    count = len(old)
    if (
        lengths is None
        or groups is None
        or len(lengths) != count
        or len(groups) % _DIGEST_SIZE
        or len(groups) // _DIGEST_SIZE > -(-count // _GROUP_RUNS)
    ):
        return None
    before = [0, *accumulate(lengths)]
    shift = len(data) - before[-1]
    view = memoryview(data)  # the groups are hashed where they lie, not copied out first

    def same(start: int, end: int, moved: int, digest: bytes) -> bool:
        if not 0 <= start + moved <= end + moved <= len(data):
            return False
        run = view[start + moved : end + moved]
        if len(digest) == _DIGEST_SIZE:  # a run's digest (not a marker): hashed here, no calls
            return blake2b(run, digest_size=_DIGEST_SIZE).digest() == digest
        return _matches(run, digest)

    total = len(groups) // _DIGEST_SIZE
    grouped = min(total * _GROUP_RUNS, count)  # runs after these are in no group
    matched = _Groups(view, [before[min(n * _GROUP_RUNS, count)] for n in range(total + 1)], groups)
    from_end = _FromTheEnd(matched, shift)
    if len(data) >= _GROUPS_FROM_BOTH_ENDS_BYTES and usable_cpus() > 1:
        from_end.start()
    try:
        first = 0  # groups unchanged from the start
        while first < total and matched.unchanged(first, 0):
            first += 1
        head = min(first * _GROUP_RUNS, count)  # then runs one by one (a last group may be short)
        while head < count and same(before[head], before[head + 1], 0, old[head]):
            head += 1

        def unchanged_before(end: int, floor: int) -> int:
            """Walk back from run ``end`` over runs unchanged at the end (not below ``floor``)."""
            while (
                end - 1 >= max(head, floor)
                and before[end - 1] + shift >= before[head]
                and same(before[end - 1], before[end], shift, old[end - 1])
            ):
                end -= 1
            return end

        tail_start = unchanged_before(count, grouped)  # the runs no group covers
        if tail_start == grouped:
            # Groups unchanged at the end lie after the start's, in the new bytes too.
            floor = first + 1
            while floor < total and matched.edges[floor] + shift < before[head]:
                floor += 1
            last = from_end.lowest_unchanged(floor)
            tail_start = unchanged_before(min(last * _GROUP_RUNS, count), 0)
    finally:
        from_end.stop()
    # A run's start depends on the byte before it: keep one unchanged run on each side.
    head = max(head - 1, 0)
    tail_start = min(tail_start + 1, count)
    if head == 0:
        return None
    start, end = before[head], before[tail_start] + shift
    starts = [start, *(m.start() + 1 for m in _RUN_START.finditer(data, start, end))]
    middle = [blake2b(data[a:b], digest_size=16).digest() for a, b in pairwise([*starts, end])]
    # Joined slices copy references; only a change of size makes new offsets after it.
    bounds = before[:head] + starts + _moved(before[tail_start:], shift)
    digests = _spliced_digests(old, head, middle, tail_start)
    if runs.markers:  # unchanged runs now: their digest is known again
        digests_list = list(digests)
        moved = len(digests_list) - count
        for number in runs.markers:
            at = number if number < head else number + moved if number >= tail_start else -1
            if at >= 0:
                digests_list[at] = _run_digest(data[bounds[at] : bounds[at + 1]])
        digests = tuple(digests_list)
    tail = count - tail_start
    if len(digests) == count and total == -(-count // _GROUP_RUNS) and not runs.markers:
        # The same groups: only those the change touched differ.
        touched = range(head // _GROUP_RUNS, -(-tail_start // _GROUP_RUNS))
        fresh = {
            n: _group_digests(data, bounds[n * _GROUP_RUNS : (n + 1) * _GROUP_RUNS + 1])
            for n in touched
        }
        new_groups = b"".join(fresh.get(n, groups[n * 16 : n * 16 + 16]) for n in range(total))
    else:
        new_groups = _regrouped(data, bounds, digests, old, groups)
    from array import array

    # Arrays joined: copies of memory, not an int object per run (400k on a 100k store).
    kept = lengths if isinstance(lengths, array) else array("I", lengths)
    middle_lengths = array("I", map(sub, [*starts[1:], end], starts))
    return bounds, digests, head, tail, new_groups, kept[:head] + middle_lengths + kept[tail_start:]


class _Groups:
    """A store's recorded groups of runs (runs._group_digests), to match with new bytes."""

    __slots__ = ("edges", "hash", "keys", "size", "view")

    def __init__(self, view: memoryview, edges: list[int], joined: bytes) -> None:
        from vzwatch.storage.digest import blake2b

        self.hash = blake2b
        self.view = view  # the new bytes
        self.edges = edges  # where each group began and ended in the recorded bytes
        self.keys = _split_digests(joined, 0, len(joined))
        self.size = len(view)

    def unchanged(self, number: int, moved: int) -> bool:
        """Whether group ``number`` is in the new bytes, ``moved`` bytes further on."""
        start, end = self.edges[number] + moved, self.edges[number + 1] + moved
        return (
            start >= 0
            and end <= self.size
            and self.hash(self.view[start:end], digest_size=_DIGEST_SIZE).digest()
            == self.keys[number]
        )


class _FromTheEnd:
    """The groups of runs unchanged at the end of a store, matched from its last group
    down on a second thread while the main one matches them from the start.

    BLAKE2b leaves the GIL and both threads give it back at every group: on two
    CPUs _split_by_groups of a 10.8 MB store took 9.5 ms, against 14.5 ms on one
    thread (see _GROUP_RUNS). Only which groups are unchanged is shared, never a
    verdict: the main thread, once it knows where the change begins
    (``lowest_unchanged``), matches upward from there what the thread has not
    reached yet, so every group is matched by one of them at least, and either
    gives the same answer.
    """

    def __init__(self, groups: _Groups, shift: int) -> None:
        self.groups = groups
        self.shift = shift  # how much longer the new bytes are
        self.total = len(groups.keys)
        self.low = self.total  # every group from here on is unchanged
        self.changed: int | None = None  # the highest changed group, once found
        self.floor = 0  # the thread matches no group below it
        self.thread: Thread | None = None

    def start(self) -> None:
        import threading

        self.thread = threading.Thread(target=self._walk_down, name="vzwatch-groups", daemon=True)
        self.thread.start()

    def _walk_down(self) -> None:
        number = self.total - 1
        unchanged, shift = self.groups.unchanged, self.shift
        try:
            while number >= self.floor:
                if not unchanged(number, shift):
                    break
                self.low = number
                number -= 1
            else:
                return
        except Exception:  # noqa: BLE001, S110 - unknown counts as changed
            pass
        self.changed = number

    def lowest_unchanged(self, floor: int) -> int:
        """The first of the groups unchanged up to the end, not below ``floor``."""
        self.floor = floor
        if self.thread is None:  # alone: from the end down, as far as the groups are unchanged
            self._walk_down()
        highest_changed = floor - 1
        number = floor
        unchanged, shift = self.groups.unchanged, self.shift
        while number < self.low and self.changed is None:
            if not unchanged(number, shift):
                highest_changed = number
            number += 1
        self.stop()
        if self.changed is not None:
            highest_changed = max(highest_changed, self.changed)
        return min(highest_changed + 1, self.total)

    def stop(self) -> None:
        self.floor = self.total
        if self.thread is not None:
            self.thread.join()
            self.thread = None


def _spliced_digests(
    old: Sequence[bytes], head: int, middle: list[bytes], tail_start: int
) -> Sequence[bytes]:
    """``old`` with its runs ``head:tail_start`` replaced by ``middle``; digests end to
    end stay so (three slices of bytes, not 60k digests cut apart and joined again)."""
    if isinstance(old, Digests):
        joined = old.joined
        return Digests(
            b"".join([joined[: head * _DIGEST_SIZE], *middle, joined[tail_start * _DIGEST_SIZE :]])
        )
    return (*old[:head], *middle, *old[tail_start:])


def _matches(run: bytes | memoryview, key: bytes) -> bool:
    """Whether ``run`` is the run ``key`` names: its digest, or a marker (see
    cache._Entry.runs) for a recorded run an O(1) append put a separator after."""
    if len(key) == _DIGEST_SIZE:
        return _run_digest(run) == key
    separator = key[1] if key[:1] == b"~" and len(key) == _DIGEST_SIZE + 2 else -1
    return (
        0 <= separator <= len(run)
        and run[len(run) - separator :] == b"\n" * separator
        and _run_digest(run[: len(run) - separator]) == key[2:]
    )


class _RunChange(NamedTuple):
    bounds: list[int]  # of the runs of the new bytes (see _run_bounds)
    digests: tuple[bytes, ...]  # of the new bytes, head first
    payloads: list[Payload]  # aligned with digests
    fresh: tuple[tuple[bytes, Payload], ...]  # runs parsed now
    touched: frozenset[str]  # initiatives whose own run or log entries appeared or vanished
    order_may_change: bool  # an initiative run appeared or vanished
    results: tuple[Payload, ...] = ()  # milestone, indicator, measurement runs that did


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
    results: list[Payload] = []
    for payload in (*appeared, *vanished):
        kind = payload[0]
        if kind == "i":
            touched.add(_payload_id(payload))
            order_may_change = True
        elif kind in _LOG_KINDS:
            touched.add(payload[1])
        elif kind in _RESULT_KINDS:
            results.append(payload)
        else:
            return None  # a rest run appeared or vanished
    return _RunChange(
        bounds,
        digests,
        payloads,
        tuple(fresh.items()),
        frozenset(touched),
        order_may_change,
        tuple(results),
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
    fields: Portfolio | None = None  # the new portfolio-wide fields: the milestones changed


class _Results(NamedTuple):
    columns: dict[str, tuple[Row, ...]]  # the new indicators column of initiatives
    fields: Portfolio | None  # with the new milestones, when they changed
    owners: frozenset[str]  # initiatives whose milestones changed: their rows (views) go


_N_ID = 1 + schema.INDICATOR_ID_COLUMN  # columns of a payload: its kind comes first
_N_OWNER = 1 + schema.INDICATOR_INITIATIVE_COLUMN
_E_INDICATOR = 1 + schema.MEASUREMENT_INDICATOR_COLUMN
_M_ID = 1 + schema.MILESTONE_ID_COLUMN
_M_OWNER = 1 + schema.MILESTONE_INITIATIVE_COLUMN


def _results_after(
    payloads: list[Payload], fields: Portfolio, changed: Iterable[Payload]
) -> _Results | None:
    """Milestones, indicators and measurements from every run's payload (file order), for
    a read after a change of ``changed`` such runs; None if a store-wide rule may fail.

    Only the initiatives that own a changed indicator (or the indicator of a changed
    measurement) get a new indicators column; the rules are checked on all of them.
    """
    ids = {_payload_id(got) for got in payloads if got[0] == "i"}
    indicators = [got for got in payloads if got[0] == "n"]
    owner_of = {got[_N_ID]: got[_N_OWNER] for got in indicators}
    if len(owner_of) != len(indicators) or not ids.issuperset(owner_of.values()):
        return None  # a duplicate indicator id, or one naming no initiative
    measurements = [got for got in payloads if got[0] == "e"]
    if not all(got[_E_INDICATOR] in owner_of for got in measurements):
        return None  # a measurement naming no indicator
    changed = tuple(changed)
    owners: set[str] = {got[_N_OWNER] for got in changed if got[0] == "n"}
    for got in changed:
        if got[0] == "e" and got[_E_INDICATOR] in owner_of:
            owners.add(owner_of[got[_E_INDICATOR]])
    columns: dict[str, tuple[Row, ...]] = {}
    if owners:
        measured: dict[str, list[Measurement]] = {}
        for got in measurements:
            if owner_of[got[_E_INDICATOR]] in owners:
                entry = schema.measurement_from_row(got[1:])
                measured.setdefault(entry.indicator, []).append(entry)
        for entries in measured.values():
            entries.sort(key=lambda entry: entry.on)  # stable: same-day ones in file order
        listed: dict[str, list[Row]] = {owner: [] for owner in owners}
        for got in indicators:
            if got[_N_OWNER] in owners:
                indicator = schema.indicator_from_row(got[1:])
                full = indicator._replace(measurements=tuple(measured.get(indicator.id, ())))
                listed[indicator.initiative].append(schema.indicator_row(full))
        columns = {owner: tuple(rows) for owner, rows in listed.items()}
    new_fields = None
    milestone_owners: frozenset[str] = frozenset()
    if any(got[0] == "m" for got in changed):
        steps = [got for got in payloads if got[0] == "m"]
        if len({got[_M_ID] for got in steps}) != len(steps):
            return None  # a duplicate milestone id
        if not all(got[_M_OWNER] in ids for got in steps):
            return None  # a milestone naming no initiative
        milestones = tuple(schema.milestone_from_row(got[1:]) for got in steps)
        new_fields = replace(fields, milestones=milestones)
        milestone_owners = frozenset(got[_M_OWNER] for got in changed if got[0] == "m")
    return _Results(columns, new_fields, milestone_owners & ids)


def _updated_rows(
    rows: list[Row], change: _RunChange, fields: Portfolio | None = None
) -> _Updated | None:
    """The cached rows with the change applied; None if a store-wide rule may fail.

    A touched initiative's row is built again from every payload that names it
    (its own run and all its log entries, in file order, and its indicators when
    they changed); the others are kept.
    """
    results = None
    if change.results:
        if fields is None:
            return None
        results = _results_after(change.payloads, fields, change.results)
        if results is None:
            return None
    touched = change.touched
    if results is not None:
        touched = touched | results.columns.keys() | results.owners
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
        elif kind in _LOG_KINDS and payload[1] in logs:
            (logs if kind == "p" else histories)[payload[1]].append(payload[1:])
    if order is not None and len(set(order)) != len(order):
        return None  # a duplicate id: the whole parse names it
    kept = {row[0]: row for row in rows if row[0] in touched}
    columns = {} if results is None else results.columns
    for ident, own in bare.items():
        if isinstance(own, str):
            bare[ident] = (*kept[own][:-2], (), ())
        elif ident in kept:
            bare[ident] = _kept_indicators(own, kept[ident])
        if ident in columns:
            row = bare[ident]
            bare[ident] = (*row[:_INDICATORS], columns[ident], *row[_INDICATORS + 1 :])
    if any(ident not in bare and (logs[ident] or histories[ident]) for ident in touched):
        return None  # log entries naming an initiative that is gone
    if any(
        ident not in bare and ident in kept and columns.get(ident, kept[ident][_INDICATORS])
        for ident in touched
    ):
        return None  # indicators naming an initiative that is gone
    new_fields = None if results is None else results.fields
    gone = {ident for ident in touched if ident not in bare}
    if gone and (
        fields is None or any(m.initiative in gone for m in (new_fields or fields).milestones)
    ):
        return None  # milestones naming an initiative that is gone
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
        return _Updated(updated, replaced, reordered, removed, new_fields)
    updated = [new_by_id.get(row[0], row) for row in rows] if new_by_id else list(rows)
    return _Updated(updated, replaced, False, fields=new_fields)


def _read_run(run: bytes, fields: Portfolio) -> Payload | None:
    """Parse and validate one run holding one record, or None (the whole parse decides)."""
    import tomllib

    from vzwatch.domain.portfolio import check_pillar, check_sources

    text = run.decode("utf-8")
    first_line = text.split("\n", 1)[0]
    table = first_line[2:-2]
    kind = _RUN_TABLES.get(table) if first_line == f"[[{table}]]" else None
    if kind is None:  # a header written otherwise (spaces, quotes, a comment): read it
        from vzwatch.storage import blocks  # its regular expressions: 1 ms to compile

        path, array = blocks.header_path(first_line + "\n")
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
        check_sources(item.sources, {source.id for source in fields.sources})
        return ("i", _bare_row(item))
    payload = _entry_payload(kind, raw, fields.fiscal)
    if kind in _LOG_KINDS:
        check_sources(raw.get("sources") or (), {source.id for source in fields.sources})
    return payload


def _entry_payload(kind: str, raw: Mapping[str, Any], fiscal: FiscalCalendar) -> Payload:
    """The payload of a ``[[progress]]`` ("p"), ``[[history]]`` ("h"), ``[[milestones]]``
    ("m"), ``[[indicators]]`` ("n", without its measurements) or ``[[measurements]]``
    ("e") table."""
    if kind == "p":
        return ("p", *schema.progress_row(schema.read_progress(raw)))
    if kind == "h":
        return ("h", *schema.history_row(schema.read_history(raw)))
    if kind == "m":
        return ("m", *schema.milestone_row(schema.read_milestone(raw, fiscal)))
    if kind == "n":
        return ("n", *schema.indicator_row(schema.read_indicator(raw, fiscal)))
    if kind == "e":
        return ("e", *schema.measurement_row(schema.read_measurement(raw)))
    raise ValueError(f"no payload for a run of kind {kind!r}")


class Vouched:
    """The store's current bytes under the write lock, as the cache knows them."""

    def __init__(self, entry: _Entry, data: bytes, read: Stamped, runs: Runs) -> None:
        self.entry = entry
        self.data = data
        self.read = read
        self.settings = _settings_of(entry.head)
        known = runs.known
        lengths = runs.lengths
        # As recorded (markers and all), for the group digests of the next entry.
        self.recorded, self.recorded_groups = runs.digests, runs.groups
        if lengths is not None and len(lengths) == len(runs.digests) and sum(lengths) == len(data):
            # The entry describes these very bytes: its runs are theirs, no split needed.
            self.bounds = [0, *accumulate(lengths)]
            self.digests = runs.digests
            if runs.markers:  # runs an O(1) append added a separator to
                digests = list(runs.digests)
                for number in runs.markers:
                    key = digests[number]
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

    @cached_property
    def fields(self) -> Portfolio:
        """The store's fields and milestones (decoded on first use: most writes need
        ``settings`` alone)."""
        return _fields_of(self.entry.head)

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
        return self.known.at(number, self.digests[number]) or self._parse(number)

    def _runs_with(self, line: str) -> Iterator[int]:
        """The runs where a line ``line`` starts (as vzwatch writes keys), in order,
        each once; found as they are asked for (a caller may stop at the first)."""
        needle, data = f"\n{line}\n".encode(), self.data
        last = -1
        at = data.find(needle)
        while at >= 0:
            number = bisect_right(self.bounds, at) - 1
            if number != last:
                yield number
                last = number
            at = data.find(needle, at + 1)

    def _parse(self, number: int) -> Payload:
        payload = _read_run(self.run(number), self.settings) if number else None
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
        The search stops at the first confirmed run: ids are unique in a vouched
        store, and the rest of the file need not be read.
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
            if (payload := self.payload(number))[0] in _LOG_KINDS and payload[1] == ident
        ]

    def runs_where(self, line: str, test: Callable[[Payload], bool]) -> list[int]:
        """The runs where a line ``line`` starts (as vzwatch writes keys) whose payload
        passes ``test``, in order. A record whose line is written otherwise is missed:
        callers compare what they found with what the cache says there is."""
        return [number for number in self._runs_with(line) if test(self.payload(number))]

    def with_indicators(self) -> Portfolio:
        """A partial portfolio: the store's settings (no milestones) and the initiatives
        that have indicators (for finding an indicator and the ids taken, not for lookups
        of initiatives or milestones)."""
        rows = [row for row in self.entry.rows() if row[_INDICATORS]]
        return Snapshot(self.settings, rows=rows).portfolio()

    def check(self, new: Spliced) -> Checked | None:
        """``new`` (these bytes with edits) validated by the runs the edits touch alone.

        None: the change is not plainly valid, or not of a kind this path
        follows; the caller then takes the whole parse, which says why.
        """
        try:
            return _local_change(self, new)
        except Exception:  # noqa: BLE001 - any problem: the whole parse decides
            return None


def _blank_lines_off(run: bytes) -> bytes:
    """The digest of a run without the blank lines after it (what an append adds)."""
    return _run_digest(run.rstrip(b"\n"))


def _run_digest(run: bytes | memoryview) -> bytes:
    from vzwatch.storage.digest import blake2b

    return blake2b(run, digest_size=_DIGEST_SIZE).digest()


class Recording(NamedTuple):
    """What a cache record of new store bytes holds, but their stamp (Checked.recording)."""

    lengths: tuple[int, ...]
    groups: bytes
    segments: tuple[tuple[int, bytes], ...]


class Checked(NamedTuple):
    """New store bytes validated against vouched ones by the runs that changed."""

    vouched: Vouched
    data: Spliced
    bounds: list[int]
    digests: Sequence[bytes]
    payloads: Callable[[], list[Payload]]  # what every new run holds (built when needed)
    fresh: tuple[tuple[bytes, Payload], ...]  # runs parsed now
    replaced: tuple[Row, ...]  # new rows of the initiatives the change touched
    removed: tuple[str, ...]
    reordered: bool  # initiatives added before others: the entry is written again
    fields: Portfolio | None  # the new portfolio-wide fields, when the milestones changed

    def initiative(self, ident: str) -> Initiative | None:
        for row in self.replaced:
            if row[0] == ident:
                return _initiatives((row,))[0]
        return None if ident in self.removed else self.vouched.initiative(ident)

    def recording(self) -> Recording | None:
        """What ``record`` keeps but the new file's stamp, worked out ahead: while the
        bytes go to disk (store.replace_file's ``meanwhile``). None: it could not be."""
        try:
            vouched = self.vouched
            groups = _regrouped(
                self.data, self.bounds, self.digests, vouched.recorded, vouched.recorded_groups
            )
            return Recording(_lengths(self.bounds), groups, _described(self.bounds, groups))
        except Exception:  # noqa: BLE001 - record works it out again, or gives up
            return None

    def record(self, store_path: Path, written_ns: int, ahead: Recording | None = None) -> None:
        """Record the new content in the cache once it is the store (best effort).

        ``written_ns``: the clock just before the replace. The entry is not
        trusted by its stamp until it settles: a hand edit right after ours
        is then caught by the digest. ``ahead``: what ``recording`` worked out.
        """
        try:
            stamp = _stamp(store_path.stat())
            data = self.data
            if stamp[2] != len(data):
                return
            entry = self.vouched.entry
            recording = ahead or self.recording()
            if recording is None:
                return
            lengths, groups, segments = recording
            state = _State(stamp, written_ns, segments, data[-3:], False)
            if self.reordered or entry.outgrown():
                self._write_again(store_path, state, lengths)
                return
            entry.record(
                state,
                self.replaced,
                self.fresh,
                self.digests,
                self.removed,
                lengths=lengths,
                groups=groups,
                fields=self.fields,
            )
        except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is no cache
            pass

    def _write_again(self, store_path: Path, state: _State, lengths: Sequence[int]) -> None:
        new_rows = {row[0]: row for row in self.replaced}
        old_rows = {row[0]: row for row in self.vouched.entry.rows()}
        payloads = self.payloads()
        order = [_payload_id(payload) for payload in payloads if payload[0] == "i"]
        rows = [new_rows.get(ident) or old_rows[ident] for ident in order]
        compact = tuple(
            ("i", _payload_id(payload)) if payload[0] == "i" else payload for payload in payloads
        )
        record: RunsRecord = (self.digests, compact, self.vouched.rest, lengths)
        fields = self.vouched.fields if self.fields is None else self.fields
        text = self.data.tobytes().decode("utf-8")
        frames = _entry_frames(store_path, fields, text, rows, state, record)
        _write_entry(store_path, frames)


Edit = tuple[int, int, bytes]  # (start, end, new bytes): a byte range of the old bytes replaced


class Spliced:
    """Bytes with byte ranges replaced (the ranges do not overlap), kept as views of the
    old bytes around the new texts. A store of many megabytes is not copied: a fresh
    10.8 MB costs 7 ms of page faults, and the write takes the pieces as they are."""

    __slots__ = ("_ends", "_length", "edits", "old", "pieces")

    def __init__(self, old: bytes, edits: list[Edit]) -> None:
        self.old = old
        self.edits = sorted(edits)
        view = memoryview(old)
        pieces: list[bytes | memoryview] = []
        position = 0
        for start, end, new in self.edits:
            pieces += (view[position:start], new)
            position = end
        pieces.append(view[position:])
        self.pieces = [piece for piece in pieces if len(piece)]
        self._ends = list(accumulate(map(len, self.pieces)))
        self._length = self._ends[-1] if self._ends else 0

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, wanted: slice) -> bytes:
        """The bytes of a range (a slice with no step, as of bytes), copied from the pieces
        it spans alone."""
        start, stop, step = wanted.indices(self._length)
        if step != 1:
            raise ValueError("a spliced range has no step")
        if start >= stop:
            return b""
        parts = []
        number = bisect_right(self._ends, start)
        at = start
        while at < stop:
            piece_start = self._ends[number] - len(self.pieces[number])
            piece_end = min(self._ends[number], stop)
            parts.append(self.pieces[number][at - piece_start : piece_end - piece_start])
            at = piece_end
            number += 1
        return b"".join(parts)

    def edits_anything(self) -> bool:
        """Whether an edit puts other bytes in its place (if none does, these are the old
        bytes; found without comparing them all)."""
        return any(self.old[start:end] != new for start, end, new in self.edits)

    def tobytes(self) -> bytes:
        return b"".join(self.pieces)


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


def _local_change(vouched: Vouched, new: Spliced) -> Checked | None:
    """``new`` (the vouched bytes with its edits) checked by the runs around the edits:
    they are split, hashed and (where new) parsed again; ids, references and order are
    checked against the cache."""
    edits = new.edits
    bounds, digests = vouched.bounds, vouched.digests
    if not edits:  # nothing to change: the store as it is
        return Checked(
            vouched, new, bounds, digests, lambda: vouched.payloads, (), (), (), False, None
        )
    count = len(digests)
    regions = _regions(bounds, edits)
    if not regions:
        return None

    def shifted(at: int) -> int:  # an old offset outside every edit, in the new bytes
        return at + sum(len(text) - (end - start) for start, end, text in edits if end <= at)

    old_mid: list[bytes] = []
    old_payloads: list[Payload] = []
    new_starts: list[list[int]] = []  # of each region's runs in the new bytes
    run_bytes: list[bytes] = []
    for first, last in regions:
        start, end = shifted(bounds[first]), shifted(bounds[last + 1])
        region = new[start:end]
        cuts = [0, *(m.start() + 1 for m in _RUN_START.finditer(region)), len(region)]
        new_starts.append([start + cut for cut in cuts[:-1]])
        run_bytes += (region[a:b] for a, b in pairwise(cuts))
        old_mid.extend(digests[first : last + 1])
        old_payloads.extend(vouched.payload(number) for number in range(first, last + 1))
    new_mid = [_run_digest(run) for run in run_bytes]
    old_set = set(old_mid)  # identical runs (the same entry twice) are counted below
    # A few new runs are searched for in the digests end to end; for more (an import may
    # bring thousands) one pass over the digests is cheaper than a set of them all.
    appeared_keys = set(new_mid) - old_set
    if isinstance(digests, Digests) and len(appeared_keys) <= _SEARCHED_DIGESTS:
        copied = any(key in digests for key in appeared_keys)
    else:
        copied = not appeared_keys.isdisjoint(digests)
    if copied:
        return None  # a copy of a run elsewhere in the store
    known = vouched.known
    fresh: dict[bytes, Payload] = {}
    mid_payloads: list[Payload] = []
    # A run is the same record when only the blank lines after it changed: an append
    # after a store's last table (a [[measurements]] entry, say) puts one there.
    numbers = [n for first, last in regions for n in range(first, last + 1)]
    stripped = [_blank_lines_off(vouched.run(n)) for n in numbers]
    rest_before = [
        digest for digest, got in zip(stripped, old_payloads, strict=True) if got == _REST
    ]
    payload_of = dict(zip(old_mid, old_payloads, strict=True))
    by_blank_lines: dict[bytes, list[bytes]] = {}  # the old runs by their bytes without them
    for digest, key, got in zip(stripped, old_mid, old_payloads, strict=True):
        if got[0] != "i":  # an initiative's run is read again below: its row is its record
            by_blank_lines.setdefault(digest, []).append(key)
    for key, run in zip(new_mid, run_bytes, strict=True):
        payload = known.get(key)
        if key not in old_set:
            alike = None if payload is not None else by_blank_lines.get(_blank_lines_off(run))
            if alike:
                payload = fresh[key] = payload_of[alike[0]]
            if payload is None or (payload[0] == "i" and isinstance(payload[1], str)):
                payload = _read_run(run, vouched.settings)
                if payload is None:
                    return None
                fresh[key] = payload
        if payload is None:
            return None
        mid_payloads.append(payload)
    rest_after = [
        _blank_lines_off(run)
        for run, got in zip(run_bytes, mid_payloads, strict=True)
        if got == _REST
    ]
    if rest_before != rest_after:
        return None  # the head, [portfolio], pillars or another table changed
    # Each new run is an old one (the same bytes, or the same but for blank lines after
    # it), or it appeared; an old run no new one is, vanished. Counted: a region may
    # hold identical runs (the same entry twice, or two that a blank line made alike).
    unmatched = Counter(old_mid)
    appeared = []
    for key, run, got in zip(new_mid, run_bytes, mid_payloads, strict=True):
        if unmatched[key] > 0:
            unmatched[key] -= 1
            continue
        alike = by_blank_lines.get(_blank_lines_off(run), [])
        old_key = next((k for k in alike if unmatched[k] > 0), None)
        if old_key is not None and payload_of[old_key] == got:
            unmatched[old_key] -= 1
        elif got != _REST:
            appeared.append(got)
    vanished = []
    for key, got in zip(old_mid, old_payloads, strict=True):
        if unmatched[key] > 0:
            unmatched[key] -= 1
            if got != _REST:
                vanished.append(got)
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
    # Each region's old and new payloads, for the records whose order is their file order.
    pairs: list[tuple[list[Payload], list[Payload]]] = []
    old_at = new_at = 0
    for (first, last), starts in zip(regions, new_starts, strict=True):
        pairs.append(
            (
                old_payloads[old_at : old_at + last - first + 1],
                mid_payloads[new_at : new_at + len(starts)],
            )
        )
        old_at, new_at = old_at + last - first + 1, new_at + len(starts)

    def exists(owner: str) -> bool:
        return owner not in removed and (owner in vouched.ids or owner in added)

    fields = None
    owners: set[str] = set()  # initiatives whose milestones changed: their views go
    # The store's milestones are decoded only for a change that may concern them (equal
    # rows make equal milestones; a region's last run may be one an append only follows).
    touched = any(_milestone_rows(old) != _milestone_rows(new) for old, new in pairs)
    milestones = (
        _milestones_after(vouched.fields.milestones, pairs, at_end) if touched or removed else ()
    )
    if milestones is None:
        return None
    if touched and milestones != vouched.fields.milestones:
        if len({m.id for m in milestones}) != len(milestones):
            return None  # a duplicate milestone id: the whole parse names it
        changed = set(milestones).symmetric_difference(vouched.fields.milestones)
        owners = {m.initiative for m in changed}
        if not all(exists(m.initiative) for m in changed if m in milestones):
            return None  # a milestone naming no initiative
        fields = replace(vouched.fields, milestones=milestones)
    if removed and any(m.initiative in removed for m in milestones):
        return None  # milestones would name an initiative that is gone
    indicators = _indicators_after(vouched, pairs, at_end, appeared, vanished)
    if indicators is None or not all(map(exists, indicators.keys() - removed)):
        return None
    replaced = _touched_rows(
        vouched, appeared, vanished, removed, mid_payloads, indicators, owners - set(removed)
    )
    if replaced is None:
        return None
    new_bounds: list[int] = []
    joined = _joined_digests(digests)  # the new digests: the old ones end to end, spliced
    new_joined: list[bytes] = []
    position = 0  # the next old run not yet copied
    taken = 0  # runs of new_mid already placed
    for (first, last), starts in zip(regions, new_starts, strict=True):
        moved = shifted(bounds[position]) - bounds[position]  # the same for the whole stretch
        new_bounds.extend(_moved(bounds[position:first], moved))
        new_joined.append(joined[position * _DIGEST_SIZE : first * _DIGEST_SIZE])
        new_bounds.extend(starts)
        new_joined.extend(new_mid[taken : taken + len(starts)])
        taken += len(starts)
        position = last + 1
    new_bounds.extend(_moved(bounds[position:], len(new) - len(vouched.data)))
    new_joined.append(joined[position * _DIGEST_SIZE :])

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
        Digests(b"".join(new_joined)),
        new_payloads,
        tuple(fresh.items()),
        replaced,
        tuple(removed),
        reordered,
        fields,
    )


def _moved(offsets: list[int], by: int) -> list[int]:
    """``offsets`` moved ``by`` bytes (the same list when not moved: no new int objects
    for the 30k runs before an edit in the middle of a 10k store)."""
    return offsets if by == 0 else [offset + by for offset in offsets]


def _touched_rows(
    vouched: Vouched,
    appeared: list[Payload],
    vanished: list[Payload],
    removed: list[str],
    mid_payloads: list[Payload],
    indicators: Mapping[str, tuple[Row, ...]],
    also: Iterable[str],
) -> tuple[Row, ...] | None:
    """The new rows of the initiatives whose run, entries or indicators appeared or vanished
    (and of those in ``also``: their milestones changed, so their views must go).

    A row is its initiative's own run (new, or the cached row's) with the cached
    log, less the entries that vanished, plus those that appeared (at the end
    of the store: after all the others of their day), and its ``indicators``
    when they changed. None: a rule fails.
    """
    own = {
        _payload_id(got): got[1]
        for got in mid_payloads
        if got[0] == "i" and not isinstance(got[1], str)
    }
    touched = {
        _payload_id(got) if got[0] == "i" else got[1]
        for got in (*appeared, *vanished)
        if got[0] == "i" or got[0] in _LOG_KINDS
    }
    touched.update(indicators, also)
    rows: list[Row] = []
    for ident in sorted(touched):
        old = vouched.entry.row(ident)
        logs = _logs_after(old, ident, vanished, () if ident in removed else appeared)
        if ident in removed:
            left = indicators.get(ident, () if old is None else old[_INDICATORS])
            if logs[0] or logs[1] or left:
                return None  # entries or indicators left naming an initiative that is gone
            continue
        bare = own.get(ident)
        if bare is None:
            if old is None:
                return None
            bare = (*old[:-2], (), ())
        elif old is not None:
            bare = _kept_indicators(bare, old)
        if ident in indicators:
            bare = (*bare[:_INDICATORS], indicators[ident], *bare[_INDICATORS + 1 :])
        rows.append(_with_logs(bare, *logs))
    return tuple(rows)


def _milestone_rows(payloads: list[Payload]) -> list[Payload]:
    return [got for got in payloads if got[0] == "m"]


def _milestones_after(
    milestones: tuple[Milestone, ...],
    pairs: list[tuple[list[Payload], list[Payload]]],
    at_end: bool,
) -> tuple[Milestone, ...] | None:
    """The store's milestones once each region's old payloads became its new ones.

    Milestones are in file order: those of a region are a stretch of the list
    that its new milestones replace; a region that had none may add some only at
    the end of the store. None: the whole parse must place them.
    """
    listed = list(milestones)
    position: dict[str, int] | None = None
    last = len(pairs) - 1
    for number in range(last, -1, -1):  # from the end: earlier positions stay valid
        old, new = pairs[number]
        before = [schema.milestone_from_row(got[1:]) for got in old if got[0] == "m"]
        after = [schema.milestone_from_row(got[1:]) for got in new if got[0] == "m"]
        if before == after:
            continue
        if not before:
            if not (at_end and number == last):
                return None  # new milestones between others
            listed.extend(after)
            continue
        if position is None:
            position = {milestone.id: at for at, milestone in enumerate(milestones)}
        at = position.get(before[0].id)
        if at is None or listed[at : at + len(before)] != before:
            return None
        listed[at : at + len(before)] = after
    return tuple(listed) if listed != list(milestones) else milestones


def _indicators_after(
    vouched: Vouched,
    pairs: list[tuple[list[Payload], list[Payload]]],
    at_end: bool,
    appeared: list[Payload],
    vanished: list[Payload],
) -> dict[str, tuple[Row, ...]] | None:
    """The new indicators column of each initiative whose indicators or measurements changed.

    An initiative's indicators are in file order: those of a region are a stretch
    of its list that the region's new ones replace (a region that had none may
    add some only at the end of the store); each keeps the measurements its id
    had, less those whose runs vanished, plus those that appeared, in date order.
    None: a rule fails, or only the whole parse can tell the order.
    """
    changed_regions = [
        (number, before, after)
        for number, (old, new) in enumerate(pairs)
        if (before := [schema.indicator_from_row(got[1:]) for got in old if got[0] == "n"])
        != (after := [schema.indicator_from_row(got[1:]) for got in new if got[0] == "n"])
    ]
    gone = [schema.measurement_from_row(got[1:]) for got in vanished if got[0] == "e"]
    came = [schema.measurement_from_row(got[1:]) for got in appeared if got[0] == "e"]
    if not (changed_regions or gone or came):
        return {}
    rows = {row[0]: row for row in vouched.entry.rows()}
    owner_of = {
        indicator[_INDICATOR_ID]: ident
        for ident, row in rows.items()
        for indicator in row[_INDICATORS]
    }
    lists: dict[str, list[Indicator]] = {}

    def listed(owner: str) -> list[Indicator]:
        if owner not in lists:
            row = rows.get(owner)
            own = () if row is None else row[_INDICATORS]
            lists[owner] = [schema.indicator_from_row(indicator) for indicator in own]
        return lists[owner]

    measured: dict[str, tuple[Measurement, ...]] = {}  # of indicators whose run went
    last = len(pairs) - 1
    for number, before, after in reversed(changed_regions):
        for owner in dict.fromkeys(item.initiative for item in (*before, *after)):
            old = [item for item in before if item.initiative == owner]
            new = [item for item in after if item.initiative == owner]
            items = listed(owner)
            if old:
                at = next((n for n, item in enumerate(items) if item.id == old[0].id), None)
                stretch = items[at : at + len(old)] if at is not None else []
                if at is None or [item._replace(measurements=()) for item in stretch] != old:
                    return None
                for item in stretch:
                    measured[item.id] = item.measurements
                    del owner_of[item.id]
                items[at : at + len(old)] = new
            elif at_end and number == last:
                items.extend(new)
            else:
                return None  # new indicators between others
            for item in new:
                if item.id in owner_of:
                    return None  # a duplicate indicator id: the whole parse names it
                owner_of[item.id] = owner
    for items in lists.values():
        items[:] = [
            item._replace(measurements=measured.pop(item.id)) if item.id in measured else item
            for item in items
        ]

    def where(indicator: str) -> tuple[list[Indicator], int] | None:
        owner = owner_of.get(indicator)
        if owner is None:
            return None
        items = listed(owner)
        at = next(n for n, item in enumerate(items) if item.id == indicator)
        return items, at

    for entry in gone:
        if entry.indicator in measured:  # its indicator went too
            left = list(measured[entry.indicator])
            left.remove(entry)
            measured[entry.indicator] = tuple(left)
            continue
        found = where(entry.indicator)
        if found is None:
            return None
        items, at = found
        left = list(items[at].measurements)
        left.remove(entry)  # ValueError (the whole parse) when it was not there
        items[at] = items[at]._replace(measurements=tuple(left))
    for entry in came:
        found = where(entry.indicator)
        if found is None:
            return None  # a measurement naming no indicator
        items, at = found
        log = items[at].measurements
        if any(other.on == entry.on for other in log):
            return None  # same-day measurements: their order is their place in the file
        place = bisect_right([other.on for other in log], entry.on)
        items[at] = items[at]._replace(measurements=(*log[:place], entry, *log[place:]))
    if any(measured.values()):
        return None  # measurements left naming an indicator that is gone
    result: dict[str, tuple[Row, ...]] = {}
    for owner, items in lists.items():
        column = tuple(map(schema.indicator_row, items))
        row = rows.get(owner)
        if row is None or column != row[_INDICATORS]:
            result[owner] = column
    return result


def _kept_indicators(bare: Row, old: Row) -> Row:
    """An initiative's bare row read from its own run, with the indicators of its cached
    row (the run cannot hold them: they are tables of their own, unchanged)."""
    if bare[_INDICATORS] == old[_INDICATORS]:
        return bare
    return (*bare[:_INDICATORS], old[_INDICATORS], *bare[_INDICATORS + 1 :])


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
            with entry.handle:  # the read by runs asks this open entry, then it is read again
                changed = changed_snapshot(store_path, data, read, entry)
            if changed is None:
                return None
            entry = _open_entry(store_path)
            if entry is None:
                return None
        with entry.handle:
            if not (entry.state.fresh_for(read.stamp) or entry.state.describes(data)):
                return None
            runs = entry.runs(cut=False)
            if runs is None:
                return None
            return Vouched(entry, data, read, runs)
    except Exception:  # noqa: BLE001 - any cache problem: take the whole parse
        return None
