"""Data debt about where data comes from: developer-specific paths and remote datasets that can change silently."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from enum import Enum

from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from checks.finding import Category, Hit, Severity, Side, normalize
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import enclosing_def_index, in_docstring
from checks.rules.data_common import brackets_closed, needles
from checks.rules.data_source import call_name, parse_statement
from checks.rules.model_calls import CallReader
from checks.rules.model_scan import PYTHON_KINDS, in_string
from checks.rules.python_strings import old_text
from checks.views import FileView, Match, SideView

_NOT_OURS = (Role.TEST, Role.FIXTURE, Role.EXAMPLE, Role.DOCS, Role.VENDORED, Role.GENERATED)

# A home folder names one person's machine; service accounts of CI runners and notebook images are contracts.
# Placeholders (`$USER`, `{user}`, `<name>`) and regex syntax (`[^/]+`) are not a person's folder.
_USER_NAME = r"[^/\s\"'$<>{}~*%\[\]()^|?+\\]+"
_SERVICE_ACCOUNT = r"(?:runner|jovyan|circleci|travis|vscode|gitpod|codespace)(?:/|[\"'\s]|$)"
_USER_ROOT = (
    rf"(?:/home/(?!{_SERVICE_ACCOUNT}){_USER_NAME}(?:/|(?=[\"']))"
    rf"|/Users/(?!Shared/){_USER_NAME}(?:/|(?=[\"']))"
    r"|[A-Za-z]:(?:\\\\|\\|/(?!/))+(?!Program Files|ProgramData|Windows\b)[\w$.-]"
    r"|/content/drive/"
    r"|/kaggle/(?:input|working)/"
    r"|/mnt/[a-z]/"
    r"|/(?:scratch|gpfs|lustre)\d*/)"
)
#: In code a path is a string literal that starts with the user root.
_QUOTED_USER_PATH = lazy(rf"[\"'](?P<path>{_USER_ROOT}[^\"'\n]*)")
#: In config files and scripts values are often bare: after `:`, `=`, a space or a bracket.
_BARE_USER_PATH = lazy(rf"(?:^|(?<=[\s=:,\[(\"']))(?P<path>{_USER_ROOT}[^\s\"',\])]*)", re.MULTILINE)
_USER_ROOT_ONLY = lazy(_USER_ROOT)
#: Sides naming none of these roots (nor a drive letter) are skipped before the slower full patterns run.
_USER_ROOT_NEEDLES = needles(
    "/home/", "/Users/", "/content/drive/", "/kaggle/", "/mnt/", "/scratch", "/gpfs", "/lustre"
)
_DRIVE = lazy(r":(?:\\|/(?!/))(?<=[\"'\s=:,\[(][A-Za-z]:.)")
#: In a compose file every path is inside the container (its contract) except the host side of a volume.
_COMPOSE_HOST_PATH = lazy(
    rf"^\s*-\s*[\"']?(?P<path>{_USER_ROOT}[^:\s\"']*):|^\s*source:\s*[\"']?(?P<source>{_USER_ROOT}[^\s\"']*)",
    re.MULTILINE,
)
#: Editor settings with a local interpreter path are the code rules' business (CODE007).
_EDITOR_SETTINGS = lazy(r"(^|/)\.(vscode|idea)/")
_CONFIG_EXTENSION = lazy(r"\.(cfg|ini|conf)$", re.IGNORECASE)
_QUOTED_KINDS = frozenset({Kind.PYTHON, Kind.NOTEBOOK, Kind.R, Kind.JSON})
# Kubernetes manifests describe containers: their paths are the containers' (hostPath volumes aside, rare).
_BARE_KINDS = frozenset({Kind.YAML, Kind.TOML, Kind.PYPROJECT, Kind.SHELL})


@rule(
    code="DATA003",
    slug="user-specific-path",
    title="Hard-coded absolute, user-specific data path",
    category=Category.DATA,
    severity=Severity.MEDIUM,
    effort=10,
    remediation=(
        "Read data locations from configuration, command-line arguments or environment variables "
        "(or use a path relative to the repository, managed by DVC)."
    ),
    docs=Docs(
        what=(
            "Code, a notebook's code cells, a script or a config file adds a path that only exists on one "
            "machine: a home folder (/home/alice, /Users/alice, C:\\Users\\alice, or a Windows drive path outside "
            "Program Files and Windows), "
            "a mounted Google Drive (/content/drive), Kaggle's /kaggle/input, a WSL drive (/mnt/c) or an HPC "
            "scratch file system. Container paths such as /app, /workspace, /opt/ml and /tmp are contracts and "
            "are not reported; neither are docs, docstrings, regular expressions, placeholders ($USER, {user}), "
            'sed scripts (`s:\\.wav::g`), usage messages a script prints (`echo "e.g.: $0 /home/me/data"`), '
            "tests, examples, comments, notebook outputs or editor settings (the code rules' business). In a "
            "compose file only the host side of a volume counts: the rest is inside the container."
        ),
        why=(
            "Absolute personal paths make the pipeline run only on its author's machine and hide where the "
            "data really comes from (Sculley et al. 2015, configuration debt; pynblint issue #77)."
        ),
        example='df = pd.read_csv("/home/alice/projects/churn/data/train.csv")',
        fix='df = pd.read_csv(Path(os.environ.get("DATA_DIR", "data")) / "train.csv")',
    ),
    kinds=_QUOTED_KINDS | _BARE_KINDS | {Kind.COMPOSE, Kind.SETUP, Kind.OTHER},
    skip_roles=_NOT_OURS,
    # No needles: a drive path (`"D:\\data\\x.csv"`) holds none but its letter and colon (a quote before it and a
    # backslash after it cannot be needles), and `e:`, `s:`... are in nearly every file.
)
def user_specific_path(view: FileView) -> Iterator[Hit]:
    pattern = _pattern_for(view)
    if pattern is None or _EDITOR_SETTINGS.search(view.path):
        return
    for side in view.source_sides():
        text = side.lines.text
        if not (_USER_ROOT_NEEDLES.found_in(text) or _DRIVE.search(text)):
            continue
        seen: set[str] = set()
        docs: frozenset[int] | None = None
        for m in side.search(pattern):
            if side.in_comment(m) or _in_prose(m.text, side.column(m)):
                continue
            if _sed_script(side, m) or _USAGE_MESSAGE.match(m.text):
                continue  # `sed 's:\.wav::g'` (a drive letter's look-alike), `echo "e.g.: $0 /home/me/data"`
            if view.kind is Kind.PYTHON:
                # Each side read in its module: the post-change text, or the old one rebuilt from it.
                if docs is None:
                    docs = _docstring_lines(view.text if side.side is Side.ADDED else old_text(view))
                if m.number in docs:
                    continue
            path = m.group("path") or m.group("source") if view.kind is Kind.COMPOSE else m.group("path")
            if view.kind is Kind.JSON:
                # A data manifest may list thousands of files under one home folder: report the folder once.
                root = _USER_ROOT_ONLY.match(path)
                path = root.group(0) if root else path
                if path in seen:
                    continue
                seen.add(path)
            yield side.hit(m, f"Hard-coded user-specific path {_shorten(path)!r}", content=path)


#: A sed or perl substitution with `:` as its delimiter (`s:\.wav::g`, `y:abc:xyz:`): no Windows drive.
_SED_SCRIPT = lazy(r"[sy]:[^:\n]*:[^:\n]*:")
#: A shell line printing an example of its use (`echo "e.g.: $0 /home/mpost/data"`, `echo "Usage: ..."`).
_USAGE_MESSAGE = lazy(r"[ \t]*(?:echo|printf)\b.*(?:\be\.g\.|\busage\b|\bexample\b)", re.IGNORECASE)


def _sed_script(side: SideView, m: Match) -> bool:
    """Whether the matched path is where a sed script with `:` delimiters starts on its line."""
    if m.group("path") is None:
        return False
    return _SED_SCRIPT.match(m.text, side.column(m) + m.match.start("path") - m.match.start()) is not None


def _in_prose(line: str, column: int) -> bool:
    """A doctest line, or a path after a triple quote on its line: documentation, not a path the code opens."""
    return line.lstrip().startswith((">>>", "...")) or '"""' in line[:column] or "'''" in line[:column]


