"""What the diff alone cannot tell, supplied by the caller as plain data (git locally, the API on GitHub)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from checks.globs import Glob, GlobError
from checks.lazyre import lazy
from checks.paths import Role, folders_up, marked_folders

LFS_POINTER_PREFIX = "version https://git-lfs.github.com/spec/v1"
#: `.gitattributes` LFS patterns other than `*.ext` read at most (real files hold a few dozen).
MAX_LFS_GLOBS = 200
#: `*.ext` (or `*.tar.gz`): a name ending, matched by a set lookup.
_PLAIN_SUFFIX = lazy(r"\*\.[^*?\[\]/\\]+")


@dataclass(frozen=True)
class Snapshot:
    """Facts about the repository at the head of the change. Every field may be missing.

    - `sizes`: blob size in bytes of changed files at the head, and of deleted files at the base when the diff
      shows none of their lines (`checks.inputs.wanted_base_sizes`): what deleting a binary dataset pays.
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
    def _marked_folders(self) -> dict[str, Role]:
        return marked_folders(self.tree or frozenset())

    def folder_roles(self, path: str) -> frozenset[Role]:
        """The roles folders above `path` take from the files they hold (known with the tree): another repository's
        copy, a built site."""
        marked = self._marked_folders
        if not marked:
            return frozenset()
        return frozenset(marked[folder] for folder in folders_up(path) if folder in marked)

    @cached_property
    def _lfs_patterns(self) -> tuple[frozenset[str], tuple[Glob, ...]]:
        """`.gitattributes`' LFS patterns: plain `*.ext` ones as a set of suffixes (one lookup a path, however
        many there are), the others as globs, at most MAX_LFS_GLOBS of them (the repository's file could
        otherwise make every path cost thousands of matches)."""
        attributes = self.texts.get(".gitattributes", "")
        suffixes: set[str] = set()
        globs: list[Glob] = []
        for raw in attributes.splitlines():
            parts = raw.split()
            if len(parts) < 2 or parts[0].startswith("#") or "filter=lfs" not in parts[1:]:
                continue
            pattern = parts[0]
            if _PLAIN_SUFFIX.fullmatch(pattern):
                suffixes.add(pattern[1:])
                continue
            if len(globs) >= MAX_LFS_GLOBS:
                continue
            # A pattern without a slash matches at any depth, as in .gitignore.
            try:
                globs.append(Glob(pattern if "/" in pattern.strip("/") else f"**/{pattern}"))
            except GlobError:  # the repository's file, not ours to fail on: skip what no glob can be
                continue
        return frozenset(suffixes), tuple(globs)

    def in_lfs(self, path: str) -> bool:
        suffixes, globs = self._lfs_patterns
        name = path.rpartition("/")[2]
        dot = name.find(".")
        while dot != -1:
            if name[dot:] in suffixes:
                return True
            dot = name.find(".", dot + 1)
        return any(g.matches(path) for g in globs)

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
