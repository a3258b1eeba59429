"""DEP009 on real git changes, and the manifest reading it rests on.

The YAML cases (cases/DEP009.yml) number every added line from 1 with no context; these commit a
change to a repository and review `git diff` the way the CLI does, supplying the texts of every
manifest in the tree (as callers must) with and without the changed files' texts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from checks import ReviewResult, Snapshot, review
from checks.config import Config
from checks.diff import parse_diff
from checks.finding import Finding, Severity
from checks.importmap import DISTRIBUTIONS, HOST_PROVIDED, NAMESPACE_DEPTHS
from checks.inputs import wanted_texts
from checks.paths import Kind, kind
from checks.rules.dependency_common import block_opener, canonical
from checks.rules.dependency_imports import is_manifest, read_manifests
from checks.views import ChangeView
from tests.rules.gitrepo import change, init

PYPROJECT = """\
[project]
name = "churn"
version = "0.1.0"
dependencies = ["numpy>=1.26", "pandas>=2.2", "scikit-learn>=1.5"]

[project.optional-dependencies]
plots = ["matplotlib>=3.9"]
"""

MODEL = """\
\"\"\"Churn model.\"\"\"

import numpy as np

try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None


def fit(frame):
    columns = list(frame.columns)
    target = frame.pop("churn")
    weights = np.ones(len(frame))
    return columns, target, weights


def plot(history):
    if plt is None:
        return None
    figure = plt.figure()
    return figure
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            "requirements-dev.txt": "pytest==8.3.3\n",
            "src/churn/__init__.py": "",
            "src/churn/model.py": MODEL,
            "tests/test_model.py": "import pytest\n",
        },
    )


def _change(repo: Path, edits: dict[str, str], *, with_texts: bool) -> list[Finding]:
    """Commit `edits` and review the commit: the manifests' texts always, the changed files' when asked."""
    return [f for f in _review(repo, edits, with_texts=with_texts).findings if f.rule == "DEP009"]


def _review(repo: Path, edits: dict[str, str], *, with_texts: bool) -> ReviewResult:
    committed = change(repo, edits)
    tree = committed.tree
    wanted = {p for p in tree if is_manifest(p)} | (set(edits) if with_texts else set())
    texts = committed.texts(repo, wanted)
    result = review(committed.diff, snapshot=Snapshot(texts=texts, tree=tree))
    assert not result.rule_errors, result.rule_errors
    return result


@pytest.mark.parametrize("with_texts", [True, False])
def test_import_added_inside_a_function_far_below_the_imports(repo: Path, with_texts: bool) -> None:
    edited = MODEL.replace(
        "    weights = np.ones(len(frame))\n", "    import lightgbm\n    weights = np.ones(len(frame))\n"
    )
    found = _change(repo, {"src/churn/model.py": edited}, with_texts=with_texts)
    assert [(f.path, f.line, f.severity) for f in found] == [("src/churn/model.py", 14, Severity.MEDIUM)]
    assert "`lightgbm`" in found[0].message
    assert "(read: pyproject.toml, requirements-dev.txt)" in found[0].message


def test_import_added_to_an_existing_try_block_far_from_its_header_is_optional(repo: Path) -> None:
    # The `try:` is four lines above the added line: the hunk's three context lines do not reach it,
    # so only the post-change text tells; without it, the rule cannot see the block and stays silent.
    edited = MODEL.replace(
        "    import matplotlib.pyplot as plt\n", "    import matplotlib.pyplot as plt\n    import seaborn\n"
    )
    edited = edited.replace("try:\n", "try:\n    import os\n    import sys\n    import json\n")
    assert _change(repo, {"src/churn/model.py": edited}, with_texts=True) == []


@pytest.mark.parametrize("with_texts", [True, False])
def test_an_import_whose_enclosing_block_is_out_of_sight(repo: Path, with_texts: bool) -> None:
    # The enclosing `def` is four lines above: the hunk's three context lines do not show it, so
    # without the post-change text the rule cannot tell a function from a `try:` and stays silent.
    edited = MODEL.replace(
        "    weights = np.ones(len(frame))\n", "    weights = np.ones(len(frame))\n    import lightgbm\n"
    )
    found = _change(repo, {"src/churn/model.py": edited}, with_texts=with_texts)
    assert [f.line for f in found] == ([15] if with_texts else [])


