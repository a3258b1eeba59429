"""Code-debt rule behaviour that the one-hunk case files cannot express: several hunks, notebook layouts."""

from __future__ import annotations

import ast
import difflib
import itertools
import json
import re

import pytest
from ahocorasick_rs import AhoCorasick

from checks import Snapshot, languages, review, satd
from checks.diff import Line, LineSet
from checks.finding import Finding, Side
from checks.paths import Kind, Role, roles
from checks.prefilter import any_case
from checks.registry import find
from checks.rules import code_artifacts, code_common, code_dead, code_suppressions
from checks.views import SideView
from tests.rules.whole_files import added_file, deleted_file

_TWO_HUNKS = """\
diff --git a/src/train.py b/src/train.py
index 1111111..2222222 100644
--- a/src/train.py
+++ b/src/train.py
@@ -1,2 +1,4 @@
 import torch
+# model = Net()
+# model.fit(x, y)
 x = load()
@@ -20,2 +22,4 @@ def run():
     y = x + 1
+    # out = model(y)
+    # loss = crit(out)
     return y
"""


def _findings(diff: str, rule: str, texts: dict[str, str] | None = None) -> list[Finding]:
    result = review(diff, snapshot=Snapshot(texts=texts or {}))
    assert not result.rule_errors, result.rule_errors
    return [f for f in result.findings if f.rule == rule]


def test_commented_code_in_two_hunks_is_not_one_block() -> None:
    assert _findings(_TWO_HUNKS, "CODE008") == []


def test_the_same_commented_lines_in_one_hunk_are_a_block() -> None:
    one_hunk = _TWO_HUNKS.replace(" x = load()\n@@ -20,2 +22,4 @@ def run():\n     y = x + 1\n", "").replace(
        "@@ -1,2 +1,4 @@", "@@ -1,2 +1,6 @@"
    )
    (finding,) = _findings(one_hunk, "CODE008")
    assert (finding.line, finding.end_line) == (2, 5)


def test_a_tag_after_a_character_that_grows_when_lowercased_is_still_found() -> None:
    # "İ".lower() is two characters: the fast lowercase pass must not lose the tag's position.
    diff = added_file("src/geo.py", 'city = "x"\nname = city  # İstanbul İzmir FIXME: transliterate\n')
    (finding,) = _findings(diff, "CODE001")
    assert finding.line == 2
    assert finding.message == "FIXME comment: İstanbul İzmir FIXME: transliterate"


def _colab_notebook(*, source: str, output: str) -> str:
    """A notebook as Colab writes it: two-space indentation, not nbformat's one."""
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "outputs": [{"name": "stdout", "output_type": "stream", "text": [output]}],
        "source": [source],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 0}, indent=2) + "\n"


def test_a_local_path_in_a_colab_cell_source_is_not_an_output_leak() -> None:
    notebook = _colab_notebook(source="df = pd.read_csv('/content/drive/MyDrive/churn.csv')", output="(100, 3)\n")
    for texts in ({}, {"nb/churn.ipynb": notebook}):
        (finding,) = _findings(added_file("nb/churn.ipynb", notebook), "CODE003", texts)
        assert finding.severity == "low", texts


def test_a_local_path_in_a_colab_output_is_medium() -> None:
    notebook = _colab_notebook(source="df.info()", output="/home/alice/.cache/churn.csv: 100 rows\n")
    (finding,) = _findings(added_file("nb/churn.ipynb", notebook), "CODE003")
    assert finding.severity == "medium"
    assert any("local path" in o.message for o in finding.occurrences)


def test_ml_debt_tags_are_left_to_the_model_family_and_others_stay_here() -> None:
    diff = added_file("src/serve.py", "# TODO: retrain the model weekly\n# TODO: add request logging\n")
    (finding,) = _findings(diff, "CODE001")
    assert finding.lines == (2,)


