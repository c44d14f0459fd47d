"""`vzwatch report`: what a desk officer pastes into the quarterly briefing."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-03-31")


@pytest.fixture
def recorded(run: RunCli) -> RunCli:
    """A quarter's progress on the bundled store."""
    for args in (
        ("election", "10", "--note", "Advance team in Caracas", "--date", "2025-01-20"),
        ("election", "40", "--note", "Teams deployed | 12 observers", "--date", "2025-02-20"),
        ("hum", "30", "--date", "2025-03-15"),
        ("inter", "80", "--date", "2024-12-20"),
    ):
        assert run("progress", *args, *TODAY).exit_code == ExitCode.OK
    assert run("edit", "hum", "--status", "paused", "--today", "2025-03-20").exit_code == 0
    return run


BRIEFING = """\
## Progress report: Q1-2025

As of 2025-03-31, by pillar; changes since 2025-01-01.

| Pillar | Initiatives | Mean progress | Done | Due in Q1-2025 | Overdue | Behind |
|---|---|---|---|---|---|---|
| Humanitarian Support | 1 | 30% | 0 | 0 | 0 | 0 |
| Election Monitoring | 1 | 40% | 0 | 1 | 0 | 1 |
| Dialogue Facilitation | 1 | 80% | 0 | 0 | 1 | 0 |
| **All** | 3 | 50% | 0 | 1 | 1 | 1 |

### Humanitarian Support

| Initiative | Timeline | Status | Progress | Expected | Health | Forecast |
|---|---|---|---|---|---|---|
| Humanitarian Aid Programs[^1] | ongoing | paused | 30% | — | ongoing, updated 2025-03-15 | — |

Promises vs delivery: kept on time 0 · delivered late 0 · slipped 0 · not yet due 0 · overdue 0.

| Initiative | Indicator | Value / target | Way | By | Health |
|---|---|---|---|---|---|
{aid_indicator}

Indicators by unit: 40,000 / 200,000 people.

### Election Monitoring

| Initiative | Timeline | Status | Progress | Expected | Health | Forecast |
|---|---|---|---|---|---|---|
{election}

Promises vs delivery: kept on time 0 · delivered late 0 · slipped 0 · not yet due 1 · overdue 0.

### Dialogue Facilitation

| Initiative | Timeline | Status | Progress | Expected | Health | Forecast |
|---|---|---|---|---|---|---|
{dialogue}

Promises vs delivery: kept on time 0 · delivered late 0 · slipped 0 · not yet due 0 · overdue 1.

### Changes since 2025-01-01

| Date | Initiative | Change | Note |
|---|---|---|---|
| 2025-01-20 | Election Oversight Missions | progress 10% | Advance team in Caracas |
| 2025-02-20 | Election Oversight Missions | progress 10% → 40% | Teams deployed \\| 12 observers |
| 2025-03-15 | Humanitarian Aid Programs | progress 30% |  |
| 2025-03-20 | Humanitarian Aid Programs | status active → paused |  |

### Sources

[^1]: Japan Wire, citing Kyodo News, “Japan Commits to Diplomatic Initiatives Aimed at \
Democratic Restoration in Venezuela”
""".format(
    aid_indicator="| Humanitarian Aid Programs | Displaced people assisted "
    "| 40,000 / 200,000 people | 20% | Q4-2025 | behind by 15 points |",
    election="| Election Oversight Missions[^1] | Q1-2025 | planned | 40% | 99% "
    "| behind by 59 points, blocked by international-dialogue-forums "
    "| Q2-2025 (late) |",
    dialogue="| International Dialogue Forums[^1] | Q3-2024 – Q4-2024 | planned | 80% | 100% "
    "| overdue, stale | stalled since 2024-12-20 |",
)


