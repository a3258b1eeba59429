"""Debug leftovers (CODE015): debugger breakpoints, web servers in debug mode, autograd anomaly detection."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import in_docstring, in_string, statement_key
from checks.views import FileView

#: Debugger entry points and slow debugging switches (ruff T100). Literal-first, so the scan is fast; the
#: word boundary before the name is checked per match.
DEBUGGER = lazy(
    r"breakpoint\(\)|(?:pdb|ipdb|pudb|pdbpp)\.set_trace\(|IPython\.embed\(|from[ \t]+IPython[ \t]+import[ \t]+embed\b|"
    r"torch\.autograd\.(?:set_detect_anomaly\(\s*True|detect_anomaly\()"
)
#: Words without which DEBUGGER cannot match: most files skip the regex.
_DEBUGGER_NEEDLES = ("breakpoint()", "set_trace(", "IPython", "anomaly")
#: A web app started from code: Flask `app.run(...)`, Dash `app.run_server(...)`; its statement is then read.
SERVER_RUN = lazy(r"\.run(?:_server)?\(")
DEBUG_ON = lazy(r"\bdebug\s*=\s*True\b")
#: JavaScript's `debugger;` statement, alone on its line.
JS_DEBUGGER = lazy(r"^[ \t]*debugger\b\s*;?[ \t]*$", re.MULTILINE)
_JS = lazy(r"\.(?:js|jsx|ts|tsx|mjs|cjs)$")


@rule(
    code="CODE015",
    slug="debug-leftovers",
    title="Debug leftovers: breakpoints, debug-mode servers, anomaly detection",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=5,
    remediation=(
        "Remove debugger calls before merging; drive debug mode from configuration (an environment variable), "
        "never a literal `debug=True`."
    ),
    docs=Docs(
        what=(
            "Code added by the change that stops in a debugger (`breakpoint()`, `pdb.set_trace()`, `IPython.embed()`, "
            "JavaScript `debugger;`), turns on autograd anomaly detection, or starts a Flask/Dash app with "
            "`debug=True` (medium: the Werkzeug debugger runs arbitrary code for whoever reaches it)."
        ),
        why=(
            "A breakpoint hangs a training job or a server waiting for a terminal nobody watches; anomaly "
            "detection slows every backward pass; a debug server in model-serving code is remote code execution "
            "(bandit B201 flask_debug_true, ruff S201 and T100)."
        ),
        example="app.run(host='0.0.0.0', port=8080, debug=True)",
        fix="app.run(host='0.0.0.0', port=8080, debug=os.environ.get('FLASK_DEBUG') == '1')",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK, Kind.C_LIKE},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.DOCS),
    # What DEBUGGER, SERVER_RUN and JS_DEBUGGER matches hold on the hit line.
    needles=(*_DEBUGGER_NEEDLES, ".run(", ".run_server(", "debugger"),
)
def debug_leftovers(view: FileView) -> Iterator[Hit]:
    if view.kind is Kind.C_LIKE:
        if _JS.search(view.path):
            for side in view.sides():
                for m in side.search(JS_DEBUGGER) if "debugger" in side.lines.text else ():
                    yield side.hit(m, "Debugger statement left in: debugger;", content="debugger")
        return
    example = Role.EXAMPLE in view.roles
    for side in view.source_sides():
        text = side.lines.text
        debugger = any(needle in text for needle in _DEBUGGER_NEEDLES)
        for m in side.search(DEBUGGER) if debugger else ():
            column = side.column(m)
            if _after_word(m.text, column) or side.in_comment(m) or in_string(m.text, column):
                continue
            if in_docstring(view, side, m):
                continue
            call = m.group().strip()
            yield side.hit(m, f"Debugger left in: {call}", content=statement_key(m.text))
        for m in side.search_near(SERVER_RUN, ("run(", "run_server("), (1,)) if "debug" in text else ():
            if side.in_comment(m) or in_docstring(view, side, m):
                continue
            statement, end = side.statement(m.index)
            if DEBUG_ON.search(statement[side.column(m) :]) is None:
                continue
            yield side.hit(
                m,
                f"Web app started in debug mode: {statement.strip()[:100]}",
                content=statement_key(statement),
                end_line=end,
                severity=Severity.LOW if example else Severity.MEDIUM,
            )


def _after_word(line: str, column: int) -> bool:
    """True when the match continues a longer name (`my_breakpoint()`, `xpdb.set_trace`)."""
    return column > 0 and (line[column - 1].isalnum() or line[column - 1] in "_.")
