"""The weekly debt report, delivered into each repository: one "Debt report" issue, a new comment every ISO week,
the issue's description kept to the latest summary.

When. An arq cron job runs every hour (and once when a worker starts, if a report may be due: weeks missed while
no worker ran are caught up then, the last `CATCH_UP_WEEKS` at most). For each active repository with a ledger,
`.github/debtbot.yml` on the default branch says whether and when (`summary: {enabled, weekday, hour,
timezone}`, default Monday 09:00 UTC): the report of ISO week W (its days in that timezone) is due at that day
and hour of the week after W. A repository's first report is of its first full week with debtbot; the ones
after it follow on from the last one posted.

Once. `weekly_reports` holds one row per repository and week. The row is written with the comment's body before
anything is posted, the issue it goes to is recorded before posting, the comment's id after. A try that died
between posting and recording finds its comment again on GitHub by the week's hidden marker instead of posting
it twice; a row with a comment id is done. The report issue is found again the same way (an open issue of the
App titled "Debt report") when its number was lost; a closed or deleted one is replaced by a new issue.

Errors. Each repository is delivered on its own; a failure goes through `bot.errors.classify`: a passing one
(rate limit, GitHub down) waits for the next hourly run, which finds the week still due; a refusal (issues turned
off, no permission) is logged and the repository left alone for `RECHECK`; a bug is logged, the other
repositories are still delivered, and the job fails at the end.
"""

from __future__ import annotations

import secrets
import time as clock
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arq.cron import CronJob, cron
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.contextvars import bound_contextvars

from bot.db.models import (
    BaselineStatus,
    Installation,
    LedgerEvent,
    Repository,
    WeeklyReport,
    utcnow,
)
from bot.db.store import dialect_insert
from bot.errors import Ignore, RetryLater, TellUser, classify
from bot.github import GitHubGateway
from bot.jobs import InstallationId
from bot.ledger import render
from bot.ledger.history import IsoWeek
from bot.ledger.summary import WeeklySummary, weekly_summary
from bot.logging import get_logger
from bot.metrics import observe_job
from bot.worker_context import JOB_ID, Outcome, WorkerDeps, WorkerOptions, deps_of
from checks.config import CONFIG_PATH, load_config
from checks.config import WeeklySummary as Schedule

log = get_logger(__name__)

CRON_NAME = "weekly_reports"
#: Weeks a worker that was down catches up at most (the latest included).
CATCH_UP_WEEKS = 4
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The furthest a timezone is ahead of UTC (Kiribati) and behind it (Baker Island): bounds for telling that no
#: report can be due without reading a repository's config.
AHEAD = timedelta(hours=14)
BEHIND = timedelta(hours=12)
#: How long a repository is left alone when nothing is due yet, reports are off, or GitHub refused: a config
#: change takes effect within this long.
RECHECK = timedelta(hours=6)


# --- when ------------------------------------------------------------------------------------------------------------


def due_at(week: IsoWeek, schedule: Schedule, tz: tzinfo) -> datetime:
    """When the report of `week` is due: the configured day and hour of the week after it, in `tz`."""
    day = (week + 1).monday + timedelta(days=WEEKDAYS.index(schedule.weekday))
    return datetime.combine(day, time(schedule.hour), tzinfo=tz)


def latest_due(now: datetime, schedule: Schedule, tz: tzinfo) -> IsoWeek:
    """The last week whose report is due at `now`."""
    previous = IsoWeek.of(now.astimezone(tz).date()) - 1
    return previous if now >= due_at(previous, schedule, tz) else previous - 1


def weeks_due(
    now: datetime, schedule: Schedule, tz: tzinfo, *, last_reported: IsoWeek | None, known_since: datetime
) -> list[IsoWeek]:
    """The weeks to report now, oldest first: after the last one reported (at most `CATCH_UP_WEEKS`), or for a
    repository never reported, the latest due week if debtbot knew the repository all through it."""
    latest = latest_due(now, schedule, tz)
    first = latest if last_reported is None else max(last_reported + 1, latest - (CATCH_UP_WEEKS - 1))
    weeks = []
    week = first
    while week <= latest:
        if week.start_in(tz) >= known_since:
            weeks.append(week)
        week += 1
    return weeks


