"""Every width from 40 columns up: what each table keeps, pinned on a fixed console
(``Console(width=N, file=StringIO())``), and once in a real terminal (tmux)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import unicodedata
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.helpers import BUNDLED
from vzwatch.domain.cadence import stale_initiatives
from vzwatch.domain.chart import make_chart
from vzwatch.domain.portfolio import Portfolio
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.report import build_report
from vzwatch.formats.watch import stale_lines
from vzwatch.operations.reading import load_portfolio
from vzwatch.render.chart import print_chart
from vzwatch.render.console import make_console
from vzwatch.render.plainreport import print_report_plain
from vzwatch.render.report import print_report
from vzwatch.render.tables import print_initiative, print_initiatives

WIDTHS = [40, 60, 80, 120, 200]
TODAY = date(2025, 3, 31)
Q1_2025 = Quarter(2025, 1)


def portfolio_with_progress() -> Portfolio:
    text = BUNDLED.read_text(encoding="utf-8") + "".join(
        f'\n[[progress]]\ninitiative = "{ident}"\ndate = {day}\npercent = {percent}\n'
        for ident, day, percent in [
            ("election-oversight-missions", "2025-01-20", 10),
            ("election-oversight-missions", "2025-02-20", 40),
            ("humanitarian-aid-programs", "2025-03-01", 30),
            ("international-dialogue-forums", "2025-01-10", 100),
        ]
    )
    return load_portfolio(text, BUNDLED)


def rendered(draw: object, width: int) -> str:
    out = StringIO()
    console = make_console(out, width=width)
    draw(console)  # type: ignore[operator]
    return out.getvalue()


def assert_fits(out: str, width: int) -> None:
    for line in out.splitlines():
        assert cell_len(line) <= width, line
        assert line == line.rstrip(), repr(line)


def words_unbroken(out: str, text: str) -> bool:
    """Every word of ``text`` appears whole on some line of ``out``."""
    return all(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", out) for word in text.split())


@pytest.mark.parametrize("width", WIDTHS)
def test_list_keeps_every_id_title_word_and_percentage(width: int) -> None:
    portfolio = portfolio_with_progress()
    items = list(portfolio.initiatives)
    out = rendered(lambda c: print_initiatives(c, items, portfolio), width)
    assert_fits(out, width)
    lines = out.splitlines()
    for item in items:
        assert any(line.strip().startswith(item.id) for line in lines), (item.id, out)
        assert words_unbroken(out, item.title), (item.title, out)
        assert re.search(rf"\b{item.progress}%", out)
    assert ("Pillar" in out) is (width >= 100)
    assert ("Timeline" in out) is (width >= 60)
    assert ("░" in out or "█" in out) is (width >= 70)


def test_list_at_40_columns_is_pinned() -> None:
    portfolio = portfolio_with_progress()
    out = rendered(lambda c: print_initiatives(c, list(portfolio.initiatives), portfolio), 40)
    assert out == (
        "Initiative / id                    %\n"
        "────────────────────────────────────\n"
        "International Dialogue Forums   100%\n"
        "international-dialogue-forums\n"
        "Election Oversight Missions      40%\n"
        "election-oversight-missions\n"
        "Humanitarian Aid Programs        30%\n"
        "humanitarian-aid-programs\n"
        "3 initiatives\n"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_show_keeps_words_whole(width: int) -> None:
    portfolio = portfolio_with_progress()
    item = portfolio.find("election")
    out = rendered(lambda c: print_initiative(c, item, portfolio), width)
    assert_fits(out, width)
    assert item.id in out
    assert words_unbroken(out, item.title)
    assert words_unbroken(out, item.objective)


@pytest.mark.parametrize("width", WIDTHS)
def test_report_always_names_its_groups_and_never_cuts_a_number(width: int) -> None:
    portfolio = portfolio_with_progress()
    report = build_report(portfolio, today=TODAY, quarter=Q1_2025)
    out = rendered(lambda c: print_report(c, report), width)
    assert_fits(out, width)
    assert "…" not in out
    summary = out.split("\n\n")[1]
    for group in report.groups:
        assert words_unbroken(summary, group.label), (group.label, out)
        assert words_unbroken(out, group.label)
        for item in group.items:
            assert words_unbroken(out, item.initiative.title), (item.initiative.title, out)
            assert f"{item.progress}%" in out
    for health in ("behind by 59 points", "2025-03-01"):
        assert words_unbroken(out, health), out


def test_report_summary_at_60_columns_is_pinned() -> None:
    report = build_report(portfolio_with_progress(), today=TODAY, quarter=Q1_2025)
    summary = rendered(lambda c: print_report(c, report), 60).split("\n\n")[1]
    assert summary == (
        "Pillar          Count   Mean   Done   Due   Overdue   Behind\n"
        "────────────────────────────────────────────────────────────\n"
        "Humanitarian        1    30%      0     0         0        0\n"
        "Support\n"
        "Election            1    40%      0     1         0        1\n"
        "Monitoring\n"
        "Dialogue            1   100%      1     0         0        0\n"
        "Facilitation"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_timeline_fits_every_width(width: int) -> None:
    portfolio = portfolio_with_progress()
    window = make_chart(list(portfolio.initiatives), TODAY)
    out = rendered(lambda c: print_chart(c, window, TODAY), width)
    assert_fits(out, width)
    assert "3 initiatives" in out


@pytest.mark.parametrize("width", [40, 80])
def test_a_timeline_of_decades_picks_a_coarser_scale_and_says_so(width: int) -> None:
    portfolio = portfolio_with_progress()
    first, last = Quarter(2000, 1), Quarter(2030, 4)
    window = make_chart(list(portfolio.initiatives), TODAY, first, last)
    out = rendered(lambda c: print_chart(c, window, TODAY), width)
    assert_fits(out, width)
    assert re.search(r"one column is (2|5|10) years", " ".join(out.split()))
    assert "today" in out
    assert "cut at its right edge" not in out


# --- once in a real terminal ------------------------------------------------------

TMUX = shutil.which("tmux")
VZWATCH = shutil.which("vzwatch", path=str(Path(sys.executable).parent))


@pytest.mark.subprocess
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (.ci/run installs it)")
@pytest.mark.parametrize("width", WIDTHS)
def test_in_a_real_terminal_list_and_report_fit(width: int, tmp_path: Path) -> None:
    assert TMUX is not None
    assert VZWATCH is not None
    store = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, store)
    socket = str(tmp_path / "tmux.sock")
    session = f"vz{width}"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    script = tmp_path / "run.sh"
    script.write_text(
        f"{VZWATCH} list --file {store}\n"
        f"{VZWATCH} report -Q Q1-2025 --today 2025-03-31 --file {store}\n"
        "echo VZWATCH-DONE\nsleep 30\n",
        encoding="utf-8",
    )
    tmux = [TMUX, "-S", socket]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(width), "-y", "200",
         f"sh {script}"],
        env=env, check=True, timeout=30,
    )  # fmt: skip
    try:
        screen = ""
        deadline = time.monotonic() + 30
        while "VZWATCH-DONE" not in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", session, "-S", "-200"],
                env=env, capture_output=True, text=True, check=True, timeout=30,
            ).stdout  # fmt: skip
        assert "VZWATCH-DONE" in screen, screen
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, check=False, timeout=30)
    for ident in ("humanitarian-aid-programs", "international-dialogue-forums"):
        assert ident in screen, screen
    assert "Pillar" in screen or width < 60
    for word in ("Humanitarian", "International", "Election", "Facilitation"):
        assert re.search(rf"(?<!\S){word}(?!\S)", screen), screen
    assert all(cell_len(line) <= width for line in screen.splitlines())


# --- any script: columns land where every terminal draws them ----------------------

# Titles terminals and Rich measured differently (❤️, 👍🏽, joined sequences), and
# scripts that must keep lining up: CJK, Arabic, combining accents, a flag.
SCRIPT_TITLES = [
    "Heart ❤️ care mission",
    "Family 👨‍👩‍👧 fund",
    "Thumbs 👍🏽 up",
    "Keycap 1️⃣ plan",
    "Aid 🚑 convoy",
    "選挙監視団の派遣",
    "بعثة المراقبة",
    "Cafe\u0301 re\u0301sume\u0301 Ñandú",
    "Flag 🇯🇵 mission",
    "क्\u200dषेत्र mission",
]


def terminal_width(text: str) -> int:
    """Cells as a terminal counts them, one code point at a time (wcwidth, tmux, xterm):
    wide and fullwidth 2, combining and format characters 0, the rest 1."""
    widths = (
        0
        if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(c) in ("W", "F")
        else 1
        for c in text
    )
    return sum(widths)


def portfolio_in_every_script() -> Portfolio:
    text = BUNDLED.read_text(encoding="utf-8") + "".join(
        f'\n[[initiatives]]\nid = "script-{n}"\ntitle = "{title}"\ntimeline = "Q4 2024 - Q2 2025"\n'
        f'owner = "{title}"\npillar = "election-monitoring"\n'
        for n, title in enumerate(SCRIPT_TITLES)
    )
    return load_portfolio(text, BUNDLED)


def assert_terminals_agree(out: str) -> None:
    """Each line is as wide for a terminal as Rich laid it out: the columns after a
    title start in the same cell on screen as in Rich's layout."""
    for line in out.splitlines():
        assert terminal_width(line) == cell_len(line), line


