"""Records are found by the block index: a sub-table belongs to its record wherever it is
written and however its header is spelled, and every write touches that record only."""

from __future__ import annotations

import copy
import json
import tempfile
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.operations.reading import load_portfolio
from vzwatch.operations.writing import InitiativeEdit, edit_initiative, remove_initiative
from vzwatch.storage.store import StoreLocation

TODAY = ("--today", "2025-04-02")
PATH = Path("store.toml")

HEAD = """[portfolio]
title = "Layouts"

[[pillars]]
id = "p"
"""

# The README's example of the trouble: sub-tables in a quoted header, and written
# after a later [[pillars]] table. TOML gives both to the initiative before them.
SCATTERED = (
    HEAD
    + """
[[initiatives]]
id = "first"
title = "First"
timeline = "Q1 2025"

[[initiatives]]
id = "middle"
title = "Middle"
timeline = "Q2 2025"
partners = ["UN"]

# milestones of the middle one
["initiatives".milestones]
kickoff = "March"

[[pillars]]
id = "q"

[initiatives.budget]
amount = 3

[[ "initiatives" . notes ]]
text = "one"

[[initiatives]]
id = "last"
title = "Last"
timeline = "Q3 2025"

[[progress]]
initiative = "middle"
date = 2025-01-10
percent = 10

[progress.source]
who = "desk"

[[progress]]
initiative = "last"
date = 2025-01-11
percent = 5
"""
)


