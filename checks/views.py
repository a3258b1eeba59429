"""What a rule sees: one changed file (`FileView`) or the whole change (`ChangeView`)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar, cast

from checks.diff import FilePatch, FileStatus, LineSet
from checks.finding import Hit, Severity, Side
from checks.languages import comment_start
from checks.lazyre import lazy
from checks.notebook import Notebook, NotebookError, code_source_lines
from checks.paths import Kind, Role, folders_up, kind, roles
from checks.snapshot import Snapshot

if TYPE_CHECKING:
    from checks.defaults import Settings

#: How far a statement is followed past its first line to find its closing bracket.
MAX_STATEMENT_LINES = 25
_OPEN, _CLOSE = "([{", ")]}"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Match:
    """A regex match on one side of a file, with the line it sits on."""

    match: re.Match[str]
    index: int
    number: int
    text: str

    def group(self, name: int | str = 0) -> str:
        return self.match.group(name) or ""


class SideView:
    """The added or removed lines of one file, as the rules scan them."""

    def __init__(
        self, *, path: str, side: Side, lines: LineSet, file_kind: Kind, text: Callable[[], str | None] | None = None
    ) -> None:
        """`text` gives the file's whole text on this side when it is known (read only when a statement needs it)."""
        self.path = path
        self.side = side
        self.lines = lines
        self.kind = file_kind
        self._text = text
        self._memo: dict[str, object] = {}

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Work that several rules share on this side (its comments, say), computed once."""
        if key not in self._memo:
            self._memo[key] = build()
        return cast(T, self._memo[key])

    def __bool__(self) -> bool:
        return len(self.lines) > 0

    def search(self, pattern: re.Pattern[str], *, needles: Sequence[str] = ()) -> Iterator[Match]:
        """Every match of `pattern` (compiled with re.MULTILINE for `^`/`$` per line).

        `needles` are literals of which every match contains at least one: when none occurs in the
        side, the regex never runs. Python's `re` cannot skip ahead on a pattern that starts with an
        alternation or a character class, while `str.__contains__` scans gigabytes a second.
        """
        lines = self.lines
        if needles and not any(n in lines.text for n in needles):
            return
        for m in pattern.finditer(lines.text):
            index = lines.at(m.start())
            yield Match(m, index, lines.number(index), lines.line(index))

    def search_near(self, pattern: re.Pattern[str], literals: Sequence[str], offsets: Sequence[int]) -> Iterator[Match]:
        """The matches `search(pattern)` gives, found from `literals`: each (non-empty) match holds one of them
        at one of `offsets` characters from its start.

        For a pattern that opens with an alternation (`pytest\\.mark\\.skip|@skip\\(`), which sre tries at every
        position: the literals are found at `str.find` speed, and the pattern is tried only where a match could
        start.
        """
        text = self.lines.text
        starts: set[int] = set()
        for literal in literals:
            at = text.find(literal)
            while at != -1:
                starts.update(at - offset for offset in offsets if at >= offset)
                at = text.find(literal, at + 1)
        return self.matches_at(pattern, starts)

    def matches_at(self, pattern: re.Pattern[str], starts: Iterable[int]) -> Iterator[Match]:
        """The matches `search(pattern)` gives, when every (non-empty) match starts at one of `starts`: the pattern
        is tried there only, in order and without overlaps, as `finditer` would."""
        lines = self.lines
        text = lines.text
        end = 0
        for start in sorted(set(starts)):
            if start < end:
                continue
            m = pattern.match(text, start)
            if m is None or m.end() == start:
                continue
            end = m.end()
            index = lines.at(start)
            yield Match(m, index, lines.number(index), lines.line(index))

    def lines_above(self, index: int, limit: int) -> list[str]:
        """Up to `limit` of this side's lines just above its line `index`, as far as they follow one another in the
        file (a line the side does not hold ends them), nearest last."""
        return list(self.lines_upward(index, limit))[::-1]

    def lines_upward(self, index: int, limit: int) -> Iterator[str]:
        """The lines of `lines_above`, nearest first, read only as far as they are asked for."""
        lines = self.lines
        at = index
        while at > 0 and index - at < limit and lines.number(at - 1) == lines.number(at) - 1:
            at -= 1
            yield lines.line(at)

    def in_comment(self, m: Match) -> bool:
        """True when the match starts inside the comment of its line."""
        start = comment_start(m.text, self.kind)
        if start is None:
            return False
        return self.column(m) >= start

    def column(self, m: Match) -> int:
        """Where the match starts within its line."""
        return m.match.start() - self.lines.start(m.index)

    def statement(self, index: int) -> tuple[str, int]:
        """The statement starting on line `index`, read until its brackets close; and its last line number.

        A keyword argument on the next line of a call (`random_state=0`) belongs to the call.
        The side's whole text is used when known (the statement may continue on unchanged lines).
        """
        number = self.lines.number(index)
        following: Iterable[str]
        whole = self.whole_lines
        if whole is not None and 0 < number <= len(whole):
            following = whole[number - 1 : number - 1 + MAX_STATEMENT_LINES]
            first_number = number
        else:
            lines = self.lines
            following = (lines.line(i) for i in range(index, min(len(lines), index + MAX_STATEMENT_LINES)))
            first_number = number
        depth = 0
        parts: list[str] = []
        for offset, text in enumerate(following):
            parts.append(text)
            depth += _bracket_balance(text)
            if depth <= 0:
                return " ".join(parts), first_number + offset
        return " ".join(parts), first_number + len(parts) - 1

    @cached_property
    def whole_lines(self) -> list[str] | None:
        """The file's lines on this side, all of them, when its text is known (see `text` in `__init__`)."""
        text = self._text() if self._text is not None else None
        return text.splitlines() if text is not None else None

    def hit(
        self,
        m: Match,
        message: str,
        *,
        content: str | None = None,
        end_line: int | None = None,
        severity: Severity | None = None,
        anchor: str = "",
        silences: frozenset[str] | None = None,
    ) -> Hit:
        return Hit(
            side=self.side,
            path=self.path,
            line=m.number,
            end_line=end_line,
            content=content if content is not None else m.text,
            message=message,
            severity=severity,
            anchor=anchor,
            context=neighbours(self.lines.text, m.match.start()),
            silences=silences,
        )


