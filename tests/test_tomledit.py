"""Format-preserving edits: the change lands, every other byte stays."""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import BUNDLED, delete_block, find_records
from vzwatch.storage.tomledit import (
    DELETE,
    TomlEditError,
    edit_block,
    render_block,
    render_value,
    scan,
)

STORE = """\
# my notes at the top
[portfolio]
title = "P"

[[initiatives]]
id = "alpha"   # first one
title = "Alpha"
status = "planned"  # keep this comment
partners = [
    "UN",  # the UN
    "OAS",
]
notes = '''
[[initiatives]]
id = "fake"
'''

# Beta is next
[[initiatives]]
id = 'beta'
title = "Beta"
status = "active"

[initiatives.extra]
budget = 3

[[progress]]
initiative = "alpha"
date = 2025-01-01
percent = 10
"""


def only(text: str, ident: str) -> Any:
    blocks = find_records(text, "initiatives", "id", ident)
    assert len(blocks) == 1
    return blocks[0]


def test_scan_finds_headers_but_not_text_inside_strings() -> None:
    blocks = scan(STORE)
    assert [(b.table, b.array) for b in blocks] == [
        ("portfolio", False),
        ("initiatives", True),
        ("initiatives", True),
        ("progress", True),
    ]
    assert [e.key for e in blocks[1].entries] == ["id", "title", "status", "partners", "notes"]
    assert [e.key for e in blocks[2].entries] == ["id", "title", "status"]  # not the sub-table's


def test_find_records_by_id_with_either_quote_style() -> None:
    assert only(STORE, "alpha").start == STORE.index('[[initiatives]]\nid = "alpha"')
    assert only(STORE, "beta").start == STORE.index("[[initiatives]]\nid = 'beta'")
    assert find_records(STORE, "initiatives", "id", "fake") == []


def test_replacing_a_value_keeps_its_comment_and_everything_else() -> None:
    edited = edit_block(STORE, only(STORE, "alpha"), {"status": "done"})
    assert edited == STORE.replace(
        'status = "planned"  # keep this comment', 'status = "done"  # keep this comment'
    )


def test_replacing_a_multiline_array() -> None:
    edited = edit_block(STORE, only(STORE, "alpha"), {"partners": ["Lima Group"]})
    assert tomllib.loads(edited)["initiatives"][0]["partners"] == ["Lima Group"]
    # Item by item, in the array's own layout: the removed items take their comments.
    assert edited == STORE.replace(
        'partners = [\n    "UN",  # the UN\n    "OAS",\n]', 'partners = [\n    "Lima Group",\n]'
    )


def test_adding_a_key_puts_it_after_the_last_entry_of_the_record() -> None:
    edited = edit_block(STORE, only(STORE, "beta"), {"objective": "Go"})
    assert 'status = "active"\nobjective = "Go"\n\n[initiatives.extra]' in edited
    data = tomllib.loads(edited)
    assert data["initiatives"][1]["objective"] == "Go"
    assert data["initiatives"][1]["extra"] == {"budget": 3}


def test_deleting_a_key_removes_its_line_only() -> None:
    edited = edit_block(STORE, only(STORE, "alpha"), {"status": DELETE})
    assert edited == STORE.replace('status = "planned"  # keep this comment\n', "")


def test_an_edit_to_the_same_value_changes_nothing() -> None:
    block = only(STORE, "alpha")
    assert edit_block(STORE, block, {"status": "planned", "partners": ("UN", "OAS")}) == STORE


def test_deleting_a_block_keeps_the_comments_around_it() -> None:
    edited = delete_block(STORE, only(STORE, "beta"))
    assert "# Beta is next" in edited
    data = tomllib.loads(edited)
    assert [i["id"] for i in data["initiatives"]] == ["alpha"]
    assert data["progress"][0]["initiative"] == "alpha"


def test_bundled_store_scans_and_round_trips_edits() -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    block = only(text, "election-oversight-missions")
    edited = edit_block(text, block, {"status": "active", "tags": ["elections", "oas"]})
    record = tomllib.loads(edited)["initiatives"][1]
    assert (record["status"], record["tags"]) == ("active", ["elections", "oas"])
    assert len(edited.splitlines()) == len(text.splitlines())


def test_unclosed_value_is_an_error_not_a_guess() -> None:
    with pytest.raises(TomlEditError):
        scan('[[initiatives]]\nid = "a"\npartners = [\n  "x",\n')


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", '"plain"'),
        ('quote " and \\', '"quote \\" and \\\\"'),
        (["a", "b"], '["a", "b"]'),
        ([], "[]"),
        (40, "40"),
        (True, "true"),
        (date(2025, 3, 31), "2025-03-31"),
    ],
)
def test_render_value(value: object, written: str) -> None:
    assert render_value(value) == written


def test_long_lists_are_written_one_item_a_line() -> None:
    partners = [f"Partner number {n}" for n in range(8)]
    text = render_block("initiatives", {"id": "x", "partners": partners})
    assert text.count("\n") == 3 + len(partners) + 1  # header, id, "partners = [", items, "]"
    assert tomllib.loads(text)["initiatives"][0]["partners"] == partners


safe_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=30,
)
records = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
        "title": safe_text,
        "partners": st.lists(safe_text, max_size=6),
        "percent": st.integers(0, 100),
    }
)


