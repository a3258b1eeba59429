"""Waivers that are idioms, not debt: the code says something a linter's waiver is the only way to say.

A re-export in `__init__.py`, a probe for an optional package, a module imported for what it registers, a line long
only for its URL; and a waiver removed from the code that the lint configuration took over. Each predicate reads a
directive by its name (`noqa`, `pylint: disable`) and the checks it names (None: it names none, and silences all).
"""

from __future__ import annotations

import posixpath
import re
from itertools import chain

from checks.lazyre import lazy
from checks.paths import Kind
from checks.rules.code_common import DEF, module_text, only_imports
from checks.rules.dependency_common import block_opener, bracket_opened, lines_after, lines_before
from checks.rules.lint_ignores import ALL_MYPY_CODES, covers, excluded, ignored_codes, mypy_disabled
from checks.views import FileView, Match, SideView

#: What an import that re-exports names draws: unused import, star import (flake8/ruff codes, pylint names and ids),
#: and the import forms Google's pylint style forbids, which a module of public names re-exported one by one breaks
#: on every line (`g-importing-member`, `g-multiple-import`, `g-bad-import-order`).
_RE_EXPORT_CODES = frozenset(
    {"f401", "f403", "unused-import", "wildcard-import", "unused-wildcard-import", "w0611", "w0401", "w0614"}
    | {"g-importing-member", "g-multiple-import", "g-bad-import-order"}
)
#: An import statement's first line.
_IMPORT_LINE = lazy(r"[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import\b")


def re_export(view: FileView, side: SideView, m: Match, name: str, named: frozenset[str] | None) -> bool:
    """A noqa naming only what an import that re-exports names draws (unused import, star import), on an import; or a
    pylint disable naming only those, on an import or over the module's imports. A bare noqa on a `from` import says
    the same where the module re-exports (`re_exporting`: a star import from `.textdet` waived whole in a package's
    `__init__.py`, as openmmlab's packages write it; a shim of imports alone); not on `import torch`, which a package
    imports to use."""
    if name == "noqa" and named is None:
        return m.text.lstrip().startswith("from ") and on_import(view, side, m)
    if not (named or frozenset({"all"})) <= _RE_EXPORT_CODES and not _re_export_placed_late(view, name, named):
        return False
    if name == "noqa":
        return on_import(view, side, m)
    return name in ("pylint: disable", "file-wide noqa")  # over the module's imports, or a file-wide one naming F401


def _re_export_placed_late(view: FileView, name: str, named: frozenset[str] | None) -> bool:
    """A noqa naming an unused or star import and E402 in a package's `__init__.py` (`from .float8 import (  # noqa:
    F401, E402` below the base class its submodules import): the re-export placed after what it needs, as it must."""
    if name != "noqa" or not named or not named & _RE_EXPORT_CODES or not named <= _RE_EXPORT_CODES | {"e402"}:
        return False
    return view.path.rpartition("/")[2] == "__init__.py"


#: A line of a bracketed import's names: `    Name,`, `    Name as Alias, Other,` or the last, `    Name)`, or its
#: closing bracket alone, a comment after it or not.
_NAME = r"[A-Za-z_]\w*(?:[ \t]+as[ \t]+\w+)?"
_IMPORTED_NAMES = lazy(rf"(?:[ \t]+{_NAME}(?:[ \t]*,[ \t]*{_NAME})*[ \t]*,?[ \t]*\)?|[ \t]*\))[ \t]*(?:#|$)")
#: How far above a name of a bracketed import the line opening it is looked for.
_IMPORT_LOOKBACK = 200


