"""What a review reads from the fake GitHub over HTTP: the diff (or the files API), texts within the budget, and
the config of the base branch, never the head's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest
from githubkit.exception import RequestFailed

from bot.errors import RetryLater, classify
from bot.github import GitHubGateway, GitHubKitApp, PullInfo, Tree
from bot.jobs import HeadSha
from bot.review_inputs import TextBudget, TooLargeToReviewError, choose_texts, read_diff, read_inputs
from checks import review
from checks.diff import FileStatus, parse_diff
from tests.fakegithub import DiffLimits, FakeGitHub, Settings, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.gateway.world import make_app
from tests.worker.world import DEBT_FILES, OWN, REPO, World

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 26)
CONFIG = ".github/debtbot.yml"


@pytest.fixture
async def app(fake_github: FakeGitHub) -> AsyncIterator[GitHubKitApp]:
    async with make_app(fake_github) as app:
        yield app


def gateway_of(app: GitHubKitApp) -> GitHubGateway:
    return app.gateway_for(OWN)


async def pull_info(gateway: GitHubGateway, number: int) -> PullInfo:
    return await gateway.get_pull(REPO, number)


# --- which texts, within the budget --------------------------------------------------------------------------------

CHANGE = parse_diff(
    "diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
    "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-old\n+new\n"
    "diff --git a/old.py b/old.py\ndeleted file mode 100644\n--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n"
    "diff --git a/model.bin b/model.bin\nnew file mode 100644\nBinary files /dev/null and b/model.bin differ\n"
    "diff --git a/requirements.txt b/requirements.txt\n--- a/requirements.txt\n+++ b/requirements.txt\n"
    "@@ -1 +1,2 @@\n numpy\n+torch\n"
    "diff --git a/ci.yml b/ci.yml\n--- a/ci.yml\n+++ b/ci.yml\n@@ -1 +1 @@\n-a: 1\n+a: 2\n"
)


def tree(sizes: dict[str, int], *, truncated: bool = False) -> Tree:
    return Tree(paths=frozenset(sizes), sizes=MappingProxyType(sizes), truncated=truncated)


HEAD_TREE = tree(
    {"train.py": 100, "README.md": 50, "model.bin": 9000, "requirements.txt": 40, "ci.yml": 30, "dvc.lock": 10}
)


def test_context_files_and_manifests_come_first_then_changed_text_files_of_the_kinds_rules_read() -> None:
    chosen, skipped = choose_texts(CHANGE, HEAD_TREE, TextBudget())

    # .gitattributes is not in the tree; README.md (markdown), model.bin (binary) and old.py (removed) are not wanted.
    assert chosen == ["dvc.lock", "requirements.txt", "train.py", "ci.yml"]
    assert skipped == 0


def test_the_budget_caps_the_number_of_files_and_their_bytes() -> None:
    by_count, skipped_by_count = choose_texts(CHANGE, HEAD_TREE, TextBudget(max_files=2))
    by_bytes, skipped_by_bytes = choose_texts(CHANGE, HEAD_TREE, TextBudget(max_bytes=120))
    by_file, skipped_by_file = choose_texts(CHANGE, HEAD_TREE, TextBudget(max_file_bytes=60))

    assert (by_count, skipped_by_count) == (["dvc.lock", "requirements.txt"], 2)
    # 10 + 40 fit; train.py (100) would pass 120; ci.yml (30) still fits after it.
    assert (by_bytes, skipped_by_bytes) == (["dvc.lock", "requirements.txt", "ci.yml"], 1)
    assert (by_file, skipped_by_file) == (["dvc.lock", "requirements.txt", "ci.yml"], 1)


def test_a_truncated_tree_cannot_rule_files_out() -> None:
    chosen, _ = choose_texts(CHANGE, tree({"train.py": 100}, truncated=True), TextBudget())

    assert chosen == [
        *(".gitattributes", "dvc.lock", "pytest.ini", "ruff.toml", ".ruff.toml", ".flake8", "tox.ini"),
        *("train.py", "requirements.txt", "ci.yml"),
    ]


# --- read over HTTP from the fake GitHub ---------------------------------------------------------------------------


async def test_the_config_is_read_from_the_base_branch_never_from_the_head(
    fake_github: FakeGitHub, tmp_path: Path, app: GitHubKitApp
) -> None:
    world = World.create(fake_github, tmp_path, base_files={"train.py": "x = 1\n", CONFIG: "disable: [CODE001]\n"})
    switched_off = "categories: {code: false, data: false, dependency: false, model: false}\n"
    world.open_pull(7, {**DEBT_FILES, CONFIG: switched_off}, fork=True)
    gateway = gateway_of(app)

    inputs = await read_inputs(gateway, await pull_info(gateway, 7), today=TODAY)

    assert inputs.config.config.disable == ("CODE001",)
    assert inputs.config.config.categories == {}
    assert inputs.config.errors == ()
    assert CONFIG in inputs.diff.paths()  # the head's own change to the file is reviewed, not obeyed


async def test_inputs_carry_the_head_tree_sizes_and_texts(
    fake_github: FakeGitHub, tmp_path: Path, app: GitHubKitApp
) -> None:
    world = World.create(fake_github, tmp_path)
    pull = world.open_pull(7, DEBT_FILES)
    gateway = gateway_of(app)

    inputs = await read_inputs(gateway, await pull_info(gateway, 7), today=TODAY)

    snapshot = inputs.snapshot
    assert snapshot.tree == frozenset(pull.files)
    assert snapshot.size("models/model.pkl") == len(DEBT_FILES["models/model.pkl"])
    assert set(snapshot.texts) == {"requirements.txt", "train.py"}  # no README change; the pickle is binary
    assert snapshot.text("train.py") == DEBT_FILES["train.py"]
    assert snapshot.today == TODAY
    assert not inputs.from_files_api
    assert inputs.diff.get("models/model.pkl") is not None


async def test_a_deleted_binary_file_has_its_size_from_the_base_tree_read_only_then(
    fake_github: FakeGitHub, tmp_path: Path, app: GitHubKitApp
) -> None:
    dataset = bytes(range(256)) * 8192  # 2 MB, binary: the diff shows no lines of it
    world = World.create(fake_github, tmp_path, base_files={"train.py": "x = 1\n", "data/train.parquet": dataset})
    world.open_pull(7, {"train.py": "x = 2\n"}, removed=("data/train.parquet",))
    world.open_pull(8, {"train.py": "x = 3\n"})
    gateway = gateway_of(app)

    def trees_read() -> list[str]:
        return [r.path for r in fake_github.requests if r.operation_id == "git/get-tree"]

    inputs = await read_inputs(gateway, await pull_info(gateway, 7), today=TODAY)
    assert inputs.snapshot.size("data/train.parquet") == len(dataset)
    result = review(inputs.diff, snapshot=inputs.snapshot)
    assert [(f.rule, f.path) for f in result.paid] == [("DATA001", "data/train.parquet")]
    assert len(trees_read()) == 2  # the head's, then the base's
    await read_inputs(gateway, await pull_info(gateway, 8), today=TODAY)
    assert len(trees_read()) == 3  # nothing deleted: the head's alone


async def test_the_text_budget_is_kept_and_what_it_leaves_out_is_counted(
    fake_github: FakeGitHub, tmp_path: Path, app: GitHubKitApp
) -> None:
    world = World.create(fake_github, tmp_path)
    world.open_pull(7, {**DEBT_FILES, ".gitattributes": "*.pkl filter=lfs diff=lfs merge=lfs -text\n"})
    gateway = gateway_of(app)

    inputs = await read_inputs(gateway, await pull_info(gateway, 7), today=TODAY, budget=TextBudget(max_files=1))

    assert set(inputs.snapshot.texts) == {".gitattributes"}
    assert inputs.texts_skipped == 2
    assert inputs.snapshot.in_lfs("models/model.pkl")
    fetched = [r.path for r in fake_github.requests if "/contents/" in r.path]
    assert fetched == [f"/repos/{REPO}/contents/.gitattributes", f"/repos/{REPO}/contents/{CONFIG}"]


@pytest.fixture
def small_diffs() -> Iterator[FakeGitHub]:
    """A fake GitHub that renders diffs of at most two files, and lists at most three files of a pull request."""
    limits = Settings(diff_limits=DiffLimits(max_files=2), max_listed_files=3)
    with FakeGitHub(app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem, settings=limits) as fake:
        yield fake
        fake.assert_no_violations()


async def test_a_diff_github_will_not_render_is_read_from_the_files_api(
    small_diffs: FakeGitHub, tmp_path: Path
) -> None:
    world = World.create(small_diffs, tmp_path)
    world.open_pull(7, DEBT_FILES)
    expected = parse_diff(world.diff(world.base_sha, world.pulls[7].head_sha))

    async with make_app(small_diffs) as app:
        diff, from_files_api = await read_diff(gateway_of(app), REPO, 7)

    assert from_files_api
    assert [(p.path, p.status) for p in diff] == [(p.path, p.status) for p in expected]
    for patch in diff:
        want = expected.get(patch.path)
        assert want is not None
        assert patch.added.texts() == want.added.texts()
        assert [line.number for line in patch.added] == [line.number for line in want.added]
    pickle = diff.get("models/model.pkl")
    assert pickle is not None
    assert (pickle.status, pickle.patch_missing) == (FileStatus.ADDED, True)


async def test_a_files_listing_that_may_be_cut_short_is_too_large_to_review(
    small_diffs: FakeGitHub, tmp_path: Path
) -> None:
    world = World.create(small_diffs, tmp_path)
    world.open_pull(7, DEBT_FILES)  # three files: at the listing's limit

    async with make_app(small_diffs) as app:
        with pytest.raises(TooLargeToReviewError, match="at most 3 files"):
            await read_diff(gateway_of(app), REPO, 7, max_listed_files=3)


async def test_the_head_sha_of_the_pull_is_what_is_read(
    fake_github: FakeGitHub, tmp_path: Path, app: GitHubKitApp
) -> None:
    world = World.create(fake_github, tmp_path)
    pull = world.open_pull(7, DEBT_FILES)
    gateway = gateway_of(app)

    info = await pull_info(gateway, 7)
    await read_inputs(gateway, info, today=TODAY)

    assert info.head_sha == HeadSha(pull.head_sha)
    trees = [r.path for r in fake_github.requests if "/git/trees/" in r.path]
    assert trees == [f"/repos/{REPO}/git/trees/{pull.head_sha}"]
    refs = {r.query.get("ref", [""])[0] for r in fake_github.requests if "/contents/" in r.path}
    assert refs == {pull.head_sha, "main"}


async def test_a_failed_text_fetch_surfaces_as_githubs_own_error(
    fake_github: FakeGitHub, tmp_path: Path, app: GitHubKitApp
) -> None:
    world = World.create(fake_github, tmp_path)
    world.open_pull(7, DEBT_FILES)
    fake_github.fail("GET", r"/contents/train\.py$", 502, times=3)  # the request and githubkit's two retries
    gateway = gateway_of(app)
    pull = await pull_info(gateway, 7)

    with pytest.raises(RequestFailed) as failed:  # not an ExceptionGroup: the classifier must see it
        await read_inputs(gateway, pull, today=TODAY)

    assert classify(failed.value) == RetryLater(
        15, "GitHub failed (502 on GET /repos/octo-org/widgets/contents/train.py)"
    )
