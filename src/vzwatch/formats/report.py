"""The report's text forms: the JSON object, flat rows (CSV, JSON Lines), Markdown.

Pure, like ``jsonout`` and ``formats``: no Rich. The JSON object is a contract
(README, "vzwatch report"): keys are never removed or renamed, only added.
"""

from __future__ import annotations

from typing import Any

from vzwatch.domain.ledger import Promises
from vzwatch.domain.report import Change, Group, InitiativeReport, Report
from vzwatch.domain.schema import join_texts
from vzwatch.domain.text import visible
from vzwatch.formats.citations import Footnotes
from vzwatch.formats.contract import timeline_fields
from vzwatch.formats.tabular import markdown_cell, markdown_table

REPORT_COLUMNS = (
    "group",
    "id",
    "title",
    "pillar",
    "status",
    "start",
    "end",
    "ongoing",
    "progress",
    "expected",
    "gap",
    "health",
    "forecast",
    "forecast_late",
    "finished",
    "due",
    "last_update",
    # contract 2: pillar is the id everywhere; the name, the group's key and the stall follow
    "pillar_name",
    "group_key",
    "stalled_since",
    "owner",
    "blocked_by",
    "stale",
    # contract 3: blocked_by is the blocked rule's list, as everywhere; the health mark's own
    "lagging_dependency",
)


def _iso(value: object) -> str | None:
    return None if value is None else str(value)


def group_numbers(group: Group) -> dict[str, Any]:
    return {
        "initiatives": group.count,
        "mean_progress": group.mean_progress,
        "done": group.done,
        "due": group.due,
        "overdue": group.overdue,
        "behind": group.behind,
    }


def promises_numbers(promises: Promises) -> dict[str, Any]:
    """The ``promises`` object of a group: how its announced timelines held up."""
    return {
        "kept": promises.kept,
        "late": promises.late,
        "slipped": promises.slipped,
        "not_yet_due": promises.not_yet_due,
        "overdue": promises.overdue,
        "median_slip_quarters": promises.median_slip,
        "worst_slip_quarters": promises.worst_slip,
    }


def initiative_entry(item: InitiativeReport, report: Report) -> dict[str, Any]:
    initiative = item.initiative
    return {
        "id": initiative.id,
        "title": initiative.title,
        "pillar": initiative.pillar,
        "pillar_name": report.portfolio.pillar_name(initiative.pillar)
        if initiative.pillar
        else None,
        "partners": list(initiative.partners),
        "status": initiative.status,
        "timeline": timeline_fields(initiative),
        "progress": item.progress,
        "expected": item.expected,
        "gap": item.gap,
        "health": item.health,
        "last_update": _iso(item.last_update),
        "forecast": _iso(item.forecast),
        "forecast_late": item.forecast_late,
        "finished": _iso(item.finished),
        "due": item.due,
        "stalled_since": _iso(item.stalled_since),
        "owner": item.owner or None,
        "blocked_by": list(item.blocked_by),
        "stale": item.stale,
        "lagging_dependency": item.lagging_dependency,
        **({"portfolio": report.origin[initiative.id]} if report.origin else {}),
    }


