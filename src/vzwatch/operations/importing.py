"""`vzwatch import`: match parsed initiatives against the store and write them in one go.

Matching: by id, then by title (any case). A match whose fields differ is
updated in place with ``tomledit.edit_block`` (comments and layout survive);
new initiatives, missing pillars and missing progress and status history
entries are appended. When the import cites ``[[sources]]`` (``--source ID``),
a changed timeline or objective is also logged as a revision in ``[[history]]``
citing them, dated by the sources' publication (or today), and new
initiatives cite them as their announcement.
Everything happens in one ``write_store`` transaction, planned against the
text read under the lock, so a concurrent writer cannot be overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from vzwatch.domain import ledger
from vzwatch.domain.errors import StoreError, UsageError
from vzwatch.domain.portfolio import (
    HistoryEntry,
    Initiative,
    Portfolio,
    history_record,
    initiative_record,
    milestone_record,
    new_id,
)
from vzwatch.domain.quarters import Timeline
from vzwatch.domain.schema import (
    INDICATOR,
    INITIATIVE,
    LOGS,
    MEASUREMENT,
    MILESTONE,
    ProgressEntry,
    Status,
    ordered,
    record_table,
    toml_value,
)
from vzwatch.domain.text import visible
from vzwatch.formats.sources import Candidate, Parsed
from vzwatch.operations.reading import load_portfolio, open_portfolio
from vzwatch.operations.writing import (
    Plan,
    _Loader,
    edit_record,
    editable,
    store_index,
    write_in_place,
)
from vzwatch.storage import runs
from vzwatch.storage.store import StoreLocation, append_text, write_store
from vzwatch.storage.tomledit import DELETE, Table, TomlEditError, record_value, render_block

__all__ = ["Citation", "ImportPlan", "ImportStep", "plan_import", "run_import"]

Action = Literal["add", "update", "unchanged"]

_NO_PATH = Path("store")
# The order of store keys in messages ("update: objective, timeline"): the released
# order, then fields added to the schema later.
_STORED = {spec.key: spec for spec in INITIATIVE.stored() if spec.key != INITIATIVE.identity}
_FIELD_ORDER = ordered(
    ("title", "objective", "timeline", "status", "pillar", "partners", "tags", "source"), _STORED
)


@dataclass(frozen=True, slots=True)
class ImportStep:
    """What importing one candidate does to the store."""

    action: Action
    id: str
    title: str  # as it will be stored
    candidate: Candidate
    fields: tuple[str, ...] = ()  # the keys an update changes
    progress_added: int = 0
    history_added: int = 0
    record: dict[str, Any] = field(default_factory=dict)  # a new initiative's table
    edits: dict[str, Any] = field(default_factory=dict)  # an update's key -> value/DELETE
    revisions: tuple[HistoryEntry, ...] = ()  # logged timeline/objective changes (cited)

    @property
    def timeline(self) -> Timeline:
        return self.candidate.timeline


@dataclass(slots=True)
class ImportPlan:
    steps: list[ImportStep] = field(default_factory=list)
    new_pillars: dict[str, str] = field(default_factory=dict)  # id -> name
    # New entries, as TOML tables to append, per log table ("progress", "history").
    entries: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            **{spec.of.table: [] for spec in LOGS if spec.of},
            MEASUREMENT.table: [],
        }
    )
    # Indicator ids taken by the store or by this import (ids are store-wide).
    indicator_ids: set[str] = field(default_factory=set)

    # Milestones: new ones as TOML tables to append, changed ones by id -> key edits.
    new_milestones: list[dict[str, Any]] = field(default_factory=list)
    milestone_edits: dict[str, dict[str, Any]] = field(default_factory=dict)

    def count(self, action: Action) -> int:
        return sum(1 for step in self.steps if step.action == action)


@dataclass(frozen=True, slots=True)
class Citation:
    """What an import cites: ``[[sources]]`` ids, and the day its revisions are dated."""

    sources: tuple[str, ...]
    today: date

    def day(self, portfolio: Portfolio) -> date:
        return ledger.sources_date(portfolio, self.sources) or self.today


def plan_import(
    portfolio: Portfolio,
    candidates: Sequence[Candidate],
    *,
    source: str | None = None,
    cited: Citation | None = None,
) -> ImportPlan:
    """Decide, for each candidate, whether it adds, updates or leaves an initiative."""
    plan = ImportPlan()
    plan.indicator_ids = {i.id for item in portfolio.initiatives for i in item.indicators}
    cites = cited.sources if cited else ()
    by_title = {i.title.casefold(): i for i in portfolio.initiatives}
    by_id = {i.id: i for i in portfolio.initiatives}
    taken = set(portfolio.ids)
    matched: dict[str, str] = {}  # existing id -> where the candidate came from
    pillars = {p.id for p in portfolio.pillars}
    pillar_ids = {p.name.casefold(): p.id for p in portfolio.pillars}
    for candidate in candidates:
        existing = by_id.get(candidate.ident or "") or by_title.get(candidate.title.casefold())
        wanted = dict(candidate.fields)
        if source is not None:
            wanted["source"] = source
        pillar = wanted.get("pillar")
        if pillar and pillar not in pillars and pillar.casefold() in pillar_ids:
            pillar = wanted["pillar"] = pillar_ids[pillar.casefold()]  # a name for the id
        if pillar and pillar not in pillars:
            plan.new_pillars[pillar] = candidate.pillar_name or pillar
            pillars.add(pillar)
        if existing is None:
            ident = candidate.ident if candidate.ident not in taken else None
            ident = ident or new_id(candidate.title, taken)
            taken.add(ident)
            added = _new_entries(plan, ident, candidate, None)
            _plan_milestones(plan, portfolio, ident, candidate)
            plan.steps.append(_addition(ident, candidate, wanted, added, cites))
            continue
        if existing.id in matched:
            raise UsageError(
                f"{candidate.where}: '{visible(candidate.title)}' matches the same initiative "
                f"as {matched[existing.id]} ('{existing.id}')"
            )
        matched[existing.id] = candidate.where
        if existing.id != candidate.ident:
            wanted.pop("title", None)  # matched by title: keep the store's spelling
        edits = _differences(existing, candidate, wanted)
        added = _new_entries(plan, existing.id, candidate, existing)
        added["milestones"] = _plan_milestones(plan, portfolio, existing.id, candidate)
        revisions = (
            _revisions(existing, edits, wanted, cited.day(portfolio), cites) if cited else ()
        )
        plan.entries["history"].extend(history_record(entry) for entry in revisions)
        changed = bool(edits) or any(added.values())
        plan.steps.append(
            ImportStep(
                action="update" if changed else "unchanged",
                id=existing.id,
                title=edits.get("title", existing.title),
                candidate=candidate,
                fields=tuple(key for key in _FIELD_ORDER if key in edits),
                progress_added=added["progress"],
                history_added=added["history"],
                edits=edits,
                revisions=revisions,
            )
        )
    return plan


def _revisions(
    existing: Initiative,
    edits: dict[str, Any],
    wanted: dict[str, Any],
    on: date,
    cites: tuple[str, ...],
) -> tuple[HistoryEntry, ...]:
    """The cited timeline and objective changes an update makes, as [[history]] entries."""
    found = []
    for key in ledger.REVISED_FIELDS:
        if key not in edits:
            continue
        old = existing.timeline_text if key == "timeline" else existing.objective
        found.append(HistoryEntry(existing.id, on, key, old, wanted.get(key) or "", cites))
    return tuple(found)


def _addition(
    ident: str,
    candidate: Candidate,
    wanted: dict[str, Any],
    added: dict[str, int],
    cites: tuple[str, ...],
) -> ImportStep:
    record = initiative_record(
        ident=ident,
        title=candidate.title,
        objective=wanted.get("objective") or "",
        timeline_text=wanted["timeline"],
        pillar=wanted.get("pillar"),
        partners=wanted.get("partners") or (),
        tags=wanted.get("tags") or (),
        status=wanted.get("status") or Status.PLANNED.value,
        source=wanted.get("source"),
        sources=cites,
        owner=wanted.get("owner"),
        depends_on=wanted.get("depends_on") or (),
        review_every=wanted.get("review_every"),
    )
    return ImportStep(
        action="add",
        id=ident,
        title=candidate.title,
        candidate=candidate,
        progress_added=added["progress"],
        history_added=added["history"],
        record=record,
    )


def _differences(
    initiative: Initiative, candidate: Candidate, wanted: dict[str, Any]
) -> dict[str, Any]:
    edits: dict[str, Any] = {}
    for key, value in wanted.items():
        spec = _STORED[key]
        if spec.type == "timeline":
            # Timelines compare by meaning: "Q3-Q4 2024" is "Q3 – Q4 2024".
            if candidate.timeline != getattr(initiative, spec.attr):
                edits.update({key: value, **dict.fromkeys(spec.also, DELETE)})
            continue
        # Empty is empty: no key, "" and [] all mean "none".
        if (value if value != [] else None) != (toml_value(spec, initiative) or None):
            edits[key] = DELETE if value is None else value
    return edits


def _new_entries(
    plan: ImportPlan, ident: str, candidate: Candidate, existing: Initiative | None
) -> dict[str, int]:
    """Add to ``plan`` the source's log entries the store does not have yet (a union,
    append only), as ``ident``'s; how many, per log table."""
    added = {}
    done = candidate.fields.get("status") == "done"
    current = existing.progress if existing else (100 if done else 0)  # what it stands at
    for spec in LOGS:
        assert spec.of is not None
        if spec.of is INDICATOR:
            added[spec.of.table] = _new_indicators(plan, ident, candidate, existing)
            continue
        # Compared without their cited sources, which an import file does not carry.
        have = {_uncited(entry) for entry in (getattr(existing, spec.attr) if existing else ())}
        tables = plan.entries[spec.of.table]
        before = len(tables)
        for entry in candidate.logs.get(spec.attr, ()):
            entry = entry._replace(initiative=ident)
            if (
                candidate.progress_is_current
                and isinstance(entry, ProgressEntry)
                and entry.percent == current
            ):
                continue  # a table's Progress column where the store already stands
            if _uncited(entry) not in have:
                have.add(_uncited(entry))
                tables.append(record_table(spec.of, entry))
        added[spec.of.table] = len(tables) - before
    return added


