"""Reading initiatives out of Markdown articles and vzwatch's own JSON.

Pure parsers: text in, :class:`Parsed` out (no store, no terminal). A row
that cannot become an initiative is not an exception but a *problem*: one
line naming the row, so the caller can list every problem at once and decide
whether the valid rows may be imported.

Markdown tables in articles are messy; the table reader follows GitHub's
rules loosely: a header row, a delimiter row (``|---|---|``), then rows until a
line without a pipe. Missing cells are empty, extra cells and trailing ``|||``
padding are ignored, and a row of nothing but pipes is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from vzwatch.domain import userinput
from vzwatch.domain.errors import InvalidQuarter, UsageError
from vzwatch.domain.portfolio import ID_PATTERN
from vzwatch.domain.quarters import (
    CALENDAR,
    FiscalCalendar,
    Timeline,
    parse_quarter,
    parse_timeline,
)
from vzwatch.domain.schema import (
    HISTORY,
    INDICATOR,
    INITIATIVE,
    LOGS,
    MILESTONE,
    Field,
    Indicator,
    Milestone,
    ProgressEntry,
    check_date,
    check_percent,
    check_status,
    ordered,
    read_indicator,
    read_measurement,
    read_milestone,
    split_texts,
)
from vzwatch.domain.text import visible

__all__ = [
    "Candidate",
    "Parsed",
    "decode_source",
    "detect_format",
    "parse",
    "parse_json",
    "parse_markdown",
    "split_row",
]

Format = Literal["markdown", "json"]
MAX_SOURCE_BYTES = 50 * 1024 * 1024

INITIATIVE_HEADERS = ("initiative", "programme", "program", "project", "name", "title")
OBJECTIVE_HEADERS = ("objective", "goal", "aim", "purpose")
TIMELINE_HEADERS = ("timeline", "timeframe", "period", "schedule", "when")
_ROLES = (
    ("title", INITIATIVE_HEADERS),
    ("objective", OBJECTIVE_HEADERS),
    ("timeline", TIMELINE_HEADERS),
)

_DELIMITER_ROW = re.compile(r"\s*\|?\s*:?-+:?\s*(?:\|\s*:?-*:?\s*)*\|?\s*")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_WRAPPERS = ("**", "__", "*", "_", "`")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An initiative read from the source, before it meets the store.

    ``fields`` holds only what the source says, keyed like the store
    (``title``, ``objective``, ``timeline``, ``status``, ``pillar``,
    ``partners``, ``tags``, ``source``); ``None`` means "the source says there
    is none". A key the source does not mention is left alone on update.
    """

    where: str  # "line 12" or "item 3", for messages
    title: str
    timeline: Timeline
    fields: Mapping[str, Any]
    ident: str | None = None
    pillar_name: str | None = None
    # Its logs, keyed like Initiative's (progress_log, history); their entries name
    # no initiative yet (initiative == ""): the import decides which one.
    logs: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    # The source gives only the current progress (a table's Progress column):
    # recorded as an entry today unless the store already stands there.
    progress_is_current: bool = False
    # Its milestones (vzwatch JSON), naming no initiative yet, as its logs.
    milestones: tuple[Milestone, ...] = ()


@dataclass(slots=True)
class Parsed:
    """What a source holds: usable initiatives, problem rows, and notes."""

    format: Format
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- reading the file ---------------------------------------------------------


