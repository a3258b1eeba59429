"""Who is calling: the App's JWT, installation tokens, and what an installation may reach and do."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

import jwt

from tests.fakegithub.errors import GitHubError, bad_credentials, not_accessible, not_found, requires_authentication
from tests.fakegithub.state import Installation, Repository, Token, World

CLOCK_SKEW = 60  # seconds GitHub tolerates between its clock and the app's for `iat`
JWT_MAX_LIFETIME = 600  # GitHub refuses an `exp` more than 10 minutes out
_LEVELS = {"read": 1, "write": 2, "admin": 3}
_TOKEN_ALPHABET = string.ascii_letters + string.digits

JWT_UNDECODABLE = "A JSON web token could not be decoded"
EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
EXP_PAST = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
    "assertion expires"
)
IAT_INVALID = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"


@dataclass(frozen=True)
class Credential:
    """The caller of one request: the App itself (JWT), one installation (token), or nobody."""

    kind: str  # "app" | "installation" | "user" | "anonymous"
    token: Token | None = None
    login: str | None = None  # the user of a user access token

    @property
    def rate_key(self) -> str:
        if self.login is not None:
            return f"user:{self.login}"
        return f"installation:{self.token.installation_id}" if self.token else self.kind


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "token") and value.strip() else None


def verify_app_jwt(authorization: str | None, world: World, now: float) -> Credential:
    """The checks GitHub makes on an App JWT, each failing with GitHub's own 401 message."""
    token = _bearer(authorization)
    if token is None:
        raise requires_authentication()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            world.app.public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_iss": False},
        )
    except jwt.PyJWTError as error:
        raise GitHubError(401, JWT_UNDECODABLE) from error
    if str(claims.get("iss")) != str(world.app.id):
        raise GitHubError(401, JWT_UNDECODABLE)
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or iat > now + CLOCK_SKEW:
        raise GitHubError(401, IAT_INVALID)
    if not isinstance(exp, int) or exp <= now:
        raise GitHubError(401, EXP_PAST)
    if exp - iat > JWT_MAX_LIFETIME or exp > now + JWT_MAX_LIFETIME:
        raise GitHubError(401, EXP_TOO_FAR)
    return Credential("app")


def installation_credential(authorization: str | None, world: World, now: float) -> Credential:
    """An unexpired installation token; anything else is GitHub's 'Bad credentials'."""
    value = _bearer(authorization)
    if value is None:
        return Credential("anonymous")
    token = world.tokens.get(value)
    if token is None or token.expires_at <= now:
        raise bad_credentials()
    return Credential("installation", token)


def user_credential(authorization: str | None, world: World, now: float) -> Credential:
    """An unexpired user access token (the web flow's); an installation token gets GitHub's 403, as on
    `/user/...` endpoints, and anything else 'Requires authentication' or 'Bad credentials'."""
    value = _bearer(authorization)
    if value is None:
        raise requires_authentication()
    if value in world.tokens:
        raise not_accessible()
    token = world.oauth.user_tokens.get(value)
    if token is None or token.expires_at <= now:
        raise bad_credentials()
    return Credential("user", login=token.login)


def require_repository(credential: Credential, repo: Repository | None) -> Repository:
    """Another installation's repository looks exactly like a missing one: 404, as on GitHub."""
    token = credential.token
    if repo is None or token is None or repo.installation_id != token.installation_id:
        raise not_found()
    if token.repository_ids is not None and repo.id not in token.repository_ids:
        raise not_found()
    return repo


def _holds(permissions: dict[str, str], name: str, level: str) -> bool:
    granted = permissions.get(name)
    return granted is not None and _LEVELS[granted] >= _LEVELS[level]


def require_permission(credential: Credential, alternatives: tuple[tuple[str, str], ...]) -> None:
    """An installation without the permission an operation needs gets GitHub's 403."""
    token = credential.token
    if token is None or not alternatives:
        return
    if not any(_holds(token.permissions, name, level) for name, level in alternatives):
        raise not_accessible()


def issue_token(world: World, installation: Installation, *, body: Any, now: float, ttl: float) -> Token:
    """A new installation token, narrowed to the repositories and permissions the body asks for."""
    body = body or {}
    owned = {r.name: r.id for r in world.repositories.values() if r.installation_id == installation.id}
    repository_ids: set[int] | None = None
    if "repositories" in body or "repository_ids" in body:
        names = body.get("repositories", [])
        ids = body.get("repository_ids", [])
        if any(n not in owned for n in names) or any(i not in owned.values() for i in ids):
            raise GitHubError(
                422,
                "There is at least one repository that does not exist or is not accessible to the parent installation.",
            )
        repository_ids = {owned[n] for n in names} | set(ids)
    permissions = dict(installation.permissions)
    if "permissions" in body:
        asked: dict[str, str] = body["permissions"]
        if not all(_holds(installation.permissions, name, level) for name, level in asked.items()):
            raise GitHubError(422, "The permissions requested are not granted to this installation.")
        permissions = dict(asked)
    # Tokens are not always 40 characters: GitHub documents that their length may change.
    value = "ghs_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(52))
    token = Token(
        value=value,
        installation_id=installation.id,
        expires_at=now + ttl,
        repository_ids=frozenset(repository_ids) if repository_ids is not None else None,
        permissions=permissions,
    )
    world.tokens[value] = token
    return token
