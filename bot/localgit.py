"""Read a change from a local git repository: its diff, the head tree with blob sizes, and the texts rules read.

Everything goes through the `git` command with options that pin its output format, so a user's
git config (external diff tools, textconv, no-prefix diffs, colour) cannot change what is parsed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from checks.defaults import CONFIG_PATH, MAX_CONFIG_BYTES
from checks.diff import Diff, FileStatus, parse_diff
from checks.inputs import wanted_base_sizes, wanted_texts
from checks.snapshot import Snapshot

#: Texts larger than this are not read: rules then fall back to the diff alone.
MAX_TEXT_BYTES = 2 * 1024 * 1024
#: All texts read for one review, together.
MAX_TOTAL_TEXT_BYTES = 64 * 1024 * 1024
DEFAULT_BRANCHES = ("origin/HEAD", "main", "master")

_BLOB = "blob"
_SYMLINK_MODE = "120000"
_SUBMODULE_MODE = "160000"
# The diff's format, whatever the user's config says (diff.noprefix, diff.external, diff.submodule=log...).
_DIFF_OPTIONS = (
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--submodule=short",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "-M",
)


class GitError(Exception):
    """git could not answer: not a repository, an unknown revision, git missing."""


class TreeEntry(NamedTuple):
    """One path of a tree, as `git ls-tree -l` lists it. A tuple: a monorepo's tree has hundreds of thousands."""

    mode: str
    kind: str
    sha: str
    size: int | None


@dataclass(frozen=True)
class ConfigBlob:
    """The repository config at the base: its bytes, or only its size when it is too large to read."""

    data: bytes | None
    size: int


@dataclass(frozen=True)
class LocalChange:
    base: str
    head: str
    diff: Diff
    snapshot: Snapshot
    #: `.github/debtbot.yml` at the base, or None when the base has none.
    config: ConfigBlob | None


