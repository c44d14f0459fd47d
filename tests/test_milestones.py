"""Milestones: `milestone add|done|edit|remove`, and where they show (README, "Milestones").

The bundled store has one: observer-teams-accredited, on election-oversight-missions,
in Q1-2025, open. The rules pinned here at quarter boundaries: a milestone is due
in its quarter; it is overdue from the first day after its quarter; it is done
from its done date on, so as of an earlier day (``--today``) it is still open; an
initiative with no progress entry whose milestones are all done counts as done
for health.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from datetime import date
from pathlib import Path

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.health import Health
from vzwatch.domain.portfolio import Milestone
from vzwatch.domain.quarters import Quarter, Timeline
from vzwatch.domain.queries import due_milestones
from vzwatch.domain.report import schedule_health
from vzwatch.domain.schema import Initiative
from vzwatch.storage.merge import merge_stores

OBSERVERS = "observer-teams-accredited"
ELECTION = "election-oversight-missions"
FORUMS = "international-dialogue-forums"


def _json(run: RunCli, *args: str) -> object:
    result = run(*args)
    assert result.exit_code == ExitCode.OK, result.stderr
    return json.loads(result.stdout)


def _tables(store: Path) -> list[dict[str, object]]:
    milestones = tomllib.loads(store.read_text(encoding="utf-8")).get("milestones", [])
    assert isinstance(milestones, list)
    return milestones


def _due(run: RunCli, *args: str) -> list[tuple[str, str]]:
    listed = _json(run, "due", "--json", *args)
    assert isinstance(listed, list)
    return [(row["kind"], row["id"]) for row in listed]


# --- the commands ------------------------------------------------------------------------


def test_add_prints_the_id_and_appends_a_table(run: RunCli, store: Path) -> None:
    result = run(
        "milestone", "add", "international", "First forum convened", "--quarter", "Q3 2024"
    )
    assert (result.exit_code, result.stdout) == (ExitCode.OK, "first-forum-convened\n")
    assert _tables(store)[-1] == {
        "id": "first-forum-convened",
        "initiative": FORUMS,
        "title": "First forum convened",
        "quarter": "Q3-2024",
    }
    again = run("milestone", "add", "international", "First forum convened", "--quarter", "Q4-2024")
    assert again.stdout == "first-forum-convened-2\n"


def test_add_reads_the_quarter_in_the_store_fiscal_calendar(run: RunCli, store: Path) -> None:
    # The bundled store's fiscal year starts in April: FY2024 Q4 is Jan-Mar 2025.
    run("milestone", "add", "election", "Teams deployed", "--quarter", "FY2024 Q4", "--id", "go")
    assert _tables(store)[-1]["quarter"] == "Q1-2025"


def test_add_refuses_a_taken_id_an_unknown_initiative_and_a_bad_quarter(
    run: RunCli, store: Path
) -> None:
    before = store.read_bytes()
    taken = run("milestone", "add", "election", "X", "--quarter", "Q1-2025", "--id", OBSERVERS)
    assert taken.exit_code == ExitCode.USAGE
    assert "already used" in taken.stderr
    unknown = run("milestone", "add", "nothing-like-it", "X", "--quarter", "Q1-2025")
    assert unknown.exit_code == ExitCode.NOT_FOUND
    bad = run("milestone", "add", "election", "X", "--quarter", "Q5-2025")
    assert bad.exit_code == ExitCode.USAGE
    assert "not a quarter" in bad.stderr
    missing = run("milestone", "add", "election", "X")
    assert missing.exit_code == ExitCode.USAGE
    assert store.read_bytes() == before


def test_done_edit_and_reopen_change_only_its_own_table(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'title = "Observer teams accredited"', 'title = "Observer teams accredited"  # by the CNE'
    )
    store.write_text(text, encoding="utf-8")
    done = run("milestone", "done", "observer", "--date", "2025-02-20")
    assert done.stdout == f"{OBSERVERS}: Observer teams accredited, Q1-2025, done 2025-02-20\n"
    assert _tables(store)[-1]["done"] == date(2025, 2, 20)
    moved = run("milestone", "edit", OBSERVERS, "--quarter", "Q2 2025", "--reopen")
    assert moved.stdout == f"{OBSERVERS}: Observer teams accredited, Q2-2025, open\n"
    assert "done" not in _tables(store)[-1]
    assert "# by the CNE" in store.read_text(encoding="utf-8")  # a hand-written comment stays
    assert store.read_text(encoding="utf-8").replace('"Q2-2025"', '"Q1-2025"') == text


def test_done_refuses_a_day_in_the_future_and_nothing_to_edit(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    future = run("milestone", "done", OBSERVERS, "--date", "2999-01-01")
    assert future.exit_code == ExitCode.USAGE
    assert "in the future" in future.stderr
    nothing = run("milestone", "edit", OBSERVERS)
    assert nothing.exit_code == ExitCode.USAGE
    assert "nothing to change" in nothing.stderr
    unknown = run("milestone", "done", "no-such-step")
    assert unknown.exit_code == ExitCode.NOT_FOUND
    assert "no milestone 'no-such-step'" in unknown.stderr
    assert store.read_bytes() == before


def test_remove_asks_unless_yes_and_takes_only_its_table(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    refused = run("milestone", "remove", OBSERVERS)
    assert refused.exit_code == ExitCode.USAGE
    assert "no terminal to ask; use --yes" in refused.stderr
    assert store.read_bytes() == before
    removed = run("milestone", "remove", OBSERVERS, "--yes")
    assert removed.stdout == f"Removed milestone {OBSERVERS} of {ELECTION}\n"
    assert _tables(store) == []
    assert "observer" not in store.read_text(encoding="utf-8").split("[[milestones]]")[-1]
    listed = _json(run, "list", "--json")
    assert isinstance(listed, list)
    assert [i["id"] for i in listed] == [
        "humanitarian-aid-programs",
        FORUMS,
        ELECTION,
    ]


def test_removing_an_initiative_takes_its_milestones_and_says_how_many(
    run: RunCli, store: Path
) -> None:
    run("milestone", "add", "election", "Teams deployed", "--quarter", "Q1-2025")
    run("milestone", "add", "international", "First forum convened", "--quarter", "Q3-2024")
    result = run("remove", "election", "--yes")
    assert result.stdout == (
        f"Removed {ELECTION} with 0 progress entries and 0 status-history entries"
        " (and 2 milestones)\n"
    )
    assert [m["id"] for m in _tables(store)] == ["first-forum-convened"]
    assert run("validate").exit_code == ExitCode.OK


# --- due, and the "as of" rule at quarter boundaries ------------------------------------


def test_a_milestone_is_due_in_its_quarter_only(run: RunCli) -> None:
    for today in ("2025-01-01", "2025-03-31"):
        assert (
            "milestone",
            OBSERVERS,
        ) in _due(run, "--quarter", "Q1-2025", "--today", today)
    assert ("milestone", OBSERVERS) not in _due(
        run, "--quarter", "Q4-2024", "--today", "2024-12-31"
    )
    assert ("milestone", OBSERVERS) not in _due(
        run, "--quarter", "Q2-2025", "--today", "2025-04-01"
    )


def test_overdue_lists_a_missed_milestone_from_the_day_after_its_quarter(run: RunCli) -> None:
    listed = _json(
        run, "due", "--json", "--overdue", "--quarter", "Q2-2025", "--today", "2025-04-01"
    )
    assert isinstance(listed, list)
    (row,) = [row for row in listed if row["kind"] == "milestone"]
    assert (row["id"], row["overdue"], row["overdue_quarters"]) == (OBSERVERS, True, 1)


def test_as_of_a_day_before_it_was_done_a_milestone_is_open(run: RunCli) -> None:
    run("milestone", "done", OBSERVERS, "--date", "2025-03-31")
    before = _due(run, "--quarter", "Q1-2025", "--today", "2025-03-30")
    on_the_day = _due(run, "--quarter", "Q1-2025", "--today", "2025-03-31")
    assert ("milestone", OBSERVERS) in before
    assert ("milestone", OBSERVERS) not in on_the_day
    shown = _json(run, "show", "election", "--json", "--today", "2025-03-30")
    assert isinstance(shown, dict)
    assert shown["milestones"][0]["done"] is None
    assert _json(run, "show", "election", "--json")["milestones"][0]["done"] == "2025-03-31"  # type: ignore[index]


def test_milestones_of_a_done_or_cancelled_initiative_are_never_due(run: RunCli) -> None:
    run("edit", "election", "--status", "cancelled")  # as of the real today
    assert _due(run, "--quarter", "Q1-2025") == []


def test_the_due_table_says_each_row_is_a_milestone(run: RunCli) -> None:
    result = run("due", "--quarter", "Q1-2025", "--today", "2025-04-01", env={"COLUMNS": "120"})
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "Milestones due in Q1-2025, as of 2025-04-01" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "Observer teams" in line)
    assert line.split()[:3] == ["milestone", "Q1-2025", "overdue"]


def test_due_with_only_a_milestone_is_not_nothing(run: RunCli) -> None:
    run("milestone", "add", "humanitarian", "Camp census", "--quarter", "Q3-2026")
    result = run("due", "--quarter", "Q3-2026", "--exit-code", "--today", "2026-07-01")
    assert result.exit_code == ExitCode.FOUND
    assert "Due in Q3-2026" in result.stdout
    assert "Camp census" in result.stdout


@given(
    quarter=st.integers(0, 7),
    asked=st.integers(0, 7),
    done=st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2025, 12, 31))),
    today=st.dates(date(2024, 1, 1), date(2025, 12, 31)),
    overdue=st.booleans(),
)
def test_due_milestones_follow_the_rule(
    quarter: int, asked: int, done: date | None, today: date, overdue: bool
) -> None:
    first = Quarter(2024, 1).index
    milestone = Milestone("m", "i", "M", Quarter.from_index(first + quarter), done)
    owner = Initiative("i", "I", Timeline(Quarter(2024, 1), Quarter(2025, 4)), "Q1 2024 – Q4 2025")
    target = Quarter.from_index(first + asked)
    listed = due_milestones([milestone], {"i": owner}.get, target, today, overdue=overdue)
    open_then = done is None or done > today
    in_window = quarter == asked or (overdue and quarter < asked)
    assert listed == ([milestone] if open_then and in_window else [])


# --- health ------------------------------------------------------------------------------


def _initiative() -> Initiative:
    return Initiative("i", "I", Timeline(Quarter(2025, 1), Quarter(2025, 2)), "Q1 – Q2 2025")


def test_all_milestones_done_and_no_progress_counts_as_done_for_health() -> None:
    item = _initiative()
    steps = (
        Milestone("a", "i", "A", Quarter(2025, 1), date(2025, 3, 31)),
        Milestone("b", "i", "B", Quarter(2025, 2), date(2025, 4, 1)),
    )
    assert schedule_health(item, date(2025, 3, 31), steps) is not Health.DONE  # b is open then
    assert schedule_health(item, date(2025, 4, 1), steps) is Health.DONE
    assert schedule_health(item, date(2025, 7, 1), steps) is Health.DONE  # not overdue
    assert schedule_health(item, date(2025, 7, 1), steps[:1]) is Health.DONE
    assert schedule_health(item, date(2025, 7, 1), ()) is Health.OVERDUE  # no milestones


def test_recorded_progress_wins_over_milestones_for_health() -> None:
    from vzwatch.domain.schema import ProgressEntry

    item = _initiative()
    logged = Initiative(
        **{f: getattr(item, f) for f in ("id", "title", "timeline", "timeline_text")},
        progress_log=(ProgressEntry("i", date(2025, 2, 1), 20),),
    )
    steps = (Milestone("a", "i", "A", Quarter(2025, 1), date(2025, 3, 1)),)
    assert schedule_health(logged, date(2025, 3, 15), steps) is Health.BEHIND


def test_report_counts_an_initiative_whose_milestones_are_done_as_done(run: RunCli) -> None:
    run("milestone", "done", OBSERVERS, "--date", "2025-02-20")
    args = ("report", "--json", "--quarter", "Q1-2025")
    before = _json(run, *args, "--today", "2025-02-19")
    after = _json(run, *args, "--today", "2025-04-02")
    for report, health in ((before, "behind"), (after, "done")):
        assert isinstance(report, dict)
        (row,) = [row for row in report["initiatives"] if row["id"] == ELECTION]
        assert row["health"] == health


# --- show, timeline, exports -------------------------------------------------------------


def test_show_lists_the_milestones_with_their_state(run: RunCli) -> None:
    run("milestone", "add", "election", "Teams deployed", "--quarter", "Q1-2025", "--id", "go")
    run("milestone", "done", "go", "--date", "2025-02-01")
    on_time = run("show", "election", "--today", "2025-03-31", env={"COLUMNS": "100"}).stdout
    late = run("show", "election", "--today", "2025-04-01", env={"COLUMNS": "100"}).stdout
    assert "Milestones" in on_time
    # the ledger names the milestone reached on its day; the Milestones table, each one's state
    assert "2025-02-01   milestone: Teams deployed" in on_time
    on_time, late = on_time.split("\nMilestones")[1], late.split("\nMilestones")[1]
    observers = next(line for line in on_time.splitlines() if "Observer teams" in line)
    assert observers.split()[0] == "Q1-2025"
    assert observers.rstrip().endswith("open")
    assert next(line for line in late.splitlines() if "Observer" in line).endswith("overdue")
    assert next(line for line in late.splitlines() if "Teams deployed" in line).endswith(
        "done 2025-02-01"
    )


def test_timeline_draws_done_and_open_milestones_in_their_quarter(run: RunCli) -> None:
    run("milestone", "add", "international", "First forum convened", "--quarter", "Q3-2024")
    run("milestone", "done", "first-forum", "--date", "2024-09-15")
    args = ("timeline", "--from", "Q3-2024", "--to", "Q2-2025", "--today", "2025-02-01")
    chart = run(*args, env={"COLUMNS": "100"}).stdout
    forums = next(line for line in chart.splitlines() if line.startswith("International"))
    election = next(line for line in chart.splitlines() if line.startswith("Election"))
    assert forums.count("◆") == 1
    assert "◇" not in forums
    assert election.count("◇") == 1
    assert "◆" not in election
    assert "◆ milestone done" in chart
    assert "◇ milestone open" in chart
    # Each mark sits inside its quarter's columns: Q3-2024 is the first, Q1-2025 the third.
    header = next(line for line in chart.splitlines() if "Q3" in line and "Q4" in line)
    assert header.index("Q3") <= forums.index("◆") < header.index("Q4")
    assert header.index("Q1") <= election.index("◇") < header.index("Q2")


def test_timeline_has_ascii_forms_of_the_marks(run: RunCli) -> None:
    from rich.console import Console

    from vzwatch.domain.chart import make_chart
    from vzwatch.domain.schema import Portfolio
    from vzwatch.render.chart import print_chart

    item = _initiative()
    steps = (
        Milestone("a", "i", "A", Quarter(2025, 1), date(2025, 2, 1)),
        Milestone("b", "i", "B", Quarter(2025, 2)),
    )
    portfolio = Portfolio(initiatives=(item,), milestones=steps)
    window = make_chart([item], date(2025, 3, 1), milestones={"i": portfolio.milestones_of("i")})
    out = io.StringIO()
    print_chart(Console(file=out, width=120, color_system=None), window, date(2025, 3, 1))
    ascii_out = io.BytesIO()
    console = Console(file=io.TextIOWrapper(ascii_out, encoding="ascii"), width=120)
    print_chart(console, window, date(2025, 3, 1))
    console.file.flush()
    drawn = ascii_out.getvalue().decode("ascii")
    row = next(line for line in drawn.splitlines() if line.startswith("I "))
    assert row.count("*") == 1
    assert row.count("o") == 1
    assert row.index("*") < row.index("o")
    assert "* milestone done" in drawn
    assert "o milestone open" in drawn


def test_svg_and_html_show_the_milestones(run: RunCli, tmp_path: Path) -> None:
    run("milestone", "done", OBSERVERS, "--date", "2025-02-20")
    run("milestone", "add", "international", "First forum convened", "--quarter", "Q4-2024")
    svg, html = tmp_path / "t.svg", tmp_path / "t.html"
    result = run("timeline", "--svg", str(svg), "--html", str(html), "--today", "2025-03-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    for picture in (svg.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")):
        assert "Milestone: Observer teams accredited (Q1-2025, done 2025-02-20)" in picture
        assert "Milestone: First forum convened (Q4-2024, open)" in picture


def test_ics_has_each_milestone_as_an_all_day_event_or_a_task(run: RunCli, tmp_path: Path) -> None:
    run("milestone", "add", "international", "First forum convened", "--quarter", "Q3-2024")
    run("milestone", "done", "first-forum", "--date", "2024-09-15")
    events, tasks = tmp_path / "e.ics", tmp_path / "t.ics"
    run("export", "--format", "ics", "--output", str(events), "--today", "2025-02-14")
    run("export", "--format", "ics", "--tasks", "--output", str(tasks), "--today", "2025-02-14")
    found = {
        str(entry["UID"]): entry
        for entry in icalendar.Calendar.from_ical(events.read_bytes()).walk("VEVENT")
    }
    done = found["first-forum-convened.milestone@vzwatch"]
    assert done.decoded("DTSTART") == date(2024, 9, 15)
    assert done.decoded("DTEND") == date(2024, 9, 16)
    assert str(done["SUMMARY"]) == "◆ First forum convened"
    still_open = found[f"{OBSERVERS}.milestone@vzwatch"]
    assert still_open.decoded("DTSTART") == date(2025, 3, 31)  # the last day of its quarter
    assert str(still_open["SUMMARY"]) == "◇ Observer teams accredited"
    assert str(still_open["RELATED-TO"]) == f"{ELECTION}@vzwatch"
    todos = {
        str(entry["UID"]): entry
        for entry in icalendar.Calendar.from_ical(tasks.read_bytes()).walk("VTODO")
    }
    assert todos["first-forum-convened.milestone@vzwatch"]["STATUS"] == "COMPLETED"
    assert todos[f"{OBSERVERS}.milestone@vzwatch"]["STATUS"] == "NEEDS-ACTION"
    assert todos[f"{OBSERVERS}.milestone@vzwatch"].decoded("DUE") == date(2025, 3, 31)


def test_csv_and_markdown_carry_the_milestones(run: RunCli) -> None:
    run("milestone", "done", OBSERVERS, "--date", "2025-02-20")
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    cells = {row["id"]: row["milestones"] for row in rows}
    assert cells[ELECTION] == "Q1-2025 Observer teams accredited (done 2025-02-20)"
    assert cells[FORUMS] == ""
    markdown = run("export", "--format", "markdown").stdout
    header = next(line for line in markdown.splitlines() if line.startswith("| Id |"))
    assert header.endswith("| Milestones |")
    assert "Q1-2025 Observer teams accredited (done 2025-02-20)" in markdown


def test_json_export_imports_back_with_its_milestones(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    run("milestone", "done", OBSERVERS, "--date", "2025-02-20")
    run("milestone", "add", "international", "First forum convened", "--quarter", "Q3-2024")
    exported = tmp_path / "export.json"
    exported.write_text(run("export", "--format", "json").stdout, encoding="utf-8")
    copy = tmp_path / "copy.toml"
    result = run("import", str(exported), "--file", str(copy))
    assert result.exit_code == ExitCode.OK, result.stderr

    def by_id(path: Path) -> list[dict[str, object]]:
        return sorted(_tables(path), key=lambda table: str(table["id"]))

    assert by_id(copy) == by_id(store)
    again = run("import", str(exported))
    assert "0 added, 0 updated, 3 unchanged" in again.stdout
    # A changed done date in the JSON updates the milestone, in place.
    document = json.loads(exported.read_text(encoding="utf-8"))
    election = next(item for item in document["initiatives"] if item["id"] == ELECTION)
    election["milestones"][0]["done"] = None
    exported.write_text(json.dumps(document), encoding="utf-8")
    assert "1 updated" in run("import", str(exported)).stdout
    assert "done" not in next(m for m in _tables(store) if m["id"] == OBSERVERS)


# --- validate and merge ------------------------------------------------------------------

_STEP = '\n[[milestones]]\nid = "{id}"\ninitiative = "{of}"\ntitle = "T"\nquarter = "{q}"\n'


def test_validate_checks_references_quarters_and_ids(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8")
    cases = {
        _STEP.format(id="x", of="nowhere", q="Q1-2025"): "names initiative 'nowhere'",
        _STEP.format(id="x", of=ELECTION, q="Q5-2025"): "quarter",
        _STEP.format(id=OBSERVERS, of=ELECTION, q="Q1-2025"): "duplicate milestone id",
        _STEP.format(id="x", of=ELECTION, q="Q3-2025"): "outside the timeline",
        _STEP.format(id="x", of=ELECTION, q="Q1-2025") + "done = 2999-01-01\n": "after today",
    }
    for added, message in cases.items():
        store.write_text(text + added, encoding="utf-8")
        result = run("validate")
        assert result.exit_code == ExitCode.FOUND, added
        assert message in result.stdout + result.stderr, added


def test_the_merge_driver_merges_milestones_by_id() -> None:
    base = Path(__file__).resolve().parents[1].joinpath("data", "initiatives.toml")
    text = base.read_text(encoding="utf-8")
    ours = text.replace('quarter = "Q1-2025"\n', 'quarter = "Q1-2025"\ndone = 2025-02-20\n')
    theirs = text.replace(
        'title = "Observer teams accredited"', 'title = "Observer teams accredited by the CNE"'
    ) + _STEP.format(id="teams-deployed", of=ELECTION, q="Q1-2025")
    result = merge_stores(text, ours, theirs)
    assert result.clean, result.conflicts
    merged = tomllib.loads(result.text)["milestones"]
    assert merged == [
        {
            "id": OBSERVERS,
            "initiative": ELECTION,
            "title": "Observer teams accredited by the CNE",
            "quarter": "Q1-2025",
            "done": date(2025, 2, 20),
        },
        {"id": "teams-deployed", "initiative": ELECTION, "title": "T", "quarter": "Q1-2025"},
    ]
    both = ours.replace("done = 2025-02-20", "done = 2025-02-21")
    clash = merge_stores(ours, both, ours.replace("done = 2025-02-20", "done = 2025-02-22"))
    assert not clash.clean


def test_mermaid_does_not_mark_an_initiative_whose_milestones_are_done_critical(
    run: RunCli,
) -> None:
    def forums_line() -> str:
        chart = run("export", "--format", "mermaid", "--today", "2025-03-31").stdout
        return next(line for line in chart.splitlines() if "International Dialogue" in line)

    assert ":crit" in forums_line()  # overdue since Q4-2024 ended
    run("milestone", "add", "international", "First forum convened", "--quarter", "Q3-2024")
    run("milestone", "done", "first-forum", "--date", "2024-09-15")
    assert "crit" not in forums_line()