@pytest.mark.parametrize("with_texts", [True, False])
def test_an_import_in_a_docstring_example_is_not_an_import(repo: Path, with_texts: bool) -> None:
    edited = MODEL.replace('"""Churn model."""', '"""Churn model.\n\nExample:\n\nimport xgboost\nfit(frame)\n"""')
    assert _change(repo, {"src/churn/model.py": edited}, with_texts=with_texts) == []


@pytest.mark.parametrize("with_texts", [True, False])
def test_the_names_a_backslash_continued_from_import_brings_in_are_no_import(repo: Path, with_texts: bool) -> None:
    edited = MODEL.replace(
        '"""Churn model."""', '"""Churn model."""\nfrom churn.boxes \\\n    import CoordinateBox, merge_boxes\n'
    )
    assert _change(repo, {"src/churn/model.py": edited}, with_texts=with_texts) == []
    edited = MODEL.replace('"""Churn model."""', '"""Churn model."""\nx = 1\nimport xgboost\n')
    assert [f.rule for f in _change(repo, {"src/churn/model.py": edited}, with_texts=with_texts)] == ["DEP009"]


def test_declaring_the_package_in_the_same_change_passes(repo: Path) -> None:
    edits = {
        "src/churn/boost.py": "import lightgbm as lgb\n",
        "pyproject.toml": PYPROJECT.replace('"scikit-learn>=1.5"', '"scikit-learn>=1.5", "lightgbm>=4.5"'),
    }
    assert _change(repo, edits, with_texts=True) == []


def test_moving_an_undeclared_import_into_a_function_is_not_new(repo: Path) -> None:
    _change(repo, {"src/churn/model.py": "import xgboost\n" + MODEL}, with_texts=True)
    moved = MODEL.replace("def fit(frame):\n", "def fit(frame):\n    import xgboost\n\n")
    assert _change(repo, {"src/churn/model.py": moved}, with_texts=True) == []


def test_an_import_only_reindented_is_neither_new_nor_paid(repo: Path) -> None:
    two = 'def load(path):\n  """Read an image."""\n  from PIL import Image\n  return Image.open(path)\n'
    _change(repo, {"src/churn/images.py": two}, with_texts=True)
    result = _review(repo, {"src/churn/images.py": two.replace("\n  ", "\n    ")}, with_texts=True)
    assert [f.rule for f in (*result.findings, *result.paid) if f.rule == "DEP009"] == []


def test_one_more_import_of_a_package_the_module_already_imported_is_not_new(repo: Path) -> None:
    _change(repo, {"src/churn/model.py": "import xgboost\n" + MODEL}, with_texts=True)
    again = "import xgboost\n" + MODEL.replace(
        "def fit(frame):\n", "def fit(frame):\n    from xgboost import DMatrix\n\n"
    )
    assert _change(repo, {"src/churn/model.py": again}, with_texts=True) == []


def test_an_import_edited_in_place_far_below_its_function_is_not_new(repo: Path) -> None:
    body = "def fetch(name):\n    a = 1\n    b = 2\n    c = 3\n    d = 4\n    from hub import download\n    return a\n"
    _change(repo, {"src/churn/fetch.py": body}, with_texts=True)
    edited = body.replace("from hub import download", "from hub import download, list_files")
    assert _change(repo, {"src/churn/fetch.py": edited}, with_texts=True) == []


def test_an_import_moved_down_its_module_while_another_changed_module_imports_it_is_not_new(repo: Path) -> None:
    head = "import numpy as np\n"
    before = head + "from scipy.sparse import csr_matrix\nfrom typing import List\nfrom churn import model\n"
    after = head + "from churn import model\nfrom scipy.sparse import csr_matrix\nfrom typing import Callable, List\n"
    other = "from scipy.sparse import csr_matrix\nx = {}\n"
    _change(repo, {"src/churn/lang.py": before, "src/churn/other.py": other.format(1)}, with_texts=True)
    edits = {"src/churn/lang.py": after, "src/churn/other.py": other.format(2)}
    assert _change(repo, edits, with_texts=True) == []


