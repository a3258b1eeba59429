"""`.github/debtbot.yml`: defaults, every section, errors with their place, limits, and the published JSON Schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema
import pytest
import yaml

from checks.config import (
    CONFIG_PATH,
    MAX_CONFIG_BYTES,
    MAX_CONFIG_ERRORS,
    Config,
    ConfigError,
    LoadedConfig,
    json_schema,
    load_config,
)
from checks.finding import Category, Severity

#: Every section, with a value other than its default wherever the key allows one.
FULL_CONFIG = """\
version: 1
categories:
  model: false
rules:
  CODE001:
    severity: high
  satd-tag:
    enabled: true
disable: [CODE001]
exclude:
  - vendor/**
  - "**/*_pb2.py"
paths:
  - paths: [examples/**, docs/]
    disable: [satd-tag]
    severity:
      CODE001: info
thresholds:
  data_file_mb: 5
  data_file_high_mb: 50
  model_file_mb: 1
  model_file_high_mb: 100
  notebook_max_cells: 80
  notebook_max_cell_lines: 40
  notebook_output_image_kb: 200
accept:
  - rule: CODE001
    paths: [legacy/**]
    reason: "legacy code, tracked in #12"
    until: 2027-01-31
  - fingerprint: 0123456789abcdef01234567
    reason: measured and accepted
policy:
  fail_on: medium
  max_new_debt_minutes: 120
  net_of_paid: false
comments:
  max_inline: 5
  sticky_summary: always
summary:
  enabled: false
  weekday: fri
  hour: 17
  timezone: Europe/Paris
"""


def errors_of(loaded: LoadedConfig) -> list[tuple[str, str]]:
    return [(e.location, e.message) for e in loaded.errors]


@pytest.mark.parametrize("text", [None, "", b"", "# nothing configured yet\n", "---\n"])
def test_defaults_when_the_file_is_absent_or_empty(text: str | bytes | None) -> None:
    loaded = load_config(text)

    assert loaded.errors == ()
    assert loaded.config == Config()
    policy = loaded.config.policy
    assert (policy.fail_on, policy.max_new_debt_minutes, policy.net_of_paid) == (Severity.HIGH, 60, True)
    assert loaded.config.thresholds.data_file_mb == 1.0
    assert (loaded.config.comments.max_inline, loaded.config.comments.sticky_summary) == (10, "on_failure")
    assert (loaded.config.exclude, loaded.config.disable, loaded.config.accept) == ((), (), ())


def test_every_section_is_read() -> None:
    loaded = load_config(FULL_CONFIG)

    assert loaded.errors == ()
    config = loaded.config
    assert config.categories == {Category.MODEL: False}
    assert config.rules["CODE001"].severity is Severity.HIGH
    assert config.rules["satd-tag"].enabled is True
    assert config.disable == ("CODE001",)
    assert config.exclude == ("vendor/**", "**/*_pb2.py")
    [examples] = config.paths
    assert (examples.paths, examples.disable, examples.severity) == (
        ("examples/**", "docs/"),
        ("satd-tag",),
        {"CODE001": Severity.INFO},
    )
    assert config.thresholds.model_dump() == {
        "data_file_mb": 5.0,
        "data_file_high_mb": 50.0,
        "model_file_mb": 1.0,
        "model_file_high_mb": 100.0,
        "notebook_max_cells": 80,
        "notebook_max_cell_lines": 40,
        "notebook_output_image_kb": 200,
    }
    legacy, by_fingerprint = config.accept
    assert (legacy.rule, legacy.paths, legacy.until) == ("CODE001", ("legacy/**",), dt.date(2027, 1, 31))
    assert legacy.reason == "legacy code, tracked in #12"
    assert (by_fingerprint.fingerprint, by_fingerprint.reason) == ("0123456789abcdef01234567", "measured and accepted")
    assert (config.policy.fail_on, config.policy.max_new_debt_minutes, config.policy.net_of_paid) == (
        Severity.MEDIUM,
        120,
        False,
    )
    assert (config.comments.max_inline, config.comments.sticky_summary) == (5, "always")
    assert config.summary.model_dump() == {"enabled": False, "weekday": "fri", "hour": 17, "timezone": "Europe/Paris"}


def test_bytes_are_read_as_utf8() -> None:
    assert load_config(FULL_CONFIG.encode()).config == load_config(FULL_CONFIG).config


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("policy:\n  fail_on: high\n  max_new_debt_minutes: 30\n comments: {}\n", "line 4, column 2"),
        ("a: b\n  c: d\n", "line 2, column 4"),
        ("exclude: [vendor/**\n", "line 2, column 1"),
        ("\tpolicy: {}\n", "line 1, column 1"),
        ("x: !!python/object:os.system {}\n", "line 1, column 4"),
        # A date that does not exist is reported where it is, not raised from the YAML library.
        ("accept:\n  - rule: CODE001\n    reason: old code\n    until: 2026-02-30\n", "line 4, column 12"),
        ("thresholds: {notebook_max_cells: !!int many}\n", "line 1, column 34"),
    ],
)
def test_invalid_yaml_names_line_and_column(text: str, location: str) -> None:
    loaded = load_config(text)

    [error] = loaded.errors
    assert error.location == location
    assert error.message.startswith("invalid YAML: ")
    assert str(error).startswith(f"{CONFIG_PATH}: {location}: invalid YAML: ")
    assert loaded.config == Config()


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        ("policy:\n  fail_on: sometimes\n", "policy.fail_on", "expected one of info, low, medium, high, never"),
        ("policy: {fail_on: 3}\n", "policy.fail_on", "got 3"),
        ("policy: {max_new_debt_minutes: ten}\n", "policy.max_new_debt_minutes", "valid integer"),
        ("thresholds:\n  data_file_mb: -1\n", "thresholds.data_file_mb", "greater than or equal to 0"),
        ("thresholds: {data_file_mb: big}\n", "thresholds.data_file_mb", "valid number"),
        ("rules:\n  CODE001: {severity: huge}\n", "rules.CODE001.severity", "'info', 'low', 'medium' or 'high'"),
        ("rules: {CODE001: off}\n", "rules.CODE001", "valid dictionary"),
        ("paths:\n  - paths: [x/**]\n    severity: {CODE001: urgent}\n", "paths.0.severity.CODE001", "'high'"),
        ("paths: [{paths: [''], disable: [CODE001]}]\n", "paths.0.paths", "glob must be 1 to 256 characters"),
        ("disable: CODE001\n", "disable", "Input should be a list"),
        ("exclude: vendor/**\n", "exclude", "Input should be a list"),
        ("exclude: ['" + "a" * 300 + "']\n", "exclude", "glob must be 1 to 256 characters"),
        ("accept:\n  - rule: CODE001\n    reason: ok\n", "accept.0.reason", "at least 3 characters"),
        ("accept: [{reason: because}]\n", "accept.0", "name a rule, a fingerprint or paths"),
        ("accept: [{rule: CODE001, reason: because, until: someday}]\n", "accept.0.until", "valid date"),
        ("categories: {bogus: false}\n", "categories.bogus.[key]", "'data', 'model', 'dependency' or 'code'"),
        ("comments: {max_inline: 99}\n", "comments.max_inline", "less than or equal to 50"),
        ("summary: {weekday: someday}\n", "summary.weekday", "'mon'"),
        ("summary: {hour: 24}\n", "summary.hour", "less than or equal to 23"),
        ("summary: {timezone: Europe/Pariss}\n", "summary.timezone", "not an IANA timezone name"),
        ("version: 2\n", "version", "Input should be 1"),
        ("polcy: {fail_on: low}\n", "polcy", "Extra inputs are not permitted"),
        ("- a\n- b\n", "file", "expected a mapping of settings at the top level"),
    ],
)
def test_wrong_values_are_reported_at_their_dotted_location(text: str, location: str, message: str) -> None:
    loaded = load_config(text)

    assert [e.location for e in loaded.errors] == [location]
    assert message in loaded.errors[0].message
    assert str(loaded.errors[0]) == f"{CONFIG_PATH}: {location}: {loaded.errors[0].message}"
    # Nothing of a broken file applies: the review runs on the defaults and shows the error.
    assert loaded.config == Config()


