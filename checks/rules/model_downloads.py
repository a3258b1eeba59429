"""Model debt in where models come from: hub loads without a pinned revision, remote code, unverified downloads."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind
from checks.registry import Docs, rule
from checks.rules.code_common import side_text
from checks.rules.model_calls import Call, Revision, literal_str
from checks.rules.model_paths import model_format
from checks.rules.model_scan import (
    NOT_PRODUCTION,
    PYTHON_KINDS,
    Scan,
    call_hit,
    called,
    callee,
    char_before,
    code_matches,
    contains_any,
    continues_name,
    file_source,
    is_definition,
    is_free_call,
)
from checks.views import FileView, Match, SideView

# --- MODEL007: hub downloads without a pinned revision -------------------------------------------------------

_HUB_FUNCTIONS = ("from_pretrained", "hf_hub_download", "snapshot_download", "SentenceTransformer", "pipeline")
_HUB_LOAD = Scan(lazy("(?:" + "|".join(_HUB_FUNCTIONS) + r")\("), tuple(f"{name}(" for name in _HUB_FUNCTIONS))
_HUB_MODULES = ("huggingface_hub", "sentence_transformers", "transformers")
_HUB_DOWNLOADS = frozenset({"hf_hub_download", "snapshot_download"})
_HUB_ID = lazy(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
#: Hub ids without a namespace from before namespaces were required.
_LEGACY_ID = lazy(
    r"^(?:(?:bert|roberta|distilbert|distilroberta|xlm-roberta|albert|xlnet|xlm|t5|camembert|flaubert|longformer|"
    r"electra)-[\w.-]+|gpt2(?:-medium|-large|-xl)?|distilgpt2|openai-gpt|ctrl)$"
)
_SENTENCE_TRANSFORMERS_ID = lazy(
    r"^(?:all|paraphrase|multi-qa|msmarco|distiluse|stsb|nli|sentence-t5|gtr-t5|clip|average_word_embeddings|"
    r"bert-base-nli|LaBSE)[\w.-]*$"
)
#: First folders of relative paths that are local directories, not hub namespaces.
_LOCAL_FOLDER = lazy(
    r"^(?:models?|checkpoints?|ckpts?|ckpt|outputs?|out|runs?|saved(?:_models?)?|save|tmp|temp|weights|artifacts?|"
    r"data|results?|exp|experiments?|pretrained(?:_models?)?|cache|logs?|local|assets|resources|build|dist|src|"
    r"lib|trained(?:_models?)?|finetuned|fine_tuned|training|train|work_dirs?|workdir|model_dir|models_dir|"
    r"exports?|exported)$",
    re.IGNORECASE,
)
_FILE_SUFFIX = lazy(r"\.(?:json|bin|pt|pth|safetensors|onnx|ckpt|h5|pkl|model|txt)$", re.IGNORECASE)


def hub_id(value: str, *, bare: re.Pattern[str] = _LEGACY_ID) -> bool:
    """True when a string names a model on a hub rather than a local directory or file."""
    if _FILE_SUFFIX.search(value):
        return False
    if _HUB_ID.match(value):
        return _LOCAL_FOLDER.match(value.split("/", 1)[0]) is None
    return bare.match(value) is not None


@rule(
    code="MODEL007",
    slug="hub-model-unpinned",
    title="Hub model or tokenizer loaded without a pinned revision",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=5,
    remediation=(
        'Pin `revision="<commit sha>"` (not a branch or tag) and record it with the experiment; mirror critical '
        "models into your own registry."
    ),
    docs=Docs(
        what=(
            "Added code loads a model from the Hugging Face Hub (`from_pretrained`, `hf_hub_download`, "
            "`snapshot_download`, `SentenceTransformer`, `pipeline(task, model)`) by a hub id and without a "
            "`revision` that is a commit hash, or `from_pretrained` by a constant the module binds once to a hub id "
            '(`DEFAULT_MODEL = "openai-community/gpt2"`). Local directories (`./model`, `checkpoints/best`), ids '
            "held in other variables, `local_files_only=True` and revisions passed through variables are left alone."
        ),
        why=(
            "A hub id without a commit follows the repository's main branch: the weights, the tokenizer or the code "
            "can change under you between two runs, silently (bandit B615, CWE-494; Hugging Face Hub download "
            "guide on revision pinning)."
        ),
        example='tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
        fix=(
            'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased", '
            'revision="86b5e0934494bd15c9632b12f734a8a67f723594")'
        ),
    ),
    kinds=PYTHON_KINDS,
    skip_roles=NOT_PRODUCTION,
    needles=_HUB_LOAD.literals,  # every match is one of the names called, `(` included
)
def hub_model_unpinned(view: FileView) -> Iterator[Hit]:
    for reader, m in code_matches(view, _HUB_LOAD, accept=_is_hub_call):
        function = called(m)
        call = reader.call(m)
        if call is None or call.node is None:
            continue
        model = _hub_target(function, call)
        if model is None and function == "from_pretrained":
            model = _constant_hub_id(view, reader.side, call)
        if model is None or call.is_true("local_files_only"):
            continue
        revision = Revision.of(call)
        if revision in (Revision.HASH, Revision.VARIABLE) or (revision is Revision.MISSING and call.splats):
            continue
        pin = (
            f"at `{literal_str(call.keyword('revision'))}`, a branch or tag rather than a commit"
            if revision is Revision.FLOATING
            else "without a pinned revision"
        )
        yield call_hit(reader, m, f"Loads `{model}` from the hub {pin}: the weights can change under you", call, None)


def _is_hub_call(m: Match, side: SideView) -> bool:
    """`x.from_pretrained(`, or a hub function called by its own name (not `make_pipeline(`, `self.pipeline(`)."""
    function = called(m)
    if function == "from_pretrained":
        return char_before(m) == "."
    if is_definition(m.text):
        return False
    if not continues_name(m):
        return True
    return callee(m, side) in {f"{module}.{function}" for module in _HUB_MODULES}


def _hub_target(function: str, call: Call) -> str | None:
    """The hub id the call loads, or None when it loads no literal hub id."""
    if function in _HUB_DOWNLOADS:
        repo_type = call.keyword("repo_type")
        if repo_type is not None and literal_str(repo_type) != "model":
            return None  # dataset and Space repositories belong to the data rules (DATA004)
        return call.string(0, "repo_id")  # an id from a variable may be a local folder or the user's choice
    if function == "from_pretrained":
        name = call.string(None, "pretrained_model_name_or_path", "model_name_or_path", "model_id", "repo_id")
        name = name if name is not None else call.first_string()
        return name if name is not None and hub_id(name) else None
    if function == "SentenceTransformer":
        name = call.string(0, "model_name_or_path")
        return name if name is not None and hub_id(name, bare=_SENTENCE_TRANSFORMERS_ID) else None
    name = call.string(1, "model")  # pipeline(task, model)
    return name if name is not None and hub_id(name) else None


def _constant_hub_id(view: FileView, side: SideView, call: Call) -> str | None:
    """The hub id a constant passed first holds (`from_pretrained(DEFAULT_MODEL)`): a name in capitals bound once in
    the module, to a literal hub id. Another name may be a local folder or the user's choice."""
    first = call.positional(0)
    if not isinstance(first, ast.Name) or not first.id.isupper():
        return None
    bound = re.findall(rf"^[ \t]*{first.id}[ \t]*(?::[^=\n]*)?=[ \t]*(.+)$", side_text(view, side), re.MULTILINE)
    if len(bound) != 1:
        return None
    value = literal_str(_expression(bound[0]))
    return value if value is not None and hub_id(value) else None


