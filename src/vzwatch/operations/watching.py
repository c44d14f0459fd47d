"""What `deps` and `stale` do: read the store, ask the pure core, hand back the views.

Each function returns a ``View``: its plain lines (for a terminal that can or
cannot draw box characters) and its JSON value. No Rich: both views are plain
text, fast for any size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from vzwatch.domain.cadence import Quiet, owner_of, quiet_of, quiet_of_row, stale_initiatives
from vzwatch.domain.dependencies import (
    blocked_by,
    critical_chain,
    dependents,
    goals,
    waits_for,
)
from vzwatch.domain.schema import FINISHED_STATUSES, Initiative, Portfolio
from vzwatch.formats import watch
from vzwatch.operations.reading import open_portfolio, open_snapshot
from vzwatch.storage.store import StoreLocation


def _unfinished(status: str, end: int | None) -> bool:
    """A cached row's test (``cache.RowTest``): its status is not done or cancelled."""
    return status not in FINISHED_STATUSES


class View(NamedTuple):
    """A command's result: ``lines(ascii_only)`` for people, ``json()`` for scripts."""

    lines: Callable[[bool], list[str]]
    json: Callable[[], Any]
    found: int  # how many things it lists (stale: for --quiet and --exit-code)


def _owned_by(owner: str, portfolio: Portfolio) -> Callable[[Initiative | Quiet], bool]:
    """Whether an initiative's owner contains ``owner``, in any case (like ``--partner``)."""
    wanted = owner.casefold()
    return lambda item: wanted in owner_of(item, portfolio).casefold()


def _owned(portfolio: Portfolio, owner: str | None) -> Portfolio:
    if owner is None:
        return portfolio
    kept = tuple(filter(_owned_by(owner, portfolio), portfolio.initiatives))
    return replace(portfolio, initiatives=kept)


def dependencies(
    location: StoreLocation,
    id_or_prefix: str | None,
    *,
    today: date,
    critical: bool = False,
    owner: str | None = None,
    as_of: date | None = None,
) -> View:
    """`deps`: one initiative's tree both ways, every tree, or the critical chain;
    ``as_of``: as that day saw the store (``--today``)."""
    portfolio = open_portfolio(location, as_of=as_of)
    blocked = blocked_by(portfolio, today)
    if critical:
        chain = critical_chain(_owned(portfolio, owner), today)
        return View(lambda _: watch.chain_lines(chain), lambda: watch.chain_json(chain), 1)
    up, down = waits_for(portfolio), dependents(portfolio)
    if id_or_prefix is not None:
        item = portfolio.find(id_or_prefix)

        def both(ascii_only: bool) -> list[str]:
            lines = [watch.node_text(item, blocked), "waits for:"]
            for edges in (up, down):
                drawn = watch.tree_lines(
                    portfolio, item, edges, blocked, ascii_only=ascii_only, with_root=False
                )
                lines += drawn or ["    nothing"]
                if edges is up:
                    lines.append("waited for by:")
            return lines

        return View(both, lambda: watch.deps_json(portfolio, item, up, down, blocked), 1)
    tops = [top for top in goals(portfolio) if top in _owned(portfolio, owner).initiatives]

    def every(ascii_only: bool) -> list[str]:
        if not tops:
            return ["No initiative depends on another."]
        lines: list[str] = []
        for top in tops:
            if lines:
                lines.append("")
            lines += watch.tree_lines(portfolio, top, up, blocked, ascii_only=ascii_only)
        return lines

    def every_json() -> list[dict[str, Any]]:
        return [watch.deps_json(portfolio, top, up, down, blocked) for top in tops]

    return View(every, every_json, len(tops))


def stale(
    location: StoreLocation,
    *,
    today: date,
    days: int | None = None,
    owner: str | None = None,
    as_of: date | None = None,
) -> View:
    """`stale`: unfinished initiatives not updated within their cadence, oldest first;
    ``as_of``: as that day saw the store (``--today``): later updates do not count."""
    # Done and cancelled initiatives are never stale: only the others are looked at,
    # from their cached rows (no record built unless it has indicators).
    snapshot = open_snapshot(location, as_of=as_of)
    portfolio = snapshot.fields
    quiet = snapshot.facts(_unfinished, quiet_of, quiet_of_row)
    if owner is not None:
        quiet = list(filter(_owned_by(owner, portfolio), quiet))
    found = stale_initiatives(portfolio, quiet, today, days=days)
    return View(lambda _: watch.stale_lines(found), lambda: watch.stale_json(found), len(found))
