"""MODEL013: a model trained without being measured on data it did not see.

Three shapes of the same debt: evaluation switched off or its split thrown away (read from the lines), a model
measured only on its own training data (`validation_data=(x_train, y_train)`, `model.score(X_train, ...)`), and
a training script that saves a model nothing evaluates. The last two read the whole module's syntax tree.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind
from checks.registry import Docs, rule
from checks.rules.code_common import parse_python, statement_key
from checks.rules.data_source import HOLDOUT_NAME
from checks.rules.model_scan import NOT_PRODUCTION, PYTHON_KINDS, Scan, code_matches, contains_any, file_source
from checks.views import FileView

_NO_EVALUATION = Scan(
    lazy(r"eval(?:uation)?_strategy\s*=\s*(?:[\"']no[\"']|IntervalStrategy\.NO\b)|train_test_split\("),
    ("_strategy", "train_test_split("),
    word_start=True,
)
#: The targets of `a, _, b, _ = train_test_split(`, read from the text before the call.
_SPLIT_TARGETS = lazy(r"^\s*(?P<targets>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)+)\s*=\s*(?:[\w.]+\.)?$")
#: Any sign that the file evaluates a model: then the discarded split is a subsample, not a skipped evaluation.
_EVALUATION = lazy(
    r"\.evaluate\(|\.score\(|\w_score\(|\bcross_val\w*\(|\bcross_validate\(|classification_report\(|"
    r"confusion_matrix\(|\.predict(?:_proba)?\(|\bmetrics?\.\w|\bevaluate\.load\(|\bcompute_metrics\b|"
    r"\bvalidation_data\s*=|\bvalidation_split\s*=|\beval_dataset\s*=|\b(?:mean_\w+_error|log_loss)\(|"
    r"\btrainer\.(?:validate|test)\(|\bval_dataloaders?\s*=|\bvalidation_step\b"
)
#: Where a training call shows (what the tree then confirms is one).
_TRAINING_NEEDLES = (".fit(", ".fit_generator(", ".train(")
#: What may own a `.train(` that trains: a trainer, a booster library, `Trainer(...)`.
_TRAIN_OWNERS = ("rainer", "lgb", "lightgbm", "xgb", "xgboost", ")")
#: Where an evaluation the module-wide reading may report shows in added code.
_EVALUATION_NEEDLES = (
    "score(", "_error(", ".predict", "evaluate(", ".validate(", ".test(", "cross_val", "classification_report(",
    "confusion_matrix(", "log_loss(", ".decision_function(", "compute_metrics", "validation_data", "eval_dataset",
    "eval_set", "valid_sets", "evals", "val_dataloaders",
)  # fmt: skip
#: What `_NO_EVALUATION` matches holds one of these.
_SWITCHED_OFF_NEEDLES = ("eval_strategy", "evaluation_strategy", "train_test_split(")


@rule(
    code="MODEL013",
    slug="no-held-out-evaluation",
    title="Model trained without held-out evaluation",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=30,
    remediation="Evaluate on a held-out set and record the metrics with the model before it can be used or deployed.",
    docs=Docs(
        what=(
            'Added training code turns evaluation off (`eval_strategy="no"` / `evaluation_strategy="no"`) '
            "or throws the held-out split away (`X_train, _, y_train, _ = train_test_split(...)`) while nothing "
            "in the file evaluates a model; measures the model only on its training data "
            "(`validation_data=(x_train, y_train)`, `eval_dataset=train_ds`, `model.score(X_train, y_train)`); "
            "or adds a training script that saves the model it fits (fit, a Trainer's train, lgb/xgb.train) "
            "with no evaluation, metric, prediction or validation data anywhere in it (one written only to a buffer "
            "or a temporary file, a round trip or a size probe, keeps no model). The last two read the "
            "whole module, so they need its text (or a new file); a script beside an evaluation module "
            "(`evaluate.py`, `eval_*.py`, `evaluator.py`) or package (`evaluation/`) in the change or the tree is "
            "taken to be evaluated there. Lines the module "
            "held before, when it read the same way then, are no news (a file whose line endings alone changed), "
            "and an object's `fit(self)` learns no data."
        ),
        why=(
            "A model that was never measured on data it did not see can be worse than the one it replaces, and "
            "nobody finds out before users do; a score on the training data only says how well it memorised "
            "(ML Test Score, Infra 4 and Model 5)."
        ),
        example=(
            "model.fit(x_train, y_train, epochs=5, validation_data=(x_train, y_train))\n"
            "model.fit(features, target)\njoblib.dump(model, args.out)"
        ),
        fix=(
            "model.fit(x_train, y_train, epochs=5, validation_data=(x_val, y_val))\n"
            "model.fit(X_train, y_train)\nmetrics = {'mae': mean_absolute_error(y_test, model.predict(X_test))}"
        ),
    ),
    kinds=PYTHON_KINDS,
    skip_roles=NOT_PRODUCTION,
    # What `_NO_EVALUATION` matches, and the training and evaluation calls the module-wide reading reports.
    needles=(*_SWITCHED_OFF_NEEDLES, *_TRAINING_NEEDLES, *_EVALUATION_NEEDLES),
)
def no_held_out_evaluation(view: FileView) -> Iterator[Hit]:
    found: list[Hit] = []
    if any(contains_any(side.lines.text, _SWITCHED_OFF_NEEDLES) for side in view.sides()):
        found = list(_evaluation_switched_off(view))
    yield from found
    if not found:
        yield from _not_measured_on_unseen_data(view)


def _evaluation_switched_off(view: FileView) -> Iterator[Hit]:
    evaluates: bool | None = None
    for reader, m in code_matches(view, _NO_EVALUATION):
        split = m.group(0) == "train_test_split("
        if split:
            assigned = _SPLIT_TARGETS.match(m.text[: reader.side.column(m)])
            if assigned is None or not _discards_held_out([t.strip() for t in assigned.group("targets").split(",")]):
                continue
            content = m.text.strip()
        else:
            content = m.group(0)
        if evaluates is None:
            evaluates = _EVALUATION.search(file_source(view)) is not None
        if evaluates:
            return
        message = (
            "Evaluation is turned off for this training run and nothing in the file evaluates the model"
            if not split
            else "The held-out split is thrown away (`_`) and nothing in the file evaluates the model"
        )
        yield reader.side.hit(m, message, content=content)


def _discards_held_out(targets: list[str]) -> bool:
    """train_test_split returns (train, test) per array: every test slot `_`, every train slot kept."""
    if len(targets) % 2:
        return False
    trains, tests = targets[0::2], targets[1::2]
    return all(t == "_" for t in tests) and all(t != "_" for t in trains)


# --- the module-wide reading ---------------------------------------------------------------------------------

#: Calls that measure or apply a model; `*_score` and `*_error` metric functions are matched by their endings.
_EVALUATION_CALLS = frozenset({
    "evaluate", "score", "predict", "predict_proba", "predict_log_proba", "decision_function", "validate", "test",
    "cross_val_score", "cross_validate", "cross_val_predict", "classification_report", "confusion_matrix",
    "log_loss", "compute_metrics",
})  # fmt: skip
#: Of those, the ones read only as methods (`model.predict(...)`, `trainer.test(...)`): a function of the
#: project's own named `test` or `predict` is no evaluation to go by, and the needles hold their `.`.
_EVALUATION_METHODS = frozenset(
    {"score", "predict", "predict_proba", "predict_log_proba", "decision_function", "validate", "test"}
)
#: Arguments that hand a model its evaluation data while it trains.
_EVALUATION_DATA = frozenset({"validation_data", "eval_dataset", "eval_set", "valid_sets", "evals", "val_dataloaders"})
#: Arguments that evaluate on data the caller cannot have trained on, or by a function defined elsewhere.
_EVALUATION_ELSEWHERE = frozenset({"validation_split", "compute_metrics"})
#: Functions whose definition means the module evaluates (Lightning's hooks, an `evaluate` of its own).
_EVALUATING_DEFINITION = lazy(r"^(?:validation_step|test_step|eval\w*|evaluate\w*|validate\w*|test)$")
#: A name for training data: x_train, y_train, train_ds, Xtrain, training_set, splits["train"].
_TRAINING_DATA = lazy(r"(?:^|[_xy])train", re.IGNORECASE)
#: Calls that persist the fitted model.
_SAVES = frozenset({"save", "save_model", "save_pretrained", "save_weights", "dump", "log_model", "push_to_hub"})
#: Boosting libraries whose module-level `train` trains.
_BOOSTERS = frozenset({"lgb", "lightgbm", "xgb", "xgboost"})
#: What is fitted is a model (`model.fit`, `LogisticRegression(...).fit`), not a scaler or a tokenizer.
_MODEL_NAME = lazy(
    r"model|clf|classifier|regress|estimator|pipe|gbm|boost|net$|learner|search|forest|svc|svm|xgb|lgb|ensemble",
    re.IGNORECASE,
)
#: A module that evaluates models beside the training script.
#: A module, or a package, named for evaluating: `eval_forecast.py`, `evaluator.py`, `evaluation/runner.py`.
_EVALUATION_MODULE = lazy(r"(?:^|/)(?:[^/]*[_-])?eval(?:uate|uation|uator|s)?(?:[_-][^/]*)?(?:\.py$|/)", re.IGNORECASE)


class _Measured(Enum):
    NOTHING = "nothing"
    TRAINING_DATA_ONLY = "training data only"
    UNSEEN_DATA = "unseen data"


@dataclass
class _Evaluation:
    """What a module measures its models on, gathered in one walk of its tree."""

    unseen: bool = False
    #: Evaluations whose every data argument is training data, with the names they use.
    on_training_data: list[tuple[ast.AST, list[str]]] = field(default_factory=list)
    #: Evaluations that name no data (`trainer.evaluate()`): they use what the trainer was given.
    unnamed: bool = False
    training_calls: list[ast.Call] = field(default_factory=list)
    #: Calls that persist something fitted (see `saves`).
    save_calls: list[ast.Call] = field(default_factory=list)
    saves: bool = False

    @property
    def measured(self) -> _Measured:
        if self.unseen or (self.unnamed and not self.on_training_data):
            return _Measured.UNSEEN_DATA
        return _Measured.TRAINING_DATA_ONLY if self.on_training_data else _Measured.NOTHING


def _read_evaluation(tree: ast.Module) -> _Evaluation:
    found = _Evaluation()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if _EVALUATING_DEFINITION.match(node.name):
                found.unseen = True
        elif isinstance(node, ast.Call):
            _read_call(node, found)
    if found.save_calls:  # where each writes is read only for a module that saves something: few do
        ephemeral = _ephemeral_names(tree)
        found.saves = any(not _writes_only_to(call, ephemeral) for call in found.save_calls)
    return found


#: What makes a place that is gone when the program ends: a buffer in memory, a temporary file or folder.
_EPHEMERAL_MAKERS = frozenset(
    {"BytesIO", "StringIO", "mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "TemporaryDirectory"}
)


def _ephemeral_names(tree: ast.Module) -> frozenset[str]:
    """The names bound to a buffer or a temporary path (`buffer = io.BytesIO()`, `_, name = mkstemp()`, `with
    TemporaryDirectory() as tmp:`), or to a value made from one (`fname = name + ".skops"`), in the module's order."""
    names: set[str] = set()
    bindings: list[tuple[int, ast.expr, list[ast.expr]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            bindings.append((node.lineno, node.value, node.targets))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            bindings.append((node.context_expr.lineno, node.context_expr, [node.optional_vars]))
    for _, value, targets in sorted(bindings, key=lambda binding: binding[0]):
        made = any(
            (isinstance(part, ast.Call) and _called_name(part.func) in _EPHEMERAL_MAKERS)
            or (isinstance(part, ast.Name) and part.id in names)
            for part in ast.walk(value)
        )
        if made:
            names.update(n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name))
    return frozenset(names)


def _writes_only_to(call: ast.Call, ephemeral: frozenset[str]) -> bool:
    """Whether a save hands over a buffer or a temporary path: a round trip or a size probe, no model kept."""
    return any(
        isinstance(part, ast.Name) and part.id in ephemeral
        for argument in (*call.args, *(k.value for k in call.keywords))
        for part in ast.walk(argument)
    )


def _read_call(call: ast.Call, found: _Evaluation) -> None:
    name = _called_name(call.func)
    if _is_training(call, name):
        found.training_calls.append(call)
        # A fit of the project's own that takes validation data: `model.fit(train, val, epochs=10)`.
        if any(
            HOLDOUT_NAME.search(n) for arg in (*call.args, *(k.value for k in call.keywords)) for n in _data_names(arg)
        ):
            found.unseen = True
    if name in _SAVES:
        found.save_calls.append(call)
    for keyword in call.keywords:
        if keyword.arg in _EVALUATION_ELSEWHERE:
            found.unnamed = True
        elif keyword.arg in _EVALUATION_DATA:
            _judge(keyword.value, [keyword.value], found)
    method = isinstance(call.func, ast.Attribute)
    if (name in _EVALUATION_CALLS and (method or name not in _EVALUATION_METHODS)) or name.endswith(
        ("_score", "_error")
    ):
        data = [*call.args, *(k.value for k in call.keywords if k.arg not in _EVALUATION_DATA)]
        _judge(call, data, found)


def _judge(where: ast.AST, data: list[ast.expr], found: _Evaluation) -> None:
    names = [name for expr in data for name in _data_names(expr)]
    if not names:
        found.unnamed = True
    elif all(_TRAINING_DATA.search(name) for name in names):
        found.on_training_data.append((where, names))
    else:
        found.unseen = True


def _is_training(call: ast.Call, name: str) -> bool:
    """A model's fit, a trainer's train (`trainer.train()`, `Trainer(...).train()`), lgb/xgb.train."""
    func = call.func
    if name not in ("fit", "fit_generator", "train") or not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    # The fitted object's name, or the class it was just made from: LogisticRegression(...).fit(...)
    owner_name = _called_name(owner.func if isinstance(owner, ast.Call) else owner)
    if name == "train":
        return owner_name in _BOOSTERS or "trainer" in owner_name.lower()
    if [_called_name(a) for a in call.args] == ["self"] and not call.keywords:
        return False  # `performance.fit(self)`: an object handed its owner, no data to learn from
    return _MODEL_NAME.search(owner_name) is not None


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _data_names(expr: ast.expr) -> list[str]:
    """The names of the data an argument passes: variables, attributes, string keys (`splits["train"]`)."""
    if isinstance(expr, ast.Name):
        return [expr.id]
    if isinstance(expr, ast.Attribute):
        return [expr.attr]
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return [key.value]
        return _data_names(expr.value)
    if isinstance(expr, ast.Call):  # scaler.transform(X_test), model.predict(X_train)
        return [n for arg in (*expr.args, *(k.value for k in expr.keywords)) for n in _data_names(arg)]
    if isinstance(expr, ast.Tuple | ast.List):
        return [n for element in expr.elts for n in _data_names(element)]
    if isinstance(expr, ast.Starred):
        return _data_names(expr.value)
    return []


def _not_measured_on_unseen_data(view: FileView) -> Iterator[Hit]:
    """The module-wide reading: only when the whole module is known and the change adds to it."""
    if view.kind is not Kind.PYTHON or (view.text is None and view.status is not FileStatus.ADDED):
        return
    source = file_source(view)
    if not _may_train(source):
        return
    tree = parse_python(source)
    if not isinstance(tree, ast.Module):
        return
    found = _read_evaluation(tree)
    if not found.training_calls:
        return
    added = set(view.patch.added.numbers()) - _read_alike_before(view, source, found)
    measured = found.measured
    lines = source.splitlines() if measured is not _Measured.UNSEEN_DATA else []
    if measured is _Measured.TRAINING_DATA_ONLY:
        for node, names in found.on_training_data:
            line = getattr(node, "lineno", 0)
            if line in added:
                shown = ", ".join(dict.fromkeys(names))
                yield _hit(view, lines, node, f"The model is measured only on its training data ({shown})")
    elif measured is _Measured.NOTHING and found.saves and not _evaluated_beside(view):
        call = next((c for c in found.training_calls if c.lineno in added), None)
        if call is not None:
            yield _hit(
                view, lines, call, "Model trained and saved with nothing in the file measuring it on held-out data"
            )


def _read_alike_before(view: FileView, source: str, found: _Evaluation) -> set[int]:
    """The lines of the module after the change (`source`) that it held before it (`statement_key` alike), when the
    module read the same way then: their reading is no news (a file whose line endings alone changed re-adds every
    line)."""
    old = view.old_text
    if old is None or not _may_train(old):
        return set()
    tree = parse_python(old)
    if not isinstance(tree, ast.Module) or _read_evaluation(tree).measured is not found.measured:
        return set()
    before = {statement_key(line) for line in old.splitlines()}
    return {number for number, line in enumerate(source.splitlines(), 1) if statement_key(line) in before}


def _may_train(source: str) -> bool:
    """Whether the text holds what `_is_training` may accept, found with `str.find` before any tree is built:
    `model.train()` only switches a torch module's mode."""
    if ".fit(" in source or ".fit_generator(" in source:
        return True
    at = source.find(".train(")
    while at != -1:
        if source[max(0, at - 12) : at].rstrip().endswith(_TRAIN_OWNERS):
            return True
        at = source.find(".train(", at + 1)
    return False


def _evaluated_beside(view: FileView) -> bool:
    """An evaluation module in the repository may evaluate what this script trains; unknown without its tree."""
    tree = view.snapshot.tree
    return tree is None or any(_EVALUATION_MODULE.search(p) for p in (*tree, view.path))


def _hit(view: FileView, lines: list[str], node: ast.AST, message: str) -> Hit:
    first = getattr(node, "lineno", 1)
    last = getattr(node, "end_lineno", None) or first
    statement = " ".join(line.strip() for line in lines[first - 1 : last])
    return Hit(
        side=Side.ADDED,
        path=view.path,
        line=first,
        end_line=last,
        content=statement_key(statement),
        message=f"{message}: {statement[:100]}",
    )
