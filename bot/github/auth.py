"""Installation authentication that gets a new token when GitHub refuses the cached one.

githubkit caches an installation token until a minute before the `expires_at` GitHub gave, and never
looks again: a token revoked or expired early (GitHub may do either, and a clock may be off) fails
every request with 401 "Bad credentials" until the cache entry runs out. Here a 401 answer to a token
from the cache fetches a fresh token, stores it over the refused one (in the shared cache too, so other
workers pick it up) and sends the request once more; a second 401 is GitHub's answer.

It also finds the API route of a request without decoding its path: githubkit's `_get_api_route`
rebuilds a URL from the decoded path and fails on a file name holding `#` or `?`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from githubkit import AppInstallationAuthStrategy
from githubkit.auth._url import require_app_auth, require_basic_auth, require_bypass
from githubkit.auth.app import AppAuth
from githubkit.cache.base import AsyncBaseCache

if TYPE_CHECKING:
    from githubkit import GitHubCore

#: githubkit's own margin: a token is dropped from the cache a minute before GitHub expires it.
_EXPIRY_MARGIN = timedelta(minutes=1)
_SHORTEST_CACHE = timedelta(seconds=1)
_ROUTE_ROOT = httpx.URL("http://route")


class RenewingAppAuth(AppAuth):
    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._takes_installation_token(request):
            # The App's JWT, or no auth at all: githubkit's own flow, step by step.
            flow = super().async_auth_flow(request)
            outgoing = await flow.__anext__()
            while True:
                incoming = yield outgoing
                try:
                    outgoing = await flow.asend(incoming)
                except StopAsyncIteration:
                    return
        cache = await self.github.config.cache_strategy.get_async_cache_storage()
        key = self._get_installation_cache_key()
        token = await cache.aget(key)
        for renewing in (False, True):
            if renewing or not token:
                token_request = self._build_installation_auth_request()
                token_request.headers["Authorization"] = f"Bearer {await self.aget_jwt()}"
                token_response = yield token_request
                await token_response.aread()
                token = await self._store(cache, key, token_response)
            request.headers["Authorization"] = f"token {token}"
            response = yield request
            if response.status_code != 401:
                return

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise NotImplementedError("the gateway is asynchronous: use the async client")

    def _get_api_route(self, url: httpx.URL) -> httpx.URL:
        base = self.github.config.base_url.raw_path  # githubkit gives it a trailing slash
        path = url.raw_path.partition(b"?")[0]
        if path.startswith(base):
            path = b"/" + path[len(base) :]
        return _ROUTE_ROOT.copy_with(raw_path=path)

    def _takes_installation_token(self, request: httpx.Request) -> bool:
        # The same test githubkit's flow makes before it reaches for the installation token.
        return not (
            require_bypass(request.url)
            or require_app_auth(self._get_api_route(request.url))
            or require_basic_auth(request.url)
        )

    async def _store(self, cache: AsyncBaseCache, key: str, response: httpx.Response) -> str:
        parsed = self._parse_installation_auth_response(response).parsed_data
        expires = datetime.strptime(parsed.expires_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        await cache.aset(key, parsed.token, max(expires - datetime.now(UTC) - _EXPIRY_MARGIN, _SHORTEST_CACHE))
        return parsed.token


@dataclass
class RenewingInstallationAuth(AppInstallationAuthStrategy):
    """`AppAuthStrategy(app_id, key).as_installation(id)`, renewing a token GitHub refuses."""

    def get_auth_flow(self, github: GitHubCore[Any]) -> httpx.Auth:
        return RenewingAppAuth(
            github,
            self.app_id,
            self.private_key,
            self.client_id,
            self.client_secret,
            self.installation_id,
            self.repositories,
            self.repository_ids,
            self.permissions,
        )
