"""Shared fixtures: every test runs against its own temporary store.

An autouse fixture points HOME, XDG_DATA_HOME and the working directory at a
temporary folder and clears VZWATCH_FILE, so no test can read or write a real
user store or the repository's data/initiatives.toml.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vzwatch.cli import app

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "initiatives.toml"


@dataclass
class Run:
    """What a user sees after one command: exit code, stdout, stderr."""

    exit_code: int
    stdout: str
    stderr: str


RunCli = Callable[..., Run]


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.delenv("VZWATCH_FILE", raising=False)
    monkeypatch.delenv("VZWATCH_LOCK_TIMEOUT", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private parse cache, switched on even where VZWATCH_NO_CACHE is set."""
    directory = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(directory))
    monkeypatch.delenv("VZWATCH_NO_CACHE", raising=False)
    return directory / "vzwatch"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A copy of the bundled store, private to the test."""
    path = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, path)
    return path


@pytest.fixture
def empty_store(tmp_path: Path) -> Path:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture
def run(store: Path) -> RunCli:
    """Run vzwatch in-process against the test's store (VZWATCH_FILE)."""

    def invoke(
        *args: str, env: dict[str, str | None] | None = None, input: str | None = None
    ) -> Run:
        # VZWATCH_DEBUG: a bug raises in the test instead of becoming exit code 70.
        environment: dict[str, str | None] = {"VZWATCH_FILE": str(store), "VZWATCH_DEBUG": "1"}
        environment.update(env or {})
        result = CliRunner().invoke(
            app, list(args), env=environment, input=input, catch_exceptions=False
        )
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke
