"""The write operations (add, progress, edit, remove), without any terminal.

Each function takes a ``StoreLocation`` and plain values, returns records,
and raises ``VzwatchError`` subclasses. The CLI turns flags into these calls
and hands the results to a renderer.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Collection, Container, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from vzwatch.domain import schema, userinput
from vzwatch.domain.errors import NotFoundError, StoreError, UsageError
from vzwatch.domain.portfolio import (
    HistoryEntry,
    Indicator,
    Initiative,
    Measurement,
    Portfolio,
    ProgressEntry,
    Source,
    Status,
    find_id,
    history_record,
    initiative_record,
    new_id,
    portfolio_from_document,
    progress_record,
    slugify,
    source_record,
)
from vzwatch.domain.text import visible
from vzwatch.storage import blocks, cache, readahead, runs
from vzwatch.storage.store import (
    StoreChangedError,
    StoreLocation,
    append_block,
    append_text,
    atomic_write,
    parse_toml,
    write_lock,
    write_store,
)
from vzwatch.storage.tomledit import (
    DELETE,
    Table,
    TomlEditError,
    apply_edits,
    edit_block,
    find_record_blocks,
    piece_block,
    render_block,
    scan,
)


class _Loader:
    """Loads each distinct text once: a write checks the old text, edits it, then checks the new."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self._last: tuple[str, dict[str, Any], Portfolio] | None = None

    def __call__(self, text: str) -> Portfolio:
        if self._last is None or self._last[0] is not text:
            document = parse_toml(text, self.location.path)
            self._last = (
                text,
                document,
                portfolio_from_document(document, text, self.location.path),
            )
        return self._last[2]

    def remember(self, text: str) -> Portfolio:
        """The portfolio of ``text``, just written, recorded in the parse cache with its
        runs, so the next read (or write) after a change is proportional to it."""
        portfolio = self(text)
        if self._last is not None and self.location.exists:
            document = self._last[1]
            recorded = runs.runs_of(text, document, portfolio)
            cache.remember(self.location.path, text.encode("utf-8"), portfolio, runs=recorded)
        return portfolio


def add_initiative(
    location: StoreLocation,
    *,
    title: str,
    timeline: str,
    objective: str = "",
    pillar: str | None = None,
    partners: Sequence[str] = (),
    tags: Sequence[str] = (),
    status: str = Status.PLANNED.value,
    ident: str | None = None,
    source: str | None = None,
    sources: Sequence[str] = (),
    owner: str | None = None,
    depends_on: Sequence[str] = (),
) -> Initiative:
    """Append a new initiative to the end of the store and return it as stored.

    ``sources`` are ``[[sources]]`` ids or prefixes: the reports that announced it.
    """
    title = userinput.text(title, "title")
    if not title:
        raise UsageError("title must not be empty")
    objective = userinput.text(objective, "objective", multiline=True).strip()
    timeline = userinput.text(timeline, "timeline")
    partners = [userinput.text(p, "partner") for p in partners if p.strip()]
    tags = [userinput.text(t, "tag") for t in tags if t.strip()]
    source = userinput.text(source, "source") if source else None
    owner = userinput.text(owner, "owner") if owner else None
    wanted = [userinput.text(d, "dependency") for d in depends_on if d.strip()]
    status = userinput.status(status)
    if ident is not None:
        ident = userinput.ident(ident)

    def block(portfolio: Portfolio, ids: Collection[str]) -> tuple[str, str]:
        userinput.timeline(timeline, portfolio.fiscal)
        chosen_id = _choose_id(ids, title, ident)
        # An id or a prefix, read as every ID is (an exact id costs one lookup).
        dependencies = list(dict.fromkeys(find_id(ids, dependency) for dependency in wanted))
        record = initiative_record(
            ident=chosen_id,
            title=title,
            objective=objective,
            timeline_text=timeline,
            pillar=userinput.pillar(portfolio, pillar),
            partners=partners,
            tags=tags,
            status=status,
            source=source,
            sources=userinput.sources(portfolio, sources),
            owner=owner,
            depends_on=dependencies,
        )
        return chosen_id, render_block("initiatives", record)

    appended = _add_fast(location, block)
    if appended is not None:
        return appended
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, str]:
        portfolio = loader(old)
        chosen_id, chunk = block(portfolio, portfolio.ids)
        return append_text(old, chunk), chosen_id

    new_text, created = write_store(location, edit, loader)
    return loader.remember(new_text).find(created)


def add_source(
    location: StoreLocation,
    *,
    outlet: str,
    title: str = "",
    url: str = "",
    published: date | None = None,
    note: str = "",
    ident: str | None = None,
) -> Source:
    """Append a ``[[sources]]`` record (a report claims are cited from) and return it.

    Its id is ``--id`` or a slug of the outlet and title.
    """
    outlet = userinput.text(outlet, "outlet")
    if not outlet:
        raise UsageError("outlet must not be empty")
    title, url, note = (
        userinput.text(v, w) for v, w in ((title, "title"), (url, "url"), (note, "note"))
    )
    wanted = userinput.ident(ident) if ident is not None else None
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, Source]:
        portfolio = loader(old)
        taken = {source.id for source in portfolio.sources}
        if wanted is not None and wanted in taken:
            raise UsageError(
                f"source id '{wanted}' is already used; choose another or leave --id out"
            )
        chosen = wanted or new_id(outlet[:40], taken)
        source = Source(chosen, outlet, title, url, published, note)
        return append_text(old, render_block("sources", source_record(source))), source

    new_text, created = write_store(location, edit, loader)
    _remember(location, new_text, loader)
    return created


