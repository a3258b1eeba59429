"""Reading a matched call whole for the model rules: its arguments across lines, parsed with `ast`.

A keyword on the next line of a call (`weights_only=True`, `random_state=0`) belongs to the call, and may
sit on an unchanged line: the module's text is read when known (after the change, or before it for a removed
call). Only matched calls are parsed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from checks.diff import LineSet, line_offsets
from checks.finding import Side
from checks.lazyre import lazy
from checks.paths import Kind
from checks.rules.python_strings import inside, old_text, triple_quoted_spans
from checks.views import FileView, Match, SideView

#: How far up a Markdown code fence is looked for, around a match whose docstring opening is not in the diff.
MAX_FENCE_LOOKBACK = 40
_FENCE = lazy(r"\s*```\s*(\w*)")
#: How far a call is followed past its first line, and how far back its opening is looked for.
MAX_CALL_LINES = 25
MAX_LOOKBACK_LINES = 15
_OPEN, _CLOSE = "([{", ")]}"
#: The dotted name that ends where a call's `(` begins.
CALLEE = lazy(r"[\w.]*$")
_HASH_REVISION = lazy(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class Call:
    """One call's source text (callee to closing bracket) and, when it parses, its `ast.Call`."""

    text: str
    end_line: int
    node: ast.Call | None
    #: False when the call runs on past the known lines (diff-only, continued on unchanged lines).
    complete: bool = True

    @property
    def key(self) -> str:
        """What identifies the call wherever it moves and however it is formatted."""
        if self.node is not None:
            return ast.unparse(self.node)
        return "".join(self.text.split())

    def keyword(self, name: str) -> ast.expr | None:
        if self.node is None:
            return None
        return next((k.value for k in self.node.keywords if k.arg == name), None)

    def has(self, name: str) -> bool:
        return self.keyword(name) is not None

    @property
    def splats(self) -> bool:
        """True when `**kwargs` (or `*args`) may carry any argument: the call cannot be judged."""
        if self.node is None:
            return "*" in self.text
        return any(k.arg is None for k in self.node.keywords) or any(isinstance(a, ast.Starred) for a in self.node.args)

    def positional(self, index: int) -> ast.expr | None:
        if self.node is None or index >= len(self.node.args):
            return None
        return self.node.args[index]

    def argument(self, index: int | None, *names: str) -> ast.expr | None:
        """The argument passed at position `index` or by one of `names`."""
        for name in names:
            value = self.keyword(name)
            if value is not None:
                return value
        return self.positional(index) if index is not None else None

    def string(self, index: int | None, *names: str) -> str | None:
        """The literal string passed at position `index` or by one of `names`, if it is a literal."""
        return literal_str(self.argument(index, *names))

    def first_string(self) -> str | None:
        """The first positional argument that is a string literal (`PeftModel.from_pretrained(base, "org/x")`)."""
        if self.node is None:
            return None
        return next((s for a in self.node.args if (s := literal_str(a)) is not None), None)

    def is_true(self, name: str) -> bool:
        value = self.keyword(name)
        return isinstance(value, ast.Constant) and value.value is True


def literal_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_commit_hash(value: str) -> bool:
    return _HASH_REVISION.match(value) is not None


class Revision(StrEnum):
    """How a call pins its revision: to a commit hash, to a branch or tag, through a variable, or not at all."""

    HASH = "hash"
    FLOATING = "floating"
    VARIABLE = "variable"
    MISSING = "missing"

    @classmethod
    def of(cls, call: Call, name: str = "revision") -> Revision:
        value = call.keyword(name)
        if value is None:
            return cls.MISSING
        text = literal_str(value)
        if text is None:
            return cls.VARIABLE
        return cls.HASH if is_commit_hash(text) else cls.FLOATING


