"""The commitment ledger through the CLI: sources, cited revisions, slips, show, briefings.

The desk officer's scenario of issue 14 runs end to end: a source for a
follow-up article, the dialogue forums slipping from Q3 – Q4 2024 to Q2 2025
citing it, progress citing another source, then `slips`, `show` and a
Markdown briefing that say exactly that.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-03-10")


def follow_up(run: RunCli) -> None:
    """The scenario: two new sources, a cited slip and cited progress."""
    added = run(
        "source",
        "add",
        "Kyodo News",
        "--title",
        "Venezuela dialogue forums postponed",
        "--url",
        "https://example.org/kyodo/forums",
        "--published",
        "March 3, 2025",
    )
    assert (added.exit_code, added.stdout, added.stderr) == (ExitCode.OK, "kyodo-news\n", "")
    moved = run(
        "edit",
        "inter",
        "--timeline",
        "Q2 2025",
        "--source",
        "kyodo",
        "--date",
        "2025-03-03",
        *TODAY,
    )
    assert moved.stdout == "Updated international-dialogue-forums: timeline\n", moved.stderr
    other = run(
        "source",
        "add",
        "Reuters",
        "--title",
        "OAS observers arrive",
        "--published",
        "10 February 2025",
        "--id",
        "reuters-oas",
    )
    assert other.stdout == "reuters-oas\n"
    logged = run(
        "progress",
        "elec",
        "30",
        "--note",
        "Observers deployed",
        "--source",
        "reuters",
        "--date",
        "2025-02-10",
        *TODAY,
    )
    assert logged.exit_code == ExitCode.OK, logged.stderr


def test_the_bundled_store_cites_its_article_from_every_initiative(run: RunCli) -> None:
    sources = json.loads(run("sources", "--json").stdout)
    assert sources == [
        {
            "id": "japan-wire",
            "outlet": "Japan Wire, citing Kyodo News",
            "title": "Japan Commits to Diplomatic Initiatives Aimed at Democratic Restoration in "
            "Venezuela",
            "url": "",
            "published": None,
            "note": "",
        }
    ]
    for item in json.loads(run("list", "--json").stdout):
        assert item["sources"] == ["japan-wire"], item["id"]


def test_the_desk_officer_scenario_writes_cited_records(run: RunCli, store: Path) -> None:
    follow_up(run)
    document = tomllib.loads(store.read_text(encoding="utf-8"))
    assert document["sources"][1] == {
        "id": "kyodo-news",
        "outlet": "Kyodo News",
        "title": "Venezuela dialogue forums postponed",
        "url": "https://example.org/kyodo/forums",
        "published": date(2025, 3, 3),
    }
    assert document["history"] == [
        {
            "initiative": "international-dialogue-forums",
            "date": date(2025, 3, 3),
            "field": "timeline",
            "from": "Q3 – Q4 2024",
            "to": "Q2 2025",
            "sources": ["kyodo-news"],
        }
    ]
    assert document["progress"][-1]["sources"] == ["reuters-oas"]


def test_slips_says_what_was_announced_what_it_is_now_and_who_said_so(run: RunCli) -> None:
    follow_up(run)
    listed = json.loads(run("slips", "--json", *TODAY).stdout)
    assert listed == [
        {
            "id": "international-dialogue-forums",
            "title": "International Dialogue Forums",
            "announced": {
                "timeline": {
                    "text": "Q3 – Q4 2024",
                    "start": "Q3-2024",
                    "end": "Q4-2024",
                    "ongoing": False,
                },
                "date": None,
                "sources": ["japan-wire"],
            },
            "timeline": {"text": "Q2 2025", "start": "Q2-2025", "end": "Q2-2025", "ongoing": False},
            "slip_quarters": 2,
            "slipped": True,
            "revisions": 1,
            "latest_revision": {
                "date": "2025-03-03",
                "from": "Q3 – Q4 2024",
                "to": "Q2 2025",
                "sources": ["kyodo-news"],
            },
        }
    ]
    csv = run("slips", "--format", "csv", *TODAY).stdout
    assert csv.splitlines() == [
        "id,title,announced,announced_date,announced_sources,timeline,slip_quarters,slipped,"
        "revisions,latest_date,latest_sources",
        "international-dialogue-forums,International Dialogue Forums,Q3 – Q4 2024,,japan-wire,"
        "Q2 2025,2,true,1,2025-03-03,kyodo-news",
    ]
    table = run("slips", *TODAY).stdout
    for shown in ("+2 quarters", "Kyodo News", "Q3-2024", "Q2-2025"):
        assert shown in table


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160])
def test_slips_never_cuts_an_id_or_a_word_at_any_width(run: RunCli, width: int) -> None:
    follow_up(run)
    table = run("slips", *TODAY, env={"COLUMNS": str(width)}).stdout
    lines = table.splitlines()
    assert all(len(line) <= width for line in lines), table
    assert any(line.strip().startswith("international-dialogue-forums") for line in lines), table
    words = table.split()
    for word in ("International", "Dialogue", "Forums", "Q2-2025", "quarters", "2025-03-03"):
        assert word in words, table
    assert "1 revision" in " ".join(words)


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_sources_never_cut_an_id_an_outlet_word_or_a_url_that_fits(run: RunCli, width: int) -> None:
    follow_up(run)
    table = run("sources", env={"COLUMNS": str(width)}).stdout
    lines = table.splitlines()
    assert all(len(line) <= width for line in lines), table
    for word in ("japan-wire", "kyodo-news", "Kyodo", "postponed", "2025-03-03"):
        assert word in table.split(), table
    if width >= 60:
        assert "https://example.org/kyodo/forums" in table.split(), table


def test_slips_today_is_as_of_a_revision_recorded_later_had_not_happened(run: RunCli) -> None:
    follow_up(run)  # the forums move to Q2 2025 on 2025-03-03
    assert json.loads(run("slips", "--json", "--today", "2025-03-02").stdout) == []
    assert run("slips", "--exit-code", "--today", "2025-03-02").exit_code == ExitCode.OK
    moved = json.loads(run("slips", "--json", "--today", "2025-03-03").stdout)
    assert [slip["id"] for slip in moved] == ["international-dialogue-forums"]


def test_slips_exit_code_and_since_for_cron(run: RunCli) -> None:
    nothing = run("slips", "--exit-code", *TODAY)
    assert (nothing.exit_code, nothing.stdout) == (
        ExitCode.OK,
        "No timeline has moved since it was announced.\n",
    )
    follow_up(run)
    assert run("slips", "--exit-code", *TODAY).exit_code == ExitCode.FOUND
    # Revised on 2025-03-03: in Q1-2025, not after it.
    assert run("slips", "--since", "2025-03-03", "--exit-code", *TODAY).exit_code == ExitCode.FOUND
    later = run("slips", "--since", "2025-03-04", "--exit-code", "--json", *TODAY)
    assert (later.exit_code, later.stdout) == (ExitCode.OK, "[]\n")


def test_show_tells_the_story_in_date_order_with_its_sources(run: RunCli) -> None:
    follow_up(run)
    shown = run("show", "inter", env={"COLUMNS": "200"}).stdout
    story = shown[shown.index("Ledger") :]
    # Each entry's short id (for amend and retract) ends its row: not part of the story.
    lines = [re.sub(r"\s+[ph][0-9a-f]{4}$", "", line.strip()) for line in story.splitlines()]
    lines = [line for line in lines if line]
    assert lines[3:7] == [
        "—            announced: Q3 – Q4 2024",
        "source: Japan Wire, citing Kyodo News, “Japan Commits to Diplomatic Initiatives Aimed "
        "at Democratic Restoration in Venezuela”",
        "2025-03-03   timeline: Q3-2024 – Q4-2024 → Q2-2025 (+2 quarters)",
        "source: Kyodo News, 2025-03-03, “Venezuela dialogue forums postponed”, "
        "https://example.org/kyodo/forums",
    ]
    progress = run("show", "elec", env={"COLUMNS": "200"}).stdout
    assert "2025-02-10   progress 30%: Observers deployed" in progress
    assert "source: Reuters, 2025-02-10, “OAS observers arrive”" in progress


def test_show_json_adds_the_ledger(run: RunCli) -> None:
    follow_up(run)
    forums = json.loads(run("show", "inter", "--json").stdout)
    assert forums["announced"]["timeline"]["text"] == "Q3 – Q4 2024"
    assert forums["revisions"] == [
        {
            "date": "2025-03-03",
            "field": "timeline",
            "from": "Q3 – Q4 2024",
            "to": "Q2 2025",
            "sources": ["kyodo-news"],
        }
    ]
    assert forums["slip_quarters"] == 2
    election = json.loads(run("show", "elec", "--json").stdout)
    assert election["progress_log"] == [
        {
            "date": "2025-02-10",
            "percent": 30,
            "note": "Observers deployed",
            "sources": ["reuters-oas"],
        }
    ]
    assert election["slip_quarters"] == 0


def test_the_markdown_briefing_cites_sources_as_footnotes(run: RunCli) -> None:
    follow_up(run)
    briefing = run(
        "report", "--quarter", "Q2-2025", "--since", "2025-01-01", "--format", "markdown", *TODAY
    ).stdout
    assert "| International Dialogue Forums[^1] | Q2-2025 | planned |" in briefing
    assert (
        "Promises vs delivery: kept on time 0 · delivered late 0 · "
        "slipped 1 (median +2, worst +2 quarters) · not yet due 0 · overdue 0."
    ) in briefing
    assert (
        "| 2025-02-10 | Election Oversight Missions | progress 30%[^2] | Observers deployed |"
        in (briefing)
    )
    assert (
        "| 2025-03-03 | International Dialogue Forums | timeline Q3 – Q4 2024 → Q2 2025[^3] |"
        in (briefing)
    )
    assert briefing.endswith(
        "### Sources\n\n"
        "[^1]: Japan Wire, citing Kyodo News, “Japan Commits to Diplomatic Initiatives Aimed at "
        "Democratic Restoration in Venezuela”\n"
        "[^2]: Reuters, 2025-02-10, “OAS observers arrive”\n"
        "[^3]: Kyodo News, 2025-03-03, “Venezuela dialogue forums postponed”, "
        "https://example.org/kyodo/forums\n"
    )
    exported = run("export", "--format", "markdown").stdout
    assert exported.endswith(
        "\n\n[^1]: Japan Wire, citing Kyodo News, “Japan Commits to Diplomatic Initiatives Aimed "
        "at Democratic Restoration in Venezuela”\n"
    )


def test_report_json_has_promises_per_group(run: RunCli) -> None:
    follow_up(run)
    asked = ("report", "--quarter", "Q2-2025", "--since", "2025-01-01", "--json", *TODAY)
    report = json.loads(run(*asked).stdout)
    dialogue = next(g for g in report["groups"] if g["key"] == "dialogue-facilitation")
    assert dialogue["promises"] == {
        "kept": 0,
        "late": 0,
        "slipped": 1,
        "not_yet_due": 0,
        "overdue": 0,
        "median_slip_quarters": 2.0,
        "worst_slip_quarters": 2,
    }
    timeline_change = next(c for c in report["changes"] if c["kind"] == "timeline")
    assert timeline_change["sources"] == ["kyodo-news"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("progress", "elec", "10", "--source", "kyodo", *TODAY),
            "vzwatch: error: unknown source 'kyodo' (close matches: japan-wire; "
            "see `vzwatch sources`)\n",
        ),
        (
            ("add", "X", "--timeline", "Q1 2025", "--source", "nope"),
            "vzwatch: error: unknown source 'nope' (close matches: none; see `vzwatch sources`)\n",
        ),
        (
            ("edit", "elec", "--title", "Y", "--source", "japan", *TODAY),
            "vzwatch: error: --source cites a change of --timeline, --objective or --status; "
            "none of them changes 'election-oversight-missions'\n",
        ),
        (
            ("source", "add", "X", "--published", "03/04/2025"),
            "vzwatch: error: --published '03/04/2025' is not a date: it could be 3 April 2025 or "
            "4 March 2025; write 2025-04-03 or 2025-03-04\n",
        ),
        (
            ("source", "add", "X", "--id", "japan-wire"),
            "vzwatch: error: source id 'japan-wire' is already used; choose another or leave "
            "--id out\n",
        ),
    ],
)
def test_user_mistakes_are_one_line_usage_errors(
    run: RunCli, store: Path, args: tuple[str, ...], message: str
) -> None:
    before = store.read_bytes()
    result = run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.USAGE, "", message)
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    ("published", "stored"),
    [("June 10, 2024", "2024-06-10"), ("10 June 2024", "2024-06-10"), ("2024-06-10", "2024-06-10")],
)
def test_published_dates_are_read_as_people_write_them(
    run: RunCli, published: str, stored: str
) -> None:
    run("source", "add", "Wire", "--published", published)
    assert json.loads(run("sources", "--json").stdout)[-1]["published"] == stored


@pytest.mark.parametrize(
    ("announced", "now", "slip", "slipped"),
    [
        ("Q4 2024", "Q1 2025", 1, True),  # across a year boundary
        ("Q1 2025", "Q4 2024", -1, False),  # earlier: negative
        ("Q3 – Q4 2024", "Q3 2024 – Q1 2025", 1, True),  # only the end counts
        ("Q1 2025", "Q1 2025 – ongoing", None, True),  # dated → ongoing: slipped, no number
        ("Ongoing", "Q2 2025", None, False),  # ongoing → dated: no slip measured
    ],
)
def test_slip_is_end_quarter_minus_announced_end_quarter(
    run: RunCli, announced: str, now: str, slip: int | None, slipped: bool
) -> None:
    run("add", "Pinned", "--timeline", announced, "--source", "japan-wire")
    run("edit", "pinned", "--timeline", now, *TODAY)
    found = json.loads(run("slips", "--json", *TODAY).stdout)
    assert [(item["id"], item["slip_quarters"]) for item in found] == [("pinned", slip)]
    assert found[0]["slipped"] is slipped


def test_stores_without_history_announce_their_current_timeline(run: RunCli) -> None:
    shown = json.loads(run("show", "hum", "--json").stdout)
    assert shown["announced"]["timeline"]["text"] == "Ongoing"
    assert shown["slip_quarters"] == 0


def test_validate_reports_dangling_source_ids(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'sources = ["japan-wire"]\n', 'sources = ["gone"]\n', 1
    )
    store.write_text(text, encoding="utf-8")
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND
    assert "source 'gone' is not a [[sources]] id (japan-wire)" in result.stdout + result.stderr


FOLLOW_UP = """\
| Initiative | Objective | Timeline |
|---|---|---|
| International Dialogue Forums | Bridge political divide | Q2 2025 |
| Election Oversight Missions | Ensure transparent and fair elections | Q1 2025 |
"""


def test_importing_a_newer_article_records_cited_revisions(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    article = tmp_path / "follow-up.md"
    article.write_text(FOLLOW_UP, encoding="utf-8")
    run("source", "add", "Kyodo News", "--published", "2025-03-03")
    before = store.read_bytes()
    dry = run("import", str(article), "--source", "kyodo", "--dry-run")
    assert dry.exit_code == ExitCode.OK, dry.stderr
    assert dry.stdout.splitlines()[1:] == [
        "  would update  international-dialogue-forums  International Dialogue Forums  "
        "[Q2-2025] (timeline)",
        "      timeline: Q3-2024 – Q4-2024 → Q2-2025 (+2 quarters)",
        "  would update  election-oversight-missions    Election Oversight Missions  "
        "[Q1-2025] (objective)",
        "      objective: Ensure transparent elections → Ensure transparent and fair elections",
        "Dry run: nothing written (0 to add, 2 to update, 0 unchanged).",
    ]
    assert store.read_bytes() == before
    assert run("import", str(article), "--source", "kyodo").exit_code == ExitCode.OK
    history = tomllib.loads(store.read_text(encoding="utf-8"))["history"]
    assert [(h["initiative"], h["field"], h["date"], h["sources"]) for h in history] == [
        ("international-dialogue-forums", "timeline", date(2025, 3, 3), ["kyodo-news"]),
        ("election-oversight-missions", "objective", date(2025, 3, 3), ["kyodo-news"]),
    ]
    assert json.loads(run("show", "inter", "--json").stdout)["slip_quarters"] == 2
    again = run("import", str(article), "--source", "kyodo")
    assert again.stdout.endswith("Imported: 0 added, 0 updated, 2 unchanged.\n")


def test_import_source_text_is_still_a_label_and_unknown_ids_are_refused(
    run: RunCli, tmp_path: Path
) -> None:
    article = tmp_path / "follow-up.md"
    article.write_text(FOLLOW_UP, encoding="utf-8")
    refused = run("import", str(article), "--source", "kyodx", "--dry-run")
    assert (refused.exit_code, refused.stderr) == (
        ExitCode.USAGE,
        "vzwatch: error: unknown source 'kyodx' (close matches: none; see `vzwatch sources`)\n",
    )
    labelled = run("import", str(article), "--source", "Kyodo News, 2025-03-03")
    assert labelled.exit_code == ExitCode.OK, labelled.stderr
    shown = json.loads(run("show", "inter", "--json").stdout)
    assert shown["source"] == "Kyodo News, 2025-03-03"
    assert shown["revisions"] == []  # an uncited update is not a revision


def _promises(run: RunCli, today: str) -> dict[str, object]:
    asked = ("report", "--quarter", "Q1-2025", "--by", "status", "--json", "--today", today)
    report = json.loads(run(*asked).stdout)
    promises: dict[str, object] = report["totals"]["promises"]
    return promises


@pytest.mark.parametrize(("done_on", "kept", "late"), [("2025-03-31", 1, 0), ("2025-04-01", 0, 1)])
def test_kept_on_time_means_done_by_the_last_day_of_the_announced_quarter(
    run: RunCli, empty_store: Path, done_on: str, kept: int, late: int
) -> None:
    env = {"VZWATCH_FILE": str(empty_store)}
    run("add", "Vote", "--timeline", "Q1 2025", env=env)
    run("progress", "vote", "100", "--date", done_on, "--today", "2025-04-02", env=env)
    promises = _promises(lambda *a: run(*a, env=env), "2025-04-02")
    assert (promises["kept"], promises["late"]) == (kept, late)


@pytest.mark.parametrize(
    ("today", "not_yet_due", "overdue"), [("2025-03-31", 1, 0), ("2025-04-01", 0, 1)]
)
def test_a_promise_is_due_until_its_announced_quarter_is_over(
    run: RunCli, empty_store: Path, today: str, not_yet_due: int, overdue: int
) -> None:
    env = {"VZWATCH_FILE": str(empty_store)}
    run("add", "Vote", "--timeline", "Q1 2025", env=env)
    promises = _promises(lambda *a: run(*a, env=env), today)
    assert (promises["not_yet_due"], promises["overdue"], promises["slipped"]) == (
        not_yet_due,
        overdue,
        0,
    )


def test_a_json_export_imports_back_without_duplicating_cited_entries(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    follow_up(run)
    exported = tmp_path / "all.json"
    assert run("export", "--format", "json", "--output", str(exported)).exit_code == ExitCode.OK
    before = store.read_bytes()
    again = run("import", str(exported))
    assert again.exit_code == ExitCode.OK, again.stderr
    assert again.stdout.endswith("Imported: 0 added, 0 updated, 3 unchanged.\n")
    assert store.read_bytes() == before


def test_a_view_of_several_stores_still_cites(run: RunCli, store: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        '[portfolio]\ntitle = "Other"\n\n[[sources]]\nid = "wire"\noutlet = "A Wire"\n\n'
        '[[initiatives]]\nid = "solo"\ntitle = "Solo"\ntimeline = "Q1 2025"\nsources = ["wire"]\n',
        encoding="utf-8",
    )
    exported = run("export", "--format", "markdown", "--file", str(store), "--file", str(other))
    assert exported.exit_code == ExitCode.OK, exported.stderr
    assert exported.stdout.endswith(
        "\n\n[^1]: Japan Wire, citing Kyodo News, “Japan Commits to Diplomatic Initiatives Aimed "
        "at Democratic Restoration in Venezuela”\n[^2]: A Wire\n"
    )
