"""Where a Python text's triple-quoted strings are: docstrings, and the usage examples and notes inside them."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable

from checks.diff import FileStatus, line_offsets
from checks.finding import Side
from checks.lazyre import lazy
from checks.paths import Kind
from checks.views import FileView, Match, SideView

#: Strings and comments, read at C speed so a quote inside a comment or a one-line string opens nothing.
_STRING_TOKEN = lazy(r"""'''|""\"|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|#[^\n]*""")


def triple_quoted_spans(text: str, jump: Callable[[int, int], int | None] | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the triple-quoted strings of a Python text, in order.

    Strings and comments are read token by token only on the lines that hold triple quotes: a one-line string
    or comment never spans lines, so the lines between tell nothing (a file's docstrings cost a few searches).
    `jump(start, end)`: the first offset between two where the text jumps over lines it does not hold (a side's
    lines); a string whose closing quotes lie beyond one ends there, and reading starts afresh after it.
    """
    spans: list[tuple[int, int]] = []
    position = 0  # the text before is read
    double, single = text.find('"""'), text.find("'''")
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


def old_text(view: FileView) -> str | None:
    """A changed module's text before the change, rebuilt once from its post-change text and the diff; None when
    that text is unknown (diff-only) or the file is new, deleted or a notebook."""
    if view.kind is not Kind.PYTHON or not view.removed:
        return None
    return view.old_text


def in_triple_quotes(view: FileView, side: SideView, m: Match) -> bool | None:
    """Whether a match sits in a triple-quoted string of its module, as the side has it: after the change, or as it
    was for removed lines (a diff shows a docstring's edited lines without its opening quotes, and its closing quotes
    would read as opening ones). None when that text is unknown, or the file is no Python module."""
    if view.kind is not Kind.PYTHON:
        return None
    text = view.text if side.side is Side.ADDED else old_text(view)
    if text is None and side.side is Side.ADDED and view.status is FileStatus.ADDED:
        # A new module's added lines are all of it, and know where each of them starts.
        lines = side.lines
        spans = side.memo("new-module-triple-quoted", lambda: triple_quoted_spans(lines.text))
        return inside(spans, lines.start(m.index) + side.column(m))
    if text is None:
        return None
    known = text

    def read() -> tuple[list[int], list[tuple[int, int]]]:
        return line_offsets(known.split("\n")), triple_quoted_spans(known)

    starts, spans = side.memo("triple-quoted", read)
    if not 0 < m.number <= len(starts):
        return None
    return inside(spans, starts[m.number - 1] + side.column(m))
