"""The report as one self-contained HTML briefing, to open in a browser or print.

Everything is inside the file: the CSS, the timeline as inline SVG (the
picture of :mod:`vzwatch.formats.svg`), no script, no font, image or link
fetched from anywhere. A print stylesheet makes the browser's "print to PDF"
an A4 briefing whose tables are never cut inside a row and repeat their
header on a new page. User text is data: HTML-escaped, control characters
shown as ``\\x1b``.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from vzwatch.domain.chart import make_chart
from vzwatch.domain.dependencies import blocked_by
from vzwatch.domain.health import Health
from vzwatch.domain.ledger import source_line
from vzwatch.domain.report import Group, Report
from vzwatch.domain.text import visible
from vzwatch.formats.citations import Footnotes
from vzwatch.formats.report import change_text, percent_text, promises_text
from vzwatch.formats.svg import FONT, chart_svg

__all__ = ["report_html"]

HEALTH_CLASSES = {
    Health.DONE: "good",
    Health.AHEAD: "good",
    Health.ON_TRACK: "good",
    Health.BEHIND: "bad",
    Health.OVERDUE: "bad",
}

STYLE = f"""
:root {{ color-scheme: light; }}
body {{ font-family: {FONT}; color: #111827; background: #ffffff; margin: 2rem auto;
  max-width: 1120px; padding: 0 1.5rem; line-height: 1.4; }}
h1 {{ font-size: 1.6rem; margin: 0 0 .25rem; }}
h2 {{ font-size: 1.2rem; margin: 1.8rem 0 .5rem; border-bottom: 2px solid #e5e7eb;
  padding-bottom: .2rem; }}
