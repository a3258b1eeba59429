"""What the dependency rules share: reading requirement lines, naming dependency files, and a file's context."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checks.diff import Line, LineSet
from checks.finding import Side
from checks.lazyre import lazy
from checks.views import FileView, SideView

if TYPE_CHECKING:
    import configparser

#: pip's name normalization (PEP 503): case, `-`, `_` and `.` do not tell names apart.
_SEPARATORS = lazy(r"[-_.]+")
_NAME_AND_REST = lazy(r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)")
#: A requirement line's comment starts at `#` at the start of the line or after whitespace (pip's rule).
_COMMENT = lazy(r"(?:^|\s)#.*")
#: Per-requirement options pip accepts after the specifier (`--hash=...`, `--config-settings ...`).
_TRAILING_OPTIONS = lazy(r"\s--?[A-Za-z].*$")
_FILE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".egg")

#: Requirements files kept in a `requirements/` folder (`requirements/prod.txt`), which `paths.kind` calls OTHER.
REQUIREMENTS_FOLDER = lazy(r"(^|/)requirements/[\w.-]+\.(txt|in)$", re.IGNORECASE)
#: Requirement files for development, tests, docs or CI (by name), not the application's runtime.
_DEV_NAME = lazy(
    r"(?i)(^|[_.-])(dev|devel|develop|development|test|tests|testing|lint|linting|docs?|readthedocs|rtd|ci|style|"
    r"typing|mypy|bench|benchmarks?|build|release|publish)([_.-]|$)"
)
_DOCS_FOLDER = lazy(r"(?i)(^|/)(docs?|documentation)/")


def words(text: str) -> frozenset[str]:
    """A set of names written as one space-separated string (long vocabularies read better that way)."""
    return frozenset(text.split())


def canonical(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()


def is_dev_requirements(path: str) -> bool:
    """requirements-dev.txt, dev-requirements.txt, requirements/test.txt, docs/requirements.txt..."""
    basename = path.rsplit("/", 1)[-1]
    stem = basename.rsplit(".", 1)[0]
    return _DEV_NAME.search(stem) is not None or in_docs_folder(path)


def in_docs_folder(path: str) -> bool:
    """Under docs/: `paths.roles` calls every .txt file DOCS, so requirement files ask this instead."""
    return _DOCS_FOLDER.search(path) is not None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement line of a pip requirements file, read without installing anything."""

    name: str  #: as written
    extras: str
    specifier: str  #: `>=1.2,<2` (empty when bare)
    marker: str  #: the environment marker after `;` (empty when none)
    url: str | None  #: a PEP 508 direct reference (`name @ url`)

    @property
    def key(self) -> str:
        return canonical(self.name)

    @property
    def pinned(self) -> bool:
        """Pinned to one version: `==x.y` (not `==x.*`), `===x`, or a direct URL (another rule judges those)."""
        if self.url is not None:
            return True
        for raw in self.specifier.split(","):
            clause = raw.strip()
            if clause.startswith("===") or (clause.startswith("==") and "*" not in clause):
                return True
        return False

    def exact_version(self) -> str | None:
        for raw in self.specifier.split(","):
            clause = raw.strip()
            if clause.startswith("==") and "*" not in clause:
                return clause.lstrip("=").strip()
        return None

    def text(self) -> str:
        return f"{self.name}{self.extras}{self.specifier}"


def read_toml(text: str) -> dict[str, object] | None:
    """A TOML file's tables, or None when the file is not valid TOML (the repository's file: ours to read, not to
    fail on)."""
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None


def read_setup_cfg(text: str) -> configparser.ConfigParser | None:
    """A setup.cfg's sections, or None when it does not parse."""
    import configparser  # noqa: PLC0415  (imported only when a review meets a setup.cfg)

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def setup_cfg_requirements(parser: configparser.ConfigParser, keys: Iterable[str] = ("install_requires",)) -> list[str]:
    """The requirement lines (and `file:` directives) a setup.cfg lists under `[options]` `keys` and in
    `[options.extras_require]`."""
    values: list[str] = []
    if parser.has_section("options"):
        values += [parser.get("options", k) for k in keys if parser.has_option("options", k)]
    if parser.has_section("options.extras_require"):
        values += [v for _, v in parser.items("options.extras_require")]
    return [line for value in values for line in value.splitlines() if line.strip()]


def strip_comment(line: str) -> str:
    return _COMMENT.sub("", line)


def parse_requirement(line: str) -> Requirement | None:
    """A requirement of a requirements-file line, or None for options, paths, URLs, comments and blanks."""
    text = strip_comment(line).strip().removesuffix("\\").strip()
    if not text or text.startswith(("-", ".", "/", "$", "{")) or "://" in text.split("@", 1)[0]:
        return None
    text = _TRAILING_OPTIONS.sub("", text)
    body, _, marker = text.partition(";")
    m = _NAME_AND_REST.fullmatch(body.strip())
    if m is None:
        return None
    name, extras, rest = m.group(1), m.group(2) or "", m.group(3).strip()
    if name.lower().endswith(_FILE_SUFFIXES):
        return None
    if rest.startswith("@"):
        return Requirement(name, extras, "", marker.strip(), url=rest[1:].strip())
    if rest and rest[0] not in "<>=!~(":
        return None  # not a requirement (`name: value`, prose, a path segment)
    specifier = "".join(rest.strip("()").split())
    return Requirement(name, extras, specifier, marker.strip(), url=None)


