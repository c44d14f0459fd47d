"""Every record kind of a store, declared once: its fields and how each is read and shown.

A store holds nine kinds of record: the ``[portfolio]`` table, ``[[pillars]]``,
``[[sources]]`` (the reports claims are cited from), ``[[initiatives]]``,
``[[progress]]`` entries, ``[[history]]`` entries, ``[[indicators]]`` (a
result with a baseline and a target), their dated ``[[measurements]]`` and
``[[milestones]]`` (the steps an initiative is to reach, each in a quarter). For
each kind this module declares, once, the record class and its fields: the
TOML key, the record attribute, the type (which says how the value is
validated and how it looks in a cache row, in JSON, in a CSV cell and in a
new TOML table), whether it is required, its default, its JSON key, its
CSV/Markdown columns, the label people read and the ``edit`` options that
change it. Reading one record table, cache rows, the JSON contract, the
CSV/Markdown/JSONL columns, the import diff and the iCalendar text all derive
from these declarations, so a new field is added here (and in the docs, plus
a CLI option when it is editable) and nowhere else.

Pure: no I/O, no Typer, no Rich. Imported by every command, so what it
defines at import is cheap: its declarations are plain slotted classes, and
the functions that read a record, build a row or a JSON value are made once
per field here, so that using them does no dispatch on the field's type.
Store-wide rules (unique ids, references between records) are in
``model.check_document``; this module reads and checks one record at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from vzwatch.domain.errors import InvalidQuarter
from vzwatch.domain.quarters import (
    CALENDAR,
    FiscalCalendar,
    Quarter,
    Timeline,
    parse_quarter,
    parse_timeline,
)
from vzwatch.domain.text import visible

ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?", re.ASCII)
MAX_TEXT_LENGTH = 10_000

Row = tuple[Any, ...]


class Status(StrEnum):
    """Where an initiative stands; each member equals the string the store holds."""

    PLANNED = "planned"
    ACTIVE = "active"
    DONE = "done"
    PAUSED = "paused"
    CANCELLED = "cancelled"


# Plain strings, in the order people read them (reports group statuses in it).
STATUSES: tuple[str, ...] = tuple(status.value for status in Status)
FINISHED_STATUSES = frozenset({Status.DONE.value, Status.CANCELLED.value})


# --- the records ----------------------------------------------------------------
#
# ProgressEntry, HistoryEntry and Pillar are NamedTuples, not dataclasses: they
# are as immutable, and defining a frozen dataclass costs ~0.7 ms of every start.
# The attributes of each class are the ``attr`` of its kind's fields below
# (tests/test_schema.py checks both ways).


class ProgressEntry(NamedTuple):
    """One dated measurement of how far an initiative has come."""

    initiative: str
    on: date
    percent: int
    note: str = ""
    sources: tuple[str, ...] = ()


class HistoryEntry(NamedTuple):
    """One dated change of a field (status, timeline, objective), with the sources citing it."""

    initiative: str
    on: date
    field: str
    old: str
    new: str
    sources: tuple[str, ...] = ()


class Measurement(NamedTuple):
    """One dated value of an indicator."""

    indicator: str
    on: date
    value: float
    note: str = ""


class Indicator(NamedTuple):
    """A result an initiative aims at: from ``baseline`` to ``target`` (in ``unit``) by ``by``.

    Its measurements are in date order (same-day ones in file order); its current
    value is the latest one's, else the baseline. ``vzwatch.domain.indicators``
    holds the rules for its share of the way and its health.
    """

    id: str
    initiative: str
    name: str
    target: float
    unit: str = ""
    baseline: float = 0
    by: Quarter | None = None
    direction: str = ""
    measurements: tuple[Measurement, ...] = ()

    @property
    def value(self) -> float:
        """The latest-dated measurement's value (the later-recorded on a tie), else the baseline."""
        return self.measurements[-1].value if self.measurements else self.baseline

    @property
    def share(self) -> int:
        """Percent of the way from baseline to target, 0 to 100, rounded down."""
        way = self.target - self.baseline
        if not way:
            return 0
        done = (self.value - self.baseline) / way
        return int(min(max(done, 0.0), 1.0) * 100)


class Source(NamedTuple):
    """A report that claims are cited from: an article, a statement, a briefing."""

    id: str
    outlet: str
    title: str = ""
    url: str = ""
    published: date | None = None
    note: str = ""


class Milestone(NamedTuple):
    """A step an initiative is to reach in a quarter; ``done`` is the day it was reached."""

    id: str
    initiative: str
    title: str
    quarter: Quarter
    done: date | None = None

    def done_by(self, today: date) -> bool:
        """Whether it was reached on or before ``today`` (a later done date is still open)."""
        return self.done is not None and self.done <= today

    def overdue(self, today: date) -> bool:
        """Open as of ``today`` and its quarter ended before ``today``'s quarter began."""
        return not self.done_by(today) and self.quarter < Quarter.containing(today)

    def state(self, today: date) -> str:
        """How it stands on ``today``, for people: "done 2025-02-20", "overdue" or "open"."""
        if self.done_by(today):
            return f"done {self.done}"
        return "overdue" if self.overdue(today) else "open"


class Pillar(NamedTuple):
    """A strategic pillar that initiatives belong to."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Initiative:
    """One tracked initiative, with its progress log in date order."""

    id: str
    title: str
    timeline: Timeline
    timeline_text: str
    objective: str = ""
    pillar: str | None = None
    partners: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = Status.PLANNED.value
    source: str | None = None
    sources: tuple[str, ...] = ()
    owner: str | None = None
    depends_on: tuple[str, ...] = ()
    review_every: str | None = None
    # Before the logs: the cache rebuilds a row's last two columns (its logs) on their own.
    indicators: tuple[Indicator, ...] = ()
    progress_log: tuple[ProgressEntry, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    @property
    def progress(self) -> int:
        """Current progress: the latest manual entry (the later-recorded on a tie), unless
        a measurement of its indicators is dated after it: then the indicators' progress.

        With neither: 100 when done, else 0 (README: "Indicators and measurements").
        """
        if self.indicators and self.progress_from_indicators:
            return self.indicator_progress
        return manual_progress(
            self.progress_log[-1].percent if self.progress_log else None, self.status
        )

    @property
    def indicator_progress(self) -> int:
        """The mean of its indicators' shares of the way, rounded down (0 without any)."""
        if not self.indicators:
            return 0
        return sum(indicator.share for indicator in self.indicators) // len(self.indicators)

    @property
    def progress_from_indicators(self) -> bool:
        """Whether ``progress`` comes from its indicators rather than a manual entry."""
        log = self.progress_log
        measured = max(
            (i.measurements[-1].on for i in self.indicators if i.measurements), default=None
        )
        return measured is not None and (not log or log[-1].on < measured)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


def manual_progress(latest_percent: int | None, status: str) -> int:
    """Progress without indicators: the latest entry's percent; without one, 100 when
    done, else 0."""
    if latest_percent is not None:
        return latest_percent
    return 100 if status == Status.DONE else 0


def _quarter_index(milestone: Milestone) -> int:
    return milestone.quarter.index


