"""The dashboard: GitHub sign-in, pages and a JSON API over each repository's debt ledger.

`mount_dashboard` adds it to the web app. It is on when the App's OAuth client id and secret are set, and a
session secret (DEBTBOT_SESSION_SECRET; in development a random one per process when unset). Otherwise every
dashboard route answers 503 and says what to set.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dashboard.api import api_router
from bot.dashboard.auth import Gate, auth_router, is_api, sign_in_redirect
from bot.dashboard.errors import DashboardError, NotSignedInError
from bot.dashboard.github import GitHubSignIn
from bot.dashboard.pages import pages_router
from bot.dashboard.rendering import Templates
from bot.dashboard.sessions import SessionStore, Signer
from bot.logging import get_logger
from bot.settings import Settings, weak_session_secret

log = get_logger(__name__)

__all__ = ["mount_dashboard"]


def _off_reason(settings: Settings) -> str | None:
    if settings.client_id is None or settings.client_secret is None:
        return "the dashboard needs the App's OAuth credentials: set DEBTBOT_CLIENT_ID and DEBTBOT_CLIENT_SECRET"
    if settings.environment == "production":
        if settings.session_secret is None:
            return "the dashboard needs DEBTBOT_SESSION_SECRET (32 or more random characters)"
        if weak_session_secret(settings.session_secret):
            return "DEBTBOT_SESSION_SECRET looks like a placeholder: set 32 or more random characters"
    return None


def make_gate(settings: Settings, redis: Callable[[], Redis], templates: Templates) -> Gate:
    off = _off_reason(settings)
    signer = github = None
    if off is None:
        if settings.session_secret is not None:
            secret = settings.session_secret.get_secret_value()
        else:
            secret = secrets.token_urlsafe(32)
            log.info("dashboard_session_secret_generated", note="sign-ins end when this process stops")
        signer, github = Signer(secret), GitHubSignIn(settings)
    else:
        log.info("dashboard_off", reason=off)
    return Gate(
        settings=settings, templates=templates, store=SessionStore(redis), signer=signer, github=github, off_reason=off
    )


def mount_dashboard(
    app: FastAPI,
    settings: Settings,
    *,
    sessions: Callable[[], async_sessionmaker[AsyncSession]],
    redis: Callable[[], Redis],
) -> None:
    """Add the sign-in routes, the pages under /dashboard and the API under /api to `app`."""
    templates = Templates()
    gate = make_gate(settings, redis, templates)
    app.include_router(auth_router(gate))
    app.include_router(pages_router(gate, sessions))
    app.include_router(api_router(gate, sessions))

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, DashboardError)
        if is_api(request):
            body = {"error": error.message, **({"sign_in": "/login"} if isinstance(error, NotSignedInError) else {})}
            return JSONResponse(body, status_code=error.status, headers={"Cache-Control": "no-store"})
        if isinstance(error, NotSignedInError):
            return sign_in_redirect(request)
        title = "Not found" if error.status == 404 else "Dashboard unavailable"
        return templates.page(request, "message.html", status=error.status, title=title, message=error.message)

    app.add_exception_handler(DashboardError, refused)
