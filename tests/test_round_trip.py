"""Round trips keep everything (issue 12): export in a format import reads, import elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-03-31")
KEPT = (
    "id",
    "title",
    "objective",
    "status",
    "progress",
    "pillar",
    "pillar_name",
    "partners",
    "tags",
    "source",
    "timeline",
)


@pytest.fixture
def varied(run: RunCli) -> RunCli:
    """Statuses, progress, a partner with a ';' and two initiatives with one title."""
    assert run("progress", "election", "40", "--date", "2025-02-20", *TODAY).exit_code == 0
    assert (
        run("edit", "hum", "--status", "done", "--add-partner", "Lima; Andes", *TODAY).exit_code
        == 0
    )
    assert run("edit", "inter", "--status", "active", "--add-tag", "a\\b", *TODAY).exit_code == 0
    added = run("add", "Election Oversight Missions", "--timeline", "Q3 2025", "--id", "election-2")
    assert added.exit_code == ExitCode.OK, added.stderr
    return run


def _kept(run: RunCli, store: Path) -> list[dict[str, object]]:
    listed = json.loads(run("list", "--json", "--file", str(store)).stdout)
    return [{key: item[key] for key in KEPT} for item in listed]


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_export_then_import_into_another_store_keeps_everything(
    varied: RunCli, store: Path, tmp_path: Path, fmt: str
) -> None:
    exported = tmp_path / f"export.{'md' if fmt == 'markdown' else 'json'}"
    result = varied("export", "--format", fmt, "--output", str(exported))
    assert result.exit_code == ExitCode.OK, result.stderr
    other = tmp_path / "other.toml"
    imported = varied("import", str(exported), "--file", str(other))
    assert imported.exit_code == ExitCode.OK, imported.stderr
    if fmt == "markdown":  # cited sources need the [[sources]] table, which a table lacks
        assert "ignored columns Sources, Owner, Depends on, Review every" in imported.stderr
    else:
        assert imported.stderr == ""
    assert _kept(varied, other) == _kept(varied, store)
    again = varied("import", str(exported), "--file", str(other))
    assert again.stdout.endswith("Imported: 0 added, 0 updated, 4 unchanged.\n")


def test_markdown_columns_it_cannot_use_are_named(run: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "rows.md"
    source.write_text(
        "| Initiative | Objective | Timeline | Owner | Budget |\n|---|---|---|---|---|\n"
        "| Summit | Meet | Q1 2026 | Ana | 5 |\n",
        encoding="utf-8",
    )
    result = run("import", str(source), "--dry-run", "--file", str(tmp_path / "n.toml"))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stderr == (
        f"vzwatch: note: {source}: line 1: ignored columns Owner, Budget (vzwatch reads Id, "
        "Status, Progress, Pillar, Pillar name, Partners, Tags and Source besides the "
        "initiative, objective and timeline)\n"
    )


def test_add_of_an_existing_title_warns_without_a_terminal(run: RunCli) -> None:
    result = run("add", "election oversight missions", "--timeline", "Q3 2025")
    assert result.exit_code == ExitCode.OK
    assert result.stdout == "election-oversight-missions-2\n"
    assert result.stderr == (
        "vzwatch: warning: 'election oversight missions' is already the title of "
        "election-oversight-missions; adding another (give --id to name it)\n"
    )


def test_add_on_a_warm_cache_reads_no_other_record(
    run: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The title question must not cost the O(1) append a read of every record."""
    from vzwatch.operations import reading
    from vzwatch.storage import cache

    assert run("list", "--json").exit_code == ExitCode.OK  # the cache knows the store

    def read_all(*args: object) -> object:
        raise AssertionError("add read every record of the store")

    monkeypatch.setattr(cache, "snapshot", read_all)
    monkeypatch.setattr(reading, "load_portfolio", read_all)
    result = run("add", "Regional Summit", "--timeline", "Q3 2025")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "regional-summit\n", "")
    again = run("add", "regional summit", "--timeline", "Q3 2025")  # its own row is read
    assert (again.exit_code, again.stdout) == (0, "regional-summit-2\n")
    assert "is already the title of regional-summit;" in again.stderr


def test_add_of_an_existing_title_asks_in_a_terminal(
    run: RunCli, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vzwatch.cli import core

    before = store.read_bytes()
    monkeypatch.setattr(core, "_stdin_is_terminal", lambda: True)
    result = run("add", "Election Oversight Missions", "--timeline", "Q3 2025", input="n\n")
    assert result.exit_code == ExitCode.OK
    assert "is already the title of election-oversight-missions" in result.stdout
    assert result.stdout.endswith("Nothing added.\n")
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    ("day", "reason"),
    [("1800-01-01", "date 1800-01-01 is before 1900-01-01"), ("2999-01-01", "is in the future")],
)
def test_an_imported_entry_outside_1900_to_today_is_an_invalid_row(
    run: RunCli, tmp_path: Path, day: str, reason: str
) -> None:
    source = tmp_path / "old.json"
    source.write_text(
        json.dumps(
            [{"title": "X", "timeline": "Q1 2025", "progress_log": [{"date": day, "percent": 5}]}]
        ),
        encoding="utf-8",
    )
    target = tmp_path / "new.toml"
    result = run("import", str(source), "--file", str(target))
    assert result.exit_code == ExitCode.USAGE
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"vzwatch: error: {source}: item 1: 'X': progress_log entry 1: date")
    assert reason in first
    assert not target.exists()


def test_add_names_the_initiatives_with_its_title_as_a_read_of_the_file_does(
    run: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids made from the title, with a gap and one that only starts like them, some
    written in the file and one appended: the cache's answer is the file's, in its order."""
    from tests.helpers import BUNDLED
    from vzwatch.storage import cache

    text = BUNDLED.read_text(encoding="utf-8") + "".join(
        f'\n[[initiatives]]\nid = "{ident}"\ntitle = "{title}"\ntimeline = "Q3 2025"\n'
        for ident, title in [
            ("summit", "Summit"),
            ("summit-3", "summit"),
            ("summitry", "Summit"),
            ("summit-2", "Summit"),
            ("summit-4", "Another"),
        ]
    )
    warm, cold = tmp_path / "warm.toml", tmp_path / "cold.toml"
    for path in (warm, cold):
        path.write_text(text, encoding="utf-8")
    assert run("list", "-f", str(warm)).exit_code == ExitCode.OK  # the rows are the cache's
    commands = [("Summit", "summit-5"), ("SUMMIT", "summit-6")]  # the second sees the first
    for title, made in commands:
        fast = run("add", title, "--timeline", "Q3 2025", "-f", str(warm))
        with monkeypatch.context() as patch:
            patch.setenv(cache.NO_CACHE_ENV, "1")
            slow = run("add", title, "--timeline", "Q3 2025", "-f", str(cold))
        assert (
            (fast.stdout, fast.stderr)
            == (slow.stdout, slow.stderr)
            == (
                f"{made}\n",
                slow.stderr,
            )
        )
    assert "summit, summit-3, summitry, summit-2, summit-5;" in fast.stderr
