"""Format-preserving edits of a store's text.

vzwatch changes a store by editing its text, never by re-serialising the whole
document: a record is a ``[[table]]`` block, and an edit replaces, inserts or
removes ``key = value`` entries inside one block, or removes one block. Every
other byte (comments, blank lines, key order, unknown keys and tables) stays as
the person wrote it. Callers re-parse and validate the result before writing
(``store.write_store`` runs the check), so a scanner mistake cannot corrupt a
store: it can only make an edit fail.

Table headers come from the block index (``vzwatch.blocks``), so the editor
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
from typing import Any

from vzwatch import blocks

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


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``key = value`` in a block; offsets into the text."""

    key: str
    start: int  # start of the line
    value_start: int
    value_end: int  # just past the value (a trailing comment follows)
    end: int  # just past the entry's last line, newline included


@dataclass(slots=True)
class Block:
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


def scan(text: str) -> list[Block]:
    """Every table header in order, as ``blocks.index`` finds them, with its own entries.

    Sub-tables written right after their array element (``[initiatives.extra]``
    after ``[[initiatives]]``) extend that element's block instead of starting
    one. A sub-table written elsewhere (after another table) is a block of its
    own, named by its dotted path: a Block is one stretch of text, and
    ``blocks.index`` says which record such a sub-table belongs to.
    """
    found: list[Block] = []
    current: Block | None = None
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


def piece_block(text: str, piece: blocks.Piece) -> Block:
    """One piece of the block index as an editable Block: its header and own entries."""
    block = Block(
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
    import tomllib

    return tomllib.loads(f"v = {text[entry.value_start : entry.value_end]}")["v"]


def find_records(text: str, table: str, key: str, value: str) -> list[Block]:
    """The ``[[table]]`` blocks whose ``key`` is ``value`` (e.g. initiatives with id X):
    each record's own piece (its header and entries, not its sub-tables)."""
    try:
        index = blocks.index(text)
    except blocks.HeaderError as error:
        raise TomlEditError(str(error)) from None
    return [
        piece_block(text, record.pieces[0])
        for record in find_record_blocks(index, table, key, value)
    ]


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


def edit_block(text: str, block: Block, changes: Mapping[str, Any]) -> str:
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


def delete_block(text: str, block: Block) -> str:
    """Remove a block and the blank lines after it; comments around it stay."""
    start, end = deletion_span(text, block)
    return text[:start] + text[end:]


def deletion_span(text: str, block: Block) -> tuple[int, int]:
    """The text ``delete_block`` removes: the block and the blank lines after it."""
    end = block.content_end
    while end < len(text) and text.startswith("\n", end):
        end += 1
    # Comment lines inside the block (between its entries) are part of it; lines
    # after its last entry belong to whatever follows.
    return block.start, end


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
