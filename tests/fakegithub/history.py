"""A repository's commit graph and the diff between two of its snapshots, as GitHub's compare API needs them.

Diffs are made with difflib, apart from the code under test (which parses them): `git diff`-shaped text that
`tests.fakegithub.diffs.parse_files` cuts into GitHub's per-file entries.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Mapping

from tests.fakegithub.state import Repository


def ancestors(repo: Repository, sha: str) -> list[str]:
    """`sha` and every commit it descends from, nearest first (breadth first)."""
    seen = {sha}
    order = [sha]
    queue = deque([sha])
    while queue:
        for parent in repo.parents.get(queue.popleft(), ()):
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
                queue.append(parent)
    return order


def merge_base(repo: Repository, base: str, head: str) -> str | None:
    """The nearest commit both descend from (None when their histories never meet)."""
    of_base = set(ancestors(repo, base))
    return next((sha for sha in ancestors(repo, head) if sha in of_base), None)


def only_in(repo: Repository, head: str, base: str) -> list[str]:
    """Commits reachable from `head` but not from `base`, oldest first (`git log base..head`, reversed)."""
    of_base = set(ancestors(repo, base))
    return [sha for sha in reversed(ancestors(repo, head)) if sha not in of_base]


def _text(content: bytes) -> list[str] | None:
    if b"\0" in content:
        return None
    try:
        return content.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None


def snapshot_diff(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> str:
    """`git diff` of two snapshots: every changed file, in path order (no rename detection)."""
    out: list[str] = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        out.append(f"diff --git a/{path} b/{path}")
        if before is None:
            out.append("new file mode 100644")
        elif after is None:
            out.append("deleted file mode 100644")
        old_lines = _text(before) if before is not None else []
        new_lines = _text(after) if after is not None else []
        source = f"a/{path}" if before is not None else "/dev/null"
        target = f"b/{path}" if after is not None else "/dev/null"
        if old_lines is None or new_lines is None:
            out.append(f"Binary files {source} and {target} differ")
            continue
        out += [f"--- {source}", f"+++ {target}"]
        hunks = list(difflib.unified_diff(old_lines, new_lines, lineterm="", n=3))
        out += hunks[2:]  # difflib's own file headers replaced by git's above
    return "\n".join(out) + ("\n" if out else "")