# Portfolio.milestones_of scans the milestones this many times before it indexes them.
_SCANS_BEFORE_AN_INDEX = 4


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Everything a store holds that vzwatch understands."""

    initiatives: tuple[Initiative, ...]
    pillars: tuple[Pillar, ...] = ()
    sources: tuple[Source, ...] = ()
    title: str = ""
    source: str = ""
    partners: tuple[str, ...] = ()
    fiscal: FiscalCalendar = CALENDAR
    owner: str = ""
    review_every: str = ""
    milestones: tuple[Milestone, ...] = ()
    # Made from the fields above, never passed in: dataclasses.replace() gives a copy
    # its own (a shared one would hold the initiatives of the portfolio it came from).
    _by_id: dict[str, Initiative] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Each initiative's milestones by quarter, made when asked often (``milestones_of``).
    _milestones_by: dict[str, tuple[Milestone, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _milestone_lookups: list[int] = field(
        default_factory=lambda: [0], init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_id.update((item.id, item) for item in self.initiatives)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def get(self, ident: str) -> Initiative | None:
        """The initiative with exactly this id, if there is one."""
        return self._by_id.get(ident)

    def pillar_name(self, pillar_id: str | None) -> str:
        for pillar in self.pillars:
            if pillar.id == pillar_id:
                return pillar.name
        return pillar_id or ""

    def milestones_of(self, initiative_id: str) -> tuple[Milestone, ...]:
        """The milestones of one initiative, by quarter (store order within a quarter)."""
        if not self.milestones:
            return ()
        if not self._milestones_by:
            self._milestone_lookups[0] += 1
            if self._milestone_lookups[0] <= _SCANS_BEFORE_AN_INDEX:
                # A few lookups (a read after a change renders one initiative) scan.
                mine = [item for item in self.milestones if item.initiative == initiative_id]
                return tuple(sorted(mine, key=_quarter_index))
            grouped: dict[str, list[Milestone]] = {}
            for item in self.milestones:
                grouped.setdefault(item.initiative, []).append(item)
            # Each initiative's few sorted alone, by the quarter's number (stable: store
            # order within a quarter): sorting all by Quarter took 15 ms at 10k milestones.
            self._milestones_by.update(
                (key, tuple(sorted(items, key=_quarter_index))) for key, items in grouped.items()
            )
        return self._milestones_by.get(initiative_id, ())

    def source_by_id(self, source_id: str) -> Source | None:
        for source in self.sources:
            if source.id == source_id:
                return source
        return None

    def find(self, id_or_prefix: str) -> Initiative:
        """The initiative with this id, or the one an unambiguous prefix or title names."""
        if id_or_prefix in self._by_id:
            return self._by_id[id_or_prefix]
        titles = {item.id: item.title for item in self.initiatives}
        return self._by_id[find_id(self._by_id, id_or_prefix, titles)]


def find_id(
    ids: Collection[str], id_or_prefix: str, titles: Mapping[str, str] | None = None
) -> str:
    """The id ``id_or_prefix`` names (vzwatch.domain.names.find_id has the rules)."""
    key = id_or_prefix.strip().lower()
    if key in ids:
        return key
    from vzwatch.domain.names import find_id as find

    return find(ids, id_or_prefix, titles)


# --- the declarations -------------------------------------------------------------

if TYPE_CHECKING:
    FieldType = Literal[
        "id",  # an initiative id: one line, lowercase letters, digits and dashes
        "line",  # one line of text
        "text",  # text that may span lines
        "texts",  # a list of one-line texts
        "status",  # one of Status
        "date",  # a TOML date or a YYYY-MM-DD string (required, or None when absent)
        "sources",  # a list of [[sources]] ids (checked across the store)
        "percent",  # a whole number from 0 to 100
        "timeline",  # a timeline as written ("Q3 – Q4 2024"), or start and end keys
        "quarter",  # one quarter as written ("Q3 2024", "FY2024 Q1"), kept canonical; None
        #             when absent and not required (an indicator's by)
        "pillar",  # a [[pillars]] id (checked across the store)
        "initiative",  # an [[initiatives]] id (checked across the store)
        "fiscal",  # the fiscal calendar: start month, and also the naming key
        "records",  # records of another kind that belong to this one (a log)
        "number",  # an integer or a finite float (not a boolean)
        "indicator",  # an [[indicators]] id (checked across the store)
    ]


# Field and RecordKind are plain classes with __slots__, not NamedTuples or
# dataclasses: defining one costs ~5 µs of every start against ~100-250 µs.
# They are declarations: nothing changes them after this module is loaded.


class Field:
    """One field of a record kind. Views name it by its ``json``, ``columns`` and ``label``."""

    __slots__ = (
        "also",
        "attr",
        "check",
        "columns",
        "default",
        "derived",
        "fallback",
        "json",
        "key",
        "label",
        "of",
        "options",
        "required",
        "type",
        "what",
        "write_empty",
    )

    def __init__(
        self,
        key: str,
        attr: str,
        type: FieldType,
        *,
        required: bool = False,
        default: Any = None,
        what: str = "",
        json: str | None = None,
        columns: tuple[str, ...] = (),
        label: str = "",
        options: tuple[str, ...] = (),
        write_empty: bool = False,
        fallback: str | None = None,
        also: tuple[str, ...] = (),
        derived: bool = False,
        of: RecordKind | None = None,
        check: Callable[[Any], Any] | None = None,
    ) -> None:
        self.key = key  # the TOML key; "": not a key of the table (derived, or records)
        self.attr = attr  # the record's attribute (a timeline also keeps ``attr + "_text"``)
        self.type = type
        self.required = required
        self.default = default  # the value when the key is absent, or empty text
        self.what = what  # how messages name it, when not by its key ("portfolio title")
        self.json = json  # its key in JSON output; None: not shown there
        self.columns = columns  # its CSV/Markdown columns (a timeline has four)
        self.label = label  # its name for people: detail views, calendar text
        self.options = options  # the `vzwatch edit` options that change it
        self.write_empty = write_empty  # a new table has the key even when empty
        self.fallback = fallback  # the attribute an empty value takes (a pillar's name: its id)
        self.also = also  # other keys it is read from (timeline: start and end)
        self.derived = derived  # computed from other fields (progress), never stored
        self.of = of  # for "records": their kind
        self.check = check  # a further check of a value read (ValueError), beyond its type

    def __repr__(self) -> str:
        return f"Field({self.key!r}, {self.attr!r}, {self.type!r})"


class RecordKind:
    """One kind of record: its TOML table, its class and its fields in store order."""

    __slots__ = ("duplicate", "fields", "identity", "label", "named_by_identity", "record", "table")

    def __init__(
        self,
        *,
        table: str,
        label: str,
        identity: str | None,
        record: Callable[..., Any],
        fields: tuple[Field, ...],
        duplicate: str = "",
        named_by_identity: bool = False,
    ) -> None:
        self.table = table  # "initiatives" is written [[initiatives]]; "portfolio" [portfolio]
        self.label = label  # how messages name one: "initiative", "progress entry"
        self.identity = identity  # the key that names a record; None: entries
        self.record = record  # the record class
        self.fields = fields
        self.duplicate = duplicate  # the message for a second record with the same identity
        self.named_by_identity = named_by_identity  # "initiative 'x'", not "initiative 3"

    def __repr__(self) -> str:
        return f"RecordKind({self.table!r})"

    @property
    def array(self) -> bool:
        """Whether the store holds a list of these (``[[table]]``) rather than one table."""
        return self.table != "portfolio"

    def field(self, attr: str) -> Field:
        """The field whose attribute is ``attr``."""
        for candidate in self.fields:
            if candidate.attr == attr:
                return candidate
        raise KeyError(attr)

    def stored(self) -> tuple[Field, ...]:
        """The fields a record's own TOML table holds, in the order a new table has them."""
        return tuple(f for f in self.fields if f.key and not f.derived)