def _expression(text: str) -> ast.expr | None:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


# --- MODEL008: trust_remote_code=True -----------------------------------------------------------------------

#: A keyword or parameter default (annotated too: `trust_remote_code: bool = True`), or a dict entry.
_REMOTE_CODE_PY = Scan(
    lazy(r"trust_remote_code(?:(?:\s*:\s*[\w.\[\]| ]+?)?\s*=|[\"']\s*:)\s*True\b"), ("trust_remote_code",)
)
_REMOTE_CODE_CONFIG = lazy(
    r"[\"']?\btrust_remote_code[\"']?\s*[:=]\s*(?:true|True|yes)\b|--trust[-_]remote[-_]code\b(?![-\w])(?!\s*=?\s*(?:false|False|0)\b)"
)
_CONFIG_KINDS = frozenset(
    {
        Kind.YAML,
        Kind.JSON,
        Kind.TOML,
        Kind.SHELL,
        Kind.DOCKERFILE,
        Kind.MAKEFILE,
        Kind.CI,
        Kind.COMPOSE,
        Kind.KUBERNETES,
    }
)
_PINNED_NEARBY = lazy(r"revision[\"']?\s*[:= ]\s*[\"']?[0-9a-f]{7,40}\b")
_NEARBY_LINES = 10
#: A condition naming the user's opt-in: trust, remote code or an allowance (`TRUST_REMOTE_KERNELS`,
#: `args.trust_remote_code`, `allow_remote_code()`).
_OPT_IN = r"[\w.]*(?:trust|remote|allow|opt_?in)[\w.]*(?:\(\))?"
#: A gate that refuses unless the user opted in (`if not TRUST_REMOTE_KERNELS: raise ...`): the remote code after it
#: runs only by the user's explicit choice.
_OPT_IN_GATE = lazy(rf"\s*if\s+not\s+{_OPT_IN}\s*:\s*(raise\b)?", re.IGNORECASE)
#: A block the remote code sits in that runs only when the user opted in (`if trust_remote_code:` over `default_args =
#: {'trust_remote_code': True}`): the user's choice passed on. Not `if not ...:`, the branch that refuses.
_OPT_IN_BLOCK = lazy(rf"\s*(?:el)?if\s+{_OPT_IN}\s*:", re.IGNORECASE)
#: `True if args.trust_remote_code else None`: the value passes on the user's choice, as the flag itself would.
_OPT_IN_VALUE = lazy(rf"[ \t]+if[ \t]+{_OPT_IN}[ \t]+else\b", re.IGNORECASE)
_RAISES = lazy(r"\s*raise\b")
_DEFINITION = lazy(r"\s*(?:async\s+def|def|class)\s")
#: Lines above the remote code where such a gate is looked for.
_GATE_LINES = 12


