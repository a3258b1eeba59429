"""The dashboard's pages: Jinja2 templates, every value escaped unless it is marked safe (the chart only).

Every page is private to the person who asked: never cached, never framed, no script, no referrer sent to another site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.dashboard.formatting import CATEGORIES, COLORS, minutes_text

FOLDER = Path(__file__).parent / "templates"
HEADERS = {
    "Cache-Control": "no-store",
    "Vary": "Cookie",
    # Not no-referrer: under it the browser sends `Origin: null`, and the sign-out form could not be told
    # from a cross-site one. Links to GitHub still carry no referrer.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


class Templates:
    def __init__(self) -> None:
        self.environment = Environment(
            loader=FileSystemLoader(FOLDER), autoescape=True, undefined=StrictUndefined, trim_blocks=True
        )
        self.environment.filters["minutes"] = minutes_text
        self.environment.globals.update(categories=CATEGORIES, colors=COLORS)

    def render(self, name: str, **context: Any) -> str:
        return self.environment.get_template(name).render(**context)

    def page(self, request: Request, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("viewer", None)
        context.setdefault("sign_in", False)
        html = self.render(name, request_path=request.url.path, **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)
