"""New lint, type-check and coverage suppressions (CODE018), in every language's own syntax."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ahocorasick_rs import AhoCorasick

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.languages import comment_start
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.prefilter import any_case
from checks.registry import Docs, rule
from checks.rules import waiver_idioms as idioms
from checks.rules.code_common import CODE_LIKE, COMMENT_KINDS, DEF, expects_failure, search_comments
from checks.rules.dependency_common import bracket_opened, bracket_opener, lines_after, lines_before
from checks.views import FileView, Match, SideView


@dataclass(frozen=True)
class _Directive:
    """One suppression syntax; its pattern's `codes` group holds what it names, when it names anything."""

    name: str
    pattern: re.Pattern[str]
    #: Whole-file (or rest-of-file) scope when the directive stands alone on its line.
    file_wide: bool = False
    #: Found in code (annotations, attributes, pragmas) rather than in a comment.
    in_code: bool = False


def _d(
    name: str, pattern: str, *, file_wide: bool = False, in_code: bool = False, ignore_case: bool = True
) -> _Directive:
    return _Directive(name, lazy(pattern, re.IGNORECASE if ignore_case else 0), file_wide, in_code)


_CODES = r"[\w./@-]+(?:\s*,\s*[\w./@-]+)*"
#: A mypy flag that turns a check off, as its inline configuration spells it (dashes or underscores): an `allow-`
#: or `no-` flag (`allow-untyped-defs`, `no-strict-optional`) not set false, or any other but `ignore-...` set false
#: (`disallow_untyped_decorators = False`, `warn-unreachable=false`).
_MYPY_OFF = (
    r"(?:(?:allow|no)[-_][\w-]++(?!\s*=\s*(?:false|0)\b)(?:\s*=\s*(?:true|1)\b)?|"
    r"(?!(?:allow|no|ignore)[-_])[\w-]++\s*=\s*(?:false|0)\b)"
)
#: What stands between the checks a directive names (`E501, F401`, `arg-type,attr-defined`).
_CODE_SEPARATORS = lazy(r"[\s,]+")
#: Each pattern matches from the comment marker; group `codes` is what it names, when it names anything.
_DIRECTIVES: tuple[_Directive, ...] = (
    _d("file-wide noqa", r"#\s*(?:flake8|ruff)\s*:\s*noqa\b(?:\s*:\s*(?P<codes>" + _CODES + "))?", file_wide=True),
    # Codes count only after a colon: flake8 and ruff read "noqa E501" as a blanket noqa.
    _d("noqa", r"#\s*noqa\b(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?"),
    # mypy reads `# type: ignore [misc]` with its codes too.
    _d("type: ignore", r"#\s*type\s*:\s*ignore\b(?:[ \t]*\[(?P<codes>[^\]]+)\])?"),
    _d("mypy: ignore-errors", r"#\s*mypy\s*:\s*ignore[-_]errors\b(?!\s*=\s*(?:false|0)\b)", file_wide=True),
    # mypy's inline configuration that turns checks off for the file (`disallow-...`, `warn-...` turn them on).
    _d(
        "mypy: checks off",
        r"#\s*mypy\s*:\s*(?P<codes>disable[-_]error[-_]code\s*=\s*[\"']?[\w\s,-]+[\"']?|"
        + _MYPY_OFF
        + r"(?:\s*,\s*"
        + _MYPY_OFF
        + ")*)",
        file_wide=True,
    ),
    # pyright reads `# pyright: ignore [rule]` with its rules too, as mypy does `type: ignore`.
    _d("pyright: ignore", r"#\s*pyright\s*:\s*ignore\b(?:[ \t]*\[(?P<codes>[^\]]+)\])?"),
    # Astral's ty and Meta's pyrefly have their own spelling (`# ty: ignore[call-non-callable]`).
    _d("ty: ignore", r"#\s*ty\s*:\s*ignore\b(?:[ \t]*\[(?P<codes>[^\]]+)\])?"),
    _d("pyrefly: ignore", r"#\s*pyrefly\s*:\s*ignore\b(?:[ \t]*\[(?P<codes>[^\]]+)\])?"),
    # Pyre's: `# pyre-fixme[6]: reason` (its upgrade tool writes those) and `# pyre-ignore[16]` on the line, or alone
    # on the line above it; `# pyre-ignore-all-errors` (with its codes or not) for the whole file.
    _d("pyre-ignore-all-errors", r"#\s*pyre-ignore-all-errors\b(?:\[(?P<codes>[^\]]+)\])?", file_wide=True),
    _d("pyre-fixme", r"#\s*pyre-(?:fixme|ignore)\b(?!-)(?:\[(?P<codes>[^\]]+)\])?"),
    # pyright's comment settings hold for the file: `# pyright: reportPrivateUsage=false` turns that check off.
    # Pyright reads them as written: lower case, the colon right after its name.
    _d(
        "pyright: report off",
        r"#\s*pyright:\s*(?P<codes>report\w+\s*=\s*(?:false|none)(?:\s*,\s*report\w+\s*=\s*(?:false|none))*)\b",
        file_wide=True,
        ignore_case=False,
    ),
    _d("pylint: skip-file", r"#\s*pylint\s*:\s*skip-file\b", file_wide=True),
    _d("pylint: disable", r"#\s*pylint\s*:\s*disable(?P<line>-next)?\s*=\s*(?P<codes>" + _CODES + ")", file_wide=True),
    # pytype reads a disable alone on its line to the end of the block it stands in, as pylint does.
    _d("pytype: skip-file", r"#\s*pytype\s*:\s*skip-file\b", file_wide=True),
    _d("pytype: disable", r"#\s*pytype\s*:\s*disable\s*=\s*(?P<codes>" + _CODES + ")", file_wide=True),
    _d("no-cython-lint", r"#\s*no-cython-lint\b"),
    _d("nosec", r"#\s*nosec\b(?:\s*:?\s*(?P<codes>B\d+(?:\s*,\s*B\d+)*))?"),
    # coverage.py's default exclusion reads the colon as optional (`# pragma no cover`).
    _d("pragma: no cover", r"#\s*pragma\s*:?\s*no\s*cover\b"),
    _d("shellcheck disable", r"#\s*shellcheck\s+disable\s*=\s*(?P<codes>" + _CODES + ")"),
    _d("hadolint ignore", r"#\s*hadolint\s+ignore\s*=\s*(?P<codes>" + _CODES + ")"),
    _d(
        "yamllint disable",
        r"#\s*yamllint\s+disable(?P<line>-line)?\b(?:\s+rule:(?P<codes>[\w-]+))?",
        file_wide=True,
    ),
    _d("nolint", r"#\s*nolint\b(?:\s*:\s*(?P<codes>" + _CODES + "))?"),
    _d(
        "eslint-disable",
        r"(?://|/\*)\s*eslint-disable(?P<line>-next-line|-line)?\b"
        r"(?:[ \t]+(?P<codes>(?!\*/)[\w/@-]+(?:\s*,\s*[\w/@-]+)*))?",
        file_wide=True,
    ),
    _d("@ts-ignore", r"//\s*@ts-ignore\b"),
    _d("@ts-nocheck", r"//\s*@ts-nocheck\b", file_wide=True),
    _d("@ts-expect-error", r"//\s*@ts-expect-error\b(?P<codes>.+)?"),
    _d("istanbul ignore", r"/\*\s*(?:istanbul|c8|v8)\s+ignore\b"),
    _d("nolint", r"//\s*nolint\b(?::(?P<codes>" + _CODES + "))?"),
    _d("NOLINT", r"(?://|/\*)\s*NOLINT(?:NEXTLINE|BEGIN)?\b(?:\((?P<codes>[^)]+)\))?"),
    _d("sqlfluff noqa", r"--\s*noqa\b(?:\s*:\s*(?P<codes>" + _CODES + "))?"),
    _d("@SuppressWarnings", r"@SuppressWarnings\s*\(\s*(?P<codes>[^)]*)\)", in_code=True),
    _d("Rust allow", r"#!?\[allow\((?P<codes>[^)]*)\)\]", in_code=True),
    _d(
        "compiler warning pragma",
        r"#\s*pragma\s+(?:GCC|clang)\s+diagnostic\s+ignored\s+(?P<codes>\"[^\"]+\")",
        in_code=True,
    ),
    _d("compiler warning pragma", r"#\s*pragma\s+warning\s*\(\s*disable\s*:\s*(?P<codes>[\d\s]+)\)", in_code=True),
)
_CLOSING = (")", "]", "}")
#: How far above a closing bracket the line opening its statement is looked for.
_OPENER_LOOKBACK = 30
#: What hands an expression's value on: `return`, `yield`, an assignment to one (annotated) name.
_HANDED_ON = lazy(r"^[ \t]*(?:(?:return|yield)[ \t]+|[\w.]+(?:[ \t]*:[ \t]*[\w.\[\], |]+)?[ \t]*=(?!=)[ \t]*)")
_PYLINT_ENABLE = lazy(r"#\s*pylint\s*:\s*enable\s*=\s*(?P<codes>" + _CODES + ")", re.IGNORECASE)
#: Comment directives from their marker, lowercase: the fast first pass over comments (see `search_comments`).
_COMMENT_PREFILTER = lazy(
    r"(?:#|//|/\*|--)[ \t]*(?:noqa|type\s*:\s*ignore|mypy\s*:|pyright\s*:|ty\s*:|pyrefly\s*:|pylint\s*:|pytype\s*:|"
    r"pyre-|no-cython-lint|nosec|pragma\s*:?\s*no|shellcheck|hadolint|yamllint|nolint|eslint-disable|@ts-|"
    r"(?:istanbul|c8|v8)\s+ignore|(?:flake8|ruff)\s*:)"
)
COMMENT_DIRECTIVE = lazy(_COMMENT_PREFILTER.pattern, re.IGNORECASE)
#: The first word of each `_COMMENT_PREFILTER` alternative (keep them in step), after its marker and blanks:
#: sre tries those alternatives at every marker, Aho–Corasick finds the words in one pass.
COMMENT_WORDS = (
    *("noqa", "type", "mypy", "pyright", "ty", "pyrefly", "pylint", "pytype", "pyre-", "no-cython-lint", "nosec"),
    "pragma",
    *("shellcheck", "hadolint", "yamllint"),
    *("nolint", "eslint-disable", "@ts-", "istanbul", "c8", "v8", "flake8", "ruff"),
)
_COMMENT_WORDS = AhoCorasick(list(COMMENT_WORDS))
#: Directives written as code (annotations, attributes, pragmas), looked for when their names appear at all.
CODE_DIRECTIVE = lazy(r"@SuppressWarnings\s*\(|#!?\[allow\(|#[ \t]*pragma[ \t]+(?:GCC|clang|warning)")
_CODE_NEEDLES = ("@SuppressWarnings", "[allow(", "pragma")
#: For the rule prefilter, a part of every directive of `_DIRECTIVES` (each hit is a match of one of them) in
#: every case, as they match ignoring case.
_DIRECTIVE_NEEDLES = any_case(
    "noqa",  # flake8/ruff noqa, sqlfluff noqa
    "ignore",  # type: ignore, mypy: ignore-errors, pyright/ty/pyrefly: ignore, istanbul/c8/v8 ignore, hadolint ignore
    "pyright:",  # pyright: reportX=false, as pyright reads it (any part of "pyright" is in every "Copyright")
    "mypy:",  # mypy: disable-error-code=..., allow-untyped-defs
    "lint",  # pylint, hadolint, yamllint, nolint, NOLINT, eslint-disable, no-cython-lint
    "pytype:",
    "pyre-",  # pyre-fixme, pyre-ignore, pyre-ignore-all-errors
    "nosec",
    "pragma",  # pragma: no cover, compiler warning pragmas
    "llcheck",  # shellcheck
    "@ts-",  # @ts-ignore, @ts-nocheck, @ts-expect-error
    "@sup",  # @SuppressWarnings
    "[allow(",  # Rust
)
_COVERAGE = frozenset({"pragma: no cover", "istanbul ignore"})
#: Directives that act on their own line only (coverage.py excludes the line, or the block it opens): alone on a line,
#: they silence nothing.
_OWN_LINE_ONLY = frozenset({"noqa", "pragma: no cover"})
#: The lines coverage.py's documentation suggests excluding from measurement (its `exclude_also` example): a script's
#: entry point, a `__repr__`, the type checker's branch, a protocol, an abstract method, a raise of what must not
#: happen. A `# pragma: no cover` on one says what such a configuration would.
_COVERAGE_EXCLUDED = lazy(
    r"""[ \t]*(?:if[ \t]+__name__[ \t]*==[ \t]*["']__main__["'][ \t]*:|(?:async[ \t]+)?def[ \t]+__repr__\b|"""
    r"""if[ \t]+(?:typing\.)?TYPE_CHECKING[ \t]*:|class[ \t][^\n#]*\bProtocol\b[^\n#]*:|"""
    r"""raise[ \t]+(?:NotImplementedError|AssertionError)\b|@(?:abc\.)?abstractmethod\b)"""
)
_ABSTRACT = lazy(r"[ \t]*@(?:abc\.)?abstractmethod\b")
#: How far above a def its decorators are looked for.
_DECORATORS_LOOKBACK = 8
#: The body of a stub (`pass`, `...`); how far above it its def is looked for (past a docstring), and how far below a
#: block's header its one statement is read.
_STUB_BODY = lazy(r"[ \t]*(?:pass|\.\.\.)[ \t]*(?:#|$)")
_STUB_LOOKBACK = 8


