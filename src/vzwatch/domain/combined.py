"""Several stores in one view: their initiatives side by side, each marked with its portfolio.

Pure, like every domain module. Each store is read and queried on its own
(its fiscal calendar reads the quarters typed for it); what a command chose
from each is then put together here. An initiative keeps its id unless
another store has the same one: then it is shown as ``portfolio:id``. A
pillar id that two stores name differently is kept apart the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from vzwatch.domain.portfolio import Initiative, Milestone, Pillar, Portfolio, Source
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.queries import as_of, sort_by_timeline
from vzwatch.domain.report import (
    Group,
    InitiativeReport,
    Report,
    blocking_in,
    changes_between,
    group_items,
    in_scope,
    initiative_report,
)

__all__ = ["Combined", "Member", "combine", "combined_report", "store_label"]


@dataclass(frozen=True, slots=True)
class Member:
    """One store of a view: its name for people, its records, what was chosen from it."""

    label: str
    portfolio: Portfolio
    initiatives: tuple[Initiative, ...]
    quarter: Quarter | None = None  # the quarter the command was asked about, in its calendar


@dataclass(frozen=True, slots=True)
class Combined:
    """The chosen initiatives of every store as one portfolio, ids made distinct."""

    portfolio: Portfolio
    origin: Mapping[str, str]  # shown id -> the label of its store
    members: tuple[Member, ...]


def store_label(title: str, file_name: str) -> str:
    """A store's name in a view: its ``[portfolio] title``, else its file name."""
    return title.strip() or file_name


def distinct_labels(labels: Sequence[str]) -> list[str]:
    """The labels, with a number added to repeats ("Budget", "Budget (2)")."""
    seen: Counter[str] = Counter()
    out = []
    for label in labels:
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def combine(members: Sequence[Member]) -> Combined:
    """One portfolio of every member's chosen initiatives (store order, then as chosen).

    A single store stays itself (its title, source and ids), holding what was chosen.
    """
    if len(members) == 1:
        (member,) = members
        portfolio = replace(member.portfolio, initiatives=member.initiatives)
        return Combined(portfolio, {i.id: member.label for i in member.initiatives}, (member,))
    id_counts = Counter(initiative.id for member in members for initiative in member.initiatives)
    pillar_names: dict[str, set[str]] = {}
    for member in members:
        for pillar in member.portfolio.pillars:
            pillar_names.setdefault(pillar.id, set()).add(pillar.name)
    pillars: dict[str, Pillar] = {}
    initiatives: list[Initiative] = []
    milestones: list[Milestone] = []
    origin: dict[str, str] = {}
    for member in members:
        renamed: dict[str, str] = {}
        shown_ids: dict[str, str] = {}
        for pillar in member.portfolio.pillars:
            shown = pillar.id
            if len(pillar_names[pillar.id]) > 1:
                shown = f"{member.label}:{pillar.id}"
            renamed[pillar.id] = shown
            pillars.setdefault(shown, pillar._replace(id=shown))
        for initiative in member.initiatives:
            shown_id = initiative.id
            if id_counts[initiative.id] > 1:
                shown_id = f"{member.label}:{initiative.id}"
            pillar_id = initiative.pillar and renamed.get(initiative.pillar, initiative.pillar)
            initiatives.append(replace(initiative, id=shown_id, pillar=pillar_id or None))
            origin[shown_id] = member.label
            shown_ids[initiative.id] = shown_id
        milestones += (
            milestone._replace(initiative=shown_ids[milestone.initiative])
            for milestone in member.portfolio.milestones
            if milestone.initiative in shown_ids
        )
    partners = dict.fromkeys(p for member in members for p in member.portfolio.partners)
    # Cited sources by id; a source id two stores use names the first store's record.
    sources: dict[str, Source] = {}
    for member in members:
        for source in member.portfolio.sources:
            sources.setdefault(source.id, source)
    portfolio = Portfolio(
        initiatives=tuple(initiatives),
        pillars=tuple(pillars.values()),
        sources=tuple(sources.values()),
        milestones=tuple(milestones),
        title=" · ".join(member.label for member in members),
        partners=tuple(partners),
        fiscal=members[0].portfolio.fiscal if members else Portfolio(()).fiscal,
    )
    return Combined(portfolio, origin, tuple(members))


def quarter_notes(members: Sequence[Member], asked: str) -> tuple[str, ...]:
    """Where the stores' calendars read ``asked`` as different quarters, one note saying so."""
    quarters = {member.quarter for member in members if member.quarter is not None}
    if len(quarters) <= 1:
        return ()
    each = ", ".join(f"{member.label}: {member.quarter}" for member in members)
    return (f"'{asked}' is a different quarter in each store's fiscal calendar ({each})",)


def _judged_in_own_store(
    members: Sequence[Member],
    seen: Sequence[Portfolio],
    origin: Mapping[str, str],
    today: date,
    quarters: Mapping[str, Quarter],
) -> dict[str, InitiativeReport]:
    """Each initiative's line judged within its own store (what blocks it, whether it is
    stale, its owner: its store's rules), keyed by its id in the combined view."""

    def shown(label: str, ident: str) -> str:  # as combine() names it: portfolio:id on a clash
        return ident if origin.get(ident) == label else f"{label}:{ident}"

    judged: dict[str, InitiativeReport] = {}
    for member, portfolio in zip(members, seen, strict=True):
        label = member.label
        blocking = blocking_in(portfolio, today)
        for initiative in portfolio.initiatives:
            item = initiative_report(initiative, today, quarters[label], portfolio, blocking)
            lagging = item.lagging_dependency
            judged[shown(label, initiative.id)] = replace(
                item,
                blocked_by=tuple(shown(label, ident) for ident in item.blocked_by),
                lagging_dependency=shown(label, lagging) if lagging else None,
            )
    return judged


def combined_report(
    members: Sequence[Member], *, today: date, by: str, since: date | None, asked: str
) -> Report:
    """One report over several stores; each store's initiatives are judged in its own quarter.

    ``by`` may also be ``portfolio``: a group per store, in the order given.
    """
    # Each store as of today in its own calendar (a revised timeline reads as it wrote it).
    seen = [as_of(member.portfolio, today) for member in members]
    combined = combine(
        [
            replace(member, portfolio=portfolio, initiatives=portfolio.initiatives)
            for member, portfolio in zip(members, seen, strict=True)
        ]
    )
    quarters = {m.label: m.quarter or Quarter.containing(today) for m in members}
    whole = as_of(combined.portfolio, today)  # entries dated after today do not exist yet
    judged = _judged_in_own_store(members, seen, combined.origin, today, quarters)
    items = tuple(
        replace(judged[initiative.id], initiative=initiative)
        for initiative in sort_by_timeline(whole.initiatives)
        if in_scope(initiative, quarters[combined.origin[initiative.id]])
    )
    first = members[0].quarter or Quarter.containing(today)
    notes = quarter_notes(members, asked)
    starts = [since] if since is not None else [q.start_date for q in quarters.values()]
    window_start = min(starts)
    if by == "portfolio":
        groups = tuple(
            Group(
                m.label,
                m.label,
                tuple(i for i in items if combined.origin[i.initiative.id] == m.label),
            )
            for m in members
        )  # every store, even one with nothing in scope
    else:
        groups = group_items(whole, items, by)
    return Report(
        quarter=first,
        today=today,
        since=window_start,
        by=by,
        groups=groups,
        initiatives=items,
        changes=changes_between(whole, window_start, today),
        portfolio=whole,
        notes=notes,
        origin=combined.origin,
        quarter_text=asked if notes else "",
    )
