"""Opening a store to read it: through the parse cache, building only what is asked for.

The read commands' half of ``vzwatch.operations.writing`` (which re-exports these), kept
apart because it is on the start-up path of `list`, `show` and `due`, which
need none of the writing machinery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from vzwatch.domain import queries, userinput
from vzwatch.domain.portfolio import (
    FINISHED_STATUSES,
    Initiative,
    Milestone,
    Portfolio,
    portfolio_from_document,
)
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.queries import due
from vzwatch.storage import cache, readahead
from vzwatch.storage.store import (
    StoreLocation,
    decode_store,
    parse_toml,
    read_store_text,
)


def load_portfolio(text: str, path: Path) -> Portfolio:
    """Parse and validate the text of a store; raise StoreError pointing at the problem."""
    return portfolio_from_document(parse_toml(text, path), text, path)


# The snapshots the last read opened stay referenced until the next read: a console
# run ends without freeing them (vzwatch.cli.entry), and freeing a 10k store's rows
# one by one when the command returns took ~10 ms of every read.
_LAST_READ: list[cache.Snapshot] = []


def open_snapshot(location: StoreLocation, *, as_of: date | None = None) -> cache.Snapshot:
    """Read and validate the store; ``as_of``: as that day saw it (``queries.as_of``)."""
    snapshot = _open_snapshot(location)
    seen = snapshot if as_of is None else snapshot.as_of(as_of)
    _LAST_READ[:] = [snapshot, seen]
    return seen


def _open_snapshot(location: StoreLocation) -> cache.Snapshot:
    """Read and validate the store, through the parse cache (vzwatch.storage.cache).

    In order of cost: a settled stamp (no read at all); the bytes' digest;
    the runs of the bytes, parsing only those the cache has not seen; the
    whole parse, which also records the runs for next time.
    """
    path = location.path
    if cache.cache_directory() is None or not location.exists:
        return cache.Snapshot.of(load_portfolio(read_store_text(location), path))
    with cache.opened_entry(path) as entry:  # one open for every question below
        hit = None if entry is None else cache.snapshot(path, entry=entry)
        if hit is not None:
            return hit
        bytes_read = readahead.read_stamped(path)
        read = cache.stamped(bytes_read)
        if read is None or bytes_read.data is None:  # removed meanwhile: the usual error
            return cache.Snapshot.of(load_portfolio(read_store_text(location), path))
        data = bytes_read.data
        if entry is not None:
            hit = cache.snapshot(path, data, read, runs_follow=True, entry=entry)
            if hit is not None:
                return hit
        from vzwatch.storage import runs  # only a store that changed needs the run machinery

        if entry is not None:
            hit = runs.changed_snapshot(path, data, read, entry)
            if hit is not None:
                return hit
    text = decode_store(data, path)
    document = parse_toml(text, path)
    portfolio = portfolio_from_document(document, text, path)
    cache.remember(path, data, portfolio, read=read, runs=runs.runs_of(text, document, portfolio))
    return cache.Snapshot.of(portfolio)


def titled(location: StoreLocation, title: str) -> list[str]:
    """The ids of the initiatives titled ``title`` (any case); none for a new store.

    Read without recording anything in the parse cache: a write that follows
    must take the path it would have taken without this question.
    """
    if not location.exists:
        return []
    if cache.cache_directory() is not None:
        # A title the store holds almost always made the ids `add` would take (the
        # title's slug, slug-2…): only their rows are read, so an O(1) `add` stays O(1).
        from vzwatch.domain.names import slugify

        titles = cache.titles_of(location.path, slugify(title))
        if titles is not None:
            key = title.casefold()
            return [ident for ident, known in titles.items() if known.casefold() == key]
    hit = cache.snapshot(location.path) if cache.cache_directory() is not None else None
    if hit is None:
        hit = cache.Snapshot.of(load_portfolio(read_store_text(location), location.path))
    return hit.titled(title)


def find_initiative(location: StoreLocation, id_or_prefix: str) -> Initiative:
    """The initiative an id or unambiguous prefix names (NotFoundError if none or several)."""
    return open_snapshot(location).find(id_or_prefix)


def open_portfolio(location: StoreLocation, *, as_of: date | None = None) -> Portfolio:
    """Read and validate the store, through the parse cache (vzwatch.storage.cache);
    ``as_of``: as that day saw it (entries dated later left out)."""
    return open_snapshot(location, as_of=as_of).portfolio()


class DueFound(NamedTuple):
    """What `due` found: the quarter asked about and the initiatives, in timeline order."""

    quarter: Quarter
    initiatives: list[Initiative]
    portfolio: Portfolio  # the store's fields and only the initiatives found
    milestones: tuple[Milestone, ...] = ()  # open ones due in the quarter (or overdue)
    owners: Mapping[str, Initiative] = {}  # the initiatives of those milestones, by id


def find_due(
    location: StoreLocation,
    quarter: str,
    *,
    today: date,
    overdue: bool,
    as_of: bool = False,
    owner: str | None = None,
) -> DueFound:
    """Unfinished initiatives ending in ``quarter`` (see queries.due), building only those.

    Building every record of a 10k store costs more than the rest of `due`,
    so rows that cannot be due are skipped before they become records; the
    query then runs as usual on what is left.
    """
    snapshot = open_snapshot(location)
    target = userinput.quarter(quarter, today, snapshot.fiscal)
    last = target.index

    def may_be_due(status: str, end: int | None) -> bool:
        return (
            status not in FINISHED_STATUSES
            and end is not None
            and (end == last or (overdue and end < last))
        )

    # As of a past day a status may have been unfinished then: every record is a candidate.
    portfolio = snapshot.portfolio(None if as_of else may_be_due)
    if as_of:
        portfolio = queries.as_of(portfolio, today)
    found = due(portfolio, target, overdue=overdue)
    # Only the milestones due by their own fields need their initiative built.
    candidates = queries.due_milestones(portfolio.milestones, None, target, today, overdue=overdue)
    owners = _milestone_owners(snapshot, portfolio, candidates, today if as_of else None)
    milestones = queries.due_milestones(candidates, owners.get, target, today, overdue=overdue)
    if owner is not None:
        wanted = owner.casefold()

        def theirs(item: Initiative | None) -> bool:
            return item is not None and wanted in (item.owner or portfolio.owner).casefold()

        found = [i for i in found if theirs(i)]
        milestones = [m for m in milestones if theirs(owners.get(m.initiative))]
    shown = {m.initiative: owners[m.initiative] for m in milestones}
    return DueFound(target, found, portfolio, tuple(milestones), shown)


def _milestone_owners(
    snapshot: cache.Snapshot,
    portfolio: Portfolio,
    milestones: Sequence[Milestone],
    as_of: date | None,
) -> dict[str, Initiative]:
    """The initiatives ``milestones`` belong to: those built, and the others built now
    (``due`` builds only the initiatives that may be due)."""
    wanted = {milestone.initiative for milestone in milestones}
    owners = {ident: item for ident in wanted if (item := portfolio.get(ident)) is not None}
    for item in snapshot.with_ids(wanted - owners.keys()):
        owners[item.id] = item if as_of is None else queries.initiative_as_of(item, as_of)
    return owners


def blocked_in(snapshot: cache.Snapshot, today: date) -> dict[str, tuple[str, ...]] | None:
    """What blocks what on ``today`` (dependencies.blocked_by); None, building nothing,
    when no initiative depends on another."""
    if not snapshot.has_dependencies():
        return None
    from vzwatch.domain.dependencies import blocked_by

    return blocked_by(snapshot.dependency_portfolio(), today)


def only_blocked(
    initiatives: Sequence[Initiative],
    blocked: Mapping[str, Sequence[str]] | None,
    *,
    blocked_only: bool = False,
    ready_only: bool = False,
) -> Sequence[Initiative]:
    """``initiatives`` narrowed to the blocked ones, or to the ready ones (unfinished and
    not blocked); both flags: both kinds, that is every unfinished one."""
    if not (blocked_only or ready_only):
        return initiatives
    found = blocked or {}
    if blocked_only and not ready_only and isinstance(initiatives, cache.Built):
        return initiatives.having_ids(found)  # from the rows' ids: no record built to skip
    return [
        item
        for item in initiatives
        if (blocked_only and item.id in found)
        or (
            ready_only
            and item.id not in found
            and item.status not in FINISHED_STATUSES
            and item.progress < 100
        )
    ]