def _docstring_lines(text: str | None) -> frozenset[int]:
    """Lines of the post-change module that belong to docstrings (examples in docs are not hard-coded paths)."""
    tree = parse_statement(text) if text is not None else None
    if tree is None:
        return frozenset()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(lines)


def _pattern_for(view: FileView) -> re.Pattern[str] | None:
    if view.kind is Kind.COMPOSE:
        return _COMPOSE_HOST_PATH
    if view.kind in _QUOTED_KINDS or (view.kind is Kind.SETUP and view.path.endswith(".py")):
        return _QUOTED_USER_PATH
    if view.kind in _BARE_KINDS or view.kind is Kind.SETUP or _CONFIG_EXTENSION.search(view.path):
        return _BARE_USER_PATH
    return None


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_URL_READERS = (
    "csv",
    "parquet",
    "json",
    "excel",
    "table",
    "feather",
    "fwf",
    "orc",
    "pickle",
    "sas",
    "stata",
    "xml",
    "html",
)
#: `read_csv("https://...")`, or `read_csv(url)` of a name (`name`) that the lines above set to a URL.
_READ_URL = lazy(
    rf"read_(?:{'|'.join(_URL_READERS)})\("
    rf"\s*(?:[rRbBuUfF]?([\"'])https?://[^\"'\s]+\1|(?P<name>[A-Za-z_]\w*)\s*[,)])"
)
#: How far above a `read_csv(url)` the assignment of its URL is looked for.
_URL_NAME_LOOKBACK = 10
_GOOGLE_DRIVE = lazy(r"\b(?:drive|docs)\.google\.com/")
_ANY_URL = lazy(r"\bhttps?://")
_URL_LITERAL = lazy(r"""[rRuUfF]{0,2}(["'])https?://[^"'\s]+\1""")
_KAGGLE = lazy(r"kaggle\s+(?:datasets|competitions)\s+download\b|kagglehub\.dataset_download\(")


