"""A team on git: two clones of one bare repository, merged by vzwatch's driver.

Real git (the driver runs as git runs it, in a child process); every
repository lives in tmp_path, HOME is the test's own, system config is off.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import BUNDLED, Run, add_progress, edit, invoke, resolve
from vzwatch.cli import main
from vzwatch.domain.errors import ExitCode
from vzwatch.operations.git import attributes_line, driver_command
from vzwatch.operations.reading import load_portfolio

STORE = Path("data") / "initiatives.toml"
ELECTION = "election-oversight-missions"
FORUMS = "international-dialogue-forums"
AID = "humanitarian-aid-programs"

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.subprocess,  # real git repositories and clones
]


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"git {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def vzwatch(*args: str) -> Run:
    return invoke(args)


@dataclass
class Clone:
    root: Path

    @property
    def store(self) -> Path:
        return self.root / STORE

    def text(self) -> str:
        return self.store.read_text(encoding="utf-8")

    def write(self, text: str) -> None:
        self.store.write_text(text, encoding="utf-8")

    def commit(self, message: str) -> None:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)

    def vzwatch(self, *args: str) -> Run:
        return vzwatch(*args, "--file", str(self.store))

    def ids(self) -> list[str]:
        return [i.id for i in load_portfolio(self.text(), self.store).initiatives]

    def progress(self, ident: str) -> list[tuple[date, int]]:
        portfolio = load_portfolio(self.text(), self.store)
        return [(e.on, e.percent) for e in portfolio.find(ident).progress_log]


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, isolated_environment: Path) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Desk")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "desk@example.org")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(isolated_environment / ".gitconfig"))
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)


def _configure(root: Path, name: str) -> None:
    git(root, "config", "user.name", name)
    git(root, "config", "user.email", f"{name.lower()}@example.org")
    git(root, "config", "pull.rebase", "false")


@pytest.fixture
def team(tmp_path: Path, git_env: None) -> tuple[Clone, Clone]:
    """Alice set up the repository with the driver; Bob cloned it and ran git-setup."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    alice = Clone(tmp_path / "alice")
    git(tmp_path, "init", "-q", "-b", "main", str(alice.root))
    _configure(alice.root, "Alice")
    alice.store.parent.mkdir()
    shutil.copyfile(BUNDLED, alice.store)
    assert alice.vzwatch("git-setup").exit_code == ExitCode.OK
    alice.commit("Start the desk's store")
    git(alice.root, "remote", "add", "origin", str(origin))
    git(alice.root, "push", "-q", "-u", "origin", "main")
    bob = Clone(tmp_path / "bob")
    git(tmp_path, "clone", "-q", str(origin), str(bob.root))
    _configure(bob.root, "Bob")
    assert bob.vzwatch("git-setup").exit_code == ExitCode.OK
    return alice, bob


# --------------------------------------------------------------------------- git-setup


def test_git_setup_says_what_it_did_and_is_idempotent(tmp_path: Path, git_env: None) -> None:
    repo = Clone(tmp_path / "repo")
    git(tmp_path, "init", "-q", "-b", "main", str(repo.root))
    repo.store.parent.mkdir()
    shutil.copyfile(BUNDLED, repo.store)
    first = repo.vzwatch("git-setup")
    assert first.exit_code == ExitCode.OK, first.stderr
    attributes = repo.root / ".gitattributes"
    assert first.stdout.splitlines() == [
        f"added 'data/initiatives.toml merge=vzwatch' to {attributes} (commit it: every clone "
        "needs it)",
        "set git config merge.vzwatch.name = vzwatch: merge initiatives by id and by field",
        f"set git config merge.vzwatch.driver = {driver_command()}",
        f"added '/data/initiatives.toml.lock' to {repo.root / '.git' / 'info' / 'exclude'} "
        "(keeps the store's lock file out of git)",
    ]
    assert attributes.read_text() == "data/initiatives.toml merge=vzwatch\n"
    assert git(repo.root, "config", "merge.vzwatch.driver").stdout.strip() == driver_command()
    again = repo.vzwatch("git-setup")
    assert again.stdout == f"already set up: git merges {repo.store} with vzwatch\n"
    assert attributes.read_text() == "data/initiatives.toml merge=vzwatch\n"


