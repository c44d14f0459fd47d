"""One schema: every record kind and field is declared once, and nothing drops a field.

A field added to ``vzwatch.domain.schema`` must reach the records, the cache rows,
the JSON, the columns and the new TOML tables without another edit; these
tests fail when one of them would silently lose it.
"""

from __future__ import annotations

import dataclasses
import json
import marshal
import shutil
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer

from tests.helpers import REPO, RunCli
from vzwatch.domain import schema
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.portfolio import (
    STATUSES,
    Initiative,
    Portfolio,
    ProgressEntry,
    check_pillar,
    check_unique,
    initiative_record,
    orphan_message,
)
from vzwatch.domain.quarters import CALENDAR, FiscalCalendar, Quarter, Timeline
from vzwatch.domain.schema import (
    HISTORY,
    INITIATIVE,
    KINDS,
    PILLAR,
    PORTFOLIO,
    PROGRESS,
    SOURCE,
    Status,
)
from vzwatch.formats.contract import initiative_to_dict
from vzwatch.formats.tabular import INITIATIVE_COLUMNS, initiative_row
from vzwatch.operations.reading import load_portfolio
from vzwatch.storage import cache

EVERY_FIELD = REPO / "tests" / "data" / "every-field.toml"
ROW_KINDS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "initiatives": (schema.initiative_row, schema.initiative_from_row),
    "progress": (schema.progress_row, schema.progress_from_row),
    "history": (schema.history_row, schema.history_from_row),
    "pillars": (schema.pillar_row, schema.pillar_from_row),
    "sources": (schema.source_row, schema.source_from_row),
    "portfolio": (schema.portfolio_row, schema.portfolio_from_row),
    "indicators": (schema.indicator_row, schema.indicator_from_row),
    "measurements": (schema.measurement_row, schema.measurement_from_row),
    "milestones": (schema.milestone_row, schema.milestone_from_row),
}


def every_field() -> Portfolio:
    return load_portfolio(EVERY_FIELD.read_text(encoding="utf-8"), EVERY_FIELD)


def attrs(kind: schema.RecordKind) -> set[str]:
    """The attributes the schema gives records of ``kind`` (a timeline keeps two)."""
    found = {spec.attr for spec in kind.fields}
    return found | {f"{spec.attr}_text" for spec in kind.fields if spec.type == "timeline"}


# --- the declarations --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.table)
def test_the_schema_declares_exactly_the_attributes_of_the_record_class(
    kind: schema.RecordKind,
) -> None:
    declared = attrs(kind)
    if kind is PORTFOLIO:
        declared |= {"initiatives"}  # rows of their own (its indexes are not init fields)
    derived = {spec.attr for spec in kind.fields if spec.derived}
    assert set(kind.record.__match_args__) == declared - derived  # type: ignore[attr-defined]


def test_statuses_are_the_status_enum_and_compare_equal_to_stored_strings() -> None:
    assert STATUSES == ("planned", "active", "done", "paused", "cancelled")
    assert [status.value for status in Status] == list(STATUSES)
    stored: str = tomllib.loads('status = "done"')["status"]
    assert stored == Status.DONE
    assert stored in {Status.DONE}
    assert all(type(status) is str for status in STATUSES)  # marshal and TOML take them


def test_every_status_has_a_style_a_colour_and_calendar_statuses() -> None:
    from vzwatch.formats.ics import EVENT_STATUS, TODO_STATUS
    from vzwatch.formats.svg import STATUS_COLOURS
    from vzwatch.render.tables import STATUS_STYLES

    for table in (EVENT_STATUS, TODO_STATUS, STATUS_STYLES, STATUS_COLOURS):
        assert set(table) == set(Status)


def test_an_unknown_status_never_breaks_a_calendar() -> None:
    from vzwatch.formats.ics import calendar

    item = every_field().find("plan")
    odd = dataclasses.replace(item, status="someday-maybe")
    for component in ("event", "todo"):
        document = calendar([odd], None, today=date(2025, 1, 1), now=_now(), component=component)
        assert "STATUS:" in document


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2025, 1, 1, tzinfo=UTC)


def test_the_edit_command_has_every_option_the_schema_names() -> None:
    from vzwatch.cli import command_for

    command = command_for(["edit", "--help"])
    assert isinstance(command, typer.core.TyperGroup)
    options = {name for param in command.commands["edit"].params for name in param.opts}
    for spec in INITIATIVE.fields:
        assert set(spec.options) <= options, spec.attr


# --- the store that uses every field -------------------------------------------------------


