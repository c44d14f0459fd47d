"""The installed `vzwatch` and `python -m vzwatch`, as cron and shells run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import BUNDLED

pytestmark = pytest.mark.subprocess

VZWATCH = shutil.which("vzwatch", path=str(Path(sys.executable).parent))


CRON_ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without HOME the parse cache would land in the real user's ~/.cache.
    monkeypatch.setitem(CRON_ENV, "XDG_CACHE_HOME", str(tmp_path / "cache"))


def bare_env(**extra: str) -> dict[str, str]:
    """What cron gives a job: almost nothing."""
    return {**CRON_ENV, **extra}


def run(
    args: list[str], *, env: dict[str, str], cwd: Path | str = "/"
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, timeout=60, check=False)


@pytest.fixture
def store_copy(tmp_path: Path) -> Path:
    path = tmp_path / "store.toml"
    shutil.copyfile(BUNDLED, path)
    return path


def test_console_script_is_installed() -> None:
    assert VZWATCH is not None, "pip install -e . should put vzwatch next to the interpreter"


def test_console_script_lists_the_bundled_store_from_any_directory(tmp_path: Path) -> None:
    assert VZWATCH is not None
    # No VZWATCH_FILE, no ./data: the per-user store starts as the bundled data.
    env = bare_env(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    result = run([VZWATCH, "list", "--json"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    titles = {item["title"] for item in json.loads(result.stdout)}
    assert titles == {
        "International Dialogue Forums",
        "Election Oversight Missions",
        "Humanitarian Aid Programs",
    }
    assert not (tmp_path / "data").exists()  # reading never creates the user store


def test_python_dash_m_runs_the_same_cli(store_copy: Path) -> None:
    env = bare_env(VZWATCH_FILE=str(store_copy))
    result = run([sys.executable, "-m", "vzwatch", "due", "-Q", "Q1-2025", "--json"], env=env)
    assert result.returncode == 0, result.stderr
    assert [i["id"] for i in json.loads(result.stdout)] == [
        "election-oversight-missions",
        "observer-teams-accredited",  # its milestone
    ]


def test_json_path_does_not_import_rich(store_copy: Path) -> None:
    code = (
        "import sys\n"
        "from vzwatch.cli import main\n"
        "code = main(['due', '--quarter', 'Q1-2025', '--json'])\n"
        "loaded = sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.'))\n"
        "print(loaded, file=sys.stderr)\n"
    )
    env = bare_env(VZWATCH_FILE=str(store_copy))
    result = run([sys.executable, "-c", code], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().strip() == "[]"


def test_help_does_not_import_rich(store_copy: Path) -> None:
    code = (
        "import sys\nfrom vzwatch.cli import main\nmain(['--help'])\n"
        "print(any(m.startswith('rich') for m in sys.modules), file=sys.stderr)\n"
    )
    result = run([sys.executable, "-c", code], env=bare_env())
    assert result.stderr.decode().strip() == "False"


@pytest.mark.parametrize("command", [["list"], ["show", "inter"], ["due", "-Q", "Q4-2024"]])
def test_ascii_only_locale_prints_without_crashing(store_copy: Path, command: list[str]) -> None:
    assert VZWATCH is not None
    env = bare_env(
        VZWATCH_FILE=str(store_copy), LC_ALL="C", PYTHONUTF8="0", PYTHONIOENCODING="ascii"
    )
    result = run([VZWATCH, *command], env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("ascii")  # raises if anything non-ASCII leaked
    assert "International Dialogue Forums" in out
    assert "Q3-2024 - Q4-2024" in out


def test_piped_output_has_no_escape_codes(store_copy: Path) -> None:
    assert VZWATCH is not None
    env = bare_env(VZWATCH_FILE=str(store_copy), TERM="xterm-256color")
    result = run([VZWATCH, "list"], env=env)
    assert result.returncode == 0
    assert b"\x1b" not in result.stdout


def test_errors_from_the_console_script_are_one_line(tmp_path: Path) -> None:
    assert VZWATCH is not None
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"[[initiatives]\n")
    result = run([VZWATCH, "list", "--file", str(broken)], env=bare_env())
    assert result.returncode == 4
    assert result.stdout == b""
    assert result.stderr.decode().count("\n") == 1
    assert b"Traceback" not in result.stderr


def test_cron_environment_without_home(store_copy: Path) -> None:
    assert VZWATCH is not None
    result = run(
        [VZWATCH, "due", "--quarter", "Q1-2025", "--quiet", "--exit-code"],
        env=bare_env(VZWATCH_FILE=str(store_copy)),
    )
    assert result.returncode == 1
    assert b"Election Oversight Missions" in result.stdout


@pytest.mark.parametrize("entry", [[str(VZWATCH)], [sys.executable, "-m", "vzwatch"]])
def test_output_is_whole_when_piped_and_quiet_when_the_reader_leaves(
    entry: list[str], store_copy: Path
) -> None:
    """The process ends without the interpreter's teardown (vzwatch.cli.entry): what it
    printed is flushed first, and a reader that stops early (`| head`) costs no error."""
    env = bare_env(VZWATCH_FILE=str(store_copy))
    whole = run([*entry, "list", "--json"], env=env)
    assert whole.returncode == 0, whole.stderr
    assert [item["id"] for item in json.loads(whole.stdout)] == [
        "humanitarian-aid-programs",  # ongoing, no known start: first
        "international-dialogue-forums",
        "election-oversight-missions",
    ]
    with store_copy.open("a", encoding="utf-8") as store:  # output that fills a pipe
        for number in range(2000):
            store.write(f'\n[[initiatives]]\nid = "item-{number}"\ntitle = "Item"\n')
            store.write('timeline = "Q1 2025"\n')
    shown = subprocess.Popen(
        [*entry, "list", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert shown.stdout is not None
    assert shown.stderr is not None
    assert shown.stdout.read(5) == b"[\n  {"
    shown.stdout.close()
    shown.wait(timeout=60)
    with shown.stderr:
        assert shown.stderr.read() == b""  # no "Exception ignored … BrokenPipeError"


@pytest.fixture(scope="module")
def ten_thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled store and 10,000 more initiatives: outputs far larger than a pipe holds."""
    path = tmp_path_factory.mktemp("big") / "store.toml"
    records = "".join(
        f'\n[[initiatives]]\nid = "item-{n}"\ntitle = "Item {n}"\ntimeline = "Q1 2025"\n'
        for n in range(10_000)
    )
    path.write_text(BUNDLED.read_text(encoding="utf-8") + records, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("command", "status"),
    [
        ("list", 0),  # a Rich table that fits in the pipe
        ("list --all", 0),  # 10k plain lines: the pipe closes mid-write
        ("list --json", 0),  # the --json path (no Rich), 3.9 MB in one write
        ("list --format csv", 0),
        ("timeline", 0),  # 10k Rich lines: Click made this exit 1, the code for "found"
        ("due --quarter Q1-2025 --exit-code", 1),  # found: the reader leaving changes nothing
        ("due --quarter Q1-2025 --exit-code --json", 1),
    ],
)
def test_a_reader_that_leaves_early_changes_neither_exit_code_nor_stderr(
    command: str, status: int, ten_thousand: Path, tmp_path: Path
) -> None:
    """`vzwatch list | head -1` under `set -o pipefail`: the exit code is the command's
    own (as if every line had been read), stderr stays empty."""
    assert VZWATCH is not None
    script = (
        f"set -o pipefail; {VZWATCH} {command} 2>{tmp_path / 'err'} | head -1 >/dev/null;"
        ' echo "$?" "${PIPESTATUS[@]}"'
    )
    env = bare_env(VZWATCH_FILE=str(ten_thousand), HOME=str(tmp_path))
    result = run(["bash", "-c", script], env=env)
    assert result.stdout.split() == [str(status).encode(), str(status).encode(), b"0"]
    assert (tmp_path / "err").read_bytes() == b""


@pytest.mark.parametrize(
    ("command", "status"),
    [
        ("list >&-", 0),
        ("list --json >&-", 0),
        ("due --quarter Q1-2025 --exit-code >&-", 1),
        ("show nope 2>&-", 3),  # the error line has nowhere to go; its exit code stays
        ("show nope >&- 2>&-", 3),
    ],
)
def test_a_closed_stdout_or_stderr_is_a_reader_that_left_at_once(
    command: str, status: int, store_copy: Path, tmp_path: Path
) -> None:
    """Started with a descriptor closed, Python has None for the stream: vzwatch said
    `internal error: AttributeError` with a traceback (exit 70 or 1)."""
    assert VZWATCH is not None
    script = f"{VZWATCH} {command}; echo $? >{tmp_path / 'status'}"
    result = run(["bash", "-c", script], env=bare_env(VZWATCH_FILE=str(store_copy)))
    assert (tmp_path / "status").read_text().strip() == str(status)
    assert result.stdout == b""
    assert b"Traceback" not in result.stderr
    assert b"internal error" not in result.stderr
