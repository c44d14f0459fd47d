"""One place that decides how the terminal is treated."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

__all__ = ["Console", "make_console"]  # cli/ names Console through here: it imports no Rich


def make_console(file: TextIO | None = None, *, width: int | None = None) -> Console:
    """A console that never reads user text as markup, emoji or highlights.

    Rich already honours NO_COLOR and writes no escape codes when the output
    is not a terminal; box characters fall back to ASCII on an ASCII stream.
    """
    return Console(
        file=file or sys.stdout,
        width=width,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
