"""Where a Python text's triple-quoted strings are: docstrings, and the usage examples and notes inside them."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from itertools import accumulate, repeat
from operator import add

from checks.diff import FilePatch
from checks.finding import Side
from checks.lazyre import lazy
from checks.paths import Kind
from checks.views import FileView, Match, SideView

#: Strings and comments, read at C speed so a quote inside a comment or a one-line string opens nothing.
_STRING_TOKEN = lazy(r"""'''|""\"|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|#[^\n]*""")
#: How far back the removed lines around a match are read to find where they start.
MAX_RUN_LINES = 500


def triple_quoted_spans(
    text: str, jump: Callable[[int, int], int | None] | None = None, *, opened: str = ""
) -> list[tuple[int, int]]:
    """(start, end) offsets of the triple-quoted strings of a Python text, in order.

    Strings and comments are read token by token only on the lines that hold triple quotes: a one-line string
    or comment never spans lines, so the lines between tell nothing (a file's docstrings cost a few searches).
    `jump(start, end)`: the first offset between two where the text jumps over lines it does not hold (a side's
    lines); a string whose closing quotes lie beyond one ends there, and reading starts afresh after it.
    `opened`: the quotes of a string the text starts inside (its span starts at -1).
    """
    spans: list[tuple[int, int]] = []
    position = 0  # the text before is read
    if opened:
        end = text.find(opened)
        position = len(text) if end == -1 else end + 3
        spans.append((-1, position))
    double, single = text.find('"""', position), text.find("'''", position)
    while True:
        if 0 <= double < position:
            double = text.find('"""', position)
        if 0 <= single < position:
            single = text.find("'''", position)
        first = double if single == -1 or 0 <= double < single else single
        if first == -1:
            return spans
        # The first token from the start of that line (or from where reading stopped): the triple quotes, or a
        # string or comment before or around them.
        found = _STRING_TOKEN.search(text, max(position, text.rfind("\n", 0, first) + 1))
        if found is None:
            return spans
        token = found.group(0)
        position = found.end()
        if token in ('"""', "'''"):
            end = text.find(token, position)
            close = len(text) if end == -1 else end + 3
            cut = jump(found.start(), close) if jump is not None else None
            position = close if cut is None else cut
            spans.append((found.start(), position))


def inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether `offset` lies strictly inside one of `spans` (from `triple_quoted_spans`)."""
    index = bisect.bisect_right(spans, (offset, math.inf)) - 1
    return index >= 0 and spans[index][0] < offset < spans[index][1]


def removed_in_triple_quotes(view: FileView, side: SideView, m: Match) -> bool | None:
    """Whether a match on the removed lines of a changed module sits in a triple-quoted string.

    A diff shows a docstring's edited lines without its opening quotes (and its closing quotes would read as
    opening ones), but the post-change text shows which string the lines kept around them are in: the removed
    lines are read from the quotes open where they stood. None when the post-change text is unknown, or the
    removed lines around the match run on too long to read back.
    """
    post = view.text
    if post is None or side.side is not Side.REMOVED or view.kind is not Kind.PYTHON:
        return None
    lines = side.lines
    first = m.index
    while first > 0 and lines.number(first - 1) == lines.number(first) - 1:
        if m.index - first >= MAX_RUN_LINES:
            return None
        first -= 1
    stood = side.memo("removed-in-new", lambda: _removed_in_new(view.patch)).get(lines.number(first))
    opened = _open_at(post, stood, side) if stood is not None else ""
    start = lines.start(first)
    segment = lines.text[start : lines.start(m.index) + len(m.text)]
    return inside(triple_quoted_spans(segment, opened=opened), lines.start(m.index) + side.column(m) - start)


def _removed_in_new(patch: FilePatch) -> dict[int, int]:
    """Each removed line's old number, with the new line it stood before."""
    return {
        old: new
        for hunk in patch.hunks
        for old, (new, _) in zip(hunk.numbered("-"), hunk.removed_in_new(), strict=True)
    }


def _open_at(post: str, number: int, side: SideView) -> str:
    """The quotes of the triple-quoted string of `post` that line `number` starts inside ('' when none)."""

    def read() -> tuple[list[int], list[tuple[int, int]]]:
        starts = list(accumulate(map(add, map(len, post.split("\n")), repeat(1)), initial=0))
        return starts, triple_quoted_spans(post)

    starts, spans = side.memo("post-triple-quoted", read)
    if not 0 < number <= len(starts):
        return ""
    offset = starts[number - 1]
    index = bisect.bisect_right(spans, (offset, math.inf)) - 1
    if index < 0 or not spans[index][0] < offset < spans[index][1]:
        return ""
    return post[spans[index][0] : spans[index][0] + 3]
