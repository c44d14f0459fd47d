"""The indicators table of `show` and `report`. User text always enters as ``Text``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from rich import box
from rich.table import Table
from rich.text import Text

from vzwatch.domain.indicators import amount, indicator_status
from vzwatch.domain.portfolio import Indicator, Initiative
from vzwatch.domain.report import Health
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
    pairs: Iterable[tuple[Initiative, Indicator]], today: date, *, with_initiative: bool = False
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
            Text(str(indicator.by) if indicator.by else "—"),
            Text(status.health_label, style=_HEALTH_STYLES.get(status.health, "")),
        ]
        if with_initiative:
            cells.insert(0, user_text(initiative.title))
        table.add_row(*cells)
    return table
