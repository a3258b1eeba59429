"""docs/rules.md and docs/config.schema.json are generated: the committed files must match the code."""

from __future__ import annotations

import json
from pathlib import Path

from checks.config import json_schema
from checks.docs import SCHEMA_FILE, documents, main, stale
from checks.registry import catalog
from checks.report.catalog import anchor

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_committed_documents_are_up_to_date() -> None:
    assert stale(DOCS) == [], "regenerate them: python -m checks.docs docs"


def test_every_rule_is_documented_in_full() -> None:
    reference = documents()["rules.md"]
    for r in catalog():
        assert f"| [{r.code}](#{anchor(r)}) | `{r.slug}` | {r.category.value} | {r.severity.value} |" in reference
        section = reference.split(f"### {r.code}: {r.slug}\n", 1)[1].split("\n### ", 1)[0]
        for part in ("**What it finds.**", "**Why it matters.**", "**Example**", "**How to fix.**"):
            assert part in section, (r.code, part)
        assert r.docs.example.strip().splitlines()[0] in section
        assert f"effort {r.effort_minutes} min" in section


def test_the_schema_is_the_config_model() -> None:
    assert json.loads(documents()[SCHEMA_FILE]) == json_schema()


def test_the_command_writes_and_checks(tmp_path: Path) -> None:
    assert main([str(tmp_path), "--check"]) == 1  # nothing there yet
    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(documents())
    assert main([str(tmp_path), "--check"]) == 0
    (tmp_path / "rules.md").write_text("edited by hand\n", encoding="utf-8")
    assert stale(tmp_path) == ["rules.md"]
