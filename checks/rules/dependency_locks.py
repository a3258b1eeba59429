"""DEP006: a dependency manifest's dependencies changed while its lock file, present in the tree, did not."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from checks.diff import FilePatch, FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Role, roles
from checks.registry import Docs, Scope, rule
from checks.views import ChangeView

_HEADER = lazy(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = lazy(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""")
_BLANK_OR_COMMENT = lazy(r"^\s*(?:#.*)?$")
_CONDA_NAME_KEYS = lazy(r"^(?:name|prefix)\s*:")
#: Without the post-change text, a changed line whose table is not in view counts only when it looks like
#: a requirement: `"numpy>=1.26",` in an array or `numpy = "^1.26"` in a Poetry table.
_LOOKS_LIKE_DEPENDENCY = lazy(
    r"""^\s*["'][A-Za-z0-9][\w.-]*\s*(?:\[[^\]]*\])?\s*(?:[<>=!~^]=?|@)[^"']*["']\s*,?\s*(?:#.*)?$"""
    r"""|^\s*[A-Za-z0-9][\w.-]*\s*=\s*(?:["'][\^~<>=!*][^"']*["']|\{\s*(?:version|git|path|url)\s*=)"""
)


@dataclass(frozen=True)
class TomlSpot:
    """Where a line of a TOML file sits: its table and, inside a multi-line value, the key being assigned."""

    table: str | None  #: None when no header is in view
    key: str | None


def _unquote(dotted: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in dotted.split("."))


def _balance(text: str) -> int:
    depth, quote = 0, ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


class TomlWalker:
    """Follows tables and multi-line values line by line: enough TOML to place a line, no more."""

    def __init__(self, table: str | None = None) -> None:
        self.table = table
        self.key: str | None = None
        self.depth = 0

    @classmethod
    def resume(cls, state: tuple[str | None, str | None, int] | None) -> TomlWalker:
        walker = cls()
        if state is not None:
            walker.table, walker.key, walker.depth = state
        return walker

    def state(self) -> tuple[str | None, str | None, int]:
        return (self.table, self.key, self.depth)

    def place(self, line: str) -> TomlSpot:
        """The spot of `line` read at the current position, without moving on."""
        if self.depth <= 0:
            header = _HEADER.match(line)
            if header is not None:
                return TomlSpot(_unquote(header.group(1)), None)
            key = _KEY.match(line)
            if key is not None:
                return TomlSpot(self.table, _unquote(key.group(1)))
        return TomlSpot(self.table, self.key if self.depth > 0 else None)

    def feed(self, line: str) -> TomlSpot:
        spot = self.place(line)
        if self.depth <= 0:
            header = _HEADER.match(line)
            if header is not None:
                self.table, self.key, self.depth = spot.table, None, 0
                return spot
            key = _KEY.match(line)
            if key is not None:
                self.key = spot.key
                self.depth = _balance(line[key.end() :])
                return spot
        else:
            self.depth += _balance(line)
        if self.depth <= 0:
            self.key, self.depth = None, 0
        return spot


def _pyproject_dependency(spot: TomlSpot) -> bool:
    table, key = spot.table or "", spot.key or ""
    if re.fullmatch(
        r"(?:project\.optional-dependencies|dependency-groups|tool\.poetry\.(?:dependencies|dev-dependencies|extras"
        r"|source|group\.[^.]+\.dependencies)|tool\.uv\.(?:sources|index|workspace)|tool\.pdm\.dev-dependencies"
        r"|tool\.pixi\.[\w.-]*dependencies)(?:\..*)?",
        table,
    ):
        return True
    first = key.split(".", 1)[0]
    return (
        (table == "project" and first in {"dependencies", "optional-dependencies", "requires-python"})
        or (table == "tool.poetry" and first in {"dependencies", "dev-dependencies", "extras", "source", "group"})
        or (
            table == "tool.uv"
            and first
            in {"dev-dependencies", "constraint-dependencies", "override-dependencies", "sources", "index", "index-url"}
        )
    )


