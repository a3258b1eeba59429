"""`debtbot` (and `python -m bot`): parse the command line, run the subcommand, turn errors into exit statuses."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot.cli import EXIT_USAGE, CliError, build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status."""
    return _command(argv)[0]


def console() -> NoReturn:
    """The `debtbot` program: `main`, then the process ends.

    A command that only prints what it computed (`review`) ends without the interpreter's teardown, which
    frees every object of a release diff's review one at a time (20-30 ms); the system frees them at once.
    """
    status, at_once = _command(None)
    if not at_once:
        sys.exit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away before the last of the output
        status = EXIT_USAGE
    os._exit(status)


def _command(argv: Sequence[str] | None) -> tuple[int, bool]:
    """The command's exit status, and whether the process may end without tearing the interpreter down."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character (an emoji in markdown) must not crash the review.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE, False
    at_once = bool(getattr(args, "exit_at_once", False))
    try:
        return int(args.run(args)), at_once
    except CliError as exc:
        print(f"debtbot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE, at_once
    except BrokenPipeError:
        # The reader went away (`debtbot rules | head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_USAGE, False


if __name__ == "__main__":
    console()
