"""Sustained load while reviews run, beside a minimal Probot app on the same machine.

    python -m bench.load [--seconds 60] [--concurrency 16] [--pulls 100] [--database postgresql|sqlite]
                         [--write-interval 0] [--no-probot] [--keep-logs DIR]

debtbot: the real web app (`debtbot serve`) and a real worker run in subprocesses against real Redis and a
fresh database, and talk to the strict fake GitHub (tests/fakegithub) over loopback, where `--pulls` pull
requests are open, each a real git change. For `--seconds` this process posts signed `pull_request`
deliveries as fast as the app answers them, `--concurrency` in flight, going round the pull requests (each
delivery has its own X-GitHub-Delivery, so every one must be recorded; deliveries for a head already queued
share its review). The worker reviews meanwhile. Afterwards: every acknowledged delivery must be in the
deliveries table, and every pull request's head must have exactly one completed check run.

Probot: the same deliveries, signed with its secret, to the smallest Probot app that takes `pull_request`
events (bench/probot/app.js; installed with `npm ci` from its lock file on first use). It verifies the
signature and answers; it records and queues nothing, so it is the floor of what a webhook server does.

The worker paces writes `--write-interval` seconds apart per installation (0 here, so that the reviews keep
up with the stream; production uses 1 s). Everything stops by itself: the load after `--seconds`, the wait
for reviews after REVIEW_DRAIN_SECONDS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis.asyncio
from sqlalchemy import func, select

from bench.review_latency import start_worker, typical_change, wait_worker
from bench.stats import percentile, table
from bench.webhooks import (
    HOST,
    Database,
    ServiceProcess,
    Services,
    free_port,
    keep_logs,
    services,
    signed_headers,
    start_app,
    wait_ready,
)
from bot.db.engine import make_engine
from bot.db.models import Delivery
from bot.webhooks import DELIVERY_HEADER, PATH
from tests.e2e.conftest import pull_request_delivery
from tests.fakegithub import FakeGitHub, generate_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.world import World

PROBOT = Path(__file__).resolve().parent / "probot"
#: Bounds whatever the options say.
MAX_SECONDS = 300.0
MAX_PULLS = 500
MAX_CONCURRENCY = 256
REVIEW_DRAIN_SECONDS = 600.0
START_TIMEOUT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 30.0
SAMPLE_SECONDS = 0.5


@dataclass
class Stream:
    """What one system answered during the load."""

    system: str
    latencies: list[float] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    acked: list[str] = field(default_factory=list)
    queue_depths: list[int] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def sent(self) -> int:
        return sum(self.answers.values())

    def row(self) -> list[object]:
        ms = [s * 1000 for s in self.latencies]
        spread: list[object] = [percentile(ms, 50), percentile(ms, 99), max(ms)] if ms else ["-"] * 3
        rate = len(self.acked) / self.wall_seconds if self.wall_seconds else 0.0
        depth = max(self.queue_depths) if self.queue_depths else "-"
        return [self.system, self.sent, len(self.acked), rate, *spread, self.sent - len(self.acked), depth]


HEADER = ["system", "sent", "acked 2xx", "acks/s", "p50 ms", "p99 ms", "max ms", "errors", "max queue"]


async def stream(
    url: str, secret: str, bodies: Sequence[bytes], *, seconds: float, concurrency: int, name: str
) -> Stream:
    """`concurrency` senders posting the bodies round-robin, each as soon as its last one was answered."""
    result = Stream(name)
    deadline = time.perf_counter() + seconds
    counter = iter(range(sys.maxsize))

    async def sender(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            body = bodies[next(counter) % len(bodies)]
            headers = signed_headers(secret, "pull_request", body, str(uuid.uuid4()))
            start = time.perf_counter()
            try:
                response = await client.post(PATH, content=body, headers=headers)
            except httpx.HTTPError as error:
                result.answers[type(error).__name__] += 1
                continue
            result.answers[str(response.status_code)] += 1
            if response.is_success:
                result.latencies.append(time.perf_counter() - start)
                result.acked.append(headers[DELIVERY_HEADER])

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(sender(client) for _ in range(concurrency)))
        result.wall_seconds = time.perf_counter() - start
    return result


async def sample_queue(svc: Services, into: list[int], stop: asyncio.Event) -> None:
    """The arq queue's length every SAMPLE_SECONDS until `stop`."""
    client = redis.asyncio.Redis.from_url(svc.redis_url)
    try:
        while not stop.is_set():
            into.append(int(await client.zcard(svc.queue_name)))
            await asyncio.sleep(SAMPLE_SECONDS)
    finally:
        await client.aclose()


# --- debtbot --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    stream: Stream
    persisted: int
    heads: int
    reviewed_once: int
    duplicated: int
    drain_seconds: float
    violations: list[str]


async def run_debtbot(svc: Services, fake: FakeGitHub, world: World, options: Options) -> Outcome:
    for number in range(1, options.pulls + 1):
        world.open_pull(number, typical_change(number))
    bodies = [pull_request_delivery(world, n, action="synchronize").body for n in range(1, options.pulls + 1)]
    heads = {world.pulls[n].head_sha for n in range(1, options.pulls + 1)}
    app, url = start_app(svc, github_api_url=fake.url)
    worker: ServiceProcess | None = None
    try:
        worker = start_worker(svc, fake.url, options.write_interval)
        await wait_ready(app, url)
        await wait_worker(worker, svc)
        stop = asyncio.Event()
        depths: list[int] = []
        sampler = asyncio.create_task(sample_queue(svc, depths, stop))
        result = await stream(
            url, svc.webhook_secret, bodies, seconds=options.seconds, concurrency=options.concurrency, name="debtbot"
        )
        drain_start = time.perf_counter()
        while time.perf_counter() - drain_start < REVIEW_DRAIN_SECONDS:
            if all(_completed(fake, sha) for sha in heads):
                break
            await asyncio.sleep(1.0)
        drain = time.perf_counter() - drain_start
        stop.set()
        await sampler
        result.queue_depths = depths
    finally:
        app.stop()
        if worker is not None:
            worker.stop()
    runs = Counter(run.head_sha for run in fake.check_runs())
    return Outcome(
        stream=result,
        persisted=await _persisted(svc, result.acked),
        heads=len(heads),
        reviewed_once=sum(1 for sha in heads if runs[sha] == 1 and _completed(fake, sha)),
        duplicated=sum(1 for sha in heads if runs[sha] > 1),
        drain_seconds=drain,
        violations=[str(v) for v in fake.violations] + [f"fake: {d}" for d in fake.world.defects],
    )


