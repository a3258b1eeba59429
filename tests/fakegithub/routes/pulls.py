"""Pull requests: the object, its diff (media type), its files, and reviews anchored on the diff."""

from __future__ import annotations

from typing import Any

from tests.fakegithub.diffs import FileDiff, too_large
from tests.fakegithub.errors import GitHubError, unprocessable
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.state import PullRequest, Review, ReviewComment, World, iso
from tests.fakegithub.wire import Response, paged_response

DIFF_MEDIA_TYPES = ("application/vnd.github.diff", "application/vnd.github.v3.diff")
_REVIEW_STATES = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
# GitHub's messages for review comments it cannot place (seen in real 422 answers)
LINE_OUTSIDE_DIFF = "Pull request review thread line must be part of the diff"
START_LINE_OTHER_HUNK = "Pull request review thread start line must be part of the same hunk as the line."
PATH_INVALID = "Pull request review thread path is invalid"
HUNK_BLANK = "Pull request review thread diff hunk can't be blank"


def get_pull(call: Call) -> Response:
    pr = call.pull()
    accept = call.request.header("accept") or ""
    if any(media in accept for media in DIFF_MEDIA_TYPES):
        message = too_large(pr.diff, pr.files, call.settings.diff_limits)
        if message is not None:
            error = {"resource": "PullRequest", "field": "diff", "code": "too_large"}
            raise GitHubError(406, message, errors=[error], documentation_url=call.docs_url)
        return Response(200, pr.diff, media_type="application/vnd.github.diff; charset=utf-8")
    return Response(200, call.render.pull(pr))


def list_files(call: Call) -> Response:
    pr = call.pull()
    entries = [call.render.diff_entry(pr, f) for f in pr.files[: call.settings.max_listed_files]]
    return paged_response(entries, url=call.url(), query=call.query)


def _english(messages: list[str]) -> str:
    """GitHub joins the problems of a review into one sentence: "a, b, and c"."""
    if len(messages) <= 2:
        return " and ".join(messages)
    return ", ".join(messages[:-1]) + ", and " + messages[-1]


def _anchor_problems(comment: dict[str, Any], files: list[FileDiff]) -> list[str]:
    entry = next((f for f in files if f.filename == comment["path"]), None)
    if entry is None:
        return [PATH_INVALID, HUNK_BLANK]
    if "position" in comment:
        return [] if entry.line_at_position(comment["position"]) else [HUNK_BLANK]
    if "line" not in comment:
        return [HUNK_BLANK]
    side = comment.get("side", "RIGHT")
    hunk = entry.hunk_of(side, comment["line"]) if side in ("LEFT", "RIGHT") else None
    if hunk is None:
        return [LINE_OUTSIDE_DIFF, HUNK_BLANK]
    if "start_line" in comment:
        start_side = comment.get("start_side", side)
        start_hunk = entry.hunk_of(start_side, comment["start_line"]) if start_side in ("LEFT", "RIGHT") else None
        if start_hunk != hunk or comment["start_line"] >= comment["line"]:
            return [START_LINE_OTHER_HUNK]
    return []


def create_review(call: Call) -> Response:
    pr = call.pull()
    body: dict[str, Any] = call.body or {}
    commit_id = body.get("commit_id", pr.head_sha)
    files = pr.files_at.get(commit_id)
    if files is None:
        # The wording of this answer was not observed; a review on an unknown commit is refused with 422.
        raise unprocessable([f"No commit found for SHA: {commit_id}"], call.docs_url)
    comments: list[dict[str, Any]] = body.get("comments", [])
    problems: list[str] = []
    for comment in comments:
        problems += [p for p in _anchor_problems(comment, files) if p not in problems]
    if problems:
        raise unprocessable([_english(problems)], call.docs_url)
    event = body.get("event")
    if event in ("REQUEST_CHANGES", "COMMENT") and not body.get("body") and not comments:
        raise unprocessable(["Review body can't be blank"], call.docs_url)
    user = call.world.app.bot_login
    if event is None and any(
        r.state == "PENDING" and r.user == user and r.number == pr.number and r.repo == pr.repo
        for r in call.world.reviews
    ):
        raise unprocessable(["User can only have one pending review per pull request"], call.docs_url)
    review = Review(
        id=call.world.next_id(),
        repo=pr.repo,
        number=pr.number,
        commit_id=commit_id,
        body=body.get("body", ""),
        state=_REVIEW_STATES.get(event or "", "PENDING"),
        comments=comments,
        user=user,
        submitted_at=iso(call.now) if event else None,
    )
    call.world.reviews.append(review)
    for comment in comments:
        add_review_comment(call.world, pr, review, comment, files, now=call.now)
    return Response(200, call.render.review(review))


def add_review_comment(
    world: World, pr: PullRequest, review: Review, comment: dict[str, Any], files: list[FileDiff], *, now: float
) -> ReviewComment:
    """A review's inline comment, kept with an id of its own as GitHub keeps it."""
    side = str(comment.get("side", "RIGHT"))
    line = comment.get("line")
    entry = next((f for f in files if f.filename == comment["path"]), None)
    hunk = entry.hunk_of(side, line) if entry is not None and isinstance(line, int) else None
    stored = ReviewComment(
        id=world.next_id(),
        repo=pr.repo,
        number=pr.number,
        review_id=review.id,
        commit_id=review.commit_id,
        path=str(comment["path"]),
        line=line if isinstance(line, int) else None,
        side=side,
        diff_hunk=entry.hunk_text(hunk) if entry is not None and hunk is not None else "",
        body=str(comment["body"]),
        user=review.user,
        user_type="Bot" if review.user.endswith("[bot]") else "User",
        created_at=iso(now),
    )
    world.review_comments[stored.id] = stored
    return stored


def list_review_comments(call: Call) -> Response:
    """Every inline comment of the pull request, oldest first (GitHub's default order), `since` an update time."""
    pr = call.pull()
    since = call.query.get("since")
    found = [
        c
        for c in sorted(call.world.review_comments.values(), key=lambda c: c.id)
        if c.repo == pr.repo and c.number == pr.number and (since is None or c.created_at >= since)
    ]
    if call.query.get("direction") == "desc" and "sort" in call.query:
        found.reverse()  # GitHub ignores `direction` without `sort`
    return paged_response([call.render.review_comment(c) for c in found], url=call.url(), query=call.query)


ROUTES = {
    "pulls/get": Route(get_pull, (("pull_requests", "read"),)),
    "pulls/list-files": Route(list_files, (("pull_requests", "read"),)),
    "pulls/create-review": Route(create_review, (("pull_requests", "write"),)),
    "pulls/list-review-comments": Route(list_review_comments, (("pull_requests", "read"),)),
}
