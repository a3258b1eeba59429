"""Finding the model rules' calls in code: fast literal scans, then only the matches that are code.

A match in a comment, a string, a doctest or a docstring's usage example is not the program; every rule that
reads Python calls goes through `code_matches` so they all skip the same things.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from checks.finding import Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.rules.code_common import is_doctest
from checks.rules.model_calls import CALLEE, Call, CallReader
from checks.views import FileView, Match, SideView

PYTHON_KINDS = frozenset({Kind.PYTHON, Kind.NOTEBOOK})
#: Not the project's production code: tests, fixtures, examples, docs, vendored and generated trees.
NOT_PRODUCTION = frozenset({Role.TEST, Role.FIXTURE, Role.EXAMPLE, Role.DOCS, Role.VENDORED, Role.GENERATED})


def in_string(line: str, column: int, opened: str = "") -> bool:
    """True when `column` of `line` sits inside a string literal that opened on this line, or in the one-quote
    string `opened` that the line above left open (see `continued_quote`)."""
    if not opened and line.find('"', 0, column) == -1 and line.find("'", 0, column) == -1:
        return False  # no quote before the column: most lines, told at C speed
    return bool(_open_quote(line, column, opened))


def continued_quote(previous: str) -> str:
    """The quote of a one-quote string that `previous` leaves open with a backslash at its end ('' when none):
    `"...requires \\` continues its string on the next line."""
    if not previous.endswith("\\"):
        return ""
    quote = _open_quote(previous, len(previous) - 1)
    return quote if len(quote) == 1 else ""


def _open_quote(line: str, column: int, opened: str = "") -> str:
    """The quotes of the string literal open at `column` of `line` ('' when none is); `opened`: the string open
    where the line starts."""
    quote = opened
    i = 0
    while i < column:
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif line.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif ch in "\"'":
            quote = ch * 3 if line.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        elif ch == "#":
            return ""
        i += 1
    return quote


_DEFINITION = lazy(r"\s*(?:async\s+)?(?:def|class)\s")


def callee(m: Match, side: SideView) -> str:
    """The dotted name called by a match that ends at its `(` (`np.load` for a match on `.load(`)."""
    end = side.column(m) + len(m.group(0)) - 1
    found = CALLEE.search(m.text[:end])
    return found.group(0) if found is not None else ""


def called(m: Match) -> str:
    """The name a call pattern matched, without its `(`."""
    return m.group(0).removesuffix("(")


def char_before(m: Match) -> str:
    """The character before the match ('' at the start): patterns check name boundaries here, not in the regex,
    so that they start with a literal the regex engine can skip to."""
    start = m.match.start()
    return m.match.string[start - 1] if start > 0 else ""


def continues_name(m: Match) -> bool:
    """True when the match is the tail of a longer name or attribute (`my_torch.load(`, `x.pipeline(`)."""
    before = char_before(m)
    return before.isalnum() or before in "_."


def is_free_call(m: Match, _side: SideView) -> bool:
    """A call of the matched name itself (`x.name(` too), not of a longer name ending the same way, nor a `def`."""
    before = char_before(m)
    return not (before.isalnum() or before == "_" or is_definition(m.text))


def is_definition(line: str) -> bool:
    """`def pipeline(...)` defines a name; it calls nothing."""
    return _DEFINITION.match(line) is not None


def in_comment(side: SideView, m: Match, column: int) -> bool:
    """`side.in_comment(m)`, told at C speed when no `#` comes before the match on a Python line (most lines)."""
    if side.kind is Kind.PYTHON and m.text.find("#", 0, column) == -1:
        return False  # Python's only comment marker is `#`
    return side.in_comment(m)


def file_source(view: FileView) -> str:
    """The file's code after the change: the post-change text, a notebook's code cells, or the added lines."""
    if view.kind is Kind.NOTEBOOK:
        notebook = view.notebook
        if notebook is not None:
            return "\n".join(cell.source for cell in notebook.code_cells())
        return view.source_sides()[0].lines.text
    text = view.text
    return text if text is not None else view.added.lines.text


def contains_any(text: str, needles: tuple[str, ...]) -> bool:
    """A substring test that skips a regex scan of text that cannot match (str search runs at memory speed)."""
    return any(map(text.__contains__, needles))  # no generator: its overhead dominates on small files


@dataclass(frozen=True)
class Scan:
    """What a rule looks for in code: `pattern`, tried only where one of `literals` occurs.

    Finding the literals with `str.find` runs at memory speed; a regex alternation of names (or one behind a
    lookbehind) is tried position by position, several times slower on a large diff. Every match of `pattern`
    begins where its literal does, or, with `word_start`, at the start of the name that contains the literal (a
    suffix such as `Classifier(` finds `RandomForestClassifier(`). Without literals, the pattern is searched as usual.
    """

    pattern: re.Pattern[str]
    literals: tuple[str, ...] = ()
    word_start: bool = False
    #: Instead of literals, for a pattern of names called (`(?:KMeans|...)\(`) with `word_start`: endings of
    #: those names. One pass finds each `(` behind one of them; sre tries a few look-behinds at each `(`, much
    #: faster than an alternation of names at every upper-case letter.
    call_suffixes: tuple[str, ...] = ()


#: Longest name a suffix literal is traced back through.
_MAX_NAME = 64
#: From this many literals that end a call (`name(`), one look-behind pass beats a `str.find` pass each.
_MIN_CALL_LITERALS = 3


@cache
def _calls_ending(suffixes: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(rf"(?<={re.escape(s)}\()" for s in suffixes)
    if not all(suffixes):
        return re.compile(rf"\((?:{names})")
    # One look-behind at the character before each `(` turns most of them away before the names are tried.
    last = "".join(sorted({re.escape(s[-1]) for s in suffixes}))
    return re.compile(rf"\((?<=[{last}]\()(?:{names})")


def scan(side: SideView, what: Scan) -> Iterator[Match]:
    if not what.literals and not what.call_suffixes:
        yield from side.search(what.pattern)
        return
    lines = side.lines
    text = lines.text
    positions: set[int] = set()
    found = [m.start() for m in _calls_ending(what.call_suffixes).finditer(text)] if what.call_suffixes else []
    literals = what.literals
    calls = tuple(literal for literal in literals if literal.endswith("("))
    if len(calls) >= _MIN_CALL_LITERALS:
        # Several called names: one pass over the `(` behind any of them, then which of them each one ends.
        for m in _calls_ending(tuple(call[:-1] for call in calls)).finditer(text):
            for call in calls:
                at = m.start() + 1 - len(call)
                if at >= 0 and text.startswith(call, at):
                    found.append(at)
        literals = tuple(literal for literal in literals if literal not in calls)
    for literal in literals:
        at = text.find(literal)
        while at != -1:
            found.append(at)
            at = text.find(literal, at + 1)
    for at in found:
        start = at
        if what.word_start:
            limit = max(0, at - _MAX_NAME)
            while start > limit and (text[start - 1].isalnum() or text[start - 1] == "_"):
                start -= 1
        positions.add(start)
    for position in sorted(positions):
        matched = what.pattern.match(text, position)
        if matched is not None:
            index = lines.at(position)
            yield Match(matched, index, lines.number(index), lines.line(index))


def code_matches(
    view: FileView, *scans: Scan, accept: Callable[[Match, SideView], bool] | None = None
) -> Iterator[tuple[CallReader, Match]]:
    """Matches in code on both sides (notebooks: cell sources), minus comments, strings, doctests and docstrings.

    `accept` is the rule's own cheap test (the callee's name...), run first so most matches cost little.
    """
    for side in view.source_sides():
        if not side:
            continue
        reader: CallReader | None = None
        for what in scans:
            for m in scan(side, what):
                if accept is not None and not accept(m, side):
                    continue
                # The cheapest test first. The string test looks at the match's end: a dict key
                # `"trust_remote_code": True` starts in quotes.
                if is_doctest(m.text):
                    continue
                column = side.column(m)
                if in_comment(side, m, column):
                    continue
                if reader is None:
                    reader = CallReader(view, side)
                opened = continued_quote("".join(reader.lines_before(m, 1)))
                if in_string(m.text, column + len(m.group(0)), opened) or reader.in_docstring(m):
                    continue
                yield reader, m


def call_hit(
    reader: CallReader,
    m: Match,
    message: str,
    call: Call | None,
    severity: Severity | None,
    *,
    undecided: bool = False,
    key: str | None = None,
) -> Hit:
    """A hit on a matched call, keyed by the call itself (or by `key`, what of it the debt is) so a moved or
    reformatted call cancels out (`undecided`: see `Hit`)."""
    hit = reader.side.hit(
        m,
        message,
        content=key or (call.key if call is not None else m.text),
        end_line=call.end_line if call is not None else None,
        severity=severity,
    )
    return dataclasses.replace(hit, undecided=True) if undecided else hit
