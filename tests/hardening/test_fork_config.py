"""A pull request from a fork cannot change the policy, the rules or the summary settings: `.github/debtbot.yml`
is read from the base branch, end to end (signed delivery, queue, worker, the fake GitHub).

tests/e2e has a fork that switches categories off; here the fork's head rewrites every setting that could let
its debt through or keep it quiet, while the base's own file sets what a default would not (one inline comment
at most, a summary always): what the review did shows whose file it read.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from arq.connections import ArqRedis

from bot.settings import Settings
from tests.e2e.conftest import deliver, drain, pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.worker.world import BASE_FILES, DEBT_ANCHORED, DEBT_FILES, DEBT_RULES, FORK, REPO, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

CONFIG = ".github/debtbot.yml"
BASE_CONFIG = "comments: {max_inline: 1, sticky_summary: always}\n"
#: Everything a head could write to let its own debt through, or keep it quiet.
FORK_CONFIG = """\
version: 1
categories: {code: false, data: false, model: false, dependency: false}
disable: [CODE001, DEP001, MODEL001, MODEL008]
rules:
  CODE001: {enabled: false}
  DEP001: {severity: info}
exclude: ["**"]
paths:
  - paths: ["**"]
    disable: [CODE001, DEP001, MODEL001, MODEL008]
accept:
  - paths: ["**"]
    reason: "the fork says it is fine"
policy: {fail_on: never, max_new_debt_minutes: null}
comments: {max_inline: 0, sticky_summary: never}
summary: {enabled: false}
"""


async def test_a_fork_whose_head_rewrites_the_config_still_fails_under_the_base_config(
    fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings, tmp_path: Path
) -> None:
    world = World.create(fake, tmp_path, base_files={**BASE_FILES, CONFIG: BASE_CONFIG})
    pull = world.open_pull(7, {**DEBT_FILES, CONFIG: FORK_CONFIG}, fork=True)
    assert pull.head_repo == FORK

    await deliver(client, pull_request_delivery(world, 7))
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert (check.status, check.conclusion) == ("completed", "failure")
    assert {a["title"].split()[0] for a in check.annotations} >= DEBT_RULES
    (review,) = fake.reviews(REPO, 7)
    assert len(review.comments) == 1  # the base's max_inline, not the fork's 0 nor the default 10
    assert review.comments[0]["body"].split("**")[3] in DEBT_ANCHORED
    (summary,) = fake.comments(REPO, 7)  # the base's sticky summary; the fork said never
    assert pull.head_sha[:12] in summary.body
    # Read at the base branch for the settings (the head's copy is fetched too, as a changed YAML file rules read).
    config_reads = [r for r in fake.requests if unquote(r.path).endswith("/contents/" + CONFIG)]
    assert "main" in {ref for r in config_reads for ref in r.query.get("ref", [])}
