"""What a path is: its kind of file and its role in the repository (tests, docs, vendored...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from enum import StrEnum
from functools import lru_cache

from checks.lazyre import lazy


class Role(StrEnum):
    """Roles change how rules treat a path: test fixtures may hold small data, vendored code is not ours."""

    TEST = "test"
    FIXTURE = "fixture"
    EXAMPLE = "example"
    DOCS = "docs"
    VENDORED = "vendored"
    GENERATED = "generated"
    #: Scaffolds to copy (sktime's `extension_templates/`, cookiecutter trees): an example whose task comments are
    #: instructions to whoever copies it. A template path is an example too.
    TEMPLATE = "template"


#: Folders of scaffolds: `extension_templates/`, `project-template/`, a cookiecutter tree, a `{{name}}` folder.
_TEMPLATE_FOLDER = r"(^|/)([\w.-]+[_-]templates?|cookiecutter[\w.-]*|\{\{[^/]*\}\})/"
#: Each role's pattern, after the words one of which the lower-cased path holds when the pattern matches. `re`
#: tries a pattern that starts with `(^|/)` at every character of a path: the words let most paths skip it
#: (the whole table took 30 µs a path; `tests/test_paths.py` checks the words against the patterns alone).
_ROLE_PATTERNS: tuple[tuple[Role, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        Role.VENDORED,
        ("vendor", "third", "3rd", "extern", "site-packages", "node_modules", "versioneer"),
        lazy(
            r"(^|/)(_?vendor|_?vendored|third[_-]?party|3rd[_-]?party|external|external[_-]libs?|_?extern|site-packages|"
            r"node_modules)/|"
            # versioneer's script, which a project copies in whole as its install instructions say.
            r"(^|/)versioneer\.py$",
            re.I,
        ),
    ),
    (
        Role.GENERATED,
        (
            *("build/", "dist/", "__pycache__/", ".eggs/", ".egg-info/", "mlruns/", ".tox/", ".nox/"),
            *("_pb2", ".pb.go", ".min.js", ".generated.", "_generated.py"),
        ),
        lazy(
            # A module right inside a folder named `dist` or `build` is a package's own (`mmengine/dist/utils.py`,
            # torch.distributed helpers); build output lies deeper (`build/lib/pkg/x.py`) or is no module.
            r"(^|/)(build|dist)/(?![^/]+\.pyi?$)|"
            r"(^|/)(__pycache__|\.eggs|[^/]+\.egg-info|mlruns|\.tox|\.nox)/|"
            r"(_pb2(_grpc)?\.py|\.pb\.go|\.min\.js|\.generated\.\w+|_generated\.py)$",
            re.I,
        ),
    ),
    (
        Role.FIXTURE,
        ("fixture", "testdata", "test_data", "test-data", "snapshots"),
        lazy(r"(^|/)(fixtures?|testdata|test_data|test-data|__snapshots__|snapshots)/", re.I),
    ),
    (
        Role.TEST,
        ("test", "spec"),
        # Test helpers a package ships (`accelerate/test_utils/`, orbax's `handler_test_utils.py`) are test code too.
        # RSpec's and Jasmine's `spec/`, not a Python package's `specs/` (anndata's on-disk format registry, torchx's
        # component specs).
        lazy(
            r"(^|/)(tests?|testing|test_?utils|testing_utils|spec|__tests__)/|"
            r"(^|/)(test_[^/]*|[^/]*_test\.\w+|[^/]*_test_utils?\.py|conftest\.py)$",
            re.I,
        ),
    ),
    (
        Role.EXAMPLE,
        ("example", "sample", "demo", "tutorial", "template", "cookiecutter", "{{"),
        # A word joined on names the folder's examples too: `usage_examples/`, `examples-tf/`, `demo_notebooks/`.
        lazy(
            r"(^|/)(examples?|samples?|demos?|tutorials?|notebooks?/examples)/|"
            r"(^|/)([a-z0-9]+[_-](?:examples?|demos?|tutorials?)|(?:examples?|demos?|tutorials?)[_-][a-z0-9]+)/|"
            + _TEMPLATE_FOLDER,
            re.I,
        ),
    ),
    # Not a bare `templates/`: a web application's page templates are its code.
    (Role.TEMPLATE, ("template", "cookiecutter", "{{"), lazy(_TEMPLATE_FOLDER, re.I)),
    (
        Role.DOCS,
        ("doc", "site/", ".md", ".rst", ".adoc", ".txt"),
        lazy(r"(^|/)(docs?|documentation|site)/|\.(md|rst|adoc|txt)$", re.I),
    ),
)


#: Paths of each role, for people: the rules reference names them (`tests/test_paths.py` checks each has its role).
ROLE_EXAMPLES: dict[Role, tuple[str, ...]] = {
    Role.TEST: (
        *("tests/", "testing/", "test_utils/", "spec/", "__tests__/", "test_*.py", "*_test.py", "*_test_utils.py"),
        "conftest.py",
    ),
    Role.FIXTURE: ("fixtures/", "testdata/", "test_data/", "snapshots/"),
    Role.EXAMPLE: ("examples/", "samples/", "demos/", "tutorials/", "*_examples/", "examples-*/"),
    Role.TEMPLATE: ("extension_templates/", "project-template/", "cookiecutter-ml/", "{{cookiecutter.name}}/"),
    Role.DOCS: ("docs/", "documentation/", "site/", "*.md", "*.rst", "*.txt"),
    Role.VENDORED: (
        "vendor/",
        "_vendor/",
        "third_party/",
        "3rdparty/",
        "external/",
        "external_libs/",
        "site-packages/",
        "node_modules/",
        "versioneer.py",
    ),
    Role.GENERATED: ("build/lib/", "dist/*.whl", "*.egg-info/", "mlruns/", "*_pb2.py", "*.min.js"),
}


def folders_up(path: str) -> Iterator[str]:
    """The file's folder and each folder above it, nearest first, as prefixes to join names to: `a/b/x.txt`
    gives `a/b/`, `a/`, then `` (the root). Tools find their configuration this way (pytest, setuptools)."""
    end = path.rfind("/")
    while end != -1:
        yield path[: end + 1]
        end = path.rfind("/", 0, end)
    yield ""


#: What a repository keeps at its top for its host, its CI or its version control (`.github/`, `.gitlab-ci.yml`,
#: Mercurial's `.hgtags`): read there only, so below the root such a file came with a copy of another repository
#: (Eigen's sources under a package, with their `.gitlab/` and `.hgeol`).
_REPOSITORY_TOP = frozenset(
    (".github", ".gitlab", ".gitlab-ci.yml", ".travis.yml", ".circleci", ".hgeol", ".hgignore", ".hgtags", ".hgsub")
)
#: Sphinx writes `.buildinfo` at the top of the HTML site it builds: a site committed (`docs/` of a project that
#: publishes from it) is a build's output, its `_static/jquery.js` and its notebooks' copies with it.
_SITE_BUILT = ".buildinfo"


#: A project's own build manifest, and the files that say whose it is: with both, a folder is a distribution.
_DISTRIBUTION_MANIFESTS = ("/pyproject.toml", "/setup.py")
_AUTHORSHIP = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "COPYING", "AUTHORS", "AUTHORS.md")


def marked_folders(tree: AbstractSet[str]) -> dict[str, Role]:
    """The folders whose files say what the whole folder is, as prefixes (`pkg/src/eigen/`, `docs/`; the root is
    ''): another repository's copy (VENDORED, below the root only) or a site a build wrote (GENERATED)."""
    marked: dict[str, Role] = {}
    for path in tree:
        if path.endswith(_DISTRIBUTION_MANIFESTS):
            folder = path[: path.rfind("/") + 1]
            if _nested_distribution(tree, folder):
                marked.setdefault(folder, Role.VENDORED)
            continue
        if "/." not in path and not path.startswith("."):  # most paths: no hidden name
            continue
        parts = path.split("/")
        for depth, part in enumerate(parts):
            if part == _SITE_BUILT and depth == len(parts) - 1:
                marked["/".join(parts[:depth]) + "/" if depth else ""] = Role.GENERATED
            elif depth and part in _REPOSITORY_TOP:
                marked.setdefault("/".join(parts[:depth]) + "/", Role.VENDORED)
                break
    return marked


