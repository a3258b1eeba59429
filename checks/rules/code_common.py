"""Small pieces the code-debt rules share: comment scanning, statement keys, string detection."""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, lru_cache
from itertools import chain

from ahocorasick_rs import AhoCorasick, MatchKind

from checks.diff import FileStatus, line_offsets
from checks.finding import Hit, Severity, Side
from checks.languages import comment_start, line_markers
from checks.lazyre import lazy
from checks.paths import CODE_KINDS, HASH_COMMENT_KINDS, Kind
from checks.rules.dependency_common import block_opener, lines_before
from checks.rules.python_strings import in_triple_quotes, inside, old_text, triple_quoted_spans
from checks.satd import MODEL_WORD, SCHEMA_LIBRARIES, SCHEMA_MODELS, TAG, TAG_NEEDLES, ml_topic
from checks.views import FileView, Match, SideView

#: Every language whose comments we read: code, and the `#` comments of config files. Not Markdown:
#: a TODO list in docs is a plan, not debt.
COMMENT_KINDS = CODE_KINDS | HASH_COMMENT_KINDS

_SPACE = lazy(r"\s+")

#: A comment body that starts like a Python statement (or is a decorator); the block is then confirmed with `ast.parse`.
CODE_LIKE = lazy(
    r"""^(?:
        [A-Za-z_][\w.]*(?:\[[^\]]*\])*\s*(?:[-+*/%&|^@]|//|\*\*|>>|<<)?=(?!=)
      | [A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)+\s*=(?!=)  # several targets: `loss, grads = step(`
      | [A-Za-z_][\w.]*\(.*\)\s*$
      | [A-Za-z_][\w.]*\((?:.*[,([{])?\s*$
      | (?:import|from\s+[.\w]+\s+import)\s
      | (?:return|raise|yield|del|assert)\b
      | (?:async\s+(?=def|for|with))?(?:if|elif|while|for|with|def|class|try|except|else|finally)\b.*:\s*$
      | (?:async\s+)?(?:def|class)\s+[A-Za-z_]\w*\((?:.*[,([{])?\s*$  # a signature going on below: `def f(`
      | [)\]}]
      | @[A-Za-z_][\w.]*(?:\(.*\)|\((?:.*[,([{])?)?\s*$
      # An annotated name: given a value, or typed as code types (`x: float`), not prose; nor a tool's directive
      # (`pylint: disable=no-member`, `type: ignore[attr-defined]`, `encoding: utf-8`), which parses as one.
      | (?!(?:pylint|mypy|pyright|pytype|type|flake8|ruff|isort|fmt|yapf|pragma|encoding|coding)\s*:)
        [a-z_]\w*\s*:\s*(?:
            [A-Za-z_][\w.]*(?:\[.*\])?\s*=\s*\S.* | [A-Za-z_][\w.]*\[.*\]
          | (?:int|float|str|bool|bytes|list|dict|tuple|set|Any)\s*
        )$
    )""",
    re.VERBOSE,
)


def statement_key(statement: str) -> str:
    """A statement without any whitespace: `f( x, y )` and `f(x, y)` are the same debt after a reformat."""
    return _SPACE.sub("", statement)


def statement_hit(side: SideView, m: Match, label: str, *, severity: Severity | None = None) -> Hit:
    """A hit on the whole statement that holds `m` (read across lines), shown after `label` and keyed by
    `statement_key`."""
    statement, end = side.statement(m.index)
    return side.hit(
        m, f"{label}: {statement.strip()[:100]}", content=statement_key(statement), end_line=end, severity=severity
    )


def _tail_markers(kind: Kind) -> tuple[str, ...]:
    """The comment markers of the language (C-like block-comment lines' `*` too)."""
    return (*line_markers(kind), "*") if kind is Kind.C_LIKE else line_markers(kind)


@cache
def _tail_pattern(kind: Kind) -> re.Pattern[str] | None:
    """From a comment marker of the language to the end of its line."""
    markers = _tail_markers(kind)
    return re.compile("(?:" + "|".join(map(re.escape, markers)) + r")[^\n]*") if markers else None


