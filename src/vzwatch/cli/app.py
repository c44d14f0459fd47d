"""The Typer app, its error edge and the options commands share.

Errors are raised as ``VzwatchError`` anywhere below and printed once, as one
line, by ``VzwatchGroup.main``. Shared options are ``Annotated`` aliases
defined once here, so every command spells ``--file`` and ``--json`` alike.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from vzwatch import __version__
from vzwatch.cli.edge import PROG, error_line, exit_code, prepare_streams
from vzwatch.domain.errors import ExitCode, UsageError
from vzwatch.domain.text import is_utf8_stream

if TYPE_CHECKING:
    from vzwatch.domain.portfolio import Initiative, Portfolio
    from vzwatch.render.console import Console
    from vzwatch.storage.cache import Snapshot
    from vzwatch.storage.store import StoreLocation

# The records, the store and JSON are imported where they are used: `--help`
# loads every command module and needs none of them (tests/test_cli_lazy.py).


# The order `vzwatch --help` lists commands in: daily use first, set-up last.
HELP_ORDER = (
    "list", "show", "add", "progress", "edit", "remove", "due", "report", "timeline",
    "source", "sources", "slips", "deps", "stale", "import", "export", "validate", "where",
    "git-setup", "merge-driver", "help",
)  # fmt: skip


class VzwatchGroup(TyperGroup):
    """The one place that turns exceptions into a message and an exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        known = [name for name in HELP_ORDER if name in self.commands]
        return known + [name for name in self.commands if name not in HELP_ORDER]

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        prepare_streams()
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or PROG,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) else ExitCode.OK
        except typer.TyperException as error:  # click's errors, as Typer exports them
            context = getattr(error, "ctx", None)
            if context is not None and not (sys.argv[1:] if args is None else args):
                # `vzwatch` alone (no_args_is_help): the help on stderr, as a usage error
                sys.stderr.write(context.get_help() + "\n")
                code = ExitCode.USAGE
            else:
                hint = f" (see '{context.command_path} --help')" if context else ""
                # Click's messages may span lines ("Choose from:\n\t…"): one line here
                error_line(" ".join(error.format_message().split()) + hint)
                code = error.exit_code  # 2 for usage errors, as in click
        except typer.Abort:
            error_line("aborted")
            code = ExitCode.INTERRUPTED
        except Exception as error:  # noqa: BLE001 - the edge: one line each (cli.edge)
            code = exit_code(error)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