@rule(
    code="CODE018",
    slug="lint-suppression",
    title="New lint, type-check or coverage suppression",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=5,
    remediation=(
        "Fix what the tool reports. When a suppression is right, name the exact rule (`# noqa: E501`, "
        "`# type: ignore[attr-defined]`) and say why in the same comment."
    ),
    docs=Docs(
        what=(
            "A suppression added by the change: `# noqa`, `# type: ignore`, `# pylint: disable`, `# pytype: disable`, "
            "`# ty: ignore`, `# pyrefly: ignore`, Pyre's `# pyre-fixme[N]` and `# pyre-ignore[N]`, `# no-cython-lint`, "
            "`# pyright: ignore`, a pyright check turned off (`# pyright: reportPrivateUsage=false`), `# nosec`, "
            "`# pragma: no cover`, `eslint-disable`, `@ts-ignore`, `//nolint`, `// NOLINT` (or `/* NOLINT */`), "
            "`@SuppressWarnings`, Rust `#[allow(...)]`, compiler warning pragmas, shellcheck/hadolint/yamllint "
            "directives. Medium when it silences a whole file (`# flake8: noqa`, `# mypy: ignore-errors`, "
            "`# pyre-ignore-all-errors`, "
            "`/* eslint-disable */`, `// @ts-nocheck`); low when it silences everything on a line (a bare `# noqa`, "
            "a bare `# type: ignore`, `@ts-ignore`, any `# nosec`, `# no-cython-lint`) or names the rules it "
            "silences in a whole file (`# ruff: noqa: E731`, mypy's inline configuration turning checks off: "
            '`# mypy: disable-error-code="no-redef"`, `# mypy: allow-untyped-defs`, '
            "`# mypy: disallow_untyped_decorators = False`); info when it names the rules "
            "it silences on its line (or, as a `# pylint: disable=...` or `# pytype: disable=...` indented alone on "
            "its line, in its block; or up to a later `# pylint: enable=...` of the same checks), and for coverage "
            "waivers (`# pragma: no cover`, `istanbul ignore`: the code stays linted and type-checked). A suppression "
            "edited to name more checks than it did (`# pylint: disable=C0111` -> `C0103,C0111`) is new, and the "
            "old one paid; one narrowed, or written anew on the same code (for another tool, or pylint's `R0916` "
            "by its name; one alone on its line is on the code below it, past the waivers stacked under it; one "
            "directive split into one a check is the old debt, and only checks it did not name are new), is the same "
            "debt, as is a `# nosec B311` beside a noqa naming its ruff twin (`S311`: ruff keeps bandit's numbers), "
            "and one "
            "moved with the code it sits on is no new debt (on a def, that is the function's name and parameters, "
            "whatever their annotations; on the quotes ending a docstring, or on a decorator, its function). A "
            "directive a comment quotes in backticks, or one ending a line of commented-out code, silences nothing "
            "(a type checker's, after any text of a "
            "comment), nor does a noqa or `# pragma: no cover` "
            "alone on its line (each holds for its own line: `# ruff: noqa` is the file's), nor a `# type: ignore` "
            "alone on its line below code (mypy and pyright read one alone atop the module only, as the whole "
            "file's), and a noqa naming only "
            "F401 or F403 on an import (its first line, names in its brackets or after its backslash, or its "
            "closing bracket) in a package's "
            "`__init__.py` (with E402 too there: re-exported below what its submodules import) or a "
            "module of imports alone (a shim left at an old path, or an mmengine config's `with read_base():` block "
            "of them) is the re-export idiom, not debt, as is such a "
            "`# ruff: noqa: F401` atop the module, and a bare one "
            "on a `from` import there (or one whose codes noqa cannot read, `# noqa: 401`), and a pylint "
            "disable there naming only unused-import, the wildcard imports' checks or the import forms Google's style "
            "forbids (`g-importing-member`, `g-multiple-import`, `g-bad-import-order`); so is a noqa, bare or naming "
            "only F401, on an import in a `try:` whose handler catches ImportError (the import looks for an optional "
            "package), a waiver naming only where an import stands (E402, `wrong-import-position`, "
            "`import-outside-toplevel`, `g-import-not-at-top`), or a type checker's naming only whether it "
            "resolves (`import-not-found`, `import-untyped`, mypy's `attr-defined` on a `from` import, pyrefly's "
            "`missing-import`, ty's `unresolved-import`, mypy's `unused-ignore` beside them, "
            "`reportMissingImports`, pytype's and pylint's "
            "`import-error`, pylint's `no-name-in-module`, Pyre's `pyre-fixme[21]`; also under a branch on a "
            "package's version; pylint's and Pyre's alone on the line above the import too) or "
            "only mypy's `no-redef` (the fallback binds the name again; or `assignment`, `misc`, on the stand-in a "
            "handler binds, `lib = None`, or the `else:` of a branch on a package found, `if TYPE_CHECKING or "
            "_serial_available:`, binds, a stand-in class too), or a bare one on an import's first line (all "
            "a checker can report there, a module or a name not found, the handler handles), on "
            "an import in such a `try:` or "
            "its handler (a fallback import, an optional package), a `# pragma: no cover` on a line coverage.py's "
            'documentation suggests excluding (`if __name__ == "__main__":`, `def __repr__`, `if TYPE_CHECKING:`, '
            "a `Protocol` class, `raise NotImplementedError`, `raise AssertionError` or a block holding that raise "
            "alone, an `@abstractmethod` or the def it decorates, and its `pass` or `...`), or on a probe of "
            "what is installed (a `try:` whose first statement imports and whose handler catches ImportError, a "
            "handler of ImportError, ModuleNotFoundError or PackageNotFoundError, any handler whose first "
            "statement imports, a broad one that falls back (`return False`, `x = None`, after a log call too) or "
            "raises ImportError with what to install, of a "
            "`try` that starts "
            "with an import, the def of a function that is such a probe, "
            "or a branch on the interpreter's or a package's version, the platform or a package found, "
            '`if sys.version_info >= (3, 10):`, `if transformers.__version__ < "5.0.0":`, or its `else:`: one test '
            "run cannot take both ways), "
            "a type checker's, bare or naming only `valid-type` (`reportInvalidTypeForm`), on a parameter or a class's "
            "attribute annotated with a call (a kernel DSL's buffer, TileLang's `Q: T.Tensor([B, S], dtype),`: no "
            "type to a checker; not a dict's entry), "
            "one naming only F401 on `import <package>.<module>` of the file's own package (or of another package "
            "of the repository, known with the tree: a test importing what registers environments; or on `from "
            "<package> import <module>` or `from . import <module>` when the tree has that module), or bare in the "
            "package's `__init__.py` (imported for what it registers), a noqa, bare or naming only F401, on "
            "scikit-learn's experimental switch (`from "
            "sklearn.experimental import enable_halving_search_cv`), a bare or line-length noqa on a line that ends "
            "with a URL and is short without it (long only for it, or not yet long), on the rest of a URL the line "
            "above cuts at its end (a docstring's, a comment's)"
            " (a checkpoint's address in a config, a docstring's credit), on the string piece that goes on with "
            "a URL the line above starts, or on the quotes closing a docstring whose long lines are all such, and a "
            "`pointless-string-statement` waiver on a one-line string right under "
            "an assignment (an attribute docstring, which pylint never reports), and a type checker's waiver (pytype's "
            "too), or one naming only a statement without effect (`pointless-statement`, `expression-not-assigned`, "
            "B018), in a "
            "test's `with pytest.raises(...)` block (the wrong type, or the attribute read, is what the test checks). "
            "A noqa removed from the "
            "code pays "
            "nothing (nor does a pylint disable naming checks ruff reimplements, `import-outside-toplevel` as "
            "`PLC0415`; nor a `# type: ignore[...]` whose codes pyproject.toml's mypy settings, global or an "
            "override taking the module, `tests.*`, turn off, or whose module's errors they ignore) "
            "while the per-file-ignores of ruff or flake8 at the head of the change, or their `ignore` and "
            "`extend-ignore` for every file, keep its checks off for the file "
            "(a bare one: when an entry names the file itself, or unused imports on an import), or while their "
            "`exclude` or `extend-exclude` leaves the file out of linting altogether."
        ),
        why=(
            "Each suppression is a finding the tools found and someone chose not to fix: lint and type debt that "
            "no dashboard shows. Blanket suppressions also hide every future problem on the line or in the file "
            "(ruff PGH004 blanket-noqa, PGH003 blanket-type-ignore; typescript-eslint ban-ts-comment)."
        ),
        example="from utils import *  # noqa\nresult = model(x)  # type: ignore",
        fix="from utils import load, save\nresult = model(x)  # type: ignore[no-untyped-call]  # untyped library",
    ),
    kinds=COMMENT_KINDS,
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.DOCS),
    needles=_DIRECTIVE_NEEDLES,
)
def lint_suppression(view: FileView) -> Iterator[Hit]:
    for side in view.source_sides():
        seen: set[tuple[int, int | str]] = set()
        matches = list(search_comments(side, _COMMENT_PREFILTER, COMMENT_DIRECTIVE, after_marker=_COMMENT_WORDS))
        if side.kind is Kind.C_LIKE and any(needle in side.lines.text for needle in _CODE_NEEDLES):
            matches += side.search(CODE_DIRECTIVE)
        for m in matches:
            found = _directive_at(side, m)
            if found is None or (m.index, found[1].start()) in seen:
                continue
            directive, d = found
            if m.text[d.start() - 1 : d.start()] == "`":
                continue  # a comment quoting the directive in backticks, as Markdown quotes code: no waiver
            if _in_commented_code(side, m, d, directive):
                continue  # `#    import autograd.numpy as npa  # type: ignore`: the line runs nothing to silence
            if directive.name in _OWN_LINE_ONLY and not m.text[: d.start()].strip():
                continue  # it holds for its own line, and a line of comment alone draws nothing to silence
            if directive.name == "pragma: no cover" and _coverage_excluded(view, side, m):
                continue  # a script's entry point, an abstract method: what coverage.py's documentation excludes
            if directive.name == "type: ignore" and not m.text[: d.start()].strip() and _below_code(view, side, m):
                continue  # alone on its line, mypy and pyright read it atop the module only: below code, it is inert
            named = _named(d)
            if idioms.re_export(view, side, m, directive.name, named) and idioms.re_exporting(view, side):
                continue  # a star import or unused-import waiver in `__init__.py` or a shim: the re-export idiom
            if idioms.waives_a_long_url(view, side, m, directive.name, named=named, before=m.text[: d.start()]):
                continue  # a checkpoint's address in a config, a docstring's credit: a URL is not wrapped
            if idioms.waives_a_long_module_path(m, directive.name, named, m.text[: d.start()]):
                continue  # `from a.long.dotted.module.path import (`: no formatter breaks a dotted name
            if idioms.imports_for_effect(view, m.text, directive.name, named):
                continue  # `import mmseg.datasets` inside `register_all_modules()`: imported for what it registers
            if idioms.documents_an_attribute(view, side, m, directive.name, named):
                continue  # a docstring under a constant, waived as a pointless string: pylint reports none there
            if idioms.falls_back(view, side, m, directive.name, named):
                continue  # `from jax import linear_util  # pylint: disable=g-import-not-at-top` under `except ImportError:`
            if idioms.types_a_kernel_buffer(view, side, m, directive.name, named):
                continue  # `Q: T.Tensor([B, S], dtype),  # type: ignore`: a kernel DSL's annotation, no type to a checker
            if idioms.probes_installed(view, side, m, directive.name, named):
                continue  # an unused-import waiver on `import jaxns` in a `try:` that catches ImportError: a probe
            if idioms.probes_environment(view, side, m, directive.name):
                continue  # `try:  # pragma: no cover` over `import blis`: one run of the tests cannot take both ways
            if _expected_to_fail(directive.name, named) and Role.TEST in view.roles and expects_failure(view, side, m):
                continue  # a wrong type passed under `pytest.raises(TypeError)`: the error is what the test checks
            if directive.name == "nosec" and _twin_of_a_noqa(m.text, named):
                continue  # a ruff noqa of S311 beside `nosec B311`: one check waived for two tools, one debt
            text = " ".join(d.group().split())
            if (m.index, text) in seen:
                continue  # a bare noqa written twice on its line: one suppression
            seen.update(((m.index, d.start()), (m.index, text)))
            done = "added" if side.side is Side.ADDED else "removed"  # a removed one is reported as paid
            # `# type: ignore` says little alone: one removed in a deleted module must not cancel a new one in
            # another file, only the same line moved there. The code it sits on is its anchor.
            anchor = _silenced_expression(m.text[: d.start()].rstrip("#/*;-! \t"))
            if not anchor.strip():
                anchor = _line_below(view, side, m)  # alone on its line, it sits on the code below (a module's header)
            elif anchor.lstrip()[:1] in _CLOSING and view.kind is not Kind.NOTEBOOK:
                anchor = _statement_closed(view, side, m, anchor)  # `) -> "self":  # pylint: disable=...`: the def's
            elif anchor.strip() in _CLOSING_QUOTES and view.kind is not Kind.NOTEBOOK:
                anchor = _docstring_owner(view, side, m, anchor)  # on the quotes that end a function's docstring
            elif anchor.lstrip().startswith("@") and view.kind is not Kind.NOTEBOOK:
                anchor = _decorated(view, side, m, anchor)  # `@property  # pyright: ignore`: about the def below
            if DEF.match(anchor):
                anchor = _signature(anchor)
            hit = side.hit(
                m,
                f"Suppression {done}: {text}",
                content=text,
                severity=_severity(directive, d, closed=_enabled_below(side, m, directive, d)),
                anchor=anchor,
                silences=_with_sub_codes(named) if directive.name == "type: ignore" else named,
            )
            # The check still off for the file, its per-file-ignores having taken the waiver over: a copy the change
            # adds elsewhere may still be this one moved, but its going pays nothing.
            moved = side.side is Side.REMOVED and idioms.moved_to_configuration(view, side, m, directive.name, named)
            yield replace(hit, undecided=True) if moved else hit


