"""Start-up checks: what `debtbot serve`, `debtbot worker` and `debtbot check` verify before they run, each saying
exactly what is wrong and what to do.

- the App's private key: readable, a PEM private key, RSA (what GitHub issues);
- the key belongs to DEBTBOT_APP_ID: GitHub answers `GET /app` signed with it (401: it does not);
- the database: reachable, and at this version's schema;
- Redis: reachable (the worker needs it; `serve` starts a private one when DEBTBOT_REDIS_URL is unset);
- outside development, no placeholder webhook secret.

A GitHub that does not answer is a warning only: refusing to start during GitHub's outage would add ours to it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from githubkit.exception import GitHubException, RequestFailed
from redis.asyncio import Redis

from bot.db.engine import make_engine, schema_is_current
from bot.logging import scrub
from bot.settings import Settings, SettingsError

Role = Literal["serve", "worker"]

SCHEMA_OUT_OF_DATE = "database schema is out of date: run `debtbot migrate`"
#: Seconds each check waits for the database, Redis or GitHub.
SERVICE_TIMEOUT_SECONDS = 5.0
GITHUB_TIMEOUT_SECONDS = 10.0
#: A webhook secret shorter than this is guessable; GitHub's own are 40 hexadecimal digits.
MIN_SECRET_LENGTH = 12
#: Spellings of "fill this in" found in templates, compose files and tutorials (compared without punctuation).
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "changethis",
        "replaceme",
        "placeholder",
        "secret",
        "webhooksecret",
        "mysecret",
        "yoursecret",
        "password",
        "default",
        "example",
        "test",
        "testing",
        "development",
        "dev",
        "debtbot",
        "todo",
        "none",
        "null",
    }
)
_PLACEHOLDER_PARTS = ("changeme", "replaceme", "placeholder", "yoursecret", "insert", "example")


@dataclass(frozen=True)
class CheckResult:
    """One check: passed or not, what was found (or exactly what is wrong), and whether a failure stops the start."""

    name: str
    ok: bool
    detail: str
    fatal: bool = True

    @property
    def blocking(self) -> bool:
        return not self.ok and self.fatal


def _passed(name: str, detail: str) -> CheckResult:
    return CheckResult(name, True, detail)


def _failed(name: str, detail: str, *, fatal: bool = True) -> CheckResult:
    return CheckResult(name, False, scrub(detail), fatal)


def _error(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- the App's credentials ----------------------------------------------------------------------------------------


def placeholder_reason(value: str) -> str | None:
    """Why `value` looks like a placeholder rather than a secret; None when it does not."""
    squeezed = re.sub(r"[^a-z0-9]", "", value.lower())
    if squeezed in PLACEHOLDERS or any(part in squeezed for part in _PLACEHOLDER_PARTS):
        return "is a placeholder"
    if value.strip().startswith("<") and value.strip().endswith(">"):
        return "is a template's placeholder"
    if len(set(value)) <= 2:
        return "repeats one or two characters"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is {len(value)} characters long, too short to be a secret (at least {MIN_SECRET_LENGTH})"
    return None


def check_secrets(settings: Settings) -> CheckResult:
    name = "secrets"
    if settings.environment == "development":
        return _passed(name, "not checked in development (DEBTBOT_ENVIRONMENT=development)")
    if settings.webhook_secret is None:
        return _passed(name, "no webhook secret set")
    reason = placeholder_reason(settings.webhook_secret.get_secret_value())
    if reason is not None:
        return _failed(
            name,
            f"DEBTBOT_WEBHOOK_SECRET {reason}: set the secret of the App's webhook (GitHub's App settings) "
            "to a random value, e.g. `openssl rand -hex 32`, and the same value here",
        )
    return _passed(name, "the webhook secret is not a placeholder")


def _key_source(settings: Settings) -> str:
    if settings.private_key_text is not None:
        return "DEBTBOT_PRIVATE_KEY"
    return f"DEBTBOT_PRIVATE_KEY_PATH ({settings.private_key_path})"


def load_private_key(settings: Settings) -> tuple[str | None, CheckResult]:
    """The App's key as PEM text when it is usable, and the check's result."""
    name = "private key"
    if settings.private_key_text is None and settings.private_key_path is None:
        return None, _failed(name, "not set: set DEBTBOT_PRIVATE_KEY (PEM text) or DEBTBOT_PRIVATE_KEY_PATH")
    source = _key_source(settings)
    try:
        pem = settings.private_key()
    except SettingsError as error:
        return None, _failed(name, str(error))
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except TypeError:
        return None, _failed(name, f"{source} is encrypted: give the key GitHub generated, without a passphrase")
    except ValueError as error:
        if "PUBLIC KEY" in pem:
            return None, _failed(name, f"{source} is a public key: give the App's private key (.pem from GitHub)")
        return None, _failed(
            name, f"{source} is not a PEM private key ({_error(error)}): give the .pem file GitHub generated"
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        return None, _failed(name, f"{source} is not an RSA key: GitHub Apps sign with RSA keys")
    return pem, _passed(name, f"RSA {key.key_size}-bit key from {source}")


async def check_app(settings: Settings, pem: str) -> CheckResult:
    """Ask GitHub who the App is, with a JWT signed by the key: 401 means the key is not DEBTBOT_APP_ID's."""
    from bot.github import GitHubKitApp  # noqa: PLC0415 - githubkit loads only when the App is configured
    from bot.metrics import observe_github_request  # noqa: PLC0415

    name = "GitHub App"
    assert settings.app_id is not None
    app = GitHubKitApp(
        app_id=settings.app_id,
        private_key=pem,
        base_url=settings.github_api_url,
        timeout=GITHUB_TIMEOUT_SECONDS,
        observer=observe_github_request,
    )
    try:
        async with asyncio.timeout(GITHUB_TIMEOUT_SECONDS * 2):
            info = await app.app_info()
    except RequestFailed as error:
        return _failed(name, _refusal(settings, error))
    except (GitHubException, TimeoutError) as error:
        return _failed(
            name, f"GitHub at {settings.github_api_url} did not answer ({_error(error)}): not checked", fatal=False
        )
    finally:
        await app.aclose()
    if info.id != settings.app_id:
        return _failed(name, f"GitHub says this key is App {info.id}'s, not DEBTBOT_APP_ID={settings.app_id}")
    return _passed(name, f"the key is App {info.id}'s ({info.slug}) on {settings.github_api_url}")


