"""Glue-code hacks (CODE010): import paths patched at run time, wildcard imports."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import in_docstring, in_string, statement_hit, statement_key
from checks.views import FileView

SYS_PATH = lazy(r"(?<![\w.])sys\.path\.(?:append|insert|extend)\(|(?<![\w.])sys\.path\s*(?:\+=|=(?!=))")
WILDCARD = lazy(r"^[ \t]*from\s+[\w.]+\s+import\s+\*", re.MULTILINE)
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
            "Sphinx conf.py is skipped, and so are wildcard imports in `__init__.py` (the re-export idiom). In "
            "tests, examples and notebooks, where a checkout is bootstrapped, it is info."
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
    # The rule reads no side without them (a wildcard import spelt `import\t*` counts only beside an `import *`).
    needles=("sys.path", "import *"),
)
def glue_code_hacks(view: FileView) -> Iterator[Hit]:
    if SPHINX_CONF.search(view.path):
        return
    bootstrapping = view.kind is Kind.NOTEBOOK or bool(view.roles & {Role.TEST, Role.FIXTURE, Role.EXAMPLE})
    severity = Severity.INFO if bootstrapping else None
    init_module = view.path.endswith("__init__.py")
    for side in view.source_sides():
        text = side.lines.text
        for m in side.search(SYS_PATH) if "sys.path" in text else ():
            if side.in_comment(m) or in_string(m.text, side.column(m)) or in_docstring(view, side, m):
                continue
            yield statement_hit(side, m, "sys.path changed at run time", severity=severity)
        if init_module:
            continue
        for m in side.search(WILDCARD) if "import *" in text else ():
            if in_docstring(view, side, m):
                continue
            statement = m.text.split("#", 1)[0].strip()
            yield side.hit(m, f"Wildcard import: {statement}", content=statement_key(statement), severity=severity)