@pytest.mark.parametrize("width", WIDTHS)
def test_timeline_rows_line_up_whatever_the_script(width: int) -> None:
    """An emoji title (❤️) put its row's bar one cell off in a terminal."""
    portfolio = portfolio_in_every_script()
    window = make_chart(list(portfolio.initiatives), TODAY)
    out = rendered(lambda c: print_chart(c, window, TODAY), width)
    assert_terminals_agree(out)
    rows = [line for line in out.splitlines() if "%" in line]
    assert len(rows) == len(SCRIPT_TITLES) + 3, out
    assert len({terminal_width(row[: row.index("%")]) for row in rows}) == 1, out


@pytest.mark.parametrize("width", WIDTHS)
def test_tables_line_up_whatever_the_script(width: int) -> None:
    portfolio = portfolio_in_every_script()
    items = list(portfolio.initiatives)
    assert_terminals_agree(rendered(lambda c: print_initiatives(c, items, portfolio), width))
    report = build_report(portfolio, today=TODAY, quarter=Q1_2025, by="owner")
    assert_terminals_agree(rendered(lambda c: print_report(c, report), width))
    for item in items[-len(SCRIPT_TITLES) :]:
        shown = rendered(lambda c, item=item: print_initiative(c, item, portfolio), width)
        assert_terminals_agree(shown)


