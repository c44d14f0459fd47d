"""The read after a change: only changed runs are parsed, and the answer is the parse's.

Whatever a person does to the file between two reads, the cached read must
give exactly what a fresh parse of the whole file gives (records, or the
error). These tests edit a store by hand, read it through the cache after
every edit, and compare.
"""

from __future__ import annotations

import os
import re
import threading
import time
from array import array
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import a_big_store, invoke
from vzwatch.domain.errors import StoreError
from vzwatch.domain.portfolio import Portfolio
from vzwatch.operations import reading
from vzwatch.operations.reading import load_portfolio
from vzwatch.storage import cache, runs, threads
from vzwatch.storage.store import StoreLocation
from vzwatch.storage.store import parse_toml as store_parse_toml

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "initiatives.toml"

LOG = """
[[progress]]
initiative = "election-oversight-missions"
date = 2025-01-20
percent = 10
note = "Advance team in Caracas"

[[progress]]
initiative = "international-dialogue-forums"
date = 2024-09-30
percent = 25

[[history]]
initiative = "humanitarian-aid-programs"
date = 2025-03-20
field = "status"
from = "active"
to = "paused"

[[progress]]
initiative = "election-oversight-missions"
date = 2025-01-20
percent = 15
note = "Same day, later in the file: wins"
"""


def through_cache(path: Path) -> Portfolio | str:
    try:
        return reading.open_portfolio(StoreLocation(path, "option", "test"))
    except StoreError as error:
        return str(error)


def parsed_whole(path: Path) -> Portfolio | str:
    try:
        return load_portfolio(path.read_text(encoding="utf-8"), path)
    except StoreError as error:
        return str(error)


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    # Make every version distinct in the stamp even within one clock tick.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))


@pytest.fixture
def store(tmp_path: Path, cache_home: Path) -> Path:
    path = tmp_path / "store.toml"
    write(path, BUNDLED.read_text(encoding="utf-8") + LOG)
    assert through_cache(path) == parsed_whole(path)  # fills the cache
    return path


def recorded_runs(path: Path) -> runs.Runs:
    """The runs the cache's entry of ``path`` records."""
    entry = cache._open_entry(path)
    assert entry is not None
    with entry.handle:
        recorded = entry.runs()
    assert recorded is not None
    return recorded


def count_whole_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = store_parse_toml

    def counting(text: str, path: Path) -> dict[str, object]:
        calls.append(1)
        return original(text, path)

    monkeypatch.setattr(reading, "parse_toml", counting)
    return calls


