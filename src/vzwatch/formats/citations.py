"""Sources cited as numbered Markdown footnotes: ``[^1]`` in the text, ``[^1]: …`` at the end.

A briefing (``report --format markdown`` or ``html``, ``export --format markdown``) names
each source once, numbered in the order it is first cited, with its outlet,
date, title and URL. Pure: no Rich.
"""

from __future__ import annotations

from collections.abc import Iterable

from vzwatch.domain.ledger import source_line
from vzwatch.domain.schema import Portfolio, Source
from vzwatch.formats.tabular import markdown_cell


class Footnotes:
    """The footnotes of one document, numbered as they are first cited."""

    def __init__(self, portfolio: Portfolio) -> None:
        self.portfolio = portfolio
        self.numbers: dict[str, int] = {}

    def cite(self, ids: Iterable[str]) -> list[int]:
        """The numbers of the cited ids, each given one when first cited (unknown ids are
        left out)."""
        return [
            self.numbers.setdefault(ident, len(self.numbers) + 1)
            for ident in ids
            if self.portfolio.source_by_id(ident) is not None
        ]

    def refs(self, ids: Iterable[str]) -> str:
        """``[^1][^2]`` for the cited ids (unknown ids are left out)."""
        return "".join(f"[^{number}]" for number in self.cite(ids))

    def cited(self) -> list[tuple[int, Source]]:
        """Each cited source with its number, in number order."""
        found = []
        for ident, number in self.numbers.items():
            source = self.portfolio.source_by_id(ident)
            if source is not None:
                found.append((number, source))
        return found

    def lines(self) -> list[str]:
        """The footnote definitions, in number order (none when nothing was cited)."""
        return [
            f"[^{number}]: {markdown_cell(source_line(source))}" for number, source in self.cited()
        ]
