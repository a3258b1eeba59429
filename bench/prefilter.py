"""What the needle prefilter saves on the release-span diff, rule by rule, and proof that it changes nothing.

python -m bench.prefilter            # the release diff (diffusers 0.10.0 -> 0.35.0), diff only
python -m bench.prefilter --tree     # with the post-change tree's texts, as `debtbot review --repo` reads it

For every rule: the files it applies to, the files it still runs on with the prefilter, the files where it
found something, and its time with and without. The findings of both reviews must be equal, or this fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import checks.runner
from bench.commits import TODAY
from bench.hotspots import timing_rules
from bench.release import release_diff
from bench.review_child import tree_snapshot
from bench.stats import table
from checks import Snapshot, parse_diff
from checks.registry import catalog
from checks.runner import ReviewResult


@dataclass(frozen=True)
class _Run:
    result: ReviewResult
    seconds: float
    runs: Counter[str]  # rule code -> files it ran on
    hits: Counter[str]  # rule code -> files where it found something
    ms: Counter[str]  # rule code -> milliseconds inside it


def _review(data: bytes, snapshot: Snapshot, *, prefilter: bool) -> _Run:
    runs: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    spent: defaultdict[str, float] = defaultdict(float)
    diff = parse_diff(data)
    with timing_rules(spent, runs, hits):
        start = time.perf_counter()
        result = checks.runner.review(diff, snapshot=snapshot, prefilter=prefilter)
        seconds = time.perf_counter() - start
    return _Run(result, seconds, runs, hits, Counter({k: round(v * 1000, 1) for k, v in spent.items()}))


def _key(result: ReviewResult) -> list[tuple[object, ...]]:
    return [(f.rule, f.path, f.occurrences) for f in (*result.findings, *result.paid)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="store_true", help="give the rules the post-change texts and tree")
    args = parser.parse_args(argv)
    release = release_diff()
    data = release.diff.read_bytes()
    snapshot = tree_snapshot(release.repo, release.changed_files()) if args.tree else Snapshot(today=TODAY)
    catalog()
    every = _review(data, snapshot, prefilter=False)
    gated = _review(data, snapshot, prefilter=True)
    rows = [
        [r.code, r.slug, "yes" if r.needles else "-", every.runs[r.code], gated.runs[r.code], gated.hits[r.code],
         every.ms[r.code], gated.ms[r.code]]
        for r in sorted(catalog(), key=lambda r: -every.ms[r.code])
        if every.runs[r.code]
    ]  # fmt: skip
    print(table(["rule", "slug", "needles", "files", "run on", "found in", "ms all", "ms gated"], rows))
    print(f"review without the prefilter {every.seconds:.2f} s, with it {gated.seconds:.2f} s; "
          f"rule runs {sum(every.runs.values())} -> {sum(gated.runs.values())}")  # fmt: skip
    if _key(every.result) != _key(gated.result):
        lost = sorted(set(_key(every.result)) - set(_key(gated.result)), key=str)
        print(f"FAILED: the prefilter changed the findings; lost: {lost[:10]}", file=sys.stderr)
        return 1
    print(f"same findings with and without: {len(every.result.findings)} findings, {len(every.result.paid)} paid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
