"""The wheel carries the bundled store, so `vzwatch list` works after `pip install` anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import BUNDLED, REPO

pytestmark = pytest.mark.subprocess  # builds a wheel


def test_the_wheel_ships_the_bundled_store(tmp_path: Path) -> None:
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    built = subprocess.run(
        [*pip_wheel, "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("vzwatch-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "vzwatch/data/initiatives.toml" in names
        assert archive.read("vzwatch/data/initiatives.toml") == BUNDLED.read_bytes()
        # `vzwatch help TOPIC` reads it from the installed package
        assert "vzwatch/README.md" in names
        assert "vzwatch/cli/__init__.py" in names
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "vzwatch = vzwatch.cli:entry" in archive.read(entry_points).decode()