def count_runs_read(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The runs a read after a change parses, in order."""
    runs_read: list[bytes] = []
    original = runs._read_run

    def counting(run: bytes, fields: Portfolio) -> object:
        runs_read.append(run)
        return original(run, fields)

    monkeypatch.setattr(runs, "_read_run", counting)
    return runs_read


def assert_a_retitle_by_hand_parses_only_its_run(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retitle the EOM by hand: the read through the cache parses that run alone and
    gives what a fresh parse gives."""
    parses = count_whole_parses(monkeypatch)
    runs_read = count_runs_read(monkeypatch)
    text = store.read_text(encoding="utf-8")
    write(store, text.replace('title = "Election Oversight Missions"', 'title = "EOM, renamed"'))
    seen = through_cache(store)
    assert isinstance(seen, Portfolio)
    assert seen.find("election-oversight-missions").title == "EOM, renamed"
    assert parses == []
    assert len(runs_read) == 1
    assert seen == parsed_whole(store)


def test_editing_one_record_by_hand_parses_only_that_run(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_a_retitle_by_hand_parses_only_its_run(store, monkeypatch)


@pytest.mark.parametrize(
    "header", ["[[ initiatives ]]", '[["initiatives"]]', "[[initiatives]]  # the EOM"]
)
def test_a_hand_edit_under_a_header_written_otherwise_parses_only_that_run(
    store: Path, monkeypatch: pytest.MonkeyPatch, header: str
) -> None:
    """A header vzwatch would not write is read by the block index, not told by its
    first line; the record still costs the parse of its run alone."""
    text = store.read_text(encoding="utf-8")
    marker = '[[initiatives]]\nid = "election-oversight-missions"'
    assert marker in text
    write(store, text.replace(marker, marker.replace("[[initiatives]]", header)))
    assert through_cache(store) == parsed_whole(store)
    assert_a_retitle_by_hand_parses_only_its_run(store, monkeypatch)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('title = "Observer teams accredited"', 'title = "Teams accredited"'),
        ('quarter = "Q1-2025"\n', 'quarter = "Q1-2025"\ndone = 2025-02-01\n'),
        ('name = "Displaced people assisted"', 'name = "People helped"'),
        ("value = 20000", "value = 25000"),
        ("date = 2024-10-31", "date = 2025-03-01"),
    ],
)
def test_a_hand_edit_of_a_milestone_indicator_or_measurement_parses_only_its_runs(
    store: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    parses = count_whole_parses(monkeypatch)
    runs_read = count_runs_read(monkeypatch)
    text = store.read_text(encoding="utf-8")
    assert old in text
    write(store, text.replace(old, new, 1))
    seen = through_cache(store)
    assert parses == []
    assert len(set(runs_read)) == 1  # the changed run alone (the general path reads it again)
    listed = invoke(["list", "--json", "-f", str(store)])
    assert parses == []
    assert seen == parsed_whole(store)
    assert (
        listed.stdout
        == invoke(["list", "--json", "-f", str(store)], env={cache.NO_CACHE_ENV: "1"}).stdout
    )


def test_removing_an_initiative_its_milestone_still_names_is_the_parses_error(
    store: Path,
) -> None:
    text = store.read_text(encoding="utf-8")
    start = text.index('[[initiatives]]\nid = "election-oversight-missions"')
    end = text.index("\n[", start) + 1
    write(store, text[:start] + text[end:])
    seen = through_cache(store)
    assert isinstance(seen, str)
    assert "names initiative 'election-oversight-missions'" in seen
    assert seen == parsed_whole(store)


def test_a_progress_entry_added_by_hand_in_the_middle_counts(store: Path) -> None:
    text = store.read_text(encoding="utf-8")
    entry = (
        '[[progress]]\ninitiative = "humanitarian-aid-programs"\n'
        "date = 2025-02-01\npercent = 30\n\n"
    )
    at = text.index("\n[[initiatives]]") + 1
    write(store, text[:at] + entry + text[at:])
    seen = through_cache(store)
    assert isinstance(seen, Portfolio)
    assert seen.find("humanitarian-aid-programs").progress == 30
    assert seen == parsed_whole(store)


def test_removing_an_initiative_but_not_its_entries_is_the_parses_error(store: Path) -> None:
    text = store.read_text(encoding="utf-8")
    start = text.index('[[initiatives]]\nid = "election-oversight-missions"')
    end = text.index("[[initiatives]]", start + 1)
    write(store, text[:start] + text[end:])
    seen = through_cache(store)
    assert isinstance(seen, str)
    assert "election-oversight-missions" in seen
    assert seen == parsed_whole(store)


def test_a_record_edited_and_then_put_back_reads_as_the_original(store: Path) -> None:
    original = store.read_text(encoding="utf-8")
    write(store, original.replace('objective = "Ensure transparent elections"', 'objective = "X"'))
    assert through_cache(store) == parsed_whole(store)
    write(store, original)
    seen = through_cache(store)
    assert isinstance(seen, Portfolio)
    assert seen.find("election-oversight-missions").objective == "Ensure transparent elections"
    assert seen == parsed_whole(store)


def test_an_identical_entry_copied_by_hand_is_counted_twice(store: Path) -> None:
    text = store.read_text(encoding="utf-8")
    block = LOG[LOG.index("[[progress]]") : LOG.index("[[progress]]", 10)]
    write(store, text + "\n" + block)
    seen = through_cache(store)
    assert isinstance(seen, Portfolio)
    assert len(seen.find("election-oversight-missions").progress_log) == 3
    assert seen == parsed_whole(store)


# --- any sequence of hand edits ----------------------------------------------------

EDITS = [
    ("retitle", r'title = "Election Oversight Missions"', 'title = "Renamed"'),
    ("retitle back", r'title = "Renamed"', 'title = "Election Oversight Missions"'),
    ("percent", r"percent = 25", "percent = 60"),
    ("percent back", r"percent = 60", "percent = 25"),
    ("bad percent", r"percent = 10\n", "percent = 140\n"),
    ("good percent", r"percent = 140\n", "percent = 10\n"),
    ("status", r'status = "planned"', 'status = "active"'),
    ("bad status", r'status = "active"', 'status = "maybe"'),
    ("portfolio", r'title = "Japan', 'title = "Nippon'),
    ("pillar name", r'name = "Election Monitoring"', 'name = "Elections"'),
    ("unknown pillar", r'pillar = "election-monitoring"', 'pillar = "nowhere"'),
    ("known pillar", r'pillar = "nowhere"', 'pillar = "election-monitoring"'),
    ("comment", r"# The initiatives, as in the article's table.", "# changed comment"),
    ("dup id", r'id = "humanitarian-aid-programs"', 'id = "election-oversight-missions"'),
    (
        "undup id",
        r'(\[\[initiatives\]\]\nid = )"election-oversight-missions"(\ntitle = "Hum)',
        r'\1"humanitarian-aid-programs"\2',
    ),
    ("milestone title", r'title = "Observer teams accredited"', 'title = "Teams accredited"'),
    ("milestone done", r'(quarter = "Q1-2025"\n)', r"\1done = 2025-02-01\n"),
    ("milestone quarter", r'quarter = "Q1-2025"', 'quarter = "Q9-2025"'),
    (
        "milestone owner",
        r'initiative = "election-oversight-missions"\ntitle = "Observer',
        'initiative = "nobody"\ntitle = "Observer',
    ),
    ("indicator name", r'name = "Displaced people assisted"', 'name = "People helped"'),
    ("indicator way", r"target = 200000", "target = 0"),
    ("indicator id", r'id = "people-assisted"', 'id = "people-helped"'),
    (
        "indicator owner",
        r'initiative = "humanitarian-aid-programs"\nname',
        'initiative = "election-oversight-missions"\nname',
    ),
    ("measurement value", r"value = 20000", "value = 25000"),
    ("measurement date", r"date = 2024-10-31", "date = 2025-03-01"),
    (
        "measurement orphan",
        r'indicator = "people-assisted"\ndate = 2025-01-31',
        'indicator = "nothing"\ndate = 2025-01-31',
    ),
]
APPENDS = [
    '\n[[progress]]\ninitiative = "humanitarian-aid-programs"\ndate = 2025-02-02\npercent = 5\n',
    '\n[[history]]\ninitiative = "election-oversight-missions"\ndate = 2025-02-03\n'
    'field = "status"\nfrom = "planned"\nto = "active"\n',
    '\n[[initiatives]]\nid = "late-addition"\ntitle = "Late addition"\ntimeline = "Q2 2025"\n',
    '\n[[progress]]\ninitiative = "nobody"\ndate = 2025-02-02\npercent = 5\n',
    "\n[extra]\nk = 1\n",
    '\n[[milestones]]\nid = "late-step"\ninitiative = "humanitarian-aid-programs"\n'
    'title = "Late step"\nquarter = "Q2-2025"\n',
    '\n[[milestones]]\nid = "observer-teams-accredited"\ninitiative = "humanitarian-aid-programs"\n'
    'title = "Same id"\nquarter = "Q2-2025"\n',
    '\n[[indicators]]\nid = "late-result"\ninitiative = "election-oversight-missions"\n'
    'name = "Late"\ntarget = 3\n',
    '\n[[measurements]]\nindicator = "people-assisted"\ndate = 2025-02-10\nvalue = 50000\n',
    '\n[[measurements]]\nindicator = "people-assisted"\ndate = 2025-01-31\nvalue = 45000\n',
    '\n[[measurements]]\nindicator = "late-result"\ndate = 2025-02-10\nvalue = 1\n',
    '\n[[initiatives]]\nid = "with-sub"\ntitle = "Sub"\ntimeline = "2025"\n'
    "[initiatives.more]\nk = 1\n",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("edit"), st.integers(0, len(EDITS) - 1)),
            st.tuples(st.just("append"), st.integers(0, len(APPENDS) - 1)),
            st.tuples(st.just("drop-last"), st.just(0)),
            st.tuples(st.just("swap"), st.just(0)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_hand_edits_read_exactly_as_a_fresh_parse(
    store: Path, steps: list[tuple[str, int]]
) -> None:
    pristine = BUNDLED.read_text(encoding="utf-8") + LOG
    write(store, pristine)
    through_cache(store)
    for kind, number in steps:
        text = store.read_text(encoding="utf-8")
        if kind == "edit":
            _, pattern, replacement = EDITS[number]
            text = re.sub(pattern, replacement, text, count=1)
        elif kind == "append":
            text += APPENDS[number]
        elif kind == "drop-last":
            at = text.rfind("\n[")
            text = text[: max(at, 0) + 1]
        else:  # swap the first two initiatives
            first = text.find("\n[[initiatives]]") + 1
            second = text.find("[[initiatives]]", first + 1)
            third = text.find("[[initiatives]]", second + 1)
            if third > 0:
                text = text[:first] + text[second:third] + text[first:second] + text[third:]
        write(store, text)
        assert through_cache(store) == parsed_whole(store), (kind, number)


def test_a_same_size_save_during_a_cold_parse_is_never_served_stale(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry must pair the records with the stamp of the bytes they came from.

    An editor saves (same size, old mtime put back) while a cold read parses;
    the parse takes longer than the settling margin. The next read must see
    the save, not the records of the bytes read before it.
    """
    store = tmp_path / "store.toml"
    write(store, BUNDLED.read_text(encoding="utf-8"))
    monkeypatch.setattr(cache, "_FINE_MARGIN_NS", 1_000_000)  # 1 ms: the parse "takes long"
    monkeypatch.setattr(cache, "_COARSE_MARGIN_NS", 1_000_000)
    original = store_parse_toml

    def parse_while_an_editor_saves(text: str, path: Path) -> dict[str, object]:
        document = original(text, path)
        before = store.stat()
        edited = text.replace("Ensure transparent elections", "Ensure transparent electiony")
        store.write_text(edited, encoding="utf-8")
        os.utime(store, ns=(before.st_atime_ns, before.st_mtime_ns))
        import time

        time.sleep(0.01)  # longer than the margin
        return document

    monkeypatch.setattr(reading, "parse_toml", parse_while_an_editor_saves)
    through_cache(store)
    monkeypatch.setattr(reading, "parse_toml", original)
    seen = through_cache(store)
    assert isinstance(seen, Portfolio)
    assert seen.find("election-oversight-missions").objective == "Ensure transparent electiony"


def test_a_file_put_back_by_hand_after_an_o1_append_reads_as_put_back(
    store: Path, tmp_path: Path
) -> None:
    """An O(1) append changes the cached rows; the runs the cache compares with must
    change with them, or putting the old file back looks like no change at all."""
    before = store.read_text(encoding="utf-8")
    env = {"VZWATCH_FILE": str(store)}
    result = invoke(
        ["progress", "hum", "45", "--date", "2025-01-11", "--today", "2025-02-01"], env=env
    )
    assert result.exit_code == 0, result.stderr
    write(store, before)
    seen = through_cache(store)
    assert seen == parsed_whole(store)
    assert isinstance(seen, Portfolio)
    # Not the 45 put back: 20%, from the bundled indicator.
    assert seen.find("humanitarian-aid-programs").progress == 20


def test_validate_of_a_store_changed_by_hand_parses_only_the_change(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vzwatch.operations.validation import check_files

    parses = count_whole_parses(monkeypatch)
    text = store.read_text(encoding="utf-8")
    write(store, text.replace("percent = 25", "percent = 30"))
    report = check_files([StoreLocation(store, "option", "test")])
    assert report.clean
    assert parses == []
    write(store, text.replace("percent = 25", "percent = 130"))
    report = check_files([StoreLocation(store, "option", "test")])
    assert [problem.message for problem in report.problems] == [
        "percent must be a whole number from 0 to 100"
    ]


def test_list_json_after_hand_edits_prints_what_a_fresh_parse_prints(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`list --json` remembers each initiative's JSON in the cache; a changed row's
    JSON is never served again."""

    def listed(no_cache: bool) -> str:
        env = {"VZWATCH_FILE": str(store), "VZWATCH_NO_CACHE": "1" if no_cache else None}
        result = invoke(["list", "--json"], env=env)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    text = store.read_text(encoding="utf-8")
    for old, new in [
        ('title = "Election Oversight Missions"', 'title = "Renamed"'),
        ("percent = 25", "percent = 35"),
        ('name = "Election Monitoring"', 'name = "Elections"'),  # the pillar_name changes
    ]:
        assert listed(False) == listed(True)  # remembered now
        text = text.replace(old, new)
        write(store, text)
        assert listed(False) == listed(True), new


def logged(path: Path, ident: str) -> int:
    """``vzwatch progress IDENT 50 --note benchmark`` on the store at ``path``: its exit code."""
    args = ["progress", ident, "50", "--note", "benchmark", "--date", "2025-01-11"]
    result = invoke([*args, "--today", "2025-02-01", "--file", str(path)])
    return result.exit_code


def test_a_hand_edit_after_o1_appends_is_read_by_its_run_alone(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """O(1) appends (identical entries among them) leave the runs before them known:
    a later hand edit in the middle is parsed alone, not the whole store."""
    path = tmp_path / "big.toml"
    write(path, a_big_store(600))
    assert through_cache(path) == parsed_whole(path)
    for _ in range(3):
        assert logged(path, "item-599") == 0
    text = path.read_text(encoding="utf-8")
    assert text.count('note = "benchmark"') == 3
    write(path, text.replace('title = "Item 300"', 'title = "Edited by hand"'))
    parses = count_whole_parses(monkeypatch)
    runs_read = count_runs_read(monkeypatch)

    seen = through_cache(path)

    assert isinstance(seen, Portfolio)
    assert seen.find("item-300").title == "Edited by hand"
    assert seen.find("item-599").progress == 50
    assert parses == []
    assert [run for run in runs_read if b"Edited by hand" in run] == runs_read
    assert seen == parsed_whole(path)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["retitle", "grow", "shrink", "drop-entry", "add-entry", "append", "break"]
            ),
            st.integers(0, 599),
        ),
        min_size=1,
        max_size=6,
    )
)
@pytest.mark.slow
def test_hand_edits_anywhere_in_a_big_store_read_as_a_fresh_parse(
    tmp_path: Path, cache_home: Path, edits: list[tuple[str, int]]
) -> None:
    """Reads after a change find it by groups of runs: edits near group edges, that
    change sizes, or come in pairs must still read exactly as a fresh parse."""
    path = tmp_path / "big.toml"
    text = a_big_store(600)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    for kind, number in edits:
        marker = f'id = "item-{number}"\ntitle = "'
        at = text.find(marker)
        if at < 0:
            continue
        at += len(marker)
        end = text.index('"', at)
        if kind == "retitle":
            text = text[:at] + f"Edited {number}" + text[end:]
        elif kind == "grow":
            text = text[:at] + text[at:end] * 3 + text[end:]
        elif kind == "shrink":
            text = text[:at] + text[at:end][:2] + text[end:]
        elif kind == "drop-entry":
            entry = f'\n[[progress]]\ninitiative = "item-{number - number % 3}"'
            start = text.find(entry)
            if start >= 0:
                stop = text.find("\n[", start + 1)
                text = text[:start] + text[stop:]
        elif kind == "add-entry":
            text += (
                f'\n[[progress]]\ninitiative = "item-{number}"\ndate = 2025-02-02\npercent = 7\n'
            )
        elif kind == "append":  # an O(1) append by vzwatch itself, the same entry every time
            valid = not isinstance(parsed_whole(path), str)
            assert logged(path, f"item-{number}") == (0 if valid else 4)
            text = path.read_text(encoding="utf-8")
            continue
        else:
            text = text[:at] + 'x"\nbroken' + text[end:]
        write(path, text)
        assert through_cache(path) == parsed_whole(path), (kind, number)