def _check_ids(ids: tuple[str, ...]) -> None:
    for ident in ids:
        if not ID_PATTERN.fullmatch(ident):
            raise ValueError(f"depends_on: {visible(ident)!r} is not an initiative id")


def _check_cadence(text: str | None) -> None:
    if text:
        from vzwatch.domain.cadence import parse_cadence

        parse_cadence(text)


PROGRESS = RecordKind(
    table="progress",
    label="progress entry",
    identity=None,
    record=ProgressEntry,
    fields=(
        Field("initiative", "initiative", "initiative", required=True),
        Field("date", "on", "date", required=True, json="date", label="Date"),
        Field("percent", "percent", "percent", required=True, json="percent", label="Progress"),
        Field("note", "note", "text", default="", json="note", label="Note"),
        Field("sources", "sources", "sources", default=(), json="sources", label="Sources"),
    ),
)

HISTORY = RecordKind(
    table="history",
    label="history entry",
    identity=None,
    record=HistoryEntry,
    fields=(
        Field("initiative", "initiative", "initiative", required=True),
        Field("date", "on", "date", required=True, json="date", label="Date"),
        Field("field", "field", "line", required=True, json="field", write_empty=True),
        # text: an objective revision may span lines
        Field("from", "old", "text", default="", json="from", write_empty=True),
        Field("to", "new", "text", default="", json="to", write_empty=True),
        Field("sources", "sources", "sources", default=(), json="sources", label="Sources"),
    ),
)


def _check_direction(value: str) -> None:
    if value not in ("", "up", "down"):
        raise ValueError(f"direction {visible(value)!r} is not up or down")


MEASUREMENT = RecordKind(
    table="measurements",
    label="measurement",
    identity=None,
    record=Measurement,
    fields=(
        Field("indicator", "indicator", "indicator", required=True),
        Field("date", "on", "date", required=True, json="date", label="Date"),
        Field("value", "value", "number", required=True, json="value", label="Value"),
        Field("note", "note", "text", default="", json="note", label="Note"),
    ),
)

INDICATOR = RecordKind(
    table="indicators",
    label="indicator",
    identity="id",
    record=Indicator,
    duplicate="duplicate indicator id {ident!r}",
    named_by_identity=True,
    fields=(
        Field("id", "id", "id", required=True, json="id", columns=("id",), label="ID"),
        Field("initiative", "initiative", "initiative", required=True, write_empty=True),
        Field(
            "name",
            "name",
            "line",
            required=True,
            json="name",
            columns=("name",),
            label="Name",
            options=("--name",),
        ),
        Field(
            "unit",
            "unit",
            "line",
            default="",
            json="unit",
            columns=("unit",),
            label="Unit",
            options=("--unit",),
        ),
        Field(
            "baseline",
            "baseline",
            "number",
            default=0,
            json="baseline",
            columns=("baseline",),
            label="Baseline",
            options=("--baseline",),
            write_empty=True,
        ),
        Field(
            "target",
            "target",
            "number",
            required=True,
            json="target",
            columns=("target",),
            label="Target",
            options=("--target",),
        ),
        Field("by", "by", "quarter", json="by", columns=("by",), label="By", options=("--by",)),
        Field(
            "direction",
            "direction",
            "line",
            default="",
            json="direction",
            columns=("direction",),
            label="Direction",
            options=("--direction",),
            check=_check_direction,
        ),
        Field(
            "",
            "measurements",
            "records",
            default=(),
            json="measurements",
            label="Measurements",
            of=MEASUREMENT,
        ),
        Field("", "value", "number", json="value", columns=("value",), label="Value", derived=True),
        Field(
            "", "share", "percent", json="share", columns=("share",), label="Share", derived=True
        ),
    ),
)

SOURCE = RecordKind(
    table="sources",
    label="source",
    identity="id",
    record=Source,
    duplicate="duplicate source id {ident!r}",
    named_by_identity=True,
    fields=(
        Field("id", "id", "id", required=True, json="id", columns=("id",), label="ID"),
        Field("outlet", "outlet", "line", required=True, json="outlet", columns=("outlet",)),
        Field("title", "title", "line", default="", json="title", columns=("title",)),
        Field("url", "url", "line", default="", json="url", columns=("url",), label="URL"),
        Field(
            "published",
            "published",
            "date",
            json="published",
            columns=("published",),
            label="Published",
        ),
        Field("note", "note", "text", default="", json="note", columns=("note",), label="Note"),
    ),
)

INITIATIVE = RecordKind(
    table="initiatives",
    label="initiative",
    identity="id",
    record=Initiative,
    duplicate="duplicate id (also initiative {first})",
    named_by_identity=True,
    fields=(
        Field("id", "id", "id", required=True, json="id", columns=("id",), label="ID"),
        Field(
            "title",
            "title",
            "line",
            required=True,
            json="title",
            columns=("title",),
            label="Title",
            options=("--title",),
        ),
        Field(
            "objective",
            "objective",
            "text",
            default="",
            json="objective",
            columns=("objective",),
            label="Objective",
            options=("--objective",),
        ),
        Field(
            "timeline",
            "timeline",
            "timeline",
            required=True,
            json="timeline",
            columns=("start", "end", "ongoing", "timeline"),
            label="Timeline",
            options=("--timeline",),
            also=("start", "end"),
        ),
        Field(
            "pillar",
            "pillar",
            "pillar",
            json="pillar",
            columns=("pillar", "pillar_name"),
            label="Pillar",
            options=("--pillar",),
        ),
        Field(
            "partners",
            "partners",
            "texts",
            default=(),
            json="partners",
            columns=("partners",),
            label="Partners",
            options=("--add-partner", "--remove-partner"),
            write_empty=True,
        ),
        Field(
            "tags",
            "tags",
            "texts",
            default=(),
            json="tags",
            columns=("tags",),
            label="Tags",
            options=("--add-tag", "--remove-tag"),
            write_empty=True,
        ),
        Field(
            "status",
            "status",
            "status",
            default=Status.PLANNED.value,
            json="status",
            columns=("status",),
            label="Status",
            options=("--status",),
        ),
        Field("source", "source", "line", json="source", columns=("source",), label="Source"),
        Field(
            "sources",
            "sources",
            "sources",
            default=(),
            json="sources",
            columns=("sources",),
            label="Sources",
        ),
        Field(
            "owner",
            "owner",
            "line",
            json="owner",
            columns=("owner",),
            label="Owner",
            options=("--owner",),
        ),
        Field(
            "depends_on",
            "depends_on",
            "texts",
            default=(),
            json="depends_on",
            columns=("depends_on",),
            label="Depends on",
            options=("--depends-on", "--remove-depends-on"),
            check=_check_ids,
        ),
        Field(
            "review_every",
            "review_every",
            "line",
            json="review_every",
            columns=("review_every",),
            label="Review every",
            options=("--review-every",),
            check=_check_cadence,
        ),
        Field(
            "",
            "progress",
            "percent",
            json="progress",
            columns=("progress",),
            label="Progress",
            derived=True,
        ),
        Field(
            "",
            "indicators",
            "records",
            default=(),
            json="indicators",
            columns=("indicators",),
            label="Indicators",
            of=INDICATOR,
        ),
        Field(
            "",
            "progress_log",
            "records",
            default=(),
            json="progress_log",
            label="Progress log",
            of=PROGRESS,
        ),
        Field(
            "",
            "history",
            "records",
            default=(),
            json="history",
            label="Status history",
            of=HISTORY,
        ),
    ),
)

