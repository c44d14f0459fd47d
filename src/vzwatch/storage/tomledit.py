"""Format-preserving edits of a store's text.

vzwatch changes a store by editing its text, never by re-serialising the whole
document: a record is a ``[[table]]`` block, and an edit replaces, inserts or
removes ``key = value`` entries inside one block, or removes one block. Every
other byte (comments, blank lines, key order, unknown keys and tables) stays as
the person wrote it. Callers re-parse and validate the result before writing
(``store.write_store`` runs the check), so a scanner mistake cannot corrupt a
store: it can only make an edit fail.

Table headers come from the block index (``vzwatch.storage.blocks``), so the editor
and the index agree on every header TOML allows (quoted, dotted, spaced,
non-ASCII, with ``#`` inside quotes). Inside each piece the scanner reads line
by line and understands just enough TOML to find where keys and values begin
and end: strings (basic, literal and multi-line), brackets that span lines,
and comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from vzwatch.storage import blocks

DELETE = object()
"""Pass as a value to ``edit_record`` to remove the key."""

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
# A key (bare, quoted or dotted) and its equals sign; group 1 is the key as written.
_KEY = re.compile(rf"[ \t]*({_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*)[ \t]*=[ \t]*")
_ONE_KEY_PART = re.compile(_KEY_PART)
# A value that certainly ends on its own line: the fast path for most entries.
_SIMPLE_VALUE = re.compile(
    r"""(?:"(?:[^"\\\n]|\\.)*"(?!")|'[^'\n]*'(?!')|[^\s#\[\]{}"',]+"""
    r"""|\[(?:[ \t]*(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s#\[\]{}"',]+)[ \t]*,?)*[ \t]*\])"""
    r"""(?=[ \t]*(?:#.*)?$)"""
)
_SIMPLE_STRING = re.compile(r'"([^"\\\n]*)"|\'([^\'\n]*)\'')
_INLINE_WIDTH = 88


class Entry(NamedTuple):  # not a dataclass: ~0.4 ms to define on every write
    """One ``key = value`` in a block; offsets into the text."""

    key: str
    start: int  # start of the line
    value_start: int
    value_end: int  # just past the value (a trailing comment follows)
    end: int  # just past the entry's last line, newline included


@dataclass(slots=True)
class Table:
    """A ``[[table]]`` (or ``[table]``) header and the entries that follow it."""

    table: str  # the header's key path, dotted: "initiatives", "initiatives.extra"
    array: bool
    start: int  # start of the header line
    body_start: int  # just past the header line
    content_end: int  # just past its last entry or sub-table entry
    entries: list[Entry] = field(default_factory=list)  # its own, before any sub-table
    path: tuple[str, ...] = ()  # the header's key path: ("initiatives", "extra")

    def entry(self, key: str) -> Entry | None:
        return next((e for e in self.entries if e.key == key), None)


class TomlEditError(ValueError):
    """The text could not be scanned (it does not look like TOML vzwatch can edit)."""


def _unquote_key(raw: str) -> str:
    """The key a one-part key names; "" for a dotted key (kept, never edited)."""
    if _ONE_KEY_PART.fullmatch(raw) is None:
        return ""
    if raw[:1] == "'":
        return raw[1:-1]
    if raw[:1] == '"':
        if "\\" not in raw:
            return raw[1:-1]
        import tomllib

        try:
            return next(iter(tomllib.loads(f"{raw} = 0")))
        except (tomllib.TOMLDecodeError, StopIteration):
            return ""
    return raw


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end including newline, line without its CRLF or LF) for every line."""
    position = 0
    length = len(text)
    while position < length:
        newline = text.find("\n", position)
        end = length if newline == -1 else newline + 1
        stop = newline if newline != -1 else length
        if stop > position and text[stop - 1] == "\r":
            stop -= 1  # a store saved with Windows line endings
        yield position, end, text[position:stop]
        position = end


def _scan_value(line: str, index: int, state: list[Any]) -> int:
    """Scan from ``index`` through one line of a value; return the offset (in line)
    just past the value's last character on this line. ``state`` is
    [depth, open multi-line string delimiter or None] and is updated in place."""
    depth, quote = state
    last = index
    i = index
    n = len(line)
    while i < n:
        if quote is not None:
            close = line.find(quote, i)
            while close != -1 and quote == '"""' and _escaped(line, close):
                close = line.find(quote, close + 1)
            if close == -1:
                state[0], state[1] = depth, quote
                return n
            i = close + 3
            while i < n and line[i] == quote[0]:  # up to two extra quotes belong inside
                i += 1
            quote = None
            last = i
            continue
        char = line[i]
        if char == "#":
            break
        if char in " \t":
            i += 1
            continue
        if line.startswith('"""', i) or line.startswith("'''", i):
            quote = line[i : i + 3]
            i += 3
            continue
        if char in "\"'":
            close = i + 1
            while close < n and line[close] != char:
                close += 2 if char == '"' and line[close] == "\\" else 1
            if close >= n:
                raise TomlEditError("unterminated string")
            i = close + 1
            last = i
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        i += 1
        last = i
    state[0], state[1] = depth, quote
    return last


