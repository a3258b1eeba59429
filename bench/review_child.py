"""Review one diff in this process and print a JSON summary: the unit `bench.speed` measures from outside.

    python -m bench.review_child DIFF [--tree DIR]

With `--tree`, the snapshot is what a local checkout knows: every path, and the size and text of
the changed files. Without it, the review is diff-only.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from bench.commits import TODAY
from checks import FileStatus, Snapshot, parse_diff, review

#: Changed files larger than this are sized but not read (data and model blobs).
MAX_TEXT_BYTES = 2_000_000
_REPO_TEXTS = (".gitattributes", "dvc.lock")


def tree_snapshot(tree: Path, changed: list[str]) -> Snapshot:
    """What local git would supply: the tree's paths, and the size and text of each changed file."""
    paths = frozenset(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts)
    sizes: dict[str, int] = {}
    texts: dict[str, str] = {}
    for path in [*changed, *_REPO_TEXTS]:
        if path not in paths:
            continue
        file = tree / path
        size = file.stat().st_size
        sizes[path] = size
        if size <= MAX_TEXT_BYTES:
            data = file.read_bytes()
            if b"\0" not in data[:8000]:  # git's own binary test
                texts[path] = data.decode("utf-8", "replace")
    return Snapshot(sizes=sizes, texts=texts, tree=paths, today=TODAY)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.review_child")
    parser.add_argument("diff", type=Path)
    parser.add_argument("--tree", type=Path, help="the post-change tree, for a full snapshot")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    data = args.diff.read_bytes()
    diff = parse_diff(data)
    parsed = time.perf_counter()
    snapshot = Snapshot(today=TODAY)
    if args.tree is not None:
        changed = [f.path for f in diff.files if f.status is not FileStatus.REMOVED]
        snapshot = tree_snapshot(args.tree, changed)
    snapped = time.perf_counter()
    result = review(diff, snapshot=snapshot)
    done = time.perf_counter()
    summary = {
        "files": len(diff.files),
        "diff_bytes": len(data),
        "parse_seconds": parsed - start,
        "snapshot_seconds": snapped - parsed,
        "review_seconds": done - snapped,
        "findings": len(result.findings),
        "rule_errors": [f"{e.rule} {e.path}: {e.message}" for e in result.rule_errors],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
