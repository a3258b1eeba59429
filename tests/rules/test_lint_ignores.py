"""The checks a repository's lint configuration turns off per file (ruff's and flake8's per-file-ignores)."""

from __future__ import annotations

import pytest

from checks.rules.lint_ignores import covers, ignored_codes
from checks.snapshot import Snapshot


@pytest.mark.parametrize(
    ("config", "text"),
    [
        ("pyproject.toml", '[tool.ruff.lint.per-file-ignores]\n"**/__init__.py" = ["F401"]\n'),
        ("pyproject.toml", '[tool.ruff.per-file-ignores]\n"__init__.py" = ["F401"]\n'),
        ("ruff.toml", '[lint.per-file-ignores]\n"pkg/**" = ["F401"]\n'),
        (".ruff.toml", '[per-file-ignores]\n"pkg/sub/__init__.py" = ["F401"]\n'),
        (".flake8", "[flake8]\nper-file-ignores =\n    pkg/*/__init__.py: F401\n    tests/*: E501\n"),
        ("tox.ini", "[tox]\nenvlist = py311\n[flake8]\nper-file-ignores = pkg/sub/__init__.py:F401,E402\n"),
    ],
)
def test_each_configuration_file_and_spelling_is_read(config: str, text: str) -> None:
    assert ignored_codes(Snapshot(texts={config: text}), "pkg/sub/__init__.py") >= {"F401"}
    assert "F401" not in ignored_codes(Snapshot(texts={config: text}), "other/module.py")


def test_a_configuration_in_a_subfolder_matches_paths_relative_to_it() -> None:
    snapshot = Snapshot(texts={"lib/pyproject.toml": '[tool.ruff.lint.per-file-ignores]\n"core/*.py" = ["E731"]\n'})
    assert ignored_codes(snapshot, "lib/core/ops.py") == {"E731"}
    assert ignored_codes(snapshot, "core/ops.py") == frozenset()


def test_broken_configuration_and_patterns_are_no_error() -> None:
    broken = {"pyproject.toml": "[tool.ruff.lint.per-file-ignores\n", "setup.cfg": "[flake8\nper-file-ignores = x"}
    assert ignored_codes(Snapshot(texts=broken), "pkg/a.py") == frozenset()
    too_long = {"ruff.toml": f'[per-file-ignores]\n"{"a" * 300}" = ["F401"]\n"pkg/a.py" = ["F401"]\n'}
    assert ignored_codes(Snapshot(texts=too_long), "pkg/a.py") == {"F401"}


def test_a_code_is_covered_by_itself_or_a_prefix() -> None:
    assert covers(frozenset({"F4"}), "F405")
    assert covers(frozenset({"E501"}), "E501")
    assert not covers(frozenset({"E5"}), "F401")


def test_an_entry_naming_the_file_itself_is_told_from_a_pattern() -> None:
    text = (
        "[tool.ruff.lint.per-file-ignores]\n"
        '".github/scripts/release.py" = ["T201"]\n'
        '"./pkg/ops.py" = ["F821"]\n'
        '"pkg/*.py" = ["E731"]\n'
    )
    snapshot = Snapshot(texts={"pyproject.toml": text})
    assert ignored_codes(snapshot, ".github/scripts/release.py", named_alone=True) == {"T201"}
    assert ignored_codes(snapshot, "pkg/ops.py", named_alone=True) == {"F821"}
    assert ignored_codes(snapshot, "pkg/ops.py") == {"F821", "E731"}
    assert ignored_codes(snapshot, "pkg/other.py", named_alone=True) == frozenset()