@given(st.lists(records, min_size=1, max_size=5, unique_by=lambda r: r["id"]), safe_text, st.data())
def test_any_edit_changes_exactly_one_field(
    generated: list[dict[str, Any]], new_title: str, data: st.DataObject
) -> None:
    text = "# header comment\n\n" + "\n# between\n".join(
        render_block("initiatives", record) for record in generated
    )
    target = data.draw(st.sampled_from(generated))
    edited = edit_block(text, only(text, target["id"]), {"title": new_title})
    expected = [dict(r, title=new_title) if r is target else r for r in generated]
    assert tomllib.loads(edited)["initiatives"] == expected
    assert edited.startswith("# header comment\n\n")
    assert edited.count("# between") == len(generated) - 1


def test_a_store_with_windows_line_endings_scans_and_edits() -> None:
    crlf = STORE.replace("\n", "\r\n")
    blocks = scan(crlf)
    assert [(b.table, b.array) for b in blocks] == [(b.table, b.array) for b in scan(STORE)]
    edited = edit_block(crlf, only(crlf, "alpha"), {"status": "done"})
    assert edited == crlf.replace('status = "planned"', 'status = "done"')
    assert tomllib.loads(edited)["initiatives"][0]["status"] == "done"


def test_edits_of_a_windows_store_keep_its_line_endings() -> None:
    crlf = STORE.replace("\n", "\r\n")
    edited = edit_block(crlf, only(crlf, "beta"), {"objective": "Go", "tags": ["x"] * 30})
    assert "\n" not in edited.replace("\r\n", "")
    assert tomllib.loads(edited)["initiatives"][1]["objective"] == "Go"


# --- arrays with comments are edited item by item -----------------------------------

COMMENTED = """\
[[initiatives]]
id = "a"
partners = [
    # who pays
    "UN",  # since 2019
    "OAS",
]
tags = ["x", # inline
  "y"]
"""


def partners_after(changes: dict[str, Any]) -> str:
    return edit_block(COMMENTED, only(COMMENTED, "a"), changes)


def test_adding_to_a_multiline_array_keeps_its_comments() -> None:
    edited = partners_after({"partners": ["UN", "OAS", "European Union"]})
    assert edited == COMMENTED.replace('    "OAS",\n', '    "OAS",\n    "European Union",\n')


def test_removing_from_a_multiline_array_takes_the_item_and_its_own_comment_only() -> None:
    edited = partners_after({"partners": ["OAS"]})
    assert edited == COMMENTED.replace('    "UN",  # since 2019\n', "")
    edited = partners_after({"partners": ["UN"]})
    assert edited == COMMENTED.replace('    "OAS",\n', "")


def test_an_array_without_a_trailing_comma_gets_one_only_where_needed() -> None:
    text = '[[initiatives]]\nid = "a"\npartners = [\n  "UN",  # c\n  "OAS"\n]\n'
    edited = edit_block(text, only(text, "a"), {"partners": ["UN", "OAS", "EU"]})
    assert edited == text.replace('  "OAS"\n', '  "OAS",\n  "EU"\n')


def test_an_array_sharing_lines_keeps_its_comments_too() -> None:
    edited = partners_after({"tags": ["y", "z"]})
    assert edited == COMMENTED.replace(
        'tags = ["x", # inline\n  "y"]', 'tags = [ # inline\n  "y", "z"]'
    )


def test_an_empty_multiline_array_gets_lines_like_vzwatch_writes() -> None:
    text = '[[initiatives]]\nid = "a"\ntags = [\n  # none yet\n]\n'
    edited = edit_block(text, only(text, "a"), {"tags": ["a", "b"]})
    assert edited == text.replace("\n]\n", '\n    "a",\n    "b",\n]\n')


def test_a_windows_store_keeps_its_line_endings_in_array_edits() -> None:
    crlf = COMMENTED.replace("\n", "\r\n")
    edited = edit_block(crlf, only(crlf, "a"), {"partners": ["UN", "OAS", "EU"]})
    assert edited == crlf.replace('    "OAS",\r\n', '    "OAS",\r\n    "EU",\r\n')


layouts = st.sampled_from(
    [
        "[\n{items}]",  # vzwatch's own: one a line, trailing commas
        "[ # heading\n{items}  # the end\n]",
        "[{inline}]",
        "[  # c\n  {inline}\n]",
    ]
)
item_words = st.lists(
    st.sampled_from(["UN", "OAS", "EU", "Lima Group", "a # b", 'q"t']), unique=True
)


@given(layouts, item_words, item_words, st.booleans())
def test_any_array_edit_gives_the_wanted_list_and_keeps_comment_lines(
    layout: str, old: list[str], new: list[str], trailing: bool
) -> None:
    rendered = [render_value(item) for item in old]
    lines = "".join(
        f"    {item}{',' if trailing or n < len(old) - 1 else ''}  # note {n}\n"
        for n, item in enumerate(rendered)
    )
    array = layout.format(items=lines, inline=", ".join(rendered))
    text = f'[[initiatives]]\nid = "a"\ntags = {array}\n# after\n'
    edited = edit_block(text, only(text, "a"), {"tags": new})
    assert tomllib.loads(edited)["initiatives"][0]["tags"] == new
    for line in text.splitlines():
        comment = line.strip()
        if comment.startswith("#"):
            assert comment in edited  # comments on lines of their own always stay
    if [item for item in old if item in new] == [item for item in new if item in old]:
        for n, item in enumerate(old):  # items only added and removed, not reordered:
            if item in new and "# note" in text:
                assert f"# note {n}" in edited  # a kept item keeps its comment
