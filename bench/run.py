"""Every benchmark in one command (`make bench`): rule quality on the labelled corpus, speed and memory (a large
diff, then a large repository), then the GitHub App (webhook ingest under load, review latency end to end) when
Redis answers.

python -m bench.run [--no-app] [speed options, e.g. --repeat 5]
"""

from __future__ import annotations

import argparse
import sys

from bench import large_repo, quality, speed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--no-app", action="store_true", help="skip the GitHub App benchmarks (they need Redis)")
    own, rest = parser.parse_known_args(argv)
    print("== rule quality on the labelled corpus (python -m bench.quality) ==", flush=True)
    status = quality.main([])
    print(flush=True)
    speed.main(rest)
    print("\n== a small change in a large repository (python -m bench.large_repo) ==", flush=True)
    status = max(status, large_repo.main([]))
    if not own.no_app:
        status = max(status, _app())
    return status


def _app() -> int:
    """The App's benchmarks, with their default options; skipped (not failed) when no Redis answers."""
    # Imported here: they bring the service and its test doubles, which the engine benchmarks do not need.
    from bench import review_latency, webhooks  # noqa: PLC0415

    try:
        webhooks.redis_server()
    except SystemExit as unreachable:
        print(f"\n== GitHub App benchmarks skipped: {unreachable} ==", flush=True)
        return 0
    print("\n== GitHub App: webhook ingest (python -m bench.webhooks) ==", flush=True)
    status = webhooks.main([])
    print("\n== GitHub App: review latency (python -m bench.review_latency) ==", flush=True)
    return max(status, review_latency.main([]))


if __name__ == "__main__":
    sys.exit(main())
