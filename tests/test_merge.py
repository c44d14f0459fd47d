"""The three-way merge of store texts (vzwatch.storage.merge): by record, by field, by entry."""

from __future__ import annotations

import math
import tempfile
import tomllib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import (
    BUNDLED,
    SHORT,
    TRICKY,
    add_initiative,
    add_progress,
    delete_block,
    edit,
    find_records,
    invoke,
    remove,
    resolve,
)
from vzwatch.domain.errors import StoreError
from vzwatch.operations.reading import load_portfolio
from vzwatch.operations.validation import check_text
from vzwatch.storage.merge import merge_stores
from vzwatch.storage.store import append_text
from vzwatch.storage.tomledit import DELETE, edit_block, render_block

BASE = BUNDLED.read_text(encoding="utf-8")
ELECTION = "election-oversight-missions"
FORUMS = "international-dialogue-forums"
AID = "humanitarian-aid-programs"


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


def test_identical_entries_one_after_another_count_one_by_one() -> None:
    twice = add_progress(add_progress(BASE, AID, date(2025, 1, 1), 5), AID, date(2025, 1, 1), 5)
    once = add_progress(BASE, AID, date(2025, 1, 1), 5)
    thrice = add_progress(twice, AID, date(2025, 1, 1), 5)
    assert logged(merge_stores(twice, edit(twice, AID, status="done"), once).text, AID) == [5]
    assert logged(merge_stores(twice, thrice, edit(twice, AID, status="done")).text, AID) == [
        5,
        5,
        5,
    ]


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


def test_top_level_keys_and_tables_merge_like_records() -> None:
    base = 'version = 1\nowner = "desk"\n\n' + BASE + "\n[desk]\nfloor = 3\n"
    ours = base.replace("version = 1", "version = 2").replace("floor = 3", "floor = 4")
    theirs = base.replace('owner = "desk"', 'owner = "team"') + "\n[extra]\nk = 1\n"
    result = merge_stores(base, ours, theirs)
    assert result.clean, result.conflicts
    document = tomllib.loads(result.text)
    assert (document["version"], document["owner"]) == (2, "team")
    assert (document["desk"], document["extra"]) == ({"floor": 4}, {"k": 1})
    clash = merge_stores(base, ours, base.replace("version = 1", "version = 3"))
    assert [c.text for c in clash.conflicts] == [
        "top-level keys: version changed on both sides (ours: 2, theirs: 3)"
    ]
    assert tomllib.loads(resolve(clash.text, "theirs"))["version"] == 3
    gone = merge_stores(base, ours, base.replace("\n[desk]\nfloor = 3\n", ""))
    assert [c.text for c in gone.conflicts] == ["[desk]: changed in ours, deleted in theirs"]
    assert tomllib.loads(resolve(gone.text, "ours"))["desk"] == {"floor": 4}
    assert "desk" not in tomllib.loads(resolve(gone.text, "theirs"))


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
        'status = "active"\nsource = "Japan Wire, citing Kyodo News"\nsources = ["japan-wire"]\n'
        ">>>>>>> theirs\n"
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


# ------------------------------------------------------------ sub-tables and dotted keys
#
# A sub-table or a dotted key is one field of its record, whatever its header looks
# like and wherever it is written.

MILESTONES = '\n["initiatives".milestones]\nfirst = "plan"\nsecond = "vote"\n'


def test_their_change_to_a_sub_table_with_a_quoted_header_is_applied() -> None:
    base = BASE + MILESTONES  # the last initiative's
    theirs = base.replace('first = "plan"', 'first = "done"')
    result = merge_stores(base, edit(base, ELECTION, status="active"), theirs)
    assert result.clean, result.conflicts
    merged = initiatives(result.text)
    assert merged[AID]["milestones"] == {"first": "done", "second": "vote"}
    assert merged[ELECTION]["status"] == "active"


def test_sub_tables_of_two_records_with_the_same_quoted_header_are_told_apart() -> None:
    election = find_records(BASE, "initiatives", "id", ELECTION)[0]
    base = (
        BASE[: election.content_end]
        + '\n["initiatives".milestones]\nfirst = "e"\n'
        + BASE[election.content_end :]
        + '\n["initiatives".milestones]\nfirst = "a"\n'
    )
    ours = base.replace('first = "a"', 'first = "a2"')
    theirs = base.replace('first = "e"', 'first = "e2"')
    result = merge_stores(base, ours, theirs)
    assert result.clean, result.conflicts
    merged = initiatives(result.text)
    assert merged[ELECTION]["milestones"] == {"first": "e2"}
    assert merged[AID]["milestones"] == {"first": "a2"}


def test_a_sub_table_and_another_field_of_one_record_do_not_conflict() -> None:
    base = BASE + '\n[initiatives.meta]\nowner = "a"\n'
    ours = edit(base, AID, status="paused")
    theirs = base.replace('owner = "a"', 'owner = "b"')
    result = merge_stores(base, ours, theirs)
    assert result.clean, result.conflicts
    assert initiatives(result.text)[AID]["meta"] == {"owner": "b"}
    assert initiatives(result.text)[AID]["status"] == "paused"


