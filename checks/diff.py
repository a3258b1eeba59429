"""The change model: a unified diff parsed into frozen, typed objects.

unidiff reads each file's header (paths, modes, binary and new/deleted markers). Hunk bodies are
read here with C-speed string operations instead of unidiff's per-line objects, which cost about
1 s and 270 MB on a 400,000-line release diff; each side of a file is kept as one text that rules
scan with compiled regexes, and line numbers are worked out only for the lines that match.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property, partial
from itertools import accumulate, pairwise, repeat
from operator import add
from typing import TYPE_CHECKING

from unidiff.constants import DEV_NULL, RE_DIFF_GIT_HEADER, RE_HUNK_HEADER, SUBMODULE_FILE_MODE
from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from checks.lazyre import lazy

if TYPE_CHECKING:
    from mmap import mmap

__all__ = [
    "Diff",
    "DiffError",
    "FilePatch",
    "FileStatus",
    "Hunk",
    "Line",
    "LineSet",
    "iter_file_patches",
    "parse_diff",
    "parse_github_files",
    "split_points",
]

_PLAIN_HEADER = lazy(r"^--- [^\n]*\n\+\+\+ ", re.MULTILINE)
_ADDED = lazy(r"^\+([^\n]*)", re.MULTILINE)
_REMOVED = lazy(r"^-([^\n]*)", re.MULTILINE)
_DIFF_TIME = lazy(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.\d+)? ([+-]\d{4})$")
# git's C-style quoting of a name: one escape at a time, so `\\n` (a backslash, then n) stays two characters.
_C_ESCAPE = re.compile(rb'\\([0-3][0-7]{2}|[abtnvfr"\\])')
_C_LETTERS = {b"a": b"\a", b"b": b"\b", b"t": b"\t", b"n": b"\n", b"v": b"\v", b"f": b"\f", b"r": b"\r"}
# Lines git may print after the last hunk of a file: the format-patch signature and blank lines.
_TRAILER_LINE = lazy(r"^(?:|-- ?|\d+(?:\.\d+)+.*|\\ .*)$")
# What `diff -r` prints between the files of a plain diff: the command line and its notes.
_PLAIN_NOISE = lazy(r"^(?:diff |Only in |Common subdirectories: |Binary files |Files |File )")
# Lines of git's extended header: a section with none of them (and no hunk) was cut short.
_GIT_HEADER_LINES = (
    "index ",
    "old mode ",
    "new mode ",
    "new file mode ",
    "deleted file mode ",
    "similarity index ",
    "dissimilarity index ",
    "rename from ",
    "copy from ",
    "Binary files ",
    "GIT binary patch",
)
#: How much of a diff given as bytes is decoded at a time.
DECODE_PIECE_BYTES = 1024 * 1024
#: A plain diff's `--- `/`+++ ` pair may also be a removed `-- x` line followed by an added `++ y`
#: line; that many such pairs are tried as hunk lines before a short hunk is reported.
_MAX_PLAIN_MERGES = 8


class DiffError(ValueError):
    """A diff that cannot be read; `line` is the 1-based line of the diff where reading failed."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        self.reason = message
        super().__init__(f"line {line}: {message}" if line is not None else message)


class _ShortHunkError(DiffError):
    """A hunk that ends before its header's counts are reached."""


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"
    COPIED = "copied"


