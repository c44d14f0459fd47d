"""`vzwatch report`: schedule health, forecasts and what changed, per group."""

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    FormatOption,
    JsonFlag,
    Output,
    QuarterHelp,
    StoreOption,
    TodayOption,
    app,
    chosen_format,
    emit,
    locate,
    today_from,
)

if TYPE_CHECKING:
    from rich.console import Console

    from vzwatch.report import Report


class GroupBy(StrEnum):
    pillar = "pillar"
    status = "status"
    partner = "partner"


def report_output(report: "Report") -> Output:
    from vzwatch import reportout

    def table(console: "Console") -> None:
        from vzwatch.render.report import print_report

        print_report(console, report)

    return Output(
        json=lambda: reportout.report_to_dict(report),
        rows=lambda: reportout.report_rows(report),
        columns=reportout.REPORT_COLUMNS,
        table=table,
        jsonl=lambda: reportout.report_rows(report),
        markdown=lambda: reportout.report_markdown(report),
    )


@app.command("report")
def report_command(
    quarter: Annotated[
        str, typer.Option("--quarter", "-q", metavar="QUARTER", help=QuarterHelp)
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
        ),
    ] = None,
    today: TodayOption = None,
    file: StoreOption = None,
    output_format: FormatOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Report schedule health, forecasts and recent changes, per pillar (or status, partner).

    \b
    Examples:
      vzwatch report --quarter Q1-2025 --format markdown > briefing.md
      vzwatch report --by partner --since 2025-02-01 --today 2025-03-31
    """
    from vzwatch import actions
    from vzwatch.report import build_report

    fmt = chosen_format(output_format, json_output)
    portfolio = actions.open_portfolio(locate(file))
    now = today_from(today)
    target = actions.user_quarter(quarter, now, portfolio.fiscal)
    start = actions.user_since(since, now, portfolio.fiscal) if since is not None else None
    emit(fmt, report_output(build_report(portfolio, today=now, quarter=target, by=by, since=start)))
