"""Leaky validation: models validated, early-stopped or scored on the data they are trained on."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side, normalize
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.data_common import needles
from checks.rules.data_source import (
    HOLDOUT_NAME,
    SPLIT_FUNCTIONS,
    SPLITTERS,
    TRAINING_NAME,
    ParsedSource,
    argument,
    call_name,
    keyword,
    parse_sources,
    parse_statement,
    same_expression,
    scope_nodes,
    scopes,
    target_roots,
)
from checks.views import FileView, Match, SideView

_NOT_OURS = (Role.TEST, Role.FIXTURE, Role.DOCS, Role.VENDORED, Role.GENERATED)

# Each with the calls it matches, read in this order (fit, then train, then Trainer).
_VALIDATED_CALLS = (
    (lazy(r"fit(?:_generator)?\("), ("fit(", "fit_generator(")),
    (lazy(r"train\("), ("train(",)),
    (lazy(r"Trainer\("), ("Trainer(",)),
)
#: Scores that make a side worth parsing: the model may be evaluated on its training data.
_SCORE_CALLS = ("score(", "evaluate(", "_error(", "log_loss(", "classification_report(", "confusion_matrix(")
_SCORE_NEEDLES = needles(*_SCORE_CALLS)


def _opens(calls: tuple[str, ...]) -> re.Pattern[str]:
    """Every `(` that ends one of `calls`; one look-behind at the character before it turns most `(` away first."""
    last = "".join(sorted({re.escape(call[-2]) for call in calls}))
    names = "|".join(f"(?<={re.escape(call)})" for call in calls)
    return lazy(rf"\((?<=[{last}]\()(?:{names})")


_VALIDATED = tuple(call for _, calls in _VALIDATED_CALLS for call in calls)
#: Every `(` that ends one of those calls or a score: one scan over the `(` of a side instead of one per name.
_CALL_OPENS = _opens((*_VALIDATED, *_SCORE_CALLS))
#: The same without the scores, for a side whose scores are never read: fewer look-behinds at every `(`.
_VALIDATED_OPENS = _opens(_VALIDATED)
_OVERFIT = lazy(r"overfit", re.IGNORECASE)
#: Every validation argument the rule reads contains one of these (validation_data, eval_set, val_dataloaders...).
_VALIDATION_NEEDLES = needles("val", "loader")
_EARLY_STOPPING = lazy(r"early_stop|EarlyStopping", re.IGNORECASE)
#: A slice of a training variable (`X_train[:1000]`), literal-led for a fast scan; the AST checks the rest.
_TRAIN_SLICE = lazy(r"train\w*(?:\.iloc|\.loc)?\[[^\]\n]*:")
_TRAINING_CALLS = frozenset({"fit", "fit_generator", "train"})


@rule(
    code="DATA006",
    slug="validation-is-training-data",
    title="Validation or evaluation data is (or is cut from) the training data",
    category=Category.DATA,
    severity=Severity.HIGH,
    effort=20,
    remediation=(
        "Hold out a validation split disjoint from the training data (and a test set used once); never "
        "early-stop or select models on the data they learn from."
    ),
    docs=Docs(
        what=(
            "A training call validates on its own training data: Keras `fit(x, y, validation_data=(x, y))`, "
            "a Hugging Face `Trainer(train_dataset=ds, eval_dataset=ds)`, Lightning "
            "`fit(train_dataloaders=dl, val_dataloaders=dl)`, or a gradient-boosting `eval_set` / `valid_sets` "
            "made only of the training data while early stopping is on. Also a validation set sliced from the "
            "training set (`X_val = X_train[:1000]`) while the whole training set is still fitted; or a file whose "
            "only evaluation scores the model on its training data (`model.score(X_train, y_train)`, "
            "`classification_report(y_train, ...)`; not a private helper or the object's own method scoring its "
            "training data to calibrate, `self._get_anomaly_score(train_data)`), a split whose held-out part is never "
            "read included. Calls that mention overfitting on purpose (overfit-one-batch checks) and tests are not "
            "reported."
        ),
        why=(
            "Scores on training data say nothing about generalisation; early stopping or model selection on "
            "it picks the most overfitted model (Zhang et al. 2022 'Data Leakage' smell; ML Test Score Infra 4)."
        ),
        example="model.fit(X_train, y_train, validation_data=(X_train, y_train), epochs=20)",
        fix="model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=20)",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=_NOT_OURS,
    # A validated call's line holds `fit(`, `fit_generator(`, `train(` or `Trainer(`; a sliced or scored side is
    # parsed only when it holds "train".
    needles=("train", "Trainer(", "fit(", "fit_generator("),
)
def validation_is_training(view: FileView) -> Iterator[Hit]:
    if _OVERFIT.search(view.path):
        return
    for side in view.source_sides():
        if _VALIDATION_NEEDLES.found_in(side.lines.text):
            # Only the added side's scores are read, and only when the post-change text is known.
            scores = side.side is Side.ADDED and view.text is not None
            yield from _self_validating_calls(view, side, scores=scores)
    added = view.source_sides()[0]
    text = added.lines.text
    # As `_slices_or_scores`, with the scores from the scan of the `(` the calls above needed anyway. Without
    # the post-change text only the removed side is parsed: `post` is not read, so not worth a scan.
    post = (
        view.text is not None
        and "train" in text
        and (_TRAIN_SLICE.search(text) is not None or bool(_call_starts(added, _SCORE_CALLS, scores=True)))
    )
    for source in parse_sources(view, _slices_or_scores, post=post):
        yield from _sliced_validation(source)
        # "No held-out score in the file" needs the whole file: removed lines are whole only when it is deleted.
        if source.side is Side.ADDED or view.status is FileStatus.REMOVED:
            yield from _scored_on_training_only(source)


def _slices_or_scores(text: str) -> bool:
    return "train" in text and (_TRAIN_SLICE.search(text) is not None or _SCORE_NEEDLES.found_in(text))


def _call_starts(side: SideView, calls: tuple[str, ...], *, scores: bool) -> list[int]:
    """Where each of `calls` (names with their `(`) starts in the side's text. With `scores` the one `(` scan
    finds the score calls too: every call on a side passes the same `scores`, or the side is scanned twice."""
    text = side.lines.text
    key, pattern = ("DATA006 opens", _CALL_OPENS) if scores else ("DATA006 validated opens", _VALIDATED_OPENS)
    opens = side.memo(key, lambda: [m.end() for m in pattern.finditer(text)])
    return [end - len(call) for end in opens for call in calls if text.startswith(call, end - len(call), end)]


def _self_validating_calls(view: FileView, side: SideView, *, scores: bool) -> Iterator[Hit]:
    context = view.text if side.side is Side.ADDED and view.text is not None else side.lines.text
    early_stopping: bool | None = None
    matches: list[Match] = []
    for pattern, calls in _VALIDATED_CALLS:
        matches.extend(side.matches_at(pattern, _call_starts(side, calls, scores=scores)))
    for m in matches:
        if side.in_comment(m):
            continue
        statement, end_line = side.statement(m.index)
        if not _VALIDATION_NEEDLES.found_in(statement) or _OVERFIT.search(statement):
            continue
        tree = parse_statement(statement)
        if tree is None:
            continue
        if early_stopping is None:  # read once per side, and only for a call that may validate
            early_stopping = _EARLY_STOPPING.search(context) is not None
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            problem = _validates_on_training(call, early_stopping=early_stopping)
            if problem is not None:
                yield side.hit(m, problem, content=normalize(statement), end_line=end_line)
                break


def _validates_on_training(call: ast.Call, *, early_stopping: bool) -> str | None:
    name = call_name(call)
    if name.endswith("Trainer"):
        if same_expression(keyword(call, "train_dataset"), keyword(call, "eval_dataset")):
            return "eval_dataset is the training dataset"
        return None
    if name not in _TRAINING_CALLS:
        return None
    loaders = _loaders(call)
    if loaders is not None and same_expression(*loaders):
        return "The validation dataloader is the training dataloader"
    training = argument(call, 1, "train_set", "dtrain") if name == "train" else argument(call, 0, "x", "X")
    validation = keyword(call, "validation_data")
    if validation is not None:
        first = validation.elts[0] if isinstance(validation, ast.Tuple | ast.List) and validation.elts else validation
        if same_expression(first, training):
            return "validation_data is the training data"
    monitored = keyword(call, "eval_set") or keyword(call, "valid_sets") or keyword(call, "evals")
    if early_stopping and isinstance(monitored, ast.List | ast.Tuple) and monitored.elts:
        firsts = [e.elts[0] if isinstance(e, ast.Tuple) and e.elts else e for e in monitored.elts]
        if all(same_expression(f, training) for f in firsts):
            return "Early stopping watches only the training data"
    return None


def _loaders(call: ast.Call) -> tuple[ast.expr | None, ast.expr | None] | None:
    train = keyword(call, "train_dataloaders") or keyword(call, "train_dataloader")
    val = keyword(call, "val_dataloaders") or keyword(call, "val_dataloader")
    if train is not None or val is not None:
        return train, val
    args = call.args
    if len(args) >= 3 and all(isinstance(a, ast.Name) and "loader" in a.id.lower() for a in args[1:3]):
        return args[1], args[2]
    return None


def _sliced_validation(source: ParsedSource) -> Iterator[Hit]:
    """`X_val = X_train[:1000]` while X_train is still fitted whole: the validation rows are training rows."""
    # Most parsed files hold no such slice on a changed line: one walk says so, before the scopes are listed.
    if not any(
        isinstance(n, ast.Assign) and source.number(n.lineno) is not None and _holdout_slice(n)
        for n in ast.walk(source.tree)
    ):
        return
    for body in scopes(source.tree):
        nodes = scope_nodes(body)
        for node in nodes:
            found = _holdout_slice(node)
            if found is None:
                continue
            assign, holdout, training = found
            later = [n for n in nodes if getattr(n, "lineno", 0) > assign.lineno]
            if any(isinstance(n, ast.Assign) and training in target_roots(n.targets) for n in later):
                continue  # the training set is cut down afterwards: the usual hold-out idiom
            if not any(_fits_on(n, training) for n in later):
                continue
            number = source.number(assign.lineno)
            if number is None or source.moved(assign.lineno):
                continue
            yield Hit(
                side=source.side,
                path=source.path,
                line=number,
                content=normalize(source.line(assign.lineno)),
                message=f"{holdout} is cut from {training}, which is still trained on whole",
            )


def _holdout_slice(node: ast.AST) -> tuple[ast.Assign, str, str] | None:
    if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return None
    holdout = node.targets[0].id
    value = node.value
    if not (HOLDOUT_NAME.search(holdout) and isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice)):
        return None
    base = value.value
    if isinstance(base, ast.Attribute) and base.attr in ("iloc", "loc"):
        base = base.value
    if not isinstance(base, ast.Name) or not TRAINING_NAME.search(base.id) or TRAINING_NAME.search(holdout):
        return None
    return node, holdout, base.id


def _fits_on(node: ast.AST, training: str) -> bool:
    if not isinstance(node, ast.Call) or call_name(node) not in _TRAINING_CALLS:
        return False
    inputs = [*node.args[:2], *(k.value for k in node.keywords if k.arg in ("x", "X", "y"))]
    return any(isinstance(a, ast.Name) and a.id == training for a in inputs)


#: sklearn-style metric functions: `accuracy_score(y, pred)`, `mean_squared_error(y, pred)`.
_METRIC = lazy(r"_(?:score|error)$|^(?:log_loss|classification_report|confusion_matrix)$")  # not compute_loss
#: Anything in the file that splits or validates means a held-out set exists somewhere.
_HOLDOUT_KEYWORDS = frozenset({"validation_data", "validation_split", "eval_set", "eval_dataset", "valid_sets"})


def _scored_on_training_only(source: ParsedSource) -> Iterator[Hit]:
    """The only evaluation in the file scores the model on its training data (`model.score(X_train, y_train)`)."""
    if _has_holdout(source.tree):
        return
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Call) or not _scores_on_training(node):
            continue
        number = source.number(node.lineno)
        if number is None or source.moved(node.lineno):
            continue
        yield Hit(
            side=source.side,
            path=source.path,
            line=number,
            content=normalize(source.line(node.lineno)),
            message="The model is evaluated only on its training data: no held-out score in this file",
        )


#: Splits that evaluate by themselves; `train_test_split` holds data out only if its held-out part is read.
_CROSS_VALIDATION = (SPLIT_FUNCTIONS - {"train_test_split"}) | SPLITTERS


def _has_holdout(tree: ast.Module) -> bool:
    """Whether the module reads held-out data: a held-out name read, or a held-out part of a split (a split's
    `X_test` assigned and never read holds nothing out), a held-out attribute or parameter, a validation
    keyword, or cross-validation."""
    called: set[int] = set()  # functions called by name are not data: `train_test_split` holds "_test"
    loaded: set[str] = set()
    split_out: set[str] = set()  # the held-out targets of `a, b, ya, yb = train_test_split(...)`: b, yb
    for node in ast.walk(tree):  # a call is walked before its function
        if isinstance(node, ast.keyword):
            if node.arg in _HOLDOUT_KEYWORDS:  # not every keyword named for held-out data: `test_size=0.2`
                return True
            continue
        if isinstance(node, ast.Call):
            called.add(id(node.func))
            if call_name(node) in _CROSS_VALIDATION:
                return True
        elif isinstance(node, ast.Assign):
            split_out.update(_split_held_out(node))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in called:
            loaded.add(node.id)
        label = node.attr if isinstance(node, ast.Attribute) else node.arg if isinstance(node, ast.arg) else None
        if label and HOLDOUT_NAME.search(label):
            return True
    return any(HOLDOUT_NAME.search(name) for name in loaded) or bool(loaded & split_out)


def _split_held_out(assign: ast.Assign) -> list[str]:
    """The names a `train_test_split` assigns its held-out parts to (every second target)."""
    target = assign.targets[0] if len(assign.targets) == 1 else None
    if not (isinstance(assign.value, ast.Call) and call_name(assign.value) == "train_test_split"):
        return []
    if not isinstance(target, ast.Tuple | ast.List):
        return []
    return [t.id for t in target.elts[1::2] if isinstance(t, ast.Name)]


def _scores_on_training(call: ast.Call) -> bool:
    name = call_name(call)
    method = isinstance(call.func, ast.Attribute) and name in ("score", "evaluate")
    if not (method or (_METRIC.search(name) and not _own_helper(call, name))):
        return False
    first = call.args[0] if call.args else None
    return isinstance(first, ast.Name) and TRAINING_NAME.search(first.id) is not None


def _own_helper(call: ast.Call, name: str) -> bool:
    """A private function or a method of the object itself (`self._get_anomaly_score(train_data)`, a detector
    scoring its training data to calibrate): part of training, not the metric functions evaluation reports."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    return name.startswith("_") or (isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"))