#: How far below a decorator the def it decorates is looked for (past other decorators, each on a line or several).
_DECORATED_LOOKAHEAD = 12


def _statement_closed(view: FileView, side: SideView, m: Match, closing: str) -> str:
    """The statement whose closing bracket the match's line starts with, read from the line that opens it (`def fit(`
    above `) -> "self":  # pylint: disable=too-many-arguments`): what the directive is about, as the file shows it.
    Just `closing` when the opening line is not in view."""
    opened = bracket_opened(view, side.side, m.number, m.text, _OPENER_LOOKBACK)
    return closing if opened is None else " ".join([*(part.strip() for part in opened), closing.strip()])


#: A line that is only a string's closing quotes.
_CLOSING_QUOTES = ('"""', "'''")
_OWNER = lazy(r"[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+")


def _docstring_owner(view: FileView, side: SideView, m: Match, quotes: str) -> str:
    """The def or class whose docstring the closing quotes on the match's line end, with the quotes: a directive
    there (a noqa for E501 after them) is about that docstring, which moves with its function. Just `quotes` when the
    opening quotes or the def are not in view (a module's docstring has none)."""
    mark = quotes.strip()
    opened = idioms.string_opened_above(view, side, m, mark)
    if opened is None:
        return quotes
    above, opening = opened
    indent = len(above[opening]) - len(above[opening].lstrip())
    for line in reversed(above[max(0, opening - _OPENER_LOOKBACK) : opening]):
        if not line.strip() or len(line) - len(line.lstrip()) >= indent:
            continue  # a blank line, or a parameter of the signature
        owner = _OWNER.match(line)
        if owner is not None:
            return f"{owner.group().strip()} {mark}"
        if line.lstrip()[:1] not in _CLOSING:  # `) -> np.ndarray:` closes the signature; anything else, no def
            return quotes
    return quotes


