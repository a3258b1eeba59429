"""Issues and their comments (a pull request is an issue too: same numbers, same comments)."""

from __future__ import annotations

from typing import Any

from tests.fakegithub.errors import GitHubError, not_found
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.state import Issue, IssueComment, iso
from tests.fakegithub.wire import Response, paged_response

MAX_BODY = 65_536  # characters GitHub keeps in an issue, comment or review body


def _check_body(call: Call, resource: str, body: str | None) -> None:
    if body is not None and len(body) > MAX_BODY:
        error = {
            "resource": resource,
            "code": "custom",
            "field": "body",
            "message": f"body is too long (maximum is {MAX_BODY} characters)",
        }
        raise GitHubError(422, "Validation Failed", errors=[error], documentation_url=call.docs_url)


def _require_issue(call: Call) -> int:
    repo = call.repository.full_name
    number = int(call.params["issue_number"])
    if (repo, number) not in call.world.issues and (repo, number) not in call.world.pulls:
        raise not_found(call.docs_url)
    return number


def create_comment(call: Call) -> Response:
    number = _require_issue(call)
    _check_body(call, "IssueComment", call.body["body"])
    comment = IssueComment(
        id=call.world.next_id(),
        repo=call.repository.full_name,
        issue_number=number,
        body=call.body["body"],
        user=call.world.app.bot_login,
        user_type="Bot",
        created_at=iso(call.now),
        updated_at=iso(call.now),
    )
    call.world.comments[comment.id] = comment
    return Response(201, call.render.issue_comment(comment))


def update_comment(call: Call) -> Response:
    comment = call.world.comments.get(int(call.params["comment_id"]))
    if comment is None or comment.repo != call.repository.full_name:
        raise not_found(call.docs_url)
    _check_body(call, "IssueComment", call.body["body"])
    comment.history.append(comment.body)
    comment.body = call.body["body"]
    comment.updated_at = iso(call.now)
    return Response(200, call.render.issue_comment(comment))


def list_comments(call: Call) -> Response:
    number = _require_issue(call)
    since = call.query.get("since")
    found = [
        call.render.issue_comment(c)
        for c in sorted(call.world.comments.values(), key=lambda c: c.id)
        if c.repo == call.repository.full_name and c.issue_number == number and (since is None or c.updated_at >= since)
    ]
    return paged_response(found, url=call.url(), query=call.query)


def _label_name(label: Any) -> str:
    return str(label["name"]) if isinstance(label, dict) else str(label)


def create_issue(call: Call) -> Response:
    body: dict[str, Any] = call.body
    _check_body(call, "Issue", body.get("body"))
    repo = call.repository.full_name
    issue = Issue(
        id=call.world.next_id(),
        repo=repo,
        number=call.world.next_number(repo),
        title=str(body["title"]),
        body=body.get("body"),
        user=call.world.app.bot_login,
        labels=[_label_name(label) for label in body.get("labels", [])],
        assignees=list(body.get("assignees", [])) + ([body["assignee"]] if body.get("assignee") else []),
        state="open",
        created_at=iso(call.now),
    )
    call.world.issues[(repo, issue.number)] = issue
    return Response(201, call.render.issue(issue))


def update_issue(call: Call) -> Response:
    """Title, body, state and labels; a pull request's number is refused here (the fake keeps them apart)."""
    body: dict[str, Any] = call.body
    issue = call.world.issues.get((call.repository.full_name, int(call.params["issue_number"])))
    if issue is None:
        raise not_found(call.docs_url)
    _check_body(call, "Issue", body.get("body"))
    if body.get("title") is not None:
        issue.title = str(body["title"])
    if "body" in body:
        issue.body = body["body"]
    if body.get("state") is not None:
        issue.state = str(body["state"])
    if body.get("labels") is not None:
        issue.labels = [_label_name(label) for label in body["labels"]]
    return Response(200, call.render.issue(issue))


def get_issue(call: Call) -> Response:
    number = _require_issue(call)
    key = (call.repository.full_name, number)
    if key in call.world.issues:
        return Response(200, call.render.issue(call.world.issues[key]))
    return Response(200, call.render.pull_as_issue(call.world.pulls[key]))


def list_issues(call: Call) -> Response:
    """Open ones by default, newest first; pull requests are listed too, as GitHub does."""
    repo = call.repository.full_name
    state = call.query.get("state", "open")
    labels = {name for name in str(call.query.get("labels", "")).split(",") if name}
    creator = call.query.get("creator")
    rows: list[tuple[str, int, dict[str, Any]]] = []
    for issue in call.world.issues.values():
        if issue.repo == repo and labels <= set(issue.labels) and creator in (None, issue.user):
            rows.append((issue.state, issue.number, call.render.issue(issue)))
    for pr in call.world.pulls.values():
        if pr.repo == repo and not labels and creator in (None, pr.user):
            rows.append((pr.state, pr.number, call.render.pull_as_issue(pr)))
    chosen = [row for row in rows if state == "all" or row[0] == state]
    chosen.sort(key=lambda row: row[1], reverse=call.query.get("direction", "desc") == "desc")
    return paged_response([row[2] for row in chosen], url=call.url(), query=call.query)


ROUTES = {
    # on a pull request's conversation, pull request permissions are enough
    "issues/create-comment": Route(create_comment, (("issues", "write"), ("pull_requests", "write"))),
    "issues/update-comment": Route(update_comment, (("issues", "write"), ("pull_requests", "write"))),
    "issues/list-comments": Route(list_comments, (("issues", "read"), ("pull_requests", "read"))),
    "issues/create": Route(create_issue, (("issues", "write"),)),
    "issues/get": Route(get_issue, (("issues", "read"),)),
    "issues/update": Route(update_issue, (("issues", "write"),)),
    "issues/list-for-repo": Route(list_issues, (("issues", "read"),)),
}
