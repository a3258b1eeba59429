"""Where a review spends its time: the time inside each rule during one full review, and a cProfile."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import checks.runner
from bench.commits import TODAY
from bench.stats import table
from checks import Diff, Snapshot, parse_diff, review
from checks.finding import Hit
from checks.registry import Rule, catalog


@contextmanager
def timing_rules(
    spent: defaultdict[str, float], runs: Counter[str] | None = None, found_in: Counter[str] | None = None
) -> Iterator[None]:
    """Time every rule run of the reviews inside the block (the runner calls `_run` once per rule and view);
    `runs` counts each rule's runs, `found_in` those that found something."""
    original = checks.runner._run

    def timed(r: Rule, view: object, errors: list[checks.runner.RuleError]) -> Iterable[tuple[Rule, Hit]]:
        start = time.perf_counter()
        found = list(original(r, view, errors))  # type: ignore[arg-type]
        spent[r.code] += time.perf_counter() - start
        if runs is not None:
            runs[r.code] += 1
        if found_in is not None and found:
            found_in[r.code] += 1
        return found

    checks.runner._run = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        checks.runner._run = original


def _warm(diff: Diff) -> None:
    """Extract every file's added and removed lines first, so no rule is charged for what they all share."""
    for patch in diff.files:
        for lines in (patch.added, patch.removed):
            if len(lines):
                lines.number(0)
                lines.start(0)


def per_rule_report(data: bytes, snapshot: Snapshot | None = None, *, top: int = 15, repeat: int = 2) -> str:
    """Seconds inside each rule during a full review (best of `repeat`), lines already extracted."""
    snapshot = snapshot or Snapshot(today=TODAY)
    rules = {r.code: r.slug for r in catalog()}
    best: dict[str, float] = {}
    total = float("inf")
    parse = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        diff = parse_diff(data)
        _warm(diff)
        parsed = time.perf_counter()
        spent: defaultdict[str, float] = defaultdict(float)
        with timing_rules(spent):
            review(diff, snapshot=snapshot)
        parse = min(parse, parsed - start)
        total = min(total, time.perf_counter() - parsed)
        for code in rules:
            best[code] = min(best.get(code, float("inf")), spent[code])
    in_rules = sum(best.values())
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:top]
    rows = [
        [code, rules[code], seconds * 1000, f"{100 * seconds / max(in_rules, 1e-9):.0f}%"] for code, seconds in ranked
    ]
    return "\n".join(
        [
            f"parse + line extraction {parse * 1000:.0f} ms; review {total * 1000:.0f} ms, of which inside rules "
            f"{in_rules * 1000:.0f} ms",
            table(["rule", "slug", "ms", "share of rule time"], rows),
        ]
    )


def profile_report(data: bytes, snapshot: Snapshot | None = None, *, top: int = 25) -> str:
    catalog()
    profiler = cProfile.Profile()
    profiler.enable()
    review(data, snapshot=snapshot or Snapshot(today=TODAY))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
