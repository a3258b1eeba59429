"""Review results for the renderer tests: from the real engine, or assembled from findings of any rule."""

from __future__ import annotations

from collections.abc import Sequence

from checks.config import Config, ConfigError, Policy
from checks.finding import Category, Finding, Occurrence, Severity, fingerprint
from checks.policy import decide
from checks.runner import ReviewResult, RuleError, review

#: A change that adds a FIXME (line 2), acknowledges a HACK (line 3), and removes an old TODO (paid).
ENGINE_DIFF = """diff --git a/src/train.py b/src/train.py
--- a/src/train.py
+++ b/src/train.py
@@ -1,3 +1,4 @@
 import torch
-# TODO: remove the warm-up hack
+loss = loss / 2  # FIXME: only converges when halved
+lr = 0.1  # HACK: fixed rate  debtbot: ignore[CODE001] tuned in #12
 model = torch.nn.Linear(2, 2)
"""


def engine_result(policy: Policy | None = None) -> ReviewResult:
    return review(ENGINE_DIFF, config=Config(policy=policy or Policy()))


def finding(
    *,
    rule: str = "CODE001",
    slug: str = "satd-tag",
    category: Category = Category.CODE,
    severity: Severity = Severity.LOW,
    path: str = "src/app.py",
    lines: Sequence[int | None] = (3,),
    message: str = "TODO comment: later",
    effort: int = 15,
    acknowledged: str | None = None,
) -> Finding:
    occurrences = tuple(
        Occurrence(line, line, fingerprint(rule, path, f"{message} {i}", 0), f"{message} #{i}")
        for i, line in enumerate(lines)
    )
    return Finding(
        rule=rule,
        slug=slug,
        category=category,
        severity=severity,
        message=message,
        path=path,
        line=lines[0] if lines else None,
        end_line=lines[0] if lines else None,
        remediation=f"Fix what {rule} reports.",
        effort_minutes=effort * max(1, len(lines)),
        fingerprint=fingerprint(rule, path, message, 0),
        occurrences=occurrences,
        acknowledged=acknowledged,
    )


def assembled(
    findings: Sequence[Finding],
    paid: Sequence[Finding] = (),
    *,
    policy: Policy | None = None,
    config_errors: Sequence[ConfigError] = (),
    rule_errors: Sequence[RuleError] = (),
) -> ReviewResult:
    """A result with the real policy decision over the given findings."""
    return ReviewResult(
        findings=tuple(findings),
        paid=tuple(paid),
        verdict=decide(findings, paid, policy or Policy()),
        config_errors=tuple(config_errors),
        rule_errors=tuple(rule_errors),
        files=len({f.path for f in [*findings, *paid]}),
    )


def every_category() -> ReviewResult:
    """A failing result with a finding of each category, a file-level finding, an acknowledged one and paid debt."""
    return assembled(
        [
            finding(
                rule="DATA001",
                slug="dataset-in-git",
                category=Category.DATA,
                severity=Severity.HIGH,
                path="data/train.csv",
                lines=(None,),
                message="12 MB dataset committed to git",
                effort=30,
            ),
            finding(
                rule="MODEL006",
                slug="torch-load-unsafe",
                category=Category.MODEL,
                severity=Severity.MEDIUM,
                path="src/load.py",
                lines=(7,),
                message="torch.load without weights_only=True",
                effort=5,
            ),
            finding(
                rule="DEP001",
                slug="unpinned-requirement",
                category=Category.DEPENDENCY,
                severity=Severity.MEDIUM,
                path="requirements.txt",
                lines=(2,),
                message="pandas is not pinned",
                effort=5,
            ),
            finding(path="src/app.py", lines=(3, 9), message="TODO comment: later"),
            finding(path="src/app.py", lines=(12,), message="TODO comment: tracked", acknowledged="accepted: in #4"),
        ],
        paid=[finding(path="src/old.py", lines=(1,), message="FIXME comment: gone", severity=Severity.MEDIUM)],
        config_errors=[ConfigError("policy.fail_on", "Input should be 'info', 'low', 'medium', 'high' or 'never'")],
        rule_errors=[RuleError("CODE014", "src/broken.py", "ValueError: boom")],
    )
