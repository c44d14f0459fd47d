"""What blocks what: dependencies between initiatives, the blocked rule, the critical chain.

An initiative's ``depends_on`` names the initiatives it waits for. Pure:
``today`` is a parameter. README.md ("Dependencies") documents these rules;
change both together.

Blocked, the rule
    An unfinished initiative is blocked by a dependency that is unfinished and
    ends after the initiative starts: the dependency's last quarter (or, once
    it is overdue, today's quarter: it cannot end before today) is not before
    the initiative's first quarter. An ongoing dependency never ends; an
    initiative with no known start has started. Dependencies on ids the store
    does not have are ignored here (``problems`` reports them). Ready: an
    unfinished initiative that is not blocked.

Critical chain
    Chains follow ``depends_on`` through unfinished initiatives with a known
    start and end. Each is scheduled after the one it waits for: it starts in
    its own first quarter or the quarter after its dependency's finish,
    whichever is later, lasts as many quarters as its timeline, and (being
    unfinished) finishes no earlier than today's quarter. The critical chain
    is the one that finishes last (of two, the longer); its slack is the
    portfolio's latest end quarter minus that finish, in quarters (negative:
    it overruns the portfolio).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import NamedTuple

from vzwatch.domain.quarters import Quarter
from vzwatch.domain.schema import Initiative, Portfolio


def dependents(portfolio: Portfolio) -> dict[str, list[str]]:
    """For each id, the ids that depend on it (in store order)."""
    waiting: dict[str, list[str]] = {}
    for item in portfolio.initiatives:
        for dependency in item.depends_on:
            waiting.setdefault(dependency, []).append(item.id)
    return waiting


def unknown_dependencies(
    portfolio: Portfolio, known: Collection[str] | None = None
) -> list[tuple[str, str]]:
    """(initiative id, dependency) for each dependency on an id the store does not have
    (``known``: every id the store names, also of records that are invalid)."""
    ids = portfolio.ids if known is None else known
    return [(i.id, d) for i in portfolio.initiatives for d in i.depends_on if d not in ids]


def cycles(portfolio: Portfolio) -> list[tuple[str, ...]]:
    """Each dependency cycle once, as the ids around it starting at its smallest id
    (``("a", "b", "a")``: a waits for b, which waits for a)."""
    ids = portfolio.ids
    graph = {i.id: [d for d in i.depends_on if d in ids] for i in portfolio.initiatives}
    found: dict[frozenset[str], tuple[str, ...]] = {}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in graph:
        if state.get(root):
            continue
        path: list[str] = [root]
        stack = [iter(graph[root])]
        state[root] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(step) == 1:
                ring = path[path.index(step) :]
                first = ring.index(min(ring))
                ordered = (*ring[first:], *ring[:first])
                found.setdefault(frozenset(ring), (*ordered, ordered[0]))
            elif not state.get(step):
                state[step] = 1
                path.append(step)
                stack.append(iter(graph[step]))
    return list(found.values())


def _unfinished(item: Initiative) -> bool:
    return not item.finished and item.progress < 100


def effective_end(item: Initiative, today: date) -> int | None:
    """The last quarter (index) an unfinished dependency can end in: its own, or today's
    once it is overdue; None: it never ends (ongoing)."""
    end = item.timeline.end
    if end is None:
        return None
    return max(end.index, Quarter.containing(today).index)


def blocks(dependency: Initiative, item: Initiative, today: date) -> bool:
    """Whether ``dependency`` blocks ``item`` on ``today`` (the module's rule)."""
    if not (_unfinished(item) and _unfinished(dependency)):
        return False
    start = item.timeline.start
    end = effective_end(dependency, today)
    return start is None or end is None or end >= start.index


def blocked_by(portfolio: Portfolio, today: date) -> dict[str, tuple[str, ...]]:
    """For each blocked initiative, the dependencies that block it (as it lists them)."""
    found: dict[str, tuple[str, ...]] = {}
    for item in portfolio.initiatives:
        if not item.depends_on:
            continue
        blocking = tuple(
            d
            for d in item.depends_on
            if (dependency := portfolio.get(d)) is not None and blocks(dependency, item, today)
        )
        if blocking:
            found[item.id] = blocking
    return found


def has_dependencies(initiatives: Iterable[Initiative]) -> bool:
    return any(item.depends_on for item in initiatives)


class Link(NamedTuple):
    """One line of a dependency tree: an initiative at a depth below the root."""

    depth: int
    initiative: Initiative
    repeated: bool  # shown higher up already (a cycle, or a shared dependency): not expanded


def tree(portfolio: Portfolio, root: Initiative, edges: Mapping[str, Iterable[str]]) -> list[Link]:
    """``root`` and what ``edges`` lead to from it, depth first, each expanded once."""
    ids = portfolio.ids
    seen: set[str] = set()
    lines: list[Link] = []

    def visit(item: Initiative, depth: int) -> None:
        repeated = item.id in seen
        lines.append(Link(depth, item, repeated))
        if repeated:
            return
        seen.add(item.id)
        for next_id in edges.get(item.id, ()):
            if next_id in ids:
                visit(portfolio.find(next_id), depth + 1)

    visit(root, 0)
    return lines


def waits_for(portfolio: Portfolio) -> dict[str, tuple[str, ...]]:
    return {item.id: item.depends_on for item in portfolio.initiatives if item.depends_on}


def goals(portfolio: Portfolio) -> list[Initiative]:
    """Initiatives that wait for something and that nothing waits for: the tops of the trees
    (and, for a cycle nobody outside waits for, its smallest id)."""
    waiting = dependents(portfolio)
    tops = [i for i in portfolio.initiatives if i.depends_on and i.id not in waiting]
    covered = {
        link.initiative.id for top in tops for link in tree(portfolio, top, waits_for(portfolio))
    }
    for ring in cycles(portfolio):
        if ring[0] not in covered:
            top = portfolio.find(ring[0])
            tops.append(top)
            covered.update(
                link.initiative.id for link in tree(portfolio, top, waits_for(portfolio))
            )
    return tops


def _postorder(items: Mapping[str, Initiative]) -> list[str]:
    """The ids of ``items``, each after the ones it depends on (a cycle is cut where it
    closes); iterative, so a chain of any length fits."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1: on the path, 2: placed
    for root in items:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(items[root].depends_on))]
        while stack:
            ident, steps = stack[-1]
            step = next(steps, None)
            if step is None:
                stack.pop()
                state[ident] = 2
                order.append(ident)
            elif step in items and step not in state:
                state[step] = 1
                stack.append((step, iter(items[step].depends_on)))
    return order


class Scheduled(NamedTuple):
    initiative: Initiative
    start: Quarter
    finish: Quarter


class Chain(NamedTuple):
    """The critical chain: its initiatives in the order they must be done, and its slack."""

    steps: tuple[Scheduled, ...]
    latest_end: Quarter | None  # the portfolio's latest end quarter
    slack: int | None  # quarters between the chain's finish and ``latest_end``


def critical_chain(portfolio: Portfolio, today: date) -> Chain:
    """The chain of unfinished work that finishes last (the module's rule)."""
    now = Quarter.containing(today).index
    ends = [i.timeline.end.index for i in portfolio.initiatives if i.timeline.end is not None]
    latest = Quarter.from_index(max(ends)) if ends else None
    schedulable = {
        i.id: i
        for i in portfolio.initiatives
        if _unfinished(i) and i.timeline.start is not None and i.timeline.end is not None
    }
    # Per id: (finish, length, ids, (start, finish) per id) of its latest-finishing chain.
    best: dict[str, tuple[int, int, tuple[str, ...], tuple[tuple[int, int], ...]]] = {}
    for ident in _postorder(schedulable):
        item = schedulable[ident]
        before: tuple[int, int, tuple[str, ...], tuple[tuple[int, int], ...]] = (-1, 0, (), ())
        for dependency in item.depends_on:
            candidate = best.get(dependency)  # absent: not schedulable, or a cycle cut here
            if candidate is not None and candidate[:2] > before[:2]:
                before = candidate
        timeline = item.timeline
        own_start = timeline.start.index if timeline.start else 0
        own_end = timeline.end.index if timeline.end else own_start
        start = max(own_start, before[0] + 1)
        finish = max(start + own_end - own_start, now)
        best[ident] = (finish, before[1] + 1, (*before[2], ident), (*before[3], (start, finish)))

    chains = list(best.values())
    if not chains:
        return Chain((), latest, None)
    finish, _, idents, spans = max(chains, key=lambda c: (c[0], c[1]))
    steps = tuple(
        Scheduled(schedulable[i], Quarter.from_index(s), Quarter.from_index(f))
        for i, (s, f) in zip(idents, spans, strict=True)
    )
    slack = latest.index - finish if latest is not None else None
    return Chain(steps, latest, slack)