@rule(
    code="MODEL008",
    slug="trust-remote-code",
    title="trust_remote_code=True when loading a model or dataset",
    category=Category.MODEL,
    severity=Severity.HIGH,
    effort=15,
    remediation=(
        "Avoid remote code: prefer architectures the library supports natively, or vendor and review the code "
        "and pin the exact commit `revision`."
    ),
    docs=Docs(
        what=(
            "Added code or config enables `trust_remote_code` (a keyword, a parameter's default, a config key, or the "
            "`--trust-remote-code` flag of a serving command). Medium when the same call pins `revision` to a "
            "commit hash, so the code that runs was reviewed once and cannot change. Code behind an opt-in gate "
            "just above it (`if not TRUST_REMOTE_KERNELS: raise ...`), or in a block that runs only then (`if "
            "trust_remote_code:`) or a value chosen by it (`True if args.trust_remote_code else None`), runs only by "
            "the user's explicit choice "
            'and is left alone, and so is a loading script of the repository\'s own (`load_dataset("dataset.py", '
            "...)`, a `./` path). YAML prose is no setting: the value of a `name:` or `description:` key, a "
            "Markdown guide in a `guide: |` block."
        ),
        why=(
            "It runs Python fetched from the model's hub repository on your machines, with your credentials: "
            "whoever can push to that repository runs code in your pipeline (bandit B615 rationale, CWE-494; "
            "Hugging Face transformers docs on trust_remote_code)."
        ),
        example='model = AutoModel.from_pretrained("org/new-arch", trust_remote_code=True)',
        fix='model = AutoModel.from_pretrained("org/new-arch", trust_remote_code=True, revision="3f1c9a7e2b...")',
    ),
    kinds=PYTHON_KINDS | _CONFIG_KINDS,
    skip_roles=NOT_PRODUCTION,
    # Code matches hold `trust_remote_code`; config is read only in sides that hold one of the two.
    needles=("trust_remote_code", "trust-remote-code"),
)
def trust_remote_code(view: FileView) -> Iterator[Hit]:
    if view.kind in PYTHON_KINDS:
        for reader, m in code_matches(view, _REMOTE_CODE_PY):
            call = reader.enclosing_call(m)
            if call is None and "=" in m.group(0):
                continue  # `trust_remote_code = True` assigns a variable (after asking the user, say); no load
            if _OPT_IN_VALUE.match(m.match.string, m.match.end()):
                continue  # `True if args.trust_remote_code else None`: the user's flag decides
            lines_above = reader.lines_before(m, _GATE_LINES)
            if _behind_opt_in(lines_above) or _under_opt_in(lines_above, len(m.text) - len(m.text.lstrip())):
                continue
            if call is not None and _local_script(call.first_string()):
                continue
            pinned = call is not None and Revision.of(call) is Revision.HASH
            # The callee says what is loaded; a dict entry's enclosing keys do (`"dataset_kwargs": {...}`).
            entry = "=" not in m.group(0)
            loader = call.text.partition("(")[0] if call is not None else ""
            message = _remote_code_message(m.text[: reader.side.column(m)] if entry else loader)
            yield call_hit(reader, m, message, call, Severity.MEDIUM if pinned else None)
        return
    for side in view.sides():
        if not contains_any(side.lines.text, ("trust_remote_code", "trust-remote-code")):
            continue
        texts = side.lines.texts()
        yaml = view.kind in _YAML_KINDS
        for m in side.search(_REMOTE_CODE_CONFIG):
            if side.in_comment(m) or (yaml and _yaml_prose(texts, m.index)):
                continue
            nearby = "\n".join(texts[max(0, m.index - _NEARBY_LINES) : m.index + _NEARBY_LINES])
            pinned = _PINNED_NEARBY.search(nearby) is not None
            # The keys just above say what is loaded (`dataset_kwargs:` over `trust_remote_code: true`).
            above = "\n".join(texts[max(0, m.index - _KEYS_ABOVE) : m.index + 1])
            yield side.hit(
                m,
                _remote_code_message(above),
                content=m.text.strip(),
                severity=Severity.MEDIUM if pinned else None,
            )