def _signature(code: str) -> str:
    """A def statement as the function's name and parameters' names: what a directive on it is about, whatever its
    annotations, defaults and formatting become (`h: torch.FloatTensor` renamed `h: FloatTensor`). The code as it is
    when it does not parse whole (a signature's first line)."""
    try:
        tree = ast.parse(code.strip() + "\n    pass")
    except (SyntaxError, ValueError):
        return code
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return code
    arguments = node.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [f"*{a.arg}" for a in (arguments.vararg,) if a is not None]
    names += [f"**{a.arg}" for a in (arguments.kwarg,) if a is not None]
    return f"def {node.name}({', '.join(names)})"


def _silenced_expression(code: str) -> str:
    """The code a directive silences, without what only hands its value on: `writer = X(**kwargs)  # type: ignore`
    moved from `return X(**kwargs)  # type: ignore` silences the same expression."""
    expression = _HANDED_ON.sub("", code, count=1)
    # Not when nothing of the expression is on the line (`output = (` opening it): the target is all it says.
    return expression if any(c.isalnum() for c in expression) else code


#: Type checkers' line waivers: read on a line of code only, never after a comment's text.
_TYPE_CHECKERS = frozenset({"type: ignore", "pyright: ignore", "ty: ignore", "pyrefly: ignore", "pyre-fixme"})
#: Every waiver of a type checker's, pytype's disable included.
_TYPE_CHECKS = _TYPE_CHECKERS | {"pytype: disable"}
#: A statement without effect (pylint's pointless-statement and expression-not-assigned, ruff's B018, pyright's
#: reportUnusedExpression): under `pytest.raises`, the attribute read that must fail is the test.
_NO_EFFECT_CODES = frozenset(
    {"w0104", "pointless-statement", "w0106", "expression-not-assigned", "b018", "reportunusedexpression"}
)


