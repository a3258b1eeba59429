"""No module binds a top-level name twice: a second `_DRIVE = ...` further down silently replaces the first for every
function of the module, the rule that read the first one included (ruff's F811 sees redefined functions and imports,
not constants)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

import bot
import checks

MODULES = sorted(path for package in (checks, bot) for path in Path(str(package.__file__)).parent.rglob("*.py"))


def bound_twice(source: str) -> list[str]:
    """The names a module's top-level statements bind more than once (assignments, functions, classes)."""
    bound: Counter[str] = Counter()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            bound.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            bound[node.target.id] += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound[node.name] += 1
    return sorted(name for name, count in bound.items() if count > 1)


def test_a_name_bound_twice_is_found() -> None:
    assert bound_twice('_DRIVE = "a"\n\ndef f(): ...\n\n_DRIVE = "b"\n_OTHER: int = 1\n') == ["_DRIVE"]
    assert bound_twice("x = 1\ny = 2\n") == []


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(path.parents[1])))
def test_no_module_binds_a_top_level_name_twice(path: Path) -> None:
    assert bound_twice(path.read_text(encoding="utf-8")) == []
