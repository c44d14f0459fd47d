"""Commands that change existing initiatives: progress, edit, remove.

Each parses its options, calls ``vzwatch.operations.writing`` (imported inside the
commands, see vzwatch.cli) and prints one line (or the stored record as
JSON). The operations themselves live in the core.
"""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    EntryTodayOption,
    IdArgument,
    JsonFlag,
    NoColorFlag,
    SourceOption,
    StoreOption,
    YesFlag,
    app,
    emit_json,
    emit_stored,
    entry_day_from,
    locate,
    warn,
)
from vzwatch.domain.errors import UsageError
from vzwatch.domain.text import counted, visible

if TYPE_CHECKING:
    from vzwatch.domain.portfolio import HistoryEntry


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _confirm(question: str) -> bool:
    """Ask yes or no, as git does: Ctrl-D (end of input) is no, Ctrl-C aborts
    on a line of its own, and anything else asks again."""
    for _ in range(3):
        try:
            answer = input(f"{question} [y/N]: ").strip().lower()
        except EOFError:
            sys.stdout.write("\n")
            return False
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            sys.stdout.flush()
            raise typer.Abort() from None
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        sys.stdout.write("Please answer y or n.\n")
    return False


def confirmed_removal(ident: str, question: str, *, what: str = "") -> bool:
    """Whether the user agrees, in a terminal, to remove ``ident`` (``what``: "milestone "…).
    Without a terminal to ask it is a usage error pointing at --yes; a no prints
    ``Nothing removed.``."""
    if not _stdin_is_terminal():
        raise UsageError(
            f"not removing {what}'{ident}' without confirmation: no terminal to ask; use --yes"
        )
    if _confirm(question):
        return True
    sys.stdout.write("Nothing removed.\n")
    return False


def _status_line(change: "HistoryEntry | None") -> str:
    if change is None:
        return ""
    return f"{change.initiative}: status {change.old} → {change.new}\n"


