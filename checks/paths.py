"""What a path is: its kind of file and its role in the repository (tests, docs, vendored...)."""

from __future__ import annotations

import re
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


_ROLE_PATTERNS: tuple[tuple[Role, re.Pattern[str]], ...] = (
    (
        Role.VENDORED,
        lazy(r"(^|/)(vendor|vendored|third[_-]party|external|extern|site-packages|node_modules)/", re.I),
    ),
    (
        Role.GENERATED,
        lazy(
            r"(^|/)(build|dist|__pycache__|\.eggs|[^/]+\.egg-info|mlruns|\.tox|\.nox)/|"
            r"(_pb2(_grpc)?\.py|\.pb\.go|\.min\.js|\.generated\.\w+|_generated\.py)$",
            re.I,
        ),
    ),
    (Role.FIXTURE, lazy(r"(^|/)(fixtures?|testdata|test_data|test-data|__snapshots__|snapshots)/", re.I)),
    (
        Role.TEST,
        lazy(r"(^|/)(tests?|testing|spec|specs|__tests__)/|(^|/)(test_[^/]*|[^/]*_test\.\w+|conftest\.py)$", re.I),
    ),
    (Role.EXAMPLE, lazy(r"(^|/)(examples?|samples?|demos?|tutorials?|notebooks?/examples)/", re.I)),
    (Role.DOCS, lazy(r"(^|/)(docs?|documentation|site)/|\.(md|rst|adoc|txt)$", re.I)),
)


@lru_cache(maxsize=4096)
def roles(path: str) -> frozenset[Role]:
    return frozenset(role for role, pattern in _ROLE_PATTERNS if pattern.search(path))


class Kind(StrEnum):
    PYTHON = "python"
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


_KIND_BY_NAME: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (lazy(r"\.ipynb$", re.I), Kind.NOTEBOOK),
    (
        lazy(r"(^|/)(requirements|requirments|requirement|reqs|constraints)[\w.-]*\.(txt|in)$", re.I),
        Kind.REQUIREMENTS,
    ),
    (lazy(r"(^|/)pyproject\.toml$"), Kind.PYPROJECT),
    (lazy(r"(^|/)setup\.(py|cfg)$"), Kind.SETUP),
    (lazy(r"(^|/)Pipfile$"), Kind.PIPFILE),
    (lazy(r"(^|/)(poetry\.lock|uv\.lock|pdm\.lock|Pipfile\.lock|conda-lock\.ya?ml|[\w.-]*\.lock)$"), Kind.LOCK),
    (lazy(r"(^|/)(environment|env|conda)[\w.-]*\.ya?ml$", re.I), Kind.CONDA),
    (lazy(r"(^|/)(Dockerfile[\w.-]*|[\w.-]*\.dockerfile|Containerfile)$", re.I), Kind.DOCKERFILE),
    (lazy(r"(^|/)(docker-compose[\w.-]*|compose)\.ya?ml$", re.I), Kind.COMPOSE),
    (
        lazy(
            r"(^|/)\.github/workflows/[^/]+\.ya?ml$|(^|/)\.gitlab-ci\.ya?ml$|(^|/)\.circleci/config\.ya?ml$|(^|/)azure-pipelines\.ya?ml$|(^|/)Jenkinsfile$"
        ),
        Kind.CI,
    ),
    (
        lazy(
            r"(^|/)(k8s|kubernetes|manifests|helm|charts)/[^\n]*\.ya?ml$|(^|/)[\w.-]*(deployment|statefulset|cronjob|daemonset)[\w.-]*\.ya?ml$",
            re.I,
        ),
        Kind.KUBERNETES,
    ),
    (lazy(r"\.pyi?$|\.pyw$"), Kind.PYTHON),
    (lazy(r"\.ya?ml$", re.I), Kind.YAML),
    (lazy(r"\.(sh|bash|zsh)$"), Kind.SHELL),
    (lazy(r"(^|/)(Makefile|GNUmakefile|[\w.-]*\.mk)$"), Kind.MAKEFILE),
    (lazy(r"\.json$", re.I), Kind.JSON),
    (lazy(r"\.toml$", re.I), Kind.TOML),
    (lazy(r"\.(md|markdown|rst)$", re.I), Kind.MARKDOWN),
    (
        lazy(r"\.(c|h|cc|cpp|cxx|hpp|cu|cuh|java|kt|scala|js|jsx|ts|tsx|go|rs|swift|cs|php|m|mm|proto)$", re.I),
        Kind.C_LIKE,
    ),
    (lazy(r"\.(r|rmd)$", re.I), Kind.R),
    (lazy(r"\.sql$", re.I), Kind.SQL),
)


@lru_cache(maxsize=4096)
def kind(path: str) -> Kind:
    for pattern, file_kind in _KIND_BY_NAME:
        if pattern.search(path):
            return file_kind
    return Kind.OTHER


#: Kinds whose lines hold source code (comments, statements) in the repository's own languages.
CODE_KINDS = frozenset(
    {Kind.PYTHON, Kind.NOTEBOOK, Kind.SHELL, Kind.C_LIKE, Kind.R, Kind.SQL, Kind.DOCKERFILE, Kind.MAKEFILE}
)
#: Kinds whose comments are `#` comments, the usual home of config-file debt notes.
HASH_COMMENT_KINDS = frozenset(
    {
        Kind.PYTHON,
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
        Kind.REQUIREMENTS,
        Kind.PIPFILE,
    }
)
