"""Records and validation: what an initiative is, and what a valid store holds.

``load_portfolio`` turns the text of a store into immutable records or raises
one ``StoreError`` naming the file, the line and the record. It is the
``check`` every write runs on the old and the new text, so a store that
vzwatch writes always loads again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

from vzwatch.errors import InvalidQuarter, NotFoundError, StoreError, UsageError
from vzwatch.quarters import CALENDAR, FiscalCalendar, Timeline, parse_timeline
from vzwatch.textsafe import unsafe_character, visible

STATUSES = ("planned", "active", "done", "paused", "cancelled")
FINISHED_STATUSES = frozenset({"done", "cancelled"})
ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?", re.ASCII)
MAX_TEXT_LENGTH = 10_000


# ProgressEntry, HistoryEntry and Pillar are NamedTuples, not dataclasses: they
# are as immutable, and defining a frozen dataclass costs ~0.7 ms of every start.
class ProgressEntry(NamedTuple):
    """One dated measurement of how far an initiative has come."""

    initiative: str
    on: date
    percent: int
    note: str = ""


class HistoryEntry(NamedTuple):
    """One dated change of a field (today only ``status``), so reports can say when it moved."""

    initiative: str
    on: date
    field: str
    old: str
    new: str


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
    status: str = "planned"
    source: str | None = None
    progress_log: tuple[ProgressEntry, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    @property
    def progress(self) -> int:
        """Current progress: the entry with the latest date (the later-recorded on a tie)."""
        if self.progress_log:
            return self.progress_log[-1].percent
        return 100 if self.status == "done" else 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Everything a store holds that vzwatch understands."""

    initiatives: tuple[Initiative, ...]
    pillars: tuple[Pillar, ...] = ()
    title: str = ""
    source: str = ""
    partners: tuple[str, ...] = ()
    fiscal: FiscalCalendar = CALENDAR
    _by_id: dict[str, Initiative] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((item.id, item) for item in self.initiatives)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def pillar_name(self, pillar_id: str | None) -> str:
        for pillar in self.pillars:
            if pillar.id == pillar_id:
                return pillar.name
        return pillar_id or ""

    def find(self, id_or_prefix: str) -> Initiative:
        """The initiative with this id, or the only one whose id starts with it."""
        return self._by_id[find_id(self._by_id, id_or_prefix)]


def find_id(ids: Collection[str], id_or_prefix: str) -> str:
    """The id ``id_or_prefix`` names: itself, or the only id that starts with it."""
    key = id_or_prefix.strip().lower()
    if key in ids:
        return key
    matches = sorted(i for i in ids if key and i.startswith(key))
    if len(matches) == 1:
        return matches[0]
    shown = visible(id_or_prefix)
    if matches:
        raise NotFoundError(f"'{shown}' matches several initiatives: {', '.join(matches)}")
    raise NotFoundError(f"no initiative matches '{shown}' (see `vzwatch list`)")


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

    def problem(self, table: str, index: int, label: str, message: str) -> Problem:
        lines = self.header_lines(table)
        line = lines[index] if index < len(lines) else None
        return Problem(self.path, line, label, message)


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


