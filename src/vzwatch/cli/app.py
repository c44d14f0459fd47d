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
from typer.core import TyperGroup

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


class VzwatchGroup(TyperGroup):
    """The one place that turns exceptions into a message and an exit code."""

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
                error_line(error.format_message() + hint)
                code = error.exit_code  # 2 for usage errors, as in click
        except typer.Abort:
            error_line("aborted")
            code = ExitCode.INTERRUPTED
        except Exception as error:  # noqa: BLE001 - the edge: one line each (cli.edge)
            code = exit_code(error)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


app = typer.Typer(
    name=PROG,
    cls=VzwatchGroup,
    epilog="Docs, JSON contract and exit codes: see README.md. `vzwatch COMMAND -h` for examples.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: fast, no Rich import, readable in any terminal
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

# --- shared options ----------------------------------------------------------

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        "-f",
        metavar="PATH",
        help="Store file (default: $VZWATCH_FILE, ./data/initiatives.toml, else per-user).",
        show_default=False,
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (schema in README).")]
TodayOption = Annotated[
    str | None,
    typer.Option("--today", metavar="DATE", help="Pretend today is this date (2025-02-14)."),
]
QuarterHelp = "Q1-2025, 2025Q1, FY2024 Q1, this, next, last or a date (2025-02-14)."


def locate(file: Path | None) -> StoreLocation:
    from vzwatch.storage.store import locate_store

    return locate_store(file, os.environ, Path.cwd())


def today_from(value: str | None) -> date:
    """``--today``, read as every date a person types is; the clock when not given."""
    if value is None:
        return date.today()
    from vzwatch.domain import userinput

    return userinput.date(value, "--today")


def stdout_console() -> Console:
    from vzwatch.render.console import make_console

    return make_console()


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
    json_text: Callable[[], str] | None = None


def initiatives_output(
    initiatives: Sequence[Initiative],
    portfolio: Portfolio,
    *,
    title: str | None = None,
    table_rows: int | None = None,
    snapshot: Snapshot | None = None,
) -> Output:
    """The usual views of a list of initiatives (list, due, ...).

    ``table_rows`` caps the table (a footer says how many more); the data
    formats always carry every row. Past ``PLAIN_ROWS`` the table is printed
    as plain lines, because a Rich table of thousands of rows takes seconds.
    """
    from vzwatch.formats import contract

    def table(console: Console) -> None:
        from vzwatch.render.plain import PLAIN_ROWS, footer, print_plain

        shown = initiatives if table_rows is None else initiatives[:table_rows]
        if len(shown) > PLAIN_ROWS:
            print_plain(sys.stdout, shown, portfolio, footer(len(shown), len(initiatives)))
            return
        from vzwatch.render.tables import print_initiatives

        print_initiatives(console, shown, portfolio, title=title, total=len(initiatives))

    return Output(
        json=lambda: contract.initiatives_to_list(initiatives, portfolio),
        rows=lambda: [_tabular().initiative_row(i, portfolio) for i in initiatives],
        columns=lambda: _tabular().INITIATIVE_COLUMNS,
        table=table,
        json_text=None
        if snapshot is None
        else lambda: contract.initiatives_text(initiatives, snapshot),
    )


def _tabular() -> ModuleType:
    from vzwatch.formats import tabular  # CSV and Markdown only: the JSON path does without it

    return tabular


def _columns(output: Output) -> Sequence[str]:
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
        if output.json_text is not None and is_utf8_stream(sys.stdout):
            sys.stdout.write(output.json_text() + "\n")
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
        sys.stdout.write(tabular.to_csv(output.rows(), _columns(output)))
    elif output.markdown is not None:
        sys.stdout.write(output.markdown())
    else:
        sys.stdout.write(tabular.to_markdown(output.rows(), _columns(output), output.headers))


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
