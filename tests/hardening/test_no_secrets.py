"""No secret in logs, error messages, metrics, pages or anything sent to GitHub.

A full review and the failing paths around it (an expired installation token, GitHub failing until the
retries run out, token creation refused, a bad signature, an OAuth callback with a code nobody issued) run
against the fake GitHub with every log line captured as production writes it, stdout and stderr too. Then every
value that must stay secret is looked for in all of it: the private key (whole and line by line), the webhook
secret, the OAuth client secret and code, the session secret, every installation token the fake issued, and
every JWT the App signed.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from arq.connections import ArqRedis
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app
from bot.db.engine import make_engine, session_factory
from bot.db.models import Delivery as DeliveryRow
from bot.db.models import ReviewRun
from bot.logging import configure_logging, secrets_of
from bot.settings import Settings
from bot.webhooks import PATH
from tests.e2e.conftest import deliver, drain, pull_request_delivery
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.worker.conftest import WEBHOOK_SECRET, make_settings
from tests.worker.world import DEBT_FILES, REPO, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

CLIENT_SECRET = "0123456789abcdef0123456789abcdef01234567"  # the shape of a GitHub App's client secret
SESSION_SECRET = "a session secret of at least thirty-two characters"
OAUTH_CODE = "a1b2c3d4e5f6a7b8c9d0"  # the shape of an OAuth code
PULL = r"/repos/octo-org/widgets/pulls/{}$"


@pytest.fixture
def full_settings(fake: FakeGitHub, database_url: str, redis_url: str, queue_name: str) -> Settings:
    return make_settings(
        fake,
        database_url,
        redis_url=SecretStr(redis_url),
        queue_name=queue_name,
        client_id="Iv1.0123456789abcdef",
        client_secret=SecretStr(CLIENT_SECRET),
        session_secret=SecretStr(SESSION_SECRET),
    )


@pytest.fixture
async def web(full_settings: Settings, json_logs: io.StringIO) -> AsyncIterator[httpx.AsyncClient]:
    configure_logging("DEBUG", secrets=secrets_of(full_settings), stream=json_logs)  # what the commands do at start
    app: FastAPI = create_app(full_settings, env_file=Path("/nonexistent/.env"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://debtbot.test") as client,
    ):
        yield client


def secrets_to_find(fake: FakeGitHub) -> dict[str, str]:
    """Name -> value of every secret of the run (tokens and JWTs as the fake saw them)."""
    private_key = shared_app_key().private_pem
    found = {
        "private key": private_key,
        "webhook secret": WEBHOOK_SECRET,
        "OAuth client secret": CLIENT_SECRET,
        "session secret": SESSION_SECRET,
        "OAuth code": OAUTH_CODE,
    }
    body = [line for line in private_key.splitlines() if line and not line.startswith("-----")]
    found.update({f"private key line {i}": line for i, line in enumerate(body) if len(line) >= 16})
    found.update({f"installation token {i}": token.value for i, token in enumerate(fake.tokens())})
    jwts = {r.headers["authorization"].partition(" ")[2] for r in fake.requests if r.path.startswith("/app")}
    found.update({f"JWT {i}": jwt for i, jwt in enumerate(sorted(jwts)) if jwt.count(".") == 2})
    return found


async def everything_said(
    web: httpx.AsyncClient, settings: Settings, fake: FakeGitHub, json_logs: io.StringIO
) -> dict[str, str]:
    """Where a secret could surface: logs, every page and answer, the database's reasons, what went to GitHub."""
    said = {"logs": json_logs.getvalue()}
    for path in ("/", "/healthz", "/readyz", "/metrics", "/dashboard", "/api/repos", "/login"):
        response = await web.get(path)
        said[f"GET {path}"] = f"{response.status_code} {response.headers} {response.text}"
    callback = await web.get(f"/login/callback?code={OAUTH_CODE}&state=never-issued")
    said["OAuth callback"] = f"{callback.status_code} {callback.headers} {callback.text}"
    unsigned = await web.post(PATH, content=b"{}", headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    said["unsigned delivery"] = f"{unsigned.status_code} {unsigned.text}"
    said["logs after"] = json_logs.getvalue()
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            said["delivery reasons"] = repr([r.reason for r in await session.scalars(select(DeliveryRow))])
            said["run errors"] = repr([r.error for r in await session.scalars(select(ReviewRun))])
    finally:
        await engine.dispose()
    said["sent to GitHub"] = repr([r.body for r in fake.requests if r.method != "GET"])
    return said


async def test_no_secret_surfaces_in_a_review_or_its_failures(
    *,
    world: World,
    fake: FakeGitHub,
    web: httpx.AsyncClient,
    pool: ArqRedis,
    full_settings: Settings,
    json_logs: io.StringIO,
    capfd: pytest.CaptureFixture[str],
) -> None:
    settings = full_settings
    for number in (7, 8, 9, 10):
        world.open_pull(number, DEBT_FILES)
    await deliver(web, pull_request_delivery(world, 7))  # a full review
    await drain(settings, pool)
    fake.expire_tokens()  # the cached token is refused: a new one is asked for
    await deliver(web, pull_request_delivery(world, 8))
    await drain(settings, pool)
    for _ in range(3):  # GitHub failing on the diff on every try
        fake.slow("GET", PULL.format(9), 0.0, times=1)
        fake.fail("GET", PULL.format(9), 502, times=3)
    await deliver(web, pull_request_delivery(world, 9))
    await drain(settings, pool)
    fake.expire_tokens()
    fake.fail("POST", r"/app/installations/\d+/access_tokens$", 401, times=None)  # the App's JWT refused
    await deliver(web, pull_request_delivery(world, 10))
    await drain(settings, pool)

    said = await everything_said(web, settings, fake, json_logs)
    out, err = capfd.readouterr()
    said.update({"stdout": out, "stderr": err})

    assert [c.conclusion for c in fake.check_runs()] == ["failure", "failure", "neutral"]
    assert len(fake.tokens()) >= 2
    assert '"review_published"' in said["logs"]  # the capture did see the run
    wanted = secrets_to_find(fake)
    assert sum(name.startswith("JWT") for name in wanted) >= 1  # githubkit reuses one JWT while it is valid
    assert sum(name.startswith("installation token") for name in wanted) >= 2
    leaks = {(name, where) for name, value in wanted.items() for where, text in said.items() if value in text}
    assert leaks == set()
    assert REPO in said["logs"]
