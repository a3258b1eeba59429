"""The gateway over githubkit: App JWT -> installation token, REST calls, short retries, paced writes.

Set up against three githubkit habits that bite a worker:
- its HTTP cache (hishel) drops httpx's per-request timeout, so a hung GitHub would hang the job for
  ever: the cache is off (`http_cache=False`) and every request has `timeout` seconds per phase;
- its default token cache is one for the whole process, keyed by app id: each App (and each gateway
  made without one) gets a cache strategy of its own, or the one given (`AsyncRedisCacheStrategy`
  to share tokens between worker processes);
- its default retry sleeps inside the request for as long as a rate limit says: `ShortRetry` waits
  only a few seconds and otherwise lets the error reach `bot.errors.classify`.

Answers are read from their JSON rather than githubkit's models: a review needs a dozen fields, and
a model that fails on a field nobody reads (or spends a second validating a 100,000-entry tree)
would fail or slow the review for nothing.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType, TracebackType
from typing import Any, ParamSpec, TypeVar, cast
from urllib.parse import quote

import httpx
from githubkit import AppAuthStrategy, GitHub
from githubkit.cache import BaseCacheStrategy, MemCacheStrategy
from githubkit.exception import GitHubException, RateLimitExceeded, RequestError, RequestFailed
from githubkit.response import Response
from githubkit.typing import RetryDecisionFunc
from githubkit.utils import UNSET

from bot.github.app_login import AppLogin
from bot.github.auth import RenewingInstallationAuth
from bot.github.metering import MeteredTransport, RequestObserver
from bot.github.pacing import DEFAULT_WRITE_INTERVAL, WritePacer, WritePacing
from bot.github.protocol import (
    MAX_ANNOTATIONS_PER_REQUEST,
    AppInfo,
    BranchHead,
    CheckConclusion,
    CheckStatus,
    Comment,
    Comparison,
    Delivery,
    DeliveryPage,
    DiffTooLarge,
    InlineComment,
    IssueRef,
    IssueState,
    PullInfo,
    Tree,
)
from bot.github.retry import ShortRetry
from bot.jobs import HeadSha, InstallationId

DEFAULT_BASE_URL = "https://api.github.com"
#: Seconds each phase of a request may take (connect, send, each read): past it the request fails.
DEFAULT_TIMEOUT = 30.0
#: Files larger than this are not fetched as text (the contents API serves at most 1 MB inline anyway).
DEFAULT_MAX_TEXT_BYTES = 1024 * 1024
#: GitHub lists at most 3,000 files of a pull request.
MAX_LISTED_FILES = 3000
PER_PAGE = 100
DIFF_MEDIA_TYPE = "application/vnd.github.diff"
USER_AGENT = "debtbot"

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _github_errors(method: Callable[_P, Coroutine[Any, Any, _T]]) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """Raise GitHub's answer to a token request as itself.

    A failed token request happens inside httpx's auth flow, and githubkit wraps whatever escapes the
    flow in a bare `RequestError`: `classify` would see a bug where GitHub said 404 (installation gone),
    403 or 5xx.
    """

    @functools.wraps(method)
    async def unwrapped(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return await method(*args, **kwargs)
        except RequestError as exc:
            if type(exc) is RequestError and isinstance(exc.exc, GitHubException):
                raise exc.exc from None
            raise

    return unwrapped


def metered_transport(base_url: str, observer: RequestObserver | None, *, proxy: str | None = None) -> MeteredTransport:
    """A pooled transport reporting to `observer`; its owner closes it (`MeteredTransport.close`)."""
    # httpx reads proxies from the environment only for clients without a transport: name it here.
    return MeteredTransport(httpx.AsyncHTTPTransport(proxy=proxy), observer, base_path=httpx.URL(base_url).path)


def _client(
    auth: AppAuthStrategy | RenewingInstallationAuth,
    *,
    base_url: str,
    timeout: float,
    cache_strategy: BaseCacheStrategy,
    transport: MeteredTransport,
    retry: RetryDecisionFunc,
) -> GitHub[Any]:
    return GitHub(
        auth,
        base_url=base_url,
        user_agent=USER_AGENT,
        timeout=httpx.Timeout(timeout),
        http_cache=False,
        cache_strategy=cache_strategy,
        auto_retry=retry,
        async_transport=transport,
    )


def split_repo(full_name: str) -> tuple[str, str]:
    owner, slash, name = full_name.partition("/")
    if not owner or not slash or not name or "/" in name:
        raise ValueError(f"not a repository's full name (owner/name): {full_name!r}")
    return owner, name


def _json_list(response: Response[Any]) -> list[Any]:
    data = response.json()
    return data if isinstance(data, list) else []


def _check_runs(response: Response[Any]) -> list[Any]:
    """The `check_runs` of a page of GitHub's check-run listing (an object, not a list)."""
    data = response.json()
    runs = data.get("check_runs") if isinstance(data, dict) else None
    return runs if isinstance(runs, list) else []