_YAML_KINDS = frozenset({Kind.YAML, Kind.CI, Kind.COMPOSE, Kind.KUBERNETES})
#: YAML keys whose values are prose for people to read (a recipe's Markdown `guide: |`, a hook's `name:`), not settings.
_PROSE_KEYS = (
    "guide|runbook|description|summary|title|name|help|notes?|readme|docs?|documentation|instructions?|usage|text|"
    "content|comments?|details|body|message|markdown|changelog|\\w+_notes?"
)
_PROSE_VALUE = lazy(rf"\s*(?:-\s+)?(?:{_PROSE_KEYS})\s*:\s+\S", re.IGNORECASE)
_BLOCK_SCALAR = lazy(r"\s*(?:-\s+)?([\w.-]+)\s*:\s*[|>][-+0-9]*\s*(?:#.*)?")
_PROSE_KEY = lazy(rf"(?:{_PROSE_KEYS})", re.IGNORECASE)
#: How far up a block scalar's key is looked for: a recipe's guide runs to hundreds of lines.
_BLOCK_LOOKUP = 1000


def _yaml_prose(texts: list[str], index: int) -> bool:
    """Whether line `index` of a YAML file is prose: the value of a prose key on its line (`name: Check for hardcoded
    trust_remote_code=True`), or a line of a block scalar under one (vLLM's recipes write their Markdown guides, bash
    fences and all, under `guide: |`). A `run: |` or `command: |` block is a command, read as one."""
    line = texts[index]
    if _PROSE_VALUE.match(line):
        return True
    indent = len(line) - len(line.lstrip())
    # Up through the lines less indented than those below them (a scalar's own lines may be, a fenced block's
    # deeper ones): the first block scalar's key decides; a top-level line that opens none ends the search.
    for above in reversed(texts[max(0, index - _BLOCK_LOOKUP) : index]):
        outdent = len(above) - len(above.lstrip())
        if outdent >= indent or not above.strip():
            continue
        key = _BLOCK_SCALAR.fullmatch(above.rstrip("\r"))
        if key is not None:
            return _PROSE_KEY.fullmatch(key[1]) is not None
        if outdent == 0:
            return False
        indent = outdent
    return False


