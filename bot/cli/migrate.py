"""`debtbot migrate`: bring the database's schema up to this version of debtbot (run it before `serve` and `worker`)."""

from __future__ import annotations

import argparse

from bot.cli.errors import CliError


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "migrate",
        help="upgrade the database schema to this version (DEBTBOT_DATABASE_URL, default SQLite in DATA_DIR)",
        description="Apply the database migrations up to this version's head. Running it again changes nothing.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    # Imported here: `debtbot review` and `rules` start without loading the database stack.
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    from bot.db.engine import upgrade  # noqa: PLC0415
    from bot.settings import SettingsError, get_settings  # noqa: PLC0415

    try:
        settings = get_settings()
    except (SettingsError, ValueError) as exc:
        raise CliError(f"invalid settings: {exc}") from None
    where = settings.redacted_database_url()
    try:
        asyncio.run(upgrade(settings.database_url))
    except (OSError, DBAPIError) as exc:
        raise CliError(f"cannot migrate {where}: {exc}") from None
    print(f"database {where} is at the current schema")
    return 0