# --- O(1) appends ----------------------------------------------------------------
#
# The full write path parses and validates the old and the new text. An
# append can skip both: the old text is known valid (a cache entry that
# provably describes the bytes on disk, checked under the lock), the block is
# parsed and validated on its own against the store's pillars, fiscal
# calendar and ids, and the table is one a block can be appended to. Together
# that is what check(new) would prove. See docs/performance.md.


@contextmanager
def _vouched_store(
    location: StoreLocation, table: str
) -> Iterator[tuple[cache.AppendTarget, int] | None]:
    """Under the write lock: the cache's view of the store and the lock file's descriptor,
    if the cache vouches for the store and a ``[[table]]`` block can be appended; else None.
    """
    if cache.cache_directory() is None or not location.exists:
        yield None
        return
    with write_lock(location.path) as lock_fd:
        target = cache.append_target(location.path)
        if target is None or target.separator is None or table not in target.appendable:
            yield None
        else:
            yield target, lock_fd


def _append_checked(
    location: StoreLocation,
    vouched: tuple[cache.AppendTarget, int],
    chunk: str,
    rows: tuple[cache.Row, ...],
    record: Initiative | ProgressEntry | Measurement,
) -> bool:
    """Append a checked block and record ``rows`` in the cache; False: take the full path.

    ``record`` is what the block holds, so the cache knows the new run too.
    """
    target, lock_fd = vouched
    data = (target.separator or "").encode("utf-8") + chunk.encode("utf-8")
    after = append_block(location.path, lock_fd, data, target.expected)
    if after is None:
        return False
    separator = len((target.separator or "").encode("utf-8"))
    target.commit(after, data, rows, cache.appended_run(chunk, record), separator)
    return True


def _add_fast(
    location: StoreLocation, block: Callable[[Portfolio, Collection[str]], tuple[str, str]]
) -> Initiative | None:
    """`add` as an O(1) append; None means "take the full path"."""
    with _vouched_store(location, "initiatives") as vouched:
        if vouched is None:
            return None
        target = vouched[0]
        chosen_id, chunk = block(target.settings, target.ids)
        checked = _validate_block(location, target, "initiatives", chunk)
        clash = sorted(ident for ident in checked.ids if ident in target.ids)
        if clash:
            raise StoreError(f"{location.path}: duplicate id {clash[0]!r}")
        created = checked.find(chosen_id)
        if not _append_checked(location, vouched, chunk, (cache.row_of(created),), created):
            return None
    return created


def _progress_fast(
    location: StoreLocation,
    id_or_prefix: str,
    entry_of: Callable[[str, Portfolio], ProgressEntry],
    keep_status: bool,
) -> ProgressRecorded | None:
    """`progress` as an O(1) append of its ``[[progress]]`` block; None: the full path.

    An entry that marks the initiative done also edits its record in place
    (status) and appends a ``[[history]]`` entry: that takes the full path.
    """
    with _vouched_store(location, "progress") as vouched:
        if vouched is None:
            return None
        target = vouched[0]
        initiative = _find_vouched(target, id_or_prefix)
        if initiative is None:
            return None
        entry = entry_of(initiative.id, target.settings)
        if _status_change(initiative, entry, keep_status) is not None:
            return None
        chunk = render_block("progress", progress_record(entry))
        # A stand-in with the initiative's id: the entry must name it and no other.
        stand_in = {"id": initiative.id, "title": initiative.id, "timeline": "ongoing"}
        checked = _validate_block(location, target, "progress", chunk, initiatives=[stand_in])
        if checked.find(initiative.id).progress_log != (entry,):
            raise StoreError(f"{location.path}: internal error: progress block does not read back")
        updated = replace(initiative, progress_log=_with_entry(initiative.progress_log, entry))
        if not _append_checked(location, vouched, chunk, (cache.row_of(updated),), entry):
            return None
    return ProgressRecorded(updated, entry, initiative.progress, None)


def _with_entry(log: tuple[ProgressEntry, ...], entry: ProgressEntry) -> tuple[ProgressEntry, ...]:
    """The log as loading the store would sort it with ``entry`` last in the file.

    Entries sort by date, same-day entries in file order (model._load_progress).
    """
    at = bisect_right(log, entry.on, key=lambda existing: existing.on)
    return (*log[:at], entry, *log[at:])


def _validate_block(
    location: StoreLocation,
    target: cache.AppendTarget,
    table: str,
    chunk: str,
    *,
    initiatives: list[dict[str, Any]] | None = None,
) -> Portfolio:
    """The block parsed on its own and validated in the store's context."""
    document = parse_toml(chunk, location.path)
    if set(document) != {table}:
        raise StoreError(f"{location.path}: internal error: block is not one [[{table}]]")
    known = target.settings
    context: dict[str, Any] = {
        "portfolio": {
            "fiscal_year_start_month": known.fiscal.start_month,
            "fiscal_year_named_by": known.fiscal.named_by,
        },
        "pillars": [
            {"id": p.id, "name": p.name, "description": p.description} for p in known.pillars
        ],
        "sources": [source_record(source) for source in known.sources],
    }
    if initiatives is not None:
        context["initiatives"] = initiatives
    context[table] = document[table]
    return portfolio_from_document(context, chunk, location.path)