def test_markdown_is_a_briefing_ready_document(recorded: RunCli) -> None:
    result = recorded("report", "--quarter", "Q1-2025", "--format", "markdown", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == BRIEFING


def test_markdown_escapes_user_text(run: RunCli) -> None:
    run("edit", "election", "--title", "*Vote* | [count] #1", *TODAY)
    run("progress", "election", "20", "--note", "<b>_x_</b>", *TODAY)
    out = run("report", "-Q", "Q1-2025", "--format", "markdown", *TODAY).stdout
    assert "| \\*Vote\\* \\| \\[count\\] \\#1[^1] | Q1-2025 |" in out
    assert "| \\<b\\>\\_x\\_\\</b\\> |" in out


def test_json_is_the_documented_object(recorded: RunCli) -> None:
    result = recorded("report", "--quarter", "Q1-2025", "--json", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == [
        "quarter",
        "today",
        "since",
        "by",
        "totals",
        "groups",
        "initiatives",
        "changes",
        "indicators",
    ]
    assert report["indicators"]["by_unit"] == [
        {"unit": "people", "count": 1, "value": 40000, "baseline": 0, "target": 200000}
    ]
    assert report["totals"] == {
        "initiatives": 3,
        "mean_progress": 50,
        "done": 0,
        "due": 1,
        "overdue": 1,
        "behind": 1,
        "promises": {
            "kept": 0,
            "late": 0,
            "slipped": 0,
            "not_yet_due": 1,
            "overdue": 1,
            "median_slip_quarters": None,
            "worst_slip_quarters": None,
        },
    }
    assert report["groups"][1] == {
        "key": "election-monitoring",
        "label": "Election Monitoring",
        "initiatives": 1,
        "mean_progress": 40,
        "done": 0,
        "due": 1,
        "overdue": 0,
        "behind": 1,
        "ids": ["election-oversight-missions"],
        "promises": {
            "kept": 0,
            "late": 0,
            "slipped": 0,
            "not_yet_due": 1,
            "overdue": 0,
            "median_slip_quarters": None,
            "worst_slip_quarters": None,
        },
    }
    election = next(i for i in report["initiatives"] if i["id"] == "election-oversight-missions")
    assert election == {
        "id": "election-oversight-missions",
        "title": "Election Oversight Missions",
        "pillar": "election-monitoring",
        "pillar_name": "Election Monitoring",
        "partners": ["Organization of American States", "United Nations"],
        "status": "planned",
        "timeline": {"text": "Q1 2025", "start": "Q1-2025", "end": "Q1-2025", "ongoing": False},
        "progress": 40,
        "expected": 99,
        "gap": -59,
        "health": "behind",
        "last_update": "2025-02-20",
        "forecast": "Q2-2025",
        "forecast_late": True,
        "finished": None,
        "due": True,
        "stalled_since": None,
        "owner": "MOFA Election Assistance Desk",
        "blocked_by": ["international-dialogue-forums"],
        "stale": False,
        "lagging_dependency": "international-dialogue-forums",
    }
    assert report["changes"][1] == {
        "date": "2025-02-20",
        "initiative": "election-oversight-missions",
        "title": "Election Oversight Missions",
        "kind": "progress",
        "percent": 40,
        "previous": 10,
        "note": "Teams deployed | 12 observers",
        "from": None,
        "to": None,
        "sources": [],
    }
    assert report["changes"][3] == {
        "date": "2025-03-20",
        "initiative": "humanitarian-aid-programs",
        "title": "Humanitarian Aid Programs",
        "kind": "status",
        "percent": None,
        "previous": None,
        "note": "",
        "from": "active",
        "to": "paused",
        "sources": [],
    }


def test_csv_has_one_row_per_group_and_initiative(recorded: RunCli) -> None:
    recorded("edit", "election", "--title", '=HYPERLINK("x")', *TODAY)
    result = recorded("report", "-Q", "Q1-2025", "--by", "partner", "--format", "csv", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["group"], r["id"]) for r in rows][:3] == [
        ("Lima Group", "international-dialogue-forums"),
        ("Organization of American States", "international-dialogue-forums"),
        ("Organization of American States", "election-oversight-missions"),
    ]
    election = rows[2]
    assert election["title"] == '\'=HYPERLINK("x")'  # made inert for spreadsheets
    assert (election["health"], election["gap"], election["forecast"]) == (
        "behind",
        "-59",
        "Q2-2025",
    )


def test_jsonl_has_one_object_per_row(recorded: RunCli) -> None:
    result = recorded("report", "-Q", "Q1-2025", "--format", "jsonl", *TODAY)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["group"], line["id"], line["health"]) for line in lines] == [
        ("Humanitarian Support", "humanitarian-aid-programs", "ongoing"),
        ("Election Monitoring", "election-oversight-missions", "behind"),
        ("Dialogue Facilitation", "international-dialogue-forums", "overdue"),
    ]


