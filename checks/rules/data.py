"""Data debt rules."""

from __future__ import annotations
