"""`export --format mermaid` and `timeline --mermaid`, read by the real Mermaid.

The parser alone accepts too much (a stray ``:`` silently cuts a label short),
so each chart is also rendered, in headless Chromium with Mermaid's own npm
bundle, and the bars' labels are compared with what the store holds.
"""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import pytest

from tests.browser import mermaid_render, section_texts, task_texts
from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.text import visible
from vzwatch.formats.mermaid import mermaid_text

TODAY = ("--today", "2025-02-14")

BUNDLED = """\
```mermaid
gantt
    title Japan's diplomatic initiatives for democratic restoration in Venezuela (as of 2025-02-14)
    dateFormat YYYY-MM-DD
    axisFormat %b %Y
    section Humanitarian Support
    Humanitarian Aid Programs (35%) ongoing :active, i1, 2024-07-01, 2025-07-01
    section Election Monitoring
    Election Oversight Missions (15%) :crit, i3, 2025-01-01, 2025-04-01
    section Dialogue Facilitation
    International Dialogue Forums (100%) :done, i2, 2024-07-01, 2025-01-01
```
"""

HOSTILE = [
    "a: b",
    "Item #12; done",
    "#quot; entity",
    "%% not a comment",
    "%x",
    "_% of it",
    "section Fake",
    "title Fake",
    "click me",
    "accTitle: x",
    "dateFormat YYYY",
    "<br>line</b> & &amp;",
    '<script>alert(1)</script> "q"',
    "x}y{z [a] (b) |c| =d",
    "back\\slash ~!@$^*_+?/,.",
    "Ünïcödé – 日本 🙂",
    "after i1",
    "crit, done",
]


def unfenced(chart: str) -> str:
    lines = chart.splitlines()
    assert lines[0] == "```mermaid"
    assert lines[-1] == "```"
    return "\n".join(lines[1:-1]) + "\n"


@pytest.fixture
def recorded(run: RunCli) -> RunCli:
    for args in (("hum", "35"), ("election", "15"), ("inter", "100")):
        assert run("progress", *args, "--date", "2025-02-01", *TODAY).exit_code == ExitCode.OK
    assert run("edit", "hum", "--status", "active", *TODAY).exit_code == ExitCode.OK
    return run


