"""`vzwatch list`: what a user sees in a terminal and in JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode


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


def many_initiatives(store: Path, count: int) -> None:
    blocks = [
        f'\n[[initiatives]]\nid = "item-{n:04d}"\ntitle = "Item {n}"\ntimeline = "Q1 2025"\n'
        for n in range(count)
    ]
    with store.open("a", encoding="utf-8") as handle:
        handle.write("".join(blocks))


def test_list_table_stops_at_the_default_limit_and_says_how_many_more(
    run: RunCli, store: Path
) -> None:
    many_initiatives(store, 120)
    result = run("list")
    assert result.exit_code == 0, result.stderr
    assert "100 of 123 initiatives shown; 23 more (--all or --limit N)" in result.stdout
    assert result.stdout.count("item-0") == 97  # after the three bundled ones


def test_list_limit_and_all(run: RunCli, store: Path) -> None:
    many_initiatives(store, 120)
    limited = run("list", "--limit", "5")
    assert "5 of 123 initiatives shown; 118 more" in limited.stdout
    everything = run("list", "--all")
    assert "123 initiatives" in everything.stdout
    assert "more (--all" not in everything.stdout
    assert "item-0119" in everything.stdout
    assert run("list", "--limit", "0").exit_code == 2


def test_list_json_ignores_the_table_limit(run: RunCli, store: Path) -> None:
    many_initiatives(store, 120)
    assert len(json.loads(run("list", "--json").stdout)) == 123


def test_list_of_many_rows_is_printed_as_plain_lines(run: RunCli, store: Path) -> None:
    many_initiatives(store, 300)
    store.write_text(
        store.read_text(encoding="utf-8")
        + '\n[[initiatives]]\nid = "evil"\ntitle = "\\u001b[31mred"\ntimeline = "Q1 2025"\n',
        encoding="utf-8",
    )
    result = run("list", "--all")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "Timeline", "Status", "Prog", "Title"]
    assert len(lines) == 1 + 304 + 1
    assert lines[-1] == "304 initiatives"
    assert "\x1b" not in result.stdout
    assert "\\x1b[31mred" in result.stdout
    assert any(line.startswith("humanitarian-aid-programs") for line in lines)


@pytest.mark.parametrize("command", ["list", "timeline", "export"])
def test_a_pillar_filter_that_matches_no_pillar_is_a_usage_error_listing_them(
    run: RunCli, command: str
) -> None:
    args = ["--format", "csv"] if command == "export" else []
    result = run(command, "--pillar", "nope", *args)
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert result.stderr == (
        "vzwatch: error: unknown pillar 'nope' (known: enhanced-collaboration, "
        "humanitarian-support, election-monitoring, dialogue-facilitation)\n"
    )


def test_a_status_filter_that_matches_no_status_is_a_usage_error_listing_them(
    run: RunCli,
) -> None:
    result = run("list", "--status", "nope")
    assert result.exit_code == ExitCode.USAGE
    assert "planned, active, done, paused, cancelled" in result.stderr
    assert result.stderr.count("\n") == 1