def on_import(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the match's line imports: an import statement's first line, or names in the brackets of one
    (`from ._ebm import (` above `    ExplainableBoostingClassifier,  # noqa: F401`, or above the line that closes
    them, `    QuadratureRBFUniformMeasure)  # noqa: F401` or `)  # noqa: F401`), or after its backslash."""
    if _IMPORT_LINE.match(m.text) is not None:
        return True
    if _IMPORTED_NAMES.match(m.text) is None or view.kind is Kind.NOTEBOOK:
        return False
    for line in reversed(lines_before(view, side.side, m.number, _IMPORT_LOOKBACK)):
        code = line.split("#", 1)[0]
        if _IMPORT_LINE.match(line) is not None:
            # It opens brackets it does not close, or goes on past a backslash (`from x import \` over `    a as b`).
            return code.count("(") > code.count(")") or code.rstrip().endswith("\\")
        if ")" in code:
            return False  # brackets closed above the line: it is in none
        if _IMPORTED_NAMES.match(line) is None and line.strip() and not line.lstrip().startswith("#"):
            return False
    return False


def moved_to_configuration(view: FileView, side: SideView, m: Match, name: str, named: frozenset[str] | None) -> bool:
    """Whether a noqa's checks are all off for its file in the lint configuration at the head of the change (ruff's
    or flake8's per-file-ignores): one removed from the code is then no debt paid. A bare one names no check: it
    moved when an entry names the file itself, or, on an import, when unused imports are off for the file. So with
    a pylint disable whose checks ruff reimplements, and a type waiver whose codes mypy's settings turn off."""
    if name == "type: ignore":
        return view.kind is Kind.PYTHON and _off_for_mypy(view, named)
    pylint = name == "pylint: disable"
    if name not in ("noqa", "file-wide noqa") and not (pylint and named):
        return False
    if excluded(view.snapshot, view.path):
        return True  # the file left out of linting altogether: every check is off for it
    ignored = ignored_codes(view.snapshot, view.path)
    if not ignored:
        return False  # most files: no configuration turns anything off for them
    if pylint and named:
        # A pylint check that ruff reimplements, off in ruff's configuration (`PLC0415` for import-outside-toplevel).
        twins = [_ruff_twins(code) for code in named]
        return all(twins) and all(any(covers(ignored, twin) for twin in codes) for codes in twins)
    if named is not None:
        return all(covers(ignored, code.upper()) for code in named)
    if ignored_codes(view.snapshot, view.path, named_alone=True):
        return True
    return covers(ignored, "F401") and on_import(view, side, m)


def _off_for_mypy(view: FileView, named: frozenset[str] | None) -> bool:
    """Whether mypy's configuration at the head of the change turns off every code a `# type: ignore[...]` names
    for its module (all of them, for a bare one): vLLM's tests, their `arg-type` waivers deleted while an override
    for `tests.*` disables that code."""
    disabled = mypy_disabled(view.snapshot, view.path)
    if not disabled:
        return False
    return ALL_MYPY_CODES in disabled or (named is not None and named <= disabled)


#: Pylint's checks by name that ruff reimplements, with the codes ruff gives them (its pylint port keeps pylint's
#: message ids behind `PL`; pyflakes and others cover some first).
_PYLINT_IN_RUFF = {
    "import-outside-toplevel": ("PLC0415",),
    "consider-using-from-import": ("PLR0402",),
    "global-statement": ("PLW0603",),
    "global-variable-not-assigned": ("PLW0602",),
    "self-assigning-variable": ("PLW0127",),
    "redefined-outer-name": ("PLW0621",),
    "redefined-argument-from-local": ("PLR1704",),
    "redefined-loop-name": ("PLW2901",),
    "too-many-arguments": ("PLR0913",),
    "too-many-positional-arguments": ("PLR0917",),
    "too-many-branches": ("PLR0912",),
    "too-many-statements": ("PLR0915",),
    "too-many-return-statements": ("PLR0911",),
    "too-many-locals": ("PLR0914",),
    "too-many-public-methods": ("PLR0904",),
    "too-many-nested-blocks": ("PLR1702",),
    "too-many-boolean-expressions": ("PLR0916",),
    "magic-value-comparison": ("PLR2004",),
    "unspecified-encoding": ("PLW1514",),
    "useless-return": ("PLR1711",),
    "unnecessary-lambda": ("PLW0108",),
    "unused-variable": ("F841",),
    "unused-import": ("F401",),
    "wildcard-import": ("F403",),
    "undefined-variable": ("F821",),
    "line-too-long": ("E501",),
    "bare-except": ("E722",),
    "unused-argument": ("ARG001", "ARG002"),
    "dangerous-default-value": ("B006",),
    "cell-var-from-loop": ("B023",),
    "protected-access": ("SLF001",),
    "broad-except": ("BLE001",),
    "broad-exception-caught": ("BLE001",),
    "raise-missing-from": ("B904",),
    "no-else-return": ("RET505",),
    "logging-fstring-interpolation": ("G004",),
}
_PYLINT_ID = lazy(r"[cerwf]\d{4}")


def _ruff_twins(code: str) -> tuple[str, ...]:
    """The ruff codes of a pylint check named in a disable (`C0415` or `import-outside-toplevel`), or none."""
    if _PYLINT_ID.fullmatch(code):
        return ("PL" + code.upper(),)
    return _PYLINT_IN_RUFF.get(code, ())


#: A URL, up to a blank, quote, bracket or the end of its line.
_URL = lazy(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>`)\]]+", re.IGNORECASE)
#: What may follow a URL that ends its line: closing quotes and brackets, a reST link's end, punctuation.
_URL_CLOSERS = lazy(r"[\s'\"<>`)\]_.,;:]*")
#: The checks a line-length waiver names: pycodestyle's and pylint's.
_LINE_LENGTH_CODES = frozenset({"e501", "w505", "line-too-long", "c0301"})
#: The line length past which pycodestyle reports a line by default.
_SHORT_LINE = 79


#: A line that is one string piece alone (with the comma or bracket that may close it), and one that ends with one.
_STRING_PIECE = lazy(r"[ \t]*[rRbBuU]?(['\"])[^'\"]*\1[ \t]*[,)\]]*[ \t]*")
_ENDS_WITH_URL_PIECE = lazy(r"[rRbBuU]?(['\"])[^'\"]*://[^'\"\s]*\1[ \t]*$")


