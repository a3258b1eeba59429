"""`debtbot review` on real git repositories: findings, line numbers, config from the base, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checks.registry import find
from tests.cli.conftest import (
    DATASET,
    REQUIREMENT_LINE,
    TODO_LINE,
    RunCli,
    dataset,
    make_feature_repo,
)
from tests.cli.gitrepo import GitRepo

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = ".github/debtbot.yml"


def require(code: str) -> None:
    """Rules are added to the catalog one by one: a test of a rule not there yet is skipped, and says so."""
    if find(code) is None:
        pytest.skip(f"{code} is not in the catalog yet")


def by_rule(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == code]


def test_review_reports_the_todo_on_its_line(feature_repo: GitRepo, run_cli: RunCli) -> None:
    run = run_cli("review", "--repo", feature_repo.path, "--format", "json")
    report = run.json()
    (todo,) = by_rule(report, "CODE001")
    assert (todo["path"], todo["line"], todo["severity"]) == ("src/train.py", TODO_LINE, "low")
    assert "log how long this takes" in todo["message"]
    assert run.code == (1 if report["conclusion"] == "failure" else 0)
    assert run.err == ""


def test_review_sizes_the_dataset_blob_from_git(feature_repo: GitRepo, run_cli: RunCli) -> None:
    require("DATA001")
    report = run_cli("review", "--repo", feature_repo.path, "--format", "json").json()
    (data,) = by_rule(report, "DATA001")
    assert data["path"] == DATASET
    assert data["severity"] == "medium"  # over the 1 MB threshold, under the 10 MB one


def test_review_reports_the_unpinned_requirement_on_its_line(feature_repo: GitRepo, run_cli: RunCli) -> None:
    require("DEP001")
    report = run_cli("review", "--repo", feature_repo.path, "--format", "json").json()
    (requirement,) = by_rule(report, "DEP001")
    assert (requirement["path"], requirement["line"]) == ("requirements.txt", REQUIREMENT_LINE)
    assert "pandas" in requirement["message"]


def test_a_dataset_over_the_high_threshold_fails_the_default_policy(tmp_path: Path, run_cli: RunCli) -> None:
    require("DATA001")
    repo = make_feature_repo(tmp_path / "repo")
    repo.write(DATASET, dataset(11 * 1024 * 1024))
    repo.commit("the full dataset")
    run = run_cli("review", "--repo", repo.path, "--format", "json")
    (data,) = by_rule(run.json(), "DATA001")
    assert data["severity"] == "high"
    assert run.json()["conclusion"] == "failure"
    assert run.code == 1


def test_review_defaults_to_the_current_folder_and_head(
    feature_repo: GitRepo, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(feature_repo.path / "src")  # a subfolder of the work tree is the repository too
    report = run_cli("review", "--format", "json").json()
    assert [f["line"] for f in by_rule(report, "CODE001")] == [TODO_LINE]


def test_head_and_base_select_the_commits(feature_repo: GitRepo, run_cli: RunCli) -> None:
    feature_repo.write("src/extra.py", "x = 1  # FIXME: later\n")
    feature_repo.commit("a second commit")
    only_last = run_cli("review", "--repo", feature_repo.path, "--base", "HEAD~1", "--format", "json").json()
    assert [(f["path"], f["line"]) for f in by_rule(only_last, "CODE001")] == [("src/extra.py", 1)]
    only_first = run_cli("review", "--repo", feature_repo.path, "--head", "HEAD~1", "--format", "json").json()
    assert [(f["path"], f["line"]) for f in by_rule(only_first, "CODE001")] == [("src/train.py", TODO_LINE)]


def test_commits_on_the_base_after_the_fork_are_not_reviewed(feature_repo: GitRepo, run_cli: RunCli) -> None:
    feature_repo.checkout("main")
    feature_repo.write("src/later.py", "y = 2  # HACK: on main after the branch point\n")
    feature_repo.commit("main moves on")
    feature_repo.checkout("feature")
    report = run_cli("review", "--repo", feature_repo.path, "--base", "main", "--format", "json").json()
    assert [f["path"] for f in by_rule(report, "CODE001")] == ["src/train.py"]


def test_the_default_branch_is_origin_head_before_main(tmp_path: Path, run_cli: RunCli) -> None:
    upstream = make_feature_repo(tmp_path / "upstream")
    upstream.checkout("main")
    clone = upstream.clone(tmp_path / "clone")
    # Local main moves past origin/main: a review against origin/HEAD sees both commits.
    clone.write("src/local.py", "z = 3  # TODO: local main only\n")
    clone.commit("local main")
    clone.branch("topic")
    clone.write("src/topic.py", "w = 4  # TODO: the topic branch\n")
    clone.commit("topic")
    report = run_cli("review", "--repo", clone.path, "--format", "json").json()
    assert sorted(f["path"] for f in by_rule(report, "CODE001")) == ["src/local.py", "src/topic.py"]


def test_master_is_the_default_branch_without_main(tmp_path: Path, run_cli: RunCli) -> None:
    repo = GitRepo.create(tmp_path / "repo", branch="master")
    repo.write("a.py", "a = 1\n")
    repo.commit("first")
    repo.branch("topic")
    repo.write("a.py", "a = 1\nb = 2  # TODO: b\n")
    repo.commit("second")
    report = run_cli("review", "--repo", repo.path, "--format", "json").json()
    assert [(f["path"], f["line"]) for f in by_rule(report, "CODE001")] == [("a.py", 2)]


def test_no_change_is_a_success(feature_repo: GitRepo, run_cli: RunCli) -> None:
    run = run_cli("review", "--repo", feature_repo.path, "--head", "main", "--format", "json")
    assert run.json()["findings"] == []
    assert run.json()["conclusion"] == "success"
    assert run.code == 0


# --- configuration -------------------------------------------------------------------------------


def config_repo(path: Path, base_config: str, head_config: str | None) -> GitRepo:
    repo = GitRepo.create(path)
    repo.write("src/app.py", "print('hello')\n")
    repo.write(CONFIG, base_config)
    repo.commit("config on main")
    repo.branch("feature")
    repo.write("src/app.py", "print('hello')  # TODO: greet by name\n")
    if head_config is not None:
        repo.write(CONFIG, head_config)
    repo.commit("a TODO, and a looser config")
    return repo


STRICT = "policy:\n  fail_on: low\n"
LOOSE = "policy:\n  fail_on: never\n  max_new_debt_minutes: null\n"


def test_the_config_is_read_from_the_base_not_the_head(tmp_path: Path, run_cli: RunCli) -> None:
    repo = config_repo(tmp_path / "repo", base_config=STRICT, head_config=LOOSE)
    run = run_cli("review", "--repo", repo.path, "--format", "json")
    assert run.json()["conclusion"] == "failure"
    assert any("severity low or above" in reason for reason in run.json()["reasons"])
    assert run.code == 1


def test_the_loose_config_on_the_base_lets_the_todo_pass(tmp_path: Path, run_cli: RunCli) -> None:
    repo = config_repo(tmp_path / "repo", base_config=LOOSE, head_config=STRICT)
    run = run_cli("review", "--repo", repo.path, "--format", "json")
    assert run.json()["conclusion"] == "neutral"
    assert run.code == 0


def test_a_config_file_given_wins_over_the_base(tmp_path: Path, run_cli: RunCli) -> None:
    repo = config_repo(tmp_path / "repo", base_config=STRICT, head_config=None)
    loose = tmp_path / "loose.yml"
    loose.write_text(LOOSE, encoding="utf-8")
    run = run_cli("review", "--repo", repo.path, "--config", loose, "--format", "json")
    assert run.json()["conclusion"] == "neutral"
    assert run.code == 0


def test_fail_on_replaces_the_base_policy_and_keeps_the_rest(tmp_path: Path, run_cli: RunCli) -> None:
    repo = config_repo(tmp_path / "repo", base_config=LOOSE, head_config=None)
    run = run_cli("review", "--repo", repo.path, "--fail-on", "low", "--format", "json")
    assert run.json()["conclusion"] == "failure"
    assert any("severity low or above" in reason for reason in run.json()["reasons"])
    assert run.code == 1

    strict = config_repo(tmp_path / "strict", base_config=STRICT, head_config=None)
    run = run_cli("review", "--repo", strict.path, "--fail-on", "never", "--format", "json")
    assert run.json()["conclusion"] == "neutral"  # the TODO is still reported, and fails nothing
    assert by_rule(run.json(), "CODE001")
    assert run.code == 0


def test_fail_on_applies_without_a_config_file_too(tmp_path: Path, run_cli: RunCli) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.write("src/app.py", "print('hello')\n")
    repo.commit("main")
    repo.branch("feature")
    repo.write("src/app.py", "print('hello')  # TODO: greet by name\n")
    repo.commit("a TODO")

    assert run_cli("review", "--repo", repo.path).code == 0  # the default policy: a low TODO fails nothing
    assert run_cli("review", "--repo", repo.path, "--fail-on", "low").code == 1


def test_a_broken_config_warns_with_its_location_and_uses_the_defaults(tmp_path: Path, run_cli: RunCli) -> None:
    repo = config_repo(tmp_path / "repo", base_config="policy:\n  fail_on: hgih\n", head_config=None)
    run = run_cli("review", "--repo", repo.path, "--format", "json")
    assert "warning: .github/debtbot.yml (at base " in run.err
    assert "policy.fail_on" in run.err
    assert "default settings" in run.err
    assert run.json()["config_errors"][0]["location"].startswith("policy.fail_on")
    assert run.json()["conclusion"] == "neutral"  # the default policy: a low TODO does not fail
    assert run.code == 0


def test_invalid_yaml_in_a_config_file_names_its_line(tmp_path: Path, run_cli: RunCli) -> None:
    repo = config_repo(tmp_path / "repo", base_config=LOOSE, head_config=None)
    broken = tmp_path / "broken.yml"
    broken.write_text("policy:\n  fail_on: [low\n", encoding="utf-8")
    run = run_cli("review", "--repo", repo.path, "--config", broken, "--format", "text")
    assert f"warning: {broken}: line 3, column 1: invalid YAML" in run.err
    assert run.code == 0


def test_a_config_accepting_the_debt_lets_a_strict_policy_pass(tmp_path: Path, run_cli: RunCli) -> None:
    accept = STRICT + "accept:\n  - rule: CODE001\n    paths: ['src/**']\n    reason: 'greeting reworked in #7'\n"
    repo = config_repo(tmp_path / "repo", base_config=accept, head_config=None)
    run = run_cli("review", "--repo", repo.path, "--format", "json")
    (todo,) = by_rule(run.json(), "CODE001")
    assert todo["acknowledged"].startswith("accepted: greeting reworked in #7")
    assert run.code == 0


# --- a diff alone ----------------------------------------------------------------------------------


def feature_diff(repo: GitRepo) -> str:
    return repo.git("diff", "main...feature")


def test_a_diff_file_is_reviewed_without_a_repository(feature_repo: GitRepo, tmp_path: Path, run_cli: RunCli) -> None:
    patch = tmp_path / "change.diff"
    patch.write_text(feature_diff(feature_repo), encoding="utf-8")
    run = run_cli("review", "--diff", patch, "--format", "json")
    assert [(f["path"], f["line"]) for f in by_rule(run.json(), "CODE001")] == [("src/train.py", TODO_LINE)]
    assert run.code == (1 if run.json()["conclusion"] == "failure" else 0)


def test_a_diff_on_standard_input(feature_repo: GitRepo) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "review", "--diff", "-", "--format", "json"],
        input=feature_diff(feature_repo),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    report = json.loads(done.stdout)
    assert [(f["path"], f["line"]) for f in by_rule(report, "CODE001")] == [("src/train.py", TODO_LINE)]
    assert done.returncode == (1 if report["conclusion"] == "failure" else 0)


def test_the_process_ends_with_all_its_output_and_its_status(tmp_path: Path) -> None:
    """`review` ends the process without the interpreter's teardown: what it wrote (more than a pipe holds) and
    its warnings still arrive whole, and the exit status is the verdict's."""
    files = 400
    patch = "".join(
        f"diff --git a/src/m{i}.py b/src/m{i}.py\nnew file mode 100644\n--- /dev/null\n+++ b/src/m{i}.py\n"
        f"@@ -0,0 +1,2 @@\n+# TODO: finish module {i}\n+VALUE = {i}\n"
        for i in range(files)
    )
    broken = tmp_path / "debtbot.yml"
    broken.write_text("rules: [not, a, mapping\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "review", "--diff", "-", "--format", "json", "--config", str(broken)],
        input=patch,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert len(done.stdout) > 65536  # more than a pipe's buffer: the last of it is written at the end
    report = json.loads(done.stdout)
    assert len(by_rule(report, "CODE001")) == files
    assert report["conclusion"] == "failure"
    assert done.returncode == 1
    assert f"warning: {broken}" in done.stderr


def test_an_empty_diff_is_a_success(tmp_path: Path, run_cli: RunCli) -> None:
    empty = tmp_path / "empty.diff"
    empty.write_text("", encoding="utf-8")
    run = run_cli("review", "--diff", empty)
    assert run.code == 0
    assert run.out.strip().splitlines()[-1].startswith("debtbot: no new debt")


# --- usage and input errors exit 2 -----------------------------------------------------------------


def assert_usage_error(run_code: int, err: str, *fragments: str) -> None:
    assert run_code == 2
    assert err.startswith("debtbot: error: "), err
    for fragment in fragments:
        assert fragment in err, err


def test_not_a_repository(tmp_path: Path, run_cli: RunCli) -> None:
    run = run_cli("review", "--repo", tmp_path)
    assert_usage_error(run.code, run.err, "not a git repository", str(tmp_path))
    assert run.out == ""


def test_a_missing_repository_folder(tmp_path: Path, run_cli: RunCli) -> None:
    run = run_cli("review", "--repo", tmp_path / "nowhere")
    assert_usage_error(run.code, run.err, "not a git repository")


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_an_unknown_revision(feature_repo: GitRepo, run_cli: RunCli, option: str) -> None:
    run = run_cli("review", "--repo", feature_repo.path, option, "no-such-branch")
    assert_usage_error(run.code, run.err, "unknown revision 'no-such-branch'")


def test_a_revision_that_looks_like_an_option(feature_repo: GitRepo, run_cli: RunCli) -> None:
    run = run_cli("review", "--repo", feature_repo.path, "--base=--output=/tmp/x")
    assert_usage_error(run.code, run.err, "not a revision")


def test_no_default_branch(tmp_path: Path, run_cli: RunCli) -> None:
    repo = GitRepo.create(tmp_path / "repo", branch="trunk")
    repo.write("a.py", "a = 1\n")
    repo.commit("first")
    run = run_cli("review", "--repo", repo.path)
    assert_usage_error(run.code, run.err, "no default branch", "--base")


def test_a_repository_without_commits(tmp_path: Path, run_cli: RunCli) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    run = run_cli("review", "--repo", repo.path)
    assert_usage_error(run.code, run.err, "unknown revision 'HEAD'")


def test_a_missing_diff_file(tmp_path: Path, run_cli: RunCli) -> None:
    run = run_cli("review", "--diff", tmp_path / "missing.diff")
    assert_usage_error(run.code, run.err, "cannot read the diff", "missing.diff")


def test_a_missing_config_file(feature_repo: GitRepo, tmp_path: Path, run_cli: RunCli) -> None:
    run = run_cli("review", "--repo", feature_repo.path, "--config", tmp_path / "missing.yml")
    assert_usage_error(run.code, run.err, "cannot read the config", "missing.yml")


def test_a_malformed_diff_names_its_line(tmp_path: Path, run_cli: RunCli) -> None:
    patch = tmp_path / "bad.diff"
    patch.write_text(
        "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-a\n+b\n",
        encoding="utf-8",
    )
    run = run_cli("review", "--diff", patch)
    assert_usage_error(run.code, run.err, f"malformed diff in {patch}", "line 7", "shorter than its header")


def test_text_that_is_not_a_diff(tmp_path: Path, run_cli: RunCli) -> None:
    patch = tmp_path / "notes.txt"
    patch.write_text("just some notes\n", encoding="utf-8")
    run = run_cli("review", "--diff", patch)
    assert_usage_error(run.code, run.err, "line 1", "expected a diff header")


@pytest.mark.parametrize("option", [("--repo", "."), ("--base", "main"), ("--head", "HEAD")])
def test_a_diff_alone_takes_no_repository_options(tmp_path: Path, run_cli: RunCli, option: tuple[str, str]) -> None:
    patch = tmp_path / "change.diff"
    patch.write_text("", encoding="utf-8")
    run = run_cli("review", "--diff", patch, *option)
    assert_usage_error(run.code, run.err, "--diff reviews a diff alone", option[0])


def test_an_unknown_format_is_a_usage_error(run_cli: RunCli) -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli("review", "--format", "xml")
    assert exited.value.code == 2


def test_no_command_prints_help_and_exits_2(run_cli: RunCli) -> None:
    run = run_cli()
    assert run.code == 2
    assert "review" in run.err
    assert "rules" in run.err


def test_the_console_script_runs(feature_repo: GitRepo, run_cli: RunCli) -> None:
    script = Path(sys.executable).parent / "debtbot"
    done = subprocess.run(
        [str(script), "review", "--repo", str(feature_repo.path)], capture_output=True, text=True, check=False
    )
    assert done.stdout.splitlines()[-1].startswith("debtbot: ")
    assert f"{TODO_LINE}:" in done.stdout
    assert "log how long this takes" in done.stdout
    assert done.returncode == run_cli("review", "--repo", feature_repo.path).code


def test_unrelated_histories_have_no_merge_base(tmp_path: Path, run_cli: RunCli) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.write("a.py", "a = 1\n")
    repo.commit("first")
    repo.git("checkout", "-q", "--orphan", "island")
    repo.write("b.py", "b = 2  # TODO: elsewhere\n")
    repo.commit("unrelated")
    run = run_cli("review", "--repo", repo.path)
    assert_usage_error(run.code, run.err, "no common ancestor", "pass --base")