def change_entry(change: Change) -> dict[str, Any]:
    return {
        "date": change.on.isoformat(),
        "initiative": change.initiative,
        "title": change.title,
        "kind": change.kind,
        "percent": change.percent,
        "previous": change.previous,
        "note": change.note,
        "from": change.old,
        "to": change.new,
        "sources": list(change.sources),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The documented JSON object of a report."""
    return {
        "quarter": str(report.quarter),
        "today": report.today.isoformat(),
        "since": report.since.isoformat(),
        "by": report.by,
        "totals": {
            **group_numbers(report.totals),
            "promises": promises_numbers(report.promises(report.totals)),
        },
        "groups": [
            {
                "key": group.key or None,
                "label": group.label,
                **group_numbers(group),
                "ids": [item.initiative.id for item in group.items],
                "promises": promises_numbers(report.promises(group)),
            }
            for group in report.groups
        ],
        "initiatives": [initiative_entry(item, report) for item in report.initiatives],
        "changes": [change_entry(change) for change in report.changes],
        # Several stores (vzwatch.domain.combined) only: keys added, never a changed shape.
        **({"notes": list(report.notes)} if report.notes else {}),
    }


def report_rows(report: Report) -> list[dict[str, Any]]:
    """One flat row per initiative and group (an initiative with two partners has two)."""
    rows = []
    for group in report.groups:
        for item in group.items:
            initiative = item.initiative
            timeline = initiative.timeline
            rows.append(
                {
                    "group": group.label,
                    "id": initiative.id,
                    "title": initiative.title,
                    "pillar": initiative.pillar,
                    "status": initiative.status,
                    "start": _iso(timeline.start),
                    "end": _iso(timeline.end),
                    "ongoing": timeline.ongoing,
                    "progress": item.progress,
                    "expected": item.expected,
                    "gap": item.gap,
                    "health": item.health,
                    "forecast": _iso(item.forecast),
                    "forecast_late": item.forecast_late,
                    "finished": _iso(item.finished),
                    "due": item.due,
                    "last_update": _iso(item.last_update),
                    "pillar_name": report.portfolio.pillar_name(initiative.pillar)
                    if initiative.pillar
                    else None,
                    "group_key": group.key or None,
                    "stalled_since": _iso(item.stalled_since),
                    "owner": item.owner,
                    "blocked_by": join_texts(item.blocked_by),
                    "stale": item.stale,
                    "lagging_dependency": item.lagging_dependency or "",
                    **({"portfolio": report.origin[initiative.id]} if report.origin else {}),
                }
            )
    return rows


def report_columns(report: Report) -> tuple[str, ...]:
    """The CSV columns: ``portfolio`` last when the report holds several stores."""
    return (*REPORT_COLUMNS, "portfolio") if report.origin else REPORT_COLUMNS


def percent_text(value: int | None) -> str:
    """'40%', or '—' when there is no number (an ongoing timeline expects none)."""
    return "—" if value is None else f"{value}%"


def _summary_row(label_cell: str, group: Group) -> list[str]:
    numbers = (group.done, group.due, group.overdue, group.behind)
    return [label_cell, str(group.count), percent_text(group.mean_progress), *map(str, numbers)]


def change_text(change: Change) -> str:
    """'progress 20% → 40%', 'progress 40%', 'status planned → done'.

    ``from`` is free text in the store (only ``to`` must be a status), so it is
    shown with control characters escaped, like any user text.
    """
    if change.kind in ("status", "timeline", "objective"):
        old, new = visible(change.old or "") or "—", visible(change.new or "") or "—"
        return f"{change.kind} {old} → {new}"
    if change.previous is None:
        return f"progress {change.percent}%"
    return f"progress {change.previous}% → {change.percent}%"


def promises_text(promises: Promises) -> str:
    """'Kept on time 1 · delivered late 0 · slipped 1 (median +2, worst +2 quarters) · …'."""
    slipped = f"slipped {promises.slipped}"
    if promises.worst_slip is not None and promises.median_slip is not None:
        median = f"{promises.median_slip:+g}"
        slipped += f" (median {median}, worst {promises.worst_slip:+d} quarters)"
    return (
        f"kept on time {promises.kept} · delivered late {promises.late} · {slipped} · "
        f"not yet due {promises.not_yet_due} · overdue {promises.overdue}"
    )


def report_markdown(report: Report) -> str:
    """The report as a Markdown document to paste into a briefing: headings, tables and
    the sources cited as numbered footnotes."""
    notes = Footnotes(report.portfolio)
    quarter = report.quarter_label
    lines = [
        f"## Progress report: {markdown_cell(quarter)}",
        "",
        f"As of {report.today.isoformat()}, by {report.by}; "
        f"changes since {report.since.isoformat()}.",
        "",
    ]
    lines += [item for note in report.notes for item in (f"Note: {markdown_cell(note)}", "")]
    summary = [_summary_row(markdown_cell(group.label), group) for group in report.groups]
    summary.append(_summary_row("**All**", report.totals))
    lines += markdown_table(
        [
            report.group_heading,
            "Initiatives",
            "Mean progress",
            "Done",
            f"Due in {quarter}",
            "Overdue",
            "Behind",
        ],
        summary,
    )
    if not report.initiatives:
        lines += ["", f"No initiatives are active in {quarter}."]
    for group in report.groups:
        lines += ["", f"### {markdown_cell(group.label)}", ""]
        lines += markdown_table(
            ["Initiative", "Timeline", "Status", "Progress", "Expected", "Health", "Forecast"],
            [
                [
                    markdown_cell(item.initiative.title) + notes.refs(item.initiative.sources),
                    item.initiative.timeline.label,
                    item.initiative.status,
                    percent_text(item.progress),
                    percent_text(item.expected),
                    item.health_label,
                    markdown_cell(item.forecast_label),
                ]
                for item in group.items
            ],
        )
        lines += ["", f"Promises vs delivery: {promises_text(report.promises(group))}."]
    lines += ["", f"### Changes since {report.since.isoformat()}", ""]
    if report.changes:
        lines += markdown_table(
            ["Date", "Initiative", "Change", "Note"],
            [
                [
                    change.on.isoformat(),
                    markdown_cell(change.title),
                    markdown_cell(change_text(change)) + notes.refs(change.sources),
                    markdown_cell(change.note),
                ]
                for change in report.changes
            ],
        )
    else:
        lines.append("No progress entries, status changes or revisions.")
    if notes.numbers:
        lines += ["", "### Sources", "", *notes.lines()]
    return "\n".join(lines) + "\n"