def test_a_dotted_key_is_a_field() -> None:
    base = BASE.replace(
        'status = "active"\n', 'status = "active"\nmeta.owner = "a"\nmeta.desk = "x"\n'
    )
    ours = edit(base, AID, tags=["aid"])
    theirs = base.replace('meta.owner = "a"', 'meta.owner = "b"')
    result = merge_stores(base, ours, theirs)
    assert result.clean, result.conflicts
    merged = initiatives(result.text)[AID]
    assert merged["meta"] == {"owner": "b", "desk": "x"}
    assert merged["tags"] == ["aid"]


def test_a_sub_table_written_after_other_tables_belongs_to_the_record_before_them() -> None:
    history = render_block(
        "history",
        {"initiative": AID, "date": date(2025, 1, 1), "field": "status", "from": "a", "to": "b"},
    )
    base = append_text(BASE, history) + MILESTONES  # after [[history]]: still the last initiative's
    ours = edit(base, AID, status="paused")
    theirs = base.replace('second = "vote"', 'second = "recount"')
    result = merge_stores(base, ours, theirs)
    assert result.clean, result.conflicts
    merged = initiatives(result.text)[AID]
    assert merged["milestones"] == {"first": "plan", "second": "recount"}
    assert merged["status"] == "paused"


def test_a_sub_table_changed_differently_is_one_conflict_resolvable_either_way() -> None:
    base = BASE + MILESTONES
    ours = base.replace('first = "plan"', 'first = "ours"')
    theirs = base.replace('first = "plan"', 'first = "theirs"')
    result = merge_stores(base, edit(ours, AID, status="paused"), theirs)
    assert len(result.conflicts) == 1
    assert "milestones changed on both sides" in result.conflicts[0].text
    for side, first in (("ours", "ours"), ("theirs", "theirs")):
        merged = initiatives(resolve(result.text, side))[AID]
        assert merged["milestones"]["first"] == first
        assert merged["status"] == "paused"


def test_every_layout_toml_allows_merges_field_by_field() -> None:

    ours = TRICKY.replace('k = "a # not a comment"', 'k = "ours"').replace("[3, 4],", "[3, 5],")
    theirs = TRICKY.replace("q = 1", "q = 2").replace("n = 1", "n = 7")
    theirs = theirs.replace(
        'written = "after another table, so it belongs', 'written = "theirs: it'
    )
    result = merge_stores(TRICKY, ours, theirs)
    assert result.clean, result.conflicts
    document = tomllib.loads(result.text)
    assert document["matrix"] == [[1, 2], [3, 5]]
    assert document["São Paulo office"] == {"k": "ours"}
    first, second = document["initiatives"]
    assert first["milestones"] == {"written": "theirs: it to the last initiative: first"}
    assert first["note"].startswith("[[initiatives]]")  # a string, still
    assert second == {"id": "second", "sub # x": {"q": 2}, "notes": [{"n": 7}]}


def test_a_record_deleted_there_keeps_its_sub_table_from_further_down_in_the_region() -> None:
    base = BASE + MILESTONES
    ours = base.replace('first = "plan"', 'first = "ours"')
    result = merge_stores(base, ours, remove(BASE, AID))
    assert [c.message for c in result.conflicts] == ["changed in ours, deleted in theirs"]
    assert initiatives(resolve(result.text, "ours"))[AID]["milestones"]["first"] == "ours"
    assert AID not in initiatives(resolve(result.text, "theirs"))
    assert '["initiatives".milestones]' not in resolve(result.text, "theirs")


# ------------------------------------------------------------------- deleted on one side
#
# A record deleted on one side and changed on the other is one conflict region that
# holds the record and its log: keeping it or deleting it is one edit.


def remove_with_log(text: str, ident: str) -> str:
    """What `vzwatch remove` does: the record and every entry naming it."""
    blocks = find_records(text, "initiatives", "id", ident)
    for table in ("progress", "history"):
        blocks += find_records(text, table, "initiative", ident)
    for block in sorted(blocks, key=lambda b: b.start, reverse=True):
        text = delete_block(text, block)
    return text


def logged(text: str, ident: str) -> list[int]:
    return [
        e["percent"] for e in tomllib.loads(text).get("progress", []) if e["initiative"] == ident
    ]


FORUMS_LOGGED = add_progress(
    add_progress(BASE, FORUMS, date(2024, 9, 1), 10, "first"), FORUMS, date(2024, 10, 1), 20
)


def test_changed_here_and_deleted_there_keeps_the_records_log_inside_the_markers() -> None:
    base = FORUMS_LOGGED
    result = merge_stores(base, edit(base, FORUMS, status="active"), remove_with_log(base, FORUMS))
    assert [c.text for c in result.conflicts] == [
        "initiative 'international-dialogue-forums': changed in ours, deleted in theirs"
    ]
    (problem,) = check_text(result.text, Path("s.toml"))
    assert "deleted on one side and changed on the other: keep it" in problem.message
    kept = resolve(result.text, "ours")
    valid(kept)
    assert initiatives(kept)[FORUMS]["status"] == "active"
    assert logged(kept, FORUMS) == [10, 20]
    dropped = resolve(result.text, "theirs")
    valid(dropped)
    assert FORUMS not in initiatives(dropped)
    assert logged(dropped, FORUMS) == []


