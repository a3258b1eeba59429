"""action.yml, the composite GitHub Action: valid metadata, and its `run` steps executed here as a runner does
(bash, the GITHUB_* environment, `${{ }}` expressions evaluated) on a real pull request's repository; the
SARIF it writes is valid SARIF 2.1.0, shaped for code scanning.

The one `uses:` step, actions/setup-python, is GitHub's: here the Python on PATH is this interpreter's.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import git, git_environment, new_repository, write
from tests.deploy.manifests import FIXTURES, REPO
from tests.deploy.tools import VENV_BIN
from tests.report.test_sarif import validate as validate_sarif

# jsonschema ships no type information: import it as a module object.
jsonschema: Any = importlib.import_module("jsonschema")

ACTION = REPO / "action.yml"
SCHEMA = FIXTURES / "github-action.schema.json"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
PINNED_USES = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
#: The runner's bash: `shell: bash` runs `bash --noprofile --norc -eo pipefail {0}`.
BASH = ("bash", "--noprofile", "--norc", "-eo", "pipefail")
INSTALL_SECONDS = 900

HIGH_DEBT = 'from transformers import AutoModel\n\nm = AutoModel.from_pretrained("org/m", trust_remote_code=True)\n'
MEDIUM_DEBT = "import torch\n\nstate = torch.load('model.pt')\n"


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


def test_the_action_metadata_is_valid() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(action())]
    assert errors == []
    spoiled = action()
    spoiled["runs"]["steps"][1].pop("shell")  # a composite `run` step must name its shell
    assert list(jsonschema.Draft7Validator(schema).iter_errors(spoiled))


def test_inputs_reach_scripts_only_through_the_environment() -> None:
    """`${{ inputs.x }}` spliced into a script runs whatever the value says; through `env:` it is only data."""
    steps = action()["runs"]["steps"]
    assert [s["run"] for s in steps if "run" in s and "${{" in s["run"]] == []
    assert set(action()["inputs"]) == {"base", "head", "format", "output", "fail-on", "python-version"}


def test_actions_it_uses_are_pinned_to_a_commit() -> None:
    uses = [s["uses"] for s in action()["runs"]["steps"] if "uses" in s]
    assert uses
    assert [u for u in uses if not PINNED_USES.match(u)] == []


# --- a runner -----------------------------------------------------------------------------------------------------


@dataclass
class Runner:
    """The parts of a GitHub runner a composite action sees: its folders, files and environment."""

    action_path: Path
    temp: Path
    home: Path

    def environment(self, workspace: Path, event: Mapping[str, Any], files: Path) -> dict[str, str]:
        files.mkdir(parents=True, exist_ok=True)
        event_path = files / "event.json"
        event_path.write_text(json.dumps(event), encoding="utf-8")
        for name in ("output", "env", "path", "state", "step_summary"):
            (files / name).touch()
        return git_environment(
            CI="true",
            GITHUB_ACTIONS="true",
            GITHUB_ACTION_PATH=str(self.action_path),
            GITHUB_ACTION_REPOSITORY="debtbot/debtbot",
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_EVENT_NAME="pull_request" if "pull_request" in event else "push",
            GITHUB_EVENT_PATH=str(event_path),
            GITHUB_REPOSITORY="octo-org/widgets",
            GITHUB_SHA=git(workspace, "rev-parse", "HEAD"),
            GITHUB_REF="refs/pull/7/merge",
            GITHUB_OUTPUT=str(files / "output"),
            GITHUB_ENV=str(files / "env"),
            GITHUB_PATH=str(files / "path"),
            GITHUB_STATE=str(files / "state"),
            GITHUB_STEP_SUMMARY=str(files / "step_summary"),
            RUNNER_TEMP=str(self.temp),
            RUNNER_OS="Linux",
            RUNNER_ARCH="X64",
            HOME=str(self.home),
            # What setup-python leaves: its `python` first on PATH.
            PATH=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]),
        )


def evaluate(text: str, context: Mapping[str, Any]) -> str:
    """`${{ a.b.c }}` lookups, as the runner evaluates them; a missing property is the empty string."""

    def lookup(match: re.Match[str]) -> str:
        expression = match.group(1)
        assert re.fullmatch(r"[\w-]+(\.[\w-]+)*", expression), f"only property lookups are used: {expression!r}"
        value: Any = context
        for part in expression.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return "" if value is None else str(value)

    return EXPRESSION.sub(lookup, text)


def run_step(
    step: Mapping[str, Any], *, env: Mapping[str, str], context: Mapping[str, Any], cwd: Path, script: Path
) -> subprocess.CompletedProcess[str]:
    assert step["shell"] == "bash"
    script.write_text(step["run"], encoding="utf-8")
    step_env = {name: evaluate(str(value), context) for name, value in step.get("env", {}).items()}
    return subprocess.run(
        [*BASH, str(script)],
        cwd=cwd,
        env={**env, **step_env},
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
        check=False,
    )


def step_named(name: str) -> dict[str, Any]:
    (step,) = [s for s in action()["runs"]["steps"] if s.get("name") == name]
    return dict(step)


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory, project_snapshot: Path) -> Runner:
    """A runner on which the action's install step ran (from a checkout of the action, as GitHub makes it)."""
    root = tmp_path_factory.mktemp("runner")
    made = Runner(action_path=project_snapshot, temp=root / "temp", home=root / "home")
    made.temp.mkdir()
    made.home.mkdir()
    workspace = new_repository(root / "workspace", {"README.md": "# widgets\n"})
    env = made.environment(workspace, {}, root / "files")
    done = run_step(step_named("Install debtbot"), env=env, context={}, cwd=workspace, script=root / "install.sh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (made.temp / "debtbot" / "bin" / "debtbot").is_file()
    return made


@dataclass
class PullRequest:
    workspace: Path
    event: dict[str, Any]


def pull_request(root: Path, *, base_files: dict[str, str], head_files: dict[str, str]) -> PullRequest:
    """A repository cloned as actions/checkout does (fetch-depth 0), on a pull request's head."""
    origin = root / "origin.git"
    upstream = new_repository(root / "upstream", {"README.md": "# widgets\n", **base_files})
    git(upstream, "clone", "--quiet", "--bare", str(upstream), str(origin))
    workspace = root / "workspace"
    git(root, "clone", "--quiet", str(origin), str(workspace))
    base = git(workspace, "rev-parse", "HEAD")
    git(workspace, "checkout", "--quiet", "-b", "feature")
    write(workspace, head_files)
    git(workspace, "add", "--all")
    git(workspace, "commit", "--quiet", "--message", "feature")
    event = {
        "pull_request": {
            "number": 7,
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": git(workspace, "rev-parse", "HEAD")},
        },
        "repository": {"default_branch": "main", "full_name": "octo-org/widgets"},
    }
    return PullRequest(workspace, event)


@dataclass
class Run:
    done: subprocess.CompletedProcess[str]
    outputs: dict[str, str]
    summary: str
    workspace: Path


def review(runner: Runner, pr: PullRequest, root: Path, **given: str) -> Run:
    inputs = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    context = {"inputs": inputs, "github": {"event": pr.event, "action_path": str(runner.action_path)}}
    files = root / "files"
    env = runner.environment(pr.workspace, pr.event, files)
    done = run_step(step_named("Review"), env=env, context=context, cwd=pr.workspace, script=root / "review.sh")
    return Run(done, outputs(files / "output"), (files / "step_summary").read_text(encoding="utf-8"), pr.workspace)


def sarif_results(run: Run) -> list[dict[str, Any]]:
    log: dict[str, Any] = json.loads((run.workspace / run.outputs["report"]).read_text(encoding="utf-8"))
    validate_sarif(log)
    results: list[dict[str, Any]] = log["runs"][0]["results"]
    return results


def test_a_pull_request_adding_debt_fails_and_writes_valid_sarif(runner: Runner, tmp_path: Path) -> None:
    pr = pull_request(tmp_path, base_files={}, head_files={"train.py": HIGH_DEBT})

    run = review(runner, pr, tmp_path)

    assert run.done.returncode == 1, run.done.stderr
    assert run.outputs == {"report": "debtbot.sarif", "exit-code": "1"}
    results = sarif_results(run)
    (finding,) = [r for r in results if r["ruleId"] == "MODEL008"]
    location = finding["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("train.py", 3)


def test_fail_on_never_passes_and_still_reports(runner: Runner, tmp_path: Path) -> None:
    pr = pull_request(tmp_path, base_files={}, head_files={"train.py": HIGH_DEBT})

    run = review(runner, pr, tmp_path, fail_on="never")

    assert run.done.returncode == 0, run.done.stderr
    assert run.outputs["exit-code"] == "0"
    assert "MODEL008" in {r["ruleId"] for r in sarif_results(run)}


@pytest.mark.parametrize(("fail_on", "expected"), [("", 0), ("medium", 1)], ids=["the base's policy", "overridden"])
def test_the_policy_is_the_base_config_unless_fail_on_overrides_it(
    runner: Runner, tmp_path: Path, fail_on: str, expected: int
) -> None:
    config = "policy:\n  fail_on: never\n  max_new_debt_minutes: null\nexclude: [vendor/**]\n"
    # The head switching the check off must not count: the config is read at the base.
    head_config = "policy:\n  fail_on: never\ndisable: [MODEL006]\n"
    pr = pull_request(
        tmp_path,
        base_files={".github/debtbot.yml": config},
        head_files={"train.py": MEDIUM_DEBT, ".github/debtbot.yml": head_config},
    )

    run = review(runner, pr, tmp_path, fail_on=fail_on)

    assert run.done.returncode == expected, run.done.stdout + run.done.stderr
    assert "MODEL006" in {r["ruleId"] for r in sarif_results(run)}


def test_markdown_goes_to_the_job_summary(runner: Runner, tmp_path: Path) -> None:
    pr = pull_request(tmp_path, base_files={}, head_files={"train.py": MEDIUM_DEBT})

    run = review(runner, pr, tmp_path, format="markdown", output="debtbot.md")

    assert run.done.returncode == 0, run.done.stderr
    report = (pr.workspace / "debtbot.md").read_text(encoding="utf-8")
    assert "MODEL006" in report
    assert run.summary == report


def test_a_push_is_reviewed_from_the_commit_before_it(runner: Runner, tmp_path: Path) -> None:
    pr = pull_request(tmp_path, base_files={}, head_files={"train.py": HIGH_DEBT})
    push = PullRequest(
        pr.workspace, {"before": pr.event["pull_request"]["base"]["sha"], "repository": pr.event["repository"]}
    )

    run = review(runner, push, tmp_path)

    assert run.done.returncode == 1, run.done.stderr
    assert "MODEL008" in {r["ruleId"] for r in sarif_results(run)}


def test_a_wrong_fail_on_is_an_error_not_a_silent_default(runner: Runner, tmp_path: Path) -> None:
    pr = pull_request(tmp_path, base_files={}, head_files={"train.py": HIGH_DEBT})

    run = review(runner, pr, tmp_path, fail_on="critical")

    assert run.done.returncode == 2
    assert "--fail-on: invalid choice: 'critical'" in run.done.stderr
