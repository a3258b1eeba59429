"""Dependency debt in requirement lines: unpinned and loosened pins, impossible names, extra package indexes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role, folders_up
from checks.prefilter import any_case
from checks.registry import Docs, rule
from checks.rules.dependency_common import (
    REQUIREMENTS_FOLDER,
    in_docs_folder,
    is_dev_requirements,
    parse_requirement,
    read_setup_cfg,
    read_toml,
    setup_cfg_requirements,
    words,
)
from checks.rules.dependency_imports import read_setup_call
from checks.views import FileView

_NOT_OURS = (Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE)
#: Every line that could hold a requirement; the parser decides per line (requirement files are small).
_REQUIREMENT_LINE = lazy(r"^[ \t]*[A-Za-z0-9][^\n]*", re.MULTILINE)


def _requirement_kinds_path(view: FileView) -> bool:
    """`paths.kind` knows requirements*.txt; requirements/<name>.txt arrives as OTHER."""
    return view.kind is Kind.REQUIREMENTS or REQUIREMENTS_FOLDER.search(view.path) is not None


# --- DEP003 data: names that look like requirements but install nothing useful ---------------------------------

#: Deprecated or import-only names, with the distribution to require instead and why.
DEPRECATED_NAMES: dict[str, tuple[str, str]] = {
    "sklearn": ("scikit-learn", "the `sklearn` package refuses to install since 2023-12-01"),
    "skimage": ("scikit-image", "`skimage` is an import name; its PyPI placeholder installs nothing usable"),
    "tensorflow-gpu": ("tensorflow", "`tensorflow-gpu` was removed in December 2022; new installs get an error stub"),
    "pil": ("Pillow", "`PIL` is an import name; no distribution of that name installs"),
    "cv2": ("opencv-python", "`cv2` is an import name, not the OpenCV distribution"),
}
#: Standard-library modules that have no working distribution of their own on Python 3.
STDLIB_NAMES = words(
    "abc argparse asyncio base64 bisect calendar codecs collections contextlib copy csv datetime decimal "
    "distutils email fractions functools getpass glob gzip hashlib heapq html http inspect io itertools json "
    "logging math multiprocessing operator os pathlib pickle platform pprint queue random re secrets shutil "
    "signal socket sqlite3 ssl statistics string struct subprocess sys tempfile textwrap threading time timeit "
    "tkinter traceback typing unittest urllib uuid venv warnings wave xml zipfile"
)
#: Standard-library names whose PyPI backports are real but only for old Pythons: fine behind a marker.
BACKPORTS = frozenset({"argparse", "dataclasses", "typing", "pathlib", "enum", "statistics", "asyncio", "contextvars"})


def _invalid_name(key: str) -> bool:
    return key in DEPRECATED_NAMES or key in STDLIB_NAMES or key in BACKPORTS


# --- DEP001 --------------------------------------------------------------------------------------------------------


@rule(
    code="DEP001",
    slug="unpinned-requirement",
    title="Unpinned requirement in an application requirements file",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=5,
    remediation=(
        "Pin the exact version (`name==x.y.z`), ideally compiled into a lock file with pip-compile or "
        "`uv pip compile`; keep version ranges in library metadata (pyproject) and `.in` files."
    ),
    docs=Docs(
        what=(
            "A requirement added to an application requirements file (requirements*.txt, constraints*.txt, "
            "requirements/*.txt) without an exact `==` pin: a bare name, a range (`>=`, `~=`, `<`), a wildcard "
            "(`==1.*`), or a pin loosened from `==` to a range. Not read: pip-tools inputs (`*.in`), option "
            "lines (`-r`, `-c`, `-e`, `--index-url`), URLs, dev/test/docs/release requirement files, examples, and "
            "library ranges in pyproject or setup.py (meant to be ranges), nor a requirements file the package's "
            "metadata reads (setup.py's `install_requires` or extras built from it, setup.cfg's `file:`, "
            "pyproject's dynamic dependencies; known when the review has the manifests), nor a file that restates "
            "the package's own dependencies (two or more of its names, and at least half of them, are dependencies "
            "the package's pyproject, setup.cfg or literal setup.py declares: the library's list kept beside its "
            "metadata, whose dropped names pay nothing either), nor a contributor's file that installs the project "
            "itself for editing (`-e .`) beside test or lint tools, nor a plugin's extras inside a subpackage "
            "of a packaged library (`lmms_eval/tasks/x/requirements.txt`, known with the tree), nor a line that "
            "repeats the range the package "
            "declares for that name; standard-library and deprecated names are DEP003's. Moving a line, or raising "
            "the lower bound of a requirement that already was a range, is not new debt; a requirement moved into "
            "the package's metadata (PEP 621's or Poetry's dependencies, setup.cfg's or setup.py's "
            "`install_requires`) pays none."
        ),
        why=(
            "An application installs whatever is newest on the day it is built, so two builds of the same "
            "commit can differ and a release of any dependency can break training or serving (pip's guide to "
            "repeatable installs; hadolint DL3013; mllint dependency-management)."
        ),
        example="torch>=2.1\nnumpy==1.26.4  ->  numpy>=1.26",
        fix="torch==2.3.1\nnumpy==1.26.4",
    ),
    kinds={Kind.REQUIREMENTS, Kind.OTHER},
    skip_roles=(*_NOT_OURS, Role.EXAMPLE),
)
def unpinned_requirement(view: FileView) -> Iterator[Hit]:
    if not _requirement_kinds_path(view) or not view.path.lower().endswith(".txt") or is_dev_requirements(view.path):
        return
    if _read_by_package_metadata(view) or _plugin_of_a_library(view):
        return
    added, removed = view.sides()
    if any(_INSTALLS_ITSELF.search(text) and _DEV_TOOL.search(text) for text in (view.text or "", added.lines.text)):
        return  # `-e .` with test and lint tools beside it: a contributor's environment, not an application's
    declared: dict[str, frozenset[str]] | None = None  # the package's dependencies, read when a line needs them
    pins: dict[str, str] = {}
    for m in removed.search(_REQUIREMENT_LINE):
        req = parse_requirement(m.text)
        if req is not None and req.exact_version() is not None:
            pins[req.key] = req.text()
    for side in (added, removed):
        for m in side.search(_REQUIREMENT_LINE):
            req = parse_requirement(m.text)
            if req is None or req.pinned or _invalid_name(req.key):
                continue
            if declared is None:
                declared = _package_dependencies(view)
                if _restates(view, declared):
                    return
            if side.side is Side.REMOVED and req.key in declared:
                continue  # moved into the package's metadata, a range there: nothing paid
            if side.side is Side.ADDED and declared.get(req.key) == _clauses(req.specifier):
                continue  # the package's own range, mirrored (a requirements file kept in step with pyproject)
            if side.side is Side.ADDED and req.key in pins:
                message = f"`{req.text()}` loosens the pin `{pins[req.key]}`"
            elif req.specifier:
                message = f"`{req.text()}` is a range, not a pin"
            else:
                message = f"`{req.text()}` has no version"
            yield side.hit(m, message, content=req.key)


#: `-e .`, `--editable ./`, `-e ".[dev]"`: the project itself installed for editing, which only a developer does.
_INSTALLS_ITSELF = lazy(
    r"^[ \t]*(?:-e|--editable)[ \t=]+[\"']?\./?(?:\[[^\]\n]*\])?[\"']?[ \t]*(?:#.*)?$", re.MULTILINE
)
#: A requirement line naming a test, lint or build tool of a contributor's.
_DEV_TOOL = lazy(
    r"^[ \t]*(?:pytest|pre-commit|flake8|ruff|black|mypy|pylint|tox|nox|coverage|isort|sphinx)\b",
    re.MULTILINE | re.IGNORECASE,
)

#: setup.cfg's `install_requires = file: requirements.txt` (and extras' `file:` lines).
_CFG_FILE_DIRECTIVE = lazy(r"file:[^\n]*")
#: Markers of pyproject.toml reading requirements files into its metadata: setuptools' `dynamic` dependencies
#: (`{file = [...]}`) and hatch's `requirements_txt` metadata hook.
_PYPROJECT_READERS = ("dynamic", "requirements_txt")


def _read_by_package_metadata(view: FileView) -> bool:
    """Whether a package's metadata beside or above the file reads it: its lines are then the library's ranges
    (`install_requires`, extras), not an application's pins. Known from the manifests' texts (when the review has
    the tree); diff-only, the file counts as an application's."""
    for folder in folders_up(view.path):
        relative = view.path[len(folder) :]
        # `requirements/x.txt`, `x.txt`, or the folder `requirements`
        names = {relative, relative.rpartition("/")[2], relative.partition("/")[0]}
        setup = view.snapshot.text(f"{folder}setup.py")
        if setup is not None and ("install_requires" in setup or "extras_require" in setup) and _quoted(setup, names):
            return True
        config = view.snapshot.text(f"{folder}setup.cfg")
        if config is not None and any(relative in line for line in _CFG_FILE_DIRECTIVE.findall(config)):
            return True
        pyproject = view.snapshot.text(f"{folder}pyproject.toml")
        if pyproject is not None and any(r in pyproject for r in _PYPROJECT_READERS) and _quoted(pyproject, {relative}):
            return True
    return False