def test_deleted_here_and_changed_there_keeps_their_log_inside_the_markers() -> None:
    base = FORUMS_LOGGED
    result = merge_stores(base, remove_with_log(base, FORUMS), edit(base, FORUMS, status="active"))
    assert [c.text for c in result.conflicts] == [
        "initiative 'international-dialogue-forums': deleted in ours, changed in theirs"
    ]
    kept = resolve(result.text, "theirs")
    valid(kept)
    assert initiatives(kept)[FORUMS]["status"] == "active"
    assert logged(kept, FORUMS) == [10, 20]
    dropped = resolve(result.text, "ours")
    valid(dropped)
    assert FORUMS not in initiatives(dropped)
    assert logged(dropped, FORUMS) == []


@pytest.mark.parametrize("logging_side", ["ours", "theirs"])
def test_progress_on_a_record_the_other_side_removed_is_a_conflict_with_markers(
    logging_side: str,
) -> None:
    base = FORUMS_LOGGED
    logging = add_progress(base, FORUMS, date(2024, 11, 1), 30, "more")
    removing = remove_with_log(base, FORUMS)
    if logging_side == "ours":
        result = merge_stores(base, logging, removing)
    else:
        result = merge_stores(base, removing, logging)
    assert len(result.conflicts) == 1
    assert result.conflicts[0].record == "initiative 'international-dialogue-forums'"
    assert "<<<<<<<" in result.text
    assert "unresolved merge conflict" in check_text(result.text, Path("s.toml"))[0].message
    other = "theirs" if logging_side == "ours" else "ours"
    kept = resolve(result.text, logging_side)
    valid(kept)
    assert logged(kept, FORUMS) == [10, 20, 30]
    dropped = resolve(result.text, other)
    valid(dropped)
    assert FORUMS not in initiatives(dropped)
    assert logged(dropped, FORUMS) == []


# --------------------------------------------------------------------------- unusual versions


def test_a_base_with_conflict_markers_merges_against_the_rest_of_it() -> None:
    # A criss-cross merge: git merges the two merge bases first and hands the driver
    # that result, conflict markers and all, as the base.
    virtual = merge_stores(
        BASE, edit(BASE, AID, status="paused"), edit(BASE, AID, status="done")
    ).text
    assert "<<<<<<<" in virtual
    ours = add_initiative(edit(BASE, AID, status="done"), "ours-new")
    theirs = add_progress(
        add_initiative(edit(BASE, AID, status="done", tags=["aid"]), "theirs-new"),
        ELECTION,
        date(2025, 1, 5),
        15,
    )
    result = merge_stores(virtual, ours, theirs)
    assert result.clean, result.conflicts
    merged = initiatives(result.text)
    assert {"ours-new", "theirs-new"} <= set(merged)
    assert merged[AID]["status"] == "done"
    assert merged[AID]["tags"] == ["aid"]
    assert logged(result.text, ELECTION) == [15]
    assert any("conflict markers" in note for note in result.notes)
    valid(result.text)


def test_a_base_with_conflict_markers_leaves_what_it_cannot_decide_to_a_person() -> None:
    virtual = merge_stores(
        BASE, edit(BASE, AID, status="paused"), edit(BASE, AID, status="done")
    ).text
    ours = edit(BASE, AID, status="paused")
    theirs = add_initiative(edit(BASE, AID, status="done"), "theirs-new")
    result = merge_stores(virtual, ours, theirs)
    assert [c.record for c in result.conflicts] == ["initiative 'humanitarian-aid-programs'"]
    assert "theirs-new" in resolve(result.text, "ours")
    assert initiatives(resolve(result.text, "theirs"))[AID]["status"] == "done"


def test_a_base_unreadable_even_without_its_markers_gives_a_two_way_merge() -> None:
    # Without the region, the election record's keys would join the forums record: invalid.
    region = "<<<<<<< ours\n[[initiatives]]\n=======\n>>>>>>> theirs\n"
    broken = BASE.replace('[[initiatives]]\nid = "election', region + 'id = "election')
    ours = edit(BASE, AID, status="paused")
    theirs = add_initiative(BASE, "theirs-new")
    result = merge_stores(broken, ours, theirs)
    assert any("two-way" in note for note in result.notes)
    assert [c.text for c in result.conflicts] == [
        "initiative 'humanitarian-aid-programs': status changed on both sides "
        '(ours: "paused", theirs: "active")'
    ]
    assert "theirs-new" in initiatives(resolve(result.text, "ours"))
    assert initiatives(resolve(result.text, "theirs"))[AID]["status"] == "active"


