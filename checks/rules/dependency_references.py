"""DEP008: CI, Dockerfiles, Makefiles and scripts that install from a dependency file the tree does not have."""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from collections.abc import Iterator

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role, kind
from checks.registry import Docs, Scope, rule
from checks.views import ChangeView, FileView, SideView

_READERS = frozenset({Kind.CI, Kind.DOCKERFILE, Kind.MAKEFILE, Kind.SHELL})
_OTHER_READERS = lazy(r"(^|/)(tox\.ini|\.readthedocs\.ya?ml|noxfile\.py)$")
_NOT_OURS = frozenset({Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE})

_PATH = r"[\"']?(?P<ref>[^\s\"';&|)<>]+)"
#: `pip install -r x`, `uv pip sync x`, `conda env create -f x` on one line; pip (or uv, conda...) must be on it,
#: since `-r` means something else to rm, cp and grep.
_INSTALL_REF = lazy(
    r"(?:\b(?:pip3?|uv)\b[^\n#]*?(?<![\w-])(?:-r|-c|--requirements?|--constraints?)(?:[ \t]*=[ \t]*|[ \t]+)"
    r"|\b(?:pip-sync|uv[ \t]+pip[ \t]+sync)[ \t]+(?:-\S+[ \t]+)*"
    r"|\b(?:conda|mamba|micromamba)[ \t]+env[ \t]+(?:create|update)\b[^\n#]*?(?:-f|--file)(?:[ \t]*=[ \t]*|[ \t]+))"
    + _PATH
)
_MORE_REFS = lazy(r"(?<![\w-])(?:-r|-c|--requirements?|--constraints?)(?:[ \t]*=[ \t]*|[ \t]+)" + _PATH)
#: tox `deps = -r requirements.txt` lines need no pip; neither do Read the Docs' `requirements:` keys.
_TOX_REF = lazy(r"(?<![\w-])(?:-r|-c)[ \t]+" + _PATH)
_RTD_REF = lazy(r"^[ \t]*-?[ \t]*requirements:[ \t]*" + _PATH, re.MULTILINE)
_COPY = lazy(r"^[ \t]*(?:COPY|ADD)[ \t]+(?P<args>[^\n]+)", re.MULTILINE | re.IGNORECASE)
_DEPENDENCY_FILE = lazy(
    r"(?i)(^|/)((requirements|requirments|requirement|reqs|constraints)[\w.-]*\.(txt|in)|Pipfile(\.lock)?|"
    r"pyproject\.toml|poetry\.lock|uv\.lock|pdm\.lock|(environment|conda)[\w.-]*\.ya?ml)$"
)
_GENERATED_BY = r"(?:-o|--output-file|--output|>)[ \t]*=?[ \t]*[\"']?[^\s\"']*{name}"


def reads_dependency_files(path: str) -> bool:
    return kind(path) in _READERS or _OTHER_READERS.search(path) is not None


@rule(
    code="DEP008",
    slug="missing-dependency-file",
    title="Build or CI references a dependency file that does not exist",
    category=Category.DEPENDENCY,
    severity=Severity.HIGH,
    effort=5,
    remediation="Fix the file name or path so CI and images install the declared dependencies (or add the file).",
    docs=Docs(
        what=(
            "An added line of a CI workflow, Dockerfile, Makefile, shell script, tox.ini or .readthedocs.yaml "
            "installs from a dependency file (`pip install -r`, `uv pip sync`, `conda env create -f`, Docker "
            "`COPY requirements.txt`) that is not in the repository at the head of the change, nor under any "
            "folder the command could run from (a path under the folder a workflow's `actions/checkout` step puts "
            "the repository in, its `path:`, is read inside it). Files the same file generates first "
            "(`pip-compile -o`, "
            "`poetry export > x`), variables, globs and absolute paths are not judged. Needs the repository "
            "tree: silent without it."
        ),
        why=(
            "The build fails, or worse, a `|| true` or an optional step hides it and the image ships "
            "without its dependencies; typos such as requirments.txt are common (mllint dependency-management)."
        ),
        example="RUN pip install -r requirments.txt   # the file is requirements.txt",
        fix="RUN pip install -r requirements.txt",
    ),
    scope=Scope.CHANGE,
    keeps=reads_dependency_files,
)
def missing_dependency_file(view: ChangeView) -> Iterator[Hit]:
    tree = view.snapshot.tree
    if tree is None:
        return
    gone = frozenset(p.old_path or p.path for p in view.patches if p.status in (FileStatus.REMOVED, FileStatus.RENAMED))
    for file in view.files():
        if not reads_dependency_files(file.path) or file.roles & _NOT_OURS or file.status is FileStatus.REMOVED:
            continue
        generated = file.text or file.patch.added.text
        checkouts = _checkout_folders(generated) if "actions/checkout" in generated else ()
        for side, number, ref in _references(file):
            local = _in_checkout(ref, checkouts)
            if not _judgeable(local) or _generated(local, generated) or _present(local, file.path, tree):
                continue
            if side is Side.REMOVED and _present(local, file.path, gone):
                continue  # the file existed before this change: removing its reference is no payment
            hint = _closest(local, tree)
            yield Hit(
                side=side,
                path=file.path if side is Side.ADDED else (file.patch.old_path or file.path),
                line=number,
                content=posixpath.normpath(ref),
                message=f"`{ref}` is installed here but no such file is in the repository"
                + (f" (did you mean `{hint}`?)" if hint else ""),
            )


