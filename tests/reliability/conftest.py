"""Drive the installed `vzwatch` in child processes, as users, cron and scripts do."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import BUNDLED

VZWATCH = shutil.which("vzwatch", path=str(Path(sys.executable).parent))

Vz = Callable[..., subprocess.CompletedProcess[str]]


def vzwatch_command() -> list[str]:
    if VZWATCH is None:
        pytest.fail("vzwatch is not installed next to the interpreter: pip install -e .")
    return [VZWATCH]


def child_env(store: Path, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "VZWATCH_FILE": str(store),
        "NO_COLOR": "1",
        "PYTHONUTF8": "1",
    }
    env.update(extra or {})
    return env


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


def start(
    args: list[str], store: Path, home: Path, extra: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start the installed vzwatch in the background (collect it with ``finish``)."""
    return subprocess.Popen(
        [*vzwatch_command(), *args],
        env=child_env(store, home, extra),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    out, err = child.communicate(timeout=timeout)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def temp_files(directory: Path) -> list[str]:
    """Temporary files a writer (store or output file) leaves while it works."""
    return sorted(
        entry.name
        for entry in directory.iterdir()
        if entry.name.endswith((".vzwatch-tmp", ".vzwatch-out"))
    )