@pytest.mark.parametrize("relative", ["data/initiatives.toml", "my desk/[q1] #1!.toml"])
def test_git_setup_keeps_the_lock_file_out_of_git(
    tmp_path: Path, git_env: None, relative: str
) -> None:
    repo = Clone(tmp_path / "repo")
    git(tmp_path, "init", "-q", "-b", "main", str(repo.root))
    shutil.rmtree(repo.root / ".git" / "info", ignore_errors=True)  # some clones lack it
    store = repo.root / relative
    store.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BUNDLED, store)
    assert vzwatch("git-setup", "--file", str(store)).exit_code == ExitCode.OK
    result = vzwatch("add", "Summit", "--timeline", "Q2 2025", "--file", str(store))
    assert result.exit_code == ExitCode.OK, result.stderr
    lock = store.with_name(store.name + ".lock")
    assert lock.exists()  # vzwatch's permanent lock file, beside the store
    status = git(repo.root, "status", "--porcelain", "--untracked-files=all").stdout
    assert relative.split("/")[0] in status  # the store shows...
    assert ".lock" not in status  # ...its lock file does not
    git(repo.root, "add", "-A")
    assert ".lock" not in git(repo.root, "ls-files").stdout
    exclude = (repo.root / ".git" / "info" / "exclude").read_text(encoding="utf-8")
    again = vzwatch("git-setup", "--file", str(store))
    assert again.stdout == f"already set up: git merges {store} with vzwatch\n"
    assert (repo.root / ".git" / "info" / "exclude").read_text(encoding="utf-8") == exclude
    assert exclude.count(".lock") == 1


def test_git_setup_says_when_the_lock_file_was_committed(tmp_path: Path, git_env: None) -> None:
    repo = Clone(tmp_path / "repo")
    git(tmp_path, "init", "-q", "-b", "main", str(repo.root))
    repo.store.parent.mkdir()
    shutil.copyfile(BUNDLED, repo.store)
    repo.store.with_name("initiatives.toml.lock").write_text("")
    repo.commit("Everything, the lock file too")
    result = repo.vzwatch("git-setup")
    assert result.stdout.splitlines()[-1] == (
        "note: data/initiatives.toml.lock is committed; untrack it with "
        "`git rm --cached data/initiatives.toml.lock`"
    )


def test_git_setup_keeps_existing_gitattributes(tmp_path: Path, git_env: None) -> None:
    repo = Clone(tmp_path / "repo")
    git(tmp_path, "init", "-q", "-b", "main", str(repo.root))
    repo.store.parent.mkdir()
    shutil.copyfile(BUNDLED, repo.store)
    (repo.root / ".gitattributes").write_text("*.png binary", encoding="utf-8")
    repo.vzwatch("git-setup")
    assert (repo.root / ".gitattributes").read_text() == (
        "*.png binary\ndata/initiatives.toml merge=vzwatch\n"
    )


def test_git_setup_outside_a_repository_is_a_usage_error(tmp_path: Path, git_env: None) -> None:
    store = tmp_path / "alone.toml"
    shutil.copyfile(BUNDLED, store)
    result = vzwatch("git-setup", "--file", str(store))
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == f"vzwatch: error: {store} is not inside a git repository\n"


@pytest.mark.parametrize(
    ("relative", "line"),
    [
        ("data/initiatives.toml", "data/initiatives.toml merge=vzwatch"),
        ("initiatives.toml", "/initiatives.toml merge=vzwatch"),
        ("my desk/store.toml", '"my desk/store.toml" merge=vzwatch'),
        ("data/[q1].toml", "data/\\[q1].toml merge=vzwatch"),
    ],
)
def test_attributes_line(relative: str, line: str) -> None:
    assert attributes_line(relative) == line


def test_validate_warns_when_the_driver_is_not_set_up(tmp_path: Path, git_env: None) -> None:
    repo = Clone(tmp_path / "repo")
    git(tmp_path, "init", "-q", "-b", "main", str(repo.root))
    repo.store.parent.mkdir()
    shutil.copyfile(BUNDLED, repo.store)
    result = repo.vzwatch("validate")
    assert result.exit_code == ExitCode.OK
    assert result.stderr == (
        f"vzwatch: warning: {repo.store} is in a git repository without the vzwatch merge "
        "driver; run `vzwatch git-setup` so `git pull` merges it by initiative\n"
    )
    assert repo.vzwatch("validate", "--quiet").stderr == ""
    repo.vzwatch("git-setup")
    assert repo.vzwatch("validate").stderr == ""


