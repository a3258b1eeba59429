"""JSON logs through structlog, for structlog's loggers and the standard library's (uvicorn, arq, webhooks) alike.

Every line passes a redactor last, whatever logged it: the App's secrets (the values the settings hold, and
any added at run time), private keys, GitHub tokens and JWTs, passwords in URLs, and the one-time `code` of
the manifest flow (in query strings and in the path of its exchange) are replaced by REDACTED wherever they
appear, in the message, the extra fields or an exception's traceback.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import IO, Any

import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from structlog.typing import EventDict, Processor, WrappedLogger

from bot.settings import Settings

REDACTED = "[REDACTED]"
#: Shorter values are not looked for inside text: they would blank out ordinary words.
MIN_SECRET_LENGTH = 8
#: A field whose name contains one of these holds a secret, whatever its value looks like.
SENSITIVE_KEY_PARTS = ("secret", "token", "password", "passwd", "private_key", "authorization", "cookie", "pem")
#: Whole field names that are secrets only as whole names (`code` of the manifest flow, not `status_code`).
SENSITIVE_KEYS = frozenset({"code", "key", "jwt", "dsn"})
#: uvicorn's copy of the message with terminal colours: noise in JSON.
DROPPED_KEYS = frozenset({"color_message"})

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, with real newlines or escaped ones (as a .env line holds them).
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL), REDACTED),
    # GitHub tokens: installation (ghs_), OAuth (gho_), user-to-server (ghu_), refresh (ghr_), personal (ghp_).
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), REDACTED),
    # JWTs (the App's own, signed with its private key).
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+"), REDACTED),
    # Authorization header values.
    (re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{16,}"), rf"\1 {REDACTED}"),
    # One-time codes and secrets in query strings (`/setup/callback?code=...`).
    (re.compile(r"(?i)([?&](?:code|client_secret|access_token|token|private_key)=)[^&\s\"'#]+"), rf"\1{REDACTED}"),
    # The same code in the path of its exchange (httpx logs each request's URL).
    (re.compile(r"(/app-manifests/)[^/\s\"'?#]+"), rf"\1{REDACTED}"),
    # Passwords in URLs: postgresql://user:password@host, redis://:password@host.
    (re.compile(r"([a-z][a-z0-9+.-]*://[^/@\s:]*:)[^@/\s]+@"), rf"\1{REDACTED}@"),
)

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()
_HANDLER_NAME = "debtbot"


def add_secrets(*values: str | None) -> None:
    """Redact these values from every later log line (blank and very short values are ignored)."""
    global _secrets  # noqa: PLW0603 - one set for the whole process, like the logging configuration itself
    fresh = {value for value in values if value and len(value) >= MIN_SECRET_LENGTH}
    escaped = {value.replace("\n", "\\n") for value in fresh if "\n" in value}
    with _lock:
        _secrets = _secrets | fresh | escaped


def secrets_of(settings: Settings) -> list[str]:
    """The secret values `settings` holds: the App's credentials and the passwords in its URLs."""
    values: list[str] = []
    for secret in (settings.webhook_secret, settings.client_secret, settings.private_key_text, settings.session_secret):
        if secret is not None:
            values.append(secret.get_secret_value())
    for url in (settings.database_url, settings.redis_url):
        if url is not None:
            password = _password(url.get_secret_value())
            if password:
                values.append(password)
    return values


def _password(url: str) -> str | None:
    try:
        return make_url(url).password
    except ArgumentError:
        return None


def scrub(text: str) -> str:
    """`text` with every known secret and secret-looking value replaced by REDACTED."""
    for secret in sorted(_secrets, key=len, reverse=True):  # longest first: a secret may contain another
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _sensitive(key: str) -> bool:
    lowered = key.lower()
    return lowered in SENSITIVE_KEYS or any(part in lowered for part in SENSITIVE_KEY_PARTS)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): REDACTED if _sensitive(str(k)) and v else _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(item) for item in value]
    # Anything else is rendered as its text, so the text is what gets scrubbed.
    return scrub(str(value))


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """The structlog processor: the last step before rendering."""
    cleaned: EventDict = {}
    for key, value in event_dict.items():
        # A standard-library record brings its formatted `message` again beside `event`.
        if key in DROPPED_KEYS or (key == "message" and value == event_dict.get("event")):
            continue
        cleaned[key] = REDACTED if _sensitive(key) and value else _clean(value)
    return cleaned


def configure_logging(
    level: str = "INFO", *, secrets: Iterable[str | None] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """Send all logging to `stream` (stderr) as one JSON object a line; returns the handler installed on the root.

    Calling it again replaces the handler it installed before and leaves other handlers alone.
    """
    add_secrets(*secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    # alembic announces its dialect each time the schema's version is read (every readiness probe).
    logging.getLogger("alembic.runtime.migration").setLevel(max(root.level, logging.WARNING))
    return handler


def get_logger(name: str) -> Any:
    """A structlog logger: `log.info("event_name", key=value)`."""
    return structlog.stdlib.get_logger(name)
