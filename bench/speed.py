"""Speed and memory of a review: 400 real pull requests in-process, and a release-span diff against ruff.

python -m bench.speed                       # both parts
python -m bench.speed --only commits        # per-PR latency and findings of the 400 commits
python -m bench.speed --only release        # diffusers 0.10.0 -> 0.35.0, against ruff FIX,TD
python -m bench.speed --diff big.diff [--tree checkout/]   # any diff
python -m bench.speed --only release --per-rule --profile  # where the time goes

Every command runs in a fresh process, its runs interleaved with the other commands' (ruff's too), so a
busy machine slows all of them alike; the project's bytecode is compiled first, as an installed package's is.
"""

from __future__ import annotations

import argparse
import compileall
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import commits, hotspots
from bench.measure import Usage, run_measured
from bench.release import release_diff
from bench.review_child import tree_snapshot
from bench.stats import median, table
from checks import FileStatus, Snapshot, parse_diff

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"
DEBTBOT = Path(sys.executable).parent / "debtbot"
#: Targets for a release-span diff: at most twice ruff's time on the same files, and bounded memory.
RUFF_RATIO_TARGET = 2.0
PEAK_RSS_TARGET_MB = 200.0
#: An empty diff: the CLI on it costs what every review pays before reading anything.
EMPTY_DIFF = Path(tempfile.gettempdir()) / "debtbot-bench-empty.diff"
STARTUP_LABEL = "debtbot review --diff of an empty diff (startup)"


@dataclass(frozen=True)
class Command:
    """One command to measure; `ours` marks debtbot's own (held to the memory target)."""

    label: str
    argv: tuple[str, ...]
    cwd: Path
    ours: bool = True
    #: `debtbot review` exits 1 when the merge policy fails, which a release span always does.
    exit_codes: frozenset[int] = frozenset({0})


@dataclass(frozen=True)
class Measured:
    """Repeated runs of one command: the median wall time, the worst peak RSS, the child's own report."""

    command: Command
    runs: tuple[Usage, ...]

    @property
    def wall(self) -> float:
        return median([u.wall_seconds for u in self.runs])

    @property
    def peak_mb(self) -> float:
        return max(u.peak_rss_mb for u in self.runs)

    def report(self) -> dict[str, Any]:
        """The JSON summary the median `bench.review_child` run printed (empty for other commands)."""
        middle = sorted(self.runs, key=lambda u: u.wall_seconds)[len(self.runs) // 2]
        lines = middle.stdout.strip().splitlines()
        try:
            parsed: dict[str, Any] = json.loads(lines[-1]) if lines else {}
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) and "review_seconds" in parsed else {}


def measure_all(commands: Sequence[Command], *, repeat: int) -> list[Measured]:
    """`repeat` rounds, each running every command once: a burst of load hits them all, not one."""
    runs: list[list[Usage]] = [[] for _ in commands]
    for _ in range(repeat):
        for command, done in zip(commands, runs, strict=True):
            usage = run_measured(command.argv, cwd=command.cwd)
            if usage.exit_code not in command.exit_codes:
                raise RuntimeError(f"{command.label} exited {usage.exit_code}: {usage.stderr[-2000:]}")
            done.append(usage)
    return [Measured(command, tuple(done)) for command, done in zip(commands, runs, strict=True)]


def compile_bytecode() -> None:
    """Write the project's bytecode, as installing the package does: a source checkout run with
    PYTHONDONTWRITEBYTECODE would otherwise compile every module at every start (about 0.1 s)."""
    for package in ("checks", "bot"):
        compileall.compile_dir(ROOT / package, quiet=1)


def big_diff_commands(
    diff: Path, *, tree: Path | None, changed: Sequence[str], git_range: tuple[str, str] | None
) -> list[Command]:
    """The CLI on the diff alone (what `debtbot review --diff` does), the CLI on the repository when the
    diff is a git range of it, the in-process review with its parse/rules split, and ruff on the same files."""
    review_exits = frozenset({0, 1})
    commands = [
        Command(
            "debtbot review --diff (CLI, diff only)",
            (str(DEBTBOT), "review", "--diff", str(diff.resolve()), "--format", "json"),
            ROOT,
            exit_codes=review_exits,
        ),
        Command(
            STARTUP_LABEL,
            (str(DEBTBOT), "review", "--diff", str(EMPTY_DIFF), "--format", "json"),
            ROOT,
        ),
    ]
    if tree is not None and git_range is not None:
        base, head = git_range
        commands.append(
            Command(
                "debtbot review --repo (CLI, git tree, sizes, texts)",
                (
                    str(DEBTBOT),
                    "review",
                    "--repo",
                    str(tree.resolve()),
                    "--base",
                    base,
                    "--head",
                    head,
                    "--format",
                    "json",
                ),
                ROOT,
                exit_codes=review_exits,
            )
        )
    child = (sys.executable, "-m", "bench.review_child", str(diff.resolve()))
    commands.append(Command("in-process review, diff only", child, ROOT))
    if tree is not None:
        commands.append(Command("in-process review, tree snapshot", (*child, "--tree", str(tree.resolve())), ROOT))
    if tree is not None and changed:
        ruff = (str(RUFF), "check", "--no-cache", "--select", "FIX,TD", "--exit-zero", *changed)
        commands.append(Command(f"ruff check --select FIX,TD ({len(changed)} files)", ruff, tree, ours=False))
    return commands