class _Source(Enum):
    HUB = "hub"
    HUB_FILE = "hub-file"
    URL_READ = "url-read"
    DOWNLOAD = "download"
    KAGGLE = "kaggle"


_DOWNLOAD_SUFFIXES = ("_url_to_file", "_url", "_and_extract_archive", "_folder")
#: Downloads named by what precedes the matched word: `urlretrieve(`, `wget.download(`, `pooch.retrieve(`.
_DOWNLOAD_PREFIXES = ("url", "wget.", "gdown.", "pooch.")
#: A call qualified by its module is the Hub's own, whatever its name.
_QUALIFIERS = ("datasets.", "huggingface_hub.")
# Each pattern runs only on sides holding one of its needles, which every hit holds on its line (a bare
# `download(` counts only after a prefix or a qualifier): a literal-led scan of a few sides instead of an
# alternation over all of them. What precedes a match is checked per match.
_TRIGGERS: tuple[tuple[tuple[str, ...], re.Pattern[str], _Source], ...] = (
    (("load_dataset(",), lazy(r"load_dataset\("), _Source.HUB),
    (("hf_hub_download(", "snapshot_download("), lazy(r"(?:hf_hub|snapshot)_download\("), _Source.HUB_FILE),
    (tuple(f"read_{reader}(" for reader in _URL_READERS), _READ_URL, _Source.URL_READ),
    (
        (
            *(f"download{suffix}(" for suffix in _DOWNLOAD_SUFFIXES),
            *(f"{prefix}download(" for prefix in (*_DOWNLOAD_PREFIXES, *_QUALIFIERS)),
        ),
        lazy(rf"download(?:{'|'.join(_DOWNLOAD_SUFFIXES)})?\("),
        _Source.DOWNLOAD,
    ),
    (("retrieve(",), lazy(r"retrieve\("), _Source.DOWNLOAD),
    (("get_file(",), lazy(r"get_file\("), _Source.DOWNLOAD),
    (("kaggle",), _KAGGLE, _Source.KAGGLE),
)
_NAME_CHARS = string.ascii_letters + string.digits + "_."
#: Every trigger's needles in one automaton: one pass over a side says which triggers may match, where a
#: substring test per needle took up to 28 passes over a side holding none.
_TRIGGER_WORDS = AhoCorasick(
    [word for words, _, _ in _TRIGGERS for word in words],
    matchkind=MatchKind.Standard,
    implementation=Implementation.DFA,
)
_TRIGGER_OF_WORD = tuple(index for index, (words, _, _) in enumerate(_TRIGGERS) for _ in words)