def _choose_id(ids: Container[str], title: str, ident: str | None) -> str:
    if ident is None:
        if isinstance(ids, cache.Ids):  # title, title-2, title-3…: one pass, not one each
            return new_id(title, ids.starting_with(slugify(title)))
        return new_id(title, ids)
    if ident in ids:
        raise UsageError(f"id '{ident}' is already used; choose another or leave --id out")
    return ident


# --- changing existing records ----------------------------------------------


def store_index(text: str, path: Path) -> blocks.Index:
    """The store's block index; a header it cannot read is a store error (never a crash)."""
    try:
        return blocks.index(text)
    except blocks.HeaderError as error:
        raise StoreError(f"{path}: cannot edit the store's text: {error}") from None


def records_naming(
    index: blocks.Index, table: str, key: str, value: str, path: Path
) -> list[blocks.Block]:
    """The ``[[table]]`` records, with all their pieces, whose own ``key`` is ``value``."""
    try:
        return find_record_blocks(index, table, key, value)
    except TomlEditError as error:
        raise StoreError(f"{path}: cannot edit the store's text: {error}") from None


def find_initiative_record(index: blocks.Index, ident: str, path: Path) -> blocks.Block:
    """The one ``[[initiatives]]`` record of ``ident``, with its sub-tables wherever written."""
    found = records_naming(index, "initiatives", "id", ident, path)
    if len(found) != 1:
        # The id is written in a form the text editor cannot match; refuse, never guess.
        raise StoreError(f"{path}: cannot find the [[initiatives]] table of '{ident}' to edit")
    return found[0]


def editable(index: blocks.Index, record: blocks.Block, path: Path) -> Table:
    """A record's own piece (header and keys, not its sub-tables), ready for edit_block."""
    try:
        return piece_block(index.text, record.pieces[0])
    except TomlEditError as error:
        raise StoreError(f"{path}: cannot edit the store's text: {error}") from None


def edit_record(text: str, block: Table, changes: dict[str, Any], path: Path) -> str:
    """``tomledit.edit_block``, its failures a store error (the text was not understood)."""
    try:
        return edit_block(text, block, changes)
    except TomlEditError as error:
        raise StoreError(f"{path}: cannot edit the store's text: {error}") from None


def _initiative_block(text: str, ident: str, path: Path) -> Table:
    index = store_index(text, path)
    return editable(index, find_initiative_record(index, ident, path), path)


def _remember(location: StoreLocation, text: str, loader: _Loader) -> Portfolio:
    """The portfolio just written, recorded in the parse cache so the next read is fast."""
    return loader.remember(text)


# The results are NamedTuples: a frozen dataclass takes ~0.4 ms to define, paid at the
# start of every write, and a NamedTuple ~0.05 ms.
class ProgressRecorded(NamedTuple):
    """What `progress` did: the entry, the progress before it, and any status change."""

    initiative: Initiative
    entry: ProgressEntry
    previous: int
    status_change: HistoryEntry | None


def record_progress(
    location: StoreLocation,
    id_or_prefix: str,
    percent: int,
    *,
    today: date,
    on: date | None = None,
    note: str = "",
    keep_status: bool = False,
    sources: Sequence[str] = (),
) -> ProgressRecorded:
    """Append a dated progress entry; mark the initiative done when it becomes 100%.

    "Becomes 100%": the entry is 100 and is now the latest-dated one (so the
    current progress is 100). ``keep_status`` leaves the status alone.
    """
    note = userinput.text(note, "note", multiline=True).strip()
    on = on or today
    userinput.entry_date(on, today)
    if not 0 <= percent <= 100:
        raise UsageError(f"percent {percent} is not a whole number from 0 to 100")

    def entry_of(ident: str, portfolio: Portfolio) -> ProgressEntry:
        return ProgressEntry(ident, on, percent, note, userinput.sources(portfolio, sources))

    appended = _progress_fast(location, id_or_prefix, entry_of, keep_status)
    if appended is not None:
        return appended
    spliced = _progress_done_fast(location, id_or_prefix, entry_of, keep_status)
    if spliced is not None:
        return spliced
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, ProgressRecorded]:
        portfolio = loader(old)
        initiative = portfolio.find(id_or_prefix)
        entry = entry_of(initiative.id, portfolio)
        change = _status_change(initiative, entry, keep_status)
        new = old
        if change is not None:
            block = _initiative_block(old, initiative.id, location.path)
            new = edit_record(new, block, {"status": Status.DONE.value}, location.path)
        new = append_text(new, render_block("progress", progress_record(entry)))
        if change is not None:
            new = append_text(new, render_block("history", history_record(change)))
        return new, ProgressRecorded(initiative, entry, initiative.progress, change)

    new_text, result = write_store(location, edit, loader)
    stored = _remember(location, new_text, loader).find(result.initiative.id)
    return ProgressRecorded(stored, result.entry, result.previous, result.status_change)


