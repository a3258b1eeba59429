"""The long fuzzing run, and the check that reading time grows linearly with input size (`make fuzz`).

python -m bench.fuzz [--minutes 10] [--target diff notebook config] [--seed N] [--no-scaling]

1. Fuzzing: the properties of tests/hardening (which CI runs on a small budget) in rounds of hypothesis
   examples until the time is up, with larger inputs (lines of up to 1 MB) and, for diffs, the 400 real
   commits of bench/data as extra seeds. A failing round prints its seed: `--seed N --rounds 1 --target T`
   replays it.
2. Scaling: each reader (and the rules, and path globs) on inputs built to stress one shape, at sizes
   n, 2n, ... 32n: time grows as size**k, k fitted by least squares on the log-log points (near 1 when
   linear, 2 when quadratic; steadier than any one doubling on a busy machine). k over 1.5 marks a shape
   superlinear, and the run fails.
   A naive regex translation of a glob is timed beside ours to show what linear-time matching avoids.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import tarfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as seed_of
from hypothesis import strategies as st

from bench.stats import table
from checks.config import load_config
from checks.diff import DiffError, parse_diff
from checks.globs import Glob
from checks.notebook import Notebook, NotebookError
from checks.runner import review
from checks.snapshot import Snapshot
from tests.hardening.mutations import DECODINGS, as_text, mutated
from tests.hardening.properties import TODAY, check_config, check_diff, check_notebook
from tests.hardening.seeds import any_diff, configs, notebooks

ARCHIVE = "bench/data/ml-library-commits.tar.xz"
#: Real diffs larger than this are left out of the seeds: each example would take too long to shrink.
MAX_REAL_SEED_BYTES = 64 * 1024
#: The longest line a mutation adds (tests use 70,000 characters).
HUGE_LINE = 1024 * 1024
EXAMPLES_PER_ROUND = 100
#: Past this exponent a shape counts as superlinear (quadratic is 2).
SUPERLINEAR_EXPONENT = 1.5
DOUBLINGS = 5


# --- fuzzing --------------------------------------------------------------------------------------------------


@cache
def real_diffs() -> tuple[str, ...]:
    """The benchmark's real single-commit diffs that are small enough to shrink."""
    found = []
    with tarfile.open(ARCHIVE, "r:xz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".diff") and member.size <= MAX_REAL_SEED_BYTES:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    found.append(extracted.read().decode("utf-8", "replace"))
    return tuple(sorted(found))


@dataclass(frozen=True)
class Target:
    name: str
    strategy: Callable[[], st.SearchStrategy[Any]]
    check: Callable[[Any], object]


def _diff_strategy() -> st.SearchStrategy[tuple[bytes, str]]:
    seeds = any_diff() | st.sampled_from(real_diffs())
    return st.tuples(mutated(seeds, huge=HUGE_LINE), DECODINGS)


def _check_diff(case: tuple[bytes, str]) -> None:
    check_diff(as_text(*case))


def _notebook_strategy() -> st.SearchStrategy[tuple[bytes, str]]:
    return st.tuples(mutated(notebooks(), huge=HUGE_LINE), st.sampled_from(["replace", "latin-1"]))


def _check_notebook(case: tuple[bytes, str]) -> None:
    text = as_text(*case)
    assert isinstance(text, str)
    check_notebook(text)


def _config_strategy() -> st.SearchStrategy[tuple[bytes, str]]:
    return st.tuples(mutated(configs(), huge=300_000), DECODINGS)


def _check_config(case: tuple[bytes, str]) -> None:
    check_config(as_text(*case))


TARGETS = {
    "diff": Target("diff", _diff_strategy, _check_diff),
    "notebook": Target("notebook", _notebook_strategy, _check_notebook),
    "config": Target("config", _config_strategy, _check_config),
}


@dataclass
class Tally:
    rounds: int = 0
    examples: int = 0
    failures: int = 0


def fuzz_round(target: Target, round_seed: int, examples: int) -> BaseException | None:
    """One round of `examples` hypothesis examples under a fixed seed; the error it ended with, if any."""

    @seed_of(round_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(target.strategy())
    def prop(case: Any) -> None:
        target.check(case)

    try:
        prop()
    except Exception as failure:  # noqa: BLE001 - every failure is reported with its seed, then the run goes on
        return failure
    return None


def fuzz(targets: Sequence[Target], *, minutes: float, base_seed: int, rounds: int | None) -> dict[str, Tally]:
    tallies = {t.name: Tally() for t in targets}
    deadline = time.monotonic() + minutes * 60
    round_number = 0
    while time.monotonic() < deadline and (rounds is None or round_number < rounds):
        for target in targets:
            round_seed = base_seed + round_number
            failure = fuzz_round(target, round_seed, EXAMPLES_PER_ROUND)
            tally = tallies[target.name]
            tally.rounds += 1
            tally.examples += EXAMPLES_PER_ROUND
            if failure is not None:
                tally.failures += 1
                print(f"\n!! {target.name}: round with seed {round_seed} failed", flush=True)
                print(f"   replay: python -m bench.fuzz --target {target.name} --seed {round_seed} --rounds 1")
                traceback.print_exception(failure, limit=6)
                for note in getattr(failure, "__notes__", []):
                    print("   " + note[:2000])
            if time.monotonic() >= deadline:
                break
        round_number += 1
        done = ", ".join(f"{name} {t.examples}" for name, t in tallies.items())
        print(f"   after round {round_number}: examples {done}", flush=True)
    return tallies


# --- scaling --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """An input built to size `n`, and the work timed on it."""

    name: str
    base: int
    build: Callable[[int], Any]
    run: Callable[[Any], object]


def _git_file(path: str, added: list[str]) -> str:
    body = "".join("+" + line + "\n" for line in added)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(added)} @@\n{body}"
    )