def test_an_import_reordered_in_its_module_as_isort_leaves_the_project_is_neither_new_nor_paid(repo: Path) -> None:
    # squidpy's move from isort to ruff: the `[tool.isort]` table naming joblib went with the reordering, so joblib
    # reads as declared before the change (what its removed lines name), and the import's removal pays nothing.
    isort = PYPROJECT + '\n[tool.isort]\nknown_third_party = ["joblib"]\n'
    before = "import joblib\n\nimport os\nfrom enum import Enum\nfrom typing import Any\n\nimport numpy as np\n"
    after = "import os\nfrom enum import Enum\nfrom typing import Any\n\nimport joblib\nimport numpy as np\n"
    _change(repo, {"pyproject.toml": isort, "src/churn/jobs.py": before}, with_texts=True)
    result = _review(repo, {"pyproject.toml": PYPROJECT, "src/churn/jobs.py": after}, with_texts=True)
    assert [(f.path, f.line) for f in (*result.findings, *result.paid) if f.rule == "DEP009"] == []


def test_a_benchmarks_subpackage_of_the_library_is_judged_and_a_benchmarks_folder_is_not(repo: Path) -> None:
    # deepeval's `deepeval/benchmarks/` is the library's own code (`from deepeval.benchmarks import MMLU`).
    mmlu = "import datasets\n\n\ndef load():\n    return datasets.load_dataset('mmlu')\n"
    base = {"src/churn/benchmarks/__init__.py": "", "src/churn/benchmarks/mmlu.py": mmlu}
    _change(repo, base, with_texts=True)
    edits = {
        "src/churn/benchmarks/mmlu.py": mmlu + "\n\nTASKS = 57\n",
        "src/churn/red_team.py": "import datasets\n",
        "src/churn/benchmarks/html.py": "import lxml\n",
        "benchmarks/run.py": "import lxml\nimport asv\n",
    }
    found = _change(repo, edits, with_texts=True)
    assert [(f.path, f.line, f.message.split(",")[0]) for f in found] == [
        ("src/churn/benchmarks/html.py", 1, "imports `lxml`")
    ]


def test_an_import_whose_guard_the_change_takes_away_is_new(repo: Path) -> None:
    guarded = "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n"
    _change(repo, {"src/churn/conf.py": "import os\n" + guarded + "x = 1\n"}, with_texts=True)
    found = _change(repo, {"src/churn/conf.py": "import os\nimport yaml\nx = 1\n"}, with_texts=True)
    assert [(f.path, f.line) for f in found] == [("src/churn/conf.py", 2)]


def test_a_plain_import_of_a_package_the_module_imported_only_optionally_is_new(repo: Path) -> None:
    optional = MODEL.replace(
        "    import matplotlib.pyplot as plt\n", "    import matplotlib.pyplot as plt\n    import xgboost\n"
    )
    _change(repo, {"src/churn/model.py": optional}, with_texts=True)
    plain = optional.replace("def fit(frame):\n", "def fit(frame):\n    from xgboost import DMatrix\n\n")
    found = _change(repo, {"src/churn/model.py": plain}, with_texts=True)
    assert [(f.line, "`xgboost`" in f.message) for f in found] == [
        (plain.splitlines().index("    from xgboost import DMatrix") + 1, True)
    ]


def test_test_code_and_optional_extras_are_not_judged(repo: Path) -> None:
    edits = {
        "tests/test_model.py": "import pytest\nimport hypothesis\n",
        "src/churn/plots.py": "import matplotlib.pyplot as plt\n",
    }
    assert _change(repo, edits, with_texts=True) == []


def test_a_manifest_missing_from_the_texts_silences_the_rule(repo: Path) -> None:
    committed = change(repo, {"src/churn/boost.py": "import lightgbm\n"})
    diff, tree = committed.diff, committed.tree
    partial = {"pyproject.toml": PYPROJECT}  # requirements-dev.txt left out: it might declare lightgbm
    assert [f for f in review(diff, snapshot=Snapshot(texts=partial, tree=tree)).findings if f.rule == "DEP009"] == []
    every = partial | {"requirements-dev.txt": "pytest==8.3.3\n"}
    found = review(diff, snapshot=Snapshot(texts=every, tree=tree)).findings
    assert [f.path for f in found if f.rule == "DEP009"] == ["src/churn/boost.py"]