def test_validate_does_not_warn_about_a_store_git_ignores(tmp_path: Path, git_env: None) -> None:
    repo = Clone(tmp_path / "repo")
    git(tmp_path, "init", "-q", "-b", "main", str(repo.root))
    repo.store.parent.mkdir()
    shutil.copyfile(BUNDLED, repo.store)
    (repo.root / ".gitignore").write_text("data/\n", encoding="utf-8")
    result = repo.vzwatch("validate")
    assert (result.exit_code, result.stderr) == (ExitCode.OK, "")


# --------------------------------------------------------------------------- merging


def _alice_and_bob_work_concurrently(alice: Clone, bob: Clone) -> None:
    assert alice.vzwatch("add", "Regional Mediation Summit", "--timeline", "Q2 2025").exit_code == 0
    alice.write(edit(alice.text(), AID, status="paused"))
    alice.write(add_progress(alice.text(), ELECTION, date(2025, 1, 15), 20))
    alice.commit("Alice: summit, aid paused, election progress")
    git(alice.root, "push", "-q")
    assert bob.vzwatch("add", "Border Health Posts", "--timeline", "H2 2025").exit_code == 0
    bob.write(edit(bob.text(), FORUMS, timeline="Q4 2024", tags=["dialogue"]))
    bob.write(add_progress(bob.text(), ELECTION, date(2025, 2, 1), 35))
    bob.commit("Bob: health posts, forums moved, election progress")


def _nothing_lost(clone: Clone) -> None:
    # The merging side's own additions come first (a rebase replays Bob's onto Alice's).
    assert sorted(clone.ids()) == sorted(
        [FORUMS, ELECTION, AID, "regional-mediation-summit", "border-health-posts"]
    )
    portfolio = load_portfolio(clone.text(), clone.store)
    assert portfolio.find(AID).status == "paused"
    assert portfolio.find(FORUMS).timeline_text == "Q4 2024"
    assert portfolio.find(FORUMS).tags == ("dialogue",)
    assert clone.progress(ELECTION) == [(date(2025, 1, 15), 20), (date(2025, 2, 1), 35)]
    assert clone.vzwatch("validate", "--quiet").exit_code == ExitCode.OK


def test_concurrent_adds_edits_and_progress_merge_without_a_human(
    team: tuple[Clone, Clone],
) -> None:
    alice, bob = team
    _alice_and_bob_work_concurrently(alice, bob)
    pulled = git(bob.root, "pull", "-q", "--no-edit", check=False)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    _nothing_lost(bob)
    git(bob.root, "push", "-q")
    git(alice.root, "pull", "-q")
    assert alice.text() == bob.text()


def test_a_rebase_merges_as_well_as_a_merge(team: tuple[Clone, Clone]) -> None:
    alice, bob = team
    _alice_and_bob_work_concurrently(alice, bob)
    pulled = git(bob.root, "pull", "-q", "--rebase", check=False)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    _nothing_lost(bob)
    log = git(bob.root, "log", "--format=%s").stdout.splitlines()
    assert log[:2] == [
        "Bob: health posts, forums moved, election progress",
        "Alice: summit, aid paused, election progress",
    ]


def test_the_same_title_added_on_both_clones_gives_two_initiatives(
    team: tuple[Clone, Clone],
) -> None:
    alice, bob = team
    alice.vzwatch("add", "Regional Summit", "--timeline", "Q2 2025", "--objective", "Alice's")
    alice.commit("Alice: summit")
    git(alice.root, "push", "-q")
    bob.vzwatch("add", "Regional Summit", "--timeline", "Q3 2025", "--objective", "Bob's")
    bob.write(add_progress(bob.text(), "regional-summit", date(2025, 7, 1), 10))
    bob.commit("Bob: summit")
    pulled = git(bob.root, "pull", "--no-edit", check=False)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert "'regional-summit' was added on both sides" in pulled.stderr
    portfolio = load_portfolio(bob.text(), bob.store)
    assert portfolio.find("regional-summit").objective == "Bob's"  # ours, in Bob's merge
    assert portfolio.find("regional-summit-2").objective == "Alice's"
    assert bob.progress("regional-summit") == [(date(2025, 7, 1), 10)]


