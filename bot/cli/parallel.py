"""Review a large change on every core: the file rules run over parts of it in forked processes.

`checks` stays pure and single-process; this module only decides where its collect phase runs. The
change is cut into parts of consecutive files; this process and its forked workers claim parts one at a
time until none is left, each reading its parts from memory inherited at fork (nothing large is pickled)
and keeping what the file rules found. This process then merges the parts in file order and finishes
the review (change rules, netting across every file, the verdict), so the result is the one
`checks.runner.review` gives for the whole change. Workers send back no lines a change rule reads only for
some changes (`Rule.keeps_if`); when the whole change needs them after all, this process reads those files
again from their parts.

A diff given as bytes is read by `checks.diff.iter_file_patches`, which decodes it a piece at a time, so no
process ever holds the whole diff decoded (a diff with one emoji decodes to four bytes a character).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from checks.diff import Diff, DiffError, FilePatch, iter_file_patches, parse_diff, split_points
from checks.runner import Collected, ReviewResult, collect, finish
from checks.snapshot import Snapshot

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.sharedctypes import Synchronized

    from checks.config import LoadedConfig

#: Changes smaller than this are reviewed in one process: a fork costs more than it saves.
MIN_PARALLEL_BYTES = 5 * 1024 * 1024
#: Processes at most: each holds its own interpreter and rules (about 40 MB), and past a few of them the
#: parts left to share are too small to gain from more.
MAX_PROCESSES = 4
#: The grain of the cuts between the parts of a diff given as bytes.
PIECE_BYTES = 1024 * 1024
#: Parts per process, claimed one at a time: a process slowed by a dear part leaves the rest to the others.
PARTS_PER_PROCESS = 4

#: One part of a change: its files, read when the part runs.
Part = Callable[[], Iterator[FilePatch]]


@dataclass(frozen=True)
class _Job:
    parts: Sequence[Part]
    snapshot: Snapshot
    #: None: the defaults (see `checks.defaults`).
    config: LoadedConfig | None


#: The job forked workers read, and the index of the next part nobody has claimed; set while a pool runs.
_job: _Job | None = None
_next_part: Synchronized[int] | None = None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def review(
    change: Diff | bytes,
    *,
    snapshot: Snapshot,
    config: LoadedConfig | None,
    workers: int | None = None,
    min_parallel_bytes: int = MIN_PARALLEL_BYTES,
    piece_bytes: int = PIECE_BYTES,
) -> ReviewResult:
    """Review a change (a parsed diff, or a diff's bytes) as `checks.runner.review` does, on up to `workers` cores.

    Raises `DiffError` on malformed bytes, with the line counted in the whole diff.
    """
    size = len(change) if isinstance(change, bytes) else sum(_patch_bytes(p) for p in change)
    wanted = workers if workers is not None else min(cores(), MAX_PROCESSES)
    processes = max(1, wanted) if size >= min_parallel_bytes else 1
    count = processes * PARTS_PER_PROCESS if processes > 1 else 1
    parts = _byte_parts(change, count, piece_bytes) if isinstance(change, bytes) else _file_parts(change, count)
    job = _Job(parts, snapshot, config)
    try:
        collected = _collect(job, processes)
    except DiffError:
        if isinstance(change, bytes):
            parse_diff(change)  # a piece counts lines from its own start: read it whole for the diff's line
        raise

    def reread(paths: frozenset[str]) -> Iterator[FilePatch]:
        """The files at `paths`, read again from the parts a worker withheld their lines in (see `_worker`)."""
        for part, found in zip(job.parts, collected, strict=True):
            if found.withheld & paths:
                yield from (patch for patch in part() if patch.path in paths)

    return finish(Collected.merge(collected), snapshot=snapshot, config=config, reread=reread)


def _collect(job: _Job, processes: int) -> list[Collected]:
    """What each part found, in the parts' order."""
    if processes == 1 or len(job.parts) == 1:
        return [_collect_part(job, index) for index in range(len(job.parts))]
    # Imported here: a small change (the usual case) never pays for the process machinery.
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    global _job, _next_part  # noqa: PLW0603  (forked workers inherit both; nothing large crosses a pipe)
    context = multiprocessing.get_context("fork")
    _job, _next_part = job, context.Value("i", 0)
    gc.freeze()  # keep the collector from touching, and so copying, the pages workers share with this process
    done: dict[int, Collected] = {}
    try:
        with ProcessPoolExecutor(max_workers=processes - 1, mp_context=context) as pool:
            futures = [pool.submit(_worker) for _ in range(processes - 1)]
            done.update(_work(job))
            for future in futures:
                done.update(_results(future))
    finally:
        _job = _next_part = None
        gc.unfreeze()
    # Parts a worker claimed but never returned (it was killed, say) are collected here.
    return [done.get(index) or _collect_part(job, index) for index in range(len(job.parts))]


def _work(job: _Job, *, withhold: bool = False) -> list[tuple[int, Collected]]:
    """Collect parts, claiming the next one free until none is left: fast processes take more of them."""
    done: list[tuple[int, Collected]] = []
    while (index := _claim()) < len(job.parts):
        done.append((index, _collect_part(job, index, withhold=withhold)))
    return done


def _claim() -> int:
    counter = _next_part
    if counter is None:
        raise RuntimeError("parts claimed outside of a parallel review")
    with counter.get_lock():
        index: int = counter.value
        counter.value = index + 1
    return index


def _results(future: Future[list[tuple[int, Collected]]]) -> list[tuple[int, Collected]]:
    from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415  (loaded with the pool)

    try:
        return future.result()
    except (BrokenProcessPool, OSError, EOFError):
        return []  # a worker died: its parts are redone by the caller


def _worker() -> list[tuple[int, Collected]]:
    if _job is None:
        raise RuntimeError("a review worker started without its job")
    # What it found crosses a pipe: the lines of files a change rule keeps only for some changes (every Python
    # file, for two of them) stay behind, and the parent reads them again from its parts if the change needs them.
    return _work(_job, withhold=True)


def _collect_part(job: _Job, index: int, *, withhold: bool = False) -> Collected:
    return collect(job.parts[index](), snapshot=job.snapshot, config=job.config, withhold=withhold)


def _byte_parts(data: bytes, count: int, piece_bytes: int) -> list[Part]:
    """`count` runs of consecutive files of about equal size (cut where pieces of `piece_bytes` start)."""
    points = split_points(data, piece_bytes)
    ranges = list(pairwise([*points, len(data)]))
    groups = _balanced([stop - start for start, stop in ranges], count)
    return [_bytes_part(data, ranges[first][0], ranges[last - 1][1]) for first, last in groups]


def _bytes_part(data: bytes, start: int, stop: int) -> Part:
    return lambda: iter_file_patches(data[start:stop])  # decoded and parsed a piece at a time


def _file_parts(diff: Diff, count: int) -> list[Part]:
    """`count` runs of consecutive files with about as many hunk bytes each."""
    groups = _balanced([_patch_bytes(p) for p in diff], count)
    return [_files_part(diff.files[first:last]) for first, last in groups]


def _files_part(files: Sequence[FilePatch]) -> Part:
    return lambda: iter(files)


def _patch_bytes(patch: FilePatch) -> int:
    return 1 + sum(len(h.body) for h in patch.hunks)


def _balanced(sizes: Sequence[int], count: int) -> list[tuple[int, int]]:
    """Cut `sizes` into at most `count` runs (start, stop) of consecutive items with about equal sums."""
    total = sum(sizes)
    if count <= 1 or len(sizes) <= 1 or total == 0:
        return [(0, len(sizes))]
    runs: list[tuple[int, int]] = []
    start = running = 0
    for index, size in enumerate(sizes):
        running += size
        # Close a run once it reaches its share of the whole (the last run takes what is left).
        if running * count >= total * (len(runs) + 1) and len(runs) < count - 1 and index + 1 < len(sizes):
            runs.append((start, index + 1))
            start = index + 1
    runs.append((start, len(sizes)))
    return runs