#: Where each tail starts in the side's text and in the joined tails, the joined tails (lowercased when that
#: keeps every character in place), and whether they are lowercased.
_CommentTails = tuple[list[int], list[int], str, bool]


def _comment_tails(side: SideView) -> _CommentTails | None:
    """The side's lines from a comment marker on, joined and lowercased, with where each came from."""
    tail = _tail_pattern(side.kind)
    if tail is None:
        return None
    # Lists built by C calls, not a Python step per comment: a release diff has tens of thousands.
    found = list(tail.finditer(side.lines.text))
    if not found:
        return None
    parts = list(map(re.Match.group, found))
    joined = "\n".join(parts)
    lowered = joined.lower()
    exact = len(lowered) == len(joined)
    return list(map(re.Match.start, found)), line_offsets(parts), lowered if exact else joined, exact


def search_comments(
    side: SideView,
    prefilter: re.Pattern[str],
    pattern: re.Pattern[str],
    literals: AhoCorasick | None = None,
    *,
    after_marker: AhoCorasick | None = None,
) -> Iterator[Match]:
    """Matches of `pattern` that start in comment-looking text of the side's lines.

    Word lists with IGNORECASE are slow over a whole diff, so the lowercased tails of the lines from a
    comment marker on are scanned first with `prefilter` (lowercase, no flags: every `pattern` match must
    be a `prefilter` match of the same start); `pattern` is then matched on the line itself. Callers
    still check `side.in_comment` (a marker may sit inside a string).

    `literals` (lowercase, one of which every `prefilter` match holds) are looked for first, in one pass:
    a side's comments without any are not scanned with `prefilter`, whose alternatives sre tries at every
    position.

    `after_marker` (lowercase) is for a prefilter that matches a marker of one or two characters, blanks, then
    one of these words: the prefilter is tried only just before the words found, rather than at every marker.
    """
    comments = side.memo("comment-tails", lambda: _comment_tails(side))
    if comments is None:
        return
    origins, starts, lowered, lowered_exact = comments
    if not lowered_exact:  # a few characters grow when lowercased: scan the original, ignoring case
        prefilter = re.compile(prefilter.pattern, re.IGNORECASE)
    elif literals is not None and not literals.find_matches_as_indexes(lowered):
        return
    text = side.lines.text
    seen: set[tuple[int, int]] = set()
    if after_marker is not None and lowered_exact:
        hits: Iterator[re.Match[str]] = _matches_before(lowered, prefilter, after_marker)
    else:
        hits = prefilter.finditer(lowered)
    for hit in hits:
        i = bisect.bisect_right(starts, hit.start()) - 1
        origin = origins[i] + hit.start() - starts[i]
        index = side.lines.at(origin)
        line = side.lines.line(index)
        m = pattern.match(text, origin, side.lines.start(index) + len(line))
        if m is None or (index, m.start()) in seen:
            continue
        seen.add((index, m.start()))
        yield Match(m, index, side.lines.number(index), line)


def _matches_before(text: str, prefilter: re.Pattern[str], words: AhoCorasick) -> Iterator[re.Match[str]]:
    """What `prefilter.finditer(text)` gives, when each match is a marker of one or two characters, blanks, then
    one of `words`: tried where such a marker would end before a word, in order and without overlaps."""
    starts: set[int] = set()
    for _, at, _ in words.find_matches_as_indexes(text, overlapping=True):
        end = at  # the marker ends where the blanks before the word start
        while end and text[end - 1] in " \t":
            end -= 1
        starts.update((end - 1, end - 2))
    after = 0
    for start in sorted(starts):
        if start < after or start < 0:
            continue
        m = prefilter.match(text, start)
        if m is not None and m.end() > start:
            after = m.end()
            yield m


