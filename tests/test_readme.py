"""Every example in README.md runs and prints what the README shows.

As typer does with its docs, the README cannot drift: the examples are read
from it and run in order, as a reader typing along would. Each ``##`` section
is one story, told in a fresh working directory (the "desk", shown as
/home/me/desk): a git clone holding the bundled store at
data/initiatives.toml and the article the import example reads. So a section
continues its own earlier examples and nothing else, and a new section cannot
change what an older one prints. Every vzwatch command that takes ``--today``
runs with ``--today 2025-03-31`` unless it says otherwise, so dates in the
examples are stable; output is 80 columns wide, as piped output is.

What counts as an example:

* In ```text and ```console blocks, a line starting with ``$ `` is a command
  and the lines up to the next ``$ `` are what it prints (stderr, then
  stdout). ``…`` stands for text left out: a line of its own matches any
  number of lines. Output that parses as JSON is compared as JSON (the
  README formats it to be read): objects key by key, arrays as a
  subsequence. ``[y/N]: n`` answers a question.
* In ```sh blocks, every command runs and must succeed (exit 0 unless
  ``EXIT_CODES`` says otherwise); comment lines right after a command are
  what it prints. Trailing comments are explanations.
* A ```cron block's command runs as cron would, in a bare environment.
* The quick start is what CI runs (.ci/run), so it is compared with that.
* The store format (```toml under "Format") must load as a valid store, and
  the pre-commit example must name the hook .pre-commit-hooks.yaml defines.
  The other ```toml blocks are fragments of a conflicted file, not examples.

Commands that are not vzwatch (git, jq, shell pipelines) run in bash; of
their output only vzwatch's own lines are compared. Where the README says a
person does something between two examples (edit a file, a teammate
pushes), ``BEFORE`` does it.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import BUNDLED, REPO, invoke
from vzwatch.operations.reading import load_portfolio

README = REPO / "README.md"
TODAY = "2025-03-31"
SHOWN_DESK = "/home/me/desk"  # how the README writes the working directory
SHOWN_PYTHON = "/home/me/desk/.venv/bin/python"
# Commands whose output shown without --today depends on the date (list's does
# not, for the bundled store; given --today it says "As of").
DATED = ("due", "report", "timeline", "export", "progress", "edit")
# Examples that succeed with another exit code (the README says why beside them).
EXIT_CODES = {
    "vzwatch due --quiet --exit-code": 1,
    "vzwatch validate --json": 1,
    "git pull": 1,  # the conflict the README shows
    # The bundled initiatives have gone quiet by now: cron mails the list.
    "VZWATCH_FILE=$HOME/desk/data/initiatives.toml /opt/vzwatch/.venv/bin/vzwatch stale"
    " --quiet --exit-code": 1,
}
ELLIPSIS = "…"


@dataclass
class Example:
    line: int  # where it is in the README
    command: str
    output: list[str] | None = None  # None: not shown (an sh example)
    kind: str = "sh"  # "sh", "session" or "cron"
    section: str = ""  # the ``##`` heading it is under: its story


@dataclass
class Desk:
    """The reader's working directory and what the examples left in it."""

    path: Path
    home: Path
    env: dict[str, str]
    last_exit: int = 0


# --- reading the README ---------------------------------------------------------------


def fenced_blocks(text: str) -> Iterator[tuple[int, str, list[str], str]]:
    """(line of the opening fence, info string, lines, ``##`` section) for every fenced block."""
    lines = text.splitlines()
    number = 0
    section = ""
    while number < len(lines):
        if lines[number].startswith("## "):
            section = lines[number][3:].strip()
        opening = re.match(r"^( *)(`{3,})(\S*)", lines[number])
        if opening is None:
            number += 1
            continue
        indent, fence, info, start = len(opening[1]), opening[2], opening[3], number + 1
        body = []
        number += 1
        while lines[number].strip() != fence:  # a longer fence may hold shorter ones
            body.append(lines[number][indent:])
            number += 1
        number += 1
        yield start, info, body, section


def sh_examples(start: int, body: list[str]) -> Iterator[Example]:
    logical: list[tuple[int, str]] = []
    pending = ""
    for offset, raw in enumerate(body):
        if pending:
            pending += " " + raw.strip()
        else:
            pending, first = raw.strip(), start + offset + 1
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        logical.append((first, pending))
        pending = ""
    current: Example | None = None
    for line, text in logical:
        if text.startswith("#"):
            if current is not None:
                current.output = [*(current.output or []), text[1:].strip()]
            continue
        if current is not None:
            yield current
        current = Example(line, _without_comment(text)) if text else None
    if current is not None:
        yield current


