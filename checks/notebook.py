"""Jupyter notebooks read as JSON: cell sources and outputs are different things."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from checks.diff import Line, LineSet

#: Largest notebook parsed whole; bigger ones fall back to the diff-only reading.
MAX_NOTEBOOK_CHARS = 20_000_000


class NotebookError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Cell:
    cell_type: str
    source: str
    execution_count: int | None
    outputs: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Notebook:
    cells: tuple[Cell, ...]

    @classmethod
    def parse(cls, text: str) -> Notebook:
        if len(text) > MAX_NOTEBOOK_CHARS:
            raise NotebookError(f"notebook larger than {MAX_NOTEBOOK_CHARS} characters")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise NotebookError(f"notebook is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("cells", []), list):
            raise NotebookError("notebook JSON has no list of cells")
        cells = []
        for raw in data.get("cells", []):
            if not isinstance(raw, dict):
                raise NotebookError("notebook cell is not an object")
            source = raw.get("source", "")
            if isinstance(source, list):
                source = "".join(s for s in source if isinstance(s, str))
            count = raw.get("execution_count")
            outputs = raw.get("outputs") or []
            cells.append(
                Cell(
                    cell_type=str(raw.get("cell_type", "")),
                    source=source if isinstance(source, str) else "",
                    execution_count=count if isinstance(count, int) else None,
                    outputs=tuple(o for o in outputs if isinstance(o, dict)) if isinstance(outputs, list) else (),
                )
            )
        return cls(tuple(cells))

    def code_cells(self) -> Iterator[Cell]:
        return (c for c in self.cells if c.cell_type == "code")


@dataclass(frozen=True, slots=True)
class CellSpan:
    """A code cell and the file lines (1-based, inclusive) that hold its source items."""

    cell: Cell
    first: int
    last: int


def code_cell_spans(text: str, notebook: Notebook) -> list[CellSpan] | None:
    """Where each non-empty code cell's source sits in the notebook's text, as nbformat lays it out.

    nbformat writes sorted keys and one JSON string per source line between `"source": [` and `]`.
    A notebook written otherwise (minified, a single source string, unsorted keys) gives None: every
    span found must decode to its cell's source, so a span is never pinned on the wrong lines.
    """
    cells = [c for c in notebook.code_cells() if c.source]
    lines = text.splitlines()
    spans: list[CellSpan] = []
    code = False
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped.startswith('"cell_type":'):
            code = stripped.removesuffix(",").split(":", 1)[1].strip() == '"code"'
        elif code and stripped == '"source": [':
            end = index + 1
            while end < len(lines) and lines[end].strip() not in ("]", "],"):
                end += 1
            if len(spans) == len(cells):
                return None
            spans.append(CellSpan(cells[len(spans)], index + 2, end))
            code = False
            index = end
        index += 1
    if len(spans) != len(cells):
        return None
    for span in spans:
        items = [decode_json_string_line(line) for line in lines[span.first - 1 : span.last]]
        if None in items or "".join(item or "" for item in items) != span.cell.source:
            return None
    return spans


def decode_json_string_line(raw: str) -> str | None:
    """The string in a notebook JSON line such as `    "x = 1\\n",`, or None when it is not one."""
    body = raw.strip()
    if body.endswith(","):
        body = body[:-1]
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def code_source_lines(lines: LineSet, post: Notebook | None) -> LineSet:
    """The diff lines that are code-cell source, decoded from JSON.

    With the post-change notebook, a line counts when its text is a line of some code cell.
    Without it, the diff-only heuristic: nbformat writes cell source items at four spaces of
    indent and output text deeper, so only four-space string items are taken.
    """
    sources: set[str] | None = None
    if post is not None:
        sources = set()
        for cell in post.code_cells():
            sources.update(s.rstrip("\n") for s in cell.source.splitlines())
    picked: list[Line] = []
    for index, raw in enumerate(lines.texts()):
        if sources is None and not (raw.startswith('    "') and not raw.startswith("     ")):
            continue
        value = decode_json_string_line(raw)
        if value is None:
            continue
        # One string item may hold several source lines (a hand-edited notebook): each is a line of its own,
        # at the diff line that holds them, so no line a rule sees holds a newline.
        for part in value.splitlines() or [""]:
            if sources is None or part in sources:
                picked.append(Line(lines.number(index), part))
    return LineSet.of(picked)
