"""Review latency through the whole service: a signed `pull_request.opened` delivery to a completed check run.

    python -m bench.review_latency [--pulls 20] [--database sqlite|postgresql] [--write-interval SECONDS]

The real web app (`debtbot serve`) and the real worker (`debtbot worker`) run in subprocesses against real
Redis and a fresh database, and talk to the strict fake GitHub (tests/fakegithub) over loopback. Each pull
request is a real git change of a few hundred lines that adds some debt (an unpinned requirement, a TODO,
remote code trusted, a pickled model, and a new module of clean code), opened one after the other on an idle
service. For each one this process posts the signed delivery and watches the fake GitHub: when the check run
appears (the worker took the job and started) and when it is completed (comments, summary and check run all
published).

The worker runs with its production options: it paces one installation's writes `write_interval` seconds
apart (1 s, GitHub's content-creation limits) and polls the queue every 0.5 s (arq's default).
`--write-interval 0` runs the same worker code with no pacing, to show the service's own time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import httpx
import redis

from bench.speed import DEBTBOT
from bench.stats import percentile, table
from bench.webhooks import (
    Database,
    ProcessUsage,
    ServiceProcess,
    Services,
    keep_logs,
    services,
    signed_headers,
    start_app,
    wait_ready,
)
from bot.webhooks import PATH
from tests.e2e.conftest import pull_request_delivery
from tests.fakegithub import FakeGitHub, generate_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.world import DEBT_FILES, World

#: Bounds whatever the options say: the benchmark stops by itself.
MAX_PULLS = 200
REVIEW_TIMEOUT_SECONDS = 120.0
WORKER_START_TIMEOUT_SECONDS = 60.0
#: How often the fake GitHub is looked at while a review runs.
POLL_SECONDS = 0.005
#: The worker's default pacing of one installation's writes (bot.github.pacing.DEFAULT_WRITE_INTERVAL).
PRODUCTION_WRITE_INTERVAL = 1.0
#: arq's default `poll_delay`: the worker looks for new jobs this often.
QUEUE_POLL_SECONDS = 0.5
_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


# --- the pull requests ------------------------------------------------------------------------------------------


def feature_module(number: int, functions: int = 22) -> str:
    """A new module of ordinary, debt-free feature code (about 12 lines a function)."""
    parts = [
        f'"""Feature pipeline {number}: scale, clip and batch the training features."""\n',
        "from __future__ import annotations\n",
        "import logging",
        "from collections.abc import Iterator\n",
        "import numpy as np\n",
        "log = logging.getLogger(__name__)\n",
    ]
    for i in range(functions):
        parts.append(
            f"""
def scale_feature_{i}(values: np.ndarray, low: float = {i}.0, high: float = {i + 1}.0) -> np.ndarray:
    \"\"\"Rescale feature {i} into [low, high], leaving missing values missing.\"\"\"
    finite = np.isfinite(values)
    if not finite.any():
        log.debug("feature %d has no finite value", {i})
        return values
    lo, hi = values[finite].min(), values[finite].max()
    span = hi - lo if hi > lo else 1.0
    return low + (values - lo) / span * (high - low)
"""
        )
    parts.append(
        """
def batches(rows: np.ndarray, size: int) -> Iterator[np.ndarray]:
    \"\"\"Consecutive batches of `size` rows; the last one may be shorter.\"\"\"
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
"""
    )
    return "\n".join(parts)


def feature_tests(number: int) -> str:
    return f'''"""Tests of feature pipeline {number}."""

import numpy as np

from widgets.features_{number} import batches, scale_feature_0, scale_feature_1


def test_scaling_keeps_the_range() -> None:
    scaled = scale_feature_1(np.array([3.0, 5.0, 7.0]))
    assert scaled.min() == 1.0
    assert scaled.max() == 2.0


def test_missing_values_stay_missing() -> None:
    scaled = scale_feature_0(np.array([np.nan, 1.0, 2.0]))
    assert np.isnan(scaled[0])


def test_batches_cover_every_row() -> None:
    rows = np.arange(10)
    assert sum(len(b) for b in batches(rows, 3)) == 10
'''


def typical_change(number: int) -> dict[str, str | bytes]:
    """What pull request `number` changes: the e2e tests' debt, a new feature module and its tests."""
    return {
        **DEBT_FILES,
        f"widgets/features_{number}.py": feature_module(number),
        f"tests/test_features_{number}.py": feature_tests(number),
    }


# --- the worker -------------------------------------------------------------------------------------------------


