"""Read commands over several stores (--file twice, a $VZWATCH_FILE list).

Not a command module: list, due, report, timeline and export call these
when given more than one store. Each store is read through
``operations.reading`` (one snapshot each) and queried in its own fiscal
calendar; ``domain.combined`` puts the results together, and every row gains
a ``portfolio`` key. One store never comes here: its output stays as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from vzwatch.cli.app import Output, _columns, initiatives_output

if TYPE_CHECKING:
    from vzwatch.domain.combined import Combined, Member
    from vzwatch.domain.portfolio import Initiative, Portfolio
    from vzwatch.domain.quarters import Quarter
    from vzwatch.storage.store import StoreLocation

Choose = Callable[["Portfolio"], "tuple[Sequence[Initiative], Quarter | None]"]


def members(locations: Sequence[StoreLocation], choose: Choose) -> list[Member]:
    """Each store, named for people, with what ``choose`` picks from it (and its quarter)."""
    from vzwatch.domain.combined import Member, distinct_labels, store_label
    from vzwatch.operations import reading

    portfolios = [reading.open_portfolio(location) for location in locations]
    labels = distinct_labels(
        [store_label(p.title, loc.path.name) for p, loc in zip(portfolios, locations, strict=True)]
    )
    out = []
    for label, portfolio in zip(labels, portfolios, strict=True):
        chosen, quarter = choose(portfolio)
        out.append(Member(label, portfolio, tuple(chosen), quarter))
    return out


def selected(locations: Sequence[StoreLocation], today: date, **filters: Any) -> Combined:
    """What `list`'s filters choose from each store (read in that store's calendar), together."""
    from vzwatch.cli.filters import make_filters
    from vzwatch.domain.combined import combine
    from vzwatch.domain.queries import select

    def choose(portfolio: Portfolio) -> tuple[list[Initiative], None]:
        return select(portfolio, make_filters(portfolio, today, **filters)), None

    return combine(members(locations, choose))


def blocked_in(combined: Combined, today: date) -> dict[str, tuple[str, ...]]:
    """What blocks what in each store (the whole store: a dependency may not be shown)."""
    from vzwatch.domain.dependencies import blocked_by

    found: dict[str, tuple[str, ...]] = {}
    for member in combined.members:
        found.update(blocked_by(member.portfolio, today))
    return found


def sorted_initiatives(combined: Combined) -> list[Initiative]:
    from vzwatch.domain.queries import sort_by_timeline

    return list(sort_by_timeline(combined.portfolio.initiatives))


def with_portfolio(items: list[dict[str, Any]], origin: dict[str, str] | Any) -> list[Any]:
    for item in items:
        item["portfolio"] = origin[item["id"]]
    return items


def combined_output(
    combined: Combined, *, title: str | None = None, table_rows: int | None = None
) -> Output:
    """`list`'s views of several stores: the same, with a ``portfolio`` key and column."""
    from vzwatch.formats import contract, tabular

    portfolio, origin = combined.portfolio, combined.origin
    initiatives = sorted_initiatives(combined)
    base = initiatives_output(initiatives, portfolio, title=title, table_rows=table_rows)
    return replace(
        base,
        json=lambda: with_portfolio(contract.initiatives_to_list(initiatives, portfolio), origin),
        rows=lambda: with_portfolio(
            [tabular.initiative_row(i, portfolio) for i in initiatives], origin
        ),
        columns=(*tabular.INITIATIVE_COLUMNS, "portfolio"),
        json_utf8=None,
    )


def due_output(
    locations: Sequence[StoreLocation],
    quarter: str,
    *,
    today: date,
    overdue: bool,
    owner: str | None = None,
) -> tuple[list[Initiative], str, Output]:
    """What `due` prints: the initiatives found, the quarter, their views (one store or more)."""
    from vzwatch.operations import reading

    tail = " or overdue" if overdue else ""
    if len(locations) > 1:
        combined, target = due_each(locations, quarter, today=today, overdue=overdue, owner=owner)
        output = combined_output(combined, title=f"Due in {target}{tail}")
        return list(combined.portfolio.initiatives), target, output
    result = reading.find_due(locations[0], quarter, today=today, overdue=overdue, owner=owner)
    found, asked = result.initiatives, str(result.quarter)
    return found, asked, initiatives_output(found, result.portfolio, title=f"Due in {asked}{tail}")