def test_export_is_a_fenced_gantt_chart(recorded: RunCli) -> None:
    result = recorded("export", "--format", "mermaid", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == BUNDLED


def test_chart_mermaid_follows_the_window(recorded: RunCli) -> None:
    result = recorded("timeline", "--mermaid", "--from", "Q1-2025", "--to", "Q2-2025", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "International Dialogue Forums" not in result.stdout  # outside the window
    assert "Humanitarian Aid Programs (35%) ongoing :active, i1, 2025-01-01, 2025-07-01" in (
        result.stdout
    )
    assert "Election Oversight Missions (15%) :crit, i2, 2025-01-01, 2025-04-01" in result.stdout


def test_timeline_mermaid_is_one_form_at_a_time(run: RunCli, tmp_path: Path) -> None:
    for extra in (("--json",), ("--svg", str(tmp_path / "t.svg"))):
        result = run("timeline", "--mermaid", *extra)
        assert result.exit_code == ExitCode.USAGE
        assert result.stderr.count("\n") == 1
        assert "--mermaid prints the chart as text" in result.stderr
    assert not (tmp_path / "t.svg").exists()


def test_export_mermaid_to_a_file(recorded: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "chart.md"
    result = recorded("export", "--format", "mermaid", "--output", str(target), *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert target.read_text(encoding="utf-8") == BUNDLED


def test_labels_hold_no_mermaid_syntax() -> None:
    for title in HOSTILE:
        text = mermaid_text(title)
        assert not set(":;#<>&\n") & set(re.sub(r"#\d+;", "", text)), text
        assert "%" not in text[:2]


def _random_titles(count: int) -> list[str]:
    pool = "aZ 0:;#%&<>\"'`{}[]()|=\\/-_.,!?*~^$@–é日🙂\t"
    chooser = random.Random(17)
    return [
        "".join(chooser.choice(pool) for _ in range(chooser.randint(1, 30))) for _ in range(count)
    ]


@pytest.mark.browser
def test_mermaid_parses_and_draws_the_bundled_chart(recorded: RunCli, tmp_path: Path) -> None:
    export = recorded("export", "--format", "mermaid", *TODAY).stdout
    timeline = recorded("timeline", "--mermaid", *TODAY).stdout
    results = mermaid_render([unfenced(export), unfenced(timeline)], tmp_path)
    for result in results:
        assert result["ok"], result.get("error")
        assert sorted(task_texts(result["svg"])) == [
            "Election Oversight Missions (15%)",
            "Humanitarian Aid Programs (35%) ongoing",
            "International Dialogue Forums (100%)",
        ]
        assert section_texts(result["svg"]) == [
            "Humanitarian Support",
            "Election Monitoring",
            "Dialogue Facilitation",
        ]


@pytest.mark.browser
def test_any_title_reaches_the_chart_as_text(run: RunCli, tmp_path: Path) -> None:
    titles = [*HOSTILE, *_random_titles(40)]
    charts = []
    for title in titles:
        body = (
            f"gantt\n    title {mermaid_text(title)}\n    dateFormat YYYY-MM-DD\n"
            f"    section {mermaid_text(title)}\n"
            f"    {mermaid_text(title + ' (40%)')} :crit, i1, 2025-01-01, 2025-04-01\n"
        )
        charts.append(body)
    results = mermaid_render(charts, tmp_path)
    for title, result in zip(titles, results, strict=True):
        assert result["ok"], (title, result.get("error"))
        shown = " ".join(visible(title).split())
        assert [" ".join(t.split()) for t in task_texts(result["svg"])] == [
            " ".join(f"{shown} (40%)".split())
        ], title
        assert [" ".join(t.split()) for t in section_texts(result["svg"])] == [shown], title


@pytest.mark.browser
def test_a_store_of_hostile_titles_exports_a_chart_mermaid_reads(
    run: RunCli, tmp_path: Path
) -> None:
    for number, title in enumerate(HOSTILE):
        added = run("add", title, "--timeline", "Q1 2025", "--id", f"h{number}")
        assert added.exit_code == ExitCode.OK, (title, added.stderr)
    chart = run("export", "--format", "mermaid", "--status", "planned", *TODAY).stdout
    (result,) = mermaid_render([unfenced(chart)], tmp_path)
    assert result["ok"], result.get("error")
    shown = task_texts(result["svg"])
    for title in HOSTILE:
        assert f"{title} (0%)" in shown


def test_today_is_a_parameter() -> None:
    from vzwatch.domain.chart import make_chart
    from vzwatch.domain.portfolio import Portfolio
    from vzwatch.formats.mermaid import chart_mermaid

    chart = chart_mermaid(make_chart([], date(2025, 2, 14)), Portfolio(()), date(2025, 2, 14))
    assert chart == (
        "```mermaid\ngantt\n    title As of 2025-02-14\n    dateFormat YYYY-MM-DD\n"
        "    axisFormat %b %Y\n```\n"
    )


@pytest.mark.browser
def test_blocked_bars_are_marked_and_mermaid_draws_the_mark(run: RunCli, tmp_path: Path) -> None:
    """The bundled election missions wait for the dialogue forums (the blocked rule)."""
    export = run("export", "--format", "mermaid", *TODAY).stdout
    timeline = run("timeline", "--mermaid", *TODAY).stdout
    for chart in (export, timeline):
        marked = [line.strip() for line in chart.splitlines() if "blocked" in line]
        assert marked == [
            "Election Oversight Missions (0%) ⊘ blocked :crit, i3, 2025-01-01, 2025-04-01"
        ]
    for result in mermaid_render([unfenced(export), unfenced(timeline)], tmp_path):
        assert result["ok"], result.get("error")
        assert sorted(task_texts(result["svg"])) == [
            "Election Oversight Missions (0%) ⊘ blocked",
            "Humanitarian Aid Programs (20%) ongoing",  # from the bundled indicator
            "International Dialogue Forums (0%)",
        ]
    # Once the forums are done nothing waits: no mark.
    assert run("progress", "inter", "100", "--date", "2025-01-05", *TODAY).exit_code == 0
    assert "blocked" not in run("export", "--format", "mermaid", *TODAY).stdout


def test_the_chart_says_the_day_it_is_as_of(run: RunCli) -> None:
    for command in (("export", "--format", "mermaid"), ("timeline", "--mermaid")):
        lines = run(*command, "--today", "2025-03-31").stdout.splitlines()
        assert lines[2] == (
            "    title Japan's diplomatic initiatives for democratic restoration in Venezuela"
            " (as of 2025-03-31)"
        )
