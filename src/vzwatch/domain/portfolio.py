"""Records and validation: what an initiative is, and what a valid store holds.

``portfolio_from_document`` turns a parsed store into immutable records or
raises one ``StoreError`` naming the file, the line and the record; with the
TOML parse in front of it (``operations.reading.load_portfolio``) it is the
``check`` every write runs on the old and the new text, so a store that
vzwatch writes always loads again.

The record kinds and their fields are declared in ``vzwatch.domain.schema``, which
also reads and checks one record table at a time; this module adds the rules
that span the store (unique ids, references between records) and new ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from vzwatch.domain.errors import StoreError
from vzwatch.domain.names import slugify
from vzwatch.domain.quarters import FiscalCalendar
from vzwatch.domain.schema import (
    FINISHED_STATUSES,
    HISTORY,
    ID_PATTERN,
    INDICATOR,
    INITIATIVE,
    LOGS,
    MAX_TEXT_LENGTH,
    MEASUREMENT,
    MILESTONE,
    PILLAR,
    PROGRESS,
    SOURCE,
    STATUSES,
    HistoryEntry,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    Pillar,
    Portfolio,
    ProgressEntry,
    RecordKind,
    Source,
    Status,
    check_date,
    field_problems,
    find_id,
    read_history,
    read_identity,
    read_indicator,
    read_initiative,
    read_measurement,
    read_milestone,
    read_pillar,
    read_portfolio_fields,
    read_progress,
    read_source,
    readable_identity,
    record_label,
    record_table,
    toml_table,
)
from vzwatch.domain.text import visible

Record = TypeVar("Record")

__all__ = [
    "FINISHED_STATUSES",
    "ID_PATTERN",
    "MAX_TEXT_LENGTH",
    "STATUSES",
    "HistoryEntry",
    "Indicator",
    "Initiative",
    "Measurement",
    "Milestone",
    "Pillar",
    "Portfolio",
    "Problem",
    "ProgressEntry",
    "Source",
    "Status",
    "check_document",
    "check_pillar",
    "check_sources",
    "check_unique",
    "find_id",
    "history_record",
    "indicator_record",
    "initiative_record",
    "measurement_record",
    "milestone_contradictions",
    "milestone_record",
    "new_id",
    "orphan_message",
    "portfolio_from_document",
    "progress_record",
    "slugify",
    "source_record",
]


# --- loading and validation -------------------------------------------------


class Problem(NamedTuple):
    """One thing wrong with a store, located as precisely as we can."""

    path: Path
    line: int | None
    record: str | None  # "initiative 'x'", "pillar 2", "[portfolio]"... or None
    message: str
    column: int | None = None

    @property
    def text(self) -> str:
        """``PATH[:LINE[:COL]]: [RECORD: ]MESSAGE``, the one-line form errors use."""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        label = f"{self.record}: " if self.record else ""
        return f"{where}: {label}{self.message}"


class _Locator:
    """Finds the line of a record in the text, so problems can point at it."""

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self._headers: dict[str, list[int]] = {}

    def header_lines(self, table: str) -> list[int]:
        if table not in self._headers:
            pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(table)}[ \t]*\]\]", re.MULTILINE)
            # Newlines counted from one header to the next: once over the text, not per header.
            lines: list[int] = []
            line, last = 1, 0
            for match in pattern.finditer(self.text):
                line += self.text.count("\n", last, match.start())
                last = match.start()
                lines.append(line)
            self._headers[table] = lines
        return self._headers[table]

    def entry_line(
        self,
        table: str,
        tables: Sequence[Mapping[str, Any]],
        ident: str,
        outside: tuple[date, date] | None = None,
        key: str = "initiative",
    ) -> int | None:
        """The line of the first entry of ``table`` whose ``key`` names ``ident``
        (and is dated outside the days ``outside`` spans, when given)."""
        lines = self.header_lines(table)
        for index, raw in enumerate(tables):
            if raw.get(key) != ident or index >= len(lines):
                continue
            day = _entry_day(raw)
            if outside is None or (day is not None and not outside[0] <= day <= outside[1]):
                return lines[index]
        return None

    def problem(self, table: str, index: int, label: str, message: str) -> Problem:
        lines = self.header_lines(table)
        line = lines[index] if index < len(lines) else None
        return Problem(self.path, line, label, message)


def _entry_day(raw: Mapping[str, Any]) -> date | None:
    try:
        return check_date(raw.get("date"), "date")
    except ValueError:
        return None


def _table_list(
    document: Mapping[str, Any], key: str, path: Path, problems: list[Problem]
) -> list[dict[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append(Problem(path, None, None, f"'{key}' must be written as [[{key}]] tables"))
        return []
    return value


def portfolio_from_document(document: Mapping[str, Any], text: str, path: Path) -> Portfolio:
    """Validate an already parsed store document; raise StoreError for its first problem."""
    portfolio, problems = check_document(document, text, path)
    if problems:
        raise StoreError(problems[0].text)
    return portfolio


def check_document(
    document: Mapping[str, Any], text: str, path: Path, today: date | None = None
) -> tuple[Portfolio, list[Problem]]:
    """Every problem of a parsed store, in file-section order, and the records that are valid.

    ``load_portfolio`` raises the first of these problems; ``vzwatch validate``
    reports them all. Each table is read by ``vzwatch.domain.schema``; the rules
    that span the store are ``check_unique``, ``check_pillar`` and
    ``orphan_message``.
    """
    problems: list[Problem] = []
    locator = _Locator(text, path)
    head = Portfolio(initiatives=())
    meta = document.get("portfolio", {})
    if not isinstance(meta, dict):
        problems.append(Problem(path, None, None, "[portfolio] must be a table"))
    else:
        try:
            head = read_portfolio_fields(meta)
        except ValueError as error:
            problems.append(Problem(path, None, "[portfolio]", str(error)))

    def tables(kind: RecordKind) -> list[dict[str, Any]]:
        return _table_list(document, kind.table, path, problems)

    pillars = tuple(_read_tables(PILLAR, tables(PILLAR), read_pillar, locator, problems))
    pillar_ids = {pillar.id for pillar in pillars}
    sources = tuple(_read_tables(SOURCE, tables(SOURCE), read_source, locator, problems))
    source_ids = {source.id for source in sources}
    raw_measurements = tables(MEASUREMENT)
    measurements = _by_indicator(
        _read_tables(MEASUREMENT, raw_measurements, read_measurement, locator, problems)
    )
    readers: dict[str, Callable[[Mapping[str, Any]], Any]] = {
        table: _cited(read, source_ids) for table, read in _ENTRY_READERS.items()
    }
    readers[INDICATOR.table] = _indicator_reader(head.fiscal, measurements)
    # Each log's entries by the initiative they name (its field on Initiative -> id -> entries).
    logs: dict[str, dict[str, list[Any]]] = {}
    raw_logs: dict[str, list[dict[str, Any]]] = {}  # each log table's raw tables: for lines
    for spec in LOGS:
        kind = spec.of
        assert kind is not None
        raw_logs[kind.table] = tables(kind)
        entries = _read_tables(kind, raw_logs[kind.table], readers[kind.table], locator, problems)
        logs[spec.attr] = _by_initiative(entries)
    indicator_ids = {readable_identity(INDICATOR, raw) for raw in raw_logs[INDICATOR.table]}
    for orphan in measurements:
        if orphan not in indicator_ids:  # else its indicator is invalid, and that is reported
            line = locator.entry_line(MEASUREMENT.table, raw_measurements, orphan, key="indicator")
            message = (
                f"[[{MEASUREMENT.table}]] names indicator '{visible(orphan)}', which does not exist"
            )
            problems.append(Problem(path, line, None, message))

    def initiative(raw: Mapping[str, Any]) -> Initiative:
        ident = raw[INITIATIVE.identity or ""]  # read and found unique: a valid id
        own = {attr: tuple(entries.get(ident, ())) for attr, entries in logs.items()}
        item = read_initiative(raw, head.fiscal, **own)
        check_pillar(item, pillar_ids)
        check_sources(item.sources, source_ids)
        for entries in logs.values():
            entries.pop(ident, None)
        return item

    initiative_tables = tables(INITIATIVE)
    initiatives = _read_tables(INITIATIVE, initiative_tables, initiative, locator, problems)
    named = {readable_identity(INITIATIVE, raw) for raw in initiative_tables}
    for spec in LOGS:
        assert spec.of is not None
        for orphan in logs[spec.attr]:
            if orphan not in named:  # else its initiative is invalid, and that is reported
                line = locator.entry_line(spec.of.table, raw_logs[spec.of.table], orphan)
                problems.append(Problem(path, line, None, orphan_message(spec.of, orphan)))
    milestones = _read_milestones(
        tables(MILESTONE), head, {item.id for item in initiatives}, named, locator, problems
    )
    portfolio = replace(
        head,
        initiatives=tuple(initiatives),
        pillars=pillars,
        sources=sources,
        milestones=milestones,
    )
    if today is not None:
        lines = {
            readable_identity(INITIATIVE, raw): line
            for raw, line in zip(
                initiative_tables, locator.header_lines(INITIATIVE.table), strict=False
            )
        }
        for item in portfolio.initiatives:
            for table, message in contradictions(item, today):
                raws = raw_logs.get(table, [])
                line = (
                    lines.get(item.id)
                    if table == INITIATIVE.table
                    else locator.entry_line(table, raws, item.id, outside=(_FIRST_DAY, today))
                )
                problems.append(Problem(path, line, f"initiative '{item.id}'", message))
        problems += _milestone_contradictions(portfolio, today, locator)
    return portfolio, problems


def _read_milestones(
    raw: list[dict[str, Any]],
    head: Portfolio,
    valid: Collection[str],
    named: Collection[str | None],
    locator: _Locator,
    problems: list[Problem],
) -> tuple[Milestone, ...]:
    """The valid ``[[milestones]]``: each read, its id unique, its initiative one that exists.

    One naming an initiative whose own table is invalid is left out without a
    problem of its own (the initiative's problem is reported).
    """

    def read(table: Mapping[str, Any]) -> Milestone:
        milestone = read_milestone(table, head.fiscal)
        if milestone.initiative not in valid and milestone.initiative not in named:
            raise ValueError(orphan_message(MILESTONE, milestone.initiative))
        return milestone

    read_all = _read_tables(MILESTONE, raw, read, locator, problems)
    return tuple(milestone for milestone in read_all if milestone.initiative in valid)


def _milestone_contradictions(
    portfolio: Portfolio, today: date, locator: _Locator
) -> list[Problem]:
    found = milestone_contradictions(portfolio, today)
    lines = locator.header_lines(MILESTONE.table) if found else []
    return [
        Problem(
            locator.path,
            lines[index] if index < len(lines) else None,
            f"{MILESTONE.label} '{portfolio.milestones[index].id}'",
            message,
        )
        for index, message in found
    ]


def milestone_contradictions(portfolio: Portfolio, today: date) -> list[tuple[int, str]]:
    """`validate`'s checks of milestones against their initiative and ``today``, as
    (index in the store, message): a quarter outside the initiative's timeline, a done
    date after ``today`` (it would count as reached before it is) or before 1900."""
    found: list[tuple[int, str]] = []
    for index, milestone in enumerate(portfolio.milestones):
        initiative = portfolio.get(milestone.initiative)
        timeline = initiative.timeline if initiative is not None else None
        if timeline is not None and not timeline.active_in(milestone.quarter):
            found.append(
                (
                    index,
                    f"quarter {milestone.quarter} is outside the timeline of initiative "
                    f"'{milestone.initiative}' ({timeline.label})",
                )
            )
        done = milestone.done
        if done is not None and done > today:
            found.append((index, f"done {done}, after today ({today})"))
        elif done is not None and done < _FIRST_DAY:
            found.append((index, f"done {done}, before {_FIRST_DAY}"))
    return found


_FIRST_DAY = date(1900, 1, 1)  # userinput.FIRST_DAY: no entry is dated before it


def contradictions(initiative: Initiative, today: date) -> list[tuple[str, str]]:
    """What an initiative says against itself, as (table, message): `validate` lists these.

    Done below 100%, a status history that does not end in the current
    status, entries dated after ``today`` (they would hide every real update) or
    before 1900.
    """
    found: list[tuple[str, str]] = []
    log = initiative.progress_log
    if initiative.status == Status.DONE and log and log[-1].percent < 100:
        found.append(
            (
                INITIATIVE.table,
                f"status is done but the latest progress entry ({log[-1].on}) is "
                f"{log[-1].percent}%: record 100 or change the status",
            )
        )
    changes = [h for h in initiative.history if h.field == INITIATIVE.field("status").key]
    if changes and changes[-1].new != initiative.status:
        last = changes[-1]
        found.append(
            (
                INITIATIVE.table,
                f"status is {initiative.status} but the status history ends in "
                f"{last.old} → {last.new} ({last.on}): fix the status or the history",
            )
        )
    measured = tuple(m for indicator in initiative.indicators for m in indicator.measurements)
    for kind, entries in ((PROGRESS, log), (HISTORY, initiative.history), (MEASUREMENT, measured)):
        for entry in entries:
            if entry.on > today:
                found.append((kind.table, f"{kind.label} dated {entry.on}, after today ({today})"))
            elif entry.on < _FIRST_DAY:
                found.append((kind.table, f"{kind.label} dated {entry.on}, before {_FIRST_DAY}"))
    return found


_ENTRY_READERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    PROGRESS.table: read_progress,
    HISTORY.table: read_history,
}


def _cited(
    read: Callable[[Mapping[str, Any]], Any], source_ids: Collection[str]
) -> Callable[[Mapping[str, Any]], Any]:
    """``read``, and then the entry's cited sources checked against the store's."""

    def read_cited(raw: Mapping[str, Any]) -> Any:
        entry = read(raw)
        check_sources(entry.sources, source_ids)
        return entry

    return read_cited


def _read_tables(
    kind: RecordKind,
    tables: list[dict[str, Any]],
    read: Callable[[Mapping[str, Any]], Record],
    locator: _Locator,
    problems: list[Problem],
) -> list[Record]:
    """The valid records of ``kind``'s tables; a problem for each of the others."""
    records = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(tables):
        found: list[str] = []
        try:
            if kind.identity is not None:
                check_unique(kind, read_identity(kind, raw), index, seen)
            records.append(read(raw))
        except ValueError as error:
            # Every problem of the record, not only the first (a duplicate id hides no status).
            found = [str(error), *field_problems(kind, raw)]
        label = record_label(kind, index, raw) if found else ""
        problems.extend(
            locator.problem(kind.table, index, label, message) for message in dict.fromkeys(found)
        )
    return records


def _by_initiative(entries: Iterable[Any]) -> dict[str, list[Any]]:
    """Entries by the initiative they name; dated ones in date order (same-day: file order)."""
    by_initiative: dict[str, list[Any]] = {}
    for entry in entries:
        by_initiative.setdefault(entry.initiative, []).append(entry)
    for listed in by_initiative.values():
        if listed and hasattr(listed[0], "on"):
            listed.sort(key=lambda entry: entry.on)  # stable: same-day entries keep file order
    return by_initiative


def _by_indicator(entries: Iterable[Measurement]) -> dict[str, list[Measurement]]:
    """Measurements by the indicator they name, in date order (same-day: file order)."""
    by_indicator: dict[str, list[Measurement]] = {}
    for entry in entries:
        by_indicator.setdefault(entry.indicator, []).append(entry)
    for listed in by_indicator.values():
        listed.sort(key=lambda entry: entry.on)
    return by_indicator


def _indicator_reader(
    fiscal: FiscalCalendar, measurements: Mapping[str, list[Measurement]]
) -> Callable[[Mapping[str, Any]], Indicator]:
    """Reads one ``[[indicators]]`` table with the measurements that name it."""

    def read(raw: Mapping[str, Any]) -> Indicator:
        ident = read_identity(INDICATOR, raw)
        return read_indicator(raw, fiscal, tuple(measurements.get(ident, ())))

    return read


# --- rules that span the store ---------------------------------------------------
#
# Written on identities and records already read, so that a reader that has
# validated records some other way (the cache, block by block) can apply them.


def check_unique(kind: RecordKind, ident: str, index: int, seen: dict[str, int]) -> None:
    """Note that record ``index`` of ``kind`` is ``ident``; ValueError if an earlier one was."""
    first = seen.setdefault(ident, index)
    if first != index:
        raise ValueError(kind.duplicate.format(first=first + 1, ident=ident))


def check_pillar(initiative: Initiative, pillar_ids: Collection[str]) -> None:
    """ValueError unless the initiative's pillar (if any) is one of the store's pillars."""
    pillar = initiative.pillar
    if pillar is not None and pillar not in pillar_ids:
        known = ", ".join(sorted(pillar_ids)) or "none defined"
        raise ValueError(f"pillar {pillar!r} is not a [[{PILLAR.table}]] id ({known})")


def check_sources(cited: Iterable[str], source_ids: Collection[str]) -> None:
    """ValueError unless every cited source id is one of the store's ``[[sources]]``."""
    for source_id in cited:
        if source_id not in source_ids:
            known = ", ".join(sorted(source_ids)) or "none defined"
            raise ValueError(
                f"source '{visible(source_id)}' is not a [[{SOURCE.table}]] id ({known})"
            )


def orphan_message(kind: RecordKind, ident: str) -> str:
    """The problem of ``kind`` entries that name an initiative no table defines."""
    return f"[[{kind.table}]] names initiative '{visible(ident)}', which does not exist"


# --- new records ------------------------------------------------------------


def new_id(title: str, existing: Container[str]) -> str:
    """A slug from the title that no existing initiative uses."""
    base = slugify(title)
    candidate, number = base, 2
    while candidate in existing:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def initiative_record(
    *,
    ident: str,
    title: str,
    objective: str,
    timeline_text: str,
    pillar: str | None,
    partners: Sequence[str],
    tags: Sequence[str],
    status: str,
    source: str | None = None,
    sources: Sequence[str] = (),
    owner: str | None = None,
    depends_on: Sequence[str] = (),
    review_every: str | None = None,
) -> dict[str, Any]:
    """The TOML table of a new initiative, keys in the order people read them."""
    values = {
        "id": ident,
        "title": title,
        "objective": objective,
        "timeline_text": timeline_text,
        "pillar": pillar,
        "partners": partners,
        "tags": tags,
        "status": status,
        "source": source,
        "sources": sources,
        "owner": owner,
        "depends_on": depends_on,
        "review_every": review_every,
    }
    return toml_table(INITIATIVE, values)


def progress_record(entry: ProgressEntry) -> dict[str, Any]:
    """The TOML table of a progress entry (an empty note is left out)."""
    return record_table(PROGRESS, entry)


def indicator_record(indicator: Indicator) -> dict[str, Any]:
    """The TOML table of an indicator (its measurements are tables of their own)."""
    return record_table(INDICATOR, indicator)


def measurement_record(entry: Measurement) -> dict[str, Any]:
    """The TOML table of a measurement (an empty note is left out)."""
    return record_table(MEASUREMENT, entry)


def history_record(entry: HistoryEntry) -> dict[str, Any]:
    """The TOML table of a history entry."""
    return record_table(HISTORY, entry)


def milestone_record(milestone: Milestone) -> dict[str, Any]:
    """The TOML table of a milestone (no ``done`` key while it is open)."""
    return record_table(MILESTONE, milestone)


def source_record(source: Source) -> dict[str, Any]:
    """The TOML table of a source (empty fields are left out)."""
    return record_table(SOURCE, source)
