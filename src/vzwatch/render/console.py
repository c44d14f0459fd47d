"""One place that decides how the terminal is treated."""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO

from rich.console import Console

__all__ = ["Console", "make_console"]  # cli/ names Console through here: it imports no Rich

_TRAILING_SPACES = re.compile(r"[ \t]+(?=\n)")


class TrimmedLines:
    """A text stream that drops the spaces Rich pads each line's end with.

    Piped output (cron mail, diffs, files) should carry no trailing spaces; a
    line is held until its newline so that a space split over two writes is
    seen too. Everything else (encoding, isatty, fileno…) is the wrapped
    stream's own, so Rich treats the stream exactly as before.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        text = self._pending + text
        end = text.rfind("\n") + 1
        self._pending = text[end:]
        if end:
            self._stream.write(_TRAILING_SPACES.sub("", text[:end]))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending.rstrip(" "))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def make_console(file: TextIO | None = None, *, width: int | None = None) -> Console:
    """A console that never reads user text as markup, emoji or highlights.

    Rich already honours NO_COLOR and writes no escape codes when the output
    is not a terminal; box characters fall back to ASCII on an ASCII stream.
    Output that is not a terminal has no trailing spaces.
    """
    stream = file or sys.stdout
    isatty = getattr(stream, "isatty", None)
    if not (callable(isatty) and isatty()):
        stream = TrimmedLines(stream)
    return Console(
        file=stream,
        width=width,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