def _expected_to_fail(name: str, named: frozenset[str] | None) -> bool:
    """Whether a waiver silences what a test's code that must fail draws: a type error, a statement without effect."""
    return name in _TYPE_CHECKS or (named is not None and bool(named) and named <= _NO_EFFECT_CODES)


def _in_commented_code(side: SideView, m: Match, d: re.Match[str], directive: _Directive) -> bool:
    """Whether a directive ends a line of commented-out code: a line that is all comment, code before the directive.
    A type checker's waiver there silences nothing whatever the text before it (mypy reads none after other text)."""
    line = m.text
    comment = comment_start(line, side.kind)
    if comment is None or line[: comment - 1].strip() or d.start() < comment:
        return False  # code before the comment, or the directive opens it
    body = line[comment : d.start()].strip().strip("#/").strip()  # `# # from x import y`: code, commented out twice
    if body and directive.name in _TYPE_CHECKERS:
        return True
    return bool(body) and CODE_LIKE.match(body) is not None


def _below_code(view: FileView, side: SideView, m: Match) -> bool:
    """Whether a line of code (a docstring's too) stands above the match's line, as far as its side's file shows."""
    return any(
        line.strip() and not line.lstrip().startswith("#") for line in lines_before(view, side.side, m.number, m.number)
    )


