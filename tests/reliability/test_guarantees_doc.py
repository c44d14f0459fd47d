"""docs/reliability.md points every guarantee at a test that exists."""

from __future__ import annotations

import re

from tests.helpers import REPO

DOC = REPO / "docs" / "reliability.md"


def test_every_guarantee_names_a_test_that_exists() -> None:
    references = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", DOC.read_text(encoding="utf-8"))
    assert len(references) > 40
    for path, name in references:
        source = (REPO / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path}::{name}"


def test_every_guarantee_row_has_a_test() -> None:
    rows = [
        line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith(("| guarantee", "|---"))
    ]
    assert rows
    assert all("::test_" in row for row in rows), [row for row in rows if "::test_" not in row]


def test_the_readme_links_it_from_safety() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    safety = readme[readme.index("### Safety") : readme.index("### The parse cache")]
    assert "(docs/reliability.md)" in safety
