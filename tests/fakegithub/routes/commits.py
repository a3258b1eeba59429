"""Comparing two commits: GitHub's three-dot comparison, from their merge base to the head."""

from __future__ import annotations

from tests.fakegithub.diffs import parse_files
from tests.fakegithub.errors import GitHubError, not_found
from tests.fakegithub.history import merge_base, only_in, snapshot_diff
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.wire import Response, paginate

#: Without paging parameters GitHub lists the last 250 commits of a comparison.
UNPAGED_COMMITS = 250


def compare(call: Call) -> Response:
    """`BASE...HEAD`: each a commit id or a branch. Two-dot comparisons and forks are not modelled (404)."""
    repo = call.repository
    basehead = call.params["basehead"]
    base_ref, dots, head_ref = basehead.partition("...")
    base, head = repo.resolve(base_ref), repo.resolve(head_ref)
    if not dots or base is None or head is None:
        raise not_found(call.docs_url)
    common = merge_base(repo, base, head)
    if common is None:
        # The wording of this answer was not observed; GitHub refuses unrelated histories with a 404.
        message = f"No common ancestor between {base_ref} and {head_ref}."
        raise GitHubError(404, message, documentation_url=call.docs_url)
    ahead, behind = only_in(repo, head, base), only_in(repo, base, head)
    if base == head:
        status = "identical"
    elif common == base:
        status = "ahead"
    elif common == head:
        status = "behind"
    else:
        status = "diverged"
    paged = "page" in call.query or "per_page" in call.query
    if paged:
        commits = paginate(ahead, url=call.url(), query=call.query).items
        first_page = int(call.query.get("page", 1)) <= 1
    else:
        commits, first_page = ahead[-UNPAGED_COMMITS:], True
    files = None
    if first_page:
        entries = parse_files(snapshot_diff(repo.commits[common], repo.commits[head]))
        files = [call.render.file_entry(repo, head, e) for e in entries[: call.settings.max_compare_files]]
    body = call.render.comparison(
        repo,
        basehead,
        base=base,
        merge_base=common,
        status=status,
        ahead=ahead,
        behind=behind,
        commits=commits,
        files=files,
    )
    return Response(200, body)


ROUTES = {
    "repos/compare-commits-with-basehead": Route(compare, (("contents", "read"),)),
}
