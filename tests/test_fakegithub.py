"""The fake GitHub, driven by githubkit over real HTTP: it answers like GitHub and refuses what GitHub refuses."""

from __future__ import annotations

import base64
import threading
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from githubkit import AppAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from githubkit.exception import (
    PrimaryRateLimitExceeded,
    RequestFailed,
    RequestTimeout,
    SecondaryRateLimitExceeded,
)
from githubkit.retry import RetryOption
from githubkit_schemas.latest.models import ContentFile

from tests.fakegithub import DiffLimits, FakeGitHub, Settings, generate_app_key, shared_app_key
from tests.fakegithub.auth import EXP_PAST, EXP_TOO_FAR, IAT_INVALID, JWT_UNDECODABLE
from tests.fakegithub.keys import FAKE_APP_ID
from tests.fakegithub.openapi import github_spec, json_schema
from tests.fakegithub.routes.pulls import LINE_OUTSIDE_DIFF, START_LINE_OTHER_HUNK
from tests.fakegithub.samples import DIFF, many_files_diff

pytest_plugins = ["tests.fakegithub.plugin"]  # the `fake_github` fixture

APP_ID = FAKE_APP_ID
OWN = 100  # the installation a test acts as
OTHER = 200  # another customer's installation
KEY = shared_app_key()
RAW = "application/vnd.github.raw"


def populate(fake: FakeGitHub) -> None:
    fake.add_installation(OWN, "octo-org")
    fake.add_installation(OTHER, "other-org")
    fake.add_repository(
        "octo-org/widgets",
        installation_id=OWN,
        files={
            "train.py": "import torch\n\ndef main():\n",
            ".github/debtbot.yml": "rules: {}\n",
            "models/weights.bin": b"\x00" * 2048,
        },
    )
    fake.add_repository("octo-org/gadgets", installation_id=OWN)
    fake.add_repository("other-org/secrets", installation_id=OTHER)
    fake.add_pull_request("octo-org/widgets", number=7, diff=DIFF, head_sha="a" * 40)
    fake.add_pull_request("other-org/secrets", number=3, diff=DIFF, head_sha="b" * 40)


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    populate(fake_github)
    return fake_github


def app_client(fake: FakeGitHub, **options: Any) -> GitHub[Any]:
    """A client of its own: githubkit's default token cache is shared by the whole process."""
    options.setdefault("auto_retry", False)
    private_key = options.pop("private_key", KEY.private_pem)
    return GitHub(AppAuthStrategy(APP_ID, private_key), base_url=fake.url, cache_strategy=MemCacheStrategy(), **options)


def installation_client(fake: FakeGitHub, installation_id: int = OWN, **options: Any) -> GitHub[Any]:
    github = app_client(fake, **options)
    return github.with_auth(github.auth.as_installation(installation_id))


def error_body(failed: pytest.ExceptionInfo[RequestFailed]) -> dict[str, Any]:
    body: dict[str, Any] = failed.value.response.json()
    return body


# -- the App JWT -----------------------------------------------------------------------------------------------


def test_app_jwt_reaches_app_endpoints(fake: FakeGitHub) -> None:
    github = app_client(fake)
    app = github.rest.apps.get_authenticated().parsed_data
    assert app is not None
    installation = github.rest.apps.get_installation(OWN).parsed_data
    assert (app.id, app.slug) == (APP_ID, "debtbot")
    assert installation.id == OWN
    assert fake.requests[0].headers["authorization"].startswith("Bearer ")


def test_jwt_signed_with_another_key_is_401(fake: FakeGitHub) -> None:
    github = app_client(fake, private_key=generate_app_key().private_pem)
    with pytest.raises(RequestFailed) as failed:
        github.rest.apps.get_authenticated()
    assert failed.value.response.status_code == 401
    assert error_body(failed)["message"] == JWT_UNDECODABLE


