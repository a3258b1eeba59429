"""Path globs from repository config, matched in linear time whatever the pattern.

Config comes from repositories we do not control: a regex built from a glob could backtrack
exponentially, so globs are matched segment by segment with a small dynamic programme.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache

MAX_GLOB_LENGTH = 256


class GlobError(ValueError):
    pass


class Glob:
    """gitignore-style glob: `*` within a folder name, `**` across folders, a trailing `/` for folders."""

    __slots__ = ("_segments", "pattern")

    def __init__(self, pattern: str) -> None:
        if not pattern or len(pattern) > MAX_GLOB_LENGTH:
            raise GlobError(f"glob must be 1 to {MAX_GLOB_LENGTH} characters")
        self.pattern = pattern
        text = pattern.lstrip("/")
        if text.endswith("/"):
            text += "**"
        self._segments = tuple(_collapse(text.split("/")))

    def matches(self, path: str) -> bool:
        return _match(self._segments, tuple(path.split("/")))

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"


def _collapse(segments: list[str]) -> list[str]:
    out: list[str] = []
    for segment in segments:
        if segment == "**" and out and out[-1] == "**":
            continue
        out.append(segment)
    return out


@lru_cache(maxsize=8192)
def _segment_matches(pattern: str, name: str) -> bool:
    # fnmatch compiles `*` to a non-backtracking-prone regex per segment; names are short.
    return fnmatchcase(name, pattern)


def _match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Dynamic programme over (pattern segment, path segment): O(len(pattern) * len(parts))."""
    n, m = len(pattern), len(parts)
    # reach[j] is True when pattern[:i] can match parts[:j].
    reach = [True] + [False] * m
    for i in range(n):
        segment = pattern[i]
        nxt = [False] * (m + 1)
        if segment == "**":
            seen = False
            for j in range(m + 1):
                seen = seen or reach[j]
                nxt[j] = seen
        else:
            for j in range(m):
                if reach[j] and _segment_matches(segment, parts[j]):
                    nxt[j + 1] = True
        reach = nxt
    return reach[m]
