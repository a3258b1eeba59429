"""Settings: DEBTBOT_* variables and .env, secrets kept out of every rendering, database URLs normalised."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import settings as settings_module
from bot.settings import Settings, SettingsError, async_database_url, get_settings, redacted_url

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretbody\n-----END RSA PRIVATE KEY-----\n"
SECRETS = ("hook-secret-value", "client-secret-value", "MIIEowIBAAKCAQEAsecretbody", "db-password", "redis-password")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No DEBTBOT_* variable or .env of the developer's leaks in; the working directory is empty."""
    for name in list(os.environ):
        if name.upper().startswith("DEBTBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def full_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "DEBTBOT_APP_ID": "12345",
        "DEBTBOT_PRIVATE_KEY": PEM,
        "DEBTBOT_WEBHOOK_SECRET": "hook-secret-value",
        "DEBTBOT_CLIENT_ID": "Iv1.abc",
        "DEBTBOT_CLIENT_SECRET": "client-secret-value",
        "DEBTBOT_DATABASE_URL": "postgresql://debtbot:db-password@db.internal:5432/debtbot",
        "DEBTBOT_REDIS_URL": "redis://:redis-password@cache.internal:6379/0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_defaults_need_no_environment() -> None:
    settings = Settings()

    assert settings.app_id is None
    assert not settings.configured
    assert settings.github_api_url == "https://api.github.com"
    assert settings.github_url == "https://github.com"
    assert settings.data_dir == Path(".debtbot")
    assert settings.database_url.get_secret_value() == "sqlite+aiosqlite:///.debtbot/debtbot.db"
    assert settings.redis_url is None  # the embedded server
    assert settings.environment == "development"
    assert settings.queue_name == "debtbot:queue"
    assert settings.log_level == "INFO"


def test_environment_variables_are_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    full_environment(monkeypatch)
    monkeypatch.setenv("DEBTBOT_GITHUB_API_URL", "https://ghe.example.com/api/v3/")
    monkeypatch.setenv("DEBTBOT_ENVIRONMENT", "Production")
    monkeypatch.setenv("DEBTBOT_QUEUE_NAME", "debtbot:test")
    monkeypatch.setenv("DEBTBOT_LOG_LEVEL", "debug")
    monkeypatch.setenv("APP_ID", "999")  # unprefixed: someone else's

    settings = Settings()

    assert settings.app_id == 12345
    assert settings.configured
    assert settings.private_key() == PEM
    assert settings.client_id == "Iv1.abc"
    assert settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == "client-secret-value"
    assert settings.github_api_url == "https://ghe.example.com/api/v3"
    assert settings.environment == "production"
    assert settings.queue_name == "debtbot:test"
    assert settings.log_level == "DEBUG"


def test_dot_env_is_read_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_text(PEM, encoding="utf-8")
    (tmp_path / ".env").write_text(
        f"DEBTBOT_APP_ID=7\nDEBTBOT_PRIVATE_KEY_PATH={key}\nDEBTBOT_WEBHOOK_SECRET=from-dotenv\n"
        "DEBTBOT_DATA_DIR=/var/lib/debtbot\nOTHER_TOOL_SETTING=1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DEBTBOT_APP_ID", "8")

    settings = Settings()

    assert settings.app_id == 8
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == "from-dotenv"
    assert settings.private_key() == PEM
    assert settings.configured
    assert settings.database_url.get_secret_value() == "sqlite+aiosqlite:////var/lib/debtbot/debtbot.db"


def test_blank_values_in_a_template_mean_unset(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEBTBOT_APP_ID=\nDEBTBOT_PRIVATE_KEY=\nDEBTBOT_REDIS_URL=\n", encoding="utf-8")

    settings = Settings()

    assert settings.app_id is None
    assert settings.private_key_text is None
    assert settings.redis_url is None


def test_secrets_are_absent_from_repr_str_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    full_environment(monkeypatch)
    settings = Settings()

    renderings = (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump()))

    for rendering in renderings:
        for secret in SECRETS:
            assert secret not in rendering
    assert "12345" in repr(settings)  # the rendering itself is not empty
    assert "db-password" not in settings.redacted_database_url()
    assert "db.internal" in settings.redacted_database_url()


def test_private_key_accepts_escaped_newlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTBOT_PRIVATE_KEY", PEM.strip().replace("\n", "\\n"))

    assert Settings().private_key() == PEM


def test_private_key_missing_or_unreadable_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DEBTBOT_PRIVATE_KEY"):
        Settings().private_key()
    with pytest.raises(SettingsError, match="DEBTBOT_PRIVATE_KEY_PATH"):
        Settings(private_key_path=tmp_path / "missing.pem").private_key()


def test_configured_needs_id_key_and_webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTBOT_APP_ID", "1")
    monkeypatch.setenv("DEBTBOT_PRIVATE_KEY", PEM)
    assert not Settings().configured

    monkeypatch.setenv("DEBTBOT_WEBHOOK_SECRET", "s")
    assert Settings().configured


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/debtbot", "postgresql+asyncpg://u:p@db:5432/debtbot"),
        ("postgres://u:p@db/debtbot", "postgresql+asyncpg://u:p@db/debtbot"),
        ("postgresql+psycopg2://u@db/debtbot", "postgresql+asyncpg://u@db/debtbot"),
        ("postgresql+asyncpg://u@db/debtbot", "postgresql+asyncpg://u@db/debtbot"),
        ("postgresql://u@db/debtbot?sslmode=require", "postgresql+asyncpg://u@db/debtbot?ssl=require"),
        ("postgresql://u:p%40ss@db/debtbot", "postgresql+asyncpg://u:p%40ss@db/debtbot"),
        ("sqlite:///relative/debtbot.db", "sqlite+aiosqlite:///relative/debtbot.db"),
        ("sqlite:////abs/debtbot.db", "sqlite+aiosqlite:////abs/debtbot.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_database_urls_are_normalised_to_async_drivers(given: str, expected: str) -> None:
    assert async_database_url(given) == expected


def test_database_url_setting_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTBOT_DATABASE_URL", "postgresql://u@db/debtbot")

    assert Settings().database_url.get_secret_value() == "postgresql+asyncpg://u@db/debtbot"


@pytest.mark.parametrize("url", ["mysql://u@db/debtbot", "not a url", "oracle://db"])
def test_unsupported_database_urls_are_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="DEBTBOT_DATABASE_URL"):
        async_database_url(url)


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTBOT_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="environment"):
        Settings()
    monkeypatch.delenv("DEBTBOT_ENVIRONMENT")
    monkeypatch.setenv("DEBTBOT_REDIS_URL", "localhost:6379")
    with pytest.raises(ValidationError, match="DEBTBOT_REDIS_URL"):
        Settings()


def test_redacted_url_hides_the_password_only() -> None:
    assert redacted_url("postgresql+asyncpg://u:secret@db/x") == "postgresql+asyncpg://u:***@db/x"
    assert redacted_url("::") == "<not a URL>"


def test_get_settings_is_cached_and_not_read_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTBOT_APP_ID", "not a number")
    # Importing the module afresh must not read the (broken) settings...
    monkeypatch.delitem(sys.modules, "bot.settings")
    fresh = importlib.import_module("bot.settings")
    monkeypatch.setitem(sys.modules, "bot.settings", settings_module)
    # ...only the first call does.
    with pytest.raises(ValidationError, match="app_id"):
        fresh.get_settings()

    monkeypatch.setenv("DEBTBOT_APP_ID", "5")
    first = get_settings()
    monkeypatch.setenv("DEBTBOT_APP_ID", "6")

    assert get_settings() is first
    assert first.app_id == 5