#: Every spelling TAG matches, found in one pass over a side's lines (see `_tags_after_markers`).
_TAG_WORDS = AhoCorasick(list(TAG_NEEDLES), matchkind=MatchKind.LeftmostFirst)
#: TAG's words in lower case, found in the lowercased comment tails (see `_tags_in_tails`).
_TAG_WORDS_LOWER = AhoCorasick(
    list(dict.fromkeys(word.lower() for word in TAG_NEEDLES)), matchkind=MatchKind.LeftmostFirst
)


#: After a tag, what makes it open a task of its own (`FIXME: the loss is NaN`, `TODO(bob)`).
_OPENS_TASK = lazy(r"[ \t]*[:(]")
#: Between two tags, no words of a task: the tags are stacked on one (`TODO FIXME:`, `TODO: FIXME:`).
_STACKED = lazy(r"[ \t]*(?:\([^)]*\))?[ \t]*[:\-]?[ \t]*")


def tasks_by_line(side: SideView, tags: Iterable[Match]) -> list[list[Match]]:
    """Tags grouped into the debts they admit: a tag further along a comment line belongs to the task before it
    (`# TODO: crude hack`), unless it opens one of its own (`# TODO: clean up. FIXME: the loss is NaN`) after the
    task before it said something (`# TODO FIXME: ...` is one task)."""
    tasks: list[list[Match]] = []
    for m in tags:
        start = side.column(m)
        column = start + len(m.group(0))
        if (
            tasks
            and tasks[-1][0].index == m.index
            and (_OPENS_TASK.match(m.text, column) is None or _stacked(side, tasks[-1][-1], m.text, start))
        ):
            tasks[-1].append(m)
        else:
            tasks.append([m])
    return tasks


def _stacked(side: SideView, before: Match, text: str, start: int) -> bool:
    """Whether nothing but an owner and punctuation stands between the tag `before` and a tag at `start`."""
    return _STACKED.fullmatch(text, side.column(before) + len(before.group(0)), start) is not None


#: How many comment lines under a tag are read with it when they carry its sentence on.
MAX_TASK_LINES = 3
#: A line's comment text that ends a sentence: what follows it is a new one, not the task's.
_SENTENCE_END = (".", "!", "?", ":")


def module_text(view: FileView, side: SideView) -> str | None:
    """The whole module on the side's side of the change: its text when known, or the side's lines when the change
    adds or deletes the file whole; None when only hunks of it are known."""
    known = view.text if side.side is Side.ADDED else old_text(view)
    if known is not None:
        return known
    whole = view.status is (FileStatus.ADDED if side.side is Side.ADDED else FileStatus.REMOVED)
    return side.lines.text if whole else None


#: A line that starts a function or class definition at a module's top level.
_TOP_LEVEL_DEFINITION = lazy(r"^(?:(?:async[ \t]+)?def|class)[ \t]+\w+[^\n]*:[ \t]*(?:#[^\n]*)?$", re.MULTILINE)


def only_imports(text: str | None) -> bool:
    """Whether a module holds nothing but imports (a docstring, `__all__` and a deprecation warning aside): a shim
    that re-exports another module's names under its old path, which is what its wildcard imports are for."""
    if text is None:
        return False
    # A function or class defined at the top level is more than imports: found by a search, not by parsing the
    # module whole (which costs milliseconds a thousand lines), unless it is text in a docstring.
    spans: list[tuple[int, int]] | None = None
    for definition in _TOP_LEVEL_DEFINITION.finditer(text):
        spans = triple_quoted_spans(text) if spans is None else spans
        if not inside(spans, definition.start()):
            return False
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError):
        return False
    return bool(body) and all(map(_re_exports, body))


def _re_exports(node: ast.stmt) -> bool:
    """Whether a statement of a module is what a shim holds: an import, a docstring or a notice to its importers,
    `__all__`, a `try` of such statements whose handlers hold nothing else (an optional package's names), or a
    `with` block of them (an mmengine config's `with read_base():` over the configs it inherits)."""
    if isinstance(node, ast.Try):
        blocks = [node.body, node.orelse, node.finalbody, *(handler.body for handler in node.handlers)]
        return all(isinstance(n, ast.Pass) or _re_exports(n) for block in blocks for n in block)
    if isinstance(node, ast.With):  # mmengine's `with read_base():` over the configs a config inherits
        return all(map(_re_exports, node.body))
    return (
        isinstance(node, ast.Import | ast.ImportFrom)
        or (isinstance(node, ast.Expr) and (isinstance(node.value, ast.Constant) or _warns(node.value)))
        or (isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets) and _aliases(node))
    )


