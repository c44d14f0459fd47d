"""Plain-text rows for large listings: no Rich, one line per initiative.

A Rich table of 10k rows takes seconds to lay out; formatted lines take a
fraction of that. ``vzwatch list`` uses this when it prints more rows than a
person reads in a table (see ``PLAIN_ROWS``). User text goes through
``visible`` exactly as in the tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TextIO

from vzwatch.domain.portfolio import Initiative, Portfolio
from vzwatch.domain.text import steady, visible

# More rows than this are printed as plain lines instead of a Rich table.
PLAIN_ROWS = 200


def print_plain(
    stream: TextIO,
    initiatives: Sequence[Initiative],
    portfolio: Portfolio,
    footer: str,
    origin: Mapping[str, str] | None = None,
) -> None:
    """``id  timeline  status  progress  title`` per line, tab-free and aligned;
    ``origin`` (several stores: shown id -> portfolio) adds a portfolio before the title."""
    width = max((len(item.id) for item in initiatives), default=2)
    named = {} if origin is None else {i.id: steady(visible(origin[i.id])) for i in initiatives}
    label_width = max((len(label) for label in named.values()), default=0)
    label_width = max(label_width, len("Portfolio"))

    def label(ident: str) -> str:
        return f"{named[ident]:<{label_width}}  " if origin is not None else ""

    lines = [
        f"{item.id:<{width}}  {item.timeline.label:<19}  {item.status:<9}  "
        f"{item.progress:>3}%  {label(item.id)}{steady(visible(item.title))}\n"
        for item in initiatives
    ]
    heading = f"{'Portfolio':<{label_width}}  " if origin is not None else ""
    header = f"{'ID':<{width}}  {'Timeline':<19}  {'Status':<9}  Prog  {heading}Title\n"
    stream.write(header + "".join(lines) + footer + "\n")


def changes_footer(shown: int, total: int) -> str:
    """``40 changes``, or that only the newest are shown and how to see the earlier ones."""
    if shown >= total:
        return footer(shown, total, noun="change")
    return (
        f"the newest {shown} of {total} changes shown; {total - shown} earlier (--all or --limit N)"
    )


def footer(shown: int, total: int, noun: str = "initiative") -> str:
    """``3 initiatives``, or how many more a limit left out and how to see them."""
    nouns = noun if total == 1 else f"{noun}s"
    if shown >= total:
        return f"{total} {nouns}"
    return f"{shown} of {total} {nouns} shown; {total - shown} more (--all or --limit N)"
