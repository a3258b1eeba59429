"""Why a dashboard request is not served; pages and the API each say it their way (bot/dashboard/__init__.py)."""

from __future__ import annotations


class DashboardError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotSignedInError(DashboardError):
    """No sign-in, or one that ended: pages redirect to /login, the API answers 401."""

    status = 401


class NotFoundError(DashboardError):
    """No such repository, or one the person cannot reach on GitHub: the same answer for both."""

    status = 404

    def __init__(self) -> None:
        super().__init__("not found")


class UnavailableError(DashboardError):
    """The dashboard is off, or what it needs (the session store, GitHub) is not answering."""

    status = 503
