"""`debtbot check`: run the start-up checks of `serve` or `worker` alone, print each result, exit 1 if one fails.

`serve` and `worker` run the same checks before they start (`run_startup_checks`), and refuse to start, with
the same words, when one fails.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.errors import CliError

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.startup_checks import Role

EXIT_OK = 0
EXIT_FAILED = 1


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="check the settings, the App's key, the database and Redis, as `serve` and `worker` do at start",
        description=(
            "Run the start-up checks and print one line each: the private key (readable, and the App's: "
            "GitHub is asked), the database (reachable, migrated), Redis (reachable) and, outside development, "
            "placeholder secrets. Exit status: 0 when nothing stops a start, 1 when something does, 2 on "
            "invalid settings."
        ),
    )
    parser.add_argument(
        "--for",
        dest="role",
        choices=["worker", "serve"],
        default="worker",
        help="the command whose checks to run (default: worker, which needs everything)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    from bot.startup_checks import blocking_message, report, run_checks  # noqa: PLC0415 - loaded when run

    settings = load_settings()
    results = asyncio.run(run_checks(settings, args.role))
    print(report(results))
    return EXIT_FAILED if blocking_message(results) else EXIT_OK


def load_settings() -> Settings:
    from bot.logging import add_secrets, secrets_of  # noqa: PLC0415
    from bot.settings import SettingsError, get_settings  # noqa: PLC0415

    try:
        settings = get_settings()
    except (SettingsError, ValueError) as exc:
        raise CliError(f"invalid settings: {exc}") from None
    add_secrets(*secrets_of(settings))  # what the checks print is scrubbed of them
    return settings


def run_startup_checks(settings: Settings, role: Role) -> None:
    """Raise `CliError` naming every problem that stops `role` from starting; log the warnings."""
    import asyncio  # noqa: PLC0415

    from bot.logging import get_logger  # noqa: PLC0415
    from bot.startup_checks import blocking_message, run_checks  # noqa: PLC0415

    results = asyncio.run(run_checks(settings, role))
    log = get_logger(__name__)
    for result in results:
        if result.ok:
            log.info("startup_check_passed", check=result.name, detail=result.detail)
        elif not result.fatal:
            log.warning("startup_check_warning", check=result.name, detail=result.detail)
    message = blocking_message(results)
    if message is not None:
        raise CliError(message)
