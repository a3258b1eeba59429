"""Which file texts a review wants beyond the diff: one policy for every caller (the CLI, the App's worker).

Callers fetch these texts (within their own budget) and pass them in the `Snapshot`; a rule missing
a text falls back to the diff alone, so the budget trades precision for fetches, never correctness.
"""

from __future__ import annotations

from collections.abc import Collection

from checks.diff import Diff, FileStatus
from checks.paths import Kind, kind
from checks.rules.dependency_imports import NBDEV_SETTINGS, is_manifest
from checks.rules.lint_ignores import CONFIG_FILES as LINT_CONFIG_FILES

#: Files some rules read whatever the change touches (LFS patterns, DVC outputs, pytest's and the linters' settings;
#: pyproject.toml and setup.cfg are read as manifests).
CONTEXT_FILES = (".gitattributes", "dvc.lock", "pytest.ini", *(f for f in LINT_CONFIG_FILES if not is_manifest(f)))

#: Changed files of these kinds are read whole by some rule (AST, notebook JSON, manifest tables).
TEXT_KINDS = frozenset(
    {
        Kind.PYTHON,
        Kind.NOTEBOOK,
        Kind.REQUIREMENTS,
        Kind.PYPROJECT,
        Kind.SETUP,
        Kind.PIPFILE,
        Kind.CONDA,
        Kind.DOCKERFILE,
        Kind.COMPOSE,
        Kind.KUBERNETES,
        Kind.CI,
        Kind.YAML,
        Kind.TOML,
        Kind.SHELL,
        Kind.MAKEFILE,
    }
)


def wanted_texts(diff: Diff, tree: Collection[str] | None) -> list[str]:
    """Paths whose post-change text the rules want, most needed first.

    First the context files, then every dependency manifest of the tree (DEP009 must know all that the
    repository declares, changed or not) and the nbdev settings a setup.py beside them reads, then the changed
    files of `TEXT_KINDS` in diff order. With the tree unknown, only the changed files and the context files are
    wanted.
    """
    wanted: dict[str, None] = {}
    for name in CONTEXT_FILES:
        if tree is None or name in tree:
            wanted[name] = None
    if tree is not None:
        for path in sorted(tree):
            if is_manifest(path):
                wanted[path] = None
        # nbdev's setup.py reads its requirements from the settings.ini beside it.
        for path in sorted(tree):
            folder, _, name = path.rpartition("/")
            if name == NBDEV_SETTINGS and f"{folder}/setup.py".lstrip("/") in tree:
                wanted[path] = None
    for patch in diff:
        if patch.status is not FileStatus.REMOVED and not patch.is_binary and kind(patch.path) in TEXT_KINDS:
            wanted[patch.path] = None
    return list(wanted)


def wanted_base_sizes(diff: Diff) -> list[str]:
    """Paths of deleted files whose size at the base the rules want: those the diff shows no lines of (binary).
    Deleting a large binary dataset pays its debt (DATA001), which only its size tells; a deleted text file's
    removed lines are its size already."""
    return [p.old_path or p.path for p in diff if p.status is FileStatus.REMOVED and not p.hunks and not p.is_submodule]
