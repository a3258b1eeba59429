"""Tests switched off (CODE019): skipped, disabled, non-strict xfail, and focused tests that silence the rest."""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role, folders_up
from checks.registry import Docs, rule
from checks.rules.code_common import in_docstring, in_string, module_text, statement_key
from checks.rules.dependency_common import lines_before
from checks.satd import TAG_LINK
from checks.views import FileView, Match, SideView

#: Python: pytest marks, unittest decorators, a whole module marked with `pytestmark`, a module skipped at import
#: (`pytest.skip(..., allow_module_level=True)` at its top level), and a test that skips itself (`self.skipTest(...)`,
#: `pytest.skip(...)` within a function: counted only as the test's first statement, where nothing decides it).
PYTHON = lazy(
    r"pytest\.mark\.(?P<kind>skip|skipif|xfail)\b|@mark\.(?P<kind2>skip|skipif|xfail)\b|"
    r"@(?:unittest\.)?(?P<kind3>skip|skipIf|skipUnless)\(|(?m:^)pytest\.(?P<kind4>skip)\(|"
    r"(?P<itself>self\.skipTest|pytest\.skip)\("
)
#: PYTHON's mark words (skip..., xfail), for the rule prefilter.
_PYTHON_WORDS = ("skip", "xfail")
#: What every PYTHON match holds, and where it may sit from the match's start: `mark.` (after `pytest.` or `@`) or
#: `@skip`, `@unittest.skip`, `pytest.skip(` (at the start). Longer than the mark words alone, which `skip_layers`
#: and the like hold.
_PYTHON_LITERALS = ("mark.skip", "mark.xfail", "@skip", "@unittest.skip", "pytest.skip(", "self.skipTest(")
_PYTHON_OFFSETS = (0, len("@"), len("pytest."))
MODULE_MARK = lazy(r"^\s*pytestmark\s*=")
#: What stands before a mark given a name of its own (`mark_flaky = pytest.mark.xfail(...)`): what it switches off is
#: where it is applied.
_NAMED_MARK = lazy(r"[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*(?:pytest\.)?")
CALLED = lazy(r"@?[\w.]+\s*\(")
#: A block that runs only under a condition: the handler of a failed import, an `if` and its branches.
_CONDITION_OPENER = lazy(r"\s*(?:except\b[^:]*\b(?:ImportError|ModuleNotFoundError)\b|if\b|elif\b|else\s*:)")
#: How far up the block that holds a skip is looked for.
_BLOCK_LOOKBACK = 30
#: A function definition's first line, with its name.
_DEF = lazy(r"[ \t]*(?:async[ \t]+)?def[ \t]+(?P<name>\w+)")
#: How many lines a test's signature (and a one-line docstring) may take above its first statement.
_SIGNATURE_LINES = 8
#: JavaScript/TypeScript test runners (jest, mocha, jasmine, vitest): `.skip`, `x`-prefixed and focused tests.
JS = lazy(
    r"(?<![\w.$])(?:(?P<skipped>(?:describe|context|suite|it|test)\.skip|x(?:describe|context|it|test))|"
    r"(?P<focused>(?:describe|context|suite|it|test)\.only|f(?:describe|it)))\s*\("
)
#: JUnit 4/5 and Kotlin, xUnit/NUnit, Rust; each must start its line (checked per match).
ANNOTATED = lazy(r"@(?:Disabled|Ignore)\b|\[(?:Fact|Theory)\s*\(\s*Skip\s*=|\[Ignore\b|#\[ignore\b")
#: A skip reason that admits debt, rather than saying the test does not apply to this code.
DEBT_REASON = lazy(
    r"\b(?:yet|flak\w*|broken|breaks?|fail\w*|revisit\w*|todo|fixme|hack\w*|temporar\w*|for now|later|bugs?|buggy|"
    r"investigat\w*|hangs?|hanging|deadlock\w*|timeouts?|times? out|re-?enabl\w*|disabl\w*|until|wip|fix\w*|crash\w*|"
    r"regress\w*|segfault\w*|unstable|intermittent\w*|wrong|incorrect\w*|(?:is|are) down|unavailable|outage)\b",
    re.IGNORECASE,
)
_STRING = lazy(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'")
_JS_TEST_FILE = lazy(r"\.(?:test|spec)\.[cm]?[jt]sx?$|(?:^|/)(?:__tests__|tests?|spec)/[^/]*\.[cm]?[jt]sx?$")
_TRUE = {"True", "1"}


@rule(
    code="CODE019",
    slug="skipped-tests",
    title="Test skipped or disabled",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=15,
    remediation=(
        "Fix the test or the code it tests, or delete it. If it must wait, skip it with a reason that links an "
        "issue, and make known failures strict (`xfail(strict=True)`) so a fix is noticed."
    ),
    docs=Docs(
        what=(
            "A test the change switches off: `@pytest.mark.skip`, `skipif(True)`, `@unittest.skip`, `xfail` without "
            "`strict=True` (unless the project's pytest configuration sets `xfail_strict = true`), a test whose "
            "first statement skips it (`self.skipTest(...)`, `pytest.skip(...)`), "
            "`it.skip`/`xit`/`describe.skip`, JUnit `@Disabled`/`@Ignore`, xUnit `Skip =`, Rust "
            "`#[ignore]`. A skip counts when it gives no reason or its reason admits debt (flaky, broken, fails, "
            "not yet, later, revisit, bug...); a skip explaining that an inherited test does not apply ('does not "
            "support batched prompts') and conditional skips (`skipif(sys.platform == 'win32')`, "
            "`xfail(condition=...)`, a skip under `if ...:` or in the `except ImportError:` of an optional package) "
            "are not debt, nor is a helper returning a mark (`return pytest.mark.xfail(...)`: the tests it marks "
            "decide), a mark given a name that its test module never applies (its one use commented out) or a "
            "mark's object handed to a function (`helper(pytest.mark.skip(...).mark)`); an "
            "exception class where the condition goes (`xfail(ValueError)`) is always true. "
            "Medium for a whole module skipped (`pytestmark = pytest.mark.skip(...)`, or `pytest.skip(..., "
            "allow_module_level=True)` at its top level; whatever the reason) and for "
            "focused tests (`it.only`, `fit`), which silently skip every other test; info when the reason links "
            "an issue. Removing a mark pays its debt, unless the change comments the test out with it (the mark's "
            "line added again after a `#`): the test still does not run."
        ),
        why=(
            "A skipped test is test debt (Bavota & Russo's SATD taxonomy; Maldonado & Shihab): the behaviour it "
            "guarded is no longer checked and nobody is told. A non-strict xfail keeps passing unnoticed once the "
            "bug is fixed."
        ),
        example="@pytest.mark.skip(reason='flaky')\ndef test_training_converges(): ...",
        fix="@pytest.mark.xfail(strict=True, reason='diverges on fp16, see #231')\ndef test_training_converges(): ...",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK, Kind.C_LIKE},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.DOCS, Role.EXAMPLE),
    # What PYTHON, JS and ANNOTATED matches hold, as they spell it (a JS test name may be followed by spaces or a
    # line break before its `(`, so `xit` is all there is to look for). Python and notebooks read PYTHON only:
    # the JS words would let in every file with an `exit(` or a `.fit(`.
    needles=(
        *_PYTHON_WORDS,  # skip, skipif, skipIf, skipUnless, describe.skip...; xfail
        *("xdescribe", "xcontext", "xit", "xtest", "fdescribe", "fit", ".only"),
        *("@Disabled", "@Ignore", "[Ignore", "#[ignore", "Skip"),  # Skip: xUnit `[Fact(Skip = ...)]`
    ),
    needles_by_kind=dict.fromkeys((Kind.PYTHON, Kind.NOTEBOOK), _PYTHON_WORDS),
)
def skipped_tests(view: FileView) -> Iterator[Hit]:
    if view.kind is Kind.C_LIKE:
        yield from _c_like(view)
        return
    sides = view.source_sides()
    for side in sides:
        for m in side.search_near(PYTHON, _PYTHON_LITERALS, _PYTHON_OFFSETS):
            column = side.column(m)
            itself = bool(m.group("itself"))
            decorator_only = not m.group("kind")  # `@mark.skip`, `@skip(`: only as a decorator; `self.skipTest(`
            if decorator_only and m.text[:column].strip():
                continue
            if side.in_comment(m) or in_string(m.text, column) or in_docstring(view, side, m):
                continue
            if itself and not _opens_a_test(_lines_above(view, side, m), column):
                continue  # a skip further into a test, or in a helper: what runs before it decides it
            kind = m.group("kind") or m.group("kind2") or m.group("kind3") or m.group("kind4") or "skip"
            statement, end = side.statement(m.index)
            if statement.lstrip().startswith("return "):
                continue  # a helper that builds a mark (`return pytest.mark.xfail(...)`): the tests it marks decide
            if _applied_nowhere(view, side, m.text[:column]):
                continue  # a named mark that no code of its test module applies (its one use commented out)
            if side.side is Side.REMOVED and _commented_out_again(sides[0], m.text):
                continue  # the test commented out with its mark: it still does not run (and is CODE008's now)
            expression = statement[side.column(m) :].lstrip()
            if _MARK_OBJECT.match(expression):
                continue  # `helper(pytest.mark.skip(reason="flaky").mark)`: a mark's object handed on, no test skipped
            called = CALLED.match(expression) is not None
            call = _call(expression) if called else None
            if called and call is None:
                continue  # the call is not all in view: stay silent rather than guess its arguments
            module_wide = (MODULE_MARK.match(statement) is not None and kind == "skip") or bool(m.group("kind4"))
            strict_by_config = kind == "xfail" and _xfail_strict_by_config(view)
            severity = Severity.MEDIUM if module_wide else _python_severity(kind, call, strict_by_config)
            if severity is None or _in_conditional_block(view, side, m):
                continue
            what = "Known failure not strict" if kind == "xfail" else "Test skipped"
            reason = _reason(call, kind) if call is not None else ""
            # A skip is known by its reason: `unittest.skip(r)` rewritten as `pytest.mark.skip(reason=r)` nets out.
            content = f"skip: {reason}" if kind == "skip" and reason else statement_key(statement)
            yield side.hit(m, f"{what}: {statement.strip()[:100]}", content=content, end_line=end, severity=severity)


