"""CODE005's long code cells: found where nbformat writes them, and only when the change makes them long."""

from __future__ import annotations

import difflib
import json
from typing import Any

import pytest

from checks import Snapshot, review
from checks.config import Config
from checks.finding import Finding
from checks.notebook import Notebook, code_cell_spans
from tests.rules.whole_files import added_file, deleted_file

PATH = "notebooks/train.ipynb"


def _cell(source: list[str], cell_type: str = "code") -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": cell_type, "metadata": {}, "source": _items(source)}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _items(lines: list[str]) -> list[str]:
    """Source lines as nbformat stores them: every line but the last keeps its newline."""
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def _notebook(*cells: dict[str, Any], indent: int = 1) -> str:
    """A notebook as nbformat writes it (sorted keys, one-space indent) or Colab (two spaces)."""
    data = {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False) + "\n"


def _code(n: int, name: str = "x") -> list[str]:
    return [f"{name}{i} = {i}" for i in range(n)]


def _diff(before: str | None, after: str) -> str:
    """A git diff of the notebook, as `git diff` would show it (three lines of context)."""
    header = f"diff --git a/{PATH} b/{PATH}\n"
    if before is None:
        header += "new file mode 100644\n"
    body = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        after.splitlines(keepends=True),
        "/dev/null" if before is None else f"a/{PATH}",
        f"b/{PATH}",
    )
    return header + "".join(body)


def _long_cells(
    before: str | None, after: str, *, given_text: bool = True, config: Config | None = None
) -> list[Finding]:
    snapshot = Snapshot(texts={PATH: after} if given_text else {})
    result = review(_diff(before, after), snapshot=snapshot, config=config)
    assert not result.rule_errors, result.rule_errors
    return [f for f in result.findings if f.rule == "CODE005" and "Code cell" in f.message]


@pytest.mark.parametrize("given_text", [True, False], ids=["with-text", "diff-only"])
def test_a_new_notebook_with_a_long_cell_is_low_at_the_cells_lines(given_text: bool) -> None:
    after = _notebook(_cell(_code(3, "a")), _cell(_code(30, "b")))
    (finding,) = _long_cells(None, after, given_text=given_text)
    assert finding.severity == "low"
    assert finding.message == "Code cell of 30 lines (more than 25): move its logic into a module"
    lines = after.splitlines()
    assert finding.line is not None
    assert finding.end_line is not None
    assert json.loads(lines[finding.line - 1].strip().rstrip(",")) == "b0 = 0\n"
    assert json.loads(lines[finding.end_line - 1].strip()) == "b29 = 29"


def test_a_cell_of_the_limit_passes_and_markdown_is_not_code() -> None:
    after = _notebook(_cell(_code(25)), _cell(_code(40), cell_type="markdown"))
    assert _long_cells(None, after) == []


def test_two_long_cells_are_one_finding_with_both_lines() -> None:
    (finding,) = _long_cells(None, _notebook(_cell(_code(26, "a")), _cell(_code(27, "b"))))
    assert len(finding.occurrences) == 2
    assert finding.effort_minutes == 10


def test_a_cell_the_change_grows_past_the_limit_is_new() -> None:
    before = _notebook(_cell(_code(3, "a")), _cell(_code(20, "b")), _cell(_code(2, "c")))
    after = _notebook(_cell(_code(3, "a")), _cell(_code(31, "b")), _cell(_code(2, "c")))
    (finding,) = _long_cells(before, after)
    assert finding.message.startswith("Code cell of 31 lines")


@pytest.mark.parametrize(
    ("name", "after_lines"),
    [
        ("one line edited", [*_code(14), "x14 = 'changed'", *_code(30)[15:]]),
        ("lines appended", _code(36)),
        ("every line rewritten", _code(30, "y")),
        ("shortened but still long", _code(28)),
    ],
)
def test_a_cell_long_before_the_change_is_not_new(name: str, after_lines: list[str]) -> None:
    before = _notebook(_cell(_code(2, "a")), _cell(_code(30)))
    after = _notebook(_cell(_code(2, "a")), _cell(after_lines))
    assert _long_cells(before, after) == [], name


