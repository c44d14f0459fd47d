"""The block index: records found without parsing, agreeing with a full TOML parse."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import BUNDLED, TRICKY
from vzwatch.storage import blocks


def records_alone(text: str, index: blocks.Index, table: str) -> list[Any]:
    """Each record block of ``table`` parsed on its own, in order."""
    return [tomllib.loads(block.text(text))[table][0] for block in index.records(table)]


def others_alone(text: str, index: blocks.Index) -> dict[str, Any]:
    """The head and every non-record block parsed together."""
    rest = index.head + "".join(block.text(text) for block in index.others())
    return tomllib.loads(rest)


def assert_agrees_with_tomllib(text: str) -> None:
    whole = tomllib.loads(text)
    index = blocks.index(text)
    for table in blocks.RECORD_TABLES:
        assert records_alone(text, index, table) == whole.get(table, [])
    rest = others_alone(text, index)
    assert rest == {k: v for k, v in whole.items() if k not in blocks.RECORD_TABLES}
    # The pieces tile the text: nothing is lost or counted twice.
    assert index.head + "".join(text[p.start : p.end] for p in index.pieces) == text


def test_the_bundled_store_splits_into_its_records() -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    index = blocks.index(text)
    tables = ["portfolio", *["pillars"] * 4, "sources", *["initiatives"] * 3, "milestones"]
    tables += ["indicators", "measurements", "measurements"]
    assert [b.table for b in index.blocks] == tables
    assert_agrees_with_tomllib(text)


def test_tricky_layouts_agree_with_a_full_parse() -> None:
    assert_agrees_with_tomllib(TRICKY)


def test_sub_tables_join_the_last_element_before_them_whatever_their_header() -> None:
    index = blocks.index(TRICKY)
    first, second = index.records("initiatives")
    assert [p.path for p in first.pieces] == [("initiatives",), ("initiatives", "milestones")]
    assert [p.path for p in second.pieces] == [
        ("initiatives",),
        ("initiatives", "sub # x"),
        ("initiatives", "notes"),
    ]


def test_comment_lines_directly_above_a_header_are_its_lead() -> None:
    index = blocks.index(TRICKY)
    first = next(index.records("initiatives"))
    milestones = first.pieces[1]
    assert TRICKY[milestones.start : milestones.header].startswith("# this comment belongs")


def test_a_header_like_line_inside_a_string_or_array_is_not_a_header() -> None:
    index = blocks.index(TRICKY)
    assert [b.table for b in index.records("initiatives")] == ["initiatives", "initiatives"]
    assert "matrix" in tomllib.loads(index.head)


def test_deletion_span_keeps_the_comments_around_a_record() -> None:
    text = "# above\n[[progress]]\na = 1\n# inside\nb = 2\n\n# after\n\n[x]\n"
    index = blocks.index(text)
    piece = index.pieces[0]
    start, end = index.deletion_span(piece)
    assert text[:start] + text[end:] == "# above\n# after\n\n[x]\n"


@pytest.mark.parametrize(
    ("line", "path", "array"),
    [
        ("[[initiatives]]\n", ("initiatives",), True),
        ("[ portfolio ]  # c\n", ("portfolio",), False),
        ('["São Paulo office"]\n', ("São Paulo office",), False),
        ("[initiatives.'a.b']\r\n", ("initiatives", "a.b"), False),
        ('[[ "initiatives" . notes ]]\n', ("initiatives", "notes"), True),
        ('["a\\u0041#"]\n', ("aA#",), False),
    ],
)
def test_header_paths(line: str, path: tuple[str, ...], array: bool) -> None:
    assert blocks.header_path(line) == (path, array)


@pytest.mark.parametrize("line", ["[1, 2]\n", "[[a]\n", "[a] b\n", "[]\n"])
def test_lines_that_are_not_headers(line: str) -> None:
    with pytest.raises(blocks.HeaderError):
        blocks.header_path(line)


def test_known_runs_are_not_scanned_again_and_give_the_same_index() -> None:
    index = blocks.index(TRICKY, digests=True)
    again = blocks.index(TRICKY, set(index.runs))
    assert again.pieces == index.pieces
    assert again.runs == index.runs


def test_windows_line_endings_and_no_final_newline() -> None:
    text = TRICKY.replace("\n", "\r\n").rstrip("\r\n")
    assert_agrees_with_tomllib(text)


# --- property: any store assembled from valid fragments ----------------------------

FRAGMENTS = [
    '[[initiatives]]\nid = "a"\ntags = ["x", "y"]\n',
    '[[initiatives]]\nid = "b"\nnested = [\n  [1],\n  [2, [3]],\n]\n',
    '[[initiatives]]\nid = "c"\nnote = """\n[[progress]]\n"""\n',
    "[[initiatives]]\nid = 'd'\n[initiatives.extra]\nk = 1\n",
    '[[progress]]\ninitiative = "a"\ndate = 2025-01-01\npercent = 1\n',
    '# a comment\n[[history]]\ninitiative = "a"\nfield = "status"\n',
    '[[pillars]]\nid = "p"\nname = "P # 1"\n',
    '["other table"]\nk = "v"\n',
    "\n\n",
    "# loose comment\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(len(FRAGMENTS))), max_size=12), st.booleans())
def test_any_store_of_valid_fragments_agrees_with_tomllib(picks: list[int], crlf: bool) -> None:
    text = "[portfolio]\ntitle = 'T'\n" + "".join(FRAGMENTS[i] for i in picks)
    used_other = sum(1 for i in picks if FRAGMENTS[i].startswith('["other'))
    if used_other > 1:  # the same table twice is invalid TOML
        return
    if crlf:
        text = text.replace("\n", "\r\n")
    assert_agrees_with_tomllib(text)


# --- inside a piece: its key/value lines (used by the merge) ----------------------------


def test_entries_of_each_piece_and_the_head_parse_to_the_piece_itself() -> None:
    text = TRICKY + 'dotted.key = "v"  # a comment\n"quoted key" = [\n  1, # one\n  2,\n]\n'
    index = blocks.index(text)
    spans = [(0, index.head_end)] + [(p.body, p.end) for p in index.pieces]
    for start, end in spans:
        found = blocks.entries(text, start, end)
        alone: dict[str, Any] = {}
        for entry in found:
            value = tomllib.loads("v = " + text[entry.value_start : entry.value_end])["v"]
            line = tomllib.loads(text[entry.start : entry.end])
            assert blocks.Entry is type(entry)
            target = line
            for key in entry.path[:-1]:
                target = target[key]
            assert target[entry.path[-1]] == value
            for key, item in line.items():
                if isinstance(item, dict) and key in alone:
                    alone[key].update(item)
                else:
                    alone[key] = item
        assert alone == tomllib.loads(text[start:end])


def test_an_entry_value_ends_before_its_comment_and_a_long_value_at_its_last_line() -> None:
    text = 'a = "x # y"  # note\nb = [\n  "c",  # d\n]  # e\nc = """\n[x]\n"""\n'
    a, b, c = blocks.entries(text, 0, len(text))
    assert text[a.value_start : a.value_end] == '"x # y"'
    assert text[b.value_start : b.value_end] == '[\n  "c",  # d\n]  # e'
    assert (c.path, text[c.start : c.end]) == (("c",), 'c = """\n[x]\n"""\n')