#: Builders that read local files: the data's version is the file's, not a hub revision.
_LOCAL_BUILDERS = frozenset(
    {"csv", "json", "parquet", "text", "arrow", "pandas", "imagefolder", "audiofolder", "videofolder"}
    | {"webdataset", "generator", "sql", "xml", "spark", "cache"}
)
_LOCAL_ROOTS = frozenset({"data", "datasets", "dataset", "raw", "processed", "interim", "input", "inputs"})
_FIRST_LITERAL = lazy(r"(?:[\w.]*\.)?load_dataset\(\s*(?:path\s*=\s*)?[rRbBuU]?([\"'])([^\"'\n]+)\1")
_REVISION = lazy(r"\brevision\s*=\s*([^,)\s]+)")
_FLOATING_REVISION = lazy(r"^[rRbBuU]?[\"'](?:main|master|HEAD|latest)[\"']$")
_DATASET_REPO = lazy(r"\brepo_type\s*=\s*[\"']dataset[\"']")
_CHECKSUM_ARGUMENT = lazy(r"\b(?:md5|sha256|file_hash|md5_hash|hash_prefix|checksum|known_hash)\s*=\s*(?!None\b)")
_CHECKSUM_IN_FILE = lazy(r"\bhashlib\.|\bmd5sum\b|\bsha256sum\b|\bcheck_integrity\(|\bverify_\w*(?:hash|checksum)")
_HF_IMPORT = lazy(r"\bfrom\s+datasets\s+import\b|\bimport\s+datasets\b")
_OWN_LOADER = lazy(r"\bdef\s+load_dataset\(")
#: URLs that cannot change: a commit or content hash, a DOI, a versioned release or record.
_IMMUTABLE_URL = lazy(
    r"\b[0-9a-f]{40}\b|\b[0-9a-f]{64}\b|zenodo\.org/records?/\d+|doi\.org/|/v\d+\.\d+(?:\.\d+)*/|"
    r"[?&](?:version|rev|revision|versionId)=|/releases/download/|figshare\.com/ndownloader/files/\d+|"
    r"/versions/\d+",
    re.IGNORECASE,
)
_DATA_WORD = lazy(r"data|corpus|\.(?:csv|tsv|jsonl?|parquet|zip|tar|gz|tgz|bz2|xz|npz|npy|txt|xlsx?)\b", re.I)
_MODEL_WORD = lazy(r"\.(?:pt|pth|bin|onnx|h5|hdf5|ckpt|safetensors|pb|tflite|gguf|pkl)\b|weights|model", re.I)


