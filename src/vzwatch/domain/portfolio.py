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
from vzwatch.domain.schema import (
    FINISHED_STATUSES,
    HISTORY,
    ID_PATTERN,
    INITIATIVE,
    LOGS,
    MAX_TEXT_LENGTH,
    PILLAR,
    PROGRESS,
    SOURCE,
    STATUSES,
    HistoryEntry,
    Initiative,
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
    read_initiative,
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

Entry = TypeVar("Entry", ProgressEntry, HistoryEntry)
Record = TypeVar("Record")

__all__ = [
    "FINISHED_STATUSES",
    "ID_PATTERN",
    "MAX_TEXT_LENGTH",
    "STATUSES",
    "HistoryEntry",
    "Initiative",
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
    "initiative_record",
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
            self._headers[table] = [
                self.text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(self.text)
            ]
        return self._headers[table]

    def entry_line(
        self,
        table: str,
        tables: Sequence[Mapping[str, Any]],
        ident: str,
        outside: tuple[date, date] | None = None,
    ) -> int | None:
        """The line of the first entry of ``table`` that names initiative ``ident``
        (and is dated outside the days ``outside`` spans, when given)."""
        lines = self.header_lines(table)
        for index, raw in enumerate(tables):
            if raw.get("initiative") != ident or index >= len(lines):
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
    # Each log's entries by the initiative they name (its field on Initiative -> id -> entries).
    logs: dict[str, dict[str, list[Any]]] = {}
    raw_logs: dict[str, list[dict[str, Any]]] = {}  # each log table's raw tables: for lines
    for spec in LOGS:
        kind = spec.of
        assert kind is not None
        read = _cited(_ENTRY_READERS[kind.table], source_ids)
        raw_logs[kind.table] = tables(kind)
        entries = _read_tables(kind, raw_logs[kind.table], read, locator, problems)
        logs[spec.attr] = _by_initiative(entries)

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
    portfolio = replace(head, initiatives=tuple(initiatives), pillars=pillars, sources=sources)
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
    return portfolio, problems


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
    for kind, entries in ((PROGRESS, log), (HISTORY, initiative.history)):
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


def _by_initiative(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    by_initiative: dict[str, list[Entry]] = {}
    for entry in entries:
        by_initiative.setdefault(entry.initiative, []).append(entry)
    for listed in by_initiative.values():
        listed.sort(key=lambda entry: entry.on)  # stable: same-day entries keep file order
    return by_initiative


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


def history_record(entry: HistoryEntry) -> dict[str, Any]:
    """The TOML table of a history entry."""
    return record_table(HISTORY, entry)


def source_record(source: Source) -> dict[str, Any]:
    """The TOML table of a source (empty fields are left out)."""
    return record_table(SOURCE, source)