def _status_change(
    initiative: Initiative, entry: ProgressEntry, keep_status: bool
) -> HistoryEntry | None:
    """The status change ``entry`` makes: to done when it becomes the current 100%."""
    log = initiative.progress_log
    becomes_current = not log or entry.on >= log[-1].on  # a same-day entry later in the file wins
    done = Status.DONE.value
    if entry.percent == 100 and becomes_current and not keep_status and initiative.status != done:
        return HistoryEntry(
            initiative.id, entry.on, "status", initiative.status, done, entry.sources
        )
    return None


class InitiativeEdit(NamedTuple):
    """What `edit` may change; None (or empty) leaves a field as it is."""

    title: str | None = None
    objective: str | None = None
    timeline: str | None = None
    pillar: str | None = None  # "" removes the pillar
    add_partners: Sequence[str] = ()
    remove_partners: Sequence[str] = ()
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    status: str | None = None
    sources: Sequence[str] = ()  # [[sources]] ids or prefixes citing the change
    on: date | None = None  # the day of the logged changes (default: today)
    owner: str | None = None  # "" removes the owner
    add_depends_on: Sequence[str] = ()
    remove_depends_on: Sequence[str] = ()
    review_every: str | None = None  # "" removes it

    def is_empty(self) -> bool:
        return self._replace(sources=(), on=None) == InitiativeEdit()

    @property
    def touches_dependencies(self) -> bool:
        return bool(self.add_depends_on or self.remove_depends_on)


# The fields whose changes `edit` logs in [[history]], in this order.
LOGGED_FIELDS = ("timeline", "objective", "status")


class Edited(NamedTuple):
    """What `edit` did: the initiative as stored, the fields that changed and what was logged."""

    initiative: Initiative
    changed: tuple[str, ...]
    status_change: HistoryEntry | None
    logged: tuple[HistoryEntry, ...] = ()


def _logged(
    portfolio: Portfolio,
    initiative: Initiative,
    changes: dict[str, Any],
    request: InitiativeEdit,
    today: date,
) -> tuple[HistoryEntry, ...]:
    """The [[history]] entries of an edit's changes of timeline, objective and status."""
    on = request.on or today
    if on > today:
        raise UsageError(f"date {on} is in the future (today is {today})")
    cited = userinput.sources(portfolio, request.sources)
    if cited and not any(key in changes for key in LOGGED_FIELDS):
        raise UsageError(
            "--source cites a change of --timeline, --objective or --status; "
            f"none of them changes '{initiative.id}'"
        )
    entries = []
    for key in LOGGED_FIELDS:
        if key not in changes:
            continue
        value = changes[key]
        new = "" if value is DELETE else str(value)
        old = {
            "timeline": initiative.timeline_text,
            "objective": initiative.objective,
            "status": initiative.status,
        }[key]
        entries.append(HistoryEntry(initiative.id, on, key, old, new, cited))
    return tuple(entries)


def _status_of(logged: Sequence[HistoryEntry]) -> HistoryEntry | None:
    return next((entry for entry in logged if entry.field == "status"), None)


def _edited_list(
    current: Sequence[str], add: Sequence[str], remove: Sequence[str], what: str, ident: str
) -> list[str]:
    """``current`` without ``remove`` and with ``add`` (both compared in any case)."""
    removing = {userinput.text(item, what).casefold() for item in remove if item.strip()}
    missing = removing - {item.casefold() for item in current}
    if missing:
        listed = ", ".join(current) or "none"
        raise UsageError(
            f"{what} '{visible(sorted(missing)[0])}' is not on '{ident}' ({what}s: {listed})"
        )
    kept = [item for item in current if item.casefold() not in removing]
    for item in (userinput.text(item, what) for item in add if item.strip()):
        if item.casefold() not in {k.casefold() for k in kept}:
            kept.append(item)
    return kept


def _field_changes(
    portfolio: Portfolio, initiative: Initiative, request: InitiativeEdit, block: Table
) -> dict[str, Any]:
    """The key -> value (or DELETE) changes that ``request`` makes to ``initiative``."""
    changes: dict[str, Any] = {}
    if request.title is not None:
        title = userinput.text(request.title, "title")
        if not title:
            raise UsageError("title must not be empty")
        if title != initiative.title:
            changes["title"] = title
    if request.objective is not None:
        objective = userinput.text(request.objective, "objective", multiline=True).strip()
        if objective != initiative.objective:
            changes["objective"] = objective or DELETE
    if request.timeline is not None:
        timeline = userinput.text(request.timeline, "timeline")
        userinput.timeline(timeline, portfolio.fiscal)
        if timeline != initiative.timeline_text or block.entry("timeline") is None:
            # `timeline` wins over start/end when loading; drop them so the file says one thing.
            changes.update({"timeline": timeline, "start": DELETE, "end": DELETE})
    if request.pillar is not None:
        pillar = userinput.pillar(portfolio, userinput.text(request.pillar, "pillar"))
        if pillar != initiative.pillar:
            changes["pillar"] = pillar or DELETE
    for key, current, add, remove, what in (
        ("partners", initiative.partners, request.add_partners, request.remove_partners, "partner"),
        ("tags", initiative.tags, request.add_tags, request.remove_tags, "tag"),
    ):
        if add or remove:
            edited = _edited_list(current, add, remove, what, initiative.id)
            if tuple(edited) != current:
                changes[key] = edited
    if request.status is not None:
        status = userinput.status(request.status)
        if status != initiative.status:
            changes["status"] = status
    for key, value in (("owner", request.owner), ("review_every", request.review_every)):
        if value is not None:
            value = userinput.text(value, key.replace("_", "-"))
            if key == "review_every" and value:
                userinput.cadence(value)
            if (value or None) != getattr(initiative, key):
                changes[key] = value or DELETE
    if request.touches_dependencies:
        edited = _edited_dependencies(portfolio, initiative, request)
        if tuple(edited) != initiative.depends_on:
            changes["depends_on"] = edited or DELETE
    return changes