def _local_script(loaded: str | None) -> bool:
    """`load_dataset("dataset.py", trust_remote_code=True)`: the loading script is the repository's own file."""
    return loaded is not None and (loaded.endswith(".py") or loaded.startswith(("./", "../")))


#: Lines above a config's `trust_remote_code` whose keys tell a dataset's loading from a model's.
_KEYS_ABOVE = 3


def _remote_code_message(context: str) -> str:
    """A dataset's loading script (`load_dataset(...)`, a `dataset_kwargs:` block) or a model's code."""
    loaded = "dataset" if "dataset" in context.lower() else "model"
    return f"`trust_remote_code` runs Python from the {loaded}'s hub repository in your pipeline"


def _behind_opt_in(lines: list[str]) -> bool:
    """Whether `lines` (those just above the remote code) hold an opt-in gate that raises, on its own line or on
    the next line that holds anything; in the same function (a gate in the one before guards nothing here)."""
    starts = [i for i, line in enumerate(lines) if _DEFINITION.match(line)]
    if starts:
        lines = lines[starts[-1] + 1 :]
    for i, line in enumerate(lines):
        gate = _OPT_IN_GATE.match(line)
        if gate is None:
            continue
        if gate.group(1):
            return True
        following = next((later for later in lines[i + 1 :] if later.strip()), "")
        if _RAISES.match(following):
            return True
    return False


def _under_opt_in(lines: list[str], indent: int) -> bool:
    """Whether a line indented by `indent` sits, in its function, in a block that runs only when the user opted in
    (see `_OPT_IN_BLOCK`), as far as `lines` (those just above it) show."""
    for line in reversed(lines):
        code = line.lstrip()
        depth = len(line) - len(code)
        if not code or code.startswith("#") or depth >= indent:
            continue
        if _OPT_IN_BLOCK.match(line):
            return True
        if _DEFINITION.match(line):
            return False
        indent = depth  # a block further in: the opt-in may open one further out
    return False


# --- MODEL009: unpinned model downloads ----------------------------------------------------------------------