def neighbours(text: str, at: int) -> str:
    """The lines of `text` just above and below the one around offset `at`, stripped, one line each: where a debt
    sits, which code moved between files carries along with it (see `Hit.context`)."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    above = text[text.rfind("\n", 0, start - 1) + 1 : start - 1].strip() if start else ""
    if end < 0:
        return f"{above}\n"
    below_end = text.find("\n", end + 1)
    return f"{above}\n{(text[end + 1 :] if below_end < 0 else text[end + 1 : below_end]).strip()}"


def _bracket_balance(text: str) -> int:
    """Opened minus closed brackets outside string literals and comments."""
    depth, quote, i, n = 0, "", 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        i += 1
    return depth


#: How much of a file's start is read for a generator's mark: past a licence header, where generators write it.
HEAD_CHARS = 1_500
#: A generator's mark in a file's first lines (`# Code generated by protoc. DO NOT EDIT.`, `@generated`, a comment
#: that opens with `Generated by Cython 3.0.2`, webpack's `// webpackBootstrap`): the file is generated, whatever its
#: path, and the rules that leave generated code out leave it out.
_GENERATED_MARK = lazy(
    r"(?im)\bdo not edit\b|@generated\b"
    r"|\b(?:this|the) (?:file|module|code) (?:is|was|has been) (?:auto-?|automatically )?generated\b"
    # Opening its line: "Note that ... this autogenerated file." (sphinx-quickstart's conf.py) is a sentence.
    r"|^[ \t]*(?:#+|//+|/\*+|--|;+|[rRuU]?\"\"\"|''')?[ \t]*"
    r"(?:auto-?|automatically )generated (?:file|code|module|by)\b"
    # At its line's start: an indented "# generated by the network ..." goes on with a comment about the code.
    r"|^(?:#+|//+|/\*+|--|;+)[ \t]*generated by\b"
    # A tool's address on a docstring's line (openapi-generator: `Generated by: https://openapi-generator.tech`).
    r"|^[ \t]*generated by:[ \t]*https?://"
    r"|\bto re-?generate (?:this|the) (?:file|code|module)\b"
    # A bundler's runtime, written at the top of what it bundles (webpack 4 and earlier).
    r"|^/\*{3,}/ .*// webpackBootstrap\b"
)


#: A file's leading comments or module docstring saying it is another project's copy (`# taken from
#: https://github.com/...`, `# Copied verbatim from https://...`, a docstring's line `Copied from https://...`, or of
#: its code, `# These classes are copied from Minivision's ... Repo`, with the repository's address elsewhere in the
#: same note, `# Ref: github.com/...`; a docstring's `Copy of x.py from owner/repo (https://...)`; after a `NOTE:` or
#: not): vendored, whatever its path. Only before the file's first line of code, and not in a comment after its
#: docstring: further down, such a note credits one function.
_VENDORED_MARK = lazy(
    r"(?:#+[ \t]*)?(?:note:[ \t]*)?"
    r"(?:th(?:is|ese)[ \t]+(?:file|module|code|class(?:es)?|functions?)[ \t]+(?:is|are|was|were)[ \t]+)?"
    r"(?:(?:taken|copied|vendored)(?:[ \t]+verbatim)?[ \t]+from\b|copy[ \t]+of\b[^\n]*?[ \t]from\b)",
    re.I,
)
#: Words a vendored note holds, "copy of" only opening a line (every licence header says "obtain a copy of").
_VENDORED_WORDS = ("taken from", "copied", "vendored", "\ncopy of", "# copy of", '"copy of')
_REPOSITORY = lazy(r"https?://|\b(?:github|gitlab|bitbucket)\.(?:com|org)/", re.I)
#: How many heads' worth of a module's start is read for a vendored note past licence headers, and how such a head
#: opens: a comment or a docstring.
_LICENCES_READ = 3
_NOTE_OPENERS = ("#", '"""', "'''")
#: A docstring's opening or closing quotes, to read the text on their lines.
_QUOTES = lazy(r"[rRuU]?(?:\"\"\"|''')")


