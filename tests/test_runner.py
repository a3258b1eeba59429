"""The runner and the merge policy through CODE001 (the satd-tag rule): netting, aggregation, fingerprints,
acknowledged debt, config selection, the verdict, and rules that crash."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import registry
from checks.config import Config, LoadedConfig, Policy, load_config
from checks.defaults import DEFAULTS
from checks.diff import DiffError
from checks.finding import Category, Finding, Hit, Severity, Side
from checks.paths import Kind
from checks.policy import Conclusion, decide
from checks.registry import Docs, Scope, catalog, rule
from checks.runner import MAX_EDIT_COMPARISONS, ReviewResult, RuleError, _shared_start, review
from checks.snapshot import Snapshot
from checks.views import ChangeView, FileView

RULE = "CODE001"
EFFORT = 15  # CODE001's minutes per occurrence
TODAY = dt.date(2026, 11, 26)

Files = Mapping[str, tuple[str | None, str | None]]


def git_diff(files: Files) -> str:
    """A git diff of each file's (old, new) text (None: absent), hunks made by difflib."""
    out: list[str] = []
    for path, (old, new) in files.items():
        out.append(f"diff --git a/{path} b/{path}\n")
        if old is None:
            out.append("new file mode 100644\n")
        if new is None:
            out.append("deleted file mode 100644\n")
        source = "/dev/null" if old is None else f"a/{path}"
        target = "/dev/null" if new is None else f"b/{path}"
        before = (old or "").splitlines(keepends=True)
        after = (new or "").splitlines(keepends=True)
        out.extend(difflib.unified_diff(before, after, source, target))
    return "".join(out)


def only(*codes: str, **settings: Any) -> Config:
    """A config where only `codes` run (the catalog grows while this file stays put)."""
    others = [r.code for r in catalog() if r.code not in codes]
    return Config.model_validate({**settings, "disable": [*others, *settings.get("disable", [])]})


def run(
    files: Files, *, config: Config | LoadedConfig | None = None, today: dt.date | None = TODAY, **settings: Any
) -> ReviewResult:
    chosen = config if config is not None else only(RULE, **settings)
    return review(git_diff(files), snapshot=Snapshot(today=today), config=chosen)


def mine(result: ReviewResult) -> list[Finding]:
    return [f for f in result.findings if f.rule == RULE]


def added(path: str, text: str) -> Files:
    return {path: (None, text)}


def numbered_file(lines: Mapping[int, str], length: int) -> str:
    """`length` plain lines, with `lines[n]` at line n."""
    return "".join(lines.get(n, f"value_{n} = {n}") + "\n" for n in range(1, length + 1))


# --- net-new and paid debt ------------------------------------------------------------------------------


def test_a_new_todo_is_one_finding() -> None:
    result = run(added("src/app.py", "x = 1\ny = 2  # TODO: rename this helper\n"))

    [finding] = mine(result)
    assert (finding.path, finding.line, finding.lines, finding.severity) == ("src/app.py", 2, (2,), Severity.LOW)
    assert (finding.effort_minutes, finding.category, finding.slug) == (EFFORT, Category.CODE, "satd-tag")
    assert result.paid == ()
    assert result.rule_errors == ()


def test_a_todo_moved_to_another_file_draws_nothing() -> None:
    result = run(
        {
            "src/old_place.py": ("def f():\n    pass  # TODO: rename this helper\n", "def f():\n    pass\n"),
            "src/new_place.py": (None, "def g():\n    return 1  # TODO: rename this helper\n"),
        }
    )

    assert (mine(result), result.paid) == ([], ())
    assert result.conclusion is Conclusion.SUCCESS


def test_a_reformatted_todo_draws_nothing() -> None:
    result = run({"src/a.py": ("x = 1  # TODO:  rename   this helper\n", "x = 1 # TODO: rename this helper\n")})

    assert (mine(result), result.paid) == ([], ())


def test_a_removed_todo_is_paid_debt() -> None:
    result = run({"src/a.py": ("x = 1  # FIXME: off by one somewhere\ny = 2\n", "x = 1\ny = 2\n")})

    assert mine(result) == []
    [paid] = result.paid
    assert (paid.rule, paid.path, paid.line, paid.effort_minutes) == (RULE, "src/a.py", 1, EFFORT)
    assert result.verdict.paid_minutes == EFFORT
    assert result.conclusion is Conclusion.SUCCESS


def test_netting_counts_occurrences() -> None:
    # Two copies removed, one added back elsewhere: one copy is paid, nothing is new.
    old = "a = 1  # TODO: rename this helper\nb = 2  # TODO: rename this helper\n"
    result = run({"src/a.py": (old, None), "src/b.py": (None, "c = 3  # TODO: rename this helper\n")})

    assert mine(result) == []
    assert [(p.path, p.lines) for p in result.paid] == [("src/a.py", (2,))]


# --- aggregation ----------------------------------------------------------------------------------------


def test_hits_in_one_file_are_one_finding_with_their_lines() -> None:
    text = numbered_file({1: "# TODO: first thing", 5: "# FIXME: second thing", 9: "# TODO: third thing"}, 10)

    [finding] = mine(run(added("src/many.py", text)))

    assert finding.lines == (1, 5, 9)
    assert finding.effort_minutes == 3 * EFFORT
    assert finding.severity is Severity.MEDIUM  # the worst of low, medium, low
    assert finding.message == "TODO comment: TODO: first thing (and 2 more; 3 in this file: lines 1, 5, 9)"
    assert len({o.fingerprint for o in finding.occurrences}) == 3
    assert finding.fingerprint not in {o.fingerprint for o in finding.occurrences}


def test_hits_that_read_alike_are_counted_as_occurrences_of_one() -> None:
    text = numbered_file({1: "# TODO: retry", 5: "# TODO: retry", 9: "# TODO: retry"}, 10)

    [finding] = mine(run(added("src/many.py", text)))

    assert finding.message == "TODO comment: TODO: retry (3 occurrences in this file: lines 1, 5, 9)"


def test_each_file_is_its_own_finding() -> None:
    result = run({**added("src/a.py", "# TODO: one\n"), **added("src/b.py", "# TODO: two\n# TODO: three\n")})

    assert [(f.path, f.lines) for f in mine(result)] == [("src/a.py", (1,)), ("src/b.py", (1, 2))]
    assert result.verdict.new_minutes == 3 * EFFORT


# --- fingerprints ---------------------------------------------------------------------------------------


def single(files: Files, **settings: Any) -> Finding:
    [finding] = mine(run(files, **settings))
    return finding


def test_fingerprint_survives_a_line_shift() -> None:
    early = single(added("src/a.py", numbered_file({3: "# TODO: rename this helper"}, 5)))
    late = single(added("src/a.py", numbered_file({30: "# TODO: rename this helper"}, 40)))

    assert (early.line, late.line) == (3, 30)
    assert early.fingerprint == late.fingerprint


