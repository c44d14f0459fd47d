"""`progress` as an O(1) append: the same bytes as the full rewrite, a cache that keeps up,
and nothing lost when the writer is killed halfway."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import BUNDLED, RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.operations.reading import load_portfolio
from vzwatch.storage import cache
from vzwatch.storage.tomledit import render_block

TODAY = ("--today", "2025-03-31")
NO_CACHE: dict[str, str | None] = {cache.NO_CACHE_ENV: "1"}


pytestmark = pytest.mark.usefixtures("cache_home")


def shown(run: RunCli, ident: str, env: dict[str, str | None] | None = None) -> dict[str, Any]:
    result = run("show", ident, "--json", env=env)
    assert result.exit_code == ExitCode.OK, result.stderr
    record: dict[str, Any] = json.loads(result.stdout)
    return record


def listed(run: RunCli, env: dict[str, str | None] | None = None) -> object:
    result = run("list", "--json", env=env)
    assert result.exit_code == ExitCode.OK, result.stderr
    return json.loads(result.stdout)


def warm(run: RunCli) -> None:
    """Fill the cache: the fast path needs an entry that vouches for the store."""
    listed(run)


def grow(store: Path, count: int) -> None:
    blocks = [
        render_block(
            "initiatives",
            {"id": f"filler-{n:05d}", "title": f"Filler {n}", "timeline": "Q1 2025"},
        )
        for n in range(count)
    ]
    with store.open("a", encoding="utf-8") as handle:
        handle.write("\n" + "\n".join(blocks))


SCRIPT = [
    ("progress", "hum", "40", "--note", "Convoys moving", "--date", "2025-02-10"),
    ("progress", "hum", "20", "--date", "2025-01-05"),  # back-dated: sorts before
    ("progress", "hum", "45", "--note", "Same day, later in the file", "--date", "2025-02-10"),
    ("progress", "inter", "100", "--keep-status", "--date", "2025-03-01"),
    ("progress", "election", "60", "--date", "2025-03-30"),
    ("progress", "election", "100", "--date", "2024-12-01"),  # not current: no status change
]


def test_fast_progress_writes_exactly_what_the_full_rewrite_would(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.toml"
    shutil.copyfile(store, slow)
    warm(run)
    inode = store.stat().st_ino
    for args in SCRIPT:
        fast_result = run(*args, *TODAY)
        slow_result = run(*args, *TODAY, env={"VZWATCH_FILE": str(slow), **NO_CACHE})
        assert fast_result.exit_code == ExitCode.OK, fast_result.stderr
        assert (fast_result.stdout, fast_result.stderr) == (slow_result.stdout, slow_result.stderr)
        assert store.read_bytes() == slow.read_bytes()
    assert store.stat().st_ino == inode  # appended every time, never rewritten


def test_the_cache_keeps_up_with_fast_progress(run: RunCli, store: Path) -> None:
    warm(run)
    for args in SCRIPT:
        assert run(*args, *TODAY).exit_code == ExitCode.OK
        hit = cache.lookup(store)  # trusted at once: no need to read the store
        assert hit is not None
        assert listed(run) == listed(run, env=NO_CACHE)
    hit = cache.lookup(store)
    assert hit is not None
    log = hit.find("humanitarian-aid-programs").progress_log
    assert [(entry.on.isoformat(), entry.percent) for entry in log] == [
        ("2025-01-05", 20),
        ("2025-02-10", 40),
        ("2025-02-10", 45),
    ]


def test_json_output_of_fast_progress_is_the_stored_record(run: RunCli) -> None:
    warm(run)
    result = run("progress", "hum", "30", "--note", "n", "--json", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    # Like every write's --json, exactly what `show --json` prints (pillar_name included).
    assert json.loads(result.stdout) == shown(run, "hum", env=NO_CACHE)


def test_reaching_100_percent_takes_the_full_path_and_logs_the_status(
    run: RunCli, store: Path
) -> None:
    warm(run)
    inode = store.stat().st_ino
    result = run("progress", "hum", "100", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "status active → done" in result.stdout
    assert store.stat().st_ino != inode  # the status is edited in place: a full rewrite
    record = shown(run, "hum")
    assert record == shown(run, "hum", env=NO_CACHE)
    assert record["status"] == "done"
    assert record["history"][-1]["to"] == "done"
    # And the next entry is fast again.
    inode = store.stat().st_ino
    assert run("progress", "hum", "90", "--date", "2025-03-01", *TODAY).exit_code == 0
    assert store.stat().st_ino == inode


def test_fast_progress_on_an_initiative_added_by_a_fast_add(run: RunCli, store: Path) -> None:
    warm(run)
    assert run("add", "Border Clinics", "--timeline", "Q2 2025").exit_code == 0
    assert run("progress", "border", "15", *TODAY).exit_code == 0
    assert run("progress", "border", "35", *TODAY).exit_code == 0
    assert run("add", "Border Schools", "--timeline", "Q3 2025").exit_code == 0
    assert listed(run) == listed(run, env=NO_CACHE)
    record = shown(run, "border-clinics")
    assert [entry["percent"] for entry in record["progress_log"]] == [15, 35]


@pytest.mark.parametrize(
    ("ident", "message"),
    [("nothing-like-it", "no initiative matches"), ("e", "ambiguous: ")],
)
def test_an_unknown_or_ambiguous_id_changes_nothing(
    run: RunCli, store: Path, ident: str, message: str
) -> None:
    warm(run)
    assert run("add", "Exchange Forum", "--timeline", "Q2 2025").exit_code == 0
    before = store.read_bytes()
    result = run("progress", ident, "10", *TODAY)
    assert result.exit_code == ExitCode.NOT_FOUND
    assert message in result.stderr
    assert store.read_bytes() == before


def test_progress_in_a_large_store_reads_back_from_every_chunk(run: RunCli, store: Path) -> None:
    """Rows are cached in chunks; an entry for a late row lands in the right one."""
    grow(store, 700)
    warm(run)
    for ident in ("filler-00000", "filler-00300", "filler-00699", "hum"):
        assert run("progress", ident, "25", *TODAY).exit_code == ExitCode.OK
    assert listed(run) == listed(run, env=NO_CACHE)


def test_a_hand_edit_after_a_fast_progress_is_seen(run: RunCli, store: Path) -> None:
    warm(run)
    assert run("progress", "hum", "30", *TODAY).exit_code == 0
    text = store.read_text(encoding="utf-8")
    store.write_text(text.replace("percent = 30", "percent = 31"), encoding="utf-8")
    assert shown(run, "hum")["progress"] == 31


# --- crashes ---------------------------------------------------------------------

KILLS = 30


def child_env(store: Path, home: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "VZWATCH_FILE": str(store),
        "NO_COLOR": "1",
        "PYTHONUTF8": "1",
        **extra,
    }


def vzwatch(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = shutil.which("vzwatch", path=str(Path(sys.executable).parent))
    assert command is not None, "pip install -e . puts vzwatch next to the interpreter"
    return subprocess.run(
        [command, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.subprocess
def test_sigkill_during_fast_progress_keeps_every_acknowledged_entry(tmp_path: Path) -> None:
    store = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, store)
    grow(store, 1500)
    home = tmp_path / "child-home"
    home.mkdir()
    env = child_env(store, home)
    uncached = child_env(store, home, VZWATCH_NO_CACHE="1")
    assert vzwatch("list", "--json", env=env).returncode == ExitCode.OK  # fill the cache
    inode = store.stat().st_ino
    timings = []
    for run in range(3):
        started = time.monotonic()
        result = vzwatch("progress", "hum", "1", "--note", f"timing {run}", env=env)
        assert result.returncode == ExitCode.OK, result.stderr
        timings.append(time.monotonic() - started)
    assert store.stat().st_ino == inode  # the fast path is what gets killed below
    one_write = sorted(timings)[1]
    command = shutil.which("vzwatch", path=str(Path(sys.executable).parent))
    assert command is not None
    rng = random.Random(20250331)  # fixed seed: a failure can be replayed
    acknowledged: set[str] = set()
    for attempt in range(KILLS):
        note = f"crash {attempt}"
        child = subprocess.Popen(
            [command, "progress", "hum", str(attempt % 99), "--note", note],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.0, one_write * 2))  # about half finish
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
        if child.returncode == 0:
            acknowledged.add(note)
        # After every kill: the store validates, holds every acknowledged entry,
        # and what the cache serves is what the file says.
        portfolio = load_portfolio(store.read_text(encoding="utf-8"), store)
        notes = {entry.note for entry in portfolio.find("hum").progress_log}
        assert acknowledged <= notes
        cached = vzwatch("show", "hum", "--json", env=env)
        assert cached.returncode == ExitCode.OK, cached.stderr
        assert cached.stdout == vzwatch("show", "hum", "--json", env=uncached).stdout
    assert 0 < len(acknowledged) < KILLS  # kills landed before, during and after writes
    assert vzwatch("progress", "hum", "50", env=env).returncode == ExitCode.OK
    assert list(tmp_path.glob(".store.toml.*.vzwatch-tmp")) == []
    assert store.with_name("store.toml.lock").stat().st_size == 0  # no undo record left


def test_cached_ids_answer_like_a_set() -> None:
    ids = cache.Ids("\nalpha\nbeta\ngamma\n", added=["delta", "beta"])
    assert list(ids) == ["alpha", "beta", "gamma", "delta"]
    assert len(ids) == 4
    for _ in range(20):  # past the searches after which it builds a set
        assert "beta" in ids
        assert "delta" in ids
        assert "bet" not in ids
        assert "alpha\nbeta" not in ids
        assert object() not in ids
    assert ids.position("gamma") == 2
    assert ids.position("delta") is None  # not among the rows the entry was written with
    assert list(cache.Ids("\n")) == []
    assert len(cache.Ids("\n")) == 0
    assert cache.Ids("\nab\nabc\nb\nxab\n", added=["abd"]).starting_with("ab") == {
        "ab",
        "abc",
        "abd",
    }
    assert cache.Ids("\nab\n").starting_with("") == {"ab"}
    assert cache.Ids("\n").starting_with("a") == set()


def test_ids_made_from_one_title_again_and_again_stay_unique(run: RunCli, store: Path) -> None:
    warm(run)
    made = [run("add", "Same Title", "--timeline", "Q2 2025").stdout.strip() for _ in range(12)]
    assert made == ["same-title", *(f"same-title-{n}" for n in range(2, 13))]
    assert listed(run) == listed(run, env=NO_CACHE)


def test_cited_progress_and_revisions_append_like_progress(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    """The ledger's logs take the same O(1) append (progress) and in-place write (edit)
    as before: the same bytes as the full rewrite, the file never replaced for progress."""
    slow = tmp_path / "slow.toml"
    shutil.copyfile(store, slow)
    script = [
        ("source", "add", "Kyodo News", "--published", "2025-03-03"),
        ("progress", "hum", "40", "--source", "kyodo", "--source", "japan", "--date", "2025-03-04"),
        ("edit", "inter", "--timeline", "Q2 2025", "--source", "kyodo", "--date", "2025-03-03"),
        ("progress", "inter", "10", "--source", "kyodo", "--date", "2025-03-05"),
    ]
    for args in script:
        warm(run)
        inode = store.stat().st_ino
        dated = TODAY if args[0] != "source" else ()
        fast_result = run(*args, *dated)
        slow_result = run(*args, *dated, env={"VZWATCH_FILE": str(slow), **NO_CACHE})
        assert fast_result.exit_code == ExitCode.OK, fast_result.stderr
        assert (fast_result.stdout, fast_result.stderr) == (slow_result.stdout, slow_result.stderr)
        assert store.read_bytes() == slow.read_bytes()
        if args[0] == "progress":
            assert store.stat().st_ino == inode  # appended, never rewritten
    assert shown(run, "hum")["progress_log"][-1]["sources"] == ["kyodo-news", "japan-wire"]
    assert shown(run, "inter") == shown(run, "inter", env=NO_CACHE)