def _references(file: FileView) -> Iterator[tuple[Side, int, str]]:
    for side in file.sides():
        yield from ((side.side, n, r) for n, r in _side_references(file, side))


def _side_references(file: FileView, side: SideView) -> Iterator[tuple[int, str]]:
    if file.kind is Kind.DOCKERFILE:
        # RUN pip install -r names a path inside the image; only COPY/ADD sources come from the repository.
        for m in side.search(_COPY):
            for source in _copy_sources(m.group("args")):
                if _DEPENDENCY_FILE.search(source):
                    yield m.number, source
        return
    patterns = [_INSTALL_REF]
    if file.path.endswith("tox.ini"):
        patterns.append(_TOX_REF)
    if "readthedocs" in file.path:
        patterns = [_RTD_REF]
    seen: set[tuple[int, str]] = set()
    for pattern in patterns:
        for m in side.search(pattern):
            if side.in_comment(m):
                continue
            # `pip install -r a.txt -r b.txt`: the pattern stops at the first file; the rest of the line has more.
            rest = m.text[side.column(m) + len(m.group()) :].split("#", 1)[0]
            refs = [m.group("ref") or "", *(r.group("ref") for r in _MORE_REFS.finditer(rest))]
            for ref in refs:
                if ref and (m.number, ref) not in seen:
                    seen.add((m.number, ref))
                    yield m.number, ref


def _copy_sources(args: str) -> list[str]:
    args = args.split(" #", 1)[0].strip()
    if args.startswith("["):
        try:
            words = [str(w) for w in json.loads(args)]
        except ValueError:
            return []
    else:
        words = args.split()
    if any(w.startswith("--from") for w in words):
        return []  # copied from another build stage or image, not from the repository
    words = [w for w in words if not w.startswith("--")]
    return words[:-1]


#: A workflow step checking a repository out into a folder of its own: `uses: actions/checkout@v4` and, among the
#: step's next lines (before the next step's `- `), `path: implicit_source`.
_CHECKOUT_PATH = lazy(
    r"actions/checkout@[^\n]*(?:\n(?![ \t]*-[ \t])[^\n]*){0,8}?\n[ \t]*path:[ \t]*[\"']?(?P<folder>[\w./-]+)"
)


def _checkout_folders(text: str) -> tuple[str, ...]:
    """The folders a workflow checks repositories out into, longest first."""
    folders = {posixpath.normpath(m.group("folder")) for m in _CHECKOUT_PATH.finditer(text)}
    return tuple(sorted(folders - {"."}, key=len, reverse=True))


def _in_checkout(ref: str, checkouts: tuple[str, ...]) -> str:
    """`ref` read inside the checkout folder it starts with (`implicit_source/requirements.txt` is the repository's
    `requirements.txt` when a step checks it out into `implicit_source`); `ref` itself otherwise."""
    normal = posixpath.normpath(ref)
    for folder in checkouts:
        if normal.startswith(folder + "/"):
            return normal[len(folder) + 1 :]
    return ref


def _judgeable(ref: str) -> bool:
    return not (
        any(c in ref for c in "$%{}*?[]@`")
        or ref.startswith(("/", "~", "http://", "https://", "git+"))
        or not ref.lower().endswith((".txt", ".in", ".pip", ".yml", ".yaml", ".toml", ".lock"))
    )


def _generated(ref: str, text: str) -> bool:
    """Whether the same file writes `ref` first (pip-compile -o, poetry export > ..., pip freeze > ...)."""
    name = re.escape(posixpath.basename(ref))
    return re.search(_GENERATED_BY.format(name=name), text) is not None


def _present(ref: str, path: str, tree: frozenset[str]) -> bool:
    """Whether `ref` resolves from the file's folder or any folder above it, or sits at the end of a tree path.

    Commands run from folders the diff cannot show (`working-directory:`, `cd`, a build context),
    so any folder that has the file is taken as the one meant.
    """
    folder = posixpath.dirname(path)
    while True:
        candidate = posixpath.normpath(posixpath.join(folder, ref))
        if candidate in tree:
            return True
        if not folder:
            break
        folder = posixpath.dirname(folder)
    relative = posixpath.normpath(ref).lstrip("./")
    suffix = "/" + relative
    return any(p.endswith(suffix) for p in tree) or relative in tree


def _closest(ref: str, tree: frozenset[str]) -> str | None:
    """A dependency file whose name is a typo away from `ref` (requirments.txt), not merely similar (-dev)."""
    wanted = posixpath.basename(ref)
    names = {posixpath.basename(p): p for p in sorted(tree) if _DEPENDENCY_FILE.search(p)}
    typos = [n for n in names if abs(len(n) - len(wanted)) <= 2 and n != wanted]
    match = difflib.get_close_matches(wanted, typos, n=1, cutoff=0.85)
    return names[match[0]] if match else None


__all__ = ["missing_dependency_file", "reads_dependency_files"]