def decode_source(data: bytes, name: str) -> str:
    """The text of an import file, or a one-line usage error saying why it is not text."""
    if len(data) > MAX_SOURCE_BYTES:
        raise UsageError(f"{name} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte-order mark, as some editors write
    if b"\x00" in data[:8192] or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UsageError(f"{name} is not a text file (it looks binary); import Markdown or JSON")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UsageError(
            f"{name}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
            "import a Markdown or JSON file saved as UTF-8"
        ) from None


def detect_format(name: str, text: str) -> Format:
    """JSON for ``.json`` files and text that starts like JSON; Markdown otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".md", ".markdown", ".txt"):
        return "markdown"
    return "json" if text.lstrip()[:1] in ("[", "{") else "markdown"


def parse(
    text: str, fmt: Format, fiscal: FiscalCalendar = CALENDAR, today: date | None = None
) -> Parsed:
    """``today`` dates the entry a Markdown Progress column becomes (none without it)."""
    if fmt == "json":
        return parse_json(text, fiscal, today)
    return parse_markdown(text, fiscal, today)


# --- Markdown -----------------------------------------------------------------


def split_row(line: str) -> list[str]:
    """The cells of one table line: outer pipes dropped, ``\\|`` kept, trailing empties cut."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(body)]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def clean_cell(cell: str) -> str:
    """Cell text without Markdown decoration: emphasis around it, escapes, <br>."""
    text = " ".join(_LINE_BREAK_TAG.sub(" ", cell).split())
    changed = True
    while changed:
        changed = False
        for mark in _WRAPPERS:
            if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
                text = text[len(mark) : -len(mark)].strip()
                changed = True
    return _BACKSLASH_ESCAPE.sub(r"\1", text)


def _header_words(cell: str) -> list[str]:
    words = re.findall(r"[a-z]+", clean_cell(cell).casefold())
    return [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words]


def match_columns(header: Sequence[str]) -> dict[str, int] | None:
    """Which column holds the title, the objective and the timeline, or None.

    A header that is exactly a known name wins over one that contains it
    ("Initiative" over "Initiative owner"); a column serves one role only.
    """
    words = [_header_words(cell) for cell in header]
    found: dict[str, int] = {}
    for role, names in _ROLES:
        best: tuple[int, int] | None = None  # (score, column)
        for column, cell_words in enumerate(words):
            if column in found.values() or not cell_words:
                continue
            joined = "".join(cell_words)
            if joined in names or " ".join(cell_words) in names:
                score = 2
            elif any(word in names for word in cell_words):
                score = 1
            else:
                continue
            if best is None or score > best[0]:
                best = (score, column)
        if best is None:
            return None
        found[role] = best[1]
    return found


def _tables(lines: Sequence[str]) -> Iterator[tuple[int, list[str], list[tuple[int, list[str]]]]]:
    """(header line number, header cells, [(line number, cells)]) for every table."""
    index = 0
    while index + 1 < len(lines):
        line, following = lines[index], lines[index + 1]
        if "|" in line and "-" in following and _DELIMITER_ROW.fullmatch(following):
            rows = []
            end = index + 2
            while end < len(lines) and "|" in lines[end] and lines[end].strip():
                rows.append((end + 1, split_row(lines[end])))
                end += 1
            yield index + 1, split_row(line), rows
            index = end
        else:
            index += 1


# Columns `list --format markdown` (and `export --format markdown`) writes besides the
# three roles, by their header: what each becomes. Start, End and Ongoing restate
# the timeline, so they are read as known and not used.
_EXTRA_COLUMNS = {
    "id": "id",
    "status": "status",
    "progress": "progress",
    "pillar": "pillar",
    "pillar name": "pillar_name",
    "partner": "partners",
    "partners": "partners",
    "tag": "tags",
    "tags": "tags",
    "source": "source",
    "start": "",
    "end": "",
    "ongoing": "",
    "milestones": "",  # written by vzwatch; a milestone is imported from vzwatch JSON only
}
TABLE_PROGRESS_NOTE = "imported from a table"


def extra_columns(
    header: Sequence[str], roles: Mapping[str, int]
) -> tuple[dict[str, int], list[str]]:
    """The other columns of an initiative table: those vzwatch reads (field -> column)
    and the names of those it cannot use."""
    used: dict[str, int] = {}
    unusable: list[str] = []
    for column, cell in enumerate(header):
        if column in roles.values() or not cell.strip():
            continue
        name = " ".join(clean_cell(cell).casefold().replace("_", " ").split())
        field_name = _EXTRA_COLUMNS.get(name)
        if field_name is None or field_name in used:
            unusable.append(visible(clean_cell(cell)))
        elif field_name:
            used[field_name] = column
    return used, unusable


def parse_markdown(
    text: str, fiscal: FiscalCalendar = CALENDAR, today: date | None = None
) -> Parsed:
    """Initiatives from every table with initiative, objective and timeline columns;
    the columns vzwatch writes (Id, Status, Progress, Pillar, Partners, Tags, Source)
    are read too, others named in a note."""
    parsed = Parsed("markdown")
    seen: dict[str, str] = {}
    usable = 0
    for header_line, header, rows in _tables(text.splitlines()):
        columns = match_columns(header)
        if columns is None:
            names = " | ".join(visible(clean_cell(cell)) for cell in header if cell) or "empty"
            parsed.notes.append(
                f"line {header_line}: skipped a table without initiative, objective and "
                f"timeline columns ({names})"
            )
            continue
        usable += 1
        extras, unusable = extra_columns(header, columns)
        if unusable:
            parsed.notes.append(
                f"line {header_line}: ignored column{'s' if len(unusable) > 1 else ''} "
                f"{', '.join(unusable)} (vzwatch reads Id, Status, Progress, Pillar, "
                "Pillar name, Partners, Tags and Source besides the initiative, "
                "objective and timeline)"
            )
        for number, cells in rows:
            if not any(cells):
                continue  # a stray "|" line or an empty row
            values = {
                role: clean_cell(cells[column]) if column < len(cells) else ""
                for role, column in (*columns.items(), *extras.items())
            }
            where = f"line {number}"
            try:
                candidate = _markdown_candidate(where, values, fiscal, seen, today)
                parsed.candidates.append(candidate)
            except ValueError as problem:
                parsed.problems.append(f"{where}: {problem}")
    if usable == 0:
        raise UsageError(
            "found no table with initiative, objective and timeline columns "
            f"(headers such as {' | '.join(name.capitalize() for name, _ in _ROLES)})"
        )
    return parsed


def _markdown_candidate(
    where: str,
    values: Mapping[str, str],
    fiscal: FiscalCalendar,
    seen: dict[str, str],
    today: date | None = None,
) -> Candidate:
    title = _checked(values["title"], "initiative name")
    if not title:
        raise ValueError("the initiative name is empty")
    label = f"'{visible(title)}'"
    ident = values.get("id") or None
    if ident is not None and not ID_PATTERN.fullmatch(ident):
        raise ValueError(
            f"{label}: id '{visible(ident)}' must be lowercase letters, digits and dashes"
        )
    if ident is None:
        _unique(title, where, seen)  # with ids, titles may repeat (as in JSON)
    objective = _checked(values["objective"], f"{label}: objective")
    timeline_text = _checked(values["timeline"], f"{label}: timeline")
    if not timeline_text:
        raise ValueError(f"{label}: the timeline is empty")
    timeline = _timeline(timeline_text, fiscal, label)
    fields: dict[str, Any] = {"title": title, "timeline": timeline_text}
    if objective:
        fields["objective"] = objective
    try:
        fields.update(_markdown_fields(values))
        percent = userinput.percent(values["progress"]) if values.get("progress") else None
    except (UsageError, ValueError) as problem:
        message = problem.message if isinstance(problem, UsageError) else str(problem)
        raise ValueError(f"{label}: {message}") from None
    progress: tuple[ProgressEntry, ...] = ()
    if percent is not None and today is not None:
        progress = (ProgressEntry("", today, percent, TABLE_PROGRESS_NOTE),)
    return Candidate(
        where,
        title,
        timeline,
        fields,
        ident=ident,
        pillar_name=values.get("pillar_name") or None,
        logs={"progress_log": progress},
        progress_is_current=percent is not None,
    )


def _markdown_fields(values: Mapping[str, str]) -> dict[str, Any]:
    """The fields the extra columns of a row give (an empty cell: none)."""
    fields: dict[str, Any] = {}
    if values.get("status"):  # an empty cell leaves the status alone, as for the objective
        fields["status"] = userinput.status(values["status"])
    for key in ("pillar", "source"):
        if key in values:
            fields[key] = _checked(values[key], key) or None
    for key in ("partners", "tags"):
        if key in values:
            fields[key] = [_checked(item, key) for item in split_texts(values[key])]
    return fields


def _checked(value: str, what: str, *, multiline: bool = False) -> str:
    """Text of a row, checked as typed text is; a problem of the row if it is refused."""
    try:
        return userinput.text(value, what, multiline=multiline)
    except UsageError as problem:
        raise ValueError(problem.message) from None


def _unique(title: str, where: str, seen: dict[str, str]) -> None:
    key = title.casefold()
    if key in seen:
        raise ValueError(f"'{visible(title)}' is already on {seen[key]}")
    seen[key] = where


def _timeline(text: str, fiscal: FiscalCalendar, label: str) -> Timeline:
    try:
        return userinput.timeline(text, fiscal)
    except UsageError as problem:
        raise ValueError(f"{label}: {problem.message}") from None


# --- JSON ---------------------------------------------------------------------


def parse_json(text: str, fiscal: FiscalCalendar = CALENDAR, today: date | None = None) -> Parsed:
    """Initiatives from `vzwatch list --json` (an array), `export --format json` (the array
    as ``initiatives`` beside ``as_of``) or `show --json` (one object)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"
        ) from None
    except RecursionError:
        raise UsageError("invalid JSON: nested too deeply") from None
    if isinstance(document, dict) and isinstance(document.get("initiatives"), list):
        document = document["initiatives"]  # an export; no initiative has that key
    items = [document] if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise UsageError("the JSON must be an array of initiatives, as `vzwatch list --json`")
    parsed = Parsed("json")
    seen: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    for number, item in enumerate(items, start=1):
        where = f"item {number}"
        try:
            if not isinstance(item, dict):
                raise ValueError("is not an object")
            candidate = _json_candidate(where, item, fiscal, seen, today)
            if candidate.ident is not None:
                if candidate.ident in seen_ids:
                    raise ValueError(
                        f"id '{candidate.ident}' is already {seen_ids[candidate.ident]}"
                    )
                seen_ids[candidate.ident] = where
            parsed.candidates.append(candidate)
        except ValueError as problem:
            parsed.problems.append(f"{where}: {problem}")
    if not items:
        raise UsageError("the JSON holds no initiatives")
    return parsed


def _json_string(item: Mapping[str, Any], key: str, *, multiline: bool = False) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return _checked(value, key, multiline=multiline)


def _json_strings(item: Mapping[str, Any], key: str) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} must be a list of strings")
    return [_checked(v, key) for v in value if v.strip()]


def _json_candidate(
    where: str,
    item: Mapping[str, Any],
    fiscal: FiscalCalendar,
    seen: dict[str, str],
    today: date | None = None,
) -> Candidate:
    title = _json_string(item, "title")
    if not title:
        raise ValueError("title is missing or empty")
    label = f"'{visible(title)}'"
    try:
        ident = _json_string(item, "id")
        if ident is not None and not ID_PATTERN.fullmatch(ident):
            raise ValueError(f"id '{visible(ident)}' must be lowercase letters, digits and dashes")
        if not ident:
            # Without an id the title is the name; with one, titles may repeat
            # (a store can hold two "Summit"s, and its export must import back).
            _unique(title, where, seen)
        timeline_text, timeline = _json_timeline(item.get("timeline"), fiscal)
        fields: dict[str, Any] = {"title": title, "timeline": timeline_text}
        for spec in _JSON_FIELDS:
            if spec.json in item:
                fields[spec.key] = _json_field(item, spec)
        return Candidate(
            where=where,
            title=title,
            timeline=timeline,
            fields=fields,
            ident=ident or None,
            pillar_name=_json_string(item, "pillar_name"),
            logs={spec.attr: _json_log(item, spec, today, fiscal) for spec in LOGS},
            milestones=_json_milestones(item, fiscal),
        )
    except ValueError as problem:
        raise ValueError(f"{label}: {problem}") from None


_PENDING = "pending"  # stands for the initiative while the import has not chosen it


def _json_milestones(item: Mapping[str, Any], fiscal: FiscalCalendar) -> tuple[Milestone, ...]:
    """The ``milestones`` of a JSON item (`list --json`), each read by the schema as a
    ``[[milestones]]`` table is, its title checked as typed text."""
    found = []
    for where, raw in _json_entries(item.get("milestones"), "milestones"):
        table = {spec.key: raw.get(spec.json or spec.key) for spec in MILESTONE.stored()}
        table["initiative"] = _PENDING
        table = {key: value for key, value in table.items() if value is not None}
        try:
            milestone = read_milestone(table, fiscal)
        except ValueError as problem:
            raise ValueError(f"{where}: {problem}") from None
        _checked(milestone.title, f"{where}: title")
        found.append(milestone._replace(initiative=""))
    return tuple(found)


# What a JSON item may say besides its title, id and timeline: the released order
# (it is the order keys are added to a table on update), then newer schema fields.
_JSON_TYPES = ("line", "text", "texts", "status", "pillar")
_JSON_OPTIONAL = {
    spec.json: spec
    for spec in INITIATIVE.stored()
    if spec.json and spec.type in _JSON_TYPES and spec.key not in ("id", "title")
}
_JSON_FIELDS = tuple(
    _JSON_OPTIONAL[key]
    for key in ordered(
        ("objective", "status", "pillar", "source", "partners", "tags"), _JSON_OPTIONAL
    )
)


def _json_field(item: Mapping[str, Any], spec: Field) -> Any:
    """The value of a field as a JSON item gives it (None: "there is none")."""
    key = spec.json or ""
    if spec.type == "status":
        return check_status(item[key])
    if spec.type == "texts":
        return _json_strings(item, key)
    return _json_string(item, key, multiline=spec.type == "text") or None


def _json_timeline(value: object, fiscal: FiscalCalendar) -> tuple[str, Timeline]:
    """The timeline text to store: as written, unless its canonical quarters disagree.

    ``text`` may use fiscal years of another store; ``start``/``end`` are
    always calendar quarters, so they win and the text becomes canonical.
    """
    if isinstance(value, str):
        value = {"text": value}
    if not isinstance(value, dict):
        raise ValueError("timeline is missing (an object with text, start and end)")
    text = value.get("text")
    canonical: Timeline | None = None
    if "start" in value or "end" in value:
        try:
            start, end = (
                parse_quarter(q) if isinstance(q, str) else None
                for q in (value.get("start"), value.get("end"))
            )
            canonical = Timeline(start, end)
        except InvalidQuarter as error:
            raise ValueError(f"timeline: {error}") from None
    if isinstance(text, str) and text.strip():
        text = _checked(text, "timeline")
        try:
            written = parse_timeline(text, fiscal)
        except InvalidQuarter as error:
            if canonical is None:
                raise ValueError(str(error)) from None
        else:
            if canonical is None or written == canonical:
                return text, written
    if canonical is None:
        raise ValueError("timeline has no text, start or end")
    return str(canonical), canonical


def _json_entries(value: object, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of the list under ``key``, with the words that name it in errors."""
    if value is None:
        return
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list")
    for number, raw in enumerate(value, start=1):
        where = f"{key} entry {number}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where} is not an object")
        yield where, raw