def test_each_tagged_comment_is_reported_by_exactly_one_of_code001_and_model017() -> None:
    lines = [
        "x = 1  # TODO: tune the learning rate",
        "y = 2  # the labels are shifted, HACK around it",
        "z = 3  # FIXME: retries hang on timeouts",
        "# XXX: the dataset loader drops the last batch",
        "# todo: add request logging",
    ]
    result = review(added_file("src/job.py", "\n".join(lines) + "\n"), snapshot=Snapshot())
    owners: dict[int, list[str]] = {}
    for finding in result.findings:
        if finding.rule in ("CODE001", "MODEL017"):
            for line in finding.lines:
                owners.setdefault(line, []).append(finding.rule)
    assert owners == {1: ["MODEL017"], 2: ["CODE001"], 3: ["CODE001"], 4: ["MODEL017"], 5: ["CODE001"]}


# The needles of the code rules (see checks.prefilter), and the rules' own shortcuts, against what they stand for.


def _spellings(pattern: str) -> list[str]:
    """Every string a phrase pattern of `checks.satd` matches: literals, `(?:a|b)`, `[ab]`, each maybe with `?`."""
    options: list[list[str]] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("(?:", i):
            end = pattern.index(")", i)
            choices = [s for part in pattern[i + 3 : end].split("|") for s in _spellings(part)]
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            choices = list(pattern[i + 1 : end])
        else:
            end, choices = i, [pattern[i]]
        i = end + 1
        if i < len(pattern) and pattern[i] == "?":
            choices, i = ["", *choices], i + 1
        options.append(choices)
    return ["".join(parts) for parts in itertools.product(*options)]


def _written(phrase: str) -> list[str]:
    """A phrase as people write it, and as a notebook's JSON holds it."""
    cases = [phrase, phrase.upper(), phrase.title(), phrase.capitalize(), phrase.swapcase()]
    return [*cases, *(json.dumps(c) for c in cases)]


def test_every_satd_phrase_holds_a_needle_and_a_literal_however_written() -> None:
    for pattern in (*satd._DEFECT_PHRASES, *satd._DEBT_PHRASES):
        spellings = _spellings(pattern)
        assert spellings, pattern
        for phrase in spellings:
            assert satd.SATD_PHRASE.fullmatch(phrase), (pattern, phrase)
            for written in _written(phrase):
                assert any(n in written for n in satd.SATD_PHRASE_NEEDLES), (pattern, written)
            assert any(lit in phrase.lower() for lit in satd.SATD_PHRASE_LITERALS), (pattern, phrase)


def test_the_tag_needles_are_the_spellings_tag_matches() -> None:
    every_case = any_case("todo", "fixme", "xxx", "hack")
    assert {w for w in every_case if satd.TAG.fullmatch(w)} == set(satd.TAG_NEEDLES)


#: One directive of each kind CODE018 knows, as its tool writes it.
_DIRECTIVES = (
    "# flake8: noqa",
    "# noqa: E501",
    "# type: ignore[attr-defined]",
    "# mypy: ignore-errors",
    '# mypy: disable-error-code="no-redef"',
    "# pyright: ignore[reportGeneralTypeIssues]",
    "# pyright: reportPrivateUsage=false",
    "# pylint: skip-file",
    "# pylint: disable=invalid-name",
    "# pytype: skip-file",
    "# ty: ignore[call-non-callable]",
    "# pyrefly: ignore",
    "# pyre-fixme[6]: Expected `int`.",
    "# pyre-ignore-all-errors[16]",
    "# pytype: disable=attribute-error",
    "# no-cython-lint",
    "# nosec B101",
    "# pragma: no cover",
    "# shellcheck disable=SC2086",
    "# hadolint ignore=DL3008",
    "# yamllint disable-line rule:line-length",
    "# nolint",
    "// eslint-disable-next-line no-console",
    "// @ts-ignore",
    "// @ts-nocheck",
    "// @ts-expect-error wrong types",
    "/* istanbul ignore next */",
    "//nolint:errcheck",
    "// NOLINTNEXTLINE(bugprone-*)",
    "-- noqa: L010",
    '@SuppressWarnings("unchecked")',
    "#![allow(dead_code)]",
    '#pragma GCC diagnostic ignored "-Wunused"',
    "#pragma warning(disable: 4996)",
)