.meta {{ color: #4b5563; margin: 0 0 1rem; }}
.note {{ color: #4b5563; font-size: .9rem; }}
figure {{ margin: 1rem 0; }}
figure svg {{ max-width: 100%; height: auto; display: block; }}
table {{ border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }}
th, td {{ text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e5e7eb;
  vertical-align: top; }}
th {{ background: #f3f4f6; font-weight: 600; }}
td.number, th.number {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.number {{ white-space: nowrap; }}
th {{ overflow-wrap: break-word; }}
table.initiatives {{ table-layout: fixed; }}
table.initiatives col.title {{ width: 28%; }}
table.initiatives col.timeline {{ width: 14%; }}
table.initiatives col.status {{ width: 9.5%; }}
table.initiatives col.number {{ width: 10.5%; }}
table.initiatives col.health {{ width: 15%; }}
table.initiatives col.forecast {{ width: 12.5%; }}
tr.total td {{ font-weight: 600; border-top: 2px solid #d1d5db; }}
.health-good {{ color: #15803d; }}
.health-bad {{ color: #b91c1c; font-weight: 600; }}
.id {{ color: #6b7280; font-size: .8rem; display: block; }}
sup.ref {{ color: #4b5563; font-size: .7em; margin-left: .1em; }}
section.sources ol {{ padding-left: 1.6rem; }}
section.sources li {{ overflow-wrap: anywhere; }}
footer {{ color: #6b7280; font-size: .85rem; margin-top: 2rem; }}
@page {{ size: A4; margin: 14mm 12mm; }}
@media print {{
  body {{ margin: 0; padding: 0; max-width: none; font-size: 10pt; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  figure, tr {{ break-inside: avoid; page-break-inside: avoid; }}
  /* A long timeline shrinks to one page: a picture cut across pages reads as two. */
  figure svg {{ width: auto; max-height: 180mm; }}
  table {{ break-inside: auto; }}
  section.group {{ break-inside: avoid; page-break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  /* On paper the columns take what their words need: no header broken mid-word. */
  table.initiatives {{ table-layout: auto; }}
  th {{ overflow-wrap: normal; }}
}}
"""

COLUMNS = (
    '<colgroup><col class="title"><col class="timeline"><col class="status">'
    '<col class="number"><col class="number"><col class="health"><col class="forecast"></colgroup>'
)


def _text(value: str) -> str:
    """User text as HTML character data (or a quoted attribute value)."""
    return escape(visible(value), quote=True)


def _cells(values: list[str], numeric: tuple[int, ...] = (), tag: str = "td") -> str:
    cells = []
    for index, value in enumerate(values):
        attribute = ' class="number"' if index in numeric else ""
        cells.append(f"<{tag}{attribute}>{value}</{tag}>")
    return "".join(cells)


def _summary_row(label: str, group: Group, css: str = "") -> str:
    values = [
        label,
        str(group.count),
        percent_text(group.mean_progress),
        *map(str, (group.done, group.due, group.overdue, group.behind)),
    ]
    attribute = f' class="{css}"' if css else ""
    return f"<tr{attribute}>{_cells(values, numeric=(1, 2, 3, 4, 5, 6))}</tr>"


def _summary(report: Report) -> list[str]:
    quarter = _text(report.quarter_label)
    headings = [
        _text(report.group_heading),
        "Initiatives",
        "Mean progress",
        "Done",
        f"Due in {quarter}",
        "Overdue",
        "Behind",
    ]
    rows = [_summary_row(_text(group.label), group) for group in report.groups]
    rows.append(_summary_row("All", report.totals, "total"))
    return [
        '<section class="summary">',
        "<h2>Summary</h2>",
        "<table>",
        f"<thead><tr>{_cells(headings, numeric=(1, 2, 3, 4, 5, 6), tag='th')}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</section>",
    ]


def _refs(notes: Footnotes, ids: Iterable[str]) -> str:
    """Footnote numbers for the cited sources (``<sup>[1]</sup>``), as the Markdown
    briefing's ``[^1]``; plain text, not links: the page links to nothing."""
    return "".join(f'<sup class="ref">[{number}]</sup>' for number in notes.cite(ids))


def _sources(notes: Footnotes) -> list[str]:
    """The cited sources, numbered as cited (outlet, date, title, URL as text)."""
    if not notes.numbers:
        return []
    items = [
        f'<li value="{number}" id="source-{number}">{_text(source_line(source))}</li>'
        for number, source in notes.cited()
    ]
    return ['<section class="sources">', "<h2>Sources</h2>", "<ol>", *items, "</ol>", "</section>"]


def _group(group: Group, report: Report, notes: Footnotes) -> list[str]:
    headings = ["Initiative", "Timeline", "Status", "Progress", "Expected", "Health", "Forecast"]
    rows = []
    for item in group.items:
        initiative = item.initiative
        health = f'<span class="health-{HEALTH_CLASSES.get(item.health, "plain")}">'
        health += f"{_text(item.health_label)}</span>"
        values = [
            f"{_text(initiative.title)}{_refs(notes, initiative.sources)}"
            f'<span class="id">{_text(initiative.id)}</span>',
            _text(initiative.timeline.label),
            _text(initiative.status),
            percent_text(item.progress),
            percent_text(item.expected),
            health,
            _text(item.forecast_label),
        ]
        rows.append(f"<tr>{_cells(values, numeric=(3, 4))}</tr>")
    promised = _text(promises_text(report.promises(group)))
    return [
        '<section class="group">',
        f"<h2>{_text(group.label)}</h2>",
        '<table class="initiatives">',
        COLUMNS,
        f"<thead><tr>{_cells(headings, numeric=(3, 4), tag='th')}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        f'<p class="note">Promises vs delivery: {promised}.</p>',
        "</section>",
    ]


def _id_line(shown_id: str, report: Report) -> str:
    """The id, and its store when several are shown together (unless grouped by store)."""
    store = report.origin.get(shown_id)
    if store is None or report.by == "portfolio" or len(set(report.origin.values())) < 2:
        return shown_id
    return shown_id if shown_id.startswith(f"{store}:") else f"{shown_id} · {store}"


def _changes(report: Report, notes: Footnotes) -> list[str]:
    since = report.since.isoformat()
    out = ['<section class="changes">', f"<h2>Changes since {since}</h2>"]
    if not report.changes:
        return [*out, '<p class="note">No progress entries or status changes.</p>', "</section>"]
    rows = [
        "<tr>"
        + _cells(
            [
                change.on.isoformat(),
                _text(change.title),
                _text(change_text(change)) + _refs(notes, change.sources),
                _text(change.note),
            ]
        )
        + "</tr>"
        for change in report.changes
    ]
    head = _cells(["Date", "Initiative", "Change", "Note"], tag="th")
    return [
        *out,
        "<table>",
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</section>",
    ]


def report_html(report: Report) -> str:
    """The report as one HTML document: header, timeline, summary, groups (with promises
    vs delivery), changes, and the cited sources as numbered footnotes."""
    portfolio = report.portfolio
    notes = Footnotes(portfolio)
    title = portfolio.title or "Portfolio report"
    quarter = _text(report.quarter_label)
    today = report.today.isoformat()
    blocked = frozenset(blocked_by(portfolio, report.today))  # marked as on `timeline`
    shown = [item.initiative for item in report.initiatives]
    window = make_chart(shown, report.today, blocked=blocked)
    picture = chart_svg(window, report.today).split("\n", 1)[1]  # inline: no XML declaration
    meta = f"Progress report for {quarter} · as of {today} · by {_text(report.by)}"
    body = [
        "<header>",
        f"<h1>{_text(title)}</h1>",
        f'<p class="meta">{meta}</p>',
    ]
    if portfolio.source:
        body.append(f'<p class="note">Source: {_text(portfolio.source)}</p>')
    body += [f'<p class="note">Note: {_text(note)}</p>' for note in report.notes]
    body.append("</header>")
    if report.initiatives:
        body += ['<figure class="timeline">', picture.rstrip("\n"), "</figure>"]
    body += _summary(report)
    if not report.initiatives:
        body.append(f'<p class="note">No initiatives are active in {quarter}.</p>')
    for group in report.groups:
        body += _group(group, report, notes)
    body += _changes(report, notes)
    body += _sources(notes)
    body.append(f"<footer>Made by vzwatch, as of {today}.</footer>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_text(title)} — {quarter}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # No network: the page may load nothing, not even by accident.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        f"<style>{STYLE}</style>\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
