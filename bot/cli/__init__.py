"""The command line: one argparse subcommand per module (`review`, `rules`; the service's commands join later)."""

from __future__ import annotations

import argparse

from bot.cli import review, rules
from bot.cli.errors import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, CliError

#: Each module adds its subcommand; `serve`, `worker`, `migrate` and `report` are added the same way.
COMMANDS = (review, rules)


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