_RUN_TEXTS = st.lists(st.binary(min_size=1, max_size=6), min_size=0, max_size=300)


@given(
    old_runs=_RUN_TEXTS,
    appended=_RUN_TEXTS,
    at=st.integers(0, 300),
    cut=st.integers(0, 5),
    put=_RUN_TEXTS,
)
@settings(max_examples=300, deadline=None)
@example(old_runs=[b"r%d" % n for n in range(100)], appended=[b"a"] * 28, at=128, cut=0, put=[])
def test_group_digests_after_a_change_are_those_of_a_full_hash(
    old_runs: list[bytes], appended: list[bytes], at: int, cut: int, put: list[bytes]
) -> None:
    """Reusing the recorded group digests of untouched groups gives what hashing all gives,
    also when runs were appended after the groups were hashed (O(1) appends)."""

    def layout(parts: list[bytes]) -> tuple[bytes, list[int], tuple[bytes, ...]]:
        bounds = [0]
        for part in parts:
            bounds.append(bounds[-1] + len(part))
        return b"".join(parts), bounds, tuple(runs._run_digest(part) for part in parts)

    old_data, old_bounds, _ = layout(old_runs)
    old_groups = runs._group_digests(old_data, old_bounds)
    old_runs = [*old_runs, *appended[:70]]
    _, _, old_digests = layout(old_runs)
    at = min(at, len(old_runs))
    new_runs = [*old_runs[:at], *put[:4], *old_runs[at + cut :]]
    data, bounds, digests = layout(new_runs)

    reused = runs._regrouped(data, bounds, digests, old_digests, old_groups)

    assert reused == runs._group_digests(data, bounds)


