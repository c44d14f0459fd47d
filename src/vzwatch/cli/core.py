"""The core commands: list, show, add, due, where.

Each command parses its options, calls ``vzwatch.operations.reading`` (reads) or
``vzwatch.operations.writing`` (writes) and hands the result to JSON (``vzwatch.formats.contract``)
or to Rich (``vzwatch.render``, imported only when a human-readable view is
printed, so ``--json`` never pays for Rich). Core modules are imported inside
the commands: `vzwatch --help` loads every command module and needs none of
them (see vzwatch.cli).
"""

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    ChosenIdOption,
    FormatOption,
    IdArgument,
    JsonFlag,
    NoColorFlag,
    OutputFormat,
    QuarterHelp,
    SourceOption,
    StoreOption,
    TodayOption,
    app,
    as_of_title,
    chosen_format,
    emit,
    emit_json,
    emit_stored,
    initiatives_output,
    locate,
    locate_all,
    row_count,
    today_from,
    warn,
)
from vzwatch.cli.filters import (
    ActiveInFilter,
    Criteria,
    OwnerFilter,
    PartnerFilter,
    PillarFilter,
    StatusFilter,
    TagFilter,
    make_filters,
)
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.text import visible

if TYPE_CHECKING:
    from vzwatch.render.console import Console
    from vzwatch.storage.store import StoreLocation


@app.command("list")
def list_command(
    file: StoreOption = None,
    status: StatusFilter = None,
    pillar: PillarFilter = None,
    tag: TagFilter = None,
    partner: PartnerFilter = None,
    owner: OwnerFilter = None,
    active_in: ActiveInFilter = None,
    today: TodayOption = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            parser=row_count,
            help="Show at most N rows in the table (default 100).",
            show_default=False,
        ),
    ] = 100,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="Show every row.")] = False,
    blocked: Annotated[
        bool, typer.Option("--blocked", help="Only those an unfinished dependency blocks.")
    ] = False,
    ready: Annotated[
        bool, typer.Option("--ready", help="Only unfinished ones that nothing blocks.")
    ] = False,
    output_format: FormatOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """List initiatives, sorted by timeline.

    Tables stop after --limit rows and say how many more there are; JSON
    always holds every match. Beyond 200 rows the table becomes plain lines.

    \b
    Example:
      vzwatch list --status planned --active-in Q1-2025
    """
    from vzwatch.cli import views
    from vzwatch.operations import reading

    fmt = chosen_format(output_format, json_output)
    locations, day, rows = locate_all(file), today_from(today), None if show_all else limit
    as_of = None if today is None else day
    criteria = Criteria(status, pillar, tag, partner, owner, active_in)
    if len(locations) > 1:
        combined = views.selected(locations, day, criteria, as_of=as_of)
        heading = as_of_title(today, day)
        emit(fmt, views.combined_output(combined, today=day, title=heading, table_rows=rows))
        return
    snapshot = reading.open_snapshot(locations[0], as_of=as_of)
    wanted = blocked or ready or fmt is OutputFormat.json
    found = reading.blocked_in(snapshot, day) if wanted else None
    chosen = reading.only_blocked(
        snapshot.select(make_filters(snapshot.settings, day, criteria)),
        found,
        blocked_only=blocked,
        ready_only=ready,
    )
    output = initiatives_output(
        chosen,
        lambda: snapshot.fields,
        title=as_of_title(today, day),
        table_rows=rows,
        snapshot=snapshot,
        blocked=found,
    )
    emit(fmt, output)