#: A class's name, in CapWords (`BaseOperator`), not a constant's (`SHAPING`) nor a function's (`centered_rank`).
_CLASS_NAME = lazy(r"_?[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*")


def _aliases(node: ast.Assign) -> bool:
    """`__all__ = [...]`, a name bound to another module's (`requests = _multimodal.requests`), or an old name of an
    imported class (`Operator = BaseOperator`): what a shim keeps at its old path for those who use or patch it
    there."""
    if all(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
        return True
    value = node.value
    if isinstance(value, ast.Name):
        # A class's old name (`Operator = BaseOperator`), not a setting picked from the imports (`SHAPING = rank`).
        return all(_CLASS_NAME.fullmatch(t.id) for t in node.targets if isinstance(t, ast.Name)) and bool(
            _CLASS_NAME.fullmatch(value.id)
        )
    while isinstance(value, ast.Attribute):
        value = value.value
    return isinstance(value, ast.Name) and isinstance(node.value, ast.Attribute)


def _warns(node: ast.expr) -> bool:
    """`warnings.warn(...)`, `warn(...)` or a logger's `.warning(...)`: the notice a module left at its old path gives
    its importers."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("warn", "warning")


def side_text(view: FileView, side: SideView) -> str:
    """The module on the side's side of the change as far as it is known: its whole text, else the side's lines (a
    notebook's: its cells' code, not its JSON)."""
    if view.kind is Kind.NOTEBOOK:
        return side.lines.text
    return module_text(view, side) or side.lines.text


def ml_task(view: FileView, side: SideView, words: str) -> str | None:
    """The word that makes a debt comment's words ML debt (see `satd.ml_topic`), "model" aside in a module of schema
    or table models; None when they are no ML debt."""
    topic = ml_topic(words)
    if topic is None or not MODEL_WORD.fullmatch(topic) or not _schema_models(view, side):
        return topic
    return ml_topic(words, schema_models=True)


def _schema_models(view: FileView, side: SideView) -> bool:
    """Whether the module, on the side's side of the change, imports a library whose models are schemas or tables
    (`satd.SCHEMA_MODELS`): read once a side, in the whole module when known, else in the side's lines."""

    def read() -> bool:
        text = side_text(view, side)
        return any(name in text for name in SCHEMA_LIBRARIES) and SCHEMA_MODELS.search(text) is not None

    return side.memo("schema-models", read)


def task_words(side: SideView, m: Match) -> str:
    """What the task a tag opens says: its comment from the tag on, and the comment lines alone under it that carry
    its sentence on (`# todo: testing disables grad` then `#       loss is computed as ...`: text indented past the
    tag's, or a lowercase word after a line that ends no sentence, not code commented out), up to MAX_TASK_LINES.
    CODE001 and MODEL017 read it to tell ML debt from other debt; a comment of its own below the tag (`# Compute the
    loss`) is not the task's. Read once for both rules."""
    known = side.memo("task-words", dict[tuple[int, int], str])
    key = (m.index, m.match.start())
    if key not in known:
        known[key] = _read_task_words(side, m)
    return known[key]


def _read_task_words(side: SideView, m: Match) -> str:
    words = m.text[side.column(m) :]
    lines = side.lines
    markers = _tail_markers(side.kind)
    text_column: int | None = None
    previous = words
    for at in range(m.index + 1, min(m.index + 1 + MAX_TASK_LINES, len(lines))):
        line = lines.line(at)
        # Most tags are followed by code: known from the line's first characters.
        if not line.lstrip().startswith(markers) or lines.number(at) != lines.number(at - 1) + 1:
            break
        start = comment_start(line, side.kind)
        if start is None or not comment_only(line, side.kind, start) or TAG.search(line, start):
            break
        body = line[start:].strip()
        if text_column is None:
            text_column = _text_column(m.text, side.kind) or 0
        indented = (_text_column(line, side.kind) or 0) > text_column
        carried = body[:1].islower() and not previous.rstrip().endswith(_SENTENCE_END)
        if not body or not (indented or carried) or _commented_code(body):
            break  # code commented out under the tag is what the task is about, not its words
        words += "\n" + body
        previous = body
    return words


#: Where a sentence ends in a line: its stop before the next one's capital, or at the line's end.
_SENTENCE_BREAK = lazy(r"[.!?](?:\s+[A-Z]|$)")


def _commented_code(body: str) -> bool:
    """Whether a comment line's text is code: it reads as code, holds code's punctuation and no sentence's end (prose
    may open with "import errors because ..." or with code, "weights[-1] = 0. Interestingly this crash ...")."""
    return (
        CODE_LIKE.match(body) is not None
        and any(mark in body for mark in "()[]{}=:")
        and _SENTENCE_BREAK.search(body) is None
    )


#: What may stand before a comment's text on a line that holds nothing else: blanks and comment markers.
MARKER_CHARS = " \t#/*-;%"


def comment_only(line: str, kind: Kind, start: int | None = None) -> bool:
    """Whether the line holds a comment and nothing else (`start`: where its comment starts, when already known)."""
    start = comment_start(line, kind) if start is None else start
    return start is not None and not line[:start].strip(MARKER_CHARS)


def _text_column(line: str, kind: Kind) -> int | None:
    """Where a comment line's text starts, after its marker and blanks."""
    start = comment_start(line, kind)
    if start is None:
        return None
    rest = line[start:]
    return start + len(rest) - len(rest.lstrip())


def comment_tags(side: SideView) -> list[Match]:
    """The task tags (`TAG`: TODO, FIXME, XXX, HACK...) in the comments of a side, found once for every rule."""
    return side.memo("comment-tags", lambda: [m for m in _tags_in_tails(side) if side.in_comment(m)])


def _tags_in_tails(side: SideView) -> Iterator[Match]:
    """What `_tags_after_markers` gives, found in the side's comment tails: a tenth of its text, and cut out
    anyway for the comment rules (CODE002, CODE018) that run on most of the same files.

    A tag's word starts with a letter, so it lies in its line's tail exactly when a whole marker (no letters)
    comes before it. A lowercase word found where TAG's spelling is not (`tOdO`) is let go by `TAG.match`;
    one that overlaps a later word puts a letter before it, which TAG refuses anyway.
    """
    comments = side.memo("comment-tails", lambda: _comment_tails(side))
    if comments is None:
        return  # no marker on any line, so no tag after one
    origins, starts, lowered, lowered_exact = comments
    if not lowered_exact:
        yield from _tags_after_markers(side)
        return
    lines = side.lines
    text = lines.text
    for _, start, _ in _TAG_WORDS_LOWER.find_matches_as_indexes(lowered):
        i = bisect.bisect_right(starts, start) - 1
        origin = origins[i] + start - starts[i]
        index = lines.at(origin)
        line = lines.line(index)
        m = TAG.match(text, origin, lines.start(index) + len(line))
        if m is not None:
            yield Match(m, index, lines.number(index), line)


def _tags_after_markers(side: SideView) -> Iterator[Match]:
    """TAG matches that start after a comment marker of their line, in order: what `search_comments` gives for
    TAG (its lowercase words as the prefilter), found from the tags' own spellings rather than by cutting out
    every comment first. A tag cannot start inside another tag's word (TAG wants no letter before it), so the
    words found without overlaps hold every TAG match.
    """
    markers = _tail_markers(side.kind)
    if not markers:
        return
    lines = side.lines
    text = lines.text
    for _, start, _ in _TAG_WORDS.find_matches_as_indexes(text):
        index = lines.at(start)
        line_start = lines.start(index)
        before = text[line_start:start]
        if not any(marker in before for marker in markers):
            continue
        line = lines.line(index)
        m = TAG.match(text, start, line_start + len(line))
        if m is not None:
            yield Match(m, index, lines.number(index), line)


def in_string(line: str, column: int) -> bool:
    """True when `column` of a code line sits inside a one-line string (quotes, or backticks as in prose)."""
    quote = ""
    i = 0
    while i < column:
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch == "#":
            return False  # a comment: callers check comments on their own
        i += 1
    return bool(quote)


@lru_cache(maxsize=2)  # syntax trees weigh about ten times their text: keep the current file's
def parse_python(text: str) -> ast.Module | SyntaxError | None:
    """A module's syntax tree, or its syntax error; None when Python cannot tell (null bytes, deep nesting).

    Parsing is the dearest step of a review with the post-change texts: every rule that reads a file's
    tree gets this one, parsed once (rules run one file at a time). Rules read the tree, never change it.
    """
    # The reviewed code's own warnings (an invalid escape in a string) are not ours to print.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except SyntaxError as exc:
            return exc.with_traceback(None)
        except (ValueError, RecursionError, MemoryError):
            return None


#: Per statement type, its fields that hold nested statements (`body`, `orelse`, ...); () for most.
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {}
_BLOCK_NAMES = ("body", "orelse", "finalbody", "handlers", "cases")


def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a body and of the blocks nested in it (not the expressions inside them), in source
    order: each statement, then the statements of its body, else, finally, handlers and cases."""
    pending: list[Iterator[ast.stmt]] = [iter(body)]
    while pending:
        node = next(pending[-1], None)
        if node is None:
            pending.pop()
            continue
        yield node
        fields = _block_fields(type(node))
        if fields:
            pending.append(_nested(node, fields))


def blocks(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """A module's body and every block nested in it (function and class bodies, else and finally blocks,
    handlers, cases), each a list of statements in source order."""
    pending = [body]
    while pending:
        block = pending.pop()
        yield block
        for node in block:
            for name in _block_fields(type(node)):
                value = getattr(node, name, None)
                if name in ("handlers", "cases"):
                    pending.extend(item.body for item in value or ())
                elif isinstance(value, list) and value:
                    pending.append(value)


def string_statements(body: list[ast.stmt]) -> list[tuple[ast.Expr, str]]:
    """The statements that are a string alone (docstrings included), with their string, in the order
    `statements` gives: the same walk, without a generator step for each of the other statements."""
    found: list[tuple[ast.Expr, str]] = []
    pending: list[Iterator[ast.stmt]] = [iter(body)]
    while pending:
        for node in pending[-1]:
            if isinstance(node, ast.Expr):
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.append((node, value.value))
                continue
            fields = _BLOCK_FIELDS.get(type(node))
            if fields is None:
                fields = _block_fields(type(node))
            if fields:
                pending.append(_nested(node, fields))
                break  # its statements come next, then the rest of this block
        else:
            pending.pop()
    return found


def _block_fields(kind: type) -> tuple[str, ...]:
    """The fields of a statement type that hold nested statements; () for most."""
    fields = _BLOCK_FIELDS.get(kind)
    if fields is None:
        fields = _BLOCK_FIELDS[kind] = tuple(n for n in _BLOCK_NAMES if n in getattr(kind, "_fields", ()))
    return fields


def _nested(node: ast.stmt, fields: tuple[str, ...]) -> Iterator[ast.stmt]:
    """The statements of a statement's blocks (`fields` of `_block_fields`), in order."""
    nested: list[list[ast.stmt]] = []
    for name in fields:
        block = getattr(node, name, None)
        if name in ("handlers", "cases"):
            nested.extend(item.body for item in block or ())
        elif isinstance(block, list):
            nested.append(block)
    return chain.from_iterable(nested)