_STRONG_EXT = r"pt|pth|ckpt|onnx|safetensors|keras|tflite|gguf|caffemodel|weights|mar"
_URL_END = r"(?=[\s\"'?#;|&)]|$)"
_MODEL_URL = (
    rf"https?://[^\s\"'/]+/[^\s\"'|;&)]*?(?:\.(?:{_STRONG_EXT})"
    rf"|(?:model|weight|ckpt|checkpoint)[^\s\"'|;&)/]*\.(?:bin|h5|pb|pkl|joblib|params|ggml)){_URL_END}"
)
_MODEL_URL_RE = lazy(_MODEL_URL, re.IGNORECASE)
_FETCH_COMMAND = lazy(
    rf"\b(?:wget|curl)\b[^\n]*?(?:{_MODEL_URL}|(?:-O|-o|--output(?:-document)?)[\s=]+[\"']?[^\s\"']*\.(?:{_STRONG_EXT}){_URL_END})",
    re.IGNORECASE,
)
_DOWNLOAD_FUNCTIONS = ("hub.load", "load_state_dict_from_url", "download_url_to_file", "get_file", "urlretrieve")
_DOWNLOAD_FUNCTIONS_CALLED = tuple(f"{name}(" for name in _DOWNLOAD_FUNCTIONS)
#: Each literal costs a pass over the text: `url` finds three of the names at once; `hub.load(` is checked to be
#: `torch.hub.load(` by its callee.
_PY_DOWNLOAD = Scan(
    lazy("(?:" + "|".join(map(re.escape, _DOWNLOAD_FUNCTIONS)) + r")\("),
    ("hub.load(", "url", "get_file("),
    word_start=True,
)
_CHECKSUM = lazy(
    r"sha\d*sum|shasum|md5sum|b2sum|--checksum|--hash|openssl\s+dgst|sha256|checksum|hashlib|hash_prefix|file_hash",
    re.IGNORECASE,
)
_FLOATING_REFS = frozenset({"main", "master", "dev", "develop", "HEAD", "latest", "trunk", "nightly"})
_PINNED_HF_URL = lazy(r"/resolve/[0-9a-f]{40}/")
_COMMAND_KINDS = frozenset({Kind.SHELL, Kind.DOCKERFILE, Kind.MAKEFILE, Kind.CI})
_CHECKSUM_LINES = 5
#: A build step that runs the project's own weight download (`make download-models`, `download_weights.py`).
_DOWNLOAD_STEP = lazy(r"\bdownload[-_](?:models?|weights|checkpoints?)\b")
#: Lines that print or copy a step's name, define it, or key YAML with it, rather than run it.
_MESSAGE = lazy(r"^\s*(?:RUN\s+|-\s+)?@?(?:echo|printf)\b")
_DOCKER_NOT_RUN = lazy(r"^\s*(?:COPY|ADD|LABEL|ENV|ARG|WORKDIR|VOLUME|USER|EXPOSE)\b", re.IGNORECASE)
_YAML_KEY = lazy(r"^\s*-?\s*(?!run\b|script\b)[\w-]+\s*:(?:\s|$)")
_SHELL_DOWNLOAD_FUNCTION = lazy(
    r"^\s*(?:function\s+[\w-]*download[-_][\w-]*|(?:function\s+)?[\w-]*download[-_][\w-]*\s*\(\s*\))", re.MULTILINE
)
#: A script the step runs, named in the command (`python scripts/download_models.py`).
_STEP_SCRIPT = lazy(r"[\w./-]*download[-_](?:models?|weights|checkpoints?)\.(?:py|sh)\b")