def _nested_distribution(paths: AbstractSet[str], folder: str) -> bool:
    """Whether `folder` is a distribution of its own (a build manifest, a licence or authors file) inside a Python
    package of the repository: another project copied into it (sglang's `jit_kernel/flash_attention/cute/`, with
    flash-attention's `pyproject.toml`, `LICENSE` and `AUTHORS`). A monorepo's own distributions (`libs/core/`) sit
    in plain folders."""
    if not any(folder + name in paths for name in _AUTHORSHIP):
        return False
    return any(above and above + "__init__.py" in paths for above in folders_up(folder[:-1]))


@lru_cache(maxsize=4096)
def roles(path: str) -> frozenset[Role]:
    lowered = ascii_lowered(path)
    return frozenset(
        role for role, words, pattern in _ROLE_PATTERNS if _may_match(lowered, words) and pattern.search(path)
    )


def ascii_lowered(path: str) -> str | None:
    """The path in lower case, to look for a pattern's words before `re` tries the pattern ignoring case; None for
    a non-ASCII path, whose every pattern is tried: `re` ignoring case matches `s` with LONG S and `i` with
    DOTLESS I, which `lower()` leaves as they are."""
    return path.lower() if path.isascii() else None


def _may_match(lowered: str | None, words: tuple[str, ...]) -> bool:
    """False when the lower-cased path holds none of `words` (no words, or no lowered path: it may match)."""
    return lowered is None or not words or any(word in lowered for word in words)