def waives_a_long_url(
    view: FileView, side: SideView, m: Match, name: str, *, named: frozenset[str] | None, before: str
) -> bool:
    """A bare or line-length noqa on a line that ends with a URL and is long only for it (a checkpoint's address in a
    config, a docstring's credit), on the string piece that goes on with a URL the line above starts, on the rest of a
    URL the line above cuts at its end, or on the
    quotes closing a docstring whose long lines are all such (flake8 reads that noqa for every line of the string):
    a URL is not wrapped, so the waiver hides nothing a person could fix."""
    if name != "noqa" or not (named or frozenset({"e501"})) <= _LINE_LENGTH_CODES:
        return False
    if _STRING_PIECE.fullmatch(before):
        above = lines_before(view, side.side, m.number, 1)
        if above and _ENDS_WITH_URL_PIECE.search(above[0]):
            return True  # `'https://host/ckpt/'`, then the waived `'model-20230130.pth'`: one URL in two pieces
    if _url_piece(before):
        # A docstring's or a comment's URL cut at a line's end, its rest waived a line or more below.
        for line in reversed(lines_before(view, side.side, m.number, _URL_PIECES)):
            if _ends_with_url(line):
                return True
            if not _url_piece(line):
                break
    if before.strip() in ('"""', "'''"):
        opened = string_opened_above(view, side, m, before.strip())
        string = opened[0][opened[1] :] if opened else []
        long = [line for line in string if len(line.rstrip()) > _SHORT_LINE]
        return bool(long) and all(map(_long_only_for_url, long))
    return _long_only_for_url(before)


#: An import whose first line is the module's dotted path and little more: `from a.b.c.d import (`, `from a.b.c
#: import Name`, `import a.b.c.d as d`.
_PATH_IMPORT = lazy(
    r"[ \t]*(?:from[ \t]+(?P<from>[\w.]+)[ \t]+import[ \t]*(?:\(|\w+(?:[ \t]+as[ \t]+\w+)?)?"
    r"|import[ \t]+(?P<module>[\w.]+)(?:[ \t]+as[ \t]+\w+)?)[ \t]*"
)
#: What an import's first line may hold besides the module's path and its indent: its keywords, one short name.
_BESIDES_THE_PATH = 24


def waives_a_long_module_path(m: Match, name: str, named: frozenset[str] | None, before: str) -> bool:
    """A bare or line-length noqa on an import's first line that is long for the module's dotted path
    (`from autosklearn.pipeline.components.data_preprocessing.rescaling.abstract_rescaling import (`): no formatter
    breaks a dotted name, so there is nothing to wrap, as with a URL. The line as written runs past pycodestyle's
    default (the waiver may be what makes it so); a short one's noqa is about something else."""
    if name != "noqa" or not (named or frozenset({"e501"})) <= _LINE_LENGTH_CODES or len(m.text) <= _SHORT_LINE:
        return False
    found = _PATH_IMPORT.fullmatch(before.rstrip())
    if found is None:
        return False
    path = found.group("from") or found.group("module")
    return "." in path and len(before.strip()) - len(path) <= _BESIDES_THE_PATH  # the indent aside: a function's import


def _long_only_for_url(line: str) -> bool:
    """Whether the line ends with a URL and is short without its URLs: a waiver there is for the URL, which is not
    wrapped, whether or not the line is long yet (the noqa itself may be what makes it so)."""
    line = line.rstrip()
    urls = list(_URL.finditer(line))
    return (
        bool(urls)
        and _URL_CLOSERS.fullmatch(line, urls[-1].end()) is not None
        and len(_URL.sub("", line)) <= _SHORT_LINE
    )


#: How many lines a URL cut at their ends may run over.
_URL_PIECES = 4


#: A statement of one word (`try:`, `except:`, `sys.stdout.fileno()`): code, where a URL's rest would be text.
_ONE_WORD_STATEMENT = lazy(r"(?:try|else|finally|except|pass|break|continue|return)\b:?|[\w.]+\([^/]*\)")


def _url_piece(line: str) -> bool:
    """Whether the line is one word alone (after a comment's mark), not quotes or brackets: a piece of a URL cut over
    lines."""
    words = line.strip().lstrip("#").split()
    return (
        len(words) == 1
        and words[0][0] not in "\"')]}"
        and any(c.isalnum() for c in words[0])
        and not _ONE_WORD_STATEMENT.fullmatch(words[0])
    )


def _ends_with_url(line: str) -> bool:
    """Whether a URL runs up to the line's very end (the rest of it may go on on the next line)."""
    line = line.rstrip()
    return any(url.end() == len(line) for url in _URL.finditer(line))


#: How far above its closing quotes a docstring's opening ones are looked for.
DOCSTRING_LOOKBACK = 400


def string_opened_above(view: FileView, side: SideView, m: Match, quotes: str) -> tuple[list[str], int] | None:
    """For closing `quotes` on the match's line: the lines above it (nearest last) and the index among them of the
    line holding the opening quotes; None when those are not in sight."""
    above = lines_before(view, side.side, m.number, DOCSTRING_LOOKBACK)
    opening = next((k for k in range(len(above) - 1, -1, -1) if quotes in above[k]), None)
    return None if opening is None else (above, opening)


