"""Model debt rules (MODEL###). Each concern lives in its own `model_*` module; importing this one registers them."""

from __future__ import annotations

from checks.rules import (
    model_artifacts,
    model_deserialize,
    model_downloads,
    model_evaluation,
    model_runs,
    model_satd,
    model_training,
)

__all__ = [
    "model_artifacts",
    "model_deserialize",
    "model_downloads",
    "model_evaluation",
    "model_runs",
    "model_satd",
    "model_training",
]
