"""One request through the fake, in GitHub's order: route, authenticate, rate limit, authorize, validate, answer.

Every 400 or 422 the fake gives is also recorded as a protocol violation: GitHub would have refused the
request, so the client under test has a bug even when it handles the error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from tests.fakegithub.auth import (
    Credential,
    installation_credential,
    require_permission,
    require_repository,
    user_credential,
    verify_app_jwt,
)
from tests.fakegithub.errors import (
    RATE_LIMIT_DOCS,
    GitHubError,
    default_failure_body,
    invalid_request,
    not_found,
    primary_rate_limit,
)
from tests.fakegithub.failures import Failure
from tests.fakegithub.oauth import WEB_ROUTES
from tests.fakegithub.openapi import Operation, Spec
from tests.fakegithub.ratelimit import RateLimits
from tests.fakegithub.render import Renderer
from tests.fakegithub.routes import ROUTES, Call, Settings
from tests.fakegithub.state import Violation, World
from tests.fakegithub.wire import Request, Response

# Versions GitHub.com accepts in X-GitHub-Api-Version; any other gets 400.
API_VERSIONS = ("2022-11-28", "2026-03-10")


class Dispatcher:
    def __init__(
        self,
        *,
        world: World,
        spec: Spec,
        settings: Settings,
        rate_limits: RateLimits,
        clock: Callable[[], float],
        base_url: str,
    ) -> None:
        self.world = world
        self.spec = spec
        self.settings = settings
        self.rate_limits = rate_limits
        self.clock = clock
        self.render = Renderer(spec, world, base_url)

    def rate_key(self, request: Request) -> str:
        """Whose budget a request counts against, told without judging its credentials."""
        value = (request.header("authorization") or "").partition(" ")[2].strip()
        token = self.world.tokens.get(value)
        if token is not None:
            return f"installation:{token.installation_id}"
        user_token = self.world.oauth.user_tokens.get(value)
        if user_token is not None:
            return f"user:{user_token.login}"
        return "app" if value.count(".") == 2 else "anonymous"

    def failure_response(self, request: Request, failure: Failure) -> Response:
        assert failure.status is not None
        headers = self.rate_limits.budget(self.rate_key(request), self.clock()).headers()
        headers.update({k.lower(): v for k, v in failure.headers.items()})
        body = failure.body if failure.body is not None else default_failure_body(failure.status, failure.headers)
        return self._finish(Response(failure.status, body, headers=headers), request)

    def handle(self, request: Request) -> tuple[Response, str | None]:
        """The answer, and the operation it was routed to (None for paths GitHub does not have)."""
        operation: Operation | None = None
        web_page = WEB_ROUTES.get((request.method, request.path))
        if web_page is not None:
            # github.com's own pages (the OAuth web flow), not the REST API: no description to check them against.
            return self._finish(web_page(request, self.world, self.clock()), request), None
        try:
            found = self.spec.route(request.method, request.path)
            if found is None:
                self._violate(request, "unknown-endpoint", "the fake GitHub serves no such endpoint")
                raise not_found()
            operation, params = found
            response = self._answer(request, operation, params)
        except GitHubError as error:
            response = Response(error.status, error.body(), headers=dict(error.headers))
            if error.status in (400, 422):
                self._violate(request, "refused", error.message)
        except Exception as error:  # noqa: BLE001 - a bug of the fake must fail the test, not pass for GitHub's 500
            self.world.defects.append(f"the fake crashed on {request.method} {request.path}: {error!r}")
            response = Response(500, {"message": "Server Error"})
        if operation is not None and isinstance(response.body, dict | list):
            for problem in operation.response_problems(response.status, response.body):
                self.world.defects.append(f"{operation.operation_id} {response.status}: {problem}")
        response = self._conditional(request, response)
        budget = self.rate_limits.budget(self.rate_key(request), self.clock())
        response.headers = {**budget.headers(), **response.headers}
        return self._finish(response, request), operation.operation_id if operation else None

    def _conditional(self, request: Request, response: Response) -> Response:
        """GitHub's HTTP caching: an ETag on every GET, and 304 (free of rate limit) when it still matches.

        githubkit's HTTP cache (hishel) revalidates with If-None-Match, so this path is the one it takes.
        """
        if request.method != "GET" or response.status != 200:
            return response
        etag = 'W/"' + hashlib.sha256(response.encoded()).hexdigest() + '"'
        caching = {"etag": etag, "cache-control": "private, max-age=60, s-maxage=60", "vary": "Accept, Authorization"}
        response.headers.update(caching)
        asked = {tag.strip() for tag in (request.header("if-none-match") or "").split(",")}
        if etag not in asked:
            return response
        self.rate_limits.refund(self.rate_key(request), self.clock())
        return Response(304, None, headers=caching)

    def _answer(self, request: Request, operation: Operation, params: dict[str, str]) -> Response:
        now = self.clock()
        version = request.header("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            raise GitHubError(400, f"API version {version} is not supported.")
        credential = self._authenticate(request, operation, now)
        _, allowed = self.rate_limits.charge(credential.rate_key, now)
        if not allowed:
            who = f"installation ID {credential.token.installation_id}" if credential.token else credential.kind
            raise GitHubError(403, primary_rate_limit(who), documentation_url=RATE_LIMIT_DOCS)
        route = ROUTES[operation.operation_id]
        repo = None
        if "owner" in params:
            repo = require_repository(credential, self.world.repository(params["owner"], params["repo"]))
            require_permission(credential, route.permissions)
        query, body = self._validated(request, operation)
        call = Call(
            world=self.world,
            render=self.render,
            settings=self.settings,
            request=request,
            params=params,
            query=query,
            body=body,
            credential=credential,
            repo=repo,
            now=now,
            docs_url=operation.docs_url,
        )
        return route.handler(call)

    def _authenticate(self, request: Request, operation: Operation, now: float) -> Credential:
        authorization = request.header("authorization")
        if ROUTES[operation.operation_id].anonymous:
            return Credential("anonymous")
        if operation.template.startswith("/app/") or operation.template == "/app":
            return verify_app_jwt(authorization, self.world, now)
        if operation.template == "/user" or operation.template.startswith("/user/"):
            return user_credential(authorization, self.world, now)
        credential = installation_credential(authorization, self.world, now)
        if credential.kind == "anonymous":
            # The fake's repositories are private: without a token GitHub hides them.
            self._violate(request, "unauthenticated", "repository endpoint called without an installation token")
        return credential

    def _validated(self, request: Request, operation: Operation) -> tuple[dict[str, Any], Any]:
        query, problems, unknown = operation.coerce_query(request.query)
        for name in unknown:
            self._violate(request, "unknown-field", f"query parameter {name!r} is not in GitHub's description")
        if problems:
            raise invalid_request(problems, operation.docs_url)
        if not operation.takes_body:
            return query, None
        try:
            body = request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise GitHubError(400, "Problems parsing JSON") from error
        if body is None:
            body = {}  # GitHub reads a missing body as an empty object
        body_problems = operation.body_problems(body)
        if body_problems:
            raise invalid_request(body_problems, operation.docs_url)
        for path in operation.unknown_fields(body):
            # GitHub ignores fields it does not know, so a misspelt optional field fails silently there.
            self._violate(request, "unknown-field", f"{path} is not in GitHub's description")
        return query, body

    def _violate(self, request: Request, kind: str, detail: str) -> None:
        self.world.violations.append(Violation(kind, request.method, request.path, detail))

    def _finish(self, response: Response, request: Request) -> Response:
        response.headers.setdefault("x-github-request-id", f"FAKE:{len(self.world.requests) + 1}")
        response.headers.setdefault("x-github-media-type", "github.v3; format=json")
        response.headers.setdefault(
            "x-github-api-version-selected", request.header("x-github-api-version") or API_VERSIONS[0]
        )
        return response