def big_diff_report(diff: Path, commands: Sequence[Command], *, repeat: int) -> str:
    """Each command in fresh subprocesses; the first command is ours, measured against ruff."""
    compile_bytecode()
    EMPTY_DIFF.write_bytes(b"")
    results = measure_all(commands, repeat=repeat)
    text = diff.read_bytes()
    added = sum(1 for line in text.splitlines() if line.startswith(b"+") and not line.startswith(b"+++"))
    removed = sum(1 for line in text.splitlines() if line.startswith(b"-") and not line.startswith(b"---"))
    rows: list[list[object]] = []
    for m in results:
        own = m.report()
        split = f"{own['parse_seconds']:.2f} + {own['review_seconds']:.2f}" if own else "-"
        rows.append([m.command.label, m.wall, min(u.wall_seconds for u in m.runs), m.peak_mb, split])
    out = [
        f"diff: {diff} ({len(text) / 1e6:.1f} MB, {added:,} added and {removed:,} removed lines)",
        f"each command run {repeat} times in a fresh process, interleaved; wall = median, peak = largest peak RSS",
        table(["command", "wall s", "min s", "peak MB", "parse + rules s"], rows),
    ]
    report = next((m.report() for m in results if m.report()), {})
    if report:
        out.append(f"review: {report['files']} files, {report['findings']} findings, rule errors: "
                   f"{len(report['rule_errors'])}")  # fmt: skip
        out += [f"  rule error: {error}" for error in report["rule_errors"][:5]]
    ours = [m for m in results if m.command.ours]
    peak = max(m.peak_mb for m in ours)
    out.append(
        f"peak RSS of debtbot: {peak:.0f} MB: target < {PEAK_RSS_TARGET_MB:g} MB ({_ok(peak < PEAK_RSS_TARGET_MB)})"
    )
    ruff = next((m for m in results if not m.command.ours), None)
    if ruff is not None:
        ratio = results[0].wall / ruff.wall
        out.append(f"{results[0].command.label} / ruff wall time: {ratio:.1f}x: target <= {RUFF_RATIO_TARGET:g}x "
                   f"({_ok(ratio <= RUFF_RATIO_TARGET)})")  # fmt: skip
    startup = next(m.wall for m in results if m.command.label == STARTUP_LABEL)
    out += ["where one process's time goes:", phases_report(diff, repeat=repeat, startup=startup)]
    return "\n".join(out)


#: The phases of one review in one process, in order: what `--phases-child` times.
PHASES = ("read", "parse", "scan", "finish", "report")


def phases_report(diff: Path, *, repeat: int, startup: float) -> str:
    """Where the time of one single-process review goes: startup (the CLI on an empty diff), then each phase
    timed inside a fresh process, median of `repeat` runs."""
    runs = []
    for _ in range(repeat):
        usage = run_measured((sys.executable, "-m", "bench.speed", "--phases-child", str(diff.resolve())), cwd=ROOT)
        if usage.exit_code != 0:
            raise RuntimeError(f"phases child exited {usage.exit_code}: {usage.stderr[-2000:]}")
        runs.append(json.loads(usage.stdout.strip().splitlines()[-1]))
    medians = {phase: median([run[phase] for run in runs]) for phase in PHASES}
    total = startup + sum(medians.values())
    labels = {
        "read": "read the diff file",
        "parse": "parse: file headers and hunks",
        "scan": "scan: the file rules (each file's lines extracted as rules read them)",
        "finish": "finish: change rules, netting, findings, verdict",
        "report": "report: JSON",
    }
    rows: list[list[object]] = [["startup: interpreter, imports, catalog (CLI on an empty diff)", startup,
                                 f"{100 * startup / total:.0f}%"]]  # fmt: skip
    rows += [[labels[phase], medians[phase], f"{100 * medians[phase] / total:.0f}%"] for phase in PHASES]
    rows.append(["total, one process", total, "100%"])
    return table(["phase", "s", "share"], rows)


