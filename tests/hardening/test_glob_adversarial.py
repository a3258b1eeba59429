"""Path globs from `.github/debtbot.yml` (and `.gitattributes`) against names built to make a matcher backtrack.

A glob turned into a backtracking regex takes about len(name) ** stars steps on `*a*a*...*b` against
`aaa...a`: the cases below (120 stars, names of 100,000 characters) would not finish in a lifetime. The
matcher of checks/globs.py reads segment pairs once and each name segment with fnmatch's atomic groups (no
backtracking into a `*` already matched), so they finish at once. No user-supplied regex exists: the config
has none, and every pattern a repository supplies goes through `Glob`. `python -m bench.fuzz` times both
against size.
"""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.config import load_config
from checks.globs import MAX_GLOB_LENGTH, Glob
from checks.runner import review
from checks.snapshot import Snapshot


def stars(count: int, last: str = "b") -> str:
    """`*a*a...*a*b`: `count` a's, each after a star, then a star and `last`."""
    return "*a" * count + "*" + last


STARS = stars(127)  # 128 stars: the longest such glob the config allows
LONG = "a" * 100_000


def test_the_longest_star_glob_against_huge_names_answers_at_once() -> None:
    glob = Glob(STARS)

    assert len(STARS) == MAX_GLOB_LENGTH
    assert glob.matches(LONG) is False
    assert glob.matches(LONG + "b") is True
    assert glob.matches(LONG[:126] + "b") is False  # one `a` short of the 127 the pattern needs
    assert glob.matches(LONG[:127] + "b") is True


def test_stars_and_double_stars_against_a_deep_path_of_huge_names() -> None:
    glob = Glob(f"**/{stars(60)}/**/{stars(60, 'c')}")
    path = "/".join([LONG] * 20)

    assert glob.matches(path) is False
    assert glob.matches("/".join([LONG + "b", *[LONG] * 10, LONG + "c"])) is True


def test_a_config_with_such_globs_reviews_a_change_with_such_names() -> None:
    loaded = load_config(f"exclude: ['{STARS}', '**/{stars(125, 'c')}']\npaths:\n  - paths: ['**/{stars(125)}']\n")
    name = f"{LONG}/{LONG[:5000]}/train.py"
    diff = (
        f"diff --git a/{name} b/{name}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{name}\n@@ -0,0 +1 @@\n+model = torch.load(path)  # TODO: fix\n"
    )

    result = review(diff, snapshot=Snapshot(), config=loaded)

    assert loaded.errors == ()
    assert {f.path for f in result.findings} == {name}  # matched by no glob, so reviewed


def test_gitattributes_lfs_patterns_of_the_same_shape_answer_at_once() -> None:
    # A pattern without a slash matches at any depth: `**/` is put before it, within the same length limit.
    snapshot = Snapshot(texts={".gitattributes": f"{stars(125)} filter=lfs\n"})

    assert snapshot.in_lfs(f"data/{LONG}") is False
    assert snapshot.in_lfs(f"data/{LONG}b") is True


@cache
def _oracle(pattern: str, name: str) -> bool:
    """fnmatch's meaning of one segment pattern, by a table over (pattern position, name position)."""
    pieces: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            pieces.append(pattern[i : end + 1])
            i = end + 1
        else:
            pieces.append(pattern[i])
            i += 1
    reach = [True] + [False] * len(name)
    for piece in pieces:
        nxt = [False] * (len(name) + 1)
        for j in range(len(name) + 1):
            if piece == "*":
                nxt[j] = reach[j] or (j > 0 and nxt[j - 1])
            elif j > 0 and reach[j - 1]:
                ch = name[j - 1]
                if piece == "?":
                    nxt[j] = True
                elif len(piece) > 1:
                    members, negated = piece[1:-1], piece[1] == "!"
                    nxt[j] = (ch not in members[1:]) if negated else (ch in members)
                else:
                    nxt[j] = ch == piece
        reach = nxt
    return reach[-1]


PIECES = st.sampled_from(["*", "*a", "a*", "?", "*?", "[ab]", "[!b]", "a", "b", "*a*b"])
NAMES = st.builds(lambda n, tail: "a" * n + tail, st.integers(0, 300), st.sampled_from(["", "b", "ab", "c", "ba"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=40).map("".join).filter(lambda p: len(p) <= MAX_GLOB_LENGTH), NAMES)
def test_adversarial_segments_match_as_a_table_says(pattern: str, name: str) -> None:
    assert Glob(pattern).matches(name) is _oracle(pattern, name)
