"""Files that tools and editors write, committed by accident (CODE007); one finding per kind and folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from checks.diff import FilePatch, FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.globs import Glob
from checks.lazyre import lazy
from checks.paths import Role, roles
from checks.registry import Docs, Scope, rule
from checks.views import ChangeView

#: (label, words, pattern): the pattern runs only on paths holding one of the words (it cannot match
#: without), as most paths are source files; when it has a `dir` group, files are grouped by that folder.
_ARTIFACTS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("Python bytecode cache", ("__pycache__/",), lazy(r"^(?P<dir>(?:.*/)?__pycache__/)")),
    ("compiled Python file", (".pyc", ".pyo"), lazy(r"\.py[co]$")),
    ("JetBrains IDE workspace", (".idea/",), lazy(r"^(?P<dir>(?:.*/)?\.idea/)")),
    ("VS Code settings with a local path", (".vscode/",), lazy(r"(?:^|/)\.vscode/(?:settings|launch)\.json$")),
    ("macOS Finder metadata (.DS_Store)", (".DS_Store",), lazy(r"(?:^|/)\.DS_Store$")),
    ("Windows Explorer metadata", ("Thumbs.db", "desktop.ini"), lazy(r"(?:^|/)(?:Thumbs\.db|desktop\.ini)$")),
    ("editor swap file", (".sw",), lazy(r"(?:^|/)\.[^/]+\.sw[op]$")),
    ("nohup output", ("nohup.out",), lazy(r"(?:^|/)nohup\.out$")),
    ("log file", (".log",), lazy(r"\.log$")),
    ("merge or patch leftover", (".orig", ".rej"), lazy(r"\.(?:orig|rej)$")),
    (
        "test or lint tool cache",
        ("_cache/", ".hypothesis/", "htmlcov/"),
        lazy(r"^(?P<dir>(?:.*/)?(?:\.pytest_cache|\.mypy_cache|\.ruff_cache|\.hypothesis|htmlcov)/)"),
    ),
    ("coverage data", (".coverage",), lazy(r"(?:^|/)\.coverage(?:\.[\w.-]+)?$")),
    ("packaging metadata (egg-info)", (".egg-info/",), lazy(r"^(?P<dir>(?:.*/)?[^/]+\.egg-info/)")),
)
#: Which labels need the file's text: IDE settings are shared on purpose unless they hold a developer's path.
_NEEDS_LOCAL_PATH = frozenset({"VS Code settings with a local path"})
#: Sample logs and patches' leftovers are fixtures of the tests of tools that read them.
_SKIP_IN_TESTS = frozenset({"log file", "merge or patch leftover"})
LOCAL_PATH = lazy(r"/home/(?!runner/|jovyan/)[\w.-]+/|/Users/(?!Shared/)[\w.-]+/|[A-Za-z]:(?:\\\\|/)+Users\b")
_TEST_ROLES = frozenset({Role.TEST, Role.FIXTURE, Role.DOCS})


@dataclass
class _Group:
    label: str
    side: Side
    paths: list[str] = field(default_factory=list)
    local_path: bool = False


@rule(
    code="CODE007",
    slug="committed-artifacts",
    title="Generated, IDE or runtime artifacts committed",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=5,
    remediation="Delete them from Git (`git rm -r --cached <path>`) and add them to .gitignore.",
    docs=Docs(
        what=(
            "The change adds files that tools write: `__pycache__/` and `*.pyc`, `.idea/`, `.DS_Store`, editor "
            "swap files, `nohup.out`, `*.log`, what a merge or a patch leaves behind (`*.orig`, `*.rej`; not in "
            "tests, whose fixtures they may be), test and lint caches, coverage data, `*.egg-info/`; and VS Code "
            "settings that hold a developer's local path. One finding per kind of artifact (per folder for "
            "cache folders). Medium when IDE settings hold a local path. Deleting them pays the debt once none of "
            "the folder is left in the repository (known from its file list); a file added to a cache or egg-info "
            "folder the repository already held adds no debt (known from the change's other files of that folder, "
            "or the file list), nor does one moved (`x.egg-info/` into `src/`, known from a file of it renamed there)."
        ),
        why=(
            "They change on every run, conflict on every merge, can leak local paths and usernames, and hide "
            "real changes in review (mllint version-control; GitHub's Python .gitignore template). Notebook "
            "checkpoints are CODE005."
        ),
        example="src/__pycache__/train.cpython-311.pyc\nnohup.out\n.idea/workspace.xml",
        fix="# .gitignore\n__pycache__/\n*.py[co]\nnohup.out\n*.log\n.idea/",
    ),
    scope=Scope.CHANGE,
    # Caches are generated trees, and still what this rule is about; vendored trees are not ours.
    skip_roles=(Role.VENDORED,),
    reads_lines=False,
)
def committed_artifacts(view: ChangeView) -> Iterator[Hit]:
    excluded = tuple(Glob(p) for p in view.config.exclude)
    groups: dict[tuple[str, str, Side], _Group] = {}
    for patch in view.patches:
        for side, path in _sides(patch):
            if any(g.matches(path) for g in excluded):
                continue
            found = _artifact(path)
            if found is None:
                continue
            label, key = found
            local_path = _has_local_path(view, path) if side is Side.ADDED else False
            if label in _NEEDS_LOCAL_PATH and not local_path:
                continue
            group = groups.setdefault((label, key, side), _Group(label, side))
            group.paths.append(path)
            group.local_path |= local_path
    tree = view.snapshot.tree
    held = _held_before(view, {key for label, key, side in groups if side is Side.ADDED and key != label})
    moved = _moved_folders(view)
    for (label, key, side), group in groups.items():
        if (label, key, side) in moved:
            continue  # the folder moved (`x.egg-info/` into `src/`): files git saw renamed went along, the rest too
        if side is Side.REMOVED and tree is not None and _still_there(tree, label, key):
            continue  # one file of an egg-info deleted, the rest kept: the artifact is still committed
        if side is Side.ADDED and key in held:
            continue  # a file added to an egg-info the repository already held: that debt is not new
        yield _group_hit(group, content=f"{label}: {key}")


def _held_before(view: ChangeView, folders: set[str]) -> set[str]:
    """Those of the artifact `folders` the repository held before the change: the change edits, deletes or moves
    away a file in one, or the file list holds one of its files that the change does not add."""
    if not folders:
        return set()
    added: set[str] = set()
    before: list[str] = []
    for patch in view.patches:
        if patch.status in (FileStatus.ADDED, FileStatus.COPIED):
            added.add(patch.path)
        else:
            before.append(patch.old_path or patch.path)
            added.add(patch.path)  # a renamed file's new path was not there before
    before.extend(path for path in view.snapshot.tree or () if path not in added)
    return {folder for folder in folders if any(path.startswith(folder) for path in before)}


def _moved_folders(view: ChangeView) -> set[tuple[str, str, Side]]:
    """The artifact folders a change moves: (label, key, side) of the folder a file renamed between two folders of one
    kind left (removed side) and came to (added side). Its files git did not pair (edited too much on the way) are
    added in one and deleted in the other, and are the move's too."""
    moved: set[tuple[str, str, Side]] = set()
    for patch in view.patches:
        if patch.status is not FileStatus.RENAMED or patch.old_path is None:
            continue
        old, new = _artifact(patch.old_path), _artifact(patch.path)
        if old is not None and new is not None and old[0] == new[0] and old[1] != old[0] and old[1] != new[1]:
            moved |= {(old[0], old[1], Side.REMOVED), (new[0], new[1], Side.ADDED)}
    return moved


