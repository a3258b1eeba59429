"""`debtbot baseline OWNER/REPO`: scan a repository's default branch into its debt ledger, queued or right here.

Queued (DEBTBOT_REDIS_URL), a worker runs the scan and the status page shows its progress; with `--now` this
process runs it, talking to GitHub as the App, and prints where it ended.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.errors import CliError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.db.models import Repository
    from bot.jobs import BaselineScan
    from bot.settings import Settings


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "baseline",
        help="scan a repository's default branch into its debt ledger (queued, or --now)",
        description=(
            "Scan the whole default branch of a repository the App is installed on, within a budget of files and "
            "bytes, and book the debt found as the ledger's baseline. Without --now the scan is queued for a "
            "worker (DEBTBOT_REDIS_URL); debt already in the ledger is not booked twice."
        ),
    )
    parser.add_argument("repository", metavar="OWNER/REPO", help="a repository the App is installed on")
    parser.add_argument("--now", action="store_true", help="run the scan in this process instead of queueing it")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    # Imported here: `debtbot review` and `rules` start without loading the service's modules.
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    from bot.logging import configure_logging, secrets_of  # noqa: PLC0415
    from bot.settings import SettingsError, get_settings  # noqa: PLC0415

    try:
        settings = get_settings()
    except (SettingsError, ValueError) as exc:
        raise CliError(f"invalid settings: {exc}") from None
    if not args.now and settings.redis_url is None:
        raise CliError("set DEBTBOT_REDIS_URL to the queue a worker takes jobs from, or run the scan here with --now")
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    try:
        print(asyncio.run(_baseline(settings, args.repository, now=args.now)))
    except (OSError, DBAPIError) as exc:
        raise CliError(f"cannot reach {settings.redacted_database_url()}: {exc}") from None
    return 0


async def _baseline(settings: Settings, name: str, *, now: bool) -> str:
    import uuid  # noqa: PLC0415  (with `platform`, 3 ms that every command would pay)

    from bot.db.engine import make_engine, schema_is_current, session_factory  # noqa: PLC0415
    from bot.jobs import BaselineScan, DeliveryId, InstallationId, RepoId  # noqa: PLC0415

    engine = make_engine(settings.database_url)
    try:
        if not await schema_is_current(engine):
            raise CliError("the database schema is not this version's: run `debtbot migrate` first")
        repository = await _repository(session_factory(engine), name)
    finally:
        await engine.dispose()
    job = BaselineScan(
        installation_id=InstallationId(repository.installation_id),
        delivery_id=DeliveryId(f"cli-{uuid.uuid4()}"),
        repo_id=RepoId(repository.id),
        repo_full_name=repository.full_name,
        force=True,
    )
    if now:
        return await _run_here(settings, job)
    return await _queue(settings, job)


async def _repository(sessions: async_sessionmaker[AsyncSession], name: str) -> Repository:
    from sqlalchemy import func, select  # noqa: PLC0415

    from bot.db.models import Repository  # noqa: PLC0415

    async with sessions() as session:
        found = (
            await session.scalars(
                select(Repository)
                .where(func.lower(Repository.full_name) == name.lower(), Repository.removed_at.is_(None))
                .order_by(Repository.id.desc())
                .limit(1)
            )
        ).first()
    if found is None:
        raise CliError(f"unknown repository {name!r}: the App is not installed on it (or no event named it yet)")
    return found


async def _queue(settings: Settings, job: BaselineScan) -> str:
    from arq.connections import RedisSettings, create_pool  # noqa: PLC0415

    assert settings.redis_url is not None
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url.get_secret_value()))
    try:
        await pool.enqueue_job(job.name, job.to_queue(), _job_id=job.job_id, _queue_name=settings.queue_name)
    finally:
        await pool.aclose()
    return f"baseline scan of {job.repo_full_name} queued (job {job.job_id}); the status page shows its progress"


async def _run_here(settings: Settings, job: BaselineScan) -> str:
    from bot.db.engine import make_engine, session_factory  # noqa: PLC0415
    from bot.db.models import Repository  # noqa: PLC0415
    from bot.errors import classify  # noqa: PLC0415
    from bot.ledger import baseline  # noqa: PLC0415
    from bot.worker import github_app  # noqa: PLC0415
    from bot.worker_context import WorkerDeps, WorkerOptions  # noqa: PLC0415

    options = WorkerOptions()
    engine = make_engine(settings.database_url)
    github = github_app(settings, options, None)
    deps = WorkerDeps(
        settings=settings,
        options=options,
        engine=engine,
        sessions=session_factory(engine),
        github=github,
        redis=None,
        owned_github=github,
    )
    try:
        try:
            await baseline.scan(deps, github.gateway_for(job.installation_id), job)
        except Exception as failure:  # noqa: BLE001 - recorded on the repository, then said on the terminal
            await baseline.fail(deps, job.repo_id, f"{type(failure).__name__}: {failure}")
            raise CliError(f"the baseline scan of {job.repo_full_name} failed: {classify(failure)}") from None
        async with deps.sessions() as session:
            row = await session.get(Repository, job.repo_id)
    finally:
        await deps.aclose()
    assert row is not None
    return (
        f"baseline of {job.repo_full_name} {row.baseline_status.value} at {row.baseline_sha}: "
        f"{row.baseline_files_done} of {row.baseline_files_total} files"
    )