def test_aggregated_fingerprint_survives_a_line_shift() -> None:
    early = single(added("src/a.py", numbered_file({2: "# TODO: one", 4: "# TODO: two"}, 5)))
    late = single(added("src/a.py", numbered_file({12: "# TODO: one", 40: "# TODO: two"}, 41)))

    assert (early.lines, late.lines) == ((2, 4), (12, 40))
    assert early.fingerprint == late.fingerprint
    assert [o.fingerprint for o in early.occurrences] == [o.fingerprint for o in late.occurrences]


def test_fingerprint_differs_by_content_and_path() -> None:
    base = single(added("src/a.py", "# TODO: rename this helper\n"))
    other_text = single(added("src/a.py", "# TODO: rename that helper\n"))
    other_path = single(added("src/b.py", "# TODO: rename this helper\n"))

    assert len({base.fingerprint, other_text.fingerprint, other_path.fingerprint}) == 3


def test_identical_hits_in_one_file_have_distinct_fingerprints() -> None:
    finding = single(added("src/a.py", "# TODO: same\nx = 1\n# TODO: same\n"))

    first, second = finding.occurrences
    assert first.fingerprint != second.fingerprint


# --- inline suppressions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x = 1  # TODO: rename this helper  debtbot: ignore[CODE001] tracked in #77\n",
        "# debtbot: ignore[CODE001] tracked in #77\nx = 1  # TODO: rename this helper\n",
        "x = 1  # TODO: rename this helper  debtbot: ignore[satd-tag, DATA001] tracked in #77\n",
    ],
    ids=["same-line", "line-above", "by-slug-among-others"],
)
def test_suppression_with_a_reason_acknowledges_the_finding(text: str) -> None:
    result = run(added("src/a.py", text))

    [finding] = mine(result)
    assert finding.acknowledged == "suppressed inline: tracked in #77"
    assert not finding.counts_against_policy
    assert result.verdict.new_minutes == 0


@pytest.mark.parametrize(
    "text",
    [
        "x = 1  # TODO: rename this helper  debtbot: ignore[CODE001]\n",
        "x = 1  # TODO: rename this helper  debtbot: ignore[CODE001] ok\n",
        "x = 1  # TODO: rename this helper  debtbot: ignore[CODE002] tracked in #77\n",
        "# debtbot: ignore[CODE001] tracked in #77\n\nx = 1  # TODO: rename this helper\n",
        "x = 0  # debtbot: ignore[CODE001] tracked in #77\nx = 1  # TODO: rename this helper\n",
    ],
    ids=["no-reason", "reason-too-short", "other-rule", "two-lines-above", "trailing-comment-above"],
)
def test_suppression_not_honoured(text: str) -> None:
    result = run(added("src/a.py", text))

    [finding] = mine(result)
    assert finding.acknowledged is None
    assert result.verdict.new_minutes == EFFORT


def test_a_suppression_covers_only_its_own_line() -> None:
    text = "# debtbot: ignore[CODE001] tracked in #77\na = 1  # TODO: same\nb = 2\nc = 3  # TODO: same\n"

    acknowledged, plain = sorted(mine(run(added("src/a.py", text))), key=lambda f: f.line or 0)

    assert (acknowledged.line, acknowledged.acknowledged) == (2, "suppressed inline: tracked in #77")
    assert (plain.line, plain.acknowledged) == (4, None)
    # Same rule, path and text: the occurrence index keeps them apart, whichever one is acknowledged.
    assert acknowledged.fingerprint != plain.fingerprint


# --- accepted debt --------------------------------------------------------------------------------------


def test_accepted_by_rule_and_paths() -> None:
    accept = [{"rule": "satd-tag", "paths": ["legacy/**"], "reason": "legacy code, see #12"}]
    result = run({**added("legacy/old.py", "# TODO: one\n"), **added("src/new.py", "# TODO: two\n")}, accept=accept)

    by_path = {f.path: f.acknowledged for f in mine(result)}
    assert by_path == {"legacy/old.py": "accepted: legacy code, see #12", "src/new.py": None}
    assert result.verdict.new_minutes == EFFORT


def test_accepted_by_fingerprint_accepts_only_that_occurrence() -> None:
    known = single(added("src/a.py", "# TODO: known and tracked\n"))
    accept = [{"fingerprint": known.fingerprint, "reason": "tracked in #90"}]

    result = run(added("src/a.py", "# TODO: known and tracked\nx = 1\n# TODO: brand new\n"), accept=accept)

    by_line = {f.line: f.acknowledged for f in mine(result)}
    assert by_line == {1: "accepted: tracked in #90", 3: None}
    assert result.verdict.new_minutes == EFFORT


def test_accepted_by_the_fingerprint_of_a_whole_finding() -> None:
    files = added("src/a.py", "# TODO: one\n# TODO: two\n")
    shown = single(files)

    [finding] = mine(run(files, accept=[{"fingerprint": shown.fingerprint, "reason": "both tracked in #3"}]))

    assert (finding.lines, finding.acknowledged) == ((1, 2), "accepted: both tracked in #3")


@pytest.mark.parametrize(
    ("today", "accepted"),
    [(dt.date(2026, 11, 30), True), (dt.date(2026, 12, 1), False), (None, True)],
    ids=["on-the-last-day", "the-day-after", "no-date-known"],
)
def test_accepted_debt_expires_after_until(today: dt.date | None, accepted: bool) -> None:
    accept = [{"rule": RULE, "reason": "until the refactor", "until": "2026-11-30"}]

    [finding] = mine(run(added("src/a.py", "# TODO: one\n"), accept=accept, today=today))

    assert finding.counts_against_policy is not accepted
    if accepted:
        assert finding.acknowledged == "accepted: until the refactor (until 2026-11-30)"


def test_an_inline_reason_wins_over_config() -> None:
    text = "x = 1  # TODO: one  debtbot: ignore[CODE001] tracked in #5\n"

    [finding] = mine(run(added("src/a.py", text), accept=[{"rule": RULE, "reason": "from config"}]))

    assert finding.acknowledged == "suppressed inline: tracked in #5"


# --- selection: severities, disables, exclusions, categories ---------------------------------------------


def test_severity_override_for_the_rule() -> None:
    by_code = single(added("src/a.py", "# TODO: one\n"), rules={RULE: {"severity": "high"}})
    by_slug = single(added("src/a.py", "# TODO: one\n"), rules={"satd-tag": {"severity": "info"}})

    assert (by_code.severity, by_slug.severity) == (Severity.HIGH, Severity.INFO)


def test_severity_override_under_a_path() -> None:
    paths = [{"paths": ["scripts/**"], "severity": {RULE: "info"}}]
    result = run({**added("scripts/run.py", "# FIXME: one\n"), **added("src/a.py", "# FIXME: one\n")}, paths=paths)

    assert {f.path: f.severity for f in mine(result)} == {"scripts/run.py": Severity.INFO, "src/a.py": Severity.MEDIUM}


def test_rule_disabled_under_a_path() -> None:
    paths = [{"paths": ["examples/"], "disable": ["satd-tag"]}]
    result = run({**added("examples/demo.py", "# TODO: one\n"), **added("src/a.py", "# TODO: one\n")}, paths=paths)

    assert [f.path for f in mine(result)] == ["src/a.py"]