def _notebook(*cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": lines}
                for lines in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


@pytest.mark.parametrize("with_texts", [True, False])
def test_notebook_cells_draw_info_and_their_optional_imports_pass(repo: Path, with_texts: bool) -> None:
    notebook = _notebook(
        ["%matplotlib inline\n", "import seaborn as sns\n", "from IPython.display import display"],
        ["try:\n", "    import umap\n", "except ImportError:\n", "    umap = None"],
    )
    found = _change(repo, {"notebooks/explore.ipynb": notebook}, with_texts=with_texts)
    assert [(f.path, f.severity) for f in found] == [("notebooks/explore.ipynb", Severity.INFO)]
    assert "`seaborn`" in found[0].message


@pytest.mark.parametrize("with_texts", [True, False])
def test_an_import_added_to_a_function_of_an_unchanged_cell(repo: Path, with_texts: bool) -> None:
    before = _notebook(["import numpy as np\n", "\n", "\n", "\n", "def project(x):\n", "    return np.asarray(x)"])
    _change(repo, {"notebooks/embed.ipynb": before}, with_texts=True)
    after = _notebook(
        ["import numpy as np\n", "\n", "\n", "\n", "def project(x):\n", "    import umap\n", "    return np.asarray(x)"]
    )
    found = _change(repo, {"notebooks/embed.ipynb": after}, with_texts=with_texts)
    # Only the post-change notebook shows the `def` (the diff's context lines are JSON): without it, silence.
    assert [f.severity for f in found] == ([Severity.INFO] if with_texts else [])


def test_databricks_notebook_sources_draw_info(repo: Path) -> None:
    source = "# Databricks notebook source\nimport shap\n"
    found = _change(repo, {"src/churn/explain.py": source}, with_texts=True)
    assert [(f.line, f.severity) for f in found] == [(2, Severity.INFO)]


# --- which files are manifests -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "requirements.txt",
        "requirements-gpu.txt",
        "services/api/requirements.in",
        "requirements/prod.txt",
        "deps/dev.in",
        "pyproject.toml",
        "pixi.toml",
        "setup.py",
        "setup.cfg",
        "Pipfile",
        "environment.yml",
        "envs/conda-cuda.yaml",
        "recipe/meta.yaml",
        "Dockerfile",
        "docker/Dockerfile.gpu",
        "serve.dockerfile",
    ],
)
def test_manifests(path: str) -> None:
    assert is_manifest(path)


@pytest.mark.parametrize(
    "path",
    [
        "MANIFEST.in",
        "docs/Makefile.in",
        "config.h.in",
        "poetry.lock",
        "requirements.lock",
        "third_party/lib/setup.py",
        "node_modules/x/requirements.txt",
        "tests/fixtures/requirements.txt",
        "meta.yaml",
        "src/setup_utils.py",
        "src/zenml/zen_server/dashboard/assets/dockerfile-DZFCIeNp.js",
    ],
)
def test_not_manifests(path: str) -> None:
    assert not is_manifest(path)


@pytest.mark.parametrize(
    "path", ["requirements.txt", "req/requirements-dev.in", "pyproject.toml", "a/setup.py", "Pipfile", "env.yml"]
)
def test_every_dependency_file_kind_is_a_manifest(path: str) -> None:
    assert kind(path) in {Kind.REQUIREMENTS, Kind.PYPROJECT, Kind.SETUP, Kind.PIPFILE, Kind.CONDA}
    assert is_manifest(path)


# --- what manifests declare ----------------------------------------------------------------------------------------


def _declares(texts: dict[str, str], *names: str) -> bool:
    manifests = read_manifests(ChangeView([], Snapshot(texts=texts, tree=frozenset(texts)), Config()))
    assert manifests is not None
    return all(manifests.declares({canonical(n)}) for n in names)


def test_pyproject_tables_of_every_tool() -> None:
    pyproject = """\
[build-system]
requires = ["setuptools>=69", "cython>=3"]

[project]
name = "my-project"
dependencies = ["Requests[socks]>=2.32 ; python_version >= '3.9'", "torch @ https://example.com/torch.whl"]
dynamic = ["optional-dependencies"]

[tool.poetry.dependencies]
python = "^3.11"
polars = { version = "^1.9", extras = ["pyarrow"] }

[tool.poetry.group.dev.dependencies]
ruff = "^0.6"

[tool.pixi.feature.cuda.dependencies]
cudatoolkit = "12.*"

[tool.hatch.envs.docs]
dependencies = ["mkdocs-material"]

[tool.uv]
dev-dependencies = ["mypy==1.11.2"]

[tool.pdm.dev-dependencies]
lint = ["black"]
"""
    texts = {"pyproject.toml": pyproject}
    assert _declares(texts, "setuptools", "cython", "my_project", "requests", "socks", "torch", "polars", "pyarrow")
    assert _declares(texts, "ruff", "cudatoolkit", "mkdocs-material", "mypy", "black")
    assert not _declares(texts, "python-version")


