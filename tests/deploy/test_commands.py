"""The image's commands work: the commands the Dockerfile, compose.yaml and deploy/k8s give, run here as the
containers run them, with the environment compose gives them, against real PostgreSQL and Redis.

No container engine runs on these machines. What changes from a container is only where things are: the
database and Redis are the tests' own, the App's key a file in a temporary folder, GitHub the strict fake,
and the web server listens on a free loopback port instead of 0.0.0.0:8000.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.deploy import manifests as m
from tests.deploy.tools import VENV_BIN, Process, clean_environment
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID

MIGRATE = ("debtbot", "migrate")
SERVE = ("debtbot", "serve", "--host", "0.0.0.0", "--port", "8000")
WORKER = ("debtbot", "worker")
WORKER_CHECK = ("debtbot", "worker", "--check")
IMAGE_PORT = "8000"
START_SECONDS = 45.0
COMMAND_SECONDS = 60.0


@dataclass(frozen=True)
class Command:
    source: str
    argv: tuple[str, ...]


def deployment_commands() -> list[Command]:
    """Every command a container of the image runs, from the three places that say so."""
    runtime = m.final_stage()
    found = [
        Command("Dockerfile CMD", tuple(m.exec_form(m.last(runtime, "CMD").arguments))),
        Command("Dockerfile HEALTHCHECK", tuple(m.healthcheck(m.last(runtime, "HEALTHCHECK").arguments).command)),
    ]
    services = m.compose()["services"]
    for name in ("migrate", "web", "worker"):
        found.append(Command(f"compose {name}", tuple(m.compose_command(services[name]))))
        if "test" in services[name].get("healthcheck", {}):
            found.append(Command(f"compose {name} healthcheck", tuple(m.compose_healthcheck(services[name]))))
    for workload, container in m.containers():
        where = f"k8s {workload['metadata']['name']}"
        found.append(Command(where, tuple(container["command"])))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if "exec" in container.get(probe, {}):
                found.append(Command(f"{where} {probe}", tuple(container[probe]["exec"]["command"])))
    return found


def test_the_deployments_run_the_commands_tested_here() -> None:
    commands = deployment_commands()
    (healthcheck,) = [c.argv for c in commands if c.source == "Dockerfile HEALTHCHECK"]
    assert {c.argv for c in commands} == {MIGRATE, SERVE, WORKER, WORKER_CHECK, healthcheck}
    by_source = {c.source: c.argv for c in commands}
    assert by_source["compose migrate"] == by_source["k8s debtbot-migrate"] == MIGRATE
    assert by_source["Dockerfile CMD"] == by_source["compose web"] == by_source["k8s debtbot-web"] == SERVE
    assert by_source["compose worker"] == by_source["k8s debtbot-worker"] == WORKER
    assert by_source["compose worker healthcheck"] == by_source["k8s debtbot-worker livenessProbe"] == WORKER_CHECK


# --- running them -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def here(argv: Sequence[str], port: int) -> list[str]:
    """The container's command with this machine's address: loopback, and a free port instead of 8000."""
    swap = {"0.0.0.0": "127.0.0.1", IMAGE_PORT: str(port)}
    return [swap.get(arg, arg).replace(f"127.0.0.1:{IMAGE_PORT}", f"127.0.0.1:{port}") for arg in argv]


def image_environment() -> dict[str, str]:
    """The image's own ENV settings (DEBTBOT_DATA_DIR)."""
    env: dict[str, str] = {}
    for instruction in m.final_stage():
        if instruction.keyword == "ENV":
            for pair in instruction.arguments.split():
                name, _, value = pair.partition("=")
                if name.startswith("DEBTBOT_"):
                    env[name] = value.strip('"')
    return env


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def container_env(
    tmp_path: Path, postgres_url: str, redis_url: str, queue_name: str, fake_github: FakeGitHub
) -> dict[str, str]:
    """What compose gives the web and worker containers, each value that names a place pointed at its stand-in."""
    key = tmp_path / "github-app.private-key.pem"
    key.write_text(shared_app_key().private_pem, encoding="utf-8")
    env_file = {name: value for name, value in m.env_file_names().items() if name.startswith("DEBTBOT_")}
    given = {**image_environment(), **m.compose()["x-debtbot"]["environment"], **env_file}
    stand_ins = {
        "DEBTBOT_DATA_DIR": str(tmp_path / "data"),
        "DEBTBOT_DATABASE_URL": postgres_url,
        "DEBTBOT_REDIS_URL": redis_url,
        "DEBTBOT_PRIVATE_KEY_PATH": str(key),
        # deploy/.env's blanks, filled in as a user does:
        "DEBTBOT_APP_ID": str(FAKE_APP_ID),
        "DEBTBOT_WEBHOOK_SECRET": secrets.token_hex(20),
        "DEBTBOT_CLIENT_ID": "Iv1.0123456789abcdef",
        "DEBTBOT_CLIENT_SECRET": secrets.token_hex(20),
        # Commented out in deploy/.env: where this test's GitHub and queue are.
        "DEBTBOT_GITHUB_API_URL": fake_github.url,
        "DEBTBOT_QUEUE_NAME": queue_name,
    }
    assert set(stand_ins) <= set(given), set(stand_ins) - set(given)
    assert given["DEBTBOT_ENVIRONMENT"] == "production"
    return clean_environment(**{**given, **stand_ins})