def _numbered(count: int) -> list[bytes]:
    """The runs of a store of ``count`` one-line tables, after its head."""
    return [b'title = "t"\n', *(b"[[t]]\nv = %d\n" % n for n in range(count))]


def _runs_of(data: bytes) -> tuple[list[int], tuple[bytes, ...]]:
    bounds = runs._run_bounds(data)
    return bounds, tuple(runs.run_digests(data, bounds))


def _recorded(data: bytes, ungrouped: int = 0) -> runs.Runs:
    """The runs an entry records for ``data``: digests end to end, lengths, groups;
    ``ungrouped``: the last groups' runs are in none, as runs O(1) appends added."""
    bounds, digests = _runs_of(data)
    nothing_known = runs.Known(b"", (), lambda start, end: ())
    groups = runs._group_digests(data, bounds)
    groups = groups[: max(len(groups) - ungrouped * 16, 0)]
    lengths = array("I", runs._lengths(bounds))
    return runs.Runs(runs.Digests(b"".join(digests)), (), nothing_known, lengths, groups)


@given(
    count=st.integers(1, 1500),
    group_runs=st.sampled_from([3, 64, 256]),
    at=st.integers(1, 1500),
    cut=st.integers(0, 3),
    put=st.lists(st.sampled_from([b"7", b"77777", b"x = 1", b"]", b"\n[y]"]), max_size=3),
    same_size=st.booleans(),
    also=st.none() | st.integers(1, 1500),
    ungrouped=st.integers(0, 2),
)
@settings(max_examples=300, deadline=None)
@example(count=999, group_runs=256, at=700, cut=1, put=[b"7"], same_size=False, also=9, ungrouped=0)
@example(count=1500, group_runs=256, at=700, cut=0, put=[], same_size=True, also=None, ungrouped=0)
@example(count=1500, group_runs=3, at=20, cut=0, put=[b"7"], same_size=False, also=9, ungrouped=1)
@example(count=1500, group_runs=3, at=20, cut=0, put=[], same_size=True, also=1400, ungrouped=0)
def test_the_runs_found_from_the_groups_are_those_of_the_new_bytes(
    count: int,
    group_runs: int,
    at: int,
    cut: int,
    put: list[bytes],
    same_size: bool,
    also: int | None,
    ungrouped: int,
) -> None:
    """Groups matched from both ends at once (a second thread takes the end's) give
    what one thread gives, and that is what splitting and hashing the new bytes gives.
    The change: runs ``at:at + cut`` replaced by ``put``, or one run's value rewritten
    in the same number of bytes; ``also``: a second run rewritten so, further on;
    ``ungrouped``: how many of the last groups the record lacks (O(1) appends)."""
    at = min(at, count)
    pieces = _numbered(count)
    old = b"".join(pieces)

    def rewritten(number: int) -> bytes:  # v = 123 -> v = 999
        return b"[[t]]\nv = %s\n" % (b"9" * len(b"%d" % (number - 1)))

    if also is not None and at < also <= count:
        pieces[also] = rewritten(also)
    if same_size:
        pieces[at] = rewritten(at)
    else:
        pieces[at : at + cut] = [b"[[t]]\nv = %s\n" % value for value in put]
    new = b"".join(pieces)
    found = {}
    for on_two_threads in (False, True):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(runs, "_GROUP_RUNS", group_runs)
            patch.setattr(runs, "_GROUPS_FROM_BOTH_ENDS_BYTES", 0 if on_two_threads else 1 << 62)
            patch.setattr(threads, "usable_cpus", lambda: 2)
            found[on_two_threads] = runs._split_by_groups(new, _recorded(old, ungrouped))
            expected_groups = runs._group_digests(new, runs._run_bounds(new))
    assert found[True] == found[False]
    split = found[False]
    if split is None:  # the whole parse decides (a change at the very start)
        return
    bounds, digests, head, tail, groups, lengths = split
    expected_bounds, expected = _runs_of(new)
    assert bounds == expected_bounds
    assert tuple(digests) == expected
    assert groups == expected_groups
    assert list(lengths) == list(runs._lengths(bounds))
    _, old_digests = _runs_of(old)
    assert old_digests[:head] == expected[:head]
    assert old_digests[len(old_digests) - tail :] == expected[len(expected) - tail :]