def may_be_due(now: datetime, *, last_reported: IsoWeek | None, known_since: datetime) -> bool:
    """Whether a report may be due under any schedule: False spares reading the repository's config."""
    latest = IsoWeek.of((now + AHEAD).date()) - 1  # the last week that may have ended somewhere on Earth
    if last_reported is not None and last_reported >= latest:
        return False
    return latest.start + BEHIND >= known_since


def zone(name: str) -> tzinfo:
    """The configured timezone; UTC (logged) for a name zoneinfo does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("weekly_report_unknown_timezone", timezone=name)
        return UTC


# --- which repositories ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An active repository with a ledger for which a report may be due."""

    repository: Repository
    last_reported: IsoWeek | None


async def candidates(session: AsyncSession, now: datetime) -> list[Candidate]:
    """One query: active repositories (not removed, installation not suspended) with a ledger, each with the
    last week reported, then those for which a report may be due at `now`."""
    posted = (
        select(WeeklyReport.repo_id, func.max(WeeklyReport.week).label("week"))
        .where(WeeklyReport.comment_id.is_not(None))
        .group_by(WeeklyReport.repo_id)
        .subquery()
    )
    has_ledger = or_(
        Repository.baseline_status == BaselineStatus.COMPLETED, exists().where(LedgerEvent.repo_id == Repository.id)
    )
    rows = await session.execute(
        select(Repository, posted.c.week)
        .join(Installation, Installation.id == Repository.installation_id)
        .outerjoin(posted, posted.c.repo_id == Repository.id)
        .where(Repository.removed_at.is_(None), Installation.suspended.is_(False), has_ledger)
        .order_by(Repository.installation_id, Repository.id)
    )
    found = []
    for repository, week in rows.all():
        last = IsoWeek.parse(week) if week else None
        if may_be_due(now, last_reported=last, known_since=repository.created_at):
            found.append(Candidate(repository, last))
    return found


# --- the job -------------------------------------------------------------------------------------------------------


def cron_job(options: WorkerOptions) -> CronJob:
    """Every hour on the hour (the report's hour is a whole hour in any timezone that has one)."""
    return cron(weekly_reports, name=CRON_NAME, minute=0, second=0, timeout=options.job_timeout, max_tries=1)


async def catch_up_at_start(deps: WorkerDeps, now: datetime | None = None) -> bool:
    """Queue a run now when a report may be due, rather than at the next hour: weeks missed while no worker ran
    are caught up at start. One job an hour however many workers start (its id holds the hour)."""
    if deps.redis is None:
        return False
    now = now or utcnow()
    try:
        async with deps.sessions() as session:
            if not await candidates(session, now):
                return False
        hour = now.replace(minute=0, second=0, microsecond=0)
        job_id = f"{CRON_NAME}:{deps.settings.queue_name}:start:{hour:%Y%m%dT%H}"
        job = await deps.redis.enqueue_job(CRON_NAME, _job_id=job_id, _queue_name=deps.settings.queue_name)
    except Exception:
        # The worker starts all the same: the hourly run delivers what is due.
        log.exception("weekly_reports_catch_up_failed")
        return False
    log.info("weekly_reports_catch_up_queued", queued_now=job is not None)
    return job is not None


async def weekly_reports(ctx: dict[str, Any]) -> str:
    """arq's cron job: deliver every report due (one run at a time across the workers)."""
    deps = deps_of(ctx)
    began = clock.monotonic()
    with bound_contextvars(job=CRON_NAME, job_id=ctx.get(JOB_ID)):
        try:
            async with _one_run_at_a_time(deps) as ours:
                if not ours:
                    log.info("weekly_reports_already_running")
                    outcome = Outcome.IGNORED
                else:
                    tally = await deliver_due_reports(deps, utcnow())
                    outcome = Outcome.SUCCESS
        except Exception:
            log.exception("job_failed")
            observe_job(CRON_NAME, Outcome.FAILED, clock.monotonic() - began)
            raise
        observe_job(CRON_NAME, outcome, clock.monotonic() - began)
        log.info("job_done", outcome=outcome.value, **(vars(tally) if ours else {}))
        return outcome.value


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@asynccontextmanager
async def _one_run_at_a_time(deps: WorkerDeps) -> AsyncIterator[bool]:
    """A Redis lock for the run (the hourly run and a start-up one may meet); always ours without Redis."""
    if deps.redis is None:
        yield True
        return
    key, token = f"{deps.settings.queue_name}:{CRON_NAME}:lock", secrets.token_hex(8)
    ttl = max(1, int(deps.options.job_timeout * 1000))
    if not await deps.redis.set(key, token, nx=True, px=ttl):
        yield False
        return
    try:
        yield True
    finally:
        await deps.redis.eval(_RELEASE, 1, key, token)  # type: ignore[misc]


