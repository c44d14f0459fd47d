"""The commitment ledger: source, sources, slips.

`source add` records a report that claims are cited from; `sources` lists
them; `slips` lists the initiatives whose timeline moved since it was
announced. The ledger itself is ``vzwatch.domain.ledger``.
"""

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    ChosenIdOption,
    FormatOption,
    JsonFlag,
    NoColorFlag,
    Output,
    StoreOption,
    TodayOption,
    app,
    chosen_format,
    emit,
    emit_json,
    locate,
    today_from,
)
from vzwatch.domain.errors import ExitCode

if TYPE_CHECKING:
    from vzwatch.domain.ledger import Slip
    from vzwatch.domain.portfolio import Portfolio
    from vzwatch.render.console import Console


class SourceAction(StrEnum):
    add = "add"


@app.command("source")
def source_command(
    action: Annotated[SourceAction, typer.Argument(help="add: record a new source.")],
    outlet: Annotated[str, typer.Argument(help="Who reported it: 'Japan Wire, citing Kyodo'.")],
    title: Annotated[
        str, typer.Option("--title", metavar="TEXT", help="The report's headline.")
    ] = "",
    url: Annotated[str, typer.Option("--url", metavar="URL", help="Where to read it.")] = "",
    published: Annotated[
        str | None,
        typer.Option("--published", metavar="DATE", help="'June 10, 2024', '2024-06-10'…"),
    ] = None,
    note: Annotated[
        str, typer.Option("--note", metavar="TEXT", help="Anything worth knowing.")
    ] = "",
    ident: ChosenIdOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Record a source (an article, a statement) that claims cite, and print its id.

    \b
    Example:
      vzwatch source add "Kyodo News" --title "Forums postponed" --published "March 3, 2025"
    """
    from vzwatch.domain import userinput
    from vzwatch.operations import writing

    day = userinput.date(published, "--published") if published is not None else None
    created = writing.add_source(
        locate(file), outlet=outlet, title=title, url=url, published=day, note=note, ident=ident
    )
    if json_output:
        from vzwatch.formats import contract

        emit_json(contract.source_to_dict(created))
    else:
        sys.stdout.write(f"{created.id}\n")


@app.command("sources")
def sources_command(
    file: StoreOption = None,
    output_format: FormatOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """List the sources claims are cited from.

    \b
    Example:
      vzwatch sources --format csv
    """
    from vzwatch.operations import reading

    fmt = chosen_format(output_format, json_output)
    emit(fmt, _sources_output(reading.open_portfolio(locate(file))))


@app.command("slips")
def slips_command(
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Only timelines revised on or after DATE."),
    ] = None,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when anything listed slipped, 0 when not.")
    ] = False,
    today: TodayOption = None,
    file: StoreOption = None,
    output_format: FormatOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """List the initiatives whose timeline moved since it was announced, and by how much.

    \b
    Examples:
      vzwatch slips
      vzwatch slips --since last --exit-code     # for cron: 1 when anything slipped
    """
    from vzwatch.domain import ledger, userinput
    from vzwatch.operations import reading

    fmt, now = chosen_format(output_format, json_output), today_from(today)
    portfolio = reading.open_portfolio(locate(file), as_of=None if today is None else now)
    day = userinput.since(since, now, portfolio.fiscal) if since else None
    found = ledger.slips(portfolio, since=day)
    emit(fmt, _slips_output(found, portfolio))
    if exit_code and any(slip.slipped for slip in found):
        raise typer.Exit(ExitCode.FOUND)


def _sources_output(portfolio: "Portfolio") -> Output:
    from vzwatch.formats import contract

    def rows() -> list[dict[str, object]]:
        from vzwatch.formats import tabular

        return [tabular.source_row(source) for source in portfolio.sources]

    def columns() -> tuple[str, ...]:
        from vzwatch.formats import tabular

        return tabular.SOURCE_COLUMNS

    def table(console: "Console") -> None:
        from vzwatch.render.ledger import print_sources

        print_sources(console, portfolio)

    return Output(
        json=lambda: contract.sources_to_list(portfolio), rows=rows, columns=columns, table=table
    )


SLIP_COLUMNS = (
    "id",
    "title",
    "announced",
    "announced_date",
    "announced_sources",
    "timeline",
    "slip_quarters",
    "slipped",
    "revisions",
    "latest_date",
    "latest_sources",
)


def _slips_output(found: "list[Slip]", portfolio: "Portfolio") -> Output:
    from vzwatch.formats import contract

    def rows() -> list[dict[str, object]]:
        return [
            {
                "id": slip.initiative.id,
                "title": slip.initiative.title,
                "announced": slip.announced.timeline_text,
                "announced_date": slip.announced.on.isoformat() if slip.announced.on else "",
                "announced_sources": "; ".join(slip.announced.sources),
                "timeline": slip.initiative.timeline_text,
                "slip_quarters": "" if slip.slip_quarters is None else slip.slip_quarters,
                "slipped": slip.slipped,
                "revisions": len(slip.revisions),
                "latest_date": slip.latest.on.isoformat(),
                "latest_sources": "; ".join(slip.latest.sources),
            }
            for slip in found
        ]

    def table(console: "Console") -> None:
        from vzwatch.render.ledger import print_slips

        print_slips(console, found, portfolio)

    return Output(
        json=lambda: [contract.slip_to_dict(slip) for slip in found],
        rows=rows,
        columns=SLIP_COLUMNS,
        table=table,
    )
