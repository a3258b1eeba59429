"""Vocabulary shared by the data rules: what a dataset path looks like, and what counts as training code."""

from __future__ import annotations

import re

from checks.lazyre import lazy
from checks.paths import Kind, kind

#: Extensions that are data whatever folder they sit in (tabular, array, record and archive formats; AnnData, loom
#: and Matrix Market hold single-cell and sparse count matrices).
DATA_EXTENSION = lazy(
    r"\.(csv|tsv|parquet|pq|feather|arrow|orc|avro|xlsx?|jsonl|ndjson|npy|npz|tfrecords?|tfrec|mat|arff|"
    r"libsvm|svmlight|sqlite3?|db|dta|sas7bdat|lmdb|mdb|h5ad|loom|mtx|zip|tar|tgz|gz|bz2|xz|zst|7z|rar)$",
    re.IGNORECASE,
)
#: Folders that hold data by convention (cookiecutter-data-science: data/raw, data/interim, data/processed).
DATA_FOLDER = lazy(r"(^|/)(data|datasets?|raw|interim|processed)/", re.IGNORECASE)
#: Serialized models belong to the model rules, even inside a data folder.
MODEL_EXTENSION = lazy(
    r"\.(pt|pth|ckpt|keras|onnx|safetensors|tflite|gguf|ggml|msgpack|model|pmml|mlmodel|caffemodel|pdparams|"
    r"weights|mar)$",
    re.IGNORECASE,
)
#: Formats that hold models and data alike (HDF5, raw binaries, pickles, SPSS/pickle .sav): data when their
#: folder or name says data and their name does not say model, the line the model rules draw from the other side.
_SHARED_EXTENSION = lazy(r"\.(h5|hdf5|bin|pb|params|sav|pkl|pickle|joblib)$", re.IGNORECASE)
#: `bert` not after a `q`, as the model rules read it (`roms/qbert.bin`, an Atari game's ROM).
_MODEL_NAME = lazy(
    r"model|weight|checkpoint|ckpt|classifier|regressor|encoder|decoder|tokeni[sz]er|estimator|pretrained|"
    r"finetuned|vectori[sz]er|scaler|pipeline|clf|xgb|lgbm|(?<!q)bert|gpt|resnet",
    re.IGNORECASE,
)
_DATA_NAME = lazy(
    r"(?:^|[^a-z])(?:data|dataset|datasets|df|frame|features?|train|test|val|valid|labels?|corpus|embeddings?|"
    r"samples?|records?|recordings?|splits?)(?:[^a-z]|$)",
    re.IGNORECASE,
)
#: Experiment trackers' local stores are run artifacts (the model rules' MODEL004), not datasets.
_TRACKER_STORE = lazy(r"(^|/)(mlruns|wandb|lightning_logs|\.aim|\.neptune)/|(^|/)mlflow\.db$")
#: Kinds that are data when they sit in a data folder; code, docs and config never are.
_DATA_FOLDER_KINDS = frozenset({Kind.OTHER, Kind.JSON})
_NOT_DATA_NAME = lazy(r"(^|/)(\.[^/]*|README[^/]*|LICEN[CS]E[^/]*|[^/]*\.dvc)$", re.IGNORECASE)


def is_data_path(path: str) -> bool:
    """True for a dataset file: a data extension anywhere, or a non-code file in a data folder."""
    if _TRACKER_STORE.search(path):
        return False
    if MODEL_EXTENSION.search(path):
        return is_saved_tensors(path)
    if _SHARED_EXTENSION.search(path):
        stem = basename(path).rsplit(".", 1)[0]
        return (DATA_FOLDER.search(path) is not None or _DATA_NAME.search(stem) is not None) and not (
            _MODEL_NAME.search(stem)
        )
    if DATA_EXTENSION.search(path):
        return True
    if not DATA_FOLDER.search(path) or _NOT_DATA_NAME.search(path):
        return False
    return kind(path) in _DATA_FOLDER_KINDS


#: What names a checkpoint among the words of a data name (`best_val.pt`).
_CHECKPOINT_NAME = lazy(r"(?:^|[^a-z])(?:best|last|final|epoch)(?:[^a-z\d]|\d|$)", re.IGNORECASE)


def is_saved_tensors(path: str) -> bool:
    """True for tensors `torch.save`d as a dataset: a `.pt` in a data folder named as data and not as a model
    (`datasets/data/darcy_train_16.pt`, PyTorch Geometric's `processed/data.pt`). The model rules leave it here."""
    if not path.lower().endswith(".pt") or not DATA_FOLDER.search(path):
        return False
    stem = basename(path)[:-3]
    return _DATA_NAME.search(stem) is not None and not (_MODEL_NAME.search(stem) or _CHECKPOINT_NAME.search(stem))


#: Paths of data-preparation and training code, where data handling choices shape the model.
_TRAINING_PATH = lazy(
    r"(?:^|[/_.\-\d])(?:pre)?(?:train|data|preprocess|prepar|feature|pipeline|etl|ingest|loader|finetun|fine_tun)",
    re.IGNORECASE,
)


def is_training_path(path: str) -> bool:
    return _TRAINING_PATH.search(path) is not None


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def dirname(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def brackets_closed(text: str) -> bool:
    """Whether every bracket opened in `text` is closed (brackets inside string literals aside).

    A statement read from diff lines alone may continue on lines the diff does not show: then what it
    lacks (a `revision=` argument, say) may well be there, and rules stay silent.
    """
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        i += 1
    return depth <= 0


_MAX_WORD_PASSES = 10


class Needles:
    """Words a side must contain for a rule's slower patterns to be worth running.

    Words that share their first character, or many words, are found by one compiled alternation (sre skips
    ahead on a shared first character); a few words by a substring test per word, in the order given (the
    commonest first), which on a side without any of them is faster than an alternation sre cannot skip through.
    """

    __slots__ = ("_pattern", "_words")

    def __init__(self, *words: str) -> None:
        self._words = words
        # Past about ten words one alternation beats a pass per word, even one sre cannot skip through.
        alternation = len({w[0] for w in words}) == 1 or len(words) > _MAX_WORD_PASSES
        self._pattern = lazy("|".join(re.escape(w) for w in words)) if alternation else None

    def found_in(self, text: str) -> bool:
        if self._pattern is not None:
            return self._pattern.search(text) is not None
        return any(word in text for word in self._words)


def needles(*words: str) -> Needles:
    return Needles(*words)
