"""Two pieces of work at once, where they can overlap.

Threads help here only where the work leaves the GIL: BLAKE2b releases it while it
hashes (so two halves of a store hash at once on two CPUs), and a write or fsync
releases it while the kernel works (so the Python that a write needs afterwards can
run meanwhile, on one CPU too).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")
_U = TypeVar("_U")
_cpus: int | None = None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, not the machine's count)."""
    global _cpus
    if _cpus is None:
        try:
            _cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not Linux
            _cpus = os.cpu_count() or 1
    return _cpus


def both(first: Callable[[], _T], second: Callable[[], _U]) -> tuple[_T, _U]:
    """``first()`` here and ``second()`` on another thread meanwhile; both results, or
    the exception of either (``first``'s when both fail), once both have ended."""
    import threading

    result: list[_U] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(second())
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="vzwatch-meanwhile", daemon=True)
    worker.start()
    try:
        mine = first()
    finally:
        worker.join()
    if failure:
        raise failure[0]
    return mine, result[0]
