"""The indicator write operations (indicator add/edit/remove, measure), without a terminal.

As in ``vzwatch.operations.writing``: each takes a ``StoreLocation`` and plain
values, returns records, raises ``VzwatchError`` subclasses, and changes the
store in one locked, checked, atomic transaction (or not at all). ``measure``
appends its ``[[measurements]]`` block without parsing the store when the
parse cache vouches for it, as ``progress`` does.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from vzwatch.domain import schema, userinput
from vzwatch.domain.errors import InvalidQuarter, NotFoundError, StoreError, UsageError
from vzwatch.domain.names import find_id as find_named
from vzwatch.domain.portfolio import (
    Indicator,
    Initiative,
    Measurement,
    Portfolio,
    indicator_record,
    measurement_record,
    new_id,
)
from vzwatch.domain.quarters import parse_quarter
from vzwatch.domain.text import visible
from vzwatch.operations.writing import (
    Plan,
    _append_checked,
    _appended,
    _find_vouched,
    _Loader,
    _remember,
    _removal,
    _vouched_store,
    edit_record,
    editable,
    edited_run,
    indicator_runs,
    records_naming,
    store_index,
    write_in_place,
)
from vzwatch.storage import cache, runs
from vzwatch.storage.store import StoreLocation, append_text, write_store
from vzwatch.storage.tomledit import DELETE, apply_edits, render_block


def all_indicators(portfolio: Portfolio) -> Iterable[tuple[Initiative, Indicator]]:
    for initiative in portfolio.initiatives:
        for indicator in initiative.indicators:
            yield initiative, indicator


def find_indicator(portfolio: Portfolio, id_or_prefix: str) -> tuple[Initiative, Indicator]:
    """The indicator an id, an unambiguous id prefix or its name gives, with its initiative."""
    found = {
        indicator.id: (initiative, indicator) for initiative, indicator in all_indicators(portfolio)
    }
    if id_or_prefix in found:
        return found[id_or_prefix]
    if not found:
        raise NotFoundError(f"no indicator '{visible(id_or_prefix)}': the store has none")
    names = {ident: pair[1].name for ident, pair in found.items()}
    try:
        return found[find_named(found, id_or_prefix, names)]
    except NotFoundError:
        known = ", ".join(sorted(found))
        raise NotFoundError(f"no indicator '{visible(id_or_prefix)}' (known: {known})") from None


def _number(value: float, what: str) -> float:
    try:
        return schema.check_number(value, what)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _quarter(text: str, portfolio: Portfolio) -> Any:
    try:
        return parse_quarter(text, portfolio.fiscal)
    except InvalidQuarter as error:
        raise UsageError(f"--by: {error}") from None


def _way(baseline: float, target: float, direction: str) -> None:
    try:
        schema.check_indicator_way(baseline, target, direction)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _direction(direction: str | None) -> str:
    value = (direction or "").strip().lower()
    if value not in ("", "up", "down"):
        raise UsageError(f"--direction {visible(value)!r} is not up or down")
    return value


def _new_indicator_id(name: str, taken: set[str], wanted: str | None) -> str:
    """``wanted`` (checked by ``userinput.ident``), else a slug of the name no other
    indicator has (``portfolio.new_id``), as for milestones and initiatives."""
    if wanted is not None and wanted in taken:
        raise UsageError(
            f"indicator id '{wanted}' is already used; choose another or leave --id out"
        )
    return wanted or new_id(name, taken)


def add_indicator(
    location: StoreLocation,
    initiative_id: str,
    name: str,
    *,
    target: float,
    unit: str = "",
    baseline: float = 0,
    by: str | None = None,
    direction: str | None = None,
    ident: str | None = None,
) -> Indicator:
    """Append a new ``[[indicators]]`` table to an initiative; returns the indicator stored.

    Its id is a slug of the name no other indicator has (or ``ident``); ``by``
    defaults to the initiative's end quarter (an ongoing one needs ``by``).
    """
    name = userinput.text(name, "name").strip()
    unit = userinput.text(unit, "unit").strip()
    if not name:
        raise UsageError("the indicator's name must not be empty")
    target, baseline = _number(target, "--target"), _number(baseline, "--baseline")
    wanted = userinput.ident(ident) if ident is not None else None
    chosen_direction = _direction(direction)
    _way(baseline, target, chosen_direction)

    def new_indicator(portfolio: Portfolio, initiative: Initiative) -> Indicator:
        quarter = _quarter(by, portfolio) if by else None
        if quarter is None and initiative.timeline.end is None:
            raise UsageError(
                f"{initiative.id} is ongoing: give the indicator a --by quarter (Q4-2025…)"
            )
        taken = {indicator.id for _, indicator in all_indicators(portfolio)}
        chosen = _new_indicator_id(name, taken, wanted)
        return Indicator(
            chosen, initiative.id, name, target, unit, baseline, quarter, chosen_direction
        )

    def plan(vouched: runs.Vouched) -> Plan[Indicator] | None:
        initiative = _find_vouched(vouched, initiative_id)
        if initiative is None:
            return None
        indicator = new_indicator(vouched.with_indicators(), initiative)
        chunk = render_block("indicators", indicator_record(indicator))
        return _appended(vouched.data, [], [chunk]), partial(_stored, indicator)

    fast = write_in_place(location, plan)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, Indicator]:
        portfolio = loader(old)
        indicator = new_indicator(portfolio, portfolio.find(initiative_id))
        return append_text(old, render_block("indicators", indicator_record(indicator))), indicator

    new_text, made = write_store(location, edit, loader)
    return find_indicator(_remember(location, new_text, loader), made.id)[1]


_EDITABLE = {"name", "unit", "baseline", "target", "by", "direction"}


@dataclass(frozen=True, slots=True)
class IndicatorEdited:
    """What `indicator edit` did: the indicator after it, and the keys it changed."""

    indicator: Indicator
    changed: tuple[str, ...]


def edit_indicator(
    location: StoreLocation, id_or_prefix: str, changes: dict[str, Any]
) -> IndicatorEdited:
    """Change fields of one indicator in place (only the keys that change are rewritten).

    ``changes`` maps field keys (name, unit, baseline, target, by, direction) to
    new values; "" removes an optional one (unit, by, direction).
    """
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise UsageError(f"cannot edit {', '.join(sorted(unknown))} of an indicator")
    if not changes:
        raise UsageError(
            "nothing to change: give --name, --unit, --baseline, --target, --by or --direction"
        )

    def written_of(
        portfolio: Portfolio, initiative: Initiative, indicator: Indicator
    ) -> tuple[Indicator, dict[str, Any]]:
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if key in ("name", "unit"):
                value = userinput.text(str(value), key).strip()
                if key == "name" and not value:
                    raise UsageError("the indicator's name must not be empty")
            elif key in ("baseline", "target"):
                value = _number(value, f"--{key}")
            elif key == "by":
                value = _quarter(str(value), portfolio) if value else None
                if value is None and initiative.timeline.end is None:
                    raise UsageError(
                        f"{initiative.id} is ongoing: its indicators need a --by quarter"
                    )
            elif key == "direction":
                value = _direction(str(value))
            values[key] = value
        after = indicator._replace(**values)
        _way(after.baseline, after.target, after.direction)
        spec = {field.key: field for field in schema.INDICATOR.stored()}
        written: dict[str, Any] = {}
        for key, value in values.items():
            if value == getattr(indicator, key) and key != "by":
                continue
            if key == "by":
                if after.by == indicator.by:
                    continue
                value = None if value is None else str(value)
            written[key] = DELETE if value in ("", None) and not spec[key].required else value
        return after, written

    def plan(vouched: runs.Vouched) -> Plan[IndicatorEdited] | None:
        initiative, indicator = find_indicator(vouched.with_indicators(), id_or_prefix)
        after, written = written_of(vouched.settings, initiative, indicator)
        if not written:
            return [], lambda _: IndicatorEdited(indicator, ())
        found = indicator_runs(vouched, [indicator])
        if not found:
            return None
        edit = edited_run(vouched, found[0], "indicators", indicator.id, written, location.path)
        if edit is None:
            return None

        def describe(checked: runs.Checked) -> IndicatorEdited:
            return IndicatorEdited(_stored(after, checked), tuple(written))

        return [edit], describe

    fast = write_in_place(location, plan)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, IndicatorEdited]:
        portfolio = loader(old)
        initiative, indicator = find_indicator(portfolio, id_or_prefix)
        after, written = written_of(portfolio, initiative, indicator)
        if not written:
            return old, IndicatorEdited(indicator, ())
        index = store_index(old, location.path)
        found = records_naming(index, "indicators", "id", indicator.id, location.path)
        if len(found) != 1:
            raise StoreError(
                f"{location.path}: cannot find the [[indicators]] table of '{indicator.id}' to edit"
            )
        block = editable(index, found[0], location.path)
        return edit_record(old, block, written, location.path), IndicatorEdited(
            after, tuple(written)
        )

    new_text, result = write_store(location, edit, loader)
    if not result.changed:
        return result
    stored = find_indicator(_remember(location, new_text, loader), result.indicator.id)[1]
    return IndicatorEdited(stored, result.changed)


@dataclass(frozen=True, slots=True)
class IndicatorRemoved:
    indicator: Indicator
    measurements: int


def without_indicators(text: str, indicators: Iterable[Indicator], path: Path) -> str:
    """The store's text without these indicators' tables and their measurements' tables."""
    index = store_index(text, path)
    spans = []
    for indicator in indicators:
        own = records_naming(index, "indicators", "id", indicator.id, path)
        measured = records_naming(index, "measurements", "indicator", indicator.id, path)
        if len(own) != 1 or len(measured) != len(indicator.measurements):
            raise StoreError(
                f"{path}: cannot find the [[indicators]] table of '{indicator.id}' "
                "and every [[measurements]] entry of it in the text; nothing removed"
            )
        spans += [
            index.deletion_span(piece) for record in (*own, *measured) for piece in record.pieces
        ]
    return apply_edits(text, [(start, end, "") for start, end in spans])