def _whole(view: FileView, side: Side) -> list[str] | None:
    """That side's file, all its lines, when known: after the change, or before it (rebuilt from the diff)."""
    return (view.added if side is Side.ADDED else view.removed).whole_lines


def block_opener(above: Sequence[str], indent: int) -> int | None:
    """The index in `above` (the lines above one indented `indent`, nearest last) of the nearest less indented line of
    code, blank and comment lines aside: the statement opening the block that line sits in (`with`, `if`, `try`)."""
    for k in range(len(above) - 1, -1, -1):
        line = above[k]
        code = line.lstrip()
        if code and not code.startswith("#") and len(line) - len(code) < indent:
            return k
    return None


def bracket_opener(above: Sequence[str], indent: int) -> int | None:
    """The index in `above` of the line opening the statement a closing bracket at `indent` ends (`) -> None:`,
    `) as exc:`): the nearest line no more indented."""
    for k in range(len(above) - 1, -1, -1):
        line = above[k]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            return k
    return None


def bracket_opened(view: FileView, side: Side, number: int, line: str, count: int) -> list[str] | None:
    """The lines from the one that opens the statement `line` (line `number`, a closing bracket first) ends, to the
    line above it; None when the `count` lines above do not show that opening."""
    above = lines_before(view, side, number, count)
    k = bracket_opener(above, len(line) - len(line.lstrip()))
    return None if k is None else above[k:]


def lines_before(view: FileView, side: Side, number: int, count: int) -> list[str]:
    """Up to `count` lines just above line `number` of that side's file, nearest last.

    The side's whole text is used when known; otherwise the lines the hunks show (context and
    this side's lines), stopping where the hunk's view of the file has a gap.
    """
    lines = _whole(view, side)
    if lines is not None:
        return lines[max(0, number - 1 - count) : max(0, number - 1)]
    shown = hunk_lines(view, side)
    found: list[str] = []
    at = number - 1
    while at in shown and len(found) < count:
        found.append(shown[at])
        at -= 1
    found.reverse()
    return found


def lines_after(view: FileView, side: Side, number: int, count: int) -> list[str]:
    """Up to `count` lines just below line `number` of that side's file (its whole text, else the hunks)."""
    lines = _whole(view, side)
    if lines is not None:
        return lines[number : number + count]
    shown = hunk_lines(view, side)
    found: list[str] = []
    at = number + 1
    while at in shown and len(found) < count:
        found.append(shown[at])
        at += 1
    return found


def file_lines(view: FileView, side: Side) -> Iterator[str]:
    """Every line of that side's file that is known: its whole text, or what the hunks show."""
    lines = _whole(view, side)
    if lines is not None:
        return iter(lines)
    return iter(hunk_lines(view, side).values())


def hunk_lines(view: FileView, side: Side) -> dict[int, str]:
    """The lines the hunks show of one side's file (context lines and that side's lines), by line number: read once
    per side, however many rules ask (the dict is shared: read it, do not change it)."""
    return (view.added if side is Side.ADDED else view.removed).memo("hunk-lines", lambda: _hunk_lines(view, side))


def _hunk_lines(view: FileView, side: Side) -> dict[int, str]:
    other = "-" if side is Side.ADDED else "+"
    shown: dict[int, str] = {}
    for hunk in view.patch.hunks:
        number = hunk.new_start if side is Side.ADDED else hunk.old_start
        for raw in hunk.body.split("\n"):
            mark = raw[:1]
            if mark in (other, "\\"):
                continue
            # As in `Hunk.numbered`: anything else is this side's line or context (even an empty one).
            shown[number] = raw[1:].removesuffix("\r")
            number += 1
    return shown


def continued(view: FileView, side: Side, number: int, text: str, limit: int = 60) -> list[tuple[int, str]]:
    """A shell command starting on line `number` with its backslash-continued lines, each with its number."""
    lines = [(number, text)]
    following = lines_after(view, side, number, limit)
    current = text
    for offset, nxt in enumerate(following, start=1):
        if not current.rstrip().endswith("\\"):
            break
        lines.append((number + offset, nxt))
        current = nxt
    return lines


def known_file(view: FileView, side: Side) -> SideView:
    """That side's file as far as it is known (the post text, or the lines the hunks show), to search in.

    Rules that report only changed lines but need their unchanged neighbours (a package on the
    continuation line of an unchanged `RUN apt-get install`) search this and keep the hits whose
    lines `changed_numbers` holds.
    """
    if side is Side.ADDED and view.text is not None:
        lines = LineSet.of(Line(i, t) for i, t in enumerate(view.text.splitlines(), start=1))
    else:
        lines = LineSet.of(Line(n, t) for n, t in sorted(hunk_lines(view, side).items()))
    own = view.added if side is Side.ADDED else view.removed
    return SideView(path=own.path, side=side, lines=lines, file_kind=view.kind)


def changed_numbers(view: FileView, side: Side) -> frozenset[int]:
    lines = view.patch.added if side is Side.ADDED else view.patch.removed
    return frozenset(lines.number(i) for i in range(len(lines)))