def due_each(
    locations: Sequence[StoreLocation],
    quarter: str,
    *,
    today: date,
    overdue: bool,
    owner: str | None = None,
) -> tuple[Combined, str]:
    """`due` in each store (``quarter`` read in each one's calendar); notes where they differ."""
    from vzwatch.domain import userinput
    from vzwatch.domain.combined import combine, quarter_notes
    from vzwatch.domain.queries import due

    def choose(portfolio: Portfolio) -> tuple[list[Initiative], Quarter]:
        target = userinput.quarter(quarter, today, portfolio.fiscal)
        found = due(portfolio, target, overdue=overdue)
        if owner is not None:
            wanted = owner.casefold()
            found = [i for i in found if wanted in (i.owner or portfolio.owner).casefold()]
        return found, target

    chosen = members(locations, choose)
    notes = quarter_notes(chosen, quarter)
    note(notes)
    shown = f"{quarter} (each store's fiscal calendar)" if notes else str(chosen[0].quarter)
    return combine(chosen), shown


def note(notes: Sequence[str]) -> None:
    """Notes for people on stderr, where a table's reader sees them and a pipe does not mind."""
    from vzwatch.domain.text import visible

    for text in notes:
        sys.stderr.write(f"vzwatch: note: {visible(text)}\n")


def export_text(fmt: str, combined: Combined, *, today: date, tasks: bool, ascii_only: bool) -> str:
    """An export of several stores: JSON, CSV and Markdown gain the ``portfolio`` column."""
    from vzwatch.formats import contract, tabular
    from vzwatch.formats.export import export_text as one_store

    if len(combined.members) > 1:
        output = combined_output(combined)
    else:  # one store: exactly `list`'s forms, no portfolio column
        blocked = blocked_in(combined, today)
        output = initiatives_output(
            list(combined.portfolio.initiatives), combined.portfolio, blocked=blocked
        )
    columns = _columns(output)
    if fmt == "json":
        return contract.dumps(output.json(), ascii_only=ascii_only) + "\n"
    if fmt == "csv":
        return tabular.to_csv(output.rows(), columns)
    if fmt == "markdown":  # a briefing: the cited sources as numbered footnotes
        from vzwatch.formats.export import cited_markdown

        return cited_markdown(output.rows(), columns, combined.portfolio)
    initiatives = sorted_initiatives(combined)
    return one_store(
        fmt, initiatives, combined.portfolio, today=today, tasks=tasks, ascii_only=ascii_only
    )


def one_quarter(value: str | None, today: date, combined: Combined, option: str) -> Quarter | None:
    """A window end (--from, --to) that must mean the same quarter in every store."""
    from vzwatch.domain import userinput
    from vzwatch.domain.errors import UsageError

    if not value:
        return None
    read = {m.label: userinput.quarter(value, today, m.portfolio.fiscal) for m in combined.members}
    if len(set(read.values())) > 1:
        each = ", ".join(f"{label}: {q}" for label, q in read.items())
        raise UsageError(
            f"{option} {value} is a different quarter in each store's fiscal calendar ({each}); "
            "give a calendar quarter such as Q1-2025"
        )
    return next(iter(read.values()))


def report_each(
    locations: Sequence[StoreLocation], quarter: str, since: str | None, *, today: date, by: str
) -> Any:
    """One report over several stores, each judged in its own reading of ``quarter``."""
    from vzwatch.domain import userinput
    from vzwatch.domain.combined import combined_report

    def choose(portfolio: Portfolio) -> tuple[tuple[Initiative, ...], Quarter]:
        return portfolio.initiatives, userinput.quarter(quarter, today, portfolio.fiscal)

    chosen = members(locations, choose)
    start = None
    if since is not None:
        start = min(userinput.since(since, today, m.portfolio.fiscal) for m in chosen)
    report = combined_report(chosen, today=today, by=by, since=start, asked=quarter)
    note(report.notes)
    return report
