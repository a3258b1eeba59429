"""Serve a dispatcher over real HTTP on 127.0.0.1 (ephemeral port), with uvicorn in a background thread.

Handlers are synchronous and run under one lock shared with the test thread, so a test reads a consistent
state; only an injected delay awaits, outside the lock, and shutdown releases it at once.

uvicorn is kept off the process's logging: given a log level or `access_log=False`, it sets the level,
handlers and propagation of the global `uvicorn.*` loggers, and a later test that logs through them (the
service's own logging tests) would find them silenced. The fake's requests are in its world instead.
"""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from tests.fakegithub.dispatch import Dispatcher
from tests.fakegithub.failures import FailurePlan
from tests.fakegithub.state import RecordedRequest, World
from tests.fakegithub.wire import Request, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

STARTUP_TIMEOUT = 10.0


class FakeGitHubApp:
    """The ASGI application: failure injection first (as a flaky network would), then the dispatcher."""

    def __init__(self, *, dispatcher: Dispatcher, failures: FailurePlan, world: World, lock: threading.RLock) -> None:
        self.dispatcher = dispatcher
        self.failures = failures
        self.world = world
        self.lock = lock
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closing: asyncio.Event | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            request = await _read_request(scope, receive)
            response = await self._respond(request)
            await _send(send, response)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.loop = asyncio.get_running_loop()
                self.closing = asyncio.Event()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _respond(self, request: Request) -> Response:
        with self.lock:
            failure = self.failures.take(request.method, request.path)
        if failure is not None and failure.delay > 0:
            assert self.closing is not None
            try:
                timeout = None if math.isinf(failure.delay) else failure.delay
                await asyncio.wait_for(self.closing.wait(), timeout)
                return Response(503, {"message": "Service Unavailable"})  # the fake is shutting down
            except TimeoutError:
                pass
        with self.lock:
            operation_id = None
            if failure is not None and failure.status is not None:
                if failure.applied:
                    _, operation_id = self.dispatcher.handle(request)
                response = self.dispatcher.failure_response(request, failure)
            else:
                response, operation_id = self.dispatcher.handle(request)
            self.world.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query=request.query,
                    headers=request.headers,
                    body=_json_or_raw(request),
                    status=response.status,
                    operation_id=operation_id,
                )
            )
        return response

    def release_waiters(self) -> None:
        """Wake every delayed or hung request so that shutdown does not wait for them."""
        if self.loop is not None and self.closing is not None:
            self.loop.call_soon_threadsafe(self.closing.set)


def _json_or_raw(request: Request) -> Any:
    try:
        return request.json()
    except ValueError:
        return request.body


async def _read_request(scope: Scope, receive: Receive) -> Request:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    query = parse_qs(scope["query_string"].decode(), keep_blank_values=True)
    return Request(method=scope["method"], path=scope["path"], query=query, headers=headers, body=b"".join(chunks))


async def _send(send: Send, response: Response) -> None:
    body = response.encoded()
    headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response.headers.items()]
    if body or response.status not in (204, 304):
        headers.append((b"content-type", response.media_type.encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _UnloggedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol without access lines (it logs them whenever the root logger has a handler)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_log = False


class ServerThread:
    """uvicorn on a socket bound before start, so the port is known first and never raced for."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.app: FakeGitHubApp | None = None
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()
        return f"http://{host}:{port}"

    def start(self, app: FakeGitHubApp) -> None:
        self.app = app
        config = uvicorn.Config(
            app,
            http=_UnloggedH11Protocol,
            log_config=None,  # neither dictConfig ...
            log_level=None,  # ... nor levels ...
            access_log=True,  # ... nor the access logger's handlers: `False` would empty them for the whole process
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = server = uvicorn.Server(config)
        self.thread = threading.Thread(target=server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            self.stop()
            raise RuntimeError("the fake GitHub server did not start")

    def stop(self) -> None:
        if self.app is not None:
            self.app.release_waiters()
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(STARTUP_TIMEOUT)
        self.socket.close()