class CallReader:
    """Reads calls on one side of one file; built once per side so the module's text is split once."""

    def __init__(self, view: FileView, side: SideView) -> None:
        self.side = side
        self._module_text = _module_text(view, side)

    # What follows is read from the whole side (or its module) and kept on the side, for every model rule.
    @cached_property
    def _module_lines(self) -> list[str] | None:
        text = self._module_text
        return self.side.memo("module-lines", text.splitlines) if text is not None else None

    def in_docstring(self, m: Match) -> bool:
        """True when the match sits in a triple-quoted string: a docstring's usage example is not the program. Read in
        the whole module when it is known (as it is after the change, or as it was for removed lines), else in the
        side's own lines."""
        module = self._module_lines
        if module is not None and 0 < m.number <= len(module) and module[m.number - 1] == m.text:
            text, starts = self._module_joined
            return inside(self._spans(text), starts[m.number - 1] + self.side.column(m))
        if self._in_fenced_example(m):
            return True
        return inside(self._spans(self.side.lines.text), self.side.lines.start(m.index) + self.side.column(m))

    def _in_fenced_example(self, m: Match) -> bool:
        """Diff-only: a docstring's opening quotes may lie outside the hunk, but its Markdown code fence is near.

        The nearest fence above (within the side's consecutive lines) opens an example when it names a language.
        """
        lines = self.side.lines
        index = m.index
        # Most matches have no fence above: look for "```" in the lines above at C speed before walking them.
        text = lines.text
        end = above = lines.start(index)
        for _ in range(MAX_FENCE_LOOKBACK):
            if above == 0:
                break
            above = text.rfind("\n", 0, above - 1) + 1
        if text.find("```", above, end) == -1:
            return False
        number = m.number
        for _ in range(MAX_FENCE_LOOKBACK):
            if index == 0 or lines.number(index - 1) != number - 1:
                return False
            index -= 1
            number -= 1
            fence = _FENCE.match(lines.line(index))
            if fence is not None:
                return bool(fence.group(1))
        return False

    @cached_property
    def _module_joined(self) -> tuple[str, list[int]]:
        def joined() -> tuple[str, list[int]]:
            lines = self._module_lines or []
            return "\n".join(lines), line_offsets(lines)

        return self.side.memo("module-joined", joined)

    def _spans(self, text: str) -> list[tuple[int, int]]:
        cache: dict[int, list[tuple[int, int]]] = self.side.memo("triple-quoted-spans", dict)
        cached = cache.get(id(text))
        if cached is None:
            # The side's own lines jump over the lines it does not hold (context, the other side's): a string
            # opened before a jump may close in a line not shown, so none is read across one.
            jump = _Jumps(self.side.lines) if text is self.side.lines.text else None
            cached = cache[id(text)] = triple_quoted_spans(text, jump)
        return cached

    def call(self, m: Match, open_column: int | None = None) -> Call | None:
        """The call whose `(` is at `open_column` of the match's line (default: the match's last character)."""
        if open_column is None:
            open_column = self.side.column(m) + len(m.group(0)) - 1
        lines, first_number, at = self._window(m, 0, MAX_CALL_LINES)
        return _read_call(lines, first_number, at, open_column)

    def enclosing_call(self, m: Match) -> Call | None:
        """The innermost call whose brackets contain the match (`f(x,\\n trust_remote_code=True)` gives `f`)."""
        lines, first_number, at = self._window(m, MAX_LOOKBACK_LINES, MAX_CALL_LINES)
        opening = _innermost_open(lines[: at + 1], at, self.side.column(m))
        if opening is None:
            return None
        line_index, column = opening
        return _read_call(lines, first_number, line_index, column)

    def lines_of(self, m: Match, call: Call) -> list[str]:
        """The lines the call spans, from the match's to the one it closes on (and what follows it there)."""
        lines, _, at = self._window(m, 0, call.end_line - m.number + 1)
        return lines[at:]

    def lines_before(self, m: Match, count: int) -> list[str]:
        """Up to `count` lines just before the match's line (the module's, or the side's consecutive ones)."""
        lines, _, at = self._window(m, count, 1)
        return lines[:at]

    def _window(self, m: Match, before: int, after: int) -> tuple[list[str], int, int]:
        """Lines around the match: (lines, number of the first, index of the match's line among them)."""
        module = self._module_lines
        number = m.number
        if module is not None and 0 < number <= len(module) and module[number - 1] == m.text:
            start = max(0, number - 1 - before)
            return module[start : number - 1 + after], start + 1, number - 1 - start
        # Without the module's text, only the side's own consecutive lines continue the statement.
        # Each line's number is asked once: the one beside it is known.
        lines = self.side.lines
        low, first = m.index, m.number
        while low > 0 and m.index - low < before and lines.number(low - 1) == first - 1:
            low, first = low - 1, first - 1
        high, last = m.index + 1, m.number
        while high < len(lines) and high - m.index < after and lines.number(high) == last + 1:
            high, last = high + 1, last + 1
        return [lines.line(i) for i in range(low, high)], first, m.index - low


