"""The whole-store digest and the work done at the same time as other work.

A store's digest is the same value however it is computed (on one thread or two),
so a cache entry written on one machine holds on another; work handed to another
thread gives its result, or its exception, to the caller.
"""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vzwatch.storage import cache, digest, threads


@given(st.binary(max_size=2048))
def test_a_digest_computed_on_two_threads_is_the_one_computed_on_one(data: bytes) -> None:
    with mock.patch.object(digest, "in_parallel", return_value=False):
        alone = digest.whole_digest(data)
    with mock.patch.object(digest, "in_parallel", return_value=True):
        together = digest.whole_digest(data)
    half = len(data) // 2
    halves = digest.blake2b(data[:half], digest_size=16).digest()
    halves += digest.blake2b(data[half:], digest_size=16).digest()
    assert alone == together == halves
    assert len(alone) == digest.WHOLE_DIGEST_SIZE == cache._WHOLE_DIGEST_SIZE


def test_a_digest_tells_any_changed_byte_of_either_half() -> None:
    data = bytes(range(256)) * 8
    seen = {digest.whole_digest(data)}
    for at in (0, len(data) // 2 - 1, len(data) // 2, len(data) - 1):
        changed = bytearray(data)
        changed[at] ^= 1
        seen.add(digest.whole_digest(bytes(changed)))
    assert len(seen) == 5


def test_a_big_store_is_hashed_in_two_halves_at_once_only_with_two_cpus() -> None:
    with mock.patch.object(threads, "_cpus", 1):
        assert not digest.in_parallel(64 << 20)
    with mock.patch.object(threads, "_cpus", 2):
        assert digest.in_parallel(64 << 20)
        assert not digest.in_parallel(1000)


def test_both_gives_both_results_and_runs_the_second_on_another_thread() -> None:
    def where() -> bool:
        return threading.current_thread() is threading.main_thread()

    assert threads.both(where, where) == (True, False)


@pytest.mark.parametrize("failing", ["first", "second"])
def test_both_raises_the_exception_of_either_once_both_have_ended(failing: str) -> None:
    ended: list[str] = []

    def work(name: str) -> str:
        if name == failing:
            raise ValueError(name)
        ended.append(name)
        return name

    with pytest.raises(ValueError, match=failing):
        threads.both(lambda: work("first"), lambda: work("second"))
    assert ended == [name for name in ("first", "second") if name != failing]


def test_a_state_of_many_segments_checked_in_two_halves_tells_a_change_in_either() -> None:
    data = b"".join(f"[[initiatives]]\nid = 'i{n}'\n\n".encode() for n in range(400))
    step = len(data) // 100
    ends = [*range(step, len(data) - step, step), len(data)]
    segments, start = [], 0
    for number, end in enumerate(ends):
        piece = data[start:end]
        # Groups of runs (16 bytes) as a write in place records them, and an append's whole one.
        if number == len(ends) - 1:
            segments.append((end, digest.whole_digest(piece)))
        else:
            segments.append((end, digest.blake2b(piece, digest_size=16).digest()))
        start = end
    state = cache._State((0, 0, len(data), 0, 0), 0, tuple(segments), data[-3:], False)
    for parallel in (False, True):
        with mock.patch.object(digest, "in_parallel", return_value=parallel):
            assert state.describes(data)
            for at in (0, len(data) // 2, len(data) - 1):
                changed = bytearray(data)
                changed[at] ^= 1
                assert not state.describes(bytes(changed)), (parallel, at)