PILLAR = RecordKind(
    table="pillars",
    label="pillar",
    identity="id",
    record=Pillar,
    duplicate="duplicate pillar id {ident!r}",
    fields=(
        Field("id", "id", "line", required=True),
        Field("name", "name", "line", fallback="id"),
        Field("description", "description", "line", default=""),
    ),
)

MILESTONE = RecordKind(
    table="milestones",
    label="milestone",
    identity="id",
    record=Milestone,
    duplicate="duplicate milestone id {ident!r}",
    named_by_identity=True,
    fields=(
        Field("id", "id", "id", required=True, json="id", columns=("id",), label="ID"),
        Field(
            "initiative",
            "initiative",
            "initiative",
            required=True,
            json="initiative",
            columns=("initiative",),
            label="Initiative",
        ),
        Field(
            "title",
            "title",
            "line",
            required=True,
            json="title",
            columns=("title",),
            label="Title",
            options=("--title",),
        ),
        Field(
            "quarter",
            "quarter",
            "quarter",
            required=True,
            json="quarter",
            columns=("quarter",),
            label="Quarter",
            options=("--quarter",),
        ),
        Field(
            "done",
            "done",
            "date",
            json="done",
            columns=("done",),
            label="Done",
            options=("--done", "--not-done"),
        ),
    ),
)

PORTFOLIO = RecordKind(
    table="portfolio",
    label="portfolio",
    identity=None,
    record=Portfolio,
    fields=(
        Field("title", "title", "line", default="", what="portfolio title"),
        Field("source", "source", "line", default="", what="portfolio source"),
        Field("partners", "partners", "texts", default=(), what="portfolio partners"),
        Field(
            "fiscal_year_start_month",
            "fiscal",
            "fiscal",
            default=CALENDAR,
            also=("fiscal_year_named_by",),
        ),
        Field("owner", "owner", "line", default="", what="portfolio owner"),
        Field(
            "review_every",
            "review_every",
            "line",
            default="",
            what="portfolio review_every",
            check=_check_cadence,
        ),
        Field("", "pillars", "records", default=(), of=PILLAR),
        Field("", "sources", "records", default=(), of=SOURCE),
        Field("", "milestones", "records", default=(), of=MILESTONE),
    ),
)

KINDS = (
    PORTFOLIO,
    PILLAR,
    SOURCE,
    INITIATIVE,
    PROGRESS,
    HISTORY,
    INDICATOR,
    MEASUREMENT,
    MILESTONE,
)
# An initiative's logs, the records of other tables that belong to it: its fields
# ``indicators`` (of INDICATOR, each with its MEASUREMENT records), ``progress_log``
# (of PROGRESS) and ``history`` (of HISTORY). Code that handles entries loops over
# these instead of doing the same for each log.
LOGS: tuple[Field, ...] = tuple(spec for spec in INITIATIVE.fields if spec.of is not None)
# The dated logs (entries with a date, sorted by it): progress and history.
DATED_LOGS: tuple[Field, ...] = tuple(spec for spec in LOGS if spec.of is not INDICATOR)


def ordered(released: Sequence[str], names: Iterable[str | None]) -> tuple[str, ...]:
    """A view's names: its released order (a contract), then any other of ``names``.

    Views keep the order users already rely on; a field added to the schema
    later comes after them without touching the view.
    """
    known = set(released)
    return (*released, *(name for name in names if name is not None and name not in known))


# --- reading one record table ------------------------------------------------------


def _type_name(value: object) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


# Equal short texts read from a store become one object: a 10k store repeats a few
# pillars, partners, tags, notes and initiative ids (in its entries) thousands of times,
# and the cache's marshal frames then hold each once per chunk and load it once (a
# third less time to load 10k cached rows, frames 30% smaller). Longer texts (titles
# and objectives are mostly unique) are left as they are.
_SHARED: dict[str, str] = {}
_SHARED_UP_TO = 48
_SHARED_AT_MOST = 1_000_000  # distinct texts kept: a long `watch` never grows without end


def _shared(text: str) -> str:
    if len(text) > _SHARED_UP_TO:
        return text
    if len(_SHARED) >= _SHARED_AT_MOST:
        _SHARED.clear()
    return _SHARED.setdefault(text, text)


def _text(value: object, what: str, *, required: bool = False, one_line: bool = True) -> str:
    if value is None:
        if required:
            raise ValueError(f"{what} is missing")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, not {_type_name(value)}")
    if required and not value.strip():
        raise ValueError(f"{what} must not be empty")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"{what} is longer than {MAX_TEXT_LENGTH} characters")
    if one_line and ("\n" in value or "\r" in value):
        raise ValueError(f"{what} must be one line")
    return value


