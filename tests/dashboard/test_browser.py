"""The dashboard as a person sees it, in headless Chromium: signing in through GitHub's authorize page (the fake,
over HTTP), the totals, the chart, items sorted by a click, links to the lines on GitHub, and nothing of the
installation or the repository the person cannot reach on GitHub: not listed, 404 by URL, 404 from the API."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from bot.app import create_app
from bot.dashboard.formatting import minutes_text
from bot.dashboard.sessions import SESSION_COOKIE
from bot.db.engine import make_engine, session_factory, upgrade
from tests.conftest import run_coroutine
from tests.dashboard.browser import AppServer, chromium
from tests.dashboard.conftest import dashboard_settings
from tests.dashboard.scenario import (
    HIDDEN_MARKERS,
    HIDDEN_OTHER_INSTALLATION,
    HIDDEN_SAME_INSTALLATION,
    OWED,
    SHA,
    USER,
    VISIBLE,
    Ids,
    build_github,
    build_ledger,
)
from tests.fakegithub import FakeGitHub, shared_app_key


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=1, public_key=shared_app_key().public_pem) as fake:
        yield fake


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


@pytest.fixture
def app_url(tmp_path: Path, fake: FakeGitHub, redis_url: str) -> Iterator[str]:
    server = AppServer()
    ids = build_github(fake, [f"{server.url}/login/callback"])
    fake.sign_in(None)  # nobody is signed in to GitHub in this browser yet
    database_url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    run_coroutine(_ledger(database_url, ids))
    server.start(create_app(dashboard_settings(tmp_path, database_url, redis_url, fake)))
    try:
        yield server.url
    finally:
        server.stop()


async def _ledger(database_url: str, ids: Ids) -> None:
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        await build_ledger(session_factory(engine), ids, datetime.now(UTC))
    finally:
        await engine.dispose()


def texts(elements: list[WebElement]) -> list[str]:
    return [element.text for element in elements]


def click(browser: webdriver.Chrome, css: str) -> None:
    """Click, and wait for the page it leads to (a click returns before a form's or a link's page has loaded).

    The wait asks for a mark left on the old page's window, which a new document does not carry. Asking whether an
    element of the old page is stale instead fails now and then: while the old document is torn down, chromedriver
    can answer with an error of its own ("Node with given id does not belong to the document").
    """
    browser.execute_script("window.debtbotLeftBehind = true")
    browser.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(new_page_loaded)


def new_page_loaded(browser: webdriver.Chrome) -> bool:
    return bool(browser.execute_script("return !window.debtbotLeftBehind && document.readyState === 'complete'"))


def item_rows(browser: webdriver.Chrome) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "table.items tbody tr.item")


def test_a_person_signs_in_and_sees_their_repository_and_nothing_else(
    browser: webdriver.Chrome, app_url: str, fake: FakeGitHub, tmp_path: Path, json_logs: io.StringIO
) -> None:
    # Signed out, the dashboard sends the browser to GitHub, which asks the person to sign in first.
    browser.get(f"{app_url}/dashboard")
    assert browser.current_url.startswith(f"{fake.url}/login/oauth/authorize?")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sign in to GitHub"
    fake.sign_in(USER)
    browser.refresh()

    assert browser.current_url == f"{app_url}/dashboard"
    assert browser.find_element(By.CSS_SELECTOR, ".who .login").text == USER
    listed = browser.find_elements(By.CSS_SELECTOR, "table.repositories tbody tr")
    assert [row.get_attribute("data-repository") for row in listed] == [VISIBLE]
    cells = {
        cell.get_attribute("data-category"): cell.text
        for cell in listed[0].find_elements(By.CSS_SELECTOR, "td[data-category]")
    }
    assert cells == {category.value: minutes_text(minutes) for category, minutes in OWED.items()}
    assert listed[0].find_element(By.CSS_SELECTOR, "td.total").text == minutes_text(sum(OWED.values()))
    for marker in HIDDEN_MARKERS:
        assert marker not in browser.page_source
    browser.save_screenshot(str(tmp_path / "installations.png"))

    # The repository: its total, the chart, the items by priority, then by effort with a click.
    click(browser, f'tr[data-repository="{VISIBLE}"] a')
    assert browser.current_url == f"{app_url}/dashboard/{VISIBLE}"
    assert browser.find_element(By.CSS_SELECTOR, ".total-owed").text == minutes_text(sum(OWED.values()))
    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart")
    assert chart.is_displayed()
    assert chart.size["width"] > 300
    assert len(chart.find_elements(By.CSS_SELECTOR, "polygon.area")) == 4
    assert len(chart.find_elements(By.CSS_SELECTOR, "circle.point")) == 11
    priorities = [float(text) for text in texts(browser.find_elements(By.CSS_SELECTOR, "table.items td.priority"))]
    assert len(priorities) == 4
    assert priorities == sorted(priorities, reverse=True)
    first_link = item_rows(browser)[0].find_element(By.CSS_SELECTOR, "td.where a")
    assert first_link.text == "src/load.py:40"
    assert first_link.get_attribute("href") == f"{fake.url}/{VISIBLE}/blob/{SHA}/src/load.py#L40"
    browser.save_screenshot(str(tmp_path / "repository.png"))

    click(browser, 'a[data-sort-key="effort"]')
    efforts = [
        int(row.find_element(By.CSS_SELECTOR, "td.effort").get_attribute("data-minutes") or 0)
        for row in item_rows(browser)
    ]
    assert efforts == [120, 90, 30, 10]
    click(browser, 'a[data-sort-key="effort"]')  # again: the other way
    efforts = [
        int(row.find_element(By.CSS_SELECTOR, "td.effort").get_attribute("data-minutes") or 0)
        for row in item_rows(browser)
    ]
    assert efforts == [10, 30, 90, 120]
    click(browser, 'a[data-sort-key="age"]')
    accrued = [
        row.find_element(By.CSS_SELECTOR, "td.age").get_attribute("data-accrued") or "" for row in item_rows(browser)
    ]
    assert accrued == sorted(accrued)  # oldest first
    pulls = browser.find_elements(By.CSS_SELECTOR, "table.pulls tbody tr")
    assert [row.get_attribute("data-pr") for row in pulls] == ["9", "7"]
    assert pulls[0].find_element(By.CSS_SELECTOR, "a").get_attribute("href") == f"{fake.url}/{VISIBLE}/pull/9"

    # Repositories the person cannot reach on GitHub: 404 by URL, in the page and from the API.
    for hidden in (HIDDEN_SAME_INSTALLATION, HIDDEN_OTHER_INSTALLATION):
        browser.get(f"{app_url}/dashboard/{hidden}")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
        browser.get(f"{app_url}/api/repos/{hidden}/items")
        assert '"error":"not found"' in browser.find_element(By.TAG_NAME, "body").text
    session = browser.get_cookie(SESSION_COOKIE)
    assert session is not None
    assert session["httpOnly"] is True
    statuses = asyncio.run(_statuses(app_url, session["value"]))
    assert statuses == {
        f"/api/repos/{VISIBLE}": 200,
        f"/dashboard/{HIDDEN_SAME_INSTALLATION}": 404,
        f"/dashboard/{HIDDEN_OTHER_INSTALLATION}": 404,
        f"/api/repos/{HIDDEN_SAME_INSTALLATION}": 404,
        f"/api/repos/{HIDDEN_OTHER_INSTALLATION}/history": 404,
    }

    # Signing out: the API no longer answers this browser.
    browser.get(f"{app_url}/dashboard")
    click(browser, "header form button")
    assert "You are signed out" in browser.find_element(By.TAG_NAME, "main").text
    browser.get(f"{app_url}/api/repos")
    assert '"sign_in":"/login"' in browser.find_element(By.TAG_NAME, "body").text
    fake.assert_no_violations()

    # The one-time code and the user token went through the browser and the server: neither was logged.
    logs = json_logs.getvalue()
    assert "GET /login/callback?code=" in logs  # uvicorn's access line, its code redacted
    [code] = fake.oauth_codes()
    [token] = fake.user_tokens()
    for secret in (code.code, token.value):
        assert secret not in logs


async def _statuses(app_url: str, session_cookie: str) -> dict[str, int]:
    paths = (
        f"/api/repos/{VISIBLE}",
        f"/dashboard/{HIDDEN_SAME_INSTALLATION}",
        f"/dashboard/{HIDDEN_OTHER_INSTALLATION}",
        f"/api/repos/{HIDDEN_SAME_INSTALLATION}",
        f"/api/repos/{HIDDEN_OTHER_INSTALLATION}/history",
    )
    async with httpx.AsyncClient(base_url=app_url, cookies={SESSION_COOKIE: session_cookie}) as client:
        return {path: (await client.get(path)).status_code for path in paths}
