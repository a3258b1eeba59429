"""Register the GitHub App from the browser (GitHub's manifest flow, as Probot does it), when none is configured.

The setup page posts the manifest built from app.yml to GitHub with a random `state` kept in DATA_DIR.
GitHub creates the App and sends the browser back to `/setup/callback?code=...&state=...`; the code is
exchanged (once, within an hour, no authentication) for the App's id, private key and secrets, which are
written to `.env`. The running process keeps its settings: a restart applies them.
https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import hmac
import html
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.logging import add_secrets, get_logger
from bot.settings import Settings
from bot.webhooks import PATH as WEBHOOK_PATH

log = get_logger(__name__)

CALLBACK_PATH = "/setup/callback"
#: Where GitHub sends a person back after the dashboard's sign-in (`bot.dashboard.auth.CALLBACK_PATH`).
SIGN_IN_CALLBACK_PATH = "/login/callback"
MANIFEST_FILE = "app.yml"
STATES_FILE = "setup-states.json"
#: GitHub's code is good for an hour; a state older than that can only meet an expired code.
STATE_TTL_SECONDS = 3600
#: States kept at once: every view of the setup page issues one.
MAX_STATES = 50
CONVERSION_TIMEOUT_SECONDS = 10.0
#: The fields GitHub reads from a manifest; anything else in app.yml is not sent.
MANIFEST_FIELDS = (
    "name",
    "url",
    "hook_attributes",
    "redirect_url",
    "callback_urls",
    "setup_url",
    "description",
    "public",
    "default_events",
    "default_permissions",
    "request_oauth_on_install",
    "setup_on_update",
)
#: What the exchange writes to .env, in this order.
ENV_KEYS = (
    "DEBTBOT_APP_ID",
    "DEBTBOT_PRIVATE_KEY",
    "DEBTBOT_WEBHOOK_SECRET",
    "DEBTBOT_CLIENT_ID",
    "DEBTBOT_CLIENT_SECRET",
)
_ORGANIZATION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,200}")
_ENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


class SetupError(Exception):
    """The flow cannot go on; the message is shown to the person registering the App."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# --- the manifest -------------------------------------------------------------------------------------------------


def manifest_file() -> Path:
    """app.yml in the working folder (a deployment's own), else the one beside the package's source."""
    local = Path(MANIFEST_FILE)
    if local.is_file():
        return local
    return Path(__file__).resolve().parents[1] / MANIFEST_FILE


