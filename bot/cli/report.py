"""`debtbot report OWNER/REPO`: a repository's weekly debt summary, computed from the database, as the App posts it."""

from __future__ import annotations

import argparse
from datetime import tzinfo
from typing import TYPE_CHECKING, Literal

from bot.cli.errors import CliError

if TYPE_CHECKING:
    from bot.ledger.history import IsoWeek
    from bot.settings import Settings

Format = Literal["markdown", "json"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "report",
        help="print a repository's weekly debt summary from the database",
        description=(
            "Print the weekly summary of a repository's debt ledger (DEBTBOT_DATABASE_URL): what the week added and "
            "paid by category, the 12-week trend, the items to pay first, the pull requests that moved the most and "
            "the accepted debt that expires soon. The same text the App posts in the repository's Debt report issue."
        ),
    )
    parser.add_argument("repository", metavar="OWNER/REPO", help="a repository the App is installed on")
    parser.add_argument(
        "--week", metavar="YYYY-Www", help="the ISO week, e.g. 2026-W48 (default: the last complete week)"
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown", help="default: markdown")
    parser.add_argument(
        "--timezone",
        default="UTC",
        help="the timezone the week's days are taken in, as the repository's `summary.timezone` (default: UTC)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    # Imported here: `debtbot review` and `rules` start without loading the database stack.
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    from bot.db.models import utcnow  # noqa: PLC0415
    from bot.ledger.history import IsoWeek  # noqa: PLC0415
    from bot.settings import SettingsError, get_settings  # noqa: PLC0415

    tz = _zone(args.timezone)
    if args.week is None:
        week = IsoWeek.of(utcnow().astimezone(tz).date()) - 1
    else:
        try:
            week = IsoWeek.parse(args.week)
        except ValueError as exc:
            raise CliError(f"--week: {exc}") from None
    try:
        settings = get_settings()
    except (SettingsError, ValueError) as exc:
        raise CliError(f"invalid settings: {exc}") from None
    try:
        text = asyncio.run(_report(settings, args.repository, week, tz, args.format))
    except (OSError, DBAPIError) as exc:
        raise CliError(f"cannot read {settings.redacted_database_url()}: {exc}") from None
    print(text, end="")
    return 0


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"--timezone: unknown timezone {name!r} (an IANA name, e.g. Europe/Berlin)") from None


async def _report(settings: Settings, name: str, week: IsoWeek, tz: tzinfo, output: Format) -> str:
    from sqlalchemy import func, select  # noqa: PLC0415

    from bot.db.engine import make_engine, schema_is_current, session_factory  # noqa: PLC0415
    from bot.db.models import Repository, utcnow  # noqa: PLC0415
    from bot.ledger import render  # noqa: PLC0415
    from bot.ledger.summary import weekly_summary  # noqa: PLC0415

    engine = make_engine(settings.database_url)
    try:
        if not await schema_is_current(engine):
            raise CliError("the database schema is not this version's: run `debtbot migrate` first")
        async with session_factory(engine)() as session:
            # A repository renamed or transferred keeps its id; the active one of a name comes first.
            repository = (
                await session.scalars(
                    select(Repository)
                    .where(func.lower(Repository.full_name) == name.lower())
                    .order_by(Repository.removed_at.is_not(None), Repository.id.desc())
                    .limit(1)
                )
            ).first()
            if repository is None:
                raise CliError(f"unknown repository {name!r}: the App has not been installed on it")
            summary = await weekly_summary(
                session, repository, week, now=utcnow(), tz=tz, github_url=settings.github_url
            )
    finally:
        await engine.dispose()
    return render.json_text(summary) if output == "json" else render.markdown(summary)