def _pipfile_dependency(spot: TomlSpot) -> bool:
    return bool(spot.table) and (spot.table or "").split(".", 1)[0] not in {"scripts", "pipenv"}


def _pixi_dependency(spot: TomlSpot) -> bool:
    table, key = spot.table or "", spot.key or ""
    return "dependencies" in table or key in {"channels", "platforms", "requires-python"}


@dataclass(frozen=True)
class Manifest:
    """A manifest kind: its file name, where its lock files are, and which lines are dependencies."""

    locks: tuple[str, ...]
    toml: Callable[[TomlSpot], bool] | None  #: None: every non-comment line is a dependency line


_TOML_MANIFESTS = {
    "pyproject.toml": Manifest(("poetry.lock", "uv.lock", "pdm.lock", "pixi.lock"), _pyproject_dependency),
    "Pipfile": Manifest(("Pipfile.lock",), _pipfile_dependency),
    "pixi.toml": Manifest(("pixi.lock",), _pixi_dependency),
}
_CONDA_ENV = lazy(r"(?i)^(environment|conda)[\w.-]*\.ya?ml$")
_REQUIREMENTS_IN = lazy(r"(?i)(^|/)(requirements|constraints)[\w.-]*\.in$|(^|/)requirements/[\w.-]+\.in$")


def _manifest(path: str) -> Manifest | None:
    name = posixpath.basename(path)
    if name in _TOML_MANIFESTS:
        return _TOML_MANIFESTS[name]
    if _CONDA_ENV.match(name):
        return Manifest(("conda-lock.yml", "conda-lock.yaml"), None)
    if _REQUIREMENTS_IN.search(path):
        return Manifest((name[: -len(".in")] + ".txt",), None)
    return None


def is_manifest(path: str) -> bool:
    return _manifest(path) is not None


@rule(
    code="DEP006",
    slug="stale-lock-file",
    title="Dependency manifest changed without updating its lock file",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=10,
    remediation=(
        "Re-lock (`poetry lock`, `uv lock`, `pdm lock`, `pipenv lock`, `pixi install`, `conda-lock`, "
        "`pip-compile`) and commit the lock file in the same pull request."
    ),
    docs=Docs(
        what=(
            "The dependencies of a manifest changed (pyproject.toml dependency tables, Pipfile packages, "
            "pixi.toml, environment.yml, requirements*.in) while a lock file next to it (poetry.lock, uv.lock, "
            "pdm.lock, Pipfile.lock, pixi.lock, conda-lock.yml, the .txt compiled from the .in) exists and is "
            "not part of the change. Edits outside dependency tables (tool.ruff, metadata, scripts, version) "
            "do not count. Needs the repository tree: silent without it."
        ),
        why=(
            "The lock is what CI, Docker images and colleagues install: a manifest ahead of its lock means "
            "the declared change is not what runs, and the next unrelated re-lock ships it by surprise "
            "(mllint dependency-management; ML Test Score, infrastructure test 1: reproducible training)."
        ),
        example='pyproject.toml: dependencies = ["torch>=2.3"] changed; uv.lock unchanged',
        fix="Run `uv lock` and commit uv.lock with the pyproject.toml change.",
    ),
    scope=Scope.CHANGE,
    keeps=is_manifest,
)
def stale_lock_file(view: ChangeView) -> Iterator[Hit]:
    if view.snapshot.tree is None:
        return
    for patch in view.patches:
        manifest = _manifest(patch.path)
        if manifest is None or patch.status is FileStatus.REMOVED or roles(patch.path) & _NOT_OURS:
            continue
        folder = posixpath.dirname(patch.path)
        locks = [posixpath.join(folder, lock) for lock in manifest.locks]
        existing = [lock for lock in locks if view.snapshot.exists(lock)]
        if not existing or any(view.changed(lock) for lock in locks):
            continue
        line = _first_dependency_change(patch, manifest, view.snapshot.text(patch.path))
        if line is None:
            continue
        lock_names = " / ".join(posixpath.basename(lock) for lock in existing)
        yield Hit(
            side=Side.ADDED,
            path=patch.path,
            line=line or None,
            content=f"{patch.path} -> {lock_names}",
            message=f"dependencies in `{patch.path}` changed but `{lock_names}` was not updated",
        )


