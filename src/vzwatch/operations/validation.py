"""Check a store and report every problem, not just the first (``vzwatch validate``).

Commands that read a store stop at its first problem (``model.load_portfolio``);
a person fixing a file, or a pre-commit hook, wants the whole list. Merge
conflict markers are looked for before the TOML is parsed, so a half-resolved
merge says "unresolved merge conflict", not a TOML syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from vzwatch.domain.errors import StoreError
from vzwatch.domain.portfolio import (
    Portfolio,
    Problem,
    check_document,
    contradictions,
    milestone_contradictions,
)
from vzwatch.domain.schema import INITIATIVE, readable_identity
from vzwatch.domain.text import visible
from vzwatch.storage.store import StoreLocation, TomlSyntaxError, parse_toml, read_store_text

# git's markers (and diff3's base marker): seven characters at the start of a line.
_MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?:[ \t].*)?$")


@dataclass
class Validation:
    """Problems in the files that could be read, and errors for those that could not."""

    problems: list[Problem] = field(default_factory=list)
    unreadable: list[StoreError] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems and not self.unreadable


def conflict_problems(text: str, path: Path) -> list[Problem]:
    """One problem per conflict region (``<<<<<<<`` to ``>>>>>>>``) or stray marker line."""
    problems: list[Problem] = []
    region_start: int | None = None
    deleted = False  # the merge driver's "(deleted)": a whole record on one side
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKER.match(line)
        if match is None:
            continue
        kind = match.group(1)[0]
        if kind == "<":
            if region_start is not None:
                problems.append(_unfinished(path, region_start))
            region_start = number
            deleted = line.rstrip().endswith("(deleted)")
        elif kind == ">" and region_start is not None:
            lines = f"lines {region_start}-{number}"
            if deleted or line.rstrip().endswith("(deleted)"):
                advice = (
                    "a record deleted on one side and changed on the other: keep it (delete "
                    f"the marker lines) or delete {lines}"
                )
            else:
                advice = "keep the right value and delete the marker lines"
            problems.append(
                Problem(path, region_start, None, f"unresolved merge conflict ({lines}): {advice}")
            )
            region_start = None
        elif region_start is None:
            problems.append(
                Problem(path, number, None, f"stray merge conflict marker {match.group(1)}")
            )
    if region_start is not None:
        problems.append(_unfinished(path, region_start))
    return problems


def _unfinished(path: Path, line: int) -> Problem:
    return Problem(path, line, None, "unresolved merge conflict: <<<<<<< without >>>>>>>")


def check_text(text: str, path: Path, today: date | None = None) -> list[Problem]:
    """Every problem in the text of a store; with ``today``, also what contradicts itself
    (``portfolio.contradictions``)."""
    markers = conflict_problems(text, path)
    try:
        document = parse_toml(text, path)
    except TomlSyntaxError as error:
        if markers:  # the markers are why it does not parse
            return markers
        return [Problem(path, error.line, None, error.reason, error.column)]
    # Marker-like lines in a file that parses sit inside multi-line strings: data.
    portfolio, problems = check_document(document, text, path, today)
    tables = document.get("initiatives")
    named = {
        ident
        for raw in (tables if isinstance(tables, list) else ())
        if isinstance(raw, dict) and (ident := readable_identity(INITIATIVE, raw))
    }
    problems.extend(dependency_problems(portfolio, text, path, named))
    # File order reads best; problems of the whole file (no line) come first.
    return sorted(problems, key=lambda problem: problem.line or 0)


def check_files(locations: Iterable[StoreLocation], today: date | None = None) -> Validation:
    """Check each store; a file that cannot be read at all is reported, the rest still checked.

    ``today`` (the real today, from the CLI) also finds entries dated after it
    and the other contradictions ``portfolio.contradictions`` names.
    """
    from vzwatch.operations.reading import open_snapshot

    report = Validation()
    for location in locations:
        try:
            # A store the parse cache vouches for has no problem: the cache holds only
            # stores that validated, and a changed one is checked by its changed runs.
            snapshot = open_snapshot(location)
        except StoreError:
            pass  # find every problem, not just the first
        else:
            # What only validate checks is asked of its records; lines need the text.
            portfolio = snapshot.portfolio()
            if today is None or not (
                any(contradictions(item, today) for item in portfolio.initiatives)
                or milestone_contradictions(portfolio, today)
            ):
                if snapshot.has_dependencies() and _dependencies_wrong(portfolio):
                    text = read_store_text(location)
                    report.problems.extend(dependency_problems(portfolio, text, location.path))
                continue
        try:
            text = read_store_text(location)
        except StoreError as error:
            report.unreadable.append(error)
            continue
        report.problems.extend(check_text(text, location.path, today))
    return report


def _dependencies_wrong(portfolio: Portfolio) -> bool:
    from vzwatch.domain.dependencies import cycles, unknown_dependencies

    return bool(unknown_dependencies(portfolio) or cycles(portfolio))


def _id_line(text: str, ident: str) -> int | None:
    """The line of ``id = "ident"`` in the store's text (None: not found so simply)."""
    pattern = re.compile(rf"""^\s*id\s*=\s*["']{re.escape(ident)}["']""")
    return next(
        (number for number, line in enumerate(text.splitlines(), 1) if pattern.match(line)), None
    )


def dependency_problems(
    portfolio: Portfolio, text: str, path: Path, known: Collection[str] | None = None
) -> list[Problem]:
    """A problem for each dependency on an unknown id, and for each dependency cycle."""
    from vzwatch.domain.dependencies import cycles, unknown_dependencies

    problems = [
        Problem(
            path,
            _id_line(text, ident),
            f"initiative '{ident}'",
            f"depends_on names '{visible(dependency)}', which is not an initiative id",
        )
        for ident, dependency in unknown_dependencies(portfolio, known)
    ]
    problems.extend(
        Problem(
            path,
            _id_line(text, ring[0]),
            f"initiative '{ring[0]}'",
            f"dependency cycle: {' -> '.join(ring)}",
        )
        for ring in cycles(portfolio)
    )
    return problems


def problem_to_dict(problem: Problem) -> dict[str, object]:
    """The JSON form of a problem (README, "vzwatch validate")."""
    return {
        "file": str(problem.path),
        "line": problem.line,
        "column": problem.column,
        "record": problem.record,
        "message": problem.message,
    }
