"""The three-way merge of store texts (vzwatch.merge): by record, by field, by entry."""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import BUNDLED
from vzwatch.errors import StoreError
from vzwatch.merge import merge_stores
from vzwatch.model import load_portfolio
from vzwatch.store import append_text
from vzwatch.tomledit import DELETE, delete_block, edit_block, find_records, render_block
from vzwatch.validate import check_text

BASE = BUNDLED.read_text(encoding="utf-8")
ELECTION = "election-oversight-missions"
FORUMS = "international-dialogue-forums"
AID = "humanitarian-aid-programs"


def add_initiative(text: str, ident: str, title: str = "", **fields: Any) -> str:
    record = {"id": ident, "title": title or ident.title(), "timeline": "Q2 2025", **fields}
    return append_text(text, render_block("initiatives", record))


def add_progress(text: str, ident: str, on: date, percent: int, note: str = "") -> str:
    entry: dict[str, Any] = {"initiative": ident, "date": on, "percent": percent}
    if note:
        entry["note"] = note
    return append_text(text, render_block("progress", entry))


def edit(text: str, ident: str, **changes: Any) -> str:
    (block,) = find_records(text, "initiatives", "id", ident)
    return edit_block(text, block, changes)


def remove(text: str, ident: str) -> str:
    (block,) = find_records(text, "initiatives", "id", ident)
    return delete_block(text, block)


def initiatives(text: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in tomllib.loads(text).get("initiatives", [])}


def log(text: str, table: str = "progress") -> Counter[tuple[Any, ...]]:
    return Counter(tuple(sorted(e.items())) for e in tomllib.loads(text).get(table, []))


def valid(text: str) -> None:
    load_portfolio(text, Path("merged.toml"))


# --------------------------------------------------------------------------- clean merges


def test_nothing_changed_on_their_side_keeps_ours_byte_identical() -> None:
    ours = add_initiative(edit(BASE, AID, status="paused"), "new-one")
    result = merge_stores(BASE, ours, BASE)
    assert result.clean
    assert result.text == ours


def test_nothing_changed_on_our_side_takes_theirs() -> None:
    theirs = add_progress(edit(BASE, ELECTION, status="active"), ELECTION, date(2025, 2, 1), 30)
    result = merge_stores(BASE, BASE, theirs)
    assert result.clean
    assert initiatives(result.text) == initiatives(theirs)
    assert log(result.text) == log(theirs)


def test_additions_on_both_sides_are_both_kept_ours_first() -> None:
    ours = add_initiative(BASE, "regional-summit")
    theirs = add_initiative(BASE, "border-monitoring")
    result = merge_stores(BASE, ours, theirs)
    assert result.clean
    assert list(initiatives(result.text))[-2:] == ["regional-summit", "border-monitoring"]
    assert result.text.startswith(ours.rstrip("\n"))
    valid(result.text)


def test_the_same_addition_on_both_sides_counts_once() -> None:
    both = add_progress(
        add_initiative(BASE, "regional-summit"), "regional-summit", date(2025, 1, 2), 5
    )
    result = merge_stores(BASE, both, both)
    assert result.clean
    assert result.text == both


def test_same_id_added_with_different_content_gives_two_initiatives() -> None:
    ours = add_initiative(BASE, "summit", "Summit", objective="ours")
    ours = add_progress(ours, "summit", date(2025, 1, 1), 10, "ours")
    theirs = add_initiative(BASE, "summit", "Summit", objective="theirs")
    theirs = add_progress(theirs, "summit", date(2025, 1, 1), 20, "theirs")
    result = merge_stores(BASE, ours, theirs)
    assert result.clean
    merged = initiatives(result.text)
    assert merged["summit"]["objective"] == "ours"
    assert merged["summit-2"]["objective"] == "theirs"
    assert result.notes == [
        "initiative 'summit' was added on both sides with different content: "
        "kept ours, theirs is now 'summit-2'"
    ]
    portfolio = load_portfolio(result.text, Path("m.toml"))
    assert [e.note for e in portfolio.find("summit").progress_log] == ["ours"]
    assert [e.note for e in portfolio.find("summit-2").progress_log] == ["theirs"]


