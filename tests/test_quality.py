"""The code stays clean: ruff (lint and format) and mypy strict, as CI runs them."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
@pytest.mark.subprocess
def test_tool_passes(command: list[str]) -> None:
    result = subprocess.run(
        [tool(command[0]), *command[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (lazily, for type checking)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(("folder", "library"), [("render", "typer"), ("cli", "rich")])
def test_render_imports_no_typer_and_cli_no_rich(folder: str, library: str) -> None:
    """The one fence ruff's bans cannot draw (both folders ignore them, see pyproject.toml)."""
    files = sorted((REPO / "src" / "vzwatch" / folder).glob("*.py"))
    assert files
    offenders = [
        f"{path.name} imports {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if module == library or module.startswith(f"{library}.")
    ]
    assert offenders == []