def _completed(fake: FakeGitHub, sha: str) -> bool:
    return any(run.status == "completed" for run in fake.check_runs(head_sha=sha))


async def _persisted(svc: Services, delivery_ids: Sequence[str]) -> int:
    engine = make_engine(svc.database_url)
    found = 0
    try:
        async with engine.connect() as connection:
            for start in range(0, len(delivery_ids), 500):
                chunk = list(delivery_ids[start : start + 500])
                query = select(func.count()).select_from(Delivery).where(Delivery.delivery_id.in_(chunk))
                found += int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()
    return found


# --- Probot ---------------------------------------------------------------------------------------------------------


def _install_probot() -> None:
    if (PROBOT / "node_modules" / "probot").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed: it runs the Probot app (or pass --no-probot)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROBOT, check=True)


@contextmanager
def probot_app(svc: Services) -> Iterator[tuple[ServiceProcess, str]]:
    _install_probot()
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "APP_ID": str(svc.app_id),
        "PRIVATE_KEY": svc.app_key.private_pem,
        "WEBHOOK_SECRET": svc.webhook_secret,
        "HOST": HOST,
        "PORT": str(port),
        "WEBHOOK_PATH": PATH,
        "LOG_LEVEL": "warn",
        "NODE_ENV": "production",
    }
    node = shutil.which("node") or "node"
    argv = [node, str(PROBOT / "node_modules" / "probot" / "bin" / "probot.js"), "run", str(PROBOT / "app.js")]
    process = ServiceProcess("probot", argv, env=env, workdir=svc.workdir)
    try:
        yield process, f"http://{HOST}:{port}"
    finally:
        process.stop()


async def wait_probot(process: ServiceProcess, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=url, timeout=2.0) as client:
        while time.monotonic() < deadline and process.running():
            try:
                if (await client.get("/ping")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the Probot app did not start; its log ends:\n{process.log_tail()}")


async def run_probot(svc: Services, bodies: Sequence[bytes], options: Options) -> Stream:
    with probot_app(svc) as (process, url):
        await wait_probot(process, url)
        return await stream(
            url, svc.webhook_secret, bodies, seconds=options.seconds, concurrency=options.concurrency, name="Probot"
        )


# --- the benchmark --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    seconds: float
    concurrency: int
    pulls: int
    database: Database
    write_interval: float
    probot: bool


def report(outcome: Outcome, probot: Stream | None, options: Options) -> str:
    rows = [outcome.stream.row()]
    if probot is not None:
        rows.append(probot.row())
    lines = [
        f"{options.seconds:g} s of signed pull_request deliveries, {options.concurrency} in flight, "
        f"{options.pulls} pull requests; debtbot on {options.database}, worker write interval "
        f"{options.write_interval:g} s; {os.cpu_count()} CPUs",
        "",
        table(HEADER, rows),
        "",
        f"debtbot: {outcome.persisted} of {len(outcome.stream.acked)} acknowledged deliveries recorded; "
        f"{outcome.reviewed_once} of {outcome.heads} heads with exactly one completed check run, "
        f"{outcome.duplicated} with more than one; reviews done {outcome.drain_seconds:.1f} s after the load",
        f"answers: debtbot {dict(outcome.stream.answers)}"
        + (f", Probot {dict(probot.answers)}" if probot is not None else ""),
    ]
    if outcome.violations:
        lines.append(f"fake GitHub violations: {outcome.violations[:3]}")
    return "\n".join(lines)


def passed(outcome: Outcome) -> bool:
    return (
        outcome.persisted == len(outcome.stream.acked)
        and outcome.reviewed_once == outcome.heads
        and not outcome.duplicated
        and not outcome.violations
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pulls", type=int, default=100)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--write-interval", type=float, default=0.0)
    parser.add_argument("--no-probot", action="store_true")
    parser.add_argument("--keep-logs", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be within 1..{MAX_SECONDS:g}")
    if not 1 <= args.pulls <= MAX_PULLS:
        parser.error(f"--pulls must be within 1..{MAX_PULLS}")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be within 1..{MAX_CONCURRENCY}")
    options = Options(
        args.seconds, args.concurrency, args.pulls, args.database, args.write_interval, not args.no_probot
    )
    key = generate_app_key()
    with (
        services(options.database, app_id=FAKE_APP_ID, app_key=key) as svc,
        FakeGitHub(app_id=FAKE_APP_ID, public_key=key.public_pem) as fake,
    ):
        world = World.create(fake, svc.workdir)
        outcome = asyncio.run(run_debtbot(svc, fake, world, options))
        bodies = [pull_request_delivery(world, n, action="synchronize").body for n in range(1, options.pulls + 1)]
        probot = asyncio.run(run_probot(svc, bodies, options)) if options.probot else None
        keep_logs(svc, args.keep_logs)
    print(report(outcome, probot, options))
    print(json.dumps({"passed": passed(outcome)}))
    return 0 if passed(outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
