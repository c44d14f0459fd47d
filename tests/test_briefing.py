"""`report --format html`: the briefing people open, checked as a browser shows it.

Headless Chromium renders the page (a screenshot), prints it to PDF (A4) and
dumps the DOM it built; pdftotext reads the PDF as a reader would. User text
is hostile on purpose: it must arrive as text, never as markup.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser import dump_dom, pdf_info, pdf_text, print_pdf, screenshot
from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode

TODAY = ("--today", "2025-03-31")
HOSTILE = '<script>alert(1)</script> & "Q" </table><img src=x onerror=alert(2)> [red]x'
TITLES = (
    "Humanitarian Aid Programs",
    "International Dialogue Forums",
    "Election Oversight Missions",
)


@pytest.fixture
def recorded(run: RunCli) -> RunCli:
    """The bundled store with a quarter's progress and one hostile initiative."""
    for args in (
        ("election", "10", "--note", "Advance team in Caracas", "--date", "2025-01-20"),
        ("election", "40", "--note", "Teams deployed <b>12</b>", "--date", "2025-02-20"),
        ("hum", "30", "--date", "2025-03-15"),
        ("inter", "80", "--date", "2024-12-20"),
    ):
        assert run("progress", *args, *TODAY).exit_code == ExitCode.OK
    added = run(
        "add",
        HOSTILE,
        "--timeline",
        "Q1 2025",
        "--pillar",
        "election-monitoring",
        "--id",
        "hostile",
    )
    assert added.exit_code == ExitCode.OK, added.stderr
    assert (
        run(
            "progress", "hostile", "20", "--note", HOSTILE, "--date", "2025-03-01", *TODAY
        ).exit_code
        == 0
    )
    return run


def briefing(run: RunCli, tmp_path: Path, *args: str) -> Path:
    page = tmp_path / "briefing" / "briefing.html"
    page.parent.mkdir(exist_ok=True)
    result = run(
        "report", "--quarter", "Q1-2025", "--format", "html", "--output", str(page), *TODAY, *args
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"wrote {page}\n"
    return page


class Elements(HTMLParser):
    """Every start tag and its attributes, as an HTML parser reads the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(document: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(document)
    return parser.tags


def test_the_page_is_self_contained_and_escapes_user_text(recorded: RunCli, tmp_path: Path) -> None:
    document = briefing(recorded, tmp_path).read_text(encoding="utf-8")
    tags = elements(document)
    names = {name for name, _ in tags}
    assert {"style", "svg", "table"} <= names
    assert not names & {"script", "img", "link", "iframe", "object", "embed"}
    assert not any(
        key.startswith("on") or key in ("src", "href") for _, attrs in tags for key in attrs
    )
    assert "url(" not in document
    assert "@import" not in document
    # The only URLs are the SVG's XML namespace names, which nothing fetches.
    assert set(re.findall(r"https?://[^\s\"']+", document)) == {"http://www.w3.org/2000/svg"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Q&quot; &lt;/table&gt;" in document


def test_stdout_without_output(recorded: RunCli) -> None:
    result = recorded("report", "-Q", "Q1-2025", "--format", "html", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "Changes since 2025-01-01" in result.stdout


def test_output_and_json_need_html(run: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "x.html"
    for args in (("--output", str(target)), ("--format", "markdown", "--output", str(target))):
        result = run("report", *args)
        assert result.exit_code == ExitCode.USAGE
        assert result.stderr.count("\n") == 1
        assert "--output applies to --format html only" in result.stderr
    result = run("report", "--format", "html", "--json")
    assert result.exit_code == ExitCode.USAGE
    assert "--json and --format html disagree" in result.stderr
    assert not target.exists()


def test_output_never_overwrites_the_store(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("report", "--format", "html", "--output", str(store))
    assert result.exit_code != ExitCode.OK
    assert result.stderr.count("\n") == 1
    assert store.read_bytes() == before


@pytest.mark.browser
def test_chromium_shows_every_initiative_and_the_hostile_title_as_text(
    recorded: RunCli, tmp_path: Path
) -> None:
    dom = dump_dom(briefing(recorded, tmp_path))
    tags = elements(dom)
    assert not {name for name, _ in tags} & {"script", "img"}
    text = re.sub(r"<[^>]+>", " ", dom)
    for title in TITLES:
        assert title in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # text, as the browser holds it
    assert "Progress report for Q1-2025 · as of 2025-03-31" in text
    assert "behind by 59 points" in text
    assert "Q2-2025 (late)" in text
    assert "Teams deployed &lt;b&gt;12&lt;/b&gt;" in dom


@pytest.mark.browser
def test_prints_to_an_a4_briefing_that_holds_every_initiative(
    recorded: RunCli, tmp_path: Path
) -> None:
    page = briefing(recorded, tmp_path)
    pdf = print_pdf(page, tmp_path / "briefing.pdf")
    info = pdf_info(pdf)
    assert "(A4)" in info["Page size"]
    words = " ".join(pdf_text(pdf).split())
    for title in (
        *TITLES,
        "Japan's diplomatic initiatives for democratic restoration in Venezuela",
    ):
        assert title in words
    assert '<script>alert(1)</script> & "Q" </table><img src=x onerror=alert(2)> [red]x' in words
    assert "as of 2025-03-31" in words
    assert "Changes since 2025-01-01" in words


@pytest.mark.browser
def test_printed_rows_are_never_cut_across_pages(run: RunCli, tmp_path: Path) -> None:
    """A store long enough for several pages: each row's title and id stay on one page.

    The titles are longer than the timeline's labels, so in full they are only in the table.
    """
    for number in range(60):
        added = run(
            "add",
            f"Regional programme for the Andean region, number {number:02d}",
            "--timeline",
            "Q1 2025",
            "--id",
            f"row-{number:02d}",
        )
        assert added.exit_code == ExitCode.OK, added.stderr
    pdf = print_pdf(briefing(run, tmp_path), tmp_path / "long.pdf")
    pages = int(pdf_info(pdf)["Pages"])
    assert pages >= 2
    seen = set()
    for number in range(1, pages + 1):
        text = pdf_text(pdf, page=number)
        text = " ".join(text.split())
        for row in range(60):
            title = f"Regional programme for the Andean region, number {row:02d}"
            row_id = f"row-{row:02d}"
            if title in text:
                assert row_id in text, f"{title} is cut at the end of page {number}"
                seen.add(row)
        if "row-" in text:
            assert "Initiative" in text
            assert "Health" in text
    assert seen == set(range(60))


@pytest.mark.browser
def test_screenshot_of_a_clean_briefing(recorded: RunCli, tmp_path: Path) -> None:
    png = screenshot(briefing(recorded, tmp_path), tmp_path / "briefing.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000  # a page with content, not a blank one


@pytest.mark.subprocess
def test_start_up_goals_hold(tmp_path: Path) -> None:
    """The HTML briefing loads no Rich; other commands load neither it nor Mermaid's writer."""
    import shutil

    from tests.helpers import BUNDLED
    from tests.test_cli_lazy import loaded_after

    store = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, store)
    html = loaded_after(
        "from vzwatch.cli import main\nmain(['report', '--format', 'html'])", store, tmp_path
    )
    assert "vzwatch.formats.briefing" in html
    assert not {m for m in html if m == "rich" or m.startswith(("rich.", "vzwatch.render"))}
    listed = loaded_after("from vzwatch.cli import main\nmain(['list', '--json'])", store, tmp_path)
    for module in (
        "vzwatch.formats.briefing",
        "vzwatch.formats.mermaid",
        "vzwatch.domain.combined",
    ):
        assert module not in listed