#: A mark's call whose `.mark` attribute is taken: the `Mark` object, a value for a function under test.
_MARK_OBJECT = lazy(r"[\w.]+\((?:[^()]|\([^()]*\))*\)\s*\.mark\b")


def _commented_out_again(added: SideView, line: str) -> bool:
    """Whether the change adds a removed mark's line again, commented out."""
    code = line.strip()
    text = added.lines.text
    return code in text and re.search(rf"^[ \t]*#[ \t]*{re.escape(code)}[ \t]*$", text, re.MULTILINE) is not None


def _applied_nowhere(view: FileView, side: SideView, before: str) -> bool:
    """Whether the mark's line gives it a name (not `pytestmark`; `before`: the line before the mark) in a test module
    whose code, known whole, never uses the name again: it marks no test. A conftest or helper module's marks are
    applied elsewhere, and still count."""
    named = _NAMED_MARK.fullmatch(before)
    if named is None or named[1] == "pytestmark" or not _is_test_module(view.path):
        return False
    text = module_text(view, side)
    if text is None:
        return False
    uses = re.compile(rf"(?<![\w.]){re.escape(named[1])}\b")
    return sum(len(uses.findall(line.split("#", 1)[0])) for line in text.splitlines() if named[1] in line) <= 1


def _is_test_module(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name.startswith("test_") or name.endswith("_test.py")


def _lines_above(view: FileView, side: SideView, m: Match) -> list[str]:
    """The lines just above the match's line, nearest last (a notebook's from its cell)."""
    if view.kind is Kind.NOTEBOOK:
        return side.lines_above(m.index, _BLOCK_LOOKBACK)
    return lines_before(view, side.side, m.number, _BLOCK_LOOKBACK)


def _opens_a_test(above: list[str], indent: int) -> bool:
    """Whether a statement at `indent` below the lines `above` is the first of a test function's body (after a
    one-line docstring): the nearest code lines above are a `def test...` signature, whole."""
    code = [line for line in reversed(above) if line.strip() and not line.lstrip().startswith("#")]
    if code and _is_docstring(code[0]):
        code = code[1:]
    for k, line in enumerate(code[:_SIGNATURE_LINES]):
        opener = _DEF.match(line)
        if opener is None:
            continue
        signature = textwrap.dedent("\n".join(reversed(code[: k + 1])))
        try:
            tree = ast.parse(signature + "\n    pass\n")
        except SyntaxError:
            return False  # not a signature alone (`def f():` then `if x:`)
        width = len(line) - len(line.lstrip())
        function = tree.body[0] if len(tree.body) == 1 else None
        whole = isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and len(function.body) == 1
        return whole and width < indent and opener.group("name").startswith("test")
    return False


def _is_docstring(line: str) -> bool:
    """A line that is a string literal alone (a one-line docstring)."""
    if line.lstrip()[:1] not in "\"'rRbBuU":
        return False
    try:
        body = ast.parse(line.strip()).body
    except SyntaxError:
        return False
    return len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)


