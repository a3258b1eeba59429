"""How the command line ends: exit statuses and the error that means "bad usage or input"."""

from __future__ import annotations

#: The merge policy passes (success or neutral).
EXIT_PASS = 0
#: The merge policy fails.
EXIT_FAIL = 1
#: Bad usage or input: an unknown ref, not a repository, a missing file, a malformed diff.
EXIT_USAGE = 2


class CliError(Exception):
    """A usage or input error, told on stderr; the command exits with `EXIT_USAGE`."""
