"""Glue-code hacks (CODE010): import paths patched at run time, wildcard imports."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import (
    enclosing_def_index,
    in_string,
    in_string_text,
    module_text,
    only_imports,
    side_text,
    statement_hit,
    statement_key,
)
from checks.rules.dependency_common import lines_after, lines_before
from checks.views import FileView, Match, SideView

SYS_PATH = lazy(r"(?<![\w.])sys\.path\.(?:append|insert|extend)\(|(?<![\w.])sys\.path\s*(?:\+=|=(?!=))")
WILDCARD = lazy(r"^[ \t]*from\s+[\w.]+\s+import\s+\*", re.MULTILINE)
#: `sys.path = saved`: the path put back as it was, the cure for a path hack rather than one.
_RESTORED = lazy(r"sys\.path\s*=\s*(?P<name>[A-Za-z_]\w*)\s*(?:#.*)?$")
#: `sys.path.append(entry)`, `sys.path.insert(0, entry)`: the entry, to find it taken out again.
_ADDED_ENTRY = lazy(
    r"sys\.path\.(?:append\(|insert\((?P<index>[^,()]+),)\s*(?P<entry>[^()]+?|[\w.]+\([^()]*\))\s*\)\s*(?:#.*)?$"
)
#: A copy of the path taken to put back later: `saved = sys.path.copy()`, `list(sys.path)`, `sys.path[:]`.
_SNAPSHOT = r"(?:list\(sys\.path\)|sys\.path(?:\.copy\(\)|\[:\])|(?:copy\.)?(?:deep)?copy\(sys\.path\))"
#: How far around a path edit the function holding it is read for the edit's undoing.
_BLOCK_LOOKAHEAD = 200
#: Sphinx's conf.py puts the package on sys.path by design.
SPHINX_CONF = lazy(r"(?:^|/)conf\.py$")


@rule(
    code="CODE010",
    slug="glue-code-hacks",
    title="Glue-code hacks: sys.path manipulation, wildcard imports",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=15,
    remediation=(
        "Make the code an installable package (pyproject.toml, `pip install -e .`) and import it by name; "
        "import names explicitly."
    ),
    docs=Docs(
        what=(
            "Python added by the change that edits `sys.path` to reach other code, or imports with `from x import *`. "
            "Putting back a copy of the path taken before (`saved = sys.path.copy()` ... `sys.path = saved`), or "
            "taking an entry out again in the function that put it in (`sys.path.append(d)` ... `finally: "
            "sys.path.remove(d)`, `sys.path.insert(0, d)` ... `sys.path.pop(0)`), undoes a change and is not one. "
            "Sphinx conf.py is skipped, and so are wildcard imports in `__init__.py` and in "
            "a module that holds nothing but imports (the re-export idiom: a module left at its old path as a shim, "
            "which may warn or log that it moved or bind a name to its new module's, `requests = _new.requests`, or "
            "a module exposing optional packages' names, each import in its own `try`). "
            "A line of a docstring, or of any triple-quoted string (a module's text in a template the code writes "
            "out), is text, not code. In tests, examples and notebooks, where a checkout is bootstrapped, it is info."
        ),
        why=(
            "Path hacks make imports depend on the working directory and on file layout, and wildcard imports hide "
            "where names come from: both are the glue code that turns ML systems into pipeline jungles "
            "(Sculley et al. 2015, §5; ruff F403)."
        ),
        example="sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))\nfrom utils import *",
        fix="from myproject.utils import load_config  # after `pip install -e .`",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.DOCS),
    # The rule reads no file without them (a wildcard import spelt `import\t*` counts only beside an `import *`).
    needles=("sys.path", "import *"),
)
def glue_code_hacks(view: FileView) -> Iterator[Hit]:
    if SPHINX_CONF.search(view.path):
        return
    bootstrapping = view.kind is Kind.NOTEBOOK or bool(view.roles & {Role.TEST, Role.FIXTURE, Role.EXAMPLE})
    severity = Severity.INFO if bootstrapping else None
    init_module = view.path.endswith("__init__.py")
    sides = view.source_sides()
    # Both sides are read when either holds one: `import  *` reformatted to `import *` is the same import.
    wildcards = any("import *" in side.lines.text for side in sides)
    for side in sides:
        text = side.lines.text
        for m in side.search(SYS_PATH) if "sys.path" in text else ():
            if side.in_comment(m) or in_string(m.text, side.column(m)) or in_string_text(view, side, m):
                continue
            if _undone(view, side, m):
                continue
            yield statement_hit(side, m, "sys.path changed at run time", severity=severity)
        if init_module:
            continue
        shim: bool | None = None
        for m in side.search(WILDCARD) if wildcards else ():
            if in_string_text(view, side, m):
                continue  # a docstring's example, or a module's text in a template the code writes out
            shim = only_imports(module_text(view, side)) if shim is None else shim
            if shim:
                break  # a module left to re-export another's names (`from weasel.cli.run import *`)
            statement = m.text.split("#", 1)[0].strip()
            yield side.hit(m, f"Wildcard import: {statement}", content=statement_key(statement), severity=severity)


def _undone(view: FileView, side: SideView, m: Match) -> bool:
    """A change the same module undoes: `sys.path = saved` where `saved` is a copy of the path taken before, or an
    entry appended or inserted that `sys.path.remove(entry)` or a `sys.path.pop` at its place takes out again (`try:
    ... finally: ...`)."""
    restored = _RESTORED.match(m.text, side.column(m))
    if restored is not None:
        return re.search(rf"\b{restored.group('name')}\s*=\s*{_SNAPSHOT}", side_text(view, side)) is not None
    added = _ADDED_ENTRY.match(m.text, side.column(m))
    if added is None:
        return False
    entry = r"\s*".join(map(re.escape, added.group("entry").split()))
    # `sys.path.insert(0, d)` taken out by `sys.path.pop(0)`, an appended entry by `sys.path.pop()`.
    index = re.escape(added.group("index").strip()) if added.group("index") else r"(?:-1)?"
    taken_out = rf"(?<![\w.])sys\.path\.(?:remove\(\s*{entry}|pop\(\s*{index})\s*\)"
    return re.search(taken_out, _rest_of_function(view, side, m)) is not None


def _rest_of_function(view: FileView, side: SideView, m: Match) -> str:
    """The side's lines from the match's to the end of the function holding it (its `finally:` too, when the edit sits
    deeper in its `try`), or of the module's lines read below it at the top level."""
    indent = len(m.text) - len(m.text.lstrip())
    above = lines_before(view, side.side, m.number, _BLOCK_LOOKAHEAD)
    at = enclosing_def_index(above, indent) if indent else None
    end = len(above[at]) - len(above[at].lstrip()) if at is not None else -1  # the body ends at this indent or less
    rest = [m.text]
    for line in lines_after(view, side.side, m.number, _BLOCK_LOOKAHEAD):
        code = line.lstrip()
        if code and len(line) - len(code) <= end:
            break
        rest.append(line)
    return "\n".join(rest)
