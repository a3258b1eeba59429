"""github.com's side of the OAuth web flow of a GitHub App: the authorize page and the code's exchange.

These are web pages of github.com (GHES: of its host), not REST operations, so no OpenAPI document describes
them; they are checked here by hand, after GitHub's documentation of the flow:
https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app

- `GET /login/oauth/authorize?client_id&redirect_uri&state`: with a person signed in to GitHub (the fake's
  `sign_in`), GitHub sends the browser back to `redirect_uri` (exactly one of the App's callback URLs; the
  first when none is given) with a one-time `code` and the `state` unchanged. Nobody signed in: the sign-in page.
- `POST /login/oauth/access_token` with client_id, client_secret, code (and redirect_uri when the authorize
  request had one): the user access token. The code works once, for ten minutes. GitHub answers a bad request
  with 200 and an `error` field, which a client must read.

Every refusal is also a protocol violation: a correct client never provokes one.
"""

from __future__ import annotations

import html
import secrets
import string
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakegithub.state import OAuthCode, UserToken, Violation, World
from tests.fakegithub.wire import Request, Response

CODE_TTL = 600.0  # "The code will expire after 10 minutes."
USER_TOKEN_TTL = 8 * 3600  # user access tokens expire after 8 hours
REFRESH_TOKEN_TTL = 15_811_200  # ... and their refresh tokens after 6 months
#: The fake flags a state shorter than this: an App must send an unguessable one.
MIN_STATE_LENGTH = 16
EXCHANGE_FIELDS = frozenset(
    {"client_id", "client_secret", "code", "redirect_uri", "repository_id", "code_verifier", "state"}
)
ERROR_DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"
_ALPHABET = string.ascii_letters + string.digits
_HTML = "text/html; charset=utf-8"

WebPage = Callable[[Request, World, float], Response]


def _violate(world: World, request: Request, detail: str) -> None:
    world.violations.append(Violation("refused", request.method, request.path, detail))


def _page(status: int, title: str, text: str) -> Response:
    body = f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    return Response(status, body, media_type=_HTML)


def _with_query(url: str, values: Mapping[str, str]) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(values)}"


def authorize(request: Request, world: World, now: float) -> Response:
    oauth = world.oauth
    query = {name: values[-1] for name, values in request.query.items()}
    client_id = query.get("client_id")
    if oauth.client_id is None or client_id != oauth.client_id:
        _violate(world, request, f"authorize: unknown client_id {client_id!r}")
        return _page(404, "Page not found", "This is not the web page you are looking for.")
    redirect_uri = query.get("redirect_uri")
    state = query.get("state")
    if redirect_uri is not None and redirect_uri not in oauth.callback_urls:
        _violate(world, request, f"authorize: redirect_uri {redirect_uri!r} is not a callback URL of the App")
        return _page(
            400,
            "Redirect URI mismatch",
            "The redirect_uri is not associated with this application: it must match a callback URL exactly.",
        )
    if not state or len(state) < MIN_STATE_LENGTH:
        _violate(world, request, "authorize: no unguessable state (the App cannot tell its own sign-ins apart)")
    if oauth.signed_in is None:
        return _page(200, "Sign in to GitHub", "Sign in to GitHub to continue to the app.")
    code = secrets.token_hex(10)
    oauth.codes[code] = OAuthCode(
        code=code,
        login=oauth.signed_in,
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        expires_at=now + CODE_TTL,
    )
    back = {"code": code, **({"state": state} if state is not None else {})}
    target = redirect_uri or oauth.callback_urls[0]
    return Response(302, None, headers={"location": _with_query(target, back), "cache-control": "no-store"})


def _fields(request: Request) -> dict[str, str] | None:
    """The exchange's parameters: GitHub reads them from the query string and a form or JSON body alike."""
    fields = {name: values[-1] for name, values in request.query.items()}
    kind = (request.header("content-type") or "").split(";")[0].strip().lower()
    if not request.body:
        return fields
    if kind == "application/x-www-form-urlencoded":
        fields.update({k: v[-1] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()})
    elif kind == "application/json":
        body = request.json()
        if not isinstance(body, dict):
            return None
        fields.update({str(k): str(v) for k, v in body.items()})
    else:
        return None
    return fields


def _answer(request: Request, values: Mapping[str, str | int]) -> Response:
    """JSON when asked for it with Accept, else form-encoded: GitHub's default for this endpoint."""
    if "application/json" in (request.header("accept") or ""):
        return Response(200, dict(values))
    encoded = urlencode({k: str(v) for k, v in values.items()})
    return Response(200, encoded, media_type="application/x-www-form-urlencoded; charset=utf-8")


def _error(world: World, request: Request, error: str, description: str) -> Response:
    _violate(world, request, f"access_token: {error}: {description}")
    return _answer(
        request,
        {"error": error, "error_description": description, "error_uri": f"{ERROR_DOCS}#{error.replace('_', '-')}"},
    )


def access_token(request: Request, world: World, now: float) -> Response:
    oauth = world.oauth
    fields = _fields(request)
    if fields is None:
        _violate(world, request, "access_token: the body is neither form-encoded nor JSON")
        return Response(400, {"message": "Problems parsing request"})
    unknown = sorted(set(fields) - EXCHANGE_FIELDS)
    for name in unknown:
        world.violations.append(Violation("unknown-field", request.method, request.path, f"{name} is not a parameter"))
    client_id, client_secret = fields.get("client_id"), fields.get("client_secret")
    if (
        oauth.client_id is None
        or oauth.client_secret is None
        or client_id != oauth.client_id
        or not secrets.compare_digest((client_secret or "").encode(), oauth.client_secret.encode())
    ):
        return _error(
            world, request, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect."
        )
    grant = oauth.codes.get(fields.get("code") or "")
    if grant is None or grant.used or grant.expires_at <= now or grant.client_id != client_id:
        return _error(world, request, "bad_verification_code", "The code passed is incorrect or expired.")
    redirect_uri = fields.get("redirect_uri")
    if (grant.redirect_uri is not None and redirect_uri != grant.redirect_uri) or (
        redirect_uri is not None and redirect_uri not in oauth.callback_urls
    ):
        return _error(
            world,
            request,
            "redirect_uri_mismatch",
            "The redirect_uri MUST match the registered callback URL for this application.",
        )
    if "state" in fields and fields["state"] != grant.state:
        return _error(world, request, "bad_verification_code", "The code passed is incorrect or expired.")
    grant.used = True
    token = UserToken(
        value="ghu_" + "".join(secrets.choice(_ALPHABET) for _ in range(36)),
        login=grant.login,
        expires_at=now + USER_TOKEN_TTL,
    )
    oauth.user_tokens[token.value] = token
    world.user_id(grant.login)
    return _answer(
        request,
        {
            "access_token": token.value,
            "expires_in": USER_TOKEN_TTL,
            "refresh_token": "ghr_" + "".join(secrets.choice(_ALPHABET) for _ in range(76)),
            "refresh_token_expires_in": REFRESH_TOKEN_TTL,
            "scope": "",
            "token_type": "bearer",
        },
    )


def favicon(request: Request, world: World, now: float) -> Response:
    """A browser on the authorize page asks for the site's icon: not a client's mistake, and none is needed."""
    return Response(404, None)


WEB_ROUTES: dict[tuple[str, str], WebPage] = {
    ("GET", "/login/oauth/authorize"): authorize,
    ("POST", "/login/oauth/access_token"): access_token,
    ("GET", "/favicon.ico"): favicon,
}