def test_a_side_written_by_another_toml_writer_merges_by_meaning() -> None:
    import tomli_w

    theirs = tomli_w.dumps(tomllib.loads(edit(SHORT, "bb", status="active")))
    assert "initiatives = [" in theirs  # inline: not a single [[initiatives]] header
    ours = SHORT.replace("# The second one.", "# Our desk note.\n# The second one.")
    ours = append_text(edit(ours, "aa", status="paused"), '[desk]\nowner = "me"\n')
    result = merge_stores(SHORT, ours, theirs)
    assert result.clean, result.conflicts
    merged = initiatives(result.text)
    assert merged["aa"]["status"] == "paused"
    assert merged["bb"]["status"] == "active"
    assert logged(result.text, "aa") == [5]
    assert "# Our desk note.\n# The second one." in result.text
    assert tomllib.loads(result.text)["desk"] == {"owner": "me"}


def test_our_side_written_by_another_toml_writer_is_refused_in_one_line() -> None:
    import tomli_w

    ours = tomli_w.dumps(tomllib.loads(edit(SHORT, "bb", status="active")))
    with pytest.raises(StoreError, match="inline") as raised:
        merge_stores(SHORT, ours, edit(SHORT, "aa", status="paused"))
    assert "\n" not in str(raised.value)


def test_top_level_inline_tables_of_ones_own_are_merged_as_keys() -> None:
    base = 'contacts = [{ name = "Ann" }]\ndesk = { floor = 3 }\n\n' + BASE
    theirs = base.replace('{ name = "Ann" }', '{ name = "Ann" }, { name = "Bo" }')
    result = merge_stores(base, edit(base, AID, status="paused"), theirs)
    assert result.clean, result.conflicts
    document = tomllib.loads(result.text)
    assert document["contacts"] == [{"name": "Ann"}, {"name": "Bo"}]
    assert document["desk"] == {"floor": 3}
    assert initiatives(result.text)[AID]["status"] == "paused"


def test_values_equal_by_meaning_are_equal_nan_included() -> None:
    base = BASE.replace('status = "active"\n', 'status = "active"\nscore = nan\nrate = 1e2\n')
    ours = edit(base, AID, tags=["aid"])
    theirs = edit(base, AID, status="paused").replace("rate = 1e2", "rate = 100.0")
    result = merge_stores(base, ours, theirs)
    assert result.clean, result.conflicts
    merged = initiatives(result.text)[AID]
    assert (merged["tags"], merged["status"]) == (["aid"], "paused")


@pytest.mark.parametrize(("mine", "yours"), [("1.0", "true"), ("1", "1.0"), ("true", "1")])
def test_one_one_point_zero_and_true_stay_different(mine: str, yours: str) -> None:
    base = BASE.replace('status = "active"\n', 'status = "active"\nweight = 2\n')
    ours = base.replace("weight = 2", f"weight = {mine}")
    result = merge_stores(base, ours, base.replace("weight = 2", f"weight = {yours}"))
    assert [c.message for c in result.conflicts] == [
        f"weight changed on both sides (ours: {mine}, theirs: {yours})"
    ]
    assert merge_stores(base, ours, base).text == ours


# --------------------------------------------------------------------------- work done


def big_store(count: int) -> str:
    records = "\n".join(
        render_block("initiatives", {"id": f"r{n}", "title": f"R {n}", "timeline": "Q1 2025"})
        + render_block("progress", {"initiative": f"r{n}", "date": date(2025, 1, 1), "percent": 5})
        for n in range(count)
    )
    return '[portfolio]\ntitle = "t"\n\n' + records


@pytest.mark.parametrize(
    ("mine", "yours"), [([10], [2990]), ([10, 1500, 2500], [20, 1000, 2990])], ids=["one", "spread"]
)
def test_text_identical_in_all_three_versions_is_not_parsed(
    monkeypatch: pytest.MonkeyPatch, mine: list[int], yours: list[int]
) -> None:
    base = big_store(3000)
    ours, theirs = base, base
    for n in mine:
        ours = ours.replace(f'title = "R {n}"\n', f'title = "Ours {n}"\n')
    for n in yours:
        theirs = theirs.replace(f'title = "R {n}"\n', f'title = "Theirs {n}"\n')
    parsed: list[int] = []
    loads = tomllib.loads

    def counting(text: str) -> dict[str, Any]:
        parsed.append(len(text))
        return loads(text)

    monkeypatch.setattr(tomllib, "loads", counting)
    result = merge_stores(base, ours, theirs)
    monkeypatch.undo()
    assert result.clean
    # Each change reads a few records around it in each version: ~0.5 KB, of a 390 KB store.
    assert sum(parsed) < 1000 * (len(mine) + len(yours)), (len(parsed), sum(parsed))
    merged = initiatives(result.text)
    assert [merged[f"r{n}"]["title"] for n in mine] == [f"Ours {n}" for n in mine]
    assert [merged[f"r{n}"]["title"] for n in yours] == [f"Theirs {n}" for n in yours]
    assert len(merged) == 3000


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


@pytest.mark.slow
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


# --------------------------------------------------------------------------- properties, any layout
#
# Stores whose records have sub-tables (quoted headers, some written after the log),
# dotted keys and nan, each version laid out its own way. An oracle merges the parsed
# records and logs; the text merge, with every conflict resolved to one side, must
# give exactly that: nothing present on either side and not deleted by the other is
# lost, nothing deleted comes back.

