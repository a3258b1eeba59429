"""Signing in with GitHub (`/login`, `/login/callback`, `/logout`) and the check every dashboard route makes.

Nothing is public: a page asked for without a sign-in redirects to `/login`, an API route answers 401, and a
repository the person cannot reach on GitHub is 404 exactly like one that does not exist. What a person may
reach is GitHub's answer at sign-in, asked again every ACCESS_RECHECK_SECONDS with the user token kept
server-side; a token GitHub no longer takes ends the sign-in.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from redis.exceptions import RedisError

from bot.dashboard.errors import NotSignedInError, UnavailableError
from bot.dashboard.github import GitHubSignIn, SignInError, TokenRevokedError
from bot.dashboard.rendering import Templates
from bot.dashboard.sessions import (
    ACCESS_RECHECK_SECONDS,
    OAUTH_COOKIE,
    OAUTH_SECONDS,
    SESSION_COOKIE,
    SESSION_SECONDS,
    PendingSignIn,
    SessionStore,
    SignedIn,
    Signer,
    new_state,
)
from bot.logging import get_logger
from bot.settings import Settings

log = get_logger(__name__)

HOME = "/dashboard"
CALLBACK_PATH = "/login/callback"
API_PREFIX = "/api/"
_REDIS_DOWN = "sign-ins cannot be checked right now (the session store is not answering): try again shortly"


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this server's dashboard, never another site."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or "\\" in value:
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith((HOME, API_PREFIX.rstrip("/"))):
        return HOME
    return value


@dataclass
class Gate:
    """What the routes need to sign people in and to check them: None parts when the dashboard is off."""

    settings: Settings
    templates: Templates
    store: SessionStore
    signer: Signer | None
    github: GitHubSignIn | None
    #: Why the dashboard is off (None: it is on).
    off_reason: str | None

    def _secure(self, request: Request) -> bool:
        return request.url.scheme == "https" or self.settings.environment == "production"

    def _require_on(self) -> tuple[Signer, GitHubSignIn]:
        if self.signer is None or self.github is None:
            raise UnavailableError(self.off_reason or "the dashboard is off")
        return self.signer, self.github

    async def viewer(self, request: Request) -> SignedIn:
        """The signed-in person making this request, with their access no older than ACCESS_RECHECK_SECONDS."""
        signer, github = self._require_on()
        session_id = signer.session_id(request.cookies.get(SESSION_COOKIE))
        if session_id is None:
            raise NotSignedInError("sign in with GitHub first")
        try:
            signed_in = await self.store.load(session_id)
        except RedisError as error:
            log.warning("dashboard_session_store_unavailable", error=type(error).__name__)
            raise UnavailableError(_REDIS_DOWN) from error
        now = time.time()
        if signed_in is None or (signed_in.token_expires_at is not None and signed_in.token_expires_at <= now):
            raise NotSignedInError("your sign-in has ended: sign in again")
        if now - signed_in.checked_at < ACCESS_RECHECK_SECONDS:
            return signed_in
        try:
            access = await github.access(signed_in.token)
        except TokenRevokedError as error:
            log.info("dashboard_access_revoked", login=signed_in.login)
            await self._forget(session_id)
            raise NotSignedInError("GitHub no longer accepts your sign-in: sign in again") from error
        except SignInError as error:
            raise UnavailableError(f"GitHub could not confirm what you may see: {error}") from error
        signed_in = signed_in.rechecked(access.repositories, now)
        try:
            await self.store.save(session_id, signed_in)
        except RedisError as error:
            raise UnavailableError(_REDIS_DOWN) from error
        log.info("dashboard_access_rechecked", login=signed_in.login, repositories=len(signed_in.repository_ids))
        return signed_in

    async def _forget(self, session_id: str) -> None:
        try:
            await self.store.delete(session_id)
        except RedisError as error:
            log.warning("dashboard_session_store_unavailable", error=type(error).__name__)

    # --- the routes -------------------------------------------------------------------------------------------

    def login(self, request: Request) -> Response:
        signer, github = self._require_on()
        pending = PendingSignIn(state=new_state(), next_path=safe_next(request.query_params.get("next")))
        redirect_uri = str(request.url_for("login_callback"))
        response = RedirectResponse(github.authorize_url(state=pending.state, redirect_uri=redirect_uri), 302)
        response.set_cookie(
            OAUTH_COOKIE,
            signer.oauth_cookie(pending),
            max_age=OAUTH_SECONDS,
            path="/login",
            httponly=True,
            samesite="lax",  # GitHub's redirect back is a top-level GET from another site: Lax lets it through
            secure=self._secure(request),
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def callback(self, request: Request) -> Response:
        signer, github = self._require_on()
        pending = signer.pending(request.cookies.get(OAUTH_COOKIE))
        state = request.query_params.get("state") or ""
        if pending is None or not hmac.compare_digest(pending.state.encode(), state.encode()):
            # Not the browser that started this sign-in (or too late): a forged or replayed callback.
            log.warning("dashboard_sign_in_refused", reason="state" if pending else "no sign-in in progress")
            return self._refused(request, "This sign-in was not started here, or took too long: start again.", 400)
        if request.query_params.get("error"):
            log.info("dashboard_sign_in_refused", reason="denied on GitHub")
            return self._refused(request, "GitHub did not authorize the sign-in.", 403)
        code = request.query_params.get("code") or ""
        if not code:
            return self._refused(request, "GitHub sent no sign-in code: start again.", 400)
        redirect_uri = str(request.url_for("login_callback"))
        try:
            token = await github.exchange(code, redirect_uri=redirect_uri)
            access = await github.access(token.value)
        except SignInError as error:
            log.warning("dashboard_sign_in_refused", reason=str(error))
            return self._refused(request, str(error), error.status if error.status >= 400 else 502)
        now = time.time()
        lifetime = SESSION_SECONDS
        if token.expires_at is not None:
            lifetime = min(lifetime, int(token.expires_at - now))
        signed_in = SignedIn(
            user_id=access.user_id,
            login=access.login,
            token=token.value,
            token_expires_at=token.expires_at,
            repositories=access.repositories,
            checked_at=now,
            signed_in_at=now,
        )
        try:
            await self._forget_cookie_session(request, signer)
            session_id = await self.store.create(signed_in, lifetime=lifetime)
        except RedisError as error:
            log.warning("dashboard_session_store_unavailable", error=type(error).__name__)
            return self._refused(request, _REDIS_DOWN, 503)
        log.info(
            "dashboard_signed_in",
            login=access.login,
            user_id=access.user_id,
            installations=len(access.repositories),
            repositories=len(signed_in.repository_ids),
        )
        response = RedirectResponse(pending.next_path, 303)
        response.set_cookie(
            SESSION_COOKIE,
            signer.session_cookie(session_id),
            path="/",
            httponly=True,
            samesite="lax",
            secure=self._secure(request),
        )
        response.delete_cookie(OAUTH_COOKIE, path="/login")
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _forget_cookie_session(self, request: Request, signer: Signer) -> None:
        """A new sign-in ends the browser's previous one: a session id is never carried across sign-ins."""
        previous = signer.session_id(request.cookies.get(SESSION_COOKIE))
        if previous is not None:
            await self.store.delete(previous)

    def _refused(self, request: Request, message: str, status: int) -> Response:
        response = self.templates.page(
            request, "message.html", status=status, title="Sign-in failed", message=message, sign_in=True
        )
        response.delete_cookie(OAUTH_COOKIE, path="/login")
        return response

    def logout_page(self, request: Request) -> Response:
        return self.templates.page(request, "logout.html", title="Sign out")

    async def logout(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            return self.templates.page(
                request, "message.html", status=403, title="Not signed out", message="Sign out from this site's page."
            )
        if self.signer is not None:
            session_id = self.signer.session_id(request.cookies.get(SESSION_COOKIE))
            if session_id is not None:
                await self._forget(session_id)
                log.info("dashboard_signed_out")
        response = self.templates.page(
            request, "message.html", title="Signed out", message="You are signed out.", sign_in=True
        )
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def auth_router(gate: Gate) -> APIRouter:
    router = APIRouter()

    @router.get("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        return gate.login(request)

    @router.get(CALLBACK_PATH, name="login_callback", include_in_schema=False)
    async def login_callback(request: Request) -> Response:
        return await gate.callback(request)

    @router.get("/logout", include_in_schema=False)
    async def logout_page(request: Request) -> Response:
        return gate.logout_page(request)

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        return await gate.logout(request)

    return router


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
