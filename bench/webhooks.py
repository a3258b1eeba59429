"""The webhook path under load: acknowledged deliveries a second and acknowledgement latency of the real web app.

    python -m bench.webhooks [--seconds 20] [--concurrency 16] [--rate 50] [--rate-seconds 10]
                             [--database sqlite|postgresql]

`debtbot serve` runs in a subprocess on loopback with a fresh database (a temporary SQLite file, or a new
PostgreSQL database `debtbot_bench_<random>` dropped afterwards), a Redis logical database of its own
(leased as the tests lease theirs, emptied afterwards), a generated webhook secret and App key. This process
posts signed `pull_request.synchronize` deliveries (GitHub's example payload, each with a fresh
X-GitHub-Delivery and a distinct head sha, so each one queues a job) with httpx: first at a fixed moderate
rate, then as fast as the app answers with a bounded number in flight. No worker runs: afterwards every
acknowledged delivery must be in the deliveries table and its job in the arq queue.

The service helpers here (databases, Redis, the app or worker in a subprocess, signing) are shared with
`bench.review_latency`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

import httpx
import redis
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.speed import DEBTBOT
from bench.stats import percentile, table
from bot.db.engine import make_engine, upgrade
from bot.db.models import Delivery, DeliveryOutcome
from bot.routing import Route, route
from bot.signature import sign
from bot.webhooks import DELIVERY_HEADER, EVENT_HEADER, PATH
from tests.conftest import DEFAULT_REDIS, POSTGRES_CANDIDATES, POSTGRES_ENV, REDIS_ENV, leased_redis_database
from tests.fakegithub.keys import AppKey, generate_app_key

ROOT = Path(__file__).resolve().parent.parent
WEBHOOKS = ROOT / "tests" / "fixtures" / "github" / "webhooks"
HOST = "127.0.0.1"
Database = Literal["sqlite", "postgresql"]
#: Upper bounds whatever the options say: the benchmark stops by itself.
MAX_SECONDS = 300.0
MAX_DELIVERIES_PER_RUN = 100_000
REQUEST_TIMEOUT_SECONDS = 30.0
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
WARMUP_DELIVERIES = 50
#: GitHub counts a delivery failed when its answer takes longer than this.
GITHUB_TIMEOUT_SECONDS = 10.0
BENCH_APP_ID = 1
#: Stands for the head sha in the serialized template; replaced by a distinct sha in every delivery.
_SHA_MARK = "5ha0" * 10


# --- services: a database, a Redis database, the app's settings -----------------------------------------------------


@dataclass(frozen=True)
class Services:
    """Where the service under test keeps its state, and its credentials (all made for this run alone)."""

    database_url: str
    redis_url: str
    queue_name: str
    webhook_secret: str
    app_id: int
    app_key: AppKey
    workdir: Path

    def env(self, **extra: str) -> dict[str, str]:
        """This process's environment without any DEBTBOT_* of its own, plus the service's settings
        (`extra`: more settings by name, e.g. `github_api_url=...`)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEBTBOT_")}
        env.update(
            DEBTBOT_APP_ID=str(self.app_id),
            DEBTBOT_PRIVATE_KEY=self.app_key.private_pem,
            DEBTBOT_WEBHOOK_SECRET=self.webhook_secret,
            DEBTBOT_DATABASE_URL=self.database_url,
            DEBTBOT_REDIS_URL=self.redis_url,
            DEBTBOT_QUEUE_NAME=self.queue_name,
            DEBTBOT_DATA_DIR=str(self.workdir / "data"),
            DEBTBOT_ENVIRONMENT="production",
            DEBTBOT_LOG_LEVEL="INFO",
        )
        env.update({f"DEBTBOT_{k.upper()}": v for k, v in extra.items()})
        return env


