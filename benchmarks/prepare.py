"""Prepare steps for benchmarks/run.py: hyperfine ``--prepare`` runs one before every run.

Usage::

    python prepare.py copy SRC DST [SRC DST]...  # each SRC over its DST (a file, or a directory)
    python prepare.py retitle STORE ID COUNTER   # a new title for initiative ID, in place

``copy`` resets what the previous run changed (a store that ``edit``/``remove``
rewrote together with its parse-cache entry, as Taskwarrior's data directory is
reset with its own state; the ``ours`` file a merge replaced), and syncs the copies
to disk so the measured run does not write them (see ``synced``).
``retitle`` is a hand edit: it rewrites the title of initiative ``ID`` in the
store's own bytes (same inode, like an editor that saves in place) to
``Hand edited NNNNNNNN``, the number taken from the file ``COUNTER`` and
incremented, so every run sees content the parse cache has never seen. After
the first run the store keeps its size (the number has a fixed width). The
store must be laid out as benchmarks/generate.py writes it (``id`` line, then
``title`` line).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
        for path in target.rglob("*"):
            if path.is_file():
                synced(path)
    else:
        shutil.copyfile(source, target)
        synced(target)


def synced(path: Path) -> None:
    """Put a copy on disk before the measured run: left dirty, its megabytes would be
    written by that run's own fsync (ext4 commits them with it), which measures the reset
    and not the command. Done alike for vzwatch's stores and Taskwarrior's data."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def retitle(store: Path, ident: str, counter: Path) -> None:
    number = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(number))
    data = store.read_bytes()
    marker = f'id = "{ident}"\ntitle = "'.encode()
    start = data.index(marker) + len(marker)
    end = data.index(b'"', start)
    with store.open("r+b") as out:
        out.seek(start)
        out.write(f"Hand edited {number:08d}".encode() + data[end:])
        out.truncate()


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and len(argv) % 2 == 1 and argv[0] == "copy":
        for source, target in zip(argv[1::2], argv[2::2], strict=True):
            copy(Path(source), Path(target))
    elif len(argv) == 4 and argv[0] == "retitle":
        retitle(Path(argv[1]), argv[2], Path(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
