"""An unreadable store is exit code 4 however it is named: --file, VZWATCH_FILE, validate FILE."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode


def _unreadable(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.toml"
    if kind == "missing":
        return path
    if kind == "directory":
        path.mkdir()
    elif kind == "utf16":
        path.write_bytes(b"\xff\xfe[\x00")
    elif kind == "binary":
        path.write_bytes(b"\x00\x01\x02\xff")
    elif kind == "loop":
        (tmp_path / "other").symlink_to(path)
        path.symlink_to(tmp_path / "other")
    elif kind == "not-a-directory":
        (tmp_path / "file").write_text("", encoding="utf-8")
        return tmp_path / "file" / "store.toml"
    return path


@pytest.mark.parametrize(
    "kind", ["missing", "directory", "utf16", "binary", "loop", "not-a-directory"]
)
@pytest.mark.parametrize("named", ["--file", "VZWATCH_FILE", "validate FILE", "validate --file"])
def test_an_unreadable_store_is_exit_code_4(
    run: RunCli, tmp_path: Path, kind: str, named: str
) -> None:
    path = str(_unreadable(tmp_path, kind))
    if named == "--file":
        result = run("list", "--file", path)
    elif named == "VZWATCH_FILE":
        result = run("list", env={"VZWATCH_FILE": path})
    elif named == "validate FILE":
        result = run("validate", path)
    else:
        result = run("validate", "--file", path)
    assert result.exit_code == ExitCode.STORE, result.stderr
    assert result.stderr.startswith("vzwatch: error: ")
    assert result.stderr.count("\n") == 1
