"""Every operation the fake GitHub answers, by GitHub's operation id."""

from __future__ import annotations

from tests.fakegithub.routes import apps, checks, commits, issues, manifests, pulls, repos, user
from tests.fakegithub.routes.context import Call, Route, Settings

ROUTES: dict[str, Route] = {
    **apps.ROUTES,
    **manifests.ROUTES,
    **pulls.ROUTES,
    **checks.ROUTES,
    **issues.ROUTES,
    **repos.ROUTES,
    **commits.ROUTES,
    **user.ROUTES,
}

__all__ = ["ROUTES", "Call", "Route", "Settings"]