def test_excluded_paths_are_not_reviewed() -> None:
    result = run(
        {**added("generated/client.py", "# TODO: one\n"), **added("src/a.py", "# TODO: two\n")},
        exclude=["generated/**"],
    )

    assert [f.path for f in mine(result)] == ["src/a.py"]
    assert result.files == 2


@pytest.mark.parametrize(
    "settings",
    [
        {"categories": {"code": False}},
        {"disable": [RULE]},
        {"disable": ["satd-tag"]},
        {"rules": {RULE: {"enabled": False}}},
    ],
    ids=["category-off", "disabled-by-code", "disabled-by-slug", "rule-not-enabled"],
)
def test_rule_turned_off(settings: dict[str, Any]) -> None:
    result = run(added("src/a.py", "# TODO: one\n"), **settings)

    assert mine(result) == []
    assert result.conclusion is Conclusion.SUCCESS


# --- the verdict ----------------------------------------------------------------------------------------


def todos(count: int, label: str = "item") -> str:
    return "".join(f"# TODO: {label} {i}\n" for i in range(count))


@pytest.mark.parametrize(
    ("text", "conclusion", "reason"),
    [
        ("x = 1\n", Conclusion.SUCCESS, None),
        (todos(1), Conclusion.NEUTRAL, None),
        (todos(4), Conclusion.NEUTRAL, None),  # 60 minutes: at the budget, not over it
        (todos(5), Conclusion.FAILURE, "net new debt of 75 min exceeds the budget of 60 min"),
    ],
    ids=["nothing", "one-low", "at-budget", "over-budget"],
)
def test_default_policy(text: str, conclusion: Conclusion, reason: str | None) -> None:
    result = run(added("src/a.py", text))

    assert result.conclusion is conclusion
    assert result.verdict.reasons == ((reason,) if reason else ())


def test_default_policy_fails_on_any_high_finding() -> None:
    result = run(added("src/a.py", "# TODO: one\n"), rules={RULE: {"severity": "high"}})

    assert result.conclusion is Conclusion.FAILURE
    assert result.verdict.reasons == ("1 new finding(s) of severity high or above: CODE001 (satd-tag)",)


def test_paid_debt_offsets_the_budget() -> None:
    result = run({"src/old.py": (todos(2, "old"), None), "src/a.py": (None, todos(5, "new"))})

    assert (result.verdict.new_minutes, result.verdict.paid_minutes, result.verdict.net_minutes) == (75, 30, 45)
    assert result.conclusion is Conclusion.NEUTRAL


def test_debt_a_hunk_rewrites_is_carried_over_not_new_nor_paid() -> None:
    """Two TODOs rewritten as five in one hunk: three are new, none is paid (the two were edited, not settled)."""
    result = run({"src/a.py": (todos(2, "old"), todos(5, "new"))})

    assert (result.verdict.new_minutes, result.verdict.paid_minutes) == (45, 0)
    assert [o.line for f in mine(result) for o in f.occurrences] == [3, 4, 5]


def test_debt_edited_in_place_is_given_apart_for_the_ledger() -> None:
    """Outside the findings and the verdict, the edited debt is still told: as it reads now and as it read before,
    each with its own fingerprint, so a ledger keyed by fingerprints can move it from one to the other."""
    result = run({"src/a.py": ("x = 1  # TODO: retry on timeout\n", "x = 2  # TODO: retry on timeouts (see #12)\n")})

    (now,), (before,) = result.carried, result.carried_from
    assert (now.message, before.message) == (
        "TODO comment: TODO: retry on timeouts (see #12)",
        "TODO comment: TODO: retry on timeout",
    )
    assert now.fingerprint != before.fingerprint
    assert result.moves == ((before.fingerprint, now.fingerprint),)
    assert result.verdict.conclusion is Conclusion.SUCCESS


def test_debt_reformatted_in_place_is_not_carried() -> None:
    """The same debt, only re-indented: nothing moved in the ledger either."""
    result = run({"src/a.py": ("def f():\n  pass  # TODO: retry\n", "def f():\n    pass  # TODO: retry\n")})

    assert (result.findings, result.paid, result.carried, result.carried_from) == ((), (), (), ())


def test_an_edited_line_keeps_its_debt_and_a_like_debt_added_above_is_the_new_one() -> None:
    """Two added lines with the same debt, one where the removed one stood: that one is the old debt."""
    old = "x = 1\n\nsend(x)  # TODO: retry\n"
    new = "x = 1  # TODO: retry\n\nsend(x, timeout=3)  # TODO: retry\n"
    result = run({"src/a.py": (old, new)})

    assert [o.line for f in mine(result) for o in f.occurrences] == [1]
    assert result.paid == ()


def test_a_line_edited_below_a_like_debt_inserted_above_it_keeps_its_debt() -> None:
    """The diff lists the removed line before all three added ones: the likeness of the lines tells which it was."""
    old = "send(x)  # TODO: retry\n"
    new = "y = 0  # TODO: retry\nz = 1\nsend(x, timeout=3)  # TODO: retry\n"
    result = run({"src/a.py": (old, new)})

    assert [o.line for f in mine(result) for o in f.occurrences] == [1]


def test_a_line_whose_quotes_a_formatter_changed_is_still_the_likest_to_itself() -> None:
    """black turning `'...'  # noqa` into `"..."  # noqa` keeps that line's waiver; the one on the import it rewrote
    without a waiver is the one paid, though its name still stands near the kept one."""
    old = (
        "from pkg.models.reward import \\\n"
        "    Model  # noqa\n"
        "warnings.warn(\n"
        "    'You can refer to `pkg/tools` '  # noqa\n"
        "    'to implement it.')\n"
    )
    new = (
        "from pkg.models.reward import Model\n"
        'name = "reward.Model"\n'
        "warnings.warn(\n"
        '    "You can refer to `pkg/tools` "  # noqa\n'
        '    "to implement it."\n'
        ")\n"
    )
    result = run({"src/a.py": (old, new)}, config=only("CODE018"))

    assert [(f.rule, [o.line for o in f.occurrences]) for f in result.paid] == [("CODE018", [2])]
    assert result.findings == ()


def test_a_line_edited_at_its_start_is_still_the_likest_to_itself() -> None:
    """Lines renamed at their start (`param_x = ...` made `x = ...`), each keeping its `# noqa`: the removed line
    whose suppression went is the one paid, though no removed line begins like an added one."""
    old = (
        "x = compute()  # noqa: E501\n"
        "param_label_name = set_this_to_change()  # noqa: E501\n"
        "param_storage = default_is_none()  # noqa: E501\n"
    )
    new = "x = compute()\nlabel_name = set_this_to_change()  # noqa: E501\nstorage = default_is_none()  # noqa: E501\n"
    result = run({"src/a.py": (old, new)}, config=only("CODE018"))

    assert [(f.rule, [o.line for o in f.occurrences]) for f in result.paid] == [("CODE018", [1])]
    assert result.findings == ()