def _says_vendored(head: str) -> bool:
    lowered = head.lower()
    if not any(word in lowered for word in _VENDORED_WORDS):
        return False
    for note in _notes(head):
        lines = [_QUOTES.sub("", line).strip() for line in note.split("\n")]
        if any(_VENDORED_MARK.match(line) for line in lines) and _REPOSITORY.search(note):
            return True
        if note.strip() and not note.lstrip().startswith("#"):
            return False  # past the docstring: a comment further down credits one function
    return False


#: A subpackage's `__init__.py` whose leading docstring or comments say the package is another project's ("This part
#: of tree structures definition was initially borrowed from https://github.com/scikit-learn/..."): every file under
#: it is vendored. Not a top-level package's: a fork that credits its origin is its own project now.
_PACKAGE_VENDORED = lazy(r"\b(?:taken|copied|vendored|borrowed)\b[^.\n]{0,40}?\s+from\s+<?https?://", re.IGNORECASE)
#: Blank and comment lines, or a triple-quoted string (closed, or running past the text read) and the rest of its line:
#: what a module says before its code.
_LEADING_NOTE = lazy(
    r"(?:[ \t]*(?:#[^\n]*)?\n)+|[ \t]*[rRuU]?(?:\"\"\"[\s\S]*?(?:\"\"\"|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z))[^\n]*\n?"
)


def _in_vendored_package(snapshot: Snapshot, path: str) -> bool:
    """Whether a subpackage holding the file says in its `__init__.py`'s leading notes that it is another project's
    copy (known when the review has that module's text)."""
    for folder in folders_up(path):
        if folder.count("/") - folder.startswith("src/") < 2:
            return False  # the top-level package (in `src/` or not), and the root, are the project's own
        text = snapshot.text(f"{folder}__init__.py")
        if text is not None and _PACKAGE_VENDORED.search(_leading_notes(text[:HEAD_CHARS])):
            return True
    return False


def _leading_notes(head: str) -> str:
    """A module's leading comments and docstring."""
    return "".join(_notes(head))


def _notes(head: str) -> Iterator[str]:
    """A module's leading notes, in order: runs of comment and blank lines, and its docstring."""
    at = 0
    while (m := _LEADING_NOTE.match(head, at)) is not None and m.end() > at:
        yield m.group()
        at = m.end()


#: A line this long among a script's or stylesheet's first characters is a minifier's, not a person's: the file is a
#: build's output (`swagger-ui-bundle.js`), whatever its name, and its rules were the sources' to follow.
MINIFIED_LINE = 1_000
_MINIFIED_SCAN = 4 * MINIFIED_LINE
_MINIFIABLE = (".js", ".mjs", ".cjs", ".css")


