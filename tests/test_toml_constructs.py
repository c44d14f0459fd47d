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

from tests.conftest import RunCli
from vzwatch.errors import ExitCode

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
