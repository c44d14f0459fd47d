"""What the commands do, without any terminal: read a store, change a store.

Each function takes a ``StoreLocation`` and plain values, returns records,
and raises ``VzwatchError`` subclasses. The CLI turns flags into these calls
and hands the results to a renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from vzwatch.errors import InvalidQuarter, UsageError
from vzwatch.model import (
    ID_PATTERN,
    Initiative,
    Portfolio,
    check_user_text,
    initiative_record,
    load_portfolio,
    new_id,
    validate_status,
)
from vzwatch.quarters import FiscalCalendar, Quarter, Timeline, parse_timeline, resolve_quarter
from vzwatch.store import StoreLocation, append_text, read_store_text, write_store
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
    """Read and validate the store."""
    return load_portfolio(read_store_text(location), location.path)


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
    loader = _Loader(location)
    created: list[str] = []

    def edit(old: str) -> str:
        portfolio = loader(old)
        user_timeline(timeline, portfolio.fiscal)
        chosen_id = _choose_id(portfolio, title, ident)
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
        created.append(chosen_id)
        return append_text(old, render_block("initiatives", record))

    new_text = write_store(location, edit, loader)
    return loader(new_text).find(created[-1])


def _choose_id(portfolio: Portfolio, title: str, ident: str | None) -> str:
    if ident is None:
        return new_id(title, portfolio.ids)
    if not ID_PATTERN.fullmatch(ident):
        raise UsageError(
            f"id '{visible(ident)}' must be lowercase letters, digits and dashes, "
            "starting and ending with a letter or digit"
        )
    if ident in portfolio.ids:
        raise UsageError(f"id '{ident}' is already used; choose another or leave --id out")
    return ident
