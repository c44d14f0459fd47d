"""`vzwatch import` and `vzwatch export`: initiatives in from articles and JSON, out to files."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    JsonFlag,
    NoColorFlag,
    StoreOption,
    TodayOption,
    app,
    emit_json,
    locate,
    locate_all,
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
from vzwatch.domain.text import counted, is_utf8_stream, visible

if TYPE_CHECKING:
    from vzwatch.domain.portfolio import HistoryEntry
    from vzwatch.domain.quarters import FiscalCalendar
    from vzwatch.formats.sources import Parsed
    from vzwatch.operations.importing import ImportPlan

# A meter is worth drawing only when the import takes a moment.
METER_THRESHOLD = 200


class ImportFormat(StrEnum):
    auto = "auto"
    markdown = "markdown"
    json = "json"


class ExportFormat(StrEnum):
    ics = "ics"
    csv = "csv"
    json = "json"
    markdown = "markdown"
    mermaid = "mermaid"


def _say(kind: str, message: str) -> None:
    sys.stderr.write(f"vzwatch: {kind}: {visible(message)}\n")


@app.command("import")
def import_command(
    source_file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A Markdown article or JSON; '-' reads stdin.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            metavar="ID|TEXT",
            help="A [[sources]] id to cite (changed timelines become revisions), "
            "or text saying where the data came from.",
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the valid rows even if some are invalid."),
    ] = False,
    input_format: Annotated[
        ImportFormat,
        typer.Option("--format", "-F", case_sensitive=False, help="auto, markdown or json."),
    ] = ImportFormat.auto,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Import initiatives from a Markdown article's tables or from vzwatch JSON.

    Matches existing initiatives by id, then by title, so importing twice adds
    nothing; changed fields are updated, new progress entries appended.

    \b
    Examples:
      vzwatch import article.md --dry-run
      vzwatch import article.md --source "Japan Wire, 2024-07-01"
      vzwatch import follow-up.md --source kyodo-news --dry-run
      vzwatch list --json > all.json && vzwatch import all.json --file other.toml
    """
    from vzwatch.domain import userinput
    from vzwatch.formats import sources
    from vzwatch.operations.importing import Citation, current_portfolio, run_import

    location = locate(file)
    portfolio = current_portfolio(location)
    name, data = _read_source(source_file)
    text = sources.decode_source(data, name)
    fmt: sources.Format = (
        sources.detect_format(name, text)
        if input_format is ImportFormat.auto
        else "json"
        if input_format is ImportFormat.json
        else "markdown"
    )
    try:
        parsed = sources.parse(text, fmt, portfolio.fiscal, today_from(None))
    except UsageError as error:
        raise UsageError(f"{name}: {error.message}") from None
    _report_problems(name, parsed, skip_invalid)
    if not parsed.candidates:
        raise UsageError(f"{name}: no initiatives to import")
    cites, label = userinput.sources_or_text(portfolio, source or ())
    cited = Citation(cites, today_from(None)) if cites else None
    with _meter(len(parsed.candidates), enabled=not json_output) as tick:
        plan = run_import(location, parsed, source=label, cited=cited, dry_run=dry_run, tick=tick)
    if json_output:
        emit_json(_plan_json(plan, parsed, dry_run, name))
    else:
        _print_plan(plan, name, parsed, dry_run, portfolio.fiscal)


def _read_source(path: Path) -> tuple[str, bytes]:
    if str(path) == "-":
        return "stdin", sys.stdin.buffer.read()
    name = visible(str(path))
    try:
        return str(path), path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{name} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{name} is a directory; import a Markdown or JSON file") from None
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror or error}") from None


def _report_problems(name: str, parsed: "Parsed", skip_invalid: bool) -> None:
    for note in parsed.notes:
        _say("note", f"{name}: {note}")
    if not parsed.problems:
        return
    for problem in parsed.problems:
        _say("warning" if skip_invalid else "error", f"{name}: {problem}")
    if not skip_invalid:
        bad, good = len(parsed.problems), len(parsed.candidates)
        rows = "row is" if bad == 1 else "rows are"
        if good:
            valid = f"the {good} valid one" + ("" if good == 1 else "s")
            hint = f"fix them, or pass --skip-invalid to import {valid}"
        else:
            hint = "no row is valid"
        raise UsageError(f"{bad} {rows} invalid; nothing was imported ({hint})")


@contextmanager
def _meter(total: int, *, enabled: bool) -> Iterator[Callable[[], None] | None]:
    """A meter on stderr for large imports in a terminal; otherwise nothing."""
    if not (enabled and total >= METER_THRESHOLD and sys.stderr.isatty()):
        yield None
        return
    from vzwatch.render.meter import meter

    with meter("Importing", total) as tick:
        yield tick


