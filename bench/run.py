"""Every benchmark in one command (`make bench`): rule quality on the labelled corpus, then speed and memory.

python -m bench.run [speed options, e.g. --repeat 5]
"""

from __future__ import annotations

import sys

from bench import quality, speed


def main(argv: list[str] | None = None) -> int:
    print("== rule quality on the labelled corpus (python -m bench.quality) ==", flush=True)
    status = quality.main([])
    print(flush=True)
    speed.main(argv)
    return status


if __name__ == "__main__":
    sys.exit(main())
