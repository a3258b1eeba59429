"""DEP009: an added import of a third-party package that no manifest of the repository declares.

A CHANGE rule rather than a FILE rule: it needs the repository tree (to tell the repository's own
modules from installed ones) and the text of every manifest at once, and those are read and parsed
once per review instead of once per changed file. It keeps the hunks of Python files, notebooks and
manifests. When it cannot know (no tree, no manifest at all, a manifest or a file one includes whose
text was not supplied, or that the tree lacks) it stays silent.
"""

from __future__ import annotations

import ast
import dataclasses
import posixpath
import re
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.importmap import (
    ALWAYS_AVAILABLE,
    DISTRIBUTIONS,
    FORMER_STDLIB,
    HOST_PROVIDED,
    NAMESPACE_DEPTHS,
    NOTEBOOK_PROVIDED,
    VARIANT_PREFIXES,
    VARIANT_SUFFIX_PATTERN,
    VARIANT_SUFFIXES,
)
from checks.lazyre import lazy
from checks.paths import DOCKERFILE_NAME, Kind, Role, ascii_lowered, kind, roles
from checks.registry import Docs, Scope, rule
from checks.rules.dependency_common import (
    canonical,
    parse_requirement,
    read_setup_cfg,
    read_toml,
    setup_cfg_requirements,
    strip_comment,
)
from checks.rules.python_strings import old_text
from checks.views import MAX_STATEMENT_LINES, ChangeView, FileView, Match, SideView

# --- which files declare dependencies ------------------------------------------------------------------------------

#: Every file a caller must supply the head text of (when the tree has it) for this rule to judge.
MANIFEST_PATTERNS: tuple[str, ...] = (
    r"(^|/)(requirements|requirments|requirement|reqs|constraints)[\w.-]*\.(txt|in)$",
    r"(^|/)requirements/([\w.-]+/)?[\w.-]+\.(txt|in)$",  # requirements/base.txt, requirements/<package>/base.txt
    r"(^|/)(?!(MANIFEST|Makefile|configure)\.in$)[\w-]+\.in$",  # pip-tools inputs (dev.in, base.in)
    r"(^|/)(pyproject([_-][\w-]+)?\.toml|pixi\.toml|setup\.py|setup\.cfg|Pipfile)$",  # pyproject_xpu.toml too
    r"(^|/)(environment|env|conda)[\w.-]*\.ya?ml$",
    r"(^|/)(conda[\w.-]*|[\w.-]*recipe[\w.-]*)/meta\.ya?ml$",
    DOCKERFILE_NAME,
)
_MANIFEST = lazy("|".join(f"(?:{p})" for p in MANIFEST_PATTERNS), re.IGNORECASE)
#: How every manifest's name ends, in lower case (one of MANIFEST_PATTERNS' endings, or a Dockerfile's name
#: anywhere in it): `re` would try each `(^|/)` pattern at every character of every path in the tree.
_MANIFEST_ENDINGS = (".txt", ".in", ".toml", "setup.py", ".cfg", "pipfile", ".yml", ".yaml", "containerfile")
#: Manifests of code that is not the repository's own (and test data) neither declare nor need texts.
_NOT_A_MANIFEST_ROLES = frozenset({Role.VENDORED, Role.GENERATED, Role.FIXTURE})


def is_manifest(path: str) -> bool:
    """Whether DEP009 reads `path` as a dependency manifest (so callers fetch its text)."""
    return _may_be_manifest(path) and _MANIFEST.search(path) is not None and not roles(path) & _NOT_A_MANIFEST_ROLES


def _may_be_manifest(path: str) -> bool:
    """False for most paths that `_MANIFEST` cannot match, at `str.endswith` speed (never for a non-ASCII one)."""
    lowered = ascii_lowered(path)
    if lowered is None:
        return True
    lowered = lowered.removesuffix("\n")  # `$` also matches before a final newline
    return lowered.endswith(_MANIFEST_ENDINGS) or "dockerfile" in lowered


# --- reading names out of manifests --------------------------------------------------------------------------------

