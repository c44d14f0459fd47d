"""A three-way merge of store texts by meaning: by record, by field, by entry.

git merges lines; a store holds records. Two people who each append an
initiative touch the same last lines, and git calls that a conflict. Here the
three versions (``base``, the common ancestor; ``ours``; ``theirs``) are read
as records instead:

* ``[[initiatives]]``, ``[[pillars]]`` and ``[[sources]]`` are matched by ``id`` and merged
  field by field. A field is a top-level key of the record, however it is
  written: ``key = value``, dotted keys (``meta.owner = …``) or a sub-table
  (``[initiatives.meta]``, ``["initiatives".milestones]``, written right after
  the record or further down). A field changed on one side takes that change;
  a field changed differently on both sides is a conflict. An id added on both
  sides with different content keeps ours and gives theirs a new id
  (``<id>-2``), together with the entries (progress…) that name it.
* ``[portfolio]``, other tables and the top-level keys merge field by field too.
* Every other array of tables (``[[progress]]``, ``[[history]]``, unknown
  ones) is a log: entries added on either side are kept, identical additions
  count once, and an entry removed on one side is removed.
* A record deleted on one side and changed on the other (its log included: a
  progress entry counts as a change) is one conflict region that holds the
  record and the entries that name it, so keeping it or deleting it is one edit.

The result is ours' text, edited: theirs' changes are applied to it, so
comments, layout and unknown keys survive. A conflict is written into the text
between git-style markers (``<<<<<<< ours`` / ``=======`` / ``>>>>>>>
theirs``) for a person to resolve; ``vzwatch validate`` reports them until
they do. ``merge_stores`` is pure (texts in, text out); ``merge_files`` is the
driver git runs: it reads the three files and replaces ours.

The work is proportional to what changed, not to the store. Each version is
compared with the base by slices (their common prefix and suffix, at C speed);
inside the window where they differ it is cut into *runs*, the text from one
line that starts with ``[`` to the next, and a run whose text and whose
previous run's text are found on the other side is the same (a comparison by
Python's string hashing). Only the runs that differ are read exactly: grown to
whole records (their sub-tables found wherever they are written), parsed and
compared by value. A version with multi-line strings (where a line starting
with ``[`` may be data) has its headers found exactly once instead. Text
identical in all three versions is trusted as it is: when all three share an
invalid part, so does the result. What the merge wrote is read back where it
changed; the store-wide rules it could break (a deleted pillar still named,
records that combine both sides) are checked there.

Unusual versions: a base that holds conflict markers (git hands the driver one
in a criss-cross merge) is merged against what it holds outside them; a base
or theirs written by another TOML writer (``initiatives = [{…}]``) is read by
meaning; ours written so is refused, untouched, with a message that says why.
"""

from __future__ import annotations

import math
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from vzwatch.domain.errors import StoreError
from vzwatch.domain.schema import KINDS
from vzwatch.domain.text import visible
from vzwatch.storage import blocks
from vzwatch.storage.blocks import Entry, HeaderError, Piece
from vzwatch.storage.store import TomlSyntaxError, parse_toml

# Matched by id; label. The keyed kinds of vzwatch.domain.schema (not imported: start-up).
# Records matched by their id (merged field by field), from the schema: initiatives,
# pillars, sources, indicators. Every other array of tables is a log (a union).
KEYED_TABLES = {kind.table: kind.label for kind in KINDS if kind.array and kind.identity}
RENAMED_ON_COLLISION = frozenset({"initiatives"})
REFERENCE_KEY = "initiative"  # log entries name their initiative with this key
LOG_OWNER = "initiatives"  # the keyed table whose records the logs belong to


# What belongs to a record, and goes when it is removed (`remove`, `indicator remove`):
# owner table -> (table, key) of the records that name it by that key, from the schema,
# starting from the initiative (its indicators and milestones; an indicator's
# measurements). Its own log ([[progress]], [[history]]) is merged as a log, not here;
# an initiative does not go with its pillar.
def _owned() -> dict[str, tuple[tuple[str, str], ...]]:
    labels = {kind.table: kind.label for kind in KINDS}
    owned: dict[str, tuple[tuple[str, str], ...]] = {}
    wanted = [LOG_OWNER]
    while wanted:
        table = wanted.pop()
        owned[table] = tuple(
            (kind.table, spec.key)
            for kind in KINDS
            if kind.array
            for spec in kind.fields
            if spec.type == labels[table] and (kind.identity is not None or table != LOG_OWNER)
        )
        wanted += [child for child, _ in owned[table] if child not in owned]
    return owned


OWNED = _owned()

OURS_MARKER = "<<<<<<< ours"
SPLIT_MARKER = "======="
THEIRS_MARKER = ">>>>>>> theirs"

_MISSING: Any = object()

# A table header line that no value can look like: one of its keys is bare and
# starts with a letter (true, false, inf and nan are values). Inside a multi-line
# array a line may start with "[" ("[1, 2]," or '["a"]'); in a text without
# multi-line strings, a line matching this is always a real header.
_BARE_KEY = r"[A-Za-z0-9_-]+"
_QUOTED_KEY = r"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'"
_ANY_KEY = rf"(?:{_BARE_KEY}|{_QUOTED_KEY})"
_WORD_KEY = r"(?!(?:true|false|inf|nan)(?![A-Za-z0-9_-]))[A-Za-z_][A-Za-z0-9_-]*"
_DOT = r"[ \t]*\.[ \t]*"
_CERTAIN_HEADER = re.compile(
    rf"[ \t]*\[(\[)?[ \t]*(?:{_ANY_KEY}{_DOT})*{_WORD_KEY}(?:{_DOT}{_ANY_KEY})*"
    r"[ \t]*\](?(1)\])[ \t]*(?:#.*)?"
)
# Lines that need a closer look: indented "[" lines, [tables] (not [[arrays]]) and
# [[arrays.with.dots]]. In a plain store only [portfolio] matches.
_ODD_LINE = re.compile(r"\n(?:[ \t]+\[|\[(?!\[)|\[\[[^\n]*\.)")
_FIRST_LINE_ODD = re.compile(r"[ \t]+\[|\[(?!\[)|\[\[[^\n]*\.")
_MARKER_LINE = re.compile(r"^(?:<{7}|={7}|>{7}|\|{7})(?:[ \t].*)?$", re.MULTILINE)


# Conflict and MergeResult are NamedTuples, not dataclasses: as immutable, and a
# dataclass costs ~0.5 ms of the start of every `git merge`.
class Conflict(NamedTuple):
    """A disagreement left in the text for a person to resolve."""

    record: str  # "initiative 'x'", "[portfolio]", "top-level keys"
    message: str

    @property
    def text(self) -> str:
        return f"{self.record}: {self.message}"


class MergeResult(NamedTuple):
    text: str
    conflicts: list[Conflict]
    notes: list[str]  # e.g. an id renamed to avoid a collision

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_stores(base: str, ours: str, theirs: str, name: str = "store") -> MergeResult:
    """Merge ``theirs``' changes since ``base`` into ``ours``.

    Raises StoreError (and merges nothing) when ours or theirs does not parse,
    or the base does not parse for another reason than conflict markers.
    The merge works on LF text; a store saved with Windows line endings (ours)
    gets them back in the result.
    """
    crlf = "\r\n" in ours
    base, ours, theirs = _lf(base), _lf(ours), _lf(theirs)
    notes: list[str] = []
    partial_base = False
    if _has_marker_line(base) and not _markers_are_data(base):
        base = _without_conflict_regions(base)
        partial_base = True
        notes.append(
            "the merge base holds conflict markers (git does that in a criss-cross merge): "
            "merged against the rest of it; what the markers held counts as added on both sides"
        )
    try:
        result = _Merge(base, ours, theirs, name, partial_base).run()
    except _SideError as error:
        if not (partial_base and error.role == "base"):
            raise
        notes[-1] = (
            "the merge base holds conflict markers and cannot be read without them: "
            "merged ours and theirs two-way (every difference is a conflict, nothing is deleted)"
        )
        result = _Merge("", ours, theirs, name, partial_base=True).run()
    result = MergeResult(result.text, result.conflicts, notes + result.notes)
    if crlf:
        return MergeResult(result.text.replace("\n", "\r\n"), result.conflicts, result.notes)
    return result


def merge_files(base: Path, ours: Path, theirs: Path, name: str) -> MergeResult:
    """Run the merge driver: merge the three files and write the result over ``ours``.

    ``ours`` is replaced atomically and only when every version could be read
    and merged; on any error it is left exactly as it was, and git reports a
    conflict. It is not rewritten when the merge leaves it as it is.
    """
    from vzwatch.storage.store import (
        StoreLocation,
        atomic_write,
        decode_store,
        read_stamped,
        read_store_text,
    )

    base_text, theirs_text = (
        read_store_text(StoreLocation(path, "option", "merge-driver argument"))
        for path in (base, theirs)
    )
    ours_read = read_stamped(ours)
    if ours_read.data is None:
        read_store_text(StoreLocation(ours, "option", "merge-driver argument"))  # says why
        raise StoreError(f"cannot read {ours}")
    ours_text = decode_store(ours_read.data, ours)
    result = merge_stores(base_text, ours_text, theirs_text, name)
    if result.text != ours_text:
        atomic_write(ours, result.text, expected=ours_read)  # never over a change meanwhile
    return result


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n") if "\r" in text else text