_NOT_OURS = frozenset({Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE})


def _first_dependency_change(patch: FilePatch, manifest: Manifest, text: str | None) -> int | None:
    """The first added line that changes a dependency (0 when only removals do), or None when none does."""
    changes = _net_changes(patch, text)
    if manifest.toml is None:
        relevant = [(side, number) for side, number, line, _ in changes if not _ignorable_plain(line)]
    else:
        relevant = [(side, number) for side, number, line, spot in changes if _toml_relevant(manifest, line, spot)]
    added = [number for side, number in relevant if side is Side.ADDED]
    if added:
        return min(added)
    return 0 if relevant else None


def _ignorable_plain(line: str) -> bool:
    return _BLANK_OR_COMMENT.match(line) is not None or _CONDA_NAME_KEYS.match(line) is not None


def _toml_relevant(manifest: Manifest, line: str, spot: TomlSpot | None) -> bool:
    if _BLANK_OR_COMMENT.match(line):
        return False
    if spot is None or spot.table is None:
        return _LOOKS_LIKE_DEPENDENCY.match(line) is not None
    assert manifest.toml is not None
    return manifest.toml(spot)


def _net_changes(patch: FilePatch, text: str | None) -> list[tuple[Side, int, str, TomlSpot | None]]:
    """Changed lines with their TOML spot, after cancelling lines removed and added unchanged (moves)."""
    placed = list(_placed(patch, text))
    added = Counter(line.strip() for side, _, line, _ in placed if side is Side.ADDED)
    removed = Counter(line.strip() for side, _, line, _ in placed if side is Side.REMOVED)
    moved = {Side.ADDED: added & removed, Side.REMOVED: added & removed}
    out = []
    for entry in placed:
        left = moved[entry[0]]
        key = entry[2].strip()
        if left[key] > 0:
            left[key] -= 1
            continue
        out.append(entry)
    return out


def _placed(patch: FilePatch, text: str | None) -> Iterator[tuple[Side, int, str, TomlSpot | None]]:
    """Each changed line of the patch and where it sits, read from the hunks in order.

    Each hunk starts from the state the post-change text gives its first line (unknown without
    the text: a line before any header in view then has table None, judged by its looks). The
    removed side follows its own walker from the same start, so a removed table moves its lines with it.
    """
    starts = _states_at(text, [h.new_start for h in patch.hunks]) if text is not None else {}
    for hunk in patch.hunks:
        state = starts.get(hunk.new_start)
        if state is None and hunk.new_start <= 1:
            state = ("", None, 0)  # the top of the file: the root table
        new_side = TomlWalker.resume(state)
        old_side = TomlWalker.resume(state)
        old, new = hunk.old_start, hunk.new_start
        for raw in hunk.body.split("\n"):
            mark, line = raw[:1], raw[1:].removesuffix("\r")
            if mark == "\\":
                continue
            if mark == "-":
                yield Side.REMOVED, old, line, old_side.feed(line)
                old += 1
            elif mark == "+":
                yield Side.ADDED, new, line, new_side.feed(line)
                new += 1
            else:
                old_side.feed(line)
                new_side.feed(line)
                old, new = old + 1, new + 1


def _states_at(text: str, numbers: Sequence[int]) -> dict[int, tuple[str | None, str | None, int]]:
    """The walker's state just before each of the given post-change line numbers."""
    wanted = set(numbers)
    states = {}
    walker = TomlWalker(table="")
    for number, line in enumerate(text.splitlines(), start=1):
        if number in wanted:
            states[number] = walker.state()
        walker.feed(line)
    return states


__all__: Sequence[str] = ["is_manifest", "stale_lock_file"]