# PERCENT may be written -5 (then refused as a percent, not taken for an option).
@app.command("progress", context_settings={"ignore_unknown_options": True})
def progress_command(
    initiative_id: IdArgument,
    percent: Annotated[str, typer.Argument(metavar="PERCENT", help="0 to 100.")],
    note: Annotated[str, typer.Option("--note", "-m", metavar="TEXT", help="What happened.")] = "",
    on: Annotated[
        str | None,
        typer.Option(
            "--date", "-d", metavar="DATE", help="2025-02-14 (default: today).", show_default=False
        ),
    ] = None,
    keep_status: Annotated[
        bool, typer.Option("--keep-status", help="Do not mark the initiative done at 100%.")
    ] = False,
    source: SourceOption = None,
    today: EntryTodayOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Record how far an initiative has come, as a dated entry at the end of the store.

    Reaching 100% (as the latest-dated entry) marks the initiative done, unless --keep-status.

    \b
    Example:
      vzwatch progress election 40 --note "Teams deployed" --date 2025-03-31 --source kyodo
    """
    from vzwatch.domain import userinput
    from vzwatch.operations import writing

    location = locate(file)
    recorded = writing.record_progress(
        location,
        initiative_id,
        userinput.percent(percent),
        today=entry_day_from(today),
        on=userinput.date(on, "--date") if on is not None else None,
        note=note,
        keep_status=keep_status,
        sources=source or (),
    )
    initiative = recorded.initiative
    if initiative.status == "done" and initiative.progress < 100:
        warn(
            f"{initiative.id} is done but now at {initiative.progress}%: "
            f"`vzwatch edit {initiative.id} --status active` if the work resumed"
        )
    if json_output:
        emit_stored(location, initiative, entry_day_from(today))
        return
    entry = recorded.entry
    sys.stdout.write(
        f"{initiative.id}: {entry.percent}% on {entry.on} "
        f"(progress was {recorded.previous}%, now {initiative.progress}%)\n"
        + _status_line(recorded.status_change)
    )


@app.command("edit")
def edit_command(
    initiative_id: IdArgument,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="New title.")] = None,
    objective: Annotated[
        str | None,
        typer.Option("--objective", "-o", metavar="TEXT", help="New objective ('' removes it)."),
    ] = None,
    timeline: Annotated[
        str | None,
        typer.Option(
            "--timeline", "-T", metavar="TIMELINE", help="'Q1 2025', 'Q3 – Q4 2024', 'Ongoing'…"
        ),
    ] = None,
    pillar: Annotated[
        str | None,
        typer.Option("--pillar", "-p", metavar="PILLAR", help="Pillar id or name ('' removes it)."),
    ] = None,
    add_partner: Annotated[
        list[str] | None,
        typer.Option(
            "--add-partner", "--partner", metavar="PARTNER", help="Add a partner (repeatable)."
        ),
    ] = None,
    remove_partner: Annotated[
        list[str] | None,
        typer.Option("--remove-partner", metavar="PARTNER", help="Remove a partner (repeatable)."),
    ] = None,
    add_tag: Annotated[
        list[str] | None,
        typer.Option("--add-tag", "--tag", "-t", metavar="TAG", help="Add a tag (repeatable)."),
    ] = None,
    remove_tag: Annotated[
        list[str] | None,
        typer.Option("--remove-tag", metavar="TAG", help="Remove a tag (repeatable)."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", "-s", metavar="STATUS", help="planned, active, done, paused or cancelled."
        ),
    ] = None,
    source: SourceOption = None,
    on: Annotated[
        str | None,
        typer.Option("--date", "-d", metavar="DATE", help="Day of the change (default: today)."),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="OWNER", help="Who answers for it ('' removes it)."),
    ] = None,
    depends_on: Annotated[
        list[str] | None,
        typer.Option("--depends-on", metavar="ID", help="Wait for this initiative (repeatable)."),
    ] = None,
    remove_depends_on: Annotated[
        list[str] | None,
        typer.Option("--remove-depends-on", metavar="ID", help="Stop waiting for it (repeatable)."),
    ] = None,
    review_every: Annotated[
        str | None,
        typer.Option(
            "--review-every",
            metavar="PERIOD",
            help="'30 days', 'monthly', 'quarterly'… ('' removes it).",
        ),
    ] = None,
    today: EntryTodayOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Change an initiative in place; its id, comments and other keys stay.

    A change of timeline, objective or status is also logged (a revision, dated
    --date or today, citing --source), for `vzwatch slips`, `show` and `report`.

    \b
    Examples:
      vzwatch edit election --status active --add-partner "European Union" --remove-tag elections
      vzwatch edit forums --timeline "Q2 2025" --source kyodo --date 2025-03-03
    """
    from vzwatch.domain import userinput
    from vzwatch.operations import writing

    request = writing.InitiativeEdit(
        title=title,
        objective=objective,
        timeline=timeline,
        pillar=pillar,
        add_partners=add_partner or (),
        remove_partners=remove_partner or (),
        add_tags=add_tag or (),
        remove_tags=remove_tag or (),
        status=status,
        sources=source or (),
        on=userinput.date(on, "--date") if on is not None else None,
        owner=owner,
        add_depends_on=depends_on or (),
        remove_depends_on=remove_depends_on or (),
        review_every=review_every,
    )
    location = locate(file)
    edited = writing.edit_initiative(location, initiative_id, request, today=entry_day_from(today))
    if json_output:
        emit_stored(location, edited.initiative, entry_day_from(today))
    elif edited.changed:
        sys.stdout.write(f"Updated {edited.initiative.id}: {', '.join(edited.changed)}\n")
    else:
        sys.stdout.write(f"No change to {edited.initiative.id}.\n")


@app.command("remove")
def remove_command(
    initiative_id: IdArgument,
    yes: YesFlag = False,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Remove an initiative with its progress and status history, after asking.

    \b
    Example:
      vzwatch remove regional-mediation-summit --yes
    """
    from vzwatch.operations import reading, writing

    location = locate(file)
    if not yes:
        snapshot = reading.open_snapshot(location)  # one read: the record and the milestones
        initiative = snapshot.find(initiative_id)
        progress, history = len(initiative.progress_log), len(initiative.history)
        milestones = sum(m.initiative == initiative.id for m in snapshot.fields.milestones)
        entries = [
            counted(progress, "progress entry", "progress entries") if progress else "",
            counted(history, "status-history entry", "status-history entries") if history else "",
            counted(milestones, "milestone", "milestones") if milestones else "",
        ]
        listed = " and ".join(entry for entry in entries if entry)
        with_them = f" and its {listed}" if listed else ""
        with_them += writing.also_text(writing.removal_also(initiative))
        question = (
            f"Remove '{visible(initiative.title)}' ({initiative.id}){with_them}? "
            "This cannot be undone"
        )
        if not confirmed_removal(initiative.id, question):
            return
        initiative_id = initiative.id  # what was asked about, not what the prefix may match now
    removed = writing.remove_initiative(location, initiative_id)
    if json_output:
        emit_json(
            {
                "removed": removed.initiative.id,
                "progress_entries": removed.progress_entries,
                "history_entries": removed.history_entries,
                **{f"{label}s": count for label, count in removed.also},
            }
        )
    else:
        sys.stdout.write(
            f"Removed {removed.initiative.id} with "
            f"{counted(removed.progress_entries, 'progress entry', 'progress entries')} and "
            f"{counted(removed.history_entries, 'status-history entry', 'status-history entries')}"
            f"{writing.also_text(removed.also)}\n"
        )