@pytest.mark.parametrize(
    ("zone", "hint"),
    [
        ("europe/paris", " (did you mean Europe/Paris?)"),
        ("Mars/Olympus_Mons", ""),
        ("../../etc/passwd", ""),
        ("Europe", ""),
        ("", ""),
    ],
)
def test_an_unknown_timezone_is_reported_at_its_place(zone: str, hint: str) -> None:
    loaded = load_config(f"summary: {{timezone: '{zone}'}}\n")

    assert errors_of(loaded) == [
        ("summary.timezone", f"{zone!r} is not an IANA timezone name such as UTC or Europe/Berlin{hint}")
    ]
    assert loaded.config.summary.timezone == "UTC"


def test_an_iana_timezone_is_read() -> None:
    loaded = load_config("summary: {timezone: America/Argentina/Buenos_Aires}\n")

    assert loaded.errors == ()
    assert loaded.config.summary.timezone == "America/Argentina/Buenos_Aires"


def test_every_key_is_described_in_the_schema() -> None:
    # The schema's descriptions are the meanings docs/configuration.md and editors show.
    schema = json_schema()
    objects = {"(top level)": schema, **schema["$defs"]}
    undescribed = [
        f"{name}.{key}"
        for name, node in objects.items()
        for key, prop in node.get("properties", {}).items()
        if not prop.get("description")
    ]

    assert undescribed == []


def test_a_broken_file_never_loosens_the_policy() -> None:
    # The valid half would turn failures off; the invalid half makes the whole file fall back to the defaults.
    loaded = load_config("policy:\n  fail_on: never\n  max_new_debt_minutes: null\nthresholds:\n  data_file_mb: -5\n")

    assert errors_of(loaded) == [("thresholds.data_file_mb", "Input should be greater than or equal to 0")]
    assert loaded.config.policy.fail_on is Severity.HIGH
    assert loaded.config.policy.max_new_debt_minutes == 60


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("rules:\n  NOPE999: {enabled: false}\n", "rules.NOPE999"),
        ("disable: [CODE001, DATA999]\n", "disable.DATA999"),
        ("paths:\n  - paths: [x/**]\n    disable: [no-such-rule]\n", "paths.0.disable.no-such-rule"),
        ("paths:\n  - paths: [x/**]\n    severity: {MODEL999: low}\n", "paths.0.severity.MODEL999"),
        ("accept:\n  - rule: DEP999\n    reason: not a rule\n", "accept.0.rule.DEP999"),
    ],
)
def test_unknown_rule_codes_are_errors(text: str, location: str) -> None:
    loaded = load_config(text)

    assert errors_of(loaded) == [(location, "no rule has this code or slug")]


def test_known_rule_codes_and_slugs_are_accepted() -> None:
    loaded = load_config("disable: [CODE001]\nrules:\n  satd-tag: {severity: low}\n")

    assert loaded.errors == ()
    assert loaded.config.disable == ("CODE001",)


def test_an_unknown_rule_does_not_discard_the_rest() -> None:
    # A typo in one rule name is reported; the rest of a well-formed file still applies.
    loaded = load_config("disable: [CODE01]\npolicy: {fail_on: medium}\n")

    assert errors_of(loaded) == [("disable.CODE01", "no rule has this code or slug")]
    assert loaded.config.policy.fail_on is Severity.MEDIUM


