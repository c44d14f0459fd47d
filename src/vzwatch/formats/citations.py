"""Sources cited as numbered Markdown footnotes: ``[^1]`` in the text, ``[^1]: …`` at the end.

A briefing (``report --format markdown``, ``export --format markdown``) names
each source once, numbered in the order it is first cited, with its outlet,
date, title and URL. Pure: no Rich.
"""

from __future__ import annotations

from collections.abc import Iterable

from vzwatch.domain.ledger import source_line
from vzwatch.domain.schema import Portfolio
from vzwatch.formats.tabular import markdown_cell


class Footnotes:
    """The footnotes of one document, numbered as they are first cited."""

    def __init__(self, portfolio: Portfolio) -> None:
        self.portfolio = portfolio
        self.numbers: dict[str, int] = {}

    def refs(self, ids: Iterable[str]) -> str:
        """``[^1][^2]`` for the cited ids (unknown ids are left out)."""
        marks = []
        for ident in ids:
            if self.portfolio.source_by_id(ident) is None:
                continue
            number = self.numbers.setdefault(ident, len(self.numbers) + 1)
            marks.append(f"[^{number}]")
        return "".join(marks)

    def lines(self) -> list[str]:
        """The footnote definitions, in number order (none when nothing was cited)."""
        found = []
        for ident, number in self.numbers.items():
            source = self.portfolio.source_by_id(ident)
            if source is not None:
                found.append(f"[^{number}]: {markdown_cell(source_line(source))}")
        return found
