"""The README's screenshots: a real review of an ML pull request, as GitHub would show it (`make screenshot`).

    python -m bench.screenshot [OUT_DIR]          # writes OUT_DIR/check-run.png and OUT_DIR/pr-comment.png

The worker's review job runs in this process (as in tests/worker) against the strict fake GitHub over HTTP
and a fresh SQLite database; the pull request is the review-latency benchmark's typical change (an unpinned
requirement, a TODO, remote code trusted, a pickled model, a new feature module and its tests). What the fake
recorded (the check run, the review and its inline comments) is rendered as GitHub-like pages
(`bench.screenshot_page`) and shot with Debian's headless chromium through Selenium: apt-get install chromium
chromium-driver fonts-noto-color-emoji (the summary's severity and verdict marks are emoji).

Commit dates are pinned, so the commit ids, and so the pictures, are the same on every run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bench.review_latency import typical_change
from bench.screenshot_page import SHOT_ID, InlineComment, Recorded, check_run_page, comment_page
from bot import tasks
from bot.db.engine import upgrade
from bot.logging import configure_logging
from bot.worker import shutdown, startup
from bot.worker_context import JOB_ID, JOB_TRY, OPTIONS, SETTINGS
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.conftest import TEST_OPTIONS, make_settings
from tests.worker.world import REPO, World

NUMBER = 7
PULL_TITLE = "Fine-tune the encoder on the new feature pipeline"
#: The inline comment shown: the first one on this file (the training script).
COMMENTED_PATH = "train.py"
#: A pickled model of a realistic size (3.1 MiB): the summary says how large the committed artifact is.
MODEL_BYTES = 3_200_000
#: The browser window's width: room for the page (1200 px wide) without a horizontal scroll bar.
WIDTH = 1260
#: Commit dates of the pictured repository (git reads them from the environment).
PINNED_DATES = {"GIT_AUTHOR_DATE": "2026-11-02T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-02T10:00:00Z"}
#: A larger PNG is not worth its weight in the repository.
MAX_PNG_BYTES = 300_000


def pull_files() -> dict[str, str | bytes]:
    """The pictured change: the benchmark's typical change, its pickled model grown to MODEL_BYTES."""
    files = typical_change(NUMBER)
    header = files["models/model.pkl"]
    assert isinstance(header, bytes)
    files["models/model.pkl"] = (header * (MODEL_BYTES // len(header) + 1))[:MODEL_BYTES]
    return files


async def record_review(workdir: Path) -> Recorded:
    """Review the pictured pull request with the worker's job against the fake GitHub; what the fake recorded."""
    with FakeGitHub(app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem) as fake:
        world = World.create(fake, workdir)
        pull = world.open_pull(NUMBER, pull_files())
        with fake.lock:
            recorded_pull = fake.world.pulls[(REPO, NUMBER)]
            recorded_pull.title = PULL_TITLE
        database_url = f"sqlite:///{workdir / 'data' / 'debtbot.db'}"
        await upgrade(database_url)
        ctx: dict[str, Any] = {SETTINGS: make_settings(fake, database_url), OPTIONS: TEST_OPTIONS}
        await startup(ctx)
        try:
            request = world.review_request(NUMBER)
            outcome = await tasks.review_pull_request({**ctx, JOB_ID: request.job_id, JOB_TRY: 1}, request.to_queue())
        finally:
            await shutdown(ctx)
        fake.assert_no_violations()
        if outcome != "success":
            raise RuntimeError(f"the review ended with {outcome!r}")
        (check,) = fake.check_runs(head_sha=pull.head_sha)
        (review,) = fake.reviews(REPO, NUMBER)
        (sticky,) = fake.comments(REPO, NUMBER)
        comment = next(c for c in fake.review_comments(REPO, NUMBER) if c.path == COMMENTED_PATH)
        assert comment.line is not None
        return Recorded(
            repo=REPO,
            number=NUMBER,
            pull_title=recorded_pull.title,
            author=recorded_pull.user,
            head_ref=recorded_pull.head_ref,
            base_ref=recorded_pull.base_ref,
            head_sha=pull.head_sha,
            bot=sticky.user,
            check_name=check.name,
            conclusion=check.conclusion or "",
            title=str(check.output["title"]),
            summary=str(check.output["summary"]),
            annotations=tuple(check.annotations),
            review_body=review.body,
            comment=InlineComment(comment.path, comment.line, comment.diff_hunk, comment.body),
        )


# --- chromium ---------------------------------------------------------------------------------------------------


def _browser_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        raise SystemExit("chromium and chromedriver are needed: apt-get install -y chromium chromium-driver")
    fonts = subprocess.run(["fc-list", ":family=Noto Color Emoji"], capture_output=True, text=True, check=False)
    if not fonts.stdout.strip():
        raise SystemExit("an emoji font is needed for the summary's marks: apt-get install -y fonts-noto-color-emoji")
    return browser, driver


@contextmanager
def chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    browser, driver_path = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # run as root, chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={WIDTH},1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver: webdriver.Chrome, page: Path) -> bytes:
    """A PNG of the page's SHOT_ID element, whole, however tall (the capture reaches past the window)."""
    driver.get(page.as_uri())
    rect: Mapping[str, float] = driver.execute_script(
        f"const r = document.getElementById('{SHOT_ID}').getBoundingClientRect();"
        "return {x: r.left, y: r.top, width: r.width, height: r.height};"
    )
    clip = {key: rect[key] for key in ("x", "y", "width", "height")}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "clip": {**clip, "scale": 1}, "captureBeyondViewport": True},
    )
    return base64.b64decode(shot["data"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshot", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/img"), help="where the PNGs go (docs/img)")
    parser.add_argument("--html", action="store_true", help="keep the rendered HTML pages beside the PNGs")
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    os.environ.update(PINNED_DATES)
    with tempfile.TemporaryDirectory(prefix="debtbot-screenshot-") as scratch:
        work = Path(scratch)
        recorded = asyncio.run(record_review(work / "repo"))
        pages = {"check-run": check_run_page(recorded), "pr-comment": comment_page(recorded)}
        args.out.mkdir(parents=True, exist_ok=True)
        status = 0
        with chromium(work / "profile") as driver:
            for name, html in pages.items():
                page = (args.out if args.html else work) / f"{name}.html"
                page.write_text(html, encoding="utf-8")
                png = shoot(driver, page)
                target = args.out / f"{name}.png"
                target.write_bytes(png)
                print(f"{target}: {len(png) / 1000:.0f} KB")
                if len(png) > MAX_PNG_BYTES:
                    print(f"  larger than {MAX_PNG_BYTES / 1000:.0f} KB: crop or narrow the page", file=sys.stderr)
                    status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
