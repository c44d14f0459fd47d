"""The command line: a thin Typer layer over vzwatch's core.

Commands live in modules that register them on ``vzwatch.cli.app.app`` when
imported. A run builds only the command it invokes: ``main`` reads the
command name from the arguments, imports that one module and hands Typer an
app holding that one command (building all ~15 costs ~20 ms of start-up,
most of it Typer reading every signature). ``--help``, no command or an
unknown one load everything, so help and "no such command" are unchanged.

``from vzwatch.cli import app`` gives the app with every command registered
(tests and ``typer.main.get_command`` use it). A new command module is one
line in ``COMMAND_MODULES``; tests/test_cli_lazy.py checks the table is
complete.

``merge-driver`` called as git calls it (three or four file arguments) runs
before Typer is even imported (``vzwatch.cli.driver``): git runs it on every
merge of the store, and Typer alone takes longer to load than the merge of a
big store. Typer is imported on first use, never by importing this package.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a run of one command.

    While modules load it runs dozens of times and finds nothing to free
    (modules, classes and functions live until exit), ~5 ms of every start;
    while a big store's records are built it scans them again and again.
    Reference counting still frees everything a command lets go of; a run is
    one short process, so the rare cycle it leaves is freed at exit.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


if TYPE_CHECKING:
    from pathlib import Path

    import typer

    from vzwatch.cli.app import app

__all__ = ["COMMAND_MODULES", "app", "entry", "main", "registered_app"]

# Command name -> the module in vzwatch.cli that registers it.
COMMAND_MODULES = {
    "list": "core",
    "show": "core",
    "add": "core",
    "due": "core",
    "where": "core",
    "progress": "updates",
    "edit": "updates",
    "remove": "updates",
    "indicator": "indicators",
    "measure": "indicators",
    "amend": "entries",
    "retract": "entries",
    "report": "report",
    "validate": "team",
    "merge-driver": "team",
    "git-setup": "team",
    "timeline": "chart",
    "import": "transfer",
    "export": "transfer",
    "milestone": "milestones",
    "source": "ledger",
    "sources": "ledger",
    "slips": "ledger",
    "deps": "watch",
    "stale": "watch",
    "help": "guide",
}


def _app_module() -> Any:
    """vzwatch.cli.app (Typer and the app), imported on first use.

    Importing the submodule binds the name `app` in this package to that
    module; as an attribute of this package, `app` means the fully registered
    Typer app instead (see __getattr__), so the binding is dropped again.
    """
    with _collector_paused():
        module = importlib.import_module("vzwatch.cli.app")
    if globals().get("app") is module:
        del globals()["app"]
    return module


def registered_app() -> typer.Typer:
    """The Typer app with every command registered."""
    app_module = _app_module()
    for module in dict.fromkeys(COMMAND_MODULES.values()):  # in help order
        importlib.import_module(f"vzwatch.cli.{module}")
    typer_app: typer.Typer = app_module.app
    return typer_app


def __getattr__(name: str) -> Any:
    if name == "app":
        return registered_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _invoked(args: Sequence[str]) -> str | None:
    """The command the arguments name, if the first one names it (no root options)."""
    return args[0] if args and args[0] in COMMAND_MODULES else None


# Commands that read none of the store, or append to it in O(1) with no read at all:
# for the others a big store is read ahead while Typer loads (vzwatch.storage.readahead).
_NOT_READ_AHEAD = frozenset({"add", "progress", "measure", "where", "help", "git-setup"})


def _read_ahead(command: str | None, args: Sequence[str]) -> None:
    """Start reading the store the arguments name, if the command will read it."""
    if command is None or command in _NOT_READ_AHEAD or "--help" in args:
        return
    from pathlib import Path

    from vzwatch.storage import readahead, store

    try:
        locations = store.locate_stores(_store_options(args) or None, os.environ, Path.cwd())
    except Exception:  # noqa: BLE001 - a guess: Typer and the command say what is wrong
        return
    if len(locations) == 1:
        readahead.start(locations[0].path)


def _store_options(args: Sequence[str]) -> list[Path]:
    """The ``--file`` values among ``args``, as Typer will most likely parse them (a
    guess: a wrong one only reads a file that is then not used)."""
    from pathlib import Path

    found: list[Path] = []
    for at, arg in enumerate(args):
        if arg == "--":
            break
        if arg in ("--file", "-f") and at + 1 < len(args):
            found.append(Path(args[at + 1]))
        elif arg.startswith("--file="):
            found.append(Path(arg.removeprefix("--file=")))
        elif arg.startswith("-f") and len(arg) > 2:
            found.append(Path(arg[2:]))
    return found


_BUILT: dict[str | None, Any] = {}  # command name (None: the whole app) -> click command


def command_for(args: Sequence[str]) -> Any:
    """The click command to run ``args`` with: an app holding just the invoked command.

    Built once per process (a click command holds no state between runs): a caller
    that runs many commands in one process (the test suite) pays for each once.
    """
    name = _invoked(args)
    if name not in _BUILT:
        _BUILT[name] = _built(name)
    return _BUILT[name]


def _built(name: str | None) -> Any:
    app = _app_module().app
    import typer

    with _collector_paused():
        if name is None:
            from vzwatch.cli import completion

            whole = typer.main.get_command(registered_app())
            completion.attach(whole)
            return whole
        importlib.import_module(f"vzwatch.cli.{COMMAND_MODULES[name]}")

        everything = app.registered_commands
        app.registered_commands = [info for info in everything if info.name == name]
        app._add_completion = False  # completion starts with no command named (bash: $1 only)
        try:
            return typer.main.get_command(app)
        finally:
            app.registered_commands = everything
            app._add_completion = True


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["merge-driver"]:
        from vzwatch.cli import driver

        if driver.plain_call(args[1:]):
            with _collector_paused():
                return driver.run(args[1:])
    _read_ahead(_invoked(args), args)
    with _collector_paused():
        command = command_for(args)
        result: int = command.main(args=args, prog_name=_app_module().PROG, standalone_mode=False)
    return result


def entry() -> None:
    """The console script (and ``python -m vzwatch``): ``main``, then a quick exit.

    Tearing the interpreter down frees every module and record one by one:
    ~20 ms after `list` of a 10k store, for memory the system takes back at
    once. So once the output is flushed the process ends without it. Nothing
    is lost: every file vzwatch writes is closed (and synced) before ``main``
    returns, locks go with the process, and vzwatch registers no exit hooks.
    Under a profiler or tracer (cProfile, coverage) the usual exit runs, so
    they can write their reports.

    The cyclic collector stays off for the whole process (see ``_collector_paused``):
    turned back on after a command, its first pass would walk every object the
    command made (~5 ms after a write to a 10k store) just before the process ends.
    """
    gc.disable()
    code = main()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        raise SystemExit(code)
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a reader that went away (`| head`)
            stream.flush()
    os._exit(code)
