"""Added Python that does not parse (CODE014): `.py` files and notebook code cells, post-change."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.notebook import Cell
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import parse_python
from checks.views import FileView

#: Python files bigger than this are not parsed (generated tables, vendored bundles).
MAX_PARSE_CHARS = 1_000_000
#: How far above a syntax error an added line may be and still be its cause (an unclosed bracket).
CAUSE_WINDOW = 5
#: Jinja/cookiecutter templates with a .py name are not Python until rendered.
TEMPLATE = lazy(r"\{%-?\s*\w+|\{\{-?\s*[\w.]+(?:\s*\|[^}\n]*)?\s*-?\}\}")
#: Python 2 syntax on the failing line: DEP017 reports those once.
PYTHON2 = lazy(
    r"^\s*print\s+[^\s(=,)]|^\s*exec\s+['\"]|\bexcept\s+[\w.]+\s*,\s*\w+\s*:|\bur['\"]|`|<>|\b0\d+\b|"
    r"^\s*raise\s+\w+\s*,"
)
#: Syntax newer than Python 3.11 (PEP 695 type parameters and aliases, 3.14 template strings and bare
#: `except A, B:`): valid for the repository's interpreter, maybe not for ours.
NEWER_SYNTAX = lazy(
    r"^\s*type\s+\w+\s*(?:\[[^\]]*\])?\s*=|^\s*(?:async\s+)?def\s+\w+\s*\[|^\s*class\s+\w+\s*\[|\bt['\"]|"
    r"\bexcept\s*\*?\s*[\w.]+\s*,"
)
#: Cell magics whose body is still Python.
PYTHON_CELL_MAGIC = lazy(r"%%(?:time|timeit|capture|prun|debug)\b")
#: Line magics (`%matplotlib inline`), shell escapes (`!pip install x`), help (`obj?`), and `x = !ls`.
LINE_MAGIC = lazy(r"^(?:%{1,2}[A-Za-z]|![A-Za-z./~$\"'-]|\?|[\w.]+\?\??\s*$|[\w\s,]+=\s*[!%][A-Za-z])")
KERNEL_LANGUAGE = lazy(r'"(?:language|name)"\s*:\s*"([^"]+)"')


@rule(
    code="CODE014",
    slug="python-syntax-error",
    title="Added Python code does not parse",
    category=Category.CODE,
    severity=Severity.MEDIUM,
    effort=5,
    remediation="Fix the syntax error; run at least a compile or lint step (ruff, `python -m compileall`) in CI.",
    docs=Docs(
        what=(
            "A Python file or notebook code cell that no longer parses after the change, with the error on or just "
            "below a line the change adds. Notebook cells are read after IPython magics (`%`, `!`, `?`) are set "
            "aside; non-Python kernels, Jinja templates, Python 2 syntax (DEP017's business) and syntax newer than "
            "the reviewer's Python are left alone. Needs the post-change text."
        ),
        why=(
            "Code that does not parse fails at import or in the middle of a pipeline run, often far from where it "
            "was committed; a repository where it can be merged has no compile step in CI (pynblint "
            "invalid-python-syntax, mllint use-linters)."
        ),
        example="def train(config:\n    model = build(config)",
        fix="def train(config):\n    model = build(config)",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.FIXTURE, Role.DOCS),
)
def python_syntax_error(view: FileView) -> Iterator[Hit]:
    text = view.text
    if text is None or len(text) > MAX_PARSE_CHARS or "{{" in view.path or "{%" in view.path:
        return
    if view.kind is Kind.NOTEBOOK:
        yield from _notebook_errors(view, text)
        return
    parsed = parse_python(text)
    if not isinstance(parsed, SyntaxError) or TEMPLATE.search(text):
        return
    error = parsed
    lines = text.splitlines()
    failing = lines[error.lineno - 1] if error.lineno and 0 < error.lineno <= len(lines) else ""
    if _excused(error, failing):
        return
    added = {line.number for line in view.patch.added}
    cause = _nearest_added(added, max(error.lineno or 0, error.end_lineno or 0))
    if cause is not None:
        yield _hit(view, cause, error, failing)


def _syntax_error(source: str, *, flags: int = 0) -> SyntaxError | None:
    try:
        compile(source, "<change>", "exec", flags=ast.PyCF_ONLY_AST | flags, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):
        return None  # null bytes or nesting too deep: not a verdict on the syntax
    return None


def _excused(error: SyntaxError, failing: str) -> bool:
    if "Missing parentheses in call to" in (error.msg or "") or PYTHON2.search(failing):
        return True
    newer_fstrings = sys.version_info < (3, 12) and (error.msg or "").startswith("f-string")
    return newer_fstrings or NEWER_SYNTAX.search(failing) is not None


def _nearest_added(added: set[int], last: int) -> int | None:
    """The added line at or closest above the error's last line, within the window."""
    return next((n for n in range(last, last - CAUSE_WINDOW - 1, -1) if n in added), None)


def _hit(view: FileView, line: int, error: SyntaxError, failing: str) -> Hit:
    where = f"line {error.lineno}" if error.lineno else "the file"
    return Hit(
        side=Side.ADDED,
        path=view.path,
        line=line,
        content=f"{error.msg}: {failing.strip()}",
        message=f"Python does not parse: {error.msg} at {where}",
    )


def _notebook_errors(view: FileView, text: str) -> Iterator[Hit]:
    notebook = view.notebook
    if notebook is None or not _python_kernel(text):
        return
    added = view.source_sides()[0]
    if not added:
        return
    first_number: dict[str, int] = {}
    for line in added.lines:
        first_number.setdefault(line.text, line.number)
    for cell in notebook.code_cells():
        source = _without_magics(cell)
        if source is None:
            continue
        error = _syntax_error(source, flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        if error is None or not error.lineno:
            continue
        cell_lines = cell.source.split("\n")
        failing = cell_lines[error.lineno - 1] if error.lineno <= len(cell_lines) else ""
        if _excused(error, failing):
            continue
        # The cause is an added line of this cell at or a little above the error.
        window = cell_lines[max(0, error.lineno - 1 - CAUSE_WINDOW) : error.lineno]
        number = next((first_number[t] for t in reversed(window) if t in first_number and t.strip()), None)
        if number is not None:
            yield _hit(view, number, error, failing)


def _python_kernel(text: str) -> bool:
    """False for notebooks whose kernel is R, Julia, Scala...; the language is in the metadata at the end."""
    tail = text[text.rfind('"metadata"') :] if '"metadata"' in text else ""
    m = KERNEL_LANGUAGE.search(tail)
    return m is None or m.group(1).lower().startswith(("python", "ipython"))


def _without_magics(cell: Cell) -> str | None:
    """The cell's source with IPython syntax replaced by `pass` (line numbers kept); None when not Python."""
    lines = cell.source.split("\n")
    first = lines[0].lstrip() if lines else ""
    if first.startswith("%%"):
        if not PYTHON_CELL_MAGIC.match(first):
            return None  # %%bash, %%writefile, %%sql...: another language
        lines[0] = ""
    out = []
    continued = False  # `!tts --text "..." \` goes on over the next lines, shell still
    for line in lines:
        stripped = line.lstrip()
        if continued:
            out.append("")  # however it is indented
        elif LINE_MAGIC.match(stripped):
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
            continue
        continued = stripped.rstrip().endswith("\\")
    return "\n".join(out)