@app.command("show")
def show_command(
    initiative_id: IdArgument,
    file: StoreOption = None,
    today: TodayOption = None,
    output_format: FormatOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Show one initiative in full, with its ledger: announced, revisions, progress, sources.

    \b
    Example:
      vzwatch show election --as-of 2025-02-15
    """
    from vzwatch.domain.dependencies import blocked_by
    from vzwatch.formats import contract
    from vzwatch.operations import reading

    fmt = chosen_format(output_format, json_output)
    day = today_from(today)
    portfolio = reading.open_portfolio(locate(file), as_of=None if today is None else day)
    initiative = portfolio.find(initiative_id)
    blocked = blocked_by(portfolio, today_from(today))
    listed = initiatives_output([initiative], portfolio)

    def detail(console: "Console") -> None:
        from vzwatch.render.milestones import print_milestones
        from vzwatch.render.tables import print_initiative

        print_initiative(console, initiative, portfolio, as_of=as_of_title(today, day), today=day)
        print_milestones(console, portfolio.milestones_of(initiative.id), day)

    emit(
        fmt,
        replace(
            listed,
            json=lambda: {
                **contract.initiative_ledger_dict(initiative, portfolio, day),
                "blocked_by": list(blocked.get(initiative.id, ())),
            },
            table=detail,
        ),
    )


@app.command("add")
def add_command(
    title: Annotated[str, typer.Argument(help="The initiative's title.")],
    timeline: Annotated[
        str,
        typer.Option(
            "--timeline",
            "-T",
            metavar="TIMELINE",
            help="'Q1 2025', 'Q3 – Q4 2024', 'H1 2025', 'Ongoing'…",
        ),
    ],
    objective: Annotated[
        str, typer.Option("--objective", "-o", metavar="TEXT", help="What it is for.")
    ] = "",
    pillar: Annotated[
        str | None, typer.Option("--pillar", "-p", metavar="PILLAR", help="Pillar id or name.")
    ] = None,
    partner: Annotated[
        list[str] | None,
        typer.Option("--partner", metavar="PARTNER", help="A partner (repeatable)."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="A tag (repeatable).")
    ] = None,
    status: Annotated[
        str,
        typer.Option(
            "--status", "-s", metavar="STATUS", help="planned, active, done, paused or cancelled."
        ),
    ] = "planned",  # Status.PLANNED, spelled out: command modules import no core module
    ident: ChosenIdOption = None,
    source: SourceOption = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", metavar="OWNER", help="Who answers for it (default: the portfolio's)."
        ),
    ] = None,
    depends_on: Annotated[
        list[str] | None,
        typer.Option("--depends-on", metavar="ID", help="An initiative it waits for (repeatable)."),
    ] = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Add an initiative at the end of the store and print its id.

    \b
    Example:
      vzwatch add "Regional Mediation Summit" --timeline "Q2 2025" \\
        --objective "Bring regional actors together" --pillar dialogue-facilitation \\
        --partner "Lima Group" --tag summit --source japan-wire
    """
    from vzwatch.operations import writing

    location = locate(file)
    _check_new_title(location, title)
    initiative = writing.add_initiative(
        location,
        title=title,
        timeline=timeline,
        objective=objective,
        pillar=pillar,
        partners=partner or (),
        tags=tag or (),
        status=status,
        ident=ident,
        sources=source or (),
        owner=owner,
        depends_on=depends_on or (),
    )
    if json_output:
        emit_stored(location, initiative, today_from(None))
    else:
        sys.stdout.write(f"{initiative.id}\n")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _check_new_title(location: "StoreLocation", title: str) -> None:
    """A title the store already has: asked about in a terminal, else a warning."""
    from vzwatch.operations import reading

    same = reading.titled(location, title.strip())
    if not same:
        return
    shown = f"'{visible(title.strip())}' is already the title of {', '.join(same)}"
    if _stdin_is_terminal():
        if not typer.confirm(f"{shown}. Add another initiative with it?", default=False):
            sys.stdout.write("Nothing added.\n")
            raise typer.Exit(ExitCode.OK)
    else:
        warn(f"{shown}; adding another (give --id to name it)")


@app.command("due")
def due_command(
    quarter: Annotated[
        str, typer.Option("--quarter", "-Q", metavar="QUARTER", help=QuarterHelp)
    ] = "this",
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Also list unfinished ones that ended earlier.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing at all when nothing is due.")
    ] = False,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when anything is listed, 0 when not.")
    ] = False,
    owner: OwnerFilter = None,
    today: TodayOption = None,
    file: StoreOption = None,
    output_format: FormatOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """List unfinished initiatives whose timeline ends in a quarter (default: this one),
    and open milestones of that quarter.

    \b
    Examples:
      vzwatch due --quarter Q1-2025
      vzwatch due --overdue --quiet --exit-code     # for cron
      vzwatch due --owner "Election Desk"           # one desk's mail
    """
    from vzwatch.cli import views

    fmt = chosen_format(output_format, json_output)
    day = today_from(today)
    found, target, output = views.due_output(
        locate_all(file),
        quarter,
        today=day,
        overdue=overdue,
        as_of=today is not None,
        owner=owner,
    )
    if not found and fmt is OutputFormat.table:
        if not quiet:
            sys.stdout.write((as_of_title(today, day, f"Nothing due in {target}") or "") + ".\n")
    elif found or not quiet:
        emit(fmt, output)
    if exit_code and found:
        raise typer.Exit(ExitCode.FOUND)


@app.command("where")
def where_command(
    file: StoreOption = None, json_output: JsonFlag = False, no_color: NoColorFlag = False
) -> None:
    """Print which store file is used, and why.

    \b
    Example:
      VZWATCH_FILE=~/desk.toml vzwatch where
    """
    location = locate(file)
    note = ""
    if not location.exists:
        created_as = "a copy of the bundled data" if location.source == "user" else "an empty store"
        note = f" (does not exist yet; the first write creates it as {created_as})"
    if json_output:
        info = {
            "path": str(location.path),
            "source": location.source,
            "reason": location.reason,
            "exists": location.exists,
        }
        emit_json(info)
    else:
        sys.stdout.write(f"{visible(str(location.path))}\n  from: {location.reason}{note}\n")