def test_renamed_id_skips_ids_already_taken() -> None:
    ours = add_initiative(add_initiative(BASE, "summit-2"), "summit", objective="ours")
    theirs = add_initiative(BASE, "summit", objective="theirs")
    result = merge_stores(BASE, ours, theirs)
    assert set(initiatives(result.text)) >= {"summit", "summit-2", "summit-3"}
    assert initiatives(result.text)["summit-3"]["objective"] == "theirs"


def test_edits_of_different_initiatives_and_different_fields_merge() -> None:
    ours = edit(edit(BASE, AID, status="paused"), ELECTION, tags=["elections", "oas"])
    theirs = edit(edit(BASE, FORUMS, timeline="Q4 2024"), ELECTION, status="active")
    result = merge_stores(BASE, ours, theirs)
    assert result.clean
    merged = initiatives(result.text)
    assert merged[AID]["status"] == "paused"
    assert merged[FORUMS]["timeline"] == "Q4 2024"
    assert merged[ELECTION]["status"] == "active"
    assert merged[ELECTION]["tags"] == ["elections", "oas"]
    valid(result.text)


def test_a_field_added_and_one_removed_by_them_are_applied() -> None:
    theirs = edit(BASE, ELECTION, source=DELETE, budget="1M")
    result = merge_stores(BASE, edit(BASE, AID, status="done"), theirs)
    merged = initiatives(result.text)[ELECTION]
    assert "source" not in merged
    assert merged["budget"] == "1M"


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    changed = edit(BASE, AID, status="done")
    result = merge_stores(BASE, add_initiative(changed, "x"), changed)
    assert result.clean
    assert initiatives(result.text)[AID]["status"] == "done"


def test_progress_on_the_same_initiative_is_a_union_without_duplicates() -> None:
    shared = add_progress(BASE, ELECTION, date(2025, 1, 10), 10, "kick-off")
    ours = add_progress(shared, ELECTION, date(2025, 2, 1), 30, "ours")
    theirs = add_progress(shared, ELECTION, date(2025, 2, 3), 35, "theirs")
    theirs = add_progress(theirs, ELECTION, date(2025, 2, 1), 30, "ours")  # same entry, both sides
    result = merge_stores(BASE, ours, theirs)
    assert result.clean
    notes = [e.note for e in load_portfolio(result.text, Path("m")).find(ELECTION).progress_log]
    assert notes == ["kick-off", "ours", "theirs"]


def test_unknown_logs_merge_as_a_union_and_unknown_keys_survive() -> None:
    history = {"initiative": AID, "date": date(2025, 1, 1), "field": "status"}
    ours = append_text(BASE, render_block("history", {**history, "from": "active", "to": "paused"}))
    ours = ours.replace('status = "active"', 'status = "paused"  # ours: funding gap')
    theirs = append_text(BASE, render_block("history", {**history, "from": "x", "to": "y"}))
    theirs = edit(theirs, FORUMS, owner="desk-b")
    result = merge_stores(BASE, ours, theirs)
    assert result.clean
    assert sum(log(result.text, "history").values()) == 2
    assert "# ours: funding gap" in result.text
    assert initiatives(result.text)[FORUMS]["owner"] == "desk-b"
    assert "summary = " in result.text  # an unknown [portfolio] key


def test_their_change_to_the_portfolio_table_is_applied() -> None:
    theirs = BASE.replace(
        'source = "Japan Wire, citing Kyodo News"\npartners', 'source = "Kyodo"\npartners'
    )
    result = merge_stores(BASE, add_initiative(BASE, "x"), theirs)
    assert result.clean
    assert tomllib.loads(result.text)["portfolio"]["source"] == "Kyodo"


def test_a_sub_table_change_replaces_the_record_when_ours_did_not_change_it() -> None:
    base = BASE + '\n[initiatives.meta]\nowner = "a"\n'
    theirs = base.replace('owner = "a"', 'owner = "b"')
    result = merge_stores(base, add_progress(base, AID, date(2025, 1, 1), 5), theirs)
    assert result.clean
    assert initiatives(result.text)[AID]["meta"] == {"owner": "b"}


def test_their_deletion_of_a_record_we_did_not_change_deletes_it() -> None:
    base = add_progress(BASE, FORUMS, date(2024, 9, 1), 10)
    theirs = remove(base, FORUMS).replace(
        render_block("progress", {"initiative": FORUMS, "date": date(2024, 9, 1), "percent": 10}),
        "",
    )
    result = merge_stores(base, edit(base, AID, status="done"), theirs)
    assert result.clean
    assert FORUMS not in initiatives(result.text)
    assert not log(result.text)
    valid(result.text)