def _in_conditional_block(view: FileView, side: SideView, m: Match) -> bool:
    """`except ImportError: pytestmark = pytest.mark.skip(...)`: a skip that holds only when an optional package is
    missing, or under an `if`, is conditional, as `skipif` is (the block that holds it opens the nearest less
    indented line above)."""
    indent = len(m.text) - len(m.text.lstrip())
    if indent == 0:
        return False
    above = _lines_above(view, side, m)
    for line in reversed(above):
        stripped = line.strip()
        width = len(line) - len(line.lstrip())
        if stripped and not stripped.startswith("#") and width < indent:
            if stripped.endswith(("(", "[", "{")):
                indent = width  # the call the mark is passed to (`request.applymarker(`): its block is further up
                continue
            return _CONDITION_OPENER.match(line) is not None
    return False


def _python_severity(kind: str, call: ast.Call | None, strict_by_default: bool = False) -> Severity | None:
    """Severity of a skip or xfail mark (`call` is None when it is not called), or None when it is
    conditional, a strict xfail (`strict_by_default`: the project's pytest configuration makes every xfail
    strict that does not say otherwise), or a skip saying the test does not apply."""
    if kind == "skip":
        return _skip_severity(_reason(call, kind) if call is not None else "")
    if kind in ("skipif", "skipIf", "skipUnless"):
        if call is None or not _constant_condition(call, truthy=kind != "skipUnless"):
            return None
    elif kind == "xfail":
        keywords = {k.arg: k.value for k in call.keywords} if call is not None else {}
        strict, run = keywords.get("strict"), keywords.get("run")
        never_run = isinstance(run, ast.Constant) and run.value is False
        strict_mark = strict_by_default if strict is None else isinstance(strict, ast.Constant) and strict.value is True
        condition = _condition(call) if call is not None else None
        conditional = condition is not None and not _always_true(condition)
        if not never_run and (strict_mark or conditional):
            return None  # strict, or only expected to fail under a condition
    reason = _reason(call, kind) if call is not None else ""
    return Severity.INFO if reason and TAG_LINK.search(reason) else Severity.LOW


