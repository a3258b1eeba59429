"""The database tables: installations, repositories, webhook deliveries, pull requests, review runs, findings,
comments, and the debt ledger (items, their events, accepted debt, weekly reports).

GitHub's own ids (installation, repository, comment, check run) are the keys where GitHub gives one. Tables
that events fill in any order (deliveries, pull requests, runs, comments) hold the repository or installation
id without a foreign key: an event may arrive for an installation this database has not heard of yet (the
App was installed before the service first ran, or the database was restored from a backup).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from checks.finding import Category, Severity

#: Constraint names alembic can find again in later migrations, the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: What the sticky summary comment is recorded under in place of a finding's fingerprint.
SUMMARY_FINGERPRINT = "summary"

SHA_LENGTH = 64  # SHA-256 repositories; SHA-1 ones use 40
NAME_LENGTH = 255


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases (SQLite would otherwise hand back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (datetime.now(UTC))")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Surrogate keys: 64-bit on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
SurrogateId = BigInteger().with_variant(Integer(), "sqlite")


def _enum(enum: type[StrEnum], name: str) -> Enum:
    """Stored as the member's value in a VARCHAR: adding a member later needs no migration."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class RepositorySelection(StrEnum):
    ALL = "all"
    SELECTED = "selected"


class BaselineStatus(StrEnum):
    """Where the first scan of a repository's default branch (the ledger's starting point) stands."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class DeliveryOutcome(StrEnum):
    #: Recorded, its job not yet queued (the webhook marks it within seconds).
    RECEIVED = "received"
    QUEUED = "queued"
    IGNORED = "ignored"
    #: Not queued (Redis down...): a redelivery of it is taken as new.
    FAILED = "failed"


class PullRequestState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RunStatus(StrEnum):
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class FindingState(StrEnum):
    NEW = "new"
    #: Let in on purpose: an inline ignore with a reason, or accepted in the repository's config.
    ACKNOWLEDGED = "acknowledged"
    PAID = "paid"
    #: Debt edited where it stands, neither new nor paid (`checks.runner.ReviewResult.carried`): as it reads after
    #: the change (the ledger owes it under this fingerprint) and as it read before (the fingerprint it leaves).
    CARRIED = "carried"
    CARRIED_FROM = "carried-from"


class CommentKind(StrEnum):
    INLINE = "inline"
    STICKY = "sticky"


class LedgerState(StrEnum):
    OPEN = "open"
    #: Let in on purpose (`/debtbot accept`): still owed, but no longer fails a check until it expires.
    ACCEPTED = "accepted"
    PAID = "paid"


class LedgerSource(StrEnum):
    """How debt entered the ledger."""

    #: The first scan of the default branch: what the repository owed before debtbot watched it.
    BASELINE = "baseline"
    PULL_REQUEST = "pull_request"
    #: A push straight to the default branch (not a pull request's merge).
    PUSH = "push"


class LedgerEventKind(StrEnum):
    """What happened to a ledger item. Only ACCRUED and PAID move the totals."""

    #: Owed from now on: new debt, or debt paid before that a change brought back (a revert).
    ACCRUED = "accrued"
    PAID = "paid"
    ACCEPTED = "accepted"
    #: An acceptance's date passed: the item is open again.
    EXPIRED = "expired"
    #: The debt was edited where it stands (a TODO reworded): the item follows it to its new fingerprint, still
    #: owed since it was first accrued.
    EDITED = "edited"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Installation(Base):
    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_login: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    #: "User" or "Organization" (kept as GitHub spells it: enterprise installations add kinds).
    account_type: Mapped[str] = mapped_column(String(32))
    repository_selection: Mapped[RepositorySelection] = mapped_column(
        _enum(RepositorySelection, "repository_selection")
    )
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Repository(Base):
    __tablename__ = "repositories"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    installation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("installations.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    #: Unknown until an event carries it (`installation_repositories` payloads do not).
    default_branch: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    baseline_status: Mapped[BaselineStatus] = mapped_column(
        _enum(BaselineStatus, "baseline_status"), default=BaselineStatus.PENDING
    )
    #: The baseline scan's progress: files of the tree to scan, files scanned, and why it failed.
    baseline_files_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    baseline_files_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    baseline_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    baseline_error: Mapped[str | None] = mapped_column(Text)
    baseline_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The repository's "Debt report" issue, where the weekly summary goes (None until the first report).
    report_issue_number: Mapped[int | None] = mapped_column(Integer)
    #: Set when the installation stops covering the repository; its history stays.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """One webhook delivery, keyed by X-GitHub-Delivery (a redelivery carries the same id)."""

    __tablename__ = "deliveries"

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    installation_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    outcome: Mapped[DeliveryOutcome] = mapped_column(_enum(DeliveryOutcome, "delivery_outcome"))
    reason: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    #: The queued job's function and argument: what `bot.requeue` queues again when Redis lost the job.
    job_name: Mapped[str | None] = mapped_column(String(64))
    job_payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PullRequest(Base):
    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repo_id", "number"),)

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(NAME_LENGTH))
    base_ref: Mapped[str] = mapped_column(String(NAME_LENGTH))
    head_sha: Mapped[str] = mapped_column(String(SHA_LENGTH))
    state: Mapped[PullRequestState] = mapped_column(_enum(PullRequestState, "pull_request_state"))
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merge_commit_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReviewRun(Base):
    """One review of one head SHA of a pull request (a re-run request is a run of its own)."""

    __tablename__ = "review_runs"
    __table_args__ = (
        Index(None, "repo_id", "pr_number"),
        Index(None, "repo_id", "head_sha"),
    )

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(BigInteger)
    pr_number: Mapped[int] = mapped_column(Integer)
    head_sha: Mapped[str] = mapped_column(String(SHA_LENGTH))
    #: The job that does the review: running it again (a retry, a restarted worker) reuses this row.
    job_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH), unique=True)
    trigger_delivery_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"), default=RunStatus.QUEUED)
    #: The check run's conclusion as sent to GitHub (success, neutral, failure...).
    conclusion: Mapped[str | None] = mapped_column(String(32))
    check_run_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    findings_count: Mapped[int] = mapped_column(Integer, default=0)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Remediation effort of the debt the change adds (findings that count against the policy).
    effort_minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: Annotation batches (50 a request) its check run was sent: a retried job sends only the ones after them.
    annotation_batches_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class FindingRow(Base):
    """One finding of one run: debt added (new or acknowledged) or removed (paid)."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(SurrogateId, ForeignKey("review_runs.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(NAME_LENGTH))
    category: Mapped[Category] = mapped_column(_enum(Category, "category"))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "severity"))
    path: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    end_line: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    effort_minutes: Mapped[int] = mapped_column(Integer)
    state: Mapped[FindingState] = mapped_column(_enum(FindingState, "finding_state"))
    #: Why acknowledged debt was let in (the inline ignore's reason or the accepted-debt entry).
    acknowledged_reason: Mapped[str | None] = mapped_column(Text)
    #: The finding's hits, each `{"fingerprint", "line", "end_line", "message"}`: the ledger books each hit
    #: on its own, so paying one of a file's three TODOs pays that one.
    occurrences: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list, server_default="[]")


