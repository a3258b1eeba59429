"""Patterns compiled on first use behave as compiled ones, and every one in the package compiles."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import checks
from checks.lazyre import _LazyPattern, lazy


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    text = "a = 1  # TODO: b\nc = 2  # todo later\n"
    for flags in (0, re.IGNORECASE | re.MULTILINE):
        pattern = lazy(r"^(?P<name>\w+) = (\d)", flags)
        compiled = re.compile(r"^(?P<name>\w+) = (\d)", flags)
        assert [m.groups() for m in pattern.finditer(text)] == [m.groups() for m in compiled.finditer(text)]
        assert pattern.sub("x", text) == compiled.sub("x", text)
        assert pattern.findall(text) == compiled.findall(text)
        assert (pattern.flags, pattern.groups, pattern.groupindex) == (compiled.flags, compiled.groups, {"name": 1})
        match = pattern.match(text)
        assert match is not None
        assert match["name"] == "a"


def test_its_source_is_read_without_compiling_it() -> None:
    pattern = lazy(r"(unclosed")
    assert pattern.pattern == "(unclosed"
    with pytest.raises(re.error):
        pattern.search("text")


def test_it_has_no_other_attribute() -> None:
    with pytest.raises(AttributeError):
        getattr(lazy("x"), "nothing")  # noqa: B009


def _held(value: object) -> list[object]:
    """`value`, the items of a tuple or list, and the attributes of each (a directive's or needle set's pattern)."""
    items = list(value) if isinstance(value, tuple | list) else [value]
    held = list(items)
    for item in items:
        if isinstance(item, type):
            continue
        slots = getattr(type(item), "__slots__", ())
        held.extend(getattr(item, name, None) for name in slots)
        held.extend(getattr(item, "__dict__", {}).values())
    return held


def test_every_pattern_of_the_package_compiles() -> None:
    """A typo in a pattern a rule uses only on rare input would otherwise wait for that input to fail."""
    seen = 0
    for module in pkgutil.walk_packages(checks.__path__, "checks."):
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            for candidate in _held(value):
                if isinstance(candidate, _LazyPattern):
                    candidate.search("")  # compiles, or raises re.error naming the problem
                    seen += 1
    assert seen > 200