def test_the_groups_at_the_end_are_matched_on_a_second_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names: list[str] = []
    walk_down = runs._FromTheEnd._walk_down

    def spied(self: runs._FromTheEnd) -> None:
        names.append(threading.current_thread().name)
        walk_down(self)

    monkeypatch.setattr(runs._FromTheEnd, "_walk_down", spied)
    monkeypatch.setattr(runs, "_GROUPS_FROM_BOTH_ENDS_BYTES", 0)
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    pieces = _numbered(3000)
    old = b"".join(pieces)
    pieces[1500] = b"[[t]]\nv = 15000\n"
    new = b"".join(pieces)
    found = runs._split_by_groups(new, _recorded(old))
    assert names == ["vzwatch-groups"]
    assert found is not None
    assert (found[0], tuple(found[1])) == _runs_of(new)


@given(
    total=st.integers(1, 30),
    changed=st.sets(st.integers(0, 29)),
    floor=st.integers(0, 31),
    ahead=st.integers(0, 31),
)
@settings(max_examples=60, deadline=None)
def test_groups_matched_from_both_ends_are_those_one_walk_from_the_end_finds(
    total: int, changed: set[int], floor: int, ahead: int
) -> None:
    """However far the second thread got (``ahead`` groups, then it is held up while
    the main one matches), the first group of those unchanged up to the end is the
    one a single walk down from the end finds."""
    matched_ahead = 0
    held = threading.Event()

    def unchanged(number: int, moved: int) -> bool:
        nonlocal matched_ahead
        if threading.current_thread().name == "vzwatch-groups":
            matched_ahead += 1
            if matched_ahead > ahead:
                held.wait(0.02)
        return number not in changed

    groups = cast(runs._Groups, SimpleNamespace(keys=[b""] * total, unchanged=unchanged))
    walk = runs._FromTheEnd(groups, 0)
    walk.start()
    thread = walk.thread
    assert thread is not None
    while matched_ahead <= ahead and thread.is_alive():
        time.sleep(0.0005)
    found = walk.lowest_unchanged(floor)
    expected = total
    while expected > floor and expected - 1 not in changed:
        expected -= 1
    assert found == expected


