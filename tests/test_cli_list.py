"""`vzwatch list`: what a user sees in a terminal and in JSON."""

from __future__ import annotations

import json

from tests.conftest import RunCli
from vzwatch.errors import ExitCode


def test_list_shows_the_three_bundled_initiatives_in_timeline_order(run: RunCli) -> None:
    result = run("list")
    assert result.exit_code == ExitCode.OK, result.stderr
    lines = result.stdout.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if title in line)
        for title in (
            "Humanitarian Aid Programs",  # ongoing with no start sorts first
            "International Dialogue Forums",
            "Election Oversight Missions",
        )
    ]
    assert order == sorted(order)
    assert "Q3-2024 – Q4-2024" in result.stdout
    assert "3 initiatives" in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR and not a terminal


def test_list_json_is_an_array_of_initiatives(run: RunCli) -> None:
    result = run("list", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    data = json.loads(result.stdout)
    assert [item["id"] for item in data] == [
        "humanitarian-aid-programs",
        "international-dialogue-forums",
        "election-oversight-missions",
    ]
    assert result.stderr == ""


def test_list_filters_by_status_pillar_tag_partner(run: RunCli) -> None:
    def ids(*args: str) -> list[str]:
        result = run("list", "--json", *args)
        assert result.exit_code == ExitCode.OK, result.stderr
        return [item["id"] for item in json.loads(result.stdout)]

    assert ids("--status", "active") == ["humanitarian-aid-programs"]
    assert ids("--pillar", "Election Monitoring") == ["election-oversight-missions"]
    assert ids("--pillar", "dialogue-facilitation") == ["international-dialogue-forums"]
    assert ids("--tag", "elections") == ["election-oversight-missions"]
    assert ids("--partner", "lima") == ["international-dialogue-forums"]
    assert ids("--status", "done") == []


def test_list_active_in_a_quarter(run: RunCli) -> None:
    result = run("list", "--json", "--active-in", "Q4 2024")
    ids = [item["id"] for item in json.loads(result.stdout)]
    assert ids == ["humanitarian-aid-programs", "international-dialogue-forums"]


def test_list_active_in_this_quarter_uses_today(run: RunCli) -> None:
    result = run("list", "--json", "--active-in", "this", "--today", "2025-02-14")
    ids = [item["id"] for item in json.loads(result.stdout)]
    assert ids == ["humanitarian-aid-programs", "election-oversight-missions"]


def test_list_rejects_a_bad_status_with_usage_code(run: RunCli) -> None:
    result = run("list", "--status", "finished")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("vzwatch: error: status 'finished' is not one of planned")
    assert result.stdout == ""


def test_list_rejects_a_bad_quarter_with_one_line(run: RunCli) -> None:
    result = run("list", "--active-in", "Q5-2025")
    assert result.exit_code == ExitCode.USAGE
    assert len(result.stderr.splitlines()) == 1
    assert "Q5-2025" in result.stderr