class PostedComment(Base):
    """A comment the App posted on a pull request: inline per finding, or the one sticky summary."""

    __tablename__ = "posted_comments"
    __table_args__ = (UniqueConstraint("repo_id", "pr_number", "fingerprint", "kind"),)

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(BigInteger)
    pr_number: Mapped[int] = mapped_column(Integer)
    #: The finding's fingerprint, or SUMMARY_FINGERPRINT for the sticky summary.
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[CommentKind] = mapped_column(_enum(CommentKind, "comment_kind"))
    github_comment_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LedgerItem(Base):
    """One piece of debt a repository owes (or owed): one hit of one rule, keyed by its fingerprint.

    One row per fingerprint and repository, whatever happens to it: debt paid and brought back (a revert) is the
    same item open again, so nothing is counted twice. Its events say when it moved and who moved it.
    """

    __tablename__ = "ledger_items"
    __table_args__ = (UniqueConstraint("repo_id", "fingerprint"), Index(None, "repo_id", "state"))

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(NAME_LENGTH))
    category: Mapped[Category] = mapped_column(_enum(Category, "category"))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "severity"))
    path: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    effort_minutes: Mapped[int] = mapped_column(Integer)
    #: How many of the repository's files depend on the path (importers, or every file for a manifest): the
    #: priority's reach. 0 when unknown.
    reach: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    state: Mapped[LedgerState] = mapped_column(_enum(LedgerState, "ledger_state"))
    source: Mapped[LedgerSource] = mapped_column(_enum(LedgerSource, "ledger_source"))
    #: The commit the item was last accrued at (a merge commit, a pushed commit, the baseline's head).
    accrued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accrued_pr: Mapped[int | None] = mapped_column(Integer)
    accrued_by: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    accrued_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_pr: Mapped[int | None] = mapped_column(Integer)
    paid_by: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    paid_sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))
    accepted_reason: Mapped[str | None] = mapped_column(Text)
    #: The last day the acceptance holds; None for no end.
    accepted_until: Mapped[date | None] = mapped_column(Date)
    accepted_by: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LedgerEvent(Base):
    """A ledger item moved: the history weekly summaries and charts are computed from.

    The effort and category are copied so that totals over time are sums over this table alone: the total
    owed at any moment is the effort ACCRUED minus the effort PAID up to it.
    """

    __tablename__ = "ledger_events"
    __table_args__ = (Index(None, "repo_id", "at"),)

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int] = mapped_column(SurrogateId, ForeignKey("ledger_items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LedgerEventKind] = mapped_column(_enum(LedgerEventKind, "ledger_event_kind"))
    source: Mapped[LedgerSource] = mapped_column(_enum(LedgerSource, "ledger_source"))
    category: Mapped[Category] = mapped_column(_enum(Category, "category"))
    effort_minutes: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    pr_number: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    sha: Mapped[str | None] = mapped_column(String(SHA_LENGTH))


class AcceptedDebtRow(Base):
    """A `/debtbot accept` command that was obeyed: reviews of the repository treat the debt as accepted."""

    __tablename__ = "accepted_debts"

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(BigInteger, index=True)
    #: A rule code or slug, or a fingerprint (a finding's or one hit's).
    target: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[date | None] = mapped_column(Date)
    accepted_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    pr_number: Mapped[int | None] = mapped_column(Integer)
    #: The comment that gave the command: a redelivered command is not obeyed twice.
    comment_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WeeklyReport(Base):
    """One repository's summary for one ISO week: written once, posted once."""

    __tablename__ = "weekly_reports"
    __table_args__ = (UniqueConstraint("repo_id", "week"),)

    id: Mapped[int] = mapped_column(SurrogateId, primary_key=True, autoincrement=True)
    repo_id: Mapped[int] = mapped_column(BigInteger)
    #: ISO week, `2026-W48`.
    week: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    issue_number: Mapped[int | None] = mapped_column(Integer)
    #: The issue comment it was posted as; None until GitHub took it.
    comment_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