#: A plain import of one dotted module, nothing bound under another name: `import mmseg.datasets`.
_PLAIN_IMPORT = lazy(r"[ \t]*import[ \t]+([A-Za-z_][\w.]*)[ \t]*(?:#|$)")
#: `from . import handlers`, `from pkg.providers.anthropic import handlers`: one name from a package, which may be a
#: module of it.
_FROM_IMPORT_ONE = lazy(r"[ \t]*from[ \t]+(\.*)([A-Za-z_][\w.]*)?[ \t]+import[ \t]+([A-Za-z_]\w*)[ \t]*(?:#|$)")


#: scikit-learn's experimental features, switched on by importing a module whose name is never used
#: (`from sklearn.experimental import enable_halving_search_cv`, waived as scikit-learn's documentation does).
_SKLEARN_ENABLER = lazy(
    r"[ \t]*from[ \t]+sklearn\.experimental[ \t]+import[ \t]+enable_\w+(?:[ \t]*,[ \t]*enable_\w+)*[ \t]*#"
)


def imports_for_effect(view: FileView, line: str, name: str, named: frozenset[str] | None) -> bool:
    """An unused-import waiver on an import made for what it does when imported, which an unused import is the only
    way to say: `import <package>.<module>` of the file's own package (it registers its classes), or, naming F401,
    of another package of the repository (a test importing `rl_zoo3.import_envs` to register its environments;
    known with the tree), or bare in the package's `__init__.py` (fairseq's `import fairseq.criterions  # noqa`); or
    scikit-learn's experimental switch, bare too (as its documentation writes it)."""
    if name != "noqa" or (named is not None and not named <= _RE_EXPORT_CODES):
        return False
    if _SKLEARN_ENABLER.match(line):
        return True
    path = view.path
    if named is None and path.rpartition("/")[2] != "__init__.py":
        return False
    if named is not None and _imports_a_module_of_the_repository(view, line):
        return True
    imported = _PLAIN_IMPORT.match(line)
    if imported is None or "." not in imported.group(1):
        return False
    top = imported.group(1).partition(".")[0]
    parts = path.split("/")
    package = parts[1] if parts[0] == "src" and len(parts) > 2 else parts[0]
    if len(parts) > 1 and top == package:
        return True
    snapshot = view.snapshot
    return named is not None and any(snapshot.exists(f"{root}{top}/__init__.py") for root in ("", "src/"))


def _imports_a_module_of_the_repository(view: FileView, line: str) -> bool:
    """Whether the line imports one name from a package of the repository and that name is a module of it
    (`from instructor.v2.providers.anthropic import handlers`, `from . import handlers`: imported so its decorators
    register the handlers), known with the tree."""
    found = _FROM_IMPORT_ONE.match(line)
    if found is None or view.snapshot.tree is None:
        return False
    dots, package, name = found.groups()
    inside = (package or "").split(".") if package else []
    if dots:
        folder = posixpath.dirname(view.path)
        for _ in range(len(dots) - 1):  # `..`: the package above
            folder = posixpath.dirname(folder)
        bases = [posixpath.join(folder, *inside)]
    elif package:
        bases = [posixpath.join(root, *inside) for root in ("", "src")]
    else:
        return False
    modules = (posixpath.join(base, name + ".py") for base in bases)
    packages = (posixpath.join(base, name, "__init__.py") for base in bases)
    return any(view.snapshot.exists(path) for path in chain(modules, packages))


#: pylint's check of a string statement that does nothing.
_POINTLESS_STRING = frozenset({"w0105", "pointless-string-statement"})
#: A one-line string statement (the code before a waiver), and an assignment line (`NAME = ...`, `x: int = ...`).
_STRING_STATEMENT = lazy(r"[ \t]*[rRuU]?(?:\"\"\"[^\n]*\"\"\"|'\'\'[^\n]*'\'\'|\"[^\"\n]*\"|'[^'\n]*')[ \t]*")
_ASSIGNMENT = lazy(r"[ \t]*[A-Za-z_][\w.]*[ \t]*(?::[^=\n]+)?=[^=]")
#: A class statement: a stand-in class (`class ModelMixin:`) where the package's is missing.
_CLASS = lazy(r"[ \t]*class[ \t]+\w")


def documents_an_attribute(view: FileView, side: SideView, m: Match, name: str, named: frozenset[str] | None) -> bool:
    """A `pointless-string-statement` waiver on a one-line string right under an assignment: a PEP 257 attribute
    docstring (a string under `RESULTS = "results.csv"` that names the file), which pylint never reports, so the
    waiver silences nothing and there is nothing to fix."""
    if name != "pylint: disable" or not named or not named <= _POINTLESS_STRING:
        return False
    code = m.text[: m.text.find("#")] if "#" in m.text else m.text
    if _STRING_STATEMENT.fullmatch(code.rstrip()) is None:
        return False
    above = [line for line in lines_before(view, side.side, m.number, 3) if line.strip()]
    return bool(above) and _ASSIGNMENT.match(above[-1]) is not None


