"""Dependency debt written in code: installs at run time (DEP010) and dependency warnings silenced (DEP016)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import in_docstring, is_doctest
from checks.rules.dependency_common import block_opener, in_docs_folder, lines_before, words
from checks.views import FileView, Match, SideView

_NOT_OURS = (Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE, Role.EXAMPLE)

# --- DEP010 --------------------------------------------------------------------------------------------------------

#: `!pip install x`, `%pip install x`, `!python -m pip install x`, `!{sys.executable} -m pip install x`, conda too.
_MAGIC_INSTALL = lazy(
    r"^[ \t]*[!%][ \t]*(?:pip3?|(?:python3?|\{sys\.executable\}|\$\{?\w+\}?)[ \t]+-m[ \t]+pip|uv[ \t]+pip|conda|mamba)"
    r"[ \t]+install\b(?P<args>[^\n]*)",
    re.MULTILINE,
)
#: Every code form starts with the literal `pip`, so the engine skips ahead at C speed (a pattern that
#: starts with an alternation or a look-behind is tried at every position: ten times slower on a release):
#: - a shell string: os.system("pip install x"), subprocess.run("python -m pip install x", shell=True);
#: - a process argument list: subprocess.check_call([sys.executable, "-m", "pip", "install", "x"]);
#: - pip's own entry point: pip.main(["install", "x"]).
_CODE_INSTALL = lazy(
    r"pip(?:3?[ \t]+install\b(?P<shell>[^\"'\n]*)"
    r"|3?[\"']\s*,\s*[\"']install[\"'](?P<listed>[^\]\n]*)"
    r"|(?:\._internal)?\.main\(\s*\[\s*[\"']install[\"'](?P<main>[^\]\n]*))"
)
#: What must precede each form on its line (or statement) for it to run an install in this environment.
_SHELL_CALL = lazy(
    r"(?:\bos\.(?:system|popen)|\bsubprocess\.\w+|get_ipython\(\)\.system|\bcheck_call|\bcheck_output)"
    r"\(\s*[rfbu]*[\"'][^\"'\n]*$"
)
#: `shlex.join([...])`, or a list sent to a remote sandbox, is not an install into this environment.
_PROCESS_CALL = lazy(r"(?:subprocess\.\w+|\bcheck_call|\bcheck_output|\bPopen|\brun|\bcall)\(\s*\[[^\]]*$")
_VALUE_OPTIONS = words("-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f")


def _arguments(raw: str) -> list[str]:
    """Install arguments as words: string literals of a list, or the words of a command line."""
    if "," in raw or raw.strip().startswith(("'", '"')):
        return re.findall(r"[\"']([^\"']*)[\"']", raw)
    words = []
    for word in raw.split():
        if word in ("&&", "||", ";", "|") or word.startswith("#") or _REDIRECTION.match(word):
            break
        words.append(word.strip("\"'"))
    return words


#: A shell redirection, glued to its target or not: `>`, `>/dev/null`, `2>&1`, `&>log`, `< input`.
_REDIRECTION = lazy(r"\d*>|&>|<")


#: Options that install a local project as it is (`--no-deps`) or for editing: with no package named in the code,
#: what is installed is a folder or bundle the program was handed (a plugin, an app), not a dependency of its own.
_LOCAL_PROJECT_OPTIONS = frozenset({"--no-deps", "-e", "--editable"})


def _pins(words: list[str]) -> tuple[list[str], bool]:
    """The packages named, and whether every one is pinned (`==`); file installs count as pinned."""
    names, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _VALUE_OPTIONS
            continue
        if word.startswith((".", "/", "$", "{")) or "://" in word:
            continue
        names.append(word)
    return names, all("==" in n and "*" not in n for n in names)


@rule(
    code="DEP010",
    slug="runtime-pip-install",
    title="Ad-hoc pip install inside notebooks or scripts",
    category=Category.DEPENDENCY,
    severity=Severity.LOW,
    effort=10,
    remediation=(
        "Declare the dependency in the project's manifest and lock file and build the environment once; "
        "remove the install from the notebook or script."
    ),
    docs=Docs(
        what=(
            "A notebook cell runs `!pip install` / `%pip install` (or conda), or Python code installs "
            "packages while it runs: `os.system('pip install ...')`, `subprocess.check_call([sys.executable, "
            "'-m', 'pip', 'install', ...])`, `pip.main(['install', ...])`. Medium when a package is unpinned, "
            "low when all are pinned or the packages are named at run time (a variable: their pins are not in sight); "
            "one level lower in Colab notebooks, which have no other way to install. "
            "Tests, examples, tutorials and docs are not read; neither are `pip install` hints in messages, nor "
            "an install that names no package in the code and passes `--no-deps` or `-e` (a plugin or app folder "
            "the program was handed)."
        ),
        why=(
            "The environment is defined by whatever cells happened to run, on the day they ran: collaborators "
            "and CI cannot rebuild it, and the notebook silently upgrades packages under the rest of the "
            "project (pynblint undeclared-dependencies)."
        ),
        example="!pip install transformers datasets",
        fix="Add transformers==4.44.2 and datasets==2.21.0 to the project's requirements and lock file.",
    ),
    kinds={Kind.NOTEBOOK, Kind.PYTHON},
    skip_roles=_NOT_OURS,
    # Every form, magic or code, writes `install`: on its line, or the next when a list breaks after `"pip",`.
    needles=("install",),
)
def runtime_pip_install(view: FileView) -> Iterator[Hit]:
    if in_docs_folder(view.path):
        return
    for side in view.source_sides():
        # Colab's, as the notebook says on that side: a deleted one is known by its removed text.
        known = view.text if side.side is Side.ADDED else view.old_text
        hosted = view.kind is Kind.NOTEBOOK and known is not None and "colab" in known
        found: list[tuple[Match, str]] = []
        if view.kind is Kind.NOTEBOOK and "install" in side.lines.text:
            found += [(m, m.group("args")) for m in side.search(_MAGIC_INSTALL)]
        found += [(m, args) for m in side.search(_CODE_INSTALL) if (args := _code_install(view, side, m)) is not None]
        for m, args in found:
            if side.in_comment(m):
                continue
            words = _arguments(args)
            names, all_pinned = _pins(words)
            if not names and _LOCAL_PROJECT_OPTIONS.intersection(words):
                continue  # `pip install -e {app_dir} --no-deps`: a project the program was handed, no dependency
            severity = Severity.LOW if all_pinned else Severity.MEDIUM
            if hosted:
                severity = Severity.INFO if all_pinned else Severity.LOW
            what = " ".join(names) or "packages"
            state = ("pinned" if all_pinned else "unpinned") if names else "named at run time"
            yield side.hit(
                m,
                f"installs {what} ({state}) at run time instead of declaring it",
                content="install " + " ".join(sorted(names)),
                severity=severity,
            )


def _code_install(view: FileView, side: SideView, m: Match) -> str | None:
    """The install arguments when the match runs pip in this process's environment, else None."""
    before = m.text[: side.column(m)]
    if m.match.group("main") is not None:
        return m.group("main") if re.search(r"(?:^|[^\w.])$", before) else None
    if m.match.group("shell") is not None:
        return m.group("shell") if _SHELL_CALL.search(before) else None
    if not before.endswith(("'", '"')):
        return None  # `"pip", "install"` must be two string items of a list
    if view.kind is not Kind.NOTEBOOK:
        before = " ".join([*lines_before(view, side.side, m.number, 3), before])
    return m.group("listed") if _PROCESS_CALL.search(before[:-1]) else None