def _plugin_of_a_library(view: FileView) -> bool:
    """Whether the file sits in a subpackage of a packaged library (`lmms_eval/tasks/mdpbench/requirements.txt`: an
    `__init__.py` in its folder and in the folder above, a pyproject.toml or setup.py higher up): one plugin's extras,
    installed into the library's environment, where ranges are meant and pins would fight the library's own. Known
    with the tree; an application's requirements sit beside its service, not inside a package's package."""
    folder, _, _ = view.path.rpartition("/")
    parent, _, _ = folder.rpartition("/")
    snapshot = view.snapshot
    if not parent or not snapshot.exists(f"{folder}/__init__.py") or not snapshot.exists(f"{parent}/__init__.py"):
        return False
    return any(snapshot.exists(f"{above}{name}") for above in folders_up(parent) for name in _LIBRARY_MANIFESTS)


_LIBRARY_MANIFESTS = ("pyproject.toml", "setup.py", "setup.cfg")


#: A requirements file whose names are at least this share of them dependencies its package declares restates the
#: package's list: its ranges are the library's (pyts' requirements.txt beside the setup.py that lists them itself).
_RESTATED_SHARE = 0.5
#: A file the change adds or deletes: its lines are all of it.
_WHOLE = (FileStatus.ADDED, FileStatus.REMOVED)