@rule(
    code="DATA004",
    slug="remote-dataset-unpinned",
    title="Remote dataset loaded without a pinned revision or checksum",
    category=Category.DATA,
    severity=Severity.MEDIUM,
    effort=10,
    remediation=(
        'Pin the dataset revision (`load_dataset(..., revision="<commit sha>")`), verify a checksum of what '
        "you download, or snapshot the data into DVC."
    ),
    docs=Docs(
        what=(
            "Added code pulls a dataset from the network with nothing that fixes its version: a Hugging Face "
            "Hub `load_dataset` (or a dataset-repo `hf_hub_download`/`snapshot_download`) without `revision=` "
            "or with a branch name, `pd.read_*` over an http(s) URL (in the call, or set to the name it reads in "
            "the lines just above), a download helper (urlretrieve, gdown, "
            "get_file, download_url, pooch) of a recognisable dataset (any Google Drive download with gdown, but not "
            "gdown from another host, nor a helper that hands gdown its own parameter: its callers say what it "
            "fetches; nor a `get_file` given a file name where keras' takes its origin URL, another function of that "
            "name) without a hash argument and without checksum code in the file, or "
            "`kaggle datasets download` without a version or `kaggle competitions download`. "
            'Local builders (`load_dataset("csv", ...)`), '
            "revisions passed through variables or `**kwargs`, and URLs that embed a commit, DOI or release "
            "are fine; tests, examples, docs, docstrings' usage examples and messages that quote a call (a string "
            "literal) are not reviewed."
        ),
        why=(
            "When the upstream dataset changes, retraining silently uses different data and results cannot "
            "be reproduced (Sculley et al. 2015, unstable data dependencies; bandit B615)."
        ),
        example='ds = load_dataset("imdb", split="train")',
        fix='ds = load_dataset("stanfordnlp/imdb", split="train", revision="e6281661ce1c48d982bc483cf8a173c1bbeb5d31")',
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK, Kind.SHELL},
    skip_roles=_NOT_OURS,
    needles=tuple(needle for words, _, _ in _TRIGGERS for needle in words),
)
def remote_dataset_unpinned(view: FileView) -> Iterator[Hit]:
    for side in view.source_sides():
        text = side.lines.text
        # Overlapping matches: a needle inside another's match still counts, as a substring test would see it.
        present = {_TRIGGER_OF_WORD[i] for i, _, _ in _TRIGGER_WORDS.find_matches_as_indexes(text, overlapping=True)}
        triggers = [(pattern, source) for index, (_, pattern, source) in enumerate(_TRIGGERS) if index in present]
        if not triggers:
            continue
        # The whole module on that side when known (its imports tell whose `load_dataset` is called).
        context = (view.text if side.side is Side.ADDED else old_text(view)) or text
        reader = CallReader(view, side) if view.kind is Kind.PYTHON else None
        for pattern, source in triggers:
            for m in side.search(pattern):
                column = side.column(m)
                before = m.text[:column]
                qualified = before.endswith(_QUALIFIERS)
                if not (qualified or _called_by_name(before, m.group(0), source)) or side.in_comment(m):
                    continue
                if in_docstring(view, side, m) or (reader is not None and reader.in_docstring(m)):
                    continue  # a docstring's usage example, or a message's (in any triple-quoted string)
                if view.kind in PYTHON_KINDS and in_string(m.text, column):
                    continue  # a message that shows the call (`f"use load_dataset('{name}')"`)
                statement, end_line = side.statement(m.index)
                if not brackets_closed(statement):
                    continue  # the call goes on past the lines we can see
                # The call from its full dotted name on: `urlretrieve(...)`, `pooch.retrieve(...)`.
                call = statement[len(before.rstrip(_NAME_CHARS)) :]
                name = m.group("name") if source is _Source.URL_READ else ""
                url = _url_assigned(side, m.index, name) if name else ""
                if url is None:
                    continue  # a path or a frame, as far as the lines above tell
                if call.startswith("gdown."):
                    given = _GDOWN_NAME.match(call)
                    if given is not None and _parameter_of_its_function(side, m, given.group(1)):
                        continue  # a download helper handed its URL: its callers say what it fetches
                    url = (_url_assigned(side, m.index, given.group(1)) or "") if given is not None else ""
                why = _unpinned(source, f"{call} {url}", context, view.path, qualified=qualified)
                if why is not None:
                    yield side.hit(m, why, content=normalize(call), end_line=end_line)


#: A gdown call given its URL (or Drive id) by a name: `gdown.download(url, output, quiet=False)`.
_GDOWN_NAME = lazy(r"gdown\.\w+\(\s*(?:url\s*=\s*|id\s*=\s*)?([A-Za-z_]\w*)\s*[,)]")
#: How far above a call its function's `def` is looked for, and how many lines its signature may run over.
_DEF_LOOKBACK = 120
_SIGNATURE_LINES = 30


def _parameter_of_its_function(side: SideView, m: Match, name: str) -> bool:
    """Whether `name` is a parameter of the function the match's line is in, as its signature shows (its `def` line,
    and the lines of its parameters when they run over several)."""
    above = side.lines_above(m.index, _DEF_LOOKBACK)
    at = enclosing_def_index(above, len(m.text) - len(m.text.lstrip()))
    if at is None:
        return False
    signature = []
    for line in above[at : at + _SIGNATURE_LINES]:
        signature.append(line)
        if line.split("#", 1)[0].rstrip().endswith(":"):
            break  # `) -> None:`, or the def's own line
    return re.search(rf"(?:[(,]|^)\s*{re.escape(name)}\b", "\n".join(signature), re.MULTILINE) is not None


def _url_assigned(side: SideView, index: int, name: str) -> str | None:
    """The URL literal that one of the lines just above line `index` sets `name` to (`url = "https://..."`), the
    nearest such line deciding; None when none does."""
    for line in side.lines_upward(index, _URL_NAME_LOOKBACK):
        target, equals, value = line.partition("=")
        if equals and target.strip() == name and not value.startswith("="):
            url = _URL_LITERAL.fullmatch(value.strip())
            return url.group(0) if url is not None else None
    return None


