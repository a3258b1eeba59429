"""The checks a repository's lint configuration turns off for a file: ruff's and flake8's `per-file-ignores`, and
their `exclude`, which turns every check off.

A waiver moved out of the code into the configuration (`# noqa: F401` deleted from every `__init__.py` while
`"**/__init__.py" = ["F401"]` joins pyproject.toml) is no debt paid: the check is still off there.
"""

from __future__ import annotations

import re
from functools import lru_cache

from checks.globs import Glob, GlobError
from checks.lazyre import lazy
from checks.paths import folders_up
from checks.rules.dependency_common import read_setup_cfg, read_toml
from checks.snapshot import Snapshot

#: Where ruff and flake8 read their configuration, in a folder.
CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", ".flake8", "tox.ini")
#: Patterns read from one file at most: a repository's file could otherwise make every path cost thousands of matches.
_MAX_PATTERNS = 200
#: A check code, or a prefix of codes: `F401`, `E5`, `PLC0415`.
_CODE = lazy(r"[A-Z]+[0-9]*")

#: (pattern, codes) pairs of one configuration file, read once a review (cached by its text).
_Ignores = tuple[tuple[Glob, frozenset[str]], ...]


def ignored_codes(snapshot: Snapshot, path: str, *, named_alone: bool = False) -> frozenset[str]:
    """The check codes (`F401`, or a prefix such as `F4`) that the configuration beside or above `path` at the head
    of the change turns off for it; empty when none is known. `named_alone`: only those of entries naming the file
    itself, no wildcard (`"skl2onnx/algebra/onnx_ops.py" = ["F821"]`): that file's waivers moved there."""
    codes: set[str] = set()
    for folder in folders_up(path):
        relative = path[len(folder) :]
        name = relative.rpartition("/")[2]
        for config in CONFIG_FILES:
            text = snapshot.text(f"{folder}{config}")
            if text is None:
                continue
            if not named_alone:
                codes |= _global_ignores(config, text)  # off for every file: for this one too
            for glob, ignored in _per_file_ignores(config, text):
                if named_alone and glob.pattern.lstrip("/") != relative:
                    continue
                if glob.matches(relative) or glob.matches(name):
                    codes |= ignored
    return frozenset(codes)


def excluded(snapshot: Snapshot, path: str) -> bool:
    """Whether the configuration beside or above `path` at the head of the change leaves the file out of linting
    altogether: ruff's `exclude` or `extend-exclude` (`"nilearn/externals/*"`), flake8's `exclude`. Every check is
    then off for it, and a waiver of any of them removed from it moved there."""
    for folder in folders_up(path):
        relative = path[len(folder) :]
        name = relative.rpartition("/")[2]
        for config in CONFIG_FILES:
            text = snapshot.text(f"{folder}{config}")
            if text is not None and any(g.matches(relative) or g.matches(name) for g in _excludes(config, text)):
                return True
    return False


def covers(ignored: frozenset[str], code: str) -> bool:
    """Whether a code is among `ignored`, as ruff and flake8 read them: the code itself or a prefix of it."""
    return any(code.startswith(prefix) for prefix in ignored)


@lru_cache(maxsize=64)
def _per_file_ignores(config: str, text: str) -> _Ignores:
    if "per-file-ignores" not in text:
        return ()  # most configuration files: told before any parser runs
    pairs = _toml_ignores(config, text) if config.endswith(".toml") else _flake8_ignores(text)
    found: list[tuple[Glob, frozenset[str]]] = []
    for pattern, codes in pairs[:_MAX_PATTERNS]:
        try:
            found.append((Glob(pattern.removeprefix("./")), codes))  # `./pkg/ops.py` is the project's `pkg/ops.py`
        except GlobError:
            continue  # the repository's pattern, not ours to fail on
    return tuple(found)


