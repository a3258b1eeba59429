"""The command line: one argparse subcommand per module (`review`, `rules`, `serve`, `migrate`, `worker`, `check`,
`report`, `baseline`).

Each module imports what its command needs (asyncio, the service's modules) when the command runs: every
command builds this parser, and `debtbot review` on a small change should cost little more than the review.
"""

from __future__ import annotations

import argparse

from bot.cli import baseline, check, migrate, report, review, rules, serve, worker
from bot.cli.errors import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, CliError

#: Each module adds its subcommand.
COMMANDS = (review, rules, serve, migrate, worker, check, report, baseline)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debtbot",
        description="Review changes for newly introduced technical debt in AI/ML codebases.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


__all__ = ["EXIT_FAIL", "EXIT_PASS", "EXIT_USAGE", "CliError", "build_parser"]