def test_the_merged_text_keeps_our_comments() -> None:
    ours = BASE.replace("# The initiatives, as in", "# Our desk note.\n# The initiatives, as in")
    result = merge_stores(BASE, ours, add_initiative(BASE, "theirs"))
    assert "# Our desk note." in result.text
    assert "# The four strategic pillars of the diplomatic push." in result.text


def test_comments_right_above_their_new_block_come_along() -> None:
    theirs = append_text(
        BASE,
        "# Added after the March call.\n"
        + render_block("initiatives", {"id": "march", "title": "March", "timeline": "Q1 2025"}),
    )
    result = merge_stores(BASE, BASE, theirs)
    assert '# Added after the March call.\n[[initiatives]]\nid = "march"' in result.text


# --------------------------------------------------------------------------- conflicts


def test_the_same_field_changed_differently_is_a_conflict_with_both_values() -> None:
    ours = edit(BASE, AID, status="paused")
    theirs = edit(BASE, AID, status="done")
    result = merge_stores(BASE, ours, theirs)
    assert [c.text for c in result.conflicts] == [
        "initiative 'humanitarian-aid-programs': status changed on both sides "
        '(ours: "paused", theirs: "done")'
    ]
    assert (
        '<<<<<<< ours\nstatus = "paused"\n=======\nstatus = "done"\n>>>>>>> theirs\n' in result.text
    )
    problems = check_text(result.text, Path("s.toml"))
    assert len(problems) == 1
    assert "unresolved merge conflict" in problems[0].message
    resolved = result.text.replace('<<<<<<< ours\nstatus = "paused"\n=======\n', "").replace(
        ">>>>>>> theirs\n", ""
    )
    assert check_text(resolved, Path("s.toml")) == []


def test_only_the_clashing_field_is_a_conflict() -> None:
    ours = edit(BASE, AID, status="paused", tags=["aid"])
    theirs = edit(BASE, AID, status="done", objective="Feed people")
    result = merge_stores(BASE, ours, theirs)
    assert len(result.conflicts) == 1
    assert 'tags = ["aid"]' in result.text
    assert 'objective = "Feed people"' in result.text


def test_changed_here_and_deleted_there_is_a_conflict_that_keeps_the_record() -> None:
    result = merge_stores(BASE, edit(BASE, FORUMS, status="active"), remove(BASE, FORUMS))
    assert [c.text for c in result.conflicts] == [
        "initiative 'international-dialogue-forums': changed in ours, deleted in theirs"
    ]
    assert '<<<<<<< ours\n[[initiatives]]\nid = "international-dialogue-forums"' in result.text
    assert "=======\n>>>>>>> theirs (deleted)\n" in result.text


def test_deleted_here_and_changed_there_is_a_conflict_that_keeps_their_record() -> None:
    result = merge_stores(BASE, remove(BASE, FORUMS), edit(BASE, FORUMS, status="active"))
    assert [c.text for c in result.conflicts] == [
        "initiative 'international-dialogue-forums': deleted in ours, changed in theirs"
    ]
    assert result.text.endswith(
        'status = "active"\nsource = "Japan Wire, citing Kyodo News"\n>>>>>>> theirs\n'
    )
    assert "<<<<<<< ours (deleted)\n=======\n[[initiatives]]" in result.text


def test_a_merge_that_does_not_validate_is_reported() -> None:
    pillar = find_records(BASE, "pillars", "id", "enhanced-collaboration")[0]
    ours = delete_block(BASE, pillar)
    theirs = add_initiative(BASE, "joint-work", pillar="enhanced-collaboration")
    result = merge_stores(BASE, ours, theirs)
    assert len(result.conflicts) == 1
    assert "does not validate" in result.conflicts[0].text
    assert "enhanced-collaboration" in result.conflicts[0].text


@pytest.mark.parametrize("side", [0, 1, 2])
def test_a_version_that_does_not_parse_merges_nothing(side: int) -> None:
    texts = [BASE, BASE, BASE]
    texts[side] = BASE + "\nbroken = \n"
    with pytest.raises(StoreError, match="invalid TOML"):
        merge_stores(*texts)


