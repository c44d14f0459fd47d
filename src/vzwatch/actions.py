"""What the commands do, without any terminal: read a store, change a store.

Each function takes a ``StoreLocation`` and plain values, returns records,
and raises ``VzwatchError`` subclasses. The CLI turns flags into these calls
and hands the results to a renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from vzwatch import cache
from vzwatch.errors import InvalidQuarter, StoreError, UsageError
from vzwatch.model import (
    ID_PATTERN,
    Initiative,
    Portfolio,
    check_user_text,
    initiative_record,
    load_portfolio,
    new_id,
    portfolio_from_document,
    validate_status,
)
from vzwatch.quarters import FiscalCalendar, Quarter, Timeline, parse_timeline, resolve_quarter
from vzwatch.store import (
    StoreLocation,
    append_block,
    append_text,
    decode_store,
    parse_toml,
    read_store_bytes,
    read_store_text,
    write_lock,
    write_store,
)
from vzwatch.textsafe import visible
from vzwatch.tomledit import render_block


class _Loader:
    """Loads each distinct text once: a write checks the old text, edits it, then checks the new."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self._last: tuple[str, Portfolio] | None = None

    def __call__(self, text: str) -> Portfolio:
        if self._last is None or self._last[0] is not text:
            self._last = (text, load_portfolio(text, self.location.path))
        return self._last[1]


def open_portfolio(location: StoreLocation) -> Portfolio:
    """Read and validate the store, through the parse cache (vzwatch.cache)."""
    path = location.path
    if cache.cache_directory() is None or not location.exists:
        return load_portfolio(read_store_text(location), path)
    hit = cache.lookup(path)
    if hit is not None:
        return hit
    data = read_store_bytes(location)
    hit = cache.lookup(path, data)
    if hit is not None:
        return hit
    portfolio = load_portfolio(decode_store(data, path), path)
    cache.remember(path, data, portfolio)
    return portfolio


def user_quarter(text: str, today: date, fiscal: FiscalCalendar) -> Quarter:
    """A quarter typed by the user (``Q1-2025``, ``this``, ``2025-02-14``…)."""
    try:
        return resolve_quarter(text, today, fiscal)
    except InvalidQuarter as error:
        raise UsageError(str(error)) from None


def user_timeline(text: str, fiscal: FiscalCalendar) -> Timeline:
    try:
        return parse_timeline(text, fiscal)
    except InvalidQuarter as error:
        raise UsageError(str(error)) from None


def resolve_pillar(portfolio: Portfolio, wanted: str | None) -> str | None:
    """A pillar given by id or by name, any case."""
    if not wanted:
        return None
    key = wanted.strip().casefold()
    for pillar in portfolio.pillars:
        if key in (pillar.id.casefold(), pillar.name.casefold()):
            return pillar.id
    known = ", ".join(p.id for p in portfolio.pillars) or "none defined in the store"
    raise UsageError(f"unknown pillar '{visible(wanted)}' (known: {known})")


def add_initiative(
    location: StoreLocation,
    *,
    title: str,
    timeline: str,
    objective: str = "",
    pillar: str | None = None,
    partners: Sequence[str] = (),
    tags: Sequence[str] = (),
    status: str = "planned",
    ident: str | None = None,
    source: str | None = None,
) -> Initiative:
    """Append a new initiative to the end of the store and return it as stored."""
    title = check_user_text(title, "title")
    if not title:
        raise UsageError("title must not be empty")
    objective = check_user_text(objective, "objective")
    timeline = check_user_text(timeline, "timeline")
    partners = [check_user_text(p, "partner") for p in partners if p.strip()]
    tags = [check_user_text(t, "tag") for t in tags if t.strip()]
    source = check_user_text(source, "source") if source else None
    status = validate_status(status)
    if ident is not None:
        ident = check_user_text(ident, "id").lower()

    def block(portfolio: Portfolio, ids: frozenset[str]) -> tuple[str, str]:
        user_timeline(timeline, portfolio.fiscal)
        chosen_id = _choose_id(ids, title, ident)
        record = initiative_record(
            ident=chosen_id,
            title=title,
            objective=objective,
            timeline_text=timeline,
            pillar=resolve_pillar(portfolio, pillar),
            partners=partners,
            tags=tags,
            status=status,
            source=source,
        )
        return chosen_id, render_block("initiatives", record)

    appended = _append_fast(location, "initiatives", block)
    if appended is not None:
        return appended
    loader = _Loader(location)
    created: list[str] = []

    def edit(old: str) -> str:
        portfolio = loader(old)
        chosen_id, chunk = block(portfolio, portfolio.ids)
        created.append(chosen_id)
        return append_text(old, chunk)

    new_text = write_store(location, edit, loader)
    portfolio = loader(new_text)
    cache.remember(location.path, new_text.encode("utf-8"), portfolio)
    return portfolio.find(created[-1])


def _append_fast(
    location: StoreLocation,
    table: str,
    block: Callable[[Portfolio, frozenset[str]], tuple[str, str]],
) -> Initiative | None:
    """Append one ``[[table]]`` block in O(1) when the cache vouches for the store.

    The full write path parses and validates old and new text; here the old
    text is known valid (a cache entry that provably describes the bytes on
    disk, checked under the lock), the block is parsed and validated on its
    own against the store's pillars, fiscal calendar and ids, and the table
    is one a block can be appended to. Together that is what check(new)
    would prove. None means "take the full path".
    """
    if cache.cache_directory() is None or not location.exists:
        return None
    path = location.path
    with write_lock(path) as lock_fd:
        target = cache.append_target(path)
        if target is None or target.separator is None or table not in target.appendable:
            return None
        chosen_id, chunk = block(target.portfolio, target.ids)
        created = _validate_block(location, target, table, chunk).find(chosen_id)
        data = (target.separator + chunk).encode("utf-8")
        after = append_block(path, lock_fd, data, target.expected)
        if after is None:
            return None
        target.commit(after, data, (cache.row_of(created),))
    return created


def _validate_block(
    location: StoreLocation, target: cache.AppendTarget, table: str, chunk: str
) -> Portfolio:
    """The block parsed on its own and validated in the store's context."""
    document = parse_toml(chunk, location.path)
    known = target.portfolio
    context = {
        "portfolio": {
            "fiscal_year_start_month": known.fiscal.start_month,
            "fiscal_year_named_by": known.fiscal.named_by,
        },
        "pillars": [
            {"id": p.id, "name": p.name, "description": p.description} for p in known.pillars
        ],
        table: document.get(table),
    }
    if set(document) != {table}:
        raise StoreError(f"{location.path}: internal error: block is not one [[{table}]]")
    portfolio = portfolio_from_document(context, chunk, location.path)
    clash = portfolio.ids & target.ids
    if clash:
        raise StoreError(f"{location.path}: duplicate id {sorted(clash)[0]!r}")
    return portfolio


def _choose_id(ids: frozenset[str], title: str, ident: str | None) -> str:
    if ident is None:
        return new_id(title, ids)
    if not ID_PATTERN.fullmatch(ident):
        raise UsageError(
            f"id '{visible(ident)}' must be lowercase letters, digits and dashes, "
            "starting and ending with a letter or digit"
        )
    if ident in ids:
        raise UsageError(f"id '{ident}' is already used; choose another or leave --id out")
    return ident