def run(argv: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=COMMAND_SECONDS, check=False
    )


def test_migrate_serve_and_work_as_the_containers_do(tmp_path: Path, container_env: dict[str, str]) -> None:
    assert (VENV_BIN / "debtbot").is_file(), "the debtbot command is installed in this virtualenv"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    healthcheck = here(m.healthcheck(m.last(m.final_stage(), "HEALTHCHECK").arguments).command, port)
    services = m.compose()["services"]

    # compose starts web and worker only once `migrate` succeeded: before it, they refuse the database.
    early = run(here(SERVE, port), container_env, tmp_path)
    assert (early.returncode, "debtbot migrate" in early.stderr) == (2, True), early.stderr

    migrated = run(m.compose_command(services["migrate"]), container_env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "at the current schema" in migrated.stdout

    check = m.compose_healthcheck(services["worker"])
    no_worker_yet = run(check, container_env, tmp_path)
    web = Process(here(m.compose_command(services["web"]), port), container_env, tmp_path, tmp_path / "web.log")
    worker = Process(m.compose_command(services["worker"]), container_env, tmp_path, tmp_path / "worker.log")
    try:
        probes = _until_web_answers(web, base)
        image_check = run(healthcheck, container_env, tmp_path)
        worker_check = [no_worker_yet.returncode, _until_check_passes(worker, check, container_env, tmp_path)]
    finally:
        web_status, worker_status = web.stop(), worker.stop()

    web_probe = {c["name"]: c for _, c in m.containers()}["web"]
    assert probes["/healthz"] == (200, {"status": "ok"})
    assert probes["/readyz"] == (200, {"status": "ready", "checks": {"database": "ok", "redis": "ok"}})
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert probes[web_probe[name]["httpGet"]["path"]][0] == 200, name
    assert image_check.returncode == 0, image_check.stderr
    assert worker_check == [1, 0], "the check fails before the worker wrote its health key, passes after"
    assert (web_status, worker_status) == (0, 0), web.output()[-2000:] + worker.output()[-2000:]
    # With the server gone, the image's health check fails: it can tell.
    assert run(healthcheck, container_env, tmp_path).returncode != 0


def _until_web_answers(web: Process, base: str) -> dict[str, tuple[int, object]]:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        web.assert_running()
        try:
            answers = {path: httpx.get(f"{base}{path}", timeout=5) for path in ("/healthz", "/readyz")}
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if all(a.status_code == 200 for a in answers.values()):
            return {path: (a.status_code, a.json()) for path, a in answers.items()}
        time.sleep(0.2)
    pytest.fail(f"debtbot serve did not answer within {START_SECONDS:.0f} s:\n{web.output()[-3000:]}")


def _until_check_passes(worker: Process, check: list[str], env: Mapping[str, str], cwd: Path) -> int:
    """The health check's exit status once it passes, or its last failure at the deadline."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        worker.assert_running()
        status = run(check, env, cwd).returncode
        if status == 0 or time.monotonic() >= deadline:
            return status
        time.sleep(0.5)
