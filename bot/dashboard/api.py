"""The dashboard's data as JSON, for the same signed-in person and with the same rules as the pages.

- `GET /api/repos`: the repositories the person sees, with what each owes by category;
- `GET /api/repos/{owner}/{repo}`: one repository: owed now, and week by week (added, baseline, paid, net, total);
- `GET /api/repos/{owner}/{repo}/items?sort=priority|effort|age|category&order=asc|desc&limit=&offset=`;
- `GET /api/repos/{owner}/{repo}/history`: pull requests with the minutes each added, paid and the net.

Minutes are whole minutes of remediation effort.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dashboard.auth import Gate
from bot.dashboard.queries import VisibleRepository
from bot.dashboard.views import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
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
from bot.ledger.history import Minutes, totals


def _private(response: Response) -> None:
    """Each answer is one person's: no cache keeps it."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Cookie"


def api_router(gate: Gate, sessions: Callable[[], async_sessionmaker[AsyncSession]]) -> APIRouter:
    router = APIRouter(prefix="/api", dependencies=[Depends(_private)])
    github_url = gate.settings.github_url

    def repository(repo: VisibleRepository) -> dict[str, Any]:
        return {
            "id": repo.id,
            "full_name": repo.full_name,
            "installation": {"id": repo.installation_id, "account": repo.account},
            "private": repo.private,
            "html_url": repository_url(github_url, repo),
        }

    @router.get("/repos")
    async def repositories(request: Request) -> dict[str, Any]:
        viewer = await gate.viewer(request)
        async with sessions()() as session:
            views = await overview(session, viewer)
        listed = [
            {**repository(row.repo), "owed": _minutes(row.owed), "total": row.total}
            for view in views
            for row in view.repositories
        ]
        return {"repositories": listed}

    @router.get("/repos/{owner}/{name}")
    async def one(request: Request, owner: str, name: str) -> dict[str, Any]:
        viewer = await gate.viewer(request)
        async with sessions()() as session:
            repo = await visible_repository(session, viewer, owner, name)
            owed = await totals(session, repo.id)
            weeks = await trend(session, repo.id, utcnow())
        return {
            **repository(repo),
            "baseline": repo.baseline_status,
            "owed": _minutes(owed),
            "total": sum(owed.values()),
            "weeks": [
                {
                    "week": str(w.week),
                    "start": w.week.start.isoformat(),
                    "added": _minutes(w.added),
                    "baseline": _minutes(w.baseline),
                    "paid": _minutes(w.paid),
                    "net": _minutes(w.net),
                    "owed": _minutes(w.total),
                    "total": sum(w.total.values()),
                }
                for w in weeks
            ],
        }

    @router.get("/repos/{owner}/{name}/items")
    async def items(
        request: Request,
        owner: str,
        name: str,
        *,
        sort: str | None = None,
        order: str | None = None,
        limit: int = PAGE_SIZE,
        offset: int = 0,
    ) -> dict[str, Any]:
        viewer = await gate.viewer(request)
        now = utcnow()
        chosen = ItemOrder.parse(sort, order)
        async with sessions()() as session:
            repo = await visible_repository(session, viewer, owner, name)
            ranked = await open_items(session, repo.id, chosen, now)
        limit, offset = min(max(limit, 1), MAX_PAGE_SIZE), max(offset, 0)
        return {
            "sort": chosen.sort,
            "order": chosen.order,
            "total_count": len(ranked),
            "offset": offset,
            "items": [
                {
                    "fingerprint": item.fingerprint,
                    "rule": item.rule,
                    "slug": item.slug,
                    "category": item.category.value,
                    "severity": item.severity.value,
                    "state": item.state.value,
                    "path": item.path,
                    "line": item.line,
                    "message": item.message,
                    "effort_minutes": item.effort_minutes,
                    "priority": item.priority,
                    "accrued_at": item.accrued_at.isoformat(),
                    "accrued_pr": item.accrued_pr,
                    "accepted_until": None if item.accepted_until is None else item.accepted_until.isoformat(),
                    "html_url": line_url(github_url, repo, item),
                }
                for item in ranked[offset : offset + limit]
            ],
        }

    @router.get("/repos/{owner}/{name}/history")
    async def pull_requests(request: Request, owner: str, name: str) -> dict[str, Any]:
        viewer = await gate.viewer(request)
        async with sessions()() as session:
            repo = await visible_repository(session, viewer, owner, name)
            moved = await history(session, repo.id)
        return {
            "pull_requests": [
                {
                    "number": pr.pr_number,
                    "author": pr.author,
                    "added": pr.added,
                    "paid": pr.paid,
                    "net": pr.net,
                    "html_url": pull_url(github_url, repo, pr.pr_number),
                }
                for pr in moved
            ]
        }

    return router


def _minutes(minutes: Minutes) -> dict[str, int]:
    return {category.value: value for category, value in sorted(minutes.items(), key=lambda kv: kv[0].value)}