def value_state_after(text: str) -> tuple[int, str | None]:
    """(bracket depth, open multi-line string delimiter) at the end of ``text``, read from
    the top level: (0, None) when every value it starts is closed."""
    state: list[Any] = [0, None]
    for _, _, line in _lines(text):
        if state != [0, None]:
            _scan_value(line, 0, state)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            _scan_value(line, 0, state)  # a header: its brackets and quoted keys balance
            continue
        key_match = _KEY.match(line)
        value_index = key_match.end() if key_match is not None else line.find("=") + 1
        if value_index == 0:
            raise TomlEditError(f"cannot read the line {stripped[:40]!r}")
        _scan_value(line, value_index, state)
    return state[0], state[1]


def _escaped(line: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and line[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def scan(text: str) -> list[Table]:
    """Every table header in order, as ``blocks.index`` finds them, with its own entries.

    Sub-tables written right after their array element (``[initiatives.extra]``
    after ``[[initiatives]]``) extend that element's block instead of starting
    one. A sub-table written elsewhere (after another table) is a block of its
    own, named by its dotted path: a Table is one stretch of text, and
    ``blocks.index`` says which record such a sub-table belongs to.
    """
    found: list[Table] = []
    current: Table | None = None
    for piece in _pieces(text):
        block = piece_block(text, piece)
        if (
            current is not None
            and current.array
            and len(piece.path) > len(current.path)
            and piece.path[: len(current.path)] == current.path
        ):
            current.content_end = block.content_end
            continue
        current = block
        found.append(block)
    return found


def _pieces(text: str) -> tuple[blocks.Piece, ...]:
    try:
        return blocks.index(text).pieces
    except blocks.HeaderError as error:
        raise TomlEditError(str(error)) from None


def piece_block(text: str, piece: blocks.Piece) -> Table:
    """One piece of the block index as an editable Table: its header and own entries."""
    block = Table(
        ".".join(piece.path), piece.array, piece.header, piece.body, piece.body, path=piece.path
    )
    block.entries, content_end = _entries(text, piece.body, piece.end)
    block.content_end = max(content_end, piece.body)
    return block


def _entries(text: str, start: int, stop: int) -> tuple[list[Entry], int]:
    """The ``key = value`` entries of text[start:stop] (a table's body), and where the
    last one ends. Dotted keys are kept with the key "" (never edited)."""
    entries: list[Entry] = []
    content_end = start
    pending: tuple[str, int, int] | None = None  # key, line start, value start
    state: list[Any] = [0, None]
    for line_start, line_end, line in _lines(text[start:stop]):
        line_start, line_end = line_start + start, line_end + start
        if pending is not None:
            value_end = _scan_value(line, 0, state)
            if state == [0, None]:
                key, entry_start, value_start = pending
                pending = None
                content_end = line_end
                if key:
                    entries.append(
                        Entry(key, entry_start, value_start, line_start + value_end, line_end)
                    )
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key_match = _KEY.match(line)
        if key_match is None:
            raise TomlEditError(f"cannot read the line {stripped[:40]!r}")
        key, value_index = _unquote_key(key_match.group(1)), key_match.end()
        simple = _SIMPLE_VALUE.match(line, value_index)
        if simple is not None:
            value_end = simple.end()
        else:
            state = [0, None]
            value_end = _scan_value(line, value_index, state)
            if state != [0, None]:
                pending = (key, line_start, line_start + value_index)
                continue
        content_end = line_end
        if key:
            entries.append(
                Entry(key, line_start, line_start + value_index, line_start + value_end, line_end)
            )
    if pending is not None:
        raise TomlEditError("a value is not closed before the end of its table")
    return entries, content_end


def string_value(text: str, entry: Entry) -> str | None:
    """The value of a simple string entry (ids and initiative references)."""
    raw = text[entry.value_start : entry.value_end]
    match = _SIMPLE_STRING.fullmatch(raw)
    if match is not None:
        return match.group(1) if match.group(1) is not None else match.group(2)
    import tomllib

    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return None
    return value if isinstance(value, str) else None


def parsed_value(text: str, entry: Entry) -> Any:
    try:
        return parsed_text_value(text[entry.value_start : entry.value_end])
    except ValueError as error:  # the scanner cut a value wrongly: refuse, never guess
        raise TomlEditError(f"cannot read the value of {entry.key!r}: {error}") from None


def find_record_blocks(index: blocks.Index, table: str, key: str, value: str) -> list[blocks.Block]:
    """The records of ``[[table]]`` (with all their pieces) whose own ``key`` is ``value``.

    Only pieces whose text could hold the value are scanned: written without
    escapes it appears literally; written with them, a backslash does.
    """
    text = index.text
    found = []
    for record in index.records(table):
        piece = record.pieces[0]
        own = text[piece.body : piece.end]
        if value not in own and "\\" not in own:
            continue
        if record_value(text, piece, key) == value:
            found.append(record)
    return found


def record_value(text: str, piece: blocks.Piece, key: str) -> str | None:
    """The string value of one of a piece's own keys (None when absent or not a string)."""
    entry = piece_block(text, piece).entry(key)
    return None if entry is None else string_value(text, entry)


def render_value(value: Any) -> str:
    """A TOML value as vzwatch writes it: short lists inline, long ones one item a line."""
    import tomli_w

    if isinstance(value, list | tuple):
        items = [render_value(item) for item in value]
        inline = "[" + ", ".join(items) + "]"
        if len(inline) <= _INLINE_WIDTH:
            return inline
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    if isinstance(value, str | int | float | bool | date):
        return tomli_w.dumps({"v": value})[len("v = ") :].rstrip("\n")
    raise TypeError(f"vzwatch does not write {type(value).__name__} values")


def render_key(key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    import tomli_w

    return tomli_w.dumps({key: 0}).split(" = ")[0]


def render_entries(record: Mapping[str, Any]) -> str:
    return "".join(f"{render_key(k)} = {render_value(v)}\n" for k, v in record.items())


def render_block(table: str, record: Mapping[str, Any]) -> str:
    """A new ``[[table]]`` block (the header written by hand: tomli-w would inline it)."""
    return f"[[{table}]]\n{render_entries(record)}"


def edit_block(text: str, block: Table, changes: Mapping[str, Any]) -> str:
    """Apply ``changes`` (key -> new value, or DELETE) to one block's own entries.

    A key whose parsed value already equals the new value is left untouched,
    so an edit that changes nothing returns the text unchanged.
    """
    replacements: list[tuple[int, int, str]] = []
    additions: list[str] = []
    for key, value in changes.items():
        entry = block.entry(key)
        if entry is None:
            if value is not DELETE:
                additions.append(f"{render_key(key)} = {render_value(value)}\n")
            continue
        if value is DELETE:
            replacements.append((entry.start, entry.end, ""))
        elif parsed_value(text, entry) != _comparable(value):
            in_place = _array_item_edits(text, entry, value)
            if in_place is not None:
                replacements.extend(in_place)
            else:
                replacements.append((entry.value_start, entry.value_end, render_value(value)))
    if additions:
        anchor = block.entries[-1].end if block.entries else block.body_start
        prefix = "" if anchor == 0 or text[anchor - 1] == "\n" else "\n"
        replacements.append((anchor, anchor, prefix + "".join(additions)))
    if text[block.start : block.body_start].endswith("\r\n"):  # keep Windows line endings
        replacements = [(a, b, new.replace("\n", "\r\n")) for a, b, new in replacements]
    return _apply(text, replacements)


def _comparable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# --- arrays edited item by item ------------------------------------------------------
#
# A multi-line array is where people put comments (``"UN",  # since 2019``).
# Re-rendering it would drop them, so a changed list is written as item
# deletions and insertions in the array's own text: a removed item takes its
# line (and the comment on it) when it has a line of its own; a new item gets
# a line like its neighbours'. The result is parsed back and must equal the
# wanted list, else the array is re-rendered (never a wrong value).


class _Item(NamedTuple):
    """One value inside an array: its text, and the comma after it (if any)."""

    start: int
    end: int
    comma: int | None  # offset of the comma that follows it


def _array_item_edits(text: str, entry: Entry, value: Any) -> list[tuple[int, int, str]] | None:
    """Replacements that turn an array with comments or line breaks into ``value``
    item by item; None when the array is inline without comments (re-render it) or
    cannot be edited that way."""
    start, end = entry.value_start, entry.value_end
    raw = text[start:end]
    if not isinstance(value, list | tuple) or not raw.startswith("[") or not raw.endswith("]"):
        return None
    if "\n" not in raw and "#" not in raw:
        return None
    items = _array_items(text, start, end)
    if items is None:
        return None
    try:
        old = [_item_value(text, item) for item in items]
    except ValueError:
        return None
    wanted = list(value)
    kept, inserted = _list_changes(old, wanted)
    rows = _rows(text, start, end, items)
    edits = None if rows is None else _row_edits(text, start, end, items, rows, kept, inserted)
    if edits is None:
        edits = _inline_edits(text, end, items, kept, inserted)
    local = [(a - start, b - start, new) for a, b, new in edits]
    try:
        if parsed_text_value(_apply(raw, local)) != wanted:
            return None
    except ValueError:
        return None
    return edits


def parsed_text_value(raw: str) -> Any:
    """The value a TOML value's text stands for (ValueError when it is not one)."""
    import tomllib

    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError as error:
        raise ValueError(str(error)) from None


def _item_value(text: str, item: _Item) -> Any:
    return parsed_text_value(text[item.start : item.end])


def _list_changes(old: list[Any], wanted: list[Any]) -> tuple[list[bool], dict[int, list[Any]]]:
    """Which old items stay (in order), and what to insert after kept old item k (key
    -1: before the first). Old items are matched to wanted ones in order, greedily."""
    kept: list[bool] = []
    position = 0  # next wanted index that may match
    matched: list[int] = []  # wanted index of each kept old item
    for item in old:
        try:
            found = wanted.index(item, position)
        except ValueError:
            kept.append(False)
            continue
        kept.append(True)
        matched.append(found)
        position = found + 1
    inserted: dict[int, list[Any]] = {}
    old_of_wanted = {}
    kept_old = [k for k, keep in enumerate(kept) if keep]
    for wanted_index, old_index in zip(matched, kept_old, strict=True):
        old_of_wanted[wanted_index] = old_index
    anchor = -1
    for index, item in enumerate(wanted):
        if index in old_of_wanted:
            anchor = old_of_wanted[index]
        else:
            inserted.setdefault(anchor, []).append(item)
    return kept, inserted


def _array_items(text: str, start: int, end: int) -> list[_Item] | None:
    """The top-level items of the array text[start:end] (``[`` … ``]``)."""
    items: list[_Item] = []
    depth = 0
    item_start: int | None = None
    item_end = start
    i = start + 1
    stop = end - 1  # the closing bracket
    while i < stop:
        char = text[i]
        if char == "#":
            newline = text.find("\n", i, stop)
            i = stop if newline < 0 else newline
            continue
        if char in " \t\r\n":
            i += 1
            continue
        if char == "," and depth == 0:
            if item_start is None:
                return None
            items.append(_Item(item_start, item_end, i))
            item_start = None
            i += 1
            continue
        if item_start is None:
            item_start = i
        if text.startswith(('"""', "'''"), i):
            i = _after_multiline_string(text, i, stop)
        elif char in "\"'":
            i = _after_string(text, i, stop)
        else:
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            i += 1
        if i < 0:
            return None
        item_end = i
    if depth != 0:
        return None
    if item_start is not None:
        items.append(_Item(item_start, item_end, None))
    return items


def _after_string(text: str, at: int, stop: int) -> int:
    quote = text[at]
    i = at + 1
    while i < stop and text[i] != quote and text[i] != "\n":
        i += 2 if quote == '"' and text[i] == "\\" else 1
    return i + 1 if i < stop and text[i] == quote else -1


def _after_multiline_string(text: str, at: int, stop: int) -> int:
    quote = text[at : at + 3]
    i = text.find(quote, at + 3, stop)
    while i >= 0 and quote == '"""' and _escaped(text, i):
        i = text.find(quote, i + 1, stop)
    if i < 0:
        return -1
    i += 3
    while i < stop and text[i] == quote[0]:  # up to two more quotes belong inside
        i += 1
    return i


def _rows(text: str, start: int, end: int, items: list[_Item]) -> list[tuple[int, int]] | None:
    """(line start, line end) of each item when every item has its line(s) to itself
    (blank before it, only its comma and a comment after it); else None."""
    rows: list[tuple[int, int]] = []
    for item in items:
        line_start = text.rfind("\n", start, item.start) + 1
        if line_start <= start or text[line_start : item.start].strip(" \t"):
            return None
        after = item.end if item.comma is None else item.comma + 1
        newline = text.find("\n", after, end)
        if newline < 0 or "\n" in text[item.end : item.comma or item.end]:
            return None
        rest = text[after:newline].strip(" \t\r")
        if rest and not rest.startswith("#"):
            return None
        rows.append((line_start, newline + 1))
    return rows


def _row_edits(
    text: str,
    start: int,
    end: int,
    items: list[_Item],
    rows: list[tuple[int, int]],
    kept: list[bool],
    inserted: dict[int, list[Any]],
) -> list[tuple[int, int, str]] | None:
    """Item edits of a one-item-a-line array: whole lines go and come."""
    edits: list[tuple[int, int, str]] = []
    trailing_comma = items[-1].comma is not None if items else True
    if items:
        first_start = rows[0][0]
        indent = text[first_start : items[0].start]
    else:
        closing_line = text.rfind("\n", start, end - 1) + 1
        if closing_line <= start or text[closing_line : end - 1].strip(" \t"):
            return None  # the closing bracket shares a line: write it inline instead
        indent = text[closing_line : end - 1] + "    "
    final = [k for k, keep in enumerate(kept) if keep]
    last_written = _last_written(final, inserted)
    for k, keep in enumerate(kept):
        if not keep:
            edits.append((rows[k][0], rows[k][1], ""))
        elif items[k].comma is None and last_written != ("old", k):
            edits.append((items[k].end, items[k].end, ","))
    for anchor, values in inserted.items():
        if anchor == -1:
            at = rows[0][0] if items else text.rfind("\n", start, end - 1) + 1
        else:
            at = rows[anchor][1]
        lines = []
        for number, item in enumerate(values):
            is_last = last_written == ("new", anchor, number)
            comma = "," if trailing_comma or not is_last else ""
            lines.append(f"{indent}{render_value(item)}{comma}\n")
        edits.append((at, at, "".join(lines)))
    return edits


def _last_written(final: list[int], inserted: dict[int, list[Any]]) -> tuple[Any, ...] | None:
    """Which item ends the edited array: ("old", k) or ("new", anchor, number)."""
    order: list[tuple[Any, ...]] = [("new", -1, n) for n in range(len(inserted.get(-1, [])))]
    for k in final:
        order.append(("old", k))
        order.extend(("new", k, n) for n in range(len(inserted.get(k, []))))
    return order[-1] if order else None


def _inline_edits(
    text: str,
    end: int,
    items: list[_Item],
    kept: list[bool],
    inserted: dict[int, list[Any]],
) -> list[tuple[int, int, str]]:
    """Item edits of an array that shares lines between items: text spans go and come."""
    edits: list[tuple[int, int, str]] = []
    for k, keep in enumerate(kept):
        if keep:
            continue
        item = items[k]
        stop = item.end if item.comma is None else item.comma + 1
        spaces = stop
        while spaces < end - 1 and text[spaces] in " \t":
            spaces += 1
        if text[spaces] != "#":  # keep the space before a comment
            stop = spaces
        edits.append((item.start, stop, ""))
    for anchor, values in inserted.items():
        rendered = ", ".join(render_value(item) for item in values)
        if anchor == -1:
            if items:
                edits.append((items[0].start, items[0].start, rendered + ", "))
            else:
                edits.append((end - 1, end - 1, rendered))
            continue
        item = items[anchor]
        if item.comma is not None:
            edits.append((item.comma + 1, item.comma + 1, f" {rendered},"))
        else:
            edits.append((item.end, item.end, f", {rendered}"))
    return edits


def apply_edits(text: str, replacements: Sequence[tuple[int, int, str]]) -> str:
    """Apply (start, end, new text) replacements, all given as offsets into ``text``.

    They must not overlap; insertions at the same offset keep their order.
    """
    return _apply(text, replacements)


def _apply(text: str, replacements: Sequence[tuple[int, int, str]]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end, new in sorted(replacements, key=lambda r: (r[0], r[1])):
        pieces.append(text[position:start])
        pieces.append(new)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