RecordMap = dict[str, dict[str, Any]]
Rich = tuple[RecordMap, list[dict[str, Any]]]
# Quoted sub-table headers, dotted meta, milestones after the log, arrays over several lines.
Layout = tuple[bool, bool, bool, bool]
NOTE = '[[initiatives]]\nid = "not a record"\n["a"]'  # "[" lines inside a multi-line string


@st.composite
def rich_records(draw: st.DrawFn, ident: str) -> dict[str, Any]:
    record: dict[str, Any] = {"id": ident, "title": draw(st.sampled_from("XYZ"))}
    record["timeline"] = "Q1 2025"
    if draw(st.booleans()):
        record["status"] = draw(st.sampled_from(STATUS))
    if draw(st.booleans()):
        record["score"] = draw(st.sampled_from([math.nan, 1.0, 2.5]))
    if draw(st.booleans()):
        record["meta"] = {"owner": draw(st.sampled_from(["ann", "bo"]))}
    if draw(st.booleans()):
        record["milestones"] = {"first": draw(st.sampled_from(["plan", "vote", "count"]))}
    if draw(st.integers(0, 4)) == 0:
        record["note"] = NOTE
    if draw(st.integers(0, 4)) == 0:
        record["grid"] = [[1, 2], ["a"]]
    return record


@st.composite
def rich_stores(draw: st.DrawFn) -> Rich:
    ids = draw(st.lists(st.sampled_from(IDS[:3]), unique=True, max_size=3))
    records = {i: draw(rich_records(i)) for i in ids}
    picked = draw(st.lists(st.sampled_from(ids), max_size=3)) if ids else []
    log = [
        {"initiative": i, "date": date(2025, 1, 1 + n), "percent": 10} for n, i in enumerate(picked)
    ]
    return records, log


@st.composite
def rich_changed(draw: st.DrawFn, store: Rich) -> Rich:
    records = {i: dict(r) for i, r in store[0].items()}
    log = list(store[1])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["field", "sub", "add", "delete", "log", "unlog"]))
        existing = sorted(records)
        if action == "add" or not existing:
            ident = draw(st.sampled_from(IDS))
            records.setdefault(ident, draw(rich_records(ident)))
            continue
        ident = draw(st.sampled_from(existing))
        record = records[ident]
        if action == "field":
            key = draw(st.sampled_from(["title", "status", "score"]))
            record[key] = draw(
                st.sampled_from({"title": "XYZ", "status": STATUS, "score": [math.nan, 3.0]}[key])
            )
        elif action == "sub":
            key = draw(st.sampled_from(["meta", "milestones"]))
            if key in record and draw(st.booleans()):
                del record[key]
            else:
                record[key] = {
                    "first" if key == "milestones" else "owner": draw(st.sampled_from("pq"))
                }
        elif action == "delete":
            del records[ident]
            log = [e for e in log if e["initiative"] != ident]
        elif action == "log":
            log.append(
                {"initiative": ident, "date": date(2025, 2, draw(st.integers(1, 3))), "percent": 50}
            )
        elif log:
            log.pop(draw(st.integers(0, len(log) - 1)))
    return records, log


def render_rich(store: Rich, layout: Layout) -> str:
    quoted, dotted, at_end, spread = layout
    records, log = store
    text = "# a store\n[portfolio]\ntitle = 't'\n"
    tail = ""
    for number, record in enumerate(records.values()):
        special = ("meta", "milestones", "note", "grid")
        plain = {k: v for k, v in record.items() if k not in special}
        chunk = render_block("initiatives", plain).replace("score = nan", "score = nan  # not yet")
        if "note" in record:
            chunk += f'note = """\n{record["note"]}"""\n'
        if "grid" in record:
            chunk += 'grid = [\n  [1, 2],\n  ["a"],\n]\n' if spread else 'grid = [[1, 2], ["a"]]\n'

        if "meta" in record:
            owner = record["meta"]["owner"]
            if dotted:
                chunk += f'meta.owner = "{owner}"\n'
            else:
                chunk += f'\n[initiatives.meta]\nowner = "{owner}"\n'
        if "milestones" in record:
            header = '["initiatives".milestones]' if quoted else "[initiatives.milestones]"
            sub = f'\n{header}\nfirst = "{record["milestones"]["first"]}"\n'
            if at_end and number == len(records) - 1:
                tail = "# written after the log, still the last initiative's\n" + sub
            else:
                chunk += sub
        text = append_text(text, chunk)
    for entry in log:
        text = append_text(text, render_block("progress", entry))
    return append_text(text, tail) if tail else text


@st.composite
def rich_scenarios(draw: st.DrawFn) -> tuple[str, str, str, Rich, Rich, Rich]:
    base = draw(rich_stores())
    ours, theirs = draw(rich_changed(base)), draw(rich_changed(base))
    layouts = [
        draw(st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()))
        for _ in range(3)
    ]
    texts = [
        render_rich(s, layout) for s, layout in zip((base, ours, theirs), layouts, strict=True)
    ]
    return texts[0], texts[1], texts[2], base, ours, theirs


