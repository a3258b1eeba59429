"""Who may see what: sign-in through GitHub's web flow (the fake), the state bound to the browser, cookies that
cannot be forged or replayed, access asked of GitHub again, and 404 for what a person cannot reach."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import cast

import httpx
import pytest
import redis
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from bot.app import create_app
from bot.dashboard.auth import safe_next
from bot.dashboard.sessions import KEY_PREFIX, OAUTH_COOKIE, SESSION_COOKIE, SESSION_SECONDS, Signer
from bot.settings import Settings
from tests.app.conftest import BASE_URL, serving
from tests.dashboard.conftest import follow_to_github, query_of, sign_in
from tests.dashboard.scenario import (
    CLIENT_SECRET,
    HIDDEN_MARKERS,
    HIDDEN_OTHER_INSTALLATION,
    HIDDEN_SAME_INSTALLATION,
    SESSION_SECRET,
    USER,
    VISIBLE,
)
from tests.fakegithub import FakeGitHub

pytestmark = pytest.mark.anyio

EXCHANGE = "/login/oauth/access_token"
PAGES = ("/dashboard", f"/dashboard/{VISIBLE}")
API = ("/api/repos", f"/api/repos/{VISIBLE}", f"/api/repos/{VISIBLE}/items", f"/api/repos/{VISIBLE}/history")


def exchanges(fake: FakeGitHub) -> int:
    return sum(1 for r in fake.requests if r.path == EXCHANGE)


def redis_client(settings: Settings) -> redis.Redis:
    assert settings.redis_url is not None
    return redis.Redis.from_url(settings.redis_url.get_secret_value())


async def test_signed_out_pages_redirect_to_sign_in_and_the_api_answers_401(client: httpx.AsyncClient) -> None:
    for path in PAGES:
        page = await client.get(path, params={"sort": "effort"})
        assert page.status_code == 303, path
        assert page.headers["location"].startswith("/login?next=")
        assert query_of(page.headers["location"])["next"] == f"{path}?sort=effort"
    for path in API:
        answer = await client.get(path)
        assert answer.status_code == 401, path
        assert answer.json()["sign_in"] == "/login"
        assert VISIBLE not in answer.text
    # A repository that does not exist is not told apart from one that does while signed out.
    assert (await client.get("/api/repos/nobody/nothing")).status_code == 401


async def test_signing_in_shows_only_what_github_lets_the_person_reach(
    client: httpx.AsyncClient, fake: FakeGitHub
) -> None:
    start = await client.get("/login", params={"next": f"/dashboard/{VISIBLE}"})
    authorize = query_of(start.headers["location"])
    done = await sign_in(client, next_path=f"/dashboard/{VISIBLE}")

    assert start.headers["location"].startswith(f"{fake.url}/login/oauth/authorize?")
    assert authorize["redirect_uri"] == f"{BASE_URL}/login/callback"
    assert len(authorize["state"]) >= 32
    assert done.status_code == 303
    assert done.headers["location"] == f"/dashboard/{VISIBLE}"
    cookie = done.headers["set-cookie"]
    assert SESSION_COOKIE in cookie
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    listed = (await client.get("/api/repos")).json()["repositories"]
    assert [r["full_name"] for r in listed] == [VISIBLE]
    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert f'Signed in as <strong class="login">{USER}</strong>' in page.text
    for marker in HIDDEN_MARKERS:
        assert marker not in page.text
        assert marker not in json.dumps(listed)


async def test_repositories_the_person_cannot_reach_are_404_like_missing_ones(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    missing_api = await client.get("/api/repos/nobody/nothing")
    missing_page = await client.get("/dashboard/nobody/nothing")

    for hidden in (HIDDEN_SAME_INSTALLATION, HIDDEN_OTHER_INSTALLATION):
        for suffix in ("", "/items", "/history"):
            answer = await client.get(f"/api/repos/{hidden}{suffix}")
            assert answer.status_code == 404, (hidden, suffix)
            assert answer.json() == missing_api.json()
        page = await client.get(f"/dashboard/{hidden}")
        assert page.status_code == 404
        assert page.text == missing_page.text
        for marker in HIDDEN_MARKERS:
            assert marker not in page.text
    assert (await client.get(f"/api/repos/{VISIBLE.upper()}")).status_code == 200  # GitHub's names ignore case


async def test_a_callback_whose_state_is_not_this_browsers_is_refused_before_the_code_is_used(
    client: httpx.AsyncClient, fake: FakeGitHub
) -> None:
    start = await client.get("/login")
    authorized = await follow_to_github(start.headers["location"])
    back = query_of(authorized.headers["location"])

    forged = await client.get("/login/callback", params={"code": back["code"], "state": back["state"] + "x"})
    missing = await client.get("/login/callback", params={"code": back["code"]})
    client.cookies.delete(OAUTH_COOKIE, path="/login")
    # Another browser, with no sign-in of its own in progress, sent the right state: still refused.
    other_browser = await client.get("/login/callback", params=back)

    assert (forged.status_code, missing.status_code, other_browser.status_code) == (400, 400, 400)
    assert exchanges(fake) == 0
    assert SESSION_COOKIE not in client.cookies
    assert (await client.get("/api/repos")).status_code == 401


async def test_an_expired_sign_in_is_refused(client: httpx.AsyncClient, fake: FakeGitHub) -> None:
    old = URLSafeTimedSerializer(SESSION_SECRET, salt="debtbot.dashboard.oauth", signer=_signed_long_ago)
    start = await client.get("/login")
    authorized = await follow_to_github(start.headers["location"])
    back = query_of(authorized.headers["location"])
    client.cookies.set(OAUTH_COOKIE, old.dumps({"state": back["state"], "next": "/dashboard"}), path="/login")

    late = await client.get("/login/callback", params=back)

    assert late.status_code == 400
    assert exchanges(fake) == 0


class _signed_long_ago(TimestampSigner):  # noqa: N801 - passed where itsdangerous expects a signer class
    def get_timestamp(self) -> int:
        return int(time.time()) - SESSION_SECONDS - 60


@pytest.mark.parametrize("kind", ["other secret", "tampered", "expired", "oauth cookie as session"])
async def test_session_cookies_that_this_server_did_not_sign_or_that_expired_are_refused(
    client: httpx.AsyncClient, kind: str
) -> None:
    await sign_in(client)
    genuine = client.cookies[SESSION_COOKIE]
    session_id = Signer(SESSION_SECRET).session_id(genuine)
    assert session_id is not None
    forged = {
        "other secret": Signer("another-secret-entirely-0123456789abcdef").session_cookie(session_id),
        "tampered": genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        "expired": URLSafeTimedSerializer(
            SESSION_SECRET, salt="debtbot.dashboard.session", signer=_signed_long_ago
        ).dumps(session_id),
        "oauth cookie as session": URLSafeTimedSerializer(SESSION_SECRET, salt="debtbot.dashboard.oauth").dumps(
            session_id
        ),
    }[kind]
    client.cookies.set(SESSION_COOKIE, forged)

    assert (await client.get("/api/repos")).status_code == 401
    assert (await client.get("/dashboard")).status_code == 303


async def test_signing_out_ends_the_session_server_side(client: httpx.AsyncClient, settings: Settings) -> None:
    await sign_in(client)
    cookie = client.cookies[SESSION_COOKIE]
    cross_site = await client.post("/logout", headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert (await client.get("/api/repos")).status_code == 200

    signed_out = await client.post("/logout", headers={"Origin": BASE_URL})
    assert signed_out.status_code == 200
    assert "You are signed out" in signed_out.text
    assert (await client.get("/api/repos")).status_code == 401
    client.cookies.set(SESSION_COOKIE, cookie)  # a copy of the cookie kept from before
    assert (await client.get("/api/repos")).status_code == 401
    assert not list(redis_client(settings).scan_iter(f"{KEY_PREFIX}*"))


async def test_access_is_asked_of_github_again_and_follows_its_answer(
    client: httpx.AsyncClient, fake: FakeGitHub, settings: Settings
) -> None:
    await sign_in(client)
    assert [r["full_name"] for r in (await client.get("/api/repos")).json()["repositories"]] == [VISIBLE]
    store = redis_client(settings)

    def age_the_last_check() -> None:
        [key] = list(store.scan_iter(f"{KEY_PREFIX}*"))
        record = json.loads(cast(bytes, store.get(key)))
        record["checked_at"] = 0
        store.set(key, json.dumps(record), keepttl=True)

    # On GitHub, alice loses widgets and gains the vault.
    with fake.lock:
        fake.repository(VISIBLE).collaborators.pop(USER)
    fake.set_permission(HIDDEN_SAME_INSTALLATION, USER, "read")
    assert [r["full_name"] for r in (await client.get("/api/repos")).json()["repositories"]] == [VISIBLE]
    age_the_last_check()
    listed = [r["full_name"] for r in (await client.get("/api/repos")).json()["repositories"]]
    assert listed == [HIDDEN_SAME_INSTALLATION]
    assert (await client.get(f"/api/repos/{VISIBLE}")).status_code == 404

    # Then alice revokes the App's authorization: the next check ends the sign-in.
    fake.revoke_user_tokens(USER)
    age_the_last_check()
    assert (await client.get("/api/repos")).status_code == 401
    assert not list(store.scan_iter(f"{KEY_PREFIX}*"))


async def test_codes_tokens_and_secrets_are_never_shown_or_logged(
    client: httpx.AsyncClient, fake: FakeGitHub, json_logs: io.StringIO
) -> None:
    done = await sign_in(client)
    shown = [done.text, str(done.headers)]
    for path in (*PAGES, *API, "/logout"):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        shown += [answer.text, str(answer.headers)]
    [code] = fake.oauth_codes()
    [token] = fake.user_tokens()

    logs = json_logs.getvalue()
    assert "dashboard_signed_in" in logs
    cookies = " ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    for secret in (code.code, token.value, CLIENT_SECRET, SESSION_SECRET):
        assert secret not in logs
        assert secret not in cookies
        for text in shown:
            assert secret not in text


async def test_a_code_sent_back_twice_signs_in_once(client: httpx.AsyncClient, fake: FakeGitHub) -> None:
    start = await client.get("/login")
    authorized = await follow_to_github(start.headers["location"])
    first = await client.get(authorized.headers["location"])
    assert first.status_code == 303

    await client.get("/login")  # a new sign-in in progress in this browser, and the old code replayed
    client.cookies.delete(SESSION_COOKIE)
    replayed = await client.get(authorized.headers["location"])

    assert replayed.status_code == 400  # the state is the earlier sign-in's: refused before GitHub is asked
    assert exchanges(fake) == 1


async def test_github_refusing_the_code_is_said_plainly(client: httpx.AsyncClient, fake: FakeGitHub) -> None:
    start = await client.get("/login")
    authorized = await follow_to_github(start.headers["location"])
    back = query_of(authorized.headers["location"])
    with fake.lock:
        fake.world.oauth.codes[back["code"]].expires_at = 0  # ten minutes went by on GitHub

    late = await client.get("/login/callback", params=back)

    assert late.status_code == 502
    assert "bad_verification_code" in late.text
    assert SESSION_COOKIE not in client.cookies
    assert [v.detail for v in fake.take_violations()] == [
        "access_token: bad_verification_code: The code passed is incorrect or expired."
    ]


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"client_id": None}, "DEBTBOT_CLIENT_ID"),
        ({"environment": "production", "session_secret": None}, "DEBTBOT_SESSION_SECRET"),
    ],
)
async def test_without_its_settings_the_dashboard_is_off_and_says_why(
    settings_with: Callable[..., Settings], values: dict[str, object], reason: str
) -> None:
    settings = settings_with(**values)
    async with serving(create_app(settings)) as client:
        for path in ("/login", "/dashboard", "/api/repos"):
            answer = await client.get(path)
            assert answer.status_code == 503, path
            assert reason in answer.text


def test_a_placeholder_session_secret_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="DEBTBOT_SESSION_SECRET"):
        Settings(_env_file=None, environment="production", session_secret="change-me")
    with pytest.raises(ValueError, match="DEBTBOT_SESSION_SECRET"):
        Settings(_env_file=None, environment="production", session_secret="x" * 20)
    kept = Settings(_env_file=None, environment="development", session_secret="change-me").session_secret
    assert kept is not None


@pytest.mark.parametrize(
    ("asked", "went"),
    [
        ("/dashboard/octo-org/widgets?sort=age", "/dashboard/octo-org/widgets?sort=age"),
        ("/api/repos", "/api/repos"),
        ("https://evil.example/dashboard", "/dashboard"),
        ("//evil.example/dashboard", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("/setup/callback", "/dashboard"),
        (None, "/dashboard"),
    ],
)
def test_after_signing_in_the_browser_goes_only_to_a_dashboard_path(asked: str | None, went: str) -> None:
    assert safe_next(asked) == went


async def test_in_production_the_cookies_are_secure(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(environment="production", session_secret="k" * 40)
    async with serving(create_app(settings)) as client:
        start = await client.get("/login")
        authorized = await follow_to_github(start.headers["location"])
        client.cookies.set(
            OAUTH_COOKIE, start.cookies[OAUTH_COOKIE], path="/login"
        )  # httpx keeps no Secure cookie on http
        done = await client.get(authorized.headers["location"])

    [pending] = start.headers.get_list("set-cookie")
    [session] = [c for c in done.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")]
    assert done.status_code == 303
    assert "; secure" in pending.lower()
    assert "; secure" in session.lower()