def _still_there(tree: frozenset[str], label: str, key: str) -> bool:
    """Whether the repository still holds a file of the artifact (`label`, `key`) after the change."""
    return any(key in path and _artifact(path) == (label, key) for path in tree)


def _sides(patch: FilePatch) -> Iterator[tuple[Side, str]]:
    """The paths a change creates (added side) and retires (removed side); a modified file is neither."""
    if patch.status in (FileStatus.ADDED, FileStatus.COPIED):
        yield Side.ADDED, patch.path
    elif patch.status is FileStatus.REMOVED:
        yield Side.REMOVED, patch.path
    elif patch.status is FileStatus.RENAMED and patch.old_path is not None:
        old, new = _artifact(patch.old_path), _artifact(patch.path)
        if new is not None and (old is None or old[0] != new[0]):
            yield Side.ADDED, patch.path
        if old is not None and (new is None or old[0] != new[0]):
            yield Side.REMOVED, patch.old_path


def _artifact(path: str) -> tuple[str, str] | None:
    """(label, group key) when `path` is a tool's artifact."""
    path_roles = roles(path)
    if Role.VENDORED in path_roles:
        return None
    for label, words, pattern in _ARTIFACTS:
        if not any(word in path for word in words):
            continue
        m = pattern.search(path)
        if m is None:
            continue
        if label in _SKIP_IN_TESTS and path_roles & _TEST_ROLES:
            return None
        return label, m.groupdict().get("dir") or label
    return None


def _has_local_path(view: ChangeView, path: str) -> bool:
    text = view.snapshot.text(path)
    return text is not None and LOCAL_PATH.search(text) is not None


def _group_hit(group: _Group, *, content: str) -> Hit:
    paths = sorted(group.paths)
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    count = f"{len(paths)} files" if len(paths) > 1 else "1 file"
    message = f"{group.label[0].upper()}{group.label[1:]} committed ({count}: {shown})"
    severity = Severity.MEDIUM if group.local_path else None
    if group.local_path:
        message += "; it holds a developer's local path"
    return Hit(side=group.side, path=paths[0], line=None, content=content, message=message, severity=severity)