#: A `try:` alone on its line.
_TRY = lazy(r"[ \t]*try[ \t]*:[ \t]*(?:#|$)")
#: A handler that catches a failed import: ImportError or its subclass named, a broader class, or a bare `except:`.
_IMPORT_HANDLER = lazy(
    r"[ \t]*except\b(?:[^:\n]*\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b|[ \t]*:)"
)
#: How far above an import its `try:` is looked for.
_TRY_LOOKBACK = 40
#: How far below it the handler: past the rest of the `try:`, which may define what needs the package (gpytorch's
#: KeOps kernels are classes defined under `try: import pykeops`).
_HANDLER_LOOKAHEAD = 400


def types_a_kernel_buffer(view: FileView, side: SideView, m: Match, name: str, named: frozenset[str] | None) -> bool:
    """A type checker's waiver (bare, or naming only what it says of an annotation that is no type) on a parameter or
    name annotated with a call (`Q: T.Tensor([B, S, H], dtype),  # type: ignore`): how kernel DSLs (TileLang,
    TVMScript) type their buffers, which no type checker accepts as a type and nothing on the line can fix. In a def's
    parameters, a class's body or at the top of a module: a dict's entry (`k: torch.stack(x)`) annotates nothing."""
    if name == "type: ignore":
        allowed = _INVALID_TYPE_CODES
    elif name == "pyright: ignore":
        allowed = _PYRIGHT_INVALID_TYPE_CODES
    else:
        return False
    if (named is not None and not named <= allowed) or _CALL_ANNOTATION.match(m.text) is None:
        return False
    above = lines_before(view, side.side, m.number, _SIGNATURE_LOOKBACK)
    k = block_opener(above, len(m.text) - len(m.text.lstrip()))
    return k is None or DEF.match(above[k]) is not None or _CLASS.match(above[k]) is not None


#: How far above a parameter the def opening its signature is looked for (a kernel's dozens of buffers).
_SIGNATURE_LOOKBACK = 40
#: What mypy says of an annotation that is a call: valid-type (and misc, its older code for it).
_INVALID_TYPE_CODES = frozenset({"valid-type", "misc"})
_PYRIGHT_INVALID_TYPE_CODES = frozenset({"reportinvalidtypeform", "reportgeneraltypeissues"})
#: A name annotated with a dotted call (`Q: T.Tensor(`, `A: T.Buffer(`), in a subscript too (`x: Optional[M.union()]`),
#: not a block's keyword (`else: f(x)`).
_CALL_ANNOTATION = lazy(
    r"[ \t]*(?!(?:else|try|finally|lambda)\b)[A-Za-z_]\w*[ \t]*:[ \t]*[\w.\[, |]*?[A-Za-z_]\w*(?:\.\w+)+[ \t]*\("
)


def probes_installed(view: FileView, side: SideView, m: Match, name: str, named: frozenset[str] | None) -> bool:
    """A noqa, bare or naming only an unused import's checks, on an import in a `try:` whose handler catches its
    failure: the import looks for an optional package (`import pykeops  # noqa` before `except ImportError:`), and
    what it binds is not meant to be used."""
    if name != "noqa" or not (named or frozenset({"f401"})) <= _RE_EXPORT_CODES:
        return False
    return _tried_import(view, side, m, handler_too=False)


#: The checks of where an import stands: pycodestyle's E402, pylint's wrong-import-position (C0413), ungrouped-imports
#: (C0412) and import-outside-toplevel (C0415), Google's g-import-not-at-top.
_POSITION_CODES = frozenset(
    {
        "e402", "c0413", "wrong-import-position", "c0412", "ungrouped-imports", "g-import-not-at-top",
        "c0415", "import-outside-toplevel",
    }
)  # fmt: skip


#: The checks of whether an import resolves: mypy's import codes, pyright's reports of a missing module or stubs,
#: pytype's import-error, pyrefly's missing-import, ty's unresolved-import.
_RESOLUTION_CODES = frozenset(
    {
        "import",
        "import-not-found",
        "import-untyped",
        "import-error",
        "reportmissingimports",
        "reportmissingmodulesource",
        "missing-import",
        "unresolved-import",
    }
)
#: pylint's checks of whether an import resolves: import-error (E0401), no-name-in-module (E0611).
_PYLINT_RESOLUTION_CODES = frozenset({"e0401", "import-error", "e0611", "no-name-in-module"})
#: What a type checker says of a fallback import under `except ImportError:`, the name bound again (mypy's no-redef);
#: and mypy's `unused-ignore`, which names no check but keeps the waiver quiet where the package is installed.
_FALLBACK_TYPE_CODES = _RESOLUTION_CODES | {"no-redef", "unused-ignore"}