#: pytest's configuration files, in the order it prefers them in one folder, with the section it reads in each.
_PYTEST_CONFIGS = (
    ("pytest.ini", ""),
    ("pyproject.toml", "[tool.pytest.ini_options]"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)
_XFAIL_STRICT = lazy(r"^[ \t]*xfail_strict[ \t]*=[ \t]*[\"']?(?:true|1|yes|on)\b", re.IGNORECASE | re.MULTILINE)


def _xfail_strict_by_config(view: FileView) -> bool:
    """Whether the pytest configuration nearest the test file (in its folder or above, as pytest finds its own)
    sets `xfail_strict = true`. False when no configuration is known (a review of the diff alone)."""
    for folder in folders_up(view.path):
        for name, section in _PYTEST_CONFIGS:
            text = view.snapshot.text(folder + name)
            if text is not None and section in text:
                return _XFAIL_STRICT.search(text) is not None
    return False


def _reason(call: ast.Call, kind: str) -> str | None:
    """The mark's reason: "" when none is given, None when it is computed (not known here)."""
    position = 0 if kind == "skip" else 1  # skipif, skipIf and xfail take their condition first
    node = next((k.value for k in call.keywords if k.arg in ("reason", "msg")), None)  # msg: older pytest.skip
    if node is None and len(call.args) > position:
        node = call.args[position]
    if node is None:
        return ""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _skip_severity(reason: str | None) -> Severity | None:
    """Unexplained skips and skips whose reason admits debt; a skip explaining that the test does not apply
    (an inherited test the model cannot run: "does not support batched prompts") is not debt."""
    if reason is None:
        return None
    if TAG_LINK.search(reason):
        return Severity.INFO
    if not reason.strip() or DEBT_REASON.search(reason):
        return Severity.LOW
    return None


def _call(expression: str) -> ast.Call | None:
    """The mark's call expression (`pytest.mark.xfail(strict=True)`), or None when it is not called."""
    expression = expression.lstrip()
    depth, end = 0, None
    for i, ch in enumerate(expression):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                end = i + 1
                break
        elif depth == 0 and not (ch.isalnum() or ch in "._@"):
            break
    if end is None:
        return None
    try:
        node = ast.parse(expression[:end].lstrip("@"), mode="eval").body
    except SyntaxError:
        return None
    return node if isinstance(node, ast.Call) else None


def _condition(call: ast.Call) -> ast.expr | None:
    """A mark's condition: its first argument, or `condition=`."""
    return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "condition"), None)