def remove_indicator(location: StoreLocation, id_or_prefix: str) -> IndicatorRemoved:
    """Remove one indicator with its measurements (they would name nothing)."""

    def plan(vouched: runs.Vouched) -> Plan[IndicatorRemoved] | None:
        _, indicator = find_indicator(vouched.with_indicators(), id_or_prefix)
        found = indicator_runs(vouched, [indicator])
        if found is None:
            return None
        removed = IndicatorRemoved(indicator, len(indicator.measurements))
        return [_removal(vouched, number) for number in found], lambda _: removed

    fast = write_in_place(location, plan)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, IndicatorRemoved]:
        _, indicator = find_indicator(loader(old), id_or_prefix)
        new = without_indicators(old, [indicator], location.path)
        return new, IndicatorRemoved(indicator, len(indicator.measurements))

    new_text, removed = write_store(location, edit, loader)
    _remember(location, new_text, loader)
    return removed


@dataclass(frozen=True, slots=True)
class Measured:
    """What `measure` did: the indicator after it (and its initiative), the value before."""

    initiative: Initiative
    indicator: Indicator
    entry: Measurement
    previous: float


def _stored(indicator: Indicator, checked: runs.Checked) -> Indicator:
    """``indicator`` as the store holds it once ``checked`` is written."""
    initiative = checked.initiative(indicator.initiative)
    found = [] if initiative is None else [i for i in initiative.indicators if i.id == indicator.id]
    if len(found) != 1:
        raise StoreError(f"internal error: indicator {indicator.id!r} does not read back")
    return found[0]


