"""Every layout TOML allows, inside a store: no command fails on it as a bug (exit 70),
and every write keeps it byte for byte outside the record it changes.

The constructs in tests/data/toml-constructs/ are taken from the toml-test
corpus (github.com/toml-lang/toml-test, tests/valid/, MIT licence): data, not
code; each file is one construct, placed inside a store as written.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode, StoreError
from vzwatch.operations.reading import load_portfolio
from vzwatch.storage import blocks

TODAY = ("--today", "2025-04-02")
CONSTRUCTS = Path(__file__).parent / "data" / "toml-constructs"

COMMENTED_PARTNERS = """[portfolio]
title = "T"

[[initiatives]]
id = "summit"
title = "Summit"
timeline = "Q2 2025"
partners = [
    # the hosts first
    "United Nations",  # since 2019
    "Lima Group",
]
tags = [
  "dialogue",  # what it is about
  "summit"
]
"""


def edited(run: RunCli, store: Path, *args: str) -> str:
    result = run("edit", "summit", *args, *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    return store.read_text(encoding="utf-8")


def test_edit_adds_and_removes_partners_in_a_commented_array(run: RunCli, store: Path) -> None:
    store.write_text(COMMENTED_PARTNERS, encoding="utf-8")
    after = edited(run, store, "--add-partner", "OAS")
    assert after == COMMENTED_PARTNERS.replace(
        '    "Lima Group",\n', '    "Lima Group",\n    "OAS",\n'
    )
    after = edited(run, store, "--remove-partner", "lima group")
    assert after == COMMENTED_PARTNERS.replace('    "Lima Group",\n', '    "OAS",\n')
    after = edited(run, store, "--remove-partner", "united nations", "--add-tag", "talks")
    assert "# the hosts first\n" in after
    assert "# since 2019" not in after  # went with its item
    assert '  "dialogue",  # what it is about\n  "summit",\n  "talks"\n]' in after
    record = tomllib.loads(after)["initiatives"][0]
    assert (record["partners"], record["tags"]) == (["OAS"], ["dialogue", "summit", "talks"])


def test_import_updates_a_commented_array_in_place(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    store.write_text(COMMENTED_PARTNERS, encoding="utf-8")
    item = json.loads(run("show", "summit", "--json").stdout)
    item["partners"] = ["United Nations", "Lima Group", "European Union"]
    source = tmp_path / "in.json"
    source.write_text(json.dumps([item]), encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert store.read_text(encoding="utf-8") == COMMENTED_PARTNERS.replace(
        '    "Lima Group",\n', '    "Lima Group",\n    "European Union",\n'
    )


# --- the toml-test constructs, inside a store ----------------------------------------

# Headers people write that vzwatch must read: quotes, spaces, non-ASCII, '#'.
STORE = """{top}
[portfolio]
title = "Constructs"

[[pillars]]
id = "p"
name = "P"

["São Paulo office"]
k = "a # b"

["a # b"]
c = 1

[ 'vz x' . "y" ]
z = 2

# the first initiative
[[ initiatives ]]
id = "alpha"
title = "Alpha"
timeline = "Q1 2025"
pillar = "p"
partners = [
    "UN",  # since 2019
]

["initiatives".milestones]
m = 1

[[initiatives]]
id = "beta"
title = "Beta"
timeline = "Q2 2025"
{inside}
[[pillars]]
id = "q"

[initiatives.extra]  # beta's: a sub-table belongs to the last element before it
e = 1

[[progress]]
initiative = "alpha"
date = 2025-01-10T10:00:00
percent = 10
"""


def store_with(construct: str, where: str) -> str:
    """The store with ``construct`` at the top, or inside beta's table (its root keys
    become beta's keys, its tables follow beta)."""
    construct = construct if construct.endswith("\n") else construct + "\n"
    if where == "top":
        return STORE.format(top=construct, inside="")
    return STORE.format(top="", inside=construct)


def placements() -> list[Any]:
    cases = []
    for path in sorted(CONSTRUCTS.glob("*.toml")):
        construct = path.read_bytes().decode("utf-8")
        for where in ("top", "inside"):
            try:
                load_portfolio(store_with(construct, where), path)
            except StoreError:
                assert where == "inside", f"{path.name} must fit at the top of a store"
                continue  # e.g. a root key that is not a valid initiative field
            cases.append(pytest.param(path.name, where, id=f"{path.stem}-{where}"))
    return cases


CASES = placements()


def test_the_constructs_are_placed_many_ways() -> None:
    assert len({name for name, _ in (case.values for case in CASES)}) >= 25
    assert sum(1 for case in CASES if case.values[1] == "inside") >= 15


def pieces_of(text: str, ident: str) -> list[tuple[int, int]]:
    """The byte ranges of an initiative's own keys: its own piece, from the header."""
    index = blocks.index(text)
    for record in index.records("initiatives"):
        piece = record.pieces[0]
        if f'id = "{ident}"' in text[piece.header : piece.end]:
            return [(p.header, index.content_end(p)) for p in record.pieces]
    raise AssertionError(ident)


