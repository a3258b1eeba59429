"""The settings a review reads when the repository has no config file, without importing pydantic.

`checks.config` validates `.github/debtbot.yml` with pydantic, whose import alone (about 0.1 s) takes
longer than reviewing a typical pull request. A review given no config reads `DEFAULTS` instead: plain
frozen dataclasses with the attributes the runner, the rules and the policy read, and the values of
`checks.config.Config()` (a test holds the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, TypeAlias

from checks.finding import Severity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from checks.config import AcceptedDebt, Config, PathSettings, RuleSettings
    from checks.finding import Category

CONFIG_PATH = ".github/debtbot.yml"
#: Repository config is untrusted input: bound its size before parsing it.
MAX_CONFIG_BYTES = 256 * 1024


@dataclass(frozen=True)
class DefaultThresholds:
    data_file_mb: float = 1.0
    data_file_high_mb: float = 10.0
    model_file_mb: float = 0.0
    model_file_high_mb: float = 10.0
    notebook_max_cells: int = 50
    notebook_max_cell_lines: int = 25
    notebook_output_image_kb: int = 50


@dataclass(frozen=True)
class DefaultPolicy:
    fail_on: Severity | Literal["never"] = Severity.HIGH
    max_new_debt_minutes: int | None = 60
    net_of_paid: bool = True


def _no_categories() -> Mapping[Category, bool]:
    return MappingProxyType({})


def _no_rules() -> Mapping[str, RuleSettings]:
    return MappingProxyType({})


@dataclass(frozen=True)
class DefaultConfig:
    """What a review reads of `Config()`: every rule on, nothing excluded or accepted, default thresholds."""

    categories: Mapping[Category, bool] = field(default_factory=_no_categories)
    rules: Mapping[str, RuleSettings] = field(default_factory=_no_rules)
    disable: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    paths: tuple[PathSettings, ...] = ()
    thresholds: DefaultThresholds = DefaultThresholds()
    accept: tuple[AcceptedDebt, ...] = ()
    policy: DefaultPolicy = DefaultPolicy()


DEFAULTS = DefaultConfig()

#: The settings a review runs with: a repository's validated config, or the defaults.
Settings: TypeAlias = "Config | DefaultConfig"
