"""Fixtures: every test runs against its own temporary store, home and cache.

Helpers that tests share are in tests/helpers.py; this file holds fixtures and
the hooks that keep the suite to its temporary directories:

* ``isolated_environment`` (every test): HOME, every XDG_* directory and the
  working directory are the test's own tmp_path; every VZWATCH_* variable
  from outside is dropped. No test reads or writes a real user store, the
  real parse cache (~/.cache/vzwatch) or the repository's data/.
* For the whole session, HOME and XDG_* point at an empty directory made for
  it, so that anything escaping a test's own (a child process started with
  the session's environment, code run while collecting) lands there; at the
  end of the session it must still be empty, or the run fails and says what
  was written (tests/test_isolation.py shows the check at work). A child
  process started without HOME finds the user's real home (passwd) instead:
  the run also fails if the real ~/.cache/vzwatch gained an entry for one of
  the session's stores.
* ``slow`` marks the tests the fast inner loop skips
  (``python -m pytest -m "not slow"``): tests/reliability/, tests that run
  vzwatch, git or a build in a child process (``subprocess``), the ones that
  drive headless Chromium (``browser``), and the big property tests marked by hand.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import (
    BUNDLED,
    Run,
    RunCli,
    cache_entries_naming,
    invoke,
    leftovers,
    real_cache_directory,
)

XDG_DIRECTORIES = {
    "XDG_CACHE_HOME": ".cache",
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
}
_SESSION_HOME = pytest.StashKey[Path]()
_BASETEMP = pytest.StashKey[Path]()
_STARTED = time.time()


def pin_environment(
    home: Path, set_variable: Callable[[str, str], object], drop_variable: Callable[[str], object]
) -> None:
    """HOME and the XDG directories inside ``home``; no VZWATCH_* or other XDG_* from outside."""
    for name in list(os.environ):
        if name.startswith(("VZWATCH_", "XDG_")):
            drop_variable(name)
    set_variable("HOME", str(home))
    for name, relative in XDG_DIRECTORIES.items():
        set_variable(name, str(home / relative))


def pytest_configure(config: pytest.Config) -> None:
    home = Path(tempfile.mkdtemp(prefix="vzwatch-tests-session-home-"))
    config.stash[_SESSION_HOME] = home
    pin_environment(home, os.environ.__setitem__, os.environ.pop)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_SESSION_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    home = session.config.stash.get(_SESSION_HOME, None)
    written = leftovers(home) if home is not None else []
    if written:
        fail_session(
            session,
            "the suite wrote outside its temporary directories, into the session's HOME: "
            + ", ".join(written),
        )
    basetemp = session.config.stash.get(_BASETEMP, None)
    if basetemp is not None:
        leaked = cache_entries_naming(real_cache_directory(), basetemp, _STARTED)
        if leaked:
            fail_session(
                session,
                "a child process without HOME kept the parse cache of a test's store in the "
                "real user's cache: " + ", ".join(str(path) for path in leaked),
            )


def fail_session(session: pytest.Session, message: str) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _session_basetemp(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    request.config.stash[_BASETEMP] = tmp_path_factory.getbasetemp()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (
            "reliability" in item.path.parts
            or item.get_closest_marker("subprocess")
            or item.get_closest_marker("browser")
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    pin_environment(home, monkeypatch.setenv, lambda name: monkeypatch.delenv(name))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    """The test's private parse cache (on: no test inherits VZWATCH_NO_CACHE)."""
    return tmp_path / "home" / ".cache" / "vzwatch"


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

    def run_in_store(
        *args: str, env: dict[str, str | None] | None = None, input: str | None = None
    ) -> Run:
        # VZWATCH_DEBUG: a bug raises in the test instead of becoming exit code 70.
        environment: dict[str, str | None] = {"VZWATCH_FILE": str(store), "VZWATCH_DEBUG": "1"}
        environment.update(env or {})
        return invoke(args, env=environment, input=input)

    return run_in_store
