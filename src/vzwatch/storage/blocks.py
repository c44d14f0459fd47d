"""The block index: a store's text as records, found without parsing TOML.

A store's text is a run of *pieces*: the head (everything before the first
table header) and one piece per table header, from the header line to the
next piece. Comment lines written directly above a header (no blank line
between) are that piece's *lead*; they travel with it.

A *block* is what a person thinks of as one record: a ``[[initiatives]]``
piece together with its sub-tables (``[initiatives.extra]``,
``["initiatives".milestones]``, ``[[initiatives.notes]]``), wherever they are
written: TOML attaches a sub-table to the last element defined before it, and
so does the index. A piece whose header names no record table
(``[portfolio]``, tables vzwatch does not know) is a block of its own kind,
kept verbatim.

Finding pieces is the hot path of every read after a change, so it is done
with C-speed string searches: every line that starts with ``[`` is a
candidate header, and it is a real one when the text before it closes every
bracket and string it opens. That check is skipped for pieces whose bytes the
caller already knows (``known``: digests of pieces from a previous index of a
valid store), since a piece that starts at the top level closes the same way
whatever surrounds it. Invalid TOML can split wrongly; callers parse every
piece they do not know, so that only ever makes a read fail, never succeed.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from typing import NamedTuple

from vzwatch.domain.schema import KINDS

__all__ = [
    "RECORD_TABLES",
    "Block",
    "Entry",
    "HeaderError",
    "Index",
    "Piece",
    "candidate_starts",
    "content_end",
    "deletion_span",
    "digest",
    "entries",
    "header_path",
    "index",
    "lead_start",
    "run_closes",
]

# The arrays of tables whose elements are records (each [[initiatives]] one block).
RECORD_TABLES = frozenset(kind.table for kind in KINDS if kind.array)

# Literal newlines first: the regex engine then skips ahead at memchr speed (3x ``^`` with
# re.MULTILINE). The first line is looked at on its own.
_CANDIDATE = re.compile(r"\n\[|\n[ \t]+\[")
_FIRST_LINE_CANDIDATE = re.compile(r"[ \t]*\[")
# Strings and comments, so the brackets left over are structure.
_STRINGS_AND_COMMENTS = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|#[^\n]*")
_SIMPLE_HEADER = re.compile(
    r"[ \t]*(\[\[?)[ \t]*([A-Za-z0-9_-]+)[ \t]*(\]\]?)[ \t]*(?:#[^\n]*)?\r?\n?"
)
_KEY_PART = re.compile(r"[ \t]*(?:([A-Za-z0-9_-]+)|\"((?:[^\"\\\n]|\\.)*)\"|'([^'\n]*)')[ \t]*")


class HeaderError(ValueError):
    """A line that starts like a table header but is not one."""


class Piece(NamedTuple):
    """One table header and what follows it, as offsets into the text."""

    start: int  # start of its lead comments, or of the header line when it has none
    header: int  # start of the header line
    body: int  # just past the header line
    end: int  # where the next piece starts (or the end of the text)
    path: tuple[str, ...]  # the header's key path: ("initiatives",), ("initiatives", "extra")
    array: bool  # [[...]] rather than [...]


class Block(NamedTuple):
    """A record (a record table's element with its sub-tables) or another table."""

    table: str  # "initiatives", "progress"…, or the dotted path of another table
    record: bool  # an element of one of RECORD_TABLES
    pieces: tuple[Piece, ...]  # file order; the first is the element's own header

    @property
    def start(self) -> int:
        """Where the block's first header line starts (its lead comments are above)."""
        return self.pieces[0].header

    def text(self, text: str) -> str:
        """The block's own text: each piece from its lead comments to the next piece."""
        if len(self.pieces) == 1:
            piece = self.pieces[0]
            return text[piece.start : piece.end]
        return "".join(text[piece.start : piece.end] for piece in self.pieces)


class Index(NamedTuple):
    """A store's text, split: the head, every piece, and the blocks they form."""

    text: str
    head_end: int  # the head is text[:head_end]
    pieces: tuple[Piece, ...]
    blocks: tuple[Block, ...]  # in the order of their first piece
    runs: tuple[bytes, ...] = ()  # digests: the head's run, then each header's (see index)

    @property
    def head(self) -> str:
        return self.text[: self.head_end]

    def records(self, table: str) -> Iterator[Block]:
        """The blocks of one record table, in file order."""
        return (block for block in self.blocks if block.record and block.table == table)

    def others(self) -> Iterator[Block]:
        """The blocks that are not records: ``[portfolio]``, unknown tables."""
        return (block for block in self.blocks if not block.record)

    def content_end(self, piece: Piece) -> int:
        """Just past the piece's last line that is neither blank nor a comment."""
        return _content_end(self.text, piece.body, piece.end)

    def deletion_span(self, piece: Piece) -> tuple[int, int]:
        return deletion_span(self.text, piece)


def deletion_span(text: str, piece: Piece) -> tuple[int, int]:
    """What removing a piece takes: its header through its last entry and the blank
    lines after it. Its lead comments and the comments after its entries stay: they
    may describe what is around it (the README's promise for `remove`)."""
    end = _content_end(text, piece.body, piece.end)
    while end < piece.end:
        newline = text.find("\n", end, piece.end)
        line = text[end : piece.end if newline < 0 else newline + 1]
        if line.strip():
            break
        end += len(line)
    return piece.header, end


def digest(text: str) -> bytes:
    """The cache key of a piece or block: BLAKE2b of its UTF-8 bytes."""
    from vzwatch.storage.digest import blake2b

    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def header_path(line: str) -> tuple[tuple[str, ...], bool]:
    """The key path and kind of a table header line: ``["a".b]`` -> (("a", "b"), False).

    Raises HeaderError when the line is not a table header (it may then be the
    continuation of a multi-line value, or invalid TOML).
    """
    simple = _SIMPLE_HEADER.fullmatch(line)
    if simple is not None:
        opening, name, closing = simple.groups()
        if len(opening) != len(closing):
            raise HeaderError(f"unbalanced header {line.strip()[:60]!r}")
        return (name,), opening == "[["
    stripped = line.strip()
    array = stripped.startswith("[[")
    found = _dotted_key(line, line.index("[") + (2 if array else 1), len(line))
    if found is None:
        raise HeaderError(f"cannot read the table header {stripped[:60]!r}")
    parts, position = found
    closing = "]]" if array else "]"
    if not line.startswith(closing, position):
        raise HeaderError(f"cannot read the table header {stripped[:60]!r}")
    rest = line[position + len(closing) :].strip()
    if rest and not rest.startswith("#"):
        raise HeaderError(f"text after the table header {stripped[:60]!r}")
    return tuple(parts), array


def _dotted_key(text: str, position: int, end: int) -> tuple[list[str], int] | None:
    """The parts of the (dotted) key at ``position`` — bare, "basic" (unescaped) or
    'literal' — and where it ends; None when no key starts there."""
    parts: list[str] = []
    while True:
        match = _KEY_PART.match(text, position, end)
        if match is None or match.end() == match.start():
            return None
        bare, basic, literal = match.groups()
        if bare is not None:
            parts.append(bare)
        elif literal is not None:
            parts.append(literal)
        else:
            parts.append(_unescape(basic or ""))
        position = match.end()
        dot = _ENTRY_KEY_SEPARATOR.match(text, position, end)
        if dot is None:
            return parts, position
        position = dot.end()


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    import tomllib

    try:
        value = tomllib.loads(f'k = "{body}"')["k"]
    except tomllib.TOMLDecodeError as error:
        raise HeaderError(f"invalid escape in a table header: {error}") from None
    return str(value)


def _closed(segment: str) -> bool:
    """Whether a run of lines that starts at the top level ends there too.

    Strings and comments are cut out first; what is left balances its
    brackets exactly when every array and inline table it opens is closed.
    Multi-line strings (and unterminated ones, which are invalid) go to the
    exact line scanner.
    """
    if '"""' in segment or "'''" in segment:
        return _closed_exactly(segment)
    rest = _STRINGS_AND_COMMENTS.sub("", segment)
    if '"' in rest or "'" in rest:
        return _closed_exactly(segment)
    return rest.count("[") == rest.count("]") and rest.count("{") == rest.count("}")


def _closed_exactly(segment: str) -> bool:
    from vzwatch.storage.tomledit import TomlEditError, value_state_after

    try:
        return value_state_after(segment) == (0, None)
    except TomlEditError:
        return True  # invalid TOML: let the parser say where


def _content_end(text: str, start: int, end: int) -> int:
    """Just past the last line in text[start:end] that is neither blank nor a comment."""
    position = end
    for line in reversed(text[start:end].splitlines(keepends=True)):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return position
        position -= len(line)
    return start


def _lead_start(text: str, header: int, floor: int) -> int:
    """Where the comment lines directly above ``header`` begin (``floor`` at the most)."""
    start = header
    while start > floor:
        line_start = text.rfind("\n", floor, start - 1) + 1
        line_start = max(line_start, floor)
        if not text[line_start:start].lstrip().startswith("#"):
            break
        start = line_start
    return start


def index(text: str, known: Container[bytes] | None = None, *, digests: bool = False) -> Index:
    """Split a store's text into its head, pieces and blocks.

    ``known``: digests of *runs* (the text from one real header to the next,
    and the head before the first) from an earlier index of a store that
    parsed; such a run is taken as closed without scanning it. With
    ``digests`` (or ``known``) the index keeps every run's digest in
    ``Index.runs``. Raises HeaderError for a line that must be a table header
    but cannot be read as one.
    """
    headers, runs = _real_headers(text, known, digests or known is not None)
    pieces: list[Piece] = []
    floor = 0
    for number, (at, body, path, array) in enumerate(headers):
        following = headers[number + 1][0] if number + 1 < len(headers) else len(text)
        lead = at
        previous_run = text[pieces[-1].header : at] if pieces else text[:at]
        # A line starting with '#' may end a multi-line string: then it is no comment.
        if '"""' not in previous_run and "'''" not in previous_run:
            lead = _lead_start(text, at, floor)
        if pieces:
            pieces[-1] = pieces[-1]._replace(end=lead)
        pieces.append(Piece(lead, at, body, following, path, array))
        floor = body
    head_end = pieces[0].start if pieces else len(text)
    return Index(text, head_end, tuple(pieces), _blocks(pieces), tuple(runs))


def _real_headers(
    text: str, known: Container[bytes] | None, keep_digests: bool
) -> tuple[list[tuple[int, int, tuple[str, ...], bool]], list[bytes]]:
    """Every real table header as (start, body start, key path, array), and run digests."""
    found: list[tuple[int, int, tuple[str, ...], bool]] = []
    runs: list[bytes] = []
    run_start = 0  # where the current top-level run started: 0, then each real header
    for at in candidate_starts(text):
        segment = text[run_start:at]  # empty for a header on the first line
        key = digest(segment) if keep_digests else b""
        if not ((known is not None and key in known) or _closed(segment)):
            continue  # inside a multi-line value that the run opened
        runs.append(key)
        newline = text.find("\n", at)
        body = len(text) if newline < 0 else newline + 1
        path, array = header_path(text[at:body])
        found.append((at, body, path, array))
        run_start = at
    if keep_digests:
        runs.append(digest(text[run_start:]))
    return found, runs


def candidate_starts(text: str) -> list[int]:
    """Where every line that starts with ``[`` (after blanks) starts: each may be a header."""
    starts = [match.start() + 1 for match in _CANDIDATE.finditer(text)]
    if _FIRST_LINE_CANDIDATE.match(text):
        starts.insert(0, 0)
    return starts


def _blocks(pieces: list[Piece]) -> tuple[Block, ...]:
    """Group pieces into blocks: sub-tables join the last element of their record table."""
    blocks: list[Block] = []
    last_element: dict[str, int] = {}  # record table -> index in blocks of its last element
    for piece in pieces:
        table = piece.path[0]
        if table in RECORD_TABLES:
            if len(piece.path) == 1 and piece.array:
                last_element[table] = len(blocks)
                blocks.append(Block(table, True, (piece,)))
                continue
            owner = last_element.get(table)
            if len(piece.path) > 1 and owner is not None:
                block = blocks[owner]
                blocks[owner] = block._replace(pieces=(*block.pieces, piece))
                continue
        blocks.append(Block(".".join(piece.path), False, (piece,)))
    return tuple(blocks)


# --- inside a piece: its key/value lines ----------------------------------------------


class Entry(NamedTuple):
    """One ``key = value`` of a piece's body (or of the head), as offsets into the text."""

    path: tuple[str, ...]  # ("status",); a dotted key: ("meta", "owner")
    start: int  # start of its first line
    value_start: int
    value_end: int  # just past the value; for a value of several lines, its last line's end
    end: int  # just past its last line (newline included)


_ENTRY_KEY_SEPARATOR = re.compile(r"[ \t]*\.")
_ENTRY_EQUALS = re.compile(r"[ \t]*=[ \t]*")
_WITHOUT_OPENERS = str.maketrans("", "", "[{")
_WITHOUT_CLOSERS = str.maketrans("", "", "]}")


def entries(text: str, start: int, end: int) -> list[Entry]:
    """The key/value lines of ``text[start:end]``, which starts at the top level of a table.

    Keys may be quoted or dotted; values may span lines (arrays, multi-line
    strings). Raises HeaderError for a line that is neither a key/value, a
    comment nor blank (the text is then not valid TOML).
    """
    found: list[Entry] = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline + 1
        line = text[position:line_end]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            position = line_end
            continue
        path, value_start = _entry_key(text, position, line_end)
        value_end, entry_end = _value_extent(text, position, value_start, line_end, end)
        found.append(Entry(path, position, value_start, value_end, entry_end))
        position = entry_end
    return found


def _entry_key(text: str, position: int, line_end: int) -> tuple[tuple[str, ...], int]:
    found = _dotted_key(text, position, line_end)
    if found is None:
        raise HeaderError(f"cannot read the line {text[position:line_end].strip()[:60]!r}")
    parts, position = found
    equals = _ENTRY_EQUALS.match(text, position, line_end)
    if equals is None:
        raise HeaderError(f"cannot read the line {text[position:line_end].strip()[:60]!r}")
    return tuple(parts), equals.end()


def _value_extent(
    text: str, entry_start: int, value_start: int, line_end: int, end: int
) -> tuple[int, int]:
    """(value end, entry end) of the value that starts at ``value_start``."""
    rest = text[value_start:line_end]
    if '"""' not in rest and "'''" not in rest:
        code, comment = _code_and_comment(rest)
        if '"' not in code and "'" not in code:
            depth = _depth(code)
            if depth == 0:
                value_end = value_start + len(rest[:comment].rstrip())
                return value_end, line_end
            if depth > 0:  # an array or inline table over several lines: count brackets
                position = line_end
                while position < end and depth > 0:
                    newline = text.find("\n", position, end)
                    next_end = end if newline < 0 else newline + 1
                    piece = text[position:next_end]
                    if '"""' in piece or "'''" in piece:
                        break  # a multi-line string inside: the exact scanner below
                    code = _code_and_comment(piece)[0]
                    if '"' in code or "'" in code:
                        break
                    depth += _depth(code)
                    position = next_end
                if depth == 0:
                    return _line_content_end(text, position), position
    # Multi-line strings and anything unusual: grow line by line until the value closes.
    position = line_end
    while not run_closes(text[entry_start:position]):
        if position >= end:
            raise HeaderError("a value is not closed before the next table")
        newline = text.find("\n", position, end)
        position = end if newline < 0 else newline + 1
    return _line_content_end(text, position), position


def _code_and_comment(line: str) -> tuple[str, int]:
    """The line with its strings and comment cut out, and where its comment starts."""
    comment = len(line)
    code: list[str] = []
    last = 0
    for match in _STRINGS_AND_COMMENTS.finditer(line):
        code.append(line[last : match.start()])
        last = match.end()
        if match.group().startswith("#"):
            comment = match.start()
            last = len(line)
            break
    code.append(line[last:])
    return "".join(code), comment


def _depth(code: str) -> int:
    """Brackets and braces opened minus closed."""
    return len(code.translate(_WITHOUT_CLOSERS)) - len(code.translate(_WITHOUT_OPENERS))


def _line_content_end(text: str, line_end: int) -> int:
    """Just past the last non-blank character before ``line_end``."""
    position = line_end
    while position > 0 and text[position - 1] in " \t\r\n":
        position -= 1
    return position


def run_closes(segment: str) -> bool:
    """Whether text that starts at the top level (a header, or a key) ends there too."""
    return _closed(segment)


def content_end(text: str, start: int, end: int) -> int:
    """Just past the last line in ``text[start:end]`` that is neither blank nor a comment."""
    return _content_end(text, start, end)


def lead_start(text: str, header: int, floor: int) -> int:
    """Where the comment lines directly above ``header`` begin (at ``floor`` at the most)."""
    return _lead_start(text, header, floor)
