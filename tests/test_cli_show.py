"""`vzwatch show`: one initiative in full."""

from __future__ import annotations

import json

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode


def test_show_by_full_id(run: RunCli) -> None:
    result = run("show", "election-oversight-missions")
    assert result.exit_code == ExitCode.OK, result.stderr
    for expected in (
        "Election Oversight Missions",
        "Ensure transparent elections",
        "Q1-2025",
        "Election Monitoring",
        "Organization of American States",
        "Japan Wire, citing Kyodo News",
    ):
        assert expected in result.stdout


def test_show_accepts_an_unambiguous_prefix(run: RunCli) -> None:
    result = run("show", "hum", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)["title"] == "Humanitarian Aid Programs"


def test_show_missing_id_has_its_own_exit_code(run: RunCli) -> None:
    result = run("show", "nothing-like-this")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stderr == (
        "vzwatch: error: no initiative matches 'nothing-like-this' (see `vzwatch list`)\n"
    )


def test_show_ambiguous_prefix_names_the_candidates(run: RunCli) -> None:
    run("add", "Election Observer Training", "--timeline", "Q2 2025")
    result = run("show", "election-o")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "election-observer-training" in result.stderr
    assert "election-oversight-missions" in result.stderr
