"""Start-up: a run builds only the command it invokes and imports only what that needs."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

import vzwatch.cli
from tests.helpers import BUNDLED, a_big_store
from vzwatch.cli import COMMAND_MODULES, app, command_for, main

CLI_DIR = Path(vzwatch.cli.__file__).parent


def names(command: object) -> set[str]:
    return set(command.commands)  # type: ignore[attr-defined]


def test_the_command_table_names_every_command_and_its_module() -> None:
    assert names(typer.main.get_command(app)) == set(COMMAND_MODULES)
    for info in app.registered_commands:
        assert info.name is not None, "register commands with an explicit name"
        module = info.callback.__module__ if info.callback else ""
        assert module == f"vzwatch.cli.{COMMAND_MODULES[info.name]}", info.name


def test_the_package_attribute_app_is_the_fully_registered_typer_app() -> None:
    assert main(["due", "--quarter", "Q1-2025", "--json", "--file", str(BUNDLED)]) == 0
    assert isinstance(vzwatch.cli.app, typer.Typer)
    assert len(vzwatch.cli.app.registered_commands) == len(COMMAND_MODULES)


@pytest.mark.parametrize("command", sorted(COMMAND_MODULES))
def test_a_run_builds_only_the_command_it_invokes(command: str) -> None:
    assert names(command_for([command, "--help"])) == {command}


@pytest.mark.parametrize("args", [[], ["--help"], ["-h", "due"], ["nosuch"], ["--version"]])
def test_help_and_unknown_commands_see_every_command(args: list[str]) -> None:
    assert names(command_for(args)) == set(COMMAND_MODULES)


def test_building_one_command_leaves_the_app_whole() -> None:
    before = list(app.registered_commands)
    command_for(["list"])
    assert app.registered_commands == before


@pytest.mark.parametrize("path", sorted(CLI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_command_modules_do_not_use_string_annotations(path: Path) -> None:
    """Typer evaluates every annotation of every command; as strings that costs
    eval() and compile() each time, making the command tree ~4x slower to build."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    registers = any(  # a command registered with @app.command(...)
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr == "command"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
    )
    future = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    assert not (registers and future)


def loaded_after(code: str, store: Path, tmp_path: Path) -> set[str]:
    """The modules a child process has loaded after running ``code``."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "VZWATCH_FILE": str(store),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode in (0, 1), result.stderr
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return set(loaded)


@pytest.mark.subprocess
def test_help_loads_command_modules_but_no_core_module(tmp_path: Path) -> None:
    store = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, store)
    loaded = loaded_after("from vzwatch.cli import main\nmain(['--help'])", store, tmp_path)
    assert {f"vzwatch.cli.{module}" for module in COMMAND_MODULES.values()} <= loaded
    core = {m for m in loaded if m.startswith("vzwatch.") and not m.startswith("vzwatch.cli")}
    assert core <= {"vzwatch.domain", "vzwatch.domain.errors", "vzwatch.domain.text"}


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "args", [["due", "--quarter", "Q1-2025", "--json"], ["list", "--json"], ["stale", "--json"]]
)
def test_json_from_the_cache_loads_no_parser_writer_or_renderer(
    args: list[str], tmp_path: Path
) -> None:
    store = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, store)
    code = f"from vzwatch.cli import main\nmain({args!r})"
    loaded_after(code, store, tmp_path)  # fills the cache
    loaded = loaded_after(code, store, tmp_path)
    for module in (
        "rich",
        "tomllib",
        "vzwatch.operations.writing",
        "vzwatch.storage.tomledit",
        "vzwatch.cli.report",
        "vzwatch.domain.ledger",  # `show` and the ledger's commands (slips, sources)
    ):
        assert module not in loaded, module
    assert "vzwatch.storage.runs" not in loaded  # reads after a change and writes need it, not this


@pytest.mark.subprocess
def test_a_read_after_a_hand_edit_parses_the_run_without_the_block_index(
    tmp_path: Path,
) -> None:
    """A run under a header as vzwatch writes it is told by its first line; the block
    index (vzwatch.storage.blocks, 1 ms of regular expressions) is for other headers."""
    store = tmp_path / "store.toml"
    text = a_big_store(300)
    store.write_text(text, encoding="utf-8")
    code = "from vzwatch.cli import main\nmain(['list', '--json'])"
    loaded_after(code, store, tmp_path)  # fills the cache
    store.write_text(text.replace('title = "Item 150"', 'title = "Itam 150"'), encoding="utf-8")
    loaded = loaded_after(code, store, tmp_path)
    assert "vzwatch.storage.runs" in loaded  # the read by runs, not the whole parse
    assert "vzwatch.storage.blocks" not in loaded


def test_the_garbage_collector_runs_again_after_a_command() -> None:
    import gc

    assert gc.isenabled()
    assert main(["where"]) == 0
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        assert main(["where"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("command", sorted(COMMAND_MODULES))
def test_help_of_a_command_built_alone_is_its_help_in_the_whole_app(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    alone = capsys.readouterr().out
    whole = typer.main.get_command(app)
    whole.main([command, "--help"], prog_name="vzwatch", standalone_mode=False)
    assert alone == capsys.readouterr().out
    assert f"Usage: vzwatch {command}" in alone


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "args", [["slips", "--json"], ["sources", "--json"], ["show", "inter", "--json"]]
)
def test_ledger_json_loads_no_rich(args: list[str], tmp_path: Path) -> None:
    store = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, store)
    loaded = loaded_after(f"from vzwatch.cli import main\nmain({args!r})", store, tmp_path)
    assert not {m for m in loaded if m == "rich" or m.startswith("rich.")}
