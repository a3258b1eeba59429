"""Reading a pull request, its diff, files, tree and texts through the gateway, over HTTP to the fake GitHub."""

from __future__ import annotations

import pytest
from githubkit.exception import RequestFailed

from bot.errors import TellUser, classify
from bot.github import DiffTooLarge, GitHubKitGateway, PullInfo
from bot.jobs import HeadSha
from tests.fakegithub import FakeGitHub, Settings
from tests.fakegithub.keys import FAKE_APP_ID, shared_app_key
from tests.fakegithub.samples import DIFF, many_files_diff
from tests.gateway.world import BASE, HEAD, OTHER, OWN, REPO, make_app, populate, status_of

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


async def test_pull_request_as_a_review_needs_it(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        pull = await app.gateway_for(OWN).get_pull(REPO, 7)

    assert pull == PullInfo(
        number=7,
        state="open",
        merged=False,
        draft=False,
        author="alice",
        head_sha=HeadSha(HEAD),
        head_ref="feature",
        head_repo=REPO,
        base_repo=REPO,
        base_ref="main",
        base_sha=BASE,
    )
    assert not pull.from_fork


async def test_pull_request_from_a_fork_names_the_fork(fake: FakeGitHub) -> None:
    fake.add_repository("mallory/widgets", installation_id=OTHER)
    fake.add_pull_request(REPO, number=8, diff=DIFF, head_repo="mallory/widgets", head_ref="main", draft=True)
    async with make_app(fake) as app:
        pull = await app.gateway_for(OWN).get_pull(REPO, 8)

    assert (pull.head_repo, pull.head_ref, pull.base_repo, pull.draft) == ("mallory/widgets", "main", REPO, True)
    assert pull.from_fork


async def test_diff_is_the_unified_diff_text(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        diff = await app.gateway_for(OWN).get_diff(REPO, 7)

    assert diff == DIFF
    (request,) = [r for r in fake.requests if r.path.endswith("/pulls/7")]
    assert request.headers["accept"] == "application/vnd.github.diff"


async def test_a_diff_github_will_not_render_raises_diff_too_large(fake: FakeGitHub) -> None:
    fake.add_pull_request(REPO, number=9, diff=many_files_diff(301))  # GitHub renders at most 300 files
    async with make_app(fake) as app:
        with pytest.raises(DiffTooLarge) as refused:
            await app.gateway_for(OWN).get_diff(REPO, 9)

    assert refused.value.response.status_code == 406
    assert "maximum number of files (300)" in refused.value.message
    outcome = classify(refused.value)
    assert isinstance(outcome, TellUser)
    assert outcome.too_large


def test_diff_too_large_can_be_made_without_github() -> None:
    """For typed fakes of the gateway: the same classification as GitHub's real answer."""
    made = DiffTooLarge.of("Sorry, the diff exceeded the maximum number of lines (20000)")

    assert made.message == "Sorry, the diff exceeded the maximum number of lines (20000)"
    outcome = classify(made)
    assert isinstance(outcome, TellUser)
    assert outcome.too_large


async def test_files_are_listed_a_hundred_a_page(fake: FakeGitHub) -> None:
    fake.add_pull_request(REPO, number=9, diff=many_files_diff(250))
    async with make_app(fake) as app:
        files = await app.gateway_for(OWN).list_files(REPO, 9)

    assert [f["filename"] for f in files] == [f"pkg/f{i:04}.py" for i in range(250)]
    assert files[0]["patch"] == "@@ -0,0 +1 @@\n+x = 0"
    pages = [r for r in fake.requests if r.path.endswith("/pulls/9/files")]
    assert [(r.query.get("per_page"), r.query.get("page")) for r in pages] == [
        (["100"], None),
        (["100"], ["2"]),
        (["100"], ["3"]),
    ]


async def test_file_listing_stops_at_the_limit(fake: FakeGitHub) -> None:
    fake.add_pull_request(REPO, number=9, diff=many_files_diff(250))
    async with make_app(fake) as app:
        files = await app.gateway_for(OWN).list_files(REPO, 9, limit=120)

    assert len(files) == 120
    assert files[-1]["filename"] == "pkg/f0119.py"
    assert len(status_of(fake, "/pulls/9/files")) == 2  # the third page is never asked for


async def test_a_limit_of_one_page_asks_for_one_page(fake: FakeGitHub) -> None:
    fake.add_pull_request(REPO, number=9, diff=many_files_diff(250))
    async with make_app(fake) as app:
        files = await app.gateway_for(OWN).list_files(REPO, 9, limit=100)

    assert len(files) == 100
    assert len(status_of(fake, "/pulls/9/files")) == 1


async def test_file_listing_ends_where_github_stops() -> None:
    """GitHub lists at most 3,000 files of a pull request, however many changed (here the fake stops at 150)."""
    with FakeGitHub(
        app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem, settings=Settings(max_listed_files=150)
    ) as fake:
        populate(fake)
        fake.add_pull_request(REPO, number=9, diff=many_files_diff(250))
        async with make_app(fake) as app:
            files = await app.gateway_for(OWN).list_files(REPO, 9)

        assert len(files) == 150
        fake.assert_no_violations()


async def test_tree_lists_every_file_with_blob_sizes(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        tree = await app.gateway_for(OWN).get_tree(REPO, "main")

    assert tree.paths == {".github/debtbot.yml", "models/weights.bin", "train.py", "docs/read me #1.md"}
    assert dict(tree.sizes) == {
        ".github/debtbot.yml": 10,
        "models/weights.bin": 2048,
        "train.py": 26,
        "docs/read me #1.md": 8,
    }
    assert not tree.truncated


async def test_text_of_a_file_at_a_ref(fake: FakeGitHub) -> None:
    head = fake.repository(REPO).add_commit({"train.py": "print('new')\n"}, branch="feature")
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        config = await gateway.get_text(REPO, ".github/debtbot.yml", "main")
        at_head = await gateway.get_text(REPO, "train.py", head)
        odd_name = await gateway.get_text(REPO, "docs/read me #1.md", "main")

    assert (config, at_head, odd_name) == ("rules: {}\n", "print('new')\n", "# Notes\n")
    assert [r.query["ref"] for r in fake.requests if "/contents/" in r.path] == [["main"], [head], ["main"]]


@pytest.mark.parametrize(
    ("path", "ref"),
    [
        ("missing.yml", "main"),  # 404: no such file
        (".github/debtbot.yml", "no-such-branch"),  # 404: no such ref
        ("models", "main"),  # a directory
        ("models/weights.bin", "main"),  # not UTF-8
    ],
)
async def test_no_text_for_what_is_not_a_text_file(fake: FakeGitHub, path: str, ref: str) -> None:
    async with make_app(fake) as app:
        assert await app.gateway_for(OWN).get_text(REPO, path, ref) is None


async def test_no_text_past_the_size_budget(fake: FakeGitHub) -> None:
    fake.repository(REPO).add_commit({"big.py": "x = 1\n" * 200}, branch="main")
    async with make_app(fake, max_text_bytes=1000) as app:
        assert await app.gateway_for(OWN).get_text(REPO, "big.py", "main") is None


async def test_no_text_for_a_file_over_github_s_1_mb(fake: FakeGitHub) -> None:
    fake.repository(REPO).add_commit({"huge.json": "0" * (1024 * 1024 + 1)}, branch="main")
    async with make_app(fake, max_text_bytes=2 * 1024 * 1024) as app:
        assert await app.gateway_for(OWN).get_text(REPO, "huge.json", "main") is None

    assert status_of(fake, "/contents/huge.json") == [403]  # GitHub's `too_large`, not a missing permission


async def test_permission_of_a_user(fake: FakeGitHub) -> None:
    fake.set_permission(REPO, "alice", "maintain")
    fake.set_permission(REPO, "bob", "triage")
    fake.add_user("mallory")
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        found = [await gateway.get_permission(REPO, user) for user in ("alice", "bob", "mallory", "nobody")]

    assert found == ["write", "read", "none", "none"]


async def test_issue_comments_are_listed_across_pages(fake: FakeGitHub) -> None:
    for i in range(130):
        fake.add_issue_comment(REPO, 7, f"comment {i}", user="alice" if i % 2 else "bob")
    async with make_app(fake) as app:
        comments = await app.gateway_for(OWN).list_issue_comments(REPO, 7)

    assert [c.body for c in comments] == [f"comment {i}" for i in range(130)]
    assert [c.author for c in comments[:2]] == ["bob", "alice"]
    assert len(status_of(fake, "/issues/7/comments")) == 2


async def test_review_comments_are_listed_across_pages_with_their_reviews(fake: FakeGitHub) -> None:
    ours = [{"path": "train.py", "line": 2, "side": "RIGHT", "body": f"<!-- debtbot:fp={i} -->"} for i in range(120)]
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        review_id = await gateway.create_review(REPO, 7, HEAD, "debtbot: 120 new debt findings", ours)
        fake.add_review_comment(REPO, 7, "Why not pin it?", path="data.py", line=41, user="alice")
        listed = await gateway.list_review_comments(REPO, 7)

    stored = fake.review_comments(REPO, 7)
    assert [c.id for c in listed] == [c.id for c in stored]
    assert [c.body for c in listed] == [c["body"] for c in ours] + ["Why not pin it?"]
    assert {(c.author, c.review_id) for c in listed[:120]} == {("debtbot[bot]", review_id)}
    assert (listed[-1].author, listed[-1].path, listed[-1].line) == ("alice", "data.py", 41)
    assert listed[-1].review_id not in (None, review_id)
    assert listed[0].html_url.endswith(f"#discussion_r{listed[0].id}")
    assert len(status_of(fake, "/pulls/7/comments")) == 2  # 100 a page


async def test_the_app_s_login_is_asked_of_github_once(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        logins = [await app.gateway_for(OWN).app_login() for _ in range(3)]

    assert logins == ["debtbot[bot]"] * 3
    (asked,) = [r for r in fake.requests if r.operation_id == "apps/get-authenticated"]
    assert asked.headers["authorization"].startswith("Bearer ")  # the App's JWT: an installation token is refused


async def test_a_gateway_made_on_its_own_asks_for_the_app_s_login_itself(fake: FakeGitHub) -> None:
    async with GitHubKitGateway(
        app_id=FAKE_APP_ID, private_key=shared_app_key().private_pem, installation_id=OWN, base_url=fake.url
    ) as gateway:
        assert await gateway.app_login() == "debtbot[bot]"


async def test_pull_requests_of_a_commit_are_the_ones_it_is_or_was_the_head_of(fake: FakeGitHub) -> None:
    fake.add_pull_request(REPO, number=8, diff=DIFF, head_sha="d" * 40, user="bob")
    fake.add_pull_request(REPO, number=9, diff=DIFF, head_sha=HEAD, head_repo="mallory/widgets", head_ref="fix")
    fake.push(REPO, 9, diff=DIFF, head_sha="e" * 40)
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        at_head = await gateway.list_pulls_for_commit(REPO, HEAD)
        of_base = await gateway.list_pulls_for_commit(REPO, fake.repository(REPO).branches["main"])

    assert [(p.number, p.head_sha, p.author, p.state, p.merged) for p in at_head] == [
        (7, HEAD, "alice", "open", False),
        (9, "e" * 40, "octocat", "open", False),  # its head moved on: the caller checks
    ]
    assert of_base == []
    async with make_app(fake) as app:
        assert at_head[0] == await app.gateway_for(OWN).get_pull(REPO, 7)  # the short form reads as the full one


async def test_an_unknown_commit_has_no_pull_requests_but_github_s_422(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        with pytest.raises(RequestFailed) as refused:
            await app.gateway_for(OWN).list_pulls_for_commit(REPO, "f" * 40)

    assert refused.value.response.status_code == 422
    assert [v.kind for v in fake.take_violations()] == ["refused"]


@pytest.mark.parametrize("path", ["../../other/repo/contents/train.py", "docs/../train.py", "./train.py"])
async def test_a_path_with_dot_segments_is_never_requested(fake: FakeGitHub, path: str) -> None:
    async with make_app(fake) as app:
        assert await app.gateway_for(OWN).get_text(REPO, path, "main") is None

    assert not [r for r in fake.requests if "/contents/" in r.path]
