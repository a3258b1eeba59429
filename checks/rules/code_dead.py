"""Dead experimental code paths (CODE008): commented-out code, branches disabled with `if False:`, unreachable code."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import chain, takewhile

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side, normalize
from checks.languages import comment_start
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import (
    CODE_LIKE,
    blocks,
    in_docstring,
    parse_python,
    statement_key,
    string_statements,
)
from checks.rules.dependency_common import lines_after, lines_before
from checks.rules.python_strings import in_triple_quotes, old_text
from checks.views import FileView, Match, SideView

#: The fewest commented-out code lines that make a block (one or two are usually an inline note).
MIN_BLOCK_LINES = 3
#: Comment lines in a row (starting from a `#`, so the scan jumps from one to the next; a first line with
#: code before its `#` is dropped afterwards). Possessive: giving back a line's characters never makes a
#: newline or a `#` match, and sre would try each of them after every lone comment line.
COMMENT_RUN = lazy(rf"#[^\n]*+(?:\n[ \t]*+#[^\n]*+){{{MIN_BLOCK_LINES - 1},}}")
#: `if False:`, `elif 0:` (one literal first, so the scan is fast; the line's start is checked per match).
DISABLED_BRANCH = lazy(r"if[ \t]+(False|0|True|1)[ \t]*:")
#: How far below an `if True:` the `else:` it disables is looked for.
_ELSE_LOOKAHEAD = 200
#: How far above a block of commented-out code its section's heading is looked for, through comments and blank
#: lines only (a long commented example under `# Example usage:` is one section).
MAX_SECTION_LOOKBACK = 200
#: A line that opens a triple-quoted string: the cue to look for code parked in a string statement.
STRING_OPENER = lazy(r"^[ \t]*[rRuU]?(?:\"\"\"|''')", re.MULTILINE)
#: What STRING_OPENER wants before the quotes, on their line (see `_opens_string`).
_BEFORE_QUOTES = lazy(r"[ \t]*[rRuU]?")
#: Comment blocks that show usage (`e.g.:`, a Markdown code fence) are documentation, not dead code.
#: "Usage" as a heading (`Usage:`), not as a word of prose (`enable its usage once GPU tests run`); "example" as a
#: word, not a name called (`dsp.Example(...)`; a line of code holding it is the code's anyway, see `_shows_usage`).
EXAMPLE = lazy(
    r"\b(?:example\b(?!\()|for instance\b|such as\b|like so\b|like this\b|usage(?=\s*(?::|$))|e\.g\.|i\.e\.)"
    r"|>>>|```",
    re.IGNORECASE,
)
_TRIVIAL = (ast.Name, ast.Constant, ast.Attribute)
#: Blank lines a formatter leaves inside commented-out code (between a function's paragraphs, or two defs).
_MAX_BLANKS_INSIDE = 2
#: Lines between two stretches of commented-out code read as one piece at most (a commented-out docstring between).
_MAX_LINES_BETWEEN = 60


@rule(
    code="CODE008",
    slug="dead-code",
    title="Dead experimental code: commented-out blocks, disabled branches, unreachable code",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=10,
    remediation=(
        "Delete dead experiments (Git keeps them), or put the alternative behind an explicit, tested "
        "configuration flag."
    ),
    docs=Docs(
        what=(
            f"Python (or notebook code) added by the change that is never run: {MIN_BLOCK_LINES} or more "
            "consecutive comment lines that parse as Python (one piece, when only comments and up to "
            f"{_MAX_BLANKS_INSIDE} blank lines in a row split it, however its lines parse apart; commented out twice, "
            "`# # x = f()`, too, and such code commented out once less is the same), string statements "
            "(docstrings included) whose text is Python code and that the module did not hold before, blanks "
            "aside, branches disabled with `if False:` / `if 0:` (or `if True:` over an `else:`; not in a "
            "triple-quoted string, a test's expected output), and statements "
            "after a `return`, "
            "`raise`, `continue` or `break` in their block when the change adds the exit or what follows it (not when "
            "it only re-indents them, nor a lone `pass`, `...`, string or bare `return`) "
            "(medium when an added exit cuts off code that ran; read when the file's text is known, and then in a "
            "deleted module too, whose unreachable code is paid or cancels the same code moved elsewhere). "
            "Comment blocks that show usage (`Example:`, `e.g.`, `i.e.`, `>>>`, a Markdown code fence, in their "
            "prose: not in a docstring of the commented-out code), or that sit "
            "under such a heading past blank lines, are documentation and skipped, and so are `#` lines inside a "
            "docstring (known from the file's text). Lines rewritten inside a block of "
            "commented-out code that stays are neither new nor paid (known from the file's text), nor is a block a "
            "formatter only re-wrapped (the same code as Python reads it). A script's inline metadata (PEP 723, "
            "`# /// script`) is its manifest, not code."
        ),
        why=(
            "Dead experimental code paths are a named ML debt (Sculley et al. 2015, §5): they rot, confuse readers "
            "about what the pipeline does, and invite being switched back on untested (ruff ERA001, pylint W0101)."
        ),
        example="# model = ResNet50(weights=None)\n# model.compile(optimizer='sgd')\n# model.fit(x, y, epochs=3)",
        fix="model = build_model(config.architecture)  # alternatives selected by configuration",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.DOCS, Role.EXAMPLE),
)
def dead_code(view: FileView) -> Iterator[Hit]:
    if view.kind is Kind.PYTHON and view.text is not None:
        if _opens_string(view.added.lines.text):
            yield from _parked_in_strings(view, view.text)
        yield from _unreachable(view.added, view.text, view.patch.added.numbers, view.removed.lines.text)
    elif view.kind is Kind.PYTHON and view.status is FileStatus.REMOVED and view.snapshot.texts:
        # A deleted module's lines are all of it: its unreachable code is paid, or cancels the same code moved.
        # Only in a review that reads whole modules: diff-only, the new module it moved to is not read.
        yield from _unreachable(view.removed, view.removed.lines.text, view.patch.removed.numbers)
    commented: dict[Side, list[Hit]] = {Side.ADDED: [], Side.REMOVED: []}
    for side in view.source_sides():
        commented[side.side] = list(commented_out_code(view, side))
        for m in side.search(DISABLED_BRANCH):
            if m.text[: side.column(m)].strip() not in ("", "el") or _empty_generator(side, m.index):
                continue
            if view.kind is Kind.PYTHON and in_triple_quotes(view, side, m):
                continue  # a line of an expected output or a template: text in a string
            statement = m.text.strip()
            if m.group(1) in ("True", "1"):
                if not _else_below(view, side, m):
                    continue  # `if True:` alone runs its block: nothing is disabled
                message = f"Code disabled with `{statement}`: the branches after it never run"
            else:
                message = f"Code disabled with `{statement}`"
            yield side.hit(m, message, content=statement_key(statement))
    added, removed = commented[Side.ADDED], commented[Side.REMOVED]
    if added and removed:
        added, removed = _without_rewrapped(added, removed)
    # Lines rewritten inside a block of commented-out code that stays pay nothing, and the lines they became are
    # not new: the block was edited, not deleted or written.
    standing = [(hit, _standing_block(view, hit)) for hit in removed]
    spans = [span for _, span in standing if span is not None]
    yield from (hit for hit in added if not any(_overlaps(hit, span) for span in spans))
    yield from (hit for hit, span in standing if span is None)


def commented_out_code(view: FileView, side: SideView) -> list[Hit]:
    """The side's pieces of commented-out code, each joined across the blank lines and comments that split it: read
    once a side, for this rule and for the task tags that sit in them (CODE001, MODEL017)."""
    return side.memo("commented-out-code", lambda: _commented_out_code(view, side))


def _commented_out_code(view: FileView, side: SideView) -> list[Hit]:
    found: list[Hit] = []
    for m in side.search(COMMENT_RUN):
        first = m.index if not m.text[: side.column(m)].strip() else m.index + 1
        last = side.lines.at(m.match.end() - 1)
        if last - first + 1 >= MIN_BLOCK_LINES:
            hits = list(_commented_code(side, first, last))
            if hits and in_docstring(view, side, m):
                continue  # `#` lines in a docstring's example (its printed output, say) are documentation
            for hit in hits:  # a block the change's context lines split (comments, blanks) is one piece too
                found += _joined(view, side, found, [hit])
    return found


def _else_below(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the `if True:` at `m` has an `elif` or `else:` of its own below its block, as far as the file shows."""
    indent = len(m.text) - len(m.text.lstrip())
    for line in lines_after(view, side.side, m.number, _ELSE_LOOKAHEAD):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#") or len(line) - len(stripped) > indent:
            continue  # the block's own lines
        return len(line) - len(stripped) == indent and stripped.startswith(("else:", "else :", "elif "))
    return False