_OPTION_WITH_FILE = lazy(r"(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)")
_EDITABLE = lazy(r"(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_EGG = lazy(r"[#&]egg=([A-Za-z0-9][\w.-]*)")
_FIRST_NAME = lazy(r"(?:[\w./-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".egg")
#: A comment (`#` at the start of a line or after a space, as pip reads it) and the words in it.
_COMMENT = lazy(r"(?:^|\s)#([^\n]*)")
_WORD = lazy(r"[A-Za-z][\w.-]*")
_QUOTED = lazy(r"[\"']([^\"'\n]+)[\"']")
_TOML_KEY = lazy(r"^\s*[\"']?([A-Za-z0-9][\w.-]*)[\"']?\s*=")
_DEPENDENCY_KEY = lazy(
    r"(?i)^(?:.*[-_])?(?:dependencies|requires|requirements|dev-packages|extras)$|^dependency-groups$"
)
#: `pip install x`, `conda install x`; and the installs from files: `conda env create -f x`, `pip-sync x`.
_INSTALL = lazy(
    r"\b(?:(?:pip3?|uv[ \t]+pip|conda|mamba|micromamba)[ \t]+install\b"
    r"|(?P<sync>(?:conda|mamba|micromamba)[ \t]+env[ \t]+(?:create|update)\b|pip-sync\b|uv[ \t]+pip[ \t]+sync\b))"
    r"(?P<args>[^\n&;|]*)"
)
_VALUE_OPTIONS = frozenset({"--channel", "-i", "--index-url", "--extra-index-url", "--find-links", "-n", "--name"})
_FILE_OPTIONS = frozenset({"-r", "--requirement", "-c", "--constraint", "-f", "--file"})
#: A file name setup.py reads its requirements from (`open("requirements/base.txt")`).
_DEPENDENCY_FILE = lazy(r"(?i)(req|dep|constraint)[\w.-]*\.(txt|in|pip)$")
#: Methods that add to a list of requirements after it was assigned.
_GROWING = frozenset({"append", "extend", "insert", "update", "add"})
#: nbdev's project settings, whose `requirements = ...` keys a computed setup.py reads with configparser.
NBDEV_SETTINGS = "settings.ini"
_SETUP_KEYWORDS = frozenset({"install_requires", "extras_require", "setup_requires", "tests_require"})
_PIPFILE_OTHER_TABLES = frozenset({"source", "requires", "scripts", "pipenv"})


@dataclass
class _Reading:
    """What one manifest says: the names it declares, and the other files it includes.

    `includes` are repository paths; `image_includes` are file names an image installs from
    (`pip install -r /app/requirements.lock`), whose folder in the repository the Dockerfile does not say.
    """

    names: set[str] = field(default_factory=set)
    includes: set[str] = field(default_factory=set)
    image_includes: set[str] = field(default_factory=set)

    def merge(self, other: _Reading) -> None:
        self.names |= other.names
        self.includes |= other.includes
        self.image_includes |= other.image_includes


def _spec_names(spec: str) -> set[str]:
    """Names in one requirement or conda spec: `numpy>=1`, `conda-forge::pytorch=2`, `x[extra]`, a VCS URL."""
    text = spec.strip().strip("\"'").strip()
    names: set[str] = set()
    egg = _EGG.search(text)
    if egg:
        names.add(egg.group(1))
    if "://" in text or text.startswith(("git+", "hg+", "svn+", "bzr+")):
        requirement = parse_requirement(text)
        if requirement is not None:
            names.add(requirement.name)
            return names
        # A bare URL: the repository (`.../CLIP.git`) or archive (`torch-2.4.1-cp311.whl`) names the package.
        last = text.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        last = last.split("@", 1)[0].removesuffix(".git")  # `detectron2.git@v0.6`
        names.add(last.split("-", 1)[0] if last.lower().endswith(_ARCHIVES) else last)
        return names
    if text.lower().endswith(_ARCHIVES):
        names.add(text.rsplit("/", 1)[-1].split("-", 1)[0])
        return names
    first = _FIRST_NAME.match(text)
    if first:
        names.add(first.group(1))
    requirement = parse_requirement(text)
    if requirement is not None:
        names.add(requirement.name)
        # `transformers[torch]` installs torch as well: counting the extras declared keeps the rule quiet.
        names.update(e.strip() for e in requirement.extras.strip("[]").split(",") if e.strip())
    return names


def _requirement_line(line: str, folder: str) -> _Reading:
    """One line of a pip requirements file (or of a conda file's `pip:` list)."""
    text = strip_comment(line).strip().removesuffix("\\").strip()
    reading = _Reading()
    if not text:
        return reading
    included = _OPTION_WITH_FILE.match(text)
    if included:
        reading.includes.add(_resolve(folder, included.group(1)))
        return reading
    editable = _EDITABLE.match(text)
    if editable:
        target = editable.group(1)
        if not target.startswith((".", "/")):
            reading.names |= _spec_names(target)
        return reading
    if not text.startswith(("-", ".", "/")):
        reading.names |= _spec_names(text)
    return reading


def _resolve(folder: str, reference: str) -> str:
    return posixpath.normpath(posixpath.join(folder, reference.strip("\"'")))


def _requirements_file(text: str, folder: str) -> _Reading:
    reading = _Reading()
    for line in text.splitlines():
        reading.merge(_requirement_line(line, folder))
    return reading


def _loose(text: str) -> _Reading:
    """Every name-like thing in a file no parser could read: too many names only ever keeps the rule quiet."""
    reading = _Reading()
    for raw in text.splitlines():
        line = strip_comment(raw).strip()
        if not line:
            continue
        line = line.lstrip("-").strip()
        for quoted in _QUOTED.findall(line):
            reading.names |= _spec_names(quoted)
        key = _TOML_KEY.match(line)
        if key:
            reading.names.add(key.group(1))
        reading.names |= _spec_names(line)
    return reading


def _toml(text: str, folder: str) -> _Reading:
    """pyproject.toml or pixi.toml: every dependency table and list, whoever's tool it belongs to.

    PEP 621 `dependencies` and `optional-dependencies`, `[dependency-groups]`, `[build-system] requires`,
    Poetry's dependency tables and groups, pixi's (features too), hatch environments, uv and PDM dev
    dependencies; files included through `dynamic` (`{file = [...]}`); and the project's own name.
    """
    data = read_toml(text)
    if data is None:
        return _loose(text)
    reading = _Reading()
    _walk_toml(data, in_dependencies=False, folder=folder, reading=reading)
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    for table in (data.get("project"), data.get("workspace"), poetry):
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            reading.names.add(table["name"])
    return reading


def _walk_toml(node: object, *, in_dependencies: bool, folder: str, reading: _Reading) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "files") and in_dependencies:
                files = [value] if isinstance(value, str) else value if isinstance(value, list) else []
                reading.includes.update(_resolve(folder, f) for f in files if isinstance(f, str))
                continue
            if in_dependencies:
                reading.names.add(str(key))  # Poetry, pixi and Pipfile-style tables name packages by key
            inside = in_dependencies or _DEPENDENCY_KEY.match(str(key)) is not None
            _walk_toml(value, in_dependencies=inside, folder=folder, reading=reading)
    elif isinstance(node, list):
        for item in node:
            _walk_toml(item, in_dependencies=in_dependencies, folder=folder, reading=reading)
    elif isinstance(node, str) and in_dependencies:
        names = _spec_names(node)
        if " " in node.strip() and parse_requirement(node) is None:
            names = {n for word in node.split() for n in _spec_names(word)}  # `test-requires = "pytest numpy"`
        reading.names |= names


def _pipfile(text: str) -> _Reading:
    data = read_toml(text)
    if data is None:
        return _loose(text)
    reading = _Reading()
    for table, packages in data.items():
        if table in _PIPFILE_OTHER_TABLES or not isinstance(packages, dict):
            continue
        for name, spec in packages.items():
            reading.names.add(name)
            if isinstance(spec, dict) and isinstance(spec.get("extras"), list):
                reading.names.update(e for e in spec["extras"] if isinstance(e, str))
    return reading


@dataclass(frozen=True)
class SetupCall:
    """What setup.py's `setup(...)` says of the package, read without running it."""

    module: ast.Module
    #: The strings of `name=`.
    names: frozenset[str]
    #: The lines of the strings of `install_requires`, `extras_require` and friends.
    requirements: tuple[str, ...]
    #: Whether those keywords were all literal (through module-level names): False when one is computed (read from
    #: a file, built by a function), passed as `**options`, or there is none.
    literal: bool


def read_setup_call(text: str) -> SetupCall | None:
    """setup.py's `setup(...)` keywords; None when the file does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    assigned: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = node.value
    # A list or dict added to later (`requirements += cfg.get(...).split()`, `.extend(...)`,
    # `extras["neptune"] = [...]`), or given another value in a block (`install_requires = []`, then under
    # `if os.path.exists("requirements.txt"):` the file's lines), is not its first value.
    top_level = {id(node) for node in tree.body}
    for later in ast.walk(tree):
        if isinstance(later, ast.AugAssign) and isinstance(later.target, ast.Name):
            assigned.pop(later.target.id, None)
        elif isinstance(later, ast.Assign):
            for target in later.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    assigned.pop(target.value.id, None)
                elif isinstance(target, ast.Name) and id(later) not in top_level:
                    assigned.pop(target.id, None)
        elif isinstance(later, ast.Attribute) and isinstance(later.value, ast.Name) and later.attr in _GROWING:
            assigned.pop(later.value.id, None)
    names: set[str] = set()
    requirements: list[str] = []
    found = False
    computed = False
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and _called_name(call.func).endswith("setup")):
            continue
        for keyword in call.keywords:
            if keyword.arg is None:
                computed = True  # setup(**options)
            elif keyword.arg == "name":
                names |= _strings(keyword.value, assigned)[0]
            elif keyword.arg in _SETUP_KEYWORDS:
                strings, complete = _strings(keyword.value, assigned)
                found = True
                computed = computed or not complete
                requirements.extend(line for string in strings for line in string.splitlines())
    return SetupCall(tree, frozenset(names), tuple(requirements), literal=found and not computed)


def _setup_py(text: str, folder: str) -> _Reading:
    """setup.py: the strings of install_requires, extras_require and friends, through module-level names.

    When those are computed (read from a file, built by a function), every string of the file counts:
    the names are somewhere in it, and a few stray words only keep the rule quiet.
    """
    call = read_setup_call(text)
    if call is None:
        return _loose(text)
    reading = _Reading(names=set(call.names))
    for line in call.requirements:
        reading.names |= _spec_names(line)
    if not call.literal:
        for constant in ast.walk(call.module):
            if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                for line in constant.value.splitlines():
                    reading.merge(_requirement_line(line, folder))
                if _DEPENDENCY_FILE.search(constant.value) or constant.value == NBDEV_SETTINGS:
                    reading.includes.add(_resolve(folder, constant.value))
    return reading


def _nbdev_settings(text: str) -> _Reading:
    """nbdev's settings.ini: the specs of its `requirements`, `pip_requirements`, `conda_requirements` and
    `dev_requirements` keys, space-separated."""
    import configparser  # noqa: PLC0415  (imported only when a review meets one)

    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    try:
        parser.read_string(text)
    except configparser.Error:
        return _loose(text)
    reading = _Reading()
    for key, value in parser.defaults().items():
        if key.endswith("requirements"):
            for spec in value.split():
                reading.names |= _spec_names(spec)
    return reading


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _strings(node: ast.expr, assigned: Mapping[str, ast.expr], depth: int = 0) -> tuple[set[str], bool]:
    """The string constants of an expression (following module-level names), and whether it was all literal."""
    found: set[str] = set()
    complete = True
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            found.add(inner.value)
        elif isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
            if inner.id in assigned and depth < 5:
                more, whole = _strings(assigned[inner.id], assigned, depth + 1)
                found |= more
                complete = complete and whole
            else:
                complete = False
        elif isinstance(inner, (ast.Call, ast.Subscript, ast.Attribute, ast.comprehension)):
            complete = False
    return found, complete


def _setup_cfg(text: str, folder: str) -> _Reading:
    parser = read_setup_cfg(text)
    if parser is None:
        return _loose(text)
    reading = _Reading()
    if parser.has_option("metadata", "name"):
        reading.names.add(parser.get("metadata", "name"))
    for line in setup_cfg_requirements(parser, sorted(_SETUP_KEYWORDS)):
        if line.strip().startswith("file:"):
            files = line.strip().removeprefix("file:").replace(",", " ").split()
            reading.includes.update(_resolve(folder, f) for f in files)
        else:
            reading.merge(_requirement_line(line, folder))
    return reading


def _conda_environment(text: str, folder: str) -> _Reading:
    """environment.yml: conda specs, and pip's requirement lines in its `pip:` section."""
    import yaml  # noqa: PLC0415  (imported only when a review meets an environment file)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506  (a safe loader, the C one when present)
    except (yaml.YAMLError, RecursionError):
        return _loose(text)
    if not isinstance(data, dict):
        return _Reading()
    reading = _Reading()
    listed = data.get("dependencies")
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, str):
            reading.names |= _spec_names(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                reading.names.add(str(key))
                for line in value if isinstance(value, list) else []:
                    if isinstance(line, str):
                        reading.merge(_requirement_line(line, folder))
    return reading


def _dockerfile(text: str) -> _Reading:
    """Packages an image installs by name (`RUN pip install torch==2.4.1`): the image is an environment too."""
    reading = _Reading()
    joined = re.sub(r"\\\r?\n", " ", text)
    for m in _INSTALL.finditer(joined):
        option = ""
        for raw in m.group("args").split():
            word = raw.strip("\"'")
            if option:
                if option in _FILE_OPTIONS or m.group("sync"):
                    reading.image_includes.add(word.rpartition("/")[2])
                option = ""
            elif word.startswith("-"):
                option = word if word in _VALUE_OPTIONS or word in _FILE_OPTIONS else ""
            elif m.group("sync"):
                reading.image_includes.add(word.rpartition("/")[2])
            elif word and not word.startswith((".", "/", "$")):
                reading.names |= _spec_names(word)
    return reading


def _read_manifest(path: str, text: str) -> _Reading:
    folder, _, base = path.rpartition("/")
    lower = base.lower()
    if lower == "pipfile":
        return _pipfile(text)
    if lower.endswith(".toml"):
        return _toml(text, folder)
    if lower == "setup.py":
        return _setup_py(text, folder)
    if lower == "setup.cfg":
        return _setup_cfg(text, folder)
    if lower == NBDEV_SETTINGS:
        return _nbdev_settings(text)
    if kind(path) is Kind.DOCKERFILE:
        return _dockerfile(text)
    if lower.startswith("meta.") and lower.endswith((".yml", ".yaml")):
        return _loose(text)  # conda recipes are Jinja templates first, YAML second
    reading = (
        _conda_environment(text, folder) if lower.endswith((".yml", ".yaml")) else _requirements_file(text, folder)
    )
    # `# torch: install the build for your CUDA from pytorch.org`: a package a requirements or environment
    # file speaks of is documented there, if not installed by it. When in doubt the rule stays quiet, so it
    # counts. (Comments in setup.py, pyproject.toml or a Dockerfile are prose and licences, not lists.)
    reading.names.update(_WORD.findall(" ".join(_COMMENT.findall(text))))
    return reading


_VARIANT_SUFFIX = lazy(rf"-(?:{'|'.join(VARIANT_SUFFIXES)}|{VARIANT_SUFFIX_PATTERN})$")


def _bare_forms(name: str) -> set[str]:
    """A declared name and what it declares once its variant marks are off: `faiss-cpu` -> faiss, `pyzmq` -> zmq;
    and each without its separators (`transfer-queue` is declared as `TransferQueue`)."""
    forms = {name}
    frontier = [name]
    while frontier:
        current = frontier.pop()
        stripped = [_VARIANT_SUFFIX.sub("", current)]
        stripped += [current[len(p) :].lstrip("-") for p in VARIANT_PREFIXES if current.startswith(p)]
        stripped += [current.removesuffix("-python")]
        for form in stripped:
            if form and form not in forms:
                forms.add(form)
                frontier.append(form)
    return forms | {form.replace("-", "") for form in forms}


@dataclass(frozen=True)
class Manifests:
    """The dependency declarations of the whole repository at the head of the change."""

    paths: tuple[str, ...]
    #: PEP 503 names declared anywhere, with their variant marks stripped too.
    declared: frozenset[str]
    #: Names a manifest of the change stops declaring (an import removed with them is not paid debt).
    undeclared_by_change: frozenset[str]

    def declares(self, candidates: Iterable[str]) -> bool:
        # Separators aside too: verl imports `transfer_queue` and declares `TransferQueue`.
        return any(c in self.declared or c.replace("-", "") in self.declared for c in candidates)


def read_manifests(view: ChangeView) -> Manifests | None:
    """Every manifest in the tree, read; None when that cannot be done whole (the rule then stays silent)."""
    tree = view.snapshot.tree
    if tree is None:
        return None
    paths = sorted(p for p in tree if is_manifest(p))
    if not paths:
        return None  # no manifest at all: the environment is documented elsewhere, if anywhere
    reading = _Reading()
    removed = _Reading()
    pending, done = list(paths), set()
    while pending:
        path = pending.pop()
        if path in done:
            continue
        done.add(path)
        text = view.snapshot.text(path)
        file = view.file(path)
        if text is None and file is not None and file.status is FileStatus.ADDED and file.patch.hunks:
            text = file.patch.added.text  # a new file's added lines are all of it
        if text is None:
            return None  # a file the caller did not supply (`-r base.pip` too) may declare anything
        found = _read_manifest(path, text)
        reading.merge(found)
        if file is not None and file.patch.removed:
            removed.merge(_declared_before(path, file))
        # Included files are read too: `-r base.pip`, `{file = [...]}`, an image's `pip install -r x.lock`. One the
        # tree lacks (a setup.py reading a requirements.txt its sdist left out) may have declared anything.
        if not found.includes <= tree:
            return None
        pending += [p for p in found.includes if p not in done]
        if found.image_includes:
            pending += [p for p in tree if p.rpartition("/")[2] in found.image_includes and p not in done]
    for patch in view.patches:
        deleted = view.file(patch.path) if patch.status is FileStatus.REMOVED and is_manifest(patch.path) else None
        if deleted is not None and patch.removed:
            removed.merge(_declared_before(patch.path, deleted))  # a manifest the change deletes
    declared = {form for name in reading.names for form in _bare_forms(canonical(name))}
    # In every form an import may need it by (`python-daemon` declared `daemon`), as `declared` has them.
    undeclared = {form for name in removed.names for form in _bare_forms(canonical(name))} - declared
    return Manifests(tuple(paths), frozenset(declared), frozenset(undeclared))


def _declared_before(path: str, file: FileView) -> _Reading:
    """What a manifest the change edits or deletes declared before it, as far as that is known: every name-like thing
    on its removed lines (fragments no parser reads), and its whole text before the change read as such a manifest
    is, when known (`requirements = matplotlib numba` in nbdev's settings.ini names its packages in one value)."""
    before = _loose(file.patch.removed.text)
    old = file.old_text
    if old is not None:
        before.merge(_read_manifest(path, old))
    return before


# --- reading imports out of Python files and notebooks -------------------------------------------------------------

#: `import a.b` and `from a.b import`, each starting with a literal so the regex engine skips ahead at C speed
#: (a pattern opening with `^` or an alternation is tried at every position); that nothing but indentation
#: precedes them on their line is checked per match. Relative imports (`from . import x`) do not match.
_PLAIN_IMPORT = lazy(r"import[ \t]+([A-Za-z_][\w.]*)")
_FROM_IMPORT = lazy(r"from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b")
_BRACKETS = str.maketrans("()\\", "   ")
_DOTTED = lazy(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_STDLIB = frozenset(sys.stdlib_module_names) | FORMER_STDLIB | ALWAYS_AVAILABLE
#: spaCy and scispaCy pipelines, installed with `python -m spacy download`, not from a manifest.
_SPACY_MODEL = lazy(r"^[a-z]{2}_(?:core|dep|ent)_(?:web|news|sci|wiki|craft|jnlpba|bc5cdr|bionlp)\w*$")
#: Folders whose code has its dependencies declared elsewhere: benchmarks, and tooling in a dot folder (`.github/`,
#: `.actions/`, `.ci/`), which no code imports (a folder named with a dot is no package).
_ELSEWHERE = lazy(r"(?i)(^|/)(benchmark(?:s|ing)?|\.[\w-]+)/")
_TOOLING_FILES = frozenset({"setup.py", "noxfile.py", "fabfile.py", "conftest.py", "dodo.py"})
_NOT_OURS = frozenset({Role.TEST, Role.FIXTURE, Role.EXAMPLE, Role.DOCS, Role.VENDORED, Role.GENERATED})
_DATABRICKS = "# Databricks notebook source"
#: Where a namespace folder of Python files is not a package the code imports.
_NOT_IMPORTED_FOLDER = lazy(r"(?i)(^|/)(tests?|testing|examples?|docs?|fixtures?|tutorials?)/")
_PYTHON_MODULE = (".py", ".pyi", ".pyx", ".pxd", ".so", ".pyd")


def reads_lines(path: str) -> bool:
    """The files whose hunks the rule reads: Python files, notebooks and manifests, nbdev's settings included (what
    its removed lines declared is known from them)."""
    return kind(path) in (Kind.PYTHON, Kind.NOTEBOOK) or is_manifest(path) or path.rpartition("/")[2] == NBDEV_SETTINGS


class _Judge:
    """Decides, once per module path, whether an import needs a declaration and which distribution that is."""

    def __init__(self, view: ChangeView) -> None:
        self._view = view
        self._verdicts: dict[str, str | None] = {}
        self._importers: dict[str, dict[str, list[tuple[str, str, int]]]] = {}
        self._modules: dict[str, _WholeFile] = {}

    @cached_property
    def manifests(self) -> Manifests | None:
        return read_manifests(self._view)

    @cached_property
    def _python_texts(self) -> dict[str, list[tuple[str, str]]]:
        """The Python modules the review has the text of, (path, text) by folder."""
        by_folder: dict[str, list[tuple[str, str]]] = {}
        for path, text in self._view.snapshot.texts.items():
            if path.endswith(".py"):
                by_folder.setdefault(path.rpartition("/")[0], []).append((path, text))
        return by_folder

    def importers(self, folder: str) -> dict[str, list[tuple[str, str, int]]]:
        """What the modules of `folder` (those the review has the text of) import, by the imported module's last
        name: (importer, the module's dotted name, relative ones resolved, the import's line index). Read once per
        folder, when a file's importers are first looked for (see `_FileImports._optional_backend`)."""
        found = self._importers.get(folder)
        if found is None:
            found = self._importers[folder] = {}
            for path, text in self._python_texts.get(folder, []):
                line, counted = 0, 0
                for start, imported in _line_imports(text):
                    line += text.count("\n", counted, start)
                    counted = start
                    name = _absolute(imported, folder)
                    if name is not None:
                        found.setdefault(name.rpartition(".")[2], []).append((path, name, line))
        return found

    def module(self, path: str) -> _WholeFile:
        """The module at `path`, whose text the review has, read as lines once."""
        whole = self._modules.get(path)
        if whole is None:
            whole = self._modules[path] = _WholeFile.of_text(self._view.snapshot.texts[path])
        return whole

    @cached_property
    def local_names(self) -> frozenset[str]:
        """Top-level names the repository itself provides: its packages, modules, extensions and submodules. A
        package inside another (`speechbrain/lobes/models/flair/`) is no top-level name: `import flair` there is
        the distribution's."""
        paths: set[str] = set(self._view.snapshot.tree or ())
        paths.update(self._view.paths())
        # A package's folder (not the root's: a repository with an `__init__.py` at its top still imports from it).
        packages = {path.rpartition("/")[0] for path in paths if path.rpartition("/")[2].startswith("__init__.")} - {""}
        names: set[str] = set()
        for path in paths:
            folder, _, base = path.rpartition("/")
            if "." not in base:
                names.add(base)  # a submodule, or an extension-less file: harmless either way
                continue
            if not base.endswith(_PYTHON_MODULE):
                continue
            names.add(base.split(".", 1)[0])
            if not folder or (not base.startswith("__init__.") and _NOT_IMPORTED_FOLDER.search(path) is not None):
                continue
            # Each folder on the way (PEP 420 namespace packages have no __init__.py) that is not in a package.
            parts = folder.split("/")
            names.update(part for i, part in enumerate(parts) if "/".join(parts[:i]) not in packages)
        return frozenset(names)

    def distribution(self, module: str, *, notebook: bool) -> str | None:
        """The distribution `module` needs that no manifest declares, or None (stdlib, local, declared, unknowable)."""
        key = f"{'nb:' if notebook else ''}{module}"
        if key not in self._verdicts:
            self._verdicts[key] = self._judge(module, notebook=notebook)
        return self._verdicts[key]

    def _judge(self, module: str, *, notebook: bool) -> str | None:
        parts = module.split(".")
        top = parts[0]
        if top in _STDLIB or top.startswith("_") or parts[-1].endswith(("_pb2", "_pb2_grpc")):
            return None  # generated protobuf modules are built, not installed
        if _SPACY_MODEL.match(top) or any(".".join(parts[:i]) in HOST_PROVIDED for i in range(1, len(parts) + 1)):
            return None
        if notebook and top in NOTEBOOK_PROVIDED:
            return None
        distribution = _distribution_name(parts)
        if distribution is None:
            return None
        manifests = self.manifests
        if manifests is None or manifests.declares(_candidates(parts)):
            return None
        if top in self.local_names:
            return None
        return distribution


def _distribution_name(parts: list[str]) -> str | None:
    """The distribution a finding names: from the import map, a namespace package's path, or the import name."""
    for length in range(len(parts), 0, -1):
        mapped = DISTRIBUTIONS.get(".".join(parts[:length]))
        if mapped:
            return mapped[0]
    for length in range(len(parts), 0, -1):
        depth = NAMESPACE_DEPTHS.get(".".join(parts[:length]))
        if depth is not None:
            return canonical(".".join(parts[:depth])) if len(parts) >= depth else None
    return parts[0]


def _candidates(parts: list[str]) -> set[str]:
    """Every PEP 503 name whose declaration satisfies the import: each dotted prefix, and what the map says."""
    found: set[str] = set()
    for length in range(1, len(parts) + 1):
        prefix = ".".join(parts[:length])
        found.add(canonical(prefix))
        found.update(canonical(d) for d in DISTRIBUTIONS.get(prefix, ()))
    return found


def _namespace_short(module: str) -> bool:
    """`from google.cloud import storage`: the imported names complete the distribution's path."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        depth = NAMESPACE_DEPTHS.get(".".join(parts[:length]))
        if depth is not None:
            return len(parts) < depth
    return False


def _import_statements(text: str) -> list[re.Match[str]]:
    """The import statements of one side's text, in order: matches with only indentation before them, on a line
    that does not continue the one above (`from pkg.boxes \\` then `import Box`)."""
    found = []
    for pattern, needle in ((_PLAIN_IMPORT, "import"), (_FROM_IMPORT, "from")):
        if needle not in text:
            continue
        for raw in pattern.finditer(text):
            start = raw.start()
            line_start = text.rfind("\n", 0, start) + 1
            head = text[line_start:start]
            if (not head or head.isspace()) and not _continues_above(text, line_start):
                found.append(raw)
    found.sort(key=lambda raw: raw.start())
    return found


def _continues_above(text: str, line_start: int) -> bool:
    """Whether the line starting at `line_start` continues the line above it (which ends in a backslash)."""
    end = line_start - 1  # the newline closing the line above
    if end > 0 and text[end - 1] == "\r":
        end -= 1
    return end > 0 and text[end - 1] == "\\"


def _imported_modules(text: str, raw: re.Match[str]) -> list[str]:
    """The module paths one import statement brings in."""
    end = text.find("\n", raw.end())
    end = len(text) if end < 0 else end
    if text.startswith("import", raw.start()):  # `_PLAIN_IMPORT`'s (a `from` import starts with `from`)
        while text[raw.start() : end].rstrip().endswith("\\") and end < len(text):  # `import a, \` goes on
            line_end = text.find("\n", end + 1)
            end = len(text) if line_end < 0 else line_end
        listed = text[raw.start() + len("import") : end].split("#", 1)[0].split(";", 1)[0]
        if "," not in listed and "\\" not in listed:
            return [raw.group(1)]
        found = (_DOTTED.match(item.strip()) for item in listed.replace("\\", " ").split(","))
        return [name.group() for name in found if name is not None]
    module = raw.group(1)
    if module == "__future__":
        return []
    if not _namespace_short(module):
        return [module]
    # `from google.cloud import (storage, bigquery)`: the names, comments off, up to the closing bracket.
    parts = [text[raw.end() : end].split("#", 1)[0]]
    if "(" in parts[0] and ")" not in parts[0]:
        for following in text[end + 1 :].split("\n", MAX_STATEMENT_LINES)[:MAX_STATEMENT_LINES]:
            parts.append(following.split("#", 1)[0])
            if ")" in following:
                break
    names = " ".join(parts).translate(_BRACKETS).split(",")
    return [f"{module}.{n.group()}" for n in map(_DOTTED.match, map(str.strip, names)) if n is not None]


# --- which imports run unconditionally -----------------------------------------------------------------------------

_MAIN_CHECK = lazy(r"""^if\s*\(?\s*(?:__name__\s*==\s*["']__main__["']|["']__main__["']\s*==\s*__name__)""")
#: Lines that open a block whose imports are optional or conditional: `try:` and its handlers, any `if`
#: (`TYPE_CHECKING`, `is_x_available()`, a feature flag), `with suppress(ImportError)` / `with try_import()`.
#: A check that an optional package is installed (or installs it: DEP010's debt, `check_requirements("mss")`), or
#: that its feature is on (`is_deepspeed_zero3_enabled()`), before a function imports it; or a flag holding such a
#: check's answer (`if not _JINJA2_AVAILABLE: raise ...`, `HAS_CUPY`).
_AVAILABILITY = lazy(
    r"(?:available|installed)\(|find_spec\w*\(|requires_backends\(|require_version\(|check_requirements\(|"
    r"\bis_\w+_enabled\(|soft_dependencies\(|"  # skbase/sktime/pycaret: `_check_soft_dependencies("xgboost")`
    r"\b[A-Z_][A-Z0-9_]*_AVAILABLE\b|\b_?HAS_[A-Z0-9_]+\b"
)
#: A check naming the package it looks for, quoted: what `_FileImports.checks_by_name` completes with the names. A
#: module imported by its name (`import_module("x")`, `safe_import("x")`, `importorskip("x")`) is one too.
#: The name given alone or in a list or tuple of names (`check_requirements(["deepsparse", "sparseml"])`).
_CHECKED_BY_NAME = lazy(
    rf"(?:{_AVAILABILITY.pattern}|RequirementCache\(|\w*import\w*\()\s*[\[(]?\s*(?:[\"'][^\"'\n]*[\"']\s*,\s*)*[\"']"
)
#: A handler of a package's absence earlier in the function (`try: import colbert` / `except ImportError: ...`):
#: the function treats the package as optional, and its later imports with it.
_IMPORT_HANDLER = lazy(r"except\b.*\b(?:ImportError|ModuleNotFoundError)\b")
_GUARD_OPENER = lazy(
    r"^(?:try\s*:|except\b|else\s*:|elif\b|if\b|match\b|case\b|with\b.*(?:suppress|import|optional|lazy))"
)


#: How far above its `except ImportError:` a `try` block's imports are looked for (and below it, what it does).
_TRY_LOOKBACK = 20
_STOP = lazy(r"[ \t]+(?:raise|assert)\b")
#: A handler that catches a package's absence, by name or among all errors (`except Exception as err:` that raises an
#: install message, as deepface checks torch).
_ABSENCE_HANDLER = lazy(r"except\b.*\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b")


def _tried_imports(source: str) -> str:
    """The lines of the `try` blocks in `source` whose handler stops on ImportError, or on any exception (raises or
    asserts, with an install message: a check the file's features call first), joined. A handler that falls back
    (`plt = None`) makes only its own import optional: a plain import elsewhere then needs the package."""
    blocks: list[str] = []
    for error in ("ImportError", "ModuleNotFoundError", "except Exception", "except BaseException"):
        at = source.find(error)
        while at != -1:
            start, end = source.rfind("\n", 0, at) + 1, source.find("\n", at)
            line = source[start : end if end != -1 else len(source)]
            indent = len(line) - len(line.lstrip())
            if _ABSENCE_HANDLER.match(line.strip()) and _stops(source, end, indent):
                blocks.extend(_try_block(source, start, indent))
            at = source.find(error, at + len(error))
    return "\n".join(blocks)


def _stops(source: str, end: int, indent: int) -> bool:
    """Whether the handler whose line ends at offset `end` (indented `indent`) raises or asserts in its body."""
    for line in source[end + 1 :].split("\n", _TRY_LOOKBACK)[:_TRY_LOOKBACK] if end != -1 else ():
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            return False
        if _STOP.match(line):
            return True
    return False


#: A line that may stand above a module's opening guard: blank, a comment, indented (a block's body, an import's
#: continuation), an import or its closing bracket, the guard's `try:`.
_MODULE_HEAD = lazy(r"[ \t\r]*(?:#.*)?|[ \t]+\S.*|(?:import|from)[ \t].*|\)[ \t\r]*|try[ \t]*:[ \t\r]*(?:#.*)?")


def _opens_module(head: str) -> bool:
    """Whether the module's text up to its first top-level `except` holds nothing but its docstring, imports and the
    `try:` that handler closes: no function, class or other statement ran before it."""
    text = head.lstrip()
    opening = text.lstrip("rRuU")[:3]
    if opening in ('"""', "'''"):
        close = text.find(opening, text.index(opening) + 3)
        if close == -1:
            return False
        text = text[close + 3 :]
    return all(_MODULE_HEAD.fullmatch(line) for line in text.split("\n"))


def _try_block(source: str, handler: int, indent: int) -> list[str]:
    """The body of the `try:` that the handler starting at offset `handler` (indented `indent`) closes; [] when the
    `try:` is not within reach."""
    body: list[str] = []
    end = handler - 1
    for _ in range(_TRY_LOOKBACK):
        if end <= 0:
            break
        start = source.rfind("\n", 0, end) + 1
        line = source[start:end]
        end = start - 1
        if not line.strip():
            continue
        if len(line) - len(line.lstrip()) > indent:
            body.append(line)
        elif line.lstrip().startswith("except"):
            body = []  # an earlier handler's lines (`except ValueError:`): the try's body is above them
        else:
            return body  # the `try:`
    return []


def _guarded_by_indent(line: str, above: Sequence[str]) -> bool | None:
    """From the lines above (nearest last): True under a try/if/except or after an availability check in
    its block, False at top level or only in functions, None when the enclosing blocks are not visible."""
    indent = len(line) - len(line.lstrip())
    if indent == 0:
        return False
    closed = False  # past the bracket closing a block opener's condition (`):`), whose first line is its opener
    exits = False  # the block just above, more indented, leaves the function (`raise`, `return`)
    for previous in reversed(above):
        stripped = previous.strip()
        if not stripped or stripped.startswith("#"):
            continue
        level = len(previous) - len(previous.lstrip())
        if level > indent:
            exits = exits or _EXIT.match(stripped) is not None
            continue  # inside another statement's block above, or the condition's lines: not this import's guard
        if _AVAILABILITY.search(stripped) or _IMPORT_HANDLER.match(stripped):
            return True  # `if not is_av_available(): raise ImportError(...)` just before `import av`, or handled
        if level == indent and not closed:
            if exits and _GUARD_CLAUSE.match(stripped):
                return True  # a guard clause (`if not self.ai_chat: raise ...`): the rest of the block runs under it
            exits = False
            continue
        if stripped[0] in _CLOSING and stripped.endswith(":"):
            closed, indent = True, level  # `):` of `if (` over several lines: its opener is further up
            continue
        closed = exits = False
        if _GUARD_OPENER.match(stripped) and not _MAIN_CHECK.match(stripped):
            return True
        if level == 0:
            return False
        indent = level
    return None


_CLOSING = ")]}"
_EXIT = lazy(r"(?:raise|return)\b")
#: A guard clause's condition: a flag the function refuses to run without (`if not self.ai_chat:`, `if not enable or
#: _already_enabled:`); not a check of
#: its input (`if not hasattr(explainer, "__version__"):`), nor a dispatch on a value (`if TOOLBOX == "torch": ...
#: return`), after which the import still runs whenever the function does its work.
_GUARD_CLAUSE = lazy(r"if\s+not\s+[\w.]+(?:\s+or\s+[\w.]+)*\s*:$")


def _notebook_imports(file: FileView) -> dict[str, bool]:
    """For a known notebook: each import line's text -> whether some occurrence of it runs unconditionally."""
    found: dict[str, bool] = {}
    notebook = file.notebook
    if notebook is None:
        return found
    for cell in notebook.code_cells():
        whole = _WholeFile.of_text(cell.source)
        for raw in _import_statements(cell.source):
            index = cell.source.count("\n", 0, raw.start())
            text = whole.lines[index].strip()
            found[text] = found.get(text, False) or whole.plain(index)
    return found


#: How far above an import the reading looks for the block that encloses it: past the methods above it in a long
#: class, up to the class.
_LOOK_BACK = 2_000
_TRIPLE_QUOTES = ('"""', "'''")


class _WholeFile:
    """All of one side's file as lines (the post-change text, or a side that is the whole file), read
    without parsing: on a release, parsing every changed file costs milliseconds each."""

    def __init__(self, text: str, lines: Sequence[str], start: Callable[[int], int]) -> None:
        self.text = text
        self.lines = lines
        self._start = start

    @classmethod
    def of_text(cls, text: str) -> _WholeFile:
        lines = text.split("\n")
        ends = list(accumulate(map(len, lines)))  # C speed; line i starts at ends[i - 1] + i
        return cls(text, lines, lambda i: ends[i - 1] + i if i > 0 else 0)

    @cached_property
    def _quotes(self) -> list[list[int]]:
        return [_positions(self.text, quote) for quote in _TRIPLE_QUOTES]

    def in_string(self, index: int) -> bool:
        """Whether line `index` (from 0) stands inside a triple-quoted string: a docstring's example."""
        start = self._start(index)
        return any(bisect_left(positions, start) % 2 == 1 for positions in self._quotes)

    def plain(self, index: int) -> bool:
        """Whether line `index` (from 0) is an import that runs unconditionally: not in a string, not guarded."""
        if self.in_string(index):
            return False
        above = self.lines[max(0, index - _LOOK_BACK) : index]
        return _guarded_by_indent(self.lines[index], above) is False


def _positions(text: str, needle: str) -> list[int]:
    found = []
    at = text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


#: The top-level names of Java's packages, by its naming convention (a reversed domain name) and its own.
_JAVA_ROOTS = frozenset({"java", "javax", "jdk", "sun", "org", "com", "net", "edu"})
#: JPype's import hook switched on: Java packages import as Python modules from then on.
_JPYPE_IMPORTS = lazy(r"^[ \t]*(?:import[ \t]+jpype\.imports\b|from[ \t]+jpype[ \t]+import\b[^\n]*\bimports\b)", re.M)


#: The module an import statement names, relative or not (`import a.b`, `from ..a import b`): found by their
#: keyword at `str.find` speed, then kept when only blanks stand before them on their line.
_ANY_IMPORT = (lazy(r"import[ \t]+([\w.]+)"), lazy(r"from[ \t]+([\w.]+)[ \t]+import\b([ \t]*\(?[\w \t,]*)"))


def _line_imports(text: str) -> list[tuple[int, str]]:
    """Where each import statement of a module's text starts, and the modules it may name, in order: `from pkg import
    mod` names `pkg` and, for all the line says, a module `pkg.mod` (dopamine's `from dopamine.discrete_domains import
    atari_lib`)."""
    found = []
    for pattern in _ANY_IMPORT:
        for m in pattern.finditer(text):
            start = m.start()
            line_start = text.rfind("\n", 0, start) + 1
            if start == line_start or text[line_start:start].isspace():
                found.append((start, m[1]))
                if m.lastindex == 2:
                    package = m[1] if m[1].endswith(".") else m[1] + "."
                    names = m[2].strip(" \t(").split(",")
                    found += [(start, package + name.split()[0]) for name in names if name.strip()]
    return sorted(found)


def _absolute(name: str, folder: str) -> str | None:
    """A module's dotted name as imported by a module of `folder`: a relative one (`.stem`, `..sub.stem`) resolved
    against it (one dot: the importer's own package; each more, a package up); None past the top."""
    if not name.startswith("."):
        return name
    parts = folder.split("/") if folder else []
    up = len(name) - len(name.lstrip(".")) - 1
    if up > len(parts):
        return None
    return ".".join([*parts[: len(parts) - up], name.lstrip(".")])


class _FileImports:
    """One changed file's imports on one side, with the context that tells plain imports from optional ones."""

    def __init__(self, file: FileView, side: SideView, judge: _Judge) -> None:
        self.file = file
        self.side = side
        self._judge = judge

    @cached_property
    def _whole_side(self) -> _WholeFile | None:
        """The side's lines when they are the whole file (an added or a deleted file)."""
        whole = FileStatus.ADDED if self.side.side is Side.ADDED else FileStatus.REMOVED
        if self.file.status is not whole:
            return None
        lines = self.side.lines
        return _WholeFile(lines.text, lines.texts(), lines.start)

    @cached_property
    def _module(self) -> _WholeFile | None:
        """The module on the side's side of the change: its post-change text, or for removed lines its text as it
        was (rebuilt from the post-change text and the diff); None when the text is not known."""
        text = self.file.text if self.side.side is Side.ADDED else old_text(self.file)
        return None if text is None else _WholeFile.of_text(text)

    @cached_property
    def _cell_imports(self) -> dict[str, bool]:
        return _notebook_imports(self.file) if self.side.side is Side.ADDED else {}

    @cached_property
    def _optional_backend(self) -> bool:
        """Whether every module of its own folder, and every package `__init__.py` above it, that imports this file
        (of those the review has the text of) does so only under a guard: keybert's `llm/__init__.py` importing
        `llm/_openai.py` under `try:`/`except ModuleNotFoundError:`, pymoo's `gradient/automatic.py` importing
        `gradient/grad_jax.py` under `if TOOLBOX == "jax.numpy":`. The file is then an optional backend, its imports
        optional with it. Not when no importer is known. An import names the file by its dotted name, from a `src/`
        layout too, or relative to the importer."""
        path = self.file.path
        folder, _, name = path.rpartition("/")
        if not name.endswith(".py") or name == "__init__.py":
            return False
        stem = name.removesuffix(".py")
        judge = self._judge
        found = list(judge.importers(folder).get(stem, []))
        parts = folder.split("/") if folder else []
        for depth in range(len(parts)):
            above = "/".join(parts[:depth])
            init = f"{above}/__init__.py" if above else "__init__.py"
            found += [entry for entry in judge.importers(above).get(stem, []) if entry[0] == init]
        dotted = "." + path.removesuffix(".py").replace("/", ".")
        guarded = False
        for importer, imported, index in found:
            if importer == path or not dotted.endswith("." + imported):
                continue
            module = judge.module(importer)
            if module.in_string(index):
                continue  # a docstring's example imports nothing
            if module.plain(index):
                return False
            guarded = True
        return guarded

    def plain(self, m: Match) -> bool:
        """Whether the import at `m` is a real statement that runs unconditionally (module level or a function), in
        a module that is no optional backend."""
        guard = self._backend_guard
        return self._plain_statement(m) and not self._optional_backend and not (guard and m.number > guard)

    @cached_property
    def _backend_guard(self) -> int:
        """The line of the module's opening guard, 0 when it has none: a module-level `try:` importing a package no
        manifest declares, before any code but imports, whose `except ImportError:` raises (textgrad's
        `engine/bedrock.py` opens with `try: from langchain_aws import ChatBedrock` / `except ImportError: raise
        ImportError("... pip install langchain-aws")`). The module is that optional package's integration, run only
        with it installed: its later imports (botocore, langchain_core) are the integration's, optional with it. A
        guard on a declared package (torch, for a package built on it) makes nothing optional."""
        whole = self._whole_side or self._module
        source = whole.text if whole is not None else ""
        at = source.find("\nexcept")
        if at == -1 or not _opens_module(source[:at]):
            return 0
        start, end = at + 1, source.find("\n", at + 1)
        line = source[start : end if end != -1 else len(source)]
        if not _IMPORT_HANDLER.match(line) or not _stops(source, end, 0):
            return 0
        tried = "\n".join(_try_block(source, start, 0))
        optional = any(
            self._judge.distribution(module, notebook=False) is not None
            for raw in _import_statements(tried)
            for module in _imported_modules(tried, raw)
        )
        return source.count("\n", 0, start) + 1 if optional else 0

    def _plain_statement(self, m: Match) -> bool:
        if self.file.kind is Kind.NOTEBOOK:
            known = self._cell_imports.get(m.text.strip())
            if known is not None:
                return known
            return self._parses(m) and _guarded_by_indent(m.text, self.side.lines_above(m.index, 60)) is False
        whole = self._whole_side
        if whole is not None:
            return whole.plain(m.index)
        module = self._module
        if (
            module is not None
            and 0 < m.number <= len(module.lines)
            and module.lines[m.number - 1].rstrip("\r") == m.text
        ):
            return module.plain(m.number - 1)
        if not self._parses(m):
            return False
        above = self._hunk_above(m)
        if any(sum(line.count(quote) for line in above) % 2 for quote in _TRIPLE_QUOTES):
            return False  # an unclosed docstring above, as far as the hunk shows
        return _guarded_by_indent(m.text, above) is False

    def imported_before(self, judge: _Judge, distribution: str, m: Match) -> bool:
        """Whether the file depended on the distribution before the change: the post-change file imports it
        unconditionally on a line the change keeps (`import faiss` in one more function of a module that had it),
        or the import at `m` took the place of one of it (`from hub import a` -> `from hub import a, b`)."""
        if distribution in self.kept(judge) or distribution in self._removed_plainly(judge):
            return True
        lines = self.file.patch.replaced(m.number, self._added)
        if any(_GUARD_OPENER.match(line.strip()) for line in lines):
            return False  # the change took a guard away with it (`try:` ... `except ImportError:`): now required
        replaced = "\n".join(lines)
        return any(
            judge.distribution(module, notebook=False) == distribution
            for raw in _import_statements(replaced)
            for module in _imported_modules(replaced, raw)
        )

    def _removed_plainly(self, judge: _Judge) -> frozenset[str]:
        """The distributions the file's removed lines imported unconditionally: an import of one the change adds
        elsewhere in the file is the same moved (isort's reordering of a block), not a new dependency."""

        def read() -> frozenset[str]:
            removed = self.file.removed
            if "import" not in removed.lines.text:
                return frozenset()
            imports = _FileImports(self.file, removed, judge)
            lines = removed.lines
            found: set[str] = set()
            for raw in _import_statements(lines.text):
                index = lines.at(raw.start())
                if not imports.plain(Match(raw, index, lines.number(index), lines.line(index))):
                    continue
                found.update(
                    distribution
                    for module in _imported_modules(lines.text, raw)
                    if (distribution := judge.distribution(module, notebook=False)) is not None
                )
            return frozenset(found)

        return self.side.memo("DEP009 removed plainly", read)

    @cached_property
    def _added(self) -> frozenset[int]:
        """The numbers of the file's added lines."""
        return frozenset(self.file.patch.added.numbers())

    def kept(self, judge: _Judge) -> frozenset[str]:
        """The undeclared distributions the post-change file imports unconditionally on lines the change keeps."""
        return self.side.memo("DEP009 kept", lambda: self._read_kept(judge))

    def _read_kept(self, judge: _Judge) -> frozenset[str]:
        whole, text = self._module, self.file.text
        if whole is None or text is None or self.file.status is FileStatus.ADDED:
            return frozenset()
        added = self._added
        found: set[str] = set()
        index, counted = 0, 0
        for raw in _import_statements(text):
            index += text.count("\n", counted, raw.start())
            counted = raw.start()
            if index + 1 in added or not whole.plain(index):
                continue
            for module in _imported_modules(text, raw):
                distribution = judge.distribution(module, notebook=False)
                if distribution is not None:
                    found.add(distribution)
        return frozenset(found)

    def java_package(self, module: str) -> bool:
        """Whether the module imported is a Java package the file reaches through JPype's import hook (`import
        jpype.imports`, then `from org.alex73.fanetyka.impl import FanetykaText`): a class from a jar on the JVM's
        class path, which no Python manifest declares."""
        return module.partition(".")[0] in _JAVA_ROOTS and self._hooks_java

    @cached_property
    def _hooks_java(self) -> bool:
        texts = (self.side.lines.text, self._module.text if self._module is not None else "")
        return any("jpype" in text and _JPYPE_IMPORTS.search(text) is not None for text in texts)

    @cached_property
    def _source(self) -> str:
        """Where the file's checks are looked for: its text on the side's side of the change when known (before it,
        for removed imports: a check deleted with its import guarded it), else the side's lines."""
        text = self.file.text
        if self.side.side is Side.REMOVED:
            text = self.file.old_text or text
        return text if text is not None else self.side.lines.text

    @cached_property
    def _tried_imports(self) -> str:
        """The file's `try` blocks whose ImportError handler stops (see `_tried_imports`), read once for every import
        of the file that `checks_by_name` is asked about."""
        return _tried_imports(self._source)

    def checks_by_name(self, module: str, distribution: str) -> bool:
        """Whether the file checks by name that the package is installed (`RequirementCache("comet-ml>=3")`,
        `find_spec("comet_ml")`, `is_comet_ml_available()`, `"comet_ml" in sys.modules`): an optional integration,
        whose imports run once that check passed."""
        source = self._source
        # Named either way (`comet-ml`, `comet_ml`): separators compare alike, as PEP 503 has it.
        names = sorted({module.partition(".")[0], distribution})
        if "_available(" in source or "can_use_" in source:
            spelled = "|".join(re.escape(re.sub(r"[-_.]+", "_", name)) for name in names)
            if re.search(rf"\b(?:is_(?:{spelled})_available|can_use_(?:{spelled}))\(", source, re.IGNORECASE):
                return True
        named = "|".join("[-_.]".join(map(re.escape, re.split(r"[-_.]+", name))) for name in names)
        # `if "regex" in sys.modules:`: code for a package that only runs once something else imported it.
        if "sys.modules" in source and re.search(rf"[\"'](?:{named})[\"']\s+in\s+sys\.modules\b", source):
            return True
        # `try: import matplotlib` / `except ImportError: raise ...` in a helper the plotting functions call first.
        tried = self._tried_imports
        if tried and re.search(rf"^[ \t]*(?:import|from)[ \t]+(?:{named})(?![\w])", tried, re.MULTILINE):
            return True
        if _CHECKED_BY_NAME.search(source) is None:
            return False
        return re.search(rf"{_CHECKED_BY_NAME.pattern}(?:{named})(?![\w.])", source, re.IGNORECASE) is not None

    def _hunk_above(self, m: Match) -> list[str]:
        """The lines the match's hunk shows above it on its side, context lines included."""
        added = self.side.side is Side.ADDED
        for hunk in self.file.patch.hunks:
            start, length = (hunk.new_start, hunk.new_length) if added else (hunk.old_start, hunk.old_length)
            if start <= m.number < start + length:
                other = "-" if added else "+"
                shown = [raw[1:] for raw in hunk.body.split("\n") if raw[:1] not in (other, "\\")]
                return shown[max(0, m.number - start - _LOOK_BACK) : m.number - start]
        return []

    def _parses(self, m: Match) -> bool:
        statement, _ = self.side.statement(m.index)
        # `from x import a, \` continues on the next line, which `statement` does not follow.
        text = statement.strip().removesuffix("\\").rstrip().removesuffix(",")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            return False
        return True


def _in_a_subpackage(file: FileView, folder: re.Match[str]) -> bool:
    """Whether the folder `_ELSEWHERE` found in the file's path is a benchmarks folder inside a package of the
    repository's (its parent holds an `__init__.py` in the tree: `deepeval/benchmarks/`, imported as
    `deepeval.benchmarks`): part of the library, whose imports it needs."""
    start = folder.start(2)
    if start == 0 or folder.group(2).startswith("."):
        return False  # a top-level benchmarks folder, or tooling in a dot folder
    tree = file.snapshot.tree
    return tree is not None and f"{file.path[:start]}__init__.py" in tree


def _judged_file(file: FileView) -> bool:
    if file.kind not in (Kind.PYTHON, Kind.NOTEBOOK) or file.path.endswith(".pyi"):
        return False
    if file.roles & _NOT_OURS:
        return False
    elsewhere = _ELSEWHERE.search(file.path)
    if elsewhere is not None and not _in_a_subpackage(file, elsewhere):
        return False
    return file.path.rpartition("/")[2] not in _TOOLING_FILES


@rule(
    code="DEP009",
    slug="undeclared-import",
    title="Imported third-party package not declared in any manifest",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=5,
    remediation=(
        "Declare the distribution in the project's manifest (pinned in the application's lock file), "
        "or make the import optional (try/except ImportError with a clear message) if the feature is."
    ),
    docs=Docs(
        what=(
            "An added `import x` or `from x import y` (at module level or in a function, in a Python file or a "
            "notebook code cell) needs a third-party distribution that no manifest of the repository declares: "
            "requirements files and pip-tools `.in` files, pyproject.toml (PEP 621 dependencies and extras, "
            "dependency groups, Poetry, pixi, hatch, uv, PDM), setup.py (and nbdev's settings.ini it reads), "
            "setup.cfg, Pipfile, conda environment files (with their pip section), pixi.toml, conda recipes and "
            "Dockerfile `pip install`s. Import names "
            "are mapped to distributions where they differ (cv2 -> opencv-python, sklearn -> scikit-learn, "
            "PIL -> Pillow, yaml -> PyYAML) and names compare the PEP 503 way, variants included (faiss-cpu "
            "declares faiss), and with their separators dropped (`TransferQueue` declares `transfer_queue`). "
            "The standard library, the repository's own packages and modules (a package inside "
            "another is no top-level name: `import flair` in `pkg/models/flair/` is the distribution's), optional "
            "imports (try/except ImportError, `if TYPE_CHECKING:` or any other `if`, `contextlib.suppress`, or an "
            "import after an availability or requirements check in its function: `is_x_available()`, "
            "`if not _X_AVAILABLE: raise ...`, a guard clause on a flag (`if not self.ai_chat: raise ...`, "
            "`if not enable or _enabled: return`), a `find_spec` (a cached one too) answering None, "
            "`check_requirements(...)`, `_check_soft_dependencies(...)`, an `except ImportError:` handler; "
            'any import in a file that checks the package by name: `RequirementCache("comet-ml")`, '
            '`find_spec("comet_ml")`, `check_requirements(["onnxruntime"])` (a list of names too), '
            '`is_comet_ml_available()`, `can_use_comet_ml()`, `import_module("comet_ml")`, '
            '`"comet_ml" in sys.modules`, or imports it in a `try` whose `except ImportError` or `except Exception` '
            "stops with a message), "
            "packages a requirements or environment file mentions in a comment (`# torch: install for your CUDA`), "
            "Java packages a module imports through JPype's import hook (`import jpype.imports`, then `from org.x "
            "import Y`), "
            "tests, docs, examples, benchmarks (`benchmarking/` too; not a benchmarks subpackage of the library, "
            "`deepeval/benchmarks/`, whose parent is a package) and tooling in dot folders (`.github/`, `.ci/`) "
            "are not judged; "
            "notebooks draw info. One finding per distribution, at the first file that imports it, naming the "
            "others: one declaration fixes them all. While a changed file still imports the distribution, "
            "unconditionally, on a line the change keeps, the project depended on it before: a new import of it is "
            "not new debt, and removing one pays nothing; so is an import the file had unconditionally on a line the "
            "change removes, moved within it (isort's reordering) "
            "(an import kept under a `try` or an `if` was optional, and "
            "one that now runs unconditionally is new; the imports of a module that every importer in its folder, "
            "or package `__init__.py` above it, imports only under a guard (`from pkg import mod` too; a docstring's "
            "example imports nothing), an optional backend, are optional too: "
            "keybert's `llm/_openai.py` under `try:`, pymoo's `grad_jax.py` under "
            '`if TOOLBOX == "jax.numpy":`; and those below the guard a module opens with, a `try:` importing an '
            "undeclared package whose `except ImportError:` raises: the module is that package's integration, "
            "textgrad's `engine/bedrock.py` for langchain-aws), nor does removing an "
            "import whose declaration the change removes too (read from the manifest as it was, nbdev's "
            "settings.ini included). Needs the repository tree and the text of every manifest in it, and of every "
            "file they include: silent without them (a setup.py reading a requirements.txt the tree lacks may "
            "declare anything)."
        ),
        why=(
            "The code runs only where someone installed the package by hand: a fresh environment (CI, a "
            "colleague, the serving image) fails with ModuleNotFoundError, or picks up whatever version is "
            "there (pynblint undeclared-dependencies; deptry DEP001; 'inconsistent environments' debt)."
        ),
        example="import lightgbm as lgb   # requirements.txt declares pandas and scikit-learn only",
        fix="# requirements.txt\npandas==2.2.3\nscikit-learn==1.5.2\nlightgbm==4.5.0",
    ),
    scope=Scope.CHANGE,
    keeps=reads_lines,
    keeps_if=lambda _, snapshot: snapshot.tree is not None,  # silent without the tree
)
def undeclared_import(view: ChangeView) -> Iterator[Hit]:
    if view.snapshot.tree is None:
        return
    judge = _Judge(view)
    by_distribution: dict[tuple[Side, str], list[Hit]] = {}
    known: set[str] = set()  # distributions imported by added lines that the file imported before
    names: dict[str, set[str]] = {}  # each reported distribution's top-level module names, as imported
    for file in view.files():
        if not _judged_file(file) or not file.patch.hunks:
            continue
        notebook = file.kind is Kind.NOTEBOOK or (file.text or "").startswith(_DATABRICKS)
        for side in file.source_sides():
            if "import" not in side.lines.text:
                continue
            for hit in _side_hits(judge, file, side, notebook=notebook, known=known, names=names):
                by_distribution.setdefault((hit.side, hit.content), []).append(hit)
    still: dict[str, bool] = {}
    for (taken, distribution), hits in by_distribution.items():
        # A removed import with no added one to cancel against would be paid: not when an added import took its
        # place (re-indented, moved). One with an added one nets out with it.
        if taken is Side.REMOVED and (Side.ADDED, distribution) not in by_distribution and distribution in known:
            continue
        # While a changed file still imports the distribution on a line the change keeps, the project depended on
        # it before: an import more is no new debt, an import less pays none.
        if distribution not in still:
            still[distribution] = _still_imported(judge, view, distribution, names[distribution])
        if still[distribution]:
            continue
        yield _one_for_all(hits)


def _still_imported(judge: _Judge, view: ChangeView, distribution: str, modules: set[str]) -> bool:
    """Whether a changed file, as far as its post-change text shows, still imports the undeclared distribution
    unconditionally on a line the change keeps. Only files whose text names one of its modules are read."""
    for file in view.files():
        text = file.text
        if text is None or file.kind is not Kind.PYTHON or not any(module in text for module in modules):
            continue
        if _judged_file(file) and distribution in _FileImports(file, file.added, judge).kept(judge):
            return True
    return False


def _one_for_all(hits: list[Hit]) -> Hit:
    """One hit for a distribution that files of the change import undeclared: declaring it once fixes them all.

    It sits at the first file importing it from code (a notebook's import draws info), and names the others."""
    first = next((h for h in hits if h.severity is None), hits[0])
    others = list(dict.fromkeys(h.path for h in hits if h.path != first.path))
    if not others:
        return first
    more = (
        "1 more file of the change imports it"
        if len(others) == 1
        else f"{len(others)} more files of the change import it"
    )
    return dataclasses.replace(first, message=f"{first.message}; {more}: {_listed(tuple(others))}")


def _side_hits(
    judge: _Judge, file: FileView, side: SideView, *, notebook: bool, known: set[str], names: dict[str, set[str]]
) -> Iterator[Hit]:
    """The undeclared imports of one side; `known` collects the distributions of added imports that are not new
    (the file imported them before), `names` the top-level modules each reported distribution is imported as."""
    imports = _FileImports(file, side, judge)
    reported: set[str] = set()
    lines = side.lines
    for raw in _import_statements(lines.text):
        m: Match | None = None
        for module in _imported_modules(lines.text, raw):
            if imports.java_package(module):
                continue
            distribution = judge.distribution(module, notebook=notebook)
            manifests = judge.manifests
            if distribution is None or distribution in reported or manifests is None:
                continue
            if side.side is Side.REMOVED and manifests.undeclared_by_change & _candidates(module.split(".")):
                continue  # declared before this change: removing the import pays nothing
            if m is None:
                index = lines.at(raw.start())
                m = Match(raw, index, lines.number(index), lines.line(index))
            if not imports.plain(m) or imports.checks_by_name(module, distribution):
                break
            if side.side is Side.ADDED and imports.imported_before(judge, distribution, m):
                known.add(distribution)
                continue
            reported.add(distribution)
            names.setdefault(distribution, set()).add(module.partition(".")[0])
            yield side.hit(
                m,
                f"imports `{module}`, but no manifest of the repository declares `{distribution}` "
                f"(read: {_listed(manifests.paths)})",
                content=distribution,
                severity=Severity.INFO if notebook else None,
            )


def _listed(paths: tuple[str, ...]) -> str:
    shown = ", ".join(paths[:3])
    return shown if len(paths) <= 3 else f"{shown} and {len(paths) - 3} more"


__all__ = [
    "MANIFEST_PATTERNS",
    "NBDEV_SETTINGS",
    "Manifests",
    "is_manifest",
    "read_manifests",
    "reads_lines",
    "undeclared_import",
]
