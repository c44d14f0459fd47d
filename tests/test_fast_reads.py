"""Reads that stay fast on big stores: `due` builds only what may be due; `report` tables stop
after --limit rows and turn into plain lines when long, like `list`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.storage import cache
from vzwatch.storage.tomledit import render_block

TODAY = ("--today", "2025-03-31")
NO_CACHE: dict[str, str | None] = {cache.NO_CACHE_ENV: "1"}
STATUSES = ("planned", "active", "done", "paused", "cancelled")
TIMELINES = (
    "Q1 2025",
    "Q4 2024",
    "Q3 – Q4 2024",
    "Q2 2025 – ongoing",
    "ongoing",
    "FY2024 Q4",
    "H1 2025",
    "2024",
    "Q2-2025",
)
PILLARS = ("dialogue", "aid", "elections")


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)


def write_store(path: Path, count: int, *, evil_title: str | None = None) -> None:
    """A store with every status, timeline form and pillar, and a few progress entries."""
    blocks = [
        '[portfolio]\ntitle = "Test"\nfiscal_year_start_month = 4\n',
        *(render_block("pillars", {"id": p, "name": p.title()}) for p in PILLARS),
    ]
    for n in range(count):
        record = {
            "id": f"item-{n:04d}",
            "title": evil_title if evil_title and n == 0 else f"Item {n}",
            "timeline": TIMELINES[n % len(TIMELINES)],
            "pillar": PILLARS[n % len(PILLARS)],
            "status": STATUSES[n % len(STATUSES)],
            "tags": ["Summit", "aid"][: n % 3],
            "partners": ["United Nations", "OAS", "Lima Group"][n % 2 : n % 4],
        }
        blocks.append(render_block("initiatives", record))
        if n % 4 == 0:
            blocks.append(
                render_block(
                    "progress",
                    {"initiative": f"item-{n:04d}", "date": "2025-02-01", "percent": n % 90},
                )
            )
    path.write_text("\n".join(blocks), encoding="utf-8")


def output(run: RunCli, *args: str, env: dict[str, str | None] | None = None) -> str:
    result = run(*args, env=env)
    assert result.exit_code in (ExitCode.OK, ExitCode.FOUND), result.stderr
    return result.stdout


@pytest.mark.parametrize("overdue", [False, True])
@pytest.mark.parametrize(
    "quarter", ["Q4-2024", "Q1-2025", "Q2-2025", "FY2024 Q4", "this", "next", "2024-12-31"]
)
def test_due_from_the_cache_is_due_from_the_file(
    run: RunCli, store: Path, quarter: str, overdue: bool
) -> None:
    write_store(store, 90)
    args = ["due", "--quarter", quarter, *TODAY, *(["--overdue"] if overdue else [])]
    output(run, "list", "--json")  # fill the cache
    for fmt in ("--json", "--format=csv"):
        cached = output(run, *args, fmt)
        assert cached == output(run, *args, fmt, env=NO_CACHE)
    assert json.loads(output(run, *args, "--json"))  # something is due in each


@pytest.mark.parametrize(
    "filters",
    [
        [],
        ["--status", "planned"],
        ["--status", "active", "--status", "paused"],
        ["--pillar", "aid"],
        ["--pillar", "ELECTIONS"],
        ["--tag", "summit"],
        ["--tag", "Summit", "--tag", "AID"],
        ["--partner", "nations"],
        ["--active-in", "Q1-2025"],
        ["--active-in", "FY2024 Q4", "--pillar", "dialogue", "--status", "done"],
        ["--tag", "nope"],  # (an unknown pillar is a usage error: test_cli_list.py)
    ],
)
def test_list_from_cached_rows_is_list_from_the_file(
    run: RunCli, store: Path, filters: list[str]
) -> None:
    """`list` filters and sorts the cache's rows without building every record: the same
    rows, in the same order, in every format."""
    write_store(store, 90)
    output(run, "list", "--json")  # fill the cache
    for fmt in ("--json", "--format=csv", "--format=jsonl", "--all"):
        cached = output(run, "list", *filters, *TODAY, fmt)
        assert cached == output(run, "list", *filters, *TODAY, fmt, env=NO_CACHE)
        assert cached == output(run, "list", *filters, *TODAY, fmt)  # remembered views
    if filters != ["--tag", "nope"]:
        assert json.loads(output(run, "list", *filters, *TODAY, "--json"))


def test_due_table_and_errors_are_the_same_through_the_cache(run: RunCli, store: Path) -> None:
    write_store(store, 30)
    output(run, "list", "--json")
    table = output(run, "due", "--quarter", "Q1-2025", *TODAY)
    assert table == output(run, "due", "--quarter", "Q1-2025", *TODAY, env=NO_CACHE)
    assert "Dialogue" in table  # pillar names come from the store's fields
    bad = run("due", "--quarter", "Q9-2025")
    assert bad.exit_code == ExitCode.USAGE
    assert bad.stderr == run("due", "--quarter", "Q9-2025", env=NO_CACHE).stderr


def report_args(*extra: str) -> list[str]:
    return ["report", "--quarter", "Q1-2025", *TODAY, *extra]


def test_report_tables_stop_after_the_limit_and_say_how_many_more(run: RunCli, store: Path) -> None:
    write_store(store, 120)
    text = output(run, *report_args())
    assert "25 of " in text
    assert "more (--all or --limit N)" in text
    assert "─" in text  # still a Rich table
    few = output(run, *report_args("--limit", "3"))
    assert "3 of " in few
    assert len(few.splitlines()) < len(text.splitlines())
    everything = output(run, *report_args("--all"))
    assert "shown;" not in everything
    assert len(everything.splitlines()) > len(text.splitlines())


def test_data_formats_of_the_report_ignore_the_limit(run: RunCli, store: Path) -> None:
    write_store(store, 120)
    full = json.loads(output(run, *report_args("--json")))
    limited = json.loads(output(run, *report_args("--json", "--limit", "1")))
    assert full == limited
    assert full["totals"]["initiatives"] > 25


def test_a_long_report_is_printed_as_plain_lines(run: RunCli, store: Path) -> None:
    write_store(store, 700, evil_title="Evil \x1b[31mred\x1b[0m title")
    text = output(run, *report_args("--all"))
    assert "─" not in text  # no Rich table
    assert "\x1b" not in text
    assert "Evil \\x1b[31mred\\x1b[0m title" in text  # user text shown escaped
    report = json.loads(output(run, *report_args("--json")))
    for group in report["groups"]:
        assert f"{group['initiatives']} initiatives" in text
    assert "Progress report: Q1-2025" in text
    assert "Changes since 2025-01-01" in text
    limited = output(run, *report_args("--limit", "100"))
    assert "100 of " in limited
    assert "─" not in limited


def write_store_with_a_story(path: Path, count: int) -> None:
    """write_store, plus progress every month and status changes, so that each day
    below sees another state of most initiatives."""
    write_store(path, count)
    blocks = [path.read_text(encoding="utf-8")]
    for n in range(0, count, 3):
        for month, percent in ((1, 10), (2, 40), (3, 70)):
            entry = {"initiative": f"item-{n:04d}", "date": f"2025-0{month}-15", "percent": percent}
            blocks.append(render_block("progress", entry))
        change = {"initiative": f"item-{n:04d}", "date": "2025-02-01", "field": "status"}
        blocks.append(render_block("history", {**change, "from": "planned", "to": STATUSES[n % 5]}))
    path.write_text("\n".join(blocks), encoding="utf-8")


@pytest.mark.parametrize(
    "day", ["2024-12-31", "2025-01-15", "2025-01-31", "2025-02-01", "2025-12-31"]
)
def test_as_of_a_day_through_the_cache_is_as_of_from_the_file(
    run: RunCli, store: Path, day: str
) -> None:
    """`--today` rebuilds only the cached rows with entries after the day; every view
    is what a fresh parse gives, and no view remembered for one day leaks into another."""
    write_store_with_a_story(store, 60)
    output(run, "list", "--json")  # fill the cache, and remember today's views
    as_of = ("--today", day)
    for args in (
        ("list", "--json"),
        ("list", "--all"),
        ("list", "--format=csv", "--status", "active"),
        ("report", "--json", "--quarter", "Q1-2025"),
        ("timeline", "--json"),
        ("due", "--json", "--quarter", "Q1-2025", "--overdue"),
        ("show", "item-0003", "--json"),
    ):
        cached = output(run, *args, *as_of)
        assert cached == output(run, *args, *as_of, env=NO_CACHE), args
        assert cached == output(run, *args, *as_of), args  # with the views remembered
    assert output(run, "list", "--json") == output(run, "list", "--json", env=NO_CACHE)


def test_list_json_of_remembered_views_decodes_no_milestone(
    run: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`list --json` again: it prints the cache's remembered JSON, which needs
    the store's milestones nowhere, so it leaves them packed; after a hand edit the one
    view made afresh has its own milestones (decoded alone, not the store's others), and
    both print what a read of the file prints."""
    from tests.helpers import BUNDLED

    store = tmp_path / "store.toml"
    # Without its dependency: a blocked initiative's element is made afresh every time.
    text = BUNDLED.read_text(encoding="utf-8")
    text = text.replace('depends_on = ["international-dialogue-forums"]\n', "")
    other = '\n[[milestones]]\nid = "first-forum"\ninitiative = "international-dialogue-forums"\n'
    store.write_text(text + other + 'title = "First forum convened"\nquarter = "Q3-2024"\n')
    assert "[[milestones]]" in store.read_text(encoding="utf-8")
    first = run("list", "--json", "-f", str(store)).stdout  # parses, fills the cache
    assert run("list", "--json", "-f", str(store)).stdout == first  # remembers the views
    decoded: list[int] = []
    fields_of = cache._fields_of

    def counting(head: tuple[object, ...]) -> object:
        decoded.append(1)
        return fields_of(head)

    with monkeypatch.context() as patch:
        patch.setattr(cache, "_fields_of", counting)
        assert run("list", "--json", "-f", str(store)).stdout == first
        assert decoded == []
    text = store.read_text(encoding="utf-8").replace("Election Oversight", "Poll Oversight")
    store.write_text(text, encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setenv(cache.NO_CACHE_ENV, "1")
        fresh = run("list", "--json", "-f", str(store)).stdout
    assert "Poll Oversight" in fresh
    with monkeypatch.context() as patch:
        patch.setattr(cache, "_fields_of", counting)
        assert run("list", "--json", "-f", str(store)).stdout == fresh
        assert decoded == []
    edited = next(item for item in json.loads(fresh) if item["title"].startswith("Poll"))
    assert [milestone["id"] for milestone in edited["milestones"]] == ["observer-teams-accredited"]