def test_two_records_with_one_id_merge_nothing() -> None:
    twice = add_initiative(add_initiative(BASE, "x"), "x")
    with pytest.raises(StoreError, match="two initiative 'x' records"):
        merge_stores(BASE, twice, BASE)


# --------------------------------------------------------------------------- properties

IDS = ["a", "b", "c", "d", "e"]
STATUS = ["planned", "active", "done"]
Store = tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]


def render(store: Store) -> str:
    records, progress = store
    text = '[portfolio]\ntitle = "t"\n'
    for record in records.values():
        text = append_text(text, render_block("initiatives", record))
    for entry in progress:
        text = append_text(text, render_block("progress", entry))
    return text


@st.composite
def stores(draw: st.DrawFn) -> Store:
    ids = draw(st.lists(st.sampled_from(IDS[:3]), unique=True, max_size=3))
    records = {
        i: {
            "id": i,
            "title": i.upper(),
            "timeline": "Q1 2025",
            "status": draw(st.sampled_from(STATUS)),
        }
        for i in ids
    }
    picked = draw(st.lists(st.sampled_from(ids), max_size=3)) if ids else []
    progress = [
        {"initiative": i, "date": date(2025, 1, draw(st.integers(1, 3))), "percent": 10}
        for i in picked
    ]
    return records, progress


@st.composite
def changed(draw: st.DrawFn, store: Store) -> Store:
    records = {i: dict(r) for i, r in store[0].items()}
    progress = list(store[1])
    for _ in range(draw(st.integers(1, 4))):
        existing = sorted(records)
        action = draw(st.sampled_from(["status", "title", "add", "delete", "progress"]))
        if action == "add" or not existing:
            ident = draw(st.sampled_from(IDS))
            title = draw(st.sampled_from("XY"))
            records.setdefault(ident, {"id": ident, "title": title, "timeline": "Q2 2025"})
            continue
        ident = draw(st.sampled_from(existing))
        if action == "status":
            records[ident]["status"] = draw(st.sampled_from(STATUS))
        elif action == "title":
            records[ident]["title"] = draw(st.sampled_from("XYZ"))
        elif action == "delete":
            del records[ident]
            progress = [p for p in progress if p["initiative"] != ident]
        else:
            day = draw(st.integers(1, 3))
            progress.append({"initiative": ident, "date": date(2025, 2, day), "percent": 50})
    return records, progress


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(stores())
    return render(base), render(draw(changed(base))), render(draw(changed(base)))


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_merging_an_unchanged_theirs_returns_ours_exactly(texts: tuple[str, str, str]) -> None:
    base, ours, _ = texts
    assert merge_stores(base, ours, base).text == ours


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_merging_into_an_unchanged_ours_gives_their_records(texts: tuple[str, str, str]) -> None:
    base, _, theirs = texts
    result = merge_stores(base, base, theirs)
    assert result.clean
    assert initiatives(result.text) == initiatives(theirs)
    assert log(result.text) == log(theirs)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_merging_is_symmetric_in_records(texts: tuple[str, str, str]) -> None:
    base, ours, theirs = texts
    forward = merge_stores(base, ours, theirs)
    backward = merge_stores(base, theirs, ours)
    assert len(forward.conflicts) == len(backward.conflicts)
    assert len(forward.notes) == len(backward.notes)
    if forward.clean and not forward.notes:
        assert initiatives(forward.text) == initiatives(backward.text)
        assert log(forward.text) == log(backward.text)
    if forward.clean:
        tomllib.loads(forward.text)  # a clean merge always parses
        assert not [p for p in check_text(forward.text, Path("m")) if "conflict" in p.message]


def test_a_store_with_windows_line_endings_merges_and_keeps_them() -> None:
    base = BUNDLED.read_text(encoding="utf-8").replace("\n", "\r\n")
    ours = base + '\r\n[[initiatives]]\r\nid = "ours"\r\ntitle = "Ours"\r\ntimeline = "2026"\r\n'
    theirs = base + '\r\n[[initiatives]]\r\nid = "theirs"\r\ntitle = "T"\r\ntimeline = "2027"\r\n'
    result = merge_stores(base, ours, theirs)
    assert result.clean
    assert "\n" not in result.text.replace("\r\n", "")
    ids = [item["id"] for item in tomllib.loads(result.text)["initiatives"]]
    assert ids[-2:] == ["ours", "theirs"]