def _new_indicators(
    plan: ImportPlan, ident: str, candidate: Candidate, existing: Initiative | None
) -> int:
    """Add the source's indicators the store does not have (by id), and the measurements
    of each that the store does not have (a union); how many indicators."""
    have = {indicator.id: indicator for indicator in (existing.indicators if existing else ())}
    added = 0
    for indicator in candidate.logs.get("indicators", ()):
        known = have.get(indicator.id)
        if known is None:
            if indicator.id in plan.indicator_ids:
                raise UsageError(
                    f"indicator id '{indicator.id}' of {ident} is already used in the store"
                )
            plan.indicator_ids.add(indicator.id)
            plan.entries[INDICATOR.table].append(
                record_table(INDICATOR, indicator._replace(initiative=ident))
            )
            added += 1
            measured: set[Any] = set()
        else:
            measured = {(m.on, m.value, m.note) for m in known.measurements}
        for entry in indicator.measurements:
            if (entry.on, entry.value, entry.note) not in measured:
                measured.add((entry.on, entry.value, entry.note))
                plan.entries[MEASUREMENT.table].append(
                    record_table(MEASUREMENT, entry._replace(indicator=indicator.id))
                )
    return added


def _plan_milestones(
    plan: ImportPlan, portfolio: Portfolio, ident: str, candidate: Candidate
) -> int:
    """Add to ``plan`` the candidate's milestones, as ``ident``'s: by id, a new one is
    appended and one whose title, quarter or done date differ is edited in place; how
    many it adds or changes. A milestone id the store gives another initiative is refused."""
    stored = {milestone.id: milestone for milestone in portfolio.milestones}
    changed = 0
    for milestone in candidate.milestones:
        milestone = milestone._replace(initiative=ident)
        old = stored.get(milestone.id)
        if old is None:
            plan.new_milestones.append(milestone_record(milestone))
            stored[milestone.id] = milestone
            changed += 1
            continue
        if old.initiative != ident:
            raise UsageError(
                f"{candidate.where}: milestone '{milestone.id}' belongs to initiative "
                f"'{old.initiative}' in the store, not '{ident}'"
            )
        edits = {
            spec.key: DELETE if new is None else toml_value(spec, milestone)
            for spec in MILESTONE.stored()
            if (new := getattr(milestone, spec.attr)) != getattr(old, spec.attr)
        }
        if edits:
            plan.milestone_edits[milestone.id] = edits
            changed += 1
    return changed