#: Every mark holds one of these: most files hold none, and the mark is looked for only on the lines that do (sre
#: tries the mark's alternatives at every character; a docstring's "generated images" is no reason to read them all).
_MARK_WORDS = ("generate", "do not edit", "webpackbootstrap")


def _says_generated(head: str) -> bool:
    lowered = head.lower()
    for word in _MARK_WORDS:
        at = lowered.find(word)
        while at != -1:
            start, end = lowered.rfind("\n", 0, at) + 1, lowered.find("\n", at)
            end = len(lowered) if end == -1 else end
            if _GENERATED_MARK.search(head, start, end) is not None:
                return True
            at = lowered.find(word, end)
    return False


#: nbdev's mark names the notebook the module comes from: `# AUTOGENERATED! DO NOT EDIT! File to edit: ../nbs/x.ipynb`
_SOURCE_NAMED = lazy(r"\bFile to edit:[ \t]*(\S+?)\.?[ \t]*$", re.MULTILINE)


def _source_gone(snapshot: Snapshot, path: str, head: str) -> bool:
    """Whether the file the generator's mark names as its source is missing from the repository (known with the
    tree): the project stopped generating the module and edits it by hand now, so it is its source."""
    named = _SOURCE_NAMED.search(head)
    if named is None or snapshot.tree is None:
        return False
    source = posixpath.normpath(posixpath.join(posixpath.dirname(path), named.group(1)))
    return not source.startswith("../") and snapshot.exists(source) is False  # outside the repository: not known


def _may_mark(text: str) -> bool:
    """Whether a generator's or a vendored copy's mark's words are in `text` at all, told at C speed."""
    lowered = text.lower()
    return any(word in lowered for word in (*_MARK_WORDS, *_VENDORED_WORDS))


