"""A real browser for the dashboard's tests: Debian's chromium, headless, driven through its chromedriver by
Selenium (no browser is downloaded), and the app served by uvicorn on a loopback port.

Where chromium or chromedriver is missing the test is skipped with the reason, except under CI=true, where it
fails: `apt-get install chromium chromium-driver` (.ci/run does it).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.conftest import service_unavailable

STARTUP_TIMEOUT = 20.0
BROWSER_CANDIDATES = ("chromium", "chromium-browser")


def browser_paths() -> tuple[str, str]:
    """The chromium binary and its chromedriver, or skip (fail under CI=true)."""
    browser = next((found for name in BROWSER_CANDIDATES if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        service_unavailable("chromium and chromedriver are needed: apt-get install -y chromium chromium-driver")
    return browser, driver


@contextmanager
def chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    browser, driver_path = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root, where chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1200",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()


class AppServer:
    """uvicorn serving the app on a socket bound before start (the port is known first and never raced for)."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()
        return f"http://{host}:{port}"

    def start(self, app: FastAPI) -> None:
        # No log configuration of uvicorn's own: it would reset the process's loggers for the tests after this one.
        config = uvicorn.Config(app, log_config=None, log_level=None, lifespan="on", timeout_graceful_shutdown=2)
        self.server = server = uvicorn.Server(config)
        self.thread = threading.Thread(target=server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not server.started:
            self.stop()
            raise RuntimeError("the app did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(STARTUP_TIMEOUT)
        self.socket.close()
