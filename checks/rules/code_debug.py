"""Debug leftovers (CODE015): debugger breakpoints, web servers in debug mode, autograd anomaly detection, and
prints of shapes and data in library modules."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import DEF, in_docstring, in_string, parse_python, statement_hit, statement_key
from checks.rules.dependency_common import block_opener, lines_before
from checks.views import FileView, Match

#: Debugger entry points and slow debugging switches (ruff T100). Literal-first, so the scan is fast; the
#: word boundary before the name is checked per match.
DEBUGGER = lazy(
    r"breakpoint\(\)|(?:pdb|ipdb|pudb|pdbpp)\.set_trace\(|__import__\(\s*[\"'](?:pdb|ipdb|pudb)[\"']\s*\)\.set_trace\(|"
    r"IPython\.embed\(|from[ \t]+IPython[ \t]+import[ \t]+embed\b|"
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
#: A print of what one looks at while debugging: a shape, dtype, device or type, a table's head, `f"{x=}"` (also
#: spaced, converted or formatted: `f"{x = }"`, `f"{x=!r}"`, `f"{x=:.3f}"`).
DEBUG_PRINT = lazy(
    r"(?<![\w.])print\((?=[^\n]*(?:\.(?:shape|dtype|device)\b|\.size\(\)|\.head\(|\.describe\(|=\s*(?:![rsa])?(?::[^{}\n]*)?\}"
    r"|\btype\([^()\n]*\)(?!\.__name__)))"  # `type(e).__name__` names an error in a message
)
#: A module that is run (a script, a CLI) prints on purpose; a library module reports through logging.
_RUN_AS_PROGRAM = ("__main__", "argparse", "import click", "import typer", "sys.argv", "fire.Fire(")
_PROGRAM_PATH = lazy(
    r"(?:^|/)(?:scripts?|bin|tools|bench(?:marks?)?|notebooks?|demos?|cli)/|(?:^|/)(?:__main__|cli|main|setup|conftest)\.py$"
)


@rule(
    code="CODE015",
    slug="debug-leftovers",
    title="Debug leftovers: breakpoints, debug-mode servers, anomaly detection, debug prints",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=5,
    remediation=(
        "Remove debugger calls before merging; drive debug mode from configuration (an environment variable), "
        "never a literal `debug=True`."
    ),
    docs=Docs(
        what=(
            "Code added by the change that stops in a debugger (`breakpoint()`, `pdb.set_trace()`, also through "
            "`__import__('pdb')`, `IPython.embed()`, "
            "JavaScript `debugger;`), turns on autograd anomaly detection (not a test's `with` block, where a NaN "
            "in backward is what it asserts against, nor under an `if` on a debug or anomaly option, "
            "`if debug_config.detect_anomaly:`), or starts a Flask/Dash app with "
            "`debug=True` (medium: the Werkzeug debugger runs arbitrary code for whoever reaches it). In a library "
            "module (not a script, CLI, test or example: no `__main__`, argparse, click, typer or sys.argv in the "
            "file, which is read whole), a `print` of a shape, dtype, device, type, a table's head or an "
            '`f"{x=}"` is a debug print, unless an `if` on verbosity guards it (`if self.verbose > 0:`, or a flag '
            "named for it: `if self._debug:`, `if _PRINT_STATIC:`), itself or through a loop inside it, or its line "
            "waives the print check "
            "(`# noqa: T201`, which CODE018 counts)."
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
    # What DEBUGGER, SERVER_RUN, JS_DEBUGGER and DEBUG_PRINT matches hold on the hit line.
    needles=(*_DEBUGGER_NEEDLES, ".run(", ".run_server(", "debugger", "print("),
)
def debug_leftovers(view: FileView) -> Iterator[Hit]:
    if view.kind is Kind.C_LIKE:
        if _JS.search(view.path):
            for side in view.sides():
                for m in side.search(JS_DEBUGGER) if "debugger" in side.lines.text else ():
                    yield side.hit(m, "Debugger statement left in: debugger;", content="debugger")
        return
    example = Role.EXAMPLE in view.roles
    tests = bool(view.roles & {Role.TEST, Role.FIXTURE})
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
            if "anomaly" in call and tests and m.text.lstrip().startswith("with "):
                continue  # a test's `with torch.autograd.detect_anomaly():` makes a NaN in backward fail the test
            if "anomaly" in call and _guarded_by(view, side.side, m, _ANOMALY_SWITCH):
                continue  # `if debug_config.detect_anomaly:`: a debug option the user turns on, as the fix says
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
    if view.kind is Kind.PYTHON and "print(" in view.added.lines.text:
        yield from _debug_prints(view)


def _library_module(view: FileView) -> bool:
    """A module imported by others, judged from its whole text: not a script, a CLI, a test or an example."""
    if view.roles & {Role.TEST, Role.FIXTURE, Role.EXAMPLE} or _PROGRAM_PATH.search(view.path):
        return False
    text = view.text
    if text is None:
        if view.status is not FileStatus.ADDED:
            return False  # a guard or a CLI may sit on lines the change leaves alone
        text = view.added.lines.text
    return not any(map(text.__contains__, _RUN_AS_PROGRAM))


def _debug_prints(view: FileView) -> Iterator[Hit]:
    side = view.added
    showing: frozenset[int] | None = None
    library: bool | None = None
    for m in side.search_near(DEBUG_PRINT, ("print(",), (0,)):  # its look-behind drops `pprint(`, `x.print(`
        if side.in_comment(m) or in_string(m.text, side.column(m)):
            continue
        if in_docstring(view, side, m):
            continue
        if library is None:
            library = _library_module(view)
        if not library:
            return
        if showing is None:
            showing = _in_showing_functions(view.text if view.text is not None else side.lines.text)
        if m.number in showing or _guarded_by(view, Side.ADDED, m, _VERBOSITY) or _print_waived(m.text):
            continue
        yield statement_hit(side, m, "Debug print in a library module")


#: A noqa on the print's line that covers flake8-print's print check (ruff T201, flake8-print T001): bare, or naming
#: the code or a prefix of it (`T20`).
_NOQA = lazy(r"#\s*noqa\b(?:\s*:\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?")


def _print_waived(line: str) -> bool:
    """Whether the line waives the print check: the author meant this print, and CODE018 counts the waiver."""
    m = _NOQA.search(line)
    if m is None:
        return False
    codes = m.group("codes")
    return codes is None or any(
        "T201".startswith(code) or "T001".startswith(code) for code in re.split(r"[,\s]+", codes)
    )


#: The condition of a block whose prints the caller asked for (`if self.verbose > 0:`, `if verbosity >= 2:`), a
#: flag's name part included (`if self._verbose:`, `if _PRINT_STATIC:`, `if DEBUG_SHAPES:`).
_VERBOSITY = lazy(r"\s*(?:el)?if\b[^\n:]*(?<![a-z0-9])(?:verbose|verbosity|debug|print)(?![a-z0-9])", re.I)
#: How far up the enclosing `if` is looked for.
_GUARD_LOOKBACK = 12


#: The condition of a block that turns anomaly detection on at the user's request (`if debug_config.detect_anomaly:`).
_ANOMALY_SWITCH = lazy(r"\s*(?:el)?if\b[^\n:]*(?:anomal|debug)", re.I)


def _guarded_by(view: FileView, side: Side, m: Match, condition: re.Pattern[str]) -> bool:
    """Whether the match sits in an `if` whose line matches `condition` (a print on verbosity, opt-in progress output
    as sklearn's estimators print; anomaly detection a debug option turns on), itself or through the blocks inside it
    (a `for` over what to show), as far as the lines above show (the side's text, else the hunks). An `else:` leaves
    its `if` behind: the block opening it is the one around both."""
    above = lines_before(view, side, m.number, _GUARD_LOOKBACK)
    indent = len(m.text) - len(m.text.lstrip())
    while (k := block_opener(above, indent)) is not None:
        opener = above[k]
        if condition.match(opener) is not None:
            return True
        if DEF.match(opener) is not None or opener.lstrip().startswith("class "):
            return False
        above, indent = above[:k], len(opener) - len(opener.lstrip())
    return False


#: Functions whose job is to show something (`preview`, `print_summary`, `debug_shapes`): their prints are meant.
_SHOWING = lazy(r"show|preview|print|display|summar|describe|report|inspect|dump|explain|visuali|plot|debug", re.I)


def _in_showing_functions(text: str) -> frozenset[int]:
    """The lines of the functions whose names say they show something."""
    tree = parse_python(text)
    if not isinstance(tree, ast.Module):
        return frozenset()
    return frozenset(
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _SHOWING.search(node.name)
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    )


def _after_word(line: str, column: int) -> bool:
    """True when the match continues a longer name (`my_breakpoint()`, `xpdb.set_trace`)."""
    return column > 0 and (line[column - 1].isalnum() or line[column - 1] in "_.")