def _overlaps(hit: Hit, span: tuple[int, int]) -> bool:
    """Whether the hit's lines reach into the span: its comment lines and the span's are one block."""
    first, last = span
    return hit.line is not None and hit.line <= last and first <= (hit.end_line or hit.line)


def _joined(view: FileView, side: SideView, before: list[Hit], hits: list[Hit]) -> list[Hit]:
    """The new hits, the first joined to the last hit before it when only blank lines (up to _MAX_BLANKS_INSIDE in a
    row) and comments lie between the two: one piece of commented-out code whose paragraphs blank lines split (a
    commented-out test function), or a commented-out docstring or note splits, is one occurrence."""
    if not before or not hits:
        return hits
    last, first = before[-1], hits[0]
    if last.line is None or last.end_line is None or first.line is None:
        return hits  # never: commented-out code has lines
    gap = first.line - last.end_line - 1
    if not 0 < gap <= _MAX_LINES_BETWEEN:
        return hits
    between = lines_before(view, side.side, first.line, gap)
    if len(between) != gap or not _only_comments_between(between):
        return hits
    content = f"{last.content}\n{first.content}"
    count = content.count("\n") + 1  # a line of content for each comment line, as `_commented_code` counts
    before[-1] = replace(
        last,
        end_line=first.end_line,
        content=content,
        message=f"Commented-out code ({count} lines): {content.strip().splitlines()[0][:80]}",
    )
    return hits[1:]


