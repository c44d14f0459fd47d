"""Drive the installed `vzwatch` in child processes, as users, cron and scripts do."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.helpers import BUNDLED, Vz, child_env, vzwatch_command


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, path)
    return path


@pytest.fixture
def vz(store: Path, tmp_path: Path) -> Vz:
    """Run the installed vzwatch against ``store``; returns the completed process."""

    def run(
        *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*vzwatch_command(), *args],
            env=child_env(store, tmp_path, env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