# --- DEP016 --------------------------------------------------------------------------------------------------------

# Each pattern starts with a literal so the regex engine skips ahead at C speed (an alternation or a
# look-behind first is tried at every position); what must come before is checked per match.
#: `filterwarnings("ignore")` and `simplefilter("ignore")` share the literal `filter`: one scan finds both.
_FILTER = lazy(r"filter(?:warnings)?\(\s*(?:action\s*=\s*)?[\"']ignore[\"']\s*\)")
_ENVIRONMENT = (
    lazy(r"TF_CPP_MIN_LOG_LEVEL[\"']\s*(?:\]\s*=|,)\s*[\"']?[23]"),
    lazy(r"PYTHONWARNINGS[\"']\s*(?:\]\s*=|,)\s*[\"']ignore[\"']"),
)
_ENVIRONMENT_WRITE = lazy(r"\bos\.(?:environ\[|environ\.setdefault\(|putenv\()\s*[\"']$")
_SCOPED = lazy(r"catch_warnings\(|sys\.warnoptions")


@rule(
    code="DEP016",
    slug="warnings-silenced",
    title="Dependency warnings globally silenced",
    category=Category.DEPENDENCY,
    severity=Severity.LOW,
    effort=10,
    remediation=(
        "Filter the specific warning category and module (`warnings.filterwarnings('ignore', "
        "category=FutureWarning, module='sklearn')`), or scope it with `warnings.catch_warnings()`, and "
        "track the deprecation behind it as an issue."
    ),
    docs=Docs(
        what=(
            "Added code turns every warning off: `warnings.filterwarnings('ignore')` or "
            "`warnings.simplefilter('ignore')` without a category, message or module, "
            "`os.environ['PYTHONWARNINGS'] = 'ignore'`, or `TF_CPP_MIN_LOG_LEVEL` set to 2 or 3. Filters "
            "inside `with warnings.catch_warnings():` (or `with ctx:` after `ctx = warnings.catch_warnings()`) "
            "or behind `if not sys.warnoptions:` (which CI can "
            "override with -W) are scoped and not flagged; tests, examples, docs and docstrings' examples are not "
            "read."
        ),
        why=(
            "Deprecation and future warnings are how ML libraries announce breaking changes; hidden, they "
            "turn an easy upgrade into a silent behaviour change or a crash on the next release (OBrien et "
            "al. 2022: 'machine learning dependency' debt waits on library behaviour)."
        ),
        example='import warnings\nwarnings.filterwarnings("ignore")',
        fix='warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")  # tracked in #123',
    ),
    kinds={Kind.NOTEBOOK, Kind.PYTHON},
    skip_roles=_NOT_OURS,
    # `_filter_call` keeps a `filter(` match only as `simplefilter(`; the environment patterns are literal.
    needles=("filterwarnings(", "simplefilter(", "TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS"),
)
def warnings_silenced(view: FileView) -> Iterator[Hit]:
    if in_docs_folder(view.path):
        return
    for side in view.source_sides():
        for m in side.search(_FILTER):
            call = _filter_call(side, m)
            if call is None or side.in_comment(m) or _scoped(view, side, m):
                continue
            if is_doctest(m.text) or in_docstring(view, side, m):
                continue  # a docstring's example (`>>> warnings.filterwarnings("ignore")`) silences nothing
            # Spacing and quote style do not make a different filter: a reformatted line nets out.
            content = re.sub(r"\s+", "", call.removeprefix("warnings.")).replace("'", '"')
            yield side.hit(m, f"`{call}` hides every warning, deprecations included", content=content)
        text = side.lines.text
        for pattern in _ENVIRONMENT if "TF_CPP" in text or "PYTHONWARN" in text else ():
            for m in side.search(pattern):
                write = _ENVIRONMENT_WRITE.search(m.text[: side.column(m)])
                if write is None or side.in_comment(m) or _scoped(view, side, m):
                    continue
                statement = m.text[write.start() :].strip()
                content = re.sub(r"\s+", "", m.group()).replace("'", '"')
                yield side.hit(m, f"`{statement}` hides library warnings", content=content)


