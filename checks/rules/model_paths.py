"""What a path says about models: a serialized model artifact, or a file of an experiment tracker's run store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from checks.diff import FilePatch, FileStatus
from checks.lazyre import lazy
from checks.paths import Role, roles
from checks.rules.data_common import is_saved_tensors
from checks.snapshot import LFS_POINTER_PREFIX

#: Formats that are models whatever their name.
_MODEL_FORMATS = {
    "pt": "PyTorch",
    "pth": "PyTorch",
    "ckpt": "checkpoint",
    "safetensors": "safetensors",
    "onnx": "ONNX",
    "keras": "Keras",
    "tflite": "TensorFlow Lite",
    "mlmodel": "Core ML",
    "gguf": "GGUF",
    "ggml": "GGML",
    "caffemodel": "Caffe",
    "pdparams": "PaddlePaddle",
    "weights": "Darknet",
    "mar": "TorchServe archive",
    "ubj": "XGBoost UBJSON",
    "cbm": "CatBoost",
}
#: Pickles hold models and data alike: a data-like name leaves them to the data rules.
_PICKLE_FORMATS = {"pkl": "pickle", "pickle": "pickle", "joblib": "joblib"}
#: Formats shared with non-model files (HDF5 datasets, firmware, protobuf messages, SPSS data): models only
#: when the name or folder says so.
_SHARED_FORMATS = {
    "h5": "HDF5",
    "hdf5": "HDF5",
    "bin": "binary weights",
    "pb": "TensorFlow graph",
    "params": "MXNet params",
    "sav": "pickle",
}
_TF_SHARD = lazy(r"\.data-\d{5}-of-\d{5}$")
#: Text formats gradient-boosting libraries save their models in: models when named like one (or kept in a
#: model folder) and their first lines are the library's own (see `text_model_format`).
_TEXT_FORMATS = {"json": "XGBoost JSON", "txt": "LightGBM text"}
#: The first lines of each: XGBoost's JSON opens with its `learner` object (keys are written sorted, compact or
#: indented; a config's `"learner": "gbtree"` is a string), LightGBM's text with a `tree` line and the version.
_TEXT_MODEL_START = {
    "json": lazy(r'\{\s*"learner"\s*:\s*\{'),
    "txt": lazy(r"tree\nversion=v\d"),
}

#: Cheap first test on every changed path; the rest runs only for candidates.
CANDIDATE = lazy(
    r"\.(?:" + "|".join(sorted({*_MODEL_FORMATS, *_PICKLE_FORMATS, *_SHARED_FORMATS})) + r")$|\.data-\d{5}-of-\d{5}$",
    re.IGNORECASE,
)
#: `bert` not after a `q`: `roms/qbert.bin` is Q*bert's cartridge, an Atari game's ROM (ale-py's).
_MODEL_WORD = lazy(
    r"model|weight|checkpoint|ckpt|classifier|regressor|encoder|decoder|tokeni[sz]er|estimator|pretrained|"
    r"finetuned|vectori[sz]er|resnet|mobilenet|efficientnet|densenet|yolo|(?<!q)bert|gpt|llama|whisper|xgboost|"
    r"lightgbm|catboost|lgbm|xgb|booster",
    re.IGNORECASE,
)
_MODEL_TOKEN = lazy(
    r"(?:^|[^a-z])(?:clf|svm|knn|rf|net|unet|vit|lora|adapter|best|last|final|pipeline|scaler|graph|frozen|"
    r"inference)(?:[^a-z]|$)",
    re.IGNORECASE,
)
_DATA_TOKEN = lazy(
    r"(?:^|[^a-z])(?:data|dataset|datasets|df|frame|features?|x|y|train|test|val|valid|labels?|corpus|cache|"
    r"index|embeddings?|stats|results?|history|vocab|meta|metadata|splits?|samples?|records?)(?:[^a-z]|$)",
    re.IGNORECASE,
)
MODEL_DIR = lazy(
    r"(?:^|/)(?:models?|weights|checkpoints?|checkpoint[-_]\d+|ckpts?|saved_models?|trained_models?|"
    r"pretrained(?:_models?)?)/",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def model_format(path: str) -> str | None:
    """The model format a path's name shows (`"PyTorch"`), or None when it is not a model artifact."""
    if CANDIDATE.search(path) is None:
        return None
    name = path.rsplit("/", 1)[-1]
    if _TF_SHARD.search(name):
        return "TensorFlow checkpoint"
    stem, _, ext = name.rpartition(".")
    ext = ext.lower()
    named_model = bool(_MODEL_WORD.search(stem) or _MODEL_TOKEN.search(stem))
    if ext in _MODEL_FORMATS:
        return None if ext == "pt" and is_saved_tensors(path) else _MODEL_FORMATS[ext]
    if ext in _PICKLE_FORMATS:
        return _PICKLE_FORMATS[ext] if named_model or not _DATA_TOKEN.search(stem) else None
    if named_model or MODEL_DIR.search(path):
        return _SHARED_FORMATS.get(ext)
    return None


def text_model_format(patch: FilePatch) -> str | None:
    """The format of a gradient-boosting model saved as text (XGBoost's JSON, LightGBM's text): named like a model
    or kept in a model folder, with the library's first lines where the change shows the file's start (on the
    removed side for a deleted file). The text is the model: a diff of it writes the model into Git."""
    if not may_be_text_model(patch.path):
        return None
    ext = patch.path.rpartition(".")[2].lower()
    lines = patch.removed if patch.status is FileStatus.REMOVED else patch.added
    if not len(lines) or lines.number(0) != 1:
        return None
    head = "\n".join(lines.line(i) for i in range(min(2, len(lines))))
    return _TEXT_FORMATS[ext] if _TEXT_MODEL_START[ext].match(head) else None


