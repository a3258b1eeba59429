"""Dependency rules on real git diffs: hunks with context lines, headers far above a change, the head tree.

The YAML cases number every added line from 1 with no context; these build a repository, commit a
change and review `git diff` the way the CLI does, with and without the post-change texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import Snapshot, review
from checks.finding import Finding
from tests.rules.gitrepo import change, init

PYPROJECT = """\
[project]
name = "trainer"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
    "numpy>=1.26",
    "pandas>=2.2",
    "scikit-learn>=1.5",
    "torch>=2.3",
    "transformers>=4.44",
]

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.pytest.ini_options]
addopts = "-q"
"""

DOCKERFILE = """\
FROM python:3.11.9-slim AS builder
ARG EXTRAS=serve
WORKDIR /src
COPY requirements.txt .
RUN pip wheel -r requirements.txt -w /wheels

FROM builder AS test
RUN pip install pytest==8.3.2

FROM python:3.11.9-slim
RUN apt-get update && apt-get install -y --no-install-recommends \\
    curl=7.88.1-10+deb12u7 \\
    libgomp1=12.2.0-14 \\
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /wheels /wheels
"""

FEATURES = """\
import warnings


def legacy_features(frame):
    with warnings.catch_warnings():
        frame = frame.copy()
        return frame.fillna(0)
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            "uv.lock": "version = 1\n",
            "requirements.txt": "numpy==1.26.4\n",
            "Dockerfile": DOCKERFILE,
            "src/features.py": FEATURES,
        },
    )


def _change(repo: Path, edits: dict[str, str], *, with_texts: bool) -> list[Finding]:
    """Commit `edits` (path -> new text) and review the commit against its parent."""
    committed = change(repo, edits)
    tree = committed.tree
    texts = committed.texts(repo, edits) if with_texts else {}
    result = review(committed.diff, snapshot=Snapshot(texts=texts, tree=tree))
    assert not result.rule_errors, result.rule_errors
    return [f for f in result.findings if f.rule.startswith("DEP")]


@pytest.mark.parametrize("with_texts", [True, False])
def test_dependency_changed_far_below_its_header_needs_the_lock(repo: Path, with_texts: bool) -> None:
    found = _change(repo, {"pyproject.toml": PYPROJECT.replace('"torch>=2.3"', '"torch>=2.4"')}, with_texts=with_texts)
    assert [(f.rule, f.path, f.line) for f in found] == [("DEP006", "pyproject.toml", 9)]


@pytest.mark.parametrize("with_texts", [True, False])
def test_tool_settings_change_does_not_need_the_lock(repo: Path, with_texts: bool) -> None:
    edited = PYPROJECT.replace("line-length = 100", "line-length = 120").replace('"-q"', '"-q -x"')
    assert _change(repo, {"pyproject.toml": edited}, with_texts=with_texts) == []


def test_dependency_change_with_the_lock_updated_passes(repo: Path) -> None:
    edits = {"pyproject.toml": PYPROJECT.replace('"torch>=2.3"', '"torch>=2.4"'), "uv.lock": "version = 1\n# torch\n"}
    assert _change(repo, edits, with_texts=True) == []


@pytest.mark.parametrize("with_texts", [True, False])
def test_package_added_to_an_unchanged_apt_list_is_reported_alone(repo: Path, with_texts: bool) -> None:
    edited = DOCKERFILE.replace("    libgomp1=12.2.0-14 \\\n", "    libgomp1=12.2.0-14 \\\n    ffmpeg \\\n")
    found = _change(repo, {"Dockerfile": edited}, with_texts=with_texts)
    assert [(f.rule, f.line, f.severity.value) for f in found] == [("DEP012", 14, "low")]
    assert "ffmpeg" in found[0].message


@pytest.mark.parametrize("with_texts", [True, False])
def test_pinning_a_package_of_an_existing_install_pays(repo: Path, with_texts: bool) -> None:
    base = DOCKERFILE.replace("pytest==8.3.2", "pytest")
    _change(repo, {"Dockerfile": base}, with_texts=with_texts)
    diff = change(repo, {"Dockerfile": DOCKERFILE}).diff
    result = review(diff, snapshot=Snapshot(texts={"Dockerfile": DOCKERFILE} if with_texts else {}))
    assert [f.rule for f in result.findings if f.rule.startswith("DEP")] == []
    assert [f.rule for f in result.paid] == ["DEP012"]


@pytest.mark.parametrize("with_texts", [True, False])
def test_stage_alias_declared_far_above(repo: Path, with_texts: bool) -> None:
    """`FROM builder AS test` re-added: with the text the alias is known; without it, a bare word is not judged."""
    edited = DOCKERFILE.replace(
        "FROM builder AS test\nRUN pip install pytest==8.3.2", "FROM builder AS tests\nRUN true"
    )
    assert _change(repo, {"Dockerfile": edited}, with_texts=with_texts) == []


@pytest.mark.parametrize("with_texts", [True, False])
def test_filter_added_inside_an_unchanged_catch_warnings_block_is_scoped(repo: Path, with_texts: bool) -> None:
    edited = FEATURES.replace(
        "        frame = frame.copy()\n", '        warnings.simplefilter("ignore")\n        frame = frame.copy()\n'
    )
    assert _change(repo, {"src/features.py": edited}, with_texts=with_texts) == []


def test_filter_added_at_module_level_is_reported(repo: Path) -> None:
    edited = FEATURES.replace("import warnings\n", 'import warnings\n\nwarnings.filterwarnings("ignore")\n')
    found = _change(repo, {"src/features.py": edited}, with_texts=True)
    assert [(f.rule, f.line) for f in found] == [("DEP016", 3)]


def test_ci_installs_a_file_the_tree_lacks(repo: Path) -> None:
    workflow = "jobs:\n  test:\n    steps:\n      - run: pip install -r requirements-dev.txt\n"
    found = _change(repo, {".github/workflows/ci.yml": workflow}, with_texts=True)
    assert [(f.rule, f.line) for f in found] == [("DEP008", 4)]
    assert "requirements-dev.txt" in found[0].message


def test_loosened_pin_in_requirements(repo: Path) -> None:
    found = _change(repo, {"requirements.txt": "numpy>=1.26.4\n"}, with_texts=True)
    assert [(f.rule, f.message) for f in found] == [("DEP001", "`numpy>=1.26.4` loosens the pin `numpy==1.26.4`")]
