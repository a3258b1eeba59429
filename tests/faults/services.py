"""Private Redis and PostgreSQL servers a test may stop and start: never the shared ones on 6379 and 5432.

Each listens on a free loopback port and keeps its files in a temporary directory of its own. Redis keeps
its data across a restart (append-only file, fsync on every write), as a production Redis would and as
`debtbot serve`'s embedded one does. PostgreSQL runs as the `postgres` user when the tests run as root
(initdb refuses root), with trust authentication on loopback only.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import redis

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.05
_POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class ServiceMissingError(RuntimeError):
    """A binary the private server needs is not installed; the message says which."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- Redis ----------------------------------------------------------------------------------------------------------


def redis_binary() -> Path:
    found = shutil.which("redis-server")
    if found is None:
        raise ServiceMissingError("redis-server is not on PATH")
    return Path(found)


class PrivateRedis:
    """One redis-server child on a free port; `stop()` and `start()` again keep the port and the data."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.binary = redis_binary()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def ping(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        if self.running:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--loglevel",
            "warning",
            "--logfile",
            str(self.directory / "redis.log"),
        ]
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.ping():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the private redis-server did not start:\n{_tail(self.directory / 'redis.log')}")
            time.sleep(_POLL_SECONDS)

    def wipe(self) -> None:
        """Delete its files while it is stopped: the next start is a Redis without persistence coming back empty."""
        if self.running:
            raise RuntimeError("stop the server before wiping its files")
        shutil.rmtree(self.directory, ignore_errors=True)

    def stop(self) -> None:
        """SIGTERM (Redis flushes its append-only file and exits), SIGKILL if it lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- PostgreSQL -----------------------------------------------------------------------------------------------------


def postgres_bin() -> Path:
    """The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl (else their directory on PATH)."""
    candidates = sorted(glob.glob(_POSTGRES_BIN_GLOB), key=lambda p: int(Path(p).parent.name or 0), reverse=True)
    for directory in candidates:
        if all(os.access(Path(directory) / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(directory)
    initdb = shutil.which("initdb")
    if initdb is not None and shutil.which("pg_ctl") is not None:
        return Path(initdb).parent
    raise ServiceMissingError(f"no initdb and pg_ctl under {_POSTGRES_BIN_GLOB} or on PATH")


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb into a temporary directory), on a free port, trust auth.

    Run as root, the cluster belongs to `postgres` and every command runs as that user; `stop()` and
    `start()` keep the port and the data.
    """

    def __init__(self, directory: Path, *, user: str = "postgres") -> None:
        self.bin = postgres_bin()
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        self.user = user
        self._as_user: Sequence[str] = ()
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise ServiceMissingError("running as root without runuser: initdb refuses to run as root")
            owner = pwd.getpwnam(user)  # KeyError when there is no such user
            os.chown(directory, owner.pw_uid, owner.pw_gid)
            self._as_user = (runuser, "-u", user, "--")

    @classmethod
    def create(cls) -> PrivatePostgres:
        """A new cluster in a new directory under the system's temporary directory (readable by `postgres`)."""
        directory = Path(tempfile.mkdtemp(prefix="debtbot-faults-pg-"))
        try:
            server = cls(directory)
            server.initdb()
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return server

    @property
    def url(self) -> str:
        """A maintenance URL (database `postgres`) as the `postgres` role."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_user, str(self.bin / tool), *args]
        finished = subprocess.run(command, capture_output=True, text=True, check=False, timeout=START_TIMEOUT_SECONDS)
        if finished.returncode != 0:
            raise RuntimeError(f"{tool} failed ({finished.returncode}): {finished.stderr.strip()}\n{_tail(self.log)}")

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def start(self) -> None:
        if self.running:
            return
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session and shuts down cleanly; `immediate` is a crash (recovery at the next start)."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
