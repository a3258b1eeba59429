"""The service's settings: `DEBTBOT_*` environment variables and `.env`, read once through `get_settings()`."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATA_DIR = Path(".debtbot")
DATABASE_FILE = "debtbot.db"

_POSTGRES_DRIVERS = frozenset(
    {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg", "postgresql+psycopg2", "postgresql+pg8000"}
)
_SQLITE_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"})
_ASYNC_POSTGRES = "postgresql+asyncpg"
_ASYNC_SQLITE = "sqlite+aiosqlite"


MIN_SESSION_SECRET_LENGTH = 32
_PLACEHOLDER_WORDS = ("change", "placeholder", "example", "secret", "xxxx")


def weak_session_secret(value: SecretStr) -> bool:
    """A session secret a production deployment must not run with: short, or a template's placeholder."""
    text = value.get_secret_value().strip()
    return len(text) < MIN_SESSION_SECRET_LENGTH or any(word in text.lower() for word in _PLACEHOLDER_WORDS)


class SettingsError(ValueError):
    """A setting is missing or unusable; the message names the variable to set."""


def async_database_url(url: str) -> str:
    """The same database reached through the async driver the service uses (asyncpg or aiosqlite).

    Plain `postgresql://` (or Heroku's `postgres://`) and `sqlite://` URLs are accepted as users write them.
    libpq's `sslmode=` becomes asyncpg's `ssl=`, which asyncpg otherwise rejects as an unknown argument.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SettingsError(f"DEBTBOT_DATABASE_URL is not a database URL: {exc}") from None
    driver = parsed.drivername
    if driver in _SQLITE_DRIVERS:
        return _render(parsed.set(drivername=_ASYNC_SQLITE))
    if driver not in _POSTGRES_DRIVERS:
        raise SettingsError(f"DEBTBOT_DATABASE_URL: unsupported database {driver!r} (use postgresql:// or sqlite://)")
    parsed = parsed.set(drivername=_ASYNC_POSTGRES)
    if "sslmode" in parsed.query:
        query = dict(parsed.query)
        sslmode = query.pop("sslmode")
        query.setdefault("ssl", sslmode)
        parsed = parsed.set(query=query)
    return _render(parsed)


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def redacted_url(url: str) -> str:
    """A URL fit for logs and status pages: its password replaced by `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a URL>"


class Settings(BaseSettings):
    """Everything the web app and the worker are configured with.

    URLs that may carry a password (database, Redis) are secrets like the App's keys, so that no
    `repr`, log line or JSON dump of the settings shows them.
    """

    model_config = SettingsConfigDict(
        env_prefix="DEBTBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        validate_by_name=True,
    )

    #: The GitHub App's id (its settings page, *About*).
    app_id: int | None = None
    # Named apart from the `private_key()` accessor; the variable is still DEBTBOT_PRIVATE_KEY.
    #: The App's private key as PEM text; `\n` escapes are read as newlines (one-line env files).
    private_key_text: SecretStr | None = Field(
        default=None, validation_alias="DEBTBOT_PRIVATE_KEY", description="the App's private key, PEM text"
    )
    #: The App's private key as a PEM file, instead of DEBTBOT_PRIVATE_KEY.
    private_key_path: Path | None = Field(default=None, description="or the path of the PEM file")
    #: The secret GitHub signs webhook deliveries with.
    webhook_secret: SecretStr | None = None
    #: The App's OAuth client id.
    client_id: str | None = None
    #: The App's OAuth client secret.
    client_secret: SecretStr | None = None
    #: GitHub's REST API (GitHub Enterprise Server: `https://HOST/api/v3`).
    github_api_url: str = "https://api.github.com"
    #: GitHub's web address (GitHub Enterprise Server: `https://HOST`).
    github_url: str = "https://github.com"
    #: Where the defaults keep their files: the SQLite database, the embedded Redis, the setup state.
    data_dir: Path = DEFAULT_DATA_DIR
    #: The database: `postgresql://...` in production (`sslmode=` is understood), or `sqlite:///PATH`.
    database_url: SecretStr = Field(
        default=SecretStr(""), validate_default=True, description=f"default: SQLite at DATA_DIR/{DATABASE_FILE}"
    )
    #: The Redis the web server queues jobs in and the workers take them from (`redis://`, `rediss://`, `unix://`).
    redis_url: SecretStr | None = Field(default=None, description="default: an embedded redis-server")
    #: `production` turns the setup page off.
    environment: Literal["development", "production"] = "development"
    #: The arq queue's name: give deployments that share one Redis different names.
    queue_name: str = "debtbot:queue"
    #: The level of the JSON logs (secrets are redacted).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    #: Minutes between runs of the redelivery of failed webhook deliveries (`bot.redelivery`), which also queues
    #: again the jobs Redis lost (`bot.requeue`); 0 turns both off.
    redelivery_interval_minutes: int = Field(default=10, ge=0, le=24 * 60)
    #: Redeliveries asked of GitHub in one run at most.
    redelivery_max_per_run: int = Field(default=50, ge=1)
    #: `debtbot worker` serves /metrics on this port (unset: not served; `serve` has its own /metrics).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    #: The address `debtbot worker` serves /metrics on (with DEBTBOT_WORKER_METRICS_PORT).
    worker_metrics_host: str = "0.0.0.0"  # noqa: S104 - a scraper reaches the worker from outside its container
    #: Signs the dashboard's cookies: 32 or more random characters. Unset in development, each process draws its
    #: own (sign-ins end at a restart); unset in production, the dashboard is off.
    session_secret: SecretStr | None = None

    @field_validator("github_api_url", "github_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        # Paths are joined onto it: one spelling whether or not the user typed the trailing slash.
        return value.rstrip("/")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("environment", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator(
        "app_id",
        "client_id",
        "private_key_text",
        "private_key_path",
        "webhook_secret",
        "worker_metrics_port",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `DEBTBOT_APP_ID=` in a .env template means "not set yet", not an invalid value.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("session_secret")
    @classmethod
    def _session_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if info.data.get("environment", "development") != "development" and weak_session_secret(value):
            raise SettingsError(
                f"DEBTBOT_SESSION_SECRET looks like a placeholder: set {MIN_SESSION_SECRET_LENGTH} or more random "
                'characters (python -c "import secrets; print(secrets.token_urlsafe(32))")'
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("DEBTBOT_REDIS_URL must start with redis://, rediss:// or unix://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        url = value.get_secret_value().strip()
        if not url:
            data_dir = info.data.get("data_dir", DEFAULT_DATA_DIR)
            return SecretStr(f"{_ASYNC_SQLITE}:///{(Path(data_dir) / DATABASE_FILE).as_posix()}")
        return SecretStr(async_database_url(url))

    @property
    def configured(self) -> bool:
        """The App's credentials are all there: its id, a private key and the webhook secret."""
        has_key = self.private_key_text is not None or self.private_key_path is not None
        return self.app_id is not None and has_key and self.webhook_secret is not None

    def private_key(self) -> str:
        """The App's private key as PEM text, from DEBTBOT_PRIVATE_KEY or the file at DEBTBOT_PRIVATE_KEY_PATH."""
        if self.private_key_text is not None:
            text = self.private_key_text.get_secret_value()
            # One-line environments (docker --env-file, CI secrets) often carry the newlines as `\n`.
            if "\n" not in text.strip() and "\\n" in text:
                text = text.replace("\\n", "\n")
            return text.strip() + "\n"
        if self.private_key_path is not None:
            try:
                return self.private_key_path.read_text(encoding="utf-8").strip() + "\n"
            except OSError as exc:
                raise SettingsError(f"DEBTBOT_PRIVATE_KEY_PATH: cannot read {self.private_key_path}: {exc}") from exc
        raise SettingsError("set DEBTBOT_PRIVATE_KEY (PEM text) or DEBTBOT_PRIVATE_KEY_PATH")

    def redacted_database_url(self) -> str:
        return redacted_url(self.database_url.get_secret_value())


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read on first use (never at import, so importing never fails on bad settings)."""
    return Settings()