def test_a_waiver_on_a_decorator_is_about_the_def_it_decorates() -> None:
    """optimistix's blanket `@property  # pyright: ignore` narrowed and moved onto the `def norm(self):` it decorates:
    the same debt, neither new nor paid; the waiver over `rtol` dropped outright is paid."""
    old = (
        "class Wrapper(Base):\n"
        "    @property  # pyright: ignore\n"
        "    def rtol(self):\n"
        "        return self.solver.rtol\n"
        "\n"
        "    @property  # pyright: ignore\n"
        "    @functools.cache\n"
        "    def norm(self):\n"
        "        return self.solver.norm\n"
    )
    new = (
        "class Wrapper(Base):\n"
        "    @property\n"
        "    def rtol(self):\n"
        "        return self.solver.rtol\n"
        "\n"
        "    @property\n"
        "    @functools.cache\n"
        "    def norm(self):  # pyright: ignore[reportIncompatibleMethodOverride]\n"
        "        return self.solver.norm\n"
    )
    result = run({"pkg/solver.py": (old, new)}, config=only("CODE018"))

    assert [(f.rule, [o.line for o in f.occurrences]) for f in result.paid] == [("CODE018", [2])]
    assert result.findings == ()


def test_many_like_suppressions_in_one_hunk_still_pair_by_their_lines() -> None:
    """A header whose accessors all carry `// NOLINT`, each gaining `[[nodiscard]]`, and one constructor losing
    `explicit` and gaining a NOLINT: that one is the new suppression, not the last line of the hunk."""
    accessors = [f"  int {name}() const noexcept {{ return {name}_; }}  // NOLINT" for name in "abcdefghijklmn"]
    old = "struct S {\n  explicit S(int x) : a_{x} {}\n" + "\n".join(accessors) + "\n};\n"
    new_accessors = [line.replace("  int ", "  [[nodiscard]] int ") for line in accessors]
    new = "struct S {\n  S(int x) : a_{x} {}  // NOLINT\n" + "\n".join(new_accessors) + "\n};\n"
    result = run({"include/s.h": (old, new)}, config=only("CODE018"))

    assert [(f.rule, [o.line for o in f.occurrences]) for f in result.findings] == [("CODE018", [2])]
    assert result.paid == ()


def test_a_long_todo_rewrapped_over_several_lines_is_carried_over() -> None:
    """One long TODO line re-wrapped to the line length: its first line now ends early, unlike the old one by their
    ratio, yet the same debt."""
    words = (
        "When tracing with TorchDynamo with fullgraph=True, the graph is recompiled depending on the input shape, "
        "thus the is_causal argument is rightfully updated. However, when using torch.export we must pass an input"
    )
    old = f"if tracing:\n    # TODO: {words}\n    pass\n"
    first, rest = words[:70], words[70:]
    new = f"if tracing:\n    # TODO: {first}\n    # {rest}\n    pass\n"
    result = run({"src/masks.py": (old, new)})

    assert (result.findings, result.paid) == ((), ())
    assert [f.rule for f in result.carried] == ["CODE001"]


@given(st.text(alphabet="ab\u00e9", max_size=12), st.text(alphabet="ab\u00e9", max_size=12))
def test_the_shared_start_of_two_lines_is_their_common_prefix(a: str, b: str) -> None:
    alike = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    assert _shared_start(a, b) == alike


def test_debt_moved_within_its_file_is_not_taken_by_a_copy_added_elsewhere() -> None:
    """A function moved from the end of its module to the top keeps its TODO; another file adds the same TODO,
    and that one is the new debt (the diff lists the other file first)."""
    moved = "def flatten(v):\n    return v  # TODO: retry\n"
    body = numbered_file({}, 30)
    result = run(
        {
            "src/a.py": ("x = 1\n", "x = 1  # TODO: retry\n"),
            "src/b.py": (body + moved, moved + body),
        }
    )

    assert [(f.path, f.line) for f in mine(result)] == [("src/a.py", 1)]
    assert result.paid == ()


def test_a_suppressed_line_moved_to_another_module_is_not_taken_by_a_new_one_left_behind() -> None:
    """A function moves from a.py to b.py with its `# noqa` lines, and a.py gains an unrelated `# noqa`: the moved
    lines cancel each other across the files, and the one left in a.py is the new suppression."""
    moved = "def f():\n    import numpy  # noqa\n    import scipy  # noqa\n    return 1\n"
    kept = "".join(f"z{i} = {i}\n" for i in range(10))
    result = run(
        {
            "src/a.py": (moved + kept, kept + "from m import (\n    y,  # noqa\n)\n"),
            "src/b.py": ("x = 1\n", "x = 1\n" + moved),
        },
        config=only("CODE018"),
    )

    assert [(f.path, [o.line for o in f.occurrences]) for f in result.findings] == [("src/a.py", [12])]
    assert result.paid == ()


def test_a_suppression_on_unrelated_code_of_the_same_file_is_new_and_the_removed_one_paid() -> None:
    """A `# type: ignore` goes from a return at the top and another comes on a new signature far below: unrelated
    code, so the new one is reported, and the removed one is paid, rather than the two cancelling by count."""
    body = "".join(f"x{i} = {i}\n" for i in range(40))
    result = run(
        {
            "src/client.py": (
                "def a(r):\n    return _bytes_to_dict(r)  # type: ignore\n" + body,
                "def a(r):\n    return r.json()\n" + body + "def chat_completion(  # type: ignore\n    m,\n): ...\n",
            )
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.line) for f in result.findings] == [("src/client.py", 43)]
    assert [(p.path, p.line) for p in result.paid] == [("src/client.py", 2)]


def test_a_suppressed_line_edited_and_moved_within_its_file_keeps_its_debt() -> None:
    """A method moves to the end of its module and its annotations change (`Dict` -> `dict`): the suppression on
    its edited signature is the old one, while a new one on unrelated code stays new."""
    body = "".join(f"x{i} = {i}\n" for i in range(40))
    old_method = "def forward(self, data: Dict) -> Dict:  # type: ignore\n    return data\n"
    new_method = "def forward(self, data: dict) -> dict:  # type: ignore\n    return data\n"
    result = run(
        {"src/model.py": (old_method + body, body + "y = load()  # type: ignore\n" + new_method)},
        config=only("CODE018"),
    )

    assert [(f.path, f.line) for f in result.findings] == [("src/model.py", 41)]
    assert result.paid == ()


def test_like_suppressions_on_unrelated_lines_of_a_hunk_are_not_one_debt_edited() -> None:
    """A module moves its `import networkx  # type:ignore` to base.py, and the hunk that removed it adds a `# type:
    ignore` on a loop moved up from further down: spelled nearly alike, but on unrelated code, so each pairs with its
    own copy (the import across files, the loop within its file) and nothing is new or paid."""
    body = "".join(f"x{i} = {i}\n" for i in range(40))
    loop = "for key, value in {}.sockets.items():  # type: ignore\n    pass\n"
    result = run(
        {
            "src/pipeline.py": (
                "import networkx  # type:ignore\n" + body + loop.format("comp"),
                loop.format("instance") + body,
            ),
            "src/base.py": (None, "import networkx  # type:ignore\n"),
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.line) for f in result.findings] == []
    assert result.paid == ()


