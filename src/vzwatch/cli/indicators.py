"""Commands for indicators: `indicator add/edit/remove` and `measure`.

Each parses its options, calls ``vzwatch.operations.indicators`` (imported
inside the command) and prints one line, or JSON.
"""

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vzwatch.cli.app import (
    ChosenIdOption,
    EntryTodayOption,
    JsonFlag,
    NoColorFlag,
    StoreOption,
    YesFlag,
    app,
    emit_json,
    entry_day_from,
    locate,
)
from vzwatch.domain.errors import UsageError
from vzwatch.domain.text import visible

if TYPE_CHECKING:
    from vzwatch.domain.portfolio import Indicator


class IndicatorAction(StrEnum):
    add = "add"
    edit = "edit"
    remove = "remove"


def _number(text: str | None, what: str) -> float | None:
    """A number as typed: 200000, 200,000, 2.5, -3 (None stays None)."""
    if text is None:
        return None
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        value = float(cleaned)
    except ValueError:
        raise UsageError(
            f"{what} {visible(text)!r} is not a number such as 200000 or 2.5"
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise UsageError(f"{what} {visible(text)!r} is not a finite number")
    return value


def _emit_indicator(location: Any, indicator: "Indicator") -> None:
    """A write's ``--json``: the indicator's object as ``show --json`` has it, as of today."""
    from vzwatch.formats.contract import indicator_to_dict
    from vzwatch.operations import reading

    initiative = reading.open_portfolio(location).find(indicator.initiative)
    stored = next(i for i in initiative.indicators if i.id == indicator.id)
    emit_json(indicator_to_dict(stored, initiative, entry_day_from(None)))


NumberOption = Annotated[str | None, typer.Option(metavar="N", show_default=False)]


@app.command("indicator", context_settings={"ignore_unknown_options": True})
def indicator_command(
    action: Annotated[
        IndicatorAction,
        typer.Argument(help="add INITIATIVE NAME, edit ID, or remove ID."),
    ],
    initiative_or_indicator: Annotated[
        str,
        typer.Argument(metavar="ID", help="add: the initiative; else the indicator."),
    ],
    name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help="add: what it counts.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", metavar="N", help="The value to reach.")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", metavar="UNIT", help="people, JPY, forums…")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option("--baseline", metavar="N", help="Where it starts (default 0).")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", metavar="QUARTER", help="Reach it by (default: the initiative's end)."
        ),
    ] = None,
    direction: Annotated[
        str | None, typer.Option("--direction", metavar="up|down", help="Which way is forward.")
    ] = None,
    new_name: Annotated[
        str | None, typer.Option("--name", metavar="TEXT", help="edit: a new name.")
    ] = None,
    ident: ChosenIdOption = None,
    yes: YesFlag = False,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Add, edit or remove an indicator: a result with a baseline and a target.

    \b
    Example:
      vzwatch indicator add hum "People assisted" --target 200000 --unit people --by Q4-2025
    """
    from vzwatch.operations import indicators

    location = locate(file)
    if action is IndicatorAction.add:
        if name is None or target is None:
            raise UsageError("indicator add needs INITIATIVE NAME and --target N")
        made = indicators.add_indicator(
            location,
            initiative_or_indicator,
            name,
            target=_number(target, "--target") or 0,
            unit=unit or "",
            baseline=_number(baseline, "--baseline") or 0,
            by=by,
            direction=direction,
            ident=ident,
        )
        if json_output:
            _emit_indicator(location, made)
        else:
            sys.stdout.write(f"{made.id}\n")
        return
    if name is not None:
        raise UsageError(f"indicator {action} takes one ID (use --name to rename it)")
    if action is IndicatorAction.edit:
        changes: dict[str, Any] = {
            key: value
            for key, value in (
                ("name", new_name),
                ("unit", unit),
                ("baseline", _number(baseline, "--baseline")),
                ("target", _number(target, "--target")),
                ("by", by),
                ("direction", direction),
            )
            if value is not None
        }
        edited = indicators.edit_indicator(location, initiative_or_indicator, changes)
        if json_output:
            _emit_indicator(location, edited.indicator)
        elif edited.changed:
            sys.stdout.write(f"Updated {edited.indicator.id}: {', '.join(edited.changed)}\n")
        else:
            sys.stdout.write(f"No change to {edited.indicator.id}.\n")
        return
    _remove(location, initiative_or_indicator, yes, json_output)


def _remove(location: Any, ident: str, yes: bool, json_output: bool) -> None:
    from vzwatch.cli.updates import confirmed_removal
    from vzwatch.domain.text import counted
    from vzwatch.operations import indicators, reading

    if not yes:
        _, indicator = indicators.find_indicator(reading.open_portfolio(location), ident)
        count = len(indicator.measurements)
        listed = f" and its {counted(count, 'measurement')}" if count else ""
        question = (
            f"Remove indicator '{visible(indicator.name)}' ({indicator.id}){listed}? "
            "This cannot be undone"
        )
        if not confirmed_removal(indicator.id, question):
            return
        ident = indicator.id
    removed = indicators.remove_indicator(location, ident)
    if json_output:
        emit_json({"removed": removed.indicator.id, "measurements": removed.measurements})
    else:
        sys.stdout.write(
            f"Removed {removed.indicator.id} with {counted(removed.measurements, 'measurement')}\n"
        )


# VALUE may be negative (-5): not an option.
@app.command("measure", context_settings={"ignore_unknown_options": True})
def measure_command(
    indicator_id: Annotated[str, typer.Argument(metavar="INDICATOR", help="The indicator's id.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="Its value: 50000, 2.5…")],
    note: Annotated[str, typer.Option("--note", "-m", metavar="TEXT", help="What happened.")] = "",
    on: Annotated[
        str | None,
        typer.Option(
            "--date", "-d", metavar="DATE", help="2025-02-14 (default: today).", show_default=False
        ),
    ] = None,
    today: EntryTodayOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Record an indicator's value on a day, as a dated entry at the end of the store.

    \b
    Example:
      vzwatch measure people-assisted 50000 --date 2025-03-31 --note "First convoys"
    """
    from vzwatch.domain import userinput
    from vzwatch.domain.indicators import amount
    from vzwatch.operations import indicators

    location = locate(file)
    measured = indicators.record_measurement(
        location,
        indicator_id,
        _number(value, "VALUE") or 0,
        today=entry_day_from(today),
        on=userinput.date(on, "--date") if on is not None else None,
        note=note,
    )
    indicator, entry = measured.indicator, measured.entry
    if json_output:
        from vzwatch.formats.contract import indicator_to_dict

        emit_json(indicator_to_dict(indicator, measured.initiative, entry_day_from(today)))
        return
    sys.stdout.write(
        f"{indicator.id}: {amount(entry.value, indicator.unit)} on {entry.on} "
        f"(was {amount(measured.previous, indicator.unit)}, now "
        f"{amount(indicator.value, indicator.unit)}: {indicator.share}% of the way to "
        f"{amount(indicator.target, indicator.unit)}; {measured.initiative.id} at "
        f"{measured.initiative.progress}%)\n"
    )
