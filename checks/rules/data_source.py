"""The post-change Python of a changed file (a module or a notebook's code cells), parsed for the AST data rules.

Rules report only what sits on added lines; `ParsedSource` maps the parsed module's lines back to them.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import textwrap
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from checks.finding import Side, normalize
from checks.lazyre import lazy
from checks.paths import Kind
from checks.rules.code_common import parse_python
from checks.views import FileView, SideView

#: Calls that divide data into training and evaluation parts: functions, and splitter classes (`.split(X)`).
SPLIT_FUNCTIONS = frozenset(
    {
        "train_test_split",
        "cross_val_score",
        "cross_validate",
        "cross_val_predict",
        "learning_curve",
        "validation_curve",
        "permutation_test_score",
    }
)
SPLITTERS = frozenset(
    {
        "KFold",
        "StratifiedKFold",
        "GroupKFold",
        "StratifiedGroupKFold",
        "RepeatedKFold",
        "RepeatedStratifiedKFold",
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        "TimeSeriesSplit",
        "LeaveOneOut",
        "LeavePOut",
        "LeaveOneGroupOut",
    }
)
#: A variable named as training data (`X_train`, `train_df`).
TRAINING_NAME = lazy(r"train", re.IGNORECASE)
#: A name for held-out data: x_val, val_loader, valid_ds, X_test, eval_set, dev_df, holdout, val2.
HOLDOUT_NAME = lazy(r"(?:^|[_xy])(?:val|valid|validation|dev|eval|test|holdout)(?:$|_|\d|s|set|data)", re.IGNORECASE)

#: Larger files are left to the line rules: parsing them would cost more than their findings are worth.
MAX_SOURCE_CHARS = 2_000_000


@dataclass(frozen=True)
class ParsedSource:
    """One side of a changed file as parsed Python: the post-change file, or the lines the change removes.

    The removed lines alone parse when they are whole statements (a deleted file, a function moved to
    another module): then the same analysis finds what they held, and the runner nets it against what is
    added (moved code draws nothing; debt removed for good is paid).
    """

    side: Side
    path: str
    tree: ast.Module
    lines: tuple[str, ...]
    #: Line of the parsed source -> number to report, for the lines this side of the change touches.
    changed: Mapping[int, int]
    #: Normalized lines of the other side when those did not parse: a line found there was moved, not written.
    moved_from: frozenset[str] = frozenset()

    def line(self, lineno: int) -> str:
        return self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""

    def number(self, lineno: int) -> int | None:
        return self.changed.get(lineno)

    def moved(self, lineno: int) -> bool:
        return normalize(self.line(lineno)) in self.moved_from


def parse_sources(view: FileView, wanted: Callable[[str], bool], *, post: bool = True) -> list[ParsedSource]:
    """The parsed sides of a changed file (removed, then added unless `post` is false) that `wanted` accepts.

    `wanted` sees the raw text first, so files without the words a rule needs are never parsed. The
    post-change side needs the file's text; the removed side needs only the diff.
    """
    added_side, removed_side = view.source_sides()
    removed = _removed_source(view, removed_side) if removed_side and wanted(removed_side.lines.text) else None
    raw = view.text
    if not post or raw is None or not wanted(raw):
        return [removed] if removed is not None else []
    # When the removed lines parse, moves net out through their own hits; otherwise match moved lines by text.
    moved_from = frozenset() if removed is not None else frozenset(normalize(t) for t in removed_side.lines.texts())
    added = _notebook_source(view, added_side) if view.kind is Kind.NOTEBOOK else _module_source(view, raw)
    if added is not None:
        added = dataclasses.replace(added, moved_from=moved_from)
    return [s for s in (removed, added) if s is not None]


def _module_source(view: FileView, text: str) -> ParsedSource | None:
    if len(text) > MAX_SOURCE_CHARS:
        return None
    tree = parse_python(text)  # the file's one parse, shared with the other rules
    if not isinstance(tree, ast.Module):
        return None
    changed = {line.number: line.number for line in view.patch.added}
    return ParsedSource(Side.ADDED, view.path, tree, tuple(text.splitlines()), changed)


def _removed_source(view: FileView, removed: SideView) -> ParsedSource | None:
    lines = removed.lines
    if len(lines.text) > MAX_SOURCE_CHARS:
        return None
    code = _cell_code(lines.texts()) if view.kind is Kind.NOTEBOOK else lines.texts()
    text = textwrap.dedent("\n".join(code))
    tree = _parse(text)
    if tree is None:
        return None
    changed = {index + 1: line.number for index, line in enumerate(lines)}
    return ParsedSource(Side.REMOVED, removed.path, tree, tuple(text.split("\n")), changed)


def _notebook_source(view: FileView, added_side: SideView) -> ParsedSource | None:
    notebook = view.notebook
    if notebook is None:
        return None
    waiting: dict[str, list[int]] = {}
    for line in added_side.lines:
        waiting.setdefault(line.text, []).append(line.number)
    lines: list[str] = []
    changed: dict[int, int] = {}
    for cell in notebook.code_cells():
        raw = cell.source.splitlines()
        code = _cell_code(raw)
        for original, kept in zip(raw, code, strict=True):
            lines.append(kept)
            numbers = waiting.get(original)
            if numbers:
                changed[len(lines)] = numbers.pop(0)
    tree = _parse("\n".join(lines))
    if tree is None:
        return None
    return ParsedSource(Side.ADDED, view.path, tree, tuple(lines), changed)


def _cell_code(raw: list[str]) -> list[str]:
    """A cell's lines as Python: IPython magics and shell escapes become `pass`; cells that do not parse, blank."""
    if raw and raw[0].lstrip().startswith("%%"):
        return [""] * len(raw)
    code = []
    for line in raw:
        stripped = line.lstrip()
        code.append(line[: len(line) - len(stripped)] + "pass" if stripped.startswith(("%", "!")) else line)
    return code if _parse("\n".join(code)) is not None else [""] * len(raw)


