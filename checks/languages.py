"""Comment syntax per file kind, and finding the comment part of a line without reading strings as comments."""

from __future__ import annotations

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
    quote: str | None = None
    i, n = 0, len(line)
    while i < n:
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


def comment_text(line: str, kind: Kind) -> str | None:
    start = comment_start(line, kind)
    return None if start is None else line[start:]