def _with_measurement(indicator: Indicator, entry: Measurement) -> Indicator:
    """The indicator as loading the store would sort it with ``entry`` last in the file."""
    log = indicator.measurements
    at = bisect_right(log, entry.on, key=lambda existing: existing.on)
    return indicator._replace(measurements=(*log[:at], entry, *log[at:]))


_INDICATORS_COLUMN = schema.INDICATORS_COLUMN


def _owner_row(target: cache.AppendTarget, ident: str) -> Any | None:
    """The cached row of the initiative that has indicator ``ident`` (no parse), or None.

    `indicator add` names an indicator ``<initiative id>-<name>``, so the initiatives
    whose ids begin ``ident`` are asked first, one cached row each; then every row
    (an id written by hand), a scan in memory.
    """
    words = ident.split("-")
    for cut in range(len(words) - 1, 0, -1):
        row = target.entry.row("-".join(words[:cut]))
        if row is not None and any(item[0] == ident for item in row[_INDICATORS_COLUMN]):
            return row
    for row in target.entry.rows():
        for indicator in row[_INDICATORS_COLUMN]:
            if indicator[0] == ident:
                return row
    return None


def _measure_fast(
    location: StoreLocation, id_or_prefix: str, entry_of: Callable[[str], Measurement]
) -> Measured | None:
    """`measure` as an O(1) append of its ``[[measurements]]`` block; None: the full path."""
    ident = id_or_prefix.strip().lower()
    with _vouched_store(location, "measurements") as vouched:
        if vouched is None:
            return None
        target = vouched[0]
        row = _owner_row(target, ident)
        if row is None:
            return None  # a prefix, a name, or no such indicator: the full path says which
        initiative = schema.initiative_from_row(row)
        indicator = next(i for i in initiative.indicators if i.id == ident)
        entry = entry_of(indicator.id)
        chunk = render_block("measurements", measurement_record(entry))
        if schema.read_measurement(_parsed_block(location, chunk)) != entry:
            raise StoreError(f"{location.path}: internal error: measurement does not read back")
        updated_indicator = _with_measurement(indicator, entry)
        updated = replace(
            initiative,
            indicators=tuple(
                updated_indicator if i.id == indicator.id else i for i in initiative.indicators
            ),
        )
        if not _append_checked(location, vouched, chunk, (cache.row_of(updated),), entry):
            return None
    return Measured(updated, updated_indicator, entry, indicator.value)