def _texts(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return tuple(map(_shared, value))


def check_status(value: object) -> str:
    """``value`` if it is a status; else ValueError naming the statuses."""
    if value not in STATUSES:
        raise ValueError(f"status {value!r} is not one of {', '.join(STATUSES)}")
    return _shared(str(value))


def _iso_date(text: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")
    return date.fromisoformat(text)


def check_date(value: object, what: str) -> date:
    """A day: a TOML date, a "YYYY-MM-DD" string, or a date-time's date.

    A date-time (local or with an offset) counts as the day written in it, with
    no time-zone conversion; a time of day alone names no day and is refused.
    """
    if isinstance(value, str):
        value = _iso_date(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, time):
        raise ValueError(f"{what} must be a day such as 2025-03-31, not a time of day ({value})")
    if not isinstance(value, date):
        raise ValueError(f"{what} must be a date such as 2025-03-31")
    return value


def check_percent(value: object, what: str) -> int:
    """``value`` if it is a whole number from 0 to 100; else ValueError naming ``what``."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise ValueError(f"{what} must be a whole number from 0 to 100")
    return value


def check_number(value: object, what: str) -> float:
    """``value`` if it is an integer or a finite float (not a boolean); else ValueError."""
    if value is None:
        raise ValueError(f"{what} is missing")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"{what} must be a number such as 200000 or 2.5")
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        raise ValueError(f"{what} must be a finite number")
    return value


def _timeline(
    raw: Mapping[str, Any], key: str, also: Sequence[str], fiscal: FiscalCalendar
) -> tuple[Timeline, str]:
    if key in raw:
        text = _text(raw[key], key, required=True)
    elif any(other in raw for other in also):
        start_key, end_key = also
        start = _text(raw.get(start_key), start_key)
        end = _text(raw.get(end_key), end_key) or start
        text = f"{start} – {end}" if start and start != end else end
    else:
        raise ValueError(f"{key} is missing (a string such as 'Q1 2025', or start and end)")
    try:
        return parse_timeline(text, fiscal), _shared(text)
    except InvalidQuarter as error:
        raise ValueError(str(error)) from None


def _fiscal(raw: Mapping[str, Any], key: str, also: Sequence[str]) -> FiscalCalendar:
    (named_by_key,) = also
    start_month = raw.get(key, CALENDAR.start_month)
    named_by = raw.get(named_by_key, CALENDAR.named_by)
    if not isinstance(start_month, int) or start_month not in (1, 4, 7, 10):
        raise ValueError(f"{key} must be 1, 4, 7 or 10")
    if named_by not in ("start", "end"):
        raise ValueError(f"{named_by_key} must be 'start' or 'end'")
    return FiscalCalendar(start_month, named_by)


Reader = Callable[[Mapping[str, Any], FiscalCalendar, dict[str, Any]], None]


def _reader(spec: Field) -> Reader:
    """A function that checks ``spec``'s value in a raw table and puts its attribute(s)
    in ``values``; made once per field, so reading a record does no type dispatch."""
    key, attr, kind, default, required = spec.key, spec.attr, spec.type, spec.default, spec.required
    what = spec.what or key
    if kind in ("line", "pillar", "initiative", "indicator"):
        fallback = spec.fallback
        if fallback is not None:

            def read_line_or(
                raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]
            ) -> None:
                text = _text(raw.get(key), what, required=required)
                values[attr] = _shared(text) if text else values[fallback]

            return read_line_or

        def read_line(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            values[attr] = _shared(_text(raw.get(key), what, required=required)) or default

        return read_line
    if kind == "id":

        def read_id(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            value = _text(raw.get(key), what, required=True)
            if not ID_PATTERN.fullmatch(value):
                raise ValueError(f"{what} must be lowercase letters, digits and dashes")
            values[attr] = value

        return read_id
    if kind == "text":

        def read_text(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            values[attr] = _shared(_text(raw.get(key), what, one_line=False)) or default

        return read_text
    if kind in ("texts", "sources"):

        def read_texts(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            values[attr] = _texts(raw.get(key), what)

        return read_texts
    if kind == "status":

        def read_status(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            values[attr] = check_status(raw.get(key, default))

        return read_status
    if kind == "date" and not required:

        def read_optional_date(
            raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]
        ) -> None:
            value = raw.get(key)
            values[attr] = None if value is None else check_date(value, what)

        return read_optional_date
    if kind == "date":

        def read_date(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            values[attr] = check_date(raw.get(key), what)

        return read_date
    if kind == "percent":

        def read_percent(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            values[attr] = check_percent(raw.get(key), what)

        return read_percent
    if kind == "number":

        def read_number(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            value = raw.get(key)
            values[attr] = default if value is None and not required else check_number(value, what)

        return read_number
    if kind == "quarter":

        def read_quarter(
            raw: Mapping[str, Any], fiscal: FiscalCalendar, values: dict[str, Any]
        ) -> None:
            value = raw.get(key)
            if not required and (value is None or value == ""):
                values[attr] = None  # an optional quarter (an indicator's by): absent
                return
            text = _text(value, what, required=required)
            try:
                values[attr] = parse_quarter(text, fiscal)
            except InvalidQuarter as error:
                raise ValueError(f"{what}: {error}") from None

        return read_quarter
    if kind == "timeline":
        also, text_attr = spec.also, f"{attr}_text"

        def read_timeline(
            raw: Mapping[str, Any], fiscal: FiscalCalendar, values: dict[str, Any]
        ) -> None:
            values[attr], values[text_attr] = _timeline(raw, key, also, fiscal)

        return read_timeline
    if kind == "fiscal":
        also = spec.also

        def read_fiscal(raw: Mapping[str, Any], _: FiscalCalendar, values: dict[str, Any]) -> None:
            values[attr] = _fiscal(raw, key, also)

        return read_fiscal
    raise AssertionError(f"{kind} fields are not read from a table")


def _read(kind: RecordKind, raw: Mapping[str, Any], fiscal: FiscalCalendar) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for read in _READERS[kind.table]:
        read(raw, fiscal, values)
    return values


def field_problems(
    kind: RecordKind, raw: Mapping[str, Any], fiscal: FiscalCalendar = CALENDAR
) -> list[str]:
    """Every problem of one record table, field by field (reading stops at the first)."""
    values: dict[str, Any] = {}
    found: list[str] = []
    for read in _READERS[kind.table]:
        try:
            read(raw, fiscal, values)
        except ValueError as error:
            found.append(str(error))
        except KeyError:  # a value it falls back on was itself refused
            continue
    if kind is HISTORY and values.get("field") == INITIATIVE.field("status").key:
        try:
            check_status(values.get("new"))
        except ValueError as error:
            found.append(str(error))
    if kind is INDICATOR and {"baseline", "target", "direction"} <= set(values):
        try:
            check_indicator_way(values["baseline"], values["target"], values["direction"])
        except ValueError as error:
            found.append(str(error))
    return found


def read_identity(kind: RecordKind, raw: Mapping[str, Any]) -> str:
    """The identity (the id) of one record table, checked as reading the record checks it."""
    assert kind.identity is not None
    values: dict[str, Any] = {}
    _IDENTITY_READERS[kind.table](raw, CALENDAR, values)
    return str(values[kind.identity])


def readable_identity(kind: RecordKind, raw: Mapping[str, Any]) -> str | None:
    """The identity a record table gives itself if it reads as text (a valid id or not)."""
    if kind.identity is None:
        return None
    try:
        return _text(raw.get(kind.identity), kind.identity, required=True)
    except ValueError:
        return None


def record_label(kind: RecordKind, index: int, raw: Mapping[str, Any]) -> str:
    """How messages name one record: "initiative 'x'" when its id reads, else "initiative 3"."""
    ident = readable_identity(kind, raw) if kind.named_by_identity else None
    return f"{kind.label} {index + 1}" if ident is None else f"{kind.label} '{visible(ident)}'"


def read_portfolio_fields(raw: Mapping[str, Any]) -> Portfolio:
    """The ``[portfolio]`` table's fields, as a Portfolio without pillars or initiatives."""
    return Portfolio(initiatives=(), **_read(PORTFOLIO, raw, CALENDAR))


def read_pillar(raw: Mapping[str, Any]) -> Pillar:
    """One ``[[pillars]]`` table; ValueError says what is wrong with it."""
    return Pillar(**_read(PILLAR, raw, CALENDAR))


def read_initiative(
    raw: Mapping[str, Any],
    fiscal: FiscalCalendar,
    *,
    indicators: tuple[Indicator, ...] = (),
    progress_log: tuple[ProgressEntry, ...] = (),
    history: tuple[HistoryEntry, ...] = (),
) -> Initiative:
    """One ``[[initiatives]]`` table; its indicators, progress log and history (other
    tables) when given.

    ValueError says what is wrong with it; its pillar is not checked here
    (that needs the store's pillars: ``model.check_pillar``).
    """
    return Initiative(
        **_read(INITIATIVE, raw, fiscal),
        indicators=indicators,
        progress_log=progress_log,
        history=history,
    )


def read_source(raw: Mapping[str, Any]) -> Source:
    """One ``[[sources]]`` table; ValueError says what is wrong with it."""
    return Source(**_read(SOURCE, raw, CALENDAR))


def read_progress(raw: Mapping[str, Any]) -> ProgressEntry:
    """One ``[[progress]]`` table; ValueError says what is wrong with it."""
    return ProgressEntry(**_read(PROGRESS, raw, CALENDAR))


def read_milestone(raw: Mapping[str, Any], fiscal: FiscalCalendar = CALENDAR) -> Milestone:
    """One ``[[milestones]]`` table; ValueError says what is wrong with it (its initiative
    is checked against the store's by ``model.check_document``)."""
    return Milestone(**_read(MILESTONE, raw, fiscal))


def read_measurement(raw: Mapping[str, Any]) -> Measurement:
    """One ``[[measurements]]`` table; ValueError says what is wrong with it."""
    return Measurement(**_read(MEASUREMENT, raw, CALENDAR))


def check_indicator_way(baseline: float, target: float, direction: str) -> None:
    """ValueError unless target and baseline differ, in the ``direction`` given (if any)."""
    if target == baseline:
        raise ValueError(f"target {target} equals the baseline: there is no way to go")
    if direction == "up" and target < baseline:
        raise ValueError(
            f"direction is up but the target {target} is below the baseline {baseline}"
        )
    if direction == "down" and target > baseline:
        raise ValueError(
            f"direction is down but the target {target} is above the baseline {baseline}"
        )


def read_indicator(
    raw: Mapping[str, Any],
    fiscal: FiscalCalendar = CALENDAR,
    measurements: tuple[Measurement, ...] = (),
) -> Indicator:
    """One ``[[indicators]]`` table, with its measurements (date order) when given.

    ValueError says what is wrong: also a target equal to the baseline, or one
    against its ``direction``.
    """
    indicator = Indicator(**_read(INDICATOR, raw, fiscal), measurements=measurements)
    check_indicator_way(indicator.baseline, indicator.target, indicator.direction)
    return indicator


def read_history(raw: Mapping[str, Any]) -> HistoryEntry:
    """One ``[[history]]`` table; ValueError says what is wrong with it.

    ``to`` must be a status when the entry records a change of ``status``.
    """
    entry = HistoryEntry(**_read(HISTORY, raw, CALENDAR))
    if entry.field == INITIATIVE.field("status").key:
        check_status(entry.new)
    return entry


# --- new TOML tables ----------------------------------------------------------------


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == () or value == []


def toml_value(spec: Field, record: Any) -> Any:
    """The value ``spec`` has in the TOML table of ``record`` (lists for texts)."""
    if spec.type == "timeline":
        return getattr(record, f"{spec.attr}_text")
    value = getattr(record, spec.attr)
    if spec.type == "quarter":
        return None if value is None else str(value)
    return list(value) if spec.type in ("texts", "sources") else value


def toml_table(kind: RecordKind, values: Mapping[str, Any]) -> dict[str, Any]:
    """A new TOML table of ``kind`` from attribute values, keys in the order people read them.

    An empty value (None, "", no items) is left out, unless its field is
    ``write_empty``. A timeline takes its text from ``values[attr + "_text"]``.
    """
    table: dict[str, Any] = {}
    for spec in _STORED[kind.table]:
        if spec.type == "timeline":
            value = values[f"{spec.attr}_text"]
        else:
            value = values.get(spec.attr, spec.default)
            if spec.type in ("texts", "sources") and value is not None:
                value = list(value)
            if spec.type == "quarter" and value is not None:
                value = str(value)
        if _is_empty(value) and not spec.write_empty:
            continue
        table[spec.key] = value
    return table


def record_table(kind: RecordKind, record: Any) -> dict[str, Any]:
    """The TOML table that holds ``record``."""
    names = [spec.attr for spec in _STORED[kind.table]]
    names += [f"{spec.attr}_text" for spec in _STORED[kind.table] if spec.type == "timeline"]
    return toml_table(kind, {name: getattr(record, name) for name in names})


# --- JSON and text forms of a field -----------------------------------------------------


def timeline_json(timeline: Timeline, text: str) -> dict[str, Any]:
    """The ``timeline`` object: as written, canonical start and end, and ``ongoing``."""
    return {
        "text": text,
        "start": str(timeline.start) if timeline.start else None,
        "end": str(timeline.end) if timeline.end else None,
        "ongoing": timeline.ongoing,
    }


def json_getter(spec: Field) -> Callable[[Any], Any]:
    """A function from a record to ``spec``'s value in JSON."""
    attr = spec.attr
    if spec.type == "timeline":
        text = f"{attr}_text"
        return lambda record: timeline_json(getattr(record, attr), getattr(record, text))
    if spec.type in ("texts", "sources"):
        return lambda record: list(getattr(record, attr))
    if spec.type == "quarter":
        return lambda record: None if (quarter := getattr(record, attr)) is None else str(quarter)
    if spec.type == "date" and not spec.required:
        return lambda record: None if (day := getattr(record, attr)) is None else day.isoformat()
    if spec.type == "date":
        return lambda record: getattr(record, attr).isoformat()
    if spec.type == "records":
        assert spec.of is not None
        getters = tuple(
            (entry.json, json_getter(entry)) for entry in spec.of.fields if entry.json is not None
        )

        def entry_json(entry: Any) -> dict[str, Any]:
            document = {}
            for key, get in getters:  # a loop builds small dicts faster than a comprehension
                document[key] = get(entry)
            return document

        return lambda record: [entry_json(entry) for entry in getattr(record, attr)]
    return attrgetter(attr)


def text_value(spec: Field, record: Any, portfolio: Portfolio | None = None) -> str:
    """``spec``'s value as people read it in running text ("" when it has none)."""
    if spec.type == "timeline":
        return str(getattr(record, f"{spec.attr}_text"))
    value = getattr(record, spec.attr)
    if spec.type in ("texts", "sources"):
        return ", ".join(value)
    if spec.type == "pillar" and value and portfolio is not None:
        return portfolio.pillar_name(value)
    if spec.type == "percent":
        return f"{value}%"
    return "" if value is None else str(value)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def entry_text(entry: Any) -> str:
    """An indicator in one line of a flat cell: 'people-assisted: 80000 / 200000 people (40%)'."""
    unit = f" {entry.unit}" if entry.unit else ""
    value, target = _number_text(entry.value), _number_text(entry.target)
    return f"{entry.id}: {value} / {target}{unit} ({entry.share}%)"


# One column of a flat row: (column, get, with_portfolio): the cell is ``get(record)``,
# or ``get(record, portfolio)`` when with_portfolio (a pillar shows its name).
CellGetter = tuple[str, Callable[..., Any], bool]


TEXTS_SEPARATOR = "; "


def join_texts(values: Iterable[str]) -> str:
    """A list in one cell: items joined by "; ", a ";" or "\\" inside an item escaped
    with "\\", so ``split_texts`` gives the items back whatever they hold."""
    return TEXTS_SEPARATOR.join(value.replace("\\", "\\\\").replace(";", "\\;") for value in values)


def split_texts(cell: str) -> list[str]:
    """The items of a cell ``join_texts`` wrote: split at each ";" not escaped by "\\"."""
    items: list[str] = []
    current: list[str] = []
    escaped = False
    for char in cell:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def flat_cells(spec: Field) -> tuple[CellGetter, ...]:
    """``spec``'s cells in a flat row (CSV, Markdown, JSON Lines), one per column."""
    if not spec.columns:
        return ()
    get = attrgetter(spec.attr)
    if spec.type == "timeline":
        start, end, ongoing, text = spec.columns
        return (
            (start, lambda record: str(get(record).start or ""), False),
            (end, lambda record: str(get(record).end or ""), False),
            (ongoing, lambda record: get(record).ongoing, False),
            (text, attrgetter(f"{spec.attr}_text"), False),
        )
    if spec.type == "pillar":  # the id, as in JSON, and its name beside it (contract 2)
        ident, name = spec.columns

        def pillar_name(record: Any, portfolio: Portfolio | None) -> Any:
            value = get(record)
            return portfolio.pillar_name(value) if portfolio and value else ""

        return ((ident, lambda record: get(record) or "", False), (name, pillar_name, True))
    (column,) = spec.columns
    if spec.type == "records":  # one item per entry: "id: value / target unit (share%)"
        return ((column, lambda record: join_texts(map(entry_text, get(record))), False),)
    if spec.type in ("date", "quarter"):
        return ((column, lambda record: "" if (day := get(record)) is None else str(day), False),)
    if spec.type in ("texts", "sources"):
        return ((column, lambda record: join_texts(get(record)), False),)
    if spec.type in ("line", "text"):
        return ((column, lambda record: "" if (value := get(record)) is None else value, False),)
    return ((column, get, False),)


# --- cache rows ------------------------------------------------------------------------
#
# A row is a record as marshal keeps it: str, int, bool, None and tuples only,
# one or two columns per attribute in the order of the record class (so a row
# builds its record with positional arguments, the fastest way): dates as
# ordinals, timelines as two quarter indexes (None: open), a fiscal calendar
# as its two values, records as tuples of their rows. An entry's reference to
# its initiative is the initiative's own id object, so marshal writes it once.


class _Slot:
    """Where one attribute sits in a row."""

    __slots__ = ("attr", "of", "type", "width")

    def __init__(self, attr: str, type: str, width: int, of: RecordKind | None) -> None:
        self.attr = attr
        self.type = type  # the field type, or "plain" for a timeline's text
        self.width = width  # how many columns it takes
        self.of = of


def _slots(kind: RecordKind, attrs: Sequence[str]) -> tuple[_Slot, ...]:
    by_attr = {spec.attr: spec for spec in kind.fields if not spec.derived}
    slots = []
    for attr in attrs:
        if attr.endswith("_text") and attr.removesuffix("_text") in by_attr:
            slots.append(_Slot(attr, "plain", 1, None))
            continue
        spec = by_attr[attr]
        width = 2 if spec.type in ("timeline", "fiscal") else 1
        type = "optional date" if spec.type == "date" and not spec.required else spec.type
        slots.append(_Slot(attr, type, width, spec.of))
    return tuple(slots)


def _class_attrs(kind: RecordKind) -> tuple[str, ...]:
    attrs: tuple[str, ...] = kind.record.__match_args__  # type: ignore[attr-defined]
    return attrs


_TIMELINES: dict[tuple[int | None, int | None], Timeline] = {}


def _timeline_of(start: int | None, end: int | None) -> Timeline:
    timeline = _TIMELINES.get((start, end))
    if timeline is None:
        if len(_TIMELINES) > 4096:
            _TIMELINES.clear()
        timeline = _TIMELINES[(start, end)] = Timeline(
            None if start is None else Quarter.from_index(start),
            None if end is None else Quarter.from_index(end),
        )
    return timeline


Encoder = Callable[[Any], Any]
Decoder = Callable[[Row], Any]


def _column_encoders(kind: RecordKind, slot: _Slot) -> list[Encoder]:
    """For each column ``slot`` takes, a function from the record to that column's value."""
    get = attrgetter(slot.attr)
    if slot.type == "timeline":

        def start(record: Any) -> int | None:
            quarter = get(record).start
            return quarter.index if quarter else None

        def end(record: Any) -> int | None:
            quarter = get(record).end
            return quarter.index if quarter else None

        return [start, end]
    if slot.type == "fiscal":
        return [lambda record: get(record).start_month, lambda record: get(record).named_by]
    if slot.type == "date":
        return [lambda record: get(record).toordinal()]
    if slot.type == "optional date":
        return [lambda record: None if (day := get(record)) is None else day.toordinal()]
    if slot.type == "quarter":
        return [lambda record: None if (quarter := get(record)) is None else quarter.index]
    if slot.type == "records":
        assert slot.of is not None
        entry_row = _nested_encoder(slot.of)
        identity = attrgetter(kind.identity) if kind.identity else (lambda record: None)
        return [lambda record: tuple([entry_row(entry, identity(record)) for entry in get(record)])]
    return [get]


def _nested_encoder(kind: RecordKind) -> Callable[[Any, str | None], Row]:
    """Rows of entries that belong to a record: their reference is the record's own id."""
    encoders = _encoders(kind)
    references = [i for i, slot in enumerate(_ROW_SLOTS[kind.table]) if slot.type == "initiative"]

    def encode(entry: Any, parent: str | None) -> Row:
        values = [encoder(entry) for encoder in encoders]
        if parent is not None:
            for i in references:
                values[i] = parent
        return tuple(values)

    return encode


def _encoders(kind: RecordKind) -> list[Encoder]:
    return [enc for slot in _ROW_SLOTS[kind.table] for enc in _column_encoders(kind, slot)]


def _encoder(kind: RecordKind) -> Callable[[Any], Row]:
    encoders = _encoders(kind)
    return lambda record: tuple([encoder(record) for encoder in encoders])


_DECODERS: dict[str, Decoder] = {}


def _decoder(kind: RecordKind, *, by_name: bool = False, also: str = "") -> Decoder:
    """A function from a row of ``kind`` to its record: positional arguments in class
    order, or by attribute name (``by_name``), ``also`` added to them.

    Written out as one expression per attribute and compiled once, as namedtuple and
    dataclasses make their methods: a warm read of a 10k store builds every record
    through it, and calling a small function per attribute was a third of that
    (~0.1 ms to compile, when a kind's rows are first decoded).
    """
    names: dict[str, Any] = {
        "make": kind.record,
        "fromordinal": date.fromordinal,
        "timeline_of": _timeline_of,
        "FiscalCalendar": FiscalCalendar,
        "from_index": Quarter.from_index,
    }
    values, at = [], 0
    for number, slot in enumerate(_ROW_SLOTS[kind.table]):
        value, following = f"row[{at}]", f"row[{at + 1}]"
        if slot.type == "timeline":
            value = f"timeline_of({value}, {following})"
        elif slot.type == "fiscal":
            value = f"FiscalCalendar({value}, {following})"
        elif slot.type == "date":
            value = f"fromordinal({value})"
        elif slot.type == "optional date":
            value = f"(None if {value} is None else fromordinal({value}))"
        elif slot.type == "quarter":
            value = f"(None if {value} is None else from_index({value}))"
        elif slot.type == "records":
            assert slot.of is not None
            if slot.of.table not in _DECODERS:
                _DECODERS[slot.of.table] = _decoder(slot.of)
            names[f"build_{number}"] = _DECODERS[slot.of.table]
            value = f"(tuple(map(build_{number}, {value})) if {value} else ())"
        values.append(f"{slot.attr}={value}" if by_name else value)
        at += slot.width
    arguments = ", ".join([*values, also] if also else values)
    decode: Decoder = eval(f"lambda row: make({arguments})", names)  # noqa: S307 - our own text
    return decode


def _checked_reader(spec: Field) -> Reader:
    """``_reader(spec)``, followed by the field's own check when it has one."""
    read = _reader(spec)
    check, attr = spec.check, spec.attr
    if check is None:
        return read

    def read_checked(
        raw: Mapping[str, Any], fiscal: FiscalCalendar, values: dict[str, Any]
    ) -> None:
        read(raw, fiscal, values)
        check(values[attr])

    return read_checked


_STORED = {kind.table: kind.stored() for kind in KINDS}
_READERS = {kind.table: tuple(map(_checked_reader, kind.stored())) for kind in KINDS}
_IDENTITY_READERS = {
    kind.table: _reader(kind.field(kind.identity)) for kind in KINDS if kind.identity
}
_ROW_SLOTS = {
    kind.table: _slots(kind, _class_attrs(kind))
    for kind in (PROGRESS, HISTORY, MEASUREMENT, INDICATOR, PILLAR, SOURCE, MILESTONE, INITIATIVE)
}
_ROW_SLOTS[PORTFOLIO.table] = _slots(PORTFOLIO, [spec.attr for spec in PORTFOLIO.fields])


def _column(kind: RecordKind, attr: str) -> int:
    at = 0
    for slot in _ROW_SLOTS[kind.table]:
        if slot.attr == attr:
            return at
        at += slot.width
    raise KeyError(attr)


def row_column(attr: str) -> int:
    """Where an initiative row keeps attribute ``attr`` (the first of its columns)."""
    return _column(INITIATIVE, attr)


# Where an initiative row keeps its id, status and start and end quarter indices (None:
# open): the cache finds rows by id, filters and sorts them before building records.
ID_COLUMN = _column(INITIATIVE, "id")
STATUS_COLUMN = _column(INITIATIVE, "status")
START_COLUMN = _column(INITIATIVE, "timeline")
END_COLUMN = START_COLUMN + 1
DEPENDS_COLUMN = _column(INITIATIVE, "depends_on")
TITLE_COLUMN = _column(INITIATIVE, "title")
INDICATORS_COLUMN = _column(INITIATIVE, "indicators")
# A progress or history entry row's day (an ordinal), and a progress entry's percent.
ENTRY_DAY_COLUMN = _column(PROGRESS, "on")
assert _column(HISTORY, "on") == ENTRY_DAY_COLUMN
PERCENT_COLUMN = _column(PROGRESS, "percent")
# In the rows of the records an initiative's run does not hold: the run path checks the
# rules that span the store (unique ids, references that exist) by these columns.
INDICATOR_ID_COLUMN = _column(INDICATOR, "id")
INDICATOR_INITIATIVE_COLUMN = _column(INDICATOR, "initiative")
MEASUREMENT_INDICATOR_COLUMN = _column(MEASUREMENT, "indicator")
MILESTONE_ID_COLUMN = _column(MILESTONE, "id")
MILESTONE_INITIATIVE_COLUMN = _column(MILESTONE, "initiative")
# Where the portfolio's row keeps its milestones: the cache stores them packed, since
# most writes never look at them and a big store has thousands (vzwatch.storage.cache).
PORTFOLIO_MILESTONES_COLUMN = _column(PORTFOLIO, "milestones")
# The columns of what queries.Facts holds, in its order: `list` filters and sorts
# cached rows by them and builds records only for what it shows.
FACTS_COLUMNS = (
    STATUS_COLUMN,
    _column(INITIATIVE, "pillar"),
    _column(INITIATIVE, "tags"),
    _column(INITIATIVE, "partners"),
    START_COLUMN,
    END_COLUMN,
    TITLE_COLUMN,
    _column(INITIATIVE, "owner"),
)


def _latest_day_in(table: str) -> Callable[[Row], int]:
    """A function from a row of ``table`` to the latest day (an ordinal) of any date in
    it or in the entries it holds, at any depth (an indicator's measurements); 0: none.

    Called on every cached row of a store for each ``--today`` read, so it is made of
    as few Python steps as the layout allows."""
    dates: list[tuple[int, bool]] = []  # (column, may be None)
    logs: list[tuple[int, Callable[[Row], int]]] = []
    at = 0
    for slot in _ROW_SLOTS[table]:
        if slot.type in ("date", "optional date"):
            dates.append((at, slot.type == "optional date"))
        elif slot.type == "records":
            assert slot.of is not None
            logs.append((at, _latest_day_in(slot.of.table)))
        at += slot.width
    if not logs and len(dates) == 1 and not dates[0][1]:
        return itemgetter(dates[0][0])  # an entry: its own date

    def latest(row: Row) -> int:
        best = 0
        for column, _ in dates:
            day = row[column]
            if day is not None and day > best:
                best = day
        for column, latest_of in logs:
            entries = row[column]
            if entries:
                day = max(map(latest_of, entries))
                if day > best:
                    best = day
        return best

    return latest


# The latest day any entry of an initiative row is dated (its logs, at any depth):
# `--today` rebuilds only the rows later than the day (vzwatch.storage.cache).
latest_entry_day: Callable[[Row], int] = _latest_day_in(INITIATIVE.table)
initiative_row: Callable[[Initiative], Row] = _encoder(INITIATIVE)
"""The cache's flat form of one initiative, its progress log and history included."""
progress_row: Callable[[ProgressEntry], Row] = _encoder(PROGRESS)
history_row: Callable[[HistoryEntry], Row] = _encoder(HISTORY)
pillar_row: Callable[[Pillar], Row] = _encoder(PILLAR)
source_row: Callable[[Source], Row] = _encoder(SOURCE)
milestone_row: Callable[[Milestone], Row] = _encoder(MILESTONE)
indicator_row: Callable[[Indicator], Row] = _encoder(INDICATOR)
measurement_row: Callable[[Measurement], Row] = _encoder(MEASUREMENT)
portfolio_row: Callable[[Portfolio], Row] = _encoder(PORTFOLIO)
"""The portfolio's own fields and its pillars (not its initiatives: they have rows)."""

for _kind in (PROGRESS, HISTORY, MEASUREMENT, INDICATOR, PILLAR, SOURCE, MILESTONE, INITIATIVE):
    _DECODERS[_kind.table] = _decoder(_kind)  # the logs first: an initiative's decoder uses them
initiative_from_row: Callable[[Row], Initiative] = _DECODERS[INITIATIVE.table]
progress_from_row: Callable[[Row], ProgressEntry] = _DECODERS[PROGRESS.table]
history_from_row: Callable[[Row], HistoryEntry] = _DECODERS[HISTORY.table]
pillar_from_row: Callable[[Row], Pillar] = _DECODERS[PILLAR.table]
source_from_row: Callable[[Row], Source] = _DECODERS[SOURCE.table]
milestone_from_row: Callable[[Row], Milestone] = _DECODERS[MILESTONE.table]
indicator_from_row: Callable[[Row], Indicator] = _DECODERS[INDICATOR.table]
measurement_from_row: Callable[[Row], Measurement] = _DECODERS[MEASUREMENT.table]
portfolio_from_row: Callable[[Row], Portfolio] = _decoder(
    PORTFOLIO, by_name=True, also="initiatives=()"
)
"""The Portfolio (without initiatives) that ``portfolio_row`` made a row of."""
