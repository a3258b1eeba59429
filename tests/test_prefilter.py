"""The needle prefilter skips rules, never findings: a review with it equals the review without it."""

from __future__ import annotations

import dataclasses
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from ahocorasick_rs import BytesAhoCorasick, Implementation

from bench.quality import diff_of, load_corpus, snapshot_of
from checks import Snapshot, parse_diff, review
from checks import prefilter as prefilter_module
from checks.config import Config
from checks.finding import Hit
from checks.paths import Kind
from checks.prefilter import Prefilter, any_case, invalid_needle
from checks.registry import Docs, Scope, catalog, rule
from checks.runner import ReviewResult
from tests.rules.casefile import build_diff, load_cases

COMMITS = Path(__file__).resolve().parent.parent / "bench" / "data" / "ml-library-commits.tar.xz"


def _outcome(result: ReviewResult) -> tuple[object, ...]:
    return (
        [(f.rule, f.path, f.occurrences, f.severity, f.acknowledged) for f in result.findings],
        [(f.rule, f.path, f.occurrences) for f in result.paid],
        result.conclusion,
        result.rule_errors,
    )


def _same_with_and_without(diff: str, snapshot: Snapshot, config: Config | None = None) -> None:
    gated = review(diff, snapshot=snapshot, config=config)
    every = review(diff, snapshot=snapshot, config=config, prefilter=False)
    assert _outcome(gated) == _outcome(every)


def test_every_rule_case_finds_the_same_with_the_prefilter() -> None:
    for case in load_cases():
        spec = case.spec
        texts = dict(spec.get("texts") or {})
        sizes = {}
        for f in spec["files"]:
            if f.get("text") is not None:
                texts[f["path"]] = f["text"]
            if f.get("size") is not None:
                sizes[f["path"]] = int(f["size"])
        tree = spec.get("tree")
        snapshot = Snapshot(sizes=sizes, texts=texts, tree=frozenset(tree) if tree is not None else None)
        config = Config.model_validate(spec.get("config") or {})
        try:
            _same_with_and_without(build_diff(spec["files"]), snapshot, config)
        except AssertionError as failed:
            raise AssertionError(f"{case.id}: {failed}") from None


def test_the_labelled_corpus_finds_the_same_with_the_prefilter() -> None:
    for change in load_corpus():
        config = Config.model_validate(change.spec.get("config") or {})
        try:
            _same_with_and_without(diff_of(change.spec["files"]), snapshot_of(change.spec), config)
        except AssertionError as failed:
            raise AssertionError(f"{change.id}: {failed}") from None