def test_every_suppression_directive_holds_a_needle_however_written() -> None:
    for directive in code_suppressions._DIRECTIVES:
        assert any(directive.pattern.search(d) for d in _DIRECTIVES), f"no example of {directive.name}"
    rule = find("CODE018")
    assert rule is not None
    assert rule.needles is not None
    for d in _DIRECTIVES:
        for written in _written(d):  # every writing that is still a directive (pyright's are read as written)
            if any(directive.pattern.search(written) for directive in code_suppressions._DIRECTIVES):
                assert any(n in written for n in rule.needles), written


def _side(text: str, kind: Kind, numbers: list[int] | None = None) -> SideView:
    lines = text.split("\n")
    listed = [Line(n, t) for n, t in zip(numbers or range(1, len(lines) + 1), lines, strict=True)]
    return SideView(path="x", side=Side.ADDED, lines=LineSet.of(listed), file_kind=kind)


_COMMENTS = (
    "x = 1  # TODO: later\ny = 2  # todo items per user\n# FIXME(bob) and # HACK - x\n# XXXX xxx Fixme ToDo tOdO",
    'url = "http://x/todo"  # ok\ns = "# TODO in a string"\n#TODO\n#-TODO TODO- _todo todo_ TODOs',
    "a = b * c  // TODO: fix\n/* FIXME */ x++; // hack\n * XXX: continued\nint todo = 0; // ToDo",
    "select 1 -- TODO: index\n/* Fixme */ select 2",
    "İstanbul # FIXME: transliterate\nſ # todo: x\n# ToDo – later\n\u212a # HACK",
    "no comment here TODO\n\n#\n# todo",
)


def test_comment_tags_are_what_a_scan_of_the_comments_finds() -> None:
    prefilter = re.compile(r"(?:todo|fixme|xxx|hack)(?![\w-])")
    for text in _COMMENTS:
        for kind in (Kind.PYTHON, Kind.C_LIKE, Kind.SQL, Kind.SHELL, Kind.JSON):
            side = _side(text, kind)
            expected = [(m.index, m.match.span()) for m in code_common.search_comments(side, prefilter, satd.TAG)]
            found = [(m.index, m.match.span()) for m in code_common._tags_after_markers(_side(text, kind))]
            assert found == expected, (text, kind)
            in_tails = [(m.index, m.match.span()) for m in code_common._tags_in_tails(_side(text, kind))]
            assert in_tails == expected, (text, kind)


def test_suppression_words_find_what_the_comment_prefilter_finds() -> None:
    prefilter = code_suppressions._COMMENT_PREFILTER
    texts = [
        "# noqa  #\ttype : ignore // pylint: x /* @ts--noqa -- nosec #--noqa ///noqa",
        "--#noqa #  pragma:no # istanbul  ignore #flake8: #ruff : # c8 ignore # mypy",
        *("".join(p) for p in itertools.product(("#", "//", "/", "-", "--", " ", "@ts-", "\n"), repeat=3)),
    ]
    words = code_suppressions._COMMENT_WORDS
    for text in texts:
        for tail in (text, text + "noqa", text + " eslint-disable"):
            expected = [m.span() for m in prefilter.finditer(tail)]
            assert [m.span() for m in code_common._matches_before(tail, prefilter, words)] == expected, tail
    # Each alternative after the marker and blanks starts with one of the words (a new one needs its word).
    alternatives = prefilter.pattern.split("[ \\t]*(?:", 1)[1][:-1]
    depth, start, starts = 0, 0, []
    for i, ch in enumerate(alternatives + "|"):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "|" and depth == 0:
            starts.append(alternatives[start:i].removeprefix("(?:").split("|"))
            start = i + 1
    firsts = [option for options in starts for option in options]
    assert len(firsts) > 15
    for option in firsts:
        assert option.startswith(code_suppressions.COMMENT_WORDS), option


