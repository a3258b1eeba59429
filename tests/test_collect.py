"""The runner in two phases: the file rules collected over parts of a change, then finished over all of it."""

from __future__ import annotations

import datetime as dt
import difflib
import pickle
from itertools import pairwise

import pytest

from checks.config import Config, LoadedConfig
from checks.diff import FilePatch, parse_diff
from checks.runner import Collected, collect, finish, review
from checks.snapshot import Snapshot

TODAY = dt.date(2026, 11, 26)
MOVED = "retries = 3  # FIXME: the client hangs when the server closes early"


def _diff() -> str:
    """Debt moved from the first file to the last, debt paid in one, new debt and a suppression in others."""
    files: dict[str, tuple[str | None, str | None]] = {
        "src/a.py": (f"import os\n{MOVED}\nx = 1\n", "import os\nx = 1\n"),
        "src/b.py": ("y = 2  # TODO: rename\n", "y = 2\n"),
        "src/c.py": ("z = 3\n", "z = 3\nw = 4  # TODO: drop w  # debtbot: ignore[CODE001] tracked in #9\n"),
        "requirements.txt": ("numpy==1.26.4\n", "numpy==1.26.4\npandas\n"),
        "src/d.py": ("v = 5\n", f"v = 5\n{MOVED}\n# XXX: new debt here\n"),
    }
    out: list[str] = []
    for path, (old, new) in files.items():
        out.append(f"diff --git a/{path} b/{path}\n")
        before = (old or "").splitlines(keepends=True)
        after = (new or "").splitlines(keepends=True)
        out.extend(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"))
    return "".join(out)


@pytest.mark.parametrize("cuts", [(), (1,), (1, 4), (1, 2, 3, 4)])
def test_collecting_in_parts_then_finishing_equals_the_review(cuts: tuple[int, ...]) -> None:
    diff = parse_diff(_diff())
    snapshot = Snapshot(today=TODAY)
    config = LoadedConfig(Config())
    bounds = [0, *cuts, len(diff.files)]
    parts = [collect(diff.files[a:b], snapshot=snapshot, config=config) for a, b in pairwise(bounds)]
    # Each part crosses a process boundary in the command line: it must survive pickling unchanged.
    parts = [pickle.loads(pickle.dumps(part)) for part in parts]

    result = finish(Collected.merge(parts), snapshot=snapshot, config=config)

    assert result == review(diff, snapshot=snapshot, config=config)
    assert not any("client hangs" in f.message for f in result.findings)  # moved across parts: netted out
    assert any(f.path == "src/b.py" for f in result.paid)
    assert any(f.path == "src/c.py" and f.acknowledged for f in result.findings)
    assert any(f.path == "src/d.py" and f.counts_against_policy for f in result.findings)
    assert result.files == len(diff.files)


def test_a_review_keeps_no_lines_it_extracted_on_the_callers_diff() -> None:
    diff = parse_diff(_diff())
    warm = diff.files[0]
    assert warm.removed.text  # extracted by the caller: kept
    result = review(diff, snapshot=Snapshot(today=TODAY))
    assert result.findings  # the rules did read lines
    assert "removed" in vars(warm)
    # On a release diff the lines of every file would otherwise stay in memory until the review ends.
    assert [p.path for p in diff.files[1:] if {"added", "removed"} & vars(p).keys()] == []


def _withholding_diff(*, delete_data: bool) -> str:
    """A module reading a CSV file, a manifest DEP006 always reads, and (or not) the CSV file deleted: DATA014 then
    reads the module."""
    files: dict[str, tuple[str | None, str | None]] = {
        "src/load.py": ("import pandas\n", "import pandas\nframe = pandas.read_csv('data/train.csv')\n"),
        "pyproject.toml": ('[project]\nname = "x"\n', '[project]\nname = "x"\nversion = "1"\n'),
    }
    if delete_data:
        files["data/train.csv"] = ("a,b\n1,2\n", None)
    out: list[str] = []
    for path, (old, new) in files.items():
        out.append(f"diff --git a/{path} b/{path}\n" + ("deleted file mode 100644\n" if new is None else ""))
        before = (old or "").splitlines(keepends=True)
        after = (new or "").splitlines(keepends=True)
        out.extend(difflib.unified_diff(before, after, f"a/{path}", "/dev/null" if new is None else f"b/{path}"))
    return "".join(out)


def _hunks(collected: Collected) -> dict[str, int]:
    return {p.path: len(p.hunks) for p in collected.kept}


def test_withholding_drops_the_lines_only_rules_that_need_them_sometimes_keep() -> None:
    diff = parse_diff(_withholding_diff(delete_data=False))
    plain = collect(diff.files, snapshot=Snapshot(today=TODAY))
    withheld = collect(diff.files, snapshot=Snapshot(today=TODAY), withhold=True)

    # DATA014 and DEP009 keep the module, for a deleted data file or the tree: neither here.
    assert (_hunks(plain), plain.withheld) == ({"src/load.py": 1, "pyproject.toml": 1}, frozenset())
    assert (_hunks(withheld), withheld.withheld) == (
        {"src/load.py": 0, "pyproject.toml": 1},
        frozenset({"src/load.py"}),
    )
    # Nothing reads them: the review finishes without asking for them.
    assert finish(withheld, snapshot=Snapshot(today=TODAY)) == review(diff, snapshot=Snapshot(today=TODAY))


@pytest.mark.parametrize(("delete_data", "tree"), [(True, None), (False, frozenset({"src/load.py", "pyproject.toml"}))])
def test_lines_a_part_shows_to_be_needed_are_kept_there(delete_data: bool, tree: frozenset[str] | None) -> None:
    """A deleted data file among the part's files, or the tree (DEP009 reads imports with it), needs the lines."""
    diff = parse_diff(_withholding_diff(delete_data=delete_data))
    snapshot = Snapshot(today=TODAY, tree=tree)
    collected = collect(diff.files, snapshot=snapshot, withhold=True)

    assert collected.withheld == frozenset()
    assert _hunks(collected)["src/load.py"] == 1


def test_lines_another_part_shows_to_be_needed_are_read_again_or_the_review_refuses() -> None:
    diff = parse_diff(_withholding_diff(delete_data=True))
    snapshot = Snapshot(today=TODAY)
    module, rest = diff.files[:1], diff.files[1:]  # the module's part cannot tell that the other deletes data
    parts = [collect(module, snapshot=snapshot, withhold=True), collect(rest, snapshot=snapshot, withhold=True)]
    merged = Collected.merge(parts)
    assert merged.withheld == {"src/load.py"}
    asked: list[frozenset[str]] = []

    def reread(paths: frozenset[str]) -> list[FilePatch]:
        asked.append(paths)
        return [p for p in module if p.path in paths]

    result = finish(merged, snapshot=snapshot, reread=reread)

    assert asked == [{"src/load.py"}]
    assert result == review(diff, snapshot=snapshot)
    assert any(f.rule == "DATA014" and f.path == "src/load.py" for f in result.findings)
    with pytest.raises(ValueError, match="withheld"):
        finish(merged, snapshot=snapshot)