def _called_by_name(before: str, matched: str, source: _Source) -> bool:
    """True when the match is the function itself: `load_dataset(`, not `sns.load_dataset(` or `my_load_dataset(`."""
    if source is _Source.DOWNLOAD:
        return matched.startswith(("download_", "get_file")) or before.endswith(_DOWNLOAD_PREFIXES)
    previous = before[-1:]
    if previous.isalnum() or previous == "_":
        return False
    # Hub loaders are module functions: a method of that name (`task.load_dataset`) is another library's.
    return not (previous == "." and source in (_Source.HUB, _Source.HUB_FILE))


def _unpinned(source: _Source, call: str, context: str, path: str, *, qualified: bool) -> str | None:
    """Why the call's data can change under it, or None when it is pinned (or not a remote dataset)."""
    if "**" in call:
        return None  # the revision may arrive through **kwargs
    if source is _Source.HUB:
        return _hub_dataset(call, context, qualified=qualified)
    if source is _Source.HUB_FILE:
        if not _DATASET_REPO.search(call):
            return None  # model repositories belong to the model rules
        return _revision_problem(call, "Hub dataset download")
    if _IMMUTABLE_URL.search(call):
        return None
    if source is _Source.URL_READ:
        return "Dataset read from a URL with no version or checksum"
    if source is _Source.KAGGLE:
        return "Kaggle data downloaded without a version"
    if _CHECKSUM_ARGUMENT.search(call) or _CHECKSUM_IN_FILE.search(context) or _hash_by_position(call):
        return None
    if _names_a_file_of(call):
        return None  # `get_file(preset, "vocab.json")`: a project's helper reading a file of a preset, not keras'
    if _MODEL_WORD.search(call) or _MODEL_WORD.search(path):
        return None  # model weights are the model rules' concern
    # Google Drive links are mutable shares, used above all for datasets; other helpers fetch anything, and so does
    # gdown from anywhere else (a model's weights on GitHub).
    from_drive = call.startswith("gdown.") and (_GOOGLE_DRIVE.search(call) is not None or _ANY_URL.search(call) is None)
    if not (_DATA_WORD.search(call) or from_drive):
        return None
    return "Dataset downloaded without a checksum or pinned version"


#: Download helpers whose checksum parameter may be passed by position, and its index.
_HASH_POSITION = {
    "download_url": 3,
    "download_and_extract_archive": 4,
    "get_file": 3,
    "retrieve": 1,
    "download_url_to_file": 2,
    "cached_download": 2,
}


def _hash_by_position(call: str) -> bool:
    """`download_url(url, root, name, MD5)`: a checksum given without its keyword."""
    tree = parse_statement(call)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) in _HASH_POSITION:
            position = _HASH_POSITION[call_name(node)]
            if len(node.args) > position:
                value = node.args[position]
                return not (isinstance(value, ast.Constant) and value.value in (None, False))
    return False


def _names_a_file_of(call: str) -> bool:
    """Whether a `get_file` call gives a file name where keras' `get_file(fname, origin)` takes the URL it downloads
    from (`get_file(preset, "vocab.json")`): another function of that name, which reads a file of what it is handed."""
    if not call.startswith("get_file("):
        return False
    tree = parse_statement(call.strip())
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "get_file" and len(node.args) >= 2:
            origin = node.args[1]
            text = origin.value if isinstance(origin, ast.Constant) else None
            return isinstance(text, str) and "://" not in text
    return False


def _hub_dataset(call: str, context: str, *, qualified: bool) -> str | None:
    literal = _FIRST_LITERAL.match(call)
    if literal is None:
        return None  # the name is a variable: it may be a local path
    name = literal.group(2)
    if name in _LOCAL_BUILDERS or name.startswith((".", "/", "~")) or "\\" in name or name.endswith(".py"):
        return None
    if name.split("/", 1)[0] in _LOCAL_ROOTS:
        return None  # "data/squad" is a folder next to the code
    if not qualified and "/" not in name and (not _HF_IMPORT.search(context) or _OWN_LOADER.search(context)):
        return None  # a load_dataset("train") of the project's own is not the Hub's
    return _revision_problem(call, f"Hub dataset {name!r} loaded")


def _revision_problem(call: str, what: str) -> str | None:
    revision = _REVISION.search(call)
    if revision is None:
        return f"{what} without a pinned revision"
    if _FLOATING_REVISION.match(revision.group(1)):
        return f"{what} at a branch ({revision.group(1)}), not a pinned revision"
    return None
