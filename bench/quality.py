"""Rule quality on a labelled corpus of realistic ML changes: per-rule TP/FP/FN, precision and recall.

    python -m bench.quality                  # the per-rule table
    python -m bench.quality --details        # plus every false positive and false negative
    python -m bench.quality --markdown       # the table as Markdown (docs/quality.md)
    python -m bench.quality --json out.json  # also write the scores (nothing is written otherwise)

The corpus lives in tests/quality/corpus/*.yml, in the rule-case format of tests/rules/casefile.py
(files, tree, texts, config) with a `labels` list per change instead of `expect`. A finding matches a
label when its rule and path agree; a label may accept several paths (`path: [a.py, b.py]`) when the
rule definition leaves the anchor open (a pair rule may anchor on either file), and a glob
(`mlruns/**`) when one piece of debt spans a folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.stats import table
from checks import Snapshot, review
from checks.config import Config
from checks.globs import Glob
from checks.registry import catalog
from tests.rules.casefile import build_diff

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "quality" / "corpus"
#: The product bar: no shipped rule below this precision once it has enough instances to judge.
PRECISION_BAR = 0.8
MIN_INSTANCES = 3
TODAY = dt.date(2026, 11, 26)
_BINARY = ("binary", "binary-added")
_HUNK_AT_TOP = re.compile(r"^@@ -1,(\d+) \+1,(\d+) @@", re.MULTILINE)


@dataclass(frozen=True)
class Label:
    """Debt a change really adds: a rule, and the paths or globs a finding may anchor on.

    One label is one piece of debt: a committed run folder (`mlruns/**`) is one label however
    many of its files a rule reports, and none of those reports is a false positive.
    """

    rule: str
    paths: tuple[str, ...]
    note: str = ""

    def matches(self, rule: str, path: str) -> bool:
        return rule == self.rule and any(p == path or Glob(p).matches(path) for p in self.paths)


@dataclass(frozen=True)
class Change:
    source: str
    name: str
    spec: Mapping[str, Any]
    labels: tuple[Label, ...]

    @property
    def id(self) -> str:
        return f"{self.source}: {self.name}"


@dataclass(frozen=True)
class Outcome:
    """What the engine reported on one change, set against its labels."""

    change: Change
    flagged: frozenset[tuple[str, str]]
    rule_errors: tuple[str, ...]

    def true_positives(self) -> list[Label]:
        return [lb for lb in self.change.labels if any(lb.matches(r, p) for r, p in self.flagged)]

    def false_negatives(self) -> list[Label]:
        return [lb for lb in self.change.labels if not any(lb.matches(r, p) for r, p in self.flagged)]

    def false_positives(self) -> list[tuple[str, str]]:
        return sorted((r, p) for r, p in self.flagged if not any(lb.matches(r, p) for lb in self.change.labels))


@dataclass
class RuleScore:
    rule: str
    shipped: bool
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def labelled(self) -> int:
        return self.tp + self.fn

    @property
    def flagged(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float | None:
        return self.tp / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.labelled if self.labelled else None

    @property
    def judged(self) -> bool:
        """Enough instances for the precision bar to mean something."""
        return self.labelled >= MIN_INSTANCES or self.flagged >= MIN_INSTANCES

    @property
    def meets_bar(self) -> bool:
        precision = self.precision
        return not (self.shipped and self.judged and precision is not None and precision < PRECISION_BAR)


def load_corpus(directory: Path = CORPUS_DIR) -> list[Change]:
    changes = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for spec in data["changes"]:
            labels = tuple(_label(raw) for raw in spec.get("labels") or [])
            changes.append(Change(path.stem, spec["name"], spec, labels))
    return changes


def _label(raw: Mapping[str, Any]) -> Label:
    paths = raw["path"]
    return Label(str(raw["rule"]), (paths,) if isinstance(paths, str) else tuple(paths), str(raw.get("note", "")))


def snapshot_of(spec: Mapping[str, Any]) -> Snapshot:
    """What a review on GitHub knows: the head tree, and the text and size of each changed file.

    An added file's text is its added lines; a modified file's text is given as `text` when a rule
    needs more than its hunk. The changed files are always part of the tree.
    """
    files = spec["files"]
    texts: dict[str, str] = dict(spec.get("texts") or {})
    sizes: dict[str, int] = {}
    tree = set(spec.get("tree") or [])
    for f in files:
        path, status = f["path"], f.get("status", "added")
        if status != "removed":
            tree.add(path)
        else:
            tree.discard(path)
        if status == "renamed" and f.get("old_path"):
            tree.discard(f["old_path"])
        text = f.get("text")
        if text is None and status == "added" and f.get("added") is not None:
            text = f["added"]
        if text is not None and status not in _BINARY:
            texts[path] = text
        if f.get("size") is not None:
            sizes[path] = int(f["size"])
        elif text is not None and status not in _BINARY:
            sizes[path] = len(text.encode("utf-8"))
    tree.update(p for p in texts if p not in {f["path"] for f in files if f.get("status") == "removed"})
    return Snapshot(sizes=sizes, texts=texts, tree=frozenset(tree), today=TODAY)


def diff_of(files: Sequence[Mapping[str, Any]]) -> str:
    """`build_diff`, with each modified file's hunk placed where its added lines sit in its given `text`.

    `build_diff` starts every hunk at line 1; a rule that reads the post-change text around a line
    (the TOML table a dependency sits in, say) needs the real position.
    """
    return "".join(_placed(build_diff([dict(f)]), f) for f in files)


def _placed(section: str, spec: Mapping[str, Any]) -> str:
    text, added = spec.get("text"), spec.get("added")
    if spec.get("status") != "modified" or not text or not added:
        return section
    start = _block_start(text.splitlines(), added.splitlines())
    if start is None or start == 1:
        return section
    return _HUNK_AT_TOP.sub(lambda m: f"@@ -{start},{m[1]} +{start},{m[2]} @@", section, count=1)


def _block_start(lines: list[str], block: list[str]) -> int | None:
    """1-based line where `block` appears in `lines` (indentation aside), or None."""
    wanted = [b.strip() for b in block]
    stripped = [line.strip() for line in lines]
    for i in range(len(lines) - len(block) + 1):
        if stripped[i : i + len(block)] == wanted:
            return i + 1
    return None


def run(change: Change) -> Outcome:
    spec = change.spec
    config = Config.model_validate(spec.get("config") or {})
    result = review(diff_of(spec["files"]), snapshot=snapshot_of(spec), config=config)
    flagged = frozenset((f.rule, f.path) for f in result.findings)
    errors = tuple(f"{e.rule} {e.path}: {e.message}" for e in result.rule_errors)
    return Outcome(change, flagged, errors)


def score(outcomes: Iterable[Outcome], shipped: Iterable[str]) -> dict[str, RuleScore]:
    codes = set(shipped)
    scores: dict[str, RuleScore] = {}

    def entry(rule: str) -> RuleScore:
        return scores.setdefault(rule, RuleScore(rule, rule in codes))

    for code in codes:
        entry(code)
    for outcome in outcomes:
        where = outcome.change.id
        for label in outcome.true_positives():
            entry(label.rule).tp += 1
        for label in outcome.false_negatives():
            s = entry(label.rule)
            s.fn += 1
            s.false_negatives.append(f"{where}  {' | '.join(label.paths)}")
        for rule, path in outcome.false_positives():
            s = entry(rule)
            s.fp += 1
            s.false_positives.append(f"{where}  {path}")
    return dict(sorted(scores.items()))


def evaluate(directory: Path = CORPUS_DIR) -> tuple[list[Outcome], dict[str, RuleScore]]:
    outcomes = [run(change) for change in load_corpus(directory)]
    return outcomes, score(outcomes, (r.code for r in catalog()))


def failing(scores: Mapping[str, RuleScore]) -> list[RuleScore]:
    """Shipped rules with enough instances whose precision is under the bar."""
    return [s for s in scores.values() if not s.meets_bar]


def render(scores: Mapping[str, RuleScore], *, markdown: bool = False) -> str:
    header = ["rule", "shipped", "labels", "flagged", "TP", "FP", "FN", "precision", "recall", "bar"]
    rows = [
        [s.rule, "yes" if s.shipped else "no", s.labelled, s.flagged, s.tp, s.fp, s.fn,
         _ratio(s.precision), _ratio(s.recall), _bar(s)]
        for s in scores.values()
    ]  # fmt: skip
    if not markdown:
        return table(header, rows)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def totals(scores: Mapping[str, RuleScore]) -> str:
    shipped = [s for s in scores.values() if s.shipped]
    tp, fp, fn = (sum(getattr(s, k) for s in shipped) for k in ("tp", "fp", "fn"))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return f"shipped rules together: TP {tp}, FP {fp}, FN {fn}, precision {_ratio(precision)}, recall {_ratio(recall)}"


def details(scores: Mapping[str, RuleScore]) -> str:
    out = []
    for s in scores.values():
        for what, items in (("FP", s.false_positives), ("FN", s.false_negatives)):
            out += [f"{s.rule} {what}  {item}" for item in items]
    return "\n".join(out)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _bar(s: RuleScore) -> str:
    if not s.shipped:
        return "not shipped"
    if not s.judged:
        return f"< {MIN_INSTANCES} instances"
    return "meets" if s.meets_bar else "FAILS"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--details", action="store_true", help="list every false positive and false negative")
    parser.add_argument("--json", type=Path, help="write the scores to this file")
    args = parser.parse_args(argv)
    outcomes, scores = evaluate(args.corpus)
    labels = sum(len(o.change.labels) for o in outcomes)
    print(f"{len(outcomes)} labelled changes, {labels} labels, {len(catalog())} shipped rules")
    print(render(scores, markdown=args.markdown))
    print(totals(scores))
    errors = [f"{o.change.id}: {e}" for o in outcomes for e in o.rule_errors]
    if errors:
        print("rule errors:\n  " + "\n  ".join(errors))
    if args.details:
        print(details(scores))
    bad = failing(scores)
    print("rules under the precision bar: " + (", ".join(s.rule for s in bad) if bad else "none"))
    if args.json is not None:
        payload = {code: {**asdict(s), "precision": s.precision, "recall": s.recall} for code, s in scores.items()}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
