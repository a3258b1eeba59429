"""The page at `/`: the status of a configured App (counts from the database, no secrets), else the setup page."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from bot.app import create_app
from bot.db import store
from bot.db.engine import downgrade, make_engine, session_factory
from bot.db.models import RepositorySelection
from tests.app.conftest import configured_settings, make_settings, serving
from tests.webhooks.deliveries import SECRET

pytestmark = pytest.mark.anyio


async def seed(database_url: str) -> None:
    """Two installations (one suspended), three repositories (one removed), two review runs."""
    engine = make_engine(database_url)
    try:
        async with session_factory(engine).begin() as session:
            for installation_id, suspended in ((1, False), (2, True)):
                await store.upsert_installation(
                    session,
                    installation_id=installation_id,
                    account_login=f"org-{installation_id}",
                    account_type="Organization",
                    repository_selection=RepositorySelection.SELECTED,
                    suspended=suspended,
                )
            repositories = [store.RepositoryInfo(id=n, full_name=f"org-1/repo-{n}", private=True) for n in (10, 11, 12)]
            await store.upsert_repositories(session, 1, repositories)
            await store.change_installation_repositories(session, 1, removed=[12])
            await store.start_review_run(session, repo_id=10, pr_number=1, head_sha="a" * 40, job_id="review:10:1:a")
            run = await store.start_review_run(
                session, repo_id=11, pr_number=2, head_sha="b" * 40, job_id="review:11:2:b"
            )
            await store.finish_review_run(session, run, conclusion="success")
    finally:
        await engine.dispose()


def cell(page: str, name: str) -> str:
    found = re.search(rf"<th>{re.escape(name)}</th><td>([^<]*)</td>", page)
    assert found is not None, name
    return found.group(1)


async def test_the_status_page_counts_installations_repositories_and_runs(
    data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str
) -> None:
    await seed(migrated_database_url)
    settings = configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name)
    app = create_app(settings)

    async with serving(app) as client:
        response = await client.get("/")

    assert response.status_code == 200
    page = response.text
    assert cell(page, "GitHub App id") == str(settings.app_id)
    assert cell(page, "Installations") == "1"
    assert cell(page, "Repositories") == "2"
    assert cell(page, "Review runs, last 24 hours") == "2"
    assert cell(page, "Review runs in progress") == "1"
    assert cell(page, "Jobs waiting in the queue") == "0"
    assert "Register the GitHub App" not in page
    assert SECRET not in page
    assert "not-a-real-key" not in page
    assert response.headers["cache-control"] == "no-store"


async def test_the_status_page_says_so_when_the_database_fails(
    data_dir: Path, migrated_database_url: str, closed_port: int
) -> None:
    app = create_app(configured_settings(data_dir, migrated_database_url, f"redis://127.0.0.1:{closed_port}/0"))

    async with serving(app) as client:
        await downgrade(migrated_database_url, "base")  # its tables dropped under the running app
        response = await client.get("/")

    assert response.status_code == 503
    assert "database is not answering" in response.text


async def test_an_unconfigured_app_shows_the_setup_page_with_a_state_kept_privately(
    data_dir: Path, migrated_database_url: str, closed_port: int
) -> None:
    app = create_app(make_settings(data_dir, migrated_database_url, f"redis://127.0.0.1:{closed_port}/0"))

    async with serving(app) as client:
        response = await client.get("/", params={"org": "bad org/../x", "public_url": "javascript:alert(1)"})

    assert response.status_code == 200
    page = response.text
    assert '<button type="submit">Register the GitHub App</button>' in page
    assert 'action="https://github.com/settings/apps/new?state=' in page  # an invalid org name is not used
    assert "javascript:" not in page  # nor a public URL that is not http(s)
    assert "http://debtbot.test/webhooks/github" in page
    states = data_dir / "setup-states.json"
    assert stat.S_IMODE(states.stat().st_mode) == 0o600
    assert "form-action 'self' https://github.com" in response.headers["content-security-policy"]
