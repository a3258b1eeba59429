"""The fake GitHub's side of signing in is as strict as GitHub's: the authorize page and the code's exchange
(checked by hand after GitHub's documentation), and the user endpoints (checked against GitHub's OpenAPI)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from tests.dashboard.conftest import query_of
from tests.dashboard.scenario import CLIENT_ID, CLIENT_SECRET, USER, Ids, build_github
from tests.fakegithub import FakeGitHub, shared_app_key

CALLBACK = "https://debtbot.example/login/callback"
STATE = "s" * 32


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=1, public_key=shared_app_key().public_pem, clock=clock) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def ids(fake: FakeGitHub) -> Ids:
    return build_github(fake, [CALLBACK])


def authorize(fake: FakeGitHub, **params: str) -> httpx.Response:
    query = {"client_id": CLIENT_ID, "redirect_uri": CALLBACK, "state": STATE, **params}
    return httpx.get(f"{fake.url}/login/oauth/authorize", params={k: v for k, v in query.items() if v})


def code_of(fake: FakeGitHub) -> str:
    answer = authorize(fake)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(CALLBACK + "?")
    back = query_of(answer.headers["location"])
    assert back["state"] == STATE
    return back["code"]


def exchange(fake: FakeGitHub, code: str, *, accept: str = "application/json", **fields: str) -> httpx.Response:
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code, "redirect_uri": CALLBACK, **fields}
    return httpx.post(f"{fake.url}/login/oauth/access_token", data=form, headers={"Accept": accept})


def details(fake: FakeGitHub) -> list[str]:
    return [violation.detail for violation in fake.take_violations()]


def test_the_code_is_exchanged_once_for_a_user_token(fake: FakeGitHub, ids: Ids) -> None:
    code = code_of(fake)
    first = exchange(fake, code)
    again = exchange(fake, code)

    body = first.json()
    assert first.status_code == 200
    assert body["access_token"].startswith("ghu_")
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 28800, "")
    assert body["refresh_token"].startswith("ghr_")
    assert again.status_code == 200  # GitHub says no with a 200 and an `error`
    assert again.json()["error"] == "bad_verification_code"
    assert details(fake) == ["access_token: bad_verification_code: The code passed is incorrect or expired."]


def test_without_accept_json_the_answer_is_form_encoded(fake: FakeGitHub, ids: Ids) -> None:
    answer = exchange(fake, code_of(fake), accept="*/*")

    assert answer.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(answer.text)["access_token"][0].startswith("ghu_")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"client_secret": "wrong"}, "incorrect_client_credentials"),
        ({"client_id": "Iv23someoneelse"}, "incorrect_client_credentials"),
        ({"redirect_uri": "https://debtbot.example/elsewhere"}, "redirect_uri_mismatch"),
        ({"code": "0" * 20}, "bad_verification_code"),
        ({"state": "not-the-state-of-the-authorize-request"}, "bad_verification_code"),
    ],
)
def test_a_wrong_exchange_is_refused(fake: FakeGitHub, ids: Ids, fields: dict[str, str], error: str) -> None:
    code = code_of(fake)
    wrong = dict(fields)
    refused = exchange(fake, wrong.pop("code", code), **wrong)

    assert refused.json()["error"] == error
    assert "access_token" not in refused.json()
    assert len(details(fake)) == 1
    assert exchange(fake, code).json()["access_token"]  # a refused exchange does not use the code up


def test_a_code_expires_after_ten_minutes(fake: FakeGitHub, ids: Ids, clock: Clock) -> None:
    code = code_of(fake)
    clock.now += 601

    assert exchange(fake, code).json()["error"] == "bad_verification_code"
    assert len(details(fake)) == 1


def test_unknown_parameters_are_flagged(fake: FakeGitHub, ids: Ids) -> None:
    assert exchange(fake, code_of(fake), grant_type="authorization_code").json()["access_token"]
    assert details(fake) == ["grant_type is not a parameter"]


def test_the_authorize_page_checks_the_client_the_callback_and_the_state(fake: FakeGitHub, ids: Ids) -> None:
    unknown = authorize(fake, client_id="Iv23unknown")
    elsewhere = authorize(fake, redirect_uri="https://evil.example/callback")
    assert (unknown.status_code, elsewhere.status_code) == (404, 400)
    assert len(details(fake)) == 2

    stateless = authorize(fake, state="")
    assert stateless.status_code == 302
    assert details(fake) == ["authorize: no unguessable state (the App cannot tell its own sign-ins apart)"]

    default_callback = authorize(fake, redirect_uri="")
    assert default_callback.headers["location"].startswith(CALLBACK + "?code=")

    fake.sign_in(None)
    page = authorize(fake)
    assert page.status_code == 200
    assert "Sign in to GitHub" in page.text


def test_the_user_endpoints_list_what_the_person_reaches(fake: FakeGitHub, ids: Ids) -> None:
    token = exchange(fake, code_of(fake)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}

    me = httpx.get(f"{fake.url}/user", headers=headers).json()
    installations = httpx.get(f"{fake.url}/user/installations", headers=headers).json()
    mine = httpx.get(f"{fake.url}/user/installations/100/repositories", headers=headers).json()
    theirs = httpx.get(f"{fake.url}/user/installations/200/repositories", headers=headers)

    assert me["login"] == USER
    assert [i["id"] for i in installations["installations"]] == [100]
    assert [r["full_name"] for r in mine["repositories"]] == ["octo-org/widgets"]
    assert mine["repositories"][0]["permissions"]["push"] is True
    assert theirs.status_code == 404

    fake.set_permission("octo-org/vault", USER, "read")
    paged = httpx.get(f"{fake.url}/user/installations/100/repositories?per_page=1", headers=headers)
    assert paged.json()["total_count"] == 2
    assert len(paged.json()["repositories"]) == 1
    assert 'rel="next"' in paged.headers["link"]


def test_the_user_endpoints_refuse_other_credentials(fake: FakeGitHub, ids: Ids) -> None:
    assert httpx.get(f"{fake.url}/user/installations").status_code == 401
    assert httpx.get(f"{fake.url}/user", headers={"Authorization": "Bearer ghu_notissued"}).status_code == 401
    token = exchange(fake, code_of(fake)).json()["access_token"]
    fake.revoke_user_tokens(USER)
    assert httpx.get(f"{fake.url}/user", headers={"Authorization": f"Bearer {token}"}).status_code == 401
