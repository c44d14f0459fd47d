"""The text and JSON forms of `vzwatch deps` and `vzwatch stale`.

Pure: no Rich (these views are plain lines, fast for any size), no I/O.
User text goes through ``visible``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vzwatch.domain.cadence import Stale
from vzwatch.domain.dependencies import Chain
from vzwatch.domain.schema import Initiative, Portfolio
from vzwatch.domain.text import cell_width, ljust_cells, steady, visible

Edges = Mapping[str, Sequence[str]]


def node_text(item: Initiative, blocked: Mapping[str, Sequence[str]]) -> str:
    """``id  title  timeline  status`` with ``(blocked)`` when something blocks it."""
    state = item.status + (" (blocked)" if item.id in blocked else "")
    return f"{item.id}  {visible(item.title)}  {item.timeline.label}  {state}"


def tree_lines(
    portfolio: Portfolio,
    root: Initiative,
    edges: Edges,
    blocked: Mapping[str, Sequence[str]],
    *,
    ascii_only: bool = False,
    with_root: bool = True,
) -> list[str]:
    """``root`` and what ``edges`` lead to, drawn as a tree; one already drawn says so."""
    tee, last, bar = ("|-- ", "`-- ", "|   ") if ascii_only else ("├── ", "└── ", "│   ")
    seen: set[str] = set()
    lines: list[str] = [node_text(root, blocked)] if with_root else []
    ids = portfolio.ids

    def below(item: Initiative, prefix: str) -> None:
        seen.add(item.id)
        children = [portfolio.find(i) for i in edges.get(item.id, ()) if i in ids]
        for number, child in enumerate(children):
            final = number == len(children) - 1
            repeated = child.id in seen
            text = f"{child.id}  (shown above)" if repeated else node_text(child, blocked)
            lines.append(prefix + (last if final else tee) + text)
            if not repeated:
                below(child, prefix + ("    " if final else bar))

    below(root, "")
    return lines


def tree_json(
    portfolio: Portfolio, root: Initiative, edges: Edges, blocked: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """What ``edges`` lead to from ``root``: nested objects; one already shown is
    ``{"id", "repeated": true}``."""
    seen = {root.id}
    ids = portfolio.ids

    def children(item: Initiative) -> list[dict[str, Any]]:
        found = []
        for ident in edges.get(item.id, ()):
            if ident not in ids:
                continue
            if ident in seen:
                found.append({"id": ident, "repeated": True})
                continue
            seen.add(ident)
            child = portfolio.find(ident)
            found.append({**_node(child, blocked), "next": children(child)})
        return found

    return children(root)


def _node(item: Initiative, blocked: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "status": item.status,
        "timeline": item.timeline.label,
        "blocked_by": list(blocked.get(item.id, ())),
    }


def deps_json(
    portfolio: Portfolio,
    item: Initiative,
    waits_for: Edges,
    waited_for_by: Edges,
    blocked: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """`deps ID --json`: the initiative, what it waits for and what waits for it (nested)."""
    return {
        **_node(item, blocked),
        "waits_for": tree_json(portfolio, item, waits_for, blocked),
        "waited_for_by": tree_json(portfolio, item, waited_for_by, blocked),
    }


def _quarters(count: int) -> str:
    return f"{count} quarter{'s' if abs(count) != 1 else ''}"


def chain_lines(chain: Chain) -> list[str]:
    """`deps --critical`: the chain, one step a line, and its slack."""
    if not chain.steps:
        return ["No unfinished initiative with a start and an end: no critical chain."]
    finish = chain.steps[-1].finish
    if chain.slack is None or chain.latest_end is None:
        slack = "no slack to measure"
    elif chain.slack >= 0:
        slack = (
            f"slack {_quarters(chain.slack)} before the portfolio's latest end, {chain.latest_end}"
        )
    else:
        slack = (
            f"slack {chain.slack}: {_quarters(-chain.slack)} past the portfolio's latest end, "
            f"{chain.latest_end}"
        )
    count = len(chain.steps)
    plural = "s" if count != 1 else ""
    lines = [f"Critical chain: {count} initiative{plural}, finishing {finish}; {slack}"]
    for number, step in enumerate(chain.steps, start=1):
        item = step.initiative
        scheduled = (
            str(step.start) if step.start == step.finish else f"{step.start} – {step.finish}"
        )
        lines.append(
            f"  {number}. {item.id}  {visible(item.title)}  planned {item.timeline.label}, "
            f"can run {scheduled}"
        )
    return lines


def chain_json(chain: Chain) -> dict[str, Any]:
    return {
        "chain": [
            {
                "id": step.initiative.id,
                "title": step.initiative.title,
                "status": step.initiative.status,
                "timeline": step.initiative.timeline.label,
                "start": str(step.start),
                "finish": str(step.finish),
            }
            for step in chain.steps
        ],
        "finish": str(chain.steps[-1].finish) if chain.steps else None,
        "latest_end": str(chain.latest_end) if chain.latest_end else None,
        "slack": chain.slack,
    }


def stale_lines(found: Sequence[Stale]) -> list[str]:
    """`stale`: days quiet, last update, owner, id and title, aligned; oldest first."""
    rows = [
        (
            "-" if item.days is None else str(item.days),  # ASCII: aligned on any terminal
            item.last_update.isoformat() if item.last_update else "never",
            steady(visible(item.owner)) or "-",
            steady(visible(item.review_every)),
            f"{item.initiative.id}  {steady(visible(item.initiative.title))}",
        )
        for item in found
    ]
    header = ("Days", "Last update", "Owner", "Review every", "Initiative")
    widths = [max(cell_width(row[i]) for row in (header, *rows)) for i in range(4)]
    lines = []
    for row in (header, *rows):
        days, *middle, last = row
        cells = [days.rjust(widths[0])] + [
            ljust_cells(c, w) for c, w in zip(middle, widths[1:], strict=True)
        ]
        lines.append("  ".join([*cells, last]).rstrip())
    count = len(found)
    lines.append(f"{count} stale initiative{'s' if count != 1 else ''}")
    return lines


def stale_json(found: Sequence[Stale]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.initiative.id,
            "title": item.initiative.title,
            "owner": item.owner or None,
            "status": item.initiative.status,
            "last_update": item.last_update.isoformat() if item.last_update else None,
            "since": item.since.isoformat() if item.since else None,
            "days": item.days,
            "review_every": item.review_every,
            "review_due": item.review_due.isoformat() if item.review_due else None,
        }
        for item in found
    ]
