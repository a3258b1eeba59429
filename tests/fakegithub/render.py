"""The fake's state as GitHub's JSON: each object starts from GitHub's own example and takes the fake's values.

Starting from the examples keeps every field a client may read present and typed as GitHub types it; the
server checks each answer against the description, so a field this module gets wrong shows up as a defect.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from tests.fakegithub.diffs import FileDiff
from tests.fakegithub.gitdata import TreeEntry, blob_sha
from tests.fakegithub.openapi import Spec
from tests.fakegithub.state import (
    DEFAULT_PERMISSIONS,
    CheckRun,
    Delivery,
    Installation,
    Issue,
    IssueComment,
    PullRequest,
    Repository,
    Review,
    ReviewComment,
    World,
    iso,
)

EXAMPLE_HOST = "https://api.github.com"
MAX_INLINE_CONTENT = 1024 * 1024  # past 1 MB the contents API gives no `content` (encoding "none")
_ROLE_TO_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}


def _swap(value: Any, replacements: dict[str, str]) -> Any:
    text = json.dumps(value)
    for old, new in replacements.items():
        text = text.replace(old, new)
    return json.loads(text)


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode()


class Renderer:
    def __init__(self, spec: Spec, world: World, base_url: str) -> None:
        self.spec = spec
        self.world = world
        self.base_url = base_url.rstrip("/")
        self.web = "https://github.com"

    def _example(self, operation_id: str, status: str, replacements: dict[str, str] | None = None) -> Any:
        """GitHub's example answer, with `replacements` made before it is moved to the fake's host."""
        example = self.spec[operation_id].example(status)
        return _swap(example, {**(replacements or {}), EXAMPLE_HOST: self.base_url})

    def user(self, login: str, kind: str = "User") -> dict[str, Any]:
        template = self.spec["issues/create-comment"].example("201")["user"]
        user: dict[str, Any] = _swap(template, {"/octocat": f"/{login}", EXAMPLE_HOST: self.base_url})
        user_id = self.world.user_id(login)
        user.update(login=login, id=user_id, type=kind, node_id=_node_id("User", user_id))
        return user

    def repository(self, repo: Repository) -> dict[str, Any]:
        template = self.spec["pulls/get"].example("200")["base"]["repo"]
        out: dict[str, Any] = _swap(template, {"octocat/Hello-World": repo.full_name, EXAMPLE_HOST: self.base_url})
        out.update(
            id=repo.id,
            node_id=_node_id("Repository", repo.id),
            name=repo.name,
            full_name=repo.full_name,
            owner=self.user(repo.owner, "Organization"),
            private=repo.private,
            visibility="private" if repo.private else "public",
            default_branch=repo.default_branch,
            fork=False,
        )
        return out

    def full_repository(self, repo: Repository) -> dict[str, Any]:
        """`GET /repos/{owner}/{repo}`: GitHub's example, with the fields the fake knows."""
        out: dict[str, Any] = self._example("repos/get", "200", {"octocat/Hello-World": repo.full_name})
        out.update(
            id=repo.id,
            node_id=_node_id("Repository", repo.id),
            name=repo.name,
            full_name=repo.full_name,
            owner=self.user(repo.owner, "Organization"),
            private=repo.private,
            visibility="private" if repo.private else "public",
            default_branch=repo.default_branch,
            fork=False,
            language=None,  # required by GitHub's description, missing from its example
        )
        for key in ("parent", "source", "template_repository", "organization"):
            out.pop(key, None)  # the fake's repositories are nobody's forks
        return out

    def branch(self, repo: Repository, name: str, sha: str) -> dict[str, Any]:
        """`GET /repos/{owner}/{repo}/branches/{branch}`: the branch and its tip commit."""
        example = self._example("repos/get-branch", "200", {"octocat/Hello-World": repo.full_name})
        out: dict[str, Any] = _swap(example, {example["commit"]["sha"]: sha})
        out.update(name=name, protected=False)
        out["commit"]["sha"] = sha
        out["_links"] = {
            "self": f"{self.base_url}/repos/{repo.full_name}/branches/{name}",
            "html": f"{self.web}/{repo.full_name}/tree/{name}",
        }
        return out

    def app(self) -> dict[str, Any]:
        app = self.world.app
        out: dict[str, Any] = self._example("apps/get-authenticated", "200")
        out.update(
            id=app.id,
            slug=app.slug,
            name=app.name,
            node_id=_node_id("Integration", app.id),
            owner=self.user(app.owner, "Organization"),
            html_url=f"{self.web}/apps/{app.slug}",
            permissions=dict(DEFAULT_PERMISSIONS),
            events=["check_run", "check_suite", "issue_comment", "pull_request", "push"],
        )
        return out

    def installation(self, installation: Installation) -> dict[str, Any]:
        out: dict[str, Any] = self._example("apps/get-installation", "200")
        out.update(
            id=installation.id,
            account=self.user(installation.account, installation.account_type),
            access_tokens_url=f"{self.base_url}/app/installations/{installation.id}/access_tokens",
            app_id=self.world.app.id,
            app_slug=self.world.app.slug,
            target_id=installation.account_id,
            target_type=installation.account_type,
            permissions=dict(installation.permissions),
            repository_selection="selected",
        )
        return out

    def pull(self, pr: PullRequest) -> dict[str, Any]:
        repo = self.world.repositories[pr.repo.lower()]
        head_repo = self.world.repositories.get(pr.head_repo.lower(), repo)
        out: dict[str, Any] = self._example(
            "pulls/get", "200", {"/1347": f"/{pr.number}", "octocat/Hello-World": repo.full_name}
        )
        out.update(
            id=pr.id,
            node_id=_node_id("PullRequest", pr.id),
            number=pr.number,
            state=pr.state,
            locked=False,
            active_lock_reason=None,
            title=pr.title,
            body=pr.body,
            user=self.user(pr.user),
            labels=[],
            milestone=None,
            assignee=None,
            assignees=[],
            requested_reviewers=[],
            requested_teams=[],
            created_at=pr.created_at,
            updated_at=pr.created_at,
            closed_at=pr.closed_at,
            merged_at=pr.merged_at,
            merge_commit_sha=pr.merge_commit_sha,
            draft=pr.draft,
            merged=pr.merged_at is not None,
            merged_by=None,
            additions=sum(f.additions for f in pr.files),
            deletions=sum(f.deletions for f in pr.files),
            changed_files=len(pr.files),
            statuses_url=f"{self.base_url}/repos/{repo.full_name}/statuses/{pr.head_sha}",
        )
        for side, target, ref, sha in (
            ("head", head_repo, pr.head_ref, pr.head_sha),
            ("base", repo, pr.base_ref, pr.base_sha),
        ):
            out[side] = {
                "label": f"{target.owner}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": self.user(target.owner, "Organization"),
                "repo": self.repository(target),
            }
        return out

    def pull_simple(self, pr: PullRequest) -> dict[str, Any]:
        """The shorter form pull requests are listed in: GitHub's example, with the fields the full form shares."""
        full = self.pull(pr)
        example = self._example("repos/list-pull-requests-associated-with-commit", "200")[0]
        return {key: full.get(key, value) for key, value in example.items()}

    def pull_minimal(self, pr: PullRequest) -> dict[str, Any]:
        """The short form a check run lists its pull requests in."""
        repo = self.world.repositories[pr.repo.lower()]
        head_repo = self.world.repositories.get(pr.head_repo.lower(), repo)

        def end(target: Repository, ref: str, sha: str) -> dict[str, Any]:
            url = f"{self.base_url}/repos/{target.full_name}"
            return {"ref": ref, "sha": sha, "repo": {"id": target.id, "url": url, "name": target.name}}

        return {
            "id": pr.id,
            "number": pr.number,
            "url": f"{self.base_url}/repos/{repo.full_name}/pulls/{pr.number}",
            "head": end(head_repo, pr.head_ref, pr.head_sha),
            "base": end(repo, pr.base_ref, pr.base_sha),
        }

    def diff_entry(self, pr: PullRequest, entry: FileDiff) -> dict[str, Any]:
        return self.file_entry(self.world.repositories[pr.repo.lower()], pr.head_sha, entry)

    def file_entry(self, repo: Repository, head_sha: str, entry: FileDiff) -> dict[str, Any]:
        """One changed file, as a pull request's files and a comparison list them."""
        snapshot = repo.commits.get(head_sha, {})
        content = snapshot.get(entry.filename)
        sha = blob_sha(content) if content is not None else blob_sha(f"{head_sha}:{entry.filename}".encode())
        out: dict[str, Any] = {
            "sha": sha,
            "filename": entry.filename,
            "status": entry.status,
            "additions": entry.additions,
            "deletions": entry.deletions,
            "changes": entry.changes,
            "blob_url": f"{self.web}/{repo.full_name}/blob/{head_sha}/{entry.filename}",
            "raw_url": f"{self.web}/{repo.full_name}/raw/{head_sha}/{entry.filename}",
            "contents_url": f"{self.base_url}/repos/{repo.full_name}/contents/{entry.filename}?ref={head_sha}",
        }
        if entry.patch is not None:
            out["patch"] = entry.patch
        if entry.previous_filename is not None:
            out["previous_filename"] = entry.previous_filename
        return out

    def commit(self, repo: Repository, sha: str) -> dict[str, Any]:
        """A commit as a comparison lists it: GitHub's example, moved onto the fake's repository and commit."""
        example = self._example("repos/compare-commits-with-basehead", "200")["base_commit"]
        out: dict[str, Any] = _swap(
            example, {"octocat/Hello-World": repo.full_name, "6dcb09b5b57875f334f61aebed695e2e4193db5e": sha}
        )
        out.update(node_id=_node_id("Commit", int(sha[:8], 16)))
        out["parents"] = [
            {
                "sha": parent,
                "url": f"{self.base_url}/repos/{repo.full_name}/commits/{parent}",
                "html_url": f"{self.web}/{repo.full_name}/commit/{parent}",
            }
            for parent in repo.parents.get(sha, ())
        ]
        return out

    def comparison(
        self,
        repo: Repository,
        basehead: str,
        *,
        base: str,
        merge_base: str,
        status: str,
        ahead: list[str],
        behind: list[str],
        commits: list[str],
        files: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        """`GET .../compare/{basehead}`: `commits` the page of the ahead commits listed, `files` on the first page."""
        out: dict[str, Any] = {
            "url": f"{self.base_url}/repos/{repo.full_name}/compare/{basehead}",
            "html_url": f"{self.web}/{repo.full_name}/compare/{basehead}",
            "permalink_url": f"{self.web}/{repo.full_name}/compare/{basehead}",
            "diff_url": f"{self.web}/{repo.full_name}/compare/{basehead}.diff",
            "patch_url": f"{self.web}/{repo.full_name}/compare/{basehead}.patch",
            "base_commit": self.commit(repo, base),
            "merge_base_commit": self.commit(repo, merge_base),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [self.commit(repo, sha) for sha in commits],
        }
        if files is not None:
            out["files"] = files
        return out

    def check_run(self, run: CheckRun) -> dict[str, Any]:
        repo = self.world.repositories[run.repo.lower()]
        out: dict[str, Any] = self._example("checks/create", "201")
        url = f"{self.base_url}/repos/{repo.full_name}/check-runs/{run.id}"
        out.update(
            id=run.id,
            node_id=_node_id("CheckRun", run.id),
            head_sha=run.head_sha,
            external_id=run.external_id,
            url=url,
            html_url=f"{self.web}/{repo.full_name}/runs/{run.id}",
            details_url=run.details_url,
            status=run.status,
            conclusion=run.conclusion,
            started_at=run.started_at,
            completed_at=run.completed_at,
            name=run.name,
            check_suite={"id": run.id + 1},
            app=self.app(),
            output={
                "title": run.output.get("title"),
                "summary": run.output.get("summary"),
                "text": run.output.get("text"),
                "annotations_count": len(run.annotations),
                "annotations_url": f"{url}/annotations",
            },
            pull_requests=[
                self.pull_minimal(pr)
                for pr in self.world.pulls.values()
                if pr.repo.lower() == run.repo.lower() and pr.head_sha == run.head_sha and pr.state == "open"
            ],
        )
        return out

    def review(self, review: Review) -> dict[str, Any]:
        repo = self.world.repositories[review.repo.lower()]
        pr_url = f"{self.base_url}/repos/{repo.full_name}/pulls/{review.number}"
        html = f"{self.web}/{repo.full_name}/pull/{review.number}#pullrequestreview-{review.id}"
        out: dict[str, Any] = self._example("pulls/create-review", "200")
        out.update(
            id=review.id,
            node_id=_node_id("PullRequestReview", review.id),
            user=self.user(review.user, "Bot"),
            body=review.body,
            state=review.state,
            html_url=html,
            pull_request_url=pr_url,
            _links={"html": {"href": html}, "pull_request": {"href": pr_url}},
            submitted_at=review.submitted_at,
            commit_id=review.commit_id,
            author_association="NONE",
        )
        if review.submitted_at is None:
            out.pop("submitted_at")  # a pending review has not been submitted
        return out

    def review_comment(self, comment: ReviewComment) -> dict[str, Any]:
        repo = self.world.repositories[comment.repo.lower()]
        url = f"{self.base_url}/repos/{repo.full_name}/pulls/comments/{comment.id}"
        html = f"{self.web}/{repo.full_name}/pull/{comment.number}#discussion_r{comment.id}"
        pr_url = f"{self.base_url}/repos/{repo.full_name}/pulls/{comment.number}"
        out: dict[str, Any] = self._example("pulls/list-review-comments", "200")[0]
        out.update(
            url=url,
            id=comment.id,
            node_id=_node_id("PullRequestReviewComment", comment.id),
            pull_request_review_id=comment.review_id,
            diff_hunk=comment.diff_hunk,
            path=comment.path,
            commit_id=comment.commit_id,
            original_commit_id=comment.commit_id,
            user=self.user(comment.user, comment.user_type),
            body=comment.body,
            created_at=comment.created_at,
            updated_at=comment.created_at,
            html_url=html,
            pull_request_url=pr_url,
            author_association="NONE" if comment.user_type == "Bot" else "MEMBER",
            _links={"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pr_url}},
            start_line=None,
            original_start_line=None,
            start_side=None,
            side=comment.side,
            subject_type="line",
        )
        for legacy in ("position", "original_position", "in_reply_to_id"):
            out.pop(legacy, None)  # the fake keeps no diff positions and no replies
        if comment.line is None:
            out.pop("line", None)
            out.pop("original_line", None)
        else:
            out.update(line=comment.line, original_line=comment.line)
        return out

    def issue_comment(self, comment: IssueComment) -> dict[str, Any]:
        repo = self.world.repositories[comment.repo.lower()]
        out: dict[str, Any] = self._example("issues/create-comment", "201")
        out.update(
            id=comment.id,
            node_id=_node_id("IssueComment", comment.id),
            url=f"{self.base_url}/repos/{repo.full_name}/issues/comments/{comment.id}",
            html_url=f"{self.web}/{repo.full_name}/issues/{comment.issue_number}#issuecomment-{comment.id}",
            body=comment.body,
            user=self.user(comment.user, comment.user_type),
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            issue_url=f"{self.base_url}/repos/{repo.full_name}/issues/{comment.issue_number}",
            author_association="NONE" if comment.user_type == "Bot" else "MEMBER",
        )
        if comment.user_type == "Bot":
            out["performed_via_github_app"] = self.app()
        return out

    def issue(self, issue: Issue) -> dict[str, Any]:
        repo = self.world.repositories[issue.repo.lower()]
        out: dict[str, Any] = self._example("issues/create", "201")
        url = f"{self.base_url}/repos/{repo.full_name}/issues/{issue.number}"
        out.update(
            id=issue.id,
            node_id=_node_id("Issue", issue.id),
            url=url,
            repository_url=f"{self.base_url}/repos/{repo.full_name}",
            labels_url=url + "/labels{/name}",
            comments_url=url + "/comments",
            events_url=url + "/events",
            html_url=f"{self.web}/{repo.full_name}/issues/{issue.number}",
            number=issue.number,
            state=issue.state,
            title=issue.title,
            body=issue.body,
            user=self.user(issue.user, "Bot" if issue.user.endswith("[bot]") else "User"),
            labels=[self._label(repo, name) for name in issue.labels],
            assignee=self.user(issue.assignees[0]) if issue.assignees else None,
            assignees=[self.user(login) for login in issue.assignees],
            milestone=None,
            locked=False,
            active_lock_reason=None,
            comments=sum(
                1 for c in self.world.comments.values() if c.repo == issue.repo and c.issue_number == issue.number
            ),
            closed_at=None,
            closed_by=None,
            created_at=issue.created_at,
            updated_at=issue.created_at,
            author_association="NONE",
            state_reason=None,
        )
        out.pop("pull_request", None)
        out.pop("pinned_comment", None)
        return out

    def pull_as_issue(self, pr: PullRequest) -> dict[str, Any]:
        """Listing issues also lists pull requests, marked by a `pull_request` key, as GitHub does."""
        as_issue = Issue(pr.id, pr.repo, pr.number, pr.title, pr.body, pr.user, [], [], pr.state, pr.created_at)
        out = self.issue(as_issue)
        out["pull_request"] = {
            "url": f"{self.base_url}/repos/{pr.repo}/pulls/{pr.number}",
            "html_url": f"{self.web}/{pr.repo}/pull/{pr.number}",
            "diff_url": f"{self.web}/{pr.repo}/pull/{pr.number}.diff",
            "patch_url": f"{self.web}/{pr.repo}/pull/{pr.number}.patch",
            "merged_at": None,
        }
        return out

    def _label(self, repo: Repository, name: str) -> dict[str, Any]:
        return {
            "id": zlib.crc32(f"{repo.full_name}:{name}".encode()),
            "node_id": _node_id("Label", 0),
            "url": f"{self.base_url}/repos/{repo.full_name}/labels/{name}",
            "name": name,
            "description": None,
            "color": "ededed",
            "default": False,
        }

    def delivery(self, delivery: Delivery) -> dict[str, Any]:
        return {
            "id": delivery.id,
            "guid": delivery.guid,
            "delivered_at": delivery.delivered_at,
            "redelivery": delivery.redelivery,
            "duration": 0.1,
            "status": "OK" if 200 <= delivery.status_code < 300 else f"Invalid HTTP Response: {delivery.status_code}",
            "status_code": delivery.status_code,
            "event": delivery.event,
            "action": delivery.action,
            "installation_id": delivery.installation_id,
            "repository_id": delivery.repository_id,
            "throttled_at": None,
        }

    def permission(self, role: str, login: str) -> dict[str, Any]:
        user = self.user(login)
        level = _ROLE_TO_PERMISSION.get(role, "none")
        ranks = ["read", "triage", "write", "maintain", "admin"]
        rank = ranks.index(role) if role in ranks else -1
        user["permissions"] = {
            "pull": rank >= 0,
            "triage": rank >= 1,
            "push": rank >= 2,
            "maintain": rank >= 3,
            "admin": rank >= 4,
        }
        user["role_name"] = role
        return {"permission": level, "role_name": role, "user": user}

    def content_file(self, repo: Repository, ref: str, path: str, content: bytes) -> dict[str, Any]:
        out = self._content_entry(repo, ref, path, kind="file", sha=blob_sha(content), size=len(content))
        if len(content) > MAX_INLINE_CONTENT:
            out.update(encoding="none", content="")
        else:
            encoded = base64.b64encode(content).decode()
            # GitHub wraps the base64 text at 60 characters; a client must ignore the newlines
            out.update(encoding="base64", content="\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)))
        return out

    def content_entry(self, repo: Repository, ref: str, path: str, entry: TreeEntry) -> dict[str, Any]:
        kind = "file" if entry.kind == "blob" else "dir"
        return self._content_entry(repo, ref, path, kind=kind, sha=entry.sha, size=entry.size or 0)

    def _content_entry(
        self, repo: Repository, ref: str, path: str, *, kind: str, sha: str, size: int
    ) -> dict[str, Any]:
        url = f"{self.base_url}/repos/{repo.full_name}/contents/{path}?ref={ref}"
        git_url = f"{self.base_url}/repos/{repo.full_name}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}"
        html_url = f"{self.web}/{repo.full_name}/{'blob' if kind == 'file' else 'tree'}/{ref}/{path}"
        download = f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}" if kind == "file" else None
        return {
            "type": kind,
            "size": size,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": download,
            "_links": {"self": url, "git": git_url, "html": html_url},
        }

    def tree(self, repo: Repository, sha: str, entries: list[TreeEntry]) -> dict[str, Any]:
        def entry(found: TreeEntry) -> dict[str, Any]:
            kind_path = "blobs" if found.kind == "blob" else "trees"
            out: dict[str, Any] = {
                "path": found.path,
                "mode": "100644" if found.kind == "blob" else "040000",
                "type": found.kind,
                "sha": found.sha,
                "url": f"{self.base_url}/repos/{repo.full_name}/git/{kind_path}/{found.sha}",
            }
            if found.size is not None:
                out["size"] = found.size
            return out

        return {
            "sha": sha,
            "url": f"{self.base_url}/repos/{repo.full_name}/git/trees/{sha}",
            "tree": [entry(e) for e in entries],
            "truncated": False,
        }

    def token(
        self, value: str, expires_at: float, permissions: dict[str, str], repos: list[Repository]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "token": value,
            "expires_at": iso(expires_at),
            "permissions": permissions,
            "repository_selection": "selected",
        }
        if repos:
            out["repositories"] = [self.repository(r) for r in repos]
        return out