def _edited_dependencies(
    portfolio: Portfolio, initiative: Initiative, request: InitiativeEdit
) -> list[str]:
    """``depends_on`` after the edit: each added id must exist and close no cycle."""
    from vzwatch.domain.dependencies import cycles

    removing = set()
    for wanted in request.remove_depends_on:
        try:  # an id or a prefix of one of its own dependencies
            removing.add(find_id(initiative.depends_on, userinput.text(wanted, "dependency")))
        except NotFoundError:
            listed = ", ".join(initiative.depends_on) or "none"
            raise UsageError(
                f"'{initiative.id}' does not depend on '{visible(wanted)}' (depends on: {listed})"
            ) from None
    kept = [d for d in initiative.depends_on if d not in removing]
    for wanted in request.add_depends_on:
        dependency = portfolio.find(userinput.text(wanted, "dependency")).id
        if dependency == initiative.id:
            raise UsageError(f"'{initiative.id}' cannot depend on itself")
        if dependency not in kept:
            kept.append(dependency)
    trial = replace(initiative, depends_on=tuple(kept))
    others = tuple(trial if i.id == initiative.id else i for i in portfolio.initiatives)
    for ring in cycles(replace(portfolio, initiatives=others)):
        if initiative.id in ring:
            raise UsageError(f"that would make a dependency cycle: {' -> '.join(ring)}")
    return kept


def edit_initiative(
    location: StoreLocation, id_or_prefix: str, request: InitiativeEdit, *, today: date
) -> Edited:
    """Change fields of one initiative in place; the id, comments and other keys stay.

    A change of timeline, objective or status is also appended as a dated
    ``[[history]]`` entry citing ``request.sources`` (a revision). An edit
    that changes nothing leaves the file byte-identical.
    """
    if request.is_empty():
        raise UsageError(
            "nothing to change: give --title, --objective, --timeline, --pillar, "
            "--add-partner, --remove-partner, --add-tag, --remove-tag, --status, --owner, "
            "--depends-on, --remove-depends-on or --review-every"
        )
    fast = _edit_fast(location, id_or_prefix, request, today)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, Edited]:
        portfolio = loader(old)
        initiative = portfolio.find(id_or_prefix)
        block = _initiative_block(old, initiative.id, location.path)
        changes = _field_changes(portfolio, initiative, request, block)
        logged = _logged(portfolio, initiative, changes, request, today)
        new = edit_record(old, block, changes, location.path)
        for entry in logged:
            new = append_text(new, render_block("history", history_record(entry)))
        shown = tuple(key for key in changes if key not in ("start", "end"))
        return new, Edited(initiative, shown, _status_of(logged), logged)

    new_text, result = write_store(location, edit, loader)
    stored = _remember(location, new_text, loader).find(result.initiative.id)
    return Edited(stored, result.changed, result.status_change, result.logged)


Also = tuple[tuple[str, int], ...]  # (label, count) of the records a removal also takes


class Removed(NamedTuple):
    """What `remove` took out of the store."""

    initiative: Initiative
    progress_entries: int
    history_entries: int
    # The other records that went with it, as (label, count): ("indicator", 2)…
    also: Also = ()


def remove_initiative(location: StoreLocation, id_or_prefix: str) -> Removed:
    """Remove one initiative (an id or unambiguous prefix, resolved under the lock)
    with its progress and history entries.

    Its ``[[progress]]`` and ``[[history]]`` entries would name an initiative
    that no longer exists, so they go too; comments around the tables stay.
    """
    fast = _remove_fast(location, id_or_prefix)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, Removed]:
        portfolio = loader(old)
        initiative = portfolio.find(id_or_prefix)
        milestones = portfolio.milestones_of(initiative.id)
        removed = Removed(
            initiative,
            len(initiative.progress_log),
            len(initiative.history),
            removal_also(initiative, len(milestones)),
        )
        return without_initiative(old, initiative, location.path, len(milestones)), removed

    new_text, removed = write_store(location, edit, loader)
    _remember(location, new_text, loader)
    return removed