def _only_comments_between(lines: list[str]) -> bool:
    """Whether lines are blank or comments alone, with no more than _MAX_BLANKS_INSIDE blank lines in a row."""
    blanks = 0
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#"):
            return False
        blanks = 0 if text else blanks + 1
        if blanks > _MAX_BLANKS_INSIDE:
            return False
    return True


def _without_rewrapped(added: list[Hit], removed: list[Hit]) -> tuple[list[Hit], list[Hit]]:
    """Both sides' blocks of commented-out code without those that are the same code formatted anew (a formatter
    re-wrapping the block, `f(a, b)` spread over three lines): neither new nor paid."""
    left: list[str | None] = [_canonical(hit.content) for hit in removed]  # None once matched
    kept: list[Hit] = []
    for hit in added:
        form = _canonical(hit.content)
        if form in left:
            left[left.index(form)] = None
        else:
            kept.append(hit)
    return kept, [hit for hit, form in zip(removed, left, strict=True) if form is not None]


def _canonical(code: str) -> str:
    """The code as Python reads it, formatting and comments aside."""
    try:
        return ast.dump(ast.parse(_closed(code)))
    except (SyntaxError, ValueError):
        return normalize(code)


def _opens_string(text: str) -> bool:
    """Whether STRING_OPENER matches in `text`, found from the quotes (sre would try its `^` everywhere)."""
    for quotes in ('"""', "'''"):
        at = text.find(quotes)
        while at != -1:
            if _BEFORE_QUOTES.fullmatch(text, text.rfind("\n", 0, at) + 1, at):
                return True
            at = text.find(quotes, at + 1)
    return False


def _parked_in_strings(view: FileView, text: str) -> Iterator[Hit]:
    """String statements (docstring position included) the change adds whose text is Python code."""
    tree = parse_python(text)
    if not isinstance(tree, ast.Module):
        return
    added = frozenset(view.patch.added.numbers())
    before: frozenset[str] | None = None  # the module's strings before the change, read when a string holds code
    for node, value in string_statements(tree.body):
        if node.lineno not in added or "\n" not in value.strip() or not _two_code_like_lines(value):
            continue
        code = inspect.cleandoc(value)
        lines = [line for line in code.splitlines() if line.strip()]
        if sum(1 for line in lines if CODE_LIKE.match(line.strip())) < 2 or not _is_code(code):
            continue
        before = _strings_before(view) if before is None else before
        if normalize(code) in before:
            continue  # the same string before the change, laid out anew (a docstring's first line unindented)
        yield Hit(
            side=Side.ADDED,
            path=view.path,
            line=node.lineno,
            end_line=node.end_lineno,
            content=code,
            message=f"Code parked in a string ({len(lines)} lines): {lines[0].strip()[:80]}",
        )


