"""The data contract (README, "The data contract"): one key, one meaning, in every output.

Pinned by exact equality: keys may be added in a later release, never removed
or renamed. If a test here fails because a key changed, the change breaks
users' scripts.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.schema import join_texts, split_texts

TODAY = ("--today", "2025-03-31")

ELECTION = {
    "id": "election-oversight-missions",
    "title": "Election Oversight Missions",
    "objective": "Ensure transparent elections",
    "pillar": "election-monitoring",
    "pillar_name": "Election Monitoring",
    "partners": ["Organization of American States", "United Nations"],
    "tags": ["elections"],
    "status": "planned",
    "progress": 0,
    "timeline": {"text": "Q1 2025", "start": "Q1-2025", "end": "Q1-2025", "ongoing": False},
    "source": "Japan Wire, citing Kyodo News",
    "progress_log": [],
    "history": [],
    "sources": ["japan-wire"],
    "owner": "MOFA Election Assistance Desk",
    "depends_on": ["international-dialogue-forums"],
    "review_every": None,
    "indicators": [],
    "blocked_by": ["international-dialogue-forums"],  # as of the real today: forums overdue
    "milestones": [
        {
            "id": "observer-teams-accredited",
            "title": "Observer teams accredited",
            "quarter": "Q1-2025",
            "done": None,
        }
    ],
}
# `show --json` adds the ledger (README, "The commitment ledger").
SHOWN = ELECTION | {
    "announced": {
        "timeline": {"text": "Q1 2025", "start": "Q1-2025", "end": "Q1-2025", "ongoing": False},
        "date": None,
        "sources": ["japan-wire"],
    },
    "revisions": [],
    "slip_quarters": 0,
}


def _json(run: RunCli, *args: str) -> object:
    result = run(*args)
    assert result.exit_code == ExitCode.OK, result.stderr
    return json.loads(result.stdout)


def test_show_json_is_the_documented_object(run: RunCli) -> None:
    assert _json(run, "show", "election", "--json") == SHOWN


def test_write_commands_print_exactly_what_show_prints(run: RunCli) -> None:
    added = run(
        "add",
        "Regional Summit",
        "--timeline",
        "Q2 2025",
        "--pillar",
        "dialogue-facilitation",
        "--json",
    )
    assert added.exit_code == ExitCode.OK, added.stderr
    assert added.stdout == run("show", "regional-summit", "--json").stdout
    assert json.loads(added.stdout)["pillar_name"] == "Dialogue Facilitation"
    progressed = run("progress", "election", "40", "--date", "2025-02-20", *TODAY, "--json")
    assert progressed.stdout == run("show", "election", "--json").stdout
    edited = run("edit", "election", "--status", "active", *TODAY, "--json")
    assert edited.stdout == run("show", "election", "--json").stdout
    assert json.loads(edited.stdout)["pillar_name"] == "Election Monitoring"


def test_csv_has_the_pillar_id_and_its_name_and_unambiguous_lists(run: RunCli) -> None:
    assert run("edit", "election", "--add-partner", "Lima; Group \\ Andes", *TODAY).exit_code == 0
    result = run("list", "--format", "csv", "--status", "planned", "--active-in", "Q1-2025", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "id",
        "title",
        "objective",
        "pillar",
        "status",
        "progress",
        "start",
        "end",
        "ongoing",
        "timeline",
        "partners",
        "tags",
        "source",
        "pillar_name",
        "sources",
        "owner",
        "depends_on",
        "review_every",
        "indicators",
        "milestones",
    ]
    assert rows == [
        {
            "id": "election-oversight-missions",
            "title": "Election Oversight Missions",
            "objective": "Ensure transparent elections",
            "pillar": "election-monitoring",
            "status": "planned",
            "progress": "0",
            "start": "Q1-2025",
            "end": "Q1-2025",
            "ongoing": "false",
            "timeline": "Q1 2025",
            "partners": "Organization of American States; United Nations; Lima\\; Group \\\\ Andes",
            "tags": "elections",
            "source": "Japan Wire, citing Kyodo News",
            "pillar_name": "Election Monitoring",
            "sources": "japan-wire",
            "owner": "MOFA Election Assistance Desk",
            "depends_on": "international-dialogue-forums",
            "review_every": "",
            "indicators": "",
            "milestones": "Q1-2025 Observer teams accredited (open)",
        }
    ]
    assert split_texts(rows[0]["partners"]) == [
        "Organization of American States",
        "United Nations",
        "Lima; Group \\ Andes",
    ]


def test_joined_lists_split_back_whatever_they_hold() -> None:
    for items in ([], ["a"], ["a;b", "c\\", "\\;"], ["x; y", "z"]):
        assert split_texts(join_texts(items)) == [item.strip() for item in items]


def test_due_rows_say_whether_they_are_overdue_and_by_how_many_quarters(run: RunCli) -> None:
    listed = _json(run, "due", "--quarter", "Q1-2025", "--overdue", "--json", *TODAY)
    assert isinstance(listed, list)
    assert [(r["kind"], r["id"], r["overdue"], r["overdue_quarters"]) for r in listed] == [
        ("initiative", "international-dialogue-forums", True, 1),
        ("initiative", "election-oversight-missions", False, 0),
        ("milestone", "observer-teams-accredited", False, 0),
    ]
    assert [key for key in listed[1] if key not in ELECTION] == [
        "overdue",
        "overdue_quarters",
        "kind",
    ]
    assert listed[2] == {
        "id": "observer-teams-accredited",
        "initiative": "election-oversight-missions",
        "title": "Observer teams accredited",
        "quarter": "Q1-2025",
        "done": None,
        "overdue": False,
        "overdue_quarters": 0,
        "kind": "milestone",
    }
    result = run("due", "--quarter", "Q1-2025", "--overdue", "--format", "csv", *TODAY)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["kind"], r["id"], r["overdue"], r["overdue_quarters"]) for r in rows] == [
        ("initiative", "international-dialogue-forums", "true", "1"),
        ("initiative", "election-oversight-missions", "false", "0"),
        ("milestone", "observer-teams-accredited", "false", "0"),
    ]


def test_timeline_rows_carry_the_same_timeline_object(run: RunCli) -> None:
    chart = _json(run, "timeline", "--json", "--from", "Q4-2024", "--to", "Q1-2025", *TODAY)
    assert isinstance(chart, dict)
    forums = next(row for row in chart["rows"] if row["id"] == "international-dialogue-forums")
    assert forums == {
        "id": "international-dialogue-forums",
        "title": "International Dialogue Forums",
        "pillar": "dialogue-facilitation",
        "pillar_name": "Dialogue Facilitation",
        "status": "planned",
        "progress": 0,
        "timeline": {
            "text": "Q3 – Q4 2024",
            "start": "Q3-2024",
            "end": "Q4-2024",
            "ongoing": False,
        },
        "start": "Q3-2024",
        "end": "Q4-2024",
        "window_start": "Q4-2024",
        "window_end": "Q4-2024",
        "continues_before": True,
        "continues_after": False,
        "blocked": False,
    }
    assert [chart[key] for key in ("from", "to", "today")] == ["Q4-2024", "Q1-2025", "2025-03-31"]


def test_report_partner_groups_keep_the_partner_as_written(run: RunCli, store: Path) -> None:
    report = _json(run, "report", "-Q", "Q1-2025", "--by", "partner", "--json", *TODAY)
    assert isinstance(report, dict)
    assert [group["key"] for group in report["groups"]] == [
        "Lima Group",
        "Organization of American States",
        "United Nations",
        "Venezuelan civil society",
    ]


def test_report_rows_have_the_pillar_id_and_name(run: RunCli) -> None:
    result = run("report", "-Q", "Q1-2025", "--format", "jsonl", *TODAY)
    first = json.loads(result.stdout.splitlines()[0])
    assert (first["pillar"], first["pillar_name"], first["group"], first["group_key"]) == (
        "humanitarian-support",
        "Humanitarian Support",
        "Humanitarian Support",
        "humanitarian-support",
    )


def test_ongoing_timeline_has_null_end(run: RunCli) -> None:
    data = json.loads(run("show", "humanitarian-aid-programs", "--json").stdout)
    assert data["timeline"] == {"text": "Ongoing", "start": None, "end": None, "ongoing": True}


def test_range_timeline_keeps_the_text_as_written(run: RunCli) -> None:
    data = json.loads(run("show", "international-dialogue-forums", "--json").stdout)
    assert data["timeline"] == {
        "text": "Q3 – Q4 2024",
        "start": "Q3-2024",
        "end": "Q4-2024",
        "ongoing": False,
    }


def test_json_has_no_colour_codes_even_when_forced(run: RunCli) -> None:
    result = run("list", "--json", env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert "\x1b" not in result.stdout
    assert isinstance(json.loads(result.stdout), list)


def test_json_escapes_terminal_unsafe_characters_without_changing_the_value(
    run: RunCli, store: Path
) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'title = "Election Oversight Missions"', 'title = "Election \\u202eMissions\\u0085"'
    )
    store.write_text(text, encoding="utf-8")
    result = run("show", "election", "--json")
    assert "\u202e" not in result.stdout
    assert "\x85" not in result.stdout
    assert json.loads(result.stdout)["title"] == "Election \u202eMissions\u0085"


@pytest.mark.parametrize("day", ["2024-09-30", "2025-01-01", "2025-02-14", "2025-04-01"])
def test_blocked_by_means_the_same_in_report_as_in_list(run: RunCli, day: str) -> None:
    """One key, one meaning: report rows and list elements agree on what blocks what;
    the dependency the health mark names is report's own `lagging_dependency`."""
    elements = _json(run, "list", "--json", "--today", day)
    assert isinstance(elements, list)
    listed = {item["id"]: item["blocked_by"] for item in elements}
    report = _json(run, "report", "--json", "--quarter", "Q1-2025", "--today", day)
    assert isinstance(report, dict)
    briefing = run("report", "--format", "markdown", "--quarter", "Q1-2025", "--today", day).stdout
    for item in report["initiatives"]:
        assert item["blocked_by"] == listed[item["id"]]
        mark = item["lagging_dependency"]
        assert (mark is not None) == (f"blocked by {mark}" in briefing)
    rows = list(
        csv.DictReader(
            io.StringIO(
                run("report", "--format", "csv", "--quarter", "Q1-2025", "--today", day).stdout
            )
        )
    )
    assert {row["id"]: split_texts(row["blocked_by"]) for row in rows} == {
        item["id"]: item["blocked_by"] for item in report["initiatives"]
    }
