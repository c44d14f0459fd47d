"""A three-way merge of store texts by meaning: by record, by field, by entry.

git merges lines; a store holds records. Two people who each append an
initiative touch the same last lines, and git calls that a conflict. Here the
three versions (``base``, the common ancestor; ``ours``; ``theirs``) are read
as records instead:

* ``[[initiatives]]`` and ``[[pillars]]`` are matched by ``id`` and merged
  field by field: a field changed on one side takes that change; a field
  changed differently on both sides is a conflict. An id added on both sides
  with different content keeps ours and gives theirs a new id (``<id>-2``),
  together with the entries (progress…) that name it.
* ``[table]`` tables (``[portfolio]``, unknown ones) merge field by field too.
* Every other array of tables (``[[progress]]``, ``[[history]]``, unknown
  ones) is a log: entries added on either side are kept, identical additions
  count once, and an entry removed on one side is removed.

The result is ours' text, edited: theirs' changes are applied to it with
``tomledit``, so comments, layout and unknown keys survive. A conflict is
written into the text between git-style markers (``<<<<<<< ours`` /
``=======`` / ``>>>>>>> theirs``) for a person to resolve; ``vzwatch
validate`` reports them until they do. Pure: texts in, text out.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vzwatch import tomledit
from vzwatch.errors import StoreError
from vzwatch.store import append_text, parse_toml
from vzwatch.textsafe import visible

KEYED_TABLES = {"initiatives": "initiative", "pillars": "pillar"}  # matched by id; label
RENAMED_ON_COLLISION = frozenset({"initiatives"})
REFERENCE_KEY = "initiative"  # log entries name their initiative with this key

OURS_MARKER = "<<<<<<< ours"
SPLIT_MARKER = "======="
THEIRS_MARKER = ">>>>>>> theirs"

_MISSING = object()
_ROOT = ""  # the unit of top-level keys before the first table header


@dataclass(frozen=True, slots=True)
class Conflict:
    """A disagreement left in the text for a person to resolve."""

    record: str  # "initiative 'x'", "[portfolio]", "top-level keys"
    message: str

    @property
    def text(self) -> str:
        return f"{self.record}: {self.message}"


@dataclass(frozen=True, slots=True)
class MergeResult:
    text: str
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. an id renamed to avoid a collision

    @property
    def clean(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True, slots=True)
class _Unit:
    """One record of one side: a table block (or the top-level keys) and its parsed value."""

    kind: str  # "keyed", "table", "entry" or "root"
    table: str
    record: dict[str, Any]
    text: str  # the block's own text, verbatim, ending in a newline
    block: tomledit.Block | None  # where it is in its side's text (None for root)
    lead: str = ""  # comment lines right above the header: copied along with a new block

    @property
    def identity(self) -> Hashable:
        if self.kind == "keyed":
            return ("keyed", self.table, self.record["id"])
        if self.kind == "entry":
            return ("entry", self.table, _canonical(self.record))
        return (self.kind, self.table)

    @property
    def label(self) -> str:
        if self.kind == "keyed":
            return f"{KEYED_TABLES[self.table]} '{visible(str(self.record['id']))}'"
        if self.kind == "root":
            return "top-level keys"
        return f"[{self.table}]"


@dataclass
class _Side:
    name: str
    text: str
    units: list[_Unit]

    def records(self) -> dict[Hashable, _Unit]:
        """Keyed records, tables and the top-level keys: everything but log entries."""
        return {u.identity: u for u in self.units if u.kind != "entry"}

    def entries(self) -> Counter[Hashable]:
        return Counter(u.identity for u in self.units if u.kind == "entry")


def merge_stores(base: str, ours: str, theirs: str, name: str = "store") -> MergeResult:
    """Merge ``theirs``' changes since ``base`` into ``ours``.

    Raises StoreError (and merges nothing) when a version does not parse.
    The merge works on LF text; a store saved with Windows line endings (ours)
    gets them back in the result.
    """
    result = _Merge(
        _read_side(_lf(base), f"base version of {name}"),
        _read_side(_lf(ours), f"our version of {name}"),
        _read_side(_lf(theirs), f"their version of {name}"),
    ).run(name)
    if "\r\n" in ours:
        return replace(result, text=result.text.replace("\n", "\r\n"))
    return result


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


# --------------------------------------------------------------------------- reading


def _read_side(text: str, name: str) -> _Side:
    parse_toml(text, Path(name))  # the whole document must be valid TOML
    try:
        blocks = tomledit.scan(text)
    except tomledit.TomlEditError as error:
        raise StoreError(f"cannot merge the {name}: {error}") from None
    first = blocks[0].start if blocks else len(text)
    root_text = text[:first]
    units = [_Unit("root", _ROOT, tomllib.loads(root_text), root_text, None)]
    seen: set[Hashable] = set()
    for block in blocks:
        chunk = _with_newline(text[block.start : block.content_end])
        record = _block_record(chunk, block)
        if block.array and block.table in KEYED_TABLES:
            ident = record.get("id")
            if not isinstance(ident, str):
                raise StoreError(
                    f"cannot merge the {name}: a [[{block.table}]] record at line "
                    f"{text.count(chr(10), 0, block.start) + 1} has no id"
                )
            kind = "keyed"
        else:
            kind = "entry" if block.array else "table"
        unit = _Unit(kind, block.table, record, chunk, block, _comments_above(text, block.start))
        if kind == "keyed" and unit.identity in seen:
            raise StoreError(f"cannot merge the {name}: two {unit.label} records")
        seen.add(unit.identity)
        units.append(unit)
    return _Side(name, text, units)


def _comments_above(text: str, start: int) -> str:
    """The comment lines directly above a header (no blank line between)."""
    lines = text[:start].splitlines(keepends=True)
    taken: list[str] = []
    while lines and lines[-1].lstrip().startswith("#"):
        taken.append(lines.pop())
    return "".join(reversed(taken))


def _block_record(chunk: str, block: tomledit.Block) -> dict[str, Any]:
    """The parsed value of one block, read from its own text."""
    header = chunk.split("\n", 1)[0]
    path = _table_path(tomllib.loads(header))
    value: Any = tomllib.loads(chunk)
    for key in path:
        value = value[key]
    if isinstance(value, list):
        value = value[-1]
    if not isinstance(value, dict):  # pragma: no cover - the header made a table
        raise StoreError(f"cannot merge: [{block.table}] is not a table")
    return value


def _table_path(header: dict[str, Any]) -> list[str]:
    """The key path a lone header creates: ``[[a."b.c"]]`` -> ["a", "b.c"]."""
    path: list[str] = []
    value: Any = header
    while isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        path.append(key)
        value = value[key]
    return path


def _with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _canonical(value: Any) -> Hashable:
    """A hashable form that tells apart values TOML tells apart (1, 1.0 and true)."""
    if isinstance(value, dict):
        return ("table", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("array", tuple(_canonical(v) for v in value))
    return (type(value).__name__, value)


def _same(a: Any, b: Any) -> bool:
    return a is b or (a is not _MISSING and b is not _MISSING and _canonical(a) == _canonical(b))


# --------------------------------------------------------------------------- merging


class _Merge:
    def __init__(self, base: _Side, ours: _Side, theirs: _Side) -> None:
        self.base, self.ours, self.theirs = base, ours, theirs
        self.edits: list[tuple[int, int, str]] = []  # offsets into ours' text
        self.wanted: dict[Hashable, int] = {}  # copies of each log entry in the result
        self.appends: list[str] = []
        self.conflicts: list[Conflict] = []
        self.notes: list[str] = []

    def run(self, name: str) -> MergeResult:
        self._rename_colliding_ids()
        base, ours = self.base.records(), self.ours.records()
        theirs = self.theirs.records()
        for identity, our_unit in ours.items():
            self._merge_ours(base.get(identity), our_unit, theirs.get(identity))
        self.wanted = self._wanted_entries()
        self._delete_log_entries()
        self._append_theirs(base, ours)
        text = tomledit.apply_edits(self.ours.text, self.edits)
        for chunk in self.appends:
            text = append_text(text, chunk)
        if not self.conflicts:
            self._check_result(text, name)
        return MergeResult(text, self.conflicts, self.notes)

    # --- ids added on both sides ----------------------------------------------

    def _rename_colliding_ids(self) -> None:
        base, ours = self.base.records(), self.ours.records()
        taken = {
            u.record["id"]
            for side in (self.base, self.ours, self.theirs)
            for u in side.units
            if u.kind == "keyed"
        }
        renamed: dict[str, str] = {}
        units: list[_Unit] = []
        for unit in self.theirs.units:
            identity = unit.identity
            mine = ours.get(identity)
            if (
                unit.kind == "keyed"
                and unit.table in RENAMED_ON_COLLISION
                and identity not in base
                and mine is not None
                and not _same(mine.record, unit.record)
            ):
                old = unit.record["id"]
                new = _free_id(old, taken)
                taken.add(new)
                renamed[old] = new
                unit = _set_key(unit, "id", new)
                self.notes.append(
                    f"{KEYED_TABLES[unit.table]} '{visible(old)}' was added on both sides with "
                    f"different content: kept ours, theirs is now '{new}'"
                )
            units.append(unit)
        if renamed:
            units = [
                _set_key(u, REFERENCE_KEY, renamed[_reference(u)])
                if u.kind == "entry" and _reference(u) in renamed
                else u
                for u in units
            ]
            self.theirs = replace(self.theirs, units=units)

    # --- records and tables, in ours' order ------------------------------------

    def _merge_ours(self, base: _Unit | None, ours: _Unit, theirs: _Unit | None) -> None:
        if theirs is None:
            if base is None:
                return  # added on our side
            if _same(base.record, ours.record):
                self._delete(ours)
            else:
                self._wrap_ours(ours, "changed in ours, deleted in theirs", "(deleted)")
            return
        if _same(ours.record, theirs.record) or (
            base is not None and _same(base.record, theirs.record)
        ):
            return
        self._merge_fields(base.record if base is not None else {}, ours, theirs)

    def _merge_fields(self, base: dict[str, Any], ours: _Unit, theirs: _Unit) -> None:
        changed: list[str] = []
        clashing: list[str] = []
        for key in _keys(ours.record, theirs.record, base):
            b = base.get(key, _MISSING)
            o = ours.record.get(key, _MISSING)
            t = theirs.record.get(key, _MISSING)
            if _same(o, t) or _same(t, b):
                continue
            if _same(o, b):
                changed.append(key)
            else:
                clashing.append(key)
        if ours.kind == "root" or not self._editable(ours, theirs, changed + clashing):
            # Values the scanner cannot edit alone (sub-tables, dotted keys): the whole record.
            if not clashing and _same(ours.record, base):
                self._replace_unit(ours, theirs.text)
            else:
                self._wrap_both(ours, theirs, "changed on both sides")
            return
        edits: list[tuple[int, int, str]] = []
        for key in changed:
            edits.extend(self._field_change(ours, theirs, key))
        for key in clashing:
            edits.extend(self._field_conflict(ours, theirs, key))
        self.edits.extend(edits)

    def _editable(self, ours: _Unit, theirs: _Unit, keys: list[str]) -> bool:
        return all(
            key not in unit.record or _block(unit).entry(key) is not None
            for key in keys
            for unit in (ours, theirs)
        )

    def _field_change(self, ours: _Unit, theirs: _Unit, key: str) -> list[tuple[int, int, str]]:
        mine = _block(ours).entry(key)
        new = _block(theirs).entry(key)
        if new is None:  # deleted in theirs
            return [(mine.start, mine.end, "")] if mine is not None else []
        if mine is None:  # added in theirs
            return [self._insertion(ours, _entry_text(theirs, new))]
        offset = _block(theirs).start
        value = theirs.text[new.value_start - offset : new.value_end - offset]
        return [(mine.value_start, mine.value_end, value)]

    def _field_conflict(self, ours: _Unit, theirs: _Unit, key: str) -> list[tuple[int, int, str]]:
        mine = _block(ours).entry(key)
        other = _block(theirs).entry(key)
        ours_text = self.ours.text[mine.start : mine.end] if mine is not None else ""
        theirs_text = _entry_text(theirs, other) if other is not None else ""
        region = (
            f"{OURS_MARKER}\n{_with_newline(ours_text)}{SPLIT_MARKER}\n"
            f"{theirs_text}{THEIRS_MARKER}\n"
        )
        self.conflicts.append(
            Conflict(
                ours.label,
                f"{key} changed on both sides (ours: {_shown(ours_text)}, "
                f"theirs: {_shown(theirs_text)})",
            )
        )
        if mine is None:
            return [self._insertion(ours, region)]
        return [(mine.start, mine.end, region)]

    def _insertion(self, ours: _Unit, lines: str) -> tuple[int, int, str]:
        """Insert entry lines after the last own entry of ours' block."""
        block = _block(ours)
        anchor = block.entries[-1].end if block.entries else block.body_start
        prefix = "" if anchor == 0 or self.ours.text[anchor - 1] == "\n" else "\n"
        return (anchor, anchor, prefix + lines)

    # --- whole units ------------------------------------------------------------

    def _delete(self, unit: _Unit) -> None:
        start, end = tomledit.deletion_span(self.ours.text, _block(unit))
        self.edits.append((start, end, ""))

    def _span(self, unit: _Unit) -> tuple[int, int]:
        if unit.block is None:  # root: everything before the first table
            return 0, len(unit.text)
        return unit.block.start, unit.block.content_end

    def _replace_unit(self, unit: _Unit, text: str) -> None:
        start, end = self._span(unit)
        self.edits.append((start, end, text))

    def _wrap_ours(self, unit: _Unit, message: str, theirs_note: str) -> None:
        self.conflicts.append(Conflict(unit.label, message))
        start, end = self._span(unit)
        body = _with_newline(self.ours.text[start:end])
        self.edits.append(
            (start, end, f"{OURS_MARKER}\n{body}{SPLIT_MARKER}\n{THEIRS_MARKER} {theirs_note}\n")
        )

    def _wrap_both(self, ours: _Unit, theirs: _Unit, message: str) -> None:
        self.conflicts.append(Conflict(ours.label, message))
        start, end = self._span(ours)
        body = _with_newline(self.ours.text[start:end])
        self.edits.append(
            (start, end, f"{OURS_MARKER}\n{body}{SPLIT_MARKER}\n{theirs.text}{THEIRS_MARKER}\n")
        )

    # --- logs: a union of entries -------------------------------------------------

    def _wanted_entries(self) -> dict[Hashable, int]:
        """How many copies of each log entry the result holds (a three-way multiset merge)."""
        base, ours, theirs = self.base.entries(), self.ours.entries(), self.theirs.entries()
        wanted: dict[Hashable, int] = {}
        for identity in ours.keys() | theirs.keys() | base.keys():
            b, o, t = base[identity], ours[identity], theirs[identity]
            if o == b:
                count = t
            elif t == b:
                count = o
            elif o > b and t > b:
                count = max(o, t)  # added on both sides: the same entry, once
            elif o < b and t < b:
                count = min(o, t)
            else:
                count = max(0, o + t - b)
            wanted[identity] = count
        return wanted

    def _delete_log_entries(self) -> None:
        kept: Counter[Hashable] = Counter()
        for unit in self.ours.units:
            if unit.kind != "entry":
                continue
            kept[unit.identity] += 1
            if kept[unit.identity] > self.wanted[unit.identity]:
                self._delete(unit)

    # --- what only theirs has, in theirs' order -----------------------------------

    def _append_theirs(self, base: dict[Hashable, _Unit], ours: dict[Hashable, _Unit]) -> None:
        ours_entries = self.ours.entries()
        seen: Counter[Hashable] = Counter()
        for unit in self.theirs.units:
            identity = unit.identity
            if unit.kind == "entry":
                seen[identity] += 1
                if ours_entries[identity] < seen[identity] <= self.wanted[identity]:
                    self.appends.append(unit.lead + unit.text)
                continue
            if identity in ours:
                continue
            original = base.get(identity)
            if original is None:
                self.appends.append(unit.lead + unit.text)
            elif not _same(original.record, unit.record):
                self.conflicts.append(Conflict(unit.label, "deleted in ours, changed in theirs"))
                self.appends.append(
                    f"{OURS_MARKER} (deleted)\n{SPLIT_MARKER}\n{unit.text}{THEIRS_MARKER}\n"
                )

    # --- the result --------------------------------------------------------------

    def _check_result(self, text: str, name: str) -> None:
        """A merge of two valid stores must be valid; if not, say so as a conflict."""
        from vzwatch.model import load_portfolio

        path = Path(name)
        parse_toml(text, path)  # a bug here must never reach the file: raises
        try:
            load_portfolio(self.ours.text, path)
            load_portfolio(self.theirs.text, path)
        except StoreError:
            return  # a side was already invalid: not the merge's doing
        try:
            load_portfolio(text, path)
        except StoreError as error:
            self.conflicts.append(Conflict("the merged store", f"does not validate: {error}"))


