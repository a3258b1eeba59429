"""Config path globs: their meaning, and matching that stays linear whatever a repository writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import globs
from checks.globs import MAX_GLOB_LENGTH, Glob, GlobError
from checks.snapshot import MAX_LFS_GLOBS, Snapshot


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("vendor/**", "vendor/a/b/c.py", True),
        ("vendor/**", "src/vendor/a.py", False),
        ("**/vendor/**", "src/vendor/a.py", True),
        ("**/*.ipynb", "nb.ipynb", True),
        ("**/*.ipynb", "a/b/nb.ipynb", True),
        ("*.py", "setup.py", True),
        # Without a slash a pattern is still anchored at the root (unlike .gitignore): write `**/*.py`.
        ("*.py", "src/setup.py", False),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/sub/a.py", False),  # `*` never crosses a folder
        ("src/**/test_*.py", "src/test_a.py", True),  # `**` may be no folder at all
        ("src/**/test_*.py", "src/x/y/test_a.py", True),
        ("docs/", "docs/index.md", True),  # a trailing slash means everything under the folder
        ("docs/", "docs/api/x.md", True),
        ("docs/", "src/docs/x.md", False),
        ("/docs/*.md", "docs/a.md", True),  # a leading slash changes nothing: patterns start at the root
        ("data/?.csv", "data/a.csv", True),
        ("data/?.csv", "data/ab.csv", False),
        ("data/[ab].csv", "data/b.csv", True),
        ("data/[!ab].csv", "data/b.csv", False),
        ("Data/*.CSV", "data/x.csv", False),  # case matters, as in git
        ("**/**/x", "x", True),
    ],
)
def test_glob_meaning(pattern: str, path: str, matches: bool) -> None:
    assert Glob(pattern).matches(path) is matches


@pytest.mark.parametrize("pattern", ["", "a" * (MAX_GLOB_LENGTH + 1)])
def test_empty_and_overlong_globs_are_refused(pattern: str) -> None:
    with pytest.raises(GlobError, match=f"1 to {MAX_GLOB_LENGTH} characters"):
        Glob(pattern)


def test_longest_glob_is_allowed() -> None:
    assert Glob("a" * MAX_GLOB_LENGTH).matches("a" * MAX_GLOB_LENGTH)


@contextmanager
def counting_comparisons() -> Iterator[list[int]]:
    """Counts the (pattern segment, path segment) comparisons the matches inside the block make."""
    count = [0]
    real: Callable[[str, str], bool] = globs._segment_matches

    def counted(pattern: str, name: str) -> bool:
        count[0] += 1
        return real(pattern, name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(globs, "_segment_matches", counted)
        yield count


def test_many_double_stars_against_a_deep_path_stay_linear() -> None:
    pattern = "/".join(["**", "a"] * 6) + "/b"
    parts = ["a"] * 2000

    with counting_comparisons() as comparisons:
        assert Glob(pattern).matches("/".join(parts)) is False

    # Backtracking would try every way to share 2,000 folders among six `**`s; the table visits each pair once.
    assert 0 < comparisons[0] <= pattern.count("/") * len(parts)


def test_many_stars_in_one_segment_against_a_long_name() -> None:
    # `*a*a*a*a*a*a*a*a*b` against `aaaa...` is the textbook catastrophic backtracking case for a naive regex.
    pattern = "**/*a*a*a*a*a*a*a*a*b"
    path = "/".join(["a" * 250] * 40)

    assert Glob(pattern).matches(path) is False
    assert Glob(pattern).matches(path + "b") is True


def reference(pattern: list[str], parts: list[str]) -> bool:
    """Straightforward recursive reading of the glob, as the oracle."""

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(parts)
        if pattern[i] == "**":
            return match(i + 1, j) or (j < len(parts) and match(i, j + 1))
        return j < len(parts) and fnmatchcase(parts[j], pattern[i]) and match(i + 1, j + 1)

    return match(0, 0)


PATTERN_SEGMENTS = st.sampled_from(["**", "*", "a", "b", "a*", "*b", "*a*a*b", "?", "[ab]", "ab"])
PATH_SEGMENTS = st.sampled_from(["a", "b", "ab", "ba", "aab", "aaaaaaaaab", "c"])


@settings(max_examples=200, deadline=None)
@given(st.lists(PATTERN_SEGMENTS, min_size=1, max_size=12), st.lists(PATH_SEGMENTS, min_size=1, max_size=30))
def test_matching_agrees_with_the_reference_in_bounded_steps(pattern: list[str], parts: list[str]) -> None:
    with counting_comparisons() as comparisons:
        got = Glob("/".join(pattern)).matches("/".join(parts))

    assert got == reference(pattern, parts)
    assert comparisons[0] <= len(pattern) * len(parts)


def test_lfs_patterns_from_gitattributes_skip_what_no_glob_can_be() -> None:
    # `.gitattributes` is the repository's file: a pattern too long to be a glob is skipped, not fatal.
    attributes = "x" * (MAX_GLOB_LENGTH + 1) + " filter=lfs\n*.bin filter=lfs diff=lfs merge=lfs -text\n"
    snapshot = Snapshot(texts={".gitattributes": attributes})

    assert snapshot.in_lfs("models/weights.bin") is True
    assert snapshot.in_lfs("models/card.md") is False


@pytest.mark.parametrize(
    ("path", "tracked"),
    [
        ("models/weights.bin", True),  # `*.bin`, at any depth
        ("archive.data.tar.gz", True),  # `*.tar.gz`: a suffix of several dots
        (".bin", True),  # `*` matches nothing too
        ("models/weights.BIN", False),  # git matches case-sensitively
        ("weights.bin.txt", False),
        ("data/raw/a.csv", True),  # a pattern with a folder, matched as a glob
        ("other/raw/a.csv", False),
    ],
)
def test_lfs_patterns_plain_suffixes_and_globs(path: str, tracked: bool) -> None:
    attributes = "*.bin filter=lfs\n*.tar.gz filter=lfs -text\ndata/raw/*.csv filter=lfs\n# *.md filter=lfs\n"

    assert Snapshot(texts={".gitattributes": attributes}).in_lfs(path) is tracked


def test_thousands_of_lfs_suffixes_are_one_lookup_and_globs_past_the_cap_are_not_read() -> None:
    suffixes = "".join(f"*.ext{i} filter=lfs\n" for i in range(5000))
    globs = "".join(f"dir{i}/** filter=lfs\n" for i in range(MAX_LFS_GLOBS + 1))
    snapshot = Snapshot(texts={".gitattributes": suffixes + globs})

    assert snapshot.in_lfs("a/b.ext4999") is True
    assert snapshot.in_lfs(f"dir{MAX_LFS_GLOBS - 1}/x") is True
    assert snapshot.in_lfs(f"dir{MAX_LFS_GLOBS}/x") is False  # past the cap