def test_table_for_people(recorded: RunCli) -> None:
    recorded("progress", "election", "45", "--note", "[red]not markup", *TODAY)
    result = recorded("report", "-Q", "Q1-2025", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    out = result.stdout
    assert out.startswith("Progress report: Q1-2025\nAs of 2025-03-31, by pillar;")
    for text in (
        "Election Monitoring",
        "behind by 54 points",
        "overdue",
        "Q3-2025 (late)",  # 10% on 20 January, 45% on 31 March
        "Changes since 2025-01-01",
        "status active → paused",
        "[red]not markup",
    ):
        assert text in out


def test_since_takes_a_date_or_a_quarter(recorded: RunCli) -> None:
    by_date = json.loads(
        recorded("report", "-Q", "Q1-2025", "--since", "2025-02-20", "--json", *TODAY).stdout
    )
    assert by_date["since"] == "2025-02-20"
    assert [c["date"] for c in by_date["changes"]] == ["2025-02-20", "2025-03-15", "2025-03-20"]
    by_quarter = json.loads(
        recorded("report", "-Q", "Q1-2025", "--since", "Q4 2024", "--json", *TODAY).stdout
    )
    assert by_quarter["since"] == "2024-10-01"
    assert by_quarter["changes"][0]["date"] == "2024-12-20"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2025-02-30"), "--since '2025-02-30' is not a date: there is no such day"),
        (("--since", "Q3 2025"), "--since 2025-07-01 is after today (2025-03-31)"),
        (("--since", "soon"), "'soon' is not a quarter"),
        (("--quarter", "Q5-2025"), "'Q5-2025' is not a quarter"),
        (("--by", "colour"), "'colour' is not one of"),
        (("--json", "--format", "csv"), "--json and --format csv disagree"),
    ],
)
def test_bad_options_are_usage_errors(run: RunCli, args: tuple[str, ...], message: str) -> None:
    result = run("report", *args, *TODAY)
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert result.stdout == ""


def test_a_quarter_with_nothing_in_it(run: RunCli) -> None:
    result = run("report", "-Q", "Q1-2030", "--format", "markdown", "--today", "2030-02-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    # Humanitarian aid is ongoing, so it is active in every quarter; the rest slipped.
    assert "| **All** | 3 |" in result.stdout
    empty = run(
        "report", "-Q", "Q1-2030", "--format", "markdown", "--today", "2030-02-01", "--by", "status"
    )
    assert "No progress entries, status changes or revisions." in empty.stdout


@pytest.mark.subprocess
def test_report_json_does_not_import_rich(store: Path) -> None:
    code = (
        "import sys\n"
        "from vzwatch.cli import main\n"
        "code = main(['report', '--quarter', 'Q1-2025', '--today', '2025-03-31', '--json'])\n"
        "loaded = sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.'))\n"
        "print(loaded, file=sys.stderr)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "VZWATCH_FILE": str(store), "HOME": str(store.parent)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().strip() == "[]"
    assert json.loads(result.stdout)["quarter"] == "Q1-2025"


def test_limit_shows_the_newest_changes(recorded: RunCli) -> None:
    result = recorded("report", "-Q", "Q1-2025", "--limit", "2", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    changes = result.stdout[result.stdout.index("Changes since") :]
    assert "2025-03-15" in changes
    assert "2025-03-20" in changes
    assert "2025-01-20" not in changes
    assert "2025-02-20" not in changes
    assert changes.index("2025-03-15") < changes.index("2025-03-20")  # still oldest first
    assert "the newest 2 of 4 changes shown; 2 earlier (--all or --limit N)" in changes
