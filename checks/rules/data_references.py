"""Deleted data still in use: a data file removed while code, scripts or configs still name it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from checks.diff import FilePatch, FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.languages import comment_start
from checks.lazyre import lazy
from checks.paths import Kind, Role, kind, roles
from checks.registry import Docs, Scope, rule
from checks.rules.data_common import basename, dirname, is_data_path
from checks.views import ChangeView, SideView

#: Files whose lines may name a data file: code, scripts, build files and configs.
_REFERENCE_KINDS = frozenset(
    {
        Kind.PYTHON,
        Kind.NOTEBOOK,
        Kind.SHELL,
        Kind.R,
        Kind.YAML,
        Kind.TOML,
        Kind.MAKEFILE,
        Kind.DOCKERFILE,
        Kind.CI,
        Kind.SQL,
    }
)
_QUOTED_KINDS = frozenset({Kind.PYTHON, Kind.NOTEBOOK, Kind.R})
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/\\")
#: A line that writes the file: the code regenerates it, so deleting the committed copy breaks nothing.
_WRITES = lazy(
    r"\.to_(?:csv|parquet|json|excel|feather|pickle|hdf|orc)\(|\bsave(?:txt|z|z_compressed)?\(|\bdump\(|"
    r"\bwrite\w*\(|open\([^)]*,\s*(?:mode\s*=\s*)?[rbf]?[\"'][wax]|>>?\s*\S*$|\bouts?:",
)
#: File-name-like words: a path splits into its folders and its file name.
_WORD = lazy(r"[\w.-]+")


def _keeps_references(path: str) -> bool:
    return kind(path) in _REFERENCE_KINDS


@rule(
    code="DATA014",
    slug="deleted-data-referenced",
    title="Data file deleted while code still reads it",
    category=Category.DATA,
    severity=Severity.MEDIUM,
    effort=15,
    remediation="Update or remove the references, or keep the data available (DVC remote, documented download).",
    docs=Docs(
        what=(
            "The change deletes a data file, and code, a script or a config (changed, or unchanged with its text "
            "known) still names it outside comments: by its path, or by a name no other file in the repository "
            "has. Files that the code writes, that move elsewhere, or that DVC now tracks are not reported. A "
            "reference in an unchanged file is reported on the deleted file."
        ),
        why=(
            "Deleting data that code still reads breaks the pipeline at run time, far from the change that "
            "caused it (Sculley et al. 2015, unstable and underutilized data dependencies)."
        ),
        example='data/iris.csv deleted; src/train.py: df = pd.read_csv("data/iris.csv")',
        fix="Point the code at the new location (or a DVC-tracked copy), or delete the code that reads it.",
    ),
    scope=Scope.CHANGE,
    keeps=_keeps_references,
    keeps_if=lambda patches, _: any(_deletes_own_data(p) for p in patches),
)
def deleted_data_referenced(view: ChangeView) -> Iterator[Hit]:
    deleted = [p.path for p in view.patches if _deletes_own_data(p)]
    if not deleted:
        return
    # Built once, so a change deleting thousands of files costs one pass over the texts, not one per file.
    changed = {p.path for p in view.patches} | {p.old_path for p in view.patches if p.old_path}
    present = {basename(p.path) for p in view.patches if p.status is not FileStatus.REMOVED}
    if view.snapshot.tree is not None:
        present.update(basename(p) for p in view.snapshot.tree)
    referrers = _referrers(view, changed)
    unique = view.snapshot.tree is not None
    for path in deleted:
        name = basename(path)
        naming = [r for r in referrers if name in r.words]
        if not naming or name in present or not _still_missing(view, path, changed):
            continue
        found = [(hit, writes) for r in naming for hit, writes in _references(r, path, unique=unique)]
        if found and not any(writes for _, writes in found):
            yield from (hit for hit, _ in found)


def _deletes_own_data(patch: FilePatch) -> bool:
    return patch.status is FileStatus.REMOVED and _is_own_data(patch.path)


def _is_own_data(path: str) -> bool:
    return is_data_path(path) and not roles(path) & {Role.VENDORED, Role.GENERATED}


@dataclass
class _Referrer:
    """A file that may name data files: a changed one (its text, or its added lines) or an unchanged one."""

    path: str
    kind: Kind
    changed: bool
    text: str | None
    added: SideView | None
    words: frozenset[str]

    @cached_property
    def lines(self) -> list[tuple[int, str]]:
        if self.text is not None:
            return list(enumerate(self.text.splitlines(), start=1))
        return [(line.number, line.text) for line in self.added.lines] if self.added is not None else []


def _referrers(view: ChangeView, changed: set[str]) -> list[_Referrer]:
    found: list[_Referrer] = []
    for patch in view.patches:
        if patch.status is FileStatus.REMOVED or not _reads_references(patch.path):
            continue
        file_kind = kind(patch.path)
        text = view.snapshot.text(patch.path) if file_kind is not Kind.NOTEBOOK else None
        file_view = view.file(patch.path) if text is None else None
        added = file_view.source_sides()[0] if file_view is not None else None
        searched = text if text is not None else added.lines.text if added is not None else ""
        words = frozenset(_WORD.findall(searched))
        found.append(_Referrer(patch.path, file_kind, True, text, added, words))
    for path, text in view.snapshot.texts.items():
        file_kind = kind(path)
        if path in changed or file_kind is Kind.NOTEBOOK or not _reads_references(path):
            continue
        found.append(_Referrer(path, file_kind, False, text, None, frozenset(_WORD.findall(text))))
    return found


def _still_missing(view: ChangeView, path: str, changed: set[str]) -> bool:
    """True when nothing else provides the file: not tracked by DVC now, not an output of a DVC pipeline."""
    snapshot = view.snapshot
    if snapshot.exists(path) or snapshot.in_dvc(path) or path + ".dvc" in changed:
        return False
    return not any(
        basename(p) in ("dvc.yaml", "dvc.lock") and path.removeprefix(dirname(p)).lstrip("/") in text
        for p, text in snapshot.texts.items()
    )


def _references(referrer: _Referrer, deleted: str, *, unique: bool) -> Iterator[tuple[Hit, bool]]:
    """Each line of `referrer` naming `deleted`, and whether that line writes it.

    A reference in a changed file is reported on its line; one in an unchanged file whose text is known
    (a config the change forgot) is reported on the deleted file, the only place of the change it can go.
    """
    name = basename(deleted)
    for number, text in referrer.lines:
        if name not in text or not _names_in_line(text, deleted, referrer.kind, unique=unique):
            continue
        if referrer.changed:
            hit = Hit(
                side=Side.ADDED,
                path=referrer.path,
                line=number,
                content=f"{deleted}: {text.strip()}",
                message=f"Still refers to {deleted}, which this change deletes",
            )
        else:
            hit = Hit(
                side=Side.ADDED,
                path=deleted,
                line=None,
                content=f"{deleted}: {referrer.path}: {text.strip()}",
                message=f"Deleted, but {referrer.path} (line {number}) still refers to it",
            )
        yield hit, _WRITES.search(text) is not None


def _reads_references(path: str) -> bool:
    return _keeps_references(path) and not roles(path) & {Role.VENDORED, Role.GENERATED, Role.DOCS}


def _names_in_line(text: str, deleted: str, file_kind: Kind, *, unique: bool) -> bool:
    name = basename(deleted)
    return any(
        _names_file(text, _token_start(text, m.start()), m.end(), deleted, file_kind, unique=unique)
        for m in _WORD.finditer(text)
        if m.group() == name
    )


def _token_start(text: str, end: int) -> int:
    start = end
    while start > 0 and text[start - 1] in _PATH_CHARS:
        start -= 1
    return start


def _names_file(text: str, start: int, end: int, deleted: str, file_kind: Kind, *, unique: bool) -> bool:
    """Solid evidence only: a path ending in the deleted path (or its last two parts), outside comments."""
    comment = comment_start(text, Kind.PYTHON if file_kind is Kind.NOTEBOOK else file_kind)
    if comment is not None and start >= comment:
        return False
    if file_kind in _QUOTED_KINDS and (start == 0 or text[start - 1] not in "\"'}"):
        return False  # in code, a data path is a string literal; bare words are identifiers or prose
    parts = [p for p in text[start:end].replace("\\", "/").split("/") if p not in ("", ".", "..")]
    token = "/".join(parts)
    if token == deleted or token.endswith("/" + deleted):
        return True  # the whole path, possibly under a prefix
    if len(parts) >= 2 and deleted.endswith("/" + token):
        return True  # its folder and name, relative to some base folder
    return unique and token == basename(deleted)
