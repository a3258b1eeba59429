"""A small change in a large repository: what `debtbot review` costs when the tree, not the diff, is big.

    python -m bench.large_repo [--files 50000] [--repeat 5]

Builds a repository of `--files` small Python files in a temporary folder (packed, as a clone is), commits a
two-line change on top, then runs `debtbot review --base HEAD~1` in it, each run a fresh process: the tree
listing, the manifests looked for among its paths and the rules that read the tree are what the time goes on.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.measure import run_measured
from bench.speed import DEBTBOT
from bench.stats import median, table

FILES_PER_FOLDER = 250
CHANGE = "import torch\nmodel = torch.load('model.pt')  # TODO: weights_only\n"


def build(root: Path, files: int) -> None:
    """`files` Python files in folders of `FILES_PER_FOLDER`, committed and packed; then a commit adding debt."""
    git = ("git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "gc.auto=0")
    subprocess.run([*git, "init", "-q"], check=True)
    for n in range(files):
        folder = root / f"pkg{n // FILES_PER_FOLDER}"
        folder.mkdir(exist_ok=True)
        (folder / f"module{n % FILES_PER_FOLDER}.py").write_text(f"VALUE = {n}\n")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "a large tree"], check=True)
    subprocess.run([*git, "gc", "-q"], check=True)
    with (root / "pkg0" / "module0.py").open("a") as changed:
        changed.write(CHANGE)
    subprocess.run([*git, "commit", "-q", "-am", "a small change"], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.large_repo")
    parser.add_argument("--files", type=int, default=50_000, help="files in the repository (default 50,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the review (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="debtbot-large-repo-") as folder:
        root = Path(folder)
        print(f"building a repository of {args.files:,} files...", flush=True)
        build(root, args.files)
        runs = [
            run_measured([str(DEBTBOT), "review", "--base", "HEAD~1", "--format", "json"], cwd=root)
            for _ in range(args.repeat)
        ]
    failed = [r for r in runs if r.exit_code not in (0, 1)]
    if failed:
        print(f"debtbot review failed ({failed[0].exit_code}): {failed[0].stderr.strip()[:400]}", file=sys.stderr)
        return 1
    walls = [r.wall_seconds for r in runs]
    print(
        table(
            ["command", "files", "wall s (median)", "min s", "peak MB"],
            [
                [
                    "debtbot review --base HEAD~1 (a 2-line change)",
                    f"{args.files:,}",
                    median(walls),
                    min(walls),
                    max(r.peak_rss_mb for r in runs),
                ]
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