@lru_cache(maxsize=4)
def _string_statement_lines(text: str) -> frozenset[int]:
    tree = parse_python(text)
    if not isinstance(tree, ast.Module):
        return frozenset()
    lines: set[int] = set()
    for node, _ in string_statements(tree.body):
        lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(lines)


def in_string_text(view: FileView, side: SideView, m: Match) -> bool:
    """True when a comment-like match of a Python file is text in a string: a docstring's line, or a line of any
    triple-quoted string (`README_TEMPLATE = \"\"\"...# TODO: Fill this model card\"\"\"` writes a heading)."""
    return in_docstring(view, side, m) or bool(in_triple_quotes(view, side, m))


#: A `def` line, and the function's name.
DEF = lazy(r"[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)")


def enclosing_function(above: Sequence[str], indent: int) -> str | None:
    """The name of the function whose body holds a line indented by `indent` (see `enclosing_def`)."""
    line = enclosing_def(above, indent)
    found = DEF.match(line) if line is not None else None
    return found.group(1) if found is not None else None


def enclosing_def(above: Sequence[str], indent: int) -> str | None:
    """The `def` line of the function whose body holds a line indented by `indent`, from the lines just above it
    (nearest last), or None when they show none (see `enclosing_def_index`)."""
    at = enclosing_def_index(above, indent)
    return above[at] if at is not None else None