@pytest.mark.parametrize(
    ("code", "anchor"),
    [
        ("        return LocalWriter(**kwargs)", "LocalWriter(**kwargs)"),
        ("        writer = LocalWriter(**kwargs)", "LocalWriter(**kwargs)"),
        ("        self.decoder: Decoder = Decoder(", "Decoder("),
        ("        yield batch.to(device)", "batch.to(device)"),
        ("        output = (", "        output = ("),  # nothing of the expression on the line: the target says it
        ("        if x == y:", "        if x == y:"),
        ("        values[i] = f(x)", "        values[i] = f(x)"),
    ],
)
def test_a_suppressions_anchor_is_the_expression_it_silences(code: str, anchor: str) -> None:
    assert code_suppressions._silenced_expression(code) == anchor


def test_phrase_literals_skip_only_comments_without_a_phrase() -> None:
    texts = [
        "# " + " ".join(variant) for variant in itertools.product(("x", "THIS DOESN’T LOOK RIGHT"), ("y", "Kludgy"))
    ]
    texts += ["# you may not use this file except in compliance with the License", "# İ: dont use this"]
    for text in texts:
        plain = [m.match.span() for m in code_common.search_comments(_side(text, Kind.PYTHON), *_PHRASES)]
        fast = [m.match.span() for m in code_common.search_comments(_side(text, Kind.PYTHON), *_PHRASES, _LITERALS)]
        assert fast == plain, text


_PHRASES = (re.compile(satd.SATD_PHRASE.pattern), satd.SATD_PHRASE)
_LITERALS = AhoCorasick(list(satd.SATD_PHRASE_LITERALS))

_MODULE = '''"""Module docstring.

x = 1
"""
import os


class A:
    """Class doc."""

    def f(self):
        "one line"
        try:
            """x = 1
            y = 2"""
        except ValueError:
            "handler"
        else:
            "else"
        finally:
            "finally"
        match self:
            case 1:
                "case"
        return (
            "not a statement"
        )


if True:
    ("parenthesized"
     "string")
elif False:
    b"bytes"
    f"f-string {os}"
'''


def test_string_statements_are_the_string_statements_walked() -> None:
    tree = ast.parse(_MODULE)
    walked = [
        (node.lineno, node.value.value)
        for node in code_common.statements(tree.body)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]
    assert [(node.lineno, value) for node, value in code_common.string_statements(tree.body)] == walked
    assert len(walked) == 9


def test_the_dead_code_shortcuts_match_their_patterns() -> None:
    old_run = re.compile(r"#[^\n]*(?:\n[ \t]*#[^\n]*){2,}")
    texts = [
        "# a\n# b\n#c\nx = 1  # d\n    # e\n\t# f\n#\n",
        "x = 1  # a\n# b\n\n# c\n# d",
        "###\n#\n#",
        'r"""x\n  u\'\'\'y\nx = """\n',
        'x = """a\n"""',
        "  R'''\n",
        '"""\n',
        "'''",
        "f'''x'''\nbr\"\"\"y\"\"\"\nx = 1",
        "",
    ]
    for text in texts:
        assert [m.span() for m in code_dead.COMMENT_RUN.finditer(text)] == [m.span() for m in old_run.finditer(text)]
        assert code_dead._opens_string(text) == (code_dead.STRING_OPENER.search(text) is not None), text


def _comment_start_stepwise(line: str, kind: Kind) -> int | None:
    """`languages.comment_start` as it was written first: one step per character (the reference)."""
    markers = languages.line_markers(kind)
    if kind is Kind.C_LIKE:
        stripped = line.lstrip()
        if stripped.startswith(("/*", "*")) and not stripped.startswith("*/"):
            return len(line) - len(stripped) + (2 if stripped.startswith("/*") else 1)
    quote: str | None = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'" and kind is not Kind.MAKEFILE and kind is not Kind.DOCKERFILE:
            quote = ch
        else:
            for marker in markers:
                if line.startswith(marker, i):
                    return i + len(marker)
        i += 1
    return None