def start_worker(svc: Services, fake_url: str, write_interval: float | None) -> ServiceProcess:
    """`debtbot worker`, or with `write_interval` the same worker with that pacing (see `worker_child`)."""
    if write_interval is None:
        argv = [str(DEBTBOT), "worker"]
    else:
        argv = [sys.executable, "-m", "bench.review_latency", "--worker-child", "--write-interval", str(write_interval)]
    env = svc.env(github_api_url=fake_url)
    # The child runs in the scratch folder: it finds `bench` (not an installed package) through the path.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return ServiceProcess("worker", argv, env=env, workdir=svc.workdir)


def worker_child(write_interval: float) -> int:
    """What `debtbot worker` runs, with its options changed: the worker process of `--write-interval`."""
    # Imported here: the worker is the part of the service this benchmark reaches last.
    from arq.worker import run_worker  # noqa: PLC0415

    from bot.logging import configure_logging, secrets_of  # noqa: PLC0415
    from bot.settings import get_settings  # noqa: PLC0415
    from bot.worker import worker_settings  # noqa: PLC0415
    from bot.worker_context import WorkerOptions  # noqa: PLC0415

    settings = get_settings()
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    run_worker(worker_settings(settings, WorkerOptions(write_interval=write_interval)))
    return 0


async def wait_worker(worker: ServiceProcess, svc: Services) -> None:
    """Until the worker has polled the queue once (arq then writes `<queue>:health-check`)."""
    client = redis.Redis.from_url(svc.redis_url)
    deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
    try:
        while time.monotonic() < deadline and worker.running():
            if client.exists(f"{svc.queue_name}:health-check"):
                return
            await asyncio.sleep(0.1)
    finally:
        client.close()
    raise RuntimeError(f"the worker did not start; its log ends:\n{worker.log_tail()}")


# --- one review -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Seconds from posting the delivery to each step, and what the review sent GitHub."""

    acked: float
    started: float
    completed: float
    github_requests: int
    github_writes: int
    conclusion: str | None
    annotations: int
    #: The GitHub operations the review called, in order.
    operations: tuple[str, ...]


async def review_one(client: httpx.AsyncClient, fake: FakeGitHub, world: World, number: int, secret: str) -> Timing:
    delivery = pull_request_delivery(world, number)
    body = delivery.body
    head_sha = world.pulls[number].head_sha
    before = len(fake.requests)
    start = time.perf_counter()
    response = await client.post(PATH, content=body, headers=signed_headers(secret, "pull_request", body))
    acked = time.perf_counter() - start
    if response.status_code != 202:
        raise RuntimeError(f"pull request {number}: the app answered {response.status_code} {response.text[:200]}")
    started: float | None = None
    while True:
        runs = fake.check_runs(head_sha=head_sha)
        now = time.perf_counter() - start
        if runs and started is None:
            started = now
        if runs and runs[0].status == "completed":
            break
        if now > REVIEW_TIMEOUT_SECONDS:
            raise RuntimeError(f"pull request {number}: no completed check run after {REVIEW_TIMEOUT_SECONDS:g} s")
        await asyncio.sleep(POLL_SECONDS)
    sent = fake.requests[before:]
    return Timing(
        acked=acked,
        started=started if started is not None else now,
        completed=now,
        github_requests=len(sent),
        github_writes=sum(1 for r in sent if r.method in _WRITES),
        conclusion=runs[0].conclusion,
        annotations=len(runs[0].annotations),
        operations=tuple(f"{r.method} {r.operation_id or r.path}" for r in sent),
    )


# --- the benchmark ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    pulls: int
    database: Database
    write_interval: float | None

    @property
    def pacing(self) -> float:
        return PRODUCTION_WRITE_INTERVAL if self.write_interval is None else self.write_interval


@dataclass(frozen=True)
class Result:
    timings: list[Timing]
    diff_lines: int
    diff_files: int
    violations: list[str]
    app: ProcessUsage
    worker: ProcessUsage
    problems: Counter[str]


async def benchmark(svc: Services, fake: FakeGitHub, world: World, options: Options) -> Result:
    """Open every pull request on the fake, start the app and the worker, then review them one at a time."""
    for number in range(1, options.pulls + 1):
        world.open_pull(number, typical_change(number))
    diff = world.diff(world.base_sha, world.pulls[1].head_sha)
    app, base_url = start_app(svc, github_api_url=fake.url)
    worker: ServiceProcess | None = None
    try:
        worker = start_worker(svc, fake.url, options.write_interval)
        await wait_ready(app, base_url)
        await wait_worker(worker, svc)
        timings: list[Timing] = []
        # Fixed seed: the same pauses on every run.
        jitter = random.Random(20261126)
        async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
            for number in range(1, options.pulls + 1):
                timings.append(await review_one(client, fake, world, number, svc.webhook_secret))
                # Each review meets an idle worker (its installation's pacing interval has passed), at a random
                # point of the worker's polling cycle: a fixed pause would always land at the same point.
                await asyncio.sleep(options.pacing + 0.5 + jitter.uniform(0, QUEUE_POLL_SECONDS))
        problems = app.problems() + worker.problems()
    finally:
        app_usage = app.stop()
        worker_usage = worker.stop() if worker is not None else ProcessUsage(0.0, 0.0, -1)
    return Result(
        timings=timings,
        diff_lines=len(diff.splitlines()),
        diff_files=diff.count("\ndiff --git ") + diff.startswith("diff --git "),
        # Requests GitHub would refuse, and answers of the fake that depart from GitHub's description.
        violations=[str(v) for v in fake.violations] + [f"fake: {d}" for d in fake.world.defects],
        app=app_usage,
        worker=worker_usage,
        problems=problems,
    )