def same(a: Any, b: Any) -> bool:
    return bool(canonical(a) == canonical(b))


def canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, canonical(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(canonical(v) for v in value)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return (type(value).__name__, value)


ABSENT = object()


def entry_key(entry: dict[str, Any]) -> Any:
    return canonical(entry)


def oracle(base: Rich, ours: Rich, theirs: Rich, keep: str) -> tuple[RecordMap, Counter[Any]]:
    """The merge by meaning, conflicts resolved to ``keep``'s side."""
    theirs_records, theirs_log = dict(theirs[0]), list(theirs[1])
    for ident in sorted(set(ours[0]) & set(theirs[0]) - set(base[0])):
        if not same(ours[0][ident], theirs[0][ident]):  # added on both sides: theirs renamed
            taken = set(base[0]) | set(ours[0]) | set(theirs[0])
            number = 2
            while f"{ident}-{number}" in taken:
                number += 1
            new = f"{ident}-{number}"
            theirs_records[new] = {**theirs_records.pop(ident), "id": new}
            theirs_log = [
                {**e, "initiative": new} if e["initiative"] == ident else e for e in theirs_log
            ]
    sides = {"base": base[0], "ours": ours[0], "theirs": theirs_records}
    logs = {"base": base[1], "ours": ours[1], "theirs": theirs_log}

    def log_of(side: str, ident: str) -> Counter[Any]:
        return Counter(entry_key(e) for e in logs[side] if e["initiative"] == ident)

    def changed(side: str, ident: str) -> bool:
        return not same(sides[side][ident], sides["base"][ident]) or log_of(side, ident) != log_of(
            "base", ident
        )

    records: RecordMap = {}
    dropped: set[str] = set()  # deleted, with their log, by the kept side of a conflict
    kept_log: dict[str, str] = {}  # kept by a conflict: its log is that side's
    for ident in {*sides["base"], *sides["ours"], *sides["theirs"]}:
        b, o, t = (sides[s].get(ident) for s in ("base", "ours", "theirs"))
        if o is None and t is None:
            continue
        if b is None or (o is not None and t is not None):
            if o is None or t is None:
                records[ident] = o if o is not None else t  # type: ignore[assignment]
                continue
            merged = dict(o)
            for key in {*o, *t, *(b or {})}:
                was, mine, yours = (
                    (b or {}).get(key, ABSENT),
                    o.get(key, ABSENT),
                    t.get(key, ABSENT),
                )
                if same(mine, yours) or same(yours, was):
                    pick = mine
                elif same(mine, was):
                    pick = yours
                else:
                    pick = mine if keep == "ours" else yours
                if pick is ABSENT:
                    merged.pop(key, None)
                else:
                    merged[key] = pick
            records[ident] = merged
            continue
        alive, side = (o, "ours") if o is not None else (t, "theirs")
        if not changed(side, ident):
            continue  # deleted on one side, unchanged on the other
        if keep == side:
            records[ident] = alive  # type: ignore[assignment]
            kept_log[ident] = side
        else:
            dropped.add(ident)
    entries: Counter[Any] = Counter()
    counts = {s: Counter(entry_key(e) for e in logs[s]) for s in logs}
    for key in counts["base"] | counts["ours"] | counts["theirs"]:
        was, mine, yours = (counts[s][key] for s in ("base", "ours", "theirs"))
        owner = dict(key)["initiative"][1]
        if owner in dropped:
            continue
        if owner in kept_log:
            entries[key] = counts[kept_log[owner]][key]
            continue
        if mine == was:
            wanted = yours
        elif yours == was:
            wanted = mine
        elif mine > was and yours > was:
            wanted = max(mine, yours)
        elif mine < was and yours < was:
            wanted = min(mine, yours)
        else:
            wanted = max(0, mine + yours - was)
        if wanted:
            entries[key] = wanted
    return records, entries


def parsed(text: str) -> tuple[RecordMap, Counter[Any]]:
    document = tomllib.loads(text)
    records = {r["id"]: r for r in document.get("initiatives", [])}
    return records, Counter(entry_key(e) for e in document.get("progress", []))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(rich_scenarios())
def test_nothing_either_side_kept_is_lost_and_nothing_deleted_comes_back(
    scenario: tuple[str, str, str, Rich, Rich, Rich],
) -> None:
    base_text, ours_text, theirs_text, base, ours, theirs = scenario
    result = merge_stores(base_text, ours_text, theirs_text)
    for keep in ("ours", "theirs"):
        text = resolve(result.text, keep)
        records, entries = parsed(text)
        expected_records, expected_entries = oracle(base, ours, theirs, keep)
        assert canonical(records) == canonical(expected_records), keep
        assert entries == expected_entries, keep
    if result.clean:
        assert resolve(result.text, "ours") == result.text


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(rich_scenarios())
def test_merging_a_store_with_itself_is_that_store(
    scenario: tuple[str, str, str, Rich, Rich, Rich],
) -> None:
    for text in scenario[:3]:
        result = merge_stores(text, text, text)
        assert (result.text, result.conflicts, result.notes) == (text, [], [])


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(rich_scenarios())
def test_any_layout_their_side_unchanged_returns_ours_and_ours_unchanged_gives_theirs(
    scenario: tuple[str, str, str, Rich, Rich, Rich],
) -> None:
    base_text, ours_text, theirs_text, _, _, theirs = scenario
    assert merge_stores(base_text, ours_text, base_text).text == ours_text
    result = merge_stores(base_text, base_text, theirs_text)
    assert result.clean, result.conflicts
    records, entries = parsed(result.text)
    assert canonical(records) == canonical(theirs[0])
    assert entries == Counter(entry_key(e) for e in theirs[1])


# --------------------------------------------------------------------------- the ledger


def add_source(text: str, ident: str, outlet: str, **fields: Any) -> str:
    return append_text(text, render_block("sources", {"id": ident, "outlet": outlet, **fields}))


def add_revision(text: str, ident: str, old: str, new: str, *cited: str) -> str:
    entry = {
        "initiative": ident,
        "date": date(2025, 3, 3),
        "field": "timeline",
        "from": old,
        "to": new,
        "sources": list(cited),
    }
    return append_text(text, render_block("history", entry))


def test_sources_merge_by_id_and_revisions_as_a_union() -> None:
    ours = add_source(BASE, "kyodo", "Kyodo News")
    ours = add_revision(
        edit(ours, FORUMS, timeline="Q2 2025"), FORUMS, "Q3 – Q4 2024", "Q2 2025", "kyodo"
    )
    theirs = add_source(BASE, "reuters", "Reuters", published=date(2025, 2, 1))
    theirs = add_progress(theirs, ELECTION, date(2025, 2, 1), 30)
    result = merge_stores(BASE, ours, theirs)
    assert result.clean, result.conflicts
    valid(result.text)
    merged = tomllib.loads(result.text)
    assert [s["id"] for s in merged["sources"]] == ["japan-wire", "kyodo", "reuters"]
    assert merged["history"] == tomllib.loads(ours)["history"]
    assert merged["progress"] == tomllib.loads(theirs)["progress"]


def test_one_source_edited_on_both_sides_merges_field_by_field() -> None:
    ours = add_source(BASE, "kyodo", "Kyodo News")
    base = ours
    (block,) = find_records(base, "sources", "id", "kyodo")
    mine = edit_block(base, block, {"title": "Forums postponed"})
    theirs = edit_block(base, block, {"url": "https://example.org/k"})
    result = merge_stores(base, mine, theirs)
    assert result.clean, result.conflicts
    (kyodo,) = [s for s in tomllib.loads(result.text)["sources"] if s["id"] == "kyodo"]
    assert kyodo == {
        "id": "kyodo",
        "outlet": "Kyodo News",
        "title": "Forums postponed",
        "url": "https://example.org/k",
    }


def test_a_source_both_sides_add_differently_is_a_conflict() -> None:
    ours = add_source(BASE, "kyodo", "Kyodo News")
    theirs = add_source(BASE, "kyodo", "Kyodo News Agency")
    result = merge_stores(BASE, ours, theirs)
    assert not result.clean


def test_owners_dependencies_and_cadences_merge_field_by_field() -> None:
    ours = edit(BASE, ELECTION, owner="Desk A", review_every="monthly")
    theirs = edit(BASE, ELECTION, depends_on=[FORUMS, AID])
    result = merge_stores(BASE, ours, theirs)
    assert result.clean
    merged = initiatives(result.text)[ELECTION]
    assert (merged["owner"], merged["review_every"], merged["depends_on"]) == (
        "Desk A",
        "monthly",
        [FORUMS, AID],
    )
    clash = merge_stores(
        BASE, edit(BASE, ELECTION, owner="Desk A"), edit(BASE, ELECTION, owner="B")
    )
    assert not clash.clean


# ----------------------------------------- what belongs to an initiative the other side removed


def after(text: str, tmp_path: Path, *args: str) -> str:
    """``text`` after one vzwatch command run on it, as a person runs it."""
    path = tmp_path / "side.toml"
    path.write_text(text, encoding="utf-8")
    result = invoke([*args, "--file", str(path)], env={"VZWATCH_DEBUG": "1"})
    assert result.exit_code == 0, result.stderr
    return path.read_text(encoding="utf-8")


def measurements(text: str) -> list[float]:
    return [m["value"] for m in tomllib.loads(text).get("measurements", [])]


def indicators(text: str) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in tomllib.loads(text).get("indicators", [])}