def load_manifest_template(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SetupError(f"cannot read the App manifest {path}: {exc}", 500) from exc
    if not isinstance(loaded, dict):
        raise SetupError(f"the App manifest {path} is not a mapping", 500)
    return loaded


def build_manifest(template: Mapping[str, Any], public_url: str) -> dict[str, Any]:
    """The manifest GitHub gets: app.yml's fields, with this server's webhook, redirect and setup URLs."""
    manifest = {key: template[key] for key in MANIFEST_FIELDS if key in template}
    hook = dict(manifest.get("hook_attributes") or {})
    hook["url"] = public_url + WEBHOOK_PATH
    manifest["hook_attributes"] = hook
    manifest["redirect_url"] = public_url + CALLBACK_PATH
    # The dashboard's GitHub sign-in returns here; GitHub refuses any redirect URI the App does not list.
    manifest["callback_urls"] = [public_url + SIGN_IN_CALLBACK_PATH]
    manifest["setup_url"] = public_url + "/"
    manifest.setdefault("url", public_url)
    manifest.setdefault("public", False)
    return manifest


def registration_url(github_url: str, *, organization: str | None, state: str) -> str:
    """Where the manifest is posted: the account's new-App page, or an organization's."""
    owner = f"/organizations/{quote(organization)}" if organization else ""
    return f"{github_url}{owner}/settings/apps/new?{urlencode({'state': state})}"


def public_url_of(request: Request, asked: str | None) -> str:
    """The server's public base URL: the one asked for on the setup page, else the one this request reached."""
    if asked:
        parts = urlsplit(asked.strip())
        if parts.scheme in ("http", "https") and parts.netloc and not parts.query and not parts.fragment:
            return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
    return str(request.base_url).rstrip("/")


def organization_of(asked: str | None) -> str | None:
    if asked and _ORGANIZATION.fullmatch(asked.strip()):
        return asked.strip()
    return None


# --- the state, kept in DATA_DIR so that any process of the server can check it --------------------------------


class SetupStates:
    """Single-use random states, each valid for an hour."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STATES_FILE

    def _load(self, now: float) -> dict[str, float]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        return {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float) and v > now}

    def _save(self, states: Mapping[str, float]) -> None:
        write_private_file(self.path, json.dumps(dict(states)))

    def issue(self) -> str:
        now = time.time()
        states = self._load(now)
        state = secrets.token_urlsafe(32)
        states[state] = now + STATE_TTL_SECONDS
        newest = sorted(states.items(), key=lambda item: item[1])[-MAX_STATES:]
        self._save(dict(newest))
        return state

    def consume(self, state: str | None) -> bool:
        """True once for a state this server issued and that has not expired; it is forgotten either way."""
        if not state:
            return False
        states = self._load(time.time())
        match = next((known for known in states if hmac.compare_digest(known.encode(), state.encode())), None)
        if match is None:
            return False
        del states[match]
        self._save(states)
        return True


# --- the exchange and .env ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredApp:
    app_id: int
    slug: str
    name: str
    html_url: str
    pem: str
    webhook_secret: str | None
    client_id: str
    client_secret: str

    def env(self) -> dict[str, str]:
        values = {
            "DEBTBOT_APP_ID": str(self.app_id),
            "DEBTBOT_PRIVATE_KEY": self.pem,
            "DEBTBOT_WEBHOOK_SECRET": self.webhook_secret or "",
            "DEBTBOT_CLIENT_ID": self.client_id,
            "DEBTBOT_CLIENT_SECRET": self.client_secret,
        }
        return {key: values[key] for key in ENV_KEYS if values[key]}


async def convert_code(api_url: str, code: str) -> RegisteredApp:
    """`POST /app-manifests/{code}/conversions`: the App GitHub created from the manifest, with its secrets."""
    url = f"{api_url}/app-manifests/{quote(code, safe='')}/conversions"
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    try:
        async with httpx.AsyncClient(timeout=CONVERSION_TIMEOUT_SECONDS) as client:
            response = await client.post(url, headers=headers)
    except httpx.HTTPError as exc:
        raise SetupError(f"GitHub could not be reached ({type(exc).__name__}): try again", 502) from exc
    if response.status_code != 201:
        raise SetupError(
            f"GitHub refused the code (HTTP {response.status_code}). A code works once and for an hour: "
            "register the App again from the setup page",
            502,
        )
    try:
        body = response.json()
        app = RegisteredApp(
            app_id=int(body["id"]),
            slug=str(body["slug"]),
            name=str(body.get("name") or body["slug"]),
            html_url=str(body["html_url"]),
            pem=str(body["pem"]),
            webhook_secret=None if body.get("webhook_secret") is None else str(body["webhook_secret"]),
            client_id=str(body["client_id"]),
            client_secret=str(body["client_secret"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise SetupError("GitHub's answer lacked the App's credentials", 502) from exc
    # From here on, no log line may show them, whatever logs it.
    add_secrets(app.pem, app.webhook_secret, app.client_secret)
    return app


def write_private_file(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step, readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _quoted(value: str) -> str:
    """A double-quoted .env value on one line (python-dotenv turns the escapes back)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'


def write_env(path: Path, values: Mapping[str, str]) -> None:
    """Set `values` in the .env file at `path`: lines for those keys are replaced, every other line is kept."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    pending = dict(values)
    kept: list[str] = []
    for line in lines:
        found = _ENV_LINE.match(line)
        key = found.group(1) if found else None
        if key is None or key not in values:
            kept.append(line)
        elif key in pending:
            kept.append(f"{key}={_quoted(pending.pop(key))}")
        # a second line for a key already written is dropped: the last line would win otherwise
    kept.extend(f"{key}={_quoted(value)}" for key, value in pending.items())
    write_private_file(path, "\n".join(kept) + "\n")


def env_has(path: Path, key: str) -> bool:
    """True when the .env file sets `key` to something (a registration waiting for a restart)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    for line in lines:
        found = _ENV_LINE.match(line)
        if found and found.group(1) == key and line[found.end() :].strip().strip("\"'"):
            return True
    return False


# --- the pages ----------------------------------------------------------------------------------------------------

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:42rem;padding:0 1rem;color:#1f2328}"
    "code{background:#f6f8fa;padding:.1rem .3rem;border-radius:4px}"
    "button{font-size:1rem;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff}"
    "table{border-collapse:collapse}td,th{text-align:left;padding:.2rem 1rem .2rem 0}"
    "input{font-size:1rem;padding:.2rem}label{display:block;margin:.5rem 0}"
)


def page(title: str, body: str, *, status: int = 200, github_url: str | None = None) -> HTMLResponse:
    """A small HTML page; `body` must already be escaped. Never cached, never framed, no referrer sent."""
    form_targets = "'self'" + (f" {github_url}" if github_url else "")
    headers = {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'unsafe-inline'; form-action {form_targets}; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
    }
    document = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>\n"
    )
    return HTMLResponse(document, status_code=status, headers=headers)


