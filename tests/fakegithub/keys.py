"""The test App: its id, and a real RSA key pair (the client signs JWTs with the private half, the fake
holds the public one)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

FAKE_APP_ID = 4242  # the App the `fake_github` fixture knows: sign its JWTs with `shared_app_key()`


@dataclass(frozen=True)
class AppKey:
    private_pem: str
    public_pem: str


def generate_app_key() -> AppKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return AppKey(private_pem=private.decode(), public_pem=public.decode())


@cache
def shared_app_key() -> AppKey:
    """One key per test session: generating RSA keys is slow enough to notice across many tests."""
    return generate_app_key()
