"""`vzwatch report`: schedule health, forecasts and what changed, per group."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    JsonFlag,
    NoColorFlag,
    Output,
    OutputFormat,
    QuarterHelp,
    StoreOption,
    TodayOption,
    app,
    chosen_format,
    emit,
    locate_all,
    row_count,
    today_from,
)
from vzwatch.cli.filters import OwnerFilter
from vzwatch.domain.errors import UsageError
from vzwatch.domain.text import visible

if TYPE_CHECKING:
    from datetime import date

    from vzwatch.domain.report import Report
    from vzwatch.render.console import Console
    from vzwatch.storage.store import StoreLocation


class GroupBy(StrEnum):
    pillar = "pillar"
    status = "status"
    partner = "partner"
    owner = "owner"
    portfolio = "portfolio"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"
    html = "html"


ReportFormatOption = Annotated[
    ReportFormat | None,
    typer.Option(
        "--format",
        "-F",
        case_sensitive=False,
        help="table (default), json, jsonl, csv, markdown or html (a briefing to open or print).",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", metavar="FILE", help="Write the HTML briefing to FILE."),
]


def write_briefing(report: "Report", output: Path | None, stores: list[Path]) -> None:
    """The HTML briefing, to ``output`` (atomically; never the store) or stdout."""
    from vzwatch.formats.briefing import report_html

    page = report_html(report)
    if output is None:
        sys.stdout.write(page)
        return
    from vzwatch.storage.output import write_output

    write_output(output, page, store=stores)
    sys.stderr.write(f"wrote {visible(str(output))}\n")


def report_output(report: "Report", table_rows: int | None = None) -> Output:
    """The report's forms; the table shows at most ``table_rows`` rows per table.

    Past ``PLAIN_ROWS`` printed rows it is plain lines, as for `list`: a Rich
    table of thousands of rows takes seconds.
    """
    from vzwatch.formats.report import (
        report_columns,
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
        columns=report_columns(report),
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
        GroupBy,
        typer.Option(
            "--by",
            case_sensitive=False,
            help="pillar, status, partner, owner or portfolio (one group per store).",
        ),
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
    owner: OwnerFilter = None,
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
    output_format: ReportFormatOption = None,
    output: OutputOption = None,
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
      vzwatch report --format html --output briefing.html
    """
    from vzwatch.cli import views

    fmt = _chosen(output_format, output, json_output)
    locations, now = locate_all(file), today_from(today)
    if len(locations) > 1 or by is GroupBy.portfolio:
        if owner is not None:
            raise UsageError("report --owner takes one store (and not --by portfolio)")
        report = views.report_each(locations, quarter, since, today=now, by=by.value)
    else:
        report = _one_report(locations[0], quarter, since, today=now, by=by.value, owner=owner)
    if fmt is None:
        write_briefing(report, output, [location.path for location in locations])
    else:
        emit(fmt, report_output(report, table_rows=None if show_all else limit))


def _one_report(
    location: "StoreLocation",
    quarter: str,
    since: str | None,
    *,
    today: "date",
    by: str,
    owner: str | None = None,
) -> "Report":
    from vzwatch.domain import userinput
    from vzwatch.domain.report import build_report
    from vzwatch.operations import reading

    portfolio = reading.open_portfolio(location)
    target = userinput.quarter(quarter, today, portfolio.fiscal)
    start = userinput.since(since, today, portfolio.fiscal) if since is not None else None
    return build_report(portfolio, today=today, quarter=target, by=by, since=start, owner=owner)


def _chosen(fmt: ReportFormat | None, output: Path | None, json_flag: bool) -> OutputFormat | None:
    """The text format to print, or None for the HTML briefing (the one that takes --output)."""
    if fmt is ReportFormat.html:
        if json_flag:
            raise UsageError("--json and --format html disagree; use one")
        return None
    if output is not None:
        raise UsageError("--output applies to --format html only (redirect the other formats)")
    return chosen_format(None if fmt is None else OutputFormat(fmt.value), json_flag)