def test_oversize_config_is_refused_before_parsing() -> None:
    at_limit = "#" * (MAX_CONFIG_BYTES - 1) + "\n"
    over = at_limit + "#"

    assert load_config(at_limit).errors == ()
    assert errors_of(load_config(over)) == [("file", f"larger than {MAX_CONFIG_BYTES} bytes")]
    assert errors_of(load_config(over.encode())) == [("file", f"larger than {MAX_CONFIG_BYTES} bytes")]


def test_oversize_is_counted_in_bytes_not_characters() -> None:
    # Fewer characters than the limit, but each is two bytes in UTF-8.
    text = "# " + "\u00e9" * (MAX_CONFIG_BYTES // 2)

    assert len(text) < MAX_CONFIG_BYTES < len(text.encode())
    assert errors_of(load_config(text)) == [("file", f"larger than {MAX_CONFIG_BYTES} bytes")]


def test_non_utf8_bytes_are_refused() -> None:
    loaded = load_config("exclude: [caf\xe9/**]\n".encode("latin-1"))

    assert [e.location for e in loaded.errors] == ["file"]
    assert loaded.errors[0].message.startswith("not UTF-8")


def test_alias_bombs_stay_small() -> None:
    # Nine levels of ten aliases name 10**9 strings; YAML shares them, and validation stops at the top.
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]

    loaded = load_config("\n".join(levels) + "\ndisable: *a8\n")

    assert loaded.config == Config()
    # One error per item of the top list, and one per unknown top-level key: nothing walks the shared leaves.
    assert sorted(e.location for e in loaded.errors) == sorted(
        [f"disable.{i}" for i in range(10)] + [f"a{i}" for i in range(9)]
    )


def test_error_lists_are_capped() -> None:
    loaded = load_config("disable: [" + ", ".join(["1"] * 100) + "]\n")

    assert len(loaded.errors) == MAX_CONFIG_ERRORS + 1
    assert loaded.errors[0] == ConfigError("disable.0", "Input should be a valid string")
    assert loaded.errors[-1] == ConfigError("file", f"{100 - MAX_CONFIG_ERRORS} more error(s) not shown")


# --- the JSON Schema -------------------------------------------------------------------------------------


def as_json(value: Any) -> Any:
    """The config as an editor's YAML plug-in sees it: dates are strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_schema_is_draft_2020_12(validator: jsonschema.protocols.Validator) -> None:
    assert json_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert isinstance(validator, jsonschema.Draft202012Validator)


def test_schema_accepts_the_full_example(validator: jsonschema.protocols.Validator) -> None:
    example = as_json(yaml.safe_load(FULL_CONFIG))

    assert list(validator.iter_errors(example)) == []
    assert list(validator.iter_errors({})) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"policy": {"fail_on": "sometimes"}}, ["policy", "fail_on"]),
        ({"thresholds": {"data_file_mb": -1}}, ["thresholds", "data_file_mb"]),
        ({"comments": {"max_inline": 51}}, ["comments", "max_inline"]),
        ({"polcy": {}}, []),
        ({"disable": "CODE001"}, ["disable"]),
        ({"accept": [{"rule": "CODE001"}]}, ["accept", 0]),
        ({"categories": {"model": "perhaps"}}, ["categories", "model"]),
        ({"version": 2}, ["version"]),
    ],
)
def test_schema_rejects_a_bad_config(
    validator: jsonschema.protocols.Validator, change: dict[str, Any], path: list[str | int]
) -> None:
    bad = {**as_json(yaml.safe_load(FULL_CONFIG)), **change}

    errors = list(validator.iter_errors(bad))

    assert errors, f"the schema let {change} through"
    assert any(list(e.absolute_path) == path for e in errors), [(list(e.absolute_path), e.message) for e in errors]
    # The loader refuses the same file: the schema and the model agree.
    assert load_config(yaml.safe_dump(bad)).errors
