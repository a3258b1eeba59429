"""JSON log lines with every secret redacted, whoever logs it: structlog, the standard library, an exception."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import structlog
from pydantic import SecretStr

from bot.logging import REDACTED, add_secrets, get_logger, secrets_of
from bot.settings import Settings

WEBHOOK_SECRET = "whsec-0123456789abcdef"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtopsecretkeymaterial\nAbCdEf0123\n-----END RSA PRIVATE KEY-----\n"
)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_structlog_line_is_json_with_its_fields(json_logs: io.StringIO) -> None:
    get_logger("bot.test").info("review_started", repo="octo-org/widgets", pr=7)

    [line] = lines(json_logs)
    assert line["event"] == "review_started"
    assert (line["repo"], line["pr"], line["level"], line["logger"]) == ("octo-org/widgets", 7, "info", "bot.test")
    assert line["timestamp"].endswith("Z")


def test_the_standard_librarys_extra_fields_are_kept(json_logs: io.StringIO) -> None:
    logging.getLogger("bot.webhooks").info("webhook_queued", extra={"delivery_id": "abc-123", "job_id": "review:1"})

    [line] = lines(json_logs)
    assert (line["event"], line["delivery_id"], line["job_id"]) == ("webhook_queued", "abc-123", "review:1")


def test_known_secret_values_are_redacted_wherever_they_appear(json_logs: io.StringIO) -> None:
    add_secrets(WEBHOOK_SECRET)
    log = get_logger("bot.test")

    log.info(f"verifying with {WEBHOOK_SECRET}", note={"nested": [f"again {WEBHOOK_SECRET}"]})
    logging.getLogger("other").warning("secret was %s", WEBHOOK_SECRET)

    text = json_logs.getvalue()
    assert WEBHOOK_SECRET not in text
    assert text.count(REDACTED) == 3


def test_fields_named_like_secrets_are_redacted_whatever_their_value(json_logs: io.StringIO) -> None:
    get_logger("bot.test").info("configured", client_secret="short", token="t", code="c0de", status_code=201)

    [line] = lines(json_logs)
    assert (line["client_secret"], line["token"], line["code"]) == (REDACTED, REDACTED, REDACTED)
    assert line["status_code"] == 201


def test_secret_shaped_text_is_redacted_in_messages(json_logs: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/setup/callback?code=a1b2c3&state=xyz", "1.1", 200)
    get_logger("bot.test").info("request", url="https://api.github.com/app-manifests/a1b2c3d4/conversions")
    get_logger("bot.test").info("headers", sent="Authorization: Bearer ghs_16C7e42F292c6912E7710c838347Ae178B4a")
    get_logger("bot.test").info("key", pem=PEM, text=f"loaded {PEM.replace(chr(10), chr(92) + 'n')}")
    get_logger("bot.test").info("db", url="postgresql://debtbot:hunter2-password@db:5432/debtbot")

    access_line, url_line, header_line, key_line, db_line = lines(json_logs)
    assert "a1b2c3" not in access_line["event"]
    assert "state=xyz" in access_line["event"]
    assert url_line["url"] == f"https://api.github.com/app-manifests/{REDACTED}/conversions"
    assert "ghs_" not in header_line["sent"]
    assert key_line["pem"] == REDACTED
    assert "topsecretkeymaterial" not in key_line["text"]
    assert db_line["url"] == f"postgresql://debtbot:{REDACTED}@db:5432/debtbot"


def test_an_exceptions_traceback_is_redacted_too(json_logs: io.StringIO) -> None:
    add_secrets(WEBHOOK_SECRET)
    try:
        raise ValueError(f"bad secret {WEBHOOK_SECRET}")
    except ValueError:
        logging.getLogger("bot.test").exception("failed")

    [line] = lines(json_logs)
    assert "ValueError" in line["exception"]
    assert WEBHOOK_SECRET not in line["exception"]


def test_the_settings_secrets_are_collected() -> None:
    settings = Settings(
        _env_file=None,
        webhook_secret=SecretStr("the-webhook-secret"),
        client_secret=SecretStr("the-client-secret"),
        private_key_text=SecretStr(PEM),
        database_url=SecretStr("postgresql://debtbot:db-password-1@db/debtbot"),
        redis_url=SecretStr("redis://:redis-password-1@cache:6379/0"),
    )

    found = secrets_of(settings)

    assert set(found) == {"the-webhook-secret", "the-client-secret", PEM, "db-password-1", "redis-password-1"}


def test_reconfiguring_replaces_the_handler_it_installed(json_logs: io.StringIO) -> None:
    from bot.logging import configure_logging

    second = io.StringIO()
    handler = configure_logging("INFO", stream=second)
    try:
        get_logger("bot.test").info("once")
    finally:
        logging.getLogger().removeHandler(handler)
        structlog.reset_defaults()

    assert json_logs.getvalue() == ""
    assert [line["event"] for line in lines(second)] == ["once"]
