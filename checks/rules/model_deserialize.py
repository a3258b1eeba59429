"""Model debt in how models are deserialized: pickle-family loads and `torch.load` without `weights_only`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, kind
from checks.registry import Docs, rule
from checks.rules.code_common import DEF, enclosing_function, side_text
from checks.rules.data_source import call_name
from checks.rules.dependency_common import lines_before
from checks.rules.model_calls import Call
from checks.rules.model_scan import (
    NOT_PRODUCTION,
    PYTHON_KINDS,
    Scan,
    call_hit,
    callee,
    char_before,
    code_matches,
    continues_name,
    file_source,
)
from checks.snapshot import Snapshot
from checks.views import FileView, Match, SideView

# --- MODEL005: pickle-family loads ---------------------------------------------------------------------------

#: One regex pass: it starts with a literal the engine skips to, cheaper than three `str.find` passes.
_PICKLE_LOAD = Scan(lazy(r"\.(?:loads?|Unpickler|read_pickle)\("))
#: What may be called for each method: `pickle.load`, `pd.read_pickle`, and `np.load` (with allow_pickle=True).
_PICKLE_RECEIVERS = {
    "load": frozenset({"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "np", "numpy"}),
    "loads": frozenset({"pickle", "cPickle", "_pickle", "dill", "cloudpickle"}),
    "Unpickler": frozenset({"pickle", "cPickle", "_pickle", "dill", "cloudpickle"}),
    "read_pickle": frozenset({"pd", "pandas"}),
}
#: Every hit's line holds its receiver, method and `(` joined (`cloudpickle.loads(`): the rule runs only on files
#: whose changed lines hold one.
_PICKLE_NEEDLES = tuple(f"{r}.{method}(" for method, receivers in _PICKLE_RECEIVERS.items() for r in sorted(receivers))
#: The usual short names of pickle (`import pickle as pkl`): a changed line calls them without the module's import
#: in view, so the prefilter looks for these (other names are read when another needle lets the rule run).
_ALIAS_NEEDLES = ("pkl.load(", "pkl.loads(", "pkl.Unpickler(", "pk.load(", "pk.loads(")
_SERVING_PATH = lazy(
    r"(?:^|/)(?:api|apis|serving|server|service|services|app|endpoints?)/|"
    r"(?:^|/)(?:app|server|serve\w*|serving|wsgi|asgi|handler|lambda_function|endpoint)\.py$",
    re.IGNORECASE,
)
_WEB_FRAMEWORK = lazy(
    r"^\s*(?:from|import)\s+(?:fastapi|flask|django|starlette|sanic|tornado|aiohttp|bentoml|litserve|ray\.serve|"
    r"gradio|streamlit|falcon|quart)\b",
    re.MULTILINE,
)


@rule(
    code="MODEL005",
    slug="pickle-model-load",
    title="Model or data loaded via pickle-family deserialization",
    category=Category.MODEL,
    severity=Severity.LOW,
    effort=30,
    remediation=(
        "Load models from a safe, versioned format (safetensors, ONNX, skops, the framework's native format) and "
        "verify a checksum; never unpickle files that could have been changed by someone else."
    ),
    docs=Docs(
        what=(
            "Added code loads a file with pickle, joblib, dill or cloudpickle (`load`, `loads`, `Unpickler`; under "
            "any name the module imports them as, `import pickle as pkl`), "
            "`pd.read_pickle`, or `np.load(..., allow_pickle=True)`. Medium in serving code (api/, app.py, "
            "serve*.py, or a file importing a web framework), low elsewhere. An object restoring its own state in "
            "`__setstate__` (`self.fn = cloudpickle.loads(ob)`, to cross a process boundary) loads no file, nor "
            "does a round trip through bytes made in one expression (`pickle.loads(pickle.dumps(x))`, a deep copy), "
            "or a load of what the same function pickled and passed between a distributed run's processes "
            "(`dist.all_gather` of pickled bytes, a part each rank dumps before a `barrier()`)."
        ),
        why=(
            "Unpickling runs whatever code the file carries, so a swapped model file is remote code execution; "
            "the artifact is also opaque and tied to library versions (bandit B301, ruff S301; Sculley et al. "
            "2015, models as opaque artifacts)."
        ),
        example='model = joblib.load("models/churn.joblib")',
        fix='model = skops.io.load("models/churn.skops", trusted=["sklearn.ensemble.RandomForestClassifier"])',
    ),
    kinds=PYTHON_KINDS,
    skip_roles=NOT_PRODUCTION,
    needles=(*_PICKLE_NEEDLES, *_ALIAS_NEEDLES),
)
def pickle_model_load(view: FileView) -> Iterator[Hit]:
    serving: bool | None = None
    for reader, m in code_matches(view, _PICKLE_LOAD, accept=lambda m, side: _is_pickle_load(view, m, side)):
        if _in_setstate(view, reader.side, m):
            continue
        name = callee(m, reader.side)
        receiver = name.rpartition(".")[0]
        receiver = _aliases(view, reader.side).get(receiver, receiver)
        call = reader.call(m)
        if call is not None and _round_trip(call):
            continue
        if _exchanged_between_ranks(view, reader.side, m):
            continue
        if receiver in ("np", "numpy"):
            allowed = call is not None and (
                call.is_true("allow_pickle")
                if call.node is not None
                else re.search(r"allow_pickle\s*=\s*True", call.text) is not None
            )
            if not allowed:
                continue
        if serving is None:
            serving = _is_serving(view)
        yield call_hit(
            reader,
            m,
            f"`{name}` deserializes a pickle: a changed or untrusted file runs arbitrary code when loaded",
            call,
            Severity.MEDIUM if serving else None,
        )


#: `pickle.loads(pickle.dumps(x))` read from the call's text when it does not parse.
_LOADS_OF_DUMPS = lazy(r"[\w.]*\.loads\(\s*[\w.]*\bdumps\(")


def _round_trip(call: Call) -> bool:
    """`pickle.loads(pickle.dumps(x))`: bytes made in the same expression (a deep copy, a check that `x` pickles),
    not a file someone else could have changed."""
    if call.node is None:
        return _LOADS_OF_DUMPS.match(call.text) is not None
    argument = call.positional(0)
    return isinstance(argument, ast.Call) and call_name(argument) == "dumps"


#: A pickle written (`pickle.dumps(part)`, `pickle.dump(part, f)`, `torch.save(data, buffer)`), and a collective of a
#: distributed run passing it between its processes or waiting for them (`dist.all_gather`, `broadcast`, `barrier()`,
#: XLA's `xm.all_reduce` of the padded bytes).
_DUMPED = lazy(r"\b(?:dumps?|save)\(")
_COLLECTIVE = lazy(r"\b(?:all_gather\w*|all_reduce|gather_object|broadcast\w*)\(")
#: A barrier, then a loop over the ranks' parts: each rank wrote its part before it, the load reads them all.
_BARRIER = lazy(r"\bbarrier\(")
_OVER_RANKS = lazy(r"\bfor\b[^\n]*\b(?:range\(|world_size|ranks?\b)")
#: How far above a load the function's own pickling and collectives are looked for (past a long docstring).
_EXCHANGE_LOOKBACK = 80


def _exchanged_between_ranks(view: FileView, side: SideView, m: Match) -> bool:
    """A load of what the same function pickled and passed between the processes of one distributed run (mmcv's
    `collect_results_gpu` unpickling gathered bytes, a `part_{rank}.pkl` each rank dumps, read after a `barrier()`):
    data the run wrote itself a moment before, not a file someone else could change."""
    if not _above_in_function(view, side, m, _DUMPED, _EXCHANGE_LOOKBACK):
        return False
    if _above_in_function(view, side, m, _COLLECTIVE, _EXCHANGE_LOOKBACK):
        return True
    return _above_in_function(view, side, m, _BARRIER, _EXCHANGE_LOOKBACK) and (
        _OVER_RANKS.search(m.text) is not None or _above_in_function(view, side, m, _OVER_RANKS, _EXCHANGE_LOOKBACK)
    )


def _is_pickle_load(view: FileView, m: Match, side: SideView) -> bool:
    receiver, _, method = callee(m, side).rpartition(".")
    receivers = _PICKLE_RECEIVERS[method]
    return receiver in receivers or _aliases(view, side).get(receiver) in receivers


#: `import pickle as pkl`: a pickle-family module under a name of the module's own.
_ALIASED_IMPORT = lazy(
    r"^[ \t]*import[ \t]+(pickle|cPickle|_pickle|dill|cloudpickle|joblib|numpy|pandas)[ \t]+as[ \t]+(\w+)",
    re.MULTILINE,
)


def _aliases(view: FileView, side: SideView) -> dict[str, str]:
    """The names the module imports a pickle-family module under (`pkl` -> `pickle`), read once a side in the whole
    module on that side of the change when known, else in the side's lines."""

    def read() -> dict[str, str]:
        text = side_text(view, side)
        if " as " not in text:
            return {}
        return {alias: module for module, alias in _ALIASED_IMPORT.findall(text) if alias not in ("np", "pd")}

    return side.memo("pickle-aliases", read)