#: A line's noqa, with the checks it names.
_NOQA = next(directive.pattern for directive in _DIRECTIVES if directive.name == "noqa")


def _twin_of_a_noqa(line: str, named: frozenset[str] | None) -> bool:
    """Whether a `# nosec` names only bandit checks whose ruff twins a noqa on its line waives (`# noqa: S311  #
    nosec B311`: ruff's flake8-bandit checks keep bandit's numbers): the same waiver written for a second tool."""
    if not named or not all(code[:1] == "b" and code[1:].isdigit() for code in named):
        return False
    noqa = _NOQA.search(line)
    return noqa is not None and {"s" + code[1:] for code in named} <= (_named(noqa) or frozenset())


def _named(d: re.Match[str]) -> frozenset[str] | None:
    """The checks a directive names (`E501`, `line-too-long`), or None when it names none (it silences them all)."""
    codes = (d.groupdict().get("codes") or "").strip()
    names = frozenset(c.lower() for c in _CODE_SEPARATORS.split(codes) if c)
    return names or None


#: mypy's codes that are sub-codes of a wider one, which silences them too (`ignore[assignment]` covers
#: `method-assign`; mypy's `errorcodes.py`): a waiver rewritten to name the narrower code silences no more than before.
_MYPY_SUB_CODES = {
    "assignment": ("method-assign",),
    "import": ("import-not-found", "import-untyped"),
    "misc": ("overload-cannot-match", "overload-overlap", "prop-decorator"),
    "typeddict-item": ("typeddict-unknown-key",),
}