def _status(exc: RequestFailed) -> int:
    return exc.response.status_code


def _blob_too_large(exc: RequestFailed) -> bool:
    """The contents API's 403 for a file over 1 MB (not a rate limit, not a missing permission)."""
    if _status(exc) != 403 or isinstance(exc, RateLimitExceeded):
        return False
    try:
        body = exc.response.raw_response.json()
    except ValueError:
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(isinstance(e, dict) and e.get("code") == "too_large" for e in errors)


def _login(user: Any) -> str | None:
    return str(user["login"]) if isinstance(user, dict) and user.get("login") else None


def _full_name(repo: Any) -> str | None:
    return str(repo["full_name"]) if isinstance(repo, dict) and repo.get("full_name") else None


def _pull_info(data: Any) -> PullInfo:
    head, base = data["head"], data["base"]
    return PullInfo(
        number=int(data["number"]),
        state=str(data["state"]),
        # Listings give the shorter form, without `merged`: a merge time says the same.
        merged=bool(data.get("merged") or data.get("merged_at")),
        draft=bool(data.get("draft")),
        author=_login(data.get("user")),
        head_sha=HeadSha(str(head["sha"])),
        head_ref=str(head["ref"]),
        head_repo=_full_name(head.get("repo")),
        base_repo=str(base["repo"]["full_name"]),
        base_ref=str(base["ref"]),
        base_sha=str(base["sha"]),
    )


def _comment(data: Any) -> Comment:
    body = data.get("body")
    return Comment(
        id=int(data["id"]),
        body=body if isinstance(body, str) else None,
        author=_login(data.get("user")),
        html_url=str(data.get("html_url", "")),
    )


def _inline_comment(data: Any) -> InlineComment:
    body, review_id, line = data.get("body"), data.get("pull_request_review_id"), data.get("line")
    return InlineComment(
        id=int(data["id"]),
        review_id=review_id if isinstance(review_id, int) else None,
        body=body if isinstance(body, str) else None,
        author=_login(data.get("user")),
        path=str(data.get("path", "")),
        line=line if isinstance(line, int) else None,
        commit_id=str(data.get("commit_id", "")),
        html_url=str(data.get("html_url", "")),
    )


def _issue(data: Any) -> IssueRef:
    return IssueRef(
        id=int(data["id"]),
        number=int(data["number"]),
        state=str(data["state"]),
        html_url=str(data["html_url"]),
        title=str(data.get("title") or ""),
    )


