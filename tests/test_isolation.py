"""The suite writes nothing outside its temporary directories.

Each test has its own HOME, XDG directories and working directory (conftest's
``isolated_environment``); the session as a whole runs with an empty HOME of
its own, which must still be empty at the end (conftest's
``pytest_sessionfinish``). These tests show both at work.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, RunCli, cache_entries_naming, leftovers


def test_each_test_has_its_own_home_caches_and_no_vzwatch_settings(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert os.environ["HOME"] == str(home)
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        assert Path(os.environ[name]).is_relative_to(home), name
    assert not [name for name in os.environ if name.startswith("VZWATCH_")]
    assert Path.cwd() == tmp_path / "work"


def test_a_command_keeps_its_parse_cache_in_the_tests_home(
    run: RunCli, tmp_path: Path, cache_home: Path
) -> None:
    assert run("list", "--json").exit_code == 0
    assert leftovers(cache_home)  # the cache is on, and here
    assert cache_home.is_relative_to(tmp_path)


LEAKING = """
import os
from pathlib import Path

if os.environ.get("LEAK") == "1":  # while collecting: HOME is the session's
    cache = Path(os.environ["HOME"], ".cache", "vzwatch")
    cache.mkdir(parents=True)
    (cache / "entry.v5").write_text("leaked")


def test_passes() -> None:
    pass
"""


@pytest.mark.subprocess
@pytest.mark.parametrize("leak", ["0", "1"])
def test_a_run_that_writes_outside_its_temporary_directories_fails(
    tmp_path: Path, leak: str
) -> None:
    """The session check, in a child pytest with the suite's hooks (tests/conftest.py)."""
    (tmp_path / "test_leaking.py").write_text(LEAKING, encoding="utf-8")
    env = {**os.environ, "LEAK": leak}
    child = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest"]
    result = subprocess.run(
        [*child, "--rootdir", str(tmp_path), str(tmp_path / "test_leaking.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if leak == "0":
        assert result.returncode == 0, result.stdout + result.stderr
        assert "wrote outside" not in result.stdout
    else:
        assert result.returncode == 1, result.stdout + result.stderr
        assert (
            "the suite wrote outside its temporary directories, into the session's HOME: "
            ".cache, .cache/vzwatch, .cache/vzwatch/entry.v5"
        ) in result.stdout


def test_entries_of_this_sessions_stores_are_told_from_everyone_elses(tmp_path: Path) -> None:
    """The check on the real ~/.cache/vzwatch (conftest): a child started without HOME
    caches there; only entries naming a store under the session's basetemp count."""
    cache = tmp_path / "real-cache"
    cache.mkdir()
    ours = tmp_path / "session" / "test_x0" / "store.toml"
    (cache / "ours.v5").write_bytes(b"vzwatch-cache\x00" + os.fsencode(ours) + b"\x00rows")
    (cache / "theirs.v5").write_bytes(b"vzwatch-cache\x00/home/someone/desk.toml\x00rows")
    assert cache_entries_naming(cache, tmp_path / "session", since=0) == [cache / "ours.v5"]
    assert cache_entries_naming(cache, tmp_path / "session", since=2**40) == []
    assert cache_entries_naming(tmp_path / "no-such-directory", tmp_path, since=0) == []