def _constant_condition(call: ast.Call, *, truthy: bool) -> bool:
    """True when the first argument (or `condition=`) is a literal that always skips."""
    condition = _condition(call)
    if not isinstance(condition, ast.Constant):
        return False
    return str(condition.value) in _TRUE if truthy else condition.value in (False, 0)


def _always_true(condition: ast.expr) -> bool:
    """A literal that is true, or an exception class given where the condition goes (`xfail(ValueError, ...)`:
    pytest reads the class as the condition, which is always true)."""
    if isinstance(condition, ast.Constant):
        return str(condition.value) in _TRUE
    name = condition.attr if isinstance(condition, ast.Attribute) else getattr(condition, "id", "")
    return name.endswith(("Error", "Exception", "Warning"))


def _c_like(view: FileView) -> Iterator[Hit]:
    js_tests = _JS_TEST_FILE.search(view.path) is not None
    for side in view.sides():
        if js_tests:
            for m in side.search(JS):
                if side.in_comment(m) or in_string(m.text, side.column(m)):
                    continue
                focused = bool(m.group("focused"))
                message = "Focused test silences the others" if focused else "Test skipped"
                yield _hit(side, m, message, Severity.MEDIUM if focused else Severity.LOW)
        for m in side.search(ANNOTATED):
            if m.text[: side.column(m)].strip():
                continue
            strings = _STRING.search(m.text[side.column(m) :])
            severity = _skip_severity(next((g for g in strings.groups() if g is not None), "") if strings else "")
            if severity is not None:
                yield _hit(side, m, "Test disabled", severity)


def _hit(side: SideView, m: Match, message: str, severity: Severity) -> Hit:
    statement = m.text.strip()
    return side.hit(m, f"{message}: {statement[:100]}", content=statement_key(statement), severity=severity)