def _strings_before(view: FileView) -> frozenset[str]:
    """The string statements of the module before the change, blanks aside (none when its old text is unknown)."""
    text = old_text(view)
    tree = parse_python(text) if text is not None else None
    if not isinstance(tree, ast.Module):
        return frozenset()
    return frozenset(normalize(value) for _, value in string_statements(tree.body))


#: Statements after which nothing in the same block runs.
_EXITS: dict[type, str] = {ast.Return: "return", ast.Raise: "raise", ast.Continue: "continue", ast.Break: "break"}


def _unreachable(side: SideView, text: str, changed_lines: Callable[[], list[int]], before: str = "") -> Iterator[Hit]:
    """Statements after a return, raise, continue or break in their block, when the change adds (or removes)
    the exit or the first statement after it. An exit added before code that ran is a live path disabled:
    medium. `text` is the whole module on that side; `before`, the lines the change removes from it, where
    the same exit and statement after it, only re-indented or moved, are not new."""
    tree = parse_python(text)
    if not isinstance(tree, ast.Module):
        return
    found = list(_exits_with_code_after(tree))
    if not found:
        return  # most modules: no need for the change's line numbers or the text's lines
    added = frozenset(changed_lines())
    lines = text.splitlines()
    removed: list[str] = []
    for node, dead in found:
        new_exit = node.lineno in added
        if not (new_exit or dead[0].lineno in added):
            continue
        first, last = dead[0].lineno, dead[-1].end_lineno or dead[-1].lineno
        if before:
            removed = removed or before.split("\n")
            if _was_unreachable(lines[node.lineno - 1 : dead[0].end_lineno or first], first - node.lineno, removed):
                continue
        opening = lines[first - 1].strip()
        yield Hit(
            side=side.side,
            path=side.path,
            line=first,
            end_line=last,
            content=f"unreachable after {lines[node.lineno - 1].strip()}: {opening}",
            message=(
                f"Unreachable code after `{_EXITS[type(node)]}` on line {node.lineno} "
                f"({len(dead)} statement{'s' if len(dead) > 1 else ''}): {opening[:80]}"
            ),
            severity=Severity.MEDIUM if new_exit and any(s.lineno not in added for s in dead) else None,
        )


def _was_unreachable(block: list[str], after: int, removed: list[str]) -> bool:
    """Whether the lines of `block` (an exit, then from line `after` the statement it cuts off) are among the
    `removed` lines, re-indented at most, with the statement still in the exit's block (as deep)."""
    wanted = [line.strip() for line in block]
    for i, line in enumerate(removed):
        if line.strip() == wanted[0] and [r.strip() for r in removed[i : i + len(wanted)]] == wanted:
            cut_off = removed[i + after]
            if len(line) - len(line.lstrip()) == len(cut_off) - len(cut_off.lstrip()):
                return True
    return False


def _exits_with_code_after(tree: ast.Module) -> Iterator[tuple[ast.stmt, list[ast.stmt]]]:
    """Each exit followed by statements in its block, with those statements (`return` then `yield` excepted)."""
    for block in blocks(tree.body):
        for index, node in enumerate(block[:-1]):
            if type(node) in _EXITS:
                dead = block[index + 1 :]
                if not (all(map(_is_yield, dead)) or all(map(_does_nothing, dead))):
                    yield node, dead
                break


def _is_yield(node: ast.stmt) -> bool:
    """`return` then `yield`: the idiom for a generator that yields nothing."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Yield | ast.YieldFrom)


def _does_nothing(node: ast.stmt) -> bool:
    """`pass`, `...`, a string or a bare `return` after an exit (`raise NotImplementedError` then `return`, for a
    docstring checker): no code path of its own, so no experiment left behind (code parked in the string is reported
    as such)."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Return):
        return node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and (node.value.value is Ellipsis or isinstance(node.value.value, str))
    )


def _two_code_like_lines(text: str) -> bool:
    """Whether two lines of `text` start like a statement: most docstrings are prose, and are let go before
    `inspect.cleandoc`, which only changes whitespace (CODE_LIKE reads lines stripped, tabs as any space)."""
    found = 0
    for line in text.splitlines():
        if CODE_LIKE.match(line.strip()):
            found += 1
            if found == 2:
                return True
    return False


def _empty_generator(side: SideView, index: int) -> bool:
    """`if False: yield` is the idiom for a generator that yields nothing, not a disabled path."""
    lines = side.lines
    if index + 1 >= len(lines) or lines.number(index + 1) != lines.number(index) + 1:
        return False
    return lines.line(index + 1).lstrip().startswith("yield")


