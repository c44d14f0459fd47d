"""Writes in place (edit, remove, a progress that marks done, the milestone and indicator
commands): proportional to the change, same result.

With a warm parse cache these commands touch only the runs they change and
never parse the whole store; without it they take the full path. Both must
leave exactly the same bytes and report exactly the same thing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import BUNDLED, RunCli, a_big_store
from vzwatch.domain import portfolio
from vzwatch.storage import cache, runs

COMMANDS: list[list[str]] = [
    ["edit", "election", "--status", "active"],
    ["edit", "election", "--title", "Renamed | *bold*"],
    ["edit", "hum", "--add-partner", "European Union", "--remove-tag", "refugees"],
    ["edit", "international-dialogue-forums", "--timeline", "Q2 2025", "--objective", ""],
    ["edit", "election", "--pillar", "dialogue-facilitation"],
    ["edit", "election", "--pillar", "nowhere"],
    ["edit", "election", "--status", "maybe"],
    ["edit", "nobody", "--status", "active"],
    ["remove", "election-oversight-missions", "--yes"],
    ["remove", "election", "--yes"],
    ["progress", "international-dialogue-forums", "100", "--date", "2025-01-10"],
    ["progress", "election", "40", "--date", "2025-01-11"],
    ["add", "Regional Summit", "--timeline", "Q3 2025"],
    ["milestone", "add", "election", "Ballots counted", "--quarter", "Q1-2025"],
    ["milestone", "add", "hum", "Ballots counted", "--quarter", "Q2 2025"],
    ["milestone", "add", "hum", "Taken", "-Q", "Q2-2025", "--id", "observer-teams-accredited"],
    ["milestone", "done", "observer", "--date", "2025-02-01"],
    ["milestone", "edit", "observer", "--title", "Accredited", "--quarter", "Q2-2025"],
    ["milestone", "edit", "observer", "--reopen"],
    ["milestone", "edit", "ballots", "--title", "Ballots | *counted*"],
    ["milestone", "remove", "observer-teams-accredited", "--yes"],
    ["milestone", "done", "nothing", "--date", "2025-02-01"],
    ["indicator", "add", "election", "Observers deployed", "--target", "5"],
    ["indicator", "add", "hum", "Meals", "--target", "10", "--id", "people-assisted"],
    ["indicator", "add", "inter", "Forums held", "--target", "4", "--unit", "forums"],
    ["indicator", "edit", "people", "--name", "People helped", "--target", "300000"],
    ["indicator", "edit", "observers", "--baseline", "1", "--unit", "teams"],
    ["indicator", "edit", "people", "--target", "0"],
    ["indicator", "remove", "people-assisted", "--yes"],
    ["indicator", "remove", "observers", "--yes"],
    ["measure", "people-assisted", "50000", "--date", "2025-01-20"],
    ["measure", "observers", "2", "--date", "2025-01-31"],
    ["remove", "hum", "--yes"],
]
TODAY = ["--today", "2025-02-01"]


def with_today(command: list[str]) -> list[str]:
    return [*command, *TODAY] if command[0] in ("edit", "progress") else command


@pytest.fixture
def stores(tmp_path: Path) -> tuple[Path, Path]:
    cached, uncached = tmp_path / "cached.toml", tmp_path / "uncached.toml"
    text = BUNDLED.read_text(encoding="utf-8") + (
        '\n# the log\n[[progress]]\ninitiative = "election-oversight-missions"\n'
        "date = 2025-01-05\npercent = 10\n"
    )
    for path in (cached, uncached):
        path.write_text(text, encoding="utf-8")
    return cached, uncached


def count_whole_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count whole-store validations (a run is validated by the schema's readers alone)."""
    whole: list[int] = []
    original = portfolio.portfolio_from_document

    def counting(document: object, text: str, path: Path) -> portfolio.Portfolio:
        whole.append(1)
        return original(document, text, path)  # type: ignore[arg-type]

    monkeypatch.setattr(portfolio, "portfolio_from_document", counting)
    return whole