@lru_cache(maxsize=64)
def _global_ignores(config: str, text: str) -> frozenset[str]:
    """The codes the configuration turns off everywhere: ruff's `ignore` and `extend-ignore`, flake8's in its
    `[flake8]` section."""
    if "ignore" not in text:
        return frozenset()  # most configuration files: told before any parser runs
    if config.endswith(".toml"):
        codes: set[str] = set()
        for scope in _ruff_scopes(config, text):
            for key in ("ignore", "extend-ignore"):
                listed = scope.get(key)
                if isinstance(listed, list):
                    codes.update(code for code in listed if isinstance(code, str) and _CODE.fullmatch(code))
        return frozenset(codes)
    parser = read_setup_cfg(text)
    if parser is None:
        return frozenset()
    return frozenset(
        code
        for key in ("ignore", "extend-ignore")
        if parser.has_option("flake8", key)
        for code in _CODE.findall(parser.get("flake8", key))
    )


@lru_cache(maxsize=64)
def _excludes(config: str, text: str) -> tuple[Glob, ...]:
    if "exclude" not in text:
        return ()  # most configuration files: told before any parser runs
    patterns = _toml_excludes(config, text) if config.endswith(".toml") else _flake8_excludes(text)
    found: list[Glob] = []
    for pattern in patterns[:_MAX_PATTERNS]:
        try:
            found.append(Glob(pattern.removeprefix("./").rstrip("/")))
        except GlobError:
            continue  # the repository's pattern, not ours to fail on
    # A pattern may name folders (`externals`, `nilearn/externals/*`): every file under them is left out too.
    found += [Glob(g.pattern + "/**") for g in list(found)]
    return tuple(found)


