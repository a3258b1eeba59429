"""The garbage collector's first threshold, raised while file rules run, for every thread at once.

A review with the post-change texts builds a syntax tree for each Python file: hundreds of thousands of
objects, none of them in a reference cycle, so the collector has nothing to find among them. At CPython's
default threshold (a young-generation collection every 700 allocations) it looks anyway, thousands of times
over a release diff: a fifth of such a review's CPU. Raised, the collector still runs, only less often, so
cycles made elsewhere in the process (the App's worker serves other jobs meanwhile) are still collected.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between young-generation collections while a review runs (CPython's default is 700).
REVIEW_THRESHOLD = 10_000


class _Raised:
    """How many blocks are open (reviews run in threads of the App's worker), and the thresholds to restore."""

    lock = threading.Lock()
    depth = 0
    saved: tuple[int, int, int] = (0, 0, 0)


@contextmanager
def raised_gc_threshold() -> Iterator[None]:
    """Within the block, and until the last of the blocks open at once ends, collect young objects every
    `REVIEW_THRESHOLD` allocations at most; then restore the thresholds the process had. A collector switched
    off (`gc.disable()`, or a first threshold of 0) stays off. Usable as a decorator."""
    with _Raised.lock:
        if _Raised.depth == 0:
            _Raised.saved = gc.get_threshold()
            first, second, third = _Raised.saved
            if first:
                gc.set_threshold(max(first, REVIEW_THRESHOLD), second, third)
        _Raised.depth += 1
    try:
        yield
    finally:
        with _Raised.lock:
            _Raised.depth -= 1
            if _Raised.depth == 0:
                gc.set_threshold(*_Raised.saved)
