"""GitHub's side of signing in: the OAuth web flow of the App, and what the signed-in person may see.

The person's access is what GitHub says the user access token reaches: the App's installations they can access
(`GET /user/installations`) and, in each, their repositories (`GET /user/installations/{id}/repositories`).
https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.settings import Settings

TIMEOUT_SECONDS = 10.0
#: Pages of 100 read at most per listing: 5,000 installations, or repositories of one installation.
MAX_PAGES = 50
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "debtbot"}


class SignInError(Exception):
    """GitHub did not let the person in; the message is for them (never holds a code or a token)."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class TokenRevokedError(SignInError):
    """GitHub no longer takes the user access token (revoked, expired): the person must sign in again."""

    def __init__(self) -> None:
        super().__init__("GitHub no longer accepts this sign-in: sign in again", 401)


@dataclass(frozen=True)
class UserToken:
    value: str
    #: When GitHub stops taking it (epoch seconds); None for a token that does not expire.
    expires_at: float | None


@dataclass(frozen=True)
class Access:
    """Who signed in, and the repositories GitHub lets them reach, by installation of the App."""

    user_id: int
    login: str
    repositories: Mapping[int, frozenset[int]]


class GitHubSignIn:
    """The OAuth web flow and the access look-ups, against github.com or a GitHub Enterprise Server."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if settings.client_id is None or settings.client_secret is None:
            raise ValueError("the App's OAuth client id and secret are not set")
        self.client_id = settings.client_id
        self._client_secret = settings.client_secret
        self.web_url = settings.github_url
        self.api_url = settings.github_api_url
        self._transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=TIMEOUT_SECONDS, transport=self._transport)

    def authorize_url(self, *, state: str, redirect_uri: str) -> str:
        query = urlencode({"client_id": self.client_id, "redirect_uri": redirect_uri, "state": state})
        return f"{self.web_url}/login/oauth/authorize?{query}"

    async def exchange(self, code: str, *, redirect_uri: str) -> UserToken:
        """The user access token for the one-time `code` GitHub sent the browser back with."""
        form = {
            "client_id": self.client_id,
            "client_secret": self._client_secret.get_secret_value(),
            "code": code,
            "redirect_uri": redirect_uri,
        }
        try:
            async with self._client() as client:
                response = await client.post(
                    f"{self.web_url}/login/oauth/access_token", data=form, headers={"Accept": "application/json"}
                )
        except httpx.HTTPError as error:
            raise SignInError(f"GitHub could not be reached ({type(error).__name__}): try again") from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            raise SignInError(f"GitHub refused the sign-in (HTTP {response.status_code}): try again")
        if "error" in body or not isinstance(body.get("access_token"), str):
            # GitHub answers 200 with `error`: bad_verification_code, incorrect_client_credentials, ...
            raise SignInError(f"GitHub refused the sign-in ({str(body.get('error', 'no token'))[:60]}): try again")
        expires_in = body.get("expires_in")
        expires_at = time.time() + float(expires_in) if isinstance(expires_in, int | float | str) else None
        return UserToken(body["access_token"], expires_at)

    async def access(self, token: str) -> Access:
        """Who the token's person is and the repositories they reach through the App, as GitHub says now."""
        headers = {**API_HEADERS, "Authorization": f"Bearer {token}"}
        try:
            async with self._client() as client:
                user = await _get(client, f"{self.api_url}/user", headers)
                if not isinstance(user, dict) or not isinstance(user.get("id"), int):
                    raise SignInError("GitHub's answer about the signed-in person was not understood")
                repositories: dict[int, frozenset[int]] = {}
                async for installation in _listed(
                    client, f"{self.api_url}/user/installations", "installations", headers
                ):
                    installation_id = int(installation["id"])
                    url = f"{self.api_url}/user/installations/{installation_id}/repositories"
                    repos = [int(repo["id"]) async for repo in _listed(client, url, "repositories", headers)]
                    repositories[installation_id] = frozenset(repos)
        except httpx.HTTPError as error:
            raise SignInError(f"GitHub could not be reached ({type(error).__name__}): try again") from error
        except (KeyError, TypeError, ValueError) as error:
            raise SignInError("GitHub's answer about the signed-in person was not understood") from error
        return Access(user_id=user["id"], login=str(user["login"]), repositories=repositories)


async def _get(client: httpx.AsyncClient, url: str, headers: Mapping[str, str]) -> Any:
    response = await client.get(url, headers=headers)
    _raise_for(response)
    return response.json()


def _raise_for(response: httpx.Response) -> None:
    if response.status_code == 401:
        raise TokenRevokedError
    if response.status_code != 200:
        raise SignInError(f"GitHub answered HTTP {response.status_code}: try again", 502)


async def _listed(
    client: httpx.AsyncClient, url: str, key: str, headers: Mapping[str, str]
) -> AsyncIterator[dict[str, Any]]:
    """Every entry of a paged listing (`{"total_count", key: [...]}`), following the `Link` header."""
    next_url: str | None = f"{url}?per_page=100"
    for _ in range(MAX_PAGES):
        if next_url is None:
            return
        response = await client.get(next_url, headers=headers)
        _raise_for(response)
        for entry in response.json()[key]:
            yield entry
        next_url = response.links.get("next", {}).get("url")
