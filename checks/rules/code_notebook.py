"""What a committed notebook carries from its last run: outputs (CODE003) and execution order (CODE004).

Both read the diff's JSON lines to know what the change itself wrote (outputs or counts an unchanged
notebook already had are not new), and the parsed post-change notebook, when known, for the whole picture.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.notebook import Notebook
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.views import FileView, Match, SideView

OUTPUT = lazy(r'"output_type"\s*:\s*"(?:stream|execute_result|display_data|error)"')
ERROR_OUTPUT = lazy(r'"output_type"\s*:\s*"error"')
#: An inline base64 image; its size is read from the rest of the line (nbformat writes it on one line).
IMAGE = lazy(r'"image/(?:png|jpeg|gif|webp|bmp)"\s*:\s*"')
#: A developer's own folders (not container users such as jovyan or CI runners).
LOCAL_PATH = lazy(
    r"/home/(?!jovyan/|runner/|user/)[\w.-]+/|/Users/(?!Shared/)[\w.-]+/|"
    r"\b[A-Za-z]:(?:\\\\|/)+Users(?:\\\\|/)+[\w.-]+|/content/drive/"
)
#: Access tokens with a recognisable prefix (Hugging Face, GitHub, AWS, OpenAI, Slack). Not `sk-` and a UUID:
#: the element id of scikit-learn's HTML repr of an estimator.
SECRET = lazy(
    r"\b(?:hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{36}|AKIA[0-9A-Z]{16}|"
    r"sk-(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)[A-Za-z0-9_-]{32,}|"
    r"xox[abpr]-[A-Za-z0-9-]{20,})"
)
#: A pandas DataFrame rendered as HTML (nbformat stores the quotes escaped), and the size pandas states under it.
DATAFRAME = lazy(r'class=\\"dataframe\\"')
FRAME_SIZE = lazy(r"(\d[\d,]*) rows (?:\u00d7|\\u00d7) (\d[\d,]*) columns")  # "×" as written, or JSON-escaped
EXECUTION_COUNT = lazy(r'"execution_count"\s*:\s*(\d+)')
#: A cell's `cell_type` key: where a cell's own keys stand, as the notebook's JSON is indented.
_CELL_TYPE = lazy(r'"cell_type"\s*:')
_INDENT = lazy(r"[ \t]*")


@dataclass(frozen=True)
class _Escalation:
    content: str
    message: str


_ERROR = _Escalation("error traceback in outputs", "Notebook output holds an error traceback")
_IMAGE = _Escalation("large image in outputs", "Notebook output holds a large image")
_PATH = _Escalation("local path in outputs", "Notebook output shows a developer's local path")
_SECRET = _Escalation("credential in outputs", "Notebook output shows what looks like an access token: rotate it")
_ROWS = _Escalation("data rows in outputs", "Notebook output shows rows of a DataFrame")


@rule(
    code="CODE003",
    slug="notebook-outputs",
    title="Notebook committed with outputs",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=5,
    remediation=(
        "Clear the outputs before committing (`jupyter nbconvert --clear-output --inplace`, or nbstripout as a "
        "pre-commit hook) and publish results as reports or tracked artifacts."
    ),
    docs=Docs(
        what=(
            "A notebook whose changed JSON holds cell outputs. Medium when the outputs hold an error traceback, an "
            "image over `thresholds.notebook_output_image_kb` (50 KB), a rendered DataFrame (rows of data), a "
            "developer's local path or an access token (Hugging Face, GitHub, AWS, OpenAI, Slack prefixes; not the "
            "`sk-` element ids of scikit-learn's HTML reprs). "
            "Notebooks under docs/ and tests/ keep outputs on purpose and are skipped; tutorials under examples/ "
            "are rendered on purpose, so only tracebacks, local paths and tokens count there."
        ),
        why=(
            "Outputs make diffs unreadable and merges conflict, bloat the repository with images, and leak "
            "tracebacks, user paths, data rows and tokens (pynblint's collaboration guidelines; the product brief's "
            "notebook-first code). Outputs the notebook already had are not new: only outputs the change writes count."
        ),
        example='{"execution_count": 3, "outputs": [{"output_type": "error", "ename": "KeyError"}]}',
        fix='{"execution_count": null, "outputs": []}',
    ),
    kinds={Kind.NOTEBOOK},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.DOCS, Role.TEST, Role.FIXTURE),
    needles=("output_type",),  # a side without an OUTPUT match is not read further
)
def notebook_outputs(view: FileView) -> Iterator[Hit]:
    notebook = view.notebook
    image_bytes = view.config.thresholds.notebook_output_image_kb * 1024
    # Tutorials are rendered on purpose: only what leaks or shows a failure counts there.
    rendered = Role.EXAMPLE in view.roles
    for side in view.sides():
        found = list(side.search(OUTPUT))
        if not found:
            continue
        message = "Notebook committed with outputs"
        if side.side is Side.ADDED and notebook is not None:
            code = list(notebook.code_cells())
            with_outputs = sum(1 for c in code if c.outputs)
            if not with_outputs:
                continue  # the lines looked like outputs, but the notebook has none
            message += f" ({with_outputs} of {len(code)} code cells)"
        if not rendered:
            yield side.hit(found[0], message, content="notebook outputs")
        yield from _escalations(side, _line_indent(found[0].text), None if rendered else image_bytes, notebook)


def _escalations(
    side: SideView, output_indent: int, image_bytes: int | None, notebook: Notebook | None
) -> Iterator[Hit]:
    """What makes outputs worse than noise (large images only when `image_bytes` is set). Output JSON sits at
    least as deep as its `output_type` key; cell sources sit shallower, so paths in code (DATA003's business)
    are not read as output."""
    error = next(side.search(ERROR_OUTPUT), None)
    if error is not None:
        detail = _error_names(notebook) if side.side is Side.ADDED else ""
        yield _hit(side, error, _ERROR, detail)
    image = None
    if image_bytes is not None:
        image = next((m for m in side.search(IMAGE) if _inline_bytes(side, m) >= image_bytes), None)
    if image is not None:
        yield _hit(side, image, _IMAGE, f"{_inline_bytes(side, image) // 1024} KB")
    # Data in a tutorial is sample data, rendered on purpose: like images, only judged elsewhere.
    rows = None
    if image_bytes is not None:
        rows = next((m for m in side.search(DATAFRAME) if _line_indent(m.text) >= output_indent), None)
    if rows is not None:
        size = FRAME_SIZE.search(side.lines.text)
        yield _hit(side, rows, _ROWS, f"{size.group(1)} rows \u00d7 {size.group(2)} columns" if size else "")
    for pattern, escalation in ((LOCAL_PATH, _PATH), (SECRET, _SECRET)):
        m = next((m for m in side.search(pattern) if _line_indent(m.text) >= output_indent), None)
        if m is not None:
            shown = m.group() if escalation is _PATH else m.group()[:6] + "..."
            # Known by what leaked: another developer's folder printed elsewhere is a new leak, not this one moved.
            yield _hit(side, m, escalation, shown, leaked=m.group())


def _hit(side: SideView, m: Match, escalation: _Escalation, detail: str, leaked: str = "") -> Hit:
    message = f"{escalation.message} ({detail})" if detail else escalation.message
    content = f"{escalation.content}: {leaked}" if leaked else escalation.content
    # A leak sits on its output's line: the same folder printed by another notebook's output is another leak, and
    # only the line itself, moved, is this one (pyannote's `/Users/hbredin/` in two tutorials).
    anchor = m.text.strip() if leaked else ""
    return side.hit(m, message, content=content, severity=Severity.MEDIUM, anchor=anchor)


def _inline_bytes(side: SideView, m: Match) -> int:
    """Decoded size of the base64 payload that follows the match on its line."""
    return (len(m.text) - side.column(m) - len(m.group())) * 3 // 4


def _error_names(notebook: Notebook | None) -> str:
    if notebook is None:
        return ""
    names = [
        str(o.get("ename", "")) for c in notebook.code_cells() for o in c.outputs if o.get("output_type") == "error"
    ]
    return ", ".join(dict.fromkeys(n for n in names if n))


def _line_indent(text: str) -> int:
    m = _INDENT.match(text)
    return m.end() if m else 0


@rule(
    code="CODE004",
    slug="notebook-execution-order",
    title="Notebook executed out of order or only partly",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=10,
    remediation="Restart the kernel and run all cells top to bottom before committing, or clear outputs and counts.",
    docs=Docs(
        what=(
            "A notebook whose execution counts, read top to bottom, go down (a cell ran after one below it), "
            "written by this change. Info when some code cells ran and others did not (a cell without a count but "
            "with outputs ran); a notebook partly run "
            "before and run whole now pays that (known when the review has its text). Gaps in the counts "
            "(1, 5, 9) are fine."
        ),
        why=(
            "A notebook run out of order shows results its code cannot reproduce from a fresh kernel: hidden "
            "state decided them (pynblint non-linear-execution, non-executed-cells)."
        ),
        example='cell 1: "execution_count": 4\ncell 2: "execution_count": 2',
        fix='cell 1: "execution_count": 1\ncell 2: "execution_count": 2',
    ),
    kinds={Kind.NOTEBOOK},
    needles=("execution_count",),  # a side without an EXECUTION_COUNT match is not read further
)
def notebook_execution_order(view: FileView) -> Iterator[Hit]:
    notebook = view.notebook
    for side in view.sides():
        counted = [(int(m.group(1)), m) for m in side.search(EXECUTION_COUNT)]
        if not counted:
            continue  # the change wrote no execution count: whatever order there was is not new
        whole = notebook if side.side is Side.ADDED else view.old_notebook
        if whole is not None:
            yield from _order_in(side, whole, counted)
            continue
        # Without the whole notebook, the side's own counts are in cell order: a drop among them is a drop. Only the
        # cells' own counts: an `execute_result` output carries one too, deeper (a notebook too large to be read).
        cell_level = {_line_indent(m.text) for m in side.search(_CELL_TYPE)}
        if cell_level:
            counted = [(count, m) for count, m in counted if _line_indent(m.text) in cell_level]
        drop = _first_drop([count for count, _ in counted])
        if drop is not None:
            m = counted[drop][1]
            yield _order_hit(side, m, counted[drop - 1][0], counted[drop][0])


def _order_in(side: SideView, notebook: Notebook, counted: list[tuple[int, Match]]) -> Iterator[Hit]:
    """The order of the whole notebook on the side's side of the change, at the counts the side holds."""
    code = [c for c in notebook.code_cells() if c.source.strip()]
    counts = [c.execution_count for c in code if c.execution_count is not None]
    drop = _first_drop(counts)
    if drop is not None:
        before, after = counts[drop - 1], counts[drop]
        # The dropping cell's count as the change wrote it: right after the one before it when the change wrote that
        # too (a count may repeat: [7] early in order, and [7] again after [12]), else where it first stands.
        m = next((m for (c0, _), (c1, m) in pairwise(counted) if (c0, c1) == (before, after)), None)
        m = m or next((m for count, m in counted if count == after), counted[0][1])
        yield _order_hit(side, m, before, after)
    # A cell without a count but with outputs ran (its count cleared, or an output written by hand): not "never ran".
    not_run = sum(1 for c in code if c.execution_count is None and not c.outputs)
    if counts and not_run:
        yield side.hit(
            counted[0][1],
            f"Notebook only partly executed: {not_run} of {len(code)} code cells never ran",
            content="partly executed",
            severity=Severity.INFO,
            # The notebook is what the debt sits on: another one partly run, deleted by the change, cancels nothing.
            anchor=side.path.rpartition("/")[2],
        )


def _first_drop(counts: list[int]) -> int | None:
    return next((i for i in range(1, len(counts)) if counts[i] < counts[i - 1]), None)


def _order_hit(side: SideView, m: Match, before: int, after: int) -> Hit:
    # The drop is the anchor: another notebook run out of order, deleted by the change, cancels nothing here.
    return side.hit(
        m,
        f"Notebook executed out of order: a cell run as [{after}] follows one run as [{before}]",
        content="executed out of order",
        anchor=f"{before} then {after}",
    )
