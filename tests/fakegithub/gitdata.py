"""Git object ids and tree listings for the fake's repository snapshots (blob ids are real git ids)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass


def blob_sha(content: bytes) -> str:
    """The id git gives this content, so a test can compare it with `git hash-object`."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def tree_sha(entries: Mapping[str, bytes], prefix: str = "") -> str:
    """A stable id for a directory of a snapshot (not git's own tree id, which no test needs)."""
    digest = hashlib.sha1(b"tree", usedforsecurity=False)
    for path in sorted(entries):
        if path.startswith(prefix):
            digest.update(path.encode() + b"\0" + blob_sha(entries[path]).encode())
    return digest.hexdigest()


def commit_sha(files: Mapping[str, bytes], salt: str) -> str:
    return hashlib.sha1(f"commit {salt} {tree_sha(files)}".encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class TreeEntry:
    path: str
    kind: str  # "blob" or "tree"
    sha: str
    size: int | None


def directories(files: Mapping[str, bytes]) -> set[str]:
    found: set[str] = set()
    for path in files:
        parts = path.split("/")[:-1]
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return found


def tree_entries(files: Mapping[str, bytes], *, under: str = "", recursive: bool) -> list[TreeEntry]:
    """The entries of the directory `under` (all below it when recursive), paths relative to it, git's order."""
    prefix = f"{under}/" if under else ""
    entries: list[TreeEntry] = []
    for directory in directories(files):
        if directory.startswith(prefix):
            relative = directory[len(prefix) :]
            if recursive or "/" not in relative:
                entries.append(TreeEntry(relative, "tree", tree_sha(files, f"{directory}/"), None))
    for path, content in files.items():
        if path.startswith(prefix):
            relative = path[len(prefix) :]
            if recursive or "/" not in relative:
                entries.append(TreeEntry(relative, "blob", blob_sha(content), len(content)))
    return sorted(entries, key=lambda e: e.path)