def _uncited(entry: Any) -> Any:
    return entry._replace(sources=())


def apply_plan(
    text: str, plan: ImportPlan, tick: Callable[[], None] | None = None, path: Path = _NO_PATH
) -> str:
    """The store's text with ``plan`` applied: updates in place, additions at the end."""
    updates = {step.id: step for step in plan.steps if step.action == "update" and step.edits}
    for step in plan.steps:
        if step.action == "update" and not step.edits and tick:
            tick()  # only new log entries: appended below
    if updates:
        text = _updated(text, updates, path, tick)
    if plan.milestone_edits:
        text = _milestones_updated(text, plan.milestone_edits, path)
    chunks = [
        render_block("pillars", {"id": ident, "name": name})
        for ident, name in plan.new_pillars.items()
    ]
    for step in plan.steps:
        if step.action == "add":
            chunks.append(render_block("initiatives", step.record))
            if tick:
                tick()
        elif step.action == "unchanged" and tick:
            tick()
    for table, entries in plan.entries.items():
        chunks.extend(render_block(table, entry) for entry in entries)
    chunks.extend(render_block(MILESTONE.table, record) for record in plan.new_milestones)
    return append_text(text, "\n".join(chunks)) if chunks else text


def _updated(
    text: str, updates: dict[str, ImportStep], path: Path, tick: Callable[[], None] | None
) -> str:
    """Each updated initiative's own keys edited in place (its record found by the index)."""
    index = store_index(text, path)
    targets: list[tuple[Table, ImportStep]] = []
    try:
        for record in index.records("initiatives"):
            ident = record_value(text, record.pieces[0], "id")
            if ident in updates:
                targets.append((editable(index, record, path), updates[ident]))
    except TomlEditError as error:
        raise StoreError(f"{path}: cannot edit the store's text: {error}") from None
    if sorted(step.id for _, step in targets) != sorted(updates):
        missing = sorted(set(updates) - {step.id for _, step in targets})
        raise StoreError(
            f"{path}: cannot find the [[initiatives]] table of '{missing[0] if missing else ''}' "
            "to update; nothing was imported"
        )
    # From the end of the file backwards, so earlier blocks' offsets stay valid.
    for block, step in sorted(targets, key=lambda pair: pair[0].start, reverse=True):
        text = edit_record(text, block, step.edits, path)
        if tick:
            tick()
    return text


