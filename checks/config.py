"""The repository configuration, `.github/debtbot.yml`: defaults for everything, errors with their location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Re-exported (`as`): defined where a review without a config file reads them, without pydantic.
from checks.defaults import CONFIG_PATH as CONFIG_PATH  # noqa: PLC0414
from checks.defaults import MAX_CONFIG_BYTES as MAX_CONFIG_BYTES  # noqa: PLC0414
from checks.finding import Category, Severity
from checks.globs import Glob, GlobError
from checks.registry import find

#: Errors listed at most; a file wrong everywhere would otherwise flood the check run.
MAX_CONFIG_ERRORS = 20
#: An error's location and message are cut to these lengths.
MAX_LOCATION_CHARS = 120
MAX_MESSAGE_CHARS = 240
_FAIL_ON_VALUES = (*(s.value for s in Severity), "never")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_globs(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            Glob(pattern)
        except GlobError as exc:
            shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
            raise ValueError(f"{shown!r}: {exc}") from exc
    return patterns


Globs = Annotated[tuple[str, ...], Field(default=(), max_length=200)]


@cache
def _zones_by_lowercase() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _check_timezone(name: str) -> str:
    # ZoneInfo, as the weekly report's schedule reads the name: a name valid here is one it can use.
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        shown = name if len(name) <= 60 else name[:57] + "..."
        near = _zones_by_lowercase().get(name.strip().lower())
        hint = f" (did you mean {near}?)" if near else ""
        raise ValueError(f"{shown!r} is not an IANA timezone name such as UTC or Europe/Berlin{hint}") from None
    return name


class RuleSettings(_Model):
    """Settings of one rule, keyed by its code or slug."""

    enabled: bool = Field(True, description="`false` turns the rule off, as listing it under `disable` does.")
    severity: Severity | None = Field(None, description="The severity of its findings, instead of the rule's own.")


class PathSettings(_Model):
    """Rules turned off (or severities changed) under some paths: e.g. notebook outputs in `examples/`."""

    paths: Globs = Field((), description="Where these settings apply: globs (`*` within a folder, `**` across).")
    disable: tuple[str, ...] = Field((), description="Rule codes or slugs turned off under these paths.")
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="Severities under these paths, by rule code or slug."
    )

    @field_validator("paths")
    @classmethod
    def _valid_globs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_globs(value)


class Thresholds(_Model):
    data_file_mb: float = Field(1.0, ge=0, description="Data files from this size (MB) must be in DVC or LFS.")
    data_file_high_mb: float = Field(10.0, ge=0, description="Data files from this size (MB) are high severity.")
    model_file_mb: float = Field(0.0, ge=0, description="Model files from this size (MB) are reported (0: all).")
    model_file_high_mb: float = Field(10.0, ge=0, description="Model files from this size (MB) are high severity.")
    notebook_max_cells: int = Field(50, ge=1, description="Notebooks with more cells are too long.")
    notebook_max_cell_lines: int = Field(25, ge=1, description="Code cells with more lines are too long.")
    notebook_output_image_kb: int = Field(50, ge=1, description="Output images from this size (KB) raise severity.")


class AcceptedDebt(_Model):
    """Debt let in on purpose: it no longer fails the check, and comes back when `until` passes."""

    rule: str | None = Field(None, description="Rule code or slug accepted (with `paths`, only there).")
    fingerprint: str | None = Field(None, description="One finding's fingerprint.")
    paths: Globs = Field((), description="Only debt in these paths (globs); alone, all debt in them.")
    reason: str = Field(min_length=3, description="Why it is let in (3 characters at least): shown with the debt.")
    until: date | None = Field(None, description="Last day it is accepted (YYYY-MM-DD); null: no end.")

    @field_validator("paths")
    @classmethod
    def _valid_globs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_globs(value)

    @model_validator(mode="after")
    def _names_what(self) -> AcceptedDebt:
        if not (self.rule or self.fingerprint or self.paths):
            raise ValueError("name a rule, a fingerprint or paths")
        return self


class Policy(_Model):
    """Which findings fail the check run (and so can block the merge)."""

    fail_on: Severity | Literal["never"] = Field(
        Severity.HIGH, description="Any new finding of this severity or above fails the check."
    )
    max_new_debt_minutes: int | None = Field(
        60, ge=0, description="New debt above this many minutes fails the check (null: no budget)."
    )
    net_of_paid: bool = Field(True, description="Count the budget net of the debt the change pays off.")

    @field_validator("fail_on", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        # Checked before the union so a wrong value is one error at `policy.fail_on`, not one per member.
        if not isinstance(value, str) or value not in _FAIL_ON_VALUES:
            raise ValueError(f"expected one of {', '.join(_FAIL_ON_VALUES)}, got {value!r}")
        return value


class Comments(_Model):
    max_inline: int = Field(10, ge=0, le=50, description="Inline review comments per review at most.")
    sticky_summary: Literal["always", "on_failure", "never"] = Field(
        "on_failure", description="When to keep one summary comment on the pull request."
    )


class WeeklySummary(_Model):
    enabled: bool = Field(True, description="`false`: no weekly Debt report for this repository.")
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        "mon", description="The day the report on the week before is posted."
    )
    hour: int = Field(9, ge=0, le=23, description="The hour it is posted, in `timezone`.")
    timezone: str = Field(
        "UTC", description="IANA name (e.g. Europe/Berlin) of the timezone of `weekday`, `hour` and the weeks' days."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _check_timezone(value)


class Config(_Model):
    """`.github/debtbot.yml`. Every key is optional."""

    version: Literal[1] = Field(1, description="The file's format: 1, the only one so far.")
    categories: dict[Category, bool] = Field(default_factory=dict, description="Turn whole categories off.")
    rules: dict[str, RuleSettings] = Field(default_factory=dict, description="Per-rule settings by code or slug.")
    disable: tuple[str, ...] = Field((), description="Rule codes or slugs turned off.")
    exclude: Globs = Field((), description="Paths never reviewed (vendored code, generated files...).")
    paths: tuple[PathSettings, ...] = Field(
        (), description="Rules turned off, or severities changed, under some paths only (e.g. `examples/**`)."
    )
    thresholds: Thresholds = Field(
        default_factory=Thresholds, description="Sizes and counts from which the data, model and notebook rules report."
    )
    accept: tuple[AcceptedDebt, ...] = Field(
        (), description="Debt let in on purpose: it stops failing the check until its `until` date passes."
    )
    policy: Policy = Field(default_factory=Policy, description="Which findings fail the check run (and the merge).")
    comments: Comments = Field(
        default_factory=Comments, description="The inline review comments and the summary comment of a review."
    )
    summary: WeeklySummary = Field(
        default_factory=WeeklySummary, description="The weekly Debt report issue: whether and when it is posted."
    )

    @field_validator("exclude")
    @classmethod
    def _valid_globs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_globs(value)


@dataclass(frozen=True)
class ConfigError:
    """A problem in the config file, with where it is (`line 3` or `policy.fail_on`)."""

    location: str
    message: str

    def __post_init__(self) -> None:
        # Both may quote the file (a key, an alias name, YAML's own wording): a 200 KB key must not become a
        # 200 KB message in the check run.
        object.__setattr__(self, "location", _shortened(self.location, MAX_LOCATION_CHARS))
        object.__setattr__(self, "message", _shortened(self.message, MAX_MESSAGE_CHARS))

    def __str__(self) -> str:
        return f"{CONFIG_PATH}: {self.location}: {self.message}"


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    errors: tuple[ConfigError, ...] = ()


class _Loader(yaml.SafeLoader):
    """The safe loader, with a value its constructor cannot build (`until: 2026-02-30`) reported at its place."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            shown = repr(node.value)[:80] if isinstance(node, yaml.ScalarNode) else node.tag
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {shown}: {exc}", node.start_mark) from exc


