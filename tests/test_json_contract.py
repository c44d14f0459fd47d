"""The JSON output is a contract: pinned here by exact equality.

Keys may be added in a later release, never removed or renamed. If this test
fails because a key changed, the change breaks users' scripts.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

ELECTION_MISSIONS = {
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
    "blocked_by": ["international-dialogue-forums"],
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
SHOWN_ELECTION_MISSIONS = {
    **ELECTION_MISSIONS,
    "announced": {
        "timeline": {"text": "Q1 2025", "start": "Q1-2025", "end": "Q1-2025", "ongoing": False},
        "date": None,
        "sources": ["japan-wire"],
    },
    "revisions": [],
    "slip_quarters": 0,
}


def test_show_json_is_exactly_the_documented_object(run: RunCli) -> None:
    result = run("show", "election-oversight-missions", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == SHOWN_ELECTION_MISSIONS


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