def falls_back(view: FileView, side: SideView, m: Match, name: str, named: frozenset[str] | None) -> bool:
    """A waiver naming only where an import stands, or (a type checker's) only whether it resolves, on an import in a
    `try:` whose handler catches its failure or in that handler: an import with a fallback (`from jax.extend import
    linear_util` under `try:`, `from jax import linear_util` under `except ImportError:`), or of an optional package
    the checker may not find (`import brax.envs  # type: ignore[import-not-found]`), is written so by necessity, and
    nothing is there to fix."""
    if name == "noqa":
        allowed = _POSITION_CODES
    elif name == "pylint: disable":
        allowed = _POSITION_CODES | _PYLINT_RESOLUTION_CODES
    elif name in ("type: ignore", "pyright: ignore", "pytype: disable", "pyrefly: ignore", "ty: ignore"):
        # On `from x import Name`, mypy says a name it cannot find there with `attr-defined`.
        allowed = _FALLBACK_TYPE_CODES | ({"attr-defined"} if m.text.lstrip().startswith("from ") else set())
        if named is None:  # bare: on an import, a type checker has only its resolving and its stubs to report
            return _IMPORT_LINE.match(m.text) is not None and _tried_import(view, side, m, handler_too=True)
    elif name == "pyre-fixme":
        allowed = _PYRE_IMPORT_CODES
    else:
        return False
    if name == "type: ignore" and named and named <= _FALLBACK_BINDING_CODES and _binds_a_fallback(view, side, m):
        return True
    if not named or not named <= allowed:
        return False
    if _tried_import(view, side, m, handler_too=True):
        return True
    if name in _OWN_LINE_ABOVE and m.text.lstrip().startswith("#") and view.kind is not Kind.NOTEBOOK:
        # Alone on its line, pylint's disable holds from there on, and Pyre's for the next line: the import below it.
        below = lines_after(view, side.side, m.number, 1)
        if below and _tried_import_at(view, side, below[0], m.number + 1, handler_too=True):
            return True
    # An import under a branch on a package's version (`if version1_gte_version2(tf.__version__, "2.13.0"):`): one of
    # the branches' imports cannot resolve where the other runs.
    resolves = not named <= _POSITION_CODES
    return resolves and _IMPORT_LINE.match(m.text) is not None and _in_environment_branch(view, side, m)


#: Pyre's code for an import it cannot resolve (21, Undefined import).
_PYRE_IMPORT_CODES = frozenset({"21"})
#: Waivers that, alone on their line, are about the code below them.
_OWN_LINE_ABOVE = frozenset({"pylint: disable", "pyre-fixme"})
#: What mypy says of a name an ImportError handler binds again to a stand-in (`x = None`): the types differ.
_FALLBACK_BINDING_CODES = frozenset({"assignment", "misc", "no-redef"})