def _without_comment(command: str) -> str:
    """The command without a trailing ``# explanation`` (a # inside quotes stays)."""
    words = shlex.split(command, comments=True)
    for match in re.finditer(r"\s#", command):
        head = command[: match.start()]
        try:
            if shlex.split(head) == words:
                return head.rstrip()
        except ValueError:  # the # is inside quotes
            continue
    return command.strip()


def session_examples(start: int, body: list[str]) -> Iterator[Example]:
    current: Example | None = None
    continued = False
    for offset, text in enumerate(body):
        if continued and current is not None:  # the command goes on after a backslash
            current.command = current.command[:-1].rstrip() + " " + text.strip()
        elif text.startswith("$ "):
            if current is not None:
                yield current
            current = Example(start + offset + 1, text[2:].strip(), [], "session")
        elif current is not None and current.output is not None:
            current.output.append(text)
        continued = current is not None and not current.output and current.command.endswith("\\")
    if current is not None:
        yield current


def readme_examples(text: str) -> list[Example]:
    found: list[Example] = []
    for start, info, body, section in fenced_blocks(text):
        if info == "sh":
            block = list(sh_examples(start, body))
        elif info in ("text", "console"):
            block = list(session_examples(start, body))
        elif info == "cron":
            block = [
                Example(start + offset + 1, line.split(None, 5)[5], None, "cron")
                for offset, line in enumerate(body)
                if line.strip() and not line.startswith("#")
            ]
        else:
            continue
        for example in block:
            example.section = section
        found.extend(block)
    return found


def stories() -> dict[str, list[Example]]:
    """The README's examples by ``##`` section, in order: each section is one story."""
    told: dict[str, list[Example]] = {}
    for example in readme_examples(README.read_text("utf-8")):
        if not is_quick_start(example):
            told.setdefault(example.section, []).append(example)
    return told


QUICK_START = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'"


def is_quick_start(example: Example) -> bool:
    return example.command.startswith(QUICK_START) or example.command == (
        ".venv/bin/python -m pytest"
    )


# --- running an example -------------------------------------------------------------------


def with_today(command: str) -> str:
    """``--today`` added to each vzwatch command that takes it and does not give it."""

    def add(match: re.Match[str]) -> str:
        rest = command[match.end() :]
        own = re.split(r"[|;&>]", rest, maxsplit=1)[0]
        return match[0] if "--today" in own else f"{match[0]} --today {TODAY}"

    return re.sub(rf"\bvzwatch ({'|'.join(DATED)})\b", add, command)


# Options that read the shell they are typed in (shellingham looks at the process's
# ancestors): run in this process they would read the test runner's.
READS_THE_SHELL = ("--install-completion", "--show-completion")


def plain_vzwatch(command: str) -> list[str] | None:
    """The arguments of a command that is just ``vzwatch …`` (no shell around it)."""
    words = shlex.split(command)
    if words[:1] != ["vzwatch"] or any(w in ("|", "&&", ";", "<", "||", ">>") for w in words):
        return None
    if any(word in READS_THE_SHELL for word in words):
        return None
    return words[1:]


def run_vzwatch(
    desk: Desk, args: list[str], answers: str | None, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    redirect = None
    if len(args) >= 2 and args[-2] == ">":
        args, redirect = args[:-2], args[-1]
    with monkeypatch.context() as patch:
        patch.chdir(desk.path)
        for key, value in desk.env.items():
            patch.setenv(key, value)
        if answers is not None:
            from vzwatch.cli import updates

            patch.setattr(updates, "_stdin_is_terminal", lambda: True)
        result = invoke(args, input=answers)
    if redirect is not None:
        (desk.path / redirect).write_text(result.stdout, encoding="utf-8")
        return result.exit_code, result.stderr
    return result.exit_code, echoed(result.stderr + result.stdout, answers)


def echoed(output: str, answers: str | None) -> str:
    """The output as a terminal shows it: each answer typed after its question."""
    question = "[y/N]: "
    shown, at = [], 0
    for answer in (answers or "").splitlines():
        found = output.find(question, at)
        if found < 0:
            break
        shown.append(output[at : found + len(question)] + answer + "\n")
        at = found + len(question)
    return "".join(shown) + output[at:]


def complete(desk: Desk, line: str) -> tuple[int, str]:
    """What bash's completion asks vzwatch for ``line`` (cut where TAB is pressed)."""
    words = line.split()
    env = {
        **desk.env,
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) if line.endswith(" ") else len(words) - 1),
        "_VZWATCH_COMPLETE": "complete_bash",
    }
    done = subprocess.run(
        ["vzwatch"], cwd=desk.path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, done.stderr + done.stdout


def run_shell(desk: Desk, command: str) -> tuple[int, str]:
    # `; exit $?`: bash given one command execs it, and vzwatch would not see its shell.
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"{command}; exit $?" if any(o in command for o in READS_THE_SHELL) else command,
        ],
        cwd=desk.path,
        env=desk.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr + done.stdout


