"""Data leakage through preprocessing: transformers fitted on rows that are split for evaluation only later."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from checks.finding import Category, Hit, Severity, normalize
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.data_common import needles
from checks.rules.data_source import (
    SPLIT_FUNCTIONS,
    SPLITTERS,
    TRAINING_NAME,
    ParsedSource,
    argument,
    call_name,
    dotted,
    parse_sources,
    roots,
    scope_nodes,
    scopes,
    target_roots,
)
from checks.views import FileView

_NOT_OURS = (Role.TEST, Role.FIXTURE, Role.DOCS, Role.VENDORED, Role.GENERATED)

#: Transformers that learn from the data they are fitted on (stateless ones, such as FunctionTransformer,
#: Normalizer, Binarizer, PolynomialFeatures or HashingVectorizer, cannot leak and are left out).
_LEARNING_TRANSFORMERS = frozenset(
    {
        "StandardScaler",
        "MinMaxScaler",
        "MaxAbsScaler",
        "RobustScaler",
        "QuantileTransformer",
        "PowerTransformer",
        "SplineTransformer",
        "KBinsDiscretizer",
        "OneHotEncoder",
        "OrdinalEncoder",
        "TargetEncoder",
        "SimpleImputer",
        "KNNImputer",
        "IterativeImputer",
        "PCA",
        "IncrementalPCA",
        "KernelPCA",
        "TruncatedSVD",
        "FastICA",
        "FactorAnalysis",
        "NMF",
        "SelectKBest",
        "SelectPercentile",
        "SelectFpr",
        "SelectFdr",
        "SelectFwe",
        "SelectFromModel",
        "VarianceThreshold",
        "RFE",
        "RFECV",
        "SequentialFeatureSelector",
        "CountVectorizer",
        "TfidfVectorizer",
        "TfidfTransformer",
        "DictVectorizer",
        "SMOTE",
        "SMOTENC",
        "ADASYN",
        "BorderlineSMOTE",
        "SVMSMOTE",
        "RandomOverSampler",
        "RandomUnderSampler",
        "SMOTETomek",
        "SMOTEENN",
    }
)
_FITS = frozenset({"fit", "fit_transform", "fit_resample"})
#: A change that touches neither a fit nor a split cannot add this leakage (removed lines are parsed only when
#: they hold "fit"): the rule's needles.
_LEAKAGE_WORDS = ("fit", "split", "cross_val", "_curve(", "permutation_test_score")
_LEAKAGE_NEEDLES = needles(*_LEAKAGE_WORDS)
# Every split call contains one of these; checked first, so the 40 class names are scanned only in the rare
# files that split.
_SPLIT_NEEDLES = needles(
    "train_test_split", "cross_val", "KFold", "ShuffleSplit", "TimeSeriesSplit", "Leave", "_curve(",
    "permutation_test_score",
)  # fmt: skip
_TRANSFORMER_NEEDLES = needles(*_LEARNING_TRANSFORMERS)


@dataclass(frozen=True)
class _Fit:
    """A learning transformer fitted on data not named as training data."""

    call: ast.Call
    line: int
    #: Variables holding what the fit learned from: its transformed output, or (plain `fit`) its input.
    tainted: set[str]
    #: For a plain `fit`: the fitted transformer, which leaks only if it transforms something afterwards.
    fitted: frozenset[str] = frozenset()


@rule(
    code="DATA005",
    slug="fit-before-split",
    title="Preprocessing fitted on the full data before the train/test split (leakage)",
    category=Category.DATA,
    severity=Severity.HIGH,
    effort=20,
    remediation=(
        "Split first, then fit preprocessing on the training part only; or wrap the steps in an sklearn "
        "Pipeline (make_pipeline) so each fold fits its own."
    ),
    docs=Docs(
        what=(
            "A learning transformer (scaler, encoder, imputer, PCA, feature selector, vectorizer, over-sampler) "
            "is fitted on data that is afterwards, in the same function or notebook, split into train and test "
            "(train_test_split, a KFold-style splitter, cross_val_*). Stateless transforms, fits on a variable "
            "named as training data, and fits inside a Pipeline are not reported. Needs the post-change text; "
            "only statements on added lines are reported."
        ),
        why=(
            "Statistics learned from the test rows leak into training, so the reported score is optimistic and "
            "does not hold in production (scikit-learn Common pitfalls: data leakage; Zhang et al. 2022 "
            "'Data Leakage' smell; dslinter pipeline-not-used)."
        ),
        example=("X = StandardScaler().fit_transform(X)\nX_train, X_test, y_train, y_test = train_test_split(X, y)"),
        fix="model = make_pipeline(StandardScaler(), LogisticRegression())\nmodel.fit(X_train, y_train)",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=_NOT_OURS,
    needles=_LEAKAGE_WORDS,
)
def fit_before_split(view: FileView) -> Iterator[Hit]:
    # The post-change file is parsed only when the added lines touch a fit or a split; without its text
    # only the removed side is parsed, and the added lines are not worth a scan.
    touched = view.text is not None and _LEAKAGE_NEEDLES.found_in(view.source_sides()[0].lines.text)
    for source in parse_sources(view, _fits_and_splits, post=touched):
        yield from _leak_hits(source)


def _fits_and_splits(text: str) -> bool:
    return "fit" in text and _SPLIT_NEEDLES.found_in(text) and _TRANSFORMER_NEEDLES.found_in(text)


def _leak_hits(source: ParsedSource) -> Iterator[Hit]:
    imported = _imported_names(source.tree)
    results = _fit_results(source.tree)
    for body in scopes(source.tree):
        for fit, split_line in _leaks(scope_nodes(body), imported, results):
            number = source.number(fit.line) or source.number(split_line)
            if number is None or (source.moved(fit.line) and source.moved(split_line)):
                continue
            transformer = _receiver_name(fit.call)
            yield Hit(
                side=source.side,
                path=source.path,
                line=number,
                content=normalize(source.line(fit.line)),
                message=(
                    f"{transformer} learns from rows that are split for evaluation only later (line {split_line}): "
                    "test statistics leak into training"
                ),
            )


def _imported_names(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)


def _leaks(nodes: list[ast.AST], imported: frozenset[str], results: dict[int, set[str]]) -> Iterator[tuple[_Fit, int]]:
    """Each fit of a learning transformer whose result feeds a later split in the same scope."""
    transformers: set[str] = set()
    splitters: set[str] = set()
    fits: list[_Fit] = []
    transforms: list[tuple[str, int]] = [
        (label, node.lineno)
        for node in nodes
        if isinstance(node, ast.Call) and call_name(node) == "transform" and isinstance(node.func, ast.Attribute)
        for label in [dotted(node.func.value)]
        if label is not None
    ]
    reported: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Assign):
            _track_constructors(node, transformers, splitters)
            for fit in fits:
                if roots(node.value) & fit.tainted and not _is_split(node.value, splitters):
                    fit.tainted.update(target_roots(node.targets) - imported)
        if not isinstance(node, ast.Call):
            continue
        new_fit = _as_fit(node, transformers, imported, results.get(id(node), set()) - imported)
        if new_fit is not None:
            fits.append(new_fit)
            continue
        used = _split_inputs(node, splitters)
        if used is None:
            continue
        inline = [
            f
            for a in node.args
            for n in ast.walk(a)
            if isinstance(n, ast.Call)
            for f in [_as_fit(n, transformers, imported, set())]
            if f
        ]
        for fit in inline:
            yield fit, node.lineno
        for fit in fits:
            if id(fit) in reported or not used & fit.tainted or node.lineno <= fit.line:
                continue
            if fit.fitted and not any(label in fit.fitted and line > fit.line for label, line in transforms):
                continue  # fitted, but never used to transform anything: nothing learned reaches the model
            reported.add(id(fit))
            yield fit, node.lineno


def _track_constructors(node: ast.Assign, transformers: set[str], splitters: set[str]) -> None:
    if not isinstance(node.value, ast.Call):
        return
    name = call_name(node.value)
    bucket = transformers if name in _LEARNING_TRANSFORMERS else splitters if name in SPLITTERS else None
    if bucket is None:
        return
    for target in node.targets:
        label = dotted(target)
        if label is not None:
            bucket.add(label)


def _as_fit(call: ast.Call, transformers: set[str], imported: frozenset[str], assigned: set[str]) -> _Fit | None:
    """The fit of a learning transformer on data not named as training data; `assigned`: where its result goes."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in _FITS:
        return None
    receiver = call.func.value
    label = dotted(receiver)
    constructed = isinstance(receiver, ast.Call) and call_name(receiver) in _LEARNING_TRANSFORMERS
    data = argument(call, 0, "X", "x", "raw_documents")
    if not (label in transformers or constructed) or data is None:
        return None
    inputs = set(roots(data) - imported)
    if not inputs or any(TRAINING_NAME.search(name) for name in inputs):
        return None  # fitted on the training part: the right way round
    if call.func.attr != "fit":
        return _Fit(call, call.lineno, set(assigned))
    # `scaler.fit(X)` (or `scaler = StandardScaler().fit(X)`) learns from X; it leaks once it transforms.
    fitted = frozenset(assigned) if constructed else frozenset({label} if label else ())
    return _Fit(call, call.lineno, inputs, fitted)


