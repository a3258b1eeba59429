"""debtbot's pure analysis library: text in, findings out. No IO, clock, environment or network."""

from checks.diff import Diff, DiffError, FilePatch, FileStatus, parse_diff, parse_github_files
from checks.finding import Category, Finding, Severity
from checks.runner import ReviewResult, review
from checks.snapshot import Snapshot

__all__ = [
    "Category",
    "Diff",
    "DiffError",
    "FilePatch",
    "FileStatus",
    "Finding",
    "ReviewResult",
    "Severity",
    "Snapshot",
    "parse_diff",
    "parse_github_files",
    "review",
]