def test_a_suppression_moved_with_its_module_and_edited_on_the_way_is_the_debt_it_was() -> None:
    """shape_poly.py moves from experimental/ to _src/ and `e.evaluate` becomes `e._evaluate` on its suppressed line:
    one debt moved; a like suppression on unrelated code of the new module is new."""
    body = "".join(f"x{i} = {i}\n" for i in range(5))
    result = run(
        {
            "jax/experimental/export/shape_poly.py": (body + "res = e.evaluate(self.env)  # type: ignore\n", None),
            "jax/_src/export/shape_poly.py": (
                None,
                body + "res = e._evaluate(self.env)  # type: ignore\nshape = dims.pop()  # type: ignore\n",
            ),
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.lines) for f in result.findings] == [("jax/_src/export/shape_poly.py", (7,))]
    assert result.paid == ()
    unrelated = run(
        {
            "jax/experimental/export/shape_poly.py": (body + "res = e.evaluate(self.env)  # type: ignore\n", None),
            "jax/_src/export/shape_poly.py": (None, body + "shape = dims.pop()  # type: ignore\n"),
        },
        config=only("CODE018"),
    )
    assert [f.path for f in unrelated.findings] == ["jax/_src/export/shape_poly.py"]
    assert [f.path for f in unrelated.paid] == ["jax/experimental/export/shape_poly.py"]


def test_a_name_every_package_has_says_nothing_of_a_move() -> None:
    """A function moves from utils/__init__.py into utils/fixes.py with its `import numpy  # noqa`, and the package's
    own __init__.py gains a like line: the moved copy cancels by the lines around it, and the new one is reported,
    though both __init__.py files share a name."""
    moved = (
        "def _openblas():\n    # Import libraries which might load OpenBLAS.\n    import numpy  # noqa\n    return 1\n"
    )
    result = run(
        {
            "src/pkg/__init__.py": (
                "import scipy.linalg  # noqa: F401\n",
                "import scipy.linalg  # noqa: F401\nimport numpy  # noqa\n",
            ),
            "src/pkg/utils/__init__.py": ("x = 1\n" + moved, "x = 1\n"),
            "src/pkg/utils/fixes.py": ("y = 2\n", "y = 2\n" + moved),
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.line) for f in result.findings] == [("src/pkg/__init__.py", 2)]
    assert result.paid == ()


def test_suppressed_imports_merged_into_one_parenthesised_import_keep_their_debt() -> None:
    """`from m import A  # noqa: F401` lines at the top become names of a parenthesised import further down, each with
    its `# noqa`: the name is the code each one sits on, so they are the old suppressions (darts); a like one on a
    name no removed line imported is new."""
    body = "".join(f"x{i} = {i}\n" for i in range(40))
    result = run(
        {
            "tests/ad/test_model.py": (
                "from darts.ad import OrAggregator  # noqa: F401\nfrom darts.ad import QuantileDetector  # noqa: F401\n"
                + body
                + "from darts.ad import (\n    NormScorer,\n)\n",
                body
                + "from darts.ad import (\n    NormScorer,\n    OrAggregator,  # noqa: F401\n"
                + "    QuantileDetector,  # noqa: F401\n    Threshold,  # noqa: F401\n)\n",
            )
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.lines) for f in result.findings] == [("tests/ad/test_model.py", (45,))]
    assert result.paid == ()


def test_a_statement_split_over_lines_keeps_its_suppression_on_the_argument_it_now_sits_on() -> None:
    """A call's arguments go one a line and its bare `# type: ignore` lands, narrowed, on the argument it was for
    (kornia): one debt edited, neither paid nor new. Another suppression on code the old line did not hold is new."""
    old = "out = module.inverse_boxes(\n    _input, param.data, module.flags, transform=transform  # type: ignore\n)\n"
    new = (
        "out = module.inverse_boxes(\n    _input,\n    param.data,  # type: ignore[arg-type]\n"
        "    module.flags,\n    transform=transform,\n)\nsize = data.shape  # type: ignore[attr-defined]\n"
    )
    result = run({"src/ops.py": (old, new)}, config=only("CODE018"))

    assert [(f.path, f.lines) for f in result.findings] == [("src/ops.py", (7,))]
    assert result.paid == ()


def test_a_suppression_on_a_line_that_says_nothing_of_its_code_moves_only_with_its_neighbours() -> None:
    """A deprecated method goes with its docstring's `\"\"\"  # noqa: E501`, and another module's docstring gains one:
    a closing quote names no code, so the two are no move (supervision): the new one is reported, the old one paid.
    The same closing line moved with the lines around it still moves."""
    method = '    def default(cls):\n        """Deprecated.\n        """  # noqa: E501 // docs\n        return cls()\n'
    body = "".join(f"x{i} = {i}\n" for i in range(20))
    result = run(
        {
            "src/draw/color.py": ("class Palette:\n" + method + body, "class Palette:\n" + body),
            "src/detection/core.py": (
                "class Detections:\n    def area(self):\n        pass\n",
                'class Detections:\n    """Boxes.\n    """  # noqa: E501 // docs\n\n'
                + "    def area(self):\n        pass\n",
            ),
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.line) for f in result.findings] == [("src/detection/core.py", 3)]
    assert [(p.path, p.line) for p in result.paid] == [("src/draw/color.py", 4)]
    moved = run(
        {
            "src/draw/color.py": ("class Palette:\n" + method + body, "class Palette:\n" + body),
            "src/draw/legacy.py": (None, "class Legacy:\n" + method),
        },
        config=only("CODE018"),
    )
    assert (moved.findings, moved.paid) == ((), ())


def test_a_suppressed_line_copied_to_another_module_is_the_move_not_an_unrelated_line_of_its_hunk() -> None:
    """One hunk drops the `# type: ignore` of two lines (copied, with it, into a new module) and adds one on an
    unrelated signature (kornia): like copies on unrelated code of one hunk are not one debt when the removed one's
    line went elsewhere whole. The signature's suppression is the new one."""
    old = (
        "def forward(self, data: dict) -> dict:\n"
        '    size0 = size0 if size0 is not None else data0["image"].shape[-2:][::-1]  # type: ignore\n'
        '    size1 = size1 if size1 is not None else data1["image"].shape[-2:][::-1]  # type: ignore\n'
        "    return data\n"
    )
    new = (
        "def _forward(self, data: dict) -> dict:  # type: ignore\n"
        '    size0 = size0 if size0 is not None else data0["image"].shape[-2:][::-1]\n'
        '    size1 = size1 if size1 is not None else data1["image"].shape[-2:][::-1]\n'
        "    return data\n"
    )
    copied = (
        "def onnx_forward(data):\n"
        '    size0 = size0 if size0 is not None else data0["image"].shape[-2:][::-1]  # type: ignore\n'
        '    size1 = size1 if size1 is not None else data1["image"].shape[-2:][::-1]  # type: ignore\n'
    )
    result = run(
        {"src/lightglue.py": (old, new), "src/onnx/lightglue_onnx.py": (None, copied)},
        config=only("CODE018"),
    )

    assert [(f.path, f.lines) for f in result.findings] == [("src/lightglue.py", (1,))]
    assert result.paid == ()
    # Copied into a module of the same name, its quotes reformatted on the way: still the move.
    requoted = run(
        {"src/lightglue.py": (old.replace('"', "'"), new), "src/onnx/lightglue.py": (None, copied)},
        config=only("CODE018"),
    )
    assert [(f.path, f.lines) for f in requoted.findings] == [("src/lightglue.py", (1,))]
    assert requoted.paid == ()