@rule(
    code="MODEL009",
    slug="model-download-unpinned",
    title="Unpinned model download (torch.hub, keras get_file, wget/curl of weights)",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=10,
    remediation=(
        'Pin the hub ref ("owner/repo:<tag or sha>"), verify downloaded weights with a SHA-256 (`file_hash=`, '
        "`check_hash=True`, `sha256sum -c`), or bake versioned artifacts from a registry."
    ),
    docs=Docs(
        what=(
            "Added code or build steps download model weights without pinning or verifying them: "
            '`torch.hub.load("owner/repo")` with no tag or commit, `load_state_dict_from_url` without '
            "`check_hash=True`, `download_url_to_file` without `hash_prefix`, keras `get_file` of a model without "
            "`file_hash`, `urlretrieve` of a weights URL with no hash check in the file, or `wget`/`curl` of a "
            "weights file with no checksum within the next lines, or a build step (Dockerfile, CI, Makefile, "
            "shell) that runs the project's own weight download (`make download-models`, "
            "`python scripts/download_weights.py`; not a variable or an option of that name, `download_model=`, "
            "`${download_model}`) with no checksum in the next lines nor, when its text is "
            'known, in the script. `torch.hub.load(..., source="local")` is fine, and so is a check the caller '
            "switches (`check_hash=check_hash`, a `hash_prefix` variable)."
        ),
        why=(
            "Unverified weights can change or be replaced between builds, and torch.hub runs the repository's "
            "hubconf.py code from its default branch (PyTorch torch.hub docs; bandit B615 rationale, CWE-494)."
        ),
        example='model = torch.hub.load("ultralytics/yolov5", "yolov5s")',
        fix='model = torch.hub.load("ultralytics/yolov5:v7.0", "yolov5s")',
    ),
    kinds=PYTHON_KINDS | _COMMAND_KINDS,
    skip_roles=NOT_PRODUCTION,
    # The names called in code (`(` included), the commands read only in sides holding `wget` or `curl`, and
    # the download steps of build files.
    needles=(*_DOWNLOAD_FUNCTIONS_CALLED, "wget", "curl", "download-", "download_"),
    needles_by_kind={
        Kind.PYTHON: _DOWNLOAD_FUNCTIONS_CALLED,
        Kind.NOTEBOOK: (*_DOWNLOAD_FUNCTIONS_CALLED, "wget", "curl"),
    },
)
def model_download_unpinned(view: FileView) -> Iterator[Hit]:
    if view.kind in _COMMAND_KINDS:
        yield from _fetch_commands(view)
        yield from _download_steps(view)
        return
    source: str | None = None
    for reader, m in code_matches(view, _PY_DOWNLOAD, accept=_is_download_call):
        function = called(m)
        call = reader.call(m)
        if call is None or call.node is None or call.splats:
            continue
        if function == "get_file" and not _is_keras_get_file(callee(m, reader.side), view):
            continue
        problem = _download_problem(function, call)
        if problem is None:
            continue
        if function == "urlretrieve":
            source = source if source is not None else file_source(view)
            if _CHECKSUM.search(source):
                continue
        yield call_hit(reader, m, problem, call, None)
    if view.kind is Kind.NOTEBOOK:
        yield from _fetch_commands(view)


def _is_download_call(m: Match, side: SideView) -> bool:
    return is_free_call(m, side) and (called(m) != "hub.load" or callee(m, side) == "torch.hub.load")


def _is_keras_get_file(callee: str, view: FileView) -> bool:
    return "keras" in callee or (callee in ("get_file", "utils.get_file") and "keras" in file_source(view))


def _download_problem(function: str, call: Call) -> str | None:
    if function == "hub.load":
        repo = call.string(0, "repo_or_dir", "github")
        if repo is None or literal_str(call.keyword("source")) == "local":
            return None
        if repo.startswith((".", "/", "~")) or "/" not in repo:
            return None
        ref = repo.partition(":")[2]
        if ref and ref not in _FLOATING_REFS:
            return None
        branch = f"`{ref}` branch" if ref else "default branch"
        return f"`torch.hub.load('{repo}')` runs code and weights from the repository's moving {branch}"
    # A check the caller switches (`check_hash=check_hash`, a `hash_prefix` variable) is wired in: not "never".
    if function == "load_state_dict_from_url":
        if _given(call.argument(4, "check_hash")):
            return None
        return "`load_state_dict_from_url` without `check_hash=True`: the downloaded weights are never verified"
    if function == "download_url_to_file":
        if _given(call.argument(2, "hash_prefix")):
            return None
        return "`download_url_to_file` without `hash_prefix`: the downloaded weights are never verified"
    if function == "get_file":
        if call.has("file_hash") or call.has("md5_hash") or len(call.node.args if call.node else ()) > 3:
            return None
        names = [s for s in (call.string(0, "fname"), call.string(1, "origin")) if s]
        if not any(_looks_like_model(s) for s in names):
            return None  # datasets fetched this way are the data rules' concern
        return "keras `get_file` of a model without `file_hash`: the downloaded weights are never verified"
    url = call.string(0, "url")
    if url is None or not _MODEL_URL_RE.search(url) or _PINNED_HF_URL.search(url):
        return None
    return "Model weights downloaded from a URL with no checksum verification in this file"