def test_a_same_field_disagreement_is_a_conflict_a_person_resolves(
    team: tuple[Clone, Clone],
) -> None:
    alice, bob = team
    alice.write(edit(alice.text(), AID, status="done"))
    alice.commit("Alice: aid done")
    git(alice.root, "push", "-q")
    bob.write(add_progress(edit(bob.text(), AID, status="paused"), AID, date(2025, 3, 1), 50))
    bob.commit("Bob: aid paused")
    pulled = git(bob.root, "pull", "--no-edit", check=False)
    assert pulled.returncode != 0
    assert "CONFLICT" in pulled.stdout
    assert "status changed on both sides" in pulled.stderr
    text = bob.text()
    region = '<<<<<<< ours\nstatus = "paused"\n=======\nstatus = "done"\n>>>>>>> theirs\n'
    assert region in text
    assert "date = 2025-03-01" in text  # the rest merged
    checked = bob.vzwatch("validate")
    assert checked.exit_code == ExitCode.FOUND
    assert "unresolved merge conflict" in checked.stdout
    # Keeping "done" would contradict Bob's 50% (validate lists that): Bob keeps his.
    bob.write(text.replace(region, 'status = "paused"\n'))
    assert bob.vzwatch("validate", "--quiet").exit_code == ExitCode.OK
    git(bob.root, "add", str(STORE))
    git(bob.root, "commit", "-q", "--no-edit")
    assert load_portfolio(bob.text(), bob.store).find(AID).status == "paused"


def test_a_criss_cross_merge_keeps_their_work(team: tuple[Clone, Clone]) -> None:
    """Two merge bases: git merges them first (conflicts and all) and hands the driver that."""
    alice, _ = team
    root = alice.root
    git(root, "checkout", "-q", "-b", "bob")
    alice.write(edit(alice.text(), AID, status="done"))
    alice.commit("Bob: aid done")
    git(root, "checkout", "-q", "main")
    alice.write(edit(alice.text(), AID, status="paused"))
    alice.commit("Alice: aid paused")
    alice_first = git(root, "rev-parse", "HEAD").stdout.strip()
    # Each merges the other's first commit and settles on "done": a criss-cross.
    assert git(root, "merge", "--no-edit", "bob", check=False).returncode != 0
    alice.write(resolve(alice.text(), "theirs"))
    alice.commit("Alice: merge Bob's, aid done")
    git(root, "checkout", "-q", "bob")
    assert git(root, "merge", "--no-edit", alice_first, check=False).returncode != 0
    alice.write(resolve(alice.text(), "ours"))
    alice.commit("Bob: merge Alice's, aid done")
    # New work on both sides, then the merge that has two merge bases.
    assert alice.vzwatch("add", "Border Health Posts", "--timeline", "H2 2025").exit_code == 0
    alice.commit("Bob: health posts")
    git(root, "checkout", "-q", "main")
    assert alice.vzwatch("add", "Regional Mediation Summit", "--timeline", "Q2 2025").exit_code == 0
    alice.commit("Alice: summit")
    bases = git(root, "merge-base", "--all", "main", "bob").stdout.split()
    assert len(bases) == 2
    merged = git(root, "merge", "--no-edit", "bob", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert {"border-health-posts", "regional-mediation-summit"} <= set(alice.ids())
    assert load_portfolio(alice.text(), alice.store).find(AID).status == "done"
    assert alice.vzwatch("validate", "--quiet").exit_code == ExitCode.OK


# --------------------------------------------------------------------------- merge-driver alone


@pytest.fixture
def versions(tmp_path: Path) -> dict[str, Path]:
    paths = {name: tmp_path / f"{name}.toml" for name in ("base", "ours", "theirs")}
    for path in paths.values():
        shutil.copyfile(BUNDLED, path)
    return paths


def driver(versions: dict[str, Path], *extra: Any) -> Run:
    return vzwatch("merge-driver", *(str(versions[n]) for n in ("base", "ours", "theirs")), *extra)


def test_merge_driver_writes_the_merge_to_ours(versions: dict[str, Path]) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    versions["theirs"].write_text(edit(text, AID, status="done"), encoding="utf-8")
    result = driver(versions, "data/initiatives.toml")
    assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.OK, "", "")
    assert versions["ours"].read_text(encoding="utf-8") == edit(text, AID, status="done")


def test_merge_driver_exits_5_on_a_conflict(versions: dict[str, Path]) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    versions["ours"].write_text(edit(text, AID, status="paused"), encoding="utf-8")
    versions["theirs"].write_text(edit(text, AID, status="done"), encoding="utf-8")
    result = driver(versions, "data/initiatives.toml")
    assert result.exit_code == ExitCode.CONFLICT
    assert result.stderr.splitlines() == [
        "vzwatch: data/initiatives.toml: conflict: initiative 'humanitarian-aid-programs': "
        'status changed on both sides (ours: "paused", theirs: "done")',
        "vzwatch: data/initiatives.toml: 1 conflict to resolve: edit the file (see the <<<<<<< "
        "markers), run `vzwatch validate`, then `git add` it",
    ]
    assert "<<<<<<< ours" in versions["ours"].read_text(encoding="utf-8")