def document(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def initiative(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    found: dict[str, Any] = next(i for i in doc["initiatives"] if i["id"] == ident)
    return found


def without(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    """The document as removing ``ident`` must leave it."""
    expected = copy.deepcopy(doc)
    for table, key in (
        ("initiatives", "id"),
        ("progress", "initiative"),
        ("history", "initiative"),
    ):
        if table in doc:
            kept = [entry for entry in doc[table] if entry.get(key) != ident]
            if kept:
                expected[table] = kept
            else:
                del expected[table]
    return expected


@pytest.mark.parametrize("ident", ["first", "middle", "last"])
def test_remove_takes_the_record_with_its_sub_tables_wherever_written(
    run: RunCli, store: Path, ident: str
) -> None:
    store.write_text(SCATTERED, encoding="utf-8")
    result = run("remove", ident, "--yes")
    assert result.exit_code == ExitCode.OK, result.stderr
    after = store.read_text(encoding="utf-8")
    assert document(after) == without(document(SCATTERED), ident)
    assert "# milestones of the middle one\n" in after  # comments above removed tables stay


def test_removing_the_middle_one_leaves_no_stray_sub_table(run: RunCli, store: Path) -> None:
    store.write_text(SCATTERED, encoding="utf-8")
    assert run("remove", "middle", "--yes").exit_code == ExitCode.OK
    after = store.read_text(encoding="utf-8")
    for gone in ("milestones", "budget", "notes", "[progress.source]", "kickoff"):
        assert gone not in after.replace("# milestones of the middle one", "")
    assert '[[pillars]]\nid = "q"\n' in after


def test_edit_changes_only_the_record_it_names(run: RunCli, store: Path) -> None:
    store.write_text(SCATTERED, encoding="utf-8")
    result = run("edit", "middle", "--add-partner", "OAS", "--objective", "Talk", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    after = store.read_text(encoding="utf-8")
    expected = document(SCATTERED)
    initiative(expected, "middle").update(partners=["UN", "OAS"], objective="Talk")
    revision = {"initiative": "middle", "date": date(2025, 4, 2), "field": "objective"}
    expected["history"] = [{**revision, "from": "", "to": "Talk"}]  # appended at the end
    assert document(after) == expected
    # Byte for byte: the change is inside the record's own lines.
    start = SCATTERED.index('id = "middle"')
    end = SCATTERED.index("\n# milestones")
    assert after[:start] == SCATTERED[:start]
    revision_block = (
        '\n[[history]]\ninitiative = "middle"\ndate = 2025-04-02\nfield = "objective"\n'
        'from = ""\nto = "Talk"\n'
    )
    assert after.endswith(SCATTERED[end:] + revision_block)


def test_progress_that_marks_done_edits_the_right_record(run: RunCli, store: Path) -> None:
    store.write_text(SCATTERED, encoding="utf-8")
    result = run("progress", "middle", "100", "--date", "2025-03-01", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    doc = document(store.read_text(encoding="utf-8"))
    assert initiative(doc, "middle")["status"] == "done"
    assert initiative(doc, "middle")["budget"] == {"amount": 3}
    assert [i.get("status") for i in doc["initiatives"]] == [None, "done", None]


def test_import_updates_the_record_it_matches(run: RunCli, store: Path, tmp_path: Path) -> None:
    store.write_text(SCATTERED, encoding="utf-8")
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps([{"id": "middle", "title": "Middle", "objective": "Imported", "timeline": {}}]),
        encoding="utf-8",
    )
    # A JSON item needs its timeline: take the stored one.
    listed = json.loads(run("show", "middle", "--json").stdout)
    listed["objective"] = "Imported"
    source.write_text(json.dumps([listed]), encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == ExitCode.OK, result.stderr
    expected = document(SCATTERED)
    initiative(expected, "middle")["objective"] = "Imported"
    assert document(store.read_text(encoding="utf-8")) == expected


# --- any layout: hypothesis ------------------------------------------------------

ELEMENT_HEADERS = [
    "[[initiatives]]",
    "[[ initiatives ]]",
    '[["initiatives"]]',
    "[[ 'initiatives' ]]",
]
SUB_HEADERS = [
    "[initiatives.{name}]",
    '["initiatives".{name}]',
    "[ initiatives . '{name}' ]",
    '[initiatives."{name} # x"]',
]
INTERLUDES = [
    '[[pillars]]\nid = "pillar-{n}"\n',
    '["São Paulo office {n}"]\nk = "a # b"\n',
    "[ 'x{n}' . \"y\" ]\nz = 1\n",
    "# a loose comment {n}\n",
]


@st.composite
def stores(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 5))
    parts = [HEAD]
    ids = [f"init-{n}" for n in range(count)]
    interlude = 0
    for ident in ids:
        parts.append(f"\n# about {ident}\n")
        parts.append(draw(st.sampled_from(ELEMENT_HEADERS)) + "\n")
        parts.append(f'id = "{ident}"\ntitle = "{ident.upper()}"\ntimeline = "Q1 2025"\n')
        parts.append(draw(st.sampled_from(["", 'tags = [\n  "a",  # first\n  "b",\n]\n'])))
        for name in draw(st.lists(st.sampled_from(["extra", "budget", "plan"]), unique=True)):
            if draw(st.booleans()):
                interlude += 1
                parts.append("\n" + draw(st.sampled_from(INTERLUDES)).format(n=interlude))
            header = draw(st.sampled_from(SUB_HEADERS)).format(name=name)
            parts.append(f"\n{header}\nvalue = {len(name)}\n")
    for number in range(draw(st.integers(0, 4))):
        named = draw(st.sampled_from(ids))
        parts.append(
            f'\n[[progress]]\ninitiative = "{named}"\ndate = 2025-01-0{number + 1}\n'
            f"percent = {number * 10}\n"
        )
        if draw(st.booleans()):
            parts.append('[progress.source]\nwho = "desk"\n')
    return "".join(parts)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores(), st.data())
def test_removing_any_initiative_from_any_layout_removes_it_and_nothing_else(
    text: str, data: st.DataObject
) -> None:
    portfolio = load_portfolio(text, PATH)
    target = data.draw(st.sampled_from(portfolio.initiatives))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "store.toml"
        path.write_text(text, encoding="utf-8")
        removed = remove_initiative(StoreLocation(path, "option", "--file option"), target.id)
        after = path.read_text(encoding="utf-8")
    assert (removed.progress_entries, removed.history_entries) == (len(target.progress_log), 0)
    assert document(after) == without(document(text), target.id)
    for line in text.splitlines():
        if line.startswith("# "):
            assert line in after  # comments stay, the removed record's own lead too
    load_portfolio(after, PATH)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores(), st.data())
def test_editing_any_initiative_in_any_layout_changes_it_and_nothing_else(
    text: str, data: st.DataObject
) -> None:
    portfolio = load_portfolio(text, PATH)
    target = data.draw(st.sampled_from(portfolio.initiatives))
    request = InitiativeEdit(add_tags=["new"], objective="Changed", status="active")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "store.toml"
        path.write_text(text, encoding="utf-8")
        location = StoreLocation(path, "option", "--file option")
        edit_initiative(location, target.id, request, today=date(2025, 4, 2))
        after = path.read_text(encoding="utf-8")
    expected = document(text)
    record = initiative(expected, target.id)
    old_objective = record.get("objective", "")
    record.update(tags=[*record.get("tags", []), "new"], objective="Changed", status="active")
    expected["history"] = [
        {  # an objective change is a revision, logged before the status change
            "initiative": target.id,
            "date": date(2025, 4, 2),
            "field": "objective",
            "from": old_objective,
            "to": "Changed",
        },
        {
            "initiative": target.id,
            "date": date(2025, 4, 2),
            "field": "status",
            "from": "planned",
            "to": "active",
        },
    ]
    assert document(after) == expected