# --------------------------------------------------------------------------- a base with markers


def _has_marker_line(text: str) -> bool:
    if "<<<<<<<" not in text and ">>>>>>>" not in text:  # rare characters: a fast search
        return False
    return _MARKER_LINE.search(text) is not None


def _markers_are_data(text: str) -> bool:
    """Marker-like lines are data when they sit inside multi-line strings of a valid text."""
    if '"""' not in text and "'''" not in text:
        return False
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _without_conflict_regions(text: str) -> str:
    """The text with every ``<<<<<<<`` … ``>>>>>>>`` region (and stray marker line) cut out."""
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        if _MARKER_LINE.match(line.rstrip("\n")):
            if line.startswith("<<<<<<<"):
                inside = True
            elif line.startswith(">>>>>>>"):
                inside = False
            continue
        if not inside:
            kept.append(line)
    return "".join(kept)


# --------------------------------------------------------------------------- values


def _canonical(value: Any) -> Hashable:
    """A hashable form that tells apart what TOML tells apart (1, 1.0 and true), nan == nan."""
    if isinstance(value, dict):
        return ("table", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("array", tuple(_canonical(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def _belongings_key(blocks: Iterable[_Block]) -> Counter[tuple[str, Hashable]]:
    """What a list of records and entries says, whatever its order and layout."""
    return Counter((block.table, _canonical(block.value)) for block in blocks)


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    return a is b or _canonical(a) == _canonical(b)


# --------------------------------------------------------------------------- one version's text


class _SideError(StoreError):
    """A version cannot be merged; ``role`` says which (a base cut free of markers may be
    merged two-way instead)."""

    def __init__(self, message: str, role: str) -> None:
        super().__init__(message)
        self.role = role


Owner = tuple[str, Any]  # ("element", run) or ("table", name)


class _Block:
    """A record, a log entry, a table or the top-level keys, as found in one version."""

    __slots__ = ("identity", "kind", "own", "pieces", "side", "table", "value")

    def __init__(
        self,
        side: _Text,
        kind: str,  # "keyed", "entry", "table" or "root"
        table: str,  # "initiatives", "progress", "portfolio"…; "" for the top-level keys
        pieces: list[Piece],  # file order; its own header first (a table: when it has one)
        own: Piece | None,  # the piece whose body holds the record's own keys
        value: dict[str, Any],
        identity: Hashable = None,
    ) -> None:
        self.side = side
        self.kind = kind
        self.table = table
        self.pieces = pieces
        self.own = own
        self.value = value
        self.identity = identity

    @property
    def position(self) -> int:
        return self.pieces[0].header if self.pieces else 0

    @property
    def label(self) -> str:
        if self.kind == "keyed":
            return f"{KEYED_TABLES[self.table]} '{visible(str(self.value['id']))}'"
        if self.kind == "root":
            return "top-level keys"
        return f"[{visible(self.table)}]"

    def reference(self) -> str:
        """The initiative a log entry names ("" when it names none)."""
        value = self.value.get(REFERENCE_KEY)
        return value if isinstance(value, str) else ""


HEAD = -1  # the run before the first line that starts with "[": the head of the text


class _Scan(NamedTuple):
    """What one pass over a version's text found: the lines that need a closer look."""

    odd: list[int]  # starts of the lines _ODD_LINE matches, in order
    indented: list[int]  # of those, the lines that start with blanks and "["
    multiline: bool  # the text holds \"\"\" or \'\'\' (a "[" line may then be inside a string)


def _scan(text: str, start: int = 0, end: int | None = None) -> _Scan:
    """Scan ``text[start:end]`` (whole lines) for odd lines and multi-line strings."""
    end = len(text) if end is None else end
    odd = [match.start() + 1 for match in _ODD_LINE.finditer(text, max(start - 1, 0), end)]
    if start == 0 and _FIRST_LINE_ODD.match(text):
        odd.insert(0, 0)
    part = text if (start, end) == (0, len(text)) else text[start:end]
    multiline = '"""' in part or "'''" in part
    return _Scan(odd, [o for o in odd if text[o] in " \t"], multiline)


def _scan_other(base: _Scan, other: str, span: tuple[int, int, int]) -> _Scan:
    """Another version's scan: the base's, moved, and its own differing lines scanned."""
    start, base_end, other_end = span
    shift = other_end - base_end
    low = other.rfind("\n", 0, start) + 1  # the line that holds the first difference
    newline = other.find("\n", other_end)
    high = len(other) if newline < 0 else newline + 1  # past the line of the last one
    own = _scan(other, low, high)
    before = base.odd[: bisect_left(base.odd, low)]
    after = [o + shift for o in base.odd[bisect_left(base.odd, high - shift) :]]
    odd = [*before, *own.odd, *after]
    return _Scan(odd, [o for o in odd if other[o] in " \t"], base.multiline or own.multiline)


def _span(base: str, other: str) -> tuple[int, int, int] | None:
    """(start, base end, other end) of where ``other`` differs from ``base``; None if equal."""
    if base == other:
        return None
    start = _common_prefix(base, other)
    tail = _common_suffix(base, other, min(len(base), len(other)) - start)
    return start, len(base) - tail, len(other) - tail


def _common_prefix(a: str, b: str) -> int:
    """The length of the common prefix: slices compared at C speed, growing, then halved."""
    size = min(len(a), len(b))
    low, step = 0, 4096
    while low < size:
        high = min(size, low + step)
        if not a.startswith(b[low:high], low):
            break
        low, step = high, step * 2
    else:
        return size
    while high - low > 1:  # a[:low] == b[:low]; a[low:high] != b[low:high]
        middle = (low + high) // 2
        if a.startswith(b[low:middle], low):
            low = middle
        else:
            high = middle
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the common suffix, at most ``limit``."""
    la, lb = len(a), len(b)
    low, step = 0, 4096
    while low < limit:
        high = min(limit, low + step)
        if not a.endswith(b[lb - high : lb - low], 0, la - low):
            break
        low, step = high, step * 2
    else:
        return limit
    while high - low > 1:
        middle = (low + high) // 2
        if a.endswith(b[lb - middle : lb - low], 0, la - low):
            low = middle
        else:
            high = middle
    return low


class _Text:
    """One version, seen as runs: the text from one line that starts with ``[`` to the next.

    A run is named by where its line starts; HEAD is the text before the
    first such line. Whether a run starts a real table header is decided
    lazily, only for the runs a merge looks at.
    """

    def __init__(self, text: str, role: str, label: str, scan: _Scan) -> None:
        self.text = text
        self.role = role
        self.label = label
        self._odd_lines = scan.odd
        self.indented = scan.indented
        self._real: dict[int, bool] = {}
        self._segment: dict[int, int] = {}  # run -> start of the last real header at or before it
        self._paths: dict[int, tuple[tuple[str, ...], bool]] = {}
        self._pieces: dict[int, Piece] = {}
        self._exact: set[int] | None = None
        if scan.multiline:  # a "[" line may be inside a string: find the headers exactly
            try:
                self._exact = {piece.header for piece in blocks.index(text).pieces}
            except HeaderError as error:
                raise self.error(f"cannot read it: {error}") from None
        self._strays: dict[Owner, list[int]] | None = None
        self._stray_runs: list[int] = []
        self._stray_owner: dict[int, Owner] = {}
        self._tables: dict[str, int] | None = None
        self._id_lines: dict[str, list[int]] | None = None
        self._quick_looks = 0
        self._head_end: int | None = None
        self._absent: set[Hashable] = set()
        self.dirty: list[int] = []
        # What collect() found: the blocks of the runs that differ between versions.
        self.keyed: dict[tuple[str, str], _Block] = {}
        self.tables: dict[str, _Block] = {}
        self.entries: list[_Block] = []
        self.root: _Block | None = None
        self._seen: set[int] = set()  # header runs of the pieces already in a block
        self._naming: dict[str, list[_Block]] | None = None  # entries by the initiative named

    def error(self, message: str) -> _SideError:
        return _SideError(f"cannot merge {self.label}: {message}", self.role)

    # --- runs -----------------------------------------------------------------

    def next_candidate(self, run: int) -> int | None:
        """The next line after ``run`` that starts with "[" (HEAD: the first), or None."""
        text = self.text
        if run < 0 and text.startswith("["):
            return 0
        newline = text.find("\n[", max(run, 0))
        found = newline + 1 if newline >= 0 else None
        following = bisect_right(self.indented, run)
        if following < len(self.indented) and (found is None or self.indented[following] < found):
            found = self.indented[following]
        return found

    def previous_candidate(self, run: int) -> int:
        """The line before ``run`` that starts with "[", or HEAD."""
        if run <= 0:
            return HEAD
        newline = self.text.rfind("\n[", 0, run)
        found = newline + 1 if newline >= 0 else (0 if self.text.startswith("[") else HEAD)
        before = bisect_left(self.indented, run) - 1
        if before >= 0 and self.indented[before] > found:
            found = self.indented[before]
        return found

    def run_at(self, offset: int) -> int:
        """The run that holds ``offset``."""
        return self.previous_candidate(offset + 1)

    def run_text(self, run: int, end: int) -> str:
        """A run's text, up to ``end`` (where the next run starts)."""
        return self.text[max(run, 0) : end]

    def line(self, run: int) -> str:
        newline = self.text.find("\n", run)
        return self.text[run : len(self.text) if newline < 0 else newline]

    def real(self, run: int) -> bool:
        """Whether run ``run`` starts with a real table header (not a line of a value)."""
        if run < 0:
            return False
        known = self._real.get(run)
        if known is None:
            known = self._decide(run)
        return known

    def _certain(self, run: int) -> bool:
        if self._exact is not None:
            return run in self._exact
        return _CERTAIN_HEADER.fullmatch(self.line(run)) is not None

    def _header_like(self, run: int) -> bool:
        try:
            blocks.header_path(self.line(run) + "\n")
        except HeaderError:
            return False
        return True

    def _decide(self, run: int) -> bool:
        if self._certain(run):
            self._real[run] = True
            return True
        if self._exact is not None or not self._header_like(run):
            self._real[run] = False
            return False
        # Ambiguous ('["a"]' may be a header or a line of an array): read forward from
        # the nearest run already decided, or certain, as the block index does.
        anchor = self.previous_candidate(run)
        while anchor != HEAD and anchor not in self._segment and not self._certain(anchor):
            anchor = self.previous_candidate(anchor)
        segment = self._segment.get(anchor, max(anchor, 0))
        candidate = self.next_candidate(anchor)
        while candidate is not None and candidate <= run:
            is_real = self._certain(candidate) or (
                self._header_like(candidate) and blocks.run_closes(self.text[segment:candidate])
            )
            self._real[candidate] = is_real
            if is_real:
                segment = candidate
            self._segment[candidate] = segment
            candidate = self.next_candidate(candidate)
        return self._real[run]

    def path(self, run: int) -> tuple[tuple[str, ...], bool]:
        """The header path of a real header run, and whether it is an array ([[…]])."""
        known = self._paths.get(run)
        if known is None:
            try:
                known = blocks.header_path(self.line(run) + "\n")
            except HeaderError as error:
                line = self.text.count("\n", 0, run) + 1
                raise self.error(f"line {line}: {error}") from None
            self._paths[run] = known
        return known

    def next_real(self, run: int) -> int | None:
        candidate = self.next_candidate(run)
        while candidate is not None and not self.real(candidate):
            candidate = self.next_candidate(candidate)
        return candidate

    def previous_real(self, run: int) -> int:
        """The real header run before ``run``, or HEAD."""
        candidate = self.previous_candidate(run)
        while candidate != HEAD and not self.real(candidate):
            candidate = self.previous_candidate(candidate)
        return candidate

    def piece(self, run: int) -> Piece:
        """The piece a real header run starts: its header line to the next piece."""
        known = self._pieces.get(run)
        if known is not None:
            return known
        text = self.text
        newline = text.find("\n", run)
        body = len(text) if newline < 0 else newline + 1
        following = self.next_real(run)
        end = len(text) if following is None else self.lead_start(following, floor=body)
        path, array = self.path(run)
        known = Piece(self.lead_start(run), run, body, end, path, array)
        self._pieces[run] = known
        return known

    def lead_start(self, run: int, floor: int | None = None) -> int:
        """Where the comment lines directly above a header start (not above ``floor``)."""
        previous = self.previous_real(run) if floor is None or self._exact is not None else HEAD
        if self._exact is not None:
            between = self.text[max(previous, 0) : run]
            if '"""' in between or "'''" in between:
                return run  # a "#" line may end a multi-line string there
        if floor is None:
            floor = 0
            if previous != HEAD:
                newline = self.text.find("\n", previous)
                floor = run if newline < 0 else min(newline + 1, run)
        return blocks.lead_start(self.text, run, floor)

    def head_end(self) -> int:
        if self._head_end is None:
            first = self.next_real(HEAD)
            self._head_end = len(self.text) if first is None else self.lead_start(first)
        return self._head_end

    def content_end(self, piece: Piece) -> int:
        return blocks.content_end(self.text, piece.body, piece.end)

    def deletion_span(self, piece: Piece) -> tuple[int, int]:
        """A piece's header through its last entry and the blank lines after it."""
        return blocks.deletion_span(self.text, piece)

    def piece_text(self, piece: Piece, *, lead: bool = False) -> str:
        """A piece's header through its last entry (with its lead comments), ending in \\n."""
        start = piece.start if lead else piece.header
        return _with_newline(self.text[start : self.content_end(piece)])

    # --- odd lines: tables, sub-tables written away from their record ---------------

    def odd_runs(self) -> list[int]:
        return self._odd_lines

    def table_runs(self) -> dict[str, int]:
        """[table] headers (not [[arrays]]) of one key: their runs, by name."""
        if self._tables is None:
            self._tables = {}
            for run in self.odd_runs():
                if _SUB_TABLE_LINE.match(self.text, run):
                    continue  # [name.sub] or [[name.sub]]: a sub-table, at a glance
                if self.real(run):
                    path, array = self.path(run)
                    if len(path) == 1 and not array:
                        if path[0] in self._tables:
                            raise self.error(f"[{visible(path[0])}] is defined twice")
                        self._tables[path[0]] = run
        return self._tables

    def strays(self) -> dict[Owner, list[int]]:
        """Sub-tables not written right after their record (or table): by their owner."""
        if self._strays is None:
            self._strays = {}
            text = self.text
            for run in self.odd_runs():
                simple = _SUB_TABLE_LINE.match(text, run)
                if simple is not None and self._exact is None:
                    # The usual layout, at a glance: [[name]] or [name…] on the line before.
                    previous = self.previous_candidate(run)
                    name = simple.group(1)
                    if previous != HEAD and text.startswith(
                        (f"[[{name}]]", f"[{name}.", f"[[{name}.", f"[{name}]"), previous
                    ):
                        continue
                if not self.real(run):
                    continue
                path, _ = self.path(run)
                if len(path) < 2:
                    continue
                previous = self.previous_real(run)
                if previous != HEAD and self.path(previous)[0][0] == path[0]:
                    continue  # right after its record, table or a sibling: found from there
                owner = self._owner_before(run, path[0])
                self._strays.setdefault(owner, []).append(run)
                self._stray_owner[run] = owner
                self._stray_runs.append(run)
        return self._strays

    def _owner_before(self, run: int, table: str) -> Owner:
        """What a sub-table of ``table`` at ``run`` belongs to: the last element before it."""
        known = self._stray_owner
        candidate = self.previous_candidate(run)
        while candidate != HEAD:
            if candidate in known and self.path(candidate)[0][0] == table:
                return known[candidate]
            if self.real(candidate):
                path, array = self.path(candidate)
                if path == (table,):
                    return ("element", candidate) if array else ("table", table)
            candidate = self.previous_candidate(candidate)
        return ("table", table)

    def chain(self, run: int, table: str) -> list[int]:
        """The sub-table runs of ``table`` that follow ``run`` directly."""
        found: list[int] = []
        following = self.next_real(run)
        while following is not None:
            path, _ = self.path(following)
            if path[0] != table or len(path) < 2:
                break
            found.append(following)
            following = self.next_real(following)
        return found

    # --- blocks -----------------------------------------------------------------

    def block_of_run(self, run: int) -> _Block:
        header = run if self.real(run) else self.previous_real(run)
        if header == HEAD:
            return self.root_block()
        return self.block_of_header(header)

    def block_of_header(self, run: int) -> _Block:
        path, array = self.path(run)
        table = path[0]
        if len(path) == 1:
            return self.element_block(run) if array else self.table_block(table)
        owner = self._owner_of(run, table)
        if owner[0] == "element":
            return self.element_block(owner[1])
        return self.table_block(table)

    def _owner_of(self, run: int, table: str) -> Owner:
        self.strays()
        previous = run
        while previous != HEAD:
            owner = self._stray_owner.get(previous)
            if owner is not None:
                return owner
            path, array = self.path(previous)
            if path[0] != table:
                break
            if len(path) == 1:
                return ("element", previous) if array else ("table", table)
            previous = self.previous_real(previous)
        return ("table", table)

    def element_block(self, run: int) -> _Block:
        path, _ = self.path(run)
        table = path[0]
        runs = [run, *self.chain(run, table)]
        for stray in self.strays().get(("element", run), []):
            runs += [stray, *self.chain(stray, table)]
        pieces = [self.piece(r) for r in sorted(set(runs))]
        value = self._parse(pieces)
        elements = value.get(table)
        if not isinstance(elements, list) or len(elements) != 1:  # pragma: no cover - by index
            raise self.error(f"cannot read the [[{table}]] record at {self._where(pieces[0])}")
        record = elements[0]
        kind = "keyed" if table in KEYED_TABLES else "entry"
        block = _Block(self, kind, table, pieces, pieces[0], record)
        if kind == "keyed":
            ident = record.get("id")
            if not isinstance(ident, str):
                raise self.error(f"a [[{table}]] record at {self._where(pieces[0])} has no id")
            block.identity = ("keyed", table, ident)
        else:
            block.identity = ("entry", table, _canonical(record))
        return block

    def table_block(self, table: str) -> _Block:
        runs: list[int] = []
        header = self.table_runs().get(table)
        if header is not None:
            runs += [header, *self.chain(header, table)]
        for stray in self.strays().get(("table", table), []):
            runs += [stray, *self.chain(stray, table)]
        pieces = [self.piece(r) for r in sorted(set(runs))]
        own = self.piece(header) if header is not None else None
        value = self._parse(pieces).get(table, {}) if pieces else {}
        if not isinstance(value, dict):  # pragma: no cover - a header makes a table
            raise self.error(f"[{visible(table)}] is not a table")
        return _Block(self, "table", table, pieces, own, value, ("table", table))

    def root_block(self) -> _Block:
        if self.root is None:
            end = self.head_end()
            value = self._parse_text(self.text[:end], 0)
            self.root = _Block(self, "root", "", [], None, value, ("root",))
        return self.root

    def _parse(self, pieces: list[Piece]) -> dict[str, Any]:
        text = "".join(self.text[p.header : p.end] for p in pieces)
        return self._parse_text(text, pieces[0].header)

    def _parse_text(self, text: str, offset: int) -> dict[str, Any]:
        try:
            return tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError):
            pass
        try:
            parse_toml(text, Path(self.label))
        except TomlSyntaxError as error:
            first = self.text.count("\n", 0, offset)
            where = f"{self.label}:{first + error.line}" if error.line is not None else self.label
            if error.column is not None:
                where += f":{error.column}"
            raise _SideError(f"{where}: {error.reason}", self.role) from None
        raise self.error("cannot parse it")  # pragma: no cover - tomllib failed above

    def _where(self, piece: Piece) -> str:
        return f"line {self.text.count(chr(10), 0, piece.header) + 1}"

    # --- what differs -------------------------------------------------------------

    def collect(self) -> None:
        """Read the blocks of every run that differs (``dirty``) and of stray sub-tables."""
        self.root_block()
        strays = self.strays()
        wanted = set(self.dirty) | set(self._stray_runs)
        wanted.update(owner[1] for owner in strays if owner[0] == "element")
        for table in {owner[1] for owner in strays if owner[0] == "table"}:
            self.add(self.table_block(table))
        for run in sorted(wanted):
            header = run if self.real(run) else self.previous_real(run)
            if header in self._seen or header == HEAD:
                continue  # already read (the head: by root_block, above)
            self.add(self.block_of_header(header))

    def add(self, block: _Block) -> None:
        runs = [piece.header for piece in block.pieces]
        if runs and runs[0] in self._seen:
            return
        self._seen.update(runs)
        if block.kind == "keyed":
            key = (block.table, str(block.value["id"]))
            if key in self.keyed:
                raise self.error(f"two {block.label} records")
            self.keyed[key] = block
        elif block.kind == "table":
            self.tables[block.table] = block
        elif block.kind == "entry":
            self.entries.append(block)

    # --- looking a record up ----------------------------------------------------------

    def find(self, identity: Hashable) -> _Block | None:
        """This version's block of a record or table another version changed."""
        kind = identity[0]  # type: ignore[index]
        if kind == "root":
            return self.root_block()
        if kind == "table":
            table = identity[1]  # type: ignore[index]
            if table not in self.tables:
                if table not in self.table_runs() and ("table", table) not in self.strays():
                    return None
                self.add(self.table_block(table))
            return self.tables.get(table)
        table, ident = identity[1], identity[2]  # type: ignore[index]
        key = (table, ident)
        if key not in self.keyed and identity not in self._absent:
            for run in self._id_runs(ident):
                block = self.block_of_run(run)
                if block.kind == "keyed" and block.identity == identity:
                    self.add(block)
            if key not in self.keyed:
                self._absent.add(identity)
        return self.keyed.get(key)

    def _id_runs(self, ident: str) -> list[int]:
        """Runs with an ``id = "…"`` line of that value (a superset: checked by the caller)."""
        if self._id_lines is None and self._quick_looks < 256 and _plain(ident):
            self._quick_looks += 1
            if ident not in self.text:  # a new id, the usual case: one search
                return []
        if self._id_lines is None:
            self._id_lines = {}
            for match in _ID_LINE.finditer(self.text):
                raw = match.group(1)
                value = raw[1:-1] if raw[0] == "'" or "\\" not in raw else _unescape(raw)
                self._id_lines.setdefault(value, []).append(match.start())
        return sorted({self.run_at(offset) for offset in self._id_lines.get(ident, [])})

    def naming(self, ident: str) -> list[_Block]:
        """The entries that differ and name initiative ``ident``, in file order."""
        if self._naming is None:
            self._naming = {}
            for entry in self.entries:
                self._naming.setdefault(entry.reference(), []).append(entry)
        return self._naming.get(ident, [])

    def forget_naming(self) -> None:
        """Entries were renamed: index them again when asked."""
        self._naming = None

    def log_of(self, ident: str) -> Counter[Hashable]:
        """The entries that differ and name initiative ``ident``."""
        return Counter(e.identity for e in self.naming(ident))

    # --- fields ---------------------------------------------------------------------

    def own_span(self, block: _Block) -> tuple[int, int]:
        if block.kind == "root":
            return 0, self.head_end()
        if block.own is None:
            return block.position, block.position
        return block.own.body, block.own.end

    def own_entries(self, block: _Block) -> list[Entry]:
        start, end = self.own_span(block)
        try:
            return blocks.entries(self.text, start, end)
        except HeaderError as error:  # pragma: no cover - the block parsed
            raise self.error(f"{block.label}: {error}") from None

    def fields(self, block: _Block) -> dict[str, _FieldText]:
        found: dict[str, _FieldText] = {}
        for entry in self.own_entries(block):
            found.setdefault(entry.path[0], _FieldText([], [])).entries.append(entry)
        for piece in block.pieces:
            if piece is not block.own and len(piece.path) > 1:
                found.setdefault(piece.path[1], _FieldText([], [])).pieces.append(piece)
        return found

    def own_end(self, block: _Block) -> int:
        """Where a new own key goes: after the block's last own key."""
        start, end = self.own_span(block)
        if block.kind == "root":
            content = blocks.content_end(self.text, start, end)
            return content if content > start else end
        return blocks.content_end(self.text, start, end) if block.own is not None else start

    def field_text(self, block: _Block, text: _FieldText) -> tuple[str, str]:
        """(own key lines, sub-table pieces) of one field, as text ending in newlines."""
        lines = "".join(_with_newline(self.text[e.start : e.end]) for e in text.entries)
        pieces = "\n".join(self.piece_text(p) for p in text.pieces)
        return lines, pieces

    def block_text(self, block: _Block, edits: Iterable[_Edit] = (), *, lead: bool = True) -> str:
        """A block as a chunk to copy elsewhere: each piece (with its lead comments)."""
        edits = list(edits)
        chunks = []
        for piece in block.pieces:
            start, end = piece.start if lead else piece.header, self.content_end(piece)
            mine = [e.moved(-start) for e in edits if start <= e.start and e.end <= end]
            chunks.append(_with_newline(_apply(self.text[start:end], mine)))
        return "\n".join(chunks)


_SUB_TABLE_LINE = re.compile(r"[ \t]*\[\[?[ \t]*([A-Za-z0-9_-]+)[ \t]*\.")
_ID_LINE = re.compile(r"^[ \t]*id[ \t]*=[ \t]*(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*')", re.MULTILINE)


def _plain(ident: str) -> bool:
    return '"' not in ident and "\\" not in ident and "'" not in ident


def _unescape(raw: str) -> str:
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw
    return str(value)


class _FieldText(NamedTuple):
    """Where one field of a record is written: own key lines and sub-table pieces."""

    entries: list[Entry]
    pieces: list[Piece]


def _with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


# --------------------------------------------------------------------------- edits


class _Edit(NamedTuple):
    start: int
    end: int
    order: int  # at one offset: own keys (0), then regions (1), then sub-tables (2)
    text: str

    def moved(self, by: int) -> _Edit:
        return self._replace(start=self.start + by, end=self.end + by)


def _apply(text: str, edits: Iterable[_Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end, e.order)):
        if edit.start < position:  # pragma: no cover - a bug: edits must not overlap
            raise StoreError("cannot merge: two changes overlap (a bug in vzwatch)")
        pieces.append(text[position : edit.start])
        pieces.append(edit.text)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def _region(ours: str, theirs: str, ours_note: str = "", theirs_note: str = "") -> str:
    return (
        f"{OURS_MARKER}{ours_note}\n{_with_newline(ours)}{SPLIT_MARKER}\n"
        f"{_with_newline(theirs)}{THEIRS_MARKER}{theirs_note}\n"
    )


# --------------------------------------------------------------------------- the merge


class _Diff:
    """Where another version differs from the base, run by run.

    Outside the window where the texts differ (found by comparing slices), every
    run is the same. Inside it, runs are matched by their text and the text of the
    run before (so a sub-table that moved to another record counts as changed).
    """

    def __init__(self, base: _Text, other: _Text, span: tuple[int, int, int] | None) -> None:
        self.base_dirty: list[int] = []
        self.other_dirty: list[int] = []
        self.start = self.last = HEAD
        self.shift = 0
        self.window = span is not None
        self._matched: dict[int, int] | None = None  # base run -> the same run in the other
        self._pairs: tuple[list[tuple[str, str]], list[int], list[tuple[str, str]], list[int]]
        if span is None:
            return
        first, base_end, other_end = span
        self.shift = other_end - base_end
        self.start = base.previous_candidate(first)
        # The first run after the difference changed too: the run before it did.
        after = base.next_candidate(base_end)
        self.last = after if after is not None else len(base.text)
        stop = base.next_candidate(after) if after is not None else None
        base_stop = len(base.text) if stop is None else stop
        other_stop = len(other.text) if stop is None else stop + self.shift
        split = not (
            _indented_in(base, self.start, base_stop) or _indented_in(other, self.start, other_stop)
        )
        base_pairs, base_runs = _window_runs(base, self.start, self.last, base_stop, split)
        other_pairs, other_runs = _window_runs(
            other, self.start, self.last + self.shift, other_stop, split
        )
        self._pairs = (base_pairs, base_runs, other_pairs, other_runs)
        base_set, other_set = set(base_pairs), set(other_pairs)
        if len(base_set) == len(base_pairs) and len(other_set) == len(other_pairs):
            common = base_set & other_set
            self.base_dirty = [
                r for p, r in zip(base_pairs, base_runs, strict=True) if p not in common
            ]
            self.other_dirty = [
                r for p, r in zip(other_pairs, other_runs, strict=True) if p not in common
            ]
            return
        # A pair repeats (identical entries one after another): match them in order.
        waiting: dict[tuple[str, str], list[int]] = {}
        for pair, run in zip(base_pairs, base_runs, strict=True):
            waiting.setdefault(pair, []).append(run)
        for runs in waiting.values():
            runs.reverse()  # popped from the end: in file order
        self._matched = {}
        for pair, run in zip(other_pairs, other_runs, strict=True):
            bucket = waiting.get(pair)
            if bucket:
                self._matched[bucket.pop()] = run
            else:
                self.other_dirty.append(run)
        self.base_dirty = sorted(run for runs in waiting.values() for run in runs)

    def to_other(self, run: int) -> int | None:
        """The other version's run that is this base run (None: it changed there)."""
        if not self.window or run < self.start:
            return run
        if run >= self.last:  # the run after the difference: its own text is the same
            return run + self.shift
        if self._matched is None:
            base_pairs, base_runs, other_pairs, other_runs = self._pairs
            pair_of = dict(zip(base_runs, base_pairs, strict=True))
            at = dict(zip(other_pairs, other_runs, strict=True))
            self._matched = {r: at[p] for r, p in pair_of.items() if p in at}
        return self._matched.get(run)


def _indented_in(side: _Text, start: int, stop: int) -> bool:
    """Whether a line that starts with blanks and "[" lies in ``text[start:stop]``."""
    found = bisect_left(side.indented, max(start, 0))
    return found < len(side.indented) and side.indented[found] < stop


def _window_runs(
    side: _Text, start: int, last: int, stop: int, split: bool
) -> tuple[list[tuple[str, str]], list[int]]:
    """The runs from ``start`` to ``last``: (text of the run before, text) pairs and runs."""
    text = side.text
    if split:  # no indented "[" line: cut at "\n[" at C speed
        origin = max(start, 0)
        parts = text[origin:stop].split("\n[")
        first = start if start != HEAD or not text.startswith("[") else 0
        runs = [
            first,
            *(origin + n + 2 * k - 1 for k, n in enumerate(accumulate(map(len, parts[:-1])), 1)),
        ]
        return list(zip(["", *parts[:-1]], parts, strict=True)), runs
    runs = [start]
    following = side.next_candidate(start)
    while following is not None and following <= last:
        runs.append(following)
        following = side.next_candidate(following)
    ends = [*runs[1:], stop]
    texts = [side.run_text(run, end) for run, end in zip(runs, ends, strict=True)]
    return list(zip(["", *texts[:-1]], texts, strict=True)), runs


def _mark_dirty(base: _Text, ours: _Text, theirs: _Text, mine: _Diff, yours: _Diff) -> None:
    """The runs each version must read: what differs from the base on either side."""
    base.dirty = sorted({*mine.base_dirty, *yours.base_dirty})
    for side, own, other in ((ours, mine, yours), (theirs, yours, mine)):
        mapped = {own.to_other(run) for run in other.base_dirty}
        mapped.discard(None)
        side.dirty = sorted({*own.other_dirty, *(run for run in mapped if run is not None)})


class _Merge:
    def __init__(self, base: str, ours: str, theirs: str, name: str, partial_base: bool) -> None:
        self.name = name
        self.partial_base = partial_base
        labels = {
            "base": f"base version of {name}",
            "ours": f"our version of {name}",
            "theirs": f"their version of {name}",
        }
        base_scan = _scan(base)
        self.base = self._side(base, "base", labels["base"], base_scan)
        if _foreign(self.base, (ours, theirs)):
            base = _render_document(self._parse_whole(base, "base", labels["base"]))
            base_scan = _scan(base)
            self.base = self._side(base, "base", labels["base"], base_scan)
        diffs = []
        sides = []
        for role, text in (("ours", ours), ("theirs", theirs)):
            span = _span(base, text)
            scan = base_scan if span is None else _scan_other(base_scan, text, span)
            side = self._side(text, role, labels[role], scan)
            if _foreign(side, (base, ours if role == "theirs" else theirs)):
                if role == "ours":
                    raise StoreError(
                        f"cannot merge {name}: our version keeps records as inline arrays "
                        "(`initiatives = [{…}]`, as some TOML writers save them), which the "
                        "merge driver cannot edit in place; it is unchanged: merge it by hand, "
                        "or save it with [[initiatives]] tables first"
                    )
                text = _render_document(self._parse_whole(text, role, labels[role]))
                span = _span(base, text)
                scan = base_scan if span is None else _scan_other(base_scan, text, span)
                side = self._side(text, role, labels[role], scan)
            sides.append(side)
            diffs.append(_Diff(self.base, side, span))
        self.ours, self.theirs = sides
        _mark_dirty(self.base, self.ours, self.theirs, diffs[0], diffs[1])
        self.edits: list[_Edit] = []
        self.appends: list[tuple[int, str]] = []  # (position in theirs, chunk)
        self.conflicts: list[Conflict] = []
        self.notes: list[str] = []
        self.claimed: set[int] = set()  # ids of blocks moved into a conflict region
        # Records one side deleted while the other changed what belongs to them
        # ((table, id) -> that side's belongings): a delete/modify conflict of the record.
        self.belongings: dict[tuple[str, str], list[_Block]] = {}
        self.renamed: dict[str, str] = {}
        self.theirs_edits: dict[int, list[_Edit]] = {}  # block id -> edits of its copy
        self.checks: list[tuple[_Block, dict[str, Any]]] = []  # merged blocks to read back
        self.combined: list[tuple[_Block, dict[str, Any]]] = []  # values neither side had
        self.deleted_pillars: dict[str, str] = {}
        self._sorted_edits: list[_Edit] | None = None
        self._edit_starts: list[int] = []

    @staticmethod
    def _side(text: str, role: str, label: str, scan: _Scan) -> _Text:
        side = _Text(text, role, label, scan)
        side.root_block()
        return side

    @staticmethod
    def _parse_whole(text: str, role: str, label: str) -> dict[str, Any]:
        try:
            return parse_toml(text, Path(label))
        except StoreError as error:
            raise _SideError(f"cannot merge: {error.message}", role) from None

    def run(self) -> MergeResult:
        sides = (self.base, self.ours, self.theirs)
        for side in sides:
            side.collect()
        if not self.partial_base:
            self._rename_colliding_ids()
        self._find_changed_belongings()
        for identity in self._identities():
            base, ours, theirs = (side.find(identity) for side in sides)
            self._merge_record(identity, base, ours, theirs)
        self._merge_logs()
        text = _apply(self.ours.text, self.edits)
        if self.appends:
            chunks = [chunk for _, chunk in sorted(self.appends, key=lambda a: a[0])]
            text = _append(text, "\n".join(chunks))
        if text.endswith("\n\n") and not self.ours.text.endswith("\n\n"):
            text = text.rstrip("\n") + "\n"  # what was deleted at the end leaves no blank line
        if not self.conflicts:
            self._check_result()
        return MergeResult(text, self.conflicts, self.notes)

    def _identities(self) -> list[Hashable]:
        """Every record and table that differs somewhere: ours' order, then theirs', base's."""
        seen: dict[Hashable, None] = {}
        for side in (self.ours, self.theirs, self.base):
            found = [*side.keyed.values(), *side.tables.values()]
            if side.root is not None:
                found.append(side.root)
            for block in sorted(found, key=lambda b: b.position):
                seen.setdefault(block.identity, None)
        return list(seen)

    # --- ids added on both sides ------------------------------------------------------

    def _rename_colliding_ids(self) -> None:
        for (table, ident), mine in list(self.ours.keyed.items()):
            if table not in RENAMED_ON_COLLISION:
                continue
            other = self.theirs.keyed.get((table, ident))
            if other is None or _same(mine.value, other.value):
                continue
            if self.base.find(mine.identity) is not None:
                continue
            new = self._free_id(ident)
            self.renamed[ident] = new
            self._rename(other, "id", new)
            del self.theirs.keyed[(table, ident)]
            other.value = {**other.value, "id": new}
            other.identity = ("keyed", table, new)
            self.theirs.keyed[(table, new)] = other
            for entry in self.theirs.naming(ident):
                self._rename(entry, REFERENCE_KEY, new)
                entry.value = {**entry.value, REFERENCE_KEY: new}
                entry.identity = ("entry", entry.table, _canonical(entry.value))
            self.notes.append(
                f"{KEYED_TABLES[table]} '{visible(ident)}' was added on both sides with "
                f"different content: kept ours, theirs is now '{visible(new)}'"
            )
        if self.renamed:
            self.theirs.forget_naming()

    def _free_id(self, ident: str) -> str:
        number = 2
        while True:
            candidate = f"{ident}-{number}"
            taken = candidate in self.renamed.values() or any(
                candidate in side.text  # named anywhere, even in a note: not free
                for side in (self.base, self.ours, self.theirs)
            )
            if not taken:
                return candidate
            number += 1

    def _rename(self, block: _Block, key: str, value: str) -> None:
        side = block.side
        entry = next((e for e in side.own_entries(block) if e.path == (key,)), None)
        if entry is None:  # pragma: no cover - the key came from this very block
            raise StoreError(f"cannot merge: {block.label} has no editable {key}")
        self.theirs_edits.setdefault(id(block), []).append(
            _Edit(entry.value_start, entry.value_end, 0, _render_value(value))
        )

    # --- records and tables -------------------------------------------------------------

    def _merge_record(
        self, identity: Hashable, base: _Block | None, ours: _Block | None, theirs: _Block | None
    ) -> None:
        if ours is None and theirs is None:
            return
        if any(block is not None and id(block) in self.claimed for block in (ours, theirs)):
            return  # moved into the conflict region of the initiative it belongs to
        if ours is None:
            assert theirs is not None
            if base is None:
                self._append(theirs)
            elif (
                not _same(base.value, theirs.value)
                or self._log_changed(theirs)
                or self._belongings_changed(theirs)
            ):
                self._theirs_deleted_here(theirs)
            return
        if theirs is None:
            if base is None:
                return  # added on our side
            if (
                _same(base.value, ours.value)
                and not self._log_changed(ours)
                and not self._belongings_changed(ours)
            ):
                self._delete(ours)
            else:
                self._ours_deleted_there(ours)
            return
        if _same(ours.value, theirs.value):
            return
        if base is not None and _same(base.value, theirs.value):
            return
        self._merge_fields(base.value if base is not None else {}, ours, theirs)

    def _find_changed_belongings(self) -> None:
        """The records one side deleted while the other added or changed what belongs to
        them (an initiative's indicators and milestones, an indicator's measurements):
        what belongs moves into the record's conflict region, so that either resolution
        leaves a store whose references hold. Outer records first: an initiative's
        region holds its indicators with their measurements."""
        for deleter, keeper in ((self.ours, self.theirs), (self.theirs, self.ours)):
            read = [*keeper.keyed.values(), *keeper.entries]
            for table, children in OWNED.items():
                owners = {
                    str(block.value[key])
                    for block in read
                    for child, key in children
                    if block.table == child
                    and isinstance(block.value.get(key), str)
                    and id(block) not in self.claimed
                }
                for ident in sorted(owners):
                    # Deleted on one side: the base's run is one that changed, so the base
                    # read it (find() would index every id of a big store).
                    if (table, ident) not in self.base.keyed or (table, ident) in deleter.keyed:
                        continue
                    if deleter.find(("keyed", table, ident)) is not None:
                        continue
                    mine = self._belonging(keeper, table, ident)
                    if _belongings_key(mine) != _belongings_key(
                        self._belonging(self.base, table, ident)
                    ):
                        self.belongings[(table, ident)] = mine
                        self.claimed.update(id(block) for block in mine)  # merged with it

    def _belonging(self, side: _Text, table: str, ident: str) -> list[_Block]:
        """What belongs to record ``ident`` of ``table`` among the blocks this version read,
        at any depth, in file order."""
        found: list[_Block] = []
        wanted = [(table, ident)]
        while wanted:
            owner, name = wanted.pop()
            for child, key in OWNED.get(owner, ()):
                for block in (*side.keyed.values(), *side.entries):
                    if block.table == child and block.value.get(key) == name:
                        found.append(block)
                        if block.kind == "keyed":
                            wanted.append((block.table, str(block.value["id"])))
        return sorted(found, key=lambda block: block.position)

    def _claim_belongings(self, block: _Block) -> list[_Block]:
        """What belongs to ``block``'s record and goes into its conflict region."""
        if not self._belongings_changed(block):
            return []
        return self.belongings.pop((block.table, str(block.value["id"])))

    def _belongings_changed(self, block: _Block) -> bool:
        return block.kind == "keyed" and (block.table, str(block.value["id"])) in self.belongings

    def _log_changed(self, block: _Block) -> bool:
        """Whether entries naming this initiative changed on the block's side."""
        if block.kind != "keyed" or block.table != LOG_OWNER:
            return False
        ident = str(block.value["id"])
        return block.side.log_of(ident) != self.base.log_of(ident)

    def _log_note(self, block: _Block) -> str:
        """What changed when the record itself did not: its log, or what belongs to it."""
        if not _same(self.base.find(block.identity).value, block.value):  # type: ignore[union-attr]
            return ""
        ident = str(block.value["id"])
        if (block.table, ident) in self.belongings:
            mine = _belongings_key(self.belongings[(block.table, ident)])
            changed = mine - _belongings_key(self._belonging(self.base, block.table, ident))
            tables = sorted({table for table, _ in changed}) or sorted({t for t, _ in mine})
            return " (its " + ", ".join(f"[[{t}]]" for t in tables) + ")"
        logged = block.side.log_of(ident) - self.base.log_of(ident)
        tables = sorted({identity[1] for identity in logged}) or ["progress"]  # type: ignore[index]
        return " (" + ", ".join(f"[[{t}]]" for t in tables) + " entries)"

    def _delete(self, block: _Block) -> None:
        for piece in block.pieces:
            start, end = self.ours.deletion_span(piece)
            self.edits.append(_Edit(start, end, 0, ""))
        if block.table == "pillars" and block.kind == "keyed":
            self.deleted_pillars[str(block.value["id"])] = "theirs"

    def _entries_naming(self, side: _Text, ident: str) -> list[_Block]:
        return [e for e in side.naming(ident) if id(e) not in self.claimed]

    def _ours_deleted_there(self, ours: _Block) -> None:
        """Changed in ours, deleted in theirs: ours' record and its entries in one region."""
        self.conflicts.append(
            Conflict(ours.label, "changed in ours, deleted in theirs" + self._log_note(ours))
        )
        side = self.ours
        moved: list[_Block] = []
        if ours.kind == "keyed" and ours.table == LOG_OWNER:
            ident = str(ours.value["id"])
            moved = self._entries_naming(side, ident)
            self.claimed.update(id(e) for e in moved)
            ours_count = Counter(e.identity for e in moved)
            extra = self._beyond(self._entries_naming(self.theirs, ident), ours_count)
            self.claimed.update(id(e) for e in extra)
        else:
            extra = []
        belongings = self._claim_belongings(ours)
        moved += belongings
        body = [side.block_text(ours, lead=False)]
        body += [side.block_text(e, lead=False) for e in moved]
        body += [self._theirs_text(e) for e in extra]
        first, *rest = ours.pieces
        for piece in rest:
            start, end = side.deletion_span(piece)
            self.edits.append(_Edit(start, end, 0, ""))
        for entry in moved:
            for piece in entry.pieces:
                start, end = side.deletion_span(piece)
                self.edits.append(_Edit(start, end, 0, ""))
        region = _region("\n".join(body), "", theirs_note=" (deleted)")
        self.edits.append(_Edit(first.header, side.content_end(first), 1, region))

    def _theirs_deleted_here(self, theirs: _Block) -> None:
        """Deleted in ours, changed in theirs: theirs' record and its entries, appended."""
        self.conflicts.append(
            Conflict(theirs.label, "deleted in ours, changed in theirs" + self._log_note(theirs))
        )
        extra: list[_Block] = []
        if theirs.kind == "keyed" and theirs.table == LOG_OWNER:
            ident = str(theirs.value["id"])
            ours_count = Counter(e.identity for e in self._entries_naming(self.ours, ident))
            extra = self._beyond(self._entries_naming(self.theirs, ident), ours_count)
            self.claimed.update(id(e) for e in extra)
        extra += self._claim_belongings(theirs)
        body = [self._theirs_text(theirs), *(self._theirs_text(e) for e in extra)]
        self.appends.append((theirs.position, _region("", "\n".join(body), ours_note=" (deleted)")))

    def _theirs_text(self, block: _Block, *, lead: bool = False) -> str:
        """Their block's text to copy into ours (renamed ids included)."""
        return self.theirs.block_text(block, self.theirs_edits.get(id(block), []), lead=lead)

    @staticmethod
    def _beyond(entries: list[_Block], counts: Counter[Hashable]) -> list[_Block]:
        """The entries that ``counts`` (another version's copies) does not account for."""
        left = Counter(counts)
        found = []
        for entry in entries:
            if left[entry.identity] > 0:
                left[entry.identity] -= 1
            else:
                found.append(entry)
        return found

    def _append(self, theirs: _Block) -> None:
        self.appends.append((theirs.position, self._theirs_text(theirs, lead=True)))

    # --- field by field -----------------------------------------------------------------

    def _merge_fields(self, base: dict[str, Any], ours: _Block, theirs: _Block) -> None:
        mine, yours = self.ours.fields(ours), self.theirs.fields(theirs)
        merged = dict(ours.value)
        changed: list[str] = []
        clashing: list[str] = []
        for key in _keys(ours.value, theirs.value, base):
            b = base.get(key, _MISSING)
            o = ours.value.get(key, _MISSING)
            t = theirs.value.get(key, _MISSING)
            if _same(o, t) or _same(t, b):
                continue
            if _same(o, b):
                changed.append(key)
                if t is _MISSING:
                    merged.pop(key, None)
                else:
                    merged[key] = t
            else:
                clashing.append(key)
        empty = _FieldText([], [])
        anchor = self.ours.own_end(ours)
        for key in changed:
            self._field_change(ours, theirs, mine.get(key, empty), yours.get(key, empty), anchor)
        mixed: list[str] = []
        for key in clashing:
            o_text, t_text = mine.get(key, empty), yours.get(key, empty)
            if not (o_text.pieces or t_text.pieces):
                self._field_conflict(ours, theirs, key, o_text, t_text, anchor)
            else:
                mixed.append(key)
        if mixed:
            self._mixed_conflict(ours, theirs, mixed, mine, yours, anchor)
        if not clashing:
            self.checks.append((ours, merged))
            if not _same(merged, ours.value) and not _same(merged, theirs.value):
                self.combined.append((ours, merged))

    def _field_change(
        self, ours: _Block, theirs: _Block, mine: _FieldText, yours: _FieldText, anchor: int
    ) -> None:
        side = self.ours
        if _simple(mine) and _simple(yours) and "\n" not in _value_text(theirs.side, yours):
            entry = mine.entries[0]
            new = _value_text(theirs.side, yours)
            self.edits.append(_Edit(entry.value_start, entry.value_end, 0, new))
            return
        lines, pieces = theirs.side.field_text(theirs, yours)
        for entry in mine.entries:
            self.edits.append(_Edit(entry.start, entry.end, 0, ""))
        if lines:
            at = mine.entries[0].start if mine.entries else anchor
            self.edits.append(_Edit(at, at, 0, self._own_lines(ours, lines, at)))
        replaced = mine.pieces[:1] if pieces else []
        for piece in mine.pieces[len(replaced) :]:
            start, end = side.deletion_span(piece)
            self.edits.append(_Edit(start, end, 0, ""))
        if replaced:
            first = replaced[0]
            self.edits.append(_Edit(first.header, side.content_end(first), 2, pieces))
        elif pieces:
            self.edits.append(_Edit(anchor, anchor, 2, self._after(anchor) + pieces))

    def _own_lines(self, block: _Block, lines: str, at: int) -> str:
        """Own key lines to insert at ``at`` (a table without its own header gets one)."""
        text = self.ours.text
        prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
        if block.kind == "table" and block.own is None:
            lines = f"[{_render_key(block.table)}]\n{lines}\n"
        elif block.kind == "root" and at == self.ours.head_end() and at < len(text):
            lines += "\n"
        return prefix + lines

    def _after(self, at: int) -> str:
        """The separator before sub-tables inserted at ``at``."""
        text = self.ours.text
        return "\n" if at == 0 or text[at - 1] == "\n" else "\n\n"

    def _remove_field(self, mine: _FieldText) -> None:
        side = self.ours
        for entry in mine.entries:
            self.edits.append(_Edit(entry.start, entry.end, 0, ""))
        for piece in mine.pieces:
            start, end = side.deletion_span(piece)
            self.edits.append(_Edit(start, end, 0, ""))

    def _field_conflict(
        self,
        ours: _Block,
        theirs: _Block,
        key: str,
        mine: _FieldText,
        yours: _FieldText,
        anchor: int,
    ) -> None:
        ours_text, _ = self.ours.field_text(ours, mine)
        theirs_text, _ = theirs.side.field_text(theirs, yours)
        self._report(ours, key, mine, yours, theirs)
        region = _region(ours_text, theirs_text)
        if mine.entries:
            first, *rest = mine.entries
            self.edits.append(_Edit(first.start, first.end, 0, region))
            for entry in rest:
                self.edits.append(_Edit(entry.start, entry.end, 0, ""))
        else:
            self.edits.append(_Edit(anchor, anchor, 1, self._own_lines(ours, region, anchor)))

    def _mixed_conflict(
        self,
        ours: _Block,
        theirs: _Block,
        keys: list[str],
        mine: dict[str, _FieldText],
        yours: dict[str, _FieldText],
        anchor: int,
    ) -> None:
        """Clashing fields written as sub-tables: one region just after the own keys.

        There either side's text is valid: own keys end just before it, and a
        sub-table may start there.
        """
        empty = _FieldText([], [])
        for key in keys:
            self._report(ours, key, mine.get(key, empty), yours.get(key, empty), theirs)
        ours_part = _fields_text(self.ours, ours, [mine.get(k, empty) for k in keys])
        theirs_part = _fields_text(theirs.side, theirs, [yours.get(k, empty) for k in keys])
        for key in keys:
            self._remove_field(mine.get(key, empty))
        region = _region(ours_part, theirs_part)
        self.edits.append(_Edit(anchor, anchor, 1, self._own_lines(ours, region, anchor)))

    def _report(
        self, ours: _Block, key: str, mine: _FieldText, yours: _FieldText, theirs: _Block
    ) -> None:
        self.conflicts.append(
            Conflict(
                ours.label,
                f"{visible(key)} changed on both sides (ours: {_shown(self.ours, mine)}, "
                f"theirs: {_shown(theirs.side, yours)})",
            )
        )

    # --- logs: a union of entries -----------------------------------------------------------

    def _merge_logs(self) -> None:
        """A three-way multiset merge of the entries that differ."""
        base = Counter(e.identity for e in self.base.entries)
        ours: dict[Hashable, list[_Block]] = {}
        theirs: dict[Hashable, list[_Block]] = {}
        for entry in self.ours.entries:
            ours.setdefault(entry.identity, []).append(entry)
        for entry in self.theirs.entries:
            theirs.setdefault(entry.identity, []).append(entry)
        for identity in ours.keys() | theirs.keys():
            mine, yours = ours.get(identity, []), theirs.get(identity, [])
            b, o, t = base[identity], len(mine), len(yours)
            if o == b:
                wanted = t
            elif t == b:
                wanted = o
            elif o > b and t > b:
                wanted = max(o, t)  # added on both sides: the same entry, once
            elif o < b and t < b:
                wanted = min(o, t)
            else:
                wanted = max(0, o + t - b)
            for entry in mine[wanted:]:
                if id(entry) not in self.claimed:
                    self._delete(entry)
            for entry in yours[o:wanted]:
                if id(entry) not in self.claimed:
                    self._append(entry)

    # --- the result --------------------------------------------------------------------------

    def _check_result(self) -> None:
        """Read back what the merge wrote, and check what it combined.

        Only what changed is read: each merged record's new text must parse
        to the merged value (a mistake here must never reach the file), records
        that combine both sides must validate, and a pillar the merge deletes
        must not be named any more.
        """
        for block, merged in self.checks:
            self._read_back(block, merged)
        if self.combined:
            self._validate_combined()
        self._check_deleted_pillars()

    def _read_back(self, block: _Block, merged: dict[str, Any]) -> None:
        side = self.ours
        if block.kind == "root":
            start, end = 0, side.head_end()
        else:
            start = block.position
            end = max(p.end for p in block.pieces)
        edits = [e.moved(-start) for e in self._edits_within(start, end)]
        text = _apply(side.text[start:end], edits)
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            document = None
        if document is not None and block.kind == "keyed":
            found = [r for r in document.get(block.table, []) if r.get("id") == merged.get("id")]
            value: Any = found[0] if len(found) == 1 else None
        elif document is not None and block.kind == "table":
            value = document.get(block.table)
        else:
            value = document
        if value is None or not _same(value, merged):
            raise StoreError(
                f"cannot merge {self.name}: the merged text of {block.label} does not read back "
                "as the merge (a bug in vzwatch); nothing was written"
            )

    def _edits_within(self, start: int, end: int) -> Iterator[_Edit]:
        if self._sorted_edits is None:
            self._sorted_edits = sorted(self.edits, key=lambda e: (e.start, e.end, e.order))
            self._edit_starts = [e.start for e in self._sorted_edits]
        at = bisect_left(self._edit_starts, start)
        while at < len(self._sorted_edits) and self._sorted_edits[at].start <= end:
            if self._sorted_edits[at].end <= end:
                yield self._sorted_edits[at]
            at += 1

    def _validate_combined(self) -> None:
        from vzwatch.domain.portfolio import check_document

        portfolio = self.ours.find(("table", "portfolio"))
        document: dict[str, Any] = {}
        if portfolio is not None:
            document["portfolio"] = portfolio.value
        for block, merged in self.combined:
            if block.kind == "keyed":
                document.setdefault(block.table, []).append(merged)
            elif block.kind == "table":
                document[block.table] = merged
        # Stand-ins for the pillars the records name: those references are checked elsewhere.
        pillars = document.setdefault("pillars", [])
        defined = {str(p.get("id")) for p in pillars}
        named = {str(r["pillar"]) for r in document.get("initiatives", []) if "pillar" in r}
        pillars += [{"id": p} for p in sorted(named - defined)]
        # Sources the records name, likewise (a deleted source still cited: `validate` says so).
        sources = document.setdefault("sources", [])
        known = {str(source.get("id")) for source in sources}
        cited = {
            str(ident)
            for record in document.get("initiatives", [])
            for ident in (record.get("sources") or ())
        }
        sources += [{"id": ident, "outlet": ident} for ident in sorted(cited - known)]
        # Initiatives the merged indicators and milestones name, likewise (an orphan:
        # `validate` says so).
        initiatives = document.get("initiatives", [])
        present = {str(record.get("id")) for record in initiatives}
        owners = {
            str(record["initiative"])
            for table in ("indicators", "milestones")
            for record in document.get(table, [])
            if isinstance(record.get("initiative"), str)
        }
        if owners - present:
            document["initiatives"] = [
                *initiatives,
                *({"id": i, "title": i, "timeline": "ongoing"} for i in sorted(owners - present)),
            ]
        _, problems = check_document(document, "", Path(self.name))
        for problem in problems:
            label = f"{problem.record}: " if problem.record else ""
            self.conflicts.append(
                Conflict("the merged store", f"does not validate: {label}{problem.message}")
            )

    def _check_deleted_pillars(self) -> None:
        """A pillar one side deleted must not be named by a record the other side changed."""
        for (table, ident), block in self.theirs.keyed.items():
            if (
                table == "pillars"
                and self.base.find(block.identity) is not None
                and self.ours.find(block.identity) is None
            ):
                self.deleted_pillars.setdefault(ident, "ours")
        merged = {id(block): value for block, value in self.checks}
        for ident, deleter in sorted(self.deleted_pillars.items()):
            other = self.theirs if deleter == "ours" else self.ours
            for block in other.keyed.values():
                value = merged.get(id(block), block.value)
                if block.table == LOG_OWNER and value.get("pillar") == ident:
                    self.conflicts.append(
                        Conflict(
                            "the merged store",
                            f"does not validate: {block.label} names pillar "
                            f"'{visible(ident)}', which {deleter} deleted",
                        )
                    )
                    break


def _keys(*records: Mapping[str, Any]) -> Iterator[str]:
    seen: set[str] = set()
    for record in records:
        for key in record:
            if key not in seen:
                seen.add(key)
                yield key


def _fields_text(side: _Text, block: _Block, texts: list[_FieldText]) -> str:
    """Several fields' text: own key lines first, then sub-tables."""
    lines = "".join(side.field_text(block, t)[0] for t in texts)
    pieces = "\n".join(p for t in texts if (p := side.field_text(block, t)[1]))
    return lines + ("\n" if lines and pieces else "") + pieces


def _simple(text: _FieldText) -> bool:
    """One ``key = value`` line and nothing else (no dotted key, no sub-table)."""
    return len(text.entries) == 1 and not text.pieces and len(text.entries[0].path) == 1


def _value_text(side: _Text, text: _FieldText) -> str:
    entry = text.entries[0]
    return side.text[entry.value_start : entry.value_end]


def _shown(side: _Text, text: _FieldText) -> str:
    if not text.entries and not text.pieces:
        return "(removed)"
    if _simple(text):
        shown = _value_text(side, text).splitlines()[0]
    elif text.entries:
        shown = side.text[text.entries[0].start : text.entries[0].end].strip().splitlines()[0]
    else:
        shown = side.line(side.run_at(text.pieces[0].header)).strip()
    return visible(shown if len(shown) <= 60 else shown[:57] + "...")


def _append(old: str, chunk: str) -> str:
    """Append a chunk on its own lines after exactly one blank line."""
    chunk = chunk.lstrip("\n")
    body = old.rstrip("\n")
    if not body:
        return chunk
    return body + "\n\n" + chunk


# --------------------------------------------------------------------------- other writers


STORE_TABLES = frozenset(kind.table for kind in KINDS)


def _foreign(side: _Text, others: Iterable[str]) -> bool:
    """Whether the top-level keys hold what is a table elsewhere (``initiatives = [{…}]``).

    Another TOML writer may save [[progress]] as ``progress = [{…}]`` and
    [portfolio] as ``portfolio = {…}``; then records are top-level values in
    one version and tables in another, and cannot be matched by their text.
    """
    others = list(others)
    for key, value in side.root_block().value.items():
        if not isinstance(value, dict | list):
            continue
        if key in STORE_TABLES:
            return True
        tables = isinstance(value, dict) or any(isinstance(item, dict) for item in value)
        header = _render_key(key)
        if tables and any(f"[{header}]" in t or f"[{header}." in t for t in others):
            return True
    return False


def _render_document(document: Mapping[str, Any]) -> str:
    """A parsed store written the way vzwatch writes one: [tables] and [[arrays]]."""
    lines = [
        f"{_render_key(k)} = {_render_value(v)}\n"
        for k, v in document.items()
        if not _is_table(v) and not _is_array_of_tables(v)
    ]
    chunks = ["".join(lines)] if lines else []
    for key, value in document.items():
        if _is_table(value):
            chunks.append(_render_table((key,), value, array=False))
        elif _is_array_of_tables(value):
            chunks += [_render_table((key,), item, array=True) for item in value]
    return "\n".join(chunks)


def _render_table(path: tuple[str, ...], table: Mapping[str, Any], *, array: bool) -> str:
    header = ".".join(_render_key(k) for k in path)
    text = f"[[{header}]]\n" if array else f"[{header}]\n"
    text += "".join(
        f"{_render_key(k)} = {_render_value(v)}\n"
        for k, v in table.items()
        if not _is_table(v) and not _is_array_of_tables(v)
    )
    for key, value in table.items():
        if _is_table(value):
            text += "\n" + _render_table((*path, key), value, array=False)
        elif _is_array_of_tables(value):
            text += "".join("\n" + _render_table((*path, key), v, array=True) for v in value)
    return text


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _render_key(key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    import tomli_w

    return tomli_w.dumps({key: 0}).split(" = ")[0]


def _render_value(value: Any) -> str:
    """One TOML value, inline (tables in arrays as inline tables)."""
    import tomli_w

    if isinstance(value, dict):
        inner = ", ".join(f"{_render_key(k)} = {_render_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_render_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value})[len("v = ") :].rstrip("\n")