def test_a_signature_re_wrapped_keeps_its_suppression_beside_a_like_new_method_of_its_module() -> None:
    """`def prior(...):  # type: ignore` is re-wrapped over lines, its ignore now after the closing bracket, and a new
    class of the same module gets a `def prior(...):  # type: ignore` much like the old line (pymc): in its own file,
    the hunk's pairing stands, and the new class's suppression is the new one."""
    body = "".join(f"x{i} = {i}\n" for i in range(30))
    old = "class A:\n    def prior(self, name: str, X, dims: Optional[str] = None):  # type: ignore\n        pass\n"
    new = (
        "class A:\n    def prior(\n        self,\n        name: str,\n        X,\n        gp_dims: str | None = None,\n"
        "    ):  # type: ignore\n        pass\n"
    )
    added = "class B:\n    def prior(self, name: str, X, dims: str | None = None):  # type: ignore\n        pass\n"
    result = run({"pymc/gp/hsgp_approx.py": (old + body, new + body + added)}, config=only("CODE018"))

    assert [(f.path, f.lines) for f in result.findings] == [("pymc/gp/hsgp_approx.py", (40,))]
    assert result.paid == ()


def test_like_suppressions_of_one_hunk_are_one_debt_re_wrapped_only_where_the_code_went_with_them() -> None:
    """A hunk deletes a function whose `if ... in (  # pyright: ignore` goes with it, and adds an unrelated call with
    its own `# pyright: ignore` (equinox): the removed one is paid, the added one new. A statement split over lines,
    its ignore now after the closing bracket, is the one debt re-wrapped."""
    old = (
        "def _modify_traceback(e):\n"
        "    if jax.config.jax_traceback_filtering in (  # pyright: ignore\n"
        '        "off",\n    ):\n        return e\n'
    )
    new = "def call(self):\n    donate, static = _preprocess(  # pyright: ignore\n        self.info, args\n    )\n"
    result = run({"equinox/_jit.py": (old, new)}, config=only("CODE018"))

    assert [(f.path, f.lines) for f in result.findings] == [("equinox/_jit.py", (2,))]
    assert [(p.path, p.lines) for p in result.paid] == [("equinox/_jit.py", (2,))]
    rewrapped = run(
        {
            "src/ops.py": (
                "out = module.inverse(inputs, params, flags=flags, transform=transform)  # pyright: ignore\n",
                "out = module.inverse(\n    inputs,\n    params,\n    flags=flags,\n    transform=transform,\n"
                ")  # pyright: ignore\n",
            )
        },
        config=only("CODE018"),
    )
    assert (rewrapped.findings, rewrapped.paid) == ((), ())


def test_a_suppression_alone_on_its_line_moves_only_with_the_code_below_it() -> None:
    """A new test module opens with a `# type: ignore` header, as an unrelated deleted one did (onnx): a header
    alone on its line sits on the code below it, so the two are no move, and the new one is reported. The same
    module moved under another name keeps its header."""
    old = "# SPDX-License-Identifier: Apache-2.0\n# type: ignore\n\nimport unittest\nimport onnx.backend.test\n"
    new = "# SPDX-License-Identifier: Apache-2.0\n# type: ignore\nimport itertools\nimport numpy as np\n"
    result = run(
        {"onnx/test/backend_test.py": (old, None), "onnx/test/model_test.py": (None, new)},
        config=only("CODE018"),
    )

    assert [(f.path, f.lines) for f in result.findings] == [("onnx/test/model_test.py", (2,))]
    assert [(p.path, p.lines) for p in result.paid] == [("onnx/test/backend_test.py", (2,))]
    moved = run(
        {"onnx/test/backend_test.py": (old, None), "onnx/test/reference_backend_test.py": (None, old)},
        config=only("CODE018"),
    )
    assert (moved.findings, moved.paid) == ((), ())


def test_one_directive_split_into_one_a_check_over_the_same_code_is_the_old_debt() -> None:
    """flwr split `# pylint: disable=a,b,c` over `start_client` into one directive a check, and added two checks
    below them: the pieces are the old debt (neither new nor paid), the two added checks alone are new."""
    old = (
        "import x\n\n\n# pylint: disable=import-outside-toplevel,too-many-locals,too-many-branches\ndef start_client(\n"
    )
    new = (
        "import x\n\n\n# pylint: disable=import-outside-toplevel\n# pylint: disable=too-many-branches\n"
        "# pylint: disable=too-many-locals\n# pylint: disable=too-many-statements\n"
        "# pylint: disable=too-many-arguments\ndef start_client(\n"
    )
    result = run({"flwr/client/app.py": (old + "    pass\n", new + "    pass\n")}, config=only("CODE018"))

    assert [(f.path, f.lines) for f in result.findings] == [("flwr/client/app.py", (7, 8))]
    assert result.paid == ()
    # For the ledger: the one old directive, carried into its three pieces.
    assert [(f.lines, f.effort_minutes) for f in result.carried_from] == [((4,), 5)]
    assert [f.lines for f in result.carried] == [(4, 5, 6)]
    assert len({old for old, _ in result.moves}) == 1
    assert len(result.moves) == 3


def test_a_suppression_on_a_line_any_module_could_hold_moves_only_with_its_neighbours() -> None:
    """A `broad-except` waiver goes with a deleted try block, and an unrelated module's new probe gets one on the same
    `except Exception:` (xgboost): a line any module could hold is no evidence of a move, so the new one is reported
    and the removed one paid. A line that names its own code (`import cupy`) still moves on its own."""
    body = "".join(f"x{i} = {i}\n" for i in range(10))
    result = run(
        {
            "xgboost/spark/core.py": (
                body
                + "try:\n    plan = query(df)\nexcept Exception:  # pylint: disable=broad-except\n    plan = None\n",
                body,
            ),
            "xgboost/testing/__init__.py": (
                "y = 1\n",
                "y = 1\ntry:\n    import cupy\nexcept Exception:  # pylint: disable=broad-except\n    cupy = None\n",
            ),
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.lines) for f in result.findings] == [("xgboost/testing/__init__.py", (4,))]
    assert [(p.path, p.lines) for p in result.paid] == [("xgboost/spark/core.py", (13,))]
    moved = run(
        {
            "xgboost/core.py": (body + "def f():\n    import cupy  # pylint: disable=import-error\n", body),
            "xgboost/compat.py": (
                "z = 2\n",
                "z = 2\n\n\ndef import_cupy():\n    import cupy  # pylint: disable=import-error\n",
            ),
        },
        config=only("CODE018"),
    )
    assert (moved.findings, moved.paid) == ((), ())


