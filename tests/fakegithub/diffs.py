"""A pull request's unified diff cut into GitHub's per-file entries, and the lines a review comment may anchor on.

Written apart from checks/diff.py on purpose: the fake must not share the parser of the code it tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_FILE_START = re.compile(r"^diff --git a/(.*) b/(.*)$")


@dataclass
class FileDiff:
    """One file of a pull request as `GET .../pulls/{n}/files` describes it."""

    filename: str
    status: str = "modified"
    previous_filename: str | None = None
    binary: bool = False
    patch_lines: list[str] = field(default_factory=list)
    # (hunk index) for every anchorable line: new-file numbers on the RIGHT, old-file numbers on the LEFT
    right: dict[int, int] = field(default_factory=dict)
    left: dict[int, int] = field(default_factory=dict)
    additions: int = 0
    deletions: int = 0

    @property
    def patch(self) -> str | None:
        """The hunks without `---`/`+++` headers; GitHub omits the field for binary files."""
        return None if self.binary or not self.patch_lines else "\n".join(self.patch_lines)

    @property
    def changes(self) -> int:
        return self.additions + self.deletions

    def hunk_of(self, side: str, line: int) -> int | None:
        """The hunk a line sits in on that side, or None when the line is outside every hunk."""
        return (self.right if side == "RIGHT" else self.left).get(line)

    def hunk_text(self, hunk: int) -> str:
        """The lines of one hunk, its `@@` header first (a review comment's `diff_hunk`)."""
        starts = [i for i, line in enumerate(self.patch_lines) if line.startswith("@@")]
        if not 0 <= hunk < len(starts):
            return ""
        end = starts[hunk + 1] if hunk + 1 < len(starts) else len(self.patch_lines)
        return "\n".join(self.patch_lines[starts[hunk] : end])

    def line_at_position(self, position: int) -> bool:
        """Whether the legacy `position` (lines below the first `@@`) names a line of the patch."""
        return 0 < position < len(self.patch_lines) and not self.patch_lines[position].startswith("@@")


def _read_header(entry: FileDiff, line: str) -> None:
    if line.startswith("new file mode"):
        entry.status = "added"
    elif line.startswith("deleted file mode"):
        entry.status = "removed"
    elif line.startswith("rename from "):
        entry.status = "renamed"
        entry.previous_filename = line.removeprefix("rename from ")
    elif line.startswith("copy from "):
        entry.status = "copied"
        entry.previous_filename = line.removeprefix("copy from ")
    elif line.startswith(("Binary files ", "GIT binary patch")):
        entry.binary = True
    elif line.startswith("rename to "):
        entry.filename = line.removeprefix("rename to ")
    elif line.startswith("+++ b/"):
        entry.filename = line.removeprefix("+++ b/")  # unambiguous even when the name holds " b/"


def parse_files(diff: str) -> list[FileDiff]:
    """Per-file entries of a `git diff` text, in order."""
    files: list[FileDiff] = []
    entry: FileDiff | None = None
    old = new = hunk = 0
    for line in diff.splitlines():
        started = _FILE_START.match(line)
        if started:
            entry = FileDiff(filename=started.group(2))
            files.append(entry)
            hunk = -1
            continue
        if entry is None:
            continue
        header = _HUNK.match(line)
        if header:
            hunk += 1
            old, new = int(header.group(1)), int(header.group(3))
            entry.patch_lines.append(line)
            continue
        if hunk < 0:
            _read_header(entry, line)
            continue
        entry.patch_lines.append(line)
        if line.startswith("+"):
            entry.right[new] = hunk
            entry.additions += 1
            new += 1
        elif line.startswith("-"):
            entry.left[old] = hunk
            entry.deletions += 1
            old += 1
        elif line.startswith(" ") or line == "":
            entry.right[new] = hunk
            entry.left[old] = hunk
            old += 1
            new += 1
    for found in files:
        if found.status == "modified" and not found.patch_lines and not found.binary:
            found.status = "changed"  # a mode change only
    return files


@dataclass(frozen=True)
class DiffLimits:
    """Past these GitHub answers the diff media type with 406 `too_large` (GitHub.com's documented values)."""

    max_files: int = 300
    max_lines: int = 20_000
    max_bytes: int = 1_000_000


def too_large(diff: str, files: list[FileDiff], limits: DiffLimits) -> str | None:
    """GitHub's message when the diff is over a limit, else None."""
    if len(files) > limits.max_files:
        return (
            f"Sorry, the diff exceeded the maximum number of files ({limits.max_files}). Consider using "
            "'List pull requests files' API or locally cloning the repository instead."
        )
    if diff.count("\n") > limits.max_lines:
        return f"Sorry, the diff exceeded the maximum number of lines ({limits.max_lines})"
    if len(diff.encode()) > limits.max_bytes:
        # GitHub's wording for the size limit was not observed; the status and error code are the contract.
        return f"Sorry, the diff exceeded the maximum size ({limits.max_bytes} bytes)"
    return None