def test_a_cell_a_formatter_wraps_past_the_limit_is_the_same_code() -> None:
    calls = [f"write(fp, 'tweets.{i}.csv', ['id', 'text'], 'hashtags', ['text'])" for i in range(9)]
    wrapped = [
        part
        for i in range(9)
        for part in ("write(", f'    fp, "tweets.{i}.csv", ["id", "text"], "hashtags", ["text"],', ")")
    ]
    before = _notebook(_cell(_code(2, "a")), _cell(["import io", *calls]))
    assert _long_cells(before, _notebook(_cell(_code(2, "a")), _cell(["import io", *wrapped]))) == []
    grown = [*wrapped, "write(fp, 'extra.csv')"]  # wrapped, and a call more: the cell has grown
    (finding,) = _long_cells(before, _notebook(_cell(_code(2, "a")), _cell(["import io", *grown])))
    assert finding.message.startswith("Code cell of 29 lines")


def test_the_limit_is_a_setting() -> None:
    after = _notebook(_cell(_code(30)))
    config = Config.model_validate({"thresholds": {"notebook_max_cell_lines": 40}})
    assert _long_cells(None, after, config=config) == []
    config = Config.model_validate({"thresholds": {"notebook_max_cell_lines": 10}})
    assert len(_long_cells(None, _notebook(_cell(_code(12))), config=config)) == 1


def test_colab_layout_is_read_too() -> None:
    (finding,) = _long_cells(None, _notebook(_cell(_code(30)), indent=2))
    assert finding.line is not None


def test_a_notebook_laid_out_otherwise_draws_no_long_cell() -> None:
    minified = json.dumps({"cells": [_cell(_code(40))], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}) + "\n"
    assert _long_cells(None, minified) == []


def test_spans_are_where_each_code_cells_source_is() -> None:
    text = _notebook(_cell(_code(2, "a")), _cell(["# Title"], "markdown"), _cell([]), _cell(_code(3, "b")))
    spans = code_cell_spans(text, Notebook.parse(text))
    assert spans is not None
    lines = text.splitlines()
    assert [[json.loads(line.strip().rstrip(",")) for line in lines[s.first - 1 : s.last]] for s in spans] == [
        ["a0 = 0\n", "a1 = 1"],
        ["b0 = 0\n", "b1 = 1\n", "b2 = 2"],
    ]


def test_a_span_that_does_not_decode_to_its_cell_gives_none() -> None:
    # Keys written unsorted, source before cell_type: each span would be pinned on its neighbour's source.
    cells = [
        {"source": _items(_code(2, "a")), "cell_type": "markdown", "metadata": {}},
        {"source": _items(_code(2, "b")), "cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1},
        {"source": _items(_code(2, "c")), "cell_type": "markdown", "metadata": {}},
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    assert code_cell_spans(text, Notebook.parse(text)) is None


def test_a_notebook_moved_where_git_pairs_no_rename_keeps_its_long_cells_and_a_deleted_one_pays_them() -> None:
    # emcee's tutorials moved from docs/_static/notebooks/ to docs/tutorials/, edited on the way.
    old = _notebook(_cell(["import emcee"]), _cell(_code(30)), _cell(_code(27, "y")))
    moved = _notebook(_cell(["import emcee", "import numpy as np"]), _cell(_code(30)), _cell(_code(27, "y")))
    gone = _notebook(_cell(_code(28, "z")))
    new_path, gone_path = "docs/tutorials/line.ipynb", "docs/_static/notebooks/quickstart.ipynb"
    diff = (
        deleted_file("docs/_static/notebooks/line.ipynb", old)
        + added_file(new_path, moved)
        + deleted_file(gone_path, gone)
    )
    result = review(diff, snapshot=Snapshot(texts={new_path: moved}))
    assert not result.rule_errors, result.rule_errors
    assert [f for f in result.findings if f.rule == "CODE005"] == []
    paid = [(f.path, f.message) for f in result.paid if f.rule == "CODE005"]
    assert paid == [(gone_path, "Code cell of 28 lines (more than 25): move its logic into a module")]
