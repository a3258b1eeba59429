"""`debtbot rules`: the rule catalog, as a table, JSON or the markdown of docs/rules.md."""

from __future__ import annotations

import argparse
import sys

from bot.cli.errors import EXIT_PASS
from checks.registry import catalog
from checks.report import catalog_json, catalog_markdown, catalog_text

RENDERERS = {"text": catalog_text, "json": catalog_json, "markdown": catalog_markdown}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "rules",
        help="list the rules: code, slug, category, severity, effort",
        description="List every rule debtbot checks, with its default severity and remediation effort.",
    )
    parser.add_argument("--format", choices=list(RENDERERS), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(RENDERERS[args.format](catalog()))
    sys.stdout.flush()
    return EXIT_PASS