def _many_files(n: int) -> str:
    return "".join(_git_file(f"pkg/m{i}.py", ["import os", "x = 1"]) for i in range(n))


def _many_hunks(n: int) -> str:
    hunks = "".join(f"@@ -{10 * i + 1},2 +{10 * i + 1},3 @@\n a\n+# TODO {i}\n b\n" for i in range(n))
    return f"diff --git a/f.py b/f.py\nindex 1111111..2222222 100644\n--- a/f.py\n+++ b/f.py\n{hunks}"


def _many_lines(n: int) -> str:
    return _git_file("train.py", [f"x{i} = torch.load(p)  # TODO {i}" for i in range(n)])


def _huge_line(n: int, path: str = "train.py", char: str = "a") -> str:
    return _git_file(path, [char * n])


def _plain_look_alike_pairs(n: int) -> str:
    # Hunk lines `-- x` / `++ y` look like a file header in a plain diff: each is tried as one, then merged back.
    body = "".join(" c\n--- a\n+++ b\n" for _ in range(n))
    return f"--- a/f\n+++ b/f\n@@ -1,{2 * n} +1,{2 * n} @@\n{body}"


def _cut_at_the_end(n: int) -> str:
    return _many_files(n) + "diff --git a/last.py b/last.py\n"


def _notebook(n: int, *, cells: bool) -> str:
    count, size = (n, 1) if cells else (1, n)
    document = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": i,
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}],
                "source": ["import torch\n", "y = 1  # TODO\n" * size],
            }
            for i in range(count)
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1)


def _notebook_diff(n: int) -> tuple[str, Snapshot]:
    text = _notebook(n, cells=True)
    lines = text.split("\n")
    return _git_file("nb.ipynb", lines), Snapshot(texts={"nb.ipynb": text}, today=TODAY)


def _config_excludes(n: int) -> str:
    return "exclude:\n" + "".join(f"  - 'vendor{i}/**/*a*a*a*b'\n" for i in range(n))


