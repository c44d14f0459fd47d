"""Hostile text in every field and every output: printed literally or refused with exit 2,
nothing raw reaches a terminal, every format stays valid."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import icalendar
import pytest

from tests.helpers import Vz, child_env, vzwatch_command
from vzwatch.domain.errors import ExitCode

MARKUP = ["[red]x[/]", "[/]", ":skull:", "[link=http://evil]click[/link]", "[bold"]
CONTROL = [
    "\x1b[31mred",  # ANSI colour
    "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]0;title\x07",  # OSC window title
    "nul\x00byte",
    "bidi\u202eoverride",
    "c1\x9bcsi",
    "bell\x07",
]


ARGV_CONTROL = [text for text in CONTROL if "\x00" not in text]  # argv cannot carry NUL
# Bytes a terminal would obey if they reached it raw.
RAW_DANGER = ["\x1b", "\x00", "\x07", "\x9b", "\u202e"]


def assert_refused_cleanly(stderr: str, store: Path, before: bytes) -> None:
    """One error line with nothing a terminal would obey, and the store untouched."""
    assert stderr.count("\n") == 1
    for danger in RAW_DANGER:
        assert danger not in stderr
    assert store.read_bytes() == before


OUTPUTS = [
    ["list"],
    ["show", "hostile"],
    ["list", "--json"],
    ["list", "--format", "jsonl"],
    ["list", "--format", "csv"],
    ["list", "--format", "markdown"],
    ["due", "--quarter", "Q1-2026"],
]


@pytest.mark.parametrize("text", MARKUP)
def test_markup_is_printed_literally_everywhere(vz: Vz, text: str) -> None:
    added = vz("add", text, "--timeline", "Q1 2026", "--id", "hostile", "--objective", text)
    assert added.returncode == ExitCode.OK, added.stderr
    shown = vz("show", "hostile")
    assert text in shown.stdout
    listed = json.loads(vz("list", "--json").stdout)
    assert [item["title"] for item in listed if item["id"] == "hostile"] == [text]
    table = vz("list", env={"COLUMNS": "200"})
    assert text in table.stdout


@pytest.mark.parametrize("field", ["title", "--objective", "--partner", "--tag", "--timeline"])
@pytest.mark.parametrize("text", ARGV_CONTROL)
def test_control_characters_are_refused_on_input(
    store: Path, vz: Vz, field: str, text: str
) -> None:
    before = store.read_bytes()
    args = ["add", "Title", "--timeline", "Q1 2026"]
    if field == "title":
        args[1] = text
    elif field == "--timeline":
        args[3] = "Q1 2026" + text
    else:
        args += [field, text]
    result = vz(*args)
    assert result.returncode == ExitCode.USAGE
    assert_refused_cleanly(result.stderr, store, before)


def test_invalid_utf8_from_argv_is_refused(store: Path, tmp_path: Path) -> None:
    before = store.read_bytes()
    result = subprocess.run(
        [*vzwatch_command(), "add", b"bad \xff\xfe bytes", "--timeline", "Q1 2026"],
        env=child_env(store, tmp_path),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.USAGE
    assert b"\xff" not in result.stderr
    assert result.stderr.count(b"\n") == 1
    assert store.read_bytes() == before


# Text that tries to become markup, XML/HTML elements, ICS properties or table cells.
INJECTION = '</text><script>alert(1)</script><a href="x" onload="evil()">&amp;]]>'
ICS_INJECTION = "line\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected;x,y\\"


def toml_string(value: str) -> str:
    """A TOML basic string (it takes JSON-style escapes)."""
    return json.dumps(value)


@pytest.fixture
def hostile_store(store: Path) -> Path:
    """A store a person (or another tool) wrote with hostile strings in every field."""
    evil = "".join(CONTROL)
    title = f"[red]T[/] {INJECTION} {evil}"
    text = store.read_text(encoding="utf-8").replace(
        'title = "Japan\'s diplomatic initiatives for democratic restoration in Venezuela"',
        f"title = {toml_string('[bold]P[/] ' + INJECTION + evil)}",
    )
    text += (
        "\n[[pillars]]\n"
        'id = "evil-pillar"\n'
        f"name = {toml_string('[red]Pillar[/] ' + INJECTION + evil)}\n"
        f"description = {toml_string(evil)}\n"
        "\n[[initiatives]]\n"
        'id = "hostile"\n'
        f"title = {toml_string(title)}\n"
        f"objective = {toml_string(ICS_INJECTION + evil)}\n"
        'timeline = "Q1 2026"\n'
        'pillar = "evil-pillar"\n'
        'status = "active"\n'
        f"partners = {json.dumps(['=cmd|calc', evil, INJECTION])}\n"
        f"tags = {json.dumps([evil, 'a,b;c'])}\n"
        f"source = {toml_string(evil)}\n"
    )
    for day, percent in (("2025-01-01", 5), ("2025-06-01", 20)):
        text += (
            "\n[[progress]]\n"
            'initiative = "hostile"\n'
            f"date = {day}\n"
            f"percent = {percent}\n"
            f"note = {toml_string(INJECTION + ICS_INJECTION + evil)}\n"
        )
    for field, old, new in (("status", evil + "|x", "active"), (evil, evil, evil)):
        text += (
            "\n[[history]]\n"
            'initiative = "hostile"\n'
            "date = 2025-06-02\n"
            f"field = {toml_string(field)}\n"
            f"from = {toml_string(old)}\n"
            f"to = {toml_string(new)}\n"
        )
    store.write_text(text, encoding="utf-8")
    return store


TODAY = ["--today", "2026-02-01"]
REPORT = ["report", "--quarter", "Q1-2026", "--since", "2025-01-01", *TODAY]
OUTPUTS += [
    ["timeline", *TODAY],
    ["export", "--format", "ics"],
    ["export", "--format", "json"],
    ["export", "--format", "csv"],
    ["export", "--format", "markdown"],
    REPORT,
    [*REPORT, "--by", "partner"],
    [*REPORT, "--by", "status"],
    [*REPORT, "--json"],
    [*REPORT, "--format", "jsonl"],
    [*REPORT, "--format", "csv"],
    [*REPORT, "--format", "markdown"],
]


@pytest.mark.parametrize("command", OUTPUTS, ids=lambda c: " ".join(c))
def test_nothing_raw_reaches_the_terminal(hostile_store: Path, vz: Vz, command: list[str]) -> None:
    result = vz(*command, env={"COLUMNS": "200"})
    assert result.returncode == ExitCode.OK, result.stderr
    # The hostile record is there, its markup printed literally (Markdown escapes it).
    assert "[red]T[/]" in result.stdout or r"\[red\]T\[/\]" in result.stdout
    for danger in RAW_DANGER:
        assert danger not in result.stdout, (danger, command)
        assert danger not in result.stderr, (danger, command)


def test_formats_stay_valid_with_hostile_text(hostile_store: Path, vz: Vz) -> None:
    items = json.loads(vz("list", "--json").stdout)
    hostile = next(item for item in items if item["id"] == "hostile")
    assert "\x1b]8;;http://evil" in hostile["objective"]  # the value is kept exactly
    lines = vz("list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines][-1] == "hostile"
    rows = list(csv.DictReader(io.StringIO(vz("list", "--format", "csv").stdout)))
    assert rows[-1]["partners"].startswith("'=cmd|calc; ")
    markdown = vz("list", "--format", "markdown").stdout.splitlines()
    assert len({line.count(" | ") for line in markdown if line.startswith("| ")}) == 1


def test_a_five_thousand_character_title_and_sixty_partners(vz: Vz) -> None:
    title = "Long " * 1000
    partners = [arg for n in range(60) for arg in ("--partner", f"Partner {n}")]
    added = vz("add", title, "--timeline", "Q1 2026", "--id", "long", *partners)
    assert added.returncode == ExitCode.OK, added.stderr
    shown = json.loads(vz("show", "long", "--json").stdout)
    assert (len(shown["title"]), len(shown["partners"])) == (len(title.strip()), 60)
    assert vz("list").returncode == ExitCode.OK
    assert vz("show", "long").returncode == ExitCode.OK


# --- every format stays valid ---------------------------------------------------------


def markdown_tables(text: str) -> list[list[str]]:
    """The tables of a Markdown document: runs of lines starting with '|'."""
    tables: list[list[str]] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def cells(row: str) -> int:
    """Cells of a Markdown table row: pipes not escaped with a backslash."""
    return len(re.findall(r"(?<!\\)\|", row)) - 1


@pytest.mark.parametrize(
    "command",
    [["list", "--format", "markdown"], [*REPORT, "--format", "markdown"]],
    ids=["list", "report"],
)
def test_markdown_tables_keep_their_shape(hostile_store: Path, vz: Vz, command: list[str]) -> None:
    result = vz(*command)
    tables = markdown_tables(result.stdout)
    assert tables
    for table in tables:
        assert len({cells(row) for row in table}) == 1, table
    assert "<script>" not in result.stdout  # HTML in a cell is escaped, never live


def test_report_data_formats_keep_the_values(hostile_store: Path, vz: Vz) -> None:
    title = next(
        item["title"] for item in json.loads(vz("list", "--json").stdout) if item["id"] == "hostile"
    )
    report = json.loads(vz(*REPORT, "--json").stdout)
    assert title in [item["title"] for item in report["initiatives"]]
    changes = [c for c in report["changes"] if c["initiative"] == "hostile"]
    assert {c["kind"] for c in changes} == {"progress", "status"}
    status = [c for c in changes if c["kind"] == "status"]
    assert status[0]["from"].startswith("\x1b[31mred")  # the value, exactly
    for line in vz(*REPORT, "--format", "jsonl").stdout.splitlines():
        json.loads(line)
    rows = list(csv.reader(io.StringIO(vz(*REPORT, "--format", "csv").stdout)))
    assert len({len(row) for row in rows}) == 1
    assert any(row[2].startswith("[red]T[/]") for row in rows)


SVG = "{http://www.w3.org/2000/svg}"
SVG_ELEMENTS = {"svg", "title", "rect", "text", "line", "g", "polygon"}
SVG_ATTRIBUTES = {
    "xmlns", "version", "width", "height", "viewBox", "font-family", "font-size", "role",
    "aria-label", "x", "y", "x1", "y1", "x2", "y2", "rx", "fill", "stroke", "stroke-width",
    "stroke-dasharray", "text-anchor", "font-weight", "points",
}  # fmt: skip


def test_svg_stays_well_formed_and_inert(hostile_store: Path, tmp_path: Path, vz: Vz) -> None:
    picture = tmp_path / "chart.svg"
    result = vz("timeline", "--svg", str(picture), *TODAY)
    assert result.returncode == ExitCode.OK, result.stderr
    raw = picture.read_text(encoding="utf-8")
    for danger in RAW_DANGER:
        assert danger not in raw
    root = ElementTree.fromstring(raw)
    elements = list(root.iter())
    assert {element.tag.removeprefix(SVG) for element in elements} <= SVG_ELEMENTS
    for element in elements:
        assert set(element.attrib) <= SVG_ATTRIBUTES, element.attrib
    texts = [text for element in elements for text in element.itertext()]
    # The hostile title is one text node, printed literally (control characters escaped).
    assert any("[red]T[/] </text><script>alert(1)</script>" in text for text in texts)
    assert any("\\x1b[31mred" in text for text in texts)


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def test_html_page_stays_inert(hostile_store: Path, tmp_path: Path, vz: Vz) -> None:
    page = tmp_path / "chart.html"
    result = vz("timeline", "--html", str(page), *TODAY)
    assert result.returncode == ExitCode.OK, result.stderr
    raw = page.read_text(encoding="utf-8")
    for danger in RAW_DANGER:
        assert danger not in raw
    parser = TagCollector()
    parser.feed(raw)
    parser.close()
    page_elements = {"html", "head", "meta", "title", "style", "body", "p"}
    assert {tag for tag, _ in parser.tags} <= SVG_ELEMENTS | page_elements
    for tag, attributes in parser.tags:
        assert tag != "script"
        assert not [name for name, _ in attributes if name.startswith("on") or name == "href"]
    assert any("<script>alert(1)</script>" in text for text in parser.data)  # as text


@pytest.mark.parametrize("tasks", [False, True], ids=["events", "tasks"])
def test_ics_parses_and_carries_no_raw_control_characters(
    hostile_store: Path, tmp_path: Path, vz: Vz, tasks: bool
) -> None:
    exported = tmp_path / "out.ics"
    result = vz(
        "export", "--format", "ics", "--output", str(exported), *(["--tasks"] if tasks else [])
    )
    assert result.returncode == ExitCode.OK, result.stderr
    raw = exported.read_bytes().decode("utf-8")
    # Only CRLF line ends (and the tab-free folding space) may be control characters.
    assert not re.search(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]", raw)
    assert re.search(r"(?<!\r)\n", raw) is None
    calendar = icalendar.Calendar.from_ical(raw.encode("utf-8"))
    entries = [c for c in calendar.walk() if c.name in ("VEVENT", "VTODO")]
    listed = json.loads(vz("list", "--json").stdout)
    milestones = [f"{m['id']}.milestone@vzwatch" for i in listed for m in i["milestones"]]
    assert sorted(str(e["UID"]) for e in entries) == sorted(
        [*(f"{i['id']}@vzwatch" for i in listed), *milestones]
    )
    hostile = next(e for e in entries if str(e["UID"]) == "hostile@vzwatch")
    assert str(hostile["SUMMARY"]).startswith("[red]T[/] </text><script>")
    assert "\\x1b[31mred" in str(hostile["SUMMARY"])
    assert "END:VEVENT" in str(hostile["DESCRIPTION"])  # inside the text, not a new entry
    assert "injected" not in [str(e.get("SUMMARY")) for e in entries]
    assert str(calendar["X-WR-CALNAME"]).startswith("[bold]P[/] </text>")


def test_show_prints_hostile_progress_notes_and_history_escaped(
    hostile_store: Path, vz: Vz
) -> None:
    shown = vz("show", "hostile", env={"COLUMNS": "250"})
    assert shown.returncode == ExitCode.OK, shown.stderr
    assert "Ledger" in shown.stdout  # progress and history, in date order
    assert "announced:" in shown.stdout
    assert "<script>alert(1)</script>" in shown.stdout
    assert "\\x1b[31mred" in shown.stdout
    for danger in RAW_DANGER:
        assert danger not in shown.stdout


# --- hostile input: refused with exit 2, or stored and printed literally --------------


@pytest.mark.parametrize("text", ARGV_CONTROL)
def test_progress_notes_with_control_characters_are_refused(store: Path, vz: Vz, text: str) -> None:
    before = store.read_bytes()
    result = vz("progress", "election", "30", "--note", text, "--date", "2025-01-02")
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.startswith("vzwatch: error: note contains a control or invisible")
    assert_refused_cleanly(result.stderr, store, before)


@pytest.mark.parametrize("text", MARKUP)
def test_progress_notes_with_markup_are_kept_literally(vz: Vz, text: str) -> None:
    result = vz("progress", "election", "30", "--note", text, "--date", "2025-01-02")
    assert result.returncode == ExitCode.OK, result.stderr
    shown = json.loads(vz("show", "election", "--json").stdout)
    assert [entry["note"] for entry in shown["progress_log"]][-1] == text
    assert text in vz("show", "election", env={"COLUMNS": "200"}).stdout
    report = vz("report", "--quarter", "Q1-2025", "--today", "2025-03-31", env={"COLUMNS": "200"})
    assert text in report.stdout


EDIT_FIELDS = ["--title", "--objective", "--timeline", "--pillar", "--add-partner", "--add-tag"]


@pytest.mark.parametrize("field", EDIT_FIELDS)
@pytest.mark.parametrize("text", ARGV_CONTROL[:3] + ARGV_CONTROL[4:5])
def test_edit_refuses_control_characters_in_every_field(
    store: Path, vz: Vz, field: str, text: str
) -> None:
    before = store.read_bytes()
    result = vz("edit", "election", field, f"x {text}")
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert_refused_cleanly(result.stderr, store, before)


def test_progress_note_of_invalid_utf8_is_refused(store: Path, tmp_path: Path) -> None:
    before = store.read_bytes()
    result = subprocess.run(
        [*vzwatch_command(), "progress", "election", "5", "--note", b"bad \xff bytes"],
        env=child_env(store, tmp_path),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.USAGE
    assert b"\xff" not in result.stderr
    assert result.stderr.count(b"\n") == 1
    assert store.read_bytes() == before


def hostile_article() -> str:
    evil_header = "Aspect \x1b[2J | Notes \u202e"
    rows = [
        "| [red]Literal[/] <b>markup</b> | =SUM(A1) and [link=x]y[/link] | Q1 2026 |",
        "| Red \x1b[31m title | fine | Q1 2026 |",
        "| Link \x1b]8;;http://evil\x1b\\here\x1b]8;;\x1b\\ | fine | Q2 2026 |",
        "| Bidi \u202eevil | fine | Q2 2026 |",
        "| Objective bad | \x9b31m c1 | Q2 2026 |",
        "| Timeline bad | fine | Q5 2026 \x1b]0;title\x07 |",
    ]
    return (
        "# Article\n\n"
        f"| {evil_header} |\n|---|---|\n| a | b |\n\n"
        "| Initiative | Objective | Timeline |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def test_import_of_a_hostile_markdown_table(store: Path, tmp_path: Path, vz: Vz) -> None:
    article = tmp_path / "article.md"
    article.write_text(hostile_article(), encoding="utf-8")
    before = store.read_bytes()
    refused = vz("import", str(article), "--dry-run")
    assert refused.returncode == ExitCode.USAGE
    errors = refused.stderr.splitlines()
    # A note for the skipped table, a line per bad row, and the summary.
    assert len(errors) == 1 + 5 + 1, refused.stderr
    assert "5 rows are invalid; nothing was imported" in errors[-1]
    listing = vz("import", str(article), "--dry-run", "--skip-invalid")
    assert listing.returncode == ExitCode.OK, listing.stderr
    assert "[red]Literal[/] <b>markup</b>" in listing.stdout
    for result in (refused, listing):
        for danger in RAW_DANGER:
            assert danger not in result.stdout + result.stderr, danger
    assert store.read_bytes() == before  # a dry run writes nothing
    imported = vz("import", str(article), "--skip-invalid")
    assert imported.returncode == ExitCode.OK, imported.stderr
    stored = json.loads(vz("list", "--json").stdout)
    literal = [item for item in stored if item["title"].startswith("[red]Literal")]
    assert [item["objective"] for item in literal] == ["=SUM(A1) and [link=x]y[/link]"]
    assert len(stored) == 4  # the one valid row, and nothing else


def test_validate_messages_show_hostile_values_escaped(store: Path, vz: Vz) -> None:
    evil = "".join(ARGV_CONTROL)
    with store.open("a", encoding="utf-8") as handle:
        handle.write(
            f"\n[[initiatives]]\nid = {toml_string('bad' + evil)}\ntitle = 'x'\n"
            "timeline = 'Q1 2025'\n"
            f"\n[[initiatives]]\nid = 'ok-id'\ntitle = 'y'\n"
            f"timeline = {toml_string('Q9' + evil)}\n"
            f"pillar = {toml_string(evil)}\n"
            f"\n[[progress]]\ninitiative = {toml_string(evil)}\ndate = 2025-01-01\npercent = 5\n"
        )
    for args in (["validate"], ["validate", "--json"], ["list"]):
        result = vz(*args)
        assert result.returncode in (ExitCode.FOUND, ExitCode.STORE), result.stderr
        for danger in RAW_DANGER:
            assert danger not in result.stdout + result.stderr, (args, danger)
        assert "Traceback" not in result.stderr
    lines = vz("validate").stdout.splitlines()
    assert len(lines) == 3, lines
    assert all(line.startswith(f"{store}:") for line in lines)


def test_merge_driver_messages_show_hostile_values_escaped(store: Path, tmp_path: Path) -> None:
    evil = "".join(ARGV_CONTROL)
    base = store.read_text(encoding="utf-8")
    versions = {}
    for side, title in (("ours", "Ours " + evil), ("theirs", "Theirs [red]x[/] " + evil)):
        versions[side] = tmp_path / f"{side}.toml"
        versions[side].write_text(
            base.replace('"Election Oversight Missions"', toml_string(title)), encoding="utf-8"
        )
    (tmp_path / "base.toml").write_text(base, encoding="utf-8")
    result = subprocess.run(
        [
            *vzwatch_command(),
            "merge-driver",
            str(tmp_path / "base.toml"),
            str(versions["ours"]),
            str(versions["theirs"]),
            "data/initiatives\x1b[31m.toml",
        ],
        env=child_env(store, tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitCode.CONFLICT, result.stderr
    assert "title changed on both sides" in result.stderr
    assert "[red]x[/]" in result.stderr
    for danger in RAW_DANGER:
        assert danger not in result.stdout + result.stderr, danger
