"""DEP017: Python-2-only modules and syntax added to code that runs on Python 3."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import parse_python, side_text
from checks.rules.dependency_common import block_opener, in_docs_folder, lines_before
from checks.views import FileView, Match, SideView

#: Python 2 module -> its Python 3 home.
PYTHON3_HOME = {
    "cPickle": "pickle",
    "urllib2": "urllib.request",
    "urlparse": "urllib.parse",
    "ConfigParser": "configparser",
    "Queue": "queue",
    "StringIO": "io",
    "cStringIO": "io",
    "HTMLParser": "html.parser",
    "httplib": "http.client",
    "cookielib": "http.cookiejar",
    "SocketServer": "socketserver",
    "Tkinter": "tkinter",
    "__builtin__": "builtins",
}
_MODULE_NAMES = tuple(PYTHON3_HOME)
_MODULES = "|".join(sorted(PYTHON3_HOME, key=len, reverse=True))
_IMPORT = lazy(rf"[ \t]*(?:import[ \t]+(?P<imported>{_MODULES})\b|from[ \t]+(?P<source>{_MODULES})[ \t]+import\b)")
#: Literal-first finders (fast to scan for); each hit's line is then read whole with `_IMPORT`.
_IMPORT_FINDERS = (
    lazy(rf"import[ \t]+(?:{_MODULES})\b"),
    lazy(rf"from[ \t]+(?:{_MODULES})[ \t]+import\b"),
)
#: `print "x"`, `print x, y`, `print len(x)`, `print >>sys.stderr, x`: a statement, not the print() function.
#: A name must end the line or be followed by an operator, so prose ("print the value") does not match.
#: The pattern starts with its literal so the engine can skip ahead; `_starts_statement` checks the line start.
_PRINT = lazy(r"print(?:[ \t]*>>|[ \t]+(?:[urbURB]{0,2}[\"']|[A-Za-z_][\w.]*[ \t]*(?:$|[,%+\[(*/-])))", re.MULTILINE)
_XRANGE = lazy(r"xrange\(")
#: The module binding `xrange` itself: `from six.moves import xrange`, `xrange = range`, `def xrange(...)`.
_XRANGE_BOUND = lazy(
    r"^[ \t]*(?:from[ \t]+\S+[ \t]+import[ \t][^\n]*\bxrange\b|xrange[ \t]*=[^=]|def[ \t]+xrange\()", re.M
)
#: An enclosing line that makes the Python 2 code a guarded fallback or a version switch.
_GUARD = lazy(r"^\s*(?:try\s*:|except\b.*\b(?:ImportError|ModuleNotFoundError)|if\b.*(?:version_info|PY2|PY3))")


@rule(
    code="DEP017",
    slug="python2-only-code",
    title="Python-2-only modules or syntax introduced",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=10,
    remediation=(
        "Port to Python 3: `pickle`, `urllib.request`, `configparser`, `io.StringIO`, `print(...)`, "
        "`range`; declare `python_requires`."
    ),
    docs=Docs(
        what=(
            "Added code imports a module that exists only on Python 2 (cPickle, urllib2, ConfigParser, "
            "StringIO, Queue, httplib...), uses the print statement (`print x`) or `xrange(` (not one the module "
            "binds: `from six.moves import xrange`). Imports guarded "
            "by `try: ... except ImportError:` or a Python-version check are fallbacks, not debt; a print "
            "statement in a file that parses as Python 3 is text in a string; tests, fixtures, docs and "
            "vendored code are not read."
        ),
        why=(
            "Python 3 runtimes cannot run it: the script fails on import, usually on a machine or in a job "
            "where nobody is watching, and copy-pasted legacy code keeps the project tied to Python 2 idioms "
            "(Python 3 porting guide)."
        ),
        example="import urllib2\nfor i in xrange(3):\n    print 'retry', i",
        fix="import urllib.request\nfor i in range(3):\n    print('retry', i)",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE),
    # An import names its module and `xrange(` is literal; a print statement shows only `print`, since the
    # whitespace after it may be a tab, which no needle can hold (`print ` would miss `print\tx`).
    needles=("print", "xrange(", *_MODULE_NAMES),
)
def python2_only_code(view: FileView) -> Iterator[Hit]:
    if in_docs_folder(view.path):
        return
    for side in view.source_sides():
        yield from _imports(view, side)
        yield from _prints(view, side)
        yield from _xranges(view, side)


def _imports(view: FileView, side: SideView) -> Iterator[Hit]:
    seen: set[int] = set()
    for finder in _IMPORT_FINDERS:
        for m in side.search(finder):
            statement = _IMPORT.match(m.text)
            if m.index in seen or statement is None or _guarded(view, side, m):
                continue
            seen.add(m.index)
            module = statement.group("imported") or statement.group("source")
            yield side.hit(
                m,
                f"`{module}` exists only on Python 2; on Python 3 it is `{PYTHON3_HOME[module]}`",
                content=m.text.strip(),
            )


def _prints(view: FileView, side: SideView) -> Iterator[Hit]:
    prints = [m for m in side.search(_PRINT) if not m.text[: side.column(m)].strip() and not side.in_comment(m)]
    if prints and not (side.side is Side.ADDED and _parses_as_python3(view)):
        for m in prints:
            yield side.hit(m, "print statement: Python 3 needs `print(...)`", content=m.text.strip())


def _xranges(view: FileView, side: SideView) -> Iterator[Hit]:
    found = list(side.search(_XRANGE))
    if not found or _XRANGE_BOUND.search(side_text(view, side)):
        return  # none, or six's `xrange` or the module's own: it runs on Python 3
    for m in found:
        before = m.text[: side.column(m)]
        if before and (before[-1].isalnum() or before[-1] in "._"):
            continue  # np.xrange(, my_xrange(
        if not side.in_comment(m) and not _guarded(view, side, m):
            yield side.hit(m, "`xrange` exists only on Python 2; use `range`", content=m.text.strip())


def _guarded(view: FileView, side: SideView, m: Match) -> bool:
    """Inside `try:`/`except ImportError:`/`if sys.version_info...` (the nearest less indented line above)."""
    indent = len(m.text) - len(m.text.lstrip())
    if indent == 0:
        return False
    above = lines_before(view, side.side, m.number, 20) if view.kind is not Kind.NOTEBOOK else []
    k = block_opener(above, indent)
    return k is not None and _GUARD.match(above[k]) is not None


def _parses_as_python3(view: FileView) -> bool:
    """A post-change .py file that compiles on Python 3 holds no print statement outside its strings."""
    if view.kind is not Kind.PYTHON or view.text is None:
        return False
    return isinstance(parse_python(view.text), ast.Module)  # the file's one parse, shared with the other rules