def _given(node: ast.expr | None) -> bool:
    """An argument passed that may switch a check on: anything but nothing, `None`, `False` or an empty string."""
    return node is not None and not (isinstance(node, ast.Constant) and not node.value)


def _looks_like_model(name: str) -> bool:
    base = name.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return model_format(base) is not None or _MODEL_URL_RE.search(name) is not None


def _download_steps(view: FileView) -> Iterator[Hit]:
    """Build steps that run a model download of the project's own, verifying nothing in the lines after it
    (nor, when its text is known, in the script it runs)."""
    for side in view.sides():
        text = side.lines.text
        if not contains_any(text, ("download-", "download_")):
            continue
        if view.kind is Kind.SHELL and _SHELL_DOWNLOAD_FUNCTION.search(text):
            continue  # a script's own download function: its wget and curl lines are what is judged
        texts = side.lines.texts()
        for m in side.search(_DOWNLOAD_STEP):
            if side.in_comment(m) or not _runs(view.kind, m.text) or _names_a_variable(side, m):
                continue
            following = "\n".join(texts[m.index : m.index + _CHECKSUM_LINES + 1])
            if _CHECKSUM.search(following) or _script_verifies(view, m.text):
                continue
            yield side.hit(
                m,
                f"Build step downloads model weights with no checksum verification: {m.text.strip()[:100]}",
                content=m.text.strip(),
            )


def _names_a_variable(side: SideView, m: Match) -> bool:
    """Whether the step's name is a variable or an option, not a command: `download_model=""`, `${download_model}`,
    `$download_model`, `--download_model` (espnet's recipes, whose variable holds a model's tag)."""
    column = side.column(m)
    end = column + len(m.group())
    return m.text[column - 1 : column] in ("$", "{", "-") or m.text[end : end + 1] in ("=", "}")


def _runs(kind: Kind, line: str) -> bool:
    """Whether a build file's line runs the step it names (a make recipe line, a RUN, a CI command...)."""
    if _MESSAGE.match(line):
        return False
    if kind is Kind.MAKEFILE:
        return line.startswith("\t")  # recipe lines run; a rule line only names targets
    if kind is Kind.CI:
        return _YAML_KEY.match(line) is None  # commands sit under run: or script:, or are those keys' values
    if kind is Kind.DOCKERFILE:
        return _DOCKER_NOT_RUN.match(line) is None
    return True


def _script_verifies(view: FileView, command: str) -> bool:
    script = _STEP_SCRIPT.search(command)
    if script is None:
        return False
    text = view.snapshot.text(script.group(0).removeprefix("./"))
    return text is not None and _CHECKSUM.search(text) is not None


def _fetch_commands(view: FileView) -> Iterator[Hit]:
    sides = view.source_sides() if view.kind is Kind.NOTEBOOK else view.sides()
    for side in sides:
        # Lower case only: commands are case-sensitive, a `WGET` line runs nothing.
        if not contains_any(side.lines.text, ("wget", "curl")):
            continue
        texts = side.lines.texts()
        for m in side.search(_FETCH_COMMAND):
            if view.kind is not Kind.NOTEBOOK and side.in_comment(m):
                continue
            if view.kind is Kind.NOTEBOOK and not m.text.lstrip().startswith(("!", "%")):
                continue  # in a cell, only shell escapes run commands
            if _PINNED_HF_URL.search(m.group(0)):
                continue
            following = "\n".join(texts[m.index : m.index + _CHECKSUM_LINES + 1])
            if _CHECKSUM.search(following):
                continue
            yield side.hit(
                m,
                "Model weights fetched with no checksum verification: the build can get different weights",
                content=m.text.strip(),
            )
