"""Shell completion, driven the way bash, zsh and fish drive it: the installed
`vzwatch` in a child process, with the shell's variables set."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import BUNDLED, RunCli

pytestmark = pytest.mark.subprocess

VZWATCH = shutil.which("vzwatch", path=str(Path(sys.executable).parent))


@pytest.fixture
def store_copy(tmp_path: Path) -> Path:
    path = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, path)
    return path


def bash_complete(line: str, store: Path | None, tmp_path: Path) -> list[str]:
    """What bash offers after ``line`` (a trailing space: a new word begins)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "COMP_WORDS": line,
        "COMP_CWORD": str(cword),
        "_VZWATCH_COMPLETE": "complete_bash",
    }
    if store is not None:
        env["VZWATCH_FILE"] = str(store)
    assert VZWATCH is not None
    result = subprocess.run(
        [VZWATCH], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
    return [word for word in result.stdout.splitlines() if word]


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("vzwatch sh", ["show"]),
        ("vzwatch re", ["remove", "report", "retract"]),
        ("vzwatch due --q", ["--quarter", "--quiet"]),
        ("vzwatch list --status ", ["planned", "active", "done", "paused", "cancelled"]),
        ("vzwatch edit election --status p", ["planned", "paused"]),
        ("vzwatch list --pillar e", ["election-monitoring", "enhanced-collaboration"]),
        ("vzwatch add X --partner L", ["Lima\\ Group"]),  # as bash must insert it
        ("vzwatch list --tag hum", ["humanitarian"]),
        (
            "vzwatch show ",
            [
                "election-oversight-missions",
                "humanitarian-aid-programs",
                "international-dialogue-forums",
            ],
        ),
        ("vzwatch progress int", ["international-dialogue-forums"]),
        ("vzwatch edit x --remove-tag ref", ["refugees"]),
        # indicators and milestones by id; after `add`, the initiative they belong to
        ("vzwatch measure ", ["people-assisted"]),
        ("vzwatch indicator edit p", ["people-assisted"]),
        ("vzwatch indicator add el", ["election-oversight-missions"]),
        ("vzwatch milestone done ", ["observer-teams-accredited"]),
        ("vzwatch milestone remove obs", ["observer-teams-accredited"]),
        ("vzwatch milestone add hu", ["humanitarian-aid-programs"]),
    ],
)
def test_bash_completes_commands_options_and_values_from_the_store(
    line: str, offered: list[str], store_copy: Path, tmp_path: Path
) -> None:
    got = bash_complete(line, store_copy, tmp_path)
    assert sorted(got) == sorted(offered) if not line.endswith("--status ") else got == offered