def test_the_every_field_store_gives_every_field_a_value_other_than_its_default() -> None:
    portfolio = every_field()
    records: dict[str, list[Any]] = {
        "portfolio": [portfolio],
        "pillars": list(portfolio.pillars),
        "sources": list(portfolio.sources),
        "initiatives": list(portfolio.initiatives),
        "progress": [e for i in portfolio.initiatives for e in i.progress_log],
        "history": [h for i in portfolio.initiatives for h in i.history],
        "indicators": [x for i in portfolio.initiatives for x in i.indicators],
        "measurements": [
            m for i in portfolio.initiatives for x in i.indicators for m in x.measurements
        ],
        "milestones": list(portfolio.milestones),
    }
    for kind in KINDS:
        for spec in kind.fields:
            values = [getattr(record, spec.attr) for record in records[kind.table]]
            assert any(value != spec.default and value not in ("", ()) for value in values), (
                f"{kind.table}: no record sets {spec.attr}"
            )
    document = tomllib.loads(EVERY_FIELD.read_text(encoding="utf-8"))
    for kind in KINDS:
        tables = document[kind.table] if kind.array else [document[kind.table]]
        written = {key for table in tables for key in table}
        for spec in kind.stored():
            assert {spec.key, *spec.also} <= written, f"{kind.table}: {spec.key} never written"


def test_the_every_field_store_reads_the_same_through_the_cache_as_without_it(
    cache_home: Path, tmp_path: Path
) -> None:
    store = tmp_path / "every-field.toml"
    shutil.copyfile(EVERY_FIELD, store)
    data = store.read_bytes()
    parsed = load_portfolio(data.decode("utf-8"), store)  # as with VZWATCH_NO_CACHE=1
    cache.remember(store, data, parsed)
    snapshot = cache.snapshot(store, data)
    assert snapshot is not None, "the cache did not take the store"
    cached = snapshot.portfolio()
    assert cached == parsed
    for kind, pairs in (
        (PORTFOLIO, [(cached, parsed)]),
        (PILLAR, zip(cached.pillars, parsed.pillars, strict=True)),
        (SOURCE, zip(cached.sources, parsed.sources, strict=True)),
        (INITIATIVE, zip(cached.initiatives, parsed.initiatives, strict=True)),
    ):
        for got, want in pairs:
            for attr in attrs(kind) - {"initiatives"}:
                assert getattr(got, attr) == getattr(want, attr), f"{kind.table}.{attr}"
    for got, want in zip(cached.initiatives, parsed.initiatives, strict=True):
        assert [tuple(e) for e in got.progress_log] == [tuple(e) for e in want.progress_log]
        assert [tuple(h) for h in got.history] == [tuple(h) for h in want.history]
    # Rows filtered by status and end quarter before they become records (`due`):
    unfinished = snapshot.portfolio(keep=lambda status, end: status not in ("done", "cancelled"))
    assert unfinished.initiatives == tuple(i for i in parsed.initiatives if not i.finished)
    ends = snapshot.portfolio(keep=lambda status, end: end == Quarter(2025, 2).index)
    assert [i.id for i in ends.initiatives] == ["missions"]
    # One row read on its own (the O(1) append path):
    target = cache.append_target(store)
    assert target is not None
    assert target.initiative("forum") == parsed.find("forum")
    # What validating an appended record needs, without decoding the milestones:
    assert parsed.milestones, "the every-field store has milestones"
    assert target.settings == dataclasses.replace(parsed, initiatives=(), milestones=())


def test_the_commands_print_the_same_with_and_without_the_cache(
    run: RunCli, store: Path, cache_home: Path
) -> None:
    shutil.copyfile(EVERY_FIELD, store)
    commands = [
        ("list", "--json"),
        ("list", "--format", "csv"),
        ("show", "forum"),
        ("show", "forum", "--json"),
        ("report", "--quarter", "Q1-2025", "--today", "2025-03-01", "--json"),
    ]
    for args in commands:
        uncached = run(*args, env={cache.NO_CACHE_ENV: "1"})
        assert uncached.exit_code == ExitCode.OK, uncached.stderr
        run(*args)  # fills the cache
        cached = run(*args)
        assert cache.entry_path(store, cache_home).is_file()
        assert cached.stdout == uncached.stdout, args


# --- cache rows ----------------------------------------------------------------------------


def _marshal_friendly(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_marshal_friendly(item) for item in value)
    return value is None or type(value) in (str, int, bool)


# A value of each field type unlike any in the every-field store.
_OTHER: dict[str, Any] = {
    "id": "other-id",
    "line": "Other",
    "text": "other\ntext",
    "texts": ("x", "y", "z"),
    "status": "paused",
    "date": date(2001, 2, 3),
    "percent": 77,
    "pillar": "other-pillar",
    "initiative": "other-initiative",
    "fiscal": FiscalCalendar(7, "end"),
    "sources": ("other-source",),
    "number": 123.5,
    "quarter": Quarter(2001, 3),
    "indicator": "other-indicator",
}