def run_both(
    run: RunCli, monkeypatch: pytest.MonkeyPatch, stores: tuple[Path, Path], command: list[str]
) -> None:
    cached, uncached = stores
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        slow = run(*with_today(command), "-f", str(uncached))
    fast = run(*with_today(command), "-f", str(cached))
    assert (fast.exit_code, fast.stdout, fast.stderr.replace("cached", "uncached")) == (
        slow.exit_code,
        slow.stdout,
        slow.stderr,
    ), command
    assert cached.read_bytes() == uncached.read_bytes(), command
    # A write in place checks the new bytes while a temp file takes them: none is left.
    assert list(cached.parent.glob("*.vzwatch-tmp")) == [], command
    # What `list --json` prints (its elements remembered per row in the cache) follows.
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        fresh = run("list", "--json", "-f", str(uncached)).stdout
    assert run("list", "--json", "-f", str(cached)).stdout == fresh, command


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize(
    ("command", "written"),
    [
        (["edit", "election", "--status", "active", *TODAY], 'status = "active"'),
        (["remove", "election-oversight-missions", "--yes"], "Election Oversight" + "!"),
        (["progress", "hum", "100", *TODAY], 'to = "done"'),
        (["milestone", "done", "observer", "--date", "2025-02-01"], "done = 2025-02-01"),
        (["milestone", "add", "hum", "Convoy", "--quarter", "Q2-2025"], 'title = "Convoy"'),
        (["milestone", "edit", "observer", "--title", "Accredited"], 'title = "Accredited"'),
        (["milestone", "remove", "observer-teams-accredited", "--yes"], "observer-teams" + "!"),
        (["indicator", "add", "election", "Observers", "--target", "5"], 'name = "Observers"'),
        (["indicator", "edit", "people", "--name", "People helped"], 'name = "People helped"'),
        (["indicator", "remove", "people-assisted", "--yes"], "people-assisted" + "!"),
        (["remove", "hum", "--yes"], "humanitarian-aid-programs" + "!"),
        (["remove", "election-oversight-missions", "--yes"], "observer-teams" + "!"),
    ],
)
def test_a_write_on_a_warm_cache_never_parses_the_whole_store(
    run: RunCli,
    stores: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    written: str,
) -> None:
    cached, uncached = stores
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache

    with monkeypatch.context() as patch:
        whole = count_whole_parses(patch)
        result = run(*command, "-f", str(cached))
        assert result.exit_code == 0, result.stderr
        assert whole == []
        # The next read is the cache's too, and it is what a fresh parse gives.
        warm = run("list", "--json", "-f", str(cached))
        shown = run("show", "election", "--json", "-f", str(cached))
        assert whole == []
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        shutil.copyfile(cached, uncached)
        assert warm.stdout == run("list", "--json", "-f", str(uncached)).stdout
        assert shown.stdout == run("show", "election", "--json", "-f", str(uncached)).stdout
    text = cached.read_text(encoding="utf-8")
    if written.endswith("!"):
        assert written[:-1] not in text
    else:
        assert written in text


