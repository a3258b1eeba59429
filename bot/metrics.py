"""The service's Prometheus metrics, defined in one place: the web app and the worker update them, /metrics shows them.

Every label takes values from a bounded set (GitHub's event names, route templates, rule codes), so that no
request can grow the number of series. The metrics live in their own registry: creating the app twice (tests)
never registers a metric twice, and the exposition holds only what is declared here plus the process's own.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

#: The events the App subscribes to or always gets; any other value of X-GitHub-Event is counted as "other".
KNOWN_EVENTS = frozenset(
    {
        "check_run",
        "check_suite",
        "installation",
        "installation_repositories",
        "issue_comment",
        "ping",
        "pull_request",
        "push",
    }
)
OTHER = "other"
#: A delivery whose signature did not verify: its headers are the sender's word, so its event is not believed.
UNVERIFIED = "unverified"

BUILD_INFO = Info("debtbot_build", "The running version of debtbot.", registry=REGISTRY)

WEBHOOK_DELIVERIES = Counter(
    "debtbot_webhook_deliveries",
    "Webhook deliveries received, by event and what became of them (queued, ignored, duplicate, pong, "
    "rejected_signature, too_large, bad_request, unavailable).",
    ["event", "outcome"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "debtbot_queue_depth",
    "Jobs waiting in the queue (read from Redis at each scrape; NaN when Redis did not answer).",
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "debtbot_job_duration_seconds",
    "How long jobs ran, by job name.",
    ["job"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
    registry=REGISTRY,
)
JOBS = Counter(
    "debtbot_jobs",
    "Jobs finished, by job name and outcome (success, retry, failed, told_user, ignored).",
    ["job", "outcome"],
    registry=REGISTRY,
)
GITHUB_REQUESTS = Counter(
    "debtbot_github_requests",
    "Requests made to GitHub's API, by method, route template and status ('none' when no answer came).",
    ["method", "route", "status"],
    registry=REGISTRY,
)
GITHUB_RATE_LIMIT_REMAINING = Gauge(
    "debtbot_github_rate_limit_remaining",
    "x-ratelimit-remaining of GitHub's latest answer that carried it.",
    registry=REGISTRY,
)
FINDINGS = Counter(
    "debtbot_findings",
    "Findings reported on pull requests, by category and rule code.",
    ["category", "rule"],
    registry=REGISTRY,
)
REDELIVERIES = Counter(
    "debtbot_redeliveries",
    "Failed webhook deliveries GitHub was asked to deliver again, by what GitHub answered (requested, refused, "
    "error); and queued deliveries whose job Redis lost, queued again (requeued).",
    ["outcome"],
    registry=REGISTRY,
)


def _version() -> str:
    try:
        return metadata.version("debtbot")
    except metadata.PackageNotFoundError:
        return "unknown"


BUILD_INFO.info({"version": _version()})


def event_label(event: str | None) -> str:
    return event if event in KNOWN_EVENTS or event == UNVERIFIED else OTHER


def count_delivery(event: str | None, outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(event=event_label(event), outcome=outcome).inc()


def observe_job(job: str, outcome: str, seconds: float) -> None:
    """A finished job: its outcome counted and its duration observed."""
    JOBS.labels(job=job, outcome=outcome).inc()
    JOB_DURATION.labels(job=job).observe(seconds)


def observe_github_request(method: str, route: str, status: int | None, remaining: int | None) -> None:
    """One exchange with GitHub; shaped as `bot.github.RequestObserver`, so the gateway can be given it as is."""
    GITHUB_REQUESTS.labels(method=method.upper(), route=route, status="none" if status is None else str(status)).inc()
    if remaining is not None:
        GITHUB_RATE_LIMIT_REMAINING.set(remaining)


def count_finding(category: str, rule: str) -> None:
    FINDINGS.labels(category=category, rule=rule).inc()


def set_queue_depth(depth: int | None) -> None:
    QUEUE_DEPTH.set(float("nan") if depth is None else depth)


def read_queue_depth_with(reader: Callable[[], int | None]) -> None:
    """Read the queue depth with `reader` at each scrape (a process that serves /metrics without the web app)."""
    QUEUE_DEPTH.set_function(lambda: _nan_if_none(reader()))


def _nan_if_none(value: int | None) -> float:
    return float("nan") if value is None else float(value)


def count_redelivery(outcome: str) -> None:
    REDELIVERIES.labels(outcome=outcome).inc()


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