#: The opening line of a script's inline metadata (PEP 723: `# /// script`, then TOML, then `# ///`), which `uv run`
#: and pipx read: its `dependencies = [` is the script's manifest, not code commented out.
_INLINE_METADATA = lazy(r"/// [a-z][a-z0-9-]*")


def _commented_code(side: SideView, first: int, last: int) -> Iterator[Hit]:
    """Hits for the commented-out code inside comment lines `first..last` of a side (consecutive in the file)."""
    lines = side.lines
    block = lines.text[lines.start(first) : lines.start(last) + len(lines.line(last))]
    bodies = tuple(line.lstrip()[1:] for line in block.split("\n"))
    while all(body.lstrip().startswith("#") for body in bodies if body.strip()) and any(map(str.strip, bodies)):
        # Commented out twice (`# # x = f()`): code still, which one level less (`# x = f()`) does not make new.
        bodies = tuple(body.lstrip()[1:] if body.strip() else body for body in bodies)
    if _shows_usage(bodies) or ("///" in block and any(_INLINE_METADATA.fullmatch(body.strip()) for body in bodies)):
        return
    # Line numbers rise along a side: when the block's ends are as far apart in the file as in the side, every
    # line between is consecutive, and the lines are not numbered one by one (they seldom have gaps).
    if lines.number(last) - lines.number(first) == last - first:
        ends = [len(bodies)]
    else:
        numbers = [lines.number(first + i) for i in range(len(bodies))]
        ends = [i for i in range(1, len(bodies) + 1) if i == len(bodies) or numbers[i] != numbers[i - 1] + 1]
    start = 0
    documented: bool | None = None  # under an example heading: asked only of a block that holds code
    for i in ends:
        stretches = _code_stretches(bodies[start:i])
        if stretches:
            if documented is None:
                documented = _shows_usage(_section_above(side, first))
            if documented:
                return
            # The stretches of one run of comment lines are one piece of commented-out code, however its lines
            # parse apart (a `break` left outside its loop, a comment commented out inside it).
            code = "\n".join(code for _, _, code, _ in stretches)
            count = sum(count for _, _, _, count in stretches)
            yield Hit(
                side=side.side,
                path=side.path,
                line=lines.number(first + start + stretches[0][0]),
                end_line=lines.number(first + start + stretches[-1][1]),
                content=code,
                message=f"Commented-out code ({count} lines): {code.strip().splitlines()[0][:80]}",
            )
        start = i


#: How far around where a removed block stood its comment block is read in the post-change module.
_AROUND = 25


def _standing_block(view: FileView, hit: Hit) -> tuple[int, int] | None:
    """The post-change module's block of comment lines where the removed block stood (on the line it stood before, or
    the one above), as its first and last line, when it still holds commented-out code: the block was edited, not
    deleted. Python modules whose text is known."""
    if view.kind is not Kind.PYTHON or view.text is None or hit.line is None:
        return None
    stood = view.removed.memo("stood-before", view.patch.stood_before).get(hit.line)
    if stood is None:
        return None
    lines = view.added.memo("module-lines", view.text.splitlines)

    def comment(number: int) -> str | None:
        body = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        return body.lstrip("#").strip() if body.startswith("#") else None

    # The comment lines around where the block stood, as many as a block needs, holding code as a block does.
    above = list(takewhile(lambda c: c is not None, map(comment, range(stood - 1, stood - 1 - _AROUND, -1))))
    below = list(takewhile(lambda c: c is not None, map(comment, range(stood, stood + _AROUND))))
    code = sum(1 for c in chain(above, below) if c and CODE_LIKE.match(c))
    return (stood - len(above), stood + len(below) - 1) if code >= MIN_BLOCK_LINES else None


def _section_above(side: SideView, first: int) -> tuple[str, ...]:
    """The comments above line `first` up to the code before them, blank lines between included: the heading of a
    section of commented-out alternatives (`# Example to use ...`, then `# Method 2: ...` after a blank line)."""
    bodies: list[str] = []
    for line in reversed(side.lines_above(first, MAX_SECTION_LOOKBACK)):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        bodies.append(stripped[1:])
    return tuple(bodies)