def load_config(text: str | bytes | None) -> LoadedConfig:
    """Read the config; on any error, the defaults with the errors (never a silent pass)."""
    if text is None:
        return LoadedConfig(Config())
    if len(text) > MAX_CONFIG_BYTES or (
        isinstance(text, str) and len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES
    ):
        return LoadedConfig(Config(), (ConfigError("file", f"larger than {MAX_CONFIG_BYTES} bytes"),))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return LoadedConfig(Config(), (ConfigError("file", f"not UTF-8: {exc.reason}"),))
    try:
        raw: Any = yaml.load(text, Loader=_Loader)  # noqa: S506  (_Loader is a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        return LoadedConfig(Config(), (ConfigError(where, f"invalid YAML: {problem}"),))
    except RecursionError:
        return LoadedConfig(Config(), (ConfigError("file", "invalid YAML: nested too deeply"),))
    if raw is None:
        return LoadedConfig(Config())
    if not isinstance(raw, dict):
        return LoadedConfig(Config(), (ConfigError("file", "expected a mapping of settings at the top level"),))
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        errors = [
            ConfigError(".".join(str(p) for p in err["loc"]) or "file", _message(err["msg"])) for err in exc.errors()
        ]
        if len(errors) > MAX_CONFIG_ERRORS:
            more = len(errors) - MAX_CONFIG_ERRORS
            errors = [*errors[:MAX_CONFIG_ERRORS], ConfigError("file", f"{more} more error(s) not shown")]
        return LoadedConfig(Config(), tuple(errors))
    unknown = [
        ConfigError(f"{where}.{key}", "no rule has this code or slug")
        for where, key in _rule_references(config)
        if not _is_rule(key)
    ]
    return LoadedConfig(config, tuple(unknown))


def _message(pydantic_message: str) -> str:
    """Pydantic's wording in YAML terms: a YAML sequence is what the model calls a tuple."""
    return pydantic_message.replace("a valid tuple", "a list").replace("Value error, ", "")


def _rule_references(config: Config) -> list[tuple[str, str]]:
    refs = [("rules", key) for key in config.rules]
    refs += [("disable", key) for key in config.disable]
    for i, ps in enumerate(config.paths):
        refs += [(f"paths.{i}.disable", key) for key in ps.disable]
        refs += [(f"paths.{i}.severity", key) for key in ps.severity]
    refs += [(f"accept.{i}.rule", a.rule) for i, a in enumerate(config.accept) if a.rule]
    return refs


def _is_rule(key: str) -> bool:
    return find(key) is not None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of `.github/debtbot.yml` (published in docs/, checked by a test)."""
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "debtbot repository configuration (.github/debtbot.yml)"
    return schema