@pytest.mark.browser
def test_blocked_bars_are_marked_in_the_briefing_and_the_timeline_page(
    run: RunCli, tmp_path: Path
) -> None:
    """The bundled election missions wait for the dialogue forums (the blocked rule)."""
    as_of = ("--today", "2025-02-14")
    page = briefing(run, tmp_path, *as_of)
    chart = tmp_path / "briefing" / "timeline.html"
    assert run("timeline", "--html", str(chart), *as_of).exit_code == ExitCode.OK
    for shown in (page, chart):
        text = " ".join(re.sub(r"<[^>]+>", " ", dump_dom(shown)).split())
        assert "Election Oversight Missions (Q1 2025): planned, 0% done, blocked" in text
        assert text.count("⊘ blocked") == 2  # the mark after the bar, and the legend
        assert "⊘ blocked: a dependency is unfinished" in text
    words = " ".join(pdf_text(print_pdf(page, tmp_path / "blocked.pdf")).split())
    assert "⊘ blocked: a dependency is unfinished" in words


@pytest.mark.browser
def test_the_briefing_cites_its_sources_as_numbered_footnotes(run: RunCli, tmp_path: Path) -> None:
    """As the Markdown briefing does: a number after each cited title and change, the
    sources listed at the end (as text: the page links to nothing)."""
    added = run(
        "source",
        "add",
        "Kyodo News",
        "--title",
        "Observers arrive",
        "--published",
        "2025-02-10",
        "--url",
        "https://example.org/kyodo/observers",
    )
    assert added.exit_code == ExitCode.OK, added.stderr
    cited = ("election", "30", "--note", "Observers deployed", "--source", "kyodo-news")
    assert run("progress", *cited, "--date", "2025-02-10", *TODAY).exit_code == ExitCode.OK
    page = briefing(run, tmp_path)
    assert not any("href" in attrs for _, attrs in elements(page.read_text(encoding="utf-8")))
    words = " ".join(pdf_text(print_pdf(page, tmp_path / "cited.pdf")).split())
    assert "Election Oversight Missions [1]" in words  # a superscript, as pdftotext reads it
    assert "progress 30% [2] Observers deployed" in words
    # Each group's promises vs delivery, as in the Markdown briefing.
    assert words.count("Promises vs delivery: kept on time 0") == 3
    sources = words[words.index("Sources") :]
    assert sources.startswith(
        "Sources 1. Japan Wire, citing Kyodo News, “Japan Commits to Diplomatic Initiatives "
        "Aimed at Democratic Restoration in Venezuela” 2. Kyodo News, 2025-02-10, "
        "“Observers arrive”, https://example.org/kyodo/observers"
    )
    markdown = run("report", "--quarter", "Q1-2025", "--format", "markdown", *TODAY).stdout
    assert "[^2]: Kyodo News, 2025-02-10, “Observers arrive”" in markdown  # the same numbers