def _config_string(n: int) -> str:
    return "accept:\n  - rule: CODE001\n    reason: '" + "x" * n + "'\n"


def _config_aliases(n: int) -> str:
    return "a: &a [x]\n" + "".join(f"k{i}: *a\n" for i in range(n))


def _glob_case(n: int) -> tuple[Glob, str]:
    return Glob("**/" + "*a" * 100 + "*b"), "/".join(["a" * n] * 4)


def _deep_glob_case(n: int) -> tuple[Glob, str]:
    return Glob("/".join(["**", "a"] * 40) + "/b"), "/".join(["a"] * n)


def _lfs_case(n: int) -> tuple[Snapshot, str]:
    attributes = "".join(f"data/dir{i}/**/*a*a*a*b.csv filter=lfs diff=lfs merge=lfs -text\n" for i in range(n))
    return Snapshot(texts={".gitattributes": attributes}), "data/" + "a" * 50 + "/x.csv"


def _in_lfs(case: tuple[Snapshot, str]) -> bool:
    # A fresh snapshot each run: the globs are parsed once per snapshot, and that is part of the cost.
    return Snapshot(texts=case[0].texts).in_lfs(case[1])


def _review(case: tuple[str, Snapshot]) -> object:
    return review(case[0], snapshot=case[1])


def _parse_or_error(text: str) -> object:
    try:
        return parse_diff(text)
    except DiffError as error:
        return error


def _notebook_or_error(text: str) -> object:
    try:
        return Notebook.parse(text)
    except NotebookError as error:
        return error


def _matches(case: tuple[Glob, str]) -> bool:
    return case[0].matches(case[1])


SNAPSHOT = Snapshot(today=TODAY)
SHAPES = (
    Shape("diff: many files", 500, _many_files, parse_diff),
    Shape("diff: many hunks", 1000, _many_hunks, parse_diff),
    Shape("diff: many lines", 5000, _many_lines, parse_diff),
    Shape("diff: one huge line", 200_000, _huge_line, parse_diff),
    Shape("diff: CRLF line ends", 5000, lambda n: _many_lines(n).replace("\n", "\r\n"), parse_diff),
    Shape("diff: header look-alikes (plain)", 2000, _plain_look_alike_pairs, _parse_or_error),
    Shape("diff: cut short after many files", 500, _cut_at_the_end, _parse_or_error),
    Shape("review: many lines", 1000, lambda n: (_many_lines(n), SNAPSHOT), _review),
    Shape("review: huge .py line", 50_000, lambda n: (_huge_line(n), SNAPSHOT), _review),
    Shape("review: huge requirements line", 50_000, lambda n: (_huge_line(n, "requirements.txt"), SNAPSHOT), _review),
    Shape("review: huge Dockerfile line", 50_000, lambda n: (_huge_line(n, "Dockerfile", " "), SNAPSHOT), _review),
    Shape("review: notebook of many cells", 100, _notebook_diff, _review),
    Shape("notebook: many cells", 2000, lambda n: _notebook(n, cells=True), _notebook_or_error),
    Shape("notebook: one huge cell", 20_000, lambda n: _notebook(n, cells=False), _notebook_or_error),
    Shape("config: many globs", 6, _config_excludes, load_config),  # 192 at 32n: within the 200 allowed
    Shape("config: long string", 5000, _config_string, load_config),  # 160 KB at 32n: under the 256 KB cap
    Shape("config: many aliases", 500, _config_aliases, load_config),
    Shape("glob: *a*a...*b on long names", 20_000, _glob_case, _matches),
    Shape("glob: many ** against a deep path", 500, _deep_glob_case, _matches),
    Shape("lfs: .gitattributes patterns, one path", 500, _lfs_case, _in_lfs),
)


#: A timing repeats the work until this long has passed, so that sub-millisecond runs are measured too.
BATCH_SECONDS = 0.05