def _parse(text: str) -> ast.Module | None:
    # The reviewed code's own warnings (an invalid escape in a string) are not ours to print.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def parse_statement(statement: str) -> ast.Module | None:
    """One statement read from the lines of a diff; a compound statement's header (`with f(...):`) too."""
    text = statement.strip()
    return _parse(text) or _parse(text + " pass")


def scopes(tree: ast.Module) -> Iterator[list[ast.stmt]]:
    """The module body, then each function body: names are shared within one, not across."""
    yield tree.body
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.body


def scope_nodes(body: Iterable[ast.stmt]) -> list[ast.AST]:
    """Every node of a scope, not descending into nested functions, classes or lambdas; in source order."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = [n for n in body if not isinstance(n, _NESTED_SCOPES)]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, _NESTED_SCOPES))
    out.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    return out


def call_name(call: ast.Call) -> str:
    """The called name without its receiver: `fit` for `model.fit(...)`, `train_test_split` for the function."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def dotted(node: ast.AST) -> str | None:
    """`self.scaler` for an attribute chain over a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def roots(node: ast.AST | None) -> frozenset[str]:
    """The variables an expression's data comes from: `df` for `df[cols].values`, both for `f(a, b)`."""
    if node is None:
        return frozenset()
    if isinstance(node, ast.Name):
        return frozenset({node.id})
    if isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        return roots(node.value)
    if isinstance(node, ast.Call):
        found: set[str] = set()
        for arg in node.args:
            found |= roots(arg)
        if isinstance(node.func, ast.Attribute):
            found |= roots(node.func.value)  # `df.drop(...)` comes from df
        return frozenset(found)
    if isinstance(node, ast.Tuple | ast.List):
        return frozenset().union(*(roots(e) for e in node.elts)) if node.elts else frozenset()
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def same_expression(a: ast.AST | None, b: ast.AST | None) -> bool:
    if a is None or b is None:
        return False
    return ast.dump(a, include_attributes=False) == ast.dump(b, include_attributes=False)


def argument(call: ast.Call, position: int, *names: str) -> ast.expr | None:
    """A call's argument by position or by one of its keyword names."""
    if len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def target_roots(targets: list[ast.expr]) -> set[str]:
    """The variables an assignment writes: `df` for `df[cols] = ...`, both for `a, b = ...`."""
    found: set[str] = set()
    for target in targets:
        found |= roots(target)
    return found
