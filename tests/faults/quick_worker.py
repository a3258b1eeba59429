"""`debtbot worker` with two waits shortened, and otherwise the command's own code path: an installation's GitHub
writes unpaced (one second apart in production), and retried jobs back after at most 3 s (15 s, then 30 s...).

    python -m tests.faults.quick_worker     # DEBTBOT_* settings from the environment
"""

from __future__ import annotations

import sys

from arq.worker import run_worker

from bot.logging import configure_logging, secrets_of
from bot.settings import get_settings
from bot.worker import worker_settings
from bot.worker_context import WorkerOptions

QUICK_OPTIONS = WorkerOptions(write_interval=0.0, max_retry_defer=3.0)


def main() -> int:
    settings = get_settings()
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    run_worker(worker_settings(settings, QUICK_OPTIONS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
