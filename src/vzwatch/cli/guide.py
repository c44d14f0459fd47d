"""`vzwatch help [TOPIC]`: the README's sections, from the installed package.

The README ships inside the wheel (pyproject: force-include), so a person who
installed with pip can read the exit codes, the JSON contract or the store
format without the repository. A topic is a heading of the README, as a
slug: `exit-codes`, `json-output`, `list` for "`vzwatch list`".
"""

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from vzwatch.cli.app import NoColorFlag, app
from vzwatch.domain.errors import UsageError

_HEADING = re.compile(r"^(#{2,3}) (.+)$")


def _readme() -> str:
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "README.md", package.parents[1] / "README.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise UsageError("the README is not installed with this copy of vzwatch")


def topic_slug(heading: str) -> str:
    """'`vzwatch list`' -> 'list'; 'Exit codes' -> 'exit-codes'."""
    text = heading.replace("`", "").removeprefix("vzwatch ").lower()
    words = re.findall(r"[a-z0-9][a-z0-9-]*", text)
    if heading.startswith("`vzwatch "):
        words = words[:1]  # the command: "show ID" -> "show"
    return "-".join(words)


def sections(readme: str) -> dict[str, tuple[str, str]]:
    """Topic -> (heading, text) for every ## and ### heading outside code blocks;
    a section runs to the next heading of its level or higher."""
    lines = readme.splitlines()
    headings: list[tuple[int, int, str]] = []  # (line, depth, heading)
    fenced = False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            headings.append((number, len(match.group(1)), match.group(2)))
    found: dict[str, tuple[str, str]] = {}
    for at, (number, depth, heading) in enumerate(headings):
        end = next((n for n, d, _ in headings[at + 1 :] if d <= depth), len(lines))
        found.setdefault(
            topic_slug(heading), (heading, "\n".join(lines[number:end]).strip() + "\n")
        )
    return found


@app.command("help")
def help_command(
    topic: Annotated[
        str | None, typer.Argument(metavar="TOPIC", help="A README section; none: the list.")
    ] = None,
    no_color: NoColorFlag = False,
) -> None:
    """Show a section of the README: exit codes, JSON output, the store format…

    \b
    Examples:
      vzwatch help                 the topics
      vzwatch help exit-codes
      vzwatch help list            the `vzwatch list` section
    """
    found = sections(_readme())
    if topic is None:
        width = max(len(name) for name in found)
        lines = [
            f"  {name:<{width}}  {heading.replace('`', '')}" for name, (heading, _) in found.items()
        ]
        sys.stdout.write("Topics (vzwatch help TOPIC):\n" + "\n".join(lines) + "\n")
        return
    wanted = topic_slug(topic)
    if wanted not in found:
        raise UsageError(f"no help topic '{topic}' (known: {', '.join(found)})")
    sys.stdout.write(found[wanted][1])