@pytest.mark.parametrize(
    ("clock_offset", "message"),
    [
        (3600, EXP_PAST),  # the fake's clock is an hour ahead: githubkit's JWT has expired
        (-600, IAT_INVALID),  # ten minutes behind: the JWT was issued in the fake's future
        (-120, EXP_TOO_FAR),  # two minutes behind: exp is more than 10 minutes from the fake's now
    ],
)
def test_jwt_outside_its_lifetime_is_401(clock_offset: int, message: str) -> None:
    with FakeGitHub(app_id=APP_ID, public_key=KEY.public_pem, clock=lambda: time.time() + clock_offset) as fake:
        github = app_client(fake)
        with pytest.raises(RequestFailed) as failed:
            github.rest.apps.get_authenticated()
        assert failed.value.response.status_code == 401
        assert error_body(failed)["message"] == message


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iat": -60, "exp": 600}, EXP_TOO_FAR),  # 11 minutes of life
        ({"iat": -60, "exp": 540, "iss": "999"}, JWT_UNDECODABLE),  # another app's id
        ({"exp": 540}, IAT_INVALID),
    ],
)
def test_jwt_claims_are_checked(fake: FakeGitHub, claims: dict[str, Any], message: str) -> None:
    now = int(time.time())
    payload = {"iss": str(APP_ID), **{k: now + v if isinstance(v, int) else v for k, v in claims.items()}}
    token = jwt.encode(payload, KEY.private_pem, algorithm="RS256")
    github = GitHub(base_url=fake.url, auto_retry=False, cache_strategy=MemCacheStrategy())
    with pytest.raises(RequestFailed) as failed:
        github.rest.apps.get_authenticated(headers={"Authorization": f"Bearer {token}"})
    assert (failed.value.response.status_code, error_body(failed)["message"]) == (401, message)


# -- installation tokens and isolation -------------------------------------------------------------------------


def test_installation_token_reaches_own_repositories_only(fake: FakeGitHub) -> None:
    github = installation_client(fake, OWN)
    pull = github.rest.pulls.get("octo-org", "widgets", 7).parsed_data
    assert (pull.number, pull.head.sha, pull.base.repo.full_name) == (7, "a" * 40, "octo-org/widgets")
    with pytest.raises(RequestFailed) as failed:
        github.rest.pulls.get("other-org", "secrets", 3)
    assert failed.value.response.status_code == 404  # exactly what a missing repository answers
    assert [t.installation_id for t in fake.tokens()] == [OWN]
    assert fake.requests[-1].headers["authorization"] == f"token {fake.tokens()[0].value}"


