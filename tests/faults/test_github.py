"""GitHub misbehaving, from the fake: every review ends with one completed check run (its real result, or neutral
with the reason), nothing is posted twice, and the job waits as long as GitHub asked.

Each case runs the review job try after try as arq would, with the waits the job asks for uncapped: a try that
raises `arq.Retry` is tried again (at once: the wait is read from the `Retry`, not slept), until one ends.

Covered elsewhere, and not repeated here: githubkit's own retries and the classification of each answer
(tests/gateway/test_failures.py, tests/test_errors.py), a 406 too-large diff read from the files API and a 422 on
a comment's anchor (tests/e2e/test_review_flow.py), the last try of a 503 (tests/worker/test_tasks.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from arq import Retry

from bot import tasks
from bot.db.engine import upgrade
from bot.github import ShortRetry
from bot.worker import shutdown, startup
from bot.worker_context import OPTIONS, SETTINGS, WorkerOptions
from tests.fakegithub import FakeGitHub
from tests.faults.figures import FAULT_FIGURES, FaultFigures, HeadState, head_state
from tests.worker.conftest import job_ctx, make_settings
from tests.worker.world import DEBT_FILES, OWN, REPO, World

pytestmark = pytest.mark.anyio

PULL = r"/repos/octo-org/widgets/pulls/7$"
TREE = r"/git/trees/"
CHECK_RUNS = r"/check-runs$"
CHECK_RUN = r"/check-runs/\d+$"
REVIEWS = r"/pulls/7/reviews$"
COMMENTS = r"/issues/7/comments$"
#: Production's tries and waits, but for the waits between tries (read from the `Retry`, not slept), the pacing
#: of writes, and a client timeout of one second (a hung request costs a second, not thirty).
OPTIONS_UNDER_TEST = WorkerOptions(
    max_tries=3,
    job_timeout=60.0,
    max_retry_defer=None,
    write_interval=0.0,
    github_timeout=1.0,
    github_retry=ShortRetry(server_error_wait=0.01),
)
Ctx = dict[str, Any]


@pytest.fixture
async def worker_ctx(fake: FakeGitHub, tmp_path: Path) -> AsyncIterator[Ctx]:
    url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    await upgrade(url)
    ctx: Ctx = {SETTINGS: make_settings(fake, url), OPTIONS: OPTIONS_UNDER_TEST}
    await startup(ctx)
    try:
        yield ctx
    finally:
        await shutdown(ctx)


async def every_try(ctx: Ctx, world: World, number: int) -> tuple[list[float], str]:
    """The review job of pull request `number`, try after try until one ends: the waits asked between tries (in
    seconds, from each `arq.Retry`) and the outcome of the last."""
    request = world.review_request(number)
    waits: list[float] = []
    for attempt in range(1, OPTIONS_UNDER_TEST.max_tries + 1):
        try:
            outcome = await tasks.review_pull_request(job_ctx(ctx, request.job_id, attempt), request.to_queue())
        except Retry as retry:
            waits.append((retry.defer_score or 0) / 1000)
            continue
        return waits, outcome
    raise AssertionError(f"no try ended the job (waits asked: {waits})")


def diff_fails(status: int) -> Callable[[FakeGitHub], object]:
    """The pull request answers (its own GET), then its diff (the same URL) fails with `status`."""

    def inject(fake: FakeGitHub) -> None:
        fake.slow("GET", PULL, 0.0, times=1)
        fake.fail("GET", PULL, status, times=1)

    return inject


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[FakeGitHub], object]
    #: The waits the job asks for between its tries, in seconds: what GitHub asked, else the backoff (15, 30...).
    waits: tuple[float | range, ...] = ()
    outcome: str = "success"
    #: DEBT_FILES fails the default policy: "failure" is the review's real result.
    conclusion: str = "failure"
    #: Words of the check run's title when it does not carry the review's result.
    says: str | None = None
    #: Requests of this method and path the fake must have seen answered with these statuses, in order.
    answered: tuple[str, str, tuple[int, ...]] | None = None


FAULTS = [
    Fault("500 reading the pull request", lambda f: f.fail("GET", PULL, 500, times=3), waits=(15,)),
    Fault("502 reading the tree", lambda f: f.fail("GET", TREE, 502, times=3), waits=(15,)),
    Fault("503 creating the check run", lambda f: f.fail("POST", CHECK_RUNS, 503), waits=(15,)),
    Fault(
        "403 secondary limit, retry-after 120, posting the review",
        lambda f: f.fail_secondary_rate_limit("POST", REVIEWS, retry_after=120, status=403),
        waits=(120,),
    ),
    Fault(
        "429 secondary limit, retry-after 45, posting the summary",
        lambda f: f.fail_secondary_rate_limit("POST", COMMENTS, retry_after=45, status=429),
        waits=(45,),
    ),
    Fault("429 without retry-after, completing the check run", lambda f: f.fail("PATCH", CHECK_RUN, 429), waits=(60,)),
    Fault(
        "primary limit spent, reset in 1800 s, reading the tree",
        lambda f: f.fail_primary_rate_limit("GET", TREE, reset_in=1800),
        # Until the reset GitHub named, plus a second for clock skew (the reset is a whole second).
        waits=(range(1800, 1802),),
    ),
    Fault(
        "404 on the diff",
        diff_fails(404),
        outcome="ignored",
        conclusion="neutral",
        says="gone or never there (404 on GET /repos/octo-org/widgets/pulls/7)",
    ),
    Fault("slow answer (0.5 s, under the 1 s timeout)", lambda f: f.slow("GET", TREE, 0.5)),
    Fault("hung answer, once (client timeout)", lambda f: f.hang("GET", TREE), waits=(15,)),
    Fault(
        "hung answer, every try",
        lambda f: f.hang("GET", TREE, times=None),
        waits=(15, 30),
        outcome="failed",
        conclusion="neutral",
        says="GitHub kept failing (3 tries): GitHub did not answer in time (ReadTimeout)",
    ),
    Fault(
        "502 after GitHub created the check run",
        lambda f: f.fail("POST", CHECK_RUNS, 502, applied=True),
        waits=(15,),
        answered=("POST", CHECK_RUNS, (502,)),
    ),
    Fault(
        "502 after GitHub posted the review",
        lambda f: f.fail("POST", REVIEWS, 502, applied=True),
        waits=(15,),
        answered=("POST", REVIEWS, (502,)),
    ),
    Fault(
        "502 after GitHub posted the summary comment",
        lambda f: f.fail("POST", COMMENTS, 502, applied=True),
        waits=(15,),
        answered=("POST", COMMENTS, (502,)),
    ),
    # The update carried the annotations, which GitHub appends: the next try reads the run's annotation count,
    # and completes it again without them.
    Fault(
        "502 after GitHub completed the check run",
        lambda f: f.fail("PATCH", CHECK_RUN, 502, applied=True),
        waits=(15,),
        answered=("PATCH", CHECK_RUN, (502, 200)),
    ),
]
CASES = [pytest.param(fault, id=fault.name) for fault in FAULTS]


def note(name: str, waits: list[float], outcome: str, fake: FakeGitHub, head_sha: str) -> HeadState:
    """Record what the case measured (printed at the end of the run) and return what GitHub holds for the head."""
    state = head_state(fake, 7, head_sha)
    runs = fake.check_runs(head_sha=head_sha)
    FAULT_FIGURES.append(
        FaultFigures(
            fault=name,
            waits=", ".join(f"{wait:g} s" for wait in waits) or "none",
            outcome=outcome,
            check_runs=len(runs),
            conclusion=runs[-1].conclusion if runs else None,
            duplicates=state.duplicates,
        )
    )
    return state


def statuses(fake: FakeGitHub, method: str, path: str) -> tuple[int, ...]:
    return tuple(r.status for r in fake.requests if r.method == method and re.search(path, r.path))


@pytest.mark.parametrize("fault", CASES)
async def test_github_failing_ends_in_one_completed_check_run_after_the_waits_it_asked_for(
    fault: Fault, world: World, fake: FakeGitHub, worker_ctx: Ctx
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    fault.inject(fake)

    waits, outcome = await every_try(worker_ctx, world, 7)

    state = note(fault.name, waits, outcome, fake, pull.head_sha)
    assert len(waits) == len(fault.waits)
    assert all(
        wait == asked or (isinstance(asked, range) and wait in asked)
        for wait, asked in zip(waits, fault.waits, strict=True)
    ), waits
    assert outcome == fault.outcome
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert (check.status, check.conclusion) == ("completed", fault.conclusion)
    if fault.says is not None:
        assert fault.says in check.output["title"]
    assert state == HeadState(
        check_runs=1,
        completed=1,
        conclusions=(fault.conclusion,),
        reviews=0 if fault.conclusion == "neutral" else 1,
        duplicate_inline=0,
        summaries=0 if fault.conclusion == "neutral" else 1,
    )
    if fault.answered is not None:
        method, path, expected = fault.answered
        assert statuses(fake, method, path) == expected


async def test_an_installation_token_that_expires_mid_review_is_renewed_without_a_retry(
    world: World, fake: FakeGitHub, worker_ctx: Ctx
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    tree = fake.slow("GET", TREE, 0.3)

    async def expire_once_the_tree_is_asked_for() -> None:
        while tree.hits == 0:
            await asyncio.sleep(0.01)
        fake.expire_tokens(OWN)

    expiry = asyncio.create_task(expire_once_the_tree_is_asked_for())
    waits, outcome = await every_try(worker_ctx, world, 7)
    await expiry

    state = note("installation token expired mid-review", waits, outcome, fake, pull.head_sha)
    assert (waits, outcome) == ([], "success")
    first, renewed = fake.tokens(OWN)
    refused = [r for r in fake.requests if r.status == 401]
    assert refused  # the old token was refused once the tree had been read...
    assert all(r.headers["authorization"] == f"token {first.value}" for r in refused)
    later = [r for r in fake.requests if r.path.startswith(f"/repos/{REPO}/") and r.status < 400][-1]
    assert later.headers["authorization"] == f"token {renewed.value}"  # ...and the new one carried the rest
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert (check.status, check.conclusion) == ("completed", "failure")
    assert state.duplicates == 0
