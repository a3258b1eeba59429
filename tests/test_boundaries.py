"""`checks` is a pure library: the standard library, unidiff, pydantic, PyYAML and ahocorasick_rs; never `bot`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import checks

PACKAGE = Path(checks.__file__).parent
ALLOWED = frozenset(sys.stdlib_module_names) | {"checks", "unidiff", "pydantic", "yaml", "ahocorasick_rs"}
#: What the service side uses; none of it may load when the library is imported.
SERVICE_LIBRARIES = ("bot", "fastapi", "starlette", "arq", "httpx", "githubkit", "sqlalchemy", "alembic", "redis")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, top-level module) of every absolute import, and of `importlib.import_module("...")` calls."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else "<dynamic>"
            yield node.lineno, name.split(".")[0]


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def test_the_walk_sees_the_whole_package() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in modules()}

    assert {"__init__.py", "diff.py", "runner.py", "config.py", "rules/__init__.py"} <= names


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_module_imports_only_allowed_packages(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    found = list(imported_names(tree))

    assert not [(line, name) for line, name in found if name == "bot"], "checks never imports bot"
    assert [(line, name) for line, name in found if name not in ALLOWED] == []


def test_the_import_walk_catches_what_it_must() -> None:
    source = "import httpx\nfrom bot.tasks import x\nfrom . import sibling\nimportlib.import_module('redis')\n"

    assert list(imported_names(ast.parse(source))) == [(1, "httpx"), (2, "bot"), (4, "redis")]


def test_importing_every_checks_module_loads_no_service_library() -> None:
    script = """
import json, pkgutil, sys
import checks
for info in pkgutil.walk_packages(checks.__path__, "checks."):
    if not info.name.endswith("__main__"):
        __import__(info.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "checks" in loaded
    assert {"unidiff", "pydantic", "yaml"} & loaded
    assert sorted(loaded & set(SERVICE_LIBRARIES)) == []
