"""Keep user text from acting on the terminal.

Titles, notes and partner names are data. Control characters (ESC starts ANSI
and OSC sequences, NUL, DEL, the C1 range) and bidirectional overrides can
recolour a terminal, plant hyperlinks or reorder what a reader sees, so they
are refused on input and shown escaped on output.
"""

from __future__ import annotations

import codecs
import re

# DEL and the C1 controls (0x9b is a one-byte CSI on some terminals), then bidi
# marks, embeddings, overrides and isolates, and line/paragraph separators.
_C1 = "\x7f-\x9f"
_INVISIBLE = "\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
# Patterns as text, compiled on first use (re caches them): compiling all of
# them costs ~1 ms of start-up that most commands never use.
# Everything unsafe, C0 included (tab and newline too: titles are one line).
_UNSAFE = f"[\x00-\x1f{_C1}{_INVISIBLE}]"
# The same but tab, newline and carriage return, which quoted CSV carries safely.
_UNSAFE_BUT_LAYOUT = f"[\x00-\x08\x0b\x0c\x0e-\x1f{_C1}{_INVISIBLE}]"
# The same but tab and newline: multi-line text (objectives, notes) in a table.
_UNSAFE_BUT_LINES = f"[\x00-\x08\x0b-\x1f{_C1}{_INVISIBLE}]"
# json.dumps already escapes C0 controls; these are the ones it leaves raw.
_UNSAFE_IN_JSON = f"[{_C1}{_INVISIBLE}]"
_SURROGATE = "[\ud800-\udfff]"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, keep_layout: bool = False, lines: bool = False) -> str:
    """Return ``text`` with every unsafe character written as an escape (``\\x1b``).

    ``keep_layout`` leaves tabs and line breaks alone, for formats (CSV) that
    carry multi-line values safely quoted; ``lines`` leaves tabs and newlines
    (not carriage returns, which could overwrite a line), for tables that show
    multi-line text as lines.
    """
    if text.isascii() and text.isprintable():
        return text  # the usual case, without a regular expression
    pattern = _UNSAFE_BUT_LAYOUT if keep_layout else _UNSAFE_BUT_LINES if lines else _UNSAFE
    unsafe = re.compile(pattern)
    return re.compile(_SURROGATE).sub(_escape, unsafe.sub(_escape, text))


# What makes terminals disagree on a width: skin-tone modifiers, the emoji
# presentation selector and the zero-width joiner. tmux 3.3 draws ❤️ in one
# cell where Rich (and kitty) count two, 👍🏽 in four where Rich counts two, and
# Rich counts a joined sequence (👨‍👩‍👧, a Devanagari half form) as one
# character where most terminals draw each part; a column after such a title
# lands a cell or more off. Without them each character is as wide as its code
# point says (East Asian Width), in every terminal and every Rich version:
# 👨‍👩‍👧 shows as 👨👩👧, ❤️ as ❤.
_WIDTH_DISPUTED = "[\u200d\ufe0f\U0001f3fb-\U0001f3ff]"


def steady(text: str) -> str:
    """``text`` as it is shown in columns: without what terminals measure differently.

    For terminal cells only (tables, the chart, aligned lines); the data, JSON,
    CSV and the SVG keep the text as written.
    """
    if text.isascii():
        return text
    return re.compile(_WIDTH_DISPUTED).sub("", text)


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes, one code point at a time (as wcwidth counts):
    2 for wide and fullwidth characters, 0 for combining marks and format
    characters (a zero-width space), 1 for the rest. Exact for ``steady`` text."""
    if text.isascii():
        return len(text)
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    import unicodedata  # here: ~0.2 ms of start-up that ASCII text never needs

    if unicodedata.combining(char) or (
        unicodedata.category(char) in ("Mn", "Me", "Cf") and char != "\u00ad"
    ):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def ljust_cells(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal cells (``str.ljust`` counts code
    points, so a CJK or accented name would push the next column)."""
    return text + " " * (width - cell_width(text))


def rjust_cells(text: str, width: int) -> str:
    return " " * (width - cell_width(text)) + text


def unsafe_character(text: str) -> str | None:
    """Return the first character that user input may not contain, escaped, or None."""
    match = re.compile(_UNSAFE).search(text) or re.compile(_SURROGATE).search(text)
    return _escape(match) if match else None


def escape_json_text(dumped: str) -> str:
    """Escape C1 controls and bidi characters that ``json.dumps`` leaves raw.

    The JSON value is unchanged (``\\u202e`` decodes to the same string); only
    the bytes that would reach a terminal running ``cat`` or ``jq`` change.
    """
    if dumped.isascii() and "\x7f" not in dumped:
        return dumped  # DEL is the only character it escapes that is ASCII
    return re.compile(_UNSAFE_IN_JSON).sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 initiative``, ``2 initiatives``, ``0 progress entries``."""
    if number == 1:
        return f"1 {noun}"
    return f"{number} {plural or noun + 's'}"


def is_utf8_stream(stream: object) -> bool:
    """Whether a text stream can take any character (else: ASCII fallbacks)."""
    encoding = str(getattr(stream, "encoding", "") or "").lower().replace("_", "-")
    return encoding.startswith("utf")


# Typographic characters in the data (the seed article uses en dashes) mapped
# to ASCII, for terminals and cron mailers whose locale cannot encode them.
_ASCII_FALLBACK = {
    "\u2013": "-",
    "\u2014": "--",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u00a0": " ",
    "\u2192": "->",
    "\u2022": "*",
    "\u00b7": "-",
    "\u2588": "#",
    "\u2591": ".",
}
ASCII_ERRORS = "vzwatch-ascii"


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_ASCII_FALLBACK.get(char, "?") for char in bad), error.end


codecs.register_error(ASCII_ERRORS, _ascii_fallback)
