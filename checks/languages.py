"""Comment syntax per file kind, and finding the comment part of a line without reading strings as comments."""

from __future__ import annotations

import re
from functools import cache

from checks.paths import HASH_COMMENT_KINDS, Kind

_LINE_MARKERS: dict[Kind, tuple[str, ...]] = {
    **dict.fromkeys(HASH_COMMENT_KINDS, ("#",)),
    # A block comment may follow code on its line: `x = 1; /* TODO */`.
    Kind.C_LIKE: ("//", "/*"),
    Kind.SQL: ("--", "/*"),
    Kind.MARKDOWN: ("<!--",),
    Kind.JSON: (),
    Kind.OTHER: (),
}


def line_markers(kind: Kind) -> tuple[str, ...]:
    return _LINE_MARKERS.get(kind, ())


def comment_start(line: str, kind: Kind) -> int | None:
    """Offset where the line's comment starts (after its marker), or None when it has none.

    Quotes are tracked so `"# not a comment"` and `'http://x'` are not comments. C-like block
    comment lines (`/* ...`, ` * ...`) count as comments too.
    """
    markers = line_markers(kind)
    if kind is Kind.C_LIKE:
        stripped = line.lstrip()
        if stripped.startswith(("/*", "*")) and not stripped.startswith("*/"):
            return len(line) - len(stripped) + (2 if stripped.startswith("/*") else 1)
    if not markers:
        return None
    found = _up_to_marker(kind).match(line)
    return None if found is None else found.end()


@cache
def _up_to_marker(kind: Kind) -> re.Pattern[str]:
    """From a line's start to the end of its first comment marker outside quotes, in one C-level match rather
    than a Python step per character: anything but a quote or a marker, or a quoted string (closed, its
    backslashes escaping the next character). Makefiles and Dockerfiles have no quotes for this."""
    markers = line_markers(kind)
    quoted = kind is not Kind.MAKEFILE and kind is not Kind.DOCKERFILE
    firsts = sorted({marker[0] for marker in markers})
    plain = "[^" + re.escape("".join(firsts)) + ("\"'" if quoted else "") + "]++"
    # A marker's first character where no marker starts is plain too.
    partial = [
        re.escape(first) + "(?!" + "|".join(re.escape(m[1:]) for m in markers if m[0] == first) + ")"
        for first in firsts
        if all(len(m) > 1 for m in markers if m[0] == first)
    ]
    strings = [r'"(?:[^"\\]++|\\[\s\S])*+"', r"'(?:[^'\\]++|\\[\s\S])*+'"] if quoted else []
    prefix = "(?:" + "|".join([plain, *partial, *strings]) + ")*+"
    return re.compile(prefix + "(?:" + "|".join(map(re.escape, markers)) + ")")


def comment_text(line: str, kind: Kind) -> str | None:
    start = comment_start(line, kind)
    return None if start is None else line[start:]
