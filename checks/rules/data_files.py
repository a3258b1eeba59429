"""Data debt about data files themselves: datasets committed to Git, and DVC locks left stale."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from checks.diff import FilePatch, FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Role
from checks.registry import Docs, Scope, rule
from checks.rules.data_common import basename, dirname, is_data_path
from checks.snapshot import LFS_POINTER_PREFIX, Snapshot
from checks.views import ChangeView, FileView

MEGABYTE = 1024 * 1024
#: Without a blob size, this many added lines in one data file is the diff-only sign of a dataset.
LINE_PROXY = 10_000


@rule(
    code="DATA001",
    slug="dataset-in-git",
    title="Dataset file committed to Git without data versioning (DVC or Git LFS)",
    category=Category.DATA,
    severity=Severity.MEDIUM,
    effort=30,
    remediation=(
        "Track the dataset with DVC (`dvc add`, commit the .dvc pointer) or Git LFS (`git lfs track`), "
        "and document where it comes from and which version it is."
    ),
    docs=Docs(
        what=(
            "A data file (CSV, Parquet, NumPy, archives, or any non-code file in a data/ folder; HDF5 and "
            "pickles when their folder or name says data, not model; a .pt in a data folder named as data, not as "
            "a model or checkpoint: tensors saved as a dataset) of at least "
            "`thresholds.data_file_mb` (1 MB) is added or changed in Git, and is neither a Git LFS pointer, "
            "nor matched by a `filter=lfs` pattern in .gitattributes, nor covered by DVC. From "
            "`thresholds.data_file_high_mb` (10 MB) it is high severity. When the blob size is unknown, "
            "10,000 added lines in one data file stand in for it. Removing such a file (or turning it into an "
            "LFS pointer) pays the debt. Model artifacts and experiment-tracker stores are the model rules'."
        ),
        why=(
            "Datasets in Git bloat every clone forever and have no lineage: nobody can tell which version a "
            "model was trained on (Sculley et al. 2015, unstable data dependencies; mllint "
            "git-no-big-files and dvc rules use the same 10 MB line). Small fixtures are fine."
        ),
        example="data/raw/transactions.csv  (48 MB, added)",
        fix="dvc add data/raw/transactions.csv && git add data/raw/transactions.csv.dvc data/raw/.gitignore",
    ),
    skip_roles=(Role.VENDORED, Role.GENERATED),
    reads_lines=False,
)
def dataset_in_git(view: FileView) -> Iterator[Hit]:
    if not is_data_path(view.path):
        return
    name = basename(view.path)
    if view.status is FileStatus.REMOVED:
        if _was_large(view):
            yield view.file_hit(Side.REMOVED, f"Dataset {name} leaves Git", content=name)
        return
    old_path = view.patch.old_path
    if view.status in (FileStatus.RENAMED, FileStatus.COPIED) and old_path and is_data_path(old_path):
        return  # the same blob under a new name: it was already in Git
    added = view.patch.added
    first = added.texts()[0] if len(added) else None
    if view.snapshot.is_lfs_pointer(view.path, first):
        if view.status is FileStatus.MODIFIED and _was_large(view):
            yield view.file_hit(Side.REMOVED, f"Dataset {name} moves to Git LFS", content=name)
        return
    if view.snapshot.in_lfs(view.path) or view.snapshot.in_dvc(view.path):
        return
    weight = _weight(view)
    if weight is None:
        return
    severity, measure = weight
    yield view.file_hit(
        Side.ADDED,
        f"Dataset {name} ({measure}) is committed to Git without DVC or Git LFS",
        content=name,
        severity=severity,
    )


def _weight(view: FileView) -> tuple[Severity, str] | None:
    """The severity and a readable size, or None when the file is small or its size cannot be told."""
    thresholds = view.config.thresholds
    size = view.size
    if size is not None:
        if size < thresholds.data_file_mb * MEGABYTE:
            return None
        high = size >= thresholds.data_file_high_mb * MEGABYTE
        return (Severity.HIGH if high else Severity.MEDIUM), f"{size / MEGABYTE:.1f} MB"
    if view.patch.is_binary or view.patch.patch_missing:
        return None  # a binary of unknown size may be a 2 KB fixture: stay silent
    lines = len(view.patch.added)
    if lines < LINE_PROXY:
        return None
    return Severity.MEDIUM, f"{lines:,} added lines"


def _was_large(view: FileView) -> bool:
    """Whether the content leaving Git was a dataset by the same measure as added content.

    A removed file has no blob at the head: its size is the caller's when given (the base blob), else the
    removed text itself, which for a deleted text file (or one replaced by a pointer) is its whole content.
    """
    removed = view.patch.removed
    if len(removed) and removed.texts()[0].startswith(LFS_POINTER_PREFIX):
        return False
    threshold = view.config.thresholds.data_file_mb * MEGABYTE
    size = view.snapshot.size(view.patch.old_path or view.path) if view.status is FileStatus.REMOVED else None
    if size is not None:
        return size >= threshold
    return len(removed) >= LINE_PROXY or len(removed.text) + 1 >= threshold


_DVC_FILE = lazy(r"(^|/)(dvc\.yaml|params\.yaml|[^/]+\.dvc)$")
_YAML_KEY = lazy(r"^\s*(?:-\s+)?([\w.-]+)\s*:")
_TOP_LEVEL_KEY = lazy(r"^[^\s#-][^:]*:")
#: A .dvc pointer edit that changes the data itself (not only its description or remote).
_DATA_VERSION = lazy(r"^\s*-?\s*(?:md5|etag|checksum|hash)\s*:", re.MULTILINE)


def _is_dvc_file(path: str) -> bool:
    return _DVC_FILE.search(path) is not None


@rule(
    code="DATA002",
    slug="dvc-lock-stale",
    title="DVC pipeline or tracked data changed without updating dvc.lock",
    category=Category.DATA,
    severity=Severity.MEDIUM,
    effort=10,
    remediation="Run `dvc repro` (or `dvc commit`) and commit the updated dvc.lock with the change.",
    docs=Docs(
        what=(
            "The change edits a DVC pipeline (the stages of dvc.yaml, or params.yaml next to it) or a .dvc "
            "pointer whose data a pipeline stage depends on, while the repository's dvc.lock stays as it was."
        ),
        why=(
            "dvc.lock records the exact inputs, parameters and outputs of every stage; a stale lock means the "
            "committed results no longer match the committed pipeline, so training is not reproducible "
            "(mllint commit-dvc-lock; ML Test Score Infra 1). Comment-only edits are ignored."
        ),
        example="params.yaml: `lr: 0.01` becomes `lr: 0.001`; dvc.lock unchanged",
        fix="dvc repro && git add dvc.lock",
    ),
    scope=Scope.CHANGE,
    keeps=_is_dvc_file,
)
def dvc_lock_stale(view: ChangeView) -> Iterator[Hit]:
    for patch in view.patches:
        if not _is_dvc_file(patch.path) or patch.status is FileStatus.REMOVED:
            continue
        if patch.path.endswith(".dvc"):
            if patch.status is FileStatus.MODIFIED and _DATA_VERSION.search(patch.added.text):
                yield from _stale_for_pointer(view, patch)
        elif patch.status is not FileStatus.ADDED:
            yield from _stale_for_pipeline(view, patch)


def _stale_for_pipeline(view: ChangeView, patch: FilePatch) -> Iterator[Hit]:
    lock = posixpath.join(dirname(patch.path), "dvc.lock")
    if view.changed(lock) or not _exists(view.snapshot, lock):
        return
    lines = _relevant_changes(view, patch, lock)
    if lines is None:
        return
    yield Hit(
        side=Side.ADDED,
        path=patch.path,
        line=lines[0] if lines else None,
        content=f"{patch.path} changed without {lock}",
        message=f"{basename(patch.path)} changes the pipeline but {lock} is not updated",
    )


def _stale_for_pointer(view: ChangeView, patch: FilePatch) -> Iterator[Hit]:
    """A .dvc pointer changes a data version: stale only when a stage of some dvc.lock depends on that data."""
    tracked = patch.path.removesuffix(".dvc")
    for lock, text in view.snapshot.texts.items():
        if basename(lock) != "dvc.lock" or view.changed(lock):
            continue
        relative = posixpath.relpath(tracked, dirname(lock) or ".")
        entry = re.compile(rf"^\s*-?\s*path:\s*['\"]?{re.escape(relative)}/?['\"]?\s*$", re.MULTILINE)
        if entry.search(text):
            yield Hit(
                side=Side.ADDED,
                path=patch.path,
                line=None,
                content=f"{patch.path} changed without {lock}",
                message=f"{basename(patch.path)} changes data that {lock} pins, but {lock} is not updated",
            )
            return


def _exists(snapshot: Snapshot, path: str) -> bool:
    known = snapshot.exists(path)
    return known if known is not None else snapshot.text(path) is not None


def _relevant_changes(view: ChangeView, patch: FilePatch, lock: str) -> list[int] | None:
    """Added line numbers that matter to the lock ([] when only removals matter), or None when none do."""
    added = [(line.number, line.text) for line in patch.added if _is_content(line.text)]
    removed = [line.text for line in patch.removed if _is_content(line.text)]
    if basename(patch.path) == "dvc.yaml":
        stages = _stages_block(view.snapshot.text(patch.path))
        if stages is not None:
            added = [(n, t) for n, t in added if stages[0] < n <= stages[1]]
    else:
        lock_text = view.snapshot.text(lock)
        if lock_text is not None:
            added = [(n, t) for n, t in added if _param_in_lock(t, lock_text)]
            removed = [t for t in removed if _param_in_lock(t, lock_text)]
    if not added and not removed:
        return None
    return [n for n, _ in added]


def _is_content(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def _stages_block(text: str | None) -> tuple[int, int] | None:
    """The line range (first, last] of dvc.yaml's `stages:` mapping, or None when the text is unknown."""
    if text is None:
        return None
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.rstrip() == "stages:"), None)
    if start is None:
        return (0, 0)
    end = next((i for i in range(start, len(lines)) if _TOP_LEVEL_KEY.match(lines[i])), len(lines))
    return (start, end)


def _param_in_lock(line: str, lock_text: str) -> bool:
    m = _YAML_KEY.match(line)
    if m is None:
        return True  # a list item or a continued value: it may belong to any parameter
    key = re.escape(m.group(1))
    return re.search(rf"^\s*(?:[\w-]+\.)*{key}\s*:", lock_text, re.MULTILINE) is not None
