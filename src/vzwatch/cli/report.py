"""`vzwatch report`: schedule health, forecasts and what changed, per group."""

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    FormatOption,
    JsonFlag,
    NoColorFlag,
    Output,
    QuarterHelp,
    StoreOption,
    TodayOption,
    app,
    chosen_format,
    emit,
    locate,
    row_count,
    today_from,
)

if TYPE_CHECKING:
    from vzwatch.domain.report import Report
    from vzwatch.render.console import Console


class GroupBy(StrEnum):
    pillar = "pillar"
    status = "status"
    partner = "partner"


def report_output(report: "Report", table_rows: int | None = None) -> Output:
    """The report's forms; the table shows at most ``table_rows`` rows per table.

    Past ``PLAIN_ROWS`` printed rows it is plain lines, as for `list`: a Rich
    table of thousands of rows takes seconds.
    """
    from vzwatch.formats.report import (
        REPORT_COLUMNS,
        report_markdown,
        report_rows,
        report_to_dict,
    )

    def table(console: "Console") -> None:
        from vzwatch.render.plain import PLAIN_ROWS
        from vzwatch.render.plainreport import print_report_plain, printed_rows

        if printed_rows(report, table_rows) > PLAIN_ROWS:
            print_report_plain(sys.stdout, report, table_rows)
            return
        from vzwatch.render.report import print_report

        print_report(console, report, table_rows)

    return Output(
        json=lambda: report_to_dict(report),
        rows=lambda: report_rows(report),
        columns=REPORT_COLUMNS,
        table=table,
        jsonl=lambda: report_rows(report),
        markdown=lambda: report_markdown(report),
    )


@app.command("report")
def report_command(
    quarter: Annotated[
        str, typer.Option("--quarter", "-Q", metavar="QUARTER", help=QuarterHelp)
    ] = "this",
    by: Annotated[
        GroupBy, typer.Option("--by", case_sensitive=False, help="pillar, status or partner.")
    ] = GroupBy.pillar,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE|QUARTER",
            help="List changes from this date or quarter on (default: the quarter's start).",
            show_default=False,
        ),
    ] = None,
    today: TodayOption = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            parser=row_count,
            help="Show at most N rows per table (default 25).",
            show_default=False,
        ),
    ] = 25,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="Show every row.")] = False,
    file: StoreOption = None,
    output_format: FormatOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Report schedule health, forecasts and recent changes, per pillar (or status, partner).

    Tables stop after --limit rows each and say how many more there are; the
    other formats always hold every row.

    \b
    Examples:
      vzwatch report --quarter Q1-2025 --format markdown > briefing.md
      vzwatch report --by partner --since 2025-02-01 --today 2025-03-31
    """
    from vzwatch.domain import userinput
    from vzwatch.domain.report import build_report
    from vzwatch.operations import reading

    fmt = chosen_format(output_format, json_output)
    portfolio = reading.open_portfolio(locate(file))
    now = today_from(today)
    target = userinput.quarter(quarter, now, portfolio.fiscal)
    start = userinput.since(since, now, portfolio.fiscal) if since is not None else None
    report = build_report(portfolio, today=now, quarter=target, by=by, since=start)
    emit(fmt, report_output(report, table_rows=None if show_all else limit))