def shown(desk: Desk, output: str) -> list[str]:
    """Output as the README writes it: the desk and its Python at their README paths."""
    output = output.replace(str(desk.path), SHOWN_DESK).replace(sys.executable, SHOWN_PYTHON)
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:  # blank lines at the end do not show in a README
        lines.pop()
    return lines


# --- comparing ----------------------------------------------------------------------------


def text_matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line ``…`` matches any lines, ``…`` in a line any text."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == ELLIPSIS:
        return any(text_matches(rest, actual[at:]) for at in range(len(actual) + 1))
    return bool(actual) and line_matches(head, actual[0]) and text_matches(rest, actual[1:])


def line_matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.rstrip().split(ELLIPSIS))
    return re.fullmatch(pattern, actual.rstrip()) is not None


def json_matches(expected: Any, actual: Any) -> bool:
    """Objects key by key; an array shown is a subsequence of the array printed."""
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(json_matches(value, actual[key]) for key, value in expected.items())
        )
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        remaining = iter(actual)
        return all(any(json_matches(item, other) for other in remaining) for item in expected)
    if isinstance(expected, str) and isinstance(actual, str):
        return line_matches(expected, actual)
    return type(expected) is type(actual) and expected == actual


def as_json(lines: list[str]) -> Any:
    try:
        return json.loads("\n".join(lines))
    except ValueError:
        return None


def output_matches(expected: list[str], actual: list[str], vzwatch_only: bool) -> bool:
    if vzwatch_only:  # git's own lines differ by version; vzwatch's must be there, in order
        ours = [line for line in expected if line.startswith("vzwatch:")]
        remaining = iter(actual)
        return all(any(line_matches(line, other) for other in remaining) for line in ours)
    wanted = as_json(expected)
    if wanted is not None and expected[:1] != []:
        return json_matches(wanted, as_json(actual))
    return text_matches(expected, actual)


# --- what people do between examples ----------------------------------------------------------


def git(desk: Desk, *args: str, cwd: Path | None = None) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd or desk.path,
        env=desk.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def teammate_marks_aid_done(desk: Desk) -> None:
    """Before `git pull`: a teammate has set the aid programmes done, and pushed."""
    teammate = desk.home / "teammate"
    git(desk, "clone", "-q", str(desk.home / "origin.git"), str(teammate), cwd=desk.home)
    store = teammate / "data" / "initiatives.toml"
    text = store.read_text(encoding="utf-8")
    record = text.index('id = "humanitarian-aid-programs"')
    status = text.index('status = "active"', record)
    store.write_text(
        text[:status] + 'status = "done"' + text[status + len('status = "active"') :],
        encoding="utf-8",
    )
    git(desk, "commit", "-qam", "Aid programmes done", cwd=teammate)
    git(desk, "push", "-q", cwd=teammate)


def resolve_keeping_ours(desk: Desk) -> None:
    """Keep the line you want, delete the three marker lines."""
    store = desk.path / "data" / "initiatives.toml"
    text = store.read_text(encoding="utf-8")
    resolved = re.sub(r"<<<<<<< ours\n(.*?)=======\n.*?>>>>>>> theirs\n", r"\1", text, flags=re.S)
    assert resolved != text, "the README's conflict should be in the store"
    store.write_text(resolved, encoding="utf-8")


def write_rows_with_one_bad_row(desk: Desk) -> None:
    (desk.path / "rows.md").write_text(
        "| Initiative | Objective | Timeline |\n|---|---|---|\n"
        "| Good One | Try | Q1 2026 |\n| Bad One | Oops | Q5 2026 |\n"
        "| Good Two | Again | Q2 2026 |\n",
        encoding="utf-8",
    )


