"""GitHub webhook signatures: `X-Hub-Signature-256` is `sha256=` + the hex HMAC-SHA256 of the raw request body."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def sign(secret: str | bytes, body: bytes) -> str:
    """The header value GitHub sends for `body` signed with `secret`."""
    return PREFIX + hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def verify(secret: str | bytes | None, body: bytes, header: str | None) -> bool:
    """True only when `header` is the SHA-256 signature of exactly `body` under a non-empty `secret`.

    The `sha256=` prefix is required: a bare digest or the legacy SHA-1 `X-Hub-Signature` value is refused
    (githubkit's `verify` would fall back to SHA-1 there). An empty secret verifies nothing, since anyone can
    compute an HMAC under it.
    """
    if not secret or header is None or not header.startswith(PREFIX):
        return False
    expected = sign(secret, body).encode("ascii")
    # Compare bytes: compare_digest refuses non-ASCII str, and a header is attacker-controlled text.
    given = PREFIX.encode("ascii") + header[len(PREFIX) :].strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)