def _phases_child(diff: Path) -> None:
    """One review in this process, phase by phase; prints the seconds of each as JSON."""
    from checks.report import Format, render  # noqa: PLC0415  (only the child renders)
    from checks.runner import collect, finish  # noqa: PLC0415

    snapshot = Snapshot(today=commits.TODAY)
    marks = [time.perf_counter()]
    data = diff.read_bytes()
    marks.append(time.perf_counter())
    parsed = parse_diff(data)
    marks.append(time.perf_counter())
    collected = collect(parsed.files, snapshot=snapshot)
    marks.append(time.perf_counter())
    result = finish(collected, snapshot=snapshot)
    marks.append(time.perf_counter())
    render(result, Format.JSON)
    marks.append(time.perf_counter())
    print(json.dumps({phase: marks[i + 1] - marks[i] for i, phase in enumerate(PHASES)}))


def commits_section(archive: Path, samples: int) -> str:
    with tempfile.TemporaryDirectory(prefix="debtbot-commits-") as tmp:
        diffs = commits.extract(archive, Path(tmp))
    runs = commits.run_all(diffs)
    return "\n\n".join(
        [
            f"== {len(diffs)} real single-commit diffs ({archive.name}), in-process, diff-only snapshot ==",
            commits.latency_report(runs),
            "== findings per rule ==",
            commits.findings_report(runs, samples=samples),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["commits", "release"], help="run one part only")
    parser.add_argument("--archive", type=Path, default=commits.ARCHIVE, help="the single-commit diffs")
    parser.add_argument("--diff", type=Path, help="measure this diff instead of the release span")
    parser.add_argument("--tree", type=Path, help="with --diff: its post-change tree (enables ruff and the tree)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measured command (default 3)")
    parser.add_argument("--samples", type=int, default=3, help="sample findings shown per top rule")
    parser.add_argument("--per-rule", action="store_true", help="time spent inside each rule on the big diff")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process review of the big diff")
    parser.add_argument("--phases-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phases_child is not None:
        _phases_child(args.phases_child)
        return

    sections: list[str] = []
    if args.diff is None and args.only in (None, "commits"):
        print(commits_section(args.archive, args.samples), flush=True)
    if args.only in (None, "release") or args.diff is not None:
        if args.diff is not None:
            diff, tree, git_range = args.diff, args.tree, None
            changed = _changed_in(tree, diff) if tree is not None else []
            title = f"== diff {diff} =="
        else:
            built = release_diff()
            diff, tree, changed, git_range = built.diff, built.repo, built.changed_files(), ("HEAD~1", "HEAD")
            title = "== release-span diff: diffusers 0.10.0 -> 0.35.0 (git diff HEAD~1 HEAD) =="
        sections.append(title)
        commands = big_diff_commands(diff, tree=tree, changed=changed, git_range=git_range)
        sections.append(big_diff_report(diff, commands, repeat=args.repeat))
        if args.per_rule or args.profile:
            sections += _hotspots(diff, tree, per_rule=args.per_rule, profile=args.profile)
    if sections:
        print("\n\n" + "\n\n".join(sections))


def _hotspots(diff: Path, tree: Path | None, *, per_rule: bool, profile: bool) -> list[str]:
    """Per-rule times and a profile, diff only and (when the tree is known) with the tree snapshot."""
    data = diff.read_bytes()
    snapshots = [("diff only", Snapshot(today=commits.TODAY))]
    if tree is not None:
        changed = [f.path for f in parse_diff(data).files if f.status is not FileStatus.REMOVED]
        snapshots.append(("tree snapshot", tree_snapshot(tree, changed)))
    out = []
    for name, snapshot in snapshots:
        if per_rule:
            out.append(f"== time inside each rule during one review ({name}; lines extracted beforehand) ==")
            out.append(hotspots.per_rule_report(data, snapshot))
        if profile:
            out.append(f"== cProfile of the in-process review ({name}; top functions) ==")
            out.append(hotspots.profile_report(data, snapshot))
    return out


def _changed_in(tree: Path, diff: Path) -> list[str]:
    """Paths of the diff that exist in the tree (what ruff is given)."""
    paths = [f.path for f in parse_diff(diff.read_bytes()).files]
    return [p for p in paths if (tree / p).is_file()]


def _ok(passed: bool) -> str:
    return "met" if passed else "MISSED"


if __name__ == "__main__":
    main()
