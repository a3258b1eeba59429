"""Every rule's pass and fail cases, from the data files in `cases/`."""

from __future__ import annotations

import datetime as dt

import pytest

from checks import Snapshot, review
from checks.config import Config
from checks.registry import catalog
from tests.rules.casefile import Case, build_diff, load_cases

CASES = list(load_cases())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_case(case: Case) -> None:
    spec = case.spec
    files = spec["files"]
    texts = dict(spec.get("texts") or {})
    sizes = {}
    for f in files:
        if f.get("text") is not None:
            texts[f["path"]] = f["text"]
        if f.get("size") is not None:
            sizes[f["path"]] = int(f["size"])
    tree = spec.get("tree")
    snapshot = Snapshot(
        sizes=sizes,
        texts=texts,
        tree=frozenset(tree) if tree is not None else None,
        today=dt.date(2026, 11, 26),
    )
    config = Config.model_validate(spec.get("config") or {})
    result = review(build_diff(files), snapshot=snapshot, config=config)
    assert not result.rule_errors, result.rule_errors
    mine = [f for f in result.findings if f.rule == case.rule]
    expected = spec.get("expect") or []
    assert len(mine) == len(expected), [(f.path, f.line, f.message) for f in mine]
    for finding, want in zip(mine, expected, strict=True):
        for key, value in want.items():
            if key == "severities":  # each occurrence's own, in order
                assert [str(finding.severity_of(o)) for o in finding.occurrences] == value, finding.message
                continue
            got = getattr(finding, key)
            if key == "lines":
                got = list(got)
            assert str(got) == str(value) if key == "severity" else got == value, (key, got, value, finding.message)
    paid = [f for f in result.paid if f.rule == case.rule]
    assert len(paid) == spec.get("paid", 0), [(f.path, f.message) for f in paid]
    if "paid_lines" in spec:
        assert [line for f in paid for line in f.lines] == spec["paid_lines"], [f.message for f in paid]


def test_every_rule_has_pass_and_fail_cases() -> None:
    by_rule: dict[str, list[Case]] = {}
    for case in CASES:
        by_rule.setdefault(case.rule, []).append(case)
    missing = []
    for r in catalog():
        cases = by_rule.get(r.code, [])
        if not any(c.passes for c in cases) or not any(not c.passes for c in cases):
            missing.append(r.code)
    assert not missing, f"rules without both a passing and a failing case: {missing}"


def test_case_files_name_known_rules() -> None:
    codes = {r.code for r in catalog()}
    assert {c.rule for c in CASES} <= codes