def test_merge_driver_leaves_ours_untouched_when_a_version_does_not_parse(
    versions: dict[str, Path],
) -> None:
    versions["theirs"].write_text("broken = \n", encoding="utf-8")
    versions["ours"].write_text(
        edit(BUNDLED.read_text(encoding="utf-8"), AID, status="done"), encoding="utf-8"
    )
    before = versions["ours"].read_bytes()
    result = driver(versions)
    assert result.exit_code == ExitCode.STORE
    assert "invalid TOML" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert versions["ours"].read_bytes() == before


def test_merge_driver_does_not_rewrite_ours_when_theirs_brings_nothing(
    versions: dict[str, Path],
) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    versions["ours"].write_text(edit(text, AID, status="done"), encoding="utf-8")
    before = versions["ours"].stat()
    assert driver(versions).exit_code == ExitCode.OK
    after = versions["ours"].stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_the_pre_commit_hook_runs_validate_on_stores() -> None:
    import re

    hooks = (Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml").read_text()
    assert "id: vzwatch-validate" in hooks
    assert "entry: vzwatch validate --file" in hooks
    pattern = re.search(r"^  files: '([^'\n]+)'$", hooks, re.MULTILINE)
    assert pattern is not None
    assert re.search(pattern.group(1), "data/initiatives.toml")
    assert not re.search(pattern.group(1), "pyproject.toml")


def test_merge_driver_as_git_runs_it_loads_neither_typer_nor_rich(
    versions: dict[str, Path],
) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    versions["theirs"].write_text(edit(text, AID, status="done"), encoding="utf-8")
    files = [str(versions[n]) for n in ("base", "ours", "theirs")]
    script = (
        "import sys\nfrom vzwatch.cli import main\n"
        f"code = main(['merge-driver', *{files!r}, 'data/initiatives.toml'])\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'rich', 'click'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.stdout, result.stderr) == ("0 []\n", "")
    assert versions["ours"].read_text(encoding="utf-8") == edit(text, AID, status="done")


def test_merge_driver_without_typer_says_what_the_typer_command_says(
    versions: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    versions["ours"].write_text(edit(text, AID, status="paused"), encoding="utf-8")
    versions["theirs"].write_text(edit(text, AID, status="done"), encoding="utf-8")
    files = [str(versions[n]) for n in ("base", "ours", "theirs")]
    with_typer = driver(versions, "data/initiatives.toml")
    versions["ours"].write_text(edit(text, AID, status="paused"), encoding="utf-8")
    assert main(["merge-driver", *files, "data/initiatives.toml"]) == ExitCode.CONFLICT
    assert capsys.readouterr().err == with_typer.stderr
    versions["theirs"].write_text("broken = \n", encoding="utf-8")
    assert main(["merge-driver", *files]) == ExitCode.STORE
    assert "invalid TOML" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["merge-driver", "--help"], ExitCode.OK, "Usage: vzwatch merge-driver"),
        (["merge-driver", "only-one"], ExitCode.USAGE, "Missing argument"),
        (["merge-driver", "a", "b", "c", "d", "e"], ExitCode.USAGE, "unexpected extra argument"),
    ],
)
def test_merge_driver_help_and_usage_errors_are_typers(
    args: list[str], code: int, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == code
    output = capsys.readouterr()
    assert says in output.out + output.err


def test_merge_driver_refuses_our_version_written_by_another_writer_and_keeps_it(
    versions: dict[str, Path],
) -> None:
    import tomllib

    import tomli_w

    from tests.helpers import SHORT

    for name in ("base", "theirs"):
        versions[name].write_text(SHORT, encoding="utf-8")
    versions["ours"].write_text(tomli_w.dumps(tomllib.loads(SHORT)), encoding="utf-8")
    before = versions["ours"].read_bytes()
    versions["theirs"].write_text(edit(SHORT, "aa", status="done"), encoding="utf-8")
    result = driver(versions, "data/initiatives.toml")
    assert result.exit_code == ExitCode.STORE
    assert len(result.stderr.splitlines()) == 1
    assert "inline arrays" in result.stderr
    assert versions["ours"].read_bytes() == before