def _restates(view: FileView, declared: dict[str, frozenset[str]]) -> bool:
    """Whether the file is the package's own dependency list kept beside its metadata: at least two of its names, and
    `_RESTATED_SHARE` of them, are dependencies the package declares. Read from the file as the change leaves it, or
    its lines when the change adds or deletes it whole (a list the package moved into pyproject)."""
    text = view.snapshot.text(view.path)
    if text is None and view.status in _WHOLE:
        text = (view.added if view.status is FileStatus.ADDED else view.removed).lines.text
    if text is None or len(declared) < 2:
        return False
    names = {req.key for line in text.splitlines() if (req := parse_requirement(line)) is not None}
    return len(names) >= 2 and len(names & declared.keys()) >= _RESTATED_SHARE * len(names)


def _package_dependencies(view: FileView) -> dict[str, frozenset[str]]:
    """The dependencies the nearest pyproject.toml, setup.cfg and setup.py beside or above the file declare for their
    package (PEP 621 `dependencies` and `optional-dependencies`, Poetry's `dependencies`; `install_requires` and
    `extras_require`) at the head of the change, by name, with their version clauses."""
    text = _nearest_text(view, "pyproject.toml")
    pyproject = (read_toml(text) if text is not None else None) or {}
    specs = [*_pep621_specs(pyproject), *_setup_cfg_specs(view), *_setup_py_specs(view)]
    declared = {r.key: _clauses(r.specifier) for spec in specs if (r := parse_requirement(spec)) is not None}
    return {**_poetry_dependencies(pyproject), **declared}


def _pep621_specs(pyproject: dict[str, object]) -> list[str]:
    project = pyproject.get("project")
    if not isinstance(project, dict):
        return []
    extras = project.get("optional-dependencies")
    lists = [project.get("dependencies"), *(extras.values() if isinstance(extras, dict) else ())]
    return [spec for listed in lists if isinstance(listed, list) for spec in listed if isinstance(spec, str)]


def _poetry_dependencies(pyproject: dict[str, object]) -> dict[str, frozenset[str]]:
    """Poetry's `[tool.poetry.dependencies]` (category_encoders' requirements moved there), by name, with their
    constraint's clauses: Poetry's own syntax (`^1.2`, `*`, a table without a version) equals no requirement's."""
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    table = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if not isinstance(table, dict):
        return {}
    declared: dict[str, frozenset[str]] = {}
    for name, value in table.items():
        constraint = value.get("version") if isinstance(value, dict) else value
        req = parse_requirement(name) if name != "python" else None
        if req is not None:
            text = constraint if isinstance(constraint, str) and constraint.strip() else "*"
            declared[req.key] = _clauses(text)
    return declared


