"""`debtbot worker`'s own /metrics, on DEBTBOT_WORKER_METRICS_PORT: each worker process counts its jobs, its
GitHub requests and the findings it reported, and Prometheus scrapes every worker (the web app's /metrics shows
the web process's counters only).

The server is prometheus_client's, in a daemon thread; the queue depth is read from Redis at each scrape.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
from prometheus_client import start_http_server

from bot import metrics
from bot.logging import get_logger
from bot.settings import Settings

log = get_logger(__name__)

#: A scrape waits this long for Redis before it shows the queue depth as NaN.
REDIS_TIMEOUT_SECONDS = 2.0


def queue_depth_reader(redis_url: str, queue_name: str) -> tuple[Callable[[], int | None], Callable[[], None]]:
    """A function giving the queue's depth (None when Redis does not answer), and one closing its client."""
    client = redis.Redis.from_url(
        redis_url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )

    def depth() -> int | None:
        try:
            return int(client.zcard(queue_name))  # type: ignore[arg-type]  # redis-py types sync and async alike
        except redis.RedisError:
            return None

    return depth, client.close


def serve_worker_metrics(settings: Settings) -> Callable[[], None] | None:
    """Serve /metrics when DEBTBOT_WORKER_METRICS_PORT is set; returns what stops it (None when not served)."""
    port = settings.worker_metrics_port
    if port is None:
        return None
    close_reader: Callable[[], None] = lambda: None  # noqa: E731 - replaced when there is a Redis
    if settings.redis_url is not None:
        reader, close_reader = queue_depth_reader(settings.redis_url.get_secret_value(), settings.queue_name)
        metrics.read_queue_depth_with(reader)
    server, thread = start_http_server(port, addr=settings.worker_metrics_host, registry=metrics.REGISTRY)
    log.info("worker_metrics_serving", host=settings.worker_metrics_host, port=port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()
        close_reader()

    return stop