def _json_date(raw: Mapping[str, Any], where: str, today: date | None = None) -> date:
    """An entry's date: from 1900-01-01 up to ``today``, as for any entry a person records."""
    on = raw.get("date")
    try:
        if not isinstance(on, str):  # a string, as `list --json` writes it
            raise ValueError
        day = check_date(on, "date")
    except ValueError:
        raise ValueError(f"{where}: date must be YYYY-MM-DD") from None
    try:
        return userinput.entry_date(day, today or day, f"{where}: date")
    except UsageError as problem:
        raise ValueError(problem.message) from None


def _json_indicators(value: object, fiscal: FiscalCalendar) -> tuple[Indicator, ...]:
    """The ``indicators`` of a JSON item (`show --json`, `list --json`), each read as the
    store reads an ``[[indicators]]`` table (its measurements as ``[[measurements]]``)."""
    found = []
    for where, raw in _json_entries(value, "indicators"):
        try:
            measurements = []
            for at, entry in _json_entries(raw.get("measurements"), "measurements"):
                table = {
                    k: entry.get(k) for k in ("date", "value", "note") if entry.get(k) is not None
                }
                table["indicator"] = "-"
                try:
                    measurements.append(read_measurement(table))
                except ValueError as problem:
                    raise ValueError(f"{at}: {problem}") from None
                _checked(measurements[-1].note, f"{at}: note", multiline=True)
            stored = {spec.key for spec in INDICATOR.stored()}
            table = {k: v for k, v in raw.items() if k in stored and v is not None}
            table["initiative"] = "-"
            measurements.sort(key=lambda entry: entry.on)
            indicator = read_indicator(table, fiscal, tuple(measurements))
            _checked(indicator.name, f"{where}: name")
            _checked(indicator.unit, f"{where}: unit")
        except ValueError as problem:
            raise ValueError(f"{where}: {problem}") from None
        found.append(indicator)
    return tuple(found)


