"""The large-repository benchmark runs end to end on a small tree: the repository it builds, a review in it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench import large_repo
from bench.speed import DEBTBOT


def test_the_built_repository_holds_the_files_and_the_change(tmp_path: Path) -> None:
    large_repo.build(tmp_path, 600)

    files = subprocess.run(["git", "-C", str(tmp_path), "ls-files"], capture_output=True, text=True, check=True)
    assert len(files.stdout.splitlines()) == 600
    assert len(list((tmp_path / "pkg2").iterdir())) == 600 - 2 * large_repo.FILES_PER_FOLDER
    argv = [str(DEBTBOT), "review", "--base", "HEAD~1", "--format", "json"]
    review = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert review.returncode == 0, review.stderr  # new debt within the default budget: the policy passes
    found = {(f["path"], f["rule"]) for f in json.loads(review.stdout)["findings"]}
    assert found == {("pkg0/module0.py", "MODEL006"), ("pkg0/module0.py", "CODE001")}


def test_the_benchmark_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert large_repo.main(["--files", "300", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "debtbot review --base HEAD~1 (a 2-line change)" in out
    assert "300" in out.splitlines()[-1]
