"""Several stores in one view: read commands take --file more than once (or a
$VZWATCH_FILE list); write commands refuse and touch nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import BUNDLED, Run, invoke
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-02-14")
JAPAN = "Japan's diplomatic initiatives for democratic restoration in Venezuela"
US_STORE = """\
[portfolio]
title = "US programmes"
fiscal_year_start_month = 10
fiscal_year_named_by = "end"

[[pillars]]
id = "election-monitoring"
name = "Elections"

[[initiatives]]
id = "election-oversight-missions"
title = "US Election Observers"
timeline = "FY2025 Q2"
pillar = "election-monitoring"
status = "active"

[[initiatives]]
id = "community-radio"
title = "Community Radio"
timeline = "Q2 2025"
"""


@pytest.fixture
def stores(tmp_path: Path) -> tuple[Path, Path]:
    japan, us = tmp_path / "japan.toml", tmp_path / "us.toml"
    shutil.copyfile(BUNDLED, japan)
    us.write_text(US_STORE, encoding="utf-8")
    return japan, us


def vzwatch(*args: str, env: dict[str, str] | None = None) -> Run:
    return invoke(args, env={"VZWATCH_DEBUG": "1", **(env or {})})


def both(stores: tuple[Path, Path]) -> list[str]:
    return ["--file", str(stores[0]), "--file", str(stores[1])]


def test_list_json_marks_each_row_with_its_portfolio(stores: tuple[Path, Path]) -> None:
    result = vzwatch("list", *both(stores), "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = {row["id"]: row["portfolio"] for row in json.loads(result.stdout)}
    assert rows == {
        "humanitarian-aid-programs": JAPAN,
        "international-dialogue-forums": JAPAN,
        f"{JAPAN}:election-oversight-missions": JAPAN,
        "US programmes:election-oversight-missions": "US programmes",
        "community-radio": "US programmes",
    }


def test_vzwatch_file_is_a_path_list(stores: tuple[Path, Path]) -> None:
    listed = os.pathsep.join(map(str, stores))
    result = vzwatch("list", "--format", "csv", env={"VZWATCH_FILE": listed})
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0].keys() >= {"id", "portfolio"}
    assert {row["portfolio"] for row in rows} == {JAPAN, "US programmes"}
    assert len(rows) == 5


def test_a_store_without_title_is_named_by_its_file(stores: tuple[Path, Path]) -> None:
    stores[1].write_text(US_STORE.replace('title = "US programmes"\n', ""), encoding="utf-8")
    rows = json.loads(vzwatch("list", *both(stores), "--json").stdout)
    assert {row["portfolio"] for row in rows} == {JAPAN, "us.toml"}


def test_one_store_is_unchanged(stores: tuple[Path, Path]) -> None:
    one = vzwatch("list", "--file", str(stores[0]), "--json").stdout
    assert "portfolio" not in one
    assert one == vzwatch("list", "--json", env={"VZWATCH_FILE": str(stores[0])}).stdout


def test_due_reads_each_stores_fiscal_quarter(stores: tuple[Path, Path]) -> None:
    # FY2025 Q2 is Q3-2025 in Japan's calendar and Q1-2025 in the US federal one.
    result = vzwatch("due", *both(stores), "--quarter", "FY2025 Q2", "--json", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert [row["title"] for row in json.loads(result.stdout)] == ["US Election Observers"]
    assert result.stderr == (
        "vzwatch: note: 'FY2025 Q2' is a different quarter in each store's fiscal calendar "
        f"({JAPAN}: Q3-2025, US programmes: Q1-2025)\n"
    )


def test_report_by_portfolio_groups_by_store(stores: tuple[Path, Path]) -> None:
    result = vzwatch(
        "report", *both(stores), "-Q", "Q1-2025", "--by", "portfolio", "--json", *TODAY
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    report = json.loads(result.stdout)
    assert [(g["label"], g["initiatives"]) for g in report["groups"]] == [
        (JAPAN, 3),
        ("US programmes", 1),
    ]
    assert {i["portfolio"] for i in report["initiatives"]} == {JAPAN, "US programmes"}
    assert "notes" not in report


def test_report_says_when_calendars_differ(stores: tuple[Path, Path]) -> None:
    result = vzwatch("report", *both(stores), "-Q", "FY2025 Q2", "--format", "markdown", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.startswith("## Progress report: FY2025 Q2\n")
    assert "Note: 'FY2025 Q2' is a different quarter in each store's fiscal calendar" in (
        result.stdout
    )
    assert "| Elections | 1 |" in result.stdout  # a pillar id named differently stays apart


def test_report_html_of_two_stores(stores: tuple[Path, Path], tmp_path: Path) -> None:
    page = tmp_path / "two.html"
    result = vzwatch(
        "report", *both(stores), "-Q", "Q1-2025", "--format", "html", "--output", str(page)
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "US Election Observers" in text
    assert "community-radio · US programmes" not in text  # Q2: not in the Q1 report
    assert "US programmes:election-oversight-missions" in text


def test_timeline_and_export_of_two_stores(stores: tuple[Path, Path]) -> None:
    chart = vzwatch("timeline", *both(stores), "--mermaid", *TODAY)
    assert chart.exit_code == ExitCode.OK, chart.stderr
    assert "section Elections" in chart.stdout
    assert "US Election Observers (0%)" in chart.stdout
    exported = vzwatch("export", *both(stores), "--format", "markdown", *TODAY)
    assert exported.exit_code == ExitCode.OK, exported.stderr
    heading, blank, header = exported.stdout.splitlines()[:3]
    assert (heading, blank) == ("As of 2025-02-14.", "")
    assert "| portfolio |" in header.replace("Portfolio", "portfolio")
    window = vzwatch("timeline", *both(stores), "--from", "FY2025 Q1", "--json", *TODAY)
    assert window.exit_code == ExitCode.USAGE
    assert window.stderr.count("\n") == 1
    assert "different quarter in each store's fiscal calendar" in window.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("add", "New one", "--timeline", "Q1 2025"),
        ("progress", "election", "40"),
        ("edit", "election", "--status", "active"),
        ("remove", "election", "--yes"),
        ("import", "-", "--dry-run"),
        ("show", "election"),
        ("where",),
    ],
    ids=lambda command: command[0],
)
def test_commands_of_one_store_refuse_several(
    stores: tuple[Path, Path], command: tuple[str, ...]
) -> None:
    before = [path.read_bytes() for path in stores]
    for env, args in (
        ({}, both(stores)),
        ({"VZWATCH_FILE": os.pathsep.join(map(str, stores))}, []),
    ):
        result = vzwatch(*command, *args, env=env)
        assert result.exit_code == ExitCode.USAGE, result.stderr
        assert result.stderr.count("\n") == 1
        assert "this command works on one store" in result.stderr
    assert [path.read_bytes() for path in stores] == before
    assert not [p for p in stores[0].parent.iterdir() if p.name.endswith(".lock")]


def test_validate_checks_each_store(stores: tuple[Path, Path]) -> None:
    result = vzwatch("validate", *both(stores))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == f"{stores[0]}: ok\n{stores[1]}: ok\n"


OVERDUE_AS_OF = ("--quarter", "Q2-2025", "--overdue", "--today", "2025-05-01")


def test_due_of_several_stores_has_the_overdue_columns_and_the_portfolio(
    stores: tuple[Path, Path],
) -> None:
    """The columns of one store's `due`, then ``portfolio``."""
    one = vzwatch("due", "--file", str(stores[0]), *OVERDUE_AS_OF, "--format", "csv")
    result = vzwatch("due", *both(stores), *OVERDUE_AS_OF, "--format", "csv")
    assert result.exit_code == ExitCode.OK, result.stderr
    header = result.stdout.splitlines()[0]
    assert header == one.stdout.splitlines()[0] + ",portfolio"
    rows = [
        (row["title"], row["overdue"], row["overdue_quarters"], row["portfolio"])
        for row in csv.DictReader(io.StringIO(result.stdout))
    ]
    assert rows == [
        ("International Dialogue Forums", "true", "2", JAPAN),
        ("Election Oversight Missions", "true", "1", JAPAN),
        ("US Election Observers", "true", "1", "US programmes"),
        ("Community Radio", "false", "0", "US programmes"),
    ]
    items = json.loads(vzwatch("due", *both(stores), *OVERDUE_AS_OF, "--json").stdout)
    assert [list(item)[-3:] for item in items] == [["overdue", "overdue_quarters", "portfolio"]] * 4
    assert [item["overdue_quarters"] for item in items] == [2, 1, 1, 0]