def _strings(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return tuple(value)


def _type_name(value: object) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _timeline(raw: Mapping[str, Any], fiscal: FiscalCalendar) -> tuple[Timeline, str]:
    if "timeline" in raw:
        text = _text(raw["timeline"], "timeline", required=True)
    elif "start" in raw or "end" in raw:
        start = _text(raw.get("start"), "start")
        end = _text(raw.get("end"), "end") or start
        text = f"{start} – {end}" if start and start != end else end
    else:
        raise ValueError("timeline is missing (a string such as 'Q1 2025', or start and end)")
    try:
        return parse_timeline(text, fiscal), text
    except InvalidQuarter as error:
        raise ValueError(str(error)) from None


def _fiscal(raw: Mapping[str, Any]) -> FiscalCalendar:
    start_month = raw.get("fiscal_year_start_month", 1)
    named_by = raw.get("fiscal_year_named_by", "start")
    if not isinstance(start_month, int) or start_month not in (1, 4, 7, 10):
        raise ValueError("fiscal_year_start_month must be 1, 4, 7 or 10")
    if named_by not in ("start", "end"):
        raise ValueError("fiscal_year_named_by must be 'start' or 'end'")
    return FiscalCalendar(start_month, named_by)


def _table_list(
    document: Mapping[str, Any], key: str, path: Path, problems: list[Problem]
) -> list[dict[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append(Problem(path, None, None, f"'{key}' must be written as [[{key}]] tables"))
        return []
    return value


def load_portfolio(text: str, path: Path) -> Portfolio:
    """Parse and validate the text of a store; raise StoreError pointing at the problem."""
    from vzwatch.store import parse_toml

    return portfolio_from_document(parse_toml(text, path), text, path)


def portfolio_from_document(document: Mapping[str, Any], text: str, path: Path) -> Portfolio:
    """Validate an already parsed store document; raise StoreError for its first problem."""
    portfolio, problems = check_document(document, text, path)
    if problems:
        raise StoreError(problems[0].text)
    return portfolio


def check_document(
    document: Mapping[str, Any], text: str, path: Path
) -> tuple[Portfolio, list[Problem]]:
    """Every problem of a parsed store, in file-section order, and the records that are valid.

    ``load_portfolio`` raises the first of these problems; ``vzwatch validate``
    reports them all.
    """
    problems: list[Problem] = []
    locator = _Locator(text, path)
    meta = document.get("portfolio", {})
    fiscal, title, source = CALENDAR, "", ""
    partners: tuple[str, ...] = ()
    if not isinstance(meta, dict):
        problems.append(Problem(path, None, None, "[portfolio] must be a table"))
    else:
        try:
            fiscal = _fiscal(meta)
            title = _text(meta.get("title"), "portfolio title")
            source = _text(meta.get("source"), "portfolio source")
            partners = _strings(meta.get("partners"), "portfolio partners")
        except ValueError as error:
            problems.append(Problem(path, None, "[portfolio]", str(error)))

    pillars = _load_pillars(_table_list(document, "pillars", path, problems), locator, problems)
    pillar_ids = {p.id for p in pillars}
    progress = _load_progress(_table_list(document, "progress", path, problems), locator, problems)
    history = _load_history(_table_list(document, "history", path, problems), locator, problems)

    initiatives: list[Initiative] = []
    seen: dict[str, int] = {}
    broken: set[str] = set()  # ids of invalid records: their progress is not orphaned
    for index, raw in enumerate(_table_list(document, "initiatives", path, problems)):
        label = f"initiative {index + 1}"
        ident = ""
        try:
            ident = _text(raw.get("id"), "id", required=True)
            label = f"initiative '{visible(ident)}'"
            if not ID_PATTERN.fullmatch(ident):
                raise ValueError("id must be lowercase letters, digits and dashes")
            if ident in seen:
                raise ValueError(f"duplicate id (also initiative {seen[ident] + 1})")
            seen[ident] = index
            status = raw.get("status", "planned")
            if status not in STATUSES:
                raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
            pillar = _text(raw.get("pillar"), "pillar") or None
            if pillar is not None and pillar not in pillar_ids:
                known = ", ".join(sorted(pillar_ids)) or "none defined"
                raise ValueError(f"pillar {pillar!r} is not a [[pillars]] id ({known})")
            timeline, timeline_text = _timeline(raw, fiscal)
            initiatives.append(
                Initiative(
                    id=ident,
                    title=_text(raw.get("title"), "title", required=True),
                    objective=_text(raw.get("objective"), "objective", one_line=False),
                    timeline=timeline,
                    timeline_text=timeline_text,
                    pillar=pillar,
                    partners=_strings(raw.get("partners"), "partners"),
                    tags=_strings(raw.get("tags"), "tags"),
                    status=status,
                    source=_text(raw.get("source"), "source") or None,
                    progress_log=tuple(progress.pop(ident, ())),
                    history=tuple(history.pop(ident, ())),
                )
            )
        except ValueError as error:
            problems.append(locator.problem("initiatives", index, label, str(error)))
            broken.add(ident)

    for table, entries in (("progress", progress), ("history", history)):
        for orphan in entries:
            if orphan in seen or orphan in broken:
                continue  # its initiative is invalid, and that is already reported
            problems.append(
                Problem(
                    path,
                    None,
                    None,
                    f"[[{table}]] names initiative '{visible(orphan)}', which does not exist",
                )
            )
    portfolio = Portfolio(
        initiatives=tuple(initiatives),
        pillars=pillars,
        title=title,
        source=source,
        partners=partners,
        fiscal=fiscal,
    )
    return portfolio, problems


def _load_pillars(
    tables: list[dict[str, Any]], locator: _Locator, problems: list[Problem]
) -> tuple[Pillar, ...]:
    pillars: list[Pillar] = []
    for index, raw in enumerate(tables):
        try:
            ident = _text(raw.get("id"), "id", required=True)
            if any(p.id == ident for p in pillars):
                raise ValueError(f"duplicate pillar id {ident!r}")
            pillars.append(
                Pillar(
                    id=ident,
                    name=_text(raw.get("name"), "name") or ident,
                    description=_text(raw.get("description"), "description"),
                )
            )
        except ValueError as error:
            problems.append(locator.problem("pillars", index, f"pillar {index + 1}", str(error)))
    return tuple(pillars)


def _entry_date(raw: Mapping[str, Any]) -> date:
    """A log entry's day: a TOML date, a "YYYY-MM-DD" string, or a date-time's date.

    A date-time (local or with an offset) counts as the day written in it, with
    no time-zone conversion; a time of day alone names no day and is refused.
    """
    on = raw.get("date")
    if isinstance(on, str):
        on = _iso_date(on)
    if isinstance(on, datetime):
        return on.date()
    if isinstance(on, time):
        raise ValueError(f"date must be a day such as 2025-03-31, not a time of day ({on})")
    if not isinstance(on, date):
        raise ValueError("date must be a date such as 2025-03-31")
    return on


def _load_progress(
    tables: list[dict[str, Any]], locator: _Locator, problems: list[Problem]
) -> dict[str, list[ProgressEntry]]:
    by_initiative: dict[str, list[ProgressEntry]] = {}
    for index, raw in enumerate(tables):
        try:
            ident = _text(raw.get("initiative"), "initiative", required=True)
            on = _entry_date(raw)
            percent = raw.get("percent")
            if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
                raise ValueError("percent must be a whole number from 0 to 100")
            entry = ProgressEntry(
                ident, on, percent, _text(raw.get("note"), "note", one_line=False)
            )
            by_initiative.setdefault(ident, []).append(entry)
        except ValueError as error:
            problems.append(
                locator.problem("progress", index, f"progress entry {index + 1}", str(error))
            )
    for entries in by_initiative.values():
        entries.sort(key=lambda entry: entry.on)  # stable: same-day entries keep file order
    return by_initiative


def _load_history(
    tables: list[dict[str, Any]], locator: _Locator, problems: list[Problem]
) -> dict[str, list[HistoryEntry]]:
    by_initiative: dict[str, list[HistoryEntry]] = {}
    for index, raw in enumerate(tables):
        try:
            ident = _text(raw.get("initiative"), "initiative", required=True)
            on = _entry_date(raw)
            changed = _text(raw.get("field"), "field", required=True)
            old = _text(raw.get("from"), "from")
            new = _text(raw.get("to"), "to")
            if changed == "status" and new not in STATUSES:
                raise ValueError(f"status {new!r} is not one of {', '.join(STATUSES)}")
            by_initiative.setdefault(ident, []).append(HistoryEntry(ident, on, changed, old, new))
        except ValueError as error:
            problems.append(
                locator.problem("history", index, f"history entry {index + 1}", str(error))
            )
    for entries in by_initiative.values():
        entries.sort(key=lambda entry: entry.on)  # stable: same-day entries keep file order
    return by_initiative


def _iso_date(text: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")
    return date.fromisoformat(text)


# --- new records ------------------------------------------------------------


def slugify(title: str) -> str:
    """A readable, ASCII id from a title: 'Élection Oversight' -> 'election-oversight'."""
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "initiative"


def new_id(title: str, existing: Container[str]) -> str:
    """A slug from the title that no existing initiative uses."""
    base = slugify(title)
    candidate, number = base, 2
    while candidate in existing:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def check_user_text(value: str, what: str) -> str:
    """Refuse text from the command line that could act on a terminal or break the file."""
    bad = unsafe_character(value)
    if bad is not None:
        raise UsageError(f"{what} contains a control or invisible character ({bad}); remove it")
    if len(value) > MAX_TEXT_LENGTH:
        raise UsageError(f"{what} is longer than {MAX_TEXT_LENGTH} characters")
    return value.strip()


def validate_status(status: str) -> str:
    value = status.strip().lower()
    if value not in STATUSES:
        raise UsageError(f"status {visible(status)!r} is not one of {', '.join(STATUSES)}")
    return value


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
) -> dict[str, Any]:
    """The TOML table of a new initiative, keys in the order people read them."""
    record: dict[str, Any] = {"id": ident, "title": title}
    if objective:
        record["objective"] = objective
    record["timeline"] = timeline_text
    if pillar:
        record["pillar"] = pillar
    record["partners"] = list(partners)
    record["tags"] = list(tags)
    record["status"] = status
    if source:
        record["source"] = source
    return record


def progress_record(entry: ProgressEntry) -> dict[str, Any]:
    """The TOML table of a progress entry (an empty note is left out)."""
    record: dict[str, Any] = {
        "initiative": entry.initiative,
        "date": entry.on,
        "percent": entry.percent,
    }
    if entry.note:
        record["note"] = entry.note
    return record


def history_record(entry: HistoryEntry) -> dict[str, Any]:
    """The TOML table of a history entry."""
    return {
        "initiative": entry.initiative,
        "date": entry.on,
        "field": entry.field,
        "from": entry.old,
        "to": entry.new,
    }
