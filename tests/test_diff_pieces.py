"""A diff's lines read lazily and a diff read in pieces: both must give what reading everything at once gives."""

from __future__ import annotations

import difflib
import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.diff import (
    DECODE_PIECE_BYTES,
    DiffError,
    FilePatch,
    FileStatus,
    Hunk,
    Line,
    LineSet,
    iter_file_patches,
    parse_diff,
    split_points,
)

LINE_TEXT = st.text(alphabet=st.sampled_from(list("ab #()+-\\\r\u00e9\U0001f600")), max_size=6)


def _hunk_lines(draw: st.DrawFn) -> tuple[Hunk, list[tuple[str, str]]]:
    # Mostly one side (as in a new file, read the fast way), sometimes with a `\ No newline` marker line.
    kinds = draw(st.lists(st.sampled_from("+++- \\"), min_size=1, max_size=12))
    lines = [(kind, " No newline at end of file" if kind == "\\" else draw(LINE_TEXT)) for kind in kinds]
    old_start, new_start = draw(st.integers(1, 50)), draw(st.integers(1, 50))
    body = "\n".join(kind + text for kind, text in lines)
    old_length = sum(kind in "- " for kind, _ in lines)
    new_length = sum(kind in "+ " for kind, _ in lines)
    return Hunk(old_start, old_length, new_start, new_length, body), lines


#: A patch, and its added and removed lines numbered the plain way.
Case = tuple[FilePatch, list[Line], list[Line]]


@st.composite
def patches(draw: st.DrawFn) -> Case:
    """A patch of random hunks, and its added and removed lines numbered the plain way."""
    hunks: list[Hunk] = []
    added: list[Line] = []
    removed: list[Line] = []
    for _ in range(draw(st.integers(0, 4))):
        hunk, lines = _hunk_lines(draw)
        hunks.append(hunk)
        old, new = hunk.old_start, hunk.new_start
        for kind, text in lines:
            if kind == "+":
                added.append(Line(new, text.removesuffix("\r")))
                new += 1
            elif kind == "-":
                removed.append(Line(old, text.removesuffix("\r")))
                old += 1
            elif kind == " ":
                old, new = old + 1, new + 1
    return FilePatch(path="a.py", status=FileStatus.MODIFIED, hunks=tuple(hunks)), added, removed


def _assert_same(lazy: LineSet, plain: LineSet, order: random.Random) -> None:
    assert len(lazy) == len(plain)
    assert lazy.text == plain.text
    # As rules read: offsets in order (a regex scan), then here and there; each line's start, text and number.
    offsets = list(range(len(plain.text) + 1))
    shuffled = offsets[:]
    order.shuffle(shuffled)
    for offset in offsets + shuffled:
        index = lazy.at(offset)
        assert index == plain.at(offset)
        if index < len(plain):
            assert (lazy.start(index), lazy.line(index), lazy.number(index)) == (
                plain.start(index),
                plain.line(index),
                plain.number(index),
            )
            if index + 1 < len(plain):
                assert lazy.line(index + 1) == plain.line(index + 1)
    assert lazy.texts() == plain.texts()
    assert list(lazy) == list(plain)


@settings(max_examples=300, deadline=None)
@given(patches(), st.randoms(use_true_random=False))
def test_lazy_line_sets_read_as_plain_lists(case: Case, order: random.Random) -> None:
    patch, added, removed = case
    _assert_same(patch.added, LineSet.of(added), order)
    _assert_same(patch.removed, LineSet.of(removed), order)


def test_lines_found_in_order_cost_no_list_of_every_line() -> None:
    text = "".join(f"+line {n}\n" for n in range(1, 5001))
    patch = parse_diff(f"--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,5000 @@\n{text}").files[0]
    lines = patch.added
    found = [lines.at(lines.text.index(f"line {n}\n")) for n in (10, 2000, 4999)]
    assert found == [9, 1999, 4998]
    assert [lines.number(i) for i in found] == [10, 2000, 4999]
    assert lines.line(1999) == "line 2000"
    assert lines._texts is None
    assert lines._starts is None


def _diff(files: int) -> bytes:
    out = ["From 1234 Mon Sep 17 00:00:00 2001\nSubject: a preamble\n\n"]
    for i in range(files):
        before = [f"x{i} = {n}\n" for n in range(20)]
        after = [*before[:5], f"y{i} = 'caf\u00e9 \U0001f600'\n", *before[6:]]
        out.append(f"diff --git a/m{i}.py b/m{i}.py\nindex 1111111..2222222 100644\n")
        out.extend(difflib.unified_diff(before, after, f"a/m{i}.py", f"b/m{i}.py"))
    return "".join(out).encode()


def test_pieces_read_one_after_another_give_the_whole_diff() -> None:
    data = _diff(30)
    whole = parse_diff(data).files
    for piece_bytes in (1, 200, 1000, len(data), 10 * len(data)):
        points = split_points(data, piece_bytes)
        assert points[0] == 0
        assert points == sorted(set(points))
        bounds = [*points, len(data)]
        pieces = [f for start, stop in pairwise(bounds) for f in iter_file_patches(data[start:stop])]
        assert pieces == list(whole)
        assert [p.added.text for p in pieces] == [p.added.text for p in whole]
    assert len(split_points(data, 1)) == 30  # one file a piece; the preamble stays with the first


def test_a_plain_diff_is_one_piece() -> None:
    assert split_points(b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", 1) == [0]
    assert split_points(b"", 1) == [0]


def test_a_large_diff_decoded_in_pieces_reads_as_one_text() -> None:
    data = _diff(11000)  # a preamble, then files well past one decoding piece
    assert len(data) > 2 * DECODE_PIECE_BYTES
    assert parse_diff(data).files == parse_diff(data.decode()).files


def test_a_malformed_file_far_into_a_large_diff_names_its_line_in_the_whole_diff() -> None:
    data = _diff(11000)
    assert len(data) > 2 * DECODE_PIECE_BYTES
    lines = data.split(b"\n")
    at = max(i for i, line in enumerate(lines) if line.startswith(b"+y10990 ="))
    broken = b"\n".join(lines[:at] + lines[at + 1 :])
    with pytest.raises(DiffError) as pieces:
        parse_diff(broken)
    with pytest.raises(DiffError) as whole:
        parse_diff(broken.decode())
    assert (str(pieces.value), pieces.value.line) == (str(whole.value), whole.value.line)
    assert pieces.value.line is not None
    assert pieces.value.line > len(lines) // 2
