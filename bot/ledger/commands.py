"""`/debtbot accept <rule-or-fingerprint> <reason> [until YYYY-MM-DD]`: read strictly, recorded once, answered.

The command is the comment's first line. The target is a rule's code or slug (`CODE001`, `satd-tag`) or a
fingerprint shown by a review (a finding's, or one hit's: 24 hexadecimal digits). The reason is required;
`until` is the last day the acceptance holds. Anything else gets a reply that says what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AcceptedDebtRow, FindingRow, LedgerItem, ReviewRun, utcnow
from bot.db.store import dialect_insert
from checks.registry import find

USAGE = "/debtbot accept <rule-or-fingerprint> <reason> [until YYYY-MM-DD]"
MIN_REASON = 3
MAX_REASON = 1000
_FINGERPRINT = re.compile(r"[0-9a-f]{24}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Hidden in each reply: a retried job finds the reply it posted and does not post it again.
REPLY_MARKER = "<!-- debtbot:reply={comment_id} -->"


class CommandError(ValueError):
    """The command cannot be obeyed as written; the message is the reply."""


@dataclass(frozen=True)
class Acceptance:
    """An accept command as read: a rule (its code) or a fingerprint, the reason, and the last day it holds."""

    reason: str
    until: date | None
    rule: str | None = None
    fingerprint: str | None = None

    @property
    def target(self) -> str:
        return self.rule or self.fingerprint or ""


def parse_accept(arguments: str, *, today: date) -> Acceptance:
    """The command's arguments (the text after `accept`), or `CommandError` saying what is wrong."""
    lines = arguments.strip().splitlines()
    words = lines[0].split() if lines else []
    if not words:
        raise CommandError("Say what to accept: a rule (its code, like `CODE001`, or its slug) or a fingerprint.")
    target, rest = words[0], words[1:]
    until = None
    if rest and rest[-1].lower() == "until":
        raise CommandError("`until` needs a date: write `until YYYY-MM-DD` at the end.")
    if len(rest) >= 2 and rest[-2].lower() == "until":
        until = _date(rest[-1], today)
        rest = rest[:-2]
    reason = " ".join(rest)
    if len(reason) < MIN_REASON:
        raise CommandError("Give a reason: why is this debt taken on purpose?")
    if len(reason) > MAX_REASON:
        raise CommandError(f"Keep the reason under {MAX_REASON} characters.")
    rule = find(target) or find(target.upper()) or find(target.lower())
    if rule is not None:
        return Acceptance(reason=reason, until=until, rule=rule.code)
    if _FINGERPRINT.fullmatch(target.lower()):
        return Acceptance(reason=reason, until=until, fingerprint=target.lower())
    shown = target if len(target) <= 40 else target[:37] + "..."
    raise CommandError(
        f"`{shown}` is neither a rule nor a fingerprint: name a rule by its code or slug (`debtbot rules` lists "
        "them), or a finding by the fingerprint its annotation shows."
    )


def _date(text: str, today: date) -> date:
    shown = text if len(text) <= 20 else text[:17] + "..."
    if not _DATE.fullmatch(text):
        raise CommandError(f"`{shown}` is not a date: write it as YYYY-MM-DD.")
    try:
        until = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"`{shown}` is not a date: write it as YYYY-MM-DD.") from None
    if until < today:
        raise CommandError(f"`{shown}` has passed already: give a date from today on.")
    return until


async def known_fingerprint(session: AsyncSession, repo_id: int, pr_number: int, fingerprint: str) -> bool:
    """Whether a review of the repository reported the fingerprint (a finding's, one of this pull request's hits,
    or a booked hit)."""
    booked = select(LedgerItem.id).where(LedgerItem.repo_id == repo_id, LedgerItem.fingerprint == fingerprint)
    finding = (
        select(FindingRow.id)
        .join(ReviewRun, ReviewRun.id == FindingRow.run_id)
        .where(ReviewRun.repo_id == repo_id, FindingRow.fingerprint == fingerprint)
    )
    if await session.scalar(select(exists(booked) | exists(finding))):
        return True
    hits = await session.scalars(
        select(FindingRow.occurrences)
        .join(ReviewRun, ReviewRun.id == FindingRow.run_id)
        .where(ReviewRun.repo_id == repo_id, ReviewRun.pr_number == pr_number)
    )
    return any(hit.get("fingerprint") == fingerprint for occurrences in hits for hit in occurrences or [])


async def record(
    session: AsyncSession,
    repo_id: int,
    acceptance: Acceptance,
    *,
    accepted_by: str,
    pr_number: int,
    comment_id: int,
) -> tuple[AcceptedDebtRow, bool]:
    """Record an obeyed command once per comment; its row, and whether this call recorded it (False: a retry)."""
    statement = (
        dialect_insert(session, AcceptedDebtRow)
        .values(
            repo_id=repo_id,
            target=acceptance.target,
            reason=acceptance.reason,
            until=acceptance.until,
            accepted_by=accepted_by,
            pr_number=pr_number,
            comment_id=comment_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[AcceptedDebtRow.comment_id])
        .returning(AcceptedDebtRow.id)
    )
    new = (await session.execute(statement)).scalar_one_or_none() is not None
    row = (await session.scalars(select(AcceptedDebtRow).where(AcceptedDebtRow.comment_id == comment_id))).one()
    return row, new


def _marked(comment_id: int, text: str) -> str:
    return f"{text}\n\n{REPLY_MARKER.format(comment_id=comment_id)}"


def refusal(author: str, comment_id: int) -> str:
    return _marked(
        comment_id,
        f"Thanks @{author}, but only people with write access to this repository can accept debt. "
        "A maintainer can accept it with the same command.",
    )


def error_reply(author: str, comment_id: int, message: str) -> str:
    return _marked(comment_id, f"@{author}, I could not accept that: {message}\n\nUsage: `{USAGE}`")


def confirmation(author: str, comment_id: int, acceptance: Acceptance, *, items: int, rerun: str | None) -> str:
    what = f"rule `{acceptance.rule}`" if acceptance.rule else f"the debt with fingerprint `{acceptance.fingerprint}`"
    until = f" until {acceptance.until.isoformat()}" if acceptance.until else ""
    lines = [
        f"@{author} accepted {what}{until}: {acceptance.reason}",
        "",
        "It no longer fails debtbot's check and stays in the repository's debt ledger as accepted"
        + (", until its date passes." if acceptance.until else "."),
    ]
    if items:
        lines.append(
            f"{items} open item{'s' if items != 1 else ''} of the ledger {'are' if items != 1 else 'is'} now accepted."
        )
    if rerun:
        lines.append(f"Reviewing commit {rerun[:12]} again.")
    return _marked(comment_id, "\n".join(lines))


def is_reply_to(body: str | None, comment_id: int) -> bool:
    return body is not None and REPLY_MARKER.format(comment_id=comment_id) in body