def _parsed_block(location: StoreLocation, chunk: str) -> dict[str, Any]:
    from vzwatch.storage.store import parse_toml

    document = parse_toml(chunk, location.path)
    tables = document.get("measurements")
    if set(document) != {"measurements"} or not isinstance(tables, list) or len(tables) != 1:
        raise StoreError(f"{location.path}: internal error: block is not one [[measurements]]")
    table: dict[str, Any] = tables[0]
    return table


def record_measurement(
    location: StoreLocation,
    id_or_prefix: str,
    value: float,
    *,
    today: date,
    on: date | None = None,
    note: str = "",
) -> Measured:
    """Append a dated measurement of an indicator (the same date rules as progress)."""
    note = userinput.text(note, "note", multiline=True).strip()
    on = on or today
    userinput.entry_date(on, today)
    value = _number(value, "VALUE")

    def entry_of(ident: str) -> Measurement:
        return Measurement(ident, on, value, note)

    appended = _measure_fast(location, id_or_prefix, entry_of)
    if appended is not None:
        return appended
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, Measured]:
        initiative, indicator = find_indicator(loader(old), id_or_prefix)
        entry = entry_of(indicator.id)
        new = append_text(old, render_block("measurements", measurement_record(entry)))
        return new, Measured(initiative, indicator, entry, indicator.value)

    new_text, result = write_store(location, edit, loader)
    initiative, indicator = find_indicator(
        _remember(location, new_text, loader), result.indicator.id
    )
    return Measured(initiative, indicator, result.entry, result.previous)