#: How far above a call the `def` that holds it is looked for.
_DEF_LOOKBACK = 40


def _in_setstate(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the call sits in a `__setstate__` method, as far as the file's lines above it show (its text, else the
    hunk's): an object restoring its own pickled state (a worker's `CloudpickleWrapper`), not a file loaded."""
    above = lines_before(view, side.side, m.number, _DEF_LOOKBACK)
    return enclosing_function(above, len(m.text) - len(m.text.lstrip())) == "__setstate__"


def _is_serving(view: FileView) -> bool:
    if _SERVING_PATH.search(view.path):
        return True
    return _WEB_FRAMEWORK.search(file_source(view)) is not None


# --- MODEL006: torch.load without weights_only=True ----------------------------------------------------------

_TORCH_LOAD = Scan(lazy(r"torch\.load\("), ("torch.load(",))
#: `partial(torch.load, map_location="cpu")` (or `functools.partial`): a `torch.load` called later with these keywords.
_PARTIAL_LOAD = Scan(lazy(r"partial\(\s*torch\.load\s*[,)]"), ("partial(",))
_TORCH_PIN = lazy(
    r"""(?:^|[\[,])\s*["']?torch\s*(?:\[[^\]\n]*\])?\s*(?:(?:==|>=|~=|===)\s*|=\s*["'][\^~>=]*\s*)(\d+)\.(\d+)""",
    re.MULTILINE,
)
_MANIFEST_KINDS = frozenset({Kind.REQUIREMENTS, Kind.PYPROJECT, Kind.SETUP, Kind.PIPFILE, Kind.CONDA})
#: Unpicklers that load any object: a `pickle_module` other than these is the caller's own (a restricted one).
_PLAIN_UNPICKLERS = frozenset({"pickle", "_pickle", "cPickle", "pickle5", "dill", "cloudpickle"})
_PICKLE_MODULE = lazy(r"\bpickle_module\s*=\s*([\w.]+)")
#: torch 2.6 made `weights_only=True` the default of `torch.load`.
_SAFE_TORCH = (2, 6)


@rule(
    code="MODEL006",
    slug="torch-load-unsafe",
    title="torch.load without weights_only=True",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=5,
    remediation=(
        "Call `torch.load(path, weights_only=True)` (or use safetensors), and save state_dicts rather than whole "
        "pickled modules."
    ),
    docs=Docs(
        what=(
            "Added code calls `torch.load` without `weights_only=True` (the whole call is read, across lines), or "
            "hands it to `functools.partial` without it (the partial's keywords are the load's). "
            "`torch.jit.load` is not concerned, nor a call given its own `pickle_module` (a restricted unpickler; "
            "`pickle`, `dill` and `cloudpickle` load anything and still count). A call that passes `weights_only` on "
            "from its caller (a variable, `**kwargs`) is the caller's choice: not new debt, and an unsafe load edited "
            "into one pays nothing; but not when the function gives that dict `weights_only=False` itself just above "
            'the call (`kwargs["weights_only"] = False`). A load of a buffer the same function filled with '
            "`torch.save` just above (a deep copy through memory, an object restoring its state) loads no file, nor "
            "does a load of what the function saved and passed between a distributed run's processes. "
            "Info when a manifest the review sees pins torch >= 2.6, where "
            "`weights_only=True` is the default (not for a call that passes `weights_only=False`); low when "
            "`weights_only=False` is explained by a comment, in the call or after it on its line."
        ),
        why=(
            "Before torch 2.6, `torch.load` unpickles the file: a malicious checkpoint executes code on load "
            "(bandit B614, TorchFix TOR102, SonarSource S6985; PyTorch PR #86812)."
        ),
        example='state = torch.load("checkpoints/best.pt", map_location="cpu")',
        fix='state = torch.load("checkpoints/best.pt", map_location="cpu", weights_only=True)',
    ),
    kinds=PYTHON_KINDS,
    skip_roles=NOT_PRODUCTION,
    needles=("torch.load(", "torch.load,", "torch.load)"),
)
def torch_load_unsafe(view: FileView) -> Iterator[Hit]:
    safe_default: bool | None = None
    # `torch.jit.load` never matches; `mytorch.load` is someone else's.
    for reader, m in code_matches(view, _TORCH_LOAD, _PARTIAL_LOAD, accept=_torch_load_named):
        partial = m.group().startswith("partial")
        # A partial's keywords are the load's: its call is read as the load's own.
        call = reader.call(m, reader.side.column(m) + len("partial")) if partial else reader.call(m)
        if call is None or _saved_just_above(view, reader.side, m, call):
            continue
        if _exchanged_between_ranks(view, reader.side, m):
            continue  # sam2's `all_gather`: bytes another rank of the same run saved a moment before
        unsafe = _loads_unsafely(call)
        # `kwargs["weights_only"] = False` just above `torch.load(f, **kwargs)`: decided here, and said.
        spread_false = unsafe is None and _splat_set_unsafe(view, reader.side, m, call)
        unsafe = True if spread_false else unsafe
        # A load passing `weights_only` on (a variable, **kwargs) is no new debt, nor an unsafe one made safe.
        undecided = unsafe is None and reader.side.side is Side.ADDED
        if not (unsafe or undecided):
            continue
        if safe_default is None:
            safe_default = _pins_safe_torch(view.snapshot)
        # A safe default does not apply to a call that says `weights_only=False`.
        defaulted = safe_default and not call.has("weights_only") and not spread_false
        yield call_hit(
            reader,
            m,
            "`torch.load` without `weights_only=True` unpickles arbitrary objects: a tampered checkpoint runs code",
            call,
            Severity.INFO if defaulted else _explained(call, reader.lines_of(m, call)),
            undecided=undecided,
            key=_placed_anywhere(call),
        )


def _placed_anywhere(call: Call) -> str:
    """The load as its debt is known: whatever device it maps to, which a change may add or edit in place
    (`torch.load(path)` -> `torch.load(path, map_location=torch.device("cuda", rank))`) leaving the debt as it was.
    The device stays a placeholder, so a load given one still reads much like the load without."""
    node = call.node
    if node is None or not any(k.arg == "map_location" for k in node.keywords):
        return call.key
    keywords = [
        ast.keyword(arg=k.arg, value=ast.Constant(...)) if k.arg == "map_location" else k for k in node.keywords
    ]
    return ast.unparse(ast.Call(func=node.func, args=node.args, keywords=keywords))


def _torch_load_named(m: Match, _side: SideView) -> bool:
    """`torch.load(` itself (not `mytorch.load(`), or `partial(` / `functools.partial(` (not `my_partial(`)."""
    before = char_before(m)
    if m.group().startswith("partial"):
        return not (before.isalnum() or before == "_")
    return not continues_name(m)


def _loads_unsafely(call: Call) -> bool | None:
    """True when the call unpickles without `weights_only=True`, False when it does not; None when its caller
    decides (`weights_only=flag`, `**kwargs`)."""
    if not call.complete:
        return False  # the rest of the call is on lines the review cannot see
    if _own_unpickler(call):
        return False
    if call.node is None:
        if re.search(r"weights_only\s*=\s*True", call.text):
            return False
        return None if "**" in call.text else True
    value = call.keyword("weights_only")
    if value is None:
        return None if call.splats else True
    # A variable lets the caller decide; only a literal False is unsafe.
    if not isinstance(value, ast.Constant):
        return None
    return value.value is not True


#: How far above a load its function's lines are read (for the dict its `**` passes on given `weights_only=False`, or
#: the buffer it reads filled by `torch.save`).
_FUNCTION_LOOKBACK = 15


def _splat_set_unsafe(view: FileView, side: SideView, m: Match, call: Call) -> bool:
    """Whether a dict the call spreads (`**kwargs`) is given `weights_only=False` on the lines just above it, in the
    same function (`kwargs["weights_only"] = False`, `.update(weights_only=False)`, `.setdefault(...)`): the caller
    no longer decides, the code does."""
    if call.node is None:
        return False
    names = [k.value.id for k in call.node.keywords if k.arg is None and isinstance(k.value, ast.Name)]
    if not names:
        return False
    spread = "|".join(map(re.escape, names))
    setting = re.compile(
        rf"\b(?:{spread})\s*(?:\[\s*[\"']weights_only[\"']\s*\]\s*=|\.update\([^)]*\bweights_only\s*=|"
        rf"\.setdefault\(\s*[\"']weights_only[\"']\s*,)\s*False\b"
    )
    return _above_in_function(view, side, m, setting)


def _above_in_function(
    view: FileView, side: SideView, m: Match, pattern: re.Pattern[str], lookback: int = _FUNCTION_LOOKBACK
) -> bool:
    """Whether a line just above the match's, in the same function, holds `pattern` (the function's start ends the
    search: what its callers did is theirs)."""
    for line in reversed(lines_before(view, side.side, m.number, lookback)):
        if pattern.search(line):
            return True
        if DEF.match(line):
            return False
    return False


def _saved_just_above(view: FileView, side: SideView, m: Match, call: Call) -> bool:
    """`torch.save(module, buf); buf.seek(0); torch.load(buf)` in one function: bytes it wrote itself a moment
    before (a deep copy through memory, an object restoring its state), not a file someone else could change."""
    if call.node is None:
        return False
    source = call.positional(0)
    if not isinstance(source, ast.Name):
        return False
    return _above_in_function(view, side, m, re.compile(rf"\btorch\.save\(.*,\s*{re.escape(source.id)}\s*[,)]"))


def _own_unpickler(call: Call) -> bool:
    """`torch.load(f, pickle_module=safe_pickle)`: the caller chose what may be unpickled."""
    if call.node is None:
        m = _PICKLE_MODULE.search(call.text)
        name = m.group(1) if m else None
    else:
        value = call.keyword("pickle_module") or call.positional(2)  # torch.load(f, map_location, pickle_module)
        name = ast.unparse(value) if isinstance(value, ast.Name | ast.Attribute) else None
    return name is not None and name.rsplit(".", 1)[-1] not in _PLAIN_UNPICKLERS


def _explained(call: Call, lines: list[str]) -> Severity | None:
    """An explicit `weights_only=False` with a comment on the call's lines (inside it or after it) is a decision on
    record: low."""
    return Severity.LOW if call.has("weights_only") and any("#" in line for line in lines) else None


def _pins_safe_torch(snapshot: Snapshot) -> bool:
    for path, text in snapshot.texts.items():
        if kind(path) not in _MANIFEST_KINDS:
            continue
        for m in _TORCH_PIN.finditer(text):
            if (int(m.group(1)), int(m.group(2))) >= _SAFE_TORCH:
                return True
    return False