@dataclass
class Tally:
    repositories: int = 0
    posted: int = 0
    retry_later: int = 0
    refused: int = 0
    failed: int = 0


async def deliver_due_reports(deps: WorkerDeps, now: datetime) -> Tally:
    """Deliver every report due at `now`, repository by repository; a bug is raised after the others are done."""
    async with deps.sessions() as session:
        due = await candidates(session, now)
    skip = await _resting(deps, [c.repository.id for c in due])
    # Installations GitHub asked to wait (a rate limit): their other repositories wait for the next run too.
    waiting: set[int] = set()
    tally = Tally()
    bug: Exception | None = None
    for candidate in due:
        repository = candidate.repository
        if repository.id in skip or repository.installation_id in waiting:
            continue
        tally.repositories += 1
        with bound_contextvars(
            repo=repository.full_name, repo_id=repository.id, installation_id=repository.installation_id
        ):
            try:
                tally.posted += await _deliver_repository(deps, candidate, now)
            except Exception as exc:  # classified: waits for the next run, left alone, or re-raised
                verdict = classify(exc)
                if isinstance(verdict, RetryLater):
                    log.warning("weekly_report_retry_later", reason=verdict.reason)
                    tally.retry_later += 1
                    waiting.add(repository.installation_id)
                elif isinstance(verdict, Ignore | TellUser):
                    reason = verdict.reason if isinstance(verdict, Ignore) else verdict.message
                    log.warning("weekly_report_refused", reason=reason)
                    tally.refused += 1
                    await _rest(deps, repository.id, now + RECHECK, now)
                else:
                    log.exception("weekly_report_failed")
                    tally.failed += 1
                    bug = bug or exc
    if bug is not None:
        raise bug
    return tally


async def _deliver_repository(deps: WorkerDeps, candidate: Candidate, now: datetime) -> int:
    """Post the repository's due reports, oldest first; how many were posted now."""
    repository = candidate.repository
    gateway = deps.github.gateway_for(InstallationId(repository.installation_id))
    text = await gateway.get_text(repository.full_name, CONFIG_PATH, repository.default_branch or "HEAD")
    loaded = load_config(text)
    if loaded.errors:
        log.info("weekly_report_config_errors", errors=[str(e) for e in loaded.errors[:5]])
    schedule = loaded.config.summary
    if not schedule.enabled:
        log.info("weekly_report_disabled")
        await _rest(deps, repository.id, now + RECHECK, now)
        return 0
    tz = zone(schedule.timezone)
    weeks = weeks_due(now, schedule, tz, last_reported=candidate.last_reported, known_since=repository.created_at)
    if not weeks:
        latest = latest_due(now, schedule, tz)
        await _rest(deps, repository.id, min(due_at(latest + 1, schedule, tz), now + RECHECK), now)
        return 0
    posted = 0
    for week in weeks:
        with bound_contextvars(week=str(week)):
            posted += await _deliver_week(deps, gateway, repository, week, tz=tz, now=now, latest=week == weeks[-1])
    return posted