def _with_sub_codes(named: frozenset[str] | None) -> frozenset[str] | None:
    """The checks a `# type: ignore[...]` silences: the codes it names and the sub-codes of each."""
    if named is None:
        return None
    return named.union(*(_MYPY_SUB_CODES.get(code, ()) for code in named))


def _directive_at(side: SideView, m: Match) -> tuple[_Directive, re.Match[str]] | None:
    """The directive the fast match belongs to, when it is where its language puts it (comment or code)."""
    line = m.text
    comment = comment_start(line, side.kind)
    column = side.column(m)
    for directive in _DIRECTIVES:
        # Each directive's pattern starts where the fast match does: at its comment marker, or its annotation.
        d = directive.pattern.match(line, column)
        if d is None:
            continue
        if directive.in_code:
            if comment is not None and column >= comment - 1:
                continue  # only mentioned in a comment
        elif not _in_comment(line, column, comment, d):
            continue  # inside a string, or not a comment in this language
        return directive, d
    return None


#: How a line of comment alone starts, in the languages whose waivers stack over the code they are about.
_COMMENT_STARTS = ("#", "//")


def _line_below(view: FileView, side: SideView, m: Match) -> str:
    """The side's line under the match's, when the side holds it, past the side's waivers stacked below it (one
    directive split into one a line over a `def` is about the `def`) and its blank lines; else the file's line there
    when it is code the change keeps (`# pylint: disable=R0916` renamed above an `if` that stays is about that `if`),
    or ''. Not a comment kept below: the same note under the same waiver in two files is no sign that either moved."""
    lines, below, number = side.lines, m.index + 1, m.number + 1
    while below < len(lines) and lines.number(below) == number:
        line = lines.line(below).strip()
        if line and not (line.startswith(_COMMENT_STARTS) and COMMENT_DIRECTIVE.search(line)):
            return line
        below, number = below + 1, number + 1  # past a blank line too: one left out when it moved changes nothing
    if view.kind is Kind.NOTEBOOK:
        return ""
    kept = next(iter(lines_after(view, side.side, number - 1, 1)), "").strip()
    return "" if kept.startswith("#") else kept