@dataclass(frozen=True, slots=True)
class Line:
    """One added line (numbered in the new file) or removed line (numbered in the old file)."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Hunk:
    """One `@@` block. `body` is its raw lines, each with its `+`, `-` or ` ` prefix.

    `one_sided`: reading the diff found that every line of `body` carries the prefix of the one side the
    header counts (a new or deleted file's hunk, without a `\\ No newline` marker).
    """

    old_start: int
    old_length: int
    new_start: int
    new_length: int
    body: str = field(repr=False)
    one_sided: bool = field(default=False, repr=False)

    def contains_new_line(self, number: int) -> bool:
        """True when `number` is an added or context line of this hunk (a valid review anchor)."""
        return self.new_start <= number < self.new_start + self.new_length

    def numbered(self, prefix: str) -> list[int]:
        """Line numbers of the lines with `prefix` (`+` in the new file, `-` in the old one)."""
        number = self.new_start if prefix == "+" else self.old_start
        other = "-" if prefix == "+" else "+"
        numbers: list[int] = []
        for raw in self.body.split("\n"):
            kind = raw[:1]
            if kind == prefix:
                numbers.append(number)
                number += 1
            elif kind not in (other, "\\"):
                number += 1
        return numbers

    def removed_in_new(self) -> list[tuple[int, str]]:
        """Each removed line's text with the new-file line it stands before (where it was, in new numbers)."""
        # A `+5,0` header places nothing at line 5: what it removes stood before new line 6.
        number = self.new_start if self.new_length else self.new_start + 1
        found: list[tuple[int, str]] = []
        for raw in self.body.split("\n"):
            kind = raw[:1]
            if kind == "-":
                found.append((number, raw[1:]))
            elif kind != "\\":
                number += 1
        return found


def line_offsets(lines: Sequence[str]) -> list[int]:
    """Where each of `lines` starts in the lines joined with newlines."""
    # Each start is the lengths (plus newlines) of the lines before it, summed in C.
    return list(accumulate(map(add, map(len, lines[:-1]), repeat(1)), initial=0)) if lines else []


class LineSet(Sequence[Line]):
    """The added (or removed) lines of one file as a single text, for fast regex scans.

    `text` holds the lines joined with newlines; `at(offset)` turns a match position into the
    line's index, `line(index)` gives that line's text, and indexing gives the numbered `Line`.
    Lists over every line (`texts()`, line starts, numbers) are built only when asked for: on a
    release diff most lines are never looked at one by one.
    """

    def __init__(self, texts: list[str], numbers: Callable[[], list[int]]) -> None:
        self._texts: list[str] | None = texts
        self._count = len(texts)
        self._number_source = numbers
        self._number_at: Callable[[int], int] | None = None
        self.text = "\n".join(texts)
        self._start_cursor()

    @classmethod
    def joined(
        cls, text: str, count: int, numbers: Callable[[], list[int]], number_at: Callable[[int], int]
    ) -> LineSet:
        """`count` lines already joined in `text`; `number_at(index)` numbers one line without listing all."""
        made = cls.__new__(cls)
        made._texts = None
        made._count = count
        made._number_source = numbers
        made._number_at = number_at
        made.text = text
        made._start_cursor()
        return made

    @classmethod
    def of(cls, lines: Iterable[Line]) -> LineSet:
        """A line set from numbered lines (a notebook's cell sources, say)."""
        listed = list(lines)
        return cls([line.text for line in listed], lambda: [line.number for line in listed])

    def _start_cursor(self) -> None:
        # `at` counts newlines from the line it found last: matches come in order, so a whole scan
        # costs one `str.count` pass. The starts of the lines found are kept for `start`.
        self._cursor = (0, 0)
        self._counted = 0
        self._known_starts: dict[int, int] = {0: 0} if self._count else {}
        self._starts: list[int] | None = None
        self._numbers: list[int] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> Line:  # type: ignore[override]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("line index out of range")
        return Line(self.number(index), self.line(index))

    def __iter__(self) -> Iterator[Line]:
        return (Line(n, t) for n, t in zip(self._all_numbers(), self.texts(), strict=True))

    def at(self, offset: int) -> int:
        """Index of the line that contains character `offset` of `text`."""
        if self._starts is not None:
            return bisect.bisect_right(self._starts, offset) - 1
        text = self.text
        index, start = self._cursor
        if offset >= start:
            moved = text.count("\n", start, offset)
            self._counted += offset - start
            if moved:
                index += moved
                start = text.rfind("\n", start, offset) + 1
        else:
            index = text.count("\n", 0, offset)
            start = text.rfind("\n", 0, offset) + 1
            self._counted += 2 * offset
        self._cursor = (index, start)
        self._known_starts[index] = start
        if self._counted > 4 * len(text) + 65536:  # random access: bisect over every line's start instead
            self._all_starts()
        return index

    def start(self, index: int) -> int:
        """Offset in `text` where line `index` starts."""
        if self._starts is None and index >= 0:
            known = self._known_starts
            found = known.get(index)
            if found is not None:
                return found
            if index < self._count:
                before = known.get(index - 1)
                if before is not None:  # the line after one already found
                    found = known[index] = self.text.find("\n", before) + 1
                    return found
                after = known.get(index + 1)
                if after is not None:  # the line before one already found
                    found = known[index] = self.text.rfind("\n", 0, after - 1) + 1
                    return found
        return self._all_starts()[index]

    def line(self, index: int) -> str:
        """The text of line `index`."""
        if self._texts is not None:
            return self._texts[index]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("line index out of range")
        start = self.start(index)
        end = self.text.find("\n", start)
        return self.text[start:] if end == -1 else self.text[start:end]

    def number(self, index: int) -> int:
        if self._numbers is None and self._number_at is not None:
            if index < 0:
                index += self._count
            if not 0 <= index < self._count:
                raise IndexError("line index out of range")
            return self._number_at(index)
        return self._all_numbers()[index]

    def numbers(self) -> list[int]:
        """Every line's number, in order."""
        return self._all_numbers()

    def texts(self) -> list[str]:
        if self._texts is None:
            self._texts = self.text.split("\n") if self._count else []
        return self._texts

    def _all_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = line_offsets(self.texts())
        return self._starts

    def _all_numbers(self) -> list[int]:
        if self._numbers is None:
            self._numbers = self._number_source()
        return self._numbers


class _HunkNumbers:
    """Numbers the lines of one side of a diff from its hunks, one hunk at a time.

    A hunk with only this side's lines (a new file's only hunk, say) numbers its lines by arithmetic;
    the others are numbered line by line when one of their lines is first asked for.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.firsts: list[int] = []  # index (in the side) of each hunk's first line
        self.hunks: list[tuple[Hunk, bool]] = []  # (hunk, holds only this side's lines)
        self._listed: dict[int, list[int]] = {}

    def add(self, first: int, hunk: Hunk, *, pure: bool) -> None:
        self.firsts.append(first)
        self.hunks.append((hunk, pure))

    def __call__(self, index: int) -> int:
        at = bisect.bisect_right(self.firsts, index) - 1
        hunk, pure = self.hunks[at]
        offset = index - self.firsts[at]
        if pure:
            return (hunk.new_start if self.prefix == "+" else hunk.old_start) + offset
        listed = self._listed.get(at)
        if listed is None:
            listed = self._listed[at] = hunk.numbered(self.prefix)
        return listed[offset]

    def every(self) -> list[int]:
        numbers: list[int] = []
        for hunk, pure in self.hunks:
            if pure:  # every line of the hunk is one of this side's, as many as its header counts
                added = self.prefix == "+"
                first = hunk.new_start if added else hunk.old_start
                numbers.extend(range(first, first + (hunk.new_length if added else hunk.old_length)))
            else:
                numbers.extend(hunk.numbered(self.prefix))
        return numbers


def _side_lines(hunks: Sequence[Hunk], prefix: str, pattern: re.Pattern[str]) -> LineSet:
    """The lines of one side (`+` or `-`) of the hunks, joined into one text."""
    parts: list[str] = []
    numbers = _HunkNumbers(prefix)
    count = 0
    for hunk in hunks:
        text, lines, pure = _hunk_side(hunk, prefix, pattern)
        if lines:
            numbers.add(count, hunk, pure=pure)
            parts.append(text)
            count += lines
    return LineSet.joined("\n".join(parts), count, numbers.every, numbers)


def _hunk_side(hunk: Hunk, prefix: str, pattern: re.Pattern[str]) -> tuple[str, int, bool]:
    """One hunk's lines of a side: their joined text, how many, and whether the hunk holds nothing else."""
    body = hunk.body
    own_length = hunk.new_length if prefix == "+" else hunk.old_length
    if own_length == 0:
        return "", 0, False  # the header counts none of this side's lines (the removed side of a new file)
    if hunk.one_sided and "\r" not in body:
        # Every line carries the prefix (a new file, checked when the diff was read): drop them in one C pass.
        return body[1:].replace("\n" + prefix, "\n"), own_length, True
    if not body.startswith(prefix) and "\n" + prefix not in body:
        return "", 0, False  # none of this side's lines (the removed side of a new file): no regex pass
    found = pattern.findall(body)
    if "\r" in body:
        found = [t.removesuffix("\r") for t in found]
    return "\n".join(found), len(found), False


@dataclass(frozen=True)
class FilePatch:
    """One file of a diff. `path` is the new path (the old one for a removed file)."""

    path: str
    status: FileStatus
    old_path: str | None = None
    is_binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    hunks: tuple[Hunk, ...] = ()
    #: GitHub's files API omits the patch of binary and very large files: the lines are unknown.
    patch_missing: bool = False

    @property
    def is_submodule(self) -> bool:
        return SUBMODULE_FILE_MODE in (self.old_mode, self.new_mode)

    @property
    def mode_changed(self) -> bool:
        return None not in (self.old_mode, self.new_mode) and self.old_mode != self.new_mode

    @cached_property
    def added(self) -> LineSet:
        return _side_lines(self.hunks, "+", _ADDED)

    @cached_property
    def removed(self) -> LineSet:
        return _side_lines(self.hunks, "-", _REMOVED)

    def __getstate__(self) -> dict[str, object]:
        # The cached line sets are views of the hunks, rebuilt on demand: never pickled.
        return {k: v for k, v in self.__dict__.items() if k not in ("added", "removed")}

    def anchors(self, number: int) -> bool:
        """True when a review comment may be placed on new line `number` (inside a hunk)."""
        return any(h.contains_new_line(number) for h in self.hunks)

    def replaced(self, number: int, added: Collection[int]) -> list[str]:
        """The removed lines that the block of added lines holding new line `number` took the place of (`added`:
        the added lines' numbers). A diff lists a block's removed lines before its added ones, so they all stand
        before the block's first line."""
        first = number
        while first - 1 in added:
            first -= 1
        return [text for hunk in self.hunks for at, text in hunk.removed_in_new() if at == first]

    def stood_before(self) -> dict[int, int]:
        """Each removed line's old number, with the new line it stood before (see `Hunk.removed_in_new`)."""
        return {
            old: new
            for hunk in self.hunks
            for old, (new, _) in zip(hunk.numbered("-"), hunk.removed_in_new(), strict=True)
        }

    def old_text(self, post: str) -> str | None:
        """The file before the change, rebuilt from its post-change text `post` and the hunks; None when they do
        not agree (a context or added line differs from `post`, or the counts are off)."""
        new_lines = post.split("\n")
        if not new_lines[-1]:
            new_lines.pop()  # what follows the last newline: nothing, or a last line without one
        old: list[str] = []
        copied = 0  # new lines before this index are accounted for
        old_unended = False  # `\ No newline at end of file` after a line the old file has
        for hunk in self.hunks:
            start = hunk.new_start - 1 if hunk.new_length else hunk.new_start  # `+5,0`: nothing at line 5
            if start < copied:
                return None
            old.extend(new_lines[copied:start])
            at, before = start, len(old)
            kind = ""
            for raw in hunk.body.split("\n"):
                kind, text, previous = raw[:1], raw[1:], kind
                if kind == "\\":
                    old_unended = old_unended or previous != "+"
                    continue
                if kind != "-":  # context (a blank one may have lost its space) or added: in the post text
                    if at >= len(new_lines) or new_lines[at] != text:
                        return None
                    at += 1
                if kind != "+":
                    old.append(text)
            if at - start != hunk.new_length or len(old) - before != hunk.old_length:
                return None
            copied = at
        tail = new_lines[copied:]
        old.extend(tail)
        # The old file's last line ends as the post-change one when it is in the unchanged tail, else as its hunk says.
        unended = not post.endswith("\n") if tail else old_unended
        return "\n".join(old) + ("" if unended or not old else "\n")


@dataclass(frozen=True)
class Diff:
    files: tuple[FilePatch, ...] = ()

    def __iter__(self) -> Iterator[FilePatch]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def paths(self) -> frozenset[str]:
        return frozenset(f.path for f in self.files)

    def get(self, path: str) -> FilePatch | None:
        return next((f for f in self.files if f.path == path), None)


def parse_diff(data: str | bytes) -> Diff:
    """Parse a unified diff (git or plain). Raises `DiffError` naming the line it cannot read."""
    return Diff(tuple(iter_file_patches(data)))


def iter_file_patches(data: str | bytes) -> Iterator[FilePatch]:
    """Yield the files of a diff one at a time, so a huge diff need not be held parsed at once.

    A large git diff given as bytes is decoded a piece at a time: one emoji would make the whole diff
    decode to four bytes a character.
    """
    if isinstance(data, bytes):
        points = split_points(data, DECODE_PIECE_BYTES)
        if len(points) > 1:
            yield from _pieces(data, points)
            return
    yield from _text_patches(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)


def _text_patches(text: str) -> Iterator[FilePatch]:
    if not text or text.isspace():  # not `strip()`: that copies the whole diff
        return
    starts = _line_starts(text, "diff --git ")
    if not starts:
        yield from _plain_sections(text, [m.start() for m in _PLAIN_HEADER.finditer(text)])
        return
    # Text before the first header (a commit message from `git format-patch`) is a preamble.
    starts.append(len(text))
    for begin, end in pairwise(starts):
        yield _parse_section(text, begin, end, plain=False)


def _pieces(data: bytes, points: list[int]) -> Iterator[FilePatch]:
    """The files of the pieces of a git diff cut at `points`; errors name lines of the whole diff."""
    for start, stop in pairwise([*points, len(data)]):
        try:
            yield from _text_patches(data[start:stop].decode("utf-8", "replace"))
        except DiffError as exc:
            if exc.line is None:
                raise
            raise type(exc)(exc.reason, line=exc.line + data.count(b"\n", 0, start)) from exc.__cause__


def split_points(data: bytes | mmap, piece_bytes: int) -> list[int]:
    """Where to cut a git diff into pieces of about `piece_bytes` (or more) made of whole files.

    The first offset is 0 (the first piece keeps any preamble); every other one starts a `diff --git`
    line. Reading the pieces one after another with `iter_file_patches` gives the files of the whole
    diff, though a malformed piece reports lines counted from its own start. A plain diff (no
    `diff --git` line) is one piece: its file boundaries are not certain before it is parsed. `data` may be
    a file mapped in memory (which has no `startswith`).
    """
    needle = b"\ndiff --git "
    first = 0 if data[: len(needle) - 1] == needle[1:] else data.find(needle)
    if first == -1:
        return [0]
    points = [0]
    at = data.find(needle, max(first + 1, piece_bytes - 1))  # the first piece holds the first file
    while at != -1:
        points.append(at + 1)
        at = data.find(needle, at + max(piece_bytes, 1))
    return points


def _plain_sections(text: str, starts: list[int]) -> Iterator[FilePatch]:
    """The files of a plain `diff -u` (no `diff --git` lines), split at their `---`/`+++` headers."""
    if not starts:
        first = text.lstrip("\n").split("\n", 1)[0]
        raise DiffError(f"expected a diff header ('diff --git' or '---'), got {first[:80]!r}", line=1)
    starts.append(len(text))
    i = 0
    while i < len(starts) - 1:
        patch, i = _plain_file(text, starts, i)
        yield patch


def _plain_file(text: str, starts: list[int], i: int) -> tuple[FilePatch, int]:
    """The file whose header is at `starts[i]`, and the index of the next file's header."""
    try:
        return _parse_section(text, starts[i], starts[i + 1], plain=True), i + 1
    except _ShortHunkError as short:
        # Perhaps the next "header" is a `-- x` / `++ y` line pair of this hunk: read on through it.
        for j in range(i + 2, min(len(starts), i + 2 + _MAX_PLAIN_MERGES)):
            try:
                return _parse_section(text, starts[i], starts[j], plain=True), j
            except _ShortHunkError:
                continue
            except DiffError:
                break
        raise short


def _next_line_start(text: str, prefix: str, start: int, end: int) -> int:
    """Offset of the first line of `text[start:end]` that begins with `prefix`, or -1."""
    if text.startswith(prefix, start, end):
        return start
    at = text.find("\n" + prefix, start, end)
    return at if at == -1 else at + 1


def _line_starts(text: str, prefix: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets of the lines of `text[start:end]` that begin with `prefix`; str.find beats re here."""
    stop = len(text) if end is None else end
    found = [start] if text.startswith(prefix, start, stop) else []
    needle = "\n" + prefix
    at = text.find(needle, start, stop)
    while at != -1:
        found.append(at + 1)
        at = text.find(needle, at + 1, stop)
    return found


def _parse_section(text: str, begin: int, end: int, *, plain: bool) -> FilePatch:
    """The file whose lines are `text[begin:end]` (offsets into the whole diff, for error lines)."""
    first_hunk = _next_line_start(text, "@@ ", begin, end)
    header = text[begin:first_hunk] if first_hunk != -1 else text[begin:end]
    if "\r" in header:  # a diff saved with CRLF line ends
        header = header.replace("\r\n", "\n")
    info = _read_header(header, text, begin, plain=plain)
    if info.is_binary:
        return info
    if first_hunk == -1:
        _check_hunkless(header, plain=plain, line=_line_of(text, begin))
        return info
    hunks = _read_hunks(text, first_hunk, end, plain=plain)
    return FilePatch(
        path=info.path,
        status=info.status,
        old_path=info.old_path,
        old_mode=info.old_mode,
        new_mode=info.new_mode,
        hunks=hunks,
    )


def _check_hunkless(header: str, *, plain: bool, line: int) -> None:
    """A file without hunks is a rename, a mode change, an empty file...; anything else was cut short."""
    lines = header.split("\n")
    if plain or any(raw.startswith(("--- ", "+++ ")) for raw in lines):
        raise DiffError("file header is not followed by any hunk (truncated diff?)", line=line)
    if not any(raw.startswith(_GIT_HEADER_LINES) for raw in lines[1:]):
        raise DiffError("'diff --git' line is not followed by what changed (truncated diff?)", line=line)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read_header(header: str, text: str, begin: int, *, plain: bool) -> FilePatch:
    lines = header.split("\n")
    names = None if plain else _git_line_names(lines)
    given = _placeholder_names(lines) if names else header
    try:
        patch = PatchSet(given if given.endswith("\n") else given + "\n")
    except UnidiffParseError as exc:
        # unidiff quotes the whole line it could not read: keep the message short whatever the line's length.
        shown = str(exc).strip()
        shown = shown if len(shown) <= 120 else shown[:117] + "..."
        raise DiffError(f"unreadable file header: {shown}", line=_line_of(text, begin)) from exc
    if len(patch) != 1:
        raise DiffError("expected one file header", line=_line_of(text, begin))
    pf = patch[0]
    renamed_from = _after(lines, "rename from ")
    renamed_to = _after(lines, "rename to ")
    copied_from = _after(lines, "copy from ")
    copied_to = _after(lines, "copy to ")
    source = _strip_prefix(_unquote(names[0] if names and pf.source_file != DEV_NULL else pf.source_file))
    target = _strip_prefix(_unquote(names[1] if names and pf.target_file != DEV_NULL else pf.target_file))
    is_binary = pf.is_binary_file or "GIT binary patch" in lines
    if plain:
        # A plain diff has no renames (its two names are two copies of one file); `diff -N` dates
        # the missing side of a new or deleted file at the epoch.
        if pf.source_file == DEV_NULL or _is_epoch(pf.source_timestamp):
            status, path, old_path = FileStatus.ADDED, target, None
        elif pf.target_file == DEV_NULL or _is_epoch(pf.target_timestamp):
            status, path, old_path = FileStatus.REMOVED, source, None
        else:
            status, path, old_path = FileStatus.MODIFIED, target, None
    elif pf.source_file == DEV_NULL:
        status, path, old_path = FileStatus.ADDED, target, None
    elif pf.target_file == DEV_NULL:
        status, path, old_path = FileStatus.REMOVED, source, None
    elif copied_from is not None:
        status, path, old_path = FileStatus.COPIED, copied_to or target, copied_from
    elif renamed_from is not None or source != target:
        status, path, old_path = FileStatus.RENAMED, renamed_to or target, renamed_from or source
    else:
        status, path, old_path = FileStatus.MODIFIED, target, None
    return FilePatch(
        path=path,
        status=status,
        old_path=old_path,
        is_binary=is_binary,
        old_mode=pf.source_mode,
        new_mode=pf.target_mode,
    )


def _git_line_names(lines: list[str]) -> tuple[str, str] | None:
    """The two names of a `diff --git` line when unidiff would cut it in the wrong place; None otherwise.

    unidiff splits the line at its last ` b/`, so a name holding ` b/` (a folder `plan b/`) comes out wrong;
    git quotes each name on its own, and leaves such a name unquoted. Cut after a quoted first name, before a
    quoted second one, where the `+++`, `rename to` or `copy to` name starts, or into two equal names.
    """
    rest = lines[0].removeprefix("diff --git ").rstrip("\r")
    found = _split_git_names(rest, lines)
    given = RE_DIFF_GIT_HEADER.match(lines[0].rstrip("\r"))
    if found is None or (given is not None and (given["source"], given["target"]) == found):
        return None
    return found


def _split_git_names(rest: str, lines: list[str]) -> tuple[str, str] | None:
    if rest.startswith('"'):
        i = 1
        while i < len(rest) and rest[i] != '"':
            i += 2 if rest[i] == "\\" else 1
        return (rest[: i + 1], rest[i + 2 :]) if rest[i + 1 : i + 2] == " " else None
    if rest.endswith('"'):
        at = rest.find(' "b/')  # an unquoted name holds no quote
        return (rest[:at], rest[at + 1 :]) if at > 0 else None
    if not rest.startswith("a/"):
        return None
    targets = [line[4:].split("\t", 1)[0] for line in lines if line.startswith("+++ b/")]
    targets += ["b/" + line.split(" ", 2)[2] for line in lines if line.startswith(("rename to ", "copy to "))]
    for target in targets:
        if rest.endswith(" " + target):
            return rest[: -len(target) - 1], target
    half = (len(rest) - 1) // 2
    if len(rest) % 2 and rest[half : half + 3] == " b/" and rest[2:half] == rest[half + 3 :]:
        return rest[:half], rest[half + 1 :]
    return None


def _placeholder_names(lines: list[str]) -> str:
    """The header with its `diff --git`, `---` and `+++` names replaced by one unidiff cannot split wrongly."""
    out = ["diff --git a/_ b/_"]
    for line in lines[1:]:
        prefix = line[:6]
        if prefix in ("--- a/", "+++ b/"):
            tab = line.find("\t")
            out.append(prefix + "_" + ("" if tab == -1 else line[tab:]))
        else:
            out.append(line)
    return "\n".join(out)


def _is_epoch(stamp: str | None) -> bool:
    """True for `1970-01-01 00:00:00.000000000 +0000` (or the same instant in another zone)."""
    found = _DIFF_TIME.match(stamp.strip()) if stamp else None
    if found is None:
        return False
    try:
        moment = datetime.strptime(f"{found[1]} {found[2]}", "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return False
    return moment.timestamp() == 0


def _after(lines: Iterable[str], prefix: str) -> str | None:
    for line in lines:
        if line.startswith(prefix):
            return _unquote(line[len(prefix) :].rstrip("\r"))
    return None


def _unquote(name: str) -> str:
    """Undo git's C-style quoting of unusual file names ("caf\\303\\251.txt")."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("utf-8", "surrogateescape")
    return _C_ESCAPE.sub(_c_unescape, raw).decode("utf-8", "replace")


def _c_unescape(found: re.Match[bytes]) -> bytes:
    code = found[1]
    if len(code) == 3:
        return bytes([int(code, 8)])
    return _C_LETTERS.get(code, code)  # `\"` and `\\` stand for themselves


def _strip_prefix(name: str) -> str:
    if name == DEV_NULL:
        return name
    return name[2:] if len(name) > 2 and name[1] == "/" and name[0] in "abciow12" else name


def _read_hunks(text: str, first: int, end: int, *, plain: bool) -> tuple[Hunk, ...]:
    """The hunks from the `@@` line at `first` to `end`, each found after the one before it."""
    hunks: list[Hunk] = []
    start = first
    while start != -1:
        newline = text.find("\n", start, end)
        header_end = end if newline == -1 else newline
        header = text[start:header_end].rstrip("\r")
        match = RE_HUNK_HEADER.match(header)
        if match is None:
            raise DiffError(f"malformed hunk header {header[:80]!r}", line=_line_of(text, start))
        # An omitted length means one line ("@@ -3 +3 @@").
        old_start, new_start = int(match.group(1)), int(match.group(3))
        old_len = int(match.group(2)) if match.group(2) is not None else 1
        new_len = int(match.group(4)) if match.group(4) is not None else 1
        if newline == -1:
            body, following = "", -1
        else:
            # A new (or deleted) file's hunk is the whole file, and usually the rest of its section: when its
            # counts say so, no pass looks for a next `@@` line through it.
            if not hunks and 0 in (old_start + old_len, new_start + new_len):
                rest = _without_trailing_newlines(text, newline + 1, end)
                if _one_sided(rest, old_len, new_len):
                    hunks.append(Hunk(old_start, old_len, new_start, new_len, rest, one_sided=True))
                    break
            following = _next_line_start(text, "@@ ", newline + 1, end)
            body = _without_trailing_newlines(text, newline + 1, end if following == -1 else following)
        body, one_sided = _checked_body(
            body,
            old_len,
            new_len,
            at_end=following == -1,
            plain=plain,
            first_line=partial(_line_of, text, header_end + 1),
        )
        hunks.append(Hunk(old_start, old_len, new_start, new_len, body, one_sided))
        start = following
    return tuple(hunks)


def _without_trailing_newlines(text: str, start: int, stop: int) -> str:
    while stop > start and text[stop - 1] == "\n":  # one slice, without trailing newlines
        stop -= 1
    return text[start:stop]


def _one_sided(body: str, old_len: int, new_len: int) -> bool:
    """Whether `body` (no trailing newline) is a hunk of only one side's lines, as many as the header counts."""
    if not body or (old_len and new_len):
        return False
    prefix = "+" if old_len == 0 else "-"
    n_lines = body.count("\n") + 1
    return n_lines == old_len + new_len and body.startswith(prefix) and body.count("\n" + prefix) + 1 == n_lines


def _checked_body(
    body: str, old_len: int, new_len: int, *, at_end: bool, plain: bool, first_line: Callable[[], int]
) -> tuple[str, bool]:
    """Verify the hunk's line counts (`body` has no trailing newline); return it without trailing non-hunk lines,
    and whether every line of it carries the prefix of the one side its header counts (see `Hunk.one_sided`)."""
    if _one_sided(body, old_len, new_len):  # a new or deleted file, say: every line carries that side's prefix
        return body, True
    if body:
        n_lines = body.count("\n") + 1
        added = body.count("\n+") + body.startswith("+")
        removed = body.count("\n-") + body.startswith("-")
        marker = body.count("\n\\") + body.startswith("\\")
        context = body.count("\n ") + body.startswith(" ")
        if (
            added + removed + marker + context == n_lines
            and added + context == new_len
            and removed + context == old_len
        ):
            return body, False
    walked = _walk_body(body, old_len, new_len, at_end=at_end, plain=plain, first_line=first_line)
    return walked, _one_sided(walked, old_len, new_len)  # one-sided once trailing lines are trimmed off, say


def _walk_body(
    body: str, old_len: int, new_len: int, *, at_end: bool, plain: bool, first_line: Callable[[], int]
) -> str:
    """The slow, exact reading of a hunk body; used only when the fast counts disagree."""
    old = new = 0
    lines = body.split("\n") if body else []
    kept = 0
    for index, raw in enumerate(lines):
        if old == old_len and new == new_len:
            if raw.startswith("\\"):
                kept = index + 1
                continue
            rest = lines[index:]
            if at_end and all(_is_trailer(r.rstrip("\r"), plain=plain) for r in rest):
                return "\n".join(lines[:kept])
            raise DiffError(
                f"hunk is longer than its header says (expected -{old_len} +{new_len})",
                line=first_line() + index,
            )
        kind = raw[:1]
        if kind == "+":
            new += 1
        elif kind == "-":
            old += 1
        elif kind in (" ", "", "\r"):
            old += 1
            new += 1
        elif kind != "\\":
            raise DiffError(
                f"expected a hunk line starting with '+', '-' or ' ', got {raw[:80]!r}", line=first_line() + index
            )
        if old > old_len or new > new_len:
            raise DiffError(
                f"hunk is longer than its header says (expected -{old_len} +{new_len})",
                line=first_line() + index,
            )
        kept = index + 1
    if old != old_len or new != new_len:
        raise _ShortHunkError(
            f"hunk is shorter than its header says (expected -{old_len} +{new_len}, got -{old} +{new})",
            line=first_line() + len(lines),
        )
    return "\n".join(lines[:kept])


def _is_trailer(line: str, *, plain: bool) -> bool:
    return _TRAILER_LINE.match(line) is not None or (plain and _PLAIN_NOISE.match(line) is not None)


def parse_github_files(entries: Iterable[Mapping[str, object]]) -> Diff:
    """Build a diff from GitHub's "list pull request files" entries.

    Their `patch` has hunks but no `---`/`+++` header, and is absent for binary and very large files.
    """
    files: list[FilePatch] = []
    for entry in entries:
        name = entry.get("filename")
        if not isinstance(name, str) or not name:
            raise DiffError(f"files entry without a filename: {sorted(entry)[:10]}")
        previous = entry.get("previous_filename")
        status = _GITHUB_STATUS.get(str(entry.get("status", "modified")), FileStatus.MODIFIED)
        patch = entry.get("patch")
        old_path = str(previous) if previous and status in (FileStatus.RENAMED, FileStatus.COPIED) else None
        if not isinstance(patch, str) or not patch.strip():
            files.append(FilePatch(path=name, status=status, old_path=old_path, patch_missing=True))
            continue
        source = "/dev/null" if status is FileStatus.ADDED else f"a/{old_path or name}"
        target = "/dev/null" if status is FileStatus.REMOVED else f"b/{name}"
        section = f"--- {source}\n+++ {target}\n{patch}\n"
        try:
            # One file: read as one section, so a `-- x`/`++ y` line pair is never taken for a header.
            parsed = _parse_section(section, 0, len(section), plain=True)
        except DiffError as exc:
            raise DiffError(f"{name}: {exc}") from exc
        files.append(FilePatch(path=name, status=status, old_path=old_path, hunks=parsed.hunks))
    return Diff(tuple(files))


_GITHUB_STATUS = {
    "added": FileStatus.ADDED,
    "removed": FileStatus.REMOVED,
    "modified": FileStatus.MODIFIED,
    "changed": FileStatus.MODIFIED,
    "unchanged": FileStatus.MODIFIED,
    "renamed": FileStatus.RENAMED,
    "copied": FileStatus.COPIED,
}
