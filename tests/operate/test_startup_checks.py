"""Start-up checks: each problem named exactly, against the fake GitHub over HTTP (which verifies the App's JWT with
its public key), real SQLite, PostgreSQL and Redis, and closed ports for what is down."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from bot.app import SCHEMA_OUT_OF_DATE as APP_SCHEMA_OUT_OF_DATE
from bot.db.engine import downgrade, upgrade
from bot.settings import Settings
from bot.startup_checks import (
    SCHEMA_OUT_OF_DATE,
    CheckResult,
    blocking_message,
    check_database,
    check_redis,
    load_private_key,
    placeholder_reason,
    report,
    run_checks,
)
from tests.fakegithub import FakeGitHub, generate_app_key, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.conftest import make_settings

pytestmark = pytest.mark.anyio

PRODUCTION_SECRET = "3f6c0e9d1b2a48c7a5e4d3c2b1a09f8e"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, not listening, so nothing else takes it meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'debtbot.db'}"
    await upgrade(url)
    return url


def results_by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.name: result for result in results}


def with_key(settings: Settings, pem: str, **changes: Any) -> Settings:
    return settings.model_copy(update={"private_key_text": SecretStr(pem), **changes})


# --- the App's key ------------------------------------------------------------------------------------------------


async def test_everything_in_order_passes(fake: FakeGitHub, sqlite_url: str, redis_url: str) -> None:
    settings = make_settings(fake, sqlite_url, redis_url=SecretStr(redis_url))

    results = await run_checks(settings, "worker")

    assert [r.name for r in results] == ["private key", "database", "redis", "GitHub App", "secrets"]
    assert all(r.ok for r in results), report(results)
    checked = results_by_name(results)
    assert checked["GitHub App"].detail == f"the key is App {FAKE_APP_ID}'s (debtbot) on {fake.url}"
    assert checked["private key"].detail == "RSA 2048-bit key from DEBTBOT_PRIVATE_KEY"
    assert blocking_message(results) is None


async def test_a_key_of_another_app_is_refused_by_github(fake: FakeGitHub, sqlite_url: str) -> None:
    settings = with_key(make_settings(fake, sqlite_url), generate_app_key().private_pem)

    checked = results_by_name(await run_checks(settings, "serve"))

    app = checked["GitHub App"]
    assert (app.ok, app.fatal) == (False, True)
    assert app.detail == (
        "GitHub answered 401 (A JSON web token could not be decoded) to a token signed with DEBTBOT_PRIVATE_KEY: "
        f"the private key does not belong to App {FAKE_APP_ID}; check DEBTBOT_APP_ID and the key "
        "(the App's settings page shows both)"
    )
    assert checked["private key"].ok  # a valid key: only GitHub can tell it is not this App's


async def test_the_right_key_under_another_app_id_is_refused_too(fake: FakeGitHub, sqlite_url: str) -> None:
    settings = make_settings(fake, sqlite_url).model_copy(update={"app_id": FAKE_APP_ID + 1})

    (app,) = [r for r in await run_checks(settings, "serve") if r.name == "GitHub App"]

    assert not app.ok
    assert f"does not belong to App {FAKE_APP_ID + 1}" in app.detail


async def test_a_github_that_does_not_answer_is_a_warning_only(
    fake: FakeGitHub, sqlite_url: str, closed_port: int
) -> None:
    settings = make_settings(fake, sqlite_url).model_copy(update={"github_api_url": f"http://127.0.0.1:{closed_port}"})

    results = await run_checks(settings, "serve")

    (app,) = [r for r in results if r.name == "GitHub App"]
    assert (app.ok, app.fatal) == (False, False)
    assert app.detail.startswith(f"GitHub at http://127.0.0.1:{closed_port} did not answer (")
    assert blocking_message(results) is None
    assert f"warn  GitHub App: GitHub at http://127.0.0.1:{closed_port}" in report(results)


def test_a_key_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, app_id=1, private_key_path=tmp_path)  # a folder, not a file

    pem, result = load_private_key(settings)

    assert pem is None
    assert result.detail.startswith(f"DEBTBOT_PRIVATE_KEY_PATH: cannot read {tmp_path}: [Errno 21] Is a directory")


def _encrypted_pem() -> str:
    key = serialization.load_pem_private_key(shared_app_key().private_pem.encode(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    ).decode()


def _ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    ("pem", "detail"),
    [
        (
            "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n",
            "DEBTBOT_PRIVATE_KEY is not a PEM private key (ValueError: ",
        ),
        (shared_app_key().public_pem, "DEBTBOT_PRIVATE_KEY is a public key: give the App's private key"),
        (_encrypted_pem(), "DEBTBOT_PRIVATE_KEY is encrypted: give the key GitHub generated, without a passphrase"),
        (_ec_pem(), "DEBTBOT_PRIVATE_KEY is not an RSA key: GitHub Apps sign with RSA keys"),
    ],
    ids=["garbage", "public", "encrypted", "ec"],
)
def test_a_key_that_is_not_an_apps_private_key_is_named(pem: str, detail: str) -> None:
    settings = Settings(_env_file=None, app_id=1, private_key_text=SecretStr(pem))

    found, result = load_private_key(settings)

    assert (found, result.ok, result.fatal) == (None, False, True)
    assert result.detail.startswith(detail)


# --- services -----------------------------------------------------------------------------------------------------


async def test_a_database_not_at_this_versions_schema_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    await upgrade(url)
    await downgrade(url, "base")
    settings = Settings(_env_file=None, database_url=SecretStr(url))

    result = await check_database(settings)

    assert not result.ok
    assert result.detail == f"sqlite+aiosqlite:///{tmp_path / 'old.db'}: {SCHEMA_OUT_OF_DATE}"
    assert SCHEMA_OUT_OF_DATE == APP_SCHEMA_OUT_OF_DATE  # the web app's /readyz says the same


async def test_an_unreachable_postgresql_is_named_without_its_password(closed_port: int) -> None:
    url = f"postgresql://debtbot:hunter2-password@127.0.0.1:{closed_port}/debtbot"
    settings = Settings(_env_file=None, database_url=SecretStr(url))

    result = await check_database(settings)

    assert not result.ok
    assert result.detail.startswith(
        f"postgresql+asyncpg://debtbot:[REDACTED]@127.0.0.1:{closed_port}/debtbot is not reachable: "
    )
    assert "hunter2" not in result.detail


async def test_a_migrated_postgresql_passes(postgres_url: str) -> None:
    await upgrade(postgres_url)

    result = await check_database(Settings(_env_file=None, database_url=SecretStr(postgres_url)))

    assert result.ok, result.detail


async def test_an_unreachable_redis_is_named(closed_port: int, redis_url: str) -> None:
    down = Settings(_env_file=None, redis_url=SecretStr(f"redis://127.0.0.1:{closed_port}/0"))
    up = Settings(_env_file=None, redis_url=SecretStr(redis_url))

    failed, passed = await check_redis(down, "worker"), await check_redis(up, "worker")

    assert not failed.ok
    assert failed.detail.startswith(f"redis://127.0.0.1:{closed_port}/0 is not reachable: ConnectionError: ")
    assert passed.ok


async def test_redis_is_needed_by_the_worker_and_started_by_serve_when_unset() -> None:
    settings = Settings(_env_file=None)

    worker, serve = await check_redis(settings, "worker"), await check_redis(settings, "serve")

    assert (worker.ok, serve.ok) == (False, True)
    assert worker.detail.startswith("DEBTBOT_REDIS_URL is not set")


# --- secrets and configuration ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    ["changeme", "CHANGE-ME", "replace_me_with_a_secret", "<webhook secret>", "xxxxxxxxxxxxxxxx", "secret", "s3cr3t"],
)
def test_placeholder_secrets_are_recognized(secret: str) -> None:
    assert placeholder_reason(secret) is not None


def test_a_random_secret_is_not_a_placeholder() -> None:
    assert placeholder_reason(PRODUCTION_SECRET) is None


async def test_placeholder_secrets_stop_production_only(fake: FakeGitHub, sqlite_url: str) -> None:
    development = make_settings(fake, sqlite_url, webhook_secret=SecretStr("changeme"))
    production = development.model_copy(update={"environment": "production"})
    fixed = production.model_copy(update={"webhook_secret": SecretStr(PRODUCTION_SECRET)})

    dev, prod, good = [
        results_by_name(await run_checks(s, "serve"))["secrets"] for s in (development, production, fixed)
    ]

    assert (dev.ok, prod.ok, good.ok) == (True, False, True)
    assert prod.detail.startswith("DEBTBOT_WEBHOOK_SECRET is a placeholder: set the secret of the App's webhook")
    assert "changeme" not in prod.detail


async def test_serve_without_an_app_serves_the_setup_page_except_in_production(sqlite_url: str) -> None:
    development = Settings(_env_file=None, database_url=SecretStr(sqlite_url))
    production = development.model_copy(update={"environment": "production"})

    dev, prod = [results_by_name(await run_checks(s, "serve"))["GitHub App"] for s in (development, production)]

    assert (dev.ok, prod.ok) == (True, False)
    assert prod.detail.startswith("not configured: set DEBTBOT_APP_ID")


def test_several_problems_are_each_named_on_a_line() -> None:
    results = [
        CheckResult("database", False, "down"),
        CheckResult("redis", True, "up"),
        CheckResult("GitHub App", False, "slow", fatal=False),
        CheckResult("secrets", False, "placeholder"),
    ]

    assert blocking_message(results) == "start-up checks failed:\n  - database: down\n  - secrets: placeholder"
    assert blocking_message(results[:2]) == "database: down"