def _nearest_text(view: FileView, name: str) -> str | None:
    """The text of the nearest file called `name` beside or above the file, at the head of the change."""
    texts = (view.snapshot.text(f"{folder}{name}") for folder in folders_up(view.path))
    return next((text for text in texts if text is not None), None)


def _setup_cfg_specs(view: FileView) -> list[str]:
    text = _nearest_text(view, "setup.cfg")
    parser = read_setup_cfg(text) if text is not None else None
    return [] if parser is None else [line for line in setup_cfg_requirements(parser) if not line.startswith("file:")]


def _setup_py_specs(view: FileView) -> list[str]:
    """The requirements the nearest setup.py lists literally in `install_requires` and `extras_require`."""
    text = _nearest_text(view, "setup.py")
    call = read_setup_call(text) if text is not None else None
    return list(call.requirements) if call is not None and call.literal else []


def _clauses(specifier: str) -> frozenset[str]:
    """A version specifier's clauses, blanks and order aside (`>= 1.25.3, <2` reads as `<2,>=1.25.3`)."""
    return frozenset(clause.replace(" ", "") for clause in specifier.split(",") if clause.strip())


def _quoted(text: str, names: set[str]) -> bool:
    return any(f'"{name}"' in text or f"'{name}'" in text for name in names)


# --- DEP003 --------------------------------------------------------------------------------------------------------


@rule(
    code="DEP003",
    slug="invalid-requirement-name",
    title="Standard-library module or deprecated alias listed as a requirement",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=2,
    remediation=(
        "Remove standard-library modules from requirements; require scikit-learn instead of sklearn, "
        "tensorflow instead of tensorflow-gpu, Pillow instead of PIL, opencv-python instead of cv2."
    ),
    docs=Docs(
        what=(
            "A requirement line names a standard-library module (`pickle`, `os`, `json`...), a deprecated "
            "alias (`sklearn`, `tensorflow-gpu`) or an import name that is not a distribution (`PIL`, `cv2`, "
            "`skimage`). Backports of newer standard-library modules (`dataclasses`, `typing`...) are fine "
            "behind a `python_version` marker and low severity without one."
        ),
        why=(
            "The install fails or installs the wrong thing: `sklearn` always fails since the end of its "
            "brownout on 2023-12-01 (PyPI project page); `tensorflow-gpu` was removed in December 2022 and "
            "unpinned installs get an erroring stub; there is no distribution called `pickle` or `os`."
        ),
        example="sklearn\npickle",
        fix="scikit-learn==1.5.2",
    ),
    kinds={Kind.REQUIREMENTS, Kind.OTHER},
    skip_roles=_NOT_OURS,
)
def invalid_requirement_name(view: FileView) -> Iterator[Hit]:
    if not _requirement_kinds_path(view):
        return
    for side in view.sides():
        for m in side.search(_REQUIREMENT_LINE):
            req = parse_requirement(m.text)
            if req is None or req.url is not None or not _invalid_name(req.key):
                continue
            severity = None
            if req.key in DEPRECATED_NAMES:
                replacement, reason = DEPRECATED_NAMES[req.key]
                message = f"`{req.name}`: {reason}; require `{replacement}`"
            elif req.key in BACKPORTS:
                if "python_version" in req.marker or "python_full_version" in req.marker:
                    continue
                severity = Severity.LOW
                message = f"`{req.name}` is a backport of a standard-library module; limit it to old Pythons"
            else:
                message = f"`{req.name}` is a standard-library module, not a distribution"
            yield side.hit(m, message, content=req.key, severity=severity)


# --- DEP015 --------------------------------------------------------------------------------------------------------

