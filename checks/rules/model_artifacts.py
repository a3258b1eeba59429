"""Model debt in what is committed: model artifacts, models without provenance, models changed without a cause."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.diff import FilePatch, FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role, kind, roles
from checks.registry import Docs, Scope, rule
from checks.rules.model_paths import (
    artifact_roles,
    carries_blob,
    is_lfs_pointer_patch,
    may_be_text_model,
    model_format,
    pickled_as_text,
    text_model_format,
)
from checks.rules.model_scan import NOT_PRODUCTION
from checks.snapshot import Snapshot
from checks.views import ChangeView, FileView

MB = 1024 * 1024
#: Roles whose small artifacts are legitimate (a tiny model a test loads); from this size they are debt too.
SMALL_OK_ROLES = frozenset({Role.TEST, Role.FIXTURE, Role.EXAMPLE, Role.DOCS})
SMALL_OK_BYTES = 1 * MB


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _described(fmt: str, size: int | None) -> str:
    if size is None:
        return fmt
    amount = f"{size / MB:.1f} MB" if size >= MB / 10 else f"{size / 1024:.0f} KB"
    return f"{fmt}, {amount}"


@rule(
    code="MODEL001",
    slug="model-artifact-committed",
    title="Serialized model artifact committed to Git",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=30,
    remediation=(
        "Store the model in a registry or artifact store (MLflow, W&B, DVC remote, Hugging Face Hub) or Git LFS, "
        "and reference it by version or hash from code."
    ),
    docs=Docs(
        what=(
            "The change commits a serialized model (.pt, .pkl, .onnx, .safetensors, .ubj, .cbm, .h5 named like a "
            "model...) as a Git blob, not through Git LFS or DVC (a pickle written with protocol 0 too, which is "
            "text: told by its first line); or a gradient-boosting model saved as text "
            "(XGBoost's JSON, LightGBM's text format) under a model's name, told by its first lines. Changing an "
            "already committed model counts too: every version stays in the history. Severity is high from "
            "`thresholds.model_file_high_mb` (10 MB)."
        ),
        why=(
            "Binary models bloat every clone and have no lineage: nobody can tell which data and code produced "
            "them (Sculley et al. 2015, reproducibility debt; mllint `git-no-big-files`). Shared formats (.h5, "
            ".bin, .pb) count only when named like a model or kept under `models/`; a .pt in a data folder named "
            "as data and not as a model (`datasets/data/darcy_train_16.pt`) is tensors saved as a dataset, DATA001's; "
            "test and example files under 1 MB are fine."
        ),
        example="models/churn_classifier.pkl  (binary, 48 MB, added)",
        fix=(
            "git lfs track '*.pkl' (commit .gitattributes), or `dvc add models/churn_classifier.pkl` and commit "
            "the .dvc pointer; load it by version from the registry."
        ),
    ),
    reads_lines=False,  # binaries have no lines; a text model is told by its first two (see `text_model_format`)
)
def model_artifact_committed(view: FileView) -> Iterator[Hit]:
    patch = view.patch
    if patch.status is FileStatus.REMOVED:
        hit = _removed_artifact(view)
        if hit is not None:
            yield hit
        return
    fmt = model_format(view.path)
    if fmt is None or not carries_blob(patch):
        fmt = text_model_format(patch)  # a boosting model saved as text: the diff is the model
    if fmt is None:
        return
    snapshot = view.snapshot
    if snapshot.in_lfs(view.path) or snapshot.in_dvc(view.path):
        return
    size = view.size
    thresholds = view.config.thresholds
    if size == 0 or (size is not None and size < thresholds.model_file_mb * MB):
        return
    if artifact_roles(view.path) & SMALL_OK_ROLES and (size is None or size < SMALL_OK_BYTES):
        return
    high = size is not None and size >= thresholds.model_file_high_mb * MB
    verb = "committed to Git" if patch.status in (FileStatus.ADDED, FileStatus.COPIED) else "changed in Git"
    yield view.file_hit(
        Side.ADDED,
        f"Model artifact `{_name(view.path)}` ({_described(fmt, size)}) {verb} outside LFS, DVC or a registry",
        content=_name(view.path),
        severity=Severity.HIGH if high else Severity.MEDIUM,
    )


def _removed_artifact(view: FileView) -> Hit | None:
    """Deleting a committed model pays its debt (its history stays, but no new clone needs it)."""
    patch = view.patch
    if artifact_roles(view.path) & SMALL_OK_ROLES or view.snapshot.in_lfs(view.path):
        return None  # a small test model we never counted, or weights that were never in Git
    if patch.hunks:  # a text file: an LFS pointer, or a model saved as text (a boosting model, a protocol-0 pickle)
        if text_model_format(patch) is None and not (pickled_as_text(patch) and model_format(view.path)):
            return None
    elif model_format(view.path) is None:
        return None
    return view.file_hit(
        Side.REMOVED, f"Model artifact `{_name(view.path)}` removed from Git", content=_name(view.path)
    )


# --- MODEL002: a model with no training code or provenance ---------------------------------------------------

#: Paths of training code and pipeline definitions in the repository tree (one scan of the joined tree).
_TRAINING_PATH = lazy(
    r"^(?:[^\n]*/)?(?:"
    r"(?:train|training|trainers?|pipelines?|experiments?)/[^\n]*\.(?:py|ipynb|r|sh)"
    r"|[^/\n]*?(?<![a-z])(?:train|fit|finetun|fine[_-]tun|pretrain|retrain|learn|sweep|tun(?:e|ing)|hpo|"
    r"experiment|pipeline)[^/\n]*\.(?:py|ipynb|r|sh)"
    r"|run_[^/\n]*\.py"
    r"|dvc\.yaml|MLproject|Snakefile"
    r")$",
    re.MULTILINE | re.IGNORECASE,
)
#: Training calls in the change's own code.
_TRAINING_CALL = lazy(
    r"\.fit(?:_generator)?\(|\btrainer\.train\(|\bTrainer\(|\boptimi[sz]er\.step\(|\.backward\(|\btrain_on_batch\(|"
    r"\bfit_one_cycle\(|\bmlflow\.\w+\.log_model\(",
)
_NOT_TRAINING_CODE = frozenset({Role.TEST, Role.FIXTURE, Role.VENDORED, Role.GENERATED, Role.DOCS})
#: Files beside a model that document where it comes from.
_PROVENANCE_NAMES = (
    "README.md",
    "README.rst",
    "README.txt",
    "README",
    "readme.md",
    "MODEL_CARD.md",
    "model_card.md",
    "modelcard.md",
    "MLmodel",
    "LICENSE",
    "LICENSE.txt",
    "config.json",
    "metrics.json",
    "meta.json",
    "metadata.json",
    "metadata.yaml",
    "params.yaml",
)
_PROJECT_FILES = ("README", "LICENSE")
_CODE_KINDS_FOR_TRAINING = frozenset({Kind.PYTHON, Kind.NOTEBOOK})


def _keeps_model_lines(path: str) -> bool:
    """Only model files' lines are kept (to tell an LFS pointer or a model saved as text): changed code is read from
    its post-change text."""
    return model_format(path) is not None or may_be_text_model(path)


@rule(
    code="MODEL002",
    slug="model-without-training-code",
    title='"Magic" model: artifact with no training code or provenance',
    category=Category.MODEL,
    severity=Severity.HIGH,
    effort=120,
    remediation=(
        "Commit the training pipeline (script, config, data version) that produces the model, or register the "
        "model with its lineage (run id, data version, code commit)."
    ),
    docs=Docs(
        what=(
            "The change adds a model artifact, but neither the change nor the repository holds code that could "
            "train it (no train*/fit*/finetune* script, no training folder, no dvc.yaml or MLproject, no fit or "
            "optimizer step in the changed code), and nothing beside it says where it comes from (README, model "
            "card, MLmodel, config.json, metrics, .dvc; at the repository's root the project's README and LICENSE "
            "do not count). When training exists only in notebooks it is medium. "
            "Silent when the repository tree is unknown."
        ),
        why=(
            "A model nobody can retrain cannot be fixed, audited or updated when data drifts (ML Test Score, "
            "Infra 1: training is reproducible; Sculley et al. 2015 §7, reproducibility debt)."
        ),
        example="models/fraud.onnx added; the repository has app.py and no training script",
        fix=(
            "Add train.py (or the pipeline stage) that writes models/fraud.onnx, or a models/README.md that names "
            "the source, license and training run of the vendored model."
        ),
    ),
    scope=Scope.CHANGE,
    keeps=_keeps_model_lines,
)
def model_without_training_code(change: ChangeView) -> Iterator[Hit]:
    tree = change.snapshot.tree
    if tree is None:
        return
    added = [p for p in change.patches if _is_new_model(p, change.snapshot)]
    removed = [p for p in change.patches if _is_removed_model(p, change.snapshot)]
    if not added and not removed:
        return
    evidence = _training_evidence(change, "\n".join(tree))
    if evidence == "script":
        return
    models = frozenset(p.path for p in added)
    for patch in added:
        if _documented(patch.path, tree - models):
            continue
        notebook_only = evidence == "notebook"
        where = " (training exists only in notebooks: see CODE006)" if notebook_only else ""
        yield Hit(
            side=Side.ADDED,
            path=patch.path,
            line=None,
            content=_name(patch.path),
            message=f"Model `{_name(patch.path)}` has no training code or provenance in the repository{where}",
            severity=Severity.MEDIUM if notebook_only else None,
        )
    for patch in removed:
        yield Hit(
            side=Side.REMOVED,
            path=patch.path,
            line=None,
            content=_name(patch.path),
            message=f"Model `{_name(patch.path)}` without training code removed",
        )


def _is_model(patch: FilePatch) -> bool:
    """A model the change writes: its blob, its LFS pointer (storage does not make a model less magic), or the
    model itself saved as text."""
    if model_format(patch.path) is not None and (carries_blob(patch) or is_lfs_pointer_patch(patch)):
        return True
    return text_model_format(patch) is not None


def _is_new_model(patch: FilePatch, snapshot: Snapshot) -> bool:
    # Only new artifacts: a changed one was already magic before the change (MODEL003 covers retraining).
    return (
        patch.status in (FileStatus.ADDED, FileStatus.COPIED)
        and not artifact_roles(patch.path) & NOT_PRODUCTION
        and _is_model(patch)
        and not snapshot.in_dvc(patch.path)
    )


def _is_removed_model(patch: FilePatch, snapshot: Snapshot) -> bool:
    if patch.status is not FileStatus.REMOVED or artifact_roles(patch.path) & NOT_PRODUCTION:
        return False
    if model_format(patch.path) is not None and (not patch.hunks or is_lfs_pointer_patch(patch)):
        return True
    return text_model_format(patch) is not None


def _training_evidence(change: ChangeView, tree_text: str) -> str | None:
    """'script' when training code or a pipeline exists, 'notebook' when only notebooks train, else None."""
    found: str | None = None
    for m in _TRAINING_PATH.finditer(tree_text):
        path = m.group(0)
        if roles(path) & _NOT_TRAINING_CODE:
            continue
        if not path.lower().endswith(".ipynb"):
            return "script"
        found = "notebook"
    for patch in change.patches:
        if patch.status is FileStatus.REMOVED or kind(patch.path) not in _CODE_KINDS_FOR_TRAINING:
            continue
        if roles(patch.path) & _NOT_TRAINING_CODE:
            continue
        text = change.snapshot.text(patch.path)
        if text is None:
            continue  # too large to be read: no evidence either way
        if _TRAINING_CALL.search(text):
            if kind(patch.path) is not Kind.NOTEBOOK:
                return "script"
            found = "notebook"
    return found


def _documented(path: str, tree: frozenset[str]) -> bool:
    """True when a model card, README, MLflow MLmodel, metrics or a sidecar file sits beside the model (`tree`
    without the models the change adds: XGBoost's `model.json` is no sidecar of its `model.bin`, nor of itself)."""
    folder, _, name = path.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    stem = name.split(".", 1)[0]
    # At the repository's root, README and LICENSE are the project's, not the model's.
    names = _PROVENANCE_NAMES if folder else [n for n in _PROVENANCE_NAMES if not n.upper().startswith(_PROJECT_FILES)]
    beside = [*names, *(f"{stem}.{ext}" for ext in ("json", "yaml", "yml", "md", "txt", "dvc"))]
    if any(prefix + candidate in tree for candidate in beside):
        return True
    return f"{path}.dvc" in tree


# --- MODEL003: a model changed with nothing that explains it -------------------------------------------------

#: Files a model update may touch without any change to how the model is made: docs and images, and the
#: model's own tokenizer files (a SentencePiece `.model`, `tokenizer.json`), which ship with its weights.
_INCIDENTAL = lazy(
    r"(?:^|/)(?:\.gitattributes|\.gitignore|\.mailmap|LICENSE[^/]*|CHANGELOG[^/]*|CITATION[^/]*)$|"
    r"\.(?:md|rst|txt|png|jpe?g|gif|svg|model)$|(?:^|/)tokenizer[^/]*\.json$",
    re.IGNORECASE,
)


@rule(
    code="MODEL003",
    slug="model-changed-without-pipeline",
    title="Model artifact changed without any pipeline, code or data change",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=60,
    remediation=(
        "Retrain through the tracked pipeline and commit the code, config or data-version change that produced "
        "the new model together with it (or record the registry run id)."
    ),
    docs=Docs(
        what=(
            "The change replaces an existing model artifact (binary, LFS pointer or a boosting model's text) and "
            "changes nothing else that could explain the new weights: no code, config, parameters, data or DVC "
            "pointer; only models, their tokenizer files (a SentencePiece `.model`, `tokenizer*.json`), docs and "
            "images."
        ),
        why=(
            "A model swapped in on its own cannot be traced to the data and code that made it, so it cannot be "
            "reproduced or rolled back with confidence (ML Test Score, Infra 1; models trained on stale data)."
        ),
        example="Only models/ranker.pt changes in the pull request (binary, modified)",
        fix="Commit the training config or data pointer (params.yaml, data.dvc, dvc.lock) that changed with it.",
    ),
    scope=Scope.CHANGE,
    keeps=_keeps_model_lines,
)
def model_changed_without_pipeline(change: ChangeView) -> Iterator[Hit]:
    changed = [p for p in change.patches if _is_changed_model(p)]
    if not changed:
        return
    if any(not _is_incidental(p) for p in change.patches):
        return
    for patch in changed:
        yield Hit(
            side=Side.ADDED,
            path=patch.path,
            line=None,
            content=_name(patch.path),
            message=f"Model `{_name(patch.path)}` changed with no code, config or data change that explains it",
        )


def _is_changed_model(patch: FilePatch) -> bool:
    changed = patch.status is FileStatus.MODIFIED or (patch.status is FileStatus.RENAMED and patch.is_binary)
    return changed and not artifact_roles(patch.path) & NOT_PRODUCTION and _is_model(patch)


def _is_incidental(patch: FilePatch) -> bool:
    return (
        model_format(patch.path) is not None
        or text_model_format(patch) is not None
        or Role.DOCS in roles(patch.path)
        or _INCIDENTAL.search(patch.path) is not None
    )
