"""`vzwatch edit`: changes land in place; the id, comments and unknown keys stay."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-04-02")


def record(store: Path, ident: str) -> dict[str, Any]:
    document = tomllib.loads(store.read_text(encoding="utf-8"))
    found: dict[str, Any] = next(i for i in document["initiatives"] if i["id"] == ident)
    return found


def test_edit_changes_fields_in_place(run: RunCli, store: Path) -> None:
    before = store.read_text(encoding="utf-8")
    result = run(
        "edit",
        "election",
        "--title",
        "Election Observation Missions",
        "--objective",
        "Observe the count",
        "--timeline",
        "Q1 – Q2 2025",
        "--pillar",
        "Enhanced Collaboration",
        *TODAY,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == (
        "Updated election-oversight-missions: title, objective, timeline, pillar\n"
    )
    after = store.read_text(encoding="utf-8")
    assert (
        after
        == (
            before.replace(
                'title = "Election Oversight Missions"', 'title = "Election Observation Missions"'
            )
            .replace(
                'objective = "Ensure transparent elections"', 'objective = "Observe the count"'
            )
            .replace('timeline = "Q1 2025"', 'timeline = "Q1 – Q2 2025"')
            .replace(
                'pillar = "election-monitoring"\npartners = ["Organization',
                'pillar = "enhanced-collaboration"\npartners = ["Organization',
            )
            # Timeline and objective are revisions: logged, like status changes.
            + "\n[[history]]\n"
            'initiative = "election-oversight-missions"\n'
            "date = 2025-04-02\n"
            'field = "timeline"\n'
            'from = "Q1 2025"\n'
            'to = "Q1 – Q2 2025"\n'
            "\n[[history]]\n"
            'initiative = "election-oversight-missions"\n'
            "date = 2025-04-02\n"
            'field = "objective"\n'
            'from = "Ensure transparent elections"\n'
            'to = "Observe the count"\n'
        )
    )


def test_partners_and_tags_are_added_and_removed(run: RunCli, store: Path) -> None:
    result = run(
        "edit",
        "election",
        "--add-partner",
        "European Union",
        "--remove-partner",
        "united nations",
        "--add-tag",
        "observers",
        "--remove-tag",
        "elections",
        "--tag",
        "OBSERVERS",  # already added, in another case: not twice
        *TODAY,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    edited = record(store, "election-oversight-missions")
    assert edited["partners"] == ["Organization of American States", "European Union"]
    assert edited["tags"] == ["observers"]


def test_removing_what_is_not_there_is_a_usage_error(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("edit", "election", "--remove-partner", "Mercosur", *TODAY)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        "vzwatch: error: partner 'mercosur' is not on 'election-oversight-missions' "
        "(partners: Organization of American States, United Nations)\n"
    )
    assert store.read_bytes() == before


def test_a_no_op_edit_leaves_the_file_byte_identical(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run(
        "edit",
        "election",
        "--title",
        "Election Oversight Missions",
        "--timeline",
        "Q1 2025",
        "--pillar",
        "election-monitoring",
        "--status",
        "planned",
        "--add-tag",
        "elections",
        *TODAY,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == "No change to election-oversight-missions.\n"
    assert store.read_bytes() == before


def test_edit_without_changes_asked_is_a_usage_error(run: RunCli) -> None:
    result = run("edit", "election")
    assert result.exit_code == ExitCode.USAGE
    assert "nothing to change" in result.stderr


def test_status_change_is_logged_with_the_date(run: RunCli, store: Path) -> None:
    result = run("edit", "election", "--status", "Active", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert record(store, "election-oversight-missions")["status"] == "active"
    history = tomllib.loads(store.read_text(encoding="utf-8"))["history"]
    assert history == [
        {
            "initiative": "election-oversight-missions",
            "date": date(2025, 4, 2),
            "field": "status",
            "from": "planned",
            "to": "active",
        }
    ]
    shown = json.loads(run("show", "election", "--json").stdout)
    assert shown["history"] == [
        {"date": "2025-04-02", "field": "status", "from": "planned", "to": "active", "sources": []}
    ]


def test_empty_objective_and_pillar_remove_the_keys(run: RunCli, store: Path) -> None:
    result = run("edit", "election", "--objective", "", "--pillar", "", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    edited = record(store, "election-oversight-missions")
    assert "objective" not in edited
    assert "pillar" not in edited


def test_comments_and_unknown_keys_survive(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'id = "election-oversight-missions"\n',
        'id = "election-oversight-missions"  # keep me\nbudget_yen = 5_000_000\n',
    )
    store.write_text(text, encoding="utf-8")
    result = run("edit", "election", "--status", "active", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    after = store.read_text(encoding="utf-8")
    assert 'id = "election-oversight-missions"  # keep me\nbudget_yen = 5_000_000\n' in after
    assert after.startswith("# vzwatch store")


def test_timeline_replaces_start_and_end_keys(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'timeline = "Q1 2025"\n', 'start = "Q1-2025"\nend = "Q2-2025"\n'
    )
    store.write_text(text, encoding="utf-8")
    result = run("edit", "election", "--timeline", "H2 2025", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    edited = record(store, "election-oversight-missions")
    assert edited["timeline"] == "H2 2025"
    assert "start" not in edited
    assert "end" not in edited


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--title", "", "title must not be empty"),
        ("--title", "bad\x1b]8;;x\x07", "title contains a control or invisible character"),
        ("--timeline", "Q5 2025", "is not a timeline"),
        ("--status", "finished", "status 'finished' is not one of"),
        ("--pillar", "nope", "unknown pillar 'nope'"),
    ],
)
def test_input_is_validated_like_add(
    run: RunCli, store: Path, option: str, value: str, message: str
) -> None:
    before = store.read_bytes()
    result = run("edit", "election", option, value, *TODAY)
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert store.read_bytes() == before


def test_the_id_stays_stable(run: RunCli) -> None:
    run("edit", "election", "--title", "Something Else Entirely", *TODAY)
    assert json.loads(run("show", "election-oversight-missions", "--json").stdout)["title"] == (
        "Something Else Entirely"
    )


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            'initiative = "gone"\ndate = 2025-01-01\nfield = "status"\nto = "done"\n',
            "[[history]] names initiative 'gone', which does not exist",
        ),
        (
            'initiative = "election-oversight-missions"\ndate = 2025-01-01\nfield = "status"\n'
            'to = "finished"\n',
            "history entry 1: status 'finished' is not one of",
        ),
        (
            'initiative = "election-oversight-missions"\ndate = "soon"\nfield = "status"\n'
            'to = "done"\n',
            "history entry 1: 'soon' is not a date (YYYY-MM-DD)",
        ),
    ],
)
def test_hand_written_history_is_validated(
    run: RunCli, store: Path, entry: str, problem: str
) -> None:
    with store.open("a", encoding="utf-8") as handle:
        handle.write(f"\n[[history]]\n{entry}")
    result = run("list")
    assert result.exit_code == ExitCode.STORE
    assert problem in result.stderr


def test_unknown_keys_in_history_are_kept(run: RunCli, store: Path) -> None:
    with store.open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[history]]\ninitiative = "election-oversight-missions"\ndate = 2025-01-05\n'
            'field = "status"\nfrom = "planned"\nto = "active"\nby = "desk officer"\n'
        )
    run("edit", "election", "--status", "paused", *TODAY)
    text = store.read_text(encoding="utf-8")
    assert 'by = "desk officer"\n' in text
    assert [h["to"] for h in json.loads(run("show", "election", "--json").stdout)["history"]] == [
        "active",
        "paused",
    ]


def test_history_survives_the_parse_cache(run: RunCli) -> None:
    run("edit", "election", "--status", "active", *TODAY)
    for _ in range(2):  # the second read is served by the cache
        shown = json.loads(run("show", "election", "--json").stdout)
        assert [h["to"] for h in shown["history"]] == ["active"]
    cached = list((Path.home() / ".cache" / "vzwatch").iterdir())
    assert cached, "the parse cache should hold an entry for the store"