def _replaced(record: Any, changes: dict[str, Any]) -> Any:
    if dataclasses.is_dataclass(record):
        return dataclasses.replace(record, **changes)  # type: ignore[type-var]
    return record._replace(**changes)


def _samples() -> dict[str, Any]:
    portfolio = every_field()
    forum = portfolio.find("forum")
    return {
        "portfolio": dataclasses.replace(portfolio, initiatives=()),
        "pillars": portfolio.pillars[0],
        "sources": portfolio.sources[0],
        "initiatives": forum,
        "progress": forum.progress_log[0],
        "history": forum.history[0],
        "indicators": forum.indicators[0],
        "measurements": forum.indicators[0].measurements[0],
        "milestones": portfolio.milestones[0],
    }


def _other_values(spec: schema.Field, record: Any) -> dict[str, Any]:
    if spec.type == "timeline":
        other = Timeline(Quarter(2001, 1), None)
        return {spec.attr: other, f"{spec.attr}_text": "Q1 2001 – ongoing"}
    if spec.type == "records":
        entries = getattr(record, spec.attr)
        return {spec.attr: (*entries, entries[0])}
    if spec.type == "id" and isinstance(record, Initiative):
        # A row keeps one id per initiative: its entries name it by that id.
        new = _OTHER["id"]
        return {
            "id": new,
            "progress_log": tuple(e._replace(initiative=new) for e in record.progress_log),
            "history": tuple(h._replace(initiative=new) for h in record.history),
            "indicators": tuple(i._replace(initiative=new) for i in record.indicators),
        }
    return {spec.attr: _OTHER[spec.type]}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.table)
def test_a_row_keeps_every_field_of_the_schema(kind: schema.RecordKind) -> None:
    """Fails when a field exists in the schema but the row form drops it."""
    to_row, from_row = ROW_KINDS[kind.table]
    record = _samples()[kind.table]
    row = to_row(record)
    assert _marshal_friendly(row)
    assert marshal.loads(marshal.dumps(row)) == row
    assert from_row(row) == record
    for spec in kind.fields:
        if spec.derived:
            continue
        changed = _replaced(record, _other_values(spec, record))
        assert to_row(changed) != row, f"the row drops {kind.table}.{spec.attr}"
        assert from_row(to_row(changed)) == changed, f"{kind.table}.{spec.attr} does not read back"


def test_the_cache_finds_id_status_and_end_where_the_schema_puts_them() -> None:
    item = every_field().find("missions")
    row = cache.row_of(item)
    assert row[schema.ID_COLUMN] == row[0] == "missions"  # the cache reads ids as row[0]
    assert row[cache._STATUS] == "done"
    assert row[cache._END] == Quarter(2025, 2).index


def test_entries_in_a_row_share_their_initiative_id() -> None:
    item = every_field().find("forum")
    loaded = marshal.loads(marshal.dumps(schema.initiative_row(item)))
    built = schema.initiative_from_row(loaded)
    assert all(entry.initiative is built.id for entry in built.progress_log)


# --- per-record reading and store-wide rules -------------------------------------------------


def test_one_initiative_table_reads_on_its_own() -> None:
    raw = {"id": "x", "title": "X", "timeline": "Q1 2025", "pillar": "nowhere"}
    item = schema.read_initiative(raw, FiscalCalendar())
    assert item.pillar == "nowhere"  # a reference: checked across the store
    assert item.progress_log == ()
    with pytest.raises(ValueError, match="title is missing"):
        schema.read_initiative({"id": "x", "timeline": "Q1 2025"}, FiscalCalendar())
    with pytest.raises(ValueError, match="pillar 'nowhere' is not a"):
        check_pillar(item, {"dialogue"})


def test_entries_pillars_and_the_portfolio_read_on_their_own() -> None:
    entry = schema.read_progress({"initiative": "x", "date": "2025-01-02", "percent": 5})
    assert entry == ProgressEntry("x", date(2025, 1, 2), 5)
    with pytest.raises(ValueError, match="status 'soon' is not one of"):
        schema.read_history(
            {"initiative": "x", "date": date(2025, 1, 1), "field": "status", "to": "soon"}
        )
    assert schema.read_pillar({"id": "p"}).name == "p"
    head = schema.read_portfolio_fields({"fiscal_year_start_month": 4, "title": "T"})
    assert (head.title, head.fiscal, head.initiatives) == ("T", FiscalCalendar(4), ())