@contextmanager
def services(database: Database, *, app_id: int = BENCH_APP_ID, app_key: AppKey | None = None) -> Iterator[Services]:
    """A migrated database, a leased Redis database and fresh credentials (a new App key unless given); all
    removed on leaving."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="debtbot-bench-")))
        if database == "postgresql":
            url = stack.enter_context(postgres_database(postgres_server()))
        else:
            url = f"sqlite:///{workdir / 'data' / 'debtbot.db'}"
        redis_url = stack.enter_context(leased_redis_database(redis_server()))
        asyncio.run(upgrade(url))
        yield Services(
            database_url=url,
            redis_url=redis_url,
            queue_name=f"debtbot-bench:{secrets.token_hex(6)}:queue",
            webhook_secret=secrets.token_urlsafe(32),
            app_id=app_id,
            app_key=app_key or generate_app_key(),
            workdir=workdir,
        )


def redis_server() -> str:
    """The Redis server the tests use (TEST_REDIS_URL, or 127.0.0.1:6379), checked to answer."""
    url = os.environ.get(REDIS_ENV, DEFAULT_REDIS)
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise SystemExit(f"Redis is not reachable at {url} ({exc}); set {REDIS_ENV}") from None
    finally:
        client.close()
    return url


def postgres_server() -> str:
    """A maintenance URL of the PostgreSQL server the tests use (TEST_POSTGRES_URL, or the local candidates)."""
    configured = os.environ.get(POSTGRES_ENV)
    errors = []
    for url in (configured,) if configured else POSTGRES_CANDIDATES:
        try:
            asyncio.run(_postgres_execute(url, "SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - every failure means: try the next candidate
            errors.append(f"{make_url(url).render_as_string(hide_password=True)}: {exc}")
        else:
            return url
    raise SystemExit(f"PostgreSQL is not reachable ({'; '.join(errors)}); set {POSTGRES_ENV}")


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A new database `debtbot_bench_<random>` on the server, dropped on leaving."""
    name = f"debtbot_bench_{secrets.token_hex(6)}"
    asyncio.run(_postgres_execute(server, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_postgres_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _postgres_execute(url: str, sql: str) -> None:
    engine = create_async_engine(
        make_url(url).set(drivername="postgresql+asyncpg"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


# --- a service in a subprocess ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessUsage:
    """What a stopped subprocess used over its whole life (from `os.wait4`, as `bench.measure` reads it)."""

    cpu_seconds: float
    peak_rss_mb: float
    exit_code: int


class ServiceProcess:
    """A long-running service (`debtbot serve`, `debtbot worker`) in a subprocess, its output in a log file."""

    def __init__(self, name: str, argv: Sequence[str], *, env: Mapping[str, str], workdir: Path) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        # cwd is the scratch folder: no `.env` of the developer's is read.
        self.process = subprocess.Popen(argv, env=dict(env), cwd=workdir, stdout=self._log, stderr=subprocess.STDOUT)

    def cpu_seconds(self) -> float | None:
        """CPU time used so far (Linux /proc), or None where it cannot be read."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        # utime and stime are fields 14 and 15 of stat(5); the split above starts at field 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def problems(self) -> Counter[str]:
        """The service's warnings and errors (its JSON log lines), counted by logger and what went wrong."""
        found: Counter[str] = Counter()
        self._log.flush()
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict) or entry.get("level") not in ("warning", "error", "critical"):
                continue
            trace = str(entry.get("exception") or "").strip().splitlines()
            what = trace[-1] if trace else str(entry.get("event"))
            if entry.get("reason"):
                what += f" ({entry['reason']})"
            found[f"{entry['level']} {entry.get('logger')}: {what[:160]}"] += 1
        return found

    def stop(self) -> ProcessUsage:
        """SIGTERM (both services shut down cleanly on it), SIGKILL if it does not exit in time; then reap it."""
        if self.process.returncode is not None:
            self._log.close()
            return ProcessUsage(0.0, 0.0, self.process.returncode)
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while True:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.process.kill()
                _, status, usage = os.wait4(self.process.pid, 0)
                break
            time.sleep(0.05)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self._log.close()
        # Linux reports ru_maxrss in kilobytes.
        return ProcessUsage(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, self.process.returncode)


def keep_logs(svc: Services, into: Path | None) -> None:
    """Copy the services' logs out of the scratch folder before it is removed (`--keep-logs`)."""
    if into is None:
        return
    into.mkdir(parents=True, exist_ok=True)
    for log in svc.workdir.glob("*.log"):
        shutil.copy(log, into / log.name)
    print(f"service logs kept in {into}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def start_app(svc: Services, **settings: str) -> tuple[ServiceProcess, str]:
    """`debtbot serve` on a free loopback port (DEBTBOT_REDIS_URL is set, so no worker runs in it); its URL."""
    port = free_port()
    argv = [str(DEBTBOT), "serve", "--host", HOST, "--port", str(port)]
    return ServiceProcess("app", argv, env=svc.env(**settings), workdir=svc.workdir), f"http://{HOST}:{port}"


async def wait_ready(app: ServiceProcess, base_url: str) -> None:
    """Until /readyz answers 200 (database and Redis reachable), or fail with the app's log."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not app.running():
                break
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the app did not become ready; its log ends:\n{app.log_tail()}")


def signed_headers(secret: str, event: str, body: bytes, delivery_id: str | None = None) -> dict[str, str]:
    """The headers GitHub sends with a delivery of `body`."""
    return {
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/bench",
    }


# --- the load ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynchronizeTemplate:
    """GitHub's `pull_request.synchronize` example serialized once; each delivery swaps in its own head sha."""

    body: bytes

    @classmethod
    def load(cls) -> SynchronizeTemplate:
        payload: dict[str, Any] = json.loads((WEBHOOKS / "pull_request" / "synchronize.payload.json").read_text())
        payload["after"] = payload["pull_request"]["head"]["sha"] = _SHA_MARK
        body = json.dumps(payload).encode()
        if body.count(_SHA_MARK.encode()) != 2:
            raise RuntimeError("the head sha marker is not unique in the synchronize example")
        return cls(body)

    def with_head(self, sha: str) -> bytes:
        return self.body.replace(_SHA_MARK.encode(), sha.encode())


@dataclass
class LoadRun:
    """The answers of one run: latencies of the acknowledged deliveries, and every answer by status."""

    name: str
    latencies: list[float] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    #: Acknowledged (202) delivery id -> the job id the app answered with.
    acked: dict[str, str] = field(default_factory=dict)
    #: The job ids the deliveries answered otherwise asked for (the app may have queued some before failing).
    unacked_jobs: set[str] = field(default_factory=set)
    #: Answers, whatever their status, that took longer than GitHub waits.
    late: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    server_cpu_seconds: float | None = None
    driver_cpu_seconds: float = 0.0

    @property
    def sent(self) -> int:
        return sum(self.answers.values())

    @property
    def errors(self) -> int:
        return self.sent - len(self.acked)

    def row(self) -> list[object]:
        ms = [s * 1000 for s in self.latencies]
        per_ack = (
            f"{self.server_cpu_seconds * 1000 / len(self.acked):.1f}"
            if self.server_cpu_seconds is not None and self.acked
            else "-"
        )
        spread = [percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), max(ms)] if ms else ["-"] * 4
        rate = len(self.acked) / self.wall_seconds if self.wall_seconds else 0.0
        return [self.name, self.sent, len(self.acked), rate, *spread, self.errors, self.late, per_ack]


HEADER = [
    "run", "sent", "acked (202)", "acks/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "> 10 s",
    "app CPU ms/ack",
]  # fmt: skip


class Driver:
    """Posts signed synchronize deliveries, each with a fresh delivery id and head sha, and records the answers."""

    def __init__(self, client: httpx.AsyncClient, secret: str, template: SynchronizeTemplate) -> None:
        self.client = client
        self.secret = secret
        self.template = template
        self._count = 0
        self._run_tag = secrets.token_hex(4)

    async def send(self, run: LoadRun, *, since: float | None = None) -> None:
        """One delivery. Latency counts from `since` when given (the time it was due), else from sending."""
        self._count += 1
        body = self.template.with_head(f"{self._run_tag}{self._count:032x}")
        headers = signed_headers(self.secret, "pull_request", body)
        start = time.perf_counter() if since is None else since
        try:
            response = await self.client.post(PATH, content=body, headers=headers)
        except httpx.HTTPError as error:
            self._failed(run, body, type(error).__name__, f"{type(error).__name__}: {error}")
            run.late += 1
            return
        elapsed = time.perf_counter() - start
        run.late += elapsed > GITHUB_TIMEOUT_SECONDS
        if response.status_code == 202:
            run.answers["202"] += 1
            run.latencies.append(elapsed)
            run.acked[headers[DELIVERY_HEADER]] = str(response.json()["job_id"])
        else:
            self._failed(run, body, str(response.status_code), f"{response.status_code}: {response.text[:120]}")

    @staticmethod
    def _failed(run: LoadRun, body: bytes, answer: str, detail: str) -> None:
        run.answers[answer] += 1
        decision = route("pull_request", json.loads(body), app_id=BENCH_APP_ID, delivery_id="unanswered")
        if isinstance(decision, Route):
            run.unacked_jobs.add(decision.job_id)
        if len(run.error_samples) < 3:
            run.error_samples.append(detail)


async def measured(run: LoadRun, app: ServiceProcess, load: Callable[[LoadRun], Awaitable[None]]) -> LoadRun:
    """Run `load` into `run`, noting its wall time and the CPU time the app and this process spent meanwhile."""
    app_cpu, own_cpu, start = app.cpu_seconds(), time.process_time(), time.perf_counter()
    await load(run)
    run.wall_seconds = time.perf_counter() - start
    run.driver_cpu_seconds = time.process_time() - own_cpu
    app_after = app.cpu_seconds()
    if app_cpu is not None and app_after is not None:
        run.server_cpu_seconds = app_after - app_cpu
    return run


async def closed_loop(driver: Driver, run: LoadRun, *, seconds: float, concurrency: int) -> None:
    """`concurrency` senders, each posting its next delivery as soon as the last is answered, for `seconds`."""
    deadline = time.perf_counter() + seconds

    async def sender() -> None:
        while time.perf_counter() < deadline and run.sent < MAX_DELIVERIES_PER_RUN:
            await driver.send(run)

    await asyncio.gather(*(sender() for _ in range(concurrency)))


async def fixed_rate(driver: Driver, run: LoadRun, *, rate: float, seconds: float, max_in_flight: int) -> None:
    """One delivery every 1/rate seconds, whether or not earlier ones were answered (latency counts from when
    each was due, so a slow answer that holds up the next is not hidden)."""
    slots = asyncio.Semaphore(max_in_flight)
    count = min(int(rate * seconds), MAX_DELIVERIES_PER_RUN)
    start = time.perf_counter()

    async def one(due: float) -> None:
        async with slots:
            await driver.send(run, since=due)

    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)


# --- verification -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    acked: int
    persisted: int
    queue_depth: int
    in_queue: int
    #: Jobs in the queue whose delivery was answered with an error (queued, then the app failed to answer 202).
    queued_unacked: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        lines = [
            f"acknowledged deliveries: {self.acked}; in the deliveries table as queued with the answered job id: "
            f"{self.persisted}; their jobs in the queue: {self.in_queue}; queue depth: {self.queue_depth}"
        ]
        if self.queued_unacked:
            lines.append(
                f"  {self.queued_unacked} more jobs are queued for deliveries answered with an error "
                "(GitHub's redelivery finds the job by its id and does not queue it twice)"
            )
        lines.append(
            "verified: every acknowledged delivery is persisted and its job queued"
            if self.ok
            else "VERIFICATION FAILED:"
        )
        return "\n".join(lines + [f"  {p}" for p in self.problems[:10]])


async def verify(svc: Services, acked: Mapping[str, str], unacked_jobs: set[str]) -> Verification:
    """Every acknowledged delivery is in the deliveries table (queued, same job id) and its job is in the queue,
    and the queue holds nothing else but jobs of deliveries answered with an error (no worker ran)."""
    engine = make_engine(svc.database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(Delivery.delivery_id, Delivery.outcome, Delivery.job_id))).all()
    finally:
        await engine.dispose()
    recorded = {row.delivery_id: (row.outcome, row.job_id) for row in rows}
    missing = [d for d, job in acked.items() if recorded.get(d) != (DeliveryOutcome.QUEUED, job)]
    client = redis.Redis.from_url(svc.redis_url)
    try:
        # The sync client's methods are typed for the async one too: this one answers at once.
        queued = {m.decode() for m in cast(list[bytes], client.zrange(svc.queue_name, 0, -1))}
    finally:
        client.close()
    jobs = set(acked.values())
    problems = []
    if missing:
        problems.append(f"{len(missing)} acknowledged deliveries are not recorded as queued, e.g. {missing[:3]}")
    if len(jobs) != len(acked):
        problems.append(f"{len(acked) - len(jobs)} acknowledged deliveries share a job id")
    if lost := sorted(jobs - queued):
        problems.append(f"{len(lost)} acknowledged jobs are not in the queue, e.g. {lost[:3]}")
    if unknown := sorted(queued - jobs - unacked_jobs):
        problems.append(f"{len(unknown)} queued jobs no delivery asked for, e.g. {unknown[:3]}")
    return Verification(
        acked=len(acked),
        persisted=len(acked) - len(missing),
        queue_depth=len(queued),
        in_queue=len(jobs & queued),
        queued_unacked=len(queued & unacked_jobs),
        problems=tuple(problems),
    )


# --- the benchmark ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    seconds: float
    concurrency: int
    rate: float
    rate_seconds: float
    database: Database


@dataclass(frozen=True)
class Result:
    runs: list[LoadRun]
    verification: Verification
    usage: ProcessUsage
    #: What /readyz answered after the loads: does the app still serve?
    readiness_after: str
    app_problems: Counter[str]

    @property
    def ok(self) -> bool:
        return self.verification.ok and self.readiness_after.startswith("200") and self.usage.exit_code == 0


async def benchmark(svc: Services, options: Options) -> Result:
    """Start the app, warm it up, run both loads (moderate first, so it meets a fresh app), stop it, verify."""
    app, base_url = start_app(svc)
    try:
        await wait_ready(app, base_url)
        limits = httpx.Limits(max_connections=max(options.concurrency, 64), max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits) as client:
            driver = Driver(client, svc.webhook_secret, SynchronizeTemplate.load())
            warmup = LoadRun(f"warm-up, {WARMUP_DELIVERIES} one at a time")
            for _ in range(WARMUP_DELIVERIES):
                await driver.send(warmup)
            moderate = await measured(
                LoadRun(f"fixed rate {options.rate:g}/s for {options.rate_seconds:g} s"),
                app,
                lambda run: fixed_rate(
                    driver, run, rate=options.rate, seconds=options.rate_seconds, max_in_flight=options.concurrency
                ),
            )
            saturated = await measured(
                LoadRun(f"closed loop, {options.concurrency} in flight, {options.seconds:g} s"),
                app,
                lambda run: closed_loop(driver, run, seconds=options.seconds, concurrency=options.concurrency),
            )
            readiness = await _readiness(client)
        problems = app.problems()
    finally:
        usage = app.stop()
    runs = [warmup, moderate, saturated]
    acked = {d: job for run in runs for d, job in run.acked.items()}
    unacked = {job for run in runs for job in run.unacked_jobs}
    return Result(runs, await verify(svc, acked, unacked), usage, readiness, problems)


async def _readiness(client: httpx.AsyncClient) -> str:
    try:
        response = await client.get("/readyz", timeout=GITHUB_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return f"no answer ({type(error).__name__})"
    return f"{response.status_code} {response.text[:200]}"


def report(result: Result, options: Options) -> str:
    measured_runs = result.runs[1:]
    lines = [
        f"== webhook ingest: debtbot serve (uvicorn, one process) + {options.database} + Redis, no worker ==",
        f"load: signed pull_request.synchronize deliveries ({len(SynchronizeTemplate.load().body):,} bytes) "
        "posted with httpx from this process; latency = request sent (fixed rate: due) to answer received",
        table(HEADER, [run.row() for run in measured_runs]),
    ]
    for run in measured_runs:
        app_cpu = "" if run.server_cpu_seconds is None else f"; the app used {run.server_cpu_seconds:.1f} CPU s"
        lines.append(
            f"{run.name}: {run.wall_seconds:.1f} s wall{app_cpu}; this process {run.driver_cpu_seconds:.1f} CPU s"
        )
        if run.errors:
            lines.append(f"  answers: {dict(run.answers)}; e.g. {run.error_samples}")
    lines += [
        f"app process: peak RSS {result.usage.peak_rss_mb:.0f} MB, {result.usage.cpu_seconds:.1f} CPU s in all, "
        f"exit status {result.usage.exit_code}",
        f"/readyz after the loads: {result.readiness_after}",
    ]
    if result.app_problems:
        lines.append("the app logged:")
        lines += [f"  {count:6d} x {what}" for what, count in result.app_problems.most_common(6)]
    lines.append(result.verification.report())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="closed-loop run length (default 20)")
    parser.add_argument("--concurrency", type=int, default=16, help="deliveries in flight (default 16)")
    parser.add_argument("--rate", type=float, default=50.0, help="deliveries a second of the fixed-rate run (50)")
    parser.add_argument("--rate-seconds", type=float, default=10.0, help="fixed-rate run length (default 10)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--keep-logs", type=Path, metavar="DIR", help="copy the app's log into DIR")
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= MAX_SECONDS and 0 < args.rate_seconds <= MAX_SECONDS):
        parser.error(f"run lengths must be within (0, {MAX_SECONDS:g}] seconds")
    if not (1 <= args.concurrency <= 256 and 0 < args.rate <= 2000):
        parser.error("--concurrency must be within 1..256 and --rate within (0, 2000]")
    options = Options(args.seconds, args.concurrency, args.rate, args.rate_seconds, args.database)
    load_before = os.getloadavg()[0]
    with services(options.database) as svc:
        result = asyncio.run(benchmark(svc, options))
        keep_logs(svc, args.keep_logs)
    print(report(result, options))
    print(f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
