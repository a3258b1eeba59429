"""bot.localgit against real repositories: the tree, blob sizes, texts and their bounds, a hostile git config."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import localgit
from bot.localgit import GitError, Repository, read_change
from checks import review
from checks.diff import FileStatus
from tests.cli.conftest import DATASET, DATASET_BYTES, TRAIN_AFTER
from tests.cli.gitrepo import GitRepo


def test_the_snapshot_holds_the_head_tree_sizes_and_texts(feature_repo: GitRepo) -> None:
    change = read_change(Repository(feature_repo.path), today=date(2026, 11, 26))
    snapshot = change.snapshot
    assert snapshot.tree == frozenset({"src/train.py", "requirements.txt", "README.md", DATASET})
    # Sizes of the changed files only, in bytes as git stores them.
    assert snapshot.sizes == {
        "src/train.py": len(TRAIN_AFTER),
        "requirements.txt": len("numpy==1.26.4\npandas\n"),
        DATASET: DATASET_BYTES,
    }
    assert snapshot.text("src/train.py") == TRAIN_AFTER
    assert snapshot.text("README.md") is None  # unchanged: not read
    assert snapshot.today == date(2026, 11, 26)
    assert {p.path for p in change.diff} == {"src/train.py", "requirements.txt", DATASET}
    assert change.base == feature_repo.git("rev-parse", "main").strip()
    assert change.head == feature_repo.git("rev-parse", "feature").strip()


def test_gitattributes_and_dvc_lock_are_read_even_when_unchanged(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.write(".gitattributes", "*.parquet filter=lfs diff=lfs merge=lfs -text\n")
    repo.write("dvc.lock", "stages:\n  prepare:\n    outs:\n    - path: data/clean.csv\n")
    repo.commit("lfs and dvc")
    repo.branch("feature")
    repo.write("data/clean.csv", "a,b\n1,2\n")
    repo.commit("data")
    snapshot = read_change(Repository(repo.path)).snapshot
    assert snapshot.in_lfs("data/table.parquet")
    assert snapshot.in_dvc("data/clean.csv")


def test_removed_and_binary_files_have_no_text(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.write("old.py", "x = 1\n")
    repo.commit("first")
    repo.branch("feature")
    repo.remove("old.py")
    repo.write("model.bin", bytes(range(256)) * 8)
    repo.commit("swap")
    change = read_change(Repository(repo.path))
    statuses = {p.path: p.status for p in change.diff}
    assert statuses == {"old.py": FileStatus.REMOVED, "model.bin": FileStatus.ADDED}
    assert change.snapshot.texts == {}
    assert change.snapshot.sizes == {"model.bin": 2048}
    assert change.snapshot.exists("old.py") is False


def test_a_deleted_binary_file_has_its_size_at_the_base_and_deleting_a_dataset_pays(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.write("data/train.parquet", bytes(range(256)) * 8192)  # 2 MB, binary: the diff shows no lines of it
    repo.write("notes.txt", "kept\n")
    repo.commit("data")
    repo.branch("feature")
    repo.remove("data/train.parquet")
    repo.write("notes.txt", "kept\nand more\n")
    repo.commit("the dataset leaves git")
    repo.checkout("main")
    repo.write("data/train.parquet", bytes(range(256)) * 4096)  # on main, after the fork: not what was deleted
    repo.commit("main moves on")
    change = read_change(Repository(repo.path), base="main", head="feature")
    assert change.snapshot.sizes == {"notes.txt": len("kept\nand more\n"), "data/train.parquet": 2 * 1024 * 1024}
    # With no base, the base is the fork point already: the same size.
    assert read_change(Repository(repo.path), head="feature").snapshot.sizes == change.snapshot.sizes
    result = review(change.diff, snapshot=change.snapshot)
    assert [(f.rule, f.path) for f in result.paid] == [("DATA001", "data/train.parquet")]


def test_texts_over_the_bound_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(localgit, "MAX_TEXT_BYTES", 100)
    repo = GitRepo.create(tmp_path / "repo")
    repo.commit("empty")
    repo.branch("feature")
    repo.write("small.py", "s = 1\n")
    repo.write("large.py", "l = 1\n" * 50)
    repo.commit("two files")
    snapshot = read_change(Repository(repo.path)).snapshot
    assert set(snapshot.texts) == {"small.py"}
    assert snapshot.sizes["large.py"] == 300  # the size is still known


def test_the_total_text_budget_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(localgit, "MAX_TOTAL_TEXT_BYTES", 25)
    repo = GitRepo.create(tmp_path / "repo")
    repo.commit("empty")
    repo.branch("feature")
    for name in ("a.py", "b.py", "c.py"):
        repo.write(name, "v = 12345\n")  # 10 bytes each: two fit in 25
    repo.commit("three files")
    snapshot = read_change(Repository(repo.path)).snapshot
    assert set(snapshot.texts) == {"a.py", "b.py"}


def test_unusual_file_names_match_between_the_diff_and_the_tree(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.commit("empty")
    repo.branch("feature")
    name = 'src/naïve "quoted" file.py'
    tabbed = "src/a\tb 2.py"  # the tree lists `<mode> <type> <sha> <size>\t<name>`: a tab in a name is the name's
    repo.write(name, "a, b = 1, 2\n")
    repo.write(tabbed, "c = 3\n")
    repo.commit("awkward names")
    change = read_change(Repository(repo.path))
    assert sorted(p.path for p in change.diff) == sorted([name, tabbed])
    assert change.snapshot.sizes == {name: 12, tabbed: 6}
    assert change.snapshot.text(name) == "a, b = 1, 2\n"
    assert change.snapshot.text(tabbed) == "c = 3\n"
    assert change.snapshot.tree == frozenset({name, tabbed})


def test_a_hostile_git_config_does_not_change_what_is_parsed(
    feature_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "gitconfig"
    config.write_text(
        "[diff]\n\tnoprefix = true\n\tmnemonicPrefix = true\n\texternal = false\n\tsubmodule = log\n"
        "\trelative = true\n[color]\n\tui = always\n\tdiff = always\n[core]\n\tquotePath = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "false")
    feature_repo.write(".gitattributes", "*.py diff=shout\n")
    feature_repo.git("config", "diff.shout.textconv", "tr a-z A-Z")
    feature_repo.commit("a textconv driver")
    change = read_change(Repository(feature_repo.path))
    assert {p.path for p in change.diff} == {"src/train.py", "requirements.txt", DATASET, ".gitattributes"}
    train = next(p for p in change.diff if p.path == "src/train.py")
    assert "    # TODO: log how long this takes" in train.added.texts()


def test_errors_name_what_went_wrong(tmp_path: Path, feature_repo: GitRepo) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        Repository(tmp_path)
    repo = Repository(feature_repo.path)
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        repo.commit("nope")
    with pytest.raises(GitError, match="not a revision"):
        repo.commit("--all")
