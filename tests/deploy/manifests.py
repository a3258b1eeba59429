"""The deployment files as data: the Dockerfile's instructions, the compose file, the Kubernetes objects.

Also the one list of DEBTBOT_* names each of them sets, so a test can hold them against `bot.settings`.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.docs import env_name
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "env.example"
K8S = DEPLOY / "k8s"
KUSTOMIZATION = K8S / "kustomization.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "deploy"

#: Variable names that hold (or are) secrets: never given a value in a committed file.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY(?!_PATH)|DATABASE_URL|REDIS_URL")
DEBTBOT_NAME = re.compile(r"\bDEBTBOT_[A-Z0-9_]+\b")


def project_version() -> str:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def settings_env_names() -> frozenset[str]:
    """Every variable `bot.settings.Settings` reads."""
    return frozenset(env_name(name, field) for name, field in Settings.model_fields.items())


# --- Dockerfile ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments left out, as Docker reads them."""
    out: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction is dropped
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, arguments = " ".join(part for part in pending if part).partition(" ")
        out.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = []
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return out


def stages(found: list[Instruction]) -> list[list[Instruction]]:
    """The build stages, each from its FROM on."""
    out: list[list[Instruction]] = []
    for instruction in found:
        if instruction.keyword == "FROM":
            out.append([])
        assert out, f"line {instruction.line}: {instruction.keyword} before any FROM"
        out[-1].append(instruction)
    return out


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) argument list; the shell form is refused (it runs under sh -c and eats SIGTERM)."""
    value = json.loads(arguments)
    assert isinstance(value, list), arguments
    assert all(isinstance(item, str) for item in value), arguments
    return value


@dataclass(frozen=True)
class Healthcheck:
    options: dict[str, str]
    command: list[str]


def healthcheck(arguments: str) -> Healthcheck:
    options: dict[str, str] = {}
    rest = arguments
    while rest.startswith("--"):
        option, _, rest = rest.partition(" ")
        name, _, value = option.removeprefix("--").partition("=")
        options[name] = value
        rest = rest.strip()
    keyword, _, command = rest.partition(" ")
    assert keyword == "CMD", f"HEALTHCHECK {arguments!r}: expected CMD"
    return Healthcheck(options, exec_form(command))


@cache
def dockerfile() -> list[list[Instruction]]:
    return stages(instructions(DOCKERFILE.read_text(encoding="utf-8")))


def final_stage() -> list[Instruction]:
    return dockerfile()[-1]


def last(stage: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in stage if i.keyword == keyword]
    assert found, f"the final stage has no {keyword}"
    return found[-1]


def image_uid() -> int:
    """The numeric user the image runs as (USER ${UID}:${UID} with ARG UID=N, or USER N)."""
    stage = final_stage()
    user = last(stage, "USER").arguments.split(":")[0]
    if user.startswith("${"):
        name = user.strip("${}")
        (arg,) = [i for i in stage if i.keyword == "ARG" and i.arguments.startswith(f"{name}=")]
        user = arg.arguments.partition("=")[2]
    return int(user)


# --- compose.yaml -------------------------------------------------------------------------------------------------


@cache
def _compose_text() -> str:
    return COMPOSE.read_text(encoding="utf-8")


def compose() -> dict[str, Any]:
    """compose.yaml with its anchors and `<<` merges resolved, as compose reads it (a fresh copy each call)."""
    data: dict[str, Any] = yaml.safe_load(_compose_text())
    return data


def compose_command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def compose_healthcheck(service: dict[str, Any]) -> list[str]:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return shlex.split(test)
    assert test[0] in ("CMD", "CMD-SHELL"), test
    return list(test[1:]) if test[0] == "CMD" else ["sh", "-c", test[1]]


def env_file_names(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """The variables an env file sets or documents (commented-out `# NAME=value` lines count), with their values."""
    names: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            names[match.group(1)] = match.group(2)
    return names


def compose_env_names() -> frozenset[str]:
    names: set[str] = set(env_file_names())
    for service in compose()["services"].values():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        names.update(environment)
    return frozenset(names)


# --- Kubernetes ---------------------------------------------------------------------------------------------------


def k8s_files() -> list[Path]:
    """Every manifest but the kustomization (a kustomize file, not a Kubernetes object)."""
    return sorted(p for p in K8S.glob("*.yaml") if p != KUSTOMIZATION)


def k8s_objects() -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in k8s_files():
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                out.append((path, document))
    return out


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    found = [o for _, o in k8s_objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def workloads() -> list[dict[str, Any]]:
    return [o for _, o in k8s_objects() if o["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet")]


def containers() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(workload, container) for every container of every workload, init containers included."""
    for workload in workloads():
        spec = pod_spec(workload)
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            yield workload, container


def k8s_env_names() -> frozenset[str]:
    names: set[str] = set()
    for _, obj in k8s_objects():
        if obj["kind"] == "ConfigMap":
            names.update(obj.get("data", {}))
        elif obj["kind"] == "Secret":
            names.update(k for k in {**obj.get("data", {}), **obj.get("stringData", {})} if k.isupper())
    for _, container in containers():
        names.update(item["name"] for item in container.get("env", []))
    return frozenset(names)


def url_password(url: str) -> str | None:
    """The password in a `scheme://user:password@host` URL, or None when it has none."""
    match = re.match(r"^[\w+]+://[^:/@]*:([^@]*)@", url)
    return match.group(1) if match else None


def unknown_debtbot_names(names: frozenset[str], known: frozenset[str]) -> list[str]:
    """DEBTBOT_* names the settings do not read: a typo there is a setting silently left at its default."""
    return sorted(n for n in names if n.startswith("DEBTBOT_") and n not in known)
