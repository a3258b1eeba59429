"""Generate docs/rules.md and docs/config.schema.json from the catalog and the config model.

`python -m checks.docs docs` writes them; `--check` only says whether the committed files are stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from checks.config import json_schema
from checks.registry import catalog
from checks.report.catalog import catalog_markdown

RULES_FILE = "rules.md"
SCHEMA_FILE = "config.schema.json"


def rules_reference() -> str:
    return catalog_markdown(catalog())


def config_schema() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def documents() -> dict[str, str]:
    """Every generated document by its file name."""
    return {RULES_FILE: rules_reference(), SCHEMA_FILE: config_schema()}


def stale(folder: Path, generate: Callable[[], dict[str, str]] = documents) -> list[str]:
    """Names of the generated documents in `folder` that differ from what the code generates now."""
    return [
        name
        for name, text in generate().items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]


def generator_main(prog: str, generate: Callable[[], dict[str, str]], argv: Sequence[str] | None = None) -> int:
    """`prog FOLDER [--check]`: write the documents `generate` makes into FOLDER, or say which are stale."""
    parser = argparse.ArgumentParser(prog=prog, description="Write the generated documents into FOLDER.")
    parser.add_argument("folder", type=Path, help="where the documents go (docs)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a document is stale")
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if args.check:
        names = stale(folder, generate)
        for name in names:
            print(f"{folder / name} is stale: run `{prog} {folder}`", file=sys.stderr)
        return 1 if names else 0
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {folder / name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return generator_main("python -m checks.docs", documents, argv)


if __name__ == "__main__":
    sys.exit(main())