def _module_text(view: FileView, side: SideView) -> str | None:
    """The whole module a side's lines belong to, when known (after the change, or as it was for removed lines): a
    call's other lines may be context the diff does not repeat. None for a notebook, whose source sides carry decoded
    cell lines: its JSON is no Python to continue into."""
    if view.kind is Kind.NOTEBOOK:
        return None
    return view.text if side.side is Side.ADDED else old_text(view)


class _Jumps:
    """Where a side's text jumps over lines it does not hold (context, the other side's), asked in rising order:
    `jumps(start, end)` is the offset of the first line between offsets `start` and `end` that does not follow the
    line before it in the file, or None: where a string opened at `start` may have closed unseen."""

    def __init__(self, lines: LineSet) -> None:
        self._lines = lines
        # Where the last call started, and the index of its line: the next call counts newlines from there.
        self._offset = 0
        self._index = 0

    def __call__(self, start: int, end: int) -> int | None:
        lines, text = self._lines, self._lines.text
        if start < self._offset:
            self._offset = self._index = 0
        self._index += text.count("\n", self._offset, start)
        self._offset = start
        first, count = self._index, text.count("\n", start, end)
        origin = lines.number(first)
        if lines.number(first + count) - origin == count:
            return None  # numbers rise by one a line, unless a jump lies between
        low, high = first + 1, first + count  # the jump is the first line whose number runs ahead of its index
        while low < high:
            middle = (low + high) // 2
            if lines.number(middle) - origin == middle - first:
                low = middle + 1
            else:
                high = middle
        at = start
        for _ in range(low - first):
            at = text.index("\n", at) + 1
        return at


def _read_call(lines: list[str], first_number: int, line_index: int, open_column: int) -> Call | None:
    first = lines[line_index]
    if open_column >= len(first) or first[open_column] != "(":
        return None
    name = CALLEE.search(first[:open_column])
    start = name.start() if name is not None else open_column
    end = _closing(lines, line_index, open_column)
    if end is None:
        # The call runs past what is known (diff-only, or cut off): its text so far, unparsed.
        tail = lines[line_index:]
        text = "\n".join([first[start:], *tail[1:]])
        return Call(text=text, end_line=first_number + len(lines) - 1, node=None, complete=False)
    end_index, end_column = end
    if end_index == line_index:
        text = first[start : end_column + 1]
    else:
        middle = lines[line_index + 1 : end_index]
        text = "\n".join([first[start:], *middle, lines[end_index][: end_column + 1]])
    return Call(text=text, end_line=first_number + end_index, node=_parse_call(text.lstrip(".")))


def _parse_call(text: str) -> ast.Call | None:
    source = text if text[:1].isidentifier() else "_" + text
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return tree.body if isinstance(tree.body, ast.Call) else None


def _closing(lines: list[str], line_index: int, open_column: int) -> tuple[int, int] | None:
    """Where the bracket opened at (`line_index`, `open_column`) closes, skipping strings and comments."""
    depth = 0
    quote = ""
    for index in range(line_index, len(lines)):
        line = lines[index]
        i = open_column if index == line_index else 0
        n = len(line)
        while i < n:
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
                break
            elif ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth -= 1
                if depth == 0:
                    return index, i
            i += 1
        if len(quote) == 1:
            quote = ""  # a one-quote string never spans lines
    return None


def _innermost_open(lines: list[str], last_index: int, last_column: int) -> tuple[int, int] | None:
    """The innermost `(` still open at (`last_index`, `last_column`), reading forward from the window's start.

    The match is in code: when this reading has it inside a triple-quoted string, the window began inside one (a
    class docstring's closing quotes read as opening ones), and the reading starts again past those quotes' line."""
    stack: list[tuple[int, int, str]] = []
    quote = ""
    opened = 0  # the line of the string open last
    for index, line in enumerate(lines):
        n = last_column if index == last_index else len(line)
        i = 0
        while i < n:
            ch = line[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif line.startswith(quote, i):
                    i += len(quote) - 1
                    quote = ""
            elif ch in "\"'":
                quote = ch * 3 if line.startswith(ch * 3, i) else ch
                opened = index
                i += len(quote) - 1
            elif ch == "#":
                break
            elif ch in _OPEN:
                stack.append((index, i, ch))
            elif ch in _CLOSE and stack:
                stack.pop()
            i += 1
        if len(quote) == 1:
            quote = ""
    if quote and opened < last_index:
        found = _innermost_open(lines[opened + 1 :], last_index - opened - 1, last_column)
        return None if found is None else (found[0] + opened + 1, found[1])
    for index, column, ch in reversed(stack):
        if ch == "(":
            return index, column
    return None
