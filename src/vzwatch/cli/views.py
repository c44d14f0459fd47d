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

from vzwatch.cli.app import Output, columns_of, initiatives_output

if TYPE_CHECKING:
    from vzwatch.cli.filters import Criteria
    from vzwatch.domain.combined import Combined, Member
    from vzwatch.domain.portfolio import Initiative, Milestone, Portfolio
    from vzwatch.domain.quarters import Quarter
    from vzwatch.operations.reading import DueFound
    from vzwatch.render.console import Console
    from vzwatch.storage.store import StoreLocation

Choose = Callable[["Portfolio"], "tuple[Sequence[Initiative], Quarter | None]"]


def members(
    locations: Sequence[StoreLocation], choose: Choose, as_of: date | None = None
) -> list[Member]:
    """Each store, named for people, with what ``choose`` picks from it (and its quarter);
    ``as_of``: each store as that day saw it."""
    from vzwatch.domain.combined import Member, distinct_labels, store_label
    from vzwatch.operations import reading

    portfolios = [reading.open_portfolio(location, as_of=as_of) for location in locations]
    labels = distinct_labels(
        [store_label(p.title, loc.path.name) for p, loc in zip(portfolios, locations, strict=True)]
    )
    out = []
    for label, portfolio in zip(labels, portfolios, strict=True):
        chosen, quarter = choose(portfolio)
        out.append(Member(label, portfolio, tuple(chosen), quarter))
    return out


def selected(
    locations: Sequence[StoreLocation],
    today: date,
    criteria: Criteria,
    *,
    as_of: date | None = None,
) -> Combined:
    """What `list`'s filters choose from each store (read in that store's calendar), together."""
    from vzwatch.cli.filters import make_filters
    from vzwatch.domain.combined import combine
    from vzwatch.domain.queries import select

    def choose(portfolio: Portfolio) -> tuple[list[Initiative], None]:
        return select(portfolio, make_filters(portfolio, today, criteria)), None

    return combine(members(locations, choose, as_of))


def blocked_in(combined: Combined, today: date) -> dict[str, tuple[str, ...]]:
    """What blocks what in each store (the whole store: a dependency may not be shown),
    by the ids the view shows (``portfolio:id`` where two stores share an id)."""
    from vzwatch.domain.dependencies import blocked_by

    found: dict[str, tuple[str, ...]] = {}
    for member in combined.members:

        def shown(ident: str, label: str = member.label) -> str:
            renamed = f"{label}:{ident}"
            return renamed if combined.origin.get(renamed) == label else ident

        for ident, by in blocked_by(member.portfolio, today).items():
            found[shown(ident)] = tuple(shown(other) for other in by)
    return found


def sorted_initiatives(combined: Combined) -> list[Initiative]:
    from vzwatch.domain.queries import sort_by_timeline

    return list(sort_by_timeline(combined.portfolio.initiatives))


def with_portfolio(items: list[dict[str, Any]], origin: dict[str, str] | Any) -> list[Any]:
    for item in items:
        item["portfolio"] = origin[item["id"]]
    return items


def combined_output(
    combined: Combined,
    *,
    today: date,
    title: str | None = None,
    table_rows: int | None = None,
) -> Output:
    """`list`'s views of several stores: the same, with a ``portfolio`` key and column
    (the table names it under each id); ``blocked_by`` as of ``today``, as for one store."""
    from vzwatch.formats import contract, tabular

    portfolio, origin = combined.portfolio, combined.origin
    initiatives = sorted_initiatives(combined)
    blocked = blocked_in(combined, today)
    base = initiatives_output(
        initiatives, portfolio, title=title, table_rows=table_rows, blocked=blocked, origin=origin
    )
    return replace(
        base,
        json=lambda: with_portfolio(
            contract.initiatives_to_list(initiatives, portfolio, blocked), origin
        ),
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
    as_of: bool = False,
    owner: str | None = None,
) -> tuple[list[Initiative | Milestone], str, Output]:
    """What `due` prints: what was found (initiatives, then milestones), the quarter, their
    views (one store or more; the milestones of one store only).

    ``as_of``: as ``today`` saw the stores, and the heading says so. Rows of one
    store also say whether they are overdue, and by how many quarters.
    """
    from vzwatch.operations import reading

    tail = (" or overdue" if overdue else "") + (f", as of {today.isoformat()}" if as_of else "")
    if len(locations) > 1:
        day = today if as_of else None
        combined, target = due_each(
            locations, quarter, today=today, overdue=overdue, as_of=day, owner=owner
        )
        output = _due_rows_of_several(combined, f"Due in {target}{tail}", today)
        return [*combined.portfolio.initiatives], target, output
    result = reading.find_due(
        locations[0], quarter, today=today, overdue=overdue, as_of=as_of, owner=owner
    )
    found, asked = result.initiatives, str(result.quarter)
    output = _due_rows(found, result, f"Due in {asked}{tail}", today)
    return [*found, *result.milestones], asked, output


