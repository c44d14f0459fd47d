"""`vzwatch timeline`: the Gantt chart, in the terminal or as an SVG/HTML file."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from vzwatch.cli.app import (
    JsonFlag,
    NoColorFlag,
    StoreOption,
    TodayOption,
    app,
    emit_json,
    locate_all,
    render,
    today_from,
)
from vzwatch.cli.filters import (
    ActiveInFilter,
    Criteria,
    OwnerFilter,
    PartnerFilter,
    PillarFilter,
    StatusFilter,
    TagFilter,
)
from vzwatch.domain.errors import UsageError
from vzwatch.domain.text import visible

WindowHelp = "Q1-2025, 2025Q1, this, next, last or a date (default: covers the data and today)."


@app.command("timeline")
def timeline_command(
    from_quarter: Annotated[
        str | None, typer.Option("--from", metavar="QUARTER", help="First quarter: " + WindowHelp)
    ] = None,
    to_quarter: Annotated[
        str | None, typer.Option("--to", metavar="QUARTER", help="Last quarter: " + WindowHelp)
    ] = None,
    svg: Annotated[
        Path | None, typer.Option("--svg", metavar="FILE", help="Write the picture as SVG.")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", metavar="FILE", help="Write it as an HTML page.")
    ] = None,
    mermaid: Annotated[
        bool, typer.Option("--mermaid", help="Print it as a Mermaid gantt chart (for a README).")
    ] = False,
    status: StatusFilter = None,
    pillar: PillarFilter = None,
    tag: TagFilter = None,
    partner: PartnerFilter = None,
    owner: OwnerFilter = None,
    active_in: ActiveInFilter = None,
    today: TodayOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Draw the initiatives as a timeline: a bar per initiative over its quarters.

    \b
    Examples:
      vzwatch timeline
      vzwatch timeline --from Q1-2024 --to Q4-2025 --status planned
      vzwatch timeline --svg timeline.svg
      vzwatch timeline --mermaid --from Q1-2025
    """
    from vzwatch.cli import views
    from vzwatch.domain.chart import make_chart
    from vzwatch.formats import contract

    if mermaid and (svg or html or json_output):
        raise UsageError(
            "--mermaid prints the chart as text: use it without --svg, --html or --json"
        )
    locations, day = locate_all(file), today_from(today)
    criteria = Criteria(status, pillar, tag, partner, owner, active_in)
    combined = views.selected(locations, day, criteria, as_of=None if today is None else day)
    first = views.one_quarter(from_quarter, day, combined, "--from")
    last = views.one_quarter(to_quarter, day, combined, "--to")
    blocked = frozenset(views.blocked_in(combined, day))
    portfolio, stores = combined.portfolio, [location.path for location in locations]
    milestones = {i.id: portfolio.milestones_of(i.id) for i in portfolio.initiatives}
    shown = views.sorted_initiatives(combined)
    window = make_chart(
        shown, day, first, last, blocked, milestones if portfolio.milestones else None
    )
    if svg or html:
        from vzwatch.formats.svg import chart_html, chart_svg
        from vzwatch.storage.output import write_output

        for path, draw in ((svg, chart_svg), (html, chart_html)):
            if path is not None:
                write_output(path, draw(window, day, title=portfolio.title), store=stores)
                sys.stderr.write(f"wrote {visible(str(path))}\n")
    elif json_output:
        emit_json(contract.chart_to_dict(window, day, portfolio))
    elif mermaid:
        from vzwatch.formats.mermaid import chart_mermaid

        sys.stdout.write(chart_mermaid(window, portfolio, day, title=portfolio.title))
    else:
        from vzwatch.render.chart import print_chart

        render(lambda console: print_chart(console, window, day))
