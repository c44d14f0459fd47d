"""`vzwatch timeline`: what a user sees at different widths, piped, on ASCII terminals."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import RunCli, invoke
from vzwatch.domain.errors import ExitCode

TODAY = "2025-02-14"
PROGRESS = """
[[progress]]
initiative = "international-dialogue-forums"
date = 2024-10-01
percent = 60
"""


@pytest.fixture
def with_progress(store: Path) -> Path:
    store.write_text(store.read_text(encoding="utf-8") + PROGRESS, encoding="utf-8")
    return store


@pytest.mark.parametrize("width", [60, 100, 160])
def test_timeline_fits_the_terminal_width(run: RunCli, with_progress: Path, width: int) -> None:
    result = run("timeline", "--today", TODAY, env={"COLUMNS": str(width)})
    assert result.exit_code == ExitCode.OK, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= width for line in lines), lines
    assert "2024" in lines[0]
    assert "2025" in lines[0]
    assert "today" in result.stdout
    for title in ("Humanitarian", "International", "Election"):
        assert any(line.startswith(title) for line in lines)
    dialogue = next(line for line in lines if line.startswith("International"))
    assert "60%" in dialogue
    assert "█" in dialogue
    assert "░" in dialogue
    humanitarian = next(line for line in lines if line.startswith("Humanitarian"))
    assert humanitarian.rstrip().endswith("▶")  # ongoing: open to the right edge


def test_wide_terminal_shows_whole_titles_narrow_one_shortens_them(run: RunCli) -> None:
    wide = run("timeline", "--today", TODAY, env={"COLUMNS": "160"}).stdout
    narrow = run("timeline", "--today", TODAY, env={"COLUMNS": "40"}).stdout
    assert "International Dialogue Forums" in wide
    assert "International Dialogue Forums" not in narrow
    assert "…" in narrow


def test_piped_output_has_no_escape_codes_even_with_a_colour_terminal(run: RunCli) -> None:
    result = run("timeline", "--today", TODAY, env={"TERM": "xterm-256color", "NO_COLOR": None})
    assert result.exit_code == ExitCode.OK
    assert "\x1b" not in result.stdout


def test_ascii_stream_gets_ascii_glyphs(store: Path, with_progress: Path) -> None:
    result = invoke(
        ["timeline", "--today", TODAY], env={"VZWATCH_FILE": str(store)}, charset="ascii"
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.isascii()  # nothing non-ASCII leaked (invoke decodes strictly, too)
    assert "#" in result.stdout
    assert "=" in result.stdout
    assert ">" in result.stdout
    assert "v today" in result.stdout


def test_renderer_falls_back_to_ascii_on_a_console_that_cannot_encode_blocks() -> None:
    from datetime import date

    from tests.helpers import SEED
    from vzwatch.domain.chart import make_chart
    from vzwatch.render.chart import print_chart
    from vzwatch.render.console import make_console

    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="ascii")
    console = make_console(stream, width=80)
    print_chart(console, make_chart(SEED, date(2025, 2, 14)), date(2025, 2, 14))
    stream.flush()
    text = buffer.getvalue().decode("ascii")
    assert "<" in text
    assert ">" in text


def test_hostile_titles_print_literally(run: RunCli, store: Path) -> None:
    hostile = (
        '[[initiatives]]\nid = "evil"\n'
        'title = "[red]x[/] :skull: \\u001b[31mred"\ntimeline = "Q1 2025"\n'
    )
    store.write_text(store.read_text(encoding="utf-8") + "\n" + hostile, encoding="utf-8")
    result = run("timeline", "--today", TODAY, env={"COLUMNS": "160"})
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "[red]x[/] :skull: \\x1b[31mred" in result.stdout
    assert "\x1b" not in result.stdout


def test_from_and_to_choose_the_window(run: RunCli) -> None:
    result = run("timeline", "--today", TODAY, "--from", "Q1-2025", "--to", "Q4 2025", "--json")
    data = json.loads(result.stdout)
    assert (data["from"], data["to"]) == ("Q1-2025", "Q4-2025")
    assert data["hidden"] == 1  # the dialogue forums ended in 2024
    rows = {row["id"]: row for row in data["rows"]}
    assert rows["humanitarian-aid-programs"]["continues_after"] is True
    assert rows["election-oversight-missions"]["start"] == "Q1-2025"


def test_filters_are_those_of_list(run: RunCli) -> None:
    result = run("timeline", "--today", TODAY, "--status", "active", "--json")
    assert [row["id"] for row in json.loads(result.stdout)["rows"]] == ["humanitarian-aid-programs"]


def test_to_before_from_is_a_usage_error(run: RunCli) -> None:
    result = run("timeline", "--from", "Q4-2025", "--to", "Q1-2025")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.count("\n") == 1


def test_svg_and_html_files_are_written(run: RunCli, tmp_path: Path) -> None:
    svg, html = tmp_path / "t.svg", tmp_path / "t.html"
    result = run("timeline", "--today", TODAY, "--svg", str(svg), "--html", str(html))
    assert result.exit_code == ExitCode.OK, result.stderr
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "International Dialogue Forums" in svg.read_text(encoding="utf-8")
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page
    assert "<script" not in page
    assert result.stdout == ""
    assert f"wrote {svg}" in result.stderr


def test_svg_refuses_to_overwrite_the_store(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("timeline", "--svg", str(store))
    assert result.exit_code == ExitCode.USAGE
    assert "is the store" in result.stderr
    assert store.read_bytes() == before


@pytest.mark.subprocess
def test_installed_timeline_on_an_ascii_locale(store: Path) -> None:
    import shutil
    import subprocess
    import sys

    vzwatch = shutil.which("vzwatch", path=str(Path(sys.executable).parent))
    assert vzwatch is not None
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(store.parent),
        "VZWATCH_FILE": str(store),
        "LC_ALL": "C",
        "PYTHONUTF8": "0",
        "PYTHONIOENCODING": "ascii",
        "TERM": "xterm-256color",
    }
    result = subprocess.run(
        [vzwatch, "timeline", "--today", TODAY],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("ascii")
    assert "Humanitarian Aid Programs" in out
    assert ">" in out
    assert "\x1b" not in out


@pytest.mark.subprocess
def test_export_json_does_not_import_rich(store: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom vzwatch.cli import main\nmain(['export', '--format', 'json'])\n"
        "print(any(m.startswith('rich') for m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "HOME": str(store.parent), "VZWATCH_FILE": str(store)},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.stderr.decode().strip() == "False"


def _today_column_in_every_row(out: str, marker: str, line_glyph: str) -> list[str]:
    """The rows of the chart whose character under the header's today marker is not
    today's line (the marker is ``▼ today``, or ``today ▼`` at the right edge)."""
    lines = out.splitlines()
    header = next(number for number, line in enumerate(lines) if "today" in line)
    column = lines[header].index(marker)
    rows = [line for line in lines[header + 1 :] if line.startswith(("Hum", "Int", "Ele"))]
    assert len(rows) == 3, out
    return [row for row in rows if row[column : column + 1] != line_glyph]