def test_the_main_thread_matches_the_groups_the_second_one_has_not_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two changes groups apart, and a second thread that matches slowly: the groups
    between are matched by the main one, and the answer is still the new bytes' runs."""
    matched_by: dict[str, int] = {}
    unchanged = runs._Groups.unchanged

    def slow_on_the_second_thread(self: runs._Groups, number: int, moved: int) -> bool:
        name = threading.current_thread().name
        matched_by[name] = matched_by.get(name, 0) + 1
        if name == "vzwatch-groups":
            time.sleep(0.005)
        return unchanged(self, number, moved)

    monkeypatch.setattr(runs._Groups, "unchanged", slow_on_the_second_thread)
    monkeypatch.setattr(runs, "_GROUPS_FROM_BOTH_ENDS_BYTES", 0)
    monkeypatch.setattr(runs, "_GROUP_RUNS", 16)
    monkeypatch.setattr(threads, "usable_cpus", lambda: 2)
    pieces = _numbered(3000)
    old = b"".join(pieces)
    pieces[100] = b"[[t]]\nv = 999\n"
    pieces[2000] = b"[[t]]\nv = 9999\n"
    new = b"".join(pieces)
    found = runs._split_by_groups(new, _recorded(old))
    assert found is not None
    assert (found[0], tuple(found[1])) == _runs_of(new)
    assert matched_by["MainThread"] > 100  # the 7 before the change and most after it
    assert matched_by["vzwatch-groups"] >= 1