def _plan_json(plan: "ImportPlan", parsed: "Parsed", dry_run: bool, name: str) -> dict[str, object]:
    from vzwatch.formats.contract import problem_json, timeline_fields

    return {
        "dry_run": dry_run,
        "format": parsed.format,
        "added": plan.count("add"),
        "updated": plan.count("update"),
        "unchanged": plan.count("unchanged"),
        "changes": [
            {
                "action": step.action,
                "id": step.id,
                "title": step.title,
                "timeline": timeline_fields(step.candidate),
                "fields": list(step.fields),
                "progress_added": step.progress_added,
                "history_added": step.history_added,
                "from": step.candidate.where,
                "revisions": [
                    {"field": entry.field, "from": entry.old, "to": entry.new}
                    for entry in step.revisions
                ],
            }
            for step in plan.steps
        ],
        "skipped": [problem_json(name, problem) for problem in parsed.problems],
    }


def _revision_text(entry: "HistoryEntry", fiscal: "FiscalCalendar") -> str:
    """``timeline: Q1-2025 → Q3-2025 (+2 quarters)``, ``objective: old → new``."""
    from vzwatch.domain.ledger import shift_text

    if entry.field == "timeline":
        return f"timeline: {shift_text(entry.old, entry.new, fiscal)}"
    return f"{entry.field}: {visible(entry.old) or '—'} → {visible(entry.new) or '—'}"


def _print_plan(
    plan: "ImportPlan", name: str, parsed: "Parsed", dry_run: bool, fiscal: "FiscalCalendar"
) -> None:
    verbs = {"add": "add", "update": "update", "unchanged": "unchanged"}
    if dry_run:
        verbs = {"add": "would add", "update": "would update", "unchanged": "unchanged"}
    kind = "Markdown" if parsed.format == "markdown" else "JSON"
    lines = [f"{visible(name)} ({kind}): {counted(len(plan.steps), 'initiative')}"]
    id_width = max(len(step.id) for step in plan.steps)
    verb_width = max(len(verbs[step.action]) for step in plan.steps)
    for step in plan.steps:
        detail = ""
        if step.fields:
            detail = " (" + ", ".join(step.fields) + ")"
        if step.progress_added:
            detail += f" +{step.progress_added} progress"
        if step.history_added:
            detail += f" +{step.history_added} status history"
        lines.append(
            f"  {verbs[step.action]:<{verb_width}}  {step.id:<{id_width}}  "
            f"{visible(step.title)}  [{step.timeline}]{detail}"
        )
        lines += [f"      {_revision_text(entry, fiscal)}" for entry in step.revisions]
    added, updated = ("to add", "to update") if dry_run else ("added", "updated")
    summary = (
        f"{plan.count('add')} {added}, {plan.count('update')} {updated}, "
        f"{plan.count('unchanged')} unchanged"
    )
    if parsed.problems:
        summary += f", {len(parsed.problems)} invalid skipped"
    lines.append(f"Dry run: nothing written ({summary})." if dry_run else f"Imported: {summary}.")
    sys.stdout.write("\n".join(lines) + "\n")


@app.command("export")
def export_command(
    output_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-F", case_sensitive=False, help="ics, csv, json, markdown or mermaid."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", metavar="FILE", help="Write to FILE (default: stdout).", show_default=False
        ),
    ] = None,
    status: StatusFilter = None,
    pillar: PillarFilter = None,
    tag: TagFilter = None,
    partner: PartnerFilter = None,
    owner: OwnerFilter = None,
    active_in: ActiveInFilter = None,
    tasks: Annotated[
        bool,
        typer.Option(
            "--tasks", help="ICS: write tasks (VTODO, with percent complete), not events."
        ),
    ] = False,
    today: TodayOption = None,
    file: StoreOption = None,
    no_color: NoColorFlag = False,
) -> None:
    """Export initiatives to a calendar (ICS), a spreadsheet (CSV), JSON, Markdown or Mermaid.

    Mermaid is a fenced gantt chart that git hosts draw in a README.

    \b
    Examples:
      vzwatch export --format ics --output initiatives.ics
      vzwatch export --format csv --status planned > planned.csv
      vzwatch export --format json --output backup.json
      vzwatch export --format mermaid >> README.md
    """
    from vzwatch.cli import views

    if tasks and output_format is not ExportFormat.ics:
        raise UsageError("--tasks applies to --format ics only")
    locations, day = locate_all(file), today_from(today)
    criteria = Criteria(status, pillar, tag, partner, owner, active_in)
    combined = views.selected(locations, day, criteria, as_of=None if today is None else day)
    ascii_only = output is None and not is_utf8_stream(sys.stdout)
    text = views.export_text(
        output_format.value, combined, today=day, tasks=tasks, ascii_only=ascii_only
    )
    if output is None:
        sys.stdout.write(text)
        return
    from vzwatch.storage.output import write_output

    write_output(output, text, store=[location.path for location in locations])
    count = len(combined.portfolio.initiatives)
    sys.stderr.write(f"wrote {counted(count, 'initiative')} to {visible(str(output))}\n")