class Kind(StrEnum):
    PYTHON = "python"
    #: Cython sources: Python's comments and strings, C's types; no rule parses them as Python.
    CYTHON = "cython"
    NOTEBOOK = "notebook"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    SETUP = "setup"
    PIPFILE = "pipfile"
    CONDA = "conda"
    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"
    CI = "ci"
    YAML = "yaml"
    SHELL = "shell"
    MAKEFILE = "makefile"
    JSON = "json"
    TOML = "toml"
    MARKDOWN = "markdown"
    C_LIKE = "c-like"
    R = "r"
    SQL = "sql"
    LOCK = "lock"
    OTHER = "other"


#: A Dockerfile's name; not a bundler's chunk or a page named after the word (`assets/dockerfile-DZFCIeNp.js`,
#: `dockerfile.md`). The kinds and DEP009's manifests read it alike.
DOCKERFILE_NAME = (
    r"(^|/)(Dockerfile(?![\w.-]*\.(?:[cm]?js|jsx|ts|tsx|css|map|html?|md|rst|txt|json|py|svg|png)$)[\w.-]*"
    r"|[\w.-]*\.dockerfile|Containerfile)$"
)
#: The kinds' patterns in order (the first that matches wins), each after its words as in `_ROLE_PATTERNS`.
_KIND_BY_NAME: tuple[tuple[tuple[str, ...], re.Pattern[str], Kind], ...] = (
    ((".ipynb",), lazy(r"\.ipynb$", re.I), Kind.NOTEBOOK),
    (
        ("req", "constraints"),
        lazy(r"(^|/)(requirements|requirments|requirement|reqs|constraints)[\w.-]*\.(txt|in)$", re.I),
        Kind.REQUIREMENTS,
    ),
    (("pyproject.toml",), lazy(r"(^|/)pyproject\.toml$"), Kind.PYPROJECT),
    (("setup.",), lazy(r"(^|/)setup\.(py|cfg)$"), Kind.SETUP),
    (("pipfile",), lazy(r"(^|/)Pipfile$"), Kind.PIPFILE),
    (
        (".lock", "conda-lock"),
        lazy(r"(^|/)(poetry\.lock|uv\.lock|pdm\.lock|Pipfile\.lock|conda-lock\.ya?ml|[\w.-]*\.lock)$"),
        Kind.LOCK,
    ),
    ((".yml", ".yaml"), lazy(r"(^|/)(environment|env|conda)[\w.-]*\.ya?ml$", re.I), Kind.CONDA),
    (
        ("dockerfile", "containerfile"),
        lazy(DOCKERFILE_NAME, re.I),
        Kind.DOCKERFILE,
    ),
    (("compose",), lazy(r"(^|/)(docker-compose[\w.-]*|compose)\.ya?ml$", re.I), Kind.COMPOSE),
    (
        (".yml", ".yaml", "jenkinsfile"),
        lazy(
            r"(^|/)\.github/workflows/[^/]+\.ya?ml$|(^|/)\.gitlab-ci\.ya?ml$|(^|/)\.circleci/config\.ya?ml$|(^|/)azure-pipelines\.ya?ml$|(^|/)Jenkinsfile$"
            r"|(^|/)\.travis\.ya?ml$|(^|/)\.?appveyor\.ya?ml$"
        ),
        Kind.CI,
    ),
    (
        (".yml", ".yaml"),
        lazy(
            r"(^|/)(k8s|kubernetes|manifests|helm|charts)/[^\n]*\.ya?ml$|(^|/)[\w.-]*(deployment|statefulset|cronjob|daemonset)[\w.-]*\.ya?ml$",
            re.I,
        ),
        Kind.KUBERNETES,
    ),
    ((".py",), lazy(r"\.pyi?$|\.pyw$"), Kind.PYTHON),
    ((".pyx", ".pxd", ".pxi"), lazy(r"\.(?:pyx|pxd|pxi)$"), Kind.CYTHON),
    ((".yml", ".yaml"), lazy(r"\.ya?ml$", re.I), Kind.YAML),
    ((".sh", ".bash", ".zsh"), lazy(r"\.(sh|bash|zsh)$"), Kind.SHELL),
    (("makefile", ".mk"), lazy(r"(^|/)(Makefile|GNUmakefile|[\w.-]*\.mk)$"), Kind.MAKEFILE),
    ((".json",), lazy(r"\.json$", re.I), Kind.JSON),
    ((".toml",), lazy(r"\.toml$", re.I), Kind.TOML),
    ((".md", ".markdown", ".rst"), lazy(r"\.(md|markdown|rst)$", re.I), Kind.MARKDOWN),
    (
        (),
        lazy(r"\.(c|h|cc|cpp|cxx|hpp|cu|cuh|java|kt|scala|js|jsx|ts|tsx|go|rs|swift|cs|php|m|mm|proto)$", re.I),
        Kind.C_LIKE,
    ),
    ((".r",), lazy(r"\.(r|rmd)$", re.I), Kind.R),
    ((".sql",), lazy(r"\.sql$", re.I), Kind.SQL),
)


