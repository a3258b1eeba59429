"""The 400 real single-commit diffs: per-pull-request latency and the findings a mature library draws."""

from __future__ import annotations

import datetime as dt
import tarfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.stats import percentile, table
from checks import Finding, Snapshot, review
from checks.registry import catalog

ARCHIVE = Path(__file__).parent / "data" / "ml-library-commits.tar.xz"
#: Targets per pull request (the review must feel instant next to CI).
P50_TARGET_MS = 10.0
P99_TARGET_MS = 200.0
#: Fixed so accepted-debt expiry never depends on the day the benchmark runs.
TODAY = dt.date(2026, 11, 26)


@dataclass(frozen=True)
class CommitDiff:
    library: str
    name: str
    text: str

    @property
    def lines(self) -> int:
        return self.text.count("\n")


@dataclass(frozen=True)
class CommitRun:
    diff: CommitDiff
    seconds: float
    findings: tuple[Finding, ...]
    rule_errors: int


def extract(archive: Path, into: Path) -> list[CommitDiff]:
    """Unpack the archive into `into` and read every `commits/<library>/<name>.diff`."""
    with tarfile.open(archive, "r:xz") as tar:
        tar.extractall(into, filter="data")
    diffs = []
    for path in sorted((into / "commits").glob("*/*.diff")):
        text = path.read_bytes().decode("utf-8", "replace")
        diffs.append(CommitDiff(library=path.parent.name, name=path.stem, text=text))
    return diffs


def run_all(diffs: Sequence[CommitDiff]) -> list[CommitRun]:
    """Review each diff in-process (parse + every rule), diff only: no tree, sizes or texts."""
    catalog()  # import and register the rules before the clock starts
    snapshot = Snapshot(today=TODAY)
    if diffs:
        review(diffs[0].text, snapshot=snapshot)  # warm caches (path kinds, lazy imports)
    runs = []
    for diff in diffs:
        start = time.perf_counter()
        result = review(diff.text, snapshot=snapshot)
        seconds = time.perf_counter() - start
        runs.append(CommitRun(diff, seconds, result.findings, len(result.rule_errors)))
    return runs


def latency_report(runs: Sequence[CommitRun]) -> str:
    rows: list[list[object]] = []
    for library, group in _by_library(runs):
        ms = [r.seconds * 1000 for r in group]
        rows.append(
            [library, len(group), percentile(ms, 50), percentile(ms, 90), percentile(ms, 99), max(ms), sum(ms) / 1000]
        )
    overall = [r.seconds * 1000 for r in runs]
    verdict = (
        f"targets: p50 <= {P50_TARGET_MS:g} ms ({_ok(percentile(overall, 50) <= P50_TARGET_MS)}), "
        f"p99 <= {P99_TARGET_MS:g} ms ({_ok(percentile(overall, 99) <= P99_TARGET_MS)})"
    )
    slowest = max(runs, key=lambda r: r.seconds)
    header = ["library", "diffs", "p50 ms", "p90 ms", "p99 ms", "max ms", "total s"]
    return "\n".join(
        [
            table(header, rows),
            verdict,
            f"slowest: {slowest.diff.library}/{slowest.diff.name} ({slowest.diff.lines:,} diff lines, "
            f"{slowest.seconds * 1000:.1f} ms)",
        ]
    )


def findings_report(runs: Sequence[CommitRun], *, samples: int = 3, top: int = 8) -> str:
    """Finding counts per rule and library, then sample findings of the top rules for a person to judge."""
    per_rule: Counter[str] = Counter()
    per_library: dict[str, Counter[str]] = {}
    diffs_with: Counter[str] = Counter()
    for run in runs:
        per_library.setdefault(run.diff.library, Counter())
        for f in run.findings:
            per_rule[f.rule] += 1
            per_library[run.diff.library][f.rule] += 1
        diffs_with.update({f.rule for f in run.findings})
    libraries = sorted(per_library)
    rows = [
        [rule, *(per_library[lib][rule] for lib in libraries), per_rule[rule], diffs_with[rule]]
        for rule, _ in per_rule.most_common()
    ]
    clean = sum(1 for r in runs if not r.findings)
    errors = sum(r.rule_errors for r in runs)
    out = [
        table(["rule", *libraries, "findings", "diffs"], rows) if rows else "no findings",
        f"diffs without any finding: {clean} of {len(runs)}; rule errors: {errors}",
    ]
    for rule, _ in per_rule.most_common(top):
        out.append(f"\n{rule}: sample findings")
        for run, finding in _samples(runs, rule, samples):
            where = f"{finding.path}:{finding.line}" if finding.line is not None else finding.path
            out.append(f"  {run.diff.library}/{run.diff.name}  {where}  [{finding.severity}] {finding.message[:160]}")
    return "\n".join(out)


def _samples(runs: Sequence[CommitRun], rule: str, count: int) -> Iterator[tuple[CommitRun, Finding]]:
    """Spread samples over different diffs so one noisy commit does not fill the list."""
    taken = 0
    for run in runs:
        finding = next((f for f in run.findings if f.rule == rule), None)
        if finding is not None:
            yield run, finding
            taken += 1
            if taken == count:
                return


def _by_library(runs: Sequence[CommitRun]) -> list[tuple[str, list[CommitRun]]]:
    groups: dict[str, list[CommitRun]] = {}
    for run in runs:
        groups.setdefault(run.diff.library, []).append(run)
    return [*sorted(groups.items()), ("overall", list(runs))]


def _ok(passed: bool) -> str:
    return "met" if passed else "MISSED"