@pytest.mark.usefixtures("cache_home")
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow
@given(st.lists(st.sampled_from(range(len(COMMANDS))), min_size=1, max_size=5))
def test_the_fast_path_writes_and_says_exactly_what_the_full_path_does(
    run: RunCli,
    stores: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    picks: list[int],
) -> None:
    cached, uncached = stores
    shutil.copyfile(BUNDLED, cached)
    shutil.copyfile(BUNDLED, uncached)
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache
    for pick in picks:
        try:
            run_both(run, monkeypatch, stores, COMMANDS[pick])
        except AssertionError:
            print("FAILING", picks)
            raise


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize(
    "command",
    [
        ["edit", "hum", "--add-tag", "aid", *TODAY],
        ["progress", "inter", "100", *TODAY],
        ["remove", "international-dialogue-forums", "--yes"],  # no milestone: in place
    ],
)
def test_a_hand_save_just_before_the_fast_replace_is_kept_and_the_write_redone(
    run: RunCli, stores: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    from vzwatch.operations import writing
    from vzwatch.storage.store import atomic_write as real

    cached, _ = stores
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache
    saves: list[int] = []

    def save_then_replace(path: Path, data: str | bytes, **kwargs: object) -> None:
        if not saves:  # the editor saves once, between our read and our replace
            saves.append(1)
            text = cached.read_text(encoding="utf-8") + "# saved by hand\n"
            swap = cached.with_name("editor-swap")
            swap.write_text(text, encoding="utf-8")
            swap.replace(cached)
        real(path, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(writing, "atomic_write", save_then_replace)
    result = run(*command, "-f", str(cached))
    assert result.exit_code == 0, result.stderr
    assert saves == [1]
    text = cached.read_text(encoding="utf-8")
    assert "# saved by hand\n" in text  # the hand edit is kept...
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        shown = run("list", "--json", "-f", str(cached))
    import json

    records = {item["id"]: item for item in json.loads(shown.stdout)}
    if command[0] == "edit":  # ...and the write applied on top of it
        assert "aid" in records["humanitarian-aid-programs"]["tags"]
    elif command[0] == "progress":
        assert records["international-dialogue-forums"]["status"] == "done"
    else:
        assert "international-dialogue-forums" not in records


# Hand edits that keep the store's size: a write takes the cache's entry as it is then.
SAME_SIZE_EDITS = {
    "none, the file saved again": ("", ""),
    "a title": ("Election Oversight Missions", "Election Oversight Mission!"),
    "the id the command names": (
        'id = "election-oversight-missions"',
        'id = "election-oversight-mission2"',
    ),
    "the status": ('status = "planned"', 'status = "active!"'),
}


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("hand_edit", list(SAME_SIZE_EDITS))
@pytest.mark.parametrize(
    "command",
    [
        ["edit", "election-oversight-missions", "--status", "active"],
        ["remove", "election-oversight-missions", "--yes"],
        ["progress", "election-oversight-missions", "100"],
    ],
)
def test_a_write_after_a_same_size_hand_edit_is_that_of_the_store_as_it_is(
    run: RunCli,
    stores: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    hand_edit: str,
    command: list[str],
) -> None:
    """After a hand edit that keeps the store's size (its stamp moved, the cache's entry
    is of the bytes before), a write leaves and says exactly what the full path does."""
    import os

    cached, _ = stores
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache
    old, new = SAME_SIZE_EDITS[hand_edit]
    assert len(old.encode()) == len(new.encode())
    for path in stores:
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # another stamp
    run_both(run, monkeypatch, stores, command)
    assert list(cached.parent.glob("*.vzwatch-tmp")) == []


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize(
    "command", [["edit", "item-500", "--status", "active"], ["remove", "item-500", "--yes"]]
)
def test_a_write_is_never_planned_on_an_entry_a_far_hand_edit_made_stale(
    run: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """A same-size hand edit far from what the write changes (a pillar no [[pillars]]
    names, on a record the write's own runs never show): the cache's entry, of the bytes
    before, is never taken for the store; the write fails as the full path does and
    writes nothing."""
    import os

    stores = (tmp_path / "cached.toml", tmp_path / "uncached.toml")
    for path in stores:
        path.write_text(a_big_store(600), encoding="utf-8")
    assert run("list", "-f", str(stores[0])).exit_code == 0  # warms the cache
    marker = 'id = "item-5"\ntitle = "Item 5"\ntimeline = "Q2 2025"\npillar = "election-monitoring"'
    for path in stores:
        text = path.read_text(encoding="utf-8")
        assert marker in text
        path.write_text(text.replace(marker, marker[:-2] + 'X"', 1), encoding="utf-8")
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    before = stores[0].read_bytes()
    run_both(run, monkeypatch, stores, command)
    assert stores[0].read_bytes() == before  # the full path refuses the store, unchanged


ARTICLE = """| Initiative | Objective | Timeline |
|---|---|---|
| Election Oversight Missions | Ensure credible elections | Q2 2025 |
| Port Watch | Ships | Q2 2025 |
"""


@pytest.mark.usefixtures("cache_home")
def test_import_on_a_warm_cache_parses_only_what_it_changes_and_writes_the_same(
    run: RunCli, stores: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    article = tmp_path / "article.md"
    article.write_text(ARTICLE, encoding="utf-8")
    cached, uncached = stores
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache

    with monkeypatch.context() as patch:
        whole = count_whole_parses(patch)
        fast = run("import", str(article), "-f", str(cached))
    assert fast.exit_code == 0, fast.stderr
    assert whole == []
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        slow = run("import", str(article), "-f", str(uncached))
    assert (fast.stdout, fast.stderr) == (slow.stdout, slow.stderr.replace("uncached", "cached"))
    assert cached.read_bytes() == uncached.read_bytes()
    assert "port-watch" in cached.read_text(encoding="utf-8")


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize(
    "command",
    [
        ["edit", "election", "--status", "active", *TODAY],
        ["measure", "people-assisted", "7", "--date", "2025-01-31"],
        ["milestone", "done", "observer", "--date", "2025-02-01"],
    ],
)
def test_a_write_after_the_same_entry_twice_at_the_end_stays_in_place(
    run: RunCli, stores: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """The same value measured twice on a day ends the store with two identical tables
    (once the later gains the blank line an append puts after it): the runs around an
    edit are counted, not told apart by their bytes, so the write stays in place."""
    cached, uncached = stores
    twice = '[[measurements]]\nindicator = "people-assisted"\ndate = 2025-01-31\nvalue = 7\n'
    cached.write_text(BUNDLED.read_text(encoding="utf-8") + f"\n{twice}\n{twice}", "utf-8")
    shutil.copyfile(cached, uncached)
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache
    with monkeypatch.context() as patch:
        whole = count_whole_parses(patch)
        assert run(*command, "-f", str(cached)).exit_code == 0
        warm = run("list", "--json", "-f", str(cached)).stdout
        assert whole == []
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        assert run(*command, "-f", str(uncached)).exit_code == 0
        assert warm == run("list", "--json", "-f", str(uncached)).stdout
    assert cached.read_bytes() == uncached.read_bytes()


@given(st.binary(max_size=40), st.text("\r\n", max_size=6))
def test_the_end_of_the_text_is_found_without_copying_the_store(text: bytes, breaks: str) -> None:
    from vzwatch.operations.writing import _text_end

    data = text + breaks.encode()
    assert _text_end(data) == len(data.rstrip(b"\r\n"))


def test_a_hand_copied_entry_reads_as_the_whole_parse_reads_it(
    run: RunCli, stores: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A [[measurements]] table copied by hand, byte for byte, from the middle of the
    store to its end: the read after the change gives what a read without the cache gives."""
    cached, uncached = stores
    text = BUNDLED.read_text(encoding="utf-8")
    start = text.index("\n[[measurements]]\n") + 1
    copied = text[start : text.index("\n[", start) + 1]
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache
    text = text.rstrip("\n") + "\n\n" + copied
    cached.write_text(text, encoding="utf-8")
    uncached.write_text(text, encoding="utf-8")
    warm = run("show", "hum", "--json", "-f", str(cached)).stdout
    listed = run("list", "--json", "-f", str(cached)).stdout
    monkeypatch.setenv("VZWATCH_NO_CACHE", "1")
    assert warm == run("show", "hum", "--json", "-f", str(uncached)).stdout
    assert listed == run("list", "--json", "-f", str(uncached)).stdout


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize(
    ("command", "decodes_milestones"),
    [
        (["edit", "election", "--status", "active", *TODAY], False),
        (["edit", "hum", "--add-tag", "aid", *TODAY], False),
        (["progress", "inter", "100", *TODAY], False),
        (["measure", "people-assisted", "7", "--date", "2025-01-31"], False),
        (["indicator", "add", "hum", "Meals", "--target", "10", "--by", "Q4-2025"], False),
        (["indicator", "edit", "people", "--name", "People helped"], False),
        (["milestone", "done", "convoys", "--date", "2025-02-01"], True),
        (["milestone", "edit", "observer", "--title", "Accredited"], True),
        (["remove", "hum", "--yes"], True),
    ],
)
def test_a_store_ending_with_a_milestone_is_written_in_place_as_the_full_path_writes_it(
    run: RunCli,
    stores: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    decodes_milestones: bool,
) -> None:
    """What a write appends (a [[history]] entry, a measurement) follows the store's last
    [[milestones]] table; a write that changes no milestone leaves them undecoded."""
    from vzwatch.storage import cache, runs

    cached, uncached = stores
    last = '[[milestones]]\ninitiative = "humanitarian-aid-programs"\nid = "convoys"\n'
    last += 'title = "First convoy"\nquarter = "Q1-2025"\n'
    cached.write_text(BUNDLED.read_text(encoding="utf-8") + f"\n{last}", "utf-8")
    shutil.copyfile(cached, uncached)
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache
    decoded: list[int] = []
    fields_of = cache._fields_of

    def counting(head: tuple[object, ...]) -> portfolio.Portfolio:
        decoded.append(1)
        return fields_of(head)

    with monkeypatch.context() as patch:
        whole = count_whole_parses(patch)
        patch.setattr(runs, "_fields_of", counting)
        patch.setattr(cache, "_fields_of", counting)
        result = run(*command, "-f", str(cached))
        assert result.exit_code == 0, result.stderr
        assert whole == []
    assert bool(decoded) == decodes_milestones
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        slow = run(*command, "-f", str(uncached))
        fresh = run("show", "hum", "--json", "-f", str(uncached)).stdout
    assert (result.stdout, result.stderr) == (
        slow.stdout,
        slow.stderr.replace("uncached", "cached"),
    )
    assert cached.read_bytes() == uncached.read_bytes()
    assert run("show", "hum", "--json", "-f", str(cached)).stdout == fresh


@pytest.mark.usefixtures("cache_home")
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(0, 599),
    st.sampled_from(
        [["--title", "T"], ["--title", "A much longer title than before"], ["--status", "active"]]
    ),
    st.booleans(),
)
def test_what_a_write_in_place_records_is_what_splitting_the_new_file_gives(
    run: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    number: int,
    change: list[str],
    removing: bool,
) -> None:
    """The runs, their groups and the state a write records come from the old ones
    around the change (worked out while the file is written): they are what splitting
    and hashing the whole new file gives, so the next read needs no whole parse."""
    path = tmp_path / "big.toml"
    path.write_text(a_big_store(600), encoding="utf-8")
    assert run("list", "--json", "-f", str(path)).exit_code == 0  # fills the cache
    whole = count_whole_parses(monkeypatch)
    command = ["remove", f"item-{number}", "--yes"] if removing else ["edit", f"item-{number}"]
    result = run(*command, *([] if removing else change), "-f", str(path))
    assert result.exit_code == 0, result.stderr
    assert whole == []  # written in place
    entry = cache._open_entry(path)
    assert entry is not None
    with entry.handle:
        recorded = entry.runs()
        state = entry.state
    assert recorded is not None
    data = path.read_bytes()
    bounds = runs._run_bounds(data)
    assert list(recorded.lengths or ()) == list(runs._lengths(bounds))
    assert recorded.digests == tuple(runs.run_digests(data, bounds))
    assert recorded.groups == runs._group_digests(data, bounds)
    assert state.describes(data)
    assert not state.describes(data.replace(b"Item", b"Itam", 1))


@given(
    st.binary(max_size=60),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8), st.binary(max_size=6)), max_size=4),
    st.integers(-70, 70),
    st.integers(-70, 70),
)
def test_a_splice_replaces_each_range_and_keeps_the_rest(
    data: bytes, wanted: list[tuple[int, int, bytes]], low: int, high: int
) -> None:
    """The new bytes, kept as pieces: written, sliced and compared as the joined bytes."""
    from vzwatch.storage.runs import Spliced

    edits, position = [], 0
    for at, size, new in sorted(wanted):  # ranges that do not overlap, inside the data
        start = min(max(at, position), len(data))
        end = min(start + size, len(data))
        edits.append((start, end, new))
        position = end
    expected, position = b"", 0
    for start, end, new in sorted(edits):  # insertions at one place: in the order splice takes
        expected += data[position:start] + new
        position = end
    expected += data[position:]
    spliced = Spliced(data, list(reversed(edits)))
    assert spliced.tobytes() == b"".join(spliced.pieces) == expected
    assert len(spliced) == len(expected)
    assert spliced[low:high] == expected[low:high]
    assert spliced[low:] == expected[low:]
    edits_anything = any(data[start:end] != new for start, end, new in edits)
    assert spliced.edits_anything() == edits_anything
    assert edits_anything or expected == data


@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize("damage", ["replaced", "corrupt"])
def test_an_entry_replaced_or_damaged_while_a_write_reads_it_sends_the_write_the_full_way(
    run: RunCli, stores: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """The run payloads are read from the entry when first asked: by then a reader may
    have replaced the entry (readers take no lock), or its bytes may be damaged."""
    from vzwatch.storage import runs

    cached, uncached = stores
    assert run("list", "-f", str(cached)).exit_code == 0  # warms the cache
    vouch = runs.vouch

    def vouch_then_damage(*args: object) -> runs.Vouched | None:
        vouched = vouch(*args)  # type: ignore[arg-type]
        assert vouched is not None
        assert vouched.entry.payloads_at is not None
        entry = vouched.entry.path
        if damage == "replaced":
            copy = entry.with_name("entry-copy")
            shutil.copyfile(entry, copy)
            copy.replace(entry)
        else:
            with entry.open("r+b") as handle:
                handle.seek(vouched.entry.payloads_at + 20)  # inside the first chunk's frame
                flipped = bytes([handle.read(1)[0] ^ 0xFF])
                handle.seek(-1, 1)
                handle.write(flipped)
        return vouched

    command = ["edit", "election", "--status", "active", *TODAY]
    with monkeypatch.context() as patch:
        patch.setattr(runs, "vouch", vouch_then_damage)
        fast = run(*command, "-f", str(cached))
    with monkeypatch.context() as patch:
        patch.setenv("VZWATCH_NO_CACHE", "1")
        slow = run(*command, "-f", str(uncached))
    assert (fast.exit_code, fast.stdout) == (0, slow.stdout), fast.stderr
    assert cached.read_bytes() == uncached.read_bytes()