def test_comment_start_is_the_stepwise_scan() -> None:
    pieces = ("#", "/", "*", "-", "<!--", "<", "!", '"', "'", "\\", " ", "a")
    for kind in (Kind.PYTHON, Kind.MAKEFILE, Kind.C_LIKE, Kind.SQL, Kind.MARKDOWN, Kind.JSON):
        for parts in itertools.product(pieces, repeat=4):
            line = "".join(parts)
            assert languages.comment_start(line, kind) == _comment_start_stepwise(line, kind), (line, kind)


def _artifact_by_patterns_alone(path: str) -> tuple[str, str] | None:
    path_roles = roles(path)
    if Role.VENDORED in path_roles:
        return None
    for label, _, pattern in code_artifacts._ARTIFACTS:
        m = pattern.search(path)
        if m is not None:
            if label in code_artifacts._SKIP_IN_TESTS and path_roles & code_artifacts._TEST_ROLES:
                return None
            return label, m.groupdict().get("dir") or label
    return None


def test_committed_artifact_words_never_change_what_the_patterns_find() -> None:
    """CODE007 tries each pattern only on paths holding one of its words: never a different answer."""
    words = {w for _, ws, _ in code_artifacts._ARTIFACTS for w in ws}
    words |= {w for _, _, p in code_artifacts._ARTIFACTS for w in re.findall(r"[A-Za-z_.-]{2,}", p.pattern)}
    endings = ["", "/", "/x.py", ".pyc", ".pyo", ".json", "/settings.json", ".swp", ".x.swo", ".log", ".1.2"]
    starts = ["", "src/", ".", "a.", "tests/"]
    paths = [f"{start}{word}{ending}" for word in words for start in starts for ending in endings]
    found = [_artifact_by_patterns_alone(path) for path in paths]
    assert sum(f is not None for f in found) > 100  # the sweep reaches every kind of artifact
    assert [code_artifacts._artifact(path) for path in paths] == found


def _frame_notebook(*, source: str = "df", html: list[str] | None = None) -> str:
    """A notebook as nbformat writes it, whose one cell rendered a pandas DataFrame as HTML."""
    table = html or [
        '<table border="1" class="dataframe">\n',
        "  <tr><th></th><th>email</th></tr>\n",
        "  <tr><th>0</th><td>ana@example.com</td></tr>\n",
        "</table>\n",
        "<p>1000 rows \u00d7 3 columns</p>",
    ]
    output = {
        "data": {"text/html": table, "text/plain": ["   email\n", "0  ana@example.com"]},
        "execution_count": 1,
        "metadata": {},
        "output_type": "execute_result",
    }
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [output], "source": [source]}
    data = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def test_a_rendered_dataframe_in_the_outputs_is_medium_with_its_size() -> None:
    notebook = _frame_notebook()
    for texts in ({}, {"nb/eda.ipynb": notebook}):
        (finding,) = _findings(added_file("nb/eda.ipynb", notebook), "CODE003", texts)
        assert finding.severity == "medium", texts
        assert "Notebook output shows rows of a DataFrame (1000 rows \u00d7 3 columns)" in [
            o.message for o in finding.occurrences
        ]


def test_a_dataframe_in_a_tutorial_or_in_code_is_not_data_in_outputs() -> None:
    notebook = _frame_notebook()
    assert _findings(added_file("examples/tour.ipynb", notebook), "CODE003") == []
    in_code = _frame_notebook(source="html = '<table class=\"dataframe\">'", html=["<b>ok</b>"])
    (finding,) = _findings(added_file("nb/eda.ipynb", in_code), "CODE003")
    assert finding.severity == "low"


