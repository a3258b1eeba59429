"""Who is signed in: a signed cookie naming a session, and the session itself kept server-side in Redis.

The browser holds only a random session id, signed (itsdangerous) so a forged or altered cookie is refused
before Redis is asked; the GitHub user token and the access it grants stay in Redis, under a hash of the id,
and expire with the sign-in. Signing out deletes the session: a copied cookie is worthless afterwards.

The sign-in itself is bound to the browser the same way: `/login` sets a short-lived signed cookie holding the
OAuth `state`, and the callback takes the sign-in only when GitHub sends that same state back to that browser.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from itsdangerous import BadSignature, URLSafeTimedSerializer
from redis.asyncio import Redis

SESSION_COOKIE = "debtbot_session"
OAUTH_COOKIE = "debtbot_oauth"
#: A sign-in lasts at most this long (GitHub's user tokens last 8 hours).
SESSION_SECONDS = 8 * 3600
#: GitHub is asked again what the person may see once their last answer is older than this.
ACCESS_RECHECK_SECONDS = 10 * 60
#: A sign-in must come back from GitHub within this (GitHub's code lives 10 minutes).
OAUTH_SECONDS = 10 * 60
KEY_PREFIX = "debtbot:dashboard:session:"


@dataclass(frozen=True)
class SignedIn:
    """One person's sign-in, as kept server-side."""

    user_id: int
    login: str
    token: str
    #: When GitHub stops taking the token (epoch seconds), None if it does not expire.
    token_expires_at: float | None
    #: Repository ids the person reaches, by installation of the App, as GitHub last said.
    repositories: Mapping[int, frozenset[int]]
    checked_at: float
    signed_in_at: float

    def installation_of(self, repo_id: int) -> int | None:
        """The installation through which the person sees this repository (None: they do not)."""
        return next((inst for inst, repos in self.repositories.items() if repo_id in repos), None)

    @property
    def repository_ids(self) -> frozenset[int]:
        return frozenset().union(*self.repositories.values()) if self.repositories else frozenset()

    def rechecked(self, repositories: Mapping[int, frozenset[int]], at: float) -> SignedIn:
        return replace(self, repositories=repositories, checked_at=at)

    def to_json(self) -> str:
        return json.dumps(
            {
                "user_id": self.user_id,
                "login": self.login,
                "token": self.token,
                "token_expires_at": self.token_expires_at,
                "repositories": {str(k): sorted(v) for k, v in self.repositories.items()},
                "checked_at": self.checked_at,
                "signed_in_at": self.signed_in_at,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> SignedIn:
        raw = json.loads(text)
        return cls(
            user_id=int(raw["user_id"]),
            login=str(raw["login"]),
            token=str(raw["token"]),
            token_expires_at=None if raw["token_expires_at"] is None else float(raw["token_expires_at"]),
            repositories={int(k): frozenset(int(i) for i in v) for k, v in raw["repositories"].items()},
            checked_at=float(raw["checked_at"]),
            signed_in_at=float(raw["signed_in_at"]),
        )


@dataclass(frozen=True)
class PendingSignIn:
    """What the OAuth cookie carries between `/login` and the callback."""

    state: str
    next_path: str


class Signer:
    """Signs and checks the dashboard's two cookies; each kind has its own salt, so one never passes for the other."""

    def __init__(self, secret: str) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="debtbot.dashboard.session")
        self._oauth = URLSafeTimedSerializer(secret, salt="debtbot.dashboard.oauth")

    def session_cookie(self, session_id: str) -> str:
        return self._session.dumps(session_id)

    def session_id(self, cookie: str | None) -> str | None:
        """The session id of a cookie this server signed within the sign-in's lifetime; None for anything else."""
        if not cookie:
            return None
        try:
            value = self._session.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:  # SignatureExpired is one
            return None
        return value if isinstance(value, str) else None

    def oauth_cookie(self, pending: PendingSignIn) -> str:
        return self._oauth.dumps({"state": pending.state, "next": pending.next_path})

    def pending(self, cookie: str | None) -> PendingSignIn | None:
        if not cookie:
            return None
        try:
            value = self._oauth.loads(cookie, max_age=OAUTH_SECONDS)
        except BadSignature:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("state"), str):
            return None
        return PendingSignIn(state=value["state"], next_path=str(value.get("next") or "/dashboard"))


def new_state() -> str:
    return secrets.token_urlsafe(32)


class SessionStore:
    """Sign-ins in Redis, each under the hash of its id, expiring with the sign-in."""

    def __init__(self, redis: Callable[[], Redis]) -> None:
        self._redis = redis

    @staticmethod
    def _key(session_id: str) -> str:
        return KEY_PREFIX + hashlib.sha256(session_id.encode()).hexdigest()

    async def create(self, signed_in: SignedIn, *, lifetime: int) -> str:
        session_id = secrets.token_urlsafe(32)
        await self._redis().set(self._key(session_id), signed_in.to_json(), ex=max(1, lifetime))
        return session_id

    async def load(self, session_id: str) -> SignedIn | None:
        raw = await self._redis().get(self._key(session_id))
        if raw is None:
            return None
        try:
            return SignedIn.from_json(raw)
        except (ValueError, KeyError, TypeError):
            return None

    async def save(self, session_id: str, signed_in: SignedIn) -> None:
        """Replace a sign-in, keeping its expiry (and never bringing back one that expired meanwhile)."""
        await self._redis().set(self._key(session_id), signed_in.to_json(), keepttl=True, xx=True)

    async def delete(self, session_id: str) -> None:
        await self._redis().delete(self._key(session_id))