def _milestones_updated(text: str, edits: dict[str, dict[str, Any]], path: Path) -> str:
    """Each changed milestone's own keys edited in place, from the end of the file back."""
    index = store_index(text, path)
    targets: list[tuple[Table, dict[str, Any]]] = []
    try:
        for record in index.records(MILESTONE.table):
            ident = record_value(text, record.pieces[0], "id")
            if ident in edits:
                targets.append((editable(index, record, path), edits[ident]))
    except TomlEditError as error:
        raise StoreError(f"{path}: cannot edit the store's text: {error}") from None
    if len(targets) != len(edits):
        raise StoreError(
            f"{path}: cannot find every [[milestones]] table to update; nothing was imported"
        )
    for block, keys in sorted(targets, key=lambda pair: pair[0].start, reverse=True):
        text = edit_record(text, block, keys, path)
    return text


def current_portfolio(location: StoreLocation) -> Portfolio:
    """The store as it is; a --file store that does not exist yet is empty (import creates it)."""
    if location.source != "user" and not location.exists:
        return load_portfolio("", location.path)
    return open_portfolio(location)


def run_import(
    location: StoreLocation,
    parsed: Parsed,
    *,
    source: str | None = None,
    cited: Citation | None = None,
    dry_run: bool = False,
    tick: Callable[[], None] | None = None,
) -> ImportPlan:
    """Plan the import and, unless ``dry_run``, write it in one transaction.

    When the parse cache vouches for the store, the plan is made against it and
    the result checked by the runs it changes (see actions.write_in_place).
    """
    if dry_run:
        return plan_import(
            current_portfolio(location), parsed.candidates, source=source, cited=cited
        )

    def in_place(vouched: runs.Vouched) -> Plan[ImportPlan]:
        plan = plan_import(vouched.portfolio(), parsed.candidates, source=source, cited=cited)
        new = apply_plan(vouched.data.decode("utf-8"), plan, tick, location.path)
        return runs.changed_range(vouched.data, new.encode("utf-8")), lambda _: plan

    written = write_in_place(location, in_place)
    if written is not None:
        return written
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, ImportPlan]:
        plan = plan_import(loader(old), parsed.candidates, source=source, cited=cited)
        return apply_plan(old, plan, tick, location.path), plan

    return write_store(location, edit, loader)[1]