def test_a_read_after_a_hand_edit_opens_the_cache_entry_once(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settled stamp, the digest and the runs are asked of one open entry."""
    path = tmp_path / "big.toml"
    text = a_big_store(600)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    write(path, text.replace('title = "Item 7"\n', 'title = "Itam 7"\n', 1))
    opened: list[Path] = []
    open_entry = cache._open_entry

    def counted(store_path: Path) -> cache._Entry | None:
        opened.append(store_path)
        return open_entry(store_path)

    monkeypatch.setattr(cache, "_open_entry", counted)
    seen = through_cache(path)
    assert isinstance(seen, Portfolio)
    assert seen.find("item-7").title == "Itam 7"
    assert seen == parsed_whole(path)
    assert opened == [path]


def test_dropping_one_of_identical_entries_by_hand_reads_as_a_fresh_parse(
    tmp_path: Path, cache_home: Path
) -> None:
    """Three same entries appended by hand, then one dropped: digests alone cannot tell
    which went, so the read must count like the parse (it once kept all three)."""
    path = tmp_path / "big.toml"
    entry = '\n[[progress]]\ninitiative = "item-0"\ndate = 2025-02-02\npercent = 7\n'
    text = a_big_store(600)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    for _ in range(3):
        text += entry
        write(path, text)
        assert through_cache(path) == parsed_whole(path)
    start = text.index(entry)
    text = text[:start] + text[start + len(entry) :]
    write(path, text)
    seen = through_cache(path)
    assert isinstance(seen, Portfolio)
    assert [e.percent for e in seen.find("item-0").progress_log] == [0, 7, 7]
    assert seen == parsed_whole(path)


@given(st.integers(0, 3000), st.integers(0, 40), st.binary(max_size=20))
def test_run_digests_cut_in_batches_are_those_cut_one_by_one(
    count: int, before: int, after: bytes
) -> None:
    from vzwatch.storage.runs import _split_digests

    digests = [number.to_bytes(16, "little") for number in range(count)]
    body = b"x" * before + b"".join(digests) + after
    assert _split_digests(body, before, before + 16 * count) == tuple(digests)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 599), st.sampled_from(["Retitled", "A much longer title than before", "T"]))
def test_the_runs_recorded_after_a_hand_edit_are_those_of_the_new_bytes(
    tmp_path: Path, cache_home: Path, number: int, title: str
) -> None:
    """The near path records the new runs' lengths and digests from the old ones around
    the change: they are what splitting and hashing the whole new file gives."""
    path = tmp_path / "big.toml"
    text = a_big_store(600)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    text = text.replace(f'title = "Item {number}"\n', f'title = "{title} {number}"\n', 1)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    recorded = recorded_runs(path)
    data = path.read_bytes()
    bounds = runs._run_bounds(data)
    assert list(recorded.lengths or ()) == list(runs._lengths(bounds))
    assert recorded.digests == tuple(runs.run_digests(data, bounds))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(0, 599),
    st.sampled_from([1, 100, 180, 190, 200, 400]),
    # "Mite" keeps the size: only the group digests tell that change
    st.sampled_from(["Mite", "Retitled", "A much longer title than before", "T"]),
)
def test_records_changed_apart_before_one_read_read_as_a_fresh_parse(
    tmp_path: Path, cache_home: Path, number: int, apart: int, title: str
) -> None:
    """A `git pull` that changed two records, in one group of runs, in groups side by
    side (256 runs hold about 190 of these records) or far apart: the groups unchanged
    from the start and those unchanged at the end leave every change between them, and
    the runs recorded are those of the new file."""
    path = tmp_path / "big.toml"
    text = a_big_store(600)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    for edited in (number, (number + apart) % 600):
        text = text.replace(f'title = "Item {edited}"\n', f'title = "{title} {edited}"\n', 1)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    recorded = recorded_runs(path)
    data = path.read_bytes()
    assert recorded.digests == tuple(runs.run_digests(data, runs._run_bounds(data)))


@pytest.mark.parametrize("content", ["the same bytes", "one record changed"])
def test_a_read_by_runs_after_a_change_hashes_the_store_once(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    """An entry a read after a change recorded tells its bytes by groups of runs; the next
    read of a file with another stamp compares those groups once (no whole-file hash
    first), whether the bytes are the same (a `touch`, a checkout) or not, and parses no
    more than the change."""
    path = tmp_path / "big.toml"
    text = a_big_store(600)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)
    text = text.replace('title = "Item 300"\n', 'title = "Retitled 300"\n', 1)
    write(path, text)
    assert through_cache(path) == parsed_whole(path)  # records the groups of runs
    if content == "one record changed":
        text = text.replace('title = "Item 420"\n', 'title = "Retitled 420"\n', 1)
    write(path, text)
    whole = count_whole_parses(monkeypatch)
    described: list[int] = []
    original = cache._State.describes

    def describes(state: cache._State, data: bytes) -> bool:
        described.append(1)
        return original(state, data)

    monkeypatch.setattr(cache._State, "describes", describes)
    assert through_cache(path) == parsed_whole(path)
    assert whole == [1]  # parsed_whole's own
    assert described == []
    monkeypatch.setattr(cache._State, "describes", original)
    entry = cache._open_entry(path)
    assert entry is not None
    entry.handle.close()
    assert entry.state.describes(path.read_bytes())  # recorded for these very bytes


@given(st.integers(0, 3000), st.binary(min_size=16, max_size=16))
def test_run_digests_joined_in_batches_are_those_joined_one_by_one(count: int, last: bytes) -> None:
    from vzwatch.storage.runs import _joined_digests, _split_digests

    digests = [*(number.to_bytes(16, "little") for number in range(count)), last]
    joined = _joined_digests(tuple(digests))
    assert joined == b"".join(digests)
    assert _split_digests(joined, 0, len(joined)) == tuple(digests)


@given(st.lists(st.binary(min_size=16, max_size=16), min_size=2, max_size=12), st.data())
def test_a_recorded_digest_is_found_where_it_is_and_never_across_two(
    digests: list[bytes], data: st.DataObject
) -> None:
    from vzwatch.storage.runs import Known, _joined_digests

    at = data.draw(st.integers(0, len(digests) - 2))
    across = digests[at][8:] + digests[at + 1][:8]  # a match that straddles two digests
    listed = [*digests, across] if data.draw(st.booleans()) else digests
    known = Known(_joined_digests(tuple(listed)), (), lambda start, end: ())
    assert known._position(across) == (listed.index(across) if across in listed else -1)
    for number, key in enumerate(listed):
        assert known._position(key) == listed.index(key) <= number


@given(st.lists(st.binary(min_size=16, max_size=16), min_size=1, max_size=40), st.data())
def test_a_payload_asked_for_at_a_run_is_the_one_recorded_for_its_digest(
    digests: list[bytes], data: st.DataObject
) -> None:
    """Known.at looks first at the recorded run of that number, then searches: a run
    that moved (a change before it) still finds its payload, an unknown one none."""
    from vzwatch.storage import runs as runs_module
    from vzwatch.storage.runs import Known, _joined_digests

    payloads = tuple(("p", number) for number in range(len(digests)))
    chunk = runs_module._PAYLOAD_CHUNK
    ends = (*range(chunk, len(digests), chunk), len(digests))
    known = Known(_joined_digests(tuple(digests)), ends, lambda start, end: payloads[start:end])
    number = data.draw(st.integers(0, len(digests) - 1))
    asked = data.draw(st.integers(0, len(digests) + 2))
    key = digests[number]
    if asked < len(digests) and digests[asked] == key:
        expected = payloads[asked]  # where it was asked for
    else:
        expected = payloads[digests.index(key)]  # searched: the first run recorded with it
    assert known.at(asked, key) == expected
    unknown = bytes(16)
    found = payloads[digests.index(unknown)] if unknown in digests else None
    assert known.at(number, unknown) == (payloads[number] if digests[number] == unknown else found)


@given(st.lists(st.binary(min_size=16, max_size=16), max_size=12), st.data())
def test_digests_kept_end_to_end_read_as_the_tuple_of_them(
    digests: list[bytes], data: st.DataObject
) -> None:
    """A write in place keeps the store's run digests end to end (runs.Digests): asked for
    one, a range, or whether one is there, it answers as the tuple of them would."""
    from vzwatch.storage.runs import Digests, _joined_digests

    listed = tuple(digests)
    kept = Digests(_joined_digests(listed))
    assert len(kept) == len(listed)
    at = data.draw(st.integers(-15, 15))
    if -len(listed) <= at < len(listed):
        assert kept[at] == listed[at]
    else:
        with pytest.raises(IndexError):
            kept[at]
    low, high = data.draw(st.integers(-15, 15)), data.draw(st.integers(-15, 15))
    assert kept[low:high] == listed[low:high]
    assert kept[low:high:2] == listed[low:high:2]
    if len(listed) >= 2:
        across = listed[0][8:] + listed[1][:8]  # bytes that straddle two digests
        assert (across in kept) == (across in listed)
    other = data.draw(st.binary(min_size=16, max_size=16))
    assert (other in kept) == (other in listed)
    assert kept == listed
    assert kept == Digests(_joined_digests(listed))
    assert tuple(kept) == listed
    assert kept[0:0] == ()


def test_the_ids_of_an_entry_written_again_are_read_again(tmp_path: Path, cache_home: Path) -> None:
    """The ids frame read last is kept for the next opening of the same file in this
    process; an entry written again (same size, same path) is read anew."""
    path = tmp_path / "store.toml"
    text = a_big_store(40)
    for renamed in ("item-7", "item-x", "item-y", "item-7"):
        write(path, text.replace('id = "item-7"\n', f'id = "{renamed}"\n'))
        data = path.read_bytes()
        cache.remember(path, data, load_portfolio(data.decode("utf-8"), path))
        for _ in range(2):  # the second opening takes the ids from the first
            entry = cache._open_entry(path)
            assert entry is not None
            entry.handle.close()
            assert renamed in entry.ids
            assert ({"item-7", "item-x", "item-y"} - {renamed}) & set(entry.ids) == set()


def test_ids_read_again_from_the_same_file_and_place_are_the_new_ones() -> None:
    """What an inode reused by a new entry holds at the same place: other ids, told by the
    frame's length and CRC, never the ones read before."""
    import io

    for ids in ("\nfirst\nsecond\n", "\nfirst\nthird\n", "\nfirst\nsecond\nthird\n"):
        handle = io.BytesIO(b"head" + cache._frame(ids) + b"tail")
        handle.seek(4)
        assert cache._ids_frame(handle, (1, 2)) == ids
        assert handle.read() == b"tail"
