"""The SVG picture: well-formed XML, user text escaped, nothing executable."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import SEED
from vzwatch.domain.chart import make_chart
from vzwatch.formats.svg import chart_html, chart_svg

TODAY = date(2025, 2, 14)
SVG = "{http://www.w3.org/2000/svg}"


def texts(document: str) -> list[str]:
    return ["".join(node.itertext()) for node in ET.fromstring(document).iter(f"{SVG}text")]


def test_svg_is_well_formed_and_shows_every_initiative() -> None:
    document = chart_svg(make_chart(SEED, TODAY), TODAY, title="Japan & Venezuela")
    root = ET.fromstring(document)
    assert root.tag == f"{SVG}svg"
    shown = texts(document)
    assert "Japan & Venezuela" in shown
    for item in SEED:
        assert item.title in shown
    assert "60%" in shown
    assert any("today 2025-02-14" in text for text in shown)
    assert root.find(f".//{SVG}script") is None
    assert "<script" not in document
    assert "href" not in document


def test_hostile_titles_are_text_not_markup() -> None:
    evil = '</text><script>alert(1)</script><text>&amp; "q" \x1b[31m'
    items = [replace(SEED[0], title=evil)]
    document = chart_svg(make_chart(items, TODAY), TODAY, title=evil)
    assert "<script" not in document
    assert evil.replace("\x1b", "\\x1b")[:30] in "".join(texts(document))


@given(st.text(max_size=60))
def test_any_title_keeps_the_svg_well_formed(title: str) -> None:
    items = [replace(SEED[1], title=title or "x")]
    document = chart_svg(make_chart(items, TODAY), TODAY, title=title)
    ET.fromstring(document)
    ET.fromstring(
        chart_html(make_chart(items, TODAY), TODAY, title=title)
        .split("<body>\n")[1]
        .split("<p>")[0]
    )


def test_an_empty_window_is_still_a_picture() -> None:
    document = chart_svg(make_chart([], TODAY), TODAY)
    assert "No initiatives" in "".join(texts(document))


def test_a_blocked_bar_is_marked_and_the_legend_says_what_the_mark_means() -> None:
    blocked = frozenset({"elections"})
    document = chart_svg(make_chart(SEED, TODAY, blocked=blocked), TODAY)
    root = ET.fromstring(document)
    marks = [node for node in root.iter(f"{SVG}text") if "".join(node.itertext()) == "⊘ blocked"]
    assert len(marks) == 1
    assert "⊘ blocked: a dependency is unfinished" in texts(document)
    tooltips = ["".join(node.itertext()) for node in root.iter(f"{SVG}title")]
    assert [t for t in tooltips if "blocked" in t] == [
        next(t for t in tooltips if t.startswith("Election"))
    ]
    # The mark sits right of the bar and inside the picture.
    width = float(root.get("width") or 0)
    assert all(float(node.get("x") or 0) + 80 <= width for node in marks)
    plain = chart_svg(make_chart(SEED, TODAY), TODAY)
    assert "blocked" not in plain


def test_a_long_title_in_any_script_is_cut_to_the_label_column() -> None:
    """Titles were cut to 38 characters: 38 CJK characters are twice as wide as 38
    Latin letters and ran into the bars. They are cut to 38 cells (a CJK one is two)."""
    titles = ["選挙監視団の派遣と地域の対話フォーラムおよび人道支援の調整会議", "A" * 60]
    items = [replace(SEED[0], id=f"t{n}", title=t) for n, t in enumerate(titles)]
    root = ET.fromstring(chart_svg(make_chart(items, date(2025, 2, 14)), date(2025, 2, 14)))
    labels = [e.text or "" for e in root.iter("{http://www.w3.org/2000/svg}text")]
    cjk = next(label for label in labels if label.startswith("選挙"))
    assert cjk.endswith("…")
    assert 2 * (len(cjk) - 1) + 1 <= 38  # two cells per character, one for the ellipsis
    assert "A" * 37 + "…" in labels
