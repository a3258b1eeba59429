"""`debtbot check`, and `serve` and `worker` refusing to start, as real processes against the fake GitHub."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.db.engine import downgrade, upgrade
from tests.fakegithub import FakeGitHub, generate_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.operate.commands import debtbot, debtbot_env

pytestmark = [pytest.mark.anyio, pytest.mark.services]

OLD_SCHEMA = "database schema is out of date: run `debtbot migrate`"


@pytest.fixture
async def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'debtbot.db'}"
    await upgrade(url)
    return url


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_check_passes_and_says_what_it_found(
    fake: FakeGitHub, migrated: str, redis_url: str, queue_name: str, tmp_path: Path
) -> None:
    env = debtbot_env(fake, database_url=migrated, redis_url=redis_url, queue_name=queue_name)

    done = debtbot("check", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok    private key",
        "ok    database",
        "ok    redis",
        "ok    GitHub App",
        "ok    secrets",
    ]
    assert f"the key is App {FAKE_APP_ID}'s (debtbot)" in lines[3]
    assert any(r.path == "/app" for r in fake.requests)


async def test_check_fails_on_a_key_of_another_app(
    fake: FakeGitHub, migrated: str, redis_url: str, queue_name: str, tmp_path: Path
) -> None:
    key = tmp_path / "app.pem"
    key.write_text(generate_app_key().private_pem)
    env = debtbot_env(
        fake, database_url=migrated, redis_url=redis_url, queue_name=queue_name, DEBTBOT_PRIVATE_KEY_PATH=str(key)
    )
    del env["DEBTBOT_PRIVATE_KEY"]

    done = debtbot("check", env=env, cwd=tmp_path)

    assert done.returncode == 1
    (failed,) = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert failed.startswith(
        f"FAIL  GitHub App: GitHub answered 401 (A JSON web token could not be decoded) to a token signed with "
        f"DEBTBOT_PRIVATE_KEY_PATH ({key}): the private key does not belong to App {FAKE_APP_ID}"
    )


@pytest.fixture
def configured(fake: FakeGitHub, migrated: str, redis_url: str, queue_name: str) -> dict[str, str]:
    """The environment of a configured App on the migrated database and a reachable Redis."""
    return debtbot_env(fake, database_url=migrated, redis_url=redis_url, queue_name=queue_name)


@pytest.mark.parametrize("command", [["worker"], ["serve", "--port", "0"]])
async def test_serve_and_worker_refuse_a_database_rolled_back_to_an_older_schema(
    configured: dict[str, str], migrated: str, tmp_path: Path, command: list[str]
) -> None:
    await downgrade(migrated, "0001")

    done = debtbot(*command, env=configured, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"debtbot: error: database: sqlite+aiosqlite:///{tmp_path / 'debtbot.db'}: {OLD_SCHEMA}"
    )


async def test_the_worker_names_every_problem_before_it_starts(
    fake: FakeGitHub, tmp_path: Path, queue_name: str
) -> None:
    env = debtbot_env(
        fake,
        database_url=f"sqlite:///{tmp_path / 'never-migrated.db'}",
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        queue_name=queue_name,
        DEBTBOT_PRIVATE_KEY=generate_app_key().private_pem,
        DEBTBOT_ENVIRONMENT="production",
        DEBTBOT_WEBHOOK_SECRET="change-me",
    )

    done = debtbot("worker", env=env, cwd=tmp_path)

    assert done.returncode == 2
    problems = done.stderr[done.stderr.index("debtbot: error: start-up checks failed:") :].splitlines()[1:]
    assert [line.split(":")[0] for line in problems] == [
        "  - database",
        "  - redis",
        "  - GitHub App",
        "  - secrets",
    ]
    assert "change-me" not in done.stderr
