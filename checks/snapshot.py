"""What the diff alone cannot tell, supplied by the caller as plain data (git locally, the API on GitHub)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from checks.globs import Glob, GlobError

LFS_POINTER_PREFIX = "version https://git-lfs.github.com/spec/v1"


@dataclass(frozen=True)
class Snapshot:
    """Facts about the repository at the head of the change. Every field may be missing.

    - `sizes`: blob size in bytes of changed files at the head.
    - `texts`: post-change text of changed text files the rules asked for (and `.gitattributes`).
    - `tree`: every file path at the head, or None when unknown.
    - `today`: the review's date, for accepted debt that expires (this library has no clock).
    """

    sizes: Mapping[str, int] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    tree: frozenset[str] | None = None
    today: date | None = None

    def size(self, path: str) -> int | None:
        return self.sizes.get(path)

    def text(self, path: str) -> str | None:
        return self.texts.get(path)

    def exists(self, path: str) -> bool | None:
        """True or False when the tree is known; None when it is not."""
        return None if self.tree is None else path in self.tree

    @cached_property
    def _lfs_globs(self) -> tuple[Glob, ...]:
        attributes = self.texts.get(".gitattributes", "")
        globs = []
        for raw in attributes.splitlines():
            parts = raw.split()
            if len(parts) >= 2 and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
                pattern = parts[0]
                # A pattern without a slash matches at any depth, as in .gitignore.
                try:
                    globs.append(Glob(pattern if "/" in pattern.strip("/") else f"**/{pattern}"))
                except GlobError:  # the repository's file, not ours to fail on: skip what no glob can be
                    continue
        return tuple(globs)

    def in_lfs(self, path: str) -> bool:
        return any(g.matches(path) for g in self._lfs_globs)

    def in_dvc(self, path: str) -> bool:
        """True when `path` or one of its folders has a `.dvc` pointer, or DVC outputs it."""
        if self.tree is None:
            return False
        parts = path.split("/")
        for depth in range(len(parts), 0, -1):
            if "/".join(parts[:depth]) + ".dvc" in self.tree:
                return True
        return path in self._dvc_outputs

    @cached_property
    def _dvc_outputs(self) -> frozenset[str]:
        lock = self.texts.get("dvc.lock", "")
        return frozenset(re.findall(r"^\s*-?\s*path:\s*['\"]?([^'\"\s]+)", lock, re.MULTILINE))

    def is_lfs_pointer(self, path: str, first_added_line: str | None = None) -> bool:
        text = self.texts.get(path)
        head = text[:100] if text is not None else (first_added_line or "")
        return head.startswith(LFS_POINTER_PREFIX)