def test_the_table_of_several_stores_names_each_rows_portfolio(
    stores: tuple[Path, Path],
) -> None:
    for command in (("list",), ("due", *OVERDUE_AS_OF)):
        table = vzwatch(*command, *both(stores), *TODAY, env={"COLUMNS": "100"}).stdout
        lines = [line.rstrip() for line in table.splitlines()]
        assert lines[1].startswith("Initiative / id / portfolio ")
        observers = lines.index(next(line for line in lines if line.startswith("US Election")))
        # The id in its store, then the store: not `US programmes:election-oversight-missions`.
        assert lines[observers + 1 : observers + 3] == [
            "election-oversight-missions",
            "US programmes",
        ]
        missions = lines.index(next(line for line in lines if line.startswith("Election Ov")))
        assert lines[missions + 1] == "election-oversight-missions"
        assert " ".join(lines[missions + 2 : observers]) == JAPAN  # wrapped at spaces


def test_blocked_initiatives_of_several_stores_are_marked(stores: tuple[Path, Path]) -> None:
    """Japan's election missions wait for its dialogue forums, whatever its id is in the view."""
    rows = json.loads(vzwatch("list", *both(stores), *TODAY, "--json").stdout)
    blocked = {row["id"]: row["blocked_by"] for row in rows if row["blocked_by"]}
    assert blocked == {f"{JAPAN}:election-oversight-missions": ["international-dialogue-forums"]}
    chart = vzwatch("timeline", *both(stores), *TODAY).stdout
    rows_drawn = chart.splitlines()[3:-2]  # below the axis, above the footer and legend
    marked = [line.split("  ")[0] for line in rows_drawn if line.endswith("⊘ blocked")]
    assert marked == ["Election Oversight Missions"]