def assert_only_inside(before: str, after: str, ident: str) -> None:
    """``after`` differs from ``before`` only inside ``ident``'s own piece, plus blocks
    appended at the end."""
    start, end = pieces_of(before, ident)[0]
    assert after[:start] == before[:start]
    rest = before[end:].rstrip("\r\n")
    assert rest in after[start:], ident
    tail = after[after.index(rest, start) + len(rest) :]
    assert tail.strip() == "" or tail.lstrip("\r\n").startswith("[[")  # appended records


def run_ok(run: RunCli, *args: str, env: dict[str, str | None] | None = None) -> str:
    result = run(*args, env=env)
    assert result.exit_code == ExitCode.OK, (args, result.stderr)
    return result.stdout


@pytest.mark.slow
@pytest.mark.usefixtures("cache_home")
@pytest.mark.parametrize(("name", "where"), CASES)
def test_every_command_works_on_a_store_holding_a_construct(
    run: RunCli, store: Path, tmp_path: Path, name: str, where: str
) -> None:
    original = store_with((CONSTRUCTS / name).read_bytes().decode("utf-8"), where)
    store.write_bytes(original.encode("utf-8"))
    no_cache: dict[str, str | None] = {"VZWATCH_NO_CACHE": "1"}
    for env in (None, no_cache):
        assert json.loads(run_ok(run, "list", "--json", env=env))[0]["id"] == "alpha"
        run_ok(run, "show", "beta", "--json", env=env)
        assert run_ok(run, "validate", env=env).endswith(": ok\n")
    for ident in ("alpha", "beta"):
        before = store.read_text(encoding="utf-8")
        run_ok(run, "edit", ident, "--add-partner", "OAS", "--objective", "Go", *TODAY)
        run_ok(run, "edit", ident, "--remove-partner", "OAS", "--status", "active", *TODAY)
        assert_only_inside(before, store.read_text(encoding="utf-8"), ident)
        before = store.read_text(encoding="utf-8")
        run_ok(run, "progress", ident, "30", *TODAY)
        after = store.read_text(encoding="utf-8")
        assert after.startswith(before.rstrip("\r\n"))
        run_ok(run, "progress", ident, "100", *TODAY)  # marks done: edits the record
        assert_only_inside(after, store.read_text(encoding="utf-8"), ident)
    article = tmp_path / "in.md"
    article.write_text(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n"
        "| Alpha | Imported | Q1 2025 |\n| Gamma | New | Q3 2025 |\n",
        encoding="utf-8",
    )
    before = store.read_text(encoding="utf-8")
    run_ok(run, "import", str(article))
    assert_only_inside(before, store.read_text(encoding="utf-8"), "alpha")
    for ident in ("alpha", "beta"):
        before = store.read_text(encoding="utf-8")
        run_ok(run, "remove", ident, "--yes")
        after = store.read_text(encoding="utf-8")
        removed = (
            pieces_of(before, ident)
            + [
                (p.header, blocks.index(before).content_end(p))
                for record in blocks.index(before).records("progress")
                for p in record.pieces
                if f'initiative = "{ident}"' in before[p.header : p.end]
            ]
            + [
                (p.header, blocks.index(before).content_end(p))
                for record in blocks.index(before).records("history")
                for p in record.pieces
                if f'initiative = "{ident}"' in before[p.header : p.end]
            ]
        )
        kept = before
        for start, end in sorted(removed, reverse=True):
            kept = kept[:start] + kept[end:]
        assert _squeezed(after) == _squeezed(kept), ident  # only the record's lines went
    assert run_ok(run, "validate").endswith(": ok\n")
    document = tomllib.loads(store.read_text(encoding="utf-8"))
    construct = tomllib.loads(original)
    for key, value in construct.items():  # the construct's own tables, as they were
        if key not in ("portfolio", "pillars", "initiatives", "progress", "history"):
            assert document[key] == value, key


def _squeezed(text: str) -> str:
    """The text without blank lines: removing a table also takes the blank lines after it."""
    return "".join(line for line in text.splitlines(keepends=True) if line.strip())


@pytest.mark.parametrize("header", ['["São Paulo office"]', '["a # b"]', "[ 'x' . \"y\" ]"])
def test_headers_people_write_never_stop_a_write(
    run: RunCli, store: Path, tmp_path: Path, header: str
) -> None:
    text = store.read_text(encoding="utf-8") + f"\n{header}\nkey = 1\n"
    store.write_text(text, encoding="utf-8")
    article = tmp_path / "in.md"
    article.write_text(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n| Port Watch | Ships | Q2 2025 |\n",
        encoding="utf-8",
    )
    for command in (
        ("import", str(article)),
        ("edit", "election", "--add-tag", "x", *TODAY),
        ("progress", "election", "100", *TODAY),
        ("remove", "hum", "--yes"),
    ):
        run_ok(run, *command)
    assert f"\n{header}\nkey = 1\n" in store.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(path.name for path in CONSTRUCTS.glob("*.toml")))
def test_the_editor_and_the_block_index_agree_on_every_header(name: str) -> None:
    from vzwatch.storage.tomledit import scan

    text = store_with((CONSTRUCTS / name).read_bytes().decode("utf-8"), "top")
    index = blocks.index(text)
    assert {block.start for block in scan(text)} <= {piece.header for piece in index.pieces}
    scanned = [(block.path, block.array) for block in scan(text)]
    assert ("initiatives",) in [path for path, _ in scanned]
    for block in scan(text):
        assert text[block.start :].lstrip(" \t").startswith("["), block
