"""BLAKE2b, the digest of the parse cache's runs and of the merge driver's blocks.

``hashlib`` loads OpenSSL for its other algorithms, ~3 ms of every command that
hashes (a write, a read after a change); its BLAKE2 is CPython's builtin
``_blake2`` module, imported here directly when it is there.
"""

from __future__ import annotations

from vzwatch.storage.threads import both, usable_cpus

try:
    from _blake2 import blake2b
except ImportError:  # a Python without it: hashlib's own
    from hashlib import blake2b

__all__ = ["WHOLE_DIGEST_SIZE", "blake2b", "in_parallel", "whole_digest"]

WHOLE_DIGEST_SIZE = 32
_HALF_SIZE = WHOLE_DIGEST_SIZE // 2
# Below this a second thread costs more than it saves (starting one: ~0.1 ms;
# hashing a megabyte: ~1.2 ms).
_PARALLEL_BYTES = 1 << 20


def in_parallel(size: int) -> bool:
    """Whether hashing ``size`` bytes is worth splitting over two threads: BLAKE2b
    releases the GIL while it hashes, so a second CPU halves the time (10.8 MB: 13 →
    7 ms)."""
    return size >= _PARALLEL_BYTES and usable_cpus() > 1


def whole_digest(data: bytes | memoryview, *, parallel: bool = True) -> bytes:
    """The digest of a store's bytes: the BLAKE2b of each half, joined. The same value
    however it is computed, so an entry holds on a machine with another CPU count.

    ``parallel=False``: both halves on this thread, for a thread that must leave the
    other CPU to the main one (vzwatch.storage.readahead).
    """
    view = memoryview(data)
    half = len(view) // 2

    def first() -> bytes:
        return blake2b(view[:half], digest_size=_HALF_SIZE).digest()

    def second() -> bytes:
        return blake2b(view[half:], digest_size=_HALF_SIZE).digest()

    if not (parallel and in_parallel(len(view))):
        return first() + second()
    one, other = both(first, second)
    return one + other
