"""Notebooks as files: hygiene of names and size (CODE005), and pipelines living in notebooks (CODE006)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from difflib import SequenceMatcher

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.notebook import CellSpan, Notebook, NotebookError, code_cell_spans, decode_json_string_line
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import statement_key
from checks.similar import at_least
from checks.views import FileView, SideView

CHECKPOINT = lazy(r"(^|/)\.ipynb_checkpoints/")
#: (pattern, netting content, message) for notebook names nobody chose.
_NAMES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        lazy(r"(?:^|/)Untitled-?\d*\.ipynb$", re.IGNORECASE),
        "untitled notebook",
        "Notebook committed under its default name",
    ),
    (
        lazy(r"(?:^|/)(?:Copy of [^/]*|[^/]*-Copy\d+|[^/]*\s\(\d+\))\.ipynb$", re.IGNORECASE),
        "copied notebook",
        "Notebook committed as an unrenamed copy",
    ),
    (
        # Spaces, brackets and accents break shell commands, URLs and other platforms (pynblint).
        lazy(r"(?:^|/)[^/]*[^A-Za-z0-9_./-][^/]*\.ipynb$"),
        "non-portable notebook name",
        "Notebook name with spaces or special characters",
    ),
)
CELL = lazy(r'"cell_type"\s*:')


@rule(
    code="CODE005",
    slug="notebook-hygiene",
    title="Notebook hygiene: checkpoints, default or copy names, oversized notebooks",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=5,
    remediation=(
        "Add `.ipynb_checkpoints/` to .gitignore, give notebooks names that say what they do, and split long "
        "notebooks, moving their logic into modules."
    ),
    docs=Docs(
        what=(
            "The change adds Jupyter checkpoint files, a notebook still named Untitled.ipynb or as a copy "
            "(`-Copy1`, `Copy of`, `(1)`) or named with spaces or special characters, or grows a notebook past "
            "`thresholds.notebook_max_cells` cells (50) or a code cell past `thresholds.notebook_max_cell_lines` "
            "lines (25). A cell that was that long before the change is not new, nor is one a formatter only wrapped "
            "over more lines; a deleted notebook's long cells are paid, or are the same cells of the notebook moved "
            "to a path git did not pair with it."
        ),
        why=(
            "Checkpoints are editor state that duplicates every notebook; default and copy names hide what a "
            "notebook is for and which copy is current; very long notebooks hold pipelines that belong in tested "
            "modules (pynblint untitled-notebook, duplicate-notebook-not-renamed, notebook-too-long, cell-too-long)."
        ),
        example="notebooks/.ipynb_checkpoints/eda-checkpoint.ipynb\nnotebooks/Untitled1.ipynb\nnotebooks/eda-Copy1.ipynb",
        fix="notebooks/01-explore-ratings.ipynb  (and .ipynb_checkpoints/ in .gitignore)",
    ),
    reads_lines=False,
)
def notebook_hygiene(view: FileView) -> Iterator[Hit]:
    if not view.path.endswith(".ipynb") and "ipynb_checkpoints" not in view.path:
        return
    new, old = _new_and_old_paths(view)
    new_label, old_label = _problem(new), _problem(old)
    if new_label is not None and new_label != old_label:
        yield view.file_hit(Side.ADDED, _message(new_label, new or ""), content=new_label)
    if old_label is not None and old_label != new_label:
        yield view.file_hit(Side.REMOVED, _message(old_label, old or ""), content=old_label)
    if view.kind is Kind.NOTEBOOK and not CHECKPOINT.search(view.path):
        if view.status is not FileStatus.REMOVED:
            yield from _too_long(view)
        yield from _long_cells(view)


def _new_and_old_paths(view: FileView) -> tuple[str | None, str | None]:
    """The path the change creates (None if it creates none), and the one it retires."""
    status = view.status
    if status is FileStatus.ADDED:
        return view.path, None
    if status is FileStatus.REMOVED:
        return None, view.path
    if status is FileStatus.RENAMED:
        return view.path, view.patch.old_path
    if status is FileStatus.COPIED:
        return view.path, None
    return None, None  # modified in place: its name is not new


def _problem(path: str | None) -> str | None:
    """The first hygiene problem of a path: a checkpoint, then a default, copy or non-portable name."""
    if path is None:
        return None
    if CHECKPOINT.search(path):
        return "checkpoint"
    return next((label for pattern, label, _ in _NAMES if pattern.search(path)), None)


def _message(label: str, path: str) -> str:
    if label == "checkpoint":
        return f"Jupyter checkpoint file committed: {path}"
    return next(message for _, content, message in _NAMES if content == label) + f": {path.rsplit('/', 1)[-1]}"


def _too_long(view: FileView) -> Iterator[Hit]:
    limit = view.config.thresholds.notebook_max_cells
    notebook = view.notebook
    added, removed = view.patch.added, view.patch.removed
    if notebook is not None:
        cells = len(notebook.cells)
    elif view.status is FileStatus.ADDED and view.patch.hunks:
        cells = len(CELL.findall(added.text))  # a new file's added lines are the whole file
    else:
        return
    before = (
        0
        if view.status is FileStatus.ADDED
        else cells - len(CELL.findall(added.text)) + len(CELL.findall(removed.text))
    )
    if cells > limit >= before:
        yield view.file_hit(
            Side.ADDED,
            f"Notebook has {cells} cells (more than {limit}): split it and move logic into modules",
            content="too many cells",
        )


def _long_cells(view: FileView) -> Iterator[Hit]:
    """Code cells the change grows past `thresholds.notebook_max_cell_lines` (a cell long before is not new)."""
    limit = view.config.thresholds.notebook_max_cell_lines
    if view.status is FileStatus.REMOVED:
        yield from _deleted_long_cells(view, limit)
        return
    post = _post_notebook(view)
    if post is None:
        return
    text, notebook = post
    if all(_line_count(c.source) <= limit for c in notebook.code_cells()):
        return  # the common case: no span needs finding
    spans = code_cell_spans(text, notebook)
    if spans is None:
        return
    new_file = view.status is FileStatus.ADDED  # every cell is new: nothing to weigh against the old notebook
    added = view.patch.added
    numbers, texts = ([], []) if new_file else (added.numbers(), added.texts())
    removed = [] if new_file else [at for hunk in view.patch.hunks for at in hunk.removed_in_new()]
    old = view.old_notebook if not new_file else None
    long_before = [c.source for c in old.code_cells() if _line_count(c.source) > limit] if old is not None else []
    for span in spans:
        length = _line_count(span.cell.source)
        if length <= limit:
            continue
        if long_before and _alike_any(span.cell.source, long_before):
            continue  # long before the change, edited (a notebook re-saved with its JSON indented anew, say)
        if not new_file:
            first, last = bisect_left(numbers, span.first), bisect_right(numbers, span.last)
            grown = sum(_item_lines(raw) for raw in texts[first:last])
            # What the change removed where the cell now stands was part of it before.
            gone = [raw for at, raw in removed if span.first <= at <= span.last + 1]
            shrunk = sum(_item_lines(raw) for raw in gone)
            if grown == 0 or length - grown + shrunk > limit or _reformatted(texts[first:last], gone):
                continue
        yield _long_cell_hit(Side.ADDED, view.path, span, length, limit)


def _deleted_long_cells(view: FileView, limit: int) -> Iterator[Hit]:
    """The long code cells of a deleted notebook (its removed lines are all of it): paid, or the same cells of the
    notebook moved to another path, which git did not pair with it (its folder renamed, its notebooks edited)."""
    text = view.patch.removed.text
    try:
        notebook = Notebook.parse(text)
    except NotebookError:
        return
    if all(_line_count(c.source) <= limit for c in notebook.code_cells()):
        return
    for span in code_cell_spans(text, notebook) or []:
        length = _line_count(span.cell.source)
        if length > limit:
            yield _long_cell_hit(Side.REMOVED, view.path, span, length, limit)


def _long_cell_hit(side: Side, path: str, span: CellSpan, length: int, limit: int) -> Hit:
    opening = next((line.strip() for line in span.cell.source.splitlines() if line.strip()), "")
    return Hit(
        side=side,
        path=path,
        line=span.first,
        end_line=span.last,
        content=f"long cell: {opening}",
        message=f"Code cell of {length} lines (more than {limit}): move its logic into a module",
    )


def _alike_any(source: str, sources: list[str]) -> bool:
    """Whether one of `sources` reads like `source` (difflib's close-match cutoff)."""
    matcher = SequenceMatcher(None, b=source)
    for other in sources:
        matcher.set_seq1(other)
        if at_least(matcher, _ALIKE):
            return True
    return False


def _post_notebook(view: FileView) -> tuple[str, Notebook] | None:
    """The notebook after the change and its text: given, or a new file's added lines (they are all of it)."""
    if view.notebook is not None and view.text is not None:
        return view.text, view.notebook
    if view.status is not FileStatus.ADDED or not view.patch.hunks or view.text is not None:
        return None
    text = view.patch.added.text
    try:
        return text, Notebook.parse(text)
    except NotebookError:
        return None


#: What a formatter changes in code (black, ruff format): spacing, line breaks, quotes, trailing commas.
#: How alike a long cell of the notebook before the change must read to be the same cell (difflib's close match).
_ALIKE = 0.6
_LAYOUT = lazy(r"\s+|,(?=\s*[)\]}])")


def _reformatted(added: list[str], removed: list[str]) -> bool:
    """Whether the change only laid the cell's code out anew: a formatter that wraps calls over more lines makes a
    cell longer, not bigger."""

    def code(items: list[str]) -> str:
        return _LAYOUT.sub("", "".join(decode_json_string_line(raw) or "" for raw in items)).replace("'", '"')

    return code(added) == code(removed)


def _line_count(source: str) -> int:
    return len(source.splitlines())


def _item_lines(raw: str) -> int:
    """How many source lines one JSON line of a notebook holds (0 when it is not a string item)."""
    value = decode_json_string_line(raw)
    return 0 if value is None else max(1, len(value.splitlines()))


#: Calls that persist a trained model or fitted object.
SAVES = lazy(
    r"\b(?:torch\.save|joblib\.dump|pickle\.dump|dill\.dump|cloudpickle\.dump|skops\.io\.dump)\("
    r"|\.(?:save_model|save_pretrained|save_weights)\("
    r"|\bmlflow\.\w+\.(?:log_model|save_model)\("
    r"|\b\w*(?:model|clf|estimator|pipeline|pipe|regressor|classifier|net|learner|booster|bst)\w*\.save\("
)
#: Training or fitting: sklearn/keras fit, Hugging Face/XGBoost/LightGBM train, a backward pass.
TRAINS = lazy(
    r"\.fit(?:_generator|_one_cycle)?\(|\btrainer\.train\(|\b(?:xgb|lgb|lightgbm|xgboost)\.train\(|\.backward\(\)"
)
#: A dataset written to the repository's data folders (not a table of results or predictions).
WRITES_DATASET = lazy(r"\.to_(?:parquet|feather|csv|pickle|hdf|json|orc)\(")
DATA_FOLDER = lazy(r"(?:^|[\s\"'/(])(?:data|datasets?|processed|interim|features?)/")
#: Notebooks that import or run other notebooks: a pipeline stitched from notebooks.
RUNS_NOTEBOOK = lazy(
    r"^\s*(?:import\s+import_ipynb\b|(?:from|import)\s+ipynb\.fs\b|import\s+nbimporter\b|%run\s+\S+\.ipynb\b)",
    re.MULTILINE,
)


@rule(
    code="CODE006",
    slug="notebook-pipeline",
    title="Training pipeline living in a notebook",
    category=Category.CODE,
    severity=Severity.MEDIUM,
    effort=120,
    remediation=(
        "Move training and model saving into an importable, tested module or script with a CLI; let the notebook "
        "call it and show results."
    ),
    docs=Docs(
        what=(
            "Notebook code added by the change that saves a model or fitted object (torch.save, joblib.dump, "
            "save_pretrained, model.save...) in a notebook that trains (fit, train, backward), writes a dataset "
            "into the data folders (`df.to_parquet('data/processed/...')`), or imports or %runs other notebooks. "
            "Tutorial, docs and test notebooks are skipped; tables of results saved elsewhere are not pipelines."
        ),
        why=(
            "A model produced by running notebook cells by hand cannot be reproduced, reviewed or tested: the "
            "pipeline's order lives in someone's kernel (Sculley et al. 2015, pipeline jungles; pynblint: use "
            "notebooks to display results, not to compute them)."
        ),
        example="model.fit(X_train, y_train)\njoblib.dump(model, 'model.joblib')",
        fix="from churn.train import train\nmodel = train(config='configs/churn.yaml')  # saves and versions the model",
    ),
    kinds={Kind.NOTEBOOK},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.EXAMPLE, Role.DOCS, Role.TEST, Role.FIXTURE),
    # What SAVES, WRITES_DATASET and RUNS_NOTEBOOK matches hold (TRAINS only decides whether SAVES counts).
    needles=(
        *(".save(", ".dump(", ".save_", "log_model("),
        *(".to_parquet(", ".to_feather(", ".to_csv(", ".to_pickle(", ".to_hdf(", ".to_json(", ".to_orc("),
        *("import_ipynb", "ipynb.fs", "nbimporter", "%run"),
    ),
)
def notebook_pipeline(view: FileView) -> Iterator[Hit]:
    notebook = view.notebook
    post_trains = notebook is not None and any(TRAINS.search(c.source) for c in notebook.code_cells())
    for side in view.source_sides():
        trains = post_trains or (TRAINS.search(side.lines.text) is not None)
        if trains:
            yield from _calls(side, SAVES, "Notebook trains and saves a model")
        yield from _calls(side, WRITES_DATASET, "Notebook writes a processed dataset", DATA_FOLDER)
        yield from _calls(side, RUNS_NOTEBOOK, "Notebook runs another notebook")


def _calls(
    side: SideView, pattern: re.Pattern[str], message: str, where: re.Pattern[str] | None = None
) -> Iterator[Hit]:
    """Hits for the calls `pattern` finds in code (and whose statement `where` matches, when given)."""
    for m in side.search(pattern):
        if side.in_comment(m):
            continue
        statement, end = side.statement(m.index)
        if where is not None and where.search(statement) is None:
            continue
        yield side.hit(m, f"{message}: {statement.strip()[:100]}", content=statement_key(statement), end_line=end)