def _commits() -> Iterator[tuple[str, str]]:
    with tarfile.open(COMMITS, "r:xz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".diff"):
                data = tar.extractfile(member)
                assert data is not None
                yield member.name, data.read().decode("utf-8", "replace")


def test_four_hundred_real_commits_find_the_same_with_the_prefilter() -> None:
    seen = 0
    for name, diff in _commits():
        seen += 1
        try:
            _same_with_and_without(diff, Snapshot())
        except AssertionError as failed:
            raise AssertionError(f"{name}: {failed}") from None
    assert seen == 400


def test_every_rule_that_reads_lines_of_python_names_its_needles() -> None:
    """The rules that run on every Python file are the ones a large change pays for: each names needles, or
    says here why it cannot (it reads the whole file, or its findings need no particular word)."""
    from checks.paths import Kind

    without_needles = {
        "CODE008": "commented-out code and code parked in strings: any line of code may be either",
        "CODE014": "a syntax error is anywhere in the post-change text",
        "DATA003": "a Windows drive path (`D:\\data`) holds no word; `a:` ... `Z:` are in nearly every file",
    }
    missing = [
        r.code
        for r in catalog()
        if r.scope is Scope.FILE
        and r.reads_lines
        and r.needles is None
        and (r.kinds is None or Kind.PYTHON in r.kinds)
        and r.code not in without_needles
    ]
    assert not missing, f"rules reading Python lines without needles: {missing}"


# The automaton itself, on a rule registered for these tests only.


def _rule(
    code: str,
    needles: tuple[str, ...] | None,
    *,
    kinds: set[Kind] | None = None,
    by_kind: dict[Kind, tuple[str, ...]] | None = None,
) -> None:
    @rule(
        code=code,
        slug=f"prefilter-probe-{code.lower()}",
        title="probe",
        category=next(r.category for r in catalog() if r.code.startswith(code[:4])),
        severity=catalog()[0].severity,
        effort=1,
        remediation="-",
        docs=Docs("-", "-", "-", "-"),
        kinds=kinds,
        needles=needles,
        needles_by_kind=by_kind,
    )
    def probe(view: object) -> list[Hit]:
        return []


def test_a_needle_is_found_inside_another_and_its_case_matters() -> None:
    probe = catalog()[0]
    rules = [
        dataclasses.replace(probe, code="CODE990", needles=("torch.load(",)),
        dataclasses.replace(probe, code="CODE991", needles=("load(",)),
        dataclasses.replace(probe, code="CODE992", needles=("todo",)),
        dataclasses.replace(probe, code="CODE993", needles=("absent",)),
    ]
    prefilter = Prefilter(rules)
    present = prefilter.found_in(["+x = torch.load(path)  # todo: later\n"])
    assert [prefilter.may_find(r, present) for r in rules] == [True, True, True, False]
    assert not prefilter.may_find(rules[2], prefilter.found_in(["+x = 1  # ToDo: later\n"]))


def test_a_prefilter_reads_with_an_nfa_until_it_has_read_enough_for_a_dfa(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Implementation] = []
    build = Prefilter._build

    def recorded(self: Prefilter, implementation: Implementation) -> BytesAhoCorasick:
        built.append(implementation)
        return build(self, implementation)

    monkeypatch.setattr(Prefilter, "_build", recorded)
    rule_ = dataclasses.replace(catalog()[0], code="CODE990", needles=("torch.load(",))
    prefilter = Prefilter([rule_])
    assert prefilter.may_find(rule_, prefilter.found_in(["+x = torch.load(path)\n"]))
    assert built == [Implementation.NoncontiguousNFA]
    filler = "+x = 1\n" * (prefilter_module.DFA_AFTER_BYTES // 7 + 1)
    assert not prefilter.may_find(rule_, prefilter.found_in([filler]))
    assert prefilter.may_find(rule_, prefilter.found_in(["+y = torch.load(other)\n"]))
    assert built == [Implementation.NoncontiguousNFA, Implementation.DFA]


def test_a_rule_without_needles_is_never_skipped() -> None:
    plain = next(r for r in catalog() if r.needles is None)
    prefilter = Prefilter([plain])
    assert not prefilter.gates(plain)
    assert prefilter.may_find(plain, frozenset())


def test_the_hunks_are_read_with_their_context_lines() -> None:
    diff = parse_diff(
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n import pickle\n-x = 1\n+x = 2\n"
    )
    probe = dataclasses.replace(catalog()[0], code="CODE994", needles=("pickle",))
    prefilter = Prefilter([probe])
    assert prefilter.may_find(probe, prefilter.found(diff.files[0]))


@pytest.mark.parametrize(
    ("needle", "why"),
    [
        ("", "never empty"),
        ('"latest"', "quotes"),
        ("a\\b", "backslashes"),
        ("line\nbreak", "newlines"),
        ("caf\u00e9", "printable ASCII"),
    ],
)
def test_a_needle_the_raw_hunks_may_not_hold_is_refused(needle: str, why: str) -> None:
    reason = invalid_needle(needle)
    assert reason is not None
    assert why in reason


def test_a_rule_with_a_bad_needle_is_refused_at_registration() -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        _rule("CODE995", ("tab\there",))
    with pytest.raises(ValueError, match="never an empty list"):
        _rule("CODE996", ())


def test_needles_by_kind_narrow_known_needles_for_kinds_the_rule_reads() -> None:
    with pytest.raises(ValueError, match="needles by kind"):
        _rule("CODE995", None, kinds={Kind.PYTHON}, by_kind={Kind.PYTHON: ("skip",)})
    with pytest.raises(ValueError, match="needles by kind"):
        _rule("CODE995", ("skip", "xit"), kinds={Kind.PYTHON}, by_kind={Kind.SHELL: ("skip",)})
    with pytest.raises(ValueError, match="never an empty list"):
        _rule("CODE995", ("skip", "xit"), kinds={Kind.PYTHON}, by_kind={Kind.PYTHON: ()})
    with pytest.raises(ValueError, match="printable ASCII"):
        _rule("CODE995", ("skip", "xit"), kinds={Kind.PYTHON}, by_kind={Kind.PYTHON: ("ski\\p",)})


def test_a_rule_is_gated_by_the_needles_of_the_files_kind() -> None:
    skipped = next(r for r in catalog() if r.code == "CODE019")
    exiting = ["+    sys.exit(main())\n"]
    c_like = Prefilter([skipped], Kind.C_LIKE)
    assert c_like.may_find(skipped, c_like.found_in(exiting))  # `xit`: a JavaScript test runner's word
    python = Prefilter([skipped], Kind.PYTHON)
    assert not python.may_find(skipped, python.found_in(exiting))
    assert python.may_find(skipped, python.found_in(["+@pytest.mark.skip(reason='flaky')\n"]))


def test_any_case_spells_every_mix_of_capitals() -> None:
    assert any_case("to-do") == ("to-do", "to-dO", "to-Do", "to-DO", "tO-do", "tO-dO", "tO-Do", "tO-DO",
                                 "To-do", "To-dO", "To-Do", "To-DO", "TO-do", "TO-dO", "TO-Do", "TO-DO")  # fmt: skip
    with pytest.raises(ValueError, match="at most"):
        any_case("workaround")


@pytest.mark.parametrize(
    ("needles", "text", "wanted"),
    [
        # One needle inside another, or starting at the same place: only the first is reported by the automaton.
        (("torch.load(", "load("), "+m = torch.load(f)\n", "load("),
        (("load(", "load(f"), "+m = torch.load(f)\n", "load(f"),
        # A needle that starts inside another's match and runs past its end.
        (("pickle", "lem"), "+import picklem\n", "lem"),
        # Not there at all, though it shares a start with one that is.
        (("pickle", "pickled"), "+import pickle\n", None),
    ],
)
@pytest.mark.parametrize("dfa_after", [0, prefilter_module.DFA_AFTER_BYTES], ids=["dfa", "nfa"])
def test_needles_overlapping_another_match_are_found(
    needles: tuple[str, ...], text: str, wanted: str | None, dfa_after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The NFA a prefilter starts with and the DFA it builds once it has read enough find the same needles.
    monkeypatch.setattr(prefilter_module, "DFA_AFTER_BYTES", dfa_after)
    probe = catalog()[0]
    rules = [dataclasses.replace(probe, code=f"CODE99{i}", needles=(n,)) for i, n in enumerate(needles)]
    prefilter = Prefilter(rules)
    present = prefilter.found_in([text])
    assert {n for r, n in zip(rules, needles, strict=True) if prefilter.may_find(r, present)} == {needles[0]} | (
        {wanted} if wanted else set()
    )


@pytest.mark.parametrize(
    "added",
    [
        "x = 1  # a \u212aludge until the API settles",  # KELVIN SIGN: `(?i)k` matches it
        "y = 2  # hac\u212aed around the cache",
    ],
)
def test_a_word_spelled_with_a_letter_that_folds_to_ascii_is_still_found(added: str) -> None:
    diff = f"diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,0 +1,1 @@\n+{added}\n"
    every = review(diff, snapshot=Snapshot(), prefilter=False)
    assert any(f.rule == "CODE002" for f in every.findings)
    _same_with_and_without(diff, Snapshot())


def test_a_notebook_escaping_such_a_letter_runs_every_rule() -> None:
    probe = dataclasses.replace(catalog()[0], code="CODE997", needles=("kludge",))
    prefilter = Prefilter([probe])
    assert not prefilter.may_find(probe, prefilter.found_in(['+    "# a Kludge\\n",']))  # case matters
    assert prefilter.may_find(probe, prefilter.found_in(['+    "# a \\u212Aludge\\n",']))


@pytest.mark.parametrize(
    "text",
    [
        *("+# a " + letter + "ludge\n" for letter in "\u212a\u017f\u0131\u0130"),
        *(f'+    "# a \\u{code}ludge\\n",' for code in ("212a", "212A", "017f", "017F", "0131", "0130")),
    ],
)
def test_every_folding_letter_and_escape_runs_every_rule(text: str) -> None:
    probe = dataclasses.replace(catalog()[0], code="CODE997", needles=("kludge",))
    prefilter = Prefilter([probe])
    assert prefilter.may_find(probe, prefilter.found_in([text]))


def test_needles_after_other_non_ascii_text_and_lone_surrogates_are_found() -> None:
    probe = dataclasses.replace(catalog()[0], code="CODE997", needles=("kludge",))
    prefilter = Prefilter([probe])
    # Matched on UTF-8 bytes: multi-byte characters before a needle, or a lone surrogate a JSON patch may
    # hold, neither hide it nor raise.
    assert prefilter.may_find(probe, prefilter.found_in(["+# caf\u00e9 \U0001f600 \ud800 kludge\n"]))
    assert not prefilter.may_find(probe, prefilter.found_in(["+# caf\u00e9 \U0001f600 \ud800 clean\n"]))
