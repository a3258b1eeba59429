"""Endpoints the App calls as itself, with its JWT: the app, installations, tokens, webhook deliveries."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.fakegithub.auth import issue_token
from tests.fakegithub.errors import not_found
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.state import Delivery, Installation, iso
from tests.fakegithub.wire import DEFAULT_PER_PAGE, MAX_PER_PAGE, Response


def _installation(call: Call) -> Installation:
    installation = call.world.installations.get(int(call.params["installation_id"]))
    if installation is None:
        raise not_found(call.docs_url)
    return installation


def get_app(call: Call) -> Response:
    return Response(200, call.render.app())


def get_installation(call: Call) -> Response:
    return Response(200, call.render.installation(_installation(call)))


def create_token(call: Call) -> Response:
    installation = _installation(call)
    token = issue_token(call.world, installation, body=call.body, now=call.now, ttl=call.settings.token_ttl)
    repos = [r for r in call.world.repositories.values() if token.repository_ids and r.id in token.repository_ids]
    return Response(201, call.render.token(token.value, token.expires_at, token.permissions, repos))


def list_deliveries(call: Call) -> Response:
    """Newest first, paged by an opaque cursor as GitHub does for deliveries (not by page number)."""
    per_page = min(int(call.query.get("per_page", DEFAULT_PER_PAGE)), MAX_PER_PAGE)
    deliveries = sorted(call.world.deliveries.values(), key=lambda d: d.id, reverse=True)
    wanted = call.query.get("status")
    if wanted is not None:
        deliveries = [d for d in deliveries if (200 <= d.status_code < 300) == (wanted == "success")]
    cursor = str(call.query.get("cursor", ""))
    if cursor.startswith("v1_") and cursor[3:].isdigit():
        deliveries = [d for d in deliveries if d.id < int(cursor[3:])]
    page = deliveries[:per_page]
    headers: dict[str, Any] = {}
    if len(deliveries) > per_page:
        query = urlencode({"per_page": per_page, "cursor": f"v1_{page[-1].id}"})
        headers["link"] = f'<{call.url()}?{query}>; rel="next"'
    return Response(200, [call.render.delivery(d) for d in page], headers=headers)


def redeliver(call: Call) -> Response:
    original = call.world.deliveries.get(int(call.params["delivery_id"]))
    if original is None:
        raise not_found(call.docs_url)
    call.world.redeliveries.append(original.id)
    again = Delivery(
        id=call.world.next_id(),
        guid=original.guid,  # a redelivery keeps the delivery's GUID: receivers deduplicate on it
        event=original.event,
        action=original.action,
        status_code=200,
        delivered_at=iso(call.now),
        installation_id=original.installation_id,
        repository_id=original.repository_id,
        redelivery=True,
        payload=original.payload,
    )
    receiver = call.world.webhook_receiver
    if receiver is not None:
        # GitHub answers 202 at once and delivers afterwards; delivering first keeps the log in order.
        again.status_code = receiver(again)
    call.world.deliveries[again.id] = again
    return Response(202, {})


ROUTES = {
    "apps/get-authenticated": Route(get_app),
    "apps/get-installation": Route(get_installation),
    "apps/create-installation-access-token": Route(create_token),
    "apps/list-webhook-deliveries": Route(list_deliveries),
    "apps/redeliver-webhook-delivery": Route(redeliver),
}
