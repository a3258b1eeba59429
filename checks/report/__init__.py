"""Renderers of a review: pure functions from a `ReviewResult` to text, JSON, markdown or SARIF."""

from __future__ import annotations

from enum import StrEnum

from checks.report.catalog import catalog_json, catalog_markdown, catalog_text
from checks.report.json_report import render_json, result_record
from checks.report.markdown import MAX_SUMMARY_CHARS, render_markdown, summary_title
from checks.report.sarif import render_sarif, sarif_log
from checks.report.text import render_text
from checks.runner import ReviewResult


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"


def render(result: ReviewResult, fmt: Format, *, color: bool = False, tool_version: str | None = None) -> str:
    """The review in `fmt`. `color` applies to text only; `tool_version` to SARIF only."""
    if fmt is Format.TEXT:
        return render_text(result, color=color)
    if fmt is Format.JSON:
        return render_json(result)
    if fmt is Format.MARKDOWN:
        return render_markdown(result)
    return render_sarif(result, tool_version=tool_version)


__all__ = [
    "MAX_SUMMARY_CHARS",
    "Format",
    "catalog_json",
    "catalog_markdown",
    "catalog_text",
    "render",
    "render_json",
    "render_markdown",
    "render_sarif",
    "render_text",
    "result_record",
    "sarif_log",
    "summary_title",
]