def milestones(text: str) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in tomllib.loads(text).get("milestones", [])}


MEASURED = ("measure", "people-assisted", "50000", "--date", "2025-02-20")
CHANGES_TO_WHAT_BELONGS = {
    "a measurement": (AID, MEASURED),
    "a new milestone": (ELECTION, ("milestone", "add", "elec", "Ballots counted", "-Q", "Q1-2025")),
    "a milestone done": (ELECTION, ("milestone", "done", "observer", "--date", "2025-02-01")),
    "a new indicator": (ELECTION, ("indicator", "add", "elec", "Observers", "--target", "500")),
}


@pytest.mark.parametrize("change", sorted(CHANGES_TO_WHAT_BELONGS))
@pytest.mark.parametrize("changing_side", ["ours", "theirs"])
def test_what_belongs_to_a_record_the_other_side_removed_is_a_conflict_with_markers(
    tmp_path: Path, change: str, changing_side: str
) -> None:
    """Removing an initiative takes its indicators, measurements and milestones; when the
    other side added or changed one of them, the merge stops on the initiative, both
    versions between the markers, as for its progress entries: never a store that every
    command refuses (a measurement of an indicator that is gone)."""
    ident, command = CHANGES_TO_WHAT_BELONGS[change]
    base = BASE
    changing = after(base, tmp_path, *command)
    removing = after(base, tmp_path, "remove", ident, "--yes")
    if changing_side == "ours":
        result = merge_stores(base, changing, removing)
    else:
        result = merge_stores(base, removing, changing)
    (conflict,) = result.conflicts
    assert conflict.record == f"initiative '{ident}'"
    assert conflict.message.startswith(
        "changed in ours, deleted in theirs (its [["
        if changing_side == "ours"
        else "deleted in ours, changed in theirs (its [["
    )
    assert "<<<<<<<" in result.text
    kept = resolve(result.text, changing_side)
    valid(kept)
    assert initiatives(kept).keys() == initiatives(changing).keys()
    assert indicators(kept) == indicators(changing)
    assert sorted(measurements(kept)) == sorted(measurements(changing))
    assert milestones(kept) == milestones(changing)
    dropped = resolve(result.text, "theirs" if changing_side == "ours" else "ours")
    valid(dropped)
    assert ident not in initiatives(dropped)
    assert indicators(dropped) == indicators(removing)
    assert sorted(measurements(dropped)) == sorted(measurements(removing))
    assert milestones(dropped) == milestones(removing)


