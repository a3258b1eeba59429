"""Every shipped rule against the labelled corpus: a noisy rule (precision below the bar) fails here."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache

import pytest

from bench.quality import (
    MIN_INSTANCES,
    PRECISION_BAR,
    Change,
    Label,
    Outcome,
    RuleScore,
    evaluate,
    load_corpus,
    score,
)
from checks.globs import Glob
from checks.registry import catalog

#: RULES.md's P0 and P1 rules, plus lint suppressions (CODE018) and skipped tests (CODE019).
MEASURED_CODES = (
    "DATA001", "DATA002", "DATA003", "DATA004", "DATA005", "DATA006", "DATA014",
    "MODEL001", "MODEL002", "MODEL003", "MODEL004", "MODEL005", "MODEL006", "MODEL007", "MODEL008",
    "MODEL009", "MODEL010", "MODEL013", "MODEL017",
    "DEP001", "DEP002", "DEP003", "DEP006", "DEP008", "DEP009", "DEP010", "DEP011", "DEP012", "DEP014",
    "DEP017",
    "CODE001", "CODE002", "CODE003", "CODE004", "CODE005", "CODE006", "CODE007", "CODE008", "CODE014",
    "CODE015", "CODE018", "CODE019",
)  # fmt: skip
MIN_CHANGES = 60
_CODE = re.compile(r"^(DATA|MODEL|DEP|CODE)\d{3}$")

CHANGES = load_corpus()


@cache
def _evaluated() -> tuple[list[Outcome], dict[str, RuleScore]]:
    return evaluate()


@pytest.mark.parametrize("code", [r.code for r in catalog()])
def test_shipped_rule_meets_the_precision_bar(code: str) -> None:
    s = _evaluated()[1][code]
    false_positives = "\n  ".join(s.false_positives)
    assert s.meets_bar, (
        f"{code}: precision {s.precision:.2f} < {PRECISION_BAR} over {s.flagged} findings; "
        f"false positives:\n  {false_positives}"
    )


def test_no_rule_crashes_on_the_corpus() -> None:
    errors = [f"{o.change.id}: {e}" for o in _evaluated()[0] for e in o.rule_errors]
    assert not errors, errors


def test_the_corpus_labels_every_measured_rule_enough_times() -> None:
    labelled = Counter(label.rule for change in CHANGES for label in change.labels)
    thin = {code: labelled[code] for code in MEASURED_CODES if labelled[code] < MIN_INSTANCES}
    assert not thin, f"rules with fewer than {MIN_INSTANCES} labelled instances: {thin}"


def test_the_corpus_is_large_and_full_of_traps() -> None:
    traps = [c for c in CHANGES if not c.labels]
    assert len(CHANGES) >= MIN_CHANGES
    assert len(traps) >= len(CHANGES) // 4, "a corpus of positives alone cannot measure precision"


def test_change_names_are_unique_within_a_file() -> None:
    seen = Counter((c.source, c.name) for c in CHANGES)
    assert [key for key, n in seen.items() if n > 1] == []


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.id)
def test_labels_name_a_rule_and_a_changed_path(change: Change) -> None:
    paths = [f["path"] for f in change.spec["files"]]
    for label in change.labels:
        assert _CODE.match(label.rule), f"{label.rule} is not a rule code"
        assert any(_covers(p, path) for p in label.paths for path in paths), (
            f"{label.rule} label {label.paths} names no file of the change"
        )


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.id)
def test_added_notebooks_are_valid_json(change: Change) -> None:
    for f in change.spec["files"]:
        if f["path"].endswith(".ipynb") and f.get("status", "added") == "added":
            assert isinstance(json.loads(f["added"])["cells"], list)


def test_scoring_counts_one_label_once_and_unlabelled_findings_as_false_positives() -> None:
    change = Change(
        source="unit",
        name="scoring",
        spec={"files": []},
        labels=(Label("MODEL004", ("mlruns/**",)), Label("DATA003", ("a.py", "b.py")), Label("DEP001", ("r.txt",))),
    )
    flagged = frozenset(
        {
            ("MODEL004", "mlruns/0/meta.yaml"),
            ("MODEL004", "mlruns/0/x/metrics/auc"),
            ("DATA003", "b.py"),
            ("CODE001", "a.py"),
        }
    )
    scores = score([Outcome(change, flagged, ())], ["MODEL004", "DATA003", "DEP001", "CODE001"])
    assert (scores["MODEL004"].tp, scores["MODEL004"].fp) == (1, 0)
    assert (scores["DATA003"].tp, scores["DATA003"].fn) == (1, 0)
    assert (scores["DEP001"].tp, scores["DEP001"].fn, scores["DEP001"].recall) == (0, 1, 0.0)
    assert (scores["CODE001"].fp, scores["CODE001"].precision) == (1, 0.0)
    assert not scores["CODE001"].judged  # one instance is too few to hold a rule to the bar


def test_a_judged_rule_under_the_bar_fails_it() -> None:
    noisy = RuleScore("DATA003", shipped=True, tp=3, fp=1)
    unshipped = RuleScore("DATA009", shipped=False, tp=0, fp=5)
    assert noisy.judged
    assert noisy.precision == 0.75
    assert not noisy.meets_bar
    assert unshipped.meets_bar


def _covers(pattern: str, path: str) -> bool:
    return pattern == path or Glob(pattern).matches(path)
