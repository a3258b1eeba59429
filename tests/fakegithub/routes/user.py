"""Endpoints a user access token calls: who the person is, and which installations of the App, and which of their
repositories, they can reach.

A person reaches a repository they own or are a collaborator on (`FakeGitHub.set_permission`); an installation
is listed when they reach one of its repositories or it is their own account's, as GitHub lists those the
user "has explicit permission (:read, :write, or :admin) to access".
"""

from __future__ import annotations

from typing import Any

from tests.fakegithub.errors import not_found
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.state import Installation, Repository, World
from tests.fakegithub.wire import Response, paginate

_RANKS = ("read", "triage", "write", "maintain", "admin")


def role_of(world: World, repo: Repository, login: str) -> str | None:
    if repo.owner.lower() == login.lower():
        return "admin"
    return repo.collaborators.get(login)


def reachable_repositories(world: World, installation: Installation, login: str) -> list[Repository]:
    repos = [
        repo
        for repo in world.repositories.values()
        if repo.installation_id == installation.id and role_of(world, repo, login) is not None
    ]
    return sorted(repos, key=lambda repo: repo.id)


def reachable_installations(world: World, login: str) -> list[Installation]:
    return [
        installation
        for installation in sorted(world.installations.values(), key=lambda i: i.id)
        if installation.account.lower() == login.lower() or reachable_repositories(world, installation, login)
    ]


def _login(call: Call) -> str:
    assert call.credential.login is not None  # the dispatcher lets only user tokens through
    return call.credential.login


def get_authenticated(call: Call) -> Response:
    """The person's public profile: GitHub's example of it, with the fake's login and id."""
    login = _login(call)
    user_id = call.world.user_id(login)
    # The public form: the private one (a token with the `user` scope) would match both schemas of the oneOf.
    out: dict[str, Any] = call.render.spec["users/get-authenticated"].example("200", 1)
    profile = call.render.user(login)
    out.update({key: profile[key] for key in profile if key in out})
    out.update(login=login, id=user_id, name=None, company=None, email=None, bio=None)
    return Response(200, out)


def list_installations(call: Call) -> Response:
    installations = reachable_installations(call.world, _login(call))
    page = paginate(installations, url=call.url(), query=call.query)
    body = {"total_count": len(installations), "installations": [call.render.installation(i) for i in page.items]}
    return Response(200, body, headers={"link": page.link} if page.link else {})


def _with_permissions(call: Call, repo: Repository, role: str) -> dict[str, Any]:
    out = call.render.repository(repo)
    rank = _RANKS.index(role)
    out["permissions"] = {
        "admin": rank >= 4,
        "maintain": rank >= 3,
        "push": rank >= 2,
        "triage": rank >= 1,
        "pull": True,
    }
    return out


def list_repositories(call: Call) -> Response:
    login = _login(call)
    installation = call.world.installations.get(int(call.params["installation_id"]))
    if installation is None or installation not in reachable_installations(call.world, login):
        raise not_found(call.docs_url)  # another's installation looks like a missing one
    repos = reachable_repositories(call.world, installation, login)
    page = paginate(repos, url=call.url(), query=call.query)
    body = {
        "total_count": len(repos),
        "repository_selection": "selected",
        "repositories": [
            _with_permissions(call, repo, role_of(call.world, repo, login) or "read") for repo in page.items
        ],
    }
    return Response(200, body, headers={"link": page.link} if page.link else {})


ROUTES = {
    "users/get-authenticated": Route(get_authenticated),
    "apps/list-installations-for-authenticated-user": Route(list_installations),
    "apps/list-installation-repos-for-authenticated-user": Route(list_repositories),
}
