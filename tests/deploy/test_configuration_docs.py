"""docs/configuration.md is generated (`python -m bot.docs docs`): the committed file must match the code, and it
documents every setting and every key of `.github/debtbot.yml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.docs import CONFIGURATION_FILE, config_rows, documents, field_comments, main, settings_rows, stale
from bot.settings import Settings
from checks.config import json_schema
from tests.deploy.manifests import REPO, settings_env_names

DOCS = REPO / "docs"


def test_the_committed_reference_is_up_to_date() -> None:
    assert stale(DOCS) == [], "regenerate it: python -m bot.docs docs (make docs)"


def test_every_setting_is_documented_with_its_meaning() -> None:
    rows = {variable.strip("`"): meaning for variable, _, _, meaning in settings_rows()}
    assert set(rows) == settings_env_names()
    undocumented = [name for name, meaning in rows.items() if not meaning]
    assert undocumented == [], "give each field a `#:` comment in bot/settings.py"
    reference = documents()[CONFIGURATION_FILE]
    for name in rows:
        assert f"| `{name}` |" in reference


def test_a_setting_reads_its_meaning_from_the_comment_above_it() -> None:
    comments = field_comments(Settings)
    assert comments["webhook_secret"] == "The secret GitHub signs webhook deliveries with."
    assert "private_key()" not in comments["private_key_text"]  # a plain `#` comment is not documentation


def test_secrets_and_defaults_are_shown_as_a_reader_needs_them() -> None:
    rows = {variable.strip("`"): (kind, default) for variable, kind, default, _ in settings_rows()}
    assert rows["DEBTBOT_WEBHOOK_SECRET"] == ("secret", "unset")
    assert rows["DEBTBOT_DATABASE_URL"] == ("secret", "SQLite at DATA_DIR/debtbot.db")
    assert rows["DEBTBOT_ENVIRONMENT"] == ("one of `development`, `production`", "`development`")


def _leaf_paths(schema: dict[str, Any], node: dict[str, Any], prefix: str = "") -> set[str]:
    """Every key path of the schema, found independently of the generator's walk."""
    defs = schema["$defs"]

    def resolve(n: dict[str, Any]) -> dict[str, Any]:
        return resolve(defs[n["$ref"].rsplit("/", 1)[-1]]) if "$ref" in n else n

    paths: set[str] = set()
    for name, raw in resolve(node).get("properties", {}).items():
        prop = resolve(raw)
        key = f"{prefix}{name}"
        paths.add(key)
        items, values = prop.get("items"), prop.get("additionalProperties")
        if "properties" in prop:
            paths |= _leaf_paths(schema, prop, f"{key}.")
        elif isinstance(items, dict) and "properties" in resolve(items):
            paths |= _leaf_paths(schema, resolve(items), f"{key}[].")
        elif isinstance(values, dict) and "properties" in resolve(values):
            paths |= _leaf_paths(schema, resolve(values), f"{key}.<name>.")
    return paths


def test_every_config_key_is_in_the_reference() -> None:
    schema = json_schema()
    keys = {key.strip("`") for key, _, _, _ in config_rows(schema)}
    assert keys == _leaf_paths(schema, schema)
    assert {"policy.fail_on", "thresholds.data_file_mb", "accept[].until", "rules.<name>.severity"} <= keys
    rows = {key.strip("`"): (kind, default) for key, kind, default, _ in config_rows(schema)}
    assert rows["policy.fail_on"] == ("one of `info`, `low`, `medium`, `high` or `never`", "`high`")
    assert rows["accept[].reason"] == ("string", "required")


def test_the_command_writes_and_checks(tmp_path: Path) -> None:
    assert main([str(tmp_path), "--check"]) == 1  # nothing there yet
    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(documents())
    assert main([str(tmp_path), "--check"]) == 0
    (tmp_path / CONFIGURATION_FILE).write_text("edited by hand\n", encoding="utf-8")
    assert stale(tmp_path) == [CONFIGURATION_FILE]