def test_files_a_pyproject_includes_must_be_supplied() -> None:
    pyproject = '[project]\nname = "x"\ndynamic = ["dependencies"]\n\n[tool.setuptools.dynamic]\n'
    pyproject += 'dependencies = {file = ["deps/runtime.txt"]}\n'
    tree = frozenset({"pyproject.toml", "deps/runtime.txt"})
    view = ChangeView([], Snapshot(texts={"pyproject.toml": pyproject}, tree=tree), Config())
    assert read_manifests(view) is None
    texts = {"pyproject.toml": pyproject, "deps/runtime.txt": "numpy==2.1.2\n"}
    assert read_manifests(ChangeView([], Snapshot(texts=texts, tree=tree), Config())) is not None


def test_requirement_lines_of_every_shape() -> None:
    requirements = """\
--index-url https://pypi.org/simple
-e git+https://github.com/org/tooling.git@v1.2#egg=org-tooling
-e .
git+https://github.com/facebookresearch/detectron2.git@v0.6
https://download.pytorch.org/whl/cu121/torchvision-0.19.1%2Bcu121-cp311-cp311-linux_x86_64.whl
en-core-web-sm @ https://github.com/explosion/spacy-models/releases/download/en_core_web_sm-3.8.0/x.tar.gz
numpy==1.26.4 --hash=sha256:abc
pandas>=2.2  # a comment
"""
    texts = {"requirements.txt": requirements}
    assert _declares(texts, "org-tooling", "detectron2", "torchvision", "en_core_web_sm", "numpy", "pandas")


def test_setup_py_with_computed_requirements_and_a_syntax_error() -> None:
    computed = 'from setuptools import setup\nREQS = open("requirements/base.txt").read().splitlines()\n'
    computed += 'setup(name="pkg", install_requires=REQS + ["einops>=0.8"])\n'
    assert _declares({"setup.py": computed, "requirements/base.txt": "timm==1.0.9\n"}, "einops", "timm")
    assert _declares({"setup.py": 'setup(install_requires=["kornia>=0.7",\n'}, "kornia")


def test_setup_py_extras_filled_in_after_the_dict_is_made() -> None:
    setup_py = """\
from setuptools import setup

extra_deps = {}
extra_deps["neptune"] = ["neptune>=1.6.2,<2.0.0"]
extra_deps["all"] = {dep for deps in extra_deps.values() for dep in deps}
setup(name="composer", install_requires=["torch>=2.1"], extras_require=extra_deps)
"""
    assert _declares({"setup.py": setup_py}, "neptune", "torch")
    assert not _declares({"setup.py": setup_py}, "mlflow")


NBDEV_SETUP = """\
from configparser import ConfigParser
import setuptools

config = ConfigParser(delimiters=["="])
config.read("settings.ini")
cfg = config["DEFAULT"]
requirements = ["pip", "packaging"]
if cfg.get("requirements"):
    requirements += cfg.get("requirements", "").split()
setuptools.setup(name=cfg["lib_name"], install_requires=requirements)
"""

NBDEV_SETTINGS = """\
[DEFAULT]
lib_name = vision
requirements = fastcore>=1.5.29,<1.8 torchvision>=0.11 matplotlib
dev_requirements = nbdev>=2.3
"""


def test_an_nbdev_setup_declares_what_its_settings_list() -> None:
    texts = {"setup.py": NBDEV_SETUP, "settings.ini": NBDEV_SETTINGS}
    assert _declares(texts, "torchvision", "fastcore", "matplotlib", "nbdev", "packaging")
    assert not _declares(texts, "lightgbm")
    extended = NBDEV_SETUP.replace(
        'requirements += cfg.get("requirements", "").split()',
        "requirements.extend(cfg.get('requirements', '').split())",
    )
    assert _declares({**texts, "setup.py": extended}, "torchvision")


