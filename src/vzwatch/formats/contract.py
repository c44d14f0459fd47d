"""The JSON contract: one function turns an initiative into a dict.

Keys are never removed or renamed once released (README, "JSON output");
new keys may be added. This module must not import rich: `--json` is the
fast path that scripts and cron jobs use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from vzwatch.domain.portfolio import Indicator, Initiative, Milestone, Portfolio
from vzwatch.domain.quarters import Timeline
from vzwatch.domain.schema import (
    HISTORY,
    INDICATOR,
    INITIATIVE,
    MILESTONE,
    SOURCE,
    Source,
    json_getter,
    ordered,
    timeline_json,
)
from vzwatch.domain.text import escape_json_text, is_utf8_stream

if TYPE_CHECKING:
    from datetime import date

    from vzwatch.domain import ledger
    from vzwatch.domain.chart import Chart
    from vzwatch.domain.quarters import Quarter

    class Remembered(Protocol):
        """What the parse cache's ``Snapshot`` offers: the store's fields, and views
        of rows it remembers (formats know no storage; the cache passes itself in)."""

        @property
        def fields(self) -> Portfolio: ...

        def rendered(
            self,
            name: str,
            initiatives: Sequence[Initiative],
            render: Callable[[Initiative, Portfolio], str],
        ) -> list[bytes | memoryview]: ...


class _Candidate(Protocol):
    """An import candidate (formats.sources.Candidate): a timeline and what its source says."""

    @property
    def timeline(self) -> Timeline: ...

    @property
    def fields(self) -> Mapping[str, Any]: ...


def timeline_fields(record: Initiative | _Candidate) -> dict[str, Any]:
    """The ``timeline`` object: as written, canonical start and end, and ``ongoing``;
    the same object in every output (an import candidate's text is what its source says)."""
    if isinstance(record, Initiative):
        return timeline_json(record.timeline, record.timeline_text)
    written = record.fields.get("timeline")
    return timeline_json(record.timeline, str(written or record.timeline))


def problem_json(file: str, problem: str) -> dict[str, Any]:
    """A problem as ``validate --json`` prints one: ``file``, ``line``, ``column``,
    ``record`` and ``message``, from an import's "line 4: …" or "item 3: …"."""
    where, _, message = problem.partition(": ")
    kind, _, number = where.partition(" ")
    line = int(number) if kind == "line" and number.isdigit() else None
    record = where if kind == "item" else None
    return {"file": file, "line": line, "column": None, "record": record, "message": message}


def _pillar_name(initiative: Initiative, portfolio: Portfolio | None) -> str | None:
    return portfolio.pillar_name(initiative.pillar) if portfolio and initiative.pillar else None


# The released key order; a field added to the schema later comes after these.
_RELEASED = (
    "id",
    "title",
    "objective",
    "pillar",
    "pillar_name",
    "partners",
    "tags",
    "status",
    "progress",
    "timeline",
    "source",
    "progress_log",
    "history",
)
_GETTERS = {spec.json: json_getter(spec) for spec in INITIATIVE.fields if spec.json is not None}
# An indicator's ``by`` defaults to its initiative's end: its object needs the initiative.
_GETTERS["indicators"] = lambda initiative: [
    indicator_to_dict(indicator, initiative) for indicator in initiative.indicators
]
_KEYS = ordered(_RELEASED, _GETTERS)
# pillar_name is the one key that needs the portfolio: the others come before or after it.
_BEFORE = tuple((key, _GETTERS[key]) for key in _KEYS[: _KEYS.index("pillar_name")])
_AFTER = tuple((key, _GETTERS[key]) for key in _KEYS[_KEYS.index("pillar_name") + 1 :])


def initiative_to_dict(
    initiative: Initiative,
    portfolio: Portfolio | None = None,
    blocked: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The documented JSON object for one initiative.

    ``blocked_by`` lists the dependencies that block it (``blocked``: what
    ``dependencies.blocked_by`` found; None when nothing in the store depends on anything).
    """
    document = {key: get(initiative) for key, get in _BEFORE}
    document["pillar_name"] = _pillar_name(initiative, portfolio)
    for key, get in _AFTER:
        document[key] = get(initiative)
    document["blocked_by"] = list(blocked.get(initiative.id, ())) if blocked else []
    document[MILESTONES_KEY] = (
        own_milestones(portfolio.milestones_of(initiative.id)) if portfolio is not None else []
    )
    return document


MILESTONES_KEY = "milestones"  # the initiative's milestones (``own_milestones``)


def initiatives_to_list(
    initiatives: Iterable[Initiative],
    portfolio: Portfolio | None = None,
    blocked: Mapping[str, Sequence[str]] | None = None,
) -> list[dict[str, Any]]:
    return [initiative_to_dict(initiative, portfolio, blocked) for initiative in initiatives]


OVERDUE_KEYS = ("overdue", "overdue_quarters")


def overdue_fields(initiative: Initiative, quarter: Quarter) -> dict[str, Any]:
    """Whether a due row ended before ``quarter``, and by how many quarters (0: due in it)."""
    end = initiative.timeline.end
    late = 0 if end is None else max(quarter.index - end.index, 0)
    return {"overdue": late > 0, "overdue_quarters": late}


KIND_KEY = "kind"  # what a `due` row is: "initiative" or "milestone"


def due_to_list(
    initiatives: Iterable[Initiative],
    portfolio: Portfolio,
    quarter: Quarter,
    milestones: Iterable[Milestone] = (),
) -> list[dict[str, Any]]:
    """`due --json`: the initiative objects, each with ``overdue``, ``overdue_quarters`` and
    ``kind`` ("initiative"), then the milestones due (``milestone_due_dict``)."""
    return [
        *(
            {**initiative_to_dict(item, portfolio), **overdue_fields(item, quarter), **_INITIATIVE}
            for item in initiatives
        ),
        *(milestone_due_dict(milestone, quarter) for milestone in milestones),
    ]


_INITIATIVE = {KIND_KEY: "initiative"}

# A milestone's own JSON object: every field of the schema that has a JSON key.
_MILESTONE_GETTERS = tuple(
    (spec.json, json_getter(spec)) for spec in MILESTONE.fields if spec.json is not None
)
# Within an initiative (`show --json`), the initiative it belongs to goes without saying.
_OWN_MILESTONE_GETTERS = tuple(item for item in _MILESTONE_GETTERS if item[0] != "initiative")


def milestone_dict(milestone: Milestone) -> dict[str, Any]:
    """One milestone as JSON: ``id``, ``initiative``, ``title``, ``quarter``, ``done``."""
    return {key: get(milestone) for key, get in _MILESTONE_GETTERS}


def own_milestones(milestones: Iterable[Milestone]) -> list[dict[str, Any]]:
    """`show --json`'s ``milestones``: ``id``, ``title``, ``quarter``, ``done`` of each."""
    return [{key: get(item) for key, get in _OWN_MILESTONE_GETTERS} for item in milestones]


def milestone_due_dict(milestone: Milestone, quarter: Quarter) -> dict[str, Any]:
    """A `due` row of a milestone: its object, ``overdue``, ``overdue_quarters`` and ``kind``."""
    late = max(quarter.index - milestone.quarter.index, 0)
    return {
        **milestone_dict(milestone),
        "overdue": late > 0,
        "overdue_quarters": late,
        KIND_KEY: "milestone",
    }


def dumps(value: Any, *, ascii_only: bool = False) -> str:
    """JSON for people and for jq; terminal-unsafe characters escaped, the value unchanged.

    An array prints one element per line; anything else is indented by two.
    ``indent`` makes the json module use its pure-Python encoder, ten times
    slower than the C one: `list --json` of 10k initiatives spent 0.9 s there.
    """
    if isinstance(value, list):
        encode = json.JSONEncoder(ensure_ascii=ascii_only).encode
        text = array_text(encode(item) for item in value)
    else:
        text = json.dumps(value, ensure_ascii=ascii_only, indent=2)
    return text if ascii_only else escape_json_text(text)


def document_dumps(
    fields: Mapping[str, Any], key: str, elements: Sequence[Any], *, ascii_only: bool = False
) -> str:
    """An object of ``fields`` and then ``key``, an array printed as `dumps` prints one
    (one element per line, with the C encoder: fast for 10k elements)."""
    encode = json.JSONEncoder(ensure_ascii=ascii_only).encode
    lines = [f"  {encode(name)}: {encode(value)}," for name, value in fields.items()]
    body = ",\n    ".join(encode(item) for item in elements)
    array = f"[\n    {body}\n  ]" if body else "[]"
    text = "{\n" + "".join(line + "\n" for line in lines) + f"  {encode(key)}: {array}\n}}"
    return text if ascii_only else escape_json_text(text)


def array_text(elements: Iterable[str]) -> str:
    """A JSON array of already encoded elements, one per line."""
    body = ",\n  ".join(elements)
    return f"[\n  {body}\n]" if body else "[]"


def initiative_json(
    initiative: Initiative,
    portfolio: Portfolio | None = None,
    blocked: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """One initiative as an element of a UTF-8 JSON array (what ``dumps`` writes for it)."""
    return escape_json_text(_ENCODE(initiative_to_dict(initiative, portfolio, blocked)))


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _view_name() -> str:
    """Names what initiative_json makes, for the parse cache to remember it per row:
    it changes whenever this module does (the cache's own key covers the schema)."""
    from pathlib import Path

    st = Path(__file__).stat()
    return f"json-element:{st.st_size}:{st.st_mtime_ns}"


def initiatives_utf8(
    initiatives: Sequence[Initiative],
    snapshot: Remembered,
    blocked: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """The JSON array of ``initiatives`` in UTF-8 (as ``array_text`` writes it), its
    elements remembered by the cache; those ``blocked`` names are made afresh (their
    ``blocked_by`` depends on other records and on today)."""
    elements = snapshot.rendered(_view_name(), initiatives, initiative_json)
    if blocked:
        for at, item in enumerate(initiatives):
            if item.id in blocked:
                elements[at] = initiative_json(item, snapshot.fields, blocked).encode()
    if not elements:
        return b"[]"
    # One join of every part: each copy of a 10k store's 12 MB array is fresh memory
    # (~6 ms of page faults), and joining then adding the brackets made three.
    parts: list[bytes | memoryview] = [b"[\n  "]
    parts.extend(chain.from_iterable(zip(elements, repeat(b",\n  "))))
    parts[-1] = b"\n]"
    return b"".join(parts)


def write(value: Any, stream: TextIO) -> None:
    """Write JSON to a stream, escaping non-ASCII when the stream cannot encode it."""
    stream.write(dumps(value, ascii_only=not is_utf8_stream(stream)))  # no copy for the "\n"
    stream.write("\n")


def chart_to_dict(window: Chart, today: date, portfolio: Portfolio | None = None) -> dict[str, Any]:
    """`timeline --json`: the window, the day it is as of and, per initiative, its place on it.

    ``start``/``end`` are the initiative's own quarters, as everywhere (contract 2);
    ``window_start``/``window_end`` are the part of the window its bar covers.
    """
    return {
        "from": str(window.first),
        "to": str(window.last),
        "today": today.isoformat(),
        "current_quarter": str(window.current),
        "hidden": window.hidden,
        "rows": [
            {
                "id": bar.initiative.id,
                "title": bar.initiative.title,
                "pillar": bar.initiative.pillar,
                "pillar_name": _pillar_name(bar.initiative, portfolio),
                "status": bar.initiative.status,
                "progress": bar.progress,
                "timeline": timeline_fields(bar.initiative),
                "start": _quarter_text(bar.initiative.timeline.start),
                "end": _quarter_text(bar.initiative.timeline.end),
                "window_start": str(window.quarters[bar.start]),
                "window_end": str(window.quarters[bar.end - 1]),
                "continues_before": bar.open_left,
                "continues_after": bar.open_right,
                "blocked": bar.initiative.id in window.blocked,
            }
            for bar in window.bars
        ],
    }


def _quarter_text(quarter: Quarter | None) -> str | None:
    return None if quarter is None else str(quarter)


# --- the ledger ------------------------------------------------------------------------

_SOURCE_GETTERS = tuple(
    (spec.json, json_getter(spec)) for spec in SOURCE.fields if spec.json is not None
)
_HISTORY_GETTERS = tuple(
    (spec.json, json_getter(spec)) for spec in HISTORY.fields if spec.json is not None
)


def source_to_dict(source: Source) -> dict[str, Any]:
    """The JSON object of one ``[[sources]]`` record (`vzwatch sources --json`)."""
    return {key: get(source) for key, get in _SOURCE_GETTERS}


def sources_to_list(portfolio: Portfolio) -> list[dict[str, Any]]:
    return [source_to_dict(source) for source in portfolio.sources]


def announced_to_dict(first: ledger.Announced) -> dict[str, Any]:
    return {
        "timeline": timeline_json(first.timeline, first.timeline_text),
        "date": first.on.isoformat() if first.on else None,
        "sources": list(first.sources),
    }


_INDICATOR_GETTERS = tuple(
    (spec.json, json_getter(spec)) for spec in INDICATOR.fields if spec.json is not None
)


def indicator_to_dict(
    indicator: Indicator, initiative: Initiative | None = None, today: date | None = None
) -> dict[str, Any]:
    """One element of ``indicators``: its fields, ``value`` and ``share``; with its
    initiative and ``today``, also ``expected`` and ``health`` (vzwatch.domain.indicators)."""
    document = {key: get(indicator) for key, get in _INDICATOR_GETTERS}
    if initiative is not None and indicator.by is None and initiative.timeline.end:
        document["by"] = str(initiative.timeline.end)  # the default: the initiative's end
    if initiative is not None and today is not None:
        from vzwatch.domain.indicators import indicator_status

        status = indicator_status(indicator, initiative, today)
        document["expected"] = status.expected
        document["health"] = str(status.health)
    return document


def initiative_ledger_dict(
    initiative: Initiative, portfolio: Portfolio, today: date | None = None
) -> dict[str, Any]:
    """`show --json`: the initiative's object plus its ledger (announced, revisions, slip);
    with ``today``, each indicator's health as of that day."""
    document = initiative_to_dict(initiative, portfolio)
    if today is not None:
        document["indicators"] = [
            indicator_to_dict(indicator, initiative, today) for indicator in initiative.indicators
        ]
    from vzwatch.domain import ledger  # ~5 ms with hashlib: only `show --json` needs it

    document["announced"] = announced_to_dict(ledger.announced(initiative, portfolio))
    document["revisions"] = [
        {key: get(entry) for key, get in _HISTORY_GETTERS} for entry in ledger.revisions(initiative)
    ]
    document["slip_quarters"] = ledger.slip_quarters(initiative, portfolio)
    return document


def slip_to_dict(slip: ledger.Slip) -> dict[str, Any]:
    """One element of `vzwatch slips --json`."""
    initiative, latest = slip.initiative, slip.latest
    return {
        "id": initiative.id,
        "title": initiative.title,
        "announced": announced_to_dict(slip.announced),
        "timeline": timeline_fields(initiative),
        "slip_quarters": slip.slip_quarters,
        "slipped": slip.slipped,
        "revisions": len(slip.revisions),
        "latest_revision": {
            "date": latest.on.isoformat(),
            "from": latest.old,
            "to": latest.new,
            "sources": list(latest.sources),
        },
    }