def test_one_suppression_written_twice_on_its_line_is_one() -> None:
    result = run(
        {"src/a.py": ("from m import (\n    check,  # noqa  # noqa\n)\n", "from m import check  # noqa\n")},
        config=only("CODE018"),
    )

    assert (result.findings, result.paid) == ((), ())


def test_debt_moved_with_its_function_to_another_module_is_not_taken_by_a_copy_added_elsewhere() -> None:
    """Two models' `fit` move from models.py into arima.py, each with its TODO; ops.py, listed first, gains a
    helper with the same TODO: the moved copies pair by the method they sit in, and the helper's is new."""

    def fit(cls: str) -> str:
        return f"class {cls}:\n    def fit(self, x):\n        # TODO: check x\n        return x\n\n\n"

    result = run(
        {
            "src/ops.py": ("y = 1\n", "y = 1\n\n\ndef prepare(x):\n    # TODO: check x\n    return x\n"),
            "src/models.py": (fit("Arima") + fit("Sarimax"), "z = 1\n"),
            "src/arima.py": (None, "import os\n\n\n" + fit("Arima") + fit("Sarimax")),
        }
    )

    assert [(f.path, f.line) for f in mine(result)] == [("src/ops.py", 5)]
    assert result.paid == ()


def test_debt_moved_over_the_same_line_is_the_copy_that_moved_when_the_line_above_changed() -> None:
    """A global warnings filter moves with the import it precedes (the line above it is new); a helper listed first
    adds the same filter before other code: the helper's is the new one."""
    before = "def fit_arima(x):\n    t = now()\n    warnings.filterwarnings('ignore')\n    from statsmodels import A\n"
    after = before.replace("t = now()", "import warnings")
    helper = "def prepare(x):\n    t = now()\n    warnings.filterwarnings('ignore')\n    return x\n"
    result = run(
        {"src/ops.py": (None, helper), "src/models.py": (before, None), "src/arima.py": (None, after)},
        config=only("DEP016"),
    )

    assert [(f.path, f.line) for f in result.findings] == [("src/ops.py", 3)]
    assert result.paid == ()


def test_a_module_moved_to_another_folder_keeps_its_debt_before_a_new_module_takes_it() -> None:
    """A module moved to `internal/` (too edited for git to call it a rename) keeps its module-level suppression;
    a new module beside it, listed earlier, adds the same line: that one is new."""
    header = "if DEBUG:  # pragma: no cover\n    import numpy\n"
    result = run(
        {
            "pkg/adapter.py": (None, header + "a = 1\n"),
            "pkg/data.py": (header + "x = 1\n", None),
            "pkg/internal/data.py": (None, header + "x = 2\ny = 3\n"),
        },
        config=only("CODE018"),
    )

    assert [(f.path, f.line) for f in result.findings] == [("pkg/adapter.py", 1)]
    assert result.paid == ()


def test_a_todo_replaced_by_an_unrelated_one_is_paid_and_new() -> None:
    """Only debt edited (alike before and after) is carried over: a different TODO in its place is new."""
    result = run({"src/a.py": ("# TODO: remove the retry loop\n", "# TODO: cache the parsed headers\n")})

    assert (result.verdict.new_minutes, result.verdict.paid_minutes) == (15, 15)


def test_a_todo_reworded_in_place_is_carried_over() -> None:
    result = run({"src/a.py": ("x = 1  # TODO: retry on timeout\n", "x = 2  # TODO: retry on timeouts (see #12)\n")})

    assert (mine(result), result.paid) == ([], ())


def test_a_debt_made_graver_in_place_is_paid_and_new() -> None:
    """A TODO turned FIXME is alike in its words, but a defect now: the low TODO is paid, the medium FIXME new."""
    result = run({"src/a.py": ("x = 1  # TODO: retry on timeout\n", "x = 1  # FIXME: retry on timeout\n")})

    assert [(f.severity, f.message) for f in mine(result)] == [
        (Severity.MEDIUM, "FIXME comment: FIXME: retry on timeout")
    ]
    assert [f.severity for f in result.paid] == [Severity.LOW]
    assert (result.carried, result.carried_from) == ((), ())


def test_a_rewrite_of_many_debts_compares_them_only_as_wholes() -> None:
    """Past MAX_EDIT_COMPARISONS pairs in a hunk, only identical debts are carried over: the rest is paid and new."""
    side = int(MAX_EDIT_COMPARISONS**0.5) + 1
    before = "# TODO: keep 0\n" + "".join(f"# TODO: old task {i}\n" for i in range(side))
    after = "# TODO: keep 0\n" + "".join(f"# TODO: old task {i}!\n" for i in range(side))
    result = run({"src/a.py": (before, after)})

    assert (result.verdict.new_minutes, result.verdict.paid_minutes) == (side * EFFORT, side * EFFORT)
    # One of them left as it was: the others are few enough to compare, and are each the same debt edited.
    fewer = run({"src/a.py": (before, after.replace("!", "", 1))}).verdict
    assert (side - 1) ** 2 <= MAX_EDIT_COMPARISONS
    assert (fewer.new_minutes, fewer.paid_minutes) == (0, 0)


def test_debt_edited_in_one_hunk_is_paid_where_another_hunk_adds_it() -> None:
    """Pairs stay within a hunk: a TODO removed at the top and one added far below are paid and new."""
    body = "".join(f"x{i} = {i}\n" for i in range(40))
    result = run({"src/a.py": ("# TODO: old\n" + body, body + "# TODO: new\n")})

    assert (result.verdict.new_minutes, result.verdict.paid_minutes) == (15, 15)


def test_acknowledged_findings_stay_visible_but_pass() -> None:
    result = run(added("src/a.py", todos(10)), accept=[{"rule": RULE, "reason": "bulk import of old code"}])

    assert len(mine(result)) == 1
    assert result.verdict.new_minutes == 0
    assert result.conclusion is Conclusion.NEUTRAL


@pytest.mark.parametrize(
    ("policy", "text", "conclusion"),
    [
        ({"fail_on": "medium"}, "# FIXME: one\n", Conclusion.FAILURE),
        ({"fail_on": "medium"}, "# TODO: one\n", Conclusion.NEUTRAL),
        ({"fail_on": "low"}, "# TODO: one\n", Conclusion.FAILURE),
        ({"fail_on": "never", "max_new_debt_minutes": None}, todos(20), Conclusion.NEUTRAL),
        ({"max_new_debt_minutes": 0}, "# TODO: one\n", Conclusion.FAILURE),
    ],
)
def test_custom_policy(policy: dict[str, Any], text: str, conclusion: Conclusion) -> None:
    assert run(added("src/a.py", text), policy=policy).conclusion is conclusion