def _best_of(shape: Shape, case: Any, repeat: int) -> float:
    """Seconds per run: the best of `repeat` batches, each of as many runs as BATCH_SECONDS holds."""
    best = float("inf")
    for _ in range(repeat):
        runs = 0
        start = time.perf_counter()
        while True:
            shape.run(case)
            runs += 1
            took = time.perf_counter() - start
            if took >= BATCH_SECONDS:
                break
        best = min(best, took / runs)
    return best


def scaling(shapes: Sequence[Shape], repeat: int = 3) -> list[tuple[str, list[float], float]]:
    """Each shape timed at n, 2n, ... 16n (best of `repeat`): the times and the exponent of their growth."""
    results = []
    for shape in shapes:
        times = [_best_of(shape, shape.build(shape.base * 2**k), repeat) for k in range(DOUBLINGS + 1)]
        exponent = _slope([float(k) for k in range(DOUBLINGS + 1)], [math.log2(max(t, 1e-9)) for t in times])
        results.append((shape.name, times, exponent))
        shown = ", ".join(f"{t * 1000:.2f}" for t in times)
        print(f"   {shape.name}: {shown} ms, exponent {exponent:.2f}", flush=True)
    return results


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope of ys over xs."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def naive_glob_seconds(stars: int, limit: float = 1.0) -> list[tuple[int, float]]:
    """A glob `*a*a...*b` translated to a backtracking regex, on ever longer names, until one match takes `limit` s."""
    pattern = re.compile("(?s:" + ".*a" * stars + ".*b)")
    found = []
    n = 8
    while True:
        start = time.perf_counter()
        pattern.fullmatch("a" * n)
        took = time.perf_counter() - start
        found.append((n, took))
        if took > limit or n > 4096:
            return found
        n *= 2


# --- the command ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="fuzzing time, shared by the targets")
    parser.add_argument("--target", nargs="+", choices=sorted(TARGETS), default=sorted(TARGETS))
    parser.add_argument("--seed", type=int, default=None, help="seed of the first round (default: random)")
    parser.add_argument("--rounds", type=int, default=None, help="stop after this many rounds")
    parser.add_argument("--no-scaling", action="store_true", help="skip the size-doubling check")
    args = parser.parse_args(argv)
    base_seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)

    targets = [TARGETS[name] for name in args.target]
    print(f"== fuzzing {', '.join(args.target)} for {args.minutes:g} min (first seed {base_seed}) ==", flush=True)
    tallies = fuzz(targets, minutes=args.minutes, base_seed=base_seed, rounds=args.rounds)
    print()
    rows = [[name, t.rounds, t.examples, t.failures] for name, t in tallies.items()]
    print(table(["target", "rounds", "examples", "failed rounds"], rows))
    status = 1 if any(t.failures for t in tallies.values()) else 0

    if not args.no_scaling:
        limit = SUPERLINEAR_EXPONENT
        print(f"\n== scaling: sizes n..{2**DOUBLINGS}n, best of 3; time ~ size**k, superlinear when k > {limit} ==")
        results = scaling(SHAPES)
        rows = [
            [name, *[f"{t * 1000:.2f}" for t in times], f"{k:.2f}", "SUPERLINEAR" if k > limit else "linear"]
            for name, times, k in results
        ]
        print()
        sizes = [f"{2**k}n" if k else "n" for k in range(DOUBLINGS + 1)]
        print(table(["shape (ms at each size)", *sizes, "k", "verdict"], rows))
        if any(k > limit for _, _, k in results):
            status = 1
        print("\n== a naive regex translation of `*a*a*a*a*a*a*b` against 'aaa...', for comparison ==")
        for n, took in naive_glob_seconds(6):
            print(f"   n={n}: {took * 1000:.1f} ms")
    return status


if __name__ == "__main__":
    sys.exit(main())