def _manual_setup() -> str:
    return (
        "<p>Or register the App on GitHub yourself and set <code>DEBTBOT_APP_ID</code>, "
        "<code>DEBTBOT_PRIVATE_KEY</code> (or <code>DEBTBOT_PRIVATE_KEY_PATH</code>) and "
        "<code>DEBTBOT_WEBHOOK_SECRET</code>, then restart debtbot.</p>"
    )


def setup_page(request: Request, settings: Settings, *, env_file: Path, manifest_path: Path) -> HTMLResponse:
    """The page shown while no App is configured: the registration button, or why there is none."""
    title = "debtbot: set up the GitHub App"
    if env_has(env_file, "DEBTBOT_APP_ID"):
        return page(
            title,
            f"<p>A GitHub App is registered in <code>{html.escape(str(env_file))}</code>: "
            "restart debtbot to apply it.</p>",
        )
    if settings.environment == "production":
        # Anyone reaching the page could otherwise register their own App and have its keys written here.
        return page(title, "<p>No GitHub App is configured.</p>" + _manual_setup(), status=503)
    try:
        template = load_manifest_template(manifest_path)
    except SetupError as error:
        return page(title, f"<p>{html.escape(str(error))}</p>" + _manual_setup(), status=error.status)
    public_url = public_url_of(request, request.query_params.get("public_url"))
    organization = organization_of(request.query_params.get("org"))
    manifest = build_manifest(template, public_url)
    state = SetupStates(settings.data_dir).issue()
    action = registration_url(settings.github_url, organization=organization, state=state)
    owner = f"the organization <code>{html.escape(organization)}</code>" if organization else "your GitHub account"
    body = (
        "<p>debtbot is running, but no GitHub App is configured yet. Register one on GitHub: "
        "its id, private key and secrets are then written to "
        f"<code>{html.escape(str(env_file))}</code>.</p>"
        f'<form action="{html.escape(action)}" method="post">'
        f'<input type="hidden" name="manifest" value="{html.escape(json.dumps(manifest))}">'
        '<button type="submit">Register the GitHub App</button></form>'
        f"<p>The App is registered under {owner}; GitHub sends its webhooks to "
        f"<code>{html.escape(manifest['hook_attributes']['url'])}</code>, which must be reachable from GitHub.</p>"
        '<form method="get" action="/">'
        f'<label>Organization (optional) <input name="org" value="{html.escape(organization or "")}"></label>'
        f'<label>Public URL <input name="public_url" size="40" value="{html.escape(public_url)}"></label>'
        '<button type="submit">Update</button></form>' + _manual_setup()
    )
    return page(title, body, github_url=settings.github_url)


def setup_router(settings: Settings, *, env_file: Path) -> APIRouter:
    """`GET /setup/callback`: where GitHub sends the browser back after creating the App."""
    router = APIRouter()

    async def callback(request: Request) -> HTMLResponse:
        title = "debtbot: set up the GitHub App"
        if settings.configured or settings.environment == "production":
            return page(title, "<p>There is no registration in progress.</p>", status=404)
        if not SetupStates(settings.data_dir).consume(request.query_params.get("state")):
            log.warning("setup_state_mismatch")
            return page(
                title,
                '<p>This registration was not started here, or it expired. <a href="/">Start again</a>.</p>',
                status=400,
            )
        code = request.query_params.get("code", "")
        try:
            if not _CODE.fullmatch(code):
                raise SetupError("GitHub's answer carried no valid code", 400)
            app = await convert_code(settings.github_api_url, code)
            write_env(env_file, app.env())
        except SetupError as error:
            log.warning("setup_failed", reason=str(error))
            return page(
                title, f'<p>{html.escape(str(error))}.</p><p><a href="/">Start again</a>.</p>', status=error.status
            )
        except OSError as error:
            log.exception("setup_env_write_failed", path=str(env_file))
            message = f"The App was registered, but {html.escape(str(env_file))} could not be written: {error.strerror}"
            return page(title, f"<p>{message}.</p>", status=500)
        log.info("setup_app_registered", app_id=app.app_id, slug=app.slug, env_file=str(env_file))
        install = f"{app.html_url}/installations/new"
        missing_secret = (
            ""
            if app.webhook_secret
            else "<p>GitHub gave no webhook secret: set one in the App's settings and as "
            "<code>DEBTBOT_WEBHOOK_SECRET</code>.</p>"
        )
        body = (
            f"<p>Registered the GitHub App <strong>{html.escape(app.name)}</strong> (id {app.app_id}). "
            f"Its credentials are in <code>{html.escape(str(env_file))}</code>.</p>{missing_secret}"
            "<ol><li><strong>Restart debtbot</strong> to apply them.</li>"
            f'<li><a href="{html.escape(install)}">Install the App</a> on the repositories to review.</li></ol>'
        )
        return page("debtbot: restart to apply", body)

    router.add_api_route(CALLBACK_PATH, callback, methods=["GET"], name="setup_callback")
    return router
