"""Request and response values on the wire, and GitHub's page-number pagination with `Link` headers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")

MAX_PER_PAGE = 100  # GitHub clamps larger values silently
DEFAULT_PER_PAGE = 30


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able, or str/bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json; charset=utf-8"

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str) and not self.media_type.startswith("application/json"):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Page:
    """One page of a listing and the `Link` header that leads to the others."""

    items: list[Any]
    link: str | None


def paginate(items: Sequence[T], *, url: str, query: dict[str, Any]) -> Page:
    """Cut a listing the way GitHub does: `page` from 1, `per_page` default 30 and at most 100.

    `url` is the absolute URL of the listing without its query; every other query value is kept in the links.
    """
    per_page = min(max(int(query.get("per_page", DEFAULT_PER_PAGE)), 1), MAX_PER_PAGE)
    page = max(int(query.get("page", 1)), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    start = (page - 1) * per_page
    chosen = list(items[start : start + per_page])

    def link(number: int, rel: str) -> str:
        params = {**{k: v for k, v in query.items() if k != "page"}, "per_page": per_page, "page": number}
        return f'<{url}?{urlencode(params)}>; rel="{rel}"'

    rels = []
    if page > 1:
        rels += [link(page - 1, "prev")]
    if page < last:
        rels += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        rels += [link(1, "first")]
    return Page(items=chosen, link=", ".join(rels) or None)


def paged_response(items: Sequence[Any], *, url: str, query: dict[str, Any]) -> Response:
    page = paginate(items, url=url, query=query)
    return Response(200, page.items, headers={"link": page.link} if page.link else {})