# The same comment blocks come back file after file (a license header, say): each is judged once.
@lru_cache(maxsize=1024)
def _shows_usage(bodies: tuple[str, ...]) -> bool:
    """Whether a comment's prose says it shows usage: words of a line of code (`for instance in ...:`, a string
    holding a Markdown fence), or of a docstring of the commented-out code (a class's "Example:"), are the code's."""
    shown = {i for i, body in enumerate(bodies) if EXAMPLE.search(body) and not CODE_LIKE.match(body.strip())}
    if not shown:
        return False  # most blocks: no string to follow
    quotes: str | None = None  # the triple quotes of a string the lines so far left open
    for i, body in enumerate(bodies[: max(shown) + 1]):
        if i in shown and quotes is None and not body.lstrip().startswith(_TRIPLE_QUOTES):
            return True
        quotes = _quotes_open_after(body, quotes)
    return False


_TRIPLE_QUOTES = ('"""', "'''")


def _quotes_open_after(line: str, quotes: str | None) -> str | None:
    """The triple quotes of a string still open after `line`, given those open before it."""
    at = 0
    while True:
        if quotes is None:
            found = [(line.find(q, at), q) for q in _TRIPLE_QUOTES]
            opened = min(((i, q) for i, q in found if i != -1), default=None)
            if opened is None:
                return None
            at, quotes = opened[0] + 3, opened[1]
        else:
            closed = line.find(quotes, at)
            if closed == -1:
                return quotes
            at, quotes = closed + 3, None


@lru_cache(maxsize=1024)
def _code_stretches(bodies: tuple[str, ...]) -> tuple[tuple[int, int, str, int], ...]:
    """The stretches of commented-out code among comment bodies: (first, last, code, lines), indexes in `bodies`."""
    found: list[tuple[int, int, str, int]] = []
    stretch: list[int] = []
    for i, body in enumerate([*bodies, ""]):
        stripped = body.strip()
        # A blank line, a comment commented out with the code (`#     # check the outputs`), an open bracket, or a
        # docstring (its opening line, then its prose) carries the stretch on.
        continues = bool(stretch) and (
            not stripped
            or stripped.startswith(("#", '"""', "'''"))
            or _open_brackets(bodies, stretch) > 0
            or _open_string(bodies, stretch)
        )
        if i < len(bodies) and (CODE_LIKE.match(_without_comment(stripped)) or continues):
            stretch.append(i)
            continue
        # A prose line ending in ':' introduces what follows as an illustration, not as dead code.
        introduced = bool(stretch) and stretch[0] > 0 and bodies[stretch[0] - 1].rstrip().endswith(":")
        while stretch and (not bodies[stretch[-1]].strip() or bodies[stretch[-1]].strip().startswith("#")):
            stretch.pop()
        if len(stretch) >= MIN_BLOCK_LINES and not introduced:
            code = textwrap.dedent("\n".join(bodies[j] for j in stretch))
            if _is_code(code):
                found.append((stretch[0], stretch[-1], code, len(stretch)))
        stretch = []
    return tuple(found)


def _without_comment(body: str) -> str:
    """A commented-out line without the comment it carried (`with open(path) as reader:  # open_file`)."""
    if "#" not in body or body.startswith("#"):
        return body  # most lines; and one that is all comment carries a stretch on as it is
    start = comment_start(body, Kind.PYTHON)
    return body if start is None else body[: start - 1].rstrip()


def _open_brackets(bodies: tuple[str, ...], stretch: list[int]) -> int:
    text = "".join(bodies[j] for j in stretch)
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


def _open_string(bodies: tuple[str, ...], stretch: list[int]) -> bool:
    """Whether the stretch so far leaves a triple-quoted string open (a commented-out function's docstring)."""
    text = "".join(bodies[j] for j in stretch)
    return (text.count('"""') + text.count("'''")) % 2 == 1


def _closed(code: str) -> str:
    """The code with a body for a block opener whose body was not commented out with it."""
    last = _without_comment(code.rstrip().rsplit("\n", 1)[-1])
    if last.endswith(":"):
        return code + "\n" + " " * (len(last) - len(last.lstrip()) + 4) + "pass"
    return code


def _is_code(code: str) -> bool:
    """True when the text parses as Python and is not a list of bare words (prose that happens to parse)."""
    try:
        tree = ast.parse(_closed(code))
    except (SyntaxError, ValueError):
        return False
    return bool(tree.body) and not any(
        isinstance(node, ast.Expr) and isinstance(node.value, _TRIVIAL) for node in tree.body
    )