@pytest.mark.parametrize("width", [40, 50, 60, 80, 100, 120, 160, 200])
@pytest.mark.parametrize("charset", ["utf-8", "ascii"])
def test_today_stays_visible_on_top_of_every_bar(
    store: Path, with_progress: Path, width: int, charset: str
) -> None:
    """At any width, in Unicode and in ASCII (also without colour), each row shows
    today's line under the marker, bars included: it used to vanish inside them."""
    result = invoke(
        ["timeline", "--today", TODAY, "--no-color"],
        env={"VZWATCH_FILE": str(store), "COLUMNS": str(width)},
        charset=charset,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    marker, line_glyph = ("▼", "┊") if charset == "utf-8" else ("v", "|")
    assert _today_column_in_every_row(result.stdout, marker, line_glyph) == [], result.stdout


@pytest.mark.parametrize("width", [40, 50, 60, 80, 100, 120, 160, 200])
def test_the_blocked_mark_is_whole_or_short_never_cut(
    run: RunCli, with_progress: Path, width: int
) -> None:
    """At 50 columns the mark was cropped to `⊘ bl`; where `⊘ blocked` does not fit
    the row ends in `⊘` (the legend says what it means)."""
    result = run("timeline", "--today", TODAY, env={"COLUMNS": str(width)})
    assert result.exit_code == ExitCode.OK, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("Election"))
    assert row.endswith((" ⊘ blocked", " ⊘")), row
    legend = " ".join(result.stdout.splitlines()[-2:])
    assert "⊘ blocked" in legend, result.stdout