def test_a_removed_suppression_is_paid_and_says_so() -> None:
    diff = (
        "diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1,2 +1,2 @@\n"
        " import numpy\n-x = numpy.load(p)  # type: ignore\n+x = numpy.load(p)\n"
    )
    result = review(diff, snapshot=Snapshot())
    assert [(f.rule, f.message) for f in result.paid] == [("CODE018", "Suppression removed: # type: ignore")]
    assert result.findings == ()


def test_the_lines_above_a_line_stop_at_a_gap_and_at_the_limit() -> None:
    side = _side("a\nb\nc\nx\ny\nz", Kind.PYTHON, [1, 2, 3, 7, 8, 9])

    assert side.lines_above(5, 10) == ["x", "y"]  # line 9: lines 7 and 8 follow on; line 3 is four lines up
    assert side.lines_above(2, 10) == ["a", "b"]
    assert side.lines_above(2, 1) == ["b"]
    assert side.lines_above(3, 10) == []  # line 7: line 6 is not on this side
    assert side.lines_above(0, 10) == []


def _bundle(first_line_length: int) -> str:
    """A script whose first line runs `first_line_length` characters, then lines a person would write."""
    statements = "".join(f"var a{i}=function(t){{return t+{i}}};" for i in range(first_line_length // 30 + 1))
    return f"{statements[:first_line_length]}\n// FIXME: remove once the API is stable\n/* eslint-disable */\n"


def test_a_minified_script_is_a_builds_output_whatever_its_name() -> None:
    diff = added_file("server/static/swagger-ui-bundle.js", _bundle(1_500))
    for texts in ({}, {"server/static/swagger-ui-bundle.js": _bundle(1_500)}):  # diff alone, and with its text
        result = review(diff, snapshot=Snapshot(texts=texts))
        assert [f.rule for f in result.findings] == [], texts.keys()


def test_a_script_of_long_but_written_lines_is_read() -> None:
    diff = added_file("server/static/app.js", _bundle(900))
    assert {f.rule for f in review(diff, snapshot=Snapshot(texts={})).findings} == {"CODE001", "CODE018"}


_LICENCE = "".join(
    f"# {line}\n"
    for line in [
        "Copyright 2024-present, the HuggingFace Inc. team.",
        "",
        'Licensed under the Apache License, Version 2.0 (the "License");',
        "you may not use this file except in compliance with the License.",
        "You may obtain a copy of the License at",
        "",
        "    http://www.apache.org/licenses/LICENSE-2.0",
        "",
        "Unless required by applicable law or agreed to in writing, software",
        'distributed under the License is distributed on an "AS IS" BASIS,',
        "WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.",
        "See the License for the specific language governing permissions and",
        "limitations under the License.",
    ]
)
_GENERATED_CLIENT = (
    _LICENCE
    + "#\n# WARNING\n# This entire file has been adapted from the sync-client code in `src/client.py`.\n"
    + "# To re-generate the code, run `make style` or `python ./utils/generate_async_client.py --update`.\n"
    + "# WARNING\n\nx = call()  # type: ignore\n"
)


def test_a_generators_mark_after_a_licence_header_makes_the_file_generated() -> None:
    assert len(_LICENCE) > 600  # the mark lies past the first 600 characters
    path = "src/hub/inference/_generated/_async_client.py"
    for texts in ({}, {path: _GENERATED_CLIENT}):
        assert review(added_file(path, _GENERATED_CLIENT), snapshot=Snapshot(texts=texts)).findings == (), texts.keys()
    hand_written = _GENERATED_CLIENT.replace("To re-generate the code, run", "Keep it in step with")
    assert [f.rule for f in review(added_file(path, hand_written), snapshot=Snapshot(texts={})).findings] == ["CODE018"]


def test_a_task_is_shown_from_its_own_tag_when_another_comment_or_task_comes_first_on_its_line() -> None:
    text = (
        "x = 1  # HACK around no mac binary for 1.13.1 - TODO: Remove when bumping torch to 2.0.1\n"
        "def f(self):  # type: ignore[override] # TODO(ana, 11/23): drop the override\n"
        "y = 2  # torch distributed hack\n"
    )
    shown = [(o.line, o.message) for f in _findings(added_file("src/a.py", text), "CODE001") for o in f.occurrences]
    assert sorted(shown) == [
        (1, "HACK comment: HACK around no mac binary for 1.13.1 - TODO: Remove when bumping torch to 2.0.1"),
        (1, "TODO comment: TODO: Remove when bumping torch to 2.0.1"),
        (2, "TODO comment: TODO(ana, 11/23): drop the override"),
        (3, "HACK comment: torch distributed hack"),  # a tag that closes its comment is shown with it
    ]


def test_a_notebook_run_out_of_order_is_reported_at_the_cell_that_drops() -> None:
    cells = [
        {"cell_type": "code", "execution_count": n, "metadata": {}, "outputs": [], "source": [f"x{i} = {n}"]}
        for i, n in enumerate((1, 7, 12, 7))
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    path = "docs/demo.ipynb"
    (finding,) = _findings(added_file(path, text), "CODE004", texts={path: text})
    lines = text.splitlines()
    counts_above = [line for line in lines[: finding.line] if '"execution_count"' in line]
    assert len(counts_above) == 4, finding.line  # the second [7], after the [12], not the first
    assert finding.message == "Notebook executed out of order: a cell run as [7] follows one run as [12]"


def _notebook_printing(text: str) -> str:
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "outputs": [{"name": "stderr", "output_type": "stream", "text": [text]}],
        "source": ["model.fit(X, y)"],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def test_a_developers_folder_printed_in_a_notebook_is_known_by_the_folder() -> None:
    """One notebook's printed `/home/jrg365/` goes, another prints `/home/gpleiss/`: a new leak, and the old one paid;
    the same folder printed by a notebook moved to another name is the leak it was."""
    old = _notebook_printing("/home/jrg365/anaconda3/lib/python3.7/site-packages/matplotlib/x.py:1: UserWarning\n")
    new = _notebook_printing("/home/gpleiss/workspace/linear_operator/sparse.py:51: UserWarning\n")
    for texts in ({}, {"examples/b.ipynb": new}):
        result = review(
            deleted_file("examples/a.ipynb", old) + added_file("examples/b.ipynb", new),
            snapshot=Snapshot(texts=texts),
        )
        assert [(f.path, f.message) for f in result.findings if f.rule == "CODE003"] == [
            ("examples/b.ipynb", "Notebook output shows a developer's local path (/home/gpleiss/)")
        ]
        assert [f.path for f in result.paid if f.rule == "CODE003"] == ["examples/a.ipynb"]
    moved = deleted_file("examples/a.ipynb", new) + added_file("examples/c.ipynb", new)
    assert [f.rule for f in review(moved, snapshot=Snapshot()).findings] == []


def _notebook_run(counts: tuple[int | None, ...]) -> str:
    cells: list[dict[str, object]] = [
        {"cell_type": "code", "execution_count": n, "metadata": {}, "outputs": [], "source": [f"x{i} = {i}"]}
        for i, n in enumerate(counts)
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _modified(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


def test_a_notebook_run_whole_pays_its_partial_run_and_one_still_partly_run_adds_nothing() -> None:
    path = "examples/keops.ipynb"
    partly, whole = _notebook_run((1, None, 2)), _notebook_run((1, 2, 3))
    result = review(_modified(path, partly, whole), snapshot=Snapshot(texts={path: whole}))
    assert [f.rule for f in result.findings] == []
    assert [(f.rule, f.message) for f in result.paid] == [
        ("CODE004", "Notebook only partly executed: 1 of 3 code cells never ran")
    ]
    still = _notebook_run((4, None, 5))
    result = review(_modified(path, partly, still), snapshot=Snapshot(texts={path: still}))
    assert (result.findings, result.paid) == ((), ())


def test_a_string_laid_out_anew_is_the_string_it_was_and_a_new_one_holding_code_is_parked_code() -> None:
    path = "shap/benchmark/methods.py"
    before = (
        'def tree_shap(model, data):\n    """ TreeExplainer (independent)\n'
        '    color = red_blue_circle(0)\n    linestyle = dashed\n    """\n    return model\n'
    )
    after = before.replace('""" TreeExplainer', '"""TreeExplainer')
    result = review(_modified(path, before, after), snapshot=Snapshot(texts={path: after}))
    assert [f.rule for f in result.findings] == []
    parked = after + 'def kernel(model):\n    """\n    x = load(model)\n    y = x.fit()\n    """\n    return model\n'
    (finding,) = _findings(_modified(path, before, parked), "CODE008", texts={path: parked})
    assert finding.message == "Code parked in a string (2 lines): x = load(model)"


@pytest.mark.parametrize(
    ("module", "shim"),
    [
        ('"""Old path.\n\nclass Model:\n    kept for users of 0.9\n"""\nfrom .new import *  # noqa: F403\n', True),
        ("from .new import Model  # noqa: F401\n\n\nclass Legacy(Model):\n    pass\n", False),
        ("from .new import Model  # noqa: F401\n\n\nasync def load():  # fetched\n    pass\n", False),
        ("from .new import Model  # noqa: F401\n\n\ndef load(\n    path,\n):\n    pass\n", False),
        ("from .new import (\n    Model,\n)\n__all__ = ['Model']\n", True),
    ],
)
def test_a_module_of_imports_alone_is_told_with_or_without_parsing_it(module: str, shim: bool) -> None:
    """A top-level definition is found by a search, except inside a docstring; a signature over several lines by
    parsing."""
    assert code_common.only_imports(module) is shim
    assert (
        all(isinstance(node, ast.Import | ast.ImportFrom | ast.Expr | ast.Assign) for node in ast.parse(module).body)
        is shim
    )


def test_a_block_commented_out_around_comments_the_change_keeps_is_one_piece() -> None:
    """catalyst's commented-out tests: the change comments out code around comment lines already there (context
    lines of its hunk), so the added lines come in runs; with the module's text they are one block, as CODE008 counts
    a block split by comments."""
    path = "tests/pipelines/test_ddp.py"
    before = "import torch\n\n# the DDP runs\n# need two GPUs\n\n\ndef test_run():\n    run()\n"
    after = (
        "import torch\n\n# def test_ddp():\n#     runner = Runner()\n#     runner.train()\n# the DDP runs\n"
        "# need two GPUs\n#     runner.evaluate()\n#     assert runner.ok\n#     runner.close()\n\n\n"
        "def test_run():\n    run()\n"
    )
    diff = _modified(path, before, after)
    for texts in ({path: after}, {}):  # the lines between are the hunk's context, known from the diff alone too
        (finding,) = _findings(diff, "CODE008", texts=texts)
        assert [(o.line, o.end_line) for o in finding.occurrences] == [(3, 10)], texts


def _notebook(*cells: str) -> str:
    """A Python notebook of code cells, written as nbformat writes it (one-space indent, sorted keys)."""
    code: list[dict[str, object]] = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": cell.splitlines(True)}
        for cell in cells
    ]
    kernel = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    return json.dumps({"cells": code, "metadata": kernel, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def test_a_shell_escape_continued_with_backslashes_is_shell_to_its_last_line() -> None:
    path = "notebooks/Tutorial_2.ipynb"
    command = '!tts --text "Text for TTS" \\\n      --model_path $test_ckpt \\\n      --out_path out.wav'
    before, after = _notebook("x = 1", " " + command), _notebook("x = 1", command)
    result = review(_modified(path, before, after), snapshot=Snapshot(texts={path: after}))
    assert [f.rule for f in result.findings] == []
    broken = _notebook("x = 1", command + "\n  y = 2")
    result = review(_modified(path, before, broken), snapshot=Snapshot(texts={path: broken}))
    assert [(f.rule, f.message) for f in result.findings] == [
        ("CODE014", "Python does not parse: unexpected indent at line 4")
    ]
