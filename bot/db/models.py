"""The database tables: installations, repositories, webhook deliveries, pull requests, review runs, findings, comments.

GitHub's own ids (installation, repository, comment, check run) are the keys where GitHub gives one. Tables
that events fill in any order (deliveries, pull requests, runs, comments) hold the repository or installation
id without a foreign key: an event may arrive for an installation this database has not heard of yet (the
App was installed before the service first ran, or the database was restored from a backup).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
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


class CommentKind(StrEnum):
    INLINE = "inline"
    STICKY = "sticky"


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