def break_the_store_for_validate(desk: Desk) -> None:
    """The validate example's store: a pillar and a status mistyped by hand."""
    store = desk.path / "data" / "initiatives.toml"
    text = store.read_text(encoding="utf-8")
    text = text.replace('pillar = "humanitarian-support"', 'pillar = "nope"', 1)
    forums = text.index('id = "international-dialogue-forums"')
    status = text.index('status = "planned"', forums)
    text = text[:status] + 'status = "planed"' + text[status + len('status = "planned"') :]
    store.write_text(text, encoding="utf-8")


SEVERAL_STORES = (
    "vzwatch report --file data/initiatives.toml --file us.toml --by portfolio --quarter Q1-2025"
)


def write_the_second_store(desk: Desk) -> None:
    """The several-stores examples' us.toml: the store the README shows."""
    text = README.read_text("utf-8")
    section = text[text.index("### Several stores in one view") : text.index("## The commitment")]
    (body,) = (lines for _, info, lines, _ in fenced_blocks(section) if info == "toml")
    (desk.path / "us.toml").write_text("\n".join(body) + "\n", encoding="utf-8")


# Per command, what is done before each of its runs (the first, the second…).
BEFORE: dict[str, list[Callable[[Desk], None]]] = {
    "git pull": [teammate_marks_aid_done],
    "vzwatch validate": [resolve_keeping_ours, break_the_store_for_validate],
    "vzwatch import rows.md --file rows.toml": [write_rows_with_one_bad_row],
    SEVERAL_STORES: [write_the_second_store],
}


# --- the test ---------------------------------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    home = tmp_path / "reader"
    home.mkdir()
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "COLUMNS": "80",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "LC_ALL": "C.UTF-8",
        "PYTHONUTF8": "1",
        "GIT_AUTHOR_NAME": "Me",
        "GIT_AUTHOR_EMAIL": "me@example.org",
        "GIT_COMMITTER_NAME": "Me",
        "GIT_COMMITTER_EMAIL": "me@example.org",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    origin = home / "origin.git"
    seed = home / "seed"
    (seed / "data").mkdir(parents=True)
    shutil.copyfile(BUNDLED, seed / "data" / "initiatives.toml")
    state = Desk(home / "desk", home, env)
    git(state, "init", "-q", "-b", "main", str(seed), cwd=home)
    git(state, "add", "-A", cwd=seed)
    git(state, "commit", "-qm", "The bundled store", cwd=seed)
    git(state, "clone", "-q", "--bare", str(seed), str(origin), cwd=home)
    git(state, "clone", "-q", str(origin), str(state.path), cwd=home)
    shutil.copyfile(
        REPO / "tests" / "data" / "japan-venezuela-article.md",
        state.path / "japan-venezuela-article.md",
    )
    git(state, "config", "pull.rebase", "false")
    return state


def test_the_quick_start_is_what_ci_runs() -> None:
    commands = [e.command for e in readme_examples(README.read_text("utf-8")) if is_quick_start(e)]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands == [
        f"{QUICK_START} && .venv/bin/vzwatch list",
        ".venv/bin/python -m pytest",
    ]
    assert all(command in ci for command in commands)


STORIES = stories()


def test_the_readme_tells_its_stories() -> None:
    assert sum(len(examples) for examples in STORIES.values()) > 40
    assert "Commands" in STORIES
    assert "Using vzwatch as a team" in STORIES