class VzwatchCommand(TyperCommand):
    """A command whose usage line names its arguments as people type them.

    ``vzwatch source [OPTIONS] add OUTLET``, ``[ID]``, ``[FILE]...``: Typer
    writes required arguments as ``{outlet}`` and a choice as ``{action}:<add>``,
    in the usage line and the Arguments section alike (tests/test_cli_help.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                param.metavar = _argument_name(param)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not isinstance(param, TyperArgument):
                pieces.extend(param.get_usage_pieces(ctx))
                continue
            piece = param.metavar or ""
            piece = piece if param.required else f"[{piece}]"
            pieces.append(piece + ("..." if param.nargs != 1 else ""))
        return pieces


def _argument_name(param: TyperArgument) -> str:
    """The word an argument is shown as: its choices (``add``), else its name in capitals."""
    choices = getattr(param.type, "choices", None)
    if choices:
        return "|".join(str(getattr(choice, "value", choice)) for choice in choices)
    return (param.metavar or param.name or "").strip("[].").upper()


class VzwatchTyper(typer.Typer):
    """Typer whose commands are ``VzwatchCommand``s unless one asks for another class."""

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **settings: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or VzwatchCommand, **settings)


app = VzwatchTyper(
    name=PROG,
    cls=VzwatchGroup,
    epilog="`vzwatch COMMAND -h` for examples; `vzwatch help` for the guide (exit codes, JSON, …).",
    no_args_is_help=True,
    # --install-completion and --show-completion (and the shells' completion
    # classes) come with the whole app only: a run of one command goes without.
    add_completion=True,
    rich_markup_mode=None,  # plain help: fast, no Rich import, readable in any terminal
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

# --- shared options ----------------------------------------------------------

StoreOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--file",
        "-f",
        metavar="PATH",
        help="Store file (default: $VZWATCH_FILE, ./data/initiatives.toml, else per-user); "
        "list, due, report, timeline and export read several (repeat it).",
        show_default=False,
    ),
]
YesFlag = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Remove without asking (needed without a terminal)."),
]
ChosenIdOption = Annotated[
    str | None,
    typer.Option(
        "--id",
        metavar="ID",
        show_default=False,
        help="Choose the new record's id (default: made from its title or name).",
    ),
]
JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print JSON (see vzwatch help json-output).")
]


def _no_color(value: bool) -> None:
    if value:  # Rich reads it when the console is made, after the options
        os.environ["NO_COLOR"] = "1"


NoColorFlag = Annotated[
    bool,
    typer.Option(
        "--no-color",
        help="No colours or styles (also: NO_COLOR=1).",
        callback=_no_color,
        expose_value=False,
        is_eager=True,
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        "--as-of",
        metavar="DATE",
        help="As of this day: later entries do not count (2025-02-14; 1900 to 2999).",
    ),
]
EntryTodayOption = Annotated[
    str | None,
    typer.Option(
        "--today", metavar="DATE", help="Date the entries this writes (default: today; not later)."
    ),
]
IdArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="Id, a prefix of it, or the title (any case, accents ignored).",
        show_default=False,
    ),
]
SourceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        metavar="ID",
        help="A [[sources]] id or unambiguous prefix citing this (repeatable).",
    ),
]
QuarterHelp = "Q1-2025, 2025Q1, FY2024 Q1, this, next, last or a date (2025-02-14)."


def row_count(value: str) -> int:
    """--limit N: a whole number of rows, 1 or more."""
    return _counted(value, "rows")


def day_count(value: str) -> int:
    """--days N: a whole number of days, 1 or more."""
    return _counted(value, "days")


def _counted(value: str, noun: str) -> int:
    # a parser, not Typer's min=1: that shows `[x>=1]` in the help and says
    # "'abc' is not a valid int range" (issue 13)
    text = str(value).strip()
    if not text.isdecimal() or int(text) < 1:
        raise typer.BadParameter(f"'{text}' is not a number of {noun} (1 or more)")
    return int(text)


def locate(file: Sequence[Path] | None) -> StoreLocation:
    """The one store a command works on; several (--file twice, a $VZWATCH_FILE list)
    are a usage error, raised before anything is read or written."""
    locations = locate_all(file)
    if len(locations) > 1:
        given = "--file given" if file else "$VZWATCH_FILE lists"
        raise UsageError(
            f"this command works on one store, but {given} {len(locations)}; pass one --file "
            "(only list, due, report, timeline and export read several)"
        )
    return locations[0]


def locate_all(file: Sequence[Path] | None) -> list[StoreLocation]:
    """Every store a read command was given (see ``storage.store.locate_stores``)."""
    from vzwatch.storage.store import locate_stores

    return locate_stores(file, os.environ, Path.cwd())


def today_from(value: str | None) -> date:
    """``--today``/``--as-of`` of a read: the day the run is as of; the clock when not given.

    The one place the clock is read: the core gets the day as a parameter.
    """
    from vzwatch.domain import userinput

    return userinput.as_of(value, date.today())


def entry_day_from(value: str | None) -> date:
    """``--today`` of a write: the day its entries are dated; never after the real today."""
    from vzwatch.domain import userinput

    clock = date.today()
    return userinput.entry_date(userinput.as_of(value, clock), clock, "--today")


def as_of_title(value: str | None, day: date, heading: str | None = None) -> str | None:
    """A table's heading, saying which day it is as of when ``--today`` moved it."""
    if value is None:
        return heading
    return f"{heading}, as of {day.isoformat()}" if heading else f"As of {day.isoformat()}"


def warn(message: str) -> None:
    """One ``vzwatch: warning: …`` line on stderr; the exit code does not change."""
    from vzwatch.domain.text import visible

    sys.stderr.write(f"vzwatch: warning: {visible(message)}\n")


def stdout_console() -> Console:
    from vzwatch.render.console import make_console

    return make_console()


def emit_stored(location: StoreLocation, initiative: Initiative, today: date) -> None:
    """A write's ``--json``: the record it stored, exactly as ``show ID --json`` prints it
    (the store's pillars give ``pillar_name``, its dependencies ``blocked_by``)."""
    from vzwatch.formats import contract
    from vzwatch.operations import reading

    snapshot = reading.open_snapshot(location)
    blocked = reading.blocked_in(snapshot, today) or {}
    emit_json(
        {
            # Indicators' health as `show ID --json` right after says it: as of the clock.
            **contract.initiative_ledger_dict(initiative, snapshot.fields, today_from(None)),
            "blocked_by": list(blocked.get(initiative.id, ())),
        }
    )


def emit_json(value: Any) -> None:
    from vzwatch.formats import contract

    contract.write(value, sys.stdout)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"


FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-F",
        case_sensitive=False,
        help="table (default), json, jsonl, csv or markdown.",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class Output:
    """What a read command can print, each form built only if asked for."""

    json: Callable[[], Any]
    rows: Callable[[], Sequence[Mapping[str, Any]]]
    # The column names, or how to get them (the JSON path imports no formats module).
    columns: Sequence[str] | Callable[[], Sequence[str]]
    table: Callable[[Console], None]
    headers: Sequence[str] | None = None
    # A document with more than one table (the report) brings its own forms.
    jsonl: Callable[[], Sequence[Any]] | None = None
    markdown: Callable[[], str] | None = None
    # The JSON already as UTF-8 text (elements the cache remembers), when it can be.
    json_utf8: Callable[[], bytes] | None = None  # the JSON text, encoded (a faster way)


def initiatives_output(
    initiatives: Sequence[Initiative],
    store: Portfolio | Callable[[], Portfolio],
    *,
    title: str | None = None,
    table_rows: int | None = None,
    snapshot: Snapshot | None = None,
    blocked: Mapping[str, Sequence[str]] | None = None,
    origin: Mapping[str, str] | None = None,
) -> Output:
    """The usual views of a list of initiatives (list, due, ...); ``origin`` (several
    stores: shown id -> portfolio) names each row's portfolio in the table.

    ``table_rows`` caps the table (a footer says how many more); the data
    formats always carry every row. Past ``PLAIN_ROWS`` the table is printed
    as plain lines, because a Rich table of thousands of rows takes seconds.
    ``store``: the store's fields, or how to get them when a view needs them (the
    cache's remembered JSON does not: it skips decoding a big store's milestones).
    """
    from vzwatch.formats import contract

    def fields() -> Portfolio:
        return store() if callable(store) else store

    def table(console: Console) -> None:
        from vzwatch.render.plain import PLAIN_ROWS, footer, print_plain

        shown = initiatives if table_rows is None else initiatives[:table_rows]
        if len(shown) > PLAIN_ROWS:
            total = footer(len(shown), len(initiatives))
            print_plain(sys.stdout, shown, fields(), total, origin)
            return
        from vzwatch.render.tables import print_initiatives

        print_initiatives(
            console, shown, fields(), title=title, total=len(initiatives), origin=origin
        )

    return Output(
        json=lambda: contract.initiatives_to_list(initiatives, fields(), blocked),
        rows=lambda: [_tabular().initiative_row(i, fields()) for i in initiatives],
        columns=lambda: _tabular().INITIATIVE_COLUMNS,
        table=table,
        json_utf8=None
        if snapshot is None
        else lambda: contract.initiatives_utf8(initiatives, snapshot, blocked),
    )


def _tabular() -> ModuleType:
    from vzwatch.formats import tabular  # CSV and Markdown only: the JSON path does without it

    return tabular


def columns_of(output: Output) -> Sequence[str]:
    return output.columns() if callable(output.columns) else output.columns


def chosen_format(fmt: OutputFormat | None, json_flag: bool) -> OutputFormat:
    """`--json` is the short form of `--format json`."""
    if json_flag and fmt not in (None, OutputFormat.json):
        raise UsageError(f"--json and --format {fmt.value if fmt else ''} disagree; use one")
    return OutputFormat.json if json_flag else (fmt or OutputFormat.table)


def emit(fmt: OutputFormat, output: Output) -> None:
    """Print ``output`` in ``fmt``. Only the table form loads Rich."""
    if fmt is OutputFormat.table:
        output.table(stdout_console())
        return
    if fmt is OutputFormat.json:
        binary = getattr(sys.stdout, "buffer", None)
        if output.json_utf8 is not None and binary is not None and is_utf8_stream(sys.stdout):
            sys.stdout.flush()
            binary.write(output.json_utf8())  # not joined with the newline: no copy
            binary.write(b"\n")
        else:
            emit_json(output.json())
        return
    from vzwatch.formats import tabular

    if fmt is OutputFormat.jsonl:
        if output.jsonl is not None:
            items: Sequence[Any] = output.jsonl()
        else:
            value = output.json()
            items = value if isinstance(value, list) else [value]
        sys.stdout.write(tabular.to_jsonl(items, ascii_only=not is_utf8_stream(sys.stdout)))
    elif fmt is OutputFormat.csv:
        sys.stdout.write(tabular.to_csv(output.rows(), columns_of(output)))
    elif output.markdown is not None:
        sys.stdout.write(output.markdown())
    else:
        sys.stdout.write(tabular.to_markdown(output.rows(), columns_of(output), output.headers))


def render(draw: Callable[[Console], None]) -> None:
    draw(stdout_console())


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"{PROG} {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Track policy initiatives on quarter-based timelines.

    \b
    vzwatch list                      what is tracked
    vzwatch due --quarter Q1-2025     what ends in a quarter
    vzwatch list --json | jq '.[].id' for scripts
    """