def test_budget_without_netting_paid_debt() -> None:
    files = {"src/old.py": (todos(2, "old"), None), "src/a.py": (None, todos(5, "new"))}

    netted = run(files, policy={"net_of_paid": True})
    gross = run(files, policy={"net_of_paid": False})

    assert (netted.conclusion, gross.conclusion) == (Conclusion.NEUTRAL, Conclusion.FAILURE)
    assert gross.verdict.reasons == ("new debt of 75 min exceeds the budget of 60 min",)


def finding(severity: Severity, minutes: int, *, acknowledged: str | None = None) -> Finding:
    return Finding(
        rule=RULE,
        slug="satd-tag",
        category=Category.CODE,
        severity=severity,
        message="m",
        path="a.py",
        line=1,
        end_line=1,
        remediation="r",
        effort_minutes=minutes,
        fingerprint="f",
        acknowledged=acknowledged,
    )


def test_decide_on_its_own() -> None:
    default = Policy()

    assert decide([], [], default).conclusion is Conclusion.SUCCESS
    assert decide([finding(Severity.MEDIUM, 60)], [], default).conclusion is Conclusion.NEUTRAL
    assert decide([finding(Severity.MEDIUM, 61)], [], default).conclusion is Conclusion.FAILURE
    assert decide([finding(Severity.MEDIUM, 61)], [finding(Severity.LOW, 1)], default).conclusion is Conclusion.NEUTRAL
    assert decide([finding(Severity.HIGH, 1)], [], default).conclusion is Conclusion.FAILURE
    assert decide([finding(Severity.HIGH, 99, acknowledged="a")], [], default).conclusion is Conclusion.NEUTRAL
    assert decide([finding(Severity.HIGH, 1)], [], Policy(fail_on="never")).conclusion is Conclusion.NEUTRAL


def test_a_broken_config_reviews_with_the_defaults_and_says_so() -> None:
    loaded = load_config("policy: {fail_on: never, max_new_debt_minutes: 1000}\ndisable: CODE001\n")

    result = review(git_diff(added("src/a.py", todos(5))), config=loaded)

    assert [e.location for e in result.config_errors] == ["disable"]
    assert result.conclusion is Conclusion.FAILURE  # the file asked for more budget, but could not be read


def test_the_defaults_a_review_reads_without_a_config_are_those_of_the_config_model() -> None:
    default = Config()

    assert dataclasses.asdict(DEFAULTS.thresholds) == default.thresholds.model_dump()
    assert dataclasses.asdict(DEFAULTS.policy) == default.policy.model_dump()
    for name in ("categories", "rules", "disable", "exclude", "paths", "accept"):
        assert getattr(DEFAULTS, name) == getattr(default, name), name


def test_a_review_without_a_config_equals_one_with_the_default_config() -> None:
    text = git_diff({"src/a.py": ("# TODO: old\n", todos(5)), "data/train.csv": (None, "a,b\n1,2\n")})

    without = review(text, snapshot=Snapshot(today=TODAY))
    with_default = review(text, snapshot=Snapshot(today=TODAY), config=LoadedConfig(Config()))

    assert without.findings  # the default policy fails this change: its verdict is compared too
    assert without == with_default


def test_a_review_without_a_config_never_imports_pydantic_or_yaml() -> None:
    # pydantic's import alone takes longer than reviewing a typical pull request (see checks.defaults).
    code = textwrap.dedent(
        f"""
        import sys
        from checks import review
        from checks.report import Format, render
        result = review({git_diff(added("src/a.py", todos(1)))!r})
        assert result.findings, result
        render(result, Format.JSON)
        print(sorted(name for name in sys.modules if name.split(".")[0] in ("pydantic", "yaml")))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"


def test_a_malformed_diff_raises() -> None:
    with pytest.raises(DiffError):
        review("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n+only one line\n")


# --- rules that crash, and change-scoped rules ---------------------------------------------------------

DOCS = Docs(what="Test-only rule.", why="Exercises the runner.", example="x", fix="y")


def register(code: str, slug: str, check: Callable[..., Iterable[Hit]], **options: Any) -> None:
    assert code not in registry._CATALOG, f"{code} is a real rule now: pick another test-only code"
    rule(
        code=code,
        slug=slug,
        title="test only",
        category=Category.CODE,
        severity=Severity.LOW,
        effort=1,
        remediation="none",
        docs=DOCS,
        **options,
    )(check)


@pytest.fixture
def test_rules() -> Iterator[list[str]]:
    """Codes registered by a test; removed from the global catalog afterwards."""
    catalog()  # the real rules first, so a test code never races their registration
    codes: list[str] = []
    yield codes
    for code in codes:
        registry._CATALOG.pop(code, None)


def test_a_crashing_rule_is_reported_and_the_others_still_run(test_rules: list[str]) -> None:
    def crash(view: FileView) -> Iterator[Hit]:
        raise RuntimeError(f"cannot read {view.path}")

    def crash_on_change(view: ChangeView) -> Iterator[Hit]:
        raise ValueError("no tree")

    register("CODE991", "test-only-crash", crash, kinds={Kind.PYTHON})
    register("CODE992", "test-only-change-crash", crash_on_change, scope=Scope.CHANGE)
    test_rules.extend(["CODE991", "CODE992"])

    result = run(added("src/a.py", "# TODO: one\n"), config=only(RULE, "CODE991", "CODE992"))

    assert set(result.rule_errors) == {
        RuleError("CODE991", "src/a.py", "RuntimeError: cannot read src/a.py"),
        RuleError("CODE992", None, "ValueError: no tree"),
    }
    assert [f.rule for f in result.findings] == [RULE]


def test_change_rule_hits_honour_inline_suppressions(test_rules: list[str]) -> None:
    def marker_lines(view: ChangeView) -> Iterator[Hit]:
        for patch in view.patches:
            for line in patch.added:
                if "marker" in line.text:
                    yield Hit(Side.ADDED, patch.path, line.number, line.text.split("#")[0], "a marker")

    register("CODE993", "test-only-markers", marker_lines, scope=Scope.CHANGE, keeps=lambda p: p.endswith(".py"))
    test_rules.append("CODE993")
    text = "marker = 1  # debtbot: ignore[CODE993] tracked in #4\nmarker = 2\n"

    result = run(added("src/a.py", text), config=only("CODE993"))

    assert sorted((f.line, f.acknowledged) for f in result.findings) == [
        (1, "suppressed inline: tracked in #4"),
        (2, None),
    ]


def test_results_by_category() -> None:
    result = run({"src/old.py": ("# TODO: old\n", None), "src/a.py": (None, todos(2))})

    assert result.by_category()[Category.CODE] == {"findings": 1, "effort_minutes": 30, "paid_minutes": 15}
    assert result.by_category()[Category.DATA] == {"findings": 0, "effort_minutes": 0, "paid_minutes": 0}
