"""SARIF 2.1.0 output: valid against the official schema, and shaped as GitHub code scanning reads it."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from checks.finding import Category, Severity
from checks.registry import catalog
from checks.report import render_sarif
from checks.report.sarif import FINGERPRINT_KEY
from tests.report.results import assembled, engine_result, every_category, finding

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
# jsonschema ships no type information: import it as a module object.
jsonschema: Any = importlib.import_module("jsonschema")


def validate(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def sarif(result: Any, **kwargs: Any) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render_sarif(result, **kwargs))
    return log


@pytest.mark.parametrize("build", [every_category, engine_result, lambda: assembled([])], ids=["all", "engine", "none"])
def test_valid_against_the_sarif_2_1_0_schema(build: Any) -> None:
    validate(sarif(build(), tool_version="1.2.3"))


def test_the_schema_rejects_what_it_should() -> None:
    log = sarif(every_category())
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        validate(log)


def test_rules_come_from_the_catalog_with_help() -> None:
    log = sarif(every_category(), tool_version="1.2.3")
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("debtbot", "1.2.3")
    assert [r["id"] for r in driver["rules"]] == [r.code for r in catalog()]
    for descriptor, rule in zip(driver["rules"], catalog(), strict=True):
        assert descriptor["name"] == rule.slug
        assert descriptor["shortDescription"]["text"] == rule.title
        assert rule.docs.why in descriptor["help"]["text"]
        assert f"### {rule.code}: {rule.slug}" in descriptor["help"]["markdown"]


def test_one_result_per_occurrence_with_level_location_and_fingerprint() -> None:
    result = every_category()
    results = sarif(result)["runs"][0]["results"]
    assert len(results) == sum(len(f.occurrences) for f in result.findings) == 6
    todo = [r for r in results if r["ruleId"] == "CODE001" and "suppressions" not in r]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in todo] == [3, 9]
    assert [r["partialFingerprints"][FINGERPRINT_KEY] for r in todo] == [
        o.fingerprint for f in result.findings if f.rule == "CODE001" and f.acknowledged is None for o in f.occurrences
    ]
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {"DATA001": "error", "MODEL006": "warning", "DEP001": "warning", "CODE001": "note"}


def test_a_file_level_finding_has_no_region() -> None:
    results = sarif(every_category())["runs"][0]["results"]
    dataset = next(r for r in results if r["ruleId"] == "DATA001")
    assert dataset["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "data/train.csv"}}


def test_rule_index_points_at_the_rule_when_it_is_in_the_catalog() -> None:
    log = sarif(engine_result())
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for r in log["runs"][0]["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]


def test_acknowledged_debt_is_a_suppressed_result() -> None:
    results = sarif(engine_result())["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"
    accepted = sarif(every_category())["runs"][0]["results"]
    assert [r["suppressions"][0]["kind"] for r in accepted if "suppressions" in r] == ["external"]


def test_paths_are_uri_references() -> None:
    odd = finding(path="data/my file #1.py", category=Category.CODE, severity=Severity.INFO)
    log = sarif(assembled([odd]))
    validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "data/my%20file%20%231.py"


def test_config_and_rule_errors_are_notifications() -> None:
    invocation = sarif(every_category())["runs"][0]["invocations"][0]
    assert "policy.fail_on" in invocation["toolConfigurationNotifications"][0]["message"]["text"]
    assert invocation["toolExecutionNotifications"][0]["descriptor"] == {"id": "CODE014"}


def test_every_result_is_located_as_code_scanning_requires() -> None:
    # Code scanning rejects a whole upload when one result has no location ("expected at least one
    # location") or a region without a start line; a file-level result without a region is accepted.
    for build in (every_category, engine_result):
        for r in sarif(build())["runs"][0]["results"]:
            (location,) = r["locations"]
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            assert "region" not in physical or physical["region"]["startLine"] >= 1