class Repository:
    """A git work tree or bare repository on disk."""

    def __init__(self, path: Path) -> None:
        if not path.is_dir():
            raise GitError(f"not a git repository: {path} is not a directory")
        self.path = path
        inside = self._run("rev-parse", "--git-dir", what=f"not a git repository: {path}")
        if not inside.strip():
            raise GitError(f"not a git repository: {path}")

    def _run(self, *args: str, stdin: bytes | None = None, what: str | None = None) -> bytes:
        env = {
            **os.environ,
            "GIT_PAGER": "cat",
            "GIT_TERMINAL_PROMPT": "0",
            # Reading must not take the index lock another git process may need.
            "GIT_OPTIONAL_LOCKS": "0",
        }
        try:
            done = subprocess.run(  # noqa: S603  (a fixed git command; refs and paths are arguments, no shell)
                ["git", "-C", str(self.path), *args],  # noqa: S607  (git from PATH, as the user runs it)
                input=stdin if stdin is not None else b"",
                capture_output=True,
                env=env,
                check=False,
            )
        except FileNotFoundError as exc:
            raise GitError("git is not installed (or not on PATH)") from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1].removeprefix("fatal: ") if detail else None
            if what and reason:
                raise GitError(f"{what}: {reason}")
            raise GitError(what or reason or f"git {args[0]} exited with {done.returncode}")
        return done.stdout

    def commit(self, ref: str) -> str:
        """The commit `ref` names, as a full SHA."""
        if not ref or ref.startswith("-"):
            raise GitError(f"not a revision: {ref!r}")
        out = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=f"unknown revision {ref!r}")
        return out.decode().strip()

    def has(self, ref: str) -> bool:
        try:
            self.commit(ref)
        except GitError:
            return False
        return True

    def default_branch(self) -> str:
        """origin/HEAD when set, else main, else master."""
        for ref in DEFAULT_BRANCHES:
            if self.has(ref):
                return ref
        raise GitError("no default branch to compare with (no origin/HEAD, main or master): pass --base")

    def merge_base(self, one: str, other: str) -> str:
        what = f"no common ancestor of {one[:12]} and {other[:12]} (a shallow clone? fetch more history or pass --base)"
        out = self._run("merge-base", one, other, what=what)
        return out.decode().strip()

    def diff(self, base: str, head: str) -> bytes:
        """The three-dot diff: what `head` changed since it forked from `base`, as GitHub shows a pull request."""
        return self._run(*_DIFF_OPTIONS, f"{base}...{head}", "--")

    def tree(self, commit: str) -> dict[str, TreeEntry]:
        """Every path at `commit` with its mode, type, object and blob size."""
        out = self._run("ls-tree", "-r", "-l", "-z", "--full-tree", commit)
        return dict(_tree_entries(out))

    def entry(self, commit: str, path: str) -> TreeEntry | None:
        out = self._run("ls-tree", "-l", "-z", "--full-tree", commit, "--", path)
        return dict(_tree_entries(out)).get(path)

    def sizes(self, commit: str, paths: Iterable[str]) -> dict[str, int]:
        """The blob sizes of `paths` at `commit`, read in one `git cat-file --batch-check`; missing paths are left
        out (and names holding a newline, which the batch's lines cannot carry)."""
        wanted = [path for path in dict.fromkeys(paths) if "\n" not in path]
        if not wanted:
            return {}
        given = "".join(f"{commit}:{path}\n" for path in wanted).encode("utf-8", "surrogateescape")
        out = self._run("cat-file", "--batch-check", stdin=given).decode("utf-8", "replace").splitlines()
        sizes: dict[str, int] = {}
        for path, line in zip(wanted, out, strict=True):
            fields = line.split()  # "<sha> blob <size>", or "<commit>:<path> missing"
            if len(fields) == 3 and fields[1] == "blob" and fields[2].isdigit():
                sizes[path] = int(fields[2])
        return sizes

    def blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        """The contents of blobs by SHA, read in one `git cat-file --batch`."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self._run("cat-file", "--batch", stdin="".join(f"{s}\n" for s in wanted).encode())
        return _batch_contents(out)


def _tree_entries(out: bytes) -> Iterable[tuple[str, TreeEntry]]:
    # Decoded once: the modes, types, SHAs and sizes before each tab are ASCII, so only names can be replaced.
    # The few modes and types are shared by every entry rather than held once per path.
    shared: dict[str, str] = {}
    for record in out.decode("utf-8", "replace").split("\0"):
        if not record:
            continue
        info, _, path = record.partition("\t")
        mode, kind, sha, size = info.split(maxsplit=3)
        entry = TreeEntry(
            shared.setdefault(mode, mode), shared.setdefault(kind, kind), sha, int(size) if size.isdigit() else None
        )
        yield path, entry


def _batch_contents(out: bytes) -> dict[str, bytes]:
    """Parse `git cat-file --batch` output: `<sha> <type> <size>\\n<content>\\n`, or `<name> missing\\n`."""
    found: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        newline = out.index(b"\n", pos)
        header = out[pos:newline].decode("utf-8", "replace").split()
        pos = newline + 1
        if len(header) != 3 or not header[2].isdigit():
            continue  # "<name> missing" or "ambiguous": nothing follows
        size = int(header[2])
        found[header[0]] = out[pos : pos + size]
        pos += size + 1
    return found


def read_change(
    repo: Repository,
    *,
    base: str | None = None,
    head: str | None = None,
    today: date | None = None,
) -> LocalChange:
    """The change from `base` (default: where `head` forked from the default branch) to `head` (default HEAD)."""
    head_sha = repo.commit(head or "HEAD")
    base_sha = repo.commit(base) if base is not None else repo.merge_base(repo.commit(repo.default_branch()), head_sha)
    diff = parse_diff(repo.diff(base_sha, head_sha))
    tree = repo.tree(head_sha)
    config_entry = repo.entry(base_sha, CONFIG_PATH)
    return LocalChange(
        base=base_sha,
        head=head_sha,
        diff=diff,
        snapshot=Snapshot(
            # With no base given, the base is where head forked already: no second merge-base to ask git for.
            sizes={**_changed_sizes(diff, tree), **_deleted_sizes(repo, diff, base_sha, head_sha, forked=base is None)},
            texts=_texts(repo, diff, tree),
            tree=frozenset(tree),
            today=today,
        ),
        config=_config_blob(repo, config_entry),
    )


def _changed_sizes(diff: Diff, tree: Mapping[str, TreeEntry]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for patch in diff:
        entry = tree.get(patch.path)
        if entry is not None and entry.size is not None and patch.status is not FileStatus.REMOVED:
            sizes[patch.path] = entry.size
    return sizes


def _deleted_sizes(repo: Repository, diff: Diff, base: str, head: str, *, forked: bool) -> dict[str, int]:
    """The sizes of deleted files the diff shows no lines of, where the three-dot diff reads them: at the commit
    `head` forked from `base` (`base` itself when `forked`)."""
    wanted = wanted_base_sizes(diff)
    if not wanted:
        return {}
    return repo.sizes(base if forked else repo.merge_base(base, head), wanted)


def _texts(repo: Repository, diff: Diff, tree: Mapping[str, TreeEntry]) -> dict[str, str]:
    """Post-change texts of the files the rules want (`checks.inputs.wanted_texts`), within the size bounds."""
    wanted = wanted_texts(diff, tree.keys())
    chosen: dict[str, str] = {}
    budget = MAX_TOTAL_TEXT_BYTES
    for path in wanted:
        entry = tree.get(path)
        if entry is None or entry.size is None or not _readable(entry) or entry.size > budget:
            continue
        chosen[path] = entry.sha
        budget -= entry.size
    contents = repo.blobs(chosen.values())
    texts: dict[str, str] = {}
    for path, sha in chosen.items():
        data = contents.get(sha)
        if data is None or b"\0" in data:
            continue  # binary after all: rules must not see it as text
        texts[path] = data.decode("utf-8", "replace").removeprefix("\ufeff")
    return texts


def _readable(entry: TreeEntry) -> bool:
    return (
        entry.kind == _BLOB
        and entry.mode not in (_SYMLINK_MODE, _SUBMODULE_MODE)
        and entry.size is not None
        and entry.size <= MAX_TEXT_BYTES
    )


def _config_blob(repo: Repository, entry: TreeEntry | None) -> ConfigBlob | None:
    if entry is None or entry.kind != _BLOB or entry.size is None:
        return None
    if entry.size > MAX_CONFIG_BYTES:
        return ConfigBlob(None, entry.size)
    return ConfigBlob(repo.blobs([entry.sha]).get(entry.sha), entry.size)