def test_completion_reads_the_store_named_by_file(store_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[[initiatives]]\nid = "zebra-fund"\ntitle = "Zebra"\ntimeline = "Q1 2025"\n')
    line = f"vzwatch show --file {other} "
    assert bash_complete(line, store_copy, tmp_path) == ["zebra-fund"]


def test_a_store_that_cannot_be_read_completes_nothing_quietly(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("this is = = not toml")
    assert bash_complete("vzwatch show ", broken, tmp_path) == []


def test_zsh_and_fish_show_titles_as_descriptions(store_copy: Path, tmp_path: Path) -> None:
    assert VZWATCH is not None
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VZWATCH_FILE": str(store_copy)}
    zsh = subprocess.run(
        [VZWATCH],
        env={
            **base,
            "_TYPER_COMPLETE_ARGS": "vzwatch show el",
            "_VZWATCH_COMPLETE": "complete_zsh",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert '"election-oversight-missions":"Election Oversight Missions"' in zsh.stdout
    fish = subprocess.run(
        [VZWATCH],
        env={
            **base,
            "_TYPER_COMPLETE_ARGS": "vzwatch show el",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_VZWATCH_COMPLETE": "complete_fish",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "election-oversight-missions\tElection Oversight Missions" in fish.stdout


@pytest.mark.parametrize(
    ("shell", "registers"),
    [
        ("bash", "complete -o default -F _vzwatch_completion vzwatch"),
        ("zsh", "compdef _vzwatch_completion vzwatch"),
        ("fish", "complete --command vzwatch"),
    ],
)
def test_show_completion_prints_the_script_of_the_shell_it_runs_in(
    shell: str, registers: str, tmp_path: Path
) -> None:
    """`--show-completion` takes no shell name: it finds the shell it was typed in
    (shellingham reads the parent process), as the README's line says."""
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (CI installs it)")
    assert VZWATCH is not None
    # `; exit $?`: a shell given one command may exec it, and vzwatch would not see the shell.
    result = subprocess.run(
        [
            shell,
            "-c",
            f"{VZWATCH} --show-completion; exit {'$status' if shell == 'fish' else '$?'}",
        ],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert registers in result.stdout


def test_install_completion_is_listed_in_the_root_help(run: RunCli) -> None:
    out = run("--help").stdout
    assert "--install-completion" in out
    assert "--show-completion" in out


SHELL_SPECIAL = """
[[initiatives]]
id = "shell-test"
title = "Shell test"
timeline = "Q1 2025"
partners = ["O'Brien & Sons", "Cash $HOME (UN)", "a*b;c"]
tags = ["civil society"]
owner = 'Desk "A" `x`'
"""


def bash_inserts(words: list[str], store: Path, tmp_path: Path) -> list[list[str]]:
    """Each completion bash offers for the last of ``words`` (as bash split the line),
    read back by bash the way it reads the line once the completion is in it.

    The script is vzwatch's own (``_VZWATCH_COMPLETE=source_bash``); bash calls its
    function with COMP_WORDS and COMP_CWORD set, as it does on TAB; every reply is
    then put back into a command line and split into words by bash itself. A file
    named like a value sits in the working directory, for the script's globbing.
    """
    assert VZWATCH is not None
    (tmp_path / "a*b;c").touch()
    quoted = " ".join("'" + word.replace("'", "'\\''") + "'" for word in words)
    script = f"""
        source <(_VZWATCH_COMPLETE=source_bash {VZWATCH})
        complete -p vzwatch >&2
        COMP_WORDS=({quoted}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
        _vzwatch_completion vzwatch "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
        for reply in "${{COMPREPLY[@]}}"; do
            line="${{COMP_WORDS[*]:0:COMP_CWORD}} $reply"
            [[ $reply == [\\"\\']* ]] && line+="${{reply:0:1}}"  # readline closes the quote
            eval "set -- $line"; shift "$COMP_CWORD"; printf '%s\\0' "$#" "$@"; echo
        done
    """
    env = {
        "PATH": f"{Path(VZWATCH).parent}:/usr/bin:/bin",  # the script runs `vzwatch`, as bash would
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "VZWATCH_FILE": str(store),
    }
    result = subprocess.run(
        ["bash", "--norc", "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "complete -o default -F _vzwatch_completion vzwatch\n"
    return [line.split("\0")[:-1] for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("words", "value"),
    [
        (["vzwatch", "add", "X", "--partner", "Lim"], "Lima Group"),
        (["vzwatch", "add", "X", "--partner", "Lima\\ G"], "Lima Group"),
        (["vzwatch", "add", "X", "--partner", '"Lim'], "Lima Group"),
        (["vzwatch", "add", "X", "--partner", "'Lim"], "Lima Group"),
        (["vzwatch", "list", "--partner", "O\\'B"], "O'Brien & Sons"),
        (["vzwatch", "list", "--partner", "\"O'B"], "O'Brien & Sons"),
        (["vzwatch", "list", "--partner", "C"], "Cash $HOME (UN)"),
        (["vzwatch", "list", "--partner", '"C'], "Cash $HOME (UN)"),
        (["vzwatch", "list", "--partner", "a"], "a*b;c"),
        (["vzwatch", "list", "--tag", "civ"], "civil society"),
        (["vzwatch", "list", "--owner", "MOFA\\ E"], "MOFA Election Assistance Desk"),
        (["vzwatch", "list", "--owner", "De"], 'Desk "A" `x`'),
        (["vzwatch", "list", "--owner", "'De"], 'Desk "A" `x`'),
        (["vzwatch", "list", "--owner", '"De'], 'Desk "A" `x`'),
    ],
)
def test_bash_puts_values_with_spaces_and_shell_characters_in_as_one_word(
    words: list[str], value: str, store_copy: Path, tmp_path: Path
) -> None:
    """`--partner Lim<TAB>` gave `Lima Group` unquoted: two words on the line."""
    store_copy.write_text(store_copy.read_text(encoding="utf-8") + SHELL_SPECIAL)
    assert bash_inserts(words, store_copy, tmp_path) == [["1", value]]


ZSH = shutil.which("zsh")
FISH = shutil.which("fish")
HOSTILE_TITLE = """
[[initiatives]]
id = "japans-mission"
title = "Japan's [red]mission: one"
timeline = "Q1 2025"
partners = ['Ops: Caracas\\Lima', 'Say "hi"']
"""


def shell_env(store: Path, tmp_path: Path) -> dict[str, str]:
    assert VZWATCH is not None
    return {
        "PATH": f"{Path(VZWATCH).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "VZWATCH_FILE": str(store),
    }


def zsh_offers(line: str, store: Path, tmp_path: Path) -> list[tuple[str, str]]:
    """(value, description) pairs as zsh's ``_arguments`` receives them from vzwatch's
    zsh script: the script's own ``eval $(…)`` runs in zsh, with ``_arguments`` replaced
    by a function that reads its ``((value:description …))`` list as _arguments does."""
    script = f"""
        _arguments() {{
            local inner=${{1#\\*: :\\(}}; inner=${{inner%\\)}}
            local -a items; eval "items=$inner"
            print -rn -- ${{(pj:\\0:)items}}
        }}
        eval $(env _TYPER_COMPLETE_ARGS={shlex_quote(line)} _VZWATCH_COMPLETE=complete_zsh vzwatch)
    """
    assert ZSH is not None
    result = subprocess.run(
        [ZSH, "-f", "-c", script],
        env=shell_env(store, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    return [value_and_description(item) for item in result.stdout.split("\0")]


def value_and_description(item: str) -> tuple[str, str]:
    """``value:description`` split at the first colon no backslash escapes, unescaped."""
    parts = ["", ""]
    part, escaped = 0, False
    for char in item:
        if escaped or (char not in "\\:" or (char == ":" and part == 1)):
            parts[part] += char
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            part = 1
    return parts[0], parts[1]


def shlex_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.mark.skipif(ZSH is None, reason="zsh is not installed (.ci/run installs it)")
@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("vzwatch list --partner O\\'B", [("O'Brien & Sons", "")]),
        ("vzwatch list --partner Sa", [('Say "hi"', "")]),
        ("vzwatch list --partner Op", [("Ops: Caracas\\Lima", "")]),
        ("vzwatch list --partner Ca", [("Cash $HOME (UN)", "")]),
        ("vzwatch list --owner De", [('Desk "A" `x`', "")]),
        ("vzwatch show jap", [("japans-mission", "Japan's [red]mission: one")]),
    ],
)
def test_zsh_gets_each_value_and_title_exactly(
    line: str, offered: list[tuple[str, str]], store_copy: Path, tmp_path: Path
) -> None:
    """Typer doubled quotes for zsh, which reads '' and "" as nothing: O'Brien came
    back as OBrien, and a title's [red] was taken for Rich markup."""
    store_copy.write_text(store_copy.read_text(encoding="utf-8") + SHELL_SPECIAL + HOSTILE_TITLE)
    assert zsh_offers(line, store_copy, tmp_path) == offered


@pytest.mark.skipif(FISH is None, reason="fish is not installed (.ci/run installs it)")
def test_fish_gets_each_value_and_title_exactly(store_copy: Path, tmp_path: Path) -> None:
    """fish itself asked (`complete -C`) with vzwatch's fish script loaded; fish quotes
    what it inserts, so values come as they are and titles as plain text."""
    assert FISH is not None
    store_copy.write_text(store_copy.read_text(encoding="utf-8") + SHELL_SPECIAL + HOSTILE_TITLE)
    script = (
        "_VZWATCH_COMPLETE=source_fish vzwatch | source; "
        "complete -C 'vzwatch list --partner O'; complete -C 'vzwatch show jap'; "
        "complete -C 'vzwatch list --owner De'"
    )
    result = subprocess.run(
        [FISH, "--no-config", "-c", script],
        env=shell_env(store_copy, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "O'Brien & Sons",
        "Ops: Caracas\\Lima",
        "Organization of American States",
        "japans-mission\tJapan's [red]mission: one",
        'Desk "A" `x`',
    ]
