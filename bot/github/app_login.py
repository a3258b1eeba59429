"""The login the App writes under on GitHub (`<slug>[bot]`), asked of GitHub once and then remembered.

A person's login cannot contain `[`, but any other App's can end in `[bot]`: telling the App's own comments
apart from everyone else's takes its exact login. Only the App's JWT may ask for it (`GET /app`); an
installation token is refused there.
"""

from __future__ import annotations

import asyncio
from typing import Any

from githubkit import GitHub

BOT_SUFFIX = "[bot]"


def bot_login(slug: str) -> str:
    """The login GitHub shows on what the App with this slug writes."""
    return f"{slug}{BOT_SUFFIX}"


class AppLogin:
    """`await app_login()` gives the App's login; the first call asks GitHub, concurrent first calls ask once.

    Make it once per process and event loop, with a client authenticated as the App (its JWT).
    """

    def __init__(self, github: GitHub[Any]) -> None:
        self._github = github
        self._login: str | None = None
        self._asking = asyncio.Lock()

    async def __call__(self) -> str:
        if self._login is None:
            async with self._asking:
                if self._login is None:
                    response = await self._github.rest.apps.async_get_authenticated()
                    # Read from the JSON like the gateway's other answers: the model has every field optional.
                    data: Any = response.json()
                    self._login = bot_login(str(data["slug"]))
        return self._login
