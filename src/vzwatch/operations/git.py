"""The store in a git repository: is the merge driver set up, and set it up.

git needs two things to merge a store by meaning: a ``.gitattributes`` line
that gives the store the ``merge=vzwatch`` attribute (committed, so every
clone has it) and a ``merge.vzwatch.driver`` setting in the clone's own config
(git never clones config, so each clone runs ``vzwatch git-setup`` once).
The same run keeps the store's lock file out of git, in the clone's own
``.git/info/exclude`` (nothing to commit, and per clone like the config).
Nothing here prints; callers get messages back.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vzwatch.domain.errors import StoreError, UsageError
from vzwatch.storage.store import atomic_write, read_stamped

if TYPE_CHECKING:
    pass

DRIVER = "vzwatch"
DRIVER_NAME = "vzwatch: merge initiatives by id and by field"
_GIT_TIMEOUT = 30


def driver_command() -> str:
    """The command git runs for a merge: this very vzwatch, by absolute path.

    ``sys.executable -m vzwatch`` names the interpreter vzwatch is installed
    in, so the driver works even when git runs without the venv on PATH.
    """
    return f"{shlex.quote(sys.executable)} -m vzwatch merge-driver %O %A %B %P"


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str] | None:
    """Run git; None when git is not installed."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        return None
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StoreError(f"cannot run git: {error}") from None


def _looks_like_repository(directory: Path) -> bool:
    """A cheap test (no subprocess) for a .git above the directory."""
    return any((folder / ".git").exists() for folder in (directory, *directory.parents))


@dataclass(frozen=True, slots=True)
class DriverStatus:
    """What a store's repository has of the merge driver set-up."""

    root: Path
    relative: str  # the store's path from the repository root, with /
    attribute: str  # the store's merge attribute ("unspecified" when none)
    driver: str  # merge.vzwatch.driver ("" when unset)
    name: str  # merge.vzwatch.name ("" when unset)

    @property
    def ready(self) -> bool:
        return self.attribute == DRIVER and bool(self.driver)


def driver_status(store_path: Path) -> DriverStatus | None:
    """The set-up of the repository holding the store, or None outside a repository."""
    real = Path(os.path.realpath(store_path))
    directory = real.parent
    if not directory.is_dir() or not _looks_like_repository(directory):
        return None
    top = _git(["rev-parse", "--show-toplevel"], directory)
    if top is None or top.returncode != 0 or not top.stdout.strip():
        return None
    root = Path(os.path.realpath(top.stdout.strip()))
    try:
        relative = real.relative_to(root).as_posix()
    except ValueError:
        return None
    return DriverStatus(
        root=root,
        relative=relative,
        attribute=_merge_attribute(root, relative),
        driver=_config(root, f"merge.{DRIVER}.driver"),
        name=_config(root, f"merge.{DRIVER}.name"),
    )


def _merge_attribute(root: Path, relative: str) -> str:
    result = _git(["check-attr", "-z", "merge", "--", relative], root)
    if result is None or result.returncode != 0:
        return "unspecified"
    fields = result.stdout.split("\0")
    return fields[2] if len(fields) >= 3 else "unspecified"


def _config(root: Path, key: str) -> str:
    result = _git(["config", "--get", key], root)
    return result.stdout.strip() if result is not None and result.returncode == 0 else ""


def attributes_line(relative: str) -> str:
    """The .gitattributes line for the store: ``data/initiatives.toml merge=vzwatch``."""
    pattern = re.sub(r"([*?\[\\])", r"\\\1", relative)
    if "/" not in pattern:
        pattern = "/" + pattern  # anchor at the root: a bare name matches at any depth
    if re.search(r'[\s"]', pattern) or pattern.startswith(("#", "!")):
        escaped = pattern.replace("\\", "\\\\").replace('"', '\\"')
        escaped = escaped.replace("\t", "\\t").replace("\n", "\\n")
        pattern = f'"{escaped}"'
    return f"{pattern} merge={DRIVER}"