def _coverage_excluded(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the match's line is one coverage.py's documentation suggests excluding, or a line of an abstract
    method (its `@abstractmethod` among the decorators stacked above): its first line, the bracket closing its
    parameters, or the `pass` or `...` of its body, which coverage.py excludes with the rest of the function."""
    if _COVERAGE_EXCLUDED.match(m.text) is not None:
        return True
    if view.kind is Kind.NOTEBOOK:
        return False
    line = m.text
    if line.split("#", 1)[0].rstrip().endswith(":") and _only_raises(view, side, m):
        return True  # `else:  # pragma: no cover` over a lone `raise AssertionError(...)`: the same lines excluded
    stub = _STUB_BODY.match(line) is not None
    if not (stub or DEF.match(line) or line.lstrip().startswith(")")):
        return False
    above = lines_before(view, side.side, m.number, _OPENER_LOOKBACK)
    if stub:
        k = _header_above(above, len(line) - len(line.lstrip()))
        if k is None:
            return False
        line, above = above[k], above[:k]
    if DEF.match(line) is None:
        # `) -> torch.Tensor:  # pragma: no cover`, closing the parameters of a def over several lines
        k = bracket_opener(above, len(line) - len(line.lstrip())) if line.lstrip().startswith(")") else None
        if k is None or DEF.match(above[k]) is None:
            return False
        above = above[:k]
    for decorator in reversed(above[-_DECORATORS_LOOKBACK:]):
        code = decorator.strip()
        if _ABSTRACT.match(decorator):
            return True
        if code and not code.startswith(("@", "#")):
            return False
    return False


def _only_raises(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the block the match's line opens holds one statement, a raise coverage.py's documentation excludes
    (`raise AssertionError(...)`, over several lines or not)."""
    opened = len(m.text) - len(m.text.lstrip())
    body: int | None = None  # the indent of the block's statement, once met
    after = lines_after(view, side.side, m.number, _STUB_LOOKBACK)
    for line in after:
        code = line.strip()
        if not code or code.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= opened:
            return body is not None  # the block ended after its one statement
        if body is None:
            if _COVERAGE_EXCLUDED.match(line) is None or not code.startswith("raise"):
                return False
            body = indent
        elif indent == body and not code.startswith(_CLOSING):
            return False  # a second statement
    # The file ends in the block (an abstract stub last in its module), or the block runs past what is read.
    return body is not None and _ends_the_file(view, side, len(after))


def _ends_the_file(view: FileView, side: SideView, read: int) -> bool:
    """Whether the `read` lines below the match are all the file has: fewer lines than asked came back, and the side
    is a whole file (added, or deleted) or its text is known (`SideView.whole_lines`, which `lines_after` reads)."""
    whole = view.status is (FileStatus.ADDED if side.side is Side.ADDED else FileStatus.REMOVED)
    return read < _STUB_LOOKBACK and (whole or side.whole_lines is not None)


def _header_above(above: list[str], indent: int) -> int | None:
    """The index in `above` of the header of the block whose body holds a line at `indent` (the nearest line less
    indented, when it ends with `:`), within a few lines: a stub's docstring, no more."""
    for k in range(len(above) - 1, max(-1, len(above) - 1 - _STUB_LOOKBACK), -1):
        line = above[k]
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            return k if line.split("#", 1)[0].rstrip().endswith(":") else None
    return None


def _decorated(view: FileView, side: SideView, m: Match, decorator: str) -> str:
    """The `def` the decorator on the match's line decorates, past the decorators and comments stacked under it: what a
    waiver on a decorator is about, as one on the def's own line would be. The decorator itself when no def follows
    in view."""
    for line in lines_after(view, side.side, m.number, _DECORATED_LOOKAHEAD):
        code = line.strip()
        if DEF.match(line):
            return code
        if code and not code.startswith(("@", "#")):
            break
    return decorator


def _in_comment(line: str, column: int, comment: int | None, d: re.Match[str]) -> bool:
    """Whether a comment directive at `column` stands in its line's comment (`comment`: where the line read alone has
    it start), or after a string's closing quotes (alone on the line, or after its last line of text), which that
    reading takes for quotes that open a string."""
    if comment is not None and column + (1 if d.group().startswith("#") else 2) >= comment:
        return True
    # Closing quotes (an odd count of them on the line, the last before the directive) end a string opened above.
    before = line[:column].rstrip()
    return any(before.endswith(quotes) and before.count(quotes) % 2 == 1 for quotes in ('"""', "'''"))


def _enabled_below(side: SideView, m: Match, directive: _Directive, d: re.Match[str]) -> bool:
    """Whether a `# pylint: disable=...` is closed by a `# pylint: enable=...` of the checks it names, further down
    the side's lines (a region: `# pylint: disable=invalid-name` around a shim class, then `enable`)."""
    named = _named(d)
    if directive.name != "pylint: disable" or named is None:
        return False
    at = side.lines.start(m.index) + len(m.text)
    enables = side.memo("pylint-enables", lambda: _enables(side))
    return any(start > at and named <= enabled for start, enabled in enables)


def _enables(side: SideView) -> list[tuple[int, frozenset[str]]]:
    """Each `# pylint: enable=...` of the side: where it is, and the checks it names."""
    return [
        (e.start(), frozenset(c.lower() for c in _CODE_SEPARATORS.split(e.group("codes")) if c))
        for e in _PYLINT_ENABLE.finditer(side.lines.text)
    ]


def _severity(directive: _Directive, d: re.Match[str], *, closed: bool = False) -> Severity:
    """`closed`: a disable that a later enable of the same checks ends holds for the lines between, as a block's."""
    groups = d.groupdict()
    codes = (groups.get("codes") or "").strip()
    before = d.string[: d.start()]
    standalone = not before.strip()
    # pylint reads a disable alone on its line to the end of the block it stands in: indented, a block's.
    block = directive.name in ("pylint: disable", "pytype: disable") and (before != "" or closed)
    if directive.file_wide and standalone and not groups.get("line") and not block:
        return Severity.LOW if codes else Severity.MEDIUM
    if directive.name == "type: ignore" and standalone:
        return Severity.MEDIUM  # alone on its line is the module-level form: mypy skips the whole file
    if directive.name in _COVERAGE or directive.name == "@ts-expect-error":
        return Severity.INFO  # the line stays linted and type-checked; only coverage (or one expected error) is waived
    if directive.name == "nosec":
        return Severity.LOW  # a security check waived, named or not
    return Severity.INFO if codes else Severity.LOW