def _binds_a_fallback(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the match's line binds a name in a handler of a failed import (`except ImportError: lib = None`): the
    stand-in for an optional package's name, which mypy types apart from what the import would have bound."""
    if (_ASSIGNMENT.match(m.text) is None and _CLASS.match(m.text) is None) or view.kind is Kind.NOTEBOOK:
        return False
    above = lines_before(view, side.side, m.number, _TRY_LOOKBACK)
    k = block_opener(above, len(m.text) - len(m.text.lstrip()))
    if k is None:
        return False
    opener = above[k]
    if _IMPORT_HANDLER.match(opener) is not None:
        return True
    # `if TYPE_CHECKING or _serial_available: import serial` / `else: serial = None`: the branch without the package.
    indent = len(opener) - len(opener.lstrip())
    return _ELSE.match(opener) is not None and _ends_environment_branch(above[:k], indent)


def _in_environment_branch(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the match's line is in a block of a branch on the environment, or of its `else:`."""
    above = lines_before(view, side.side, m.number, _IF_LOOKBACK)
    k = block_opener(above, len(m.text) - len(m.text.lstrip()))
    if k is None:
        return False
    opener = above[k]
    if _ENVIRONMENT_BRANCH.match(opener) is not None:
        return True
    return _ELSE.match(opener) is not None and _ends_environment_branch(above[:k], len(opener) - len(opener.lstrip()))


#: A handler of a package that is missing, or of its version's metadata (`importlib.metadata`'s PackageNotFoundError).
_MISSING_PACKAGE_HANDLER = lazy(r"[ \t]*except\b[^:\n]*\b(?:ImportError|ModuleNotFoundError|PackageNotFoundError)\b")
#: How far below a `try:` or a handler their first statement is looked for.
_BODY_LOOKAHEAD = 8


def probes_environment(view: FileView, side: SideView, m: Match, name: str) -> bool:
    """A coverage waiver on a probe of what is installed or runs the code: on a `try:` whose first statement imports
    and whose handler catches the import's failure (`try:  # pragma: no cover` over `import blis`), on a handler of a
    missing package (`except PackageNotFoundError:  # pragma: no cover`), on any handler whose first statement imports
    another way (`except AttributeError:  # pragma: no cover` over the module's other location), on a broad handler
    that falls back (`except:` over `return False`) of a `try` that starts with an import, on the def of a function
    that is such a probe (`def is_numba_available():`), or on a branch on the interpreter's or a package's version,
    the platform, or a package found (`if sys.version_info >= (3, 10):`, `if transformers.__version__ < "5.0.0":`, or
    their `else:`). Which branch runs follows the environment: one test run cannot cover both, and no test is
    missing."""
    if name != "pragma: no cover" or view.kind is Kind.NOTEBOOK:
        return False
    line = m.text
    if line.lstrip().startswith(")"):
        line = _clause_closed(view, side, m)  # `) as exc:`, closing `except (` over several lines: the whole clause
    if _MISSING_PACKAGE_HANDLER.match(line) is not None or _ENVIRONMENT_BRANCH.match(line) is not None:
        return True
    if _ELSE.match(line) is not None:
        return _else_of_environment_branch(view, side, m)
    opens_try, handles, defines = _TRY.match(line), _HANDLER.match(line), DEF.match(line)
    if opens_try is None and handles is None and defines is None:
        return False
    # The first statements below, past a one-line docstring (`def is_numba_available():` over `"""Check ..."""`)
    body = [
        text
        for text in lines_after(view, side.side, m.number, _BODY_LOOKAHEAD)
        if _code(text) and _STRING_STATEMENT.fullmatch(text.rstrip()) is None
    ][:3]
    indent = len(line) - len(line.lstrip())
    logged = handles is not None and len(body) > 1 and _logs_then_goes_on(body, indent)
    if logged:
        body = body[1:]  # `log.debug("kernels unavailable: %s", exc)` said first: the fallback is still what it does
    first, second = (*body, "", "")[:2]
    if opens_try is not None:
        return _PROBE.match(first) is not None and _catches_import(view, side, m.number, indent)
    if handles is not None:
        if not logged and (_IMPORT_LINE.match(first) is not None or _TRY.match(first) is not None):
            return True  # the module's other location, or another probe
        # A broad handler (`except:`, `except Exception:`) that falls back, or says what to install, of a `try` that
        # starts by importing.
        falls_back = any(p.match(first) is not None for p in (_RETURNS_OR_PASSES, _ASSIGNMENT, _RAISES_MISSING))
        falls_back = falls_back and _IMPORT_HANDLER.match(line) is not None
        return falls_back and _PROBE.match(_first_tried(view, side, m.number, indent)) is not None
    # `def is_numba_available():  # pragma: no cover` over `try:` / `import numba`, or `return find_spec(...)`
    tries = _TRY.match(first) is not None and _PROBE.match(second) is not None
    return tries or _RETURNS_PROBE.match(first) is not None


def _logs_then_goes_on(body: list[str], indent: int) -> bool:
    """Whether a handler's first statement, a log or warning call on its line, is followed by another of its block."""
    first, then = body[0], body[1]
    logs = _LOGS.match(first) is not None and first.count("(") == first.count(")")
    return logs and len(then) - len(then.lstrip()) > indent


def _clause_closed(view: FileView, side: SideView, m: Match) -> str:
    """The clause whose bracket the match's line closes (`except (` ... `) as exc:`), joined on one line from the line
    that opens it, no more indented; the match's line alone when the lines above do not show that opening."""
    opened = bracket_opened(view, side.side, m.number, m.text, _IF_LOOKBACK)
    if opened is None:
        return m.text
    return " ".join([opened[0].rstrip(), *(line.strip() for line in opened[1:]), m.text.strip()])  # its indent kept


#: A call that asks whether a package is installed: `find_spec(...)`, its metadata's version, an availability check.
_PROBE_CALL = r"\b(?:find_spec|(?:importlib_)?metadata\.version|get_distribution|is_\w+_available)\("
#: A statement that asks it: an import, or such a call.
_PROBE = lazy(rf"[ \t]*(?:(?:from[ \t]+[\w.]+[ \t]+)?import\b|[^\n#]*{_PROBE_CALL})")
#: A handler's fallback besides a binding (`_ASSIGNMENT`): a value returned in the import's stead, or nothing done.
_RETURNS_OR_PASSES = lazy(r"[ \t]*(?:return|pass)\b")
#: `raise ImportError("... Install them with: pip install ...") from e`: the package missing, said.
_RAISES_MISSING = lazy(r"[ \t]*raise[ \t]+(?:ImportError|ModuleNotFoundError)\b")
#: A log or warning call on one line (`eval_logger.error(f"...")`, `warnings.warn(...)`): said, then fallen back.
_LOGS = lazy(r"[ \t]*(?:\w*log(?:ger)?|logging|warnings)\.\w+\(", re.IGNORECASE)
#: A function's probe in one statement: `return importlib.util.find_spec("deepspeed") is not None`.
_RETURNS_PROBE = lazy(rf"[ \t]*return\b[^\n]*{_PROBE_CALL}")
#: A branch on what runs the code: the interpreter's version or platform, a package's version, a package found.
_ENVIRONMENT_BRANCH = lazy(
    r"[ \t]*(?:if|elif)\b[^\n#]*(?:\bsys\.version_info\b|\bsys\.platform\b|\bplatform\.(?:system|machine)\(|"
    r"\bos\.name\b|\bpsutil\.(?:WINDOWS|LINUX|MACOS|OSX)\b|\bfind_spec\(|\bis_\w+_available\(|__version__|"
    r"\bVersion\(|\bparse_version\(|\bversion\.parse\(|\bversion\d_\w+\(|\bget_\w*version\(|"
    r"\b[A-Z][A-Z0-9_]*_VERSION\w*|\b_\w+_available\b|\b[A-Z][A-Z0-9_]*_AVAILABLE\b)"
)
_ELSE = lazy(r"[ \t]*else[ \t]*:")
#: How far above an `else:` its `if`, above a handler its `try:`, or above a closing bracket the clause it closes, is
#: looked for.
_IF_LOOKBACK = 40


def _else_of_environment_branch(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the `else:` on the match's line ends a branch on the environment (`if sys.version_info >= (3, 10):`)."""
    above = lines_before(view, side.side, m.number, _IF_LOOKBACK)
    return _ends_environment_branch(above, len(m.text) - len(m.text.lstrip()))


def _ends_environment_branch(above: list[str], indent: int) -> bool:
    """Whether the nearest statement at `indent` in `above`, the lines over an `else:`, is its branch on the
    environment (an `if` or `elif` of one)."""
    for line in reversed(above):
        code = line.lstrip()
        if code and not code.startswith("#") and len(line) - len(code) <= indent:
            return len(line) - len(code) == indent and _ENVIRONMENT_BRANCH.match(line) is not None
    return False


def _first_tried(view: FileView, side: SideView, number: int, indent: int) -> str:
    """The first statement of the `try:` whose handler, at `indent`, is on line `number` (past the other handlers
    above it); '' when it is not in view."""
    above = lines_before(view, side.side, number, _IF_LOOKBACK)
    for k in range(len(above) - 1, -1, -1):
        line = above[k]
        code = line.lstrip()
        at = len(line) - len(code)
        if not code or code.startswith("#") or at > indent:
            continue  # the try's body, or an earlier handler's
        if at == indent and code.startswith("except"):
            continue  # an earlier handler of the same try
        if at == indent and _TRY.match(line) is not None:
            return next((text for text in above[k + 1 :] if _code(text)), "")
        return ""
    return ""


#: A handler's line, whatever it catches.
_HANDLER = lazy(r"[ \t]*except\b[^:\n]*:[ \t]*(?:#|$)")


def _code(line: str) -> bool:
    code = line.lstrip()
    return bool(code) and not code.startswith("#")


def _tried_import(view: FileView, side: SideView, m: Match, *, handler_too: bool) -> bool:
    """Whether the match's line is an import in a `try:` whose handler catches a failed import (or, `handler_too`, in
    such a handler), as far as the file's lines around it show."""
    if view.kind is Kind.NOTEBOOK:
        return False
    # The import's first line, or the bracket closing its names (as indented as its first line, a waiver black moved).
    closing = m.text.lstrip().startswith(")") and on_import(view, side, m)
    return _tried_import_at(view, side, m.text, m.number, handler_too=handler_too, closing=closing)


def _tried_import_at(
    view: FileView, side: SideView, line: str, number: int, *, handler_too: bool, closing: bool = False
) -> bool:
    """`_tried_import` for line `number` of the side, whose text is `line`."""
    indent = len(line) - len(line.lstrip())
    if not indent or (_IMPORT_LINE.match(line) is None and not closing):
        return False
    above = lines_before(view, side.side, number, _TRY_LOOKBACK)
    k = block_opener(above, indent)
    if k is None:
        return False
    if handler_too and _IMPORT_HANDLER.match(above[k]) is not None:
        return True
    if _TRY.match(above[k]) is None:
        return False
    return _catches_import(view, side, number, len(above[k]) - len(above[k].lstrip()))


def _catches_import(view: FileView, side: SideView, number: int, opened: int) -> bool:
    """Whether the `try:` opened at indent `opened`, whose block holds line `number`, has a handler that catches a
    failed import (after `except RuntimeError:` as well as first)."""
    for line in lines_after(view, side.side, number, _HANDLER_LOOKAHEAD):
        code = line.lstrip()
        if code and not code.startswith("#") and len(line) - len(code) <= opened:
            if len(line) - len(code) < opened or not code.startswith("except"):
                return False  # past the statement: its `else:`, `finally:` or what follows it
            if _IMPORT_HANDLER.match(line) is not None:
                return True
    return False


def re_exporting(view: FileView, side: SideView) -> bool:
    """Whether the module exists to re-export names: a package's `__init__.py`, or a module of imports alone."""
    if view.path.rpartition("/")[2] == "__init__.py":
        return True
    return side.memo("only-imports", lambda: only_imports(module_text(view, side)))
