"""`vzwatch import`: dry runs write nothing, imports are idempotent, JSON round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import ARTICLE, RunCli
from vzwatch.domain.errors import ExitCode

PROGRESS = """
[[progress]]
initiative = "international-dialogue-forums"
date = 2024-10-01
percent = 60
note = "Two forums held; more to come"
"""


def test_dry_run_shows_the_three_initiatives_and_writes_nothing(
    run: RunCli, empty_store: Path
) -> None:
    before = empty_store.read_bytes()
    result = run("import", str(ARTICLE), "--dry-run", "--file", str(empty_store))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert empty_store.read_bytes() == before
    for title, timeline in [
        ("International Dialogue Forums", "Q3-2024..Q4-2024"),
        ("Election Oversight Missions", "Q1-2025"),
        ("Humanitarian Aid Programs", "ongoing"),
    ]:
        line = next(line for line in result.stdout.splitlines() if title in line)
        assert "would add" in line
        assert f"[{timeline}]" in line
    assert "Dry run: nothing written (3 to add" in result.stdout
    assert "skipped a table" in result.stderr  # the second table, as a note


def test_seed_into_the_bundled_store_changes_nothing(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("import", str(ARTICLE))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "0 added, 0 updated, 3 unchanged" in result.stdout
    assert store.read_bytes() == before  # byte-identical: nothing to write


def test_importing_twice_adds_nothing_the_second_time(run: RunCli, empty_store: Path) -> None:
    first = run("import", str(ARTICLE), "--file", str(empty_store), "--source", "Japan Wire")
    assert first.exit_code == ExitCode.OK, first.stderr
    after_first = empty_store.read_bytes()
    second = run("import", str(ARTICLE), "--file", str(empty_store), "--source", "Japan Wire")
    assert second.exit_code == ExitCode.OK
    assert "0 added, 0 updated, 3 unchanged" in second.stdout
    assert empty_store.read_bytes() == after_first
    listed = json.loads(run("list", "--json", "--file", str(empty_store)).stdout)
    assert {item["source"] for item in listed} == {"Japan Wire"}
    assert {item["timeline"]["text"] for item in listed} == {"Q3 – Q4 2024", "Q1 2025", "Ongoing"}


def test_changed_rows_update_in_place_keeping_comments(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    article = tmp_path / "update.md"
    article.write_text(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n"
        "| election oversight missions | Observe the 2025 vote | Q1 – Q2 2025 |\n"
        "| Regional Summit | Meet | Q3 2025 |\n",
        encoding="utf-8",
    )
    result = run("import", str(article))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "update" in result.stdout
    assert "(objective, timeline)" in result.stdout
    text = store.read_text(encoding="utf-8")
    assert "# The initiatives, as in the article's table." in text  # comments survive
    assert 'title = "Election Oversight Missions"' in text  # matched by title: spelling kept
    shown = json.loads(run("show", "election", "--json").stdout)
    assert shown["objective"] == "Observe the 2025 vote"
    assert shown["timeline"]["end"] == "Q2-2025"
    assert json.loads(run("show", "regional", "--json").stdout)["title"] == "Regional Summit"


def test_json_export_round_trips_into_an_empty_store(
    run: RunCli, store: Path, empty_store: Path, tmp_path: Path
) -> None:
    store.write_text(store.read_text(encoding="utf-8") + PROGRESS, encoding="utf-8")
    exported = tmp_path / "all.json"
    assert run("export", "--format", "json", "--output", str(exported)).exit_code == ExitCode.OK
    result = run("import", str(exported), "--file", str(empty_store))
    assert result.exit_code == ExitCode.OK, result.stderr
    original = json.loads(run("list", "--json").stdout)
    copy = json.loads(run("list", "--json", "--file", str(empty_store)).stdout)
    # The [[sources]] records are not in a JSON export (a list of initiatives), so
    # their citations do not travel: the copy cites nothing (README, "Known gaps").
    assert copy == [{**item, "sources": []} for item in original]
    assert copy[1]["progress_log"] == [
        {
            "date": "2024-10-01",
            "percent": 60,
            "note": "Two forums held; more to come",
            "sources": [],
        }
    ]
    # And again: nothing new, progress entries are not duplicated.
    again = run("import", str(exported), "--file", str(empty_store), "--json")
    assert json.loads(again.stdout)["added"] == 0
    assert json.loads(again.stdout)["updated"] == 0


def test_progress_logs_merge_as_a_union(run: RunCli, store: Path, tmp_path: Path) -> None:
    store.write_text(store.read_text(encoding="utf-8") + PROGRESS, encoding="utf-8")
    item = json.loads(run("show", "inter", "--json").stdout)
    item["progress_log"].append({"date": "2024-12-01", "percent": 90, "note": ""})
    source = tmp_path / "one.json"
    source.write_text(json.dumps(item), encoding="utf-8")
    result = run("import", str(source))
    assert "+1 progress" in result.stdout
    log = json.loads(run("show", "inter", "--json").stdout)["progress_log"]
    assert [entry["percent"] for entry in log] == [60, 90]


def test_status_history_imports_and_merges_as_a_union(
    run: RunCli, store: Path, empty_store: Path, tmp_path: Path
) -> None:
    assert run("edit", "inter", "--status", "active", "--today", "2024-08-01").exit_code == 0
    assert run("edit", "inter", "--status", "done", "--today", "2024-12-20").exit_code == 0
    exported = tmp_path / "all.json"
    assert run("export", "--format", "json", "--output", str(exported)).exit_code == ExitCode.OK
    result = run("import", str(exported), "--file", str(empty_store), "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    added = {c["id"]: c["history_added"] for c in json.loads(result.stdout)["changes"]}
    assert added["international-dialogue-forums"] == 2
    copy = json.loads(run("show", "inter", "--json", "--file", str(empty_store)).stdout)
    assert copy["history"] == [
        {"date": "2024-08-01", "field": "status", "from": "planned", "to": "active", "sources": []},
        {"date": "2024-12-20", "field": "status", "from": "active", "to": "done", "sources": []},
    ]
    assert "[[history]]" in empty_store.read_text(encoding="utf-8")
    # Again: the entries are there already, so nothing is appended.
    before = empty_store.read_bytes()
    again = run("import", str(exported), "--file", str(empty_store), "--json")
    assert json.loads(again.stdout)["updated"] == 0
    assert empty_store.read_bytes() == before


def test_history_with_a_bad_status_is_an_invalid_row(run: RunCli, tmp_path: Path) -> None:
    item = json.loads(run("show", "inter", "--json").stdout)
    item["history"] = [{"date": "2024-08-01", "field": "status", "from": "", "to": "finished"}]
    source = tmp_path / "one.json"
    source.write_text(json.dumps(item), encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == ExitCode.USAGE
    assert "history entry 1: status 'finished' is not one of" in result.stderr


def test_stdin_is_read_with_a_dash(run: RunCli, empty_store: Path) -> None:
    exported = run("list", "--json").stdout
    result = run("import", "-", "--file", str(empty_store), input=exported)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "3 added" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "is not a text file"),
        (
            b"# Just prose\n\nNo tables here.\n",
            "found no table with initiative, objective and timeline",
        ),
        (b'[{"title": 1}', "invalid JSON"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    run: RunCli, store: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    before = store.read_bytes()
    source = tmp_path / ("in.json" if content.startswith(b"[") else "in.md")
    source.write_bytes(content)
    result = run("import", str(source))
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert store.read_bytes() == before


def test_a_missing_file_is_a_usage_error(run: RunCli, tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "nope.md"))
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == f"vzwatch: error: {tmp_path / 'nope.md'} does not exist\n"


BAD_ROWS = (
    "| Initiative | Objective | Timeline |\n|---|---|---|\n"
    "| Good One | ok | Q1 2026 |\n"
    "| Bad One | x | Q5 2026 |\n"
    "| Worse One | y | someday |\n"
)


def test_invalid_rows_are_named_and_nothing_is_written(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    before = store.read_bytes()
    source = tmp_path / "rows.md"
    source.write_text(BAD_ROWS, encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == ExitCode.USAGE
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"vzwatch: error: {source}: line 4: 'Bad One': 'Q5 2026'")
    assert lines[1].startswith(f"vzwatch: error: {source}: line 5: 'Worse One': 'someday'")
    assert lines[2] == (
        "vzwatch: error: 2 rows are invalid; nothing was imported "
        "(fix them, or pass --skip-invalid to import the 1 valid one)"
    )
    assert store.read_bytes() == before


def test_skip_invalid_imports_the_valid_rows(run: RunCli, store: Path, tmp_path: Path) -> None:
    source = tmp_path / "rows.md"
    source.write_text(BAD_ROWS, encoding="utf-8")
    result = run("import", str(source), "--skip-invalid")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stderr.count("vzwatch: warning:") == 2
    assert "1 added" in result.stdout
    assert "2 invalid skipped" in result.stdout
    ids = [item["id"] for item in json.loads(run("list", "--json").stdout)]
    assert "good-one" in ids
    assert "bad-one" not in ids


def test_import_json_summary(run: RunCli, empty_store: Path) -> None:
    result = run("import", str(ARTICLE), "--file", str(empty_store), "--dry-run", "--json")
    data = json.loads(result.stdout)
    assert data["dry_run"] is True
    assert data["added"] == 3
    assert data["format"] == "markdown"
    assert data["changes"][0] == {
        "action": "add",
        "id": "international-dialogue-forums",
        "title": "International Dialogue Forums",
        "timeline": {
            "text": "Q3 – Q4 2024",
            "start": "Q3-2024",
            "end": "Q4-2024",
            "ongoing": False,
        },
        "fields": [],
        "progress_added": 0,
        "history_added": 0,
        "from": "line 11",
        "revisions": [],
    }


def test_import_json_skipped_rows_are_problem_objects(
    run: RunCli, empty_store: Path, tmp_path: Path
) -> None:
    source = tmp_path / "rows.md"
    source.write_text(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n| Good | a | Q1 2026 |\n"
        "| Bad One | b | Q5 2026 |\n",
        encoding="utf-8",
    )
    result = run("import", str(source), "--file", str(empty_store), "--skip-invalid", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    (skipped,) = json.loads(result.stdout)["skipped"]
    assert list(skipped) == ["file", "line", "column", "record", "message"]
    assert (skipped["file"], skipped["line"], skipped["column"], skipped["record"]) == (
        str(source),
        4,
        None,
        None,
    )
    assert skipped["message"].startswith("'Bad One': 'Q5 2026' is not a timeline")


def test_a_new_store_file_is_created_by_import(run: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "new.toml"
    result = run("import", str(ARTICLE), "--file", str(target))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert target.read_text(encoding="utf-8").count("[[initiatives]]") == 3


def big_table(rows: int) -> str:
    lines = ["| Initiative | Objective | Timeline |", "|---|---|---|"]
    lines += [f"| Item {n} | aim {n} | Q{n % 4 + 1} 2026 |" for n in range(rows)]
    return "\n".join(lines) + "\n"


def test_large_import_in_one_transaction_without_a_bar_when_piped(
    run: RunCli, empty_store: Path, tmp_path: Path
) -> None:
    source = tmp_path / "big.md"
    source.write_text(big_table(300), encoding="utf-8")
    result = run("import", str(source), "--file", str(empty_store))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stderr == ""  # stderr is not a terminal: no progress bar
    assert empty_store.read_text(encoding="utf-8").count("[[initiatives]]") == 300


def test_a_meter_only_for_large_imports_in_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import sys

    from vzwatch.cli.transfer import METER_THRESHOLD, _meter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _meter(METER_THRESHOLD, enabled=True) as tick:
        assert tick is not None
        for _ in range(METER_THRESHOLD):
            tick()
    with _meter(METER_THRESHOLD - 1, enabled=True) as tick:
        assert tick is None
    with _meter(METER_THRESHOLD, enabled=False) as tick:  # --json
        assert tick is None
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with _meter(METER_THRESHOLD, enabled=True) as tick:
        assert tick is None


def test_json_items_with_ids_may_share_a_title(
    run: RunCli, empty_store: Path, tmp_path: Path
) -> None:
    """`add` lets two initiatives share a title; their export must import back."""
    for _ in range(2):
        assert run("add", "Summit", "--timeline", "Q1 2026").exit_code == ExitCode.OK
    exported = tmp_path / "all.json"
    assert run("export", "--format", "json", "--output", str(exported)).exit_code == ExitCode.OK
    result = run("import", str(exported), "--file", str(empty_store))
    assert result.exit_code == ExitCode.OK, result.stderr
    copied = json.loads(run("list", "--json", "--file", str(empty_store)).stdout)
    assert [(i["id"], i["title"]) for i in copied if i["title"] == "Summit"] == [
        ("summit", "Summit"),
        ("summit-2", "Summit"),
    ]
    # Without ids the title is the name: a repeated one is still an invalid row.
    items = json.loads(exported.read_text(encoding="utf-8"))["initiatives"]
    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps([{**i, "id": None} for i in items]), encoding="utf-8")
    refused = run("import", str(nameless), "--file", str(empty_store), "--dry-run")
    assert refused.exit_code == ExitCode.USAGE
    assert "'Summit' is already on item" in refused.stderr
