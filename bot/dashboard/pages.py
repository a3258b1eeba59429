"""The dashboard's pages: `/dashboard` (installations and repositories with their totals) and
`/dashboard/{owner}/{repo}` (the trend chart, the split by category, open items, pull request history)."""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dashboard.auth import Gate
from bot.dashboard.chart import owed_chart
from bot.dashboard.formatting import age_text
from bot.dashboard.views import (
    PAGE_SIZE,
    SORTS,
    ItemOrder,
    history,
    line_url,
    open_items,
    overview,
    pull_url,
    repository_url,
    trend,
    visible_repository,
)
from bot.db.models import utcnow
from bot.ledger.history import totals


def pages_router(gate: Gate, sessions: Callable[[], async_sessionmaker[AsyncSession]]) -> APIRouter:
    router = APIRouter()
    templates, github_url = gate.templates, gate.settings.github_url

    @router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    async def installations(request: Request) -> HTMLResponse:
        viewer = await gate.viewer(request)
        async with sessions()() as session:
            views = await overview(session, viewer)
        return templates.page(request, "installations.html", title="Technical debt", viewer=viewer, installations=views)

    @router.get("/dashboard/{owner}/{name}", response_class=HTMLResponse, include_in_schema=False)
    async def repository(request: Request, owner: str, name: str) -> HTMLResponse:
        viewer = await gate.viewer(request)
        now = utcnow()
        order = ItemOrder.parse(request.query_params.get("sort"), request.query_params.get("order"))
        async with sessions()() as session:
            repo = await visible_repository(session, viewer, owner, name)
            owed = await totals(session, repo.id)
            weeks = await trend(session, repo.id, now)
            items = await open_items(session, repo.id, order, now)
            pulls = await history(session, repo.id)
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        page = _page_number(request.query_params.get("page"), pages)
        shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

        def link(**query: str | int) -> str:
            return f"{request.url.path}?{urlencode(query)}"

        return templates.page(
            request,
            "repository.html",
            title=repo.full_name,
            viewer=viewer,
            repo=repo,
            repo_url=repository_url(github_url, repo),
            owed=owed,
            total=sum(owed.values()),
            chart=owed_chart(weeks),
            weeks=weeks,
            order=order,
            sort_links={key: link(sort=key, order=order.toggled(key).order) for key in SORTS},
            items=[
                {"item": item, "url": line_url(github_url, repo, item), "age": age_text(item.accrued_at, now)}
                for item in shown
            ],
            item_count=len(items),
            page=page,
            pages=pages,
            previous_link=link(sort=order.sort, order=order.order, page=page - 1) if page > 1 else None,
            next_link=link(sort=order.sort, order=order.order, page=page + 1) if page < pages else None,
            pulls=[{"pr": pr, "url": pull_url(github_url, repo, pr.pr_number)} for pr in pulls],
        )

    return router


def _page_number(asked: str | None, pages: int) -> int:
    try:
        number = int(asked or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)