def _split_inputs(call: ast.Call, splitters: set[str]) -> frozenset[str] | None:
    """The variables a split call divides, or None when the call is not a split."""
    name = call_name(call)
    if name in SPLIT_FUNCTIONS:
        return frozenset().union(*(roots(a) for a in call.args)) if call.args else frozenset()
    if name == "split" and isinstance(call.func, ast.Attribute):
        receiver = call.func.value
        if dotted(receiver) in splitters or (isinstance(receiver, ast.Call) and call_name(receiver) in SPLITTERS):
            return roots(call.args[0]) if call.args else frozenset()
    return None


def _is_split(value: ast.expr, splitters: set[str]) -> bool:
    return isinstance(value, ast.Call) and _split_inputs(value, splitters) is not None


def _receiver_name(call: ast.Call) -> str:
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else call.func
    if isinstance(receiver, ast.Call):
        return call_name(receiver) + "()"
    return dotted(receiver) or "A transformer"


def _fit_results(tree: ast.Module) -> dict[int, set[str]]:
    """For each fit call (by node id), the variables its result is assigned to: `X_s = scaler.fit_transform(X)`."""
    results: dict[int, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = target_roots(node.targets)
            for inner in ast.walk(node.value):
                if isinstance(inner, ast.Call) and call_name(inner) in _FITS:
                    results[id(inner)] = targets
    return results
