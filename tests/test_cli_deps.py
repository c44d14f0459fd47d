"""`vzwatch deps`, `list --blocked/--ready` and dependency edits: what the user sees."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

AS_OF = ("--today", "2025-02-14")


def test_deps_without_id_prints_every_tree(run: RunCli) -> None:
    result = run("deps", *AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == (
        "election-oversight-missions  Election Oversight Missions  Q1-2025  planned (blocked)\n"
        "└── international-dialogue-forums  International Dialogue Forums  Q3-2024 – Q4-2024"
        "  planned\n"
    )


def test_deps_id_prints_both_directions(run: RunCli) -> None:
    result = run("deps", "intern", *AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.splitlines() == [
        "international-dialogue-forums  International Dialogue Forums  Q3-2024 – Q4-2024  planned",
        "waits for:",
        "    nothing",
        "waited for by:",
        "└── election-oversight-missions  Election Oversight Missions  Q1-2025  planned (blocked)",
    ]


def test_deps_json_nests_the_tree(run: RunCli) -> None:
    (tree,) = json.loads(run("deps", "--json", *AS_OF).stdout)
    assert tree["id"] == "election-oversight-missions"
    assert tree["blocked_by"] == ["international-dialogue-forums"]
    assert [node["id"] for node in tree["waits_for"]] == ["international-dialogue-forums"]


def test_deps_of_an_unknown_id_exits_3(run: RunCli) -> None:
    result = run("deps", "ghost")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stderr == "vzwatch: error: no initiative matches 'ghost' (see `vzwatch list`)\n"


def test_critical_chain_with_its_slack(run: RunCli) -> None:
    on_time = run("deps", "--critical", "--today", "2024-07-01")
    assert on_time.stdout.splitlines()[0] == (
        "Critical chain: 2 initiatives, finishing Q1-2025; "
        "slack 0 quarters before the portfolio's latest end, Q1-2025"
    )
    late = run("deps", "--critical", *AS_OF)
    assert late.exit_code == ExitCode.OK
    assert late.stdout.splitlines() == [
        "Critical chain: 2 initiatives, finishing Q2-2025; "
        "slack -1: 1 quarter past the portfolio's latest end, Q1-2025",
        "  1. international-dialogue-forums  International Dialogue Forums  "
        "planned Q3-2024 – Q4-2024, can run Q3-2024 – Q1-2025",
        "  2. election-oversight-missions  Election Oversight Missions  "
        "planned Q1-2025, can run Q2-2025",
    ]
    data = json.loads(run("deps", "--critical", "--json", *AS_OF).stdout)
    assert (data["finish"], data["latest_end"], data["slack"]) == ("Q2-2025", "Q1-2025", -1)


def test_list_blocked_and_ready_at_the_quarter_boundary(run: RunCli) -> None:
    def ids(*args: str) -> list[str]:
        return [i["id"] for i in json.loads(run("list", "--json", *args).stdout)]

    assert ids("--blocked", "--today", "2024-12-31") == []
    assert ids("--blocked", "--today", "2025-01-01") == ["election-oversight-missions"]
    assert ids("--ready", "--today", "2025-01-01") == [
        "humanitarian-aid-programs",
        "international-dialogue-forums",
    ]
    table = run("list", "--blocked", *AS_OF).stdout
    assert "Election Oversight Missions" in table
    assert "1 initiative" in table


def test_json_carries_depends_on_and_blocked_by(run: RunCli) -> None:
    (election,) = [i for i in json.loads(run("list", "--json", *AS_OF).stdout) if i["depends_on"]]
    assert election["depends_on"] == ["international-dialogue-forums"]
    assert election["blocked_by"] == ["international-dialogue-forums"]
    exported = json.loads(run("export", "--format", "json", *AS_OF).stdout)["initiatives"]
    assert exported == json.loads(run("list", "--json", *AS_OF).stdout)


def test_timeline_marks_blocked_bars(run: RunCli) -> None:
    out = run("timeline", *AS_OF).stdout
    (row,) = [line for line in out.splitlines() if line.startswith("Election")]
    assert row.endswith("⊘ blocked")
    rows = json.loads(run("timeline", "--json", *AS_OF).stdout)["rows"]
    assert {r["id"]: r["blocked"] for r in rows}["election-oversight-missions"] is True


def test_edit_adds_and_removes_dependencies(run: RunCli, store: Path) -> None:
    result = run("edit", "hum", "--depends-on", "intern")
    assert (result.exit_code, result.stdout) == (
        ExitCode.OK,
        "Updated humanitarian-aid-programs: depends_on\n",
    )
    assert 'depends_on = ["international-dialogue-forums"]' in store.read_text(encoding="utf-8")
    result = run("edit", "election", "--remove-depends-on", "intern")  # a prefix will do
    assert result.stdout == "Updated election-oversight-missions: depends_on\n"
    shown = json.loads(run("show", "election", "--json").stdout)
    assert shown["depends_on"] == []


def test_edit_refuses_cycles_unknown_ids_and_missing_removals(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    cycle = run("edit", "intern", "--depends-on", "election")
    assert cycle.exit_code == ExitCode.USAGE
    assert cycle.stderr == (
        "vzwatch: error: that would make a dependency cycle: election-oversight-missions -> "
        "international-dialogue-forums -> election-oversight-missions\n"
    )
    assert run("edit", "intern", "--depends-on", "ghost").exit_code == ExitCode.NOT_FOUND
    assert run("edit", "intern", "--depends-on", "intern").exit_code == ExitCode.USAGE
    missing = run("edit", "election", "--remove-depends-on", "humanitarian-aid-programs")
    assert missing.exit_code == ExitCode.USAGE
    assert missing.stderr.count("\n") == 1
    assert store.read_bytes() == before


def test_add_depends_on_an_id_or_a_prefix_as_edit_does(run: RunCli, store: Path) -> None:
    added = run("add", "Summit", "-T", "Q2 2025", "--depends-on", "election-oversight-missions")
    assert added.exit_code == ExitCode.OK, added.stderr
    assert json.loads(run("show", "summit", "--json").stdout)["depends_on"] == [
        "election-oversight-missions"
    ]
    # Every command that takes an ID reads it the same way (README, `vzwatch show ID`).
    by_prefix = run(
        "add", "Forum", "-T", "Q3 2025", "--depends-on", "intern", "--depends-on", "hum"
    )
    assert by_prefix.exit_code == ExitCode.OK, by_prefix.stderr
    assert json.loads(run("show", "forum", "--json").stdout)["depends_on"] == [
        "international-dialogue-forums",
        "humanitarian-aid-programs",
    ]
    before = store.read_bytes()
    refused = run("add", "Other", "-T", "Q2 2025", "--depends-on", "nope")
    assert refused.exit_code == ExitCode.NOT_FOUND
    assert refused.stderr == "vzwatch: error: no initiative matches 'nope' (see `vzwatch list`)\n"
    assert store.read_bytes() == before


def test_validate_names_unknown_ids_and_cycles(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8")
    text = text.replace(
        'tags = ["dialogue", "mediation"]\n',
        'tags = ["dialogue", "mediation"]\ndepends_on = ["election-oversight-missions", "ghost"]\n',
    )
    store.write_text(text, encoding="utf-8")
    result = run("validate")
    assert result.exit_code == ExitCode.FOUND
    forums = text.splitlines().index('id = "international-dialogue-forums"') + 1
    election = text.splitlines().index('id = "election-oversight-missions"') + 1
    assert result.stdout.splitlines() == [
        f"{store}:{forums}: initiative 'international-dialogue-forums': depends_on names "
        "'ghost', which is not an initiative id",
        f"{store}:{election}: initiative 'election-oversight-missions': dependency cycle: "
        "election-oversight-missions -> international-dialogue-forums -> "
        "election-oversight-missions",
    ]


def test_a_dependency_that_is_not_an_id_is_a_store_error(run: RunCli, store: Path) -> None:
    text = store.read_text(encoding="utf-8").replace(
        'depends_on = ["international-dialogue-forums"]', 'depends_on = ["Not An Id"]'
    )
    store.write_text(text, encoding="utf-8")
    result = run("list")
    assert result.exit_code == ExitCode.STORE
    assert "'Not An Id' is not an initiative id" in result.stderr


def test_list_json_through_the_cache_carries_blocked_by(run: RunCli, cache_home: Path) -> None:
    fresh = json.loads(run("export", "--format", "json", *AS_OF).stdout)["initiatives"]
    for _ in range(3):  # a miss, then views remembered by the cache
        assert json.loads(run("list", "--json", *AS_OF).stdout) == fresh
    early = json.loads(run("list", "--json", "--today", "2024-07-01").stdout)
    assert [i["blocked_by"] for i in early] == [[], [], []]


def test_deps_today_is_as_of_a_status_changed_later_is_the_old_one(run: RunCli) -> None:
    """The forums are marked done on 2025-03-01: as of 2025-01-10 they were planned,
    so they still blocked the missions and belong to the critical chain."""
    done = run("edit", "inter", "--status", "done", "--date", "2025-03-01", "--today", "2025-03-01")
    assert done.exit_code == ExitCode.OK, done.stderr
    tree = run("deps", "election", "--today", "2025-01-10").stdout
    assert tree.splitlines()[0].endswith("planned (blocked)")
    assert "Q3-2024 – Q4-2024  planned" in tree
    chain = json.loads(run("deps", "--critical", "--json", "--today", "2025-01-10").stdout)
    assert [step["id"] for step in chain["chain"]] == [
        "international-dialogue-forums",
        "election-oversight-missions",
    ]
    now = json.loads(run("deps", "--critical", "--json", "--today", "2025-03-02").stdout)
    assert [step["id"] for step in now["chain"]] == ["election-oversight-missions"]
