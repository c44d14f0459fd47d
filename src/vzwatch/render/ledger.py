"""Rich views of the ledger: sources, slips and an initiative's story. User text enters as Text."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from vzwatch.domain import ledger
from vzwatch.domain.schema import Portfolio
from vzwatch.render.tables import print_fitted, user_text


def print_sources(console: Console, portfolio: Portfolio) -> None:
    if not portfolio.sources:
        console.print(Text("No sources yet: add one with `vzwatch source add OUTLET`."))
        return
    headings = ("Id", "Outlet", "Published", "Title / URL")
    rows = []
    for source in portfolio.sources:
        detail = user_text(source.title)
        if source.url:
            detail.append(("\n" if source.title else "") + source.url, style="dim")
        published = source.published.isoformat() if source.published else "—"
        rows.append((user_text(source.id), user_text(source.outlet), Text(published), detail))
    # No id, word or URL is cut: a table where they fit side by side, else blocks.
    print_fitted(console, headings, rows, ("outlet", "published", "title"))


def _cited(portfolio: Portfolio, ids: Sequence[str]) -> Text:
    names = [
        source.outlet if source else ident
        for ident in ids
        for source in (portfolio.source_by_id(ident),)
    ]
    return user_text("; ".join(names) or "—")


def print_slips(console: Console, found: Sequence[ledger.Slip], portfolio: Portfolio) -> None:
    if not found:
        console.print(Text("No timeline has moved since it was announced."))
        return
    headings = ("Initiative / id", "Announced", "Now", "Slip", "Latest revision")
    rows = [_slip_cells(slip, portfolio) for slip in found]
    print_fitted(console, headings, rows, ("announced", "now", "slip", "latest"))


def _slip_cells(slip: ledger.Slip, portfolio: Portfolio) -> tuple[Text, ...]:
    name = user_text(slip.initiative.title, style="bold")
    name.append("\n")
    name.append(user_text(slip.initiative.id, style="dim"))
    first = slip.announced
    announced = Text(first.timeline.label)
    announced.append("\n")
    announced.append(_cited(portfolio, first.sources))
    announced.append(f", {first.on.isoformat() if first.on else 'undated'}", style="dim")
    shift = ledger.quarters_text(slip.slip_quarters, first.timeline, slip.initiative.timeline)
    latest = _cited(portfolio, slip.latest.sources)
    latest.append(f"\n{slip.latest.on.isoformat()}", style="dim")
    count = len(slip.revisions)
    latest.append(f"\n{count} revision{'' if count == 1 else 's'}", style="dim")
    return (
        name,
        announced,
        Text(slip.initiative.timeline.label),
        Text(shift, style="red" if slip.slipped else ""),
        latest,
    )


def story_table(events: Sequence[ledger.Event]) -> Table:
    table = Table(title="Ledger", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Date", no_wrap=True)
    table.add_column("What", overflow="fold")
    table.add_column("Entry", no_wrap=True, style="dim")  # what amend and retract take
    for event in events:
        cell = user_text(event.text, lines=True)
        for source in event.sources:
            cell.append("\n  source: ")
            cell.append(user_text(ledger.source_line(source), style="dim"))
        table.add_row(event.on.isoformat() if event.on else "—", cell, event.entry)
    return table
