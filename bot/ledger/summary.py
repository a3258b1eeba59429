"""A repository's weekly summary, computed from the ledger's history: the model `bot.ledger.render` prints.

The week's figures and the 12-week trend come from one `week_figures` call, so the week's net is by
construction the step of the trend's last point. What is ranked (the items to pay first, acceptances about
to end) is as of `now`, the moment the summary is made: it is what a reader can act on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from pydantic import BaseModel, ConfigDict, computed_field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LedgerState, Repository
from bot.ledger import history
from bot.ledger.history import Acceptance, IsoWeek, RankedItem, total_of
from bot.publish.links import DEFAULT_GITHUB_URL, Links
from checks.finding import Category, Severity

TREND_WEEKS = 12
TOP_ITEMS = 10
TOP_PULL_REQUESTS = 5
EXPIRING_WITHIN_DAYS = 14


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class CategoryFigures(_Model):
    """One category's minutes this week, and what it owed at the week's end."""

    category: Category
    added: int
    baseline: int
    paid: int
    net: int
    owed: int


class TrendPoint(_Model):
    week: str
    #: Minutes owed at the week's end.
    owed: int


class TopItem(_Model):
    rank: int
    priority: float
    rule: str
    slug: str
    category: Category
    severity: Severity
    path: str
    line: int | None
    message: str
    effort_minutes: int
    accepted: bool
    #: The pull request that brought it in, when one did.
    pull_request: int | None
    #: The line on GitHub, at the commit the item was booked at.
    url: str


class PullRequestFigures(_Model):
    number: int
    author: str | None
    added: int
    paid: int
    net: int
    url: str


class ExpiringAcceptance(_Model):
    """Items accepted together (one rule, reason, end and person) whose acceptance ends soon."""

    rule: str
    slug: str
    until: date
    reason: str | None
    accepted_by: str | None
    items: int
    effort_minutes: int
    #: The first item's line on GitHub.
    url: str


class WeeklySummary(_Model):
    """One repository's week: minutes added, paid and owed, the trend, and what to look at first."""

    repository: str
    week: str
    timezone: str
    #: The week's first moment and the next week's, in `timezone`.
    starts: datetime
    ends: datetime
    generated_at: datetime
    categories: list[CategoryFigures]
    trend: list[TrendPoint]
    top_items: list[TopItem]
    pull_requests: list[PullRequestFigures]
    expiring: list[ExpiringAcceptance]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def added(self) -> int:
        return sum(c.added for c in self.categories)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def baseline(self) -> int:
        return sum(c.baseline for c in self.categories)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def paid(self) -> int:
        return sum(c.paid for c in self.categories)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def net(self) -> int:
        return sum(c.net for c in self.categories)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def owed(self) -> int:
        return sum(c.owed for c in self.categories)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def quiet(self) -> bool:
        """Nothing was added, found by the baseline scan or paid this week."""
        return self.added == 0 and self.baseline == 0 and self.paid == 0


def blob_url(github_url: str, repository: str, ref: str, path: str, line: int | None) -> str:
    """https://github.com/{repository}/blob/{ref}/{path}#L{line}"""
    return Links(repo=repository, head_sha=ref, base_ref=ref, head_ref=ref, github_url=github_url).blob(path, line)


def zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz.tzname(None) or tz)


async def weekly_summary(
    session: AsyncSession,
    repository: Repository,
    week: IsoWeek,
    *,
    now: datetime,
    tz: tzinfo = UTC,
    github_url: str = DEFAULT_GITHUB_URL,
) -> WeeklySummary:
    """The summary of `week` (its days taken in `tz`) for `repository`, ranked as of `now`."""
    # A line without a commit of its own (none recorded) is shown on the default branch.
    fallback_ref = repository.default_branch or "HEAD"
    name = repository.full_name
    figures = await history.week_figures(session, repository.id, IsoWeek.ending(week, TREND_WEEKS), tz=tz)
    this = figures[-1]
    net = this.net
    starts, ends = week.start_in(tz), week.end_in(tz)
    ranked = await history.ranked_open_items(session, repository.id, now=now, limit=TOP_ITEMS)
    pulls = await history.pull_request_debt(session, repository.id, since=starts, until=ends, limit=TOP_PULL_REQUESTS)
    acceptances = await history.expiring_acceptances(
        session, repository.id, today=now.astimezone(tz).date(), within_days=EXPIRING_WITHIN_DAYS
    )
    return WeeklySummary(
        repository=name,
        week=str(week),
        timezone=zone_name(tz),
        starts=starts,
        ends=ends,
        generated_at=now,
        categories=[
            CategoryFigures(
                category=c,
                added=this.added[c],
                baseline=this.baseline[c],
                paid=this.paid[c],
                net=net[c],
                owed=this.total[c],
            )
            for c in Category
        ],
        trend=[TrendPoint(week=str(f.week), owed=total_of(f.total)) for f in figures],
        top_items=[_top(rank, item, github_url, name, fallback_ref) for rank, item in enumerate(ranked, 1)],
        pull_requests=[
            PullRequestFigures(
                number=p.pr_number,
                author=p.author,
                added=p.added,
                paid=p.paid,
                net=p.net,
                url=f"{github_url.rstrip('/')}/{name}/pull/{p.pr_number}",
            )
            for p in pulls
        ],
        expiring=_grouped(acceptances, github_url, name, fallback_ref),
    )


def _top(rank: int, item: RankedItem, github_url: str, repository: str, fallback_ref: str) -> TopItem:
    return TopItem(
        rank=rank,
        priority=item.priority,
        rule=item.rule,
        slug=item.slug,
        category=item.category,
        severity=item.severity,
        path=item.path,
        line=item.line,
        message=item.message,
        effort_minutes=item.effort_minutes,
        accepted=item.state is LedgerState.ACCEPTED,
        pull_request=item.accrued_pr,
        url=blob_url(github_url, repository, item.accrued_sha or fallback_ref, item.path, item.line),
    )


def _grouped(
    acceptances: list[Acceptance], github_url: str, repository: str, fallback_ref: str
) -> list[ExpiringAcceptance]:
    """One line per acceptance (a rule accepted with one command covers many items), soonest first."""
    groups: dict[tuple[date, str, str | None, str | None], list[Acceptance]] = {}
    for a in acceptances:
        groups.setdefault((a.until, a.rule, a.reason, a.accepted_by), []).append(a)
    return [
        ExpiringAcceptance(
            rule=rule,
            slug=items[0].slug,
            until=until,
            reason=reason,
            accepted_by=accepted_by,
            items=len(items),
            effort_minutes=sum(a.effort_minutes for a in items),
            url=blob_url(github_url, repository, items[0].accrued_sha or fallback_ref, items[0].path, items[0].line),
        )
        for (until, rule, reason, accepted_by), items in groups.items()
    ]
