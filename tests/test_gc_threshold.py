"""The collector's threshold while a review runs: raised for the review, restored after, shared by threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from checks.gc_threshold import REVIEW_THRESHOLD, raised_gc_threshold
from checks.runner import review
from checks.snapshot import Snapshot

OURS = (500, 7, 9)  # what the process had: neither CPython's default nor ours


@pytest.fixture(autouse=True)
def thresholds() -> Iterator[None]:
    kept = gc.get_threshold()
    gc.set_threshold(*OURS)
    yield
    gc.set_threshold(*kept)


def test_raised_inside_and_restored_after() -> None:
    with raised_gc_threshold():
        assert gc.get_threshold() == (REVIEW_THRESHOLD, 7, 9)
    assert gc.get_threshold() == OURS


def test_restored_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), raised_gc_threshold():
        _ = 1 / 0
    assert gc.get_threshold() == OURS


def test_a_higher_threshold_and_a_switched_off_collector_are_kept() -> None:
    gc.set_threshold(50_000, 7, 9)
    with raised_gc_threshold():
        assert gc.get_threshold() == (50_000, 7, 9)
    gc.set_threshold(0, 7, 9)
    with raised_gc_threshold():
        assert gc.get_threshold() == (0, 7, 9)
    assert gc.get_threshold() == (0, 7, 9)


def test_overlapping_blocks_in_threads_restore_once_the_last_ends() -> None:
    """Reviews run in the worker's threads: the first to end must not lower the threshold under the other."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple[int, int, int]] = {}

    def first() -> None:
        with raised_gc_threshold():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with raised_gc_threshold():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.get_threshold()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    assert seen["after the first ended"] == (REVIEW_THRESHOLD, 7, 9)
    assert gc.get_threshold() == OURS


def _new_module(lines: int) -> tuple[str, str]:
    text = "".join(f"def f{i}(a, b):\n    return [a, b, {{'k': (a, {i})}}]\n" for i in range(lines // 2))
    body = "".join(f"+{line}\n" for line in text.splitlines())
    diff = f"diff --git a/m.py b/m.py\nnew file mode 100644\n--- /dev/null\n+++ b/m.py\n@@ -0,0 +1,{lines} @@\n{body}"
    return diff, text


def test_a_review_with_texts_collects_young_objects_seldom() -> None:
    """The review's rules parse the module (about 100,000 objects): at the process's threshold of 500 that would
    be over a hundred young collections (141 on CPython 3.11); raised, a tenth of that."""
    diff, text = _new_module(4000)
    gc.collect()
    before = gc.get_stats()[0]["collections"]
    review(diff, snapshot=Snapshot(texts={"m.py": text}))
    during = gc.get_stats()[0]["collections"] - before

    assert during < 30
    assert gc.get_threshold() == OURS