class FileView:
    """One changed file with everything known about it."""

    def __init__(self, patch: FilePatch, snapshot: Snapshot, config: Settings) -> None:
        self.patch = patch
        self.snapshot = snapshot
        self.config = config
        self.path = patch.path
        self.kind = kind(patch.path)
        # A folder's files may say what the whole folder is: another repository's copy, a site a build wrote.
        self.roles: frozenset[Role] = roles(patch.path) | snapshot.folder_roles(patch.path)
        head = self._head()
        generated = _says_generated(head) and not _source_gone(snapshot, self.path, head)
        if Role.GENERATED not in self.roles and (generated or self._minified()):
            self.roles |= {Role.GENERATED}
        if Role.VENDORED not in self.roles and (
            _says_vendored(head) or self._vendored_past_licences(head) or _in_vendored_package(snapshot, self.path)
        ):
            self.roles |= {Role.VENDORED}

    def _vendored_past_licences(self, head: str) -> bool:
        """Whether a module's leading notes say past its head that it is another project's copy (licence headers
        stacked, the project's over its source's, above a docstring saying "Vendored from https://..."): read only
        when the head opens with a comment or docstring and the words of such a note follow it (known with the
        post-change text)."""
        text = self.text
        if text is None or len(text) <= HEAD_CHARS or not head.lstrip().startswith(_NOTE_OPENERS):
            return False
        more = text[: HEAD_CHARS * _LICENCES_READ]
        # The notes end at the module's first code: one that ended within the head was read with it already.
        return any(word in more[HEAD_CHARS:].lower() for word in _VENDORED_WORDS) and _says_vendored(more)

    def _minified(self) -> bool:
        """Whether a script or stylesheet reads as minified: a line of its start (or of its first hunk, as far as the
        change shows it) runs past MINIFIED_LINE characters."""
        if not self.path.lower().endswith(_MINIFIABLE):
            return False
        text = self.text
        if text is None:
            text = self.patch.hunks[0].body if self.patch.hunks else ""
        return any(len(line) > MINIFIED_LINE for line in text[:_MINIFIED_SCAN].split("\n"))

    def _head(self) -> str:
        """The file's first lines after the change (before it, for a deleted file), as far as the change shows them."""
        text = self.text
        if text is not None:
            return text[:HEAD_CHARS]
        deleted = self.patch.status is FileStatus.REMOVED
        first = self.patch.hunks[0] if self.patch.hunks else None
        if first is None or (first.old_start if deleted else first.new_start) > 1:
            return ""
        body = first.body[: HEAD_CHARS * 2]
        if not _may_mark(body):
            return ""  # most files: told before their lines are split
        shown = ("-", " ") if deleted else ("+", " ")
        return "\n".join(line[1:] for line in body.split("\n") if line[:1] in shown)[:HEAD_CHARS]

    @property
    def status(self) -> FileStatus:
        return self.patch.status

    @property
    def size(self) -> int | None:
        return self.snapshot.size(self.path)

    @property
    def text(self) -> str | None:
        """The post-change text, when the caller supplied it."""
        return None if self.status is FileStatus.REMOVED else self.snapshot.text(self.path)

    @cached_property
    def old_text(self) -> str | None:
        """The file's text before the change: a deleted file's removed lines when its one hunk is the whole of it, a
        changed file's rebuilt once from its post-change text (when known) and the diff; None for a new file, or
        when the two do not agree."""
        if self.status is FileStatus.REMOVED:
            hunks = self.patch.hunks
            whole = len(hunks) == 1 and hunks[0].one_sided and hunks[0].old_start == 1
            return self.removed.lines.text if whole else None
        post = self.text
        return None if post is None or self.status is FileStatus.ADDED else self.patch.old_text(post)

    @cached_property
    def added(self) -> SideView:
        return SideView(
            path=self.path, side=Side.ADDED, lines=self.patch.added, file_kind=self.kind, text=lambda: self.text
        )

    @cached_property
    def removed(self) -> SideView:
        path = self.patch.old_path or self.path
        return SideView(
            path=path, side=Side.REMOVED, lines=self.patch.removed, file_kind=self.kind, text=lambda: self.old_text
        )

    def sides(self) -> tuple[SideView, SideView]:
        """Added then removed: rules report both, and the runner nets them out."""
        return (self.added, self.removed)

    @cached_property
    def notebook(self) -> Notebook | None:
        """The post-change notebook, or None when unknown or unreadable."""
        if self.kind is not Kind.NOTEBOOK or self.text is None:
            return None
        try:
            return Notebook.parse(self.text)
        except NotebookError:
            return None

    @cached_property
    def old_notebook(self) -> Notebook | None:
        """The notebook before the change (see `old_text`), or None when unknown or unreadable."""
        old = self.old_text if self.kind is Kind.NOTEBOOK else None
        try:
            return Notebook.parse(old) if old is not None else None
        except NotebookError:
            return None

    def source_sides(self) -> tuple[SideView, SideView]:
        """For code rules: the file's sides, or for a notebook the code-cell source lines only."""
        if self.kind is not Kind.NOTEBOOK:
            return self.sides()
        return self._notebook_sides

    @cached_property
    def _notebook_sides(self) -> tuple[SideView, SideView]:
        added = code_source_lines(self.patch.added, self.notebook)
        removed = code_source_lines(self.patch.removed, None)
        return (
            SideView(path=self.path, side=Side.ADDED, lines=added, file_kind=Kind.PYTHON),
            SideView(path=self.removed.path, side=Side.REMOVED, lines=removed, file_kind=Kind.PYTHON),
        )

    def file_hit(
        self, side: Side, message: str, *, content: str | None = None, severity: Severity | None = None
    ) -> Hit:
        """A hit about the file itself (no line): its content key defaults to the path."""
        path = self.path if side is Side.ADDED else (self.patch.old_path or self.path)
        return Hit(side=side, path=path, line=None, content=content or path, message=message, severity=severity)


class ChangeView:
    """The whole change: every file's header, the lines of the files the rule keeps, and the tree."""

    def __init__(self, patches: Sequence[FilePatch], snapshot: Snapshot, config: Settings) -> None:
        self.patches = tuple(patches)
        self.snapshot = snapshot
        self.config = config
        self._by_path = {p.path: p for p in self.patches}

    def paths(self) -> frozenset[str]:
        return frozenset(self._by_path)

    def changed(self, path: str) -> bool:
        return path in self._by_path or any(p.old_path == path for p in self.patches)

    def file(self, path: str) -> FileView | None:
        patch = self._by_path.get(path)
        return FileView(patch, self.snapshot, self.config) if patch is not None else None

    def files(self) -> Iterator[FileView]:
        return (FileView(p, self.snapshot, self.config) for p in self.patches)