def _delivery(data: Any) -> Delivery:
    return Delivery(
        id=int(data["id"]),
        guid=str(data["guid"]),
        event=str(data["event"]),
        action=data.get("action"),
        status_code=int(data.get("status_code") or 0),
        delivered_at=datetime.fromisoformat(str(data["delivered_at"])),
        redelivery=bool(data.get("redelivery")),
        installation_id=data.get("installation_id"),
        repository_id=data.get("repository_id"),
    )


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that were given: GitHub reads an explicit null as "clear it"."""
    return {key: value for key, value in fields.items() if value is not None}


def _checked_output(output: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if output is None:
        return None
    annotations = output.get("annotations") or ()
    if len(annotations) > MAX_ANNOTATIONS_PER_REQUEST:
        # GitHub refuses the whole request: the caller sends further batches as further updates.
        raise ValueError(f"{len(annotations)} annotations in one request; GitHub takes {MAX_ANNOTATIONS_PER_REQUEST}")
    return dict(output)


class GitHubKitGateway:
    """`GitHubGateway` as one installation, through githubkit.

    Made by `GitHubKitApp.gateway_for` (which shares one connection pool, token cache and write pacing
    among its gateways), or on its own; then `aclose()` it (or use it with `async with`).
    """

    def __init__(
        self,
        *,
        app_id: int | str,
        private_key: str,
        installation_id: InstallationId,
        base_url: str = DEFAULT_BASE_URL,
        cache_strategy: BaseCacheStrategy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        pacer: WritePacer | None = None,
        retry: RetryDecisionFunc | None = None,
        observer: RequestObserver | None = None,
        transport: MeteredTransport | None = None,
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        app_login: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        """`observer` is told of each request when the gateway makes its own transport (no `transport` given).

        `app_login` gives the App's login (`GitHubKitApp` shares one that asks GitHub once); without it the
        gateway asks GitHub itself, with the App's JWT, the first time it is needed.
        """
        self._installation_id = installation_id
        self._app_id = int(app_id)
        self._owned_transport = None if transport is not None else metered_transport(base_url, observer)
        self._pacer = pacer or WritePacer()
        self._max_text_bytes = max_text_bytes
        cache = cache_strategy or MemCacheStrategy()
        chosen_transport = transport or cast(MeteredTransport, self._owned_transport)
        retry = retry or ShortRetry()
        self._github = _client(
            RenewingInstallationAuth(app_id, private_key, installation_id),
            base_url=base_url,
            timeout=timeout,
            cache_strategy=cache,
            transport=chosen_transport,
            retry=retry,
        )
        self._rest = self._github.rest
        self._app_login = app_login or AppLogin(
            _client(
                AppAuthStrategy(app_id, private_key),
                base_url=base_url,
                timeout=timeout,
                cache_strategy=cache,
                transport=chosen_transport,
                retry=retry,
            )
        )

    @property
    def installation_id(self) -> InstallationId:
        return self._installation_id

    async def aclose(self) -> None:
        if self._owned_transport is not None:
            await self._owned_transport.close()

    async def __aenter__(self) -> GitHubKitGateway:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    @_github_errors
    async def app_login(self) -> str:
        return await self._app_login()

    # -- reading ---------------------------------------------------------------------------------------------

    @_github_errors
    async def get_pull(self, repo: str, number: int) -> PullInfo:
        owner, name = split_repo(repo)
        response = await self._rest.pulls.async_get(owner, name, number)
        return _pull_info(response.json())

    @_github_errors
    async def list_pulls_for_commit(self, repo: str, sha: str) -> list[PullInfo]:
        owner, name = split_repo(repo)
        pages = self._rest.paginate(
            self._rest.repos.async_list_pull_requests_associated_with_commit,
            map_func=_json_list,
            owner=owner,
            repo=name,
            commit_sha=sha,
            per_page=PER_PAGE,
        )
        return [_pull_info(entry) async for entry in pages]

    @_github_errors
    async def get_diff(self, repo: str, number: int) -> str:
        owner, name = split_repo(repo)
        try:
            response = await self._rest.pulls.async_get(owner, name, number, headers={"Accept": DIFF_MEDIA_TYPE})
        except RequestFailed as exc:
            if _status(exc) == 406:
                raise DiffTooLarge(exc.response) from exc
            raise
        return response.text

    @_github_errors
    async def list_files(self, repo: str, number: int, limit: int = MAX_LISTED_FILES) -> list[dict[str, Any]]:
        owner, name = split_repo(repo)
        pages = self._rest.paginate(
            self._rest.pulls.async_list_files,
            map_func=_json_list,
            owner=owner,
            repo=name,
            pull_number=number,
            per_page=max(1, min(PER_PAGE, limit)),
        )
        files: list[dict[str, Any]] = []
        if limit <= 0:
            return files
        async for entry in pages:
            files.append(entry)
            if len(files) >= limit:
                break  # before the paginator asks for a page nobody wants
        return files

    @_github_errors
    async def get_tree(self, repo: str, sha: str) -> Tree:
        owner, name = split_repo(repo)
        response = await self._rest.git.async_get_tree(owner, name, sha, recursive="1")
        data = response.json()
        paths: set[str] = set()
        sizes: dict[str, int] = {}
        for entry in data.get("tree", []):
            kind, path = entry.get("type"), str(entry.get("path"))
            if kind == "tree":
                continue
            paths.add(path)  # blobs (files and symbolic links) and commits (submodules)
            if kind == "blob" and isinstance(entry.get("size"), int):
                sizes[path] = entry["size"]
        return Tree(paths=frozenset(paths), sizes=MappingProxyType(sizes), truncated=bool(data.get("truncated")))

    @_github_errors
    async def get_text(self, repo: str, path: str, ref: str) -> str | None:
        owner, name = split_repo(repo)
        if any(part in (".", "..") for part in path.split("/")):
            # httpx resolves dot segments: `../../other/repo/contents/x` would read another repository.
            return None
        try:
            # githubkit puts the path into the URL as it is: a `#`, `?` or `%` in a file name must be escaped.
            response = await self._rest.repos.async_get_content(owner, name, quote(path, safe="/"), ref=ref)
        except RequestFailed as exc:
            if (_status(exc) == 404 and not isinstance(exc, RateLimitExceeded)) or _blob_too_large(exc):
                return None
            raise
        data = response.json()
        if not isinstance(data, dict) or data.get("type") != "file" or data.get("encoding") != "base64":
            return None  # a directory listing, a submodule, a symbolic link to outside the repository
        if int(data.get("size") or 0) > self._max_text_bytes:
            return None
        try:
            return base64.b64decode(str(data.get("content", ""))).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None  # binary

    @_github_errors
    async def get_permission(self, repo: str, user: str) -> str:
        owner, name = split_repo(repo)
        try:
            response = await self._rest.repos.async_get_collaborator_permission_level(owner, name, user)
        except RequestFailed as exc:
            if _status(exc) == 404 and not isinstance(exc, RateLimitExceeded):
                return "none"  # no such user: no say over the repository
            raise
        return str(response.json().get("permission") or "none")

    @_github_errors
    async def list_issue_comments(self, repo: str, number: int) -> list[Comment]:
        owner, name = split_repo(repo)
        pages = self._rest.paginate(
            self._rest.issues.async_list_comments,
            map_func=_json_list,
            owner=owner,
            repo=name,
            issue_number=number,
            per_page=PER_PAGE,
        )
        return [_comment(entry) async for entry in pages]

    @_github_errors
    async def get_issue(self, repo: str, number: int) -> IssueRef | None:
        owner, name = split_repo(repo)
        try:
            response = await self._rest.issues.async_get(owner, name, number)
        except RequestFailed as exc:
            if _status(exc) in (404, 410) and not isinstance(exc, RateLimitExceeded):
                return None
            raise
        return _issue(response.json())

    @_github_errors
    async def list_issues(self, repo: str, *, creator: str | None = None, state: IssueState = "open") -> list[IssueRef]:
        owner, name = split_repo(repo)
        pages = self._rest.paginate(
            self._rest.issues.async_list_for_repo,
            map_func=_json_list,
            owner=owner,
            repo=name,
            state=state,
            creator=UNSET if creator is None else creator,
            per_page=PER_PAGE,
        )
        # GitHub lists pull requests among issues, marked by a `pull_request` key.
        return [_issue(entry) async for entry in pages if "pull_request" not in entry]

    @_github_errors
    async def list_review_comments(self, repo: str, number: int) -> list[InlineComment]:
        owner, name = split_repo(repo)
        pages = self._rest.paginate(
            self._rest.pulls.async_list_review_comments,
            map_func=_json_list,
            owner=owner,
            repo=name,
            pull_number=number,
            per_page=PER_PAGE,
        )
        return [_inline_comment(entry) async for entry in pages]

    @_github_errors
    async def find_check_run(self, repo: str, head_sha: str, name: str, external_id: str) -> int | None:
        owner, repo_name = split_repo(repo)
        pages = self._rest.paginate(
            self._rest.checks.async_list_for_ref,
            map_func=_check_runs,
            owner=owner,
            repo=repo_name,
            ref=head_sha,
            check_name=name,
            filter_="all",
            app_id=self._app_id,
            per_page=PER_PAGE,
        )
        async for run in pages:
            if run.get("external_id") == external_id:
                return int(run["id"])
        return None

    @_github_errors
    async def check_run_annotations(self, repo: str, check_run_id: int) -> int:
        owner, repo_name = split_repo(repo)
        run: Any = (await self._rest.checks.async_get(owner, repo_name, check_run_id)).json()
        return int(run["output"]["annotations_count"])

    @_github_errors
    async def get_branch_head(self, repo: str, branch: str | None = None) -> BranchHead:
        owner, name = split_repo(repo)
        if branch is None:
            repository: Any = (await self._rest.repos.async_get(owner, name)).json()
            branch = str(repository["default_branch"])
        found: Any = (await self._rest.repos.async_get_branch(owner, name, branch)).json()
        return BranchHead(name=str(found["name"]), sha=str(found["commit"]["sha"]))

    @_github_errors
    async def compare(self, repo: str, base: str, head: str) -> Comparison:
        owner, name = split_repo(repo)
        # One commit a page: the files come with the first page whatever its size, and the commits are not needed.
        response = await self._rest.repos.async_compare_commits(owner, name, f"{base}...{head}", per_page=1)
        data: Any = response.json()
        files = data.get("files")
        return Comparison(
            status=str(data["status"]),
            ahead_by=int(data["ahead_by"]),
            behind_by=int(data["behind_by"]),
            merge_base_sha=str(data["merge_base_commit"]["sha"]),
            files=files if isinstance(files, list) else [],
        )

    # -- writing (paced) -------------------------------------------------------------------------------------

    @_github_errors
    async def create_check_run(
        self,
        repo: str,
        head_sha: str,
        name: str,
        status: CheckStatus,
        *,
        conclusion: CheckConclusion | None = None,
        output: Mapping[str, Any] | None = None,
        details_url: str | None = None,
        external_id: str | None = None,
    ) -> int:
        owner, repo_name = split_repo(repo)
        body = _present(
            name=name,
            head_sha=head_sha,
            status=status,
            conclusion=conclusion,
            output=_checked_output(output),
            details_url=details_url,
            external_id=external_id,
        )
        async with self._pacer.turn():
            # A dict for githubkit's TypedDict body: githubkit validates it against GitHub's schema.
            response = await self._rest.checks.async_create(owner, repo_name, data=cast(Any, body))
        return int(response.json()["id"])

    @_github_errors
    async def update_check_run(
        self,
        repo: str,
        check_run_id: int,
        *,
        name: str | None = None,
        status: CheckStatus | None = None,
        conclusion: CheckConclusion | None = None,
        output: Mapping[str, Any] | None = None,
    ) -> None:
        owner, repo_name = split_repo(repo)
        body = _present(name=name, status=status, conclusion=conclusion, output=_checked_output(output))
        async with self._pacer.turn():
            await self._rest.checks.async_update(owner, repo_name, check_run_id, data=cast(Any, body))

    @_github_errors
    async def create_review(
        self, repo: str, number: int, commit_id: str, body: str, comments: Sequence[Mapping[str, Any]]
    ) -> int:
        owner, name = split_repo(repo)
        payload = {"commit_id": commit_id, "body": body, "event": "COMMENT", "comments": [dict(c) for c in comments]}
        async with self._pacer.turn():
            response = await self._rest.pulls.async_create_review(owner, name, number, data=cast(Any, payload))
        return int(response.json()["id"])

    @_github_errors
    async def create_issue_comment(self, repo: str, number: int, body: str) -> Comment:
        owner, name = split_repo(repo)
        async with self._pacer.turn():
            response = await self._rest.issues.async_create_comment(owner, name, number, body=body)
        return _comment(response.json())

    @_github_errors
    async def update_issue_comment(self, repo: str, comment_id: int, body: str) -> Comment:
        owner, name = split_repo(repo)
        async with self._pacer.turn():
            response = await self._rest.issues.async_update_comment(owner, name, comment_id, body=body)
        return _comment(response.json())

    @_github_errors
    async def create_issue(self, repo: str, title: str, body: str, labels: Sequence[str] = ()) -> IssueRef:
        owner, name = split_repo(repo)
        payload = _present(title=title, body=body, labels=list(labels) or None)
        async with self._pacer.turn():
            response = await self._rest.issues.async_create(owner, name, data=cast(Any, payload))
        return _issue(response.json())

    @_github_errors
    async def update_issue(
        self,
        repo: str,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: IssueState | None = None,
        labels: Sequence[str] | None = None,
    ) -> IssueRef:
        owner, name = split_repo(repo)
        payload = _present(title=title, body=body, state=state, labels=None if labels is None else list(labels))
        async with self._pacer.turn():
            response = await self._rest.issues.async_update(owner, name, number, data=cast(Any, payload))
        return _issue(response.json())


class GitHubKitApp:
    """`GitHubApp` through githubkit: the App's JWT for its own endpoints, a gateway per installation.

    Its gateways share one connection pool, one token cache (each token keyed by installation) and one
    write pacer per installation. Make it once per process and event loop; `aclose()` it at shutdown.
    """

    def __init__(
        self,
        *,
        app_id: int | str,
        private_key: str,
        base_url: str = DEFAULT_BASE_URL,
        cache_strategy: BaseCacheStrategy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        observer: RequestObserver | None = None,
        retry: RetryDecisionFunc | None = None,
        pacing: WritePacing | None = None,
        write_interval: float = DEFAULT_WRITE_INTERVAL,
        proxy: str | None = None,
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
    ) -> None:
        self._app_id = app_id
        self._private_key = private_key
        self._base_url = base_url
        self._timeout = timeout
        self._cache_strategy = cache_strategy or MemCacheStrategy()
        self._retry = retry or ShortRetry()
        self._pacing = pacing or WritePacing(write_interval)
        self._max_text_bytes = max_text_bytes
        self._transport = metered_transport(base_url, observer, proxy=proxy)
        self._github = _client(
            AppAuthStrategy(app_id, private_key),
            base_url=base_url,
            timeout=timeout,
            cache_strategy=self._cache_strategy,
            transport=self._transport,
            retry=self._retry,
        )
        self._app_login = AppLogin(self._github)

    def __repr__(self) -> str:
        return f"GitHubKitApp(app_id={self._app_id!r}, base_url={self._base_url!r})"  # never the key

    def gateway_for(self, installation_id: InstallationId) -> GitHubKitGateway:
        return GitHubKitGateway(
            app_id=self._app_id,
            private_key=self._private_key,
            installation_id=installation_id,
            base_url=self._base_url,
            cache_strategy=self._cache_strategy,
            timeout=self._timeout,
            pacer=self._pacing.pacer(installation_id),
            retry=self._retry,
            transport=self._transport,
            max_text_bytes=self._max_text_bytes,
            app_login=self._app_login,
        )

    @_github_errors
    async def list_failed_deliveries(self, since: datetime) -> list[Delivery]:
        if since.tzinfo is None:
            raise ValueError("`since` must be timezone-aware (GitHub's times are UTC)")
        rest = self._github.rest
        pages = rest.paginate(
            rest.apps.async_list_webhook_deliveries, map_func=_json_list, per_page=PER_PAGE, status="failure"
        )
        found: list[Delivery] = []
        async for entry in pages:  # newest first
            delivery = _delivery(entry)
            if delivery.delivered_at < since:
                break
            # Filtered here too: a next-page link need not repeat the `status` filter of the first request.
            if not 200 <= delivery.status_code < 300:
                found.append(delivery)
        return found

    @_github_errors
    async def list_deliveries_page(self, cursor: str | None = None) -> DeliveryPage:
        kwargs: dict[str, Any] = {"per_page": PER_PAGE}
        if cursor is not None:
            kwargs["cursor"] = cursor
        response = await self._github.rest.apps.async_list_webhook_deliveries(**kwargs)
        # GitHub pages deliveries by an opaque cursor, given only in the `next` link.
        link = response.raw_response.links.get("next", {}).get("url")
        following = httpx.URL(link).params.get("cursor") if link else None
        return DeliveryPage([_delivery(entry) for entry in _json_list(response)], following or None)

    @_github_errors
    async def redeliver(self, delivery_id: int) -> None:
        await self._github.rest.apps.async_redeliver_webhook_delivery(delivery_id)

    @_github_errors
    async def app_info(self) -> AppInfo:
        """The App GitHub finds for this id and key: a 401 here means the key is not this App's."""
        data: Any = (await self._github.rest.apps.async_get_authenticated()).json()
        return AppInfo(id=int(data["id"]), slug=str(data["slug"]))

    async def aclose(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> GitHubKitApp:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()
