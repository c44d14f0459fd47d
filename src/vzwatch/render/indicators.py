"""The indicators table of `show` and `report`. User text always enters as ``Text``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from vzwatch.domain.health import Health
from vzwatch.domain.indicators import amount, by_quarter, indicator_status
from vzwatch.domain.portfolio import Indicator, Initiative
from vzwatch.render.tables import user_text

_HEALTH_STYLES = {
    Health.DONE: "bold green",
    Health.ON_TRACK: "green",
    Health.AHEAD: "green",
    Health.BEHIND: "yellow",
    Health.OVERDUE: "red",
}


def value_text(indicator: Indicator) -> str:
    """'80,000 / 200,000 people'."""
    unit = f" {indicator.unit}" if indicator.unit else ""
    return f"{amount(indicator.value, '')} / {amount(indicator.target, '')}{unit}"


def indicators_table(
    pairs: Sequence[tuple[Initiative, Indicator]], today: date, *, with_initiative: bool = False
) -> Table:
    """One row per indicator: its value against its target, its share, its health by ``today``."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    if with_initiative:
        table.add_column("Initiative", overflow="fold")
    table.add_column("Indicator / id", overflow="fold")
    table.add_column("Value / target", overflow="fold")
    table.add_column("Way", justify="right", no_wrap=True)
    table.add_column("By", no_wrap=True)
    table.add_column("Health", overflow="fold")
    for initiative, indicator in pairs:
        status = indicator_status(indicator, initiative, today)
        name = user_text(indicator.name)
        name.append("\n" + indicator.id, style="dim")
        cells = [
            name,
            user_text(value_text(indicator)),
            Text(f"{indicator.share}%"),
            Text(str(by_quarter(indicator, initiative) or "—")),
            Text(status.health_label, style=_HEALTH_STYLES.get(status.health, "")),
        ]
        if with_initiative:
            cells.insert(0, user_text(initiative.title))
        table.add_row(*cells)
    return table


def indicators_view(
    console: Console,
    pairs: Sequence[tuple[Initiative, Indicator]],
    today: date,
    *,
    with_initiative: bool = False,
    title: str = "Indicators",
) -> Table | Group:
    """The indicators table that fits the console without breaking a word or an id (the
    initiative column goes first), else a block of lines per indicator."""
    from vzwatch.render.report import _fitting

    candidates = [indicators_table(pairs, today, with_initiative=True)] if with_initiative else []
    candidates.append(indicators_table(pairs, today))
    for table in candidates:
        table.title = Text(title, style="bold")
        table.title_justify = "left"
    # One column spare: at exactly its narrowest Rich crops the last column.
    fitting = _fitting(console, console.width - 1, *candidates)
    if fitting is not None:
        return fitting
    lines: list[Text | Padding] = [Text(title, style="bold")]
    for initiative, indicator in pairs:
        status = indicator_status(indicator, initiative, today)
        head = user_text(indicator.name)
        head.append(f" ({indicator.id})", style="dim")
        lines.append(Padding(head, (0, 0, 0, 2)))
        by = str(by_quarter(indicator, initiative) or "no by quarter")
        details = user_text(f"{value_text(indicator)}, {indicator.share}%, by {by}, ")
        details.append(status.health_label, style=_HEALTH_STYLES.get(status.health, ""))
        lines.append(Padding(details, (0, 0, 0, 4)))
    return Group(*lines)
