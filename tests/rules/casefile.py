"""Rule cases kept as data: one YAML file per rule in `cases/`, each case a small change and what it must draw.

A case describes files, not raw diffs (hand-written hunk counts are error-prone):

    rule: CODE001
    cases:
      - name: FIXME in a Python comment
        files:
          - path: src/train.py          # status: added (default) | modified | removed | renamed | binary
            added: |                    # the lines the change adds
              x = 1  # FIXME: later
            removed: ""                 # the lines it removes (modified files)
            text: null                  # optional post-change text (for AST/notebook rules)
            size: null                  # optional blob size in bytes at the head
            old_path: null              # renamed files
        tree: [src/train.py]            # optional: every path at the head
        texts: {}                       # optional: other post-change texts (.gitattributes, dvc.lock...)
        config: {}                      # optional: .github/debtbot.yml content as a mapping
        expect:                         # findings of this rule; [] means the case must pass
          - {line: 1, severity: medium}   # also `lines: [...]`, and `severities: [...]` (each line's own)
        paid: 0                         # optional: how many paid findings of this rule
        paid_lines: [3]                 # optional: the lines of their occurrences, in order
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.rule}: {self.name}"

    @property
    def passes(self) -> bool:
        return not self.spec.get("expect")


def load_cases() -> Iterator[Case]:
    for path in sorted(CASES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        code = data["rule"]
        assert path.stem == code, f"{path.name} must be named after its rule {code}"
        for spec in data["cases"]:
            yield Case(code, spec["name"], spec)


def build_diff(files: list[dict[str, Any]]) -> str:
    """A git diff with one hunk per file: removed lines, then added lines."""
    out: list[str] = []
    for f in files:
        path = f["path"]
        status = f.get("status", "added")
        old_path = f.get("old_path") or path
        added = _lines(f.get("added"))
        removed = _lines(f.get("removed"))
        out.append(f"diff --git a/{old_path} b/{path}\n")
        if status == "added":
            out.append("new file mode 100644\n")
        elif status == "removed":
            out.append("deleted file mode 100644\n")
        elif status == "renamed":
            out.append(f"similarity index 90%\nrename from {old_path}\nrename to {path}\n")
        if status == "binary":
            out.append(f"index 1111111..2222222 100644\nBinary files a/{path} and b/{path} differ\n")
            continue
        if status == "binary-added":
            out.append(f"new file mode 100644\nindex 0000000..2222222\nBinary files /dev/null and b/{path} differ\n")
            continue
        if not added and not removed:
            continue
        source = "/dev/null" if status == "added" else f"a/{old_path}"
        target = "/dev/null" if status == "removed" else f"b/{path}"
        out.append(f"--- {source}\n+++ {target}\n")
        start = f.get("start", 1)  # where the hunk starts in the file (both sides: removed lines come first)
        old_start = 0 if status == "added" else start
        new_start = 0 if status == "removed" else start
        out.append(f"@@ -{old_start},{len(removed)} +{new_start},{len(added)} @@\n")
        out.extend(f"-{line}\n" for line in removed)
        out.extend(f"+{line}\n" for line in added)
    return "".join(out)


def _lines(block: str | None) -> list[str]:
    if not block:
        return []
    return block.removesuffix("\n").split("\n")