def without_initiative(text: str, initiative: Initiative, path: Path, milestones: int = 0) -> str:
    """The store's text without one initiative: every piece of its record (sub-tables
    wherever written), of its ``[[progress]]`` and ``[[history]]`` entries and of its
    ``milestones`` ``[[milestones]]``, and nothing else. Comments above the removed
    tables and after their keys stay."""
    index = store_index(text, path)
    record = find_initiative_record(index, initiative.id, path)
    progress = records_naming(index, "progress", "initiative", initiative.id, path)
    history = records_naming(index, "history", "initiative", initiative.id, path)
    steps = records_naming(index, "milestones", "initiative", initiative.id, path)
    if (len(progress), len(history), len(steps)) != (
        len(initiative.progress_log),
        len(initiative.history),
        milestones,
    ):
        raise StoreError(
            f"{path}: cannot find every [[progress]], [[history]] and [[milestones]] entry of "
            f"'{initiative.id}' in the text; nothing removed"
        )
    spans = [
        index.deletion_span(piece)
        for removed in (record, *progress, *history, *steps)
        for piece in removed.pieces
    ]
    text = apply_edits(text, [(start, end, "") for start, end in spans])
    if initiative.indicators:
        from vzwatch.operations.indicators import without_indicators

        text = without_indicators(text, initiative.indicators, path)
    return text


def removal_also(initiative: Initiative, milestones: int | None = None) -> Also:
    """The other records removing ``initiative`` takes with it, as (label, count):
    its indicators and their measurements, and its ``milestones`` when counted."""
    also = (
        ("indicator", len(initiative.indicators)),
        ("measurement", sum(len(i.measurements) for i in initiative.indicators)),
    )
    return also if milestones is None else (*also, ("milestone", milestones))


def also_text(also: Also) -> str:
    """' (and 2 indicators, 5 measurements)': what else a removal takes ('' for nothing)."""
    from vzwatch.domain.text import counted

    listed = [counted(count, label, f"{label}s") for label, count in also if count]
    return f" (and {', '.join(listed)})" if listed else ""


# --- writes proportional to the change -------------------------------------------
#
# `edit`, `remove` and a `progress` that marks an initiative done change a
# record or two of a store that may hold 100k. When the parse cache vouches
# for the bytes read under the lock, the command edits only the text of the
# runs it touches, the result is validated by those runs and the store-wide
# rules (runs.Vouched.check), and the file is replaced only if it is still
# the one that was read. Whenever the cache cannot vouch, or the result is
# not plainly valid, the full path below runs instead (and says what is wrong).

_Result = TypeVar("_Result")
# The byte edits to make, and how to describe the result once it is checked.
Plan = tuple[list[runs.Edit], Callable[[runs.Checked], _Result]]


def write_in_place(
    location: StoreLocation, plan: Callable[[runs.Vouched], Plan[_Result] | None]
) -> _Result | None:
    """Run ``plan`` on the vouched store and write its result; None: take the full path.

    ``plan`` returns the new bytes and how to describe the result once checked
    (or None). It may raise a VzwatchError for a user mistake: nothing is written.
    """
    if cache.cache_directory() is None or not location.exists:
        return None
    path = location.path
    with write_lock(path):
        read = readahead.read_stamped(path)
        stamped = cache.stamped(read)
        if stamped is None or read.data is None:
            return None
        data = read.data
        vouched = runs.vouch(path, data, stamped)
        if vouched is None:
            return None
        try:
            planned = plan(vouched)
        except cache.CacheMiss:  # the entry changed under us: the full path reads the store
            return None
        if planned is None:
            return None
        edits, describe = planned
        new = runs.Spliced(data, edits)
        if not new.edits_anything():
            checked = vouched.check(new)
            return None if checked is None else describe(checked)
        # The new bytes go to a temp file while they are checked (the write leaves the
        # GIL): the store is replaced only once they pass, and the temp file goes if not.
        outcome: list[tuple[runs.Checked, runs.Recording | None]] = []

        def checked_meanwhile() -> bool:
            checked = vouched.check(new)
            if checked is not None:
                outcome.append((checked, checked.recording()))
            return checked is not None

        written_ns = time.time_ns()
        try:
            atomic_write(path, new.pieces, expected=read, meanwhile=checked_meanwhile)
        except StoreChangedError:
            return None  # the full path reads the new content and does it again
        if not outcome:
            return None  # not plainly valid: the full path says why
        checked, ahead = outcome[0]
        checked.record(path, written_ns, ahead)
        return describe(checked)


def _find_vouched(
    vouched: runs.Vouched | cache.AppendTarget, id_or_prefix: str
) -> Initiative | None:
    """The initiative an id or a prefix names; None when only the full path can tell
    (no id or several start with it: titles, accents and the message are its job)."""
    candidates = vouched.ids.starting_with(id_or_prefix.strip().lower())
    if len(candidates) != 1 and id_or_prefix.strip().lower() not in candidates:
        return None
    return vouched.initiative(find_id(candidates, id_or_prefix))


