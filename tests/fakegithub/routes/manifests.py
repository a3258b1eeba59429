"""GitHub's App manifest flow: the "Create GitHub App" page (`submit_manifest`) and the code's conversion.

On GitHub a person posts the manifest to `/settings/apps/new`, checks it and clicks "Create"; GitHub then
redirects the browser to the manifest's `redirect_url` with a one-time `code`. `submit_manifest` plays that
page (with the checks GitHub makes on a manifest); `POST /app-manifests/{code}/conversions` answers with
the new App's id, private key and secrets, once, without credentials. From then on the fake is that App.
https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tests.fakegithub.errors import not_found
from tests.fakegithub.keys import generate_app_key
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.state import AppIdentity, AppManifest, iso
from tests.fakegithub.wire import Response

if TYPE_CHECKING:
    from tests.fakegithub.fake import FakeGitHub

#: Events an App gets without subscribing: GitHub refuses a manifest listing them ("Default events unsupported").
ALWAYS_DELIVERED = frozenset(
    {"installation", "installation_repositories", "installation_target", "github_app_authorization"}
)
#: The permissions of which an App needs one to subscribe to an event (the events a reviewing App may ask for).
EVENT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "check_run": ("checks",),
    "check_suite": ("checks",),
    "pull_request": ("pull_requests",),
    "pull_request_review": ("pull_requests",),
    "pull_request_review_comment": ("pull_requests",),
    "issue_comment": ("issues", "pull_requests"),
    "issues": ("issues",),
    "push": ("contents",),
    "create": ("contents",),
    "delete": ("contents",),
    "release": ("contents",),
    "status": ("statuses",),
    "workflow_run": ("actions",),
}
LEVELS = frozenset({"read", "write", "admin"})


class ManifestRefusedError(Exception):
    """What GitHub's page says about a manifest it will not create an App from."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def manifest_problems(manifest: Mapping[str, Any]) -> list[str]:
    """GitHub's objections to a manifest (empty when it would create the App)."""
    problems: list[str] = []
    if not isinstance(manifest.get("url"), str) or not manifest["url"]:
        problems.append("Url can't be blank")
    hook = manifest.get("hook_attributes") or {}
    if hook.get("active", True) and not hook.get("url"):
        problems.append("Hook url can't be blank")
    permissions = manifest.get("default_permissions") or {}
    bad_levels = sorted(name for name, level in permissions.items() if level not in LEVELS)
    if bad_levels:
        problems.append(f"Default permissions are invalid: {', '.join(bad_levels)}")
    events = list(manifest.get("default_events") or [])
    unsupported = [e for e in events if e in ALWAYS_DELIVERED or e not in EVENT_PERMISSIONS]
    if unsupported:
        problems.append(f"Default events unsupported: {' and '.join(unsupported)}")
    uncovered = [
        e for e in events if e in EVENT_PERMISSIONS and not any(p in permissions for p in EVENT_PERMISSIONS[e])
    ]
    if uncovered:
        problems.append(f"Default events are not supported by permissions: {' and '.join(uncovered)}")
    return problems


def submit_manifest(fake: FakeGitHub, manifest: Mapping[str, Any], *, owner: str = "octocat") -> str:
    """A person creates the App from `manifest` on GitHub's page; returns the code of the redirect."""
    problems = manifest_problems(manifest)
    if problems:
        raise ManifestRefusedError(problems)
    code = secrets.token_hex(10)
    with fake.lock:
        fake.world.user_id(owner)
        fake.world.app_manifests[code] = AppManifest(manifest=dict(manifest), owner=owner)
    return code


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"


def create_from_manifest(call: Call) -> Response:
    # A code works once: a second conversion (or an unknown code) is GitHub's 404.
    pending = call.world.app_manifests.get(call.params["code"])
    if pending is None or pending.created is not None:
        raise not_found(call.docs_url)
    manifest = pending.manifest
    key = generate_app_key()
    app_id = call.world.next_id()
    name = str(manifest.get("name") or f"app-{app_id}")
    slug = _slug(name)
    now = iso(call.now)
    out: dict[str, Any] = call.render.spec["apps/create-from-manifest"].example("201")
    out.update(
        id=app_id,
        slug=slug,
        name=name,
        description=manifest.get("description"),
        external_url=manifest["url"],
        html_url=f"{call.render.web}/apps/{slug}",
        owner=call.render.user(pending.owner),
        permissions=dict(manifest.get("default_permissions") or {}),
        events=list(manifest.get("default_events") or []),
        created_at=now,
        updated_at=now,
        client_id=f"Iv23{secrets.token_hex(8)}",
        client_secret=secrets.token_hex(20),
        webhook_secret=secrets.token_hex(20),
        pem=key.private_pem,
    )
    pending.created = out
    call.world.app = AppIdentity(
        id=app_id, slug=slug, public_key=key.public_pem.encode(), name=name, owner=pending.owner
    )
    return Response(201, out)


ROUTES = {"apps/create-from-manifest": Route(create_from_manifest, anonymous=True)}