def _keys(*records: dict[str, Any]) -> Iterator[str]:
    seen: set[str] = set()
    for record in records:
        for key in record:
            if key not in seen:
                seen.add(key)
                yield key


def _block(unit: _Unit) -> tomledit.Block:
    if unit.block is None:  # pragma: no cover - only the top-level keys have no block
        raise StoreError(f"cannot merge: {unit.label} is not a table")
    return unit.block


def _entry_text(unit: _Unit, entry: tomledit.Entry) -> str:
    offset = _block(unit).start
    return _with_newline(unit.text[entry.start - offset : entry.end - offset])


def _shown(entry_text: str) -> str:
    if not entry_text:
        return "(removed)"
    value = entry_text.split("=", 1)[-1].strip()
    first = value.splitlines()[0] if value else ""
    return visible(first if len(first) <= 60 else first[:57] + "...")


def _reference(unit: _Unit) -> str:
    """The initiative a log entry names ("" when it names none)."""
    value = unit.record.get(REFERENCE_KEY)
    return value if isinstance(value, str) else ""


def _free_id(ident: str, taken: set[str]) -> str:
    number = 2
    while f"{ident}-{number}" in taken:
        number += 1
    return f"{ident}-{number}"


def _set_key(unit: _Unit, key: str, value: str) -> _Unit:
    """The unit with one string key changed, in its text too (the id of a renamed record)."""
    block = tomledit.scan(unit.text)[0]
    entry = block.entry(key)
    if entry is None:  # pragma: no cover - the key came from this very block
        raise StoreError(f"cannot merge: {unit.label} has no editable {key}")
    text = tomledit.edit_block(unit.text, block, {key: value})
    record = dict(unit.record)
    record[key] = value
    return replace(unit, text=text, record=record, block=None if unit.block is None else block)