def test_an_nbdev_settings_file_is_fetched_and_read(tmp_path: Path) -> None:
    files = {"setup.py": NBDEV_SETUP, "settings.ini": NBDEV_SETTINGS, "vision/__init__.py": "", "vision/a.py": ""}
    init(tmp_path, {**files, "docs/settings.ini": "[DEFAULT]\n"})
    committed = change(tmp_path, {"vision/a.py": "import torchvision\nimport lightgbm\n"})
    wanted = wanted_texts(parse_diff(committed.diff), committed.tree)
    assert "settings.ini" in wanted
    assert "docs/settings.ini" not in wanted  # no setup.py beside it
    texts = committed.texts(tmp_path, [p for p in wanted if p in committed.tree])
    result = review(committed.diff, snapshot=Snapshot(texts=texts, tree=committed.tree))
    assert [f.message.split(",")[0] for f in result.findings if f.rule == "DEP009"] == ["imports `lightgbm`"]


def test_conda_specs_and_pip_section() -> None:
    environment = """\
name: vision
channels: [pytorch, nvidia, conda-forge]
dependencies:
  - python=3.11
  - pytorch::pytorch=2.4.1
  - pytorch-cuda=12.1
  - conda-forge::opencv>=4.10
  - py-xgboost
  - pip:
      - transformers==4.44.2
"""
    texts = {"environment.yml": environment}
    assert _declares(texts, "pytorch", "torch", "opencv", "xgboost", "transformers")


def test_variants_declare_the_bare_name() -> None:
    texts = {"requirements.txt": "faiss-gpu==1.7.2\ncupy-cuda12x==13.3.0\nhydra-core==1.3.2\npyserial==3.5\n"}
    assert _declares(texts, "faiss", "cupy", "hydra", "serial")
    assert not _declares(texts, "torch")


# --- the import map ------------------------------------------------------------------------------------------------


def test_the_import_map_names_no_standard_library_module() -> None:
    roots = {name.split(".")[0] for name in [*DISTRIBUTIONS, *NAMESPACE_DEPTHS, *HOST_PROVIDED]}
    assert roots & set(sys.stdlib_module_names) == set()


def test_every_mapping_names_distributions() -> None:
    for module, distributions in DISTRIBUTIONS.items():
        assert distributions, module
        assert all(d and " " not in d and canonical(d) == canonical(canonical(d)) for d in distributions), module


SAMPLER = """\
\"\"\"Sampling.\"\"\"


def sample(chunks=None):
    \"\"\"Draw samples.\"\"\"
    if chunks is not None:
        import warnings

        warnings.warn(
            "chunks is deprecated",
            DeprecationWarning,
        )
    import numpyro

    from numpyro.infer import MCMC

    return MCMC
"""

SAMPLER_WITH_HELPER = """\
\"\"\"Sampling.\"\"\"


def _sample_nuts():
    import numpyro

    from numpyro.infer import MCMC

    return MCMC


def sample(chunks=None):
    \"\"\"Draw samples.\"\"\"
    if chunks is not None:
        import warnings

        warnings.warn(
            "chunks is deprecated",
            DeprecationWarning,
        )
    return _sample_nuts()
"""


def test_an_import_moved_into_a_helper_of_its_module_is_not_new(tmp_path: Path) -> None:
    """The removed import follows an `if` block whose opener the hunk does not show: read in the module as it was,
    it is a plain import of the same distribution, which the added one in the helper cancels."""
    repo = init(tmp_path, {"pyproject.toml": PYPROJECT, "src/churn/__init__.py": "", "src/churn/jax.py": SAMPLER})
    result = _review(repo, {"src/churn/jax.py": SAMPLER_WITH_HELPER}, with_texts=True)
    assert [f for f in result.findings if f.rule == "DEP009"] == []
    assert [f for f in result.paid if f.rule == "DEP009"] == []


@pytest.mark.parametrize(
    ("above", "indent", "opener"),
    [
        (["with pytest.raises(ValueError):", "    model = build()"], 4, 0),
        (["if verbose:", "", "# a note at the margin", "    print(x)"], 4, 0),  # blank and comment lines aside
        (["def f():", "    with lock:", "        x = 1"], 8, 1),
        (["def f():", "    x = 1"], 4, 0),
        (["x = 1"], 0, None),  # nothing encloses a line at the margin
        ([], 4, None),
    ],
)
def test_block_opener_is_the_nearest_less_indented_line_of_code(
    above: list[str], indent: int, opener: int | None
) -> None:
    assert block_opener(above, indent) == opener
