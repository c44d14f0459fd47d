"""Owners: the field, the portfolio default, --owner on add/edit and on every read command."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode


def ids(run: RunCli, *args: str) -> list[str]:
    return [item["id"] for item in json.loads(run(*args, "--json").stdout)]


def test_owner_filter_contains_any_case_and_uses_the_portfolio_default(run: RunCli) -> None:
    # The forums name no owner: the portfolio's (MOFA Latin America Bureau) is theirs.
    assert ids(run, "list", "--owner", "LATIN america") == ["international-dialogue-forums"]
    assert ids(run, "list", "--owner", "mofa") == [
        "humanitarian-aid-programs",
        "international-dialogue-forums",
        "election-oversight-missions",
    ]
    assert ids(run, "list", "--owner", "nobody") == []


def test_due_owner_gives_each_desk_its_own_mail(run: RunCli) -> None:
    assert ids(run, "due", "--quarter", "Q1-2025", "--owner", "election") == [
        "election-oversight-missions",
        "observer-teams-accredited",  # its milestone: the desk's too
    ]
    quiet = run("due", "--quarter", "Q1-2025", "--owner", "humanitarian", "--quiet", "--exit-code")
    assert (quiet.exit_code, quiet.stdout) == (ExitCode.OK, "")


def test_timeline_and_export_take_owner(run: RunCli) -> None:
    rows = json.loads(run("timeline", "--json", "--owner", "election").stdout)["rows"]
    assert [row["id"] for row in rows] == ["election-oversight-missions"]
    csv = run("export", "--format", "csv", "--owner", "humanitarian", "--today", "2025-02-14")
    header, row = csv.stdout.splitlines()
    assert header.endswith(",owner,depends_on,review_every,indicators,milestones,as_of")
    assert row.endswith(
        ",MOFA Humanitarian Assistance Division,,monthly,"
        "people-assisted: 40000 / 200000 people (20%),,2025-02-14"
    )


def test_add_and_edit_owner(run: RunCli, store: Path) -> None:
    assert run("add", "Summit", "-T", "Q2 2025", "--owner", "Summit Desk").exit_code == 0
    assert json.loads(run("show", "summit", "--json").stdout)["owner"] == "Summit Desk"
    edited = run("edit", "summit", "--owner", "Other Desk")
    assert edited.stdout == "Updated summit: owner\n"
    assert run("edit", "summit", "--owner", "").stdout == "Updated summit: owner\n"
    assert json.loads(run("show", "summit", "--json").stdout)["owner"] is None
    assert ids(run, "list", "--owner", "latin america") == [
        "international-dialogue-forums",
        "summit",
    ]
    bad = run("edit", "summit", "--owner", "desk\x1b[31m")
    assert bad.exit_code == ExitCode.USAGE
    assert bad.stderr.count("\n") == 1


def test_report_by_owner(run: RunCli) -> None:
    result = run("report", "--by", "owner", "-Q", "Q1-2025", "--today", "2025-02-14", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    report = json.loads(result.stdout)
    assert [(g["label"], g["ids"]) for g in report["groups"]] == [
        ("MOFA Election Assistance Desk", ["election-oversight-missions"]),
        ("MOFA Humanitarian Assistance Division", ["humanitarian-aid-programs"]),
        ("MOFA Latin America Bureau", ["international-dialogue-forums"]),
    ]
    table = run("report", "--by", "owner", "-Q", "Q1-2025", "--today", "2025-02-14").stdout
    assert "overdue, stale" in table
    assert "blocked by" in table
    narrowed = run("report", "--owner", "latin", "-Q", "Q1-2025", "--today", "2025-02-14", "--json")
    assert [i["id"] for i in json.loads(narrowed.stdout)["initiatives"]] == [
        "international-dialogue-forums"
    ]


def test_user_text_in_an_owner_is_never_markup(run: RunCli) -> None:
    run("edit", "election", "--owner", "[red]Desk[/]")
    out = run("report", "--by", "owner", "-Q", "Q1-2025", "--today", "2025-02-14").stdout
    assert "[red]Desk[/]" in out
    assert "[red]Desk[/]" in run("stale", "--today", "2025-06-30").stdout