def test_store_wide_rules_run_on_records_already_read() -> None:
    seen: dict[str, int] = {}
    check_unique(INITIATIVE, "a", 0, seen)
    with pytest.raises(ValueError, match=r"duplicate id \(also initiative 1\)"):
        check_unique(INITIATIVE, "a", 4, seen)
    with pytest.raises(ValueError, match="duplicate pillar id 'p'"):
        check_unique(PILLAR, "p", 1, {"p": 0})
    assert orphan_message(HISTORY, "gone") == (
        "[[history]] names initiative 'gone', which does not exist"
    )


# --- what derives from the schema ----------------------------------------------------------


def test_json_and_columns_show_every_field_that_has_a_json_key_or_columns() -> None:
    portfolio = every_field()
    item = portfolio.find("forum")
    document = initiative_to_dict(item, portfolio)
    row = initiative_row(item, portfolio)
    for spec in INITIATIVE.fields:
        if spec.json:
            assert spec.json in document
        assert set(spec.columns) <= set(INITIATIVE_COLUMNS) == set(row)
    assert json.loads(json.dumps(document))["progress_log"][-1]["note"].startswith("Same day")


def test_a_new_initiative_table_has_the_stored_fields_in_schema_order() -> None:
    record = initiative_record(
        ident="x",
        title="X",
        objective="O",
        timeline_text="Q1 2025",
        pillar="p",
        partners=["A"],
        tags=[],
        status="active",
        source="S",
        sources=["s"],
        owner="Desk",
        depends_on=["y"],
        review_every="monthly",
    )
    assert list(record) == [spec.key for spec in INITIATIVE.stored()]
    item = schema.read_initiative(record, FiscalCalendar())
    assert schema.record_table(INITIATIVE, item) == record
    bare = initiative_record(
        ident="y",
        title="Y",
        objective="",
        timeline_text="Q1 2025",
        pillar=None,
        partners=[],
        tags=[],
        status="planned",
    )
    assert bare == {
        "id": "y",
        "title": "Y",
        "timeline": "Q1 2025",
        "partners": [],
        "tags": [],
        "status": "planned",
    }


def test_import_compares_and_reports_every_stored_field() -> None:
    from vzwatch.formats import sources
    from vzwatch.operations import importing

    stored = {spec.key for spec in INITIATIVE.stored()} - {"id"}
    assert set(importing._FIELD_ORDER) == stored
    # Cited [[sources]] ids come with their sources: not read from an item (yet).
    assert {spec.key for spec in sources._JSON_FIELDS} == stored - {"title", "timeline", "sources"}


def test_ordered_keeps_the_released_order_and_appends_new_names() -> None:
    assert schema.ordered(("b", "a"), ["a", "c", None, "b", "d"]) == ("b", "a", "c", "d")


def test_an_initiative_is_a_dataclass_and_entries_are_named_tuples() -> None:
    # start-up: NamedTuples are ~10x cheaper to define than frozen dataclasses
    assert dataclasses.is_dataclass(Initiative)
    for kind in (PROGRESS, HISTORY, PILLAR):
        assert issubclass(kind.record, tuple)  # type: ignore[arg-type]


def test_a_portfolio_copied_with_replace_knows_only_its_own_initiatives() -> None:
    """Its id index is made from its own initiatives: a copy holding a few of them
    (a filtered view, a store's fields without initiatives) must not find the others,
    and making the copy must not change the original."""
    from dataclasses import replace

    from tests.helpers import BUNDLED
    from vzwatch.operations.reading import load_portfolio

    whole = load_portfolio(BUNDLED.read_text(encoding="utf-8"), BUNDLED)
    first, *others = whole.initiatives
    few = replace(whole, initiatives=(first,))
    assert few.ids == {first.id}
    assert all(few.get(item.id) is None for item in others)
    assert replace(whole, initiatives=()).ids == frozenset()
    assert whole.ids == {item.id for item in whole.initiatives}


def test_equal_short_texts_read_from_a_store_are_one_object() -> None:
    """A big store repeats a few partners, tags, pillars and notes thousands of times;
    read as one object each, the cache's frames hold them once and load them once."""

    def read(ident: str) -> Initiative:  # each text a new object, as a TOML parser makes them
        table = {
            "id": ident,
            "title": f"Initiative {ident}",
            "timeline": "Q1 2025",
            "pillar": "election-monitoring",
            "partners": ["United Nations"],
            "status": "active",
        }
        fresh = {key: json.loads(json.dumps(value)) for key, value in table.items()}
        return schema.read_initiative(fresh, CALENDAR)

    first, second = read("first"), read("second")
    assert first.partners[0] == second.partners[0]
    assert first.partners[0] is second.partners[0]
    assert first.pillar is second.pillar
    assert first.status is second.status
    assert first.timeline_text is second.timeline_text