def setup_warning(store_path: Path) -> str | None:
    """A one-line warning when the store is in a repository without the merge driver."""
    status = driver_status(store_path)
    if status is None or status.ready:
        return None
    ignored = _git(["check-ignore", "-q", "--", status.relative], status.root)
    if ignored is not None and ignored.returncode == 0:
        return None  # git does not track it (a per-user store under a dotfiles repo...)
    return (
        f"{store_path} is in a git repository without the vzwatch merge driver; "
        "run `vzwatch git-setup` so `git pull` merges it by initiative"
    )


def ignore_pattern(relative: str) -> str:
    """The gitignore line for one file: ``/data/initiatives.toml.lock``, anchored at the root."""
    if "\n" in relative or "\r" in relative:
        raise StoreError(f"cannot write a git ignore pattern for {relative!r}: it has a line break")
    pattern = "/" + re.sub(r"([*?\[\\!#])", r"\\\1", relative)
    if pattern.endswith(" "):
        pattern = pattern[:-1] + "\\ "  # a trailing space is dropped unless escaped
    return pattern


def _add_line(path: Path, line: str) -> None:
    """Append one line to a small text file (created if missing), never over a change."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        read = read_stamped(path)
        old = "" if read.data is None else read.data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"cannot read {path}: {error}") from None
    separator = "" if not old or old.endswith("\n") else "\n"
    atomic_write(path, f"{old}{separator}{line}\n", expected=read)


def _keep_lock_out(status: DriverStatus) -> list[str]:
    """Ignore the store's lock file in this clone (``.git/info/exclude``): it is a
    permanent file beside the store, and a lock file that git replaces on checkout
    would let two writers in."""
    lock = f"{status.relative}.lock"
    ignored = _git(["check-ignore", "-q", "--no-index", "--", lock], status.root)
    notes: list[str] = []
    if ignored is None or ignored.returncode != 0:
        where = _git(["rev-parse", "--git-path", "info/exclude"], status.root)
        if where is None or where.returncode != 0 or not where.stdout.strip():
            raise StoreError(f"cannot find the git exclude file of {status.root}")
        exclude = Path(where.stdout.strip())
        exclude = exclude if exclude.is_absolute() else status.root / exclude
        pattern = ignore_pattern(lock)
        _add_line(exclude, pattern)
        again = _git(["check-ignore", "-q", "--no-index", "--", lock], status.root)
        if again is None or again.returncode != 0:
            raise StoreError(f"added '{pattern}' to {exclude}, but git does not ignore {lock}")
        notes.append(f"added '{pattern}' to {exclude} (keeps the store's lock file out of git)")
    tracked = _git(["ls-files", "--error-unmatch", "--", lock], status.root)
    if tracked is not None and tracked.returncode == 0:
        notes.append(f"note: {lock} is committed; untrack it with `git rm --cached {lock}`")
    return notes


def setup(store_path: Path, command: str | None = None) -> list[str]:
    """Set up the merge driver for the store's repository; return what changed (may be empty)."""
    status = driver_status(store_path)
    if status is None:
        if _git(["--version"], Path.cwd()) is None:
            raise UsageError("git is not installed (or not on PATH)")
        raise UsageError(f"{store_path} is not inside a git repository")
    changes: list[str] = []
    if status.attribute != DRIVER:
        line = attributes_line(status.relative)
        attributes = status.root / ".gitattributes"
        _add_line(attributes, line)
        if _merge_attribute(status.root, status.relative) != DRIVER:
            raise StoreError(
                f"added '{line}' to {attributes}, but git still gives {status.relative} "
                "another merge attribute; check the other .gitattributes files"
            )
        changes.append(f"added '{line}' to {attributes} (commit it: every clone needs it)")
    wanted = {"name": DRIVER_NAME, "driver": command or driver_command()}
    current = {"name": status.name, "driver": status.driver}
    for key, value in wanted.items():
        if current[key] == value:
            continue
        result = _git(["config", "--local", f"merge.{DRIVER}.{key}", value], status.root)
        if result is None or result.returncode != 0:
            detail = result.stderr.strip() if result is not None else "git not found"
            raise StoreError(f"cannot set git config merge.{DRIVER}.{key}: {detail}")
        changes.append(f"set git config merge.{DRIVER}.{key} = {value}")
    changes.extend(_keep_lock_out(status))
    return changes