def _json_log(
    item: Mapping[str, Any],
    spec: Field,
    today: date | None = None,
    fiscal: FiscalCalendar | None = None,
) -> tuple[Any, ...]:
    """One log of a JSON item (``progress_log`` or ``history`` of `list --json`), its
    entries read field by field as the store's are, their text checked as typed text."""
    kind = spec.of
    assert kind is not None
    assert spec.json is not None
    if kind is INDICATOR:
        return _json_indicators(item.get(spec.json), fiscal or CALENDAR)
    entries = []
    for where, raw in _json_entries(item.get(spec.json), spec.json):
        values: dict[str, Any] = {}
        for entry_spec in kind.fields:
            key = entry_spec.json or entry_spec.key
            if entry_spec.type == "initiative":
                values[entry_spec.attr] = ""
            elif entry_spec.type == "date":
                values[entry_spec.attr] = _json_date(raw, where, today)
            elif entry_spec.type == "percent":
                values[entry_spec.attr] = check_percent(raw.get(key), f"{where}: {key}")
            elif entry_spec.type == "sources":
                # Cited ids name [[sources]] records a JSON export does not carry: not read.
                values[entry_spec.attr] = ()
            else:
                text = raw.get(key)
                if text is None and not entry_spec.required:
                    text = entry_spec.default
                if not isinstance(text, str):
                    raise ValueError(f"{where}: {key} must be a string")
                multiline = entry_spec.type == "text"
                text = _checked(text, f"{where}: {key}", multiline=multiline)
                if entry_spec.required and not text:
                    raise ValueError(f"{where}: {key} must not be empty")
                values[entry_spec.attr] = text
        entry = kind.record(**values)
        if kind is HISTORY and entry.field == "status":
            try:
                check_status(entry.new)
            except ValueError as problem:
                raise ValueError(f"{where}: {problem}") from None
        entries.append(entry)
    return tuple(entries)