def report(result: Result, options: Options) -> str:
    timings = result.timings
    worker = (
        f"`debtbot worker` (production options: writes {PRODUCTION_WRITE_INTERVAL:g} s apart, queue polled every "
        f"{QUEUE_POLL_SECONDS:g} s)"
        if options.write_interval is None
        else f"the same worker with writes {options.write_interval:g} s apart (queue polled every "
        f"{QUEUE_POLL_SECONDS:g} s)"
    )
    rows: list[list[object]] = []
    for label, values in (
        ("delivery acknowledged (202)", [t.acked for t in timings]),
        ("check run created (in progress)", [t.started for t in timings]),
        ("check run completed", [t.completed for t in timings]),
    ):
        rows.append([label, *(f"{v * 1000:.0f}" for v in (percentile(values, 50), max(values), values[0]))])
    first = timings[0]
    lines = [
        f"== review latency: debtbot serve + worker + {options.database} + Redis + fake GitHub, loopback ==",
        f"{len(timings)} pull requests opened one at a time; worker: {worker}",
        f"each pull request: {result.diff_files} files, a {result.diff_lines}-line diff; "
        f"{_span(t.github_requests for t in timings)} GitHub requests of which "
        f"{_span(t.github_writes for t in timings)} writes (the first review also fetches the installation token); "
        f"conclusions {dict(Counter(t.conclusion for t in timings))}, {first.annotations} annotations each",
        "GitHub operations of the first review, in order: " + _folded(first.operations),
        table(["from posting the delivery to", "p50 ms", "max ms", "first ms"], rows),
        f"app: {result.app.cpu_seconds:.1f} CPU s, peak RSS {result.app.peak_rss_mb:.0f} MB; "
        f"worker: {result.worker.cpu_seconds:.1f} CPU s, peak RSS {result.worker.peak_rss_mb:.0f} MB "
        f"(exit status {result.app.exit_code} and {result.worker.exit_code})",
        f"requests the fake GitHub would refuse (or answers it got wrong): {len(result.violations)}",
    ]
    lines += [f"  {v[:200]}" for v in result.violations[:5]]
    if result.problems:
        lines.append("the app and worker logged:")
        lines += [f"  {count:6d} x {what}" for what, count in result.problems.most_common(6)]
    return "\n".join(lines)


def _span(values: Iterable[int]) -> str:
    ordered = sorted(values)
    return str(ordered[0]) if ordered[0] == ordered[-1] else f"{ordered[0]}-{ordered[-1]}"


def _folded(operations: Sequence[str]) -> str:
    """`a, b x3, c`: consecutive repeats folded."""
    return ", ".join(op + (f" x{n}" if (n := len(list(group))) > 1 else "") for op, group in groupby(operations))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.review_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pulls", type=int, default=20, help="pull requests reviewed one after another (20)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--write-interval", type=float, help="run the worker with this pacing of writes instead of `debtbot worker`"
    )
    parser.add_argument("--keep-logs", type=Path, metavar="DIR", help="copy the app's and the worker's logs into DIR")
    parser.add_argument("--worker-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_child:
        return worker_child(args.write_interval if args.write_interval is not None else PRODUCTION_WRITE_INTERVAL)
    if not 1 <= args.pulls <= MAX_PULLS:
        parser.error(f"--pulls must be within 1..{MAX_PULLS}")
    if args.write_interval is not None and not 0 <= args.write_interval <= 10:
        parser.error("--write-interval must be within 0..10 seconds")
    options = Options(args.pulls, args.database, args.write_interval)
    load_before = os.getloadavg()[0]
    key = generate_app_key()
    with (
        services(options.database, app_id=FAKE_APP_ID, app_key=key) as svc,
        FakeGitHub(app_id=FAKE_APP_ID, public_key=key.public_pem) as fake,
    ):
        world = World.create(fake, svc.workdir)
        result = asyncio.run(benchmark(svc, fake, world, options))
        keep_logs(svc, args.keep_logs)
    print(report(result, options))
    print(f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    return 0 if not result.violations and result.app.exit_code == 0 and result.worker.exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