#: Files of each kind, for people: the rules reference names them (`tests/test_paths.py` checks each is that kind).
KIND_EXAMPLES: dict[Kind, tuple[str, ...]] = {  # in the order the kinds are tried (`setup.py` is `setup`)
    Kind.NOTEBOOK: ("*.ipynb",),
    Kind.REQUIREMENTS: ("requirements*.txt", "requirements*.in", "constraints.txt"),
    Kind.PYPROJECT: ("pyproject.toml",),
    Kind.SETUP: ("setup.py", "setup.cfg"),
    Kind.PIPFILE: ("Pipfile",),
    Kind.LOCK: ("poetry.lock", "uv.lock", "Pipfile.lock", "conda-lock.yml"),
    Kind.CONDA: ("environment*.yml", "conda*.yaml"),
    Kind.DOCKERFILE: ("Dockerfile*", "*.dockerfile", "Containerfile"),
    Kind.COMPOSE: ("docker-compose*.yml", "compose.yaml"),
    Kind.CI: (
        ".github/workflows/*.yml",
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        "Jenkinsfile",
        ".travis.yml",
        "appveyor.yml",
    ),
    Kind.KUBERNETES: ("k8s/*.yaml", "helm/*.yaml", "*deployment*.yaml"),
    Kind.PYTHON: ("*.py", "*.pyi"),
    Kind.CYTHON: ("*.pyx", "*.pxd"),
    Kind.YAML: ("*.yaml", "*.yml"),
    Kind.SHELL: ("*.sh", "*.bash"),
    Kind.MAKEFILE: ("Makefile", "*.mk"),
    Kind.JSON: ("*.json",),
    Kind.TOML: ("*.toml",),
    Kind.MARKDOWN: ("*.md", "*.rst"),
    Kind.C_LIKE: ("*.c", "*.h", "*.cpp", "*.cu", "*.java", "*.js", "*.ts", "*.go", "*.rs", "*.proto"),
    Kind.R: ("*.R", "*.Rmd"),
    Kind.SQL: ("*.sql",),
}


@lru_cache(maxsize=4096)
def kind(path: str) -> Kind:
    lowered = ascii_lowered(path)
    for words, pattern, file_kind in _KIND_BY_NAME:
        if _may_match(lowered, words) and pattern.search(path):
            return file_kind
    return Kind.OTHER


#: Kinds whose lines hold source code (comments, statements) in the repository's own languages.
CODE_KINDS = frozenset(
    {Kind.PYTHON, Kind.CYTHON, Kind.NOTEBOOK, Kind.SHELL, Kind.C_LIKE, Kind.R, Kind.SQL, Kind.DOCKERFILE, Kind.MAKEFILE}
)
#: Kinds whose comments are `#` comments, the usual home of config-file debt notes.
HASH_COMMENT_KINDS = frozenset(
    {
        Kind.PYTHON,
        Kind.CYTHON,
        Kind.SHELL,
        Kind.R,
        Kind.DOCKERFILE,
        Kind.MAKEFILE,
        Kind.YAML,
        Kind.CI,
        Kind.COMPOSE,
        Kind.KUBERNETES,
        Kind.CONDA,
        Kind.TOML,
        Kind.PYPROJECT,
        Kind.SETUP,  # setup.py is Python; setup.cfg's comments are `#` lines too
        Kind.REQUIREMENTS,
        Kind.PIPFILE,
    }
)