def _text_end(data: bytes) -> int:
    """Where ``data`` ends without its trailing line breaks (``len(data.rstrip(b"\\r\\n"))``
    without copying a store of many megabytes to find out)."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    return end


def _appended(data: bytes, edits: list[runs.Edit], chunks: list[str]) -> list[runs.Edit]:
    """``edits`` and then ``store.append_text`` of each chunk, as byte edits.

    Appending rewrites the store's trailing newlines, so it is an edit of the
    end of the file, folded into the last edit when that one reaches the end.
    """
    edits = sorted(edits)
    if edits and edits[-1][1] == len(data):
        start, end, text = edits.pop()
        tail = text.decode("utf-8")
    else:
        start, end = _text_end(data), len(data)
        tail = data[start:end].decode("utf-8")
    # A stand-in for the text before the tail, so append_text sees a store's end.
    grown = "x" + tail
    for chunk in chunks:
        grown = append_text(grown, chunk)
    return [*edits, (start, end, grown[1:].encode("utf-8"))]


def _edit_fast(
    location: StoreLocation, id_or_prefix: str, request: InitiativeEdit, today: date
) -> Edited | None:
    def plan(vouched: runs.Vouched) -> Plan[Edited] | None:
        if request.touches_dependencies:  # checking for cycles takes every record
            return None
        initiative = _find_vouched(vouched, id_or_prefix)
        number = None if initiative is None else vouched.record_run(initiative.id)
        if initiative is None or number is None:
            return None
        run = vouched.run(number).decode("utf-8")
        block = scan(run)[0]
        changes = _field_changes(vouched.settings, initiative, request, block)
        logged = _logged(vouched.settings, initiative, changes, request, today)
        start, end = vouched.span(number)
        edits = [(start, end, edit_block(run, block, changes).encode())]
        if logged:
            chunks = [render_block("history", history_record(entry)) for entry in logged]
            edits = _appended(vouched.data, edits, chunks)
        shown = tuple(key for key in changes if key not in ("start", "end"))

        def describe(checked: runs.Checked) -> Edited:
            stored = checked.initiative(initiative.id)
            return Edited(stored or initiative, shown, _status_of(logged), logged)

        return edits, describe

    return write_in_place(location, plan)


def _remove_fast(location: StoreLocation, id_or_prefix: str) -> Removed | None:
    def plan(vouched: runs.Vouched) -> Plan[Removed] | None:
        initiative = _find_vouched(vouched, id_or_prefix)
        number = None if initiative is None else vouched.record_run(initiative.id)
        if initiative is None or number is None:
            return None  # the full path says what matches (or nothing does)
        entries = vouched.entry_runs(initiative.id)
        milestones = vouched.fields.milestones_of(initiative.id)
        # The cache knows every milestone: with none, no need to search the store for one.
        steps = milestone_runs(vouched, initiative.id) if milestones else []
        results = indicator_runs(vouched, initiative.indicators)
        if len(steps) != len(milestones) or results is None:
            return None  # one written in a form not looked for: the full path finds it
        edits = [_removal(vouched, run) for run in (number, *entries, *steps, *results)]
        kinds = [vouched.payload(run)[0] for run in entries]
        removed = Removed(
            initiative,
            kinds.count("p"),
            kinds.count("h"),
            removal_also(initiative, len(milestones)),
        )
        return edits, lambda _: removed

    return write_in_place(location, plan)


def milestone_runs(vouched: runs.Vouched, initiative: str) -> list[int]:
    """The runs of the ``[[milestones]]`` of ``initiative`` written as vzwatch writes them."""

    def test(payload: cache.Payload) -> bool:
        return payload[0] == "m" and schema.milestone_from_row(payload[1:]).initiative == initiative

    return vouched.runs_where(f'initiative = "{initiative}"', test)


def indicator_runs(vouched: runs.Vouched, indicators: Sequence[Indicator]) -> list[int] | None:
    """The runs of these indicators' ``[[indicators]]`` and ``[[measurements]]`` tables;
    None when one of them is written in a form not looked for (the full path finds it)."""
    found: list[int] = []
    for indicator in indicators:
        ident = indicator.id

        def own(payload: cache.Payload, ident: str = ident) -> bool:
            return payload[0] == "n" and schema.indicator_from_row(payload[1:]).id == ident

        def measured(payload: cache.Payload, ident: str = ident) -> bool:
            return payload[0] == "e" and schema.measurement_from_row(payload[1:]).indicator == ident

        tables = vouched.runs_where(f'id = "{ident}"', own)
        measurements = vouched.runs_where(f'indicator = "{ident}"', measured)
        if len(tables) != 1 or len(measurements) != len(indicator.measurements):
            return None
        found += [*tables, *measurements]
    return found


def edited_run(
    vouched: runs.Vouched,
    number: int,
    table: str,
    ident: str,
    changes: dict[str, Any],
    path: Path,
) -> runs.Edit | None:
    """``changes`` to the keys of the ``[[table]]`` record ``ident`` that run ``number``
    holds, as a byte edit of the store (edit_record on the run alone); None: not found."""
    run = vouched.run(number).decode("utf-8")
    index = store_index(run, path)
    found = records_naming(index, table, "id", ident, path)
    if len(found) != 1:
        return None
    new = edit_record(run, editable(index, found[0], path), changes, path)
    start, end = vouched.span(number)
    return start, end, new.encode("utf-8")


def _removal(vouched: runs.Vouched, number: int) -> tuple[int, int, bytes]:
    """Remove one run's table: its header through its last entry and the blank lines
    after it; what follows (comments, the next table's lead) stays, as in the full path."""
    run = vouched.run(number).decode("utf-8")
    index = blocks.index(run)
    start, end = index.deletion_span(index.pieces[0])
    offset = vouched.span(number)[0]
    return (
        offset + len(run[:start].encode("utf-8")),
        offset + len(run[:end].encode("utf-8")),
        b"",
    )


def _progress_done_fast(
    location: StoreLocation,
    id_or_prefix: str,
    entry_of: Callable[[str, Portfolio], ProgressEntry],
    keep_status: bool,
) -> ProgressRecorded | None:
    """A `progress` that marks the initiative done: its status edited in place, the
    entry and the status change appended, all checked by the runs they touch."""

    def plan(vouched: runs.Vouched) -> Plan[ProgressRecorded] | None:
        initiative = _find_vouched(vouched, id_or_prefix)
        number = None if initiative is None else vouched.record_run(initiative.id)
        if initiative is None or number is None:
            return None
        entry = entry_of(initiative.id, vouched.settings)
        change = _status_change(initiative, entry, keep_status)
        if change is None:
            return None  # a plain append: the O(1) path or the full path
        run = vouched.run(number).decode("utf-8")
        edited = edit_block(run, scan(run)[0], {"status": Status.DONE.value})
        start, end = vouched.span(number)
        chunks = [
            render_block("progress", progress_record(entry)),
            render_block("history", history_record(change)),
        ]
        edits = _appended(vouched.data, [(start, end, edited.encode())], chunks)

        def describe(checked: runs.Checked) -> ProgressRecorded:
            stored = checked.initiative(initiative.id) or initiative
            return ProgressRecorded(stored, entry, initiative.progress, change)

        return edits, describe

    return write_in_place(location, plan)


# --- correcting the log ------------------------------------------------------------


class EntryChange(NamedTuple):
    """What `amend` (or, to remove it, `retract`) does to one progress or history entry.

    None leaves a value as it is; ``note=""`` removes the note.
    """

    on: date | None = None
    percent: int | None = None
    note: str | None = None
    old: str | None = None  # history: the status it changed from
    new: str | None = None  # history: the status it changed to

    def is_empty(self) -> bool:
        return self == EntryChange()


class EntryCorrected(NamedTuple):
    """The entry before and after (None: removed), and the initiative as stored."""

    initiative: Initiative
    before: ProgressEntry | HistoryEntry
    after: ProgressEntry | HistoryEntry | None


def _corrected(
    entry: ProgressEntry | HistoryEntry, change: EntryChange, today: date
) -> tuple[ProgressEntry | HistoryEntry, dict[str, Any]]:
    """The entry with ``change`` applied, and the TOML keys that change."""
    keys: dict[str, Any] = {}
    on = entry.on if change.on is None else userinput.entry_date(change.on, today)
    if on != entry.on:
        keys["date"] = on
    if isinstance(entry, ProgressEntry):
        if change.old is not None or change.new is not None:
            raise UsageError("--from and --to change a status-history entry, not progress")
        percent = entry.percent if change.percent is None else change.percent
        note = entry.note if change.note is None else userinput.text(change.note, "note")
        if percent != entry.percent:
            keys["percent"] = percent
        if note != entry.note:
            keys["note"] = note or DELETE
        return entry._replace(on=on, percent=percent, note=note), keys
    if change.percent is not None or change.note is not None:
        raise UsageError("--percent and --note change a progress entry, not status history")
    old = entry.old if change.old is None else userinput.status(change.old)
    new = entry.new if change.new is None else userinput.status(change.new)
    if old != entry.old:
        keys["from"] = old
    if new != entry.new:
        keys["to"] = new
    return entry._replace(on=on, old=old, new=new), keys


def correct_entry(
    location: StoreLocation,
    id_or_prefix: str,
    wanted: str,
    change: EntryChange | None,
    *,
    today: date,
) -> EntryCorrected:
    """Change (or with ``change`` None, remove) the one progress or history entry that
    ``wanted`` names (``entries.find_entry``), under the same lock, validation and
    atomic replace as every write; the rest of the file stays byte for byte."""
    from vzwatch.domain.entries import find_entry

    if change is not None and change.is_empty():
        raise UsageError("nothing to change: give --date, --percent, --note, --from or --to")
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, EntryCorrected]:
        initiative = loader(old).find(id_or_prefix)
        found = find_entry(initiative, wanted)
        before = found.entry
        index = store_index(old, location.path)
        block = _entry_block(index, found.kind, before, location.path)
        if change is None:
            spans = [index.deletion_span(piece) for piece in block.pieces]
            new = apply_edits(old, [(start, end, "") for start, end in spans])
            return new, EntryCorrected(initiative, before, None)
        after, keys = _corrected(before, change, today)
        new = edit_record(old, editable(index, block, location.path), keys, location.path)
        return new, EntryCorrected(initiative, before, after)

    new_text, result = write_store(location, edit, loader)
    stored = _remember(location, new_text, loader).find(result.initiative.id)
    return EntryCorrected(stored, result.before, result.after)


def _entry_block(
    index: blocks.Index, table: str, entry: ProgressEntry | HistoryEntry, path: Path
) -> blocks.Block:
    """The first ``[[table]]`` block of the text that holds exactly ``entry``."""
    import tomllib

    from vzwatch.domain.schema import read_history, read_progress

    read = read_progress if table == "progress" else read_history
    for block in records_naming(index, table, "initiative", entry.initiative, path):
        try:
            raws = tomllib.loads(block.text(index.text)).get(table, [])
            if raws and read(raws[0]) == entry:
                return block
        except (tomllib.TOMLDecodeError, ValueError):
            continue
    raise StoreError(f"{path}: cannot find that [[{table}]] entry in the text; nothing changed")
