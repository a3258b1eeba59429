"""The repository and its branches, contents and trees at a ref, and a user's permission on the repository."""

from __future__ import annotations

from tests.fakegithub.errors import GitHubError, not_found, unprocessable
from tests.fakegithub.gitdata import directories, tree_entries, tree_sha
from tests.fakegithub.render import MAX_INLINE_CONTENT
from tests.fakegithub.routes.context import Call, Route
from tests.fakegithub.wire import Response, paged_response

RAW_MEDIA_TYPE = "application/vnd.github.raw"
OBJECT_MEDIA_TYPE = "application/vnd.github.object"
# Past 1 MB only the raw and object media types answer; the object one then leaves `content` empty.
BLOB_TOO_LARGE = (
    "This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, but you can "
    "use the Git Data API to request blobs up to 100 MB in size."
)


def get_content(call: Call) -> Response:
    repo = call.repository
    ref = call.query.get("ref")
    sha = repo.resolve(ref)
    if sha is None:
        raise GitHubError(404, f"No commit found for the ref {ref}", documentation_url=call.docs_url)
    files = repo.commits[sha]
    path = call.params["path"].strip("/")
    shown_ref = ref or repo.default_branch
    if path in files:
        accept = call.request.header("accept") or ""
        if RAW_MEDIA_TYPE in accept:
            return Response(200, files[path], media_type=f"{RAW_MEDIA_TYPE}; charset=utf-8")
        if len(files[path]) > MAX_INLINE_CONTENT and OBJECT_MEDIA_TYPE not in accept:
            error = {"resource": "Blob", "field": "data", "code": "too_large"}
            raise GitHubError(403, BLOB_TOO_LARGE, errors=[error], documentation_url=call.docs_url)
        return Response(200, call.render.content_file(repo, shown_ref, path, files[path]))
    if path in directories(files):
        entries = tree_entries(files, under=path, recursive=False)
        listing = [call.render.content_entry(repo, shown_ref, f"{path}/{e.path}", e) for e in entries]
        return Response(200, listing)
    raise not_found(call.docs_url)


def get_tree(call: Call) -> Response:
    """`tree_sha` may name a commit, a branch, or a directory's tree; any `recursive` value recurses."""
    repo = call.repository
    wanted = call.params["tree_sha"]
    recursive = "recursive" in call.query
    commit = repo.resolve(wanted)
    if commit is not None:
        files = repo.commits[commit]
        return Response(200, call.render.tree(repo, tree_sha(files), tree_entries(files, recursive=recursive)))
    for files in repo.commits.values():
        if tree_sha(files) == wanted:
            return Response(200, call.render.tree(repo, wanted, tree_entries(files, recursive=recursive)))
        for directory in directories(files):
            if tree_sha(files, f"{directory}/") == wanted:
                entries = tree_entries(files, under=directory, recursive=recursive)
                return Response(200, call.render.tree(repo, wanted, entries))
    raise not_found(call.docs_url)


def get_permission(call: Call) -> Response:
    repo = call.repository
    login = call.params["username"]
    role = repo.collaborators.get(login)
    if role is None:
        if login not in call.world.users:
            raise not_found(call.docs_url)  # GitHub: no such user
        role = "none" if repo.private else "read"
    return Response(200, call.render.permission(role, login))


def list_pulls_for_commit(call: Call) -> Response:
    """The pull requests a commit was (or is) a head of, by number; none for a commit only on a branch.

    GitHub also lists the merged pull request that brought a commit of the default branch in: the fake knows
    it by the pull request's merge commit (`FakeGitHub.merge_pull`). An unknown commit is GitHub's 422.
    """
    repo = call.repository
    wanted = call.params["commit_sha"]
    sha = repo.resolve(wanted) or wanted
    pulls = sorted(
        (
            pr
            for pr in call.world.pulls.values()
            if pr.repo == repo.full_name and (sha in pr.files_at or sha == pr.merge_commit_sha)
        ),
        key=lambda pr: pr.number,
    )
    if not pulls and sha not in repo.commits:
        raise unprocessable([f"No commit found for SHA: {wanted}"], call.docs_url)
    return paged_response([call.render.pull_simple(pr) for pr in pulls], url=call.url(), query=call.query)


def get_repository(call: Call) -> Response:
    return Response(200, call.render.full_repository(call.repository))


def get_branch(call: Call) -> Response:
    repo = call.repository
    name = call.params["branch"]
    sha = repo.branches.get(name)
    if sha is None:
        raise GitHubError(404, "Branch not found", documentation_url=call.docs_url)
    return Response(200, call.render.branch(repo, name, sha))


ROUTES = {
    "repos/get-content": Route(get_content, (("contents", "read"),)),
    # either one lets the fake answer; an App reviewing pull requests holds both
    "repos/list-pull-requests-associated-with-commit": Route(
        list_pulls_for_commit, (("pull_requests", "read"), ("contents", "read"))
    ),
    "git/get-tree": Route(get_tree, (("contents", "read"),)),
    "repos/get-collaborator-permission-level": Route(get_permission, (("metadata", "read"),)),
    "repos/get": Route(get_repository, (("metadata", "read"),)),
    "repos/get-branch": Route(get_branch, (("contents", "read"),)),
}