def test_plain_lines_pad_by_cells_not_characters() -> None:
    """The plain report (past 200 rows) and `stale` pad columns with spaces: a CJK or
    accented owner counted by characters pushed the next column out."""
    portfolio = portfolio_in_every_script()
    report = build_report(portfolio, today=TODAY, quarter=Q1_2025, by="owner")
    out = StringIO()
    print_report_plain(out, report, None)
    summary = out.getvalue().split("\n\n")[1].splitlines()
    assert len(summary) == len(report.groups) + 2
    assert len({terminal_width(line) for line in summary}) == 1, summary  # right-aligned numbers
    stale = stale_lines(stale_initiatives(portfolio, portfolio.initiatives, TODAY))
    rows = [line for line in stale[1:-1] if "script-" in line]
    assert len(rows) == len(SCRIPT_TITLES), stale
    starts = {terminal_width(line[: line.index("script-")]) for line in rows}
    assert starts == {terminal_width(stale[0][: stale[0].index("Initiative")])}, stale


@pytest.mark.subprocess
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (.ci/run installs it)")
def test_in_a_real_terminal_timeline_rows_line_up_whatever_the_script(tmp_path: Path) -> None:
    """Each row of `timeline`, up to its percentage, typed into tmux: the cursor ends in
    the same column on every row, the one Rich laid out (❤️ ended one cell short)."""
    assert TMUX is not None
    assert VZWATCH is not None
    store = tmp_path / "store.toml"
    records = "".join(
        f'\n[[initiatives]]\nid = "script-{n}"\ntitle = "{title}"\ntimeline = "Q4 2024 - Q2 2025"\n'
        for n, title in enumerate(SCRIPT_TITLES)
    )
    store.write_text(BUNDLED.read_text(encoding="utf-8") + records, encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    chart = subprocess.run(
        [VZWATCH, "timeline", "--today", "2025-03-31", "--file", str(store)],
        env={**env, "COLUMNS": "100"}, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    prefixes = [line[: line.index("%") + 1] for line in chart.splitlines() if "%" in line]
    assert len(prefixes) == len(SCRIPT_TITLES) + 3, chart
    (tmp_path / "rows.txt").write_text("\n".join(prefixes) + "\n", encoding="utf-8")
    socket = str(tmp_path / "tmux.sock")
    columns = tmp_path / "columns.txt"
    script = tmp_path / "measure.sh"
    script.write_text(
        f'while IFS= read -r row; do printf "\\r\\033[K%s" "$row"; sleep 0.1;\n'
        f"  {TMUX} -S {socket} display -p '#{{cursor_x}}' >> {columns};\n"
        f"done < {tmp_path}/rows.txt\n"
        f"echo done >> {columns}; sleep 30\n",
        encoding="utf-8",
    )
    tmux = [TMUX, "-S", socket]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "scripts", "-x", "120", "-y", "40", f"sh {script}"],
        env=env, check=True, timeout=30,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            columns.exists() and "done" in columns.read_text(encoding="utf-8")
        ):
            time.sleep(0.2)
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, check=False, timeout=30)
    measured = columns.read_text(encoding="utf-8").split()
    assert measured[-1] == "done", measured
    assert measured[:-1] == [str(cell_len(prefixes[0]))] * len(prefixes), (measured, prefixes)