def enclosing_def_index(above: Sequence[str], indent: int) -> int | None:
    """Where in `above` the `def` line of the function holding a line indented by `indent` is: each line of code
    further out (an `if`, a `with`) moves the search out with it, so a function closed above (a sibling, or one
    before module-level code) is not taken for the enclosing one; comments and closing brackets say nothing of where
    a block ends."""
    for at in range(len(above) - 1, -1, -1):
        line = above[at]
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if not stripped or stripped.startswith(("#", ")", "]", "}")) or depth >= indent:
            continue  # a closing bracket ends a statement over several lines (`) -> None:`), no block
        if DEF.match(line) is not None:
            return at
        indent = depth  # a block of the function (`if`, `with`): its `def` is further out
    return None


def is_doctest(line: str) -> bool:
    """Interactive examples in docstrings (`>>> torch.load(p)`) show usage; they are not the program."""
    return line.lstrip().startswith((">>>", "... "))


def in_docstring(view: FileView, side: SideView, m: Match) -> bool:
    """True when a match of a Python file sits in a docstring (or another string statement): prose that mentions
    code, not code. A doctest line (`>>> ...`) tells itself on either side; the rest is known only from the
    post-change text: the file parsed once for all rules (for removed lines, the file as it was, `old_text`)."""
    if view.kind is not Kind.PYTHON:
        return False
    if is_doctest(m.text):
        return True
    if side.side is Side.REMOVED and view.status is FileStatus.REMOVED:
        # A deleted module is read for what it pays: its triple-quoted strings tell, without parsing it whole.
        return bool(in_triple_quotes(view, side, m))
    text = old_text(view) if side.side is Side.REMOVED else view.text
    return text is not None and m.number in _string_statement_lines(text)


#: A block that expects the code in it to fail: `with pytest.raises(ValueError):`, `with self.assertRaises(...)`.
_EXPECTS_FAILURE = lazy(r"[ \t]*with\b[^\n]*\b(?:raises|assertRaises\w*|warns|assertWarns\w*)\(")
#: How far up a test's block opener is looked for.
_BLOCK_LOOKBACK = 15


def expects_failure(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the match's line sits in a block that expects its code to fail (a test's wrong input, on purpose), as
    far as the lines above show."""
    above = lines_before(view, side.side, m.number, _BLOCK_LOOKBACK)
    k = block_opener(above, len(m.text) - len(m.text.lstrip()))
    while k is not None and _EXPECTS_FAILURE.match(above[k]) is None:
        if not above[k].split("#", 1)[0].rstrip().endswith(("(", "[", "{", ",")):
            return False
        # A line of a call over several lines: the block is the one its first line sits in.
        k = block_opener(above[:k], len(above[k]) - len(above[k].lstrip()))
    return k is not None
