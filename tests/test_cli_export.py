"""`vzwatch export`: the formats of `list`, to stdout or atomically to a file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.conftest import RunCli
from vzwatch.domain.errors import ExitCode


def test_json_export_is_list_json(run: RunCli) -> None:
    assert json.loads(run("export", "--format", "json").stdout) == json.loads(
        run("list", "--json").stdout
    )


def test_csv_and_markdown_are_the_list_formats(run: RunCli) -> None:
    for fmt in ("csv", "markdown"):
        assert run("export", "--format", fmt).stdout == run("list", "--format", fmt).stdout


def test_csv_export_guards_formulas(run: RunCli) -> None:
    run("add", '=HYPERLINK("http://evil")', "--timeline", "Q1 2026")
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    assert any(row["title"] == '\'=HYPERLINK("http://evil")' for row in rows)


def test_filters_apply(run: RunCli) -> None:
    data = json.loads(run("export", "--format", "json", "--status", "active").stdout)
    assert [item["id"] for item in data] == ["humanitarian-aid-programs"]


def test_output_file_is_written_and_replaced(run: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("old", encoding="utf-8")
    result = run("export", "--format", "markdown", "--output", str(target))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("| Id | Title |")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.md")] == []


def test_output_refuses_the_store(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("export", "--format", "csv", "--output", str(store))
    assert result.exit_code == ExitCode.USAGE
    assert store.read_bytes() == before


def test_output_in_a_missing_directory_is_a_usage_error(run: RunCli, tmp_path: Path) -> None:
    result = run("export", "--format", "csv", "--output", str(tmp_path / "no" / "x.csv"))
    assert result.exit_code == ExitCode.USAGE
    assert "does not exist" in result.stderr


def test_tasks_only_for_ics(run: RunCli) -> None:
    assert run("export", "--format", "csv", "--tasks").exit_code == ExitCode.USAGE
    assert "BEGIN:VTODO" in run("export", "--format", "ics", "--tasks").stdout


def test_unknown_format_is_a_usage_error(run: RunCli) -> None:
    assert run("export", "--format", "xlsx").exit_code == ExitCode.USAGE