def _refusal(settings: Settings, error: RequestFailed) -> str:
    status = error.response.status_code
    try:
        body = error.response.raw_response.json()
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
    except ValueError:
        message = ""
    said = f"GitHub answered {status}" + (f" ({message})" if message else "")
    if status == 401 and ("'iat'" in message or "'exp'" in message):
        return f"{said}: this machine's clock is off; set it right (NTP) and start again"
    if status in (401, 404):
        return (
            f"{said} to a token signed with {_key_source(settings)}: the private key does not belong to "
            f"App {settings.app_id}; check DEBTBOT_APP_ID and the key (the App's settings page shows both)"
        )
    return f"{said} to `GET /app`: the App could not be verified"


# --- services -----------------------------------------------------------------------------------------------------


async def check_database(settings: Settings) -> CheckResult:
    name = "database"
    where = settings.redacted_database_url()
    try:
        engine = make_engine(settings.database_url)
    except (SettingsError, ValueError, OSError) as error:
        return _failed(name, f"{where} cannot be opened: {_error(error)}")
    try:
        async with asyncio.timeout(SERVICE_TIMEOUT_SECONDS):
            current = await schema_is_current(engine)
    except Exception as error:  # noqa: BLE001 - any failure to connect is the answer
        return _failed(name, f"{where} is not reachable: {_error(error)}")
    finally:
        await engine.dispose()
    if not current:
        return _failed(name, f"{where}: {SCHEMA_OUT_OF_DATE}")
    return _passed(name, f"{where} is at the current schema")


async def check_redis(settings: Settings, role: Role) -> CheckResult:
    name = "redis"
    if settings.redis_url is None:
        if role == "serve":
            return _passed(name, "DEBTBOT_REDIS_URL is unset: `serve` starts a private redis-server")
        return _failed(name, "DEBTBOT_REDIS_URL is not set: give the URL of the Redis server the web app queues in")
    url = settings.redis_url.get_secret_value()
    client = Redis.from_url(url, socket_connect_timeout=SERVICE_TIMEOUT_SECONDS, socket_timeout=SERVICE_TIMEOUT_SECONDS)
    shown = scrub(url)
    try:
        async with asyncio.timeout(SERVICE_TIMEOUT_SECONDS * 2):
            await client.ping()
    except Exception as error:  # noqa: BLE001 - any failure to connect is the answer
        return _failed(name, f"{shown} is not reachable: {_error(error)}")
    finally:
        await client.aclose()
    return _passed(name, f"{shown} answers")


# --- all of them --------------------------------------------------------------------------------------------------


async def run_checks(settings: Settings, role: Role) -> list[CheckResult]:
    """Every check that applies to `role`, in a fixed order (run concurrently)."""
    results: list[CheckResult] = []
    calls: list[Callable[[], Awaitable[CheckResult]]] = [
        lambda: check_database(settings),
        lambda: check_redis(settings, role),
    ]
    if settings.configured:
        pem, key = load_private_key(settings)
        results.append(key)
        if pem is not None:
            calls.append(lambda: check_app(settings, pem))
    elif role == "worker" or settings.environment == "production":
        results.append(
            _failed(
                "GitHub App",
                "not configured: set DEBTBOT_APP_ID, DEBTBOT_PRIVATE_KEY (or DEBTBOT_PRIVATE_KEY_PATH) "
                "and DEBTBOT_WEBHOOK_SECRET",
            )
        )
    else:
        results.append(_passed("GitHub App", "not configured yet: the web app serves the setup page"))
    results.extend(await asyncio.gather(*(call() for call in calls)))
    results.append(check_secrets(settings))
    return results


def report(results: list[CheckResult]) -> str:
    """One line a check: `ok`, `warn` (a failure that does not stop the start) or `FAIL`."""
    lines = []
    for result in results:
        mark = "ok" if result.ok else "FAIL" if result.fatal else "warn"
        lines.append(f"{mark:<5} {result.name}: {result.detail}")
    return "\n".join(lines)


def blocking_message(results: list[CheckResult]) -> str | None:
    """What stops the start, one problem a line; None when nothing does."""
    blocking = [r for r in results if r.blocking]
    if not blocking:
        return None
    if len(blocking) == 1:
        return f"{blocking[0].name}: {blocking[0].detail}"
    return "start-up checks failed:\n" + "\n".join(f"  - {r.name}: {r.detail}" for r in blocking)