def test_repository_names_match_case_insensitively(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    pull = github.rest.pulls.get("Octo-Org", "Widgets", 7).parsed_data
    assert pull.number == 7


def test_token_narrowed_to_one_repository(fake: FakeGitHub) -> None:
    github = app_client(fake)
    narrowed = github.with_auth(github.auth.as_installation(OWN, repositories=["gadgets"]))
    with pytest.raises(RequestFailed) as failed:
        narrowed.rest.pulls.get("octo-org", "widgets", 7)
    assert failed.value.response.status_code == 404


def test_expired_installation_token_is_401(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    github.rest.pulls.get("octo-org", "widgets", 7)
    fake.expire_tokens(OWN)
    with pytest.raises(RequestFailed) as failed:
        github.rest.pulls.get("octo-org", "widgets", 7)  # githubkit still holds the cached token
    assert (failed.value.response.status_code, error_body(failed)["message"]) == (401, "Bad credentials")


def test_installation_without_the_permission_gets_403(fake: FakeGitHub) -> None:
    fake.add_installation(300, "read-only-org", permissions={"metadata": "read", "pull_requests": "read"})
    fake.add_repository("read-only-org/lib", installation_id=300)
    pr = fake.add_pull_request("read-only-org/lib", diff=DIFF)
    github = installation_client(fake, 300)
    with pytest.raises(RequestFailed) as failed:
        github.rest.checks.create("read-only-org", "lib", name="debtbot", head_sha=pr.head_sha)
    assert failed.value.response.status_code == 403
    assert error_body(failed)["message"] == "Resource not accessible by integration"
    assert fake.check_runs() == []


# -- request bodies are validated against GitHub's description -------------------------------------------------


def test_check_run_body_violating_the_schema_is_422_and_recorded(fake: FakeGitHub) -> None:
    github = installation_client(fake, rest_api_validate_body=False)
    annotation: Any = {
        "path": "train.py",
        "start_line": 2,
        "end_line": 2,
        "annotation_level": "warning",
        "message": "m",
    }
    with pytest.raises(RequestFailed) as failed:
        github.rest.checks.create(
            "octo-org",
            "widgets",
            name="debtbot",
            head_sha="a" * 40,
            output={"title": "Debt", "summary": "s", "annotations": [annotation] * 51},
        )
    assert failed.value.response.status_code == 422
    assert error_body(failed)["message"].startswith("Invalid request.")
    assert fake.check_runs() == []
    violations = fake.take_violations()
    assert [(v.kind, v.path) for v in violations] == [("refused", "/repos/octo-org/widgets/check-runs")]
    assert "is too long" in violations[0].detail


def test_check_run_summary_over_65535_characters_is_refused(fake: FakeGitHub) -> None:
    github = installation_client(fake, rest_api_validate_body=False)
    run = github.rest.checks.create("octo-org", "widgets", name="debtbot", head_sha="a" * 40).parsed_data
    too_long: Any = {"title": "t", "summary": "x" * 65_536}
    with pytest.raises(RequestFailed) as failed:
        github.rest.checks.update("octo-org", "widgets", run.id, output=too_long)
    assert failed.value.response.status_code == 422
    assert [v.kind for v in fake.take_violations()] == ["refused"]


def test_misspelt_optional_field_is_accepted_but_recorded(fake: FakeGitHub) -> None:
    """GitHub ignores unknown fields, so the fake answers 201 but still flags the field."""
    github = installation_client(fake)
    response = github.request(
        "POST",
        "/repos/octo-org/widgets/check-runs",
        json={"name": "debtbot", "head_sha": "a" * 40, "detail_url": "https://example.com"},
    )
    assert response.status_code == 201
    violations = fake.take_violations()
    assert [(v.kind, v.detail) for v in violations] == [
        ("unknown-field", "body/detail_url is not in GitHub's description")
    ]


def test_check_run_on_an_unknown_commit_is_422(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    with pytest.raises(RequestFailed) as failed:
        github.rest.checks.create("octo-org", "widgets", name="debtbot", head_sha="c" * 40)
    assert failed.value.response.status_code == 422
    assert error_body(failed)["message"] == f"No commit found for SHA: {'c' * 40}"
    fake.take_violations()


def test_check_run_annotations_accumulate_across_updates(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    run = github.rest.checks.create("octo-org", "widgets", name="debtbot", head_sha="a" * 40).parsed_data
    for batch in range(3):
        notes: Any = [
            {"path": "train.py", "start_line": n, "end_line": n, "annotation_level": "notice", "message": f"{batch}"}
            for n in range(1, 41)
        ]
        last = github.rest.checks.update(
            "octo-org", "widgets", run.id, output={"title": "Debt", "summary": "120 findings", "annotations": notes}
        ).parsed_data
    final = github.rest.checks.update("octo-org", "widgets", run.id, conclusion="neutral").parsed_data
    (stored,) = fake.check_runs(head_sha="a" * 40)
    assert len(stored.annotations) == 120
    assert last.output.annotations_count == 120
    assert (final.status, final.conclusion, stored.conclusion) == ("completed", "neutral", "neutral")
    assert [p.number for p in final.pull_requests] == [7]


# -- pull requests: diff, files, reviews -----------------------------------------------------------------------


def test_diff_media_type_gives_the_unified_diff(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    response = github.rest.pulls.get("octo-org", "widgets", 7, headers={"Accept": "application/vnd.github.diff"})
    assert response.text == DIFF
    assert response.headers["content-type"].startswith("application/vnd.github.diff")


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (DiffLimits(max_lines=10), "Sorry, the diff exceeded the maximum number of lines (10)"),
        (DiffLimits(max_files=1), "Sorry, the diff exceeded the maximum number of files (1)."),
    ],
)
def test_too_large_diff_is_406(limits: DiffLimits, message: str) -> None:
    with FakeGitHub(app_id=APP_ID, public_key=KEY.public_pem, settings=Settings(diff_limits=limits)) as fake:
        populate(fake)
        github = installation_client(fake)
        with pytest.raises(RequestFailed) as failed:
            github.rest.pulls.get("octo-org", "widgets", 7, headers={"Accept": "application/vnd.github.diff"})
        body = error_body(failed)
        assert failed.value.response.status_code == 406
        assert body["message"].startswith(message)
        assert body["errors"] == [{"resource": "PullRequest", "field": "diff", "code": "too_large"}]
        assert github.rest.pulls.get("octo-org", "widgets", 7).parsed_data.changed_files == 2  # JSON still works


def test_files_are_paginated_with_link_headers(fake: FakeGitHub) -> None:
    pr = fake.add_pull_request("octo-org/widgets", diff=many_files_diff(250))
    github = installation_client(fake)
    listing: Any = github.rest.paginate(
        github.rest.pulls.list_files, owner="octo-org", repo="widgets", pull_number=pr.number, per_page=100
    )
    files: list[Any] = list(listing)
    assert [f.filename for f in files] == [f"pkg/f{i:04}.py" for i in range(250)]
    assert (files[0].status, files[0].additions, files[0].patch) == ("added", 1, "@@ -0,0 +1 @@\n+x = 0")
    pages = [r for r in fake.requests if r.path.endswith(f"/pulls/{pr.number}/files")]
    assert [r.query.get("page") for r in pages] == [None, ["2"], ["3"]]  # followed from the Link headers
    first = github.rest.pulls.list_files("octo-org", "widgets", pr.number, per_page=500)
    assert len(first.parsed_data) == 100  # GitHub clamps per_page to 100
    assert 'rel="next"' in first.headers["link"]
    assert 'rel="last"' in first.headers["link"]
    default = github.rest.pulls.list_files("octo-org", "widgets", pr.number)
    assert len(default.parsed_data) == 30


def test_file_listing_stops_at_the_cap() -> None:
    with FakeGitHub(app_id=APP_ID, public_key=KEY.public_pem, settings=Settings(max_listed_files=120)) as fake:
        populate(fake)
        pr = fake.add_pull_request("octo-org/widgets", diff=many_files_diff(150))
        github = installation_client(fake)
        files: list[Any] = list(
            github.rest.paginate(github.rest.pulls.list_files, owner="octo-org", repo="widgets", pull_number=pr.number)
        )
        assert len(files) == 120


def test_review_comments_on_lines_of_the_diff_are_accepted(fake: FakeGitHub) -> None:
    comments: list[dict[str, Any]] = [
        {"path": "train.py", "line": 2, "side": "RIGHT", "body": "added line"},
        {"path": "train.py", "line": 4, "body": "context line (side defaults to RIGHT)"},
        {"path": "data.py", "line": 12, "side": "LEFT", "body": "removed line"},
        {"path": "data.py", "start_line": 40, "line": 42, "side": "RIGHT", "body": "a range in one hunk"},
    ]
    github = installation_client(fake)
    review = github.rest.pulls.create_review(
        "octo-org", "widgets", 7, commit_id="a" * 40, event="COMMENT", body="Debt found", comments=comments
    )
    assert review.parsed_data.state == "COMMENTED"
    (stored,) = fake.reviews("octo-org/widgets", 7)
    assert stored.comments == comments


@pytest.mark.parametrize(
    ("comment", "error"),
    [
        ({"path": "data.py", "line": 30, "body": "between the hunks"}, LINE_OUTSIDE_DIFF),
        ({"path": "train.py", "line": 5, "side": "LEFT", "body": "past the hunk's old lines"}, LINE_OUTSIDE_DIFF),
        ({"path": "data.py", "start_line": 12, "line": 41, "body": "range across hunks"}, START_LINE_OTHER_HUNK),
        ({"path": "README.md", "line": 1, "body": "file not in the PR"}, "Pull request review thread path is invalid"),
    ],
)
def test_review_comment_outside_the_diff_is_422(fake: FakeGitHub, comment: dict[str, Any], error: str) -> None:
    good = {"path": "train.py", "line": 2, "body": "fine"}
    github = installation_client(fake)
    with pytest.raises(RequestFailed) as failed:
        github.rest.pulls.create_review("octo-org", "widgets", 7, event="COMMENT", body="b", comments=[good, comment])
    body = error_body(failed)
    assert (failed.value.response.status_code, body["message"]) == (422, "Unprocessable Entity")
    assert error in body["errors"][0]
    assert fake.reviews("octo-org/widgets", 7) == []  # one bad anchor fails the whole review
    assert [v.kind for v in fake.take_violations()] == ["refused"]


# -- contents, trees, comments, issues, permissions ------------------------------------------------------------


def test_contents_at_a_ref_and_404_when_missing(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    repo = fake.repository("octo-org/widgets")
    head = repo.add_commit({"train.py": "print('new')\n"}, branch="feature")
    found = github.rest.repos.get_content("octo-org", "widgets", ".github/debtbot.yml", ref="main").parsed_data
    at_head = github.rest.repos.get_content("octo-org", "widgets", "train.py", ref=head).parsed_data
    assert isinstance(found, ContentFile)
    assert isinstance(at_head, ContentFile)
    assert base64.b64decode(found.content) == b"rules: {}\n"
    assert base64.b64decode(at_head.content) == b"print('new')\n"
    with pytest.raises(RequestFailed) as failed:
        github.rest.repos.get_content("octo-org", "widgets", ".github/debtbot.yml", ref=head)
    assert failed.value.response.status_code == 404


def test_contents_of_a_file_over_1_mb(fake: FakeGitHub) -> None:
    fake.repository("octo-org/widgets").add_commit({"model.onnx": b"w" * (1024 * 1024 + 1)}, branch="main")
    github = installation_client(fake)
    with pytest.raises(RequestFailed) as failed:
        github.rest.repos.get_content("octo-org", "widgets", "model.onnx")
    assert failed.value.response.status_code == 403
    assert error_body(failed)["errors"] == [{"resource": "Blob", "field": "data", "code": "too_large"}]
    raw = github.rest.repos.get_content("octo-org", "widgets", "model.onnx", headers={"Accept": RAW})
    assert len(raw.content) == 1024 * 1024 + 1


def test_repository_endpoint_without_a_token_is_404_and_recorded(fake: FakeGitHub) -> None:
    anonymous = GitHub(base_url=fake.url, auto_retry=False, cache_strategy=MemCacheStrategy())
    with pytest.raises(RequestFailed) as failed:
        anonymous.rest.pulls.get("octo-org", "widgets", 7)
    assert failed.value.response.status_code == 404  # a private repository is invisible without a token
    assert [v.kind for v in fake.take_violations()] == ["unauthenticated"]


def test_recursive_tree_lists_blob_sizes(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    tree = github.rest.git.get_tree("octo-org", "widgets", "main", recursive="1").parsed_data
    sizes = {e.path: e.size for e in tree.tree if e.type == "blob"}
    assert sizes == {".github/debtbot.yml": 10, "models/weights.bin": 2048, "train.py": 26}
    top = github.rest.git.get_tree("octo-org", "widgets", "main").parsed_data
    assert sorted(e.path for e in top.tree) == [".github", "models", "train.py"]


def test_sticky_comment_is_created_listed_and_edited(fake: FakeGitHub) -> None:
    fake.add_issue_comment("octo-org/widgets", 7, "LGTM", user="alice")
    github = installation_client(fake)
    created = github.rest.issues.create_comment("octo-org", "widgets", 7, body="<!-- debtbot -->\nv1").parsed_data
    github.rest.issues.update_comment("octo-org", "widgets", created.id, body="<!-- debtbot -->\nv2")
    listed: list[Any] = list(
        github.rest.paginate(github.rest.issues.list_comments, owner="octo-org", repo="widgets", issue_number=7)
    )
    assert [(c.user.login if c.user else None, c.body) for c in listed] == [
        ("alice", "LGTM"),
        ("debtbot[bot]", "<!-- debtbot -->\nv2"),
    ]
    assert fake.comments("octo-org/widgets", 7)[1].history == ["<!-- debtbot -->\nv1"]


def test_issues_are_created_and_listed_with_pull_requests(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    issue = github.rest.issues.create("octo-org", "widgets", title="Weekly debt", labels=["debt"]).parsed_data
    assert issue.number == 8  # issues and pull requests share numbers
    listed: list[Any] = github.rest.issues.list_for_repo("octo-org", "widgets").parsed_data
    assert [(i.number, bool(i.pull_request)) for i in listed] == [(8, False), (7, True)]
    labelled: list[Any] = github.rest.issues.list_for_repo("octo-org", "widgets", labels="debt").parsed_data
    assert [i.number for i in labelled] == [8]
    assert github.rest.issues.get("octo-org", "widgets", 8).parsed_data.title == "Weekly debt"
    assert [i.title for i in fake.issues("octo-org/widgets")] == ["Weekly debt"]


def test_collaborator_permission(fake: FakeGitHub) -> None:
    fake.set_permission("octo-org/widgets", "alice", "maintain")
    fake.add_user("mallory")
    github = installation_client(fake)
    alice = github.rest.repos.get_collaborator_permission_level("octo-org", "widgets", "alice").parsed_data
    mallory = github.rest.repos.get_collaborator_permission_level("octo-org", "widgets", "mallory").parsed_data
    assert (alice.permission, alice.role_name, mallory.permission) == ("write", "maintain", "none")
    with pytest.raises(RequestFailed) as failed:
        github.rest.repos.get_collaborator_permission_level("octo-org", "widgets", "nobody")
    assert failed.value.response.status_code == 404


def test_webhook_deliveries_are_listed_and_redelivered(fake: FakeGitHub) -> None:
    first = fake.add_delivery("pull_request", action="opened", status_code=500, installation_id=OWN)
    for _ in range(4):
        fake.add_delivery("ping")
    github = app_client(fake)
    listed = list(github.rest.paginate(github.rest.apps.list_webhook_deliveries, per_page=2))
    assert [d.id for d in listed] == sorted((d.id for d in fake.world.deliveries.values()), reverse=True)
    assert github.rest.apps.redeliver_webhook_delivery(first.id).status_code == 202
    assert fake.redeliveries == [first.id]
    newest = github.rest.apps.list_webhook_deliveries(per_page=1).parsed_data[0]
    assert (newest.guid, newest.redelivery) == (first.guid, True)


# -- failures on demand, rate limits, caching ------------------------------------------------------------------


def test_secondary_rate_limit_carries_retry_after(fake: FakeGitHub) -> None:
    fake.fail_secondary_rate_limit("GET", r"/pulls/7$", retry_after=7)
    github = installation_client(fake)
    with pytest.raises(SecondaryRateLimitExceeded) as limited:
        github.rest.pulls.get("octo-org", "widgets", 7)
    assert limited.value.retry_after == timedelta(seconds=7)
    assert github.rest.pulls.get("octo-org", "widgets", 7).status_code == 200  # times=1: the next one passes


def test_githubkit_retry_sees_the_injected_wait(fake: FakeGitHub) -> None:
    waits: list[timedelta] = []

    def retry_now(error: Exception, count: int) -> RetryOption:
        if isinstance(error, SecondaryRateLimitExceeded) and count == 0:
            waits.append(error.retry_after)
            return RetryOption(True, timedelta(milliseconds=1))  # githubkit reads a zero wait as 60 seconds
        return RetryOption(False)

    fake.fail("GET", r"/pulls/7$", 429, headers={"retry-after": "30"})
    github = installation_client(fake, auto_retry=retry_now)
    pull = github.rest.pulls.get("octo-org", "widgets", 7)
    assert pull.parsed_data.number == 7
    assert waits == [timedelta(seconds=30)]
    assert [r.status for r in fake.requests if r.path.endswith("/pulls/7")] == [429, 200]


def test_primary_rate_limit_exhausted(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    github.rest.pulls.get("octo-org", "widgets", 7)
    fake.set_rate_limit_remaining(OWN, 0, reset_in=1800)
    with pytest.raises(PrimaryRateLimitExceeded) as limited:
        github.rest.pulls.list_files("octo-org", "widgets", 7)
    headers = limited.value.response.headers
    assert (headers["x-ratelimit-remaining"], limited.value.response.status_code) == ("0", 403)
    assert error_body(limited)["message"] == f"API rate limit exceeded for installation ID {OWN}."
    assert limited.value.retry_after > timedelta(minutes=20)


def test_injected_primary_rate_limit(fake: FakeGitHub) -> None:
    fake.fail_primary_rate_limit("POST", r"/check-runs$", reset_in=600)
    github = installation_client(fake)
    with pytest.raises(PrimaryRateLimitExceeded):
        github.rest.checks.create("octo-org", "widgets", name="debtbot", head_sha="a" * 40)


@pytest.mark.parametrize("status", [500, 502, 503, 404, 403])
def test_injected_errors(fake: FakeGitHub, status: int) -> None:
    failure = fake.fail("GET", r"/pulls/7/files", status, times=2)
    github = installation_client(fake)
    for _ in range(2):
        with pytest.raises(RequestFailed) as failed:
            github.rest.pulls.list_files("octo-org", "widgets", 7)
        assert failed.value.response.status_code == status
        assert failed.value.response.headers["x-ratelimit-limit"] == "5000"
    assert failure.hits == 2
    assert github.rest.pulls.list_files("octo-org", "widgets", 7).status_code == 200


def test_slow_answer_arrives_and_hung_one_times_out(fake: FakeGitHub) -> None:
    fake.slow("GET", r"/pulls/7$", 0.2)
    github = installation_client(fake, timeout=10)
    assert github.rest.pulls.get("octo-org", "widgets", 7).status_code == 200
    fake.hang("GET", r"/pulls/7$")
    # With githubkit's HTTP cache on (its default) this timeout never fires: hishel 1.4 drops httpx's
    # per-request timeout extension, so a hung GitHub hangs the client for ever. Hence http_cache=False.
    github = installation_client(fake, timeout=0.3, http_cache=False)
    with pytest.raises(RequestTimeout):
        github.rest.pulls.get("octo-org", "widgets", 7)


def test_every_answer_carries_rate_limit_headers(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    ok = github.rest.pulls.get("octo-org", "widgets", 7)
    with pytest.raises(RequestFailed) as missing:
        github.rest.pulls.get("octo-org", "widgets", 99)
    for response in (ok, missing.value.response):
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used"} <= set(
            response.headers
        )
    assert int(missing.value.response.headers["x-ratelimit-used"]) == int(ok.headers["x-ratelimit-used"]) + 1


def test_conditional_request_is_answered_304(fake: FakeGitHub) -> None:
    """githubkit's HTTP cache revalidates with the ETag; GitHub answers 304 and does not count it."""
    github = installation_client(fake)
    first = github.rest.pulls.get("octo-org", "widgets", 7)
    second = github.rest.pulls.get("octo-org", "widgets", 7)
    assert second.parsed_data.number == first.parsed_data.number == 7
    statuses = [r.status for r in fake.requests if r.path.endswith("/pulls/7")]
    assert statuses == [200, 304]


def test_unknown_endpoint_is_404_and_recorded(fake: FakeGitHub) -> None:
    github = installation_client(fake)
    with pytest.raises(RequestFailed) as failed:
        github.rest.repos.list_branches("octo-org", "widgets")
    assert failed.value.response.status_code == 404
    assert [v.kind for v in fake.take_violations()] == ["unknown-endpoint"]


def test_stopping_releases_a_hung_request() -> None:
    fake = FakeGitHub(app_id=APP_ID, public_key=KEY.public_pem)
    fake.start()
    populate(fake)
    hung = fake.hang("GET", r"/pulls/7$")
    outcome: list[BaseException | int] = []
    client = installation_client(fake, timeout=30)

    def call() -> None:
        try:
            outcome.append(client.rest.pulls.get("octo-org", "widgets", 7).status_code)
        except Exception as error:  # noqa: BLE001 - the outcome itself is what the test asserts on
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    for _ in range(1000):
        if hung.hits:
            break
        time.sleep(0.01)
    fake.stop()
    caller.join(30)
    assert hung.hits == 1
    assert not caller.is_alive()
    assert len(outcome) == 1
    assert outcome[0] != 200


# -- the description itself ------------------------------------------------------------------------------------


def test_nullable_becomes_a_null_alternative() -> None:
    assert json_schema({"type": "string", "nullable": True}) == {"type": ["string", "null"]}
    assert json_schema({"enum": ["a"], "nullable": True}) == {"anyOf": [{"type": "null"}, {"enum": ["a", None]}]}


def test_every_served_operation_has_a_route() -> None:
    from tests.fakegithub.routes import ROUTES

    assert set(ROUTES) == set(github_spec().operations)