def _ruff_scopes(config: str, text: str) -> list[dict[str, object]]:
    """ruff's settings in a configuration file: its table (`[tool.ruff]` in pyproject.toml, the whole of ruff.toml)
    and that table's `lint` table, where they exist."""
    table = read_toml(text) or {}
    if config == "pyproject.toml":
        tool = table.get("tool")
        table = tool.get("ruff", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        return []
    lint = table.get("lint")
    return [table, lint] if isinstance(lint, dict) else [table]


def _toml_excludes(config: str, text: str) -> list[str]:
    """ruff's `exclude` and `extend-exclude`, at the top of its table or under `lint`."""
    patterns: list[str] = []
    for scope in _ruff_scopes(config, text):
        for key in ("exclude", "extend-exclude"):
            listed = scope.get(key)
            if isinstance(listed, list):
                patterns += [pattern for pattern in listed if isinstance(pattern, str)]
    return patterns


def _flake8_excludes(text: str) -> list[str]:
    """flake8's `exclude` and `extend-exclude` in its `[flake8]` section: patterns split by commas."""
    parser = read_setup_cfg(text)
    if parser is None:
        return []
    return [
        pattern.strip()
        for key in ("exclude", "extend-exclude")
        if parser.has_option("flake8", key)
        for pattern in parser.get("flake8", key).replace("\n", ",").split(",")
        if pattern.strip()
    ]


def _toml_ignores(config: str, text: str) -> list[tuple[str, frozenset[str]]]:
    """ruff's table: `[tool.ruff.lint.per-file-ignores]` (or the older `[tool.ruff.per-file-ignores]`) in
    pyproject.toml, `[lint.per-file-ignores]` or `[per-file-ignores]` in ruff.toml."""
    pairs: list[tuple[str, frozenset[str]]] = []
    for scope in _ruff_scopes(config, text):
        ignores = scope.get("per-file-ignores")
        if isinstance(ignores, dict):
            for pattern, codes in ignores.items():
                if isinstance(codes, list):
                    pairs.append((pattern, frozenset(c for c in codes if isinstance(c, str) and _CODE.fullmatch(c))))
    return pairs


def _flake8_ignores(text: str) -> list[tuple[str, frozenset[str]]]:
    """flake8's `per-file-ignores` in its `[flake8]` section: `pattern: CODE, CODE` entries, one or more a line."""
    parser = read_setup_cfg(text)
    if parser is None or not parser.has_option("flake8", "per-file-ignores"):
        return []
    pairs: list[tuple[str, frozenset[str]]] = []
    for entry in re.split(r"\s+(?=[^\s:]+\s*:)", parser.get("flake8", "per-file-ignores").strip()):
        pattern, _, codes = entry.partition(":")
        found = frozenset(_CODE.findall(codes))
        if pattern.strip() and found:
            pairs.append((pattern.strip(), found))
    return pairs


#: Every mypy error code, for a module whose errors mypy's configuration ignores altogether.
ALL_MYPY_CODES = "*"


def mypy_disabled(snapshot: Snapshot, path: str) -> frozenset[str]:
    """The mypy error codes the repository's mypy configuration at the head of the change turns off for the module at
    `path` (`[tool.mypy]`'s `disable_error_code`, and its `[[tool.mypy.overrides]]` whose `module` patterns take the
    module: vLLM's `tests.*` without `arg-type`); ALL_MYPY_CODES among them when it ignores the module's errors."""
    text = snapshot.text("pyproject.toml")
    if text is None or "mypy" not in text:
        return frozenset()
    module = _module_name(path)
    codes: set[str] = set()
    ignore: tuple[int, bool] = (-1, False)  # (how specific the section setting it is, its value)
    for patterns, settings in _mypy_sections(text):
        matching = [p for p in patterns if _mypy_pattern(p).fullmatch(module)] if patterns is not None else [""]
        if not matching:
            continue
        listed = settings.get("disable_error_code")
        if isinstance(listed, list):
            codes.update(code for code in listed if isinstance(code, str))
        value = settings.get("ignore_errors")
        # The most specific section says: `lerobot.*` ignored, `lerobot.envs.*` checked again.
        specific = max(_specificity(p) for p in matching)
        if isinstance(value, bool) and specific >= ignore[0]:
            ignore = (specific, value)
    if ignore[1]:
        codes.add(ALL_MYPY_CODES)
    return frozenset(codes)


def _specificity(pattern: str) -> int:
    """How specific a mypy module pattern is: the global section least, a module's own name most, a wildcard by how
    many components come before it."""
    if not pattern:
        return 0
    return 10_000 if "*" not in pattern else pattern.split(".").index("*") + 1


def _module_name(path: str) -> str:
    """A Python file's dotted module name as mypy names it from the repository's root (`src/` layouts too)."""
    stem = path.removeprefix("src/").rsplit(".", 1)[0].removesuffix("/__init__")
    return stem.replace("/", ".")


@lru_cache(maxsize=16)
def _mypy_sections(text: str) -> tuple[tuple[tuple[str, ...] | None, dict[str, object]], ...]:
    """pyproject.toml's mypy settings: the global table (no module patterns), then each override with its patterns."""
    tool = (read_toml(text) or {}).get("tool")
    mypy = tool.get("mypy") if isinstance(tool, dict) else None
    if not isinstance(mypy, dict):
        return ()
    sections: list[tuple[tuple[str, ...] | None, dict[str, object]]] = [(None, mypy)]
    overrides = mypy.get("overrides")
    for override in overrides if isinstance(overrides, list) else ():
        if not isinstance(override, dict):
            continue
        module = override.get("module")
        patterns = [module] if isinstance(module, str) else module if isinstance(module, list) else []
        sections.append((tuple(p for p in patterns if isinstance(p, str)), override))
    return tuple(sections)


@lru_cache(maxsize=256)
def _mypy_pattern(pattern: str) -> re.Pattern[str]:
    """A mypy module pattern as a regular expression: `tests.*` takes `tests` and every module below it, a `*`
    between dots one or more components (`a.*.b`)."""
    head, *rest = pattern.split(".")
    regex = re.escape(head)
    for index, part in enumerate(rest):
        if part != "*":
            regex += r"\." + re.escape(part)
        elif index == len(rest) - 1:
            regex += r"(?:\..+)?"
        else:
            regex += r"(?:\.[^.]+)+"
    return re.compile(regex)
