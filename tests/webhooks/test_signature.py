"""X-Hub-Signature-256 checking against GitHub's and octokit's published vectors."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from bot.signature import PREFIX, sign, verify

VECTORS_FILE = Path(__file__).parents[1] / "fixtures" / "github" / "hmac" / "signature_test_vectors.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]


def test_the_vectors_hold_both_kinds() -> None:
    assert {vector["valid"] for vector in VECTORS} == {True, False}
    assert len(VECTORS) == 7


@pytest.mark.parametrize("vector", VECTORS, ids=lambda vector: vector["source"][:60])
def test_verify_agrees_with_every_published_vector(vector: dict[str, Any]) -> None:
    body = bytes.fromhex(vector["payload_utf8_hex"])

    assert body == vector["payload"].encode("utf-8")
    assert verify(vector["secret"], body, vector["x_hub_signature_256"]) is vector["valid"]


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["valid"]], ids=lambda vector: vector["source"][:60])
def test_sign_reproduces_every_valid_vector(vector: dict[str, Any]) -> None:
    assert sign(vector["secret"], bytes.fromhex(vector["payload_utf8_hex"])) == vector["x_hub_signature_256"]


def test_github_docs_example_with_a_bytes_secret() -> None:
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    assert verify(b"It's a Secret to Everybody", b"Hello, World!", header)


def test_the_sha256_prefix_is_required() -> None:
    digest = sign("secret", b"data").removeprefix(PREFIX)

    assert not verify("secret", b"data", digest)
    assert not verify("secret", b"data", "sha1=" + digest)
    assert not verify("secret", b"data", "sha512=" + digest)  # as long as the real prefix: must not slip through
    assert not verify("secret", b"data", "SHA256=" + digest)


def test_a_sha1_signature_is_refused_even_when_correct() -> None:
    sha1 = hmac.new(b"secret", b"data", hashlib.sha1).hexdigest()

    assert not verify("secret", b"data", "sha1=" + sha1)
    assert not verify("secret", b"data", PREFIX + sha1)


def test_one_changed_byte_fails() -> None:
    header = sign("secret", b'{"action":"opened"}')

    assert verify("secret", b'{"action":"opened"}', header)
    assert not verify("secret", b'{"action":"closed"}', header)
    assert not verify("secret", b'{"action":"opened"} ', header)


def test_no_header_or_no_secret_verifies_nothing() -> None:
    assert not verify("secret", b"data", None)
    assert not verify("", b"data", sign("", b"data"))
    assert not verify(None, b"data", sign("", b"data"))


def test_a_non_ascii_header_is_refused_not_raised() -> None:
    assert not verify("secret", b"data", PREFIX + "é" * 64)


def test_hex_case_does_not_matter() -> None:
    header = sign("secret", b"data")

    assert verify("secret", b"data", PREFIX + header.removeprefix(PREFIX).upper())
