"""Hard-coded runtime and hardware configuration (CODE016): GPUs chosen in code rather than at launch."""

from __future__ import annotations

from collections.abc import Iterator

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import in_docstring, in_string, statement_key
from checks.views import FileView

#: The process's visible GPUs set from inside the program.
VISIBLE_DEVICES = lazy(
    r"""os\.environ(?:\[\s*["']CUDA_VISIBLE_DEVICES["']\s*\]\s*=(?!=)|\.setdefault\(\s*["']CUDA_VISIBLE_DEVICES["'])"""
)
#: Right after a VISIBLE_DEVICES match, a value that hides every GPU (`""`, `"-1"`): a step told to run on the
#: CPU picks no GPU.
NO_GPU = lazy(r"""\s*(?:,\s*)?["'](?:-1)?["']\s*\)?\s*(?:#.*)?$""")
#: Right after it, a literal value (`"1"`, `'0,1'`): the code picks the GPUs. A name or a call (`= device`,
#: `= str(args.gpu)`, `= ",".join(...)` over the caller's count) passes on what its caller or the command line chose.
LITERAL_VALUE = lazy(r"""\s*(?:,\s*)?[rRuU]?(?:"[^"\n]*"|'[^'\n]*')(?!\s*\.\s*(?:join|format)\s*\()""")
#: One GPU named by a number other than 0: a "cuda:1" literal, or torch.cuda.set_device(1). Device 0 is the first
#: of those the launch made visible, which is what code should address.
PINNED_DEVICE = lazy(r"""["']cuda:0*[1-9]\d*["']|torch\.cuda\.set_device\(\s*0*[1-9]\d*\s*\)""")
#: What each PINNED_DEVICE match holds, after its opening quote or at its start: found at `str.find` speed.
_PINNED_LITERALS = ("cuda:", "torch.cuda.set_device(")


@rule(
    code="CODE016",
    slug="hardcoded-device",
    title="Hard-coded GPU selection",
    category=Category.CODE,
    severity=Severity.INFO,
    effort=5,
    remediation=(
        "Choose devices at launch time (`CUDA_VISIBLE_DEVICES=1 python train.py`, a `--device` option or config) "
        "and address the first visible device in code."
    ),
    docs=Docs(
        what=(
            "Python added by the change that picks GPUs itself: `os.environ['CUDA_VISIBLE_DEVICES'] = '1'`, a "
            "`'cuda:1'` literal, `torch.cuda.set_device(1)`. Launch scripts (shell), tests and examples are "
            "where device choices belong and are skipped; `'cuda'`, `'cuda:0'` (the first visible device) and "
            "`f'cuda:{rank}'` are not pinned, and "
            '`CUDA_VISIBLE_DEVICES` set to `""` or `"-1"` hides the GPUs (a CPU-only step) rather than picking one, '
            "and one set to a name or a call's value (`= device`, `= str(args.gpu)`, `= ','.join(...)`) passes on its "
            "caller's choice."
        ),
        why=(
            "Hardware choices in code are configuration debt (Sculley et al. 2015, §6): the job fails or silently "
            "shares a GPU on any other machine, and scheduling tools cannot place it."
        ),
        example='os.environ["CUDA_VISIBLE_DEVICES"] = "1"\nDEVICE = "cuda:1"',
        fix="DEVICE = torch.device(args.device)  # launched with CUDA_VISIBLE_DEVICES=1 --device cuda",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE, Role.EXAMPLE, Role.DOCS),
    needles=("CUDA_VISIBLE_DEVICES", *_PINNED_LITERALS),
)
def hardcoded_device(view: FileView) -> Iterator[Hit]:
    for side in view.source_sides():
        text = side.lines.text
        if "cuda" not in text and "CUDA" not in text:
            continue
        for matches, what, visible in (
            (side.search(VISIBLE_DEVICES, needles=("CUDA_VISIBLE_DEVICES",)), "Visible GPUs set in code", True),
            (side.search_near(PINNED_DEVICE, _PINNED_LITERALS, (1, 0)), "GPU pinned in code", False),
        ):
            for m in matches:
                if side.in_comment(m) or in_string(m.text, side.column(m)) or in_docstring(view, side, m):
                    continue
                after = side.column(m) + len(m.group())
                if visible and (NO_GPU.match(m.text, after) or not LITERAL_VALUE.match(m.text, after)):
                    continue
                statement = m.text.strip()
                yield side.hit(m, f"{what}: {statement[:100]}", content=statement_key(statement))