_EXTRA_INDEX = lazy(
    r"(?:--extra-index-url(?:[ \t]*=[ \t]*|[ \t]+)"
    r"|\bPIP_EXTRA_INDEX_URL[\"']?[ \t]*[=:][ \t]*"
    r"|^[ \t]*extra[-_]index[-_]url[ \t]*=[ \t]*\[?[ \t]*)"
    r"[\"']?(?P<url>[^\s\"',\]\\]+)",
    re.MULTILINE | re.IGNORECASE,
)
#: Public vendor indexes that publish wheels PyPI cannot host (CUDA builds); allow-listed as RULES.md says.
TRUSTED_INDEX_HOSTS = ("download.pytorch.org", "pypi.nvidia.com")
_PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
#: The index an install line puts first (`-i URL`, `--index-url=URL`).
_PRIMARY_INDEX = lazy(r"(?:^|\s)(?:-i|--index-url)(?:[ \t]*=[ \t]*|[ \t]+)[\"']?(?P<url>[^\s\"']+)")
_PIP_CONFIG = lazy(r"(?i)(^|/)(pip\.conf|pip\.ini|tox\.ini)$")
#: uv searches indexes in order and stops at the first that has the package (its default `first-index`
#: strategy exists to prevent dependency confusion), so its extra indexes are not pip's risk.
_UV = lazy(r"\buv\b")


@rule(
    code="DEP015",
    slug="extra-index-url",
    title="--extra-index-url (dependency-confusion risk)",
    category=Category.DEPENDENCY,
    severity=Severity.LOW,
    effort=10,
    remediation=(
        "Use a single trusted index (`--index-url` to a mirror that proxies PyPI), pin hashes "
        "(`--require-hashes`), or move to uv and pin each private package to its index in `[tool.uv.sources]`."
    ),
    docs=Docs(
        what=(
            "An extra package index is added for pip: `--extra-index-url` in a requirements file, Dockerfile, "
            "CI workflow, shell script, Makefile or notebook, `PIP_EXTRA_INDEX_URL`, or `extra-index-url` in "
            "pip.conf or tox.ini (PyPI itself as the extra index only beside another index put first with `-i`, "
            "which the finding names). The PyTorch and NVIDIA wheel indexes are allow-listed; URLs held in "
            "variables are not judged; uv is not flagged, since it stops at the first index that has a "
            "package (its default `first-index` strategy)."
        ),
        why=(
            "pip merges every index and takes the highest version it finds anywhere, so anyone who uploads "
            "a package with your private package's name to PyPI wins the install (dependency confusion; "
            "pip's security notes on multiple indexes)."
        ),
        example="--extra-index-url https://pypi.internal.example.com/simple",
        fix="--index-url https://pypi.internal.example.com/simple  # a mirror that also proxies PyPI",
    ),
    kinds={
        Kind.REQUIREMENTS,
        Kind.DOCKERFILE,
        Kind.CI,
        Kind.SHELL,
        Kind.MAKEFILE,
        Kind.CONDA,
        Kind.NOTEBOOK,
        Kind.OTHER,
    },
    skip_roles=(*_NOT_OURS, Role.EXAMPLE),
    # `--extra-index-url`, `PIP_EXTRA_INDEX_URL` and pip.conf's `extra[-_]index[-_]url`, in any case.
    needles=any_case("xtra-", "xtra_"),
)
def extra_index_url(view: FileView) -> Iterator[Hit]:
    if view.kind is Kind.OTHER and not (_PIP_CONFIG.search(view.path) or REQUIREMENTS_FOLDER.search(view.path)):
        return
    if in_docs_folder(view.path):
        return
    for side in view.source_sides():
        if "xtra" not in side.lines.text and "XTRA" not in side.lines.text:
            continue  # a C-speed gate before the case-insensitive pattern
        for m in side.search(_EXTRA_INDEX):
            url = m.group("url")
            if side.in_comment(m) or _variable(url) or _UV.search(m.text):
                continue
            host = _host(url)
            if host in TRUSTED_INDEX_HOSTS:
                continue
            if host in _PYPI_HOSTS:
                # PyPI as the extra index: the risk is the index the line puts first (TestPyPI, say), if it names one.
                primary = _PRIMARY_INDEX.search(m.text)
                if primary is None:
                    continue
                host = _host(primary.group("url"))
            yield side.hit(m, f"extra package index `{host}`: packages resolve across it and PyPI", content=url)


def _host(url: str) -> str:
    """An index URL's host, its scheme, path and credentials aside."""
    return url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1].lower()


def _variable(value: str) -> bool:
    return any(c in value for c in "$%{")


__all__ = ["extra_index_url", "invalid_requirement_name", "unpinned_requirement"]
