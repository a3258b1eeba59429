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

import contextlib
import gc
import mmap
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from checks.diff import Diff, DiffError, FilePatch, iter_file_patches, parse_diff, split_points
from checks.runner import Collected, ReviewResult, collect, finish
from checks.snapshot import Snapshot

if TYPE_CHECKING:
    from checks.config import LoadedConfig

#: Changes smaller than this are reviewed in one process: a fork costs more than it saves.
MIN_PARALLEL_BYTES = 5 * 1024 * 1024
#: Processes at most: each holds its own interpreter and rules (about 40 MB), and past a few of them the
#: parts left to share are too small to gain from more.
MAX_PROCESSES = 4
#: The grain of the cuts between the parts of a diff given as bytes.
PIECE_BYTES = 1024 * 1024
#: The smallest part is a (MIN_PART_SHARE * processes)-th of the change: the last parts are small, so the
#: processes end together, but not so small that each part's fixed cost (a `collect` call) adds up.
MIN_PART_SHARE = 16

#: One part of a change: its files, read when the part runs.
Part = Callable[[], Iterator[FilePatch]]
#: A diff's bytes: read into memory, or mapped from its file.
DiffBytes = bytes | mmap.mmap


@dataclass(frozen=True)
class _Job:
    parts: Sequence[Part]
    snapshot: Snapshot
    #: None: the defaults (see `checks.defaults`).
    config: LoadedConfig | None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def review(
    change: Diff | DiffBytes,
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
    size = sum(_patch_bytes(p) for p in change) if isinstance(change, Diff) else len(change)
    wanted = min(workers if workers is not None else cores(), MAX_PROCESSES)
    processes = max(1, wanted) if size >= min_parallel_bytes else 1
    parts = _file_parts(change, processes) if isinstance(change, Diff) else _byte_parts(change, processes, piece_bytes)
    job = _Job(parts, snapshot, config)
    try:
        collected = _collect(job, processes)
    except DiffError:
        if not isinstance(change, Diff):
            parse_diff(change[:])  # a piece counts lines from its own start: read it whole for the diff's line
        raise

    def reread(paths: frozenset[str]) -> Iterator[FilePatch]:
        """The files at `paths`, read again from the parts a worker withheld their lines in (see `_worker`)."""
        for part, found in zip(job.parts, collected, strict=True):
            if found.withheld & paths:
                yield from (patch for patch in part() if patch.path in paths)

    return finish(Collected.merge(collected), snapshot=snapshot, config=config, reread=reread)


def _collect(job: _Job, processes: int) -> list[Collected]:
    """What each part found, in the parts' order."""
    if processes == 1 or len(job.parts) == 1 or not hasattr(os, "fork"):
        return [_collect_part(job, index) for index in range(len(job.parts))]
    claims = _claims(len(job.parts))
    gc.freeze()  # keep the collector from touching, and so copying, the pages workers share with this process
    workers: list[tuple[int, int]] = []
    done: dict[int, Collected] = {}
    try:
        workers = [_fork_worker(job, claims) for _ in range(processes - 1)]
        mine: list[tuple[int, Collected]] = []
        _work(job, claims, mine)
        done.update(mine)
        while workers:
            done.update(_results(*workers.pop()))
    finally:
        for pid, results in workers:  # this process failed (a malformed piece, Ctrl-C): its workers go too
            _stop(pid, results)
        os.close(claims)
        gc.unfreeze()
    # Parts a worker claimed but never returned (it died, or failed on one) are collected here.
    return [done.get(index) or _collect_part(job, index) for index in range(len(job.parts))]


def _claims(count: int) -> int:
    """A pipe holding one byte per part: reading a byte claims that part, an empty pipe means none is left.
    A one-byte read is atomic however many processes read, and the pipe needs no lock nor any import."""
    read, write = os.pipe()
    os.write(write, bytes(range(count)))  # at most MIN_PART_SHARE * MAX_PROCESSES + 1 bytes: far below PIPE_BUF
    os.close(write)
    return read


def _work(job: _Job, claims: int, done: list[tuple[int, Collected]], *, withhold: bool = False) -> None:
    """Collect parts into `done`, claiming the next one free until none is left: fast processes take more of
    them. `done` keeps what was collected before a part fails."""
    while claimed := os.read(claims, 1):
        done.append((claimed[0], _collect_part(job, claimed[0], withhold=withhold)))


def _fork_worker(job: _Job, claims: int) -> tuple[int, int]:
    """Fork a worker that collects parts and sends back what it found; its pid and the pipe it answers on.

    The worker inherits the job (the diff's bytes included) from this process's memory. What it found crosses
    the pipe: the lines of files a change rule keeps only for some changes (every Python file, for two of them)
    stay behind, and this process reads them again from their parts if the change needs them. It leaves with
    `os._exit`: none of this process's exit handlers or buffered output may run twice.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    status = 1
    try:
        os.close(read)
        done: list[tuple[int, Collected]] = []
        try:
            _work(job, claims, done, withhold=True)
        finally:  # what it did before a failure is sent; the part it failed on is redone by the parent
            with os.fdopen(write, "wb") as out:
                pickle.dump(done, out, pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)


def _results(pid: int, results: int) -> list[tuple[int, Collected]]:
    with os.fdopen(results, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    try:
        answer: list[tuple[int, Collected]] = pickle.loads(data)  # noqa: S301  (our own fork wrote it)
    except Exception:  # noqa: BLE001  (the worker died, its answer cut short: its parts are redone)
        return []
    return answer


def _stop(pid: int, results: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.close(results)
    os.waitpid(pid, 0)


def _collect_part(job: _Job, index: int, *, withhold: bool = False) -> Collected:
    return collect(job.parts[index](), snapshot=job.snapshot, config=job.config, withhold=withhold)


def _byte_parts(data: DiffBytes, processes: int, piece_bytes: int) -> list[Part]:
    """Runs of consecutive files for `processes` to share (see `_guided`), cut where pieces of `piece_bytes` start."""
    points = split_points(data, piece_bytes)
    ranges = list(pairwise([*points, len(data)]))
    groups = _guided([stop - start for start, stop in ranges], processes)
    return [_bytes_part(data, ranges[first][0], ranges[last - 1][1]) for first, last in groups]


def _bytes_part(data: DiffBytes, start: int, stop: int) -> Part:
    return lambda: iter_file_patches(data[start:stop])  # decoded and parsed a piece at a time


def _file_parts(diff: Diff, processes: int) -> list[Part]:
    """Runs of consecutive files for `processes` to share (see `_guided`), sized by their hunks' bytes."""
    groups = _guided([_patch_bytes(p) for p in diff], processes)
    return [_files_part(diff.files[first:last]) for first, last in groups]


def _files_part(files: Sequence[FilePatch]) -> Part:
    return lambda: iter(files)


def _patch_bytes(patch: FilePatch) -> int:
    return 1 + sum(len(h.body) for h in patch.hunks)


def _guided(sizes: Sequence[int], processes: int) -> list[tuple[int, int]]:
    """Cut `sizes` into runs (start, stop) of consecutive items for `processes` that claim them in order.

    Each run is about a (2 * processes)-th of what is left after the runs before it, and no less than a
    (MIN_PART_SHARE * processes)-th of the whole: the first parts are large, the last small, so no process
    works through a large part while the others have nothing left (guided self-scheduling).
    """
    total = sum(sizes)
    if processes <= 1 or len(sizes) <= 1 or total == 0:
        return [(0, len(sizes))]
    smallest = total / (MIN_PART_SHARE * processes)
    runs: list[tuple[int, int]] = []
    start = running = 0
    left = total
    for index, size in enumerate(sizes):
        running += size
        if running >= max(left / (2 * processes), smallest) and index + 1 < len(sizes):
            runs.append((start, index + 1))
            start, left, running = index + 1, left - running, 0
    runs.append((start, len(sizes)))
    return runs