def _filter_call(side: SideView, m: Match) -> str | None:
    """The whole call (`warnings.simplefilter("ignore")`), or None for `pytest.mark.filterwarnings(`, `filter(`."""
    start = side.column(m)
    if not m.group().startswith("filterwarnings"):
        if not m.text[:start].endswith("simple"):
            return None  # `filter(` of something else
        start -= len("simple")
    before = m.text[:start]
    if before.endswith("warnings."):
        return f"warnings.{m.text[start : side.column(m)]}{m.group()}".strip()
    if before and (before[-1].isalnum() or before[-1] in "._"):
        return None
    return f"{m.text[start : side.column(m)]}{m.group()}".strip()


def _scoped(view: FileView, side: SideView, m: Match) -> bool:
    """Inside `with warnings.catch_warnings():` or `if not sys.warnoptions:` (the enclosing, less indented line)."""
    indent = len(m.text) - len(m.text.lstrip())
    if indent == 0:
        return False
    above = (
        lines_before(view, side.side, m.number, 30) if view.kind is not Kind.NOTEBOOK else side.lines_above(m.index, 30)
    )
    k = block_opener(above, indent)
    return k is not None and (_SCOPED.search(above[k]) is not None or _scoped_by_name(above[k], above[:k]))


#: `with ctx:` entering a context manager held in a name.
_WITH_NAME = lazy(r"[ \t]*with[ \t]+(\w+)[ \t]*:")


def _scoped_by_name(line: str, above: list[str]) -> bool:
    """`with ctx:` where the lines above made `ctx = warnings.catch_warnings()` (kept to enter later)."""
    entered = _WITH_NAME.match(line)
    if entered is None:
        return False
    made = re.compile(rf"^[ \t]*{entered.group(1)}[ \t]*=[^=\n]*catch_warnings\(")
    return any(made.match(earlier) for earlier in above)
