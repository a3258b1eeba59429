"""Reach: how many of the repository's files depend on a path, from what a review already read (no extra request).

- A dependency manifest, lock file, Dockerfile, compose file or CI workflow: every file of the repository (the
  environment, the image or the pipeline they define takes the whole tree in).
- A Python module: the files among the texts the review read that import it. A pull request's review reads
  the changed files and the manifests, so this is a lower bound there; a baseline scan reads most of the tree.
- Anything else, or an unknown tree: 0, which `bot.ledger.priority` reads as "unknown".

Bounded: imports are read from at most MAX_SCANNED texts, once per review, with two regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from checks.paths import Kind, kind

#: Kinds whose debt every file of the repository lives with.
REPOSITORY_WIDE = frozenset(
    {
        Kind.REQUIREMENTS,
        Kind.PYPROJECT,
        Kind.SETUP,
        Kind.PIPFILE,
        Kind.CONDA,
        Kind.LOCK,
        Kind.DOCKERFILE,
        Kind.COMPOSE,
        Kind.CI,
    }
)
#: Texts read for imports at most (a baseline scan may hold thousands).
MAX_SCANNED = 2000
#: Folders a package is commonly laid out under (`src/pkg/mod.py` is imported as `pkg.mod`).
SOURCE_ROOTS = ("src", "lib")

_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.MULTILINE)
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.MULTILINE)


def reach_of(paths: Iterable[str], *, tree: Collection[str] | None, texts: Mapping[str, str]) -> dict[str, int]:
    """Each path's reach (0 when unknown)."""
    wanted = set(paths)
    reach = dict.fromkeys(wanted, 0)
    modules = {path: _module_names(path) for path in wanted if kind(path) is Kind.PYTHON}
    if modules:
        imports = _imports_of(texts)
        for path, names in modules.items():
            reach[path] = sum(
                1
                for importer, imported in imports.items()
                if importer != path and any(_imports(imported, name) for name in names)
            )
    if tree is not None:
        for path in wanted:
            if kind(path) in REPOSITORY_WIDE:
                reach[path] = len(tree)
    return reach


def _imports(imported: frozenset[str], module: str) -> bool:
    # Importing `a.b.c` runs `a` and `a.b` too; `from m import x` is listed as `m` and `m.x`.
    prefix = module + "."
    return module in imported or any(name.startswith(prefix) for name in imported)


def _dotted(path: str) -> list[str]:
    parts = path.removesuffix(".pyi").removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def _module_names(path: str) -> tuple[str, ...]:
    """The names the module at `path` is imported by: from the repository's root, and from a source root."""
    parts = _dotted(path)
    names = {".".join(parts)} if parts else set()
    if len(parts) > 1 and parts[0] in SOURCE_ROOTS:
        names.add(".".join(parts[1:]))
    return tuple(sorted(n for n in names if n))


def _imports_of(texts: Mapping[str, str]) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for path, text in texts.items():
        if len(found) >= MAX_SCANNED:
            break
        if kind(path) is Kind.PYTHON and "import" in text:
            found[path] = _imported_names(path, text)
    return found


def _imported_names(path: str, text: str) -> frozenset[str]:
    names: set[str] = set()
    for match in _IMPORT.finditer(text):
        for item in match[1].split(","):
            words = item.split()
            if words:
                names.add(words[0])
    package = _dotted(path)[:-1] if not path.endswith("__init__.py") else _dotted(path)
    for match in _FROM.finditer(text):
        dots, module, imported = match[1], match[2], match[3]
        if dots:
            base = package[: len(package) - (len(dots) - 1)] if len(dots) - 1 <= len(package) else []
            module = ".".join([*base, *([module] if module else [])])
        if not module:
            continue
        names.add(module)
        for item in imported.strip("()").split(","):
            words = item.split()
            if words and words[0] != "*":
                names.add(f"{module}.{words[0]}")
    return frozenset(names)
