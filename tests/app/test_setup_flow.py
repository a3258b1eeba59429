"""The manifest flow end to end: the setup page, GitHub's "Create GitHub App" page and the code's conversion
played by the fake GitHub over HTTP, and the .env the App's credentials are written to."""

from __future__ import annotations

import io
import json
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import yaml

from bot.app import create_app
from bot.dashboard import auth
from bot.settings import Settings
from bot.setup import SetupStates, build_manifest
from tests.app.conftest import make_settings, serving
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.routes.manifests import manifest_problems, submit_manifest

pytestmark = pytest.mark.anyio

GITHUB_WEB = "https://github.example"
APP_YML = Path(__file__).resolve().parents[2] / "app.yml"
CONVERSIONS = "apps/create-from-manifest"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=1, public_key=shared_app_key().public_pem) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text("# written by hand\nDEBTBOT_LOG_LEVEL=DEBUG\nDEBTBOT_APP_ID=\nOTHER_TOOL_TOKEN=keep-me\n")
    return path


@dataclass
class RegistrationForm:
    action: str
    method: str
    manifest: dict[str, Any]

    @property
    def state(self) -> str:
        return parse_qs(urlsplit(self.action).query)["state"][0]


class _FormReader(HTMLParser):
    """The setup page's registration form: the one whose hidden `manifest` field GitHub reads."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "method": values.get("method", "get"), "inputs": {}})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"][values.get("name", "")] = values.get("value", "")


def registration_form(page: str) -> RegistrationForm:
    reader = _FormReader()
    reader.feed(page)
    [form] = [f for f in reader.forms if "manifest" in f["inputs"]]
    return RegistrationForm(form["action"], form["method"], json.loads(form["inputs"]["manifest"]))


def unconfigured(data_dir: Path, database_url: str, closed_port: int, fake: FakeGitHub, **values: Any) -> Settings:
    return make_settings(
        data_dir,
        database_url,
        f"redis://127.0.0.1:{closed_port}/0",  # the flow needs no Redis
        github_url=GITHUB_WEB,
        github_api_url=fake.url,
        **values,
    )


def conversions(fake: FakeGitHub) -> int:
    return sum(1 for request in fake.requests if request.operation_id == CONVERSIONS)


@pytest.fixture
def settings(data_dir: Path, migrated_database_url: str, closed_port: int, fake: FakeGitHub) -> Settings:
    return unconfigured(data_dir, migrated_database_url, closed_port, fake)


async def test_the_manifest_flow_registers_the_app_and_writes_its_credentials(
    settings: Settings, fake: FakeGitHub, env_file: Path, json_logs: io.StringIO
) -> None:
    app = create_app(settings, env_file=env_file)

    async with serving(app) as client:
        setup = await client.get("/", params={"org": "octo-org"})
        form = registration_form(setup.text)
        # The person checks the App on GitHub's page and creates it; GitHub redirects back with a code.
        code = submit_manifest(fake, form.manifest, owner="octo-org")
        done = await client.get("/setup/callback", params={"code": code, "state": form.state})
        again = await client.get("/setup/callback", params={"code": code, "state": form.state})
        after = await client.get("/")

    assert setup.status_code == 200
    assert "Register the GitHub App" in setup.text
    assert form.method == "post"
    assert form.action.startswith(f"{GITHUB_WEB}/organizations/octo-org/settings/apps/new?state=")
    assert form.manifest["hook_attributes"] == {"active": True, "url": "http://debtbot.test/webhooks/github"}
    assert form.manifest["redirect_url"] == "http://debtbot.test/setup/callback"
    assert form.manifest["public"] is False
    app_yml = yaml.safe_load(APP_YML.read_text())
    assert form.manifest["default_events"] == app_yml["default_events"]
    assert form.manifest["default_permissions"] == app_yml["default_permissions"]

    [created] = [m.created for m in fake.world.app_manifests.values()]
    assert created is not None
    assert done.status_code == 200
    assert "Restart debtbot" in done.text
    assert f"{created['html_url']}/installations/new" in done.text
    assert again.status_code == 400  # the state was used up
    assert conversions(fake) == 1
    assert "restart debtbot to apply it" in after.text

    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    lines = env_file.read_text().splitlines()
    assert lines[:2] == ["# written by hand", "DEBTBOT_LOG_LEVEL=DEBUG"]
    assert "OTHER_TOOL_TOKEN=keep-me" in lines
    assert [line.split("=", 1)[0] for line in lines if line.startswith("DEBTBOT_")] == [
        "DEBTBOT_LOG_LEVEL",
        "DEBTBOT_APP_ID",
        "DEBTBOT_PRIVATE_KEY",
        "DEBTBOT_WEBHOOK_SECRET",
        "DEBTBOT_CLIENT_ID",
        "DEBTBOT_CLIENT_SECRET",
    ]
    assert len(lines) == len(set(lines))

    restarted = Settings(_env_file=env_file)
    assert restarted.configured
    assert restarted.app_id == created["id"]
    assert restarted.private_key() == created["pem"].strip() + "\n"
    assert restarted.webhook_secret is not None
    assert restarted.webhook_secret.get_secret_value() == created["webhook_secret"]
    assert restarted.client_id == created["client_id"]
    assert restarted.client_secret is not None
    assert restarted.client_secret.get_secret_value() == created["client_secret"]

    # The key written is the new App's: GitHub takes a JWT signed with it.
    now = int(time.time())
    token = jwt.encode(
        {"iat": now - 60, "exp": now + 540, "iss": str(restarted.app_id)}, restarted.private_key(), "RS256"
    )
    as_app = httpx.get(f"{fake.url}/app", headers={"Authorization": f"Bearer {token}"})
    assert (as_app.status_code, as_app.json()["id"]) == (200, created["id"])

    key_body = created["pem"].strip().splitlines()[1]
    shown = setup.text + done.text + again.text + after.text + json_logs.getvalue()
    for secret in (key_body, created["webhook_secret"], created["client_secret"], code):
        assert secret not in shown
    assert "setup_app_registered" in json_logs.getvalue()


async def test_a_callback_whose_state_was_not_issued_here_is_refused(
    settings: Settings, fake: FakeGitHub, env_file: Path
) -> None:
    app = create_app(settings, env_file=env_file)

    async with serving(app) as client:
        form = registration_form((await client.get("/")).text)
        code = submit_manifest(fake, form.manifest)
        forged = await client.get("/setup/callback", params={"code": code, "state": form.state + "x"})
        missing = await client.get("/setup/callback", params={"code": code})

    assert (forged.status_code, missing.status_code) == (400, 400)
    assert conversions(fake) == 0  # the code was never exchanged
    assert "DEBTBOT_PRIVATE_KEY" not in env_file.read_text()


async def test_a_code_used_twice_is_refused_by_github_and_said_so(
    settings: Settings, fake: FakeGitHub, env_file: Path
) -> None:
    app = create_app(settings, env_file=env_file)

    async with serving(app) as client:
        form = registration_form((await client.get("/")).text)
        code = submit_manifest(fake, form.manifest)
        first = await client.get("/setup/callback", params={"code": code, "state": form.state})
        second_state = SetupStates(settings.data_dir).issue()
        second = await client.get("/setup/callback", params={"code": code, "state": second_state})

    assert first.status_code == 200
    assert second.status_code == 502
    assert "A code works once" in second.text
    assert conversions(fake) == 2


async def test_in_production_the_page_offers_no_registration(settings: Settings, env_file: Path) -> None:
    app = create_app(settings.model_copy(update={"environment": "production"}), env_file=env_file)

    async with serving(app) as client:
        page = await client.get("/")
        callback = await client.get("/setup/callback", params={"code": "abc", "state": "def"})

    assert page.status_code == 503
    assert "DEBTBOT_APP_ID" in page.text
    assert "Register the GitHub App" not in page.text
    assert callback.status_code == 404
    assert not (settings.data_dir / "setup-states.json").exists()


def test_app_yml_is_a_manifest_github_accepts() -> None:
    manifest = build_manifest(yaml.safe_load(APP_YML.read_text()), "https://debtbot.example.com")

    assert manifest_problems(manifest) == []
    assert manifest["url"] == "https://debtbot.example.com"  # app.yml names no homepage: the server's own


def test_the_manifest_lists_the_dashboard_sign_in_callback() -> None:
    manifest = build_manifest(yaml.safe_load(APP_YML.read_text()), "https://debtbot.example.com")

    assert manifest["callback_urls"] == ["https://debtbot.example.com" + auth.CALLBACK_PATH]


def test_listing_the_installation_events_would_make_github_refuse_the_manifest() -> None:
    template = yaml.safe_load(APP_YML.read_text())
    template["default_events"] = [*template["default_events"], "installation_repositories"]

    problems = manifest_problems(build_manifest(template, "https://debtbot.example.com"))

    assert problems == ["Default events unsupported: installation_repositories"]