@pytest.mark.parametrize("changing_side", ["ours", "theirs"])
def test_a_measurement_of_an_indicator_the_other_side_removed_is_a_conflict_with_markers(
    tmp_path: Path, changing_side: str
) -> None:
    base = BASE
    changing = after(base, tmp_path, *MEASURED)
    removing = after(base, tmp_path, "indicator", "remove", "people-assisted", "--yes")
    sides = (changing, removing) if changing_side == "ours" else (removing, changing)
    result = merge_stores(base, *sides)
    assert [(c.record, c.message.split(", ")[-1]) for c in result.conflicts] == [
        ("indicator 'people-assisted'", "deleted in theirs (its [[measurements]])")
        if changing_side == "ours"
        else ("indicator 'people-assisted'", "changed in theirs (its [[measurements]])")
    ]
    kept = resolve(result.text, changing_side)
    valid(kept)
    assert sorted(measurements(kept)) == [20000, 40000, 50000]
    dropped = resolve(result.text, "theirs" if changing_side == "ours" else "ours")
    valid(dropped)
    assert "people-assisted" not in indicators(dropped)
    assert measurements(dropped) == []


# Each side's work, as people do it: vzwatch commands on the bundled store.
SIDE_COMMANDS = (
    ("remove", AID, "--yes"),
    ("remove", ELECTION, "--yes"),
    ("indicator", "remove", "people-assisted", "--yes"),
    ("milestone", "remove", "observer-teams-accredited", "--yes"),
    MEASURED,
    ("measure", "people-assisted", "60000", "--date", "2025-03-01"),
    ("milestone", "done", "observer-teams-accredited", "--date", "2025-02-01"),
    ("milestone", "add", ELECTION, "Ballots counted", "--quarter", "Q1-2025"),
    ("indicator", "add", ELECTION, "Observers", "--target", "500"),
    ("progress", AID, "30", "--date", "2025-02-10"),
    ("edit", ELECTION, "--status", "active"),
)


def worked(text: str, commands: list[int]) -> str:
    """``text`` after the commands (by number) that still apply (an id may be gone)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "side.toml"
        path.write_text(text, encoding="utf-8")
        for number in commands:
            invoke([*SIDE_COMMANDS[number], "--file", str(path)], env={"VZWATCH_NO_CACHE": "1"})
        return path.read_text(encoding="utf-8")


@pytest.mark.slow  # ~4 s: 80 stores written by vzwatch commands per run
@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, len(SIDE_COMMANDS) - 1), max_size=3),
    st.lists(st.integers(0, len(SIDE_COMMANDS) - 1), max_size=3),
)
def test_a_merge_of_any_work_on_both_sides_leaves_a_store_that_loads(
    ours_work: list[int], theirs_work: list[int]
) -> None:
    """Whatever both sides did to initiatives, indicators, measurements and milestones,
    the merged store loads, or the merge stops and either resolution loads."""
    base = BASE
    ours, theirs = worked(base, ours_work), worked(base, theirs_work)
    result = merge_stores(base, ours, theirs)
    if not result.conflicts:
        valid(result.text)
        return
    for keep in ("ours", "theirs"):
        kept = resolve(result.text, keep)
        if "<<<<<<<" not in kept:
            valid(kept)
