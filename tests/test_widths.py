"""Every width from 40 columns up: what each table keeps, pinned on a fixed console
(``Console(width=N, file=StringIO())``), and once in a real terminal (tmux)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.helpers import BUNDLED
from vzwatch.domain.chart import make_chart
from vzwatch.domain.portfolio import Portfolio
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.report import build_report
from vzwatch.operations.reading import load_portfolio
from vzwatch.render.chart import print_chart
from vzwatch.render.console import make_console
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