async def _deliver_week(
    deps: WorkerDeps,
    gateway: GitHubGateway,
    repository: Repository,
    week: IsoWeek,
    *,
    tz: tzinfo,
    now: datetime,
    latest: bool,
) -> int:
    """Post one week's report unless it was; keep the issue's description to the latest week's summary."""
    async with deps.sessions.begin() as session:
        summary = await weekly_summary(session, repository, week, now=now, tz=tz, github_url=deps.settings.github_url)
        report, fresh = await _claim(session, repository.id, str(week), render.markdown(summary))
    if report.comment_id is not None:
        return 0
    number, created = await _report_issue(deps, gateway, repository, summary)
    comment_id = None
    if not fresh and report.issue_number == number:
        # An earlier try got as far as posting to this issue: its comment may be there without its id recorded.
        comment_id = await _posted_comment(gateway, repository.full_name, number, report.week)
        log.info("weekly_report_retried", found_posted=comment_id is not None)
    if comment_id is None:
        async with deps.sessions.begin() as session:
            await session.execute(update(WeeklyReport).where(WeeklyReport.id == report.id).values(issue_number=number))
        comment_id = (await gateway.create_issue_comment(repository.full_name, number, report.body)).id
    async with deps.sessions.begin() as session:
        await session.execute(
            update(WeeklyReport)
            .where(WeeklyReport.id == report.id)
            .values(issue_number=number, comment_id=comment_id, posted_at=utcnow())
        )
    log.info("weekly_report_posted", issue=number, comment_id=comment_id, quiet=summary.quiet)
    if latest and not created:
        await gateway.update_issue(repository.full_name, number, body=render.issue_body(summary))
    return 1


async def _claim(session: AsyncSession, repo_id: int, week: str, body: str) -> tuple[WeeklyReport, bool]:
    """The week's row, written with `body` now (True) or by an earlier try (False, its body kept)."""
    inserted = await session.execute(
        dialect_insert(session, WeeklyReport)
        .values(repo_id=repo_id, week=week, body=body, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[WeeklyReport.repo_id, WeeklyReport.week])
        .returning(WeeklyReport.id)
    )
    fresh = inserted.scalar_one_or_none() is not None
    report = (
        await session.scalars(select(WeeklyReport).where(WeeklyReport.repo_id == repo_id, WeeklyReport.week == week))
    ).one()
    return report, fresh


async def _report_issue(
    deps: WorkerDeps, gateway: GitHubGateway, repository: Repository, summary: WeeklySummary
) -> tuple[int, bool]:
    """The open report issue's number, and whether it was created now (with the summary as its description)."""
    name, known = repository.full_name, repository.report_issue_number
    if known is not None:
        issue = await gateway.get_issue(name, known)
        if issue is not None and issue.state == "open":
            return known, False
        log.info("report_issue_replaced", issue=known, state=issue.state if issue is not None else "gone")
    # Lost track of it (a try that died once GitHub had made it, a database restored): an open one of ours.
    login = await gateway.app_login()
    ours = [
        i.number
        for i in await gateway.list_issues(name, creator=login)
        if i.title == render.ISSUE_TITLE and i.number != known
    ]
    created = not ours
    number = (
        min(ours) if ours else (await gateway.create_issue(name, render.ISSUE_TITLE, render.issue_body(summary))).number
    )
    async with deps.sessions.begin() as session:
        await session.execute(
            update(Repository).where(Repository.id == repository.id).values(report_issue_number=number)
        )
    repository.report_issue_number = number
    log.info("report_issue_opened" if created else "report_issue_found", issue=number)
    return number, created


async def _posted_comment(gateway: GitHubGateway, repo: str, number: int, week: str) -> int | None:
    """The App's comment of `week` on the issue, found by its marker."""
    login = await gateway.app_login()
    mark = render.marker(week)
    found = [
        c.id for c in await gateway.list_issue_comments(repo, number) if c.author == login and mark in (c.body or "")
    ]
    return min(found, default=None)


# --- repositories left alone for a while (shared by the workers through Redis) ---------------------------------------


def _rest_key(deps: WorkerDeps, repo_id: int) -> str:
    return f"{deps.settings.queue_name}:{CRON_NAME}:rest:{repo_id}"


async def _rest(deps: WorkerDeps, repo_id: int, until: datetime, now: datetime) -> None:
    """Leave the repository alone until `until`: its config is not read again before then."""
    if deps.redis is None or until <= now:
        return
    await deps.redis.set(_rest_key(deps, repo_id), until.isoformat(), px=int((until - now).total_seconds() * 1000))


async def _resting(deps: WorkerDeps, repo_ids: Sequence[int]) -> set[int]:
    if deps.redis is None or not repo_ids:
        return set()
    values = await deps.redis.mget([_rest_key(deps, repo_id) for repo_id in repo_ids])
    return {repo_id for repo_id, value in zip(repo_ids, values, strict=True) if value is not None}