def test_plain_lines_of_several_stores_name_each_rows_portfolio(
    stores: tuple[Path, Path],
) -> None:
    """Past 200 rows the table is plain lines: they name the portfolio too."""
    many = "".join(
        f'\n[[initiatives]]\nid = "radio-{n}"\ntitle = "Radio {n}"\ntimeline = "Q3 2025"\n'
        for n in range(200)
    )
    stores[1].write_text(US_STORE + many, encoding="utf-8")
    lines = vzwatch("list", *both(stores), "--all", *TODAY).stdout.splitlines()
    assert lines[0].split() == ["ID", "Timeline", "Status", "Prog", "Portfolio", "Title"]
    radio = next(line for line in lines if line.startswith("radio-7 "))
    assert radio.split()[-4:] == ["US", "programmes", "Radio", "7"]


def test_one_store_stays_itself_in_a_view_every_field_kept() -> None:
    """`combine` of one store keeps the whole portfolio but the initiatives it was
    given: it copied fields one by one and lost the portfolio's owner and cadence."""
    from dataclasses import fields, replace

    from vzwatch.domain.combined import Member, combine
    from vzwatch.operations.reading import load_portfolio

    portfolio = load_portfolio(BUNDLED.read_text(encoding="utf-8"), BUNDLED)
    chosen = portfolio.initiatives[:1]
    combined = combine([Member("bundled", portfolio, chosen)])
    assert combined.portfolio == replace(portfolio, initiatives=chosen)
    assert (combined.portfolio.owner, combined.portfolio.review_every) == (
        "MOFA Latin America Bureau",
        "quarterly",
    )
    assert {f.name for f in fields(portfolio)} > {"owner", "review_every", "initiatives"}


@pytest.mark.parametrize("day", ["2024-12-31", "2025-02-14", "2025-06-30"])
def test_a_report_over_several_stores_judges_each_initiative_as_its_own_store_does(
    stores: tuple[Path, Path], day: str
) -> None:
    """What blocks it, whether it is stale, who owns it: read over two stores, the
    bundled initiatives say what the bundled store alone says (it said blocked_by []
    and stale false for every one), under their shown ids."""
    args = ("report", "--json", "--quarter", "Q1-2025", "--today", day)
    alone = json.loads(vzwatch(*args, "--file", str(stores[0])).stdout)["initiatives"]
    together = json.loads(vzwatch(*args, *both(stores)).stdout)["initiatives"]
    shown = {row["id"].removeprefix(f"{JAPAN}:"): row for row in together}
    keys = ("health", "blocked_by", "lagging_dependency", "stale", "owner")
    for row in alone:
        assert {key: shown[row["id"]][key] for key in keys} == {key: row[key] for key in keys}
    election = shown["election-oversight-missions"]
    if day == "2025-02-14":
        assert election["blocked_by"] == ["international-dialogue-forums"]