def _due_rows(found: list[Initiative], result: DueFound, heading: str, today: date) -> Output:
    """One store's `due` forms: each row also says ``overdue``, ``overdue_quarters`` and
    its ``kind``; the milestones due come after the initiatives."""
    from vzwatch.formats import contract

    listed = initiatives_output(found, result.portfolio, title=heading)
    rows, table = listed.rows, listed.table
    milestones = result.milestones

    def all_rows() -> list[dict[str, Any]]:
        kind = {contract.KIND_KEY: "initiative"}
        columns = columns_of(listed)
        return [
            *(
                {**row, **contract.overdue_fields(item, result.quarter), **kind}
                for row, item in zip(rows(), found, strict=True)
            ),
            *(_milestone_row(item, columns, result) for item in milestones),
        ]

    def both(console: Console) -> None:
        if found or not milestones:
            table(console)
        if milestones:
            from vzwatch.render.milestones import print_due_milestones

            title = heading if not found else f"Milestones {heading[0].lower()}{heading[1:]}"
            print_due_milestones(console, milestones, result.owners, today, title=title)

    return replace(
        listed,
        json=lambda: contract.due_to_list(found, result.portfolio, result.quarter, milestones),
        rows=all_rows,
        columns=lambda: (*columns_of(listed), *contract.OVERDUE_KEYS, contract.KIND_KEY),
        table=both,
        json_utf8=None,
    )


def _milestone_row(
    milestone: Milestone, columns: Sequence[str], result: DueFound
) -> dict[str, Any]:
    """A milestone as a flat `due` row: its own columns, the initiative's others empty."""
    from vzwatch.formats import contract

    row: dict[str, Any] = dict.fromkeys(columns, "")
    document = contract.milestone_due_dict(milestone, result.quarter)
    quarter = document.pop("quarter")
    row.update(document)
    row.update(start=quarter, end=quarter, timeline=quarter, ongoing=False)
    keys = (*columns, *contract.OVERDUE_KEYS, contract.KIND_KEY)
    return {key: "" if row[key] is None else row[key] for key in keys}


def _due_rows_of_several(combined: Combined, heading: str, today: date) -> Output:
    """`due` over several stores: one store's columns (``overdue``, ``overdue_quarters``,
    each row against its store's reading of the quarter), then ``portfolio``."""
    from vzwatch.formats import contract

    listed = combined_output(combined, today=today, title=heading)
    quarters = {member.label: member.quarter for member in combined.members}
    shown = sorted_initiatives(combined)

    def late(items: Sequence[dict[str, Any]], kind: dict[str, str]) -> list[dict[str, Any]]:
        out = []
        for item, initiative in zip(items, shown, strict=True):
            quarter = quarters[combined.origin[initiative.id]]
            assert quarter is not None  # due_each chose each store's quarter
            portfolio = item.pop("portfolio")
            late_fields = contract.overdue_fields(initiative, quarter)
            out.append({**item, **late_fields, **kind, "portfolio": portfolio})
        return out

    # Rows have one store's columns (its ``kind`` too: several stores list initiatives only).
    kind = {contract.KIND_KEY: "initiative"}
    columns = [column for column in columns_of(listed) if column != "portfolio"]
    return replace(
        listed,
        json=lambda: late(listed.json(), {}),
        rows=lambda: late([dict(row) for row in listed.rows()], kind),
        columns=(*columns, *contract.OVERDUE_KEYS, contract.KIND_KEY, "portfolio"),
    )


def due_each(
    locations: Sequence[StoreLocation],
    quarter: str,
    *,
    today: date,
    overdue: bool,
    as_of: date | None = None,
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

    chosen = members(locations, choose, as_of)
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
    """An export of one store or several (JSON, CSV and Markdown then gain the ``portfolio``
    column), saying the day it is as of: JSON's ``as_of`` key, CSV's ``as_of`` column,
    a line above the Markdown table."""
    from vzwatch.formats import export, tabular

    if len(combined.members) > 1:
        output = combined_output(combined, today=today)
    else:  # one store: exactly `list`'s forms, no portfolio column
        blocked = blocked_in(combined, today)
        output = initiatives_output(
            list(combined.portfolio.initiatives), combined.portfolio, blocked=blocked
        )
    columns = columns_of(output)
    if fmt == "json":
        return export.json_text(output.json(), today, ascii_only=ascii_only)
    if fmt == "csv":
        return tabular.to_csv(export.csv_rows(output.rows(), today), (*columns, export.AS_OF_KEY))
    if fmt == "markdown":  # a briefing: the cited sources as numbered footnotes
        table = export.cited_markdown(output.rows(), columns, combined.portfolio)
        return f"As of {today.isoformat()}.\n\n{table}"
    initiatives = sorted_initiatives(combined)
    marked = frozenset(blocked_in(combined, today)) if fmt == "mermaid" else frozenset()
    return export.export_text(
        fmt, initiatives, combined.portfolio, today=today, tasks=tasks, blocked=marked
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
