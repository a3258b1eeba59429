"""Dependency debt rules."""

from __future__ import annotations
