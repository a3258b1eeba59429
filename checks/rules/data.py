"""Data debt rules: importing this module registers the whole family, one module per concern."""

from __future__ import annotations

from checks.rules import data_files, data_handling, data_leakage, data_locations, data_references, data_validation

__all__ = ["data_files", "data_handling", "data_leakage", "data_locations", "data_references", "data_validation"]
