"""Fixtures for the command line: a runner of `debtbot` in this process, and a feature branch in a real repo."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from tests.cli.gitrepo import GitRepo

TRAIN_BEFORE = """import pandas as pd


def train(path):
    frame = pd.read_csv(path)
    return frame
"""
#: The feature branch adds a TODO on line 5 of src/train.py.
TRAIN_AFTER = """import pandas as pd


def train(path):
    # TODO: log how long this takes
    frame = pd.read_csv(path)
    return frame
"""
TODO_LINE = 5
#: ... an unpinned requirement on line 2 of requirements.txt ...
REQUIREMENT_LINE = 2
#: ... and a 1.5 MB dataset committed to git.
DATASET = "data/train.csv"
DATASET_BYTES = 1_500_000


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


RunCli = Callable[..., Run]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    def run(*argv: str | Path) -> Run:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def dataset(size: int) -> str:
    header = "id,feature,label\n"
    row = "12345,0.123456789,1\n"
    body = row * ((size - len(header)) // len(row) + 1)
    return (header + body)[:size]


def make_feature_repo(path: Path) -> GitRepo:
    """main: a training script and a pinned requirement; feature: a TODO, a dataset and an unpinned requirement."""
    repo = GitRepo.create(path)
    repo.write("src/train.py", TRAIN_BEFORE)
    repo.write("requirements.txt", "numpy==1.26.4\n")
    repo.write("README.md", "# a model\n")
    repo.commit("a training script")
    repo.branch("feature")
    repo.write("src/train.py", TRAIN_AFTER)
    repo.write("requirements.txt", "numpy==1.26.4\npandas\n")
    repo.write(DATASET, dataset(DATASET_BYTES))
    repo.commit("train on the local copy of the data")
    return repo


@pytest.fixture
def feature_repo(tmp_path: Path) -> GitRepo:
    return make_feature_repo(tmp_path / "repo")
