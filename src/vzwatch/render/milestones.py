"""Milestones for people: an initiative's list (`show`) and the ones due (`due`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from vzwatch.domain.portfolio import Initiative, Milestone
from vzwatch.domain.schema import MILESTONE
from vzwatch.render.tables import user_text

_STATE_STYLES = {"open": "", "overdue": "bold red"}


def state_text(milestone: Milestone, today: date) -> Text:
    """ "done 2025-02-20" (green), "overdue" (red) or "open"."""
    state = milestone.state(today)
    return Text(state, style=_STATE_STYLES.get(state, "green"))


def milestones_table(milestones: Sequence[Milestone], today: date) -> Table:
    """An initiative's milestones: quarter, title and id, and done date or overdue."""
    table = Table(box=box.SIMPLE_HEAD, title_justify="left", title="Milestones", pad_edge=False)
    table.add_column(MILESTONE.field("quarter").label, no_wrap=True)
    table.add_column("Milestone / id", overflow="fold")
    table.add_column("State", no_wrap=True)
    for milestone in milestones:
        name = user_text(milestone.title)
        name.append(Text(f"\n{milestone.id}", style="dim"))
        table.add_row(str(milestone.quarter), name, state_text(milestone, today))
    return table


def print_milestones(console: Console, milestones: Sequence[Milestone], today: date) -> None:
    """`show`'s milestones section (nothing when the initiative has none)."""
    if milestones:
        console.print(milestones_table(milestones, today))


def print_due_milestones(
    console: Console,
    milestones: Sequence[Milestone],
    owners: Mapping[str, Initiative],
    today: date,
    *,
    title: str,
) -> None:
    """`due`'s milestone rows, each saying it is a milestone and whose it is."""
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False)
    table.add_column("Kind", no_wrap=True)
    table.add_column(MILESTONE.field("quarter").label, no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("Milestone / id · initiative", overflow="fold", ratio=1)
    for milestone in milestones:
        owner = owners.get(milestone.initiative)
        name = user_text(milestone.title)
        name.append(Text(f"\n{milestone.id} · ", style="dim"))
        name.append(user_text(owner.title if owner else milestone.initiative, style="dim"))
        table.add_row("milestone", str(milestone.quarter), state_text(milestone, today), name)
    console.print(table)
