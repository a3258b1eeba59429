"""What a route handler is given: one validated request and the fake's state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakegithub.auth import Credential
from tests.fakegithub.diffs import DiffLimits
from tests.fakegithub.errors import not_found
from tests.fakegithub.render import Renderer
from tests.fakegithub.state import PullRequest, Repository, World
from tests.fakegithub.wire import Request, Response


@dataclass(frozen=True)
class Settings:
    """What a test may tune about the fake GitHub."""

    diff_limits: DiffLimits = field(default_factory=DiffLimits)
    token_ttl: float = 3600.0  # installation tokens live one hour
    max_listed_files: int = 3000  # `GET .../pulls/{n}/files` stops there, however many files changed
    max_compare_files: int = 300  # a comparison lists at most this many files


@dataclass(frozen=True)
class Call:
    world: World
    render: Renderer
    settings: Settings
    request: Request
    params: dict[str, str]
    query: dict[str, Any]
    body: Any
    credential: Credential
    repo: Repository | None
    now: float
    docs_url: str

    @property
    def repository(self) -> Repository:
        if self.repo is None:
            raise not_found()
        return self.repo

    def url(self) -> str:
        """This request's absolute URL without its query, for `Link` headers."""
        return self.render.base_url + self.request.path

    def pull(self) -> PullRequest:
        pr = self.world.pulls.get((self.repository.full_name, int(self.params["pull_number"])))
        if pr is None:
            raise not_found(self.docs_url)
        return pr


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    handler: Handler
    # (installation permission, level) pairs of which the token must hold one; empty for App endpoints
    permissions: tuple[tuple[str, str], ...] = ()
    # answered without credentials (the manifest conversion: the App does not exist yet)
    anonymous: bool = False