def may_be_text_model(path: str) -> bool:
    """Whether a path may hold a model saved as text (`text_model_format` then reads its first lines)."""
    stem, _, ext = path.rsplit("/", 1)[-1].rpartition(".")
    if ext.lower() not in _TEXT_FORMATS:
        return False
    return bool(_MODEL_WORD.search(stem) or _MODEL_TOKEN.search(stem) or MODEL_DIR.search(path))


def artifact_roles(path: str) -> frozenset[Role]:
    """The roles of a model's path, from its folders and name: a `.txt` suffix makes no docs of LightGBM's model."""
    return roles(path[:-4] if path.lower().endswith(".txt") else path)


def is_lfs_pointer_patch(patch: FilePatch) -> bool:
    """True when the change's text for the file is a Git LFS pointer (the weights live in LFS)."""
    texts = patch.added.texts() or patch.removed.texts()
    return bool(texts) and texts[0].startswith(LFS_POINTER_PREFIX)


def carries_blob(patch: FilePatch) -> bool:
    """True when the change writes the file's bytes into Git (not an LFS pointer, not an empty file).

    Serialized weights are binary: git marks them so, and GitHub's file list omits their patch. A text
    diff under a model name is an LFS pointer or a template (`.pt` page templates); or a pickle written with
    protocol 0, which is text (`pickled_as_text`).
    """
    if patch.status is FileStatus.RENAMED and not patch.is_binary:
        return False  # a move: the same bytes under a new name
    return patch.is_binary or patch.patch_missing or pickled_as_text(patch)


#: The first line of a pickle written with protocol 0 (text): the machine's GLOBAL opcode naming a class
#: (`ccopy_reg`, `cnumpy.core.multiarray`), or MARK then a dict, list or instance (`(dp0`, `(lp1`, `(imodule`).
_PROTOCOL_0 = lazy(r"c[A-Za-z_][\w.]*|\((?:dp|lp|tp)\d+|\(i[A-Za-z_][\w.]*")


def pickled_as_text(patch: FilePatch) -> bool:
    """Whether a pickle file's diff is a protocol-0 pickle (madmom's networks), shown from its first line on the side
    it writes (the removed one for a deleted file)."""
    if patch.path.rpartition(".")[2].lower() not in _PICKLE_FORMATS:
        return False
    lines = patch.removed if patch.status is FileStatus.REMOVED else patch.added
    return bool(len(lines)) and lines.number(0) == 1 and _PROTOCOL_0.fullmatch(lines.line(0).rstrip("\r")) is not None


#: Experiment trackers' local stores: the folder that roots a run store, and what proves it is one.
_TRACKING = lazy(
    r"(?:^|/)(?:mlruns|wandb|lightning_logs|tb_logs|runs|outputs|multirun|\.neptune|\.aim)/|"
    r"(?:^|/)mlflow\.db$|events\.out\.tfevents\.",
)
_STORE_DIR = lazy(r"(?:(?<=/)|^)(mlruns|wandb|lightning_logs|tb_logs|runs|outputs|multirun|\.neptune|\.aim)/")
_WANDB_RUN = lazy(r"^(?:(?:offline-)?run-\d{8}_\d{6}-\w+|latest-run)/|^debug(?:-internal)?\.log$|\.wandb$")
_LIGHTNING_RUN = lazy(r"^version_\d+/")
_HYDRA_RUN = lazy(r"(?:^|/)\.hydra/|(?:^|/)multirun\.yaml$|^\d{4}-\d{2}-\d{2}/\d{2}-\d{2}-\d{2}/")
#: `runs/` is a common source folder name: only TensorBoard events, MLflow run metadata or an Ultralytics run
#: layout prove a run store.
_RUNS_RUN = lazy(
    r"(?:^|/)events\.out\.tfevents\.|(?:^|/)meta\.yaml$|"
    r"^(?:detect|segment|classify|pose|obb|train|val|predict)/[^/]+/(?:weights/|results\.csv$|args\.yaml$|opt\.yaml$|hyp\.yaml$)"
)
_SOURCE = lazy(r"\.(?:py|pyi|ipynb)$")
_PROOF = {
    "wandb": _WANDB_RUN,
    "lightning_logs": _LIGHTNING_RUN,
    "outputs": _HYDRA_RUN,
    "multirun": _HYDRA_RUN,
    "runs": _RUNS_RUN,
}


@dataclass(frozen=True)
class RunStore:
    root: str
    tracker: str


_TRACKERS = {
    "mlruns": "MLflow",
    "wandb": "Weights & Biases",
    "lightning_logs": "Lightning",
    "tb_logs": "TensorBoard",
    "runs": "Experiment",
    "outputs": "Hydra",
    "multirun": "Hydra",
    ".neptune": "Neptune",
    ".aim": "Aim",
}


@lru_cache(maxsize=4096)
def run_store(path: str) -> RunStore | None:
    """The tracker run store a file belongs to, or None (source code in a folder named `runs/` is no store)."""
    if _TRACKING.search(path) is None:
        return None
    name = path.rsplit("/", 1)[-1]
    if name == "mlflow.db":
        return RunStore(path, "MLflow")
    if not _SOURCE.search(path):
        # The outermost proven store wins: `exp/runs/mlruns/...` is an MLflow store inside a plain folder.
        for m in _STORE_DIR.finditer(path):
            store, rest = m.group(1), path[m.end() :]
            proof = _PROOF.get(store)
            if proof is None or proof.search(rest):
                return RunStore(path[: m.end() - 1], _TRACKERS[store])
    if name.startswith("events.out.tfevents."):
        return RunStore(path.rpartition("/")[0] or ".", "TensorBoard")
    return None
