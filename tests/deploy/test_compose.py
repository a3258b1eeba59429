"""deploy/compose.yaml: valid against the Compose specification, migrated before anything starts, health-checked,
persistent, and free of secrets (they come from deploy/.env and a secret file)."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import pytest

from tests.deploy import manifests as m

# jsonschema ships no type information: import it as a module object.
jsonschema: Any = importlib.import_module("jsonschema")

SCHEMA = m.FIXTURES / "compose-spec.json"
DEBTBOT_SERVICES = ("migrate", "web", "worker")
LONG_RUNNING = ("web", "worker", "redis", "postgres")
#: An exact image tag: a version with at least a minor number, never `latest` or a bare major.
EXACT_TAG = re.compile(r"^[\w./-]+:\d+\.\d+[\w.-]*$")
INTERPOLATION = re.compile(r"\$\{[A-Z_][A-Z0-9_]*(?::?[-?][^}]*)?\}")


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def test_valid_against_the_compose_specification() -> None:
    assert schema_errors(m.compose()) == []


@pytest.mark.parametrize(
    "spoil",
    [
        lambda c: c["services"]["web"]["depends_on"]["migrate"].update(condition="service_done"),
        lambda c: c["services"]["worker"]["healthcheck"].update(command=["debtbot"]),
        lambda c: c["services"]["redis"].update(volume=["redis-data:/data"]),
    ],
    ids=["unknown condition", "unknown healthcheck key", "unknown service key"],
)
def test_the_schema_rejects_what_it_should(spoil: Any) -> None:
    document = m.compose()
    spoil(document)
    assert schema_errors(document)


def test_every_debtbot_service_runs_the_one_image_after_a_successful_migration() -> None:
    services = m.compose()["services"]
    assert m.compose_command(services["migrate"]) == ["debtbot", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == depends["postgres"]["condition"] == "service_healthy", name
    assert len({services[name]["image"] for name in DEBTBOT_SERVICES}) == 1
    for name in DEBTBOT_SERVICES:
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}


def test_the_web_service_runs_the_image_default_and_the_worker_its_own_command() -> None:
    services = m.compose()["services"]
    image_default = m.exec_form(m.last(m.final_stage(), "CMD").arguments)
    assert m.compose_command(services["web"]) == image_default
    assert m.compose_command(services["worker"]) == ["debtbot", "worker"]
    assert services["worker"]["deploy"]["replicas"] >= 2  # the queue is shared: workers scale out


def test_every_long_running_service_is_health_checked() -> None:
    services = m.compose()["services"]
    # The web service keeps the image's HEALTHCHECK (/healthz); the worker replaces it with the queue's check.
    assert "healthcheck" not in services["web"]
    assert m.compose_healthcheck(services["worker"]) == ["debtbot", "worker", "--check"]
    assert m.compose_healthcheck(services["redis"]) == ["redis-cli", "ping"]
    assert m.compose_healthcheck(services["postgres"])[0] == "pg_isready"
    assert services["migrate"]["healthcheck"] == {"disable": True}
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name


def test_data_lives_in_named_volumes() -> None:
    document = m.compose()
    declared = set(document["volumes"])
    mounts = {
        name: [v.split(":")[0] for v in service.get("volumes", [])] for name, service in document["services"].items()
    }
    assert mounts["postgres"] == ["postgres-data"]
    assert mounts["redis"] == ["redis-data"]
    assert {v for vs in mounts.values() for v in vs} <= declared
    command = m.compose_command(document["services"]["redis"])
    assert "--appendonly" in command  # queued jobs survive a restart
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"  # and are never evicted


def test_images_are_pinned_to_exact_tags() -> None:
    for name, service in m.compose()["services"].items():
        assert EXACT_TAG.match(service["image"]), f"{name}: {service['image']}"


def test_no_secret_is_written_in_the_file() -> None:
    document = m.compose()
    for name, service in document["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if not m.SECRET_NAME.search(variable) or variable.endswith("_PATH"):
                continue
            text = str(value)
            if variable.endswith("_URL"):
                password = m.url_password(text)
                assert password is None or INTERPOLATION.fullmatch(password), f"{name}: {variable}"
            else:
                assert INTERPOLATION.fullmatch(text), f"{name}: {variable} must come from deploy/.env"
    # The App's key is a compose secret read from a file that is never committed.
    assert document["secrets"]["github_app_private_key"] == {"file": "./secrets/github-app.private-key.pem"}
    ignored = (m.DEPLOY / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored
    assert "secrets/" in ignored
    for name in DEBTBOT_SERVICES:
        service = document["services"][name]
        assert service["env_file"] == [{"path": ".env", "required": True}]
        assert service["secrets"] == ["github_app_private_key"]
        assert service["environment"]["DEBTBOT_PRIVATE_KEY_PATH"] == "/run/secrets/github_app_private_key"


def test_the_env_template_leaves_every_secret_blank() -> None:
    values = m.env_file_names()
    secrets = [name for name in values if m.SECRET_NAME.search(name)]
    assert "POSTGRES_PASSWORD" in secrets
    assert "DEBTBOT_WEBHOOK_SECRET" in secrets
    assert {name: values[name] for name in secrets if values[name]} == {}
    # Every variable compose interpolates is in the template.
    interpolated = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", m.COMPOSE.read_text(encoding="utf-8")))
    assert interpolated <= set(values)