@pytest.mark.subprocess
@pytest.mark.parametrize("section", list(STORIES))
def test_every_readme_example_prints_what_the_readme_shows(
    section: str, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = STORIES[section]
    failures = []
    runs: dict[str, int] = {}
    for example, following in zip(examples, [*examples[1:], None], strict=True):
        steps = BEFORE.get(example.command, [])
        done = runs.get(example.command, 0)
        runs[example.command] = done + 1
        if done < len(steps):
            try:
                steps[done](desk)
            except (AssertionError, subprocess.CalledProcessError) as error:
                failures.append(f"README.md:{example.line}: before {example.command}: {error}")
        checked_later = following is not None and following.command == "echo $?"
        problem = run_example(desk, example, monkeypatch, checked_later)
        if problem:
            failures.append(f"README.md:{example.line}: $ {example.command}\n{problem}")
    assert not failures, "\n\n".join(failures)


def run_example(
    desk: Desk, example: Example, monkeypatch: pytest.MonkeyPatch, checked_later: bool
) -> str | None:
    """What is wrong with one example's run, or None.

    A vzwatch command's exit code is 0, or not 0 when it shows a vzwatch error;
    any other command's is 0; ``EXIT_CODES`` names the exceptions, and an
    ``echo $?`` after a command shows its code instead.
    """
    if example.command == "echo $?":
        code, printed = 0, f"{desk.last_exit}\n"
    elif example.command.endswith("<TAB>"):
        code, printed = complete(desk, example.command.removesuffix("<TAB>"))
    else:
        command = with_today(example.command)
        if example.kind == "cron":
            command = cron_command(desk, command)
        args = plain_vzwatch(command)
        answers = answers_in(example.output or [])
        if args is not None and example.kind != "cron":
            code, printed = run_vzwatch(desk, args, answers, monkeypatch)
        else:
            code, printed = run_shell(desk, command)
    desk.last_exit = code
    actual = shown(desk, printed)
    expected = example.output
    if example.command.endswith("<TAB>") and expected is not None:
        # What bash offers, laid out in columns: the same words, in any layout.
        return (
            None
            if sorted(" ".join(expected).split()) == sorted(actual)
            else ("README shows:\n" + "\n".join(expected) + "\nbash offers:\n" + "\n".join(actual))
        )
    vzwatch_only = not example.command.startswith("vzwatch") and example.kind == "session"
    if expected is not None and not output_matches(expected, actual, vzwatch_only):
        return "README shows:\n" + "\n".join(expected) + "\nit prints:\n" + "\n".join(actual)
    if checked_later:
        return None
    if example.command.startswith("vzwatch") and example.command not in EXIT_CODES and expected:
        failed = any(line.startswith("vzwatch: error:") for line in expected)
        if failed != (code != 0):
            return f"exit code {code} for what the README shows:\n" + "\n".join(actual)
    elif code != EXIT_CODES.get(example.command, 0):
        return f"exit code {code}, not {EXIT_CODES.get(example.command, 0)}:\n" + "\n".join(actual)
    return None


def test_the_store_format_example_is_a_valid_store(tmp_path: Path) -> None:
    text = README.read_text("utf-8")
    section = text[text.index("### Format") : text.index("### Safety")]
    body = next(lines for _, info, lines, _ in fenced_blocks(section) if info == "toml")
    store = tmp_path / "format.toml"
    store.write_text("\n".join(body) + "\n", encoding="utf-8")
    portfolio = load_portfolio(store.read_text(encoding="utf-8"), store)
    election, forums = portfolio.initiatives
    assert (election.progress, election.owner, election.depends_on) == (
        40,
        "MOFA Election Assistance Desk",
        (forums.id,),
    )
    assert [entry.new for entry in election.history] == ["active"]
    assert [source.id for source in portfolio.sources] == ["kyodo-news"]


def answers_in(output: list[str]) -> str | None:
    """What the reader typed at questions shown in the output (``[y/N]: n``)."""
    typed = [match[1] for line in output if (match := re.search(r"\[y/N\]: (\S*)$", line))]
    return "".join(answer + "\n" for answer in typed) if typed else None


def cron_command(desk: Desk, command: str) -> str:
    """The crontab line's command, with the README's paths made the desk's."""
    vzwatch = shutil.which("vzwatch", path=str(Path(sys.executable).parent))
    assert vzwatch is not None
    command = command.replace("/opt/vzwatch/.venv/bin/vzwatch", vzwatch)
    return f"env -i PATH=/usr/bin:/bin HOME={desk.home} {command}"


def test_the_pre_commit_example_names_the_hook_this_repository_defines() -> None:
    blocks = fenced_blocks(README.read_text("utf-8"))
    (yaml,) = (body for _, info, body, _ in blocks if info == "yaml")
    (hook,) = (line.split("id:")[1].strip() for line in yaml if line.strip().startswith("- id:"))
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert f"- id: {hook}\n" in hooks


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to -."""
    kept = "".join(c for c in heading.strip().lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def test_every_link_inside_the_readme_names_one_of_its_headings() -> None:
    """A section lost in a merge (the blocked and stale rules once were) shows up here."""
    text = README.read_text("utf-8")
    fenced = {number for start, _, body, _ in fenced_blocks(text) for number in
              range(start - 1, start + len(body) + 1)}  # fmt: skip
    anchors: set[str] = set()
    for number, line in enumerate(text.splitlines()):
        if number not in fenced and (heading := re.match(r"#{1,6} (.+)", line)):
            anchor = github_anchor(heading[1])
            count = sum(1 for a in anchors if a == anchor or a.startswith(f"{anchor}-"))
            anchors.add(anchor if not count else f"{anchor}-{count}")
    linked = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert linked, "the README links to its own sections"
    assert linked <= anchors, sorted(linked - anchors)
