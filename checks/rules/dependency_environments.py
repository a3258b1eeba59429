"""Environments in the repository: conda environment files that do not travel (DEP013), committed venvs (DEP014)."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role, roles
from checks.registry import Docs, Scope, rule
from checks.rules.dependency_common import in_docs_folder, lines_before
from checks.views import ChangeView, FileView, Match, SideView

# --- DEP013 --------------------------------------------------------------------------------------------------------

_PREFIX = lazy(r"^prefix:[ \t]*[\"']?(?P<path>(?:/|~|[A-Za-z]:[\\/])[^\s\"']*)", re.MULTILINE)
#: `- numpy=1.26.4=py311h64a7726_0`: a build string pins one platform's binary.
_BUILD_STRING = lazy(
    r"^[ \t]*-[ \t]*[\"']?(?P<name>[A-Za-z0-9][\w.-]*)[ \t]*==?(?P<version>[^=\s\"'#]+)=(?P<build>[^\s\"'#*]+)",
    re.MULTILINE,
)
#: `- numpy` with no version at all.
_BARE_ITEM = lazy(
    r"^(?P<indent>[ \t]*)-[ \t]*[\"']?(?:[\w.-]+::)?(?P<name>[A-Za-z][\w.-]*)[\"']?[ \t]*(?:#.*)?$", re.MULTILINE
)
_CONDA_FILE_NAME = lazy(r"(?i)(^|/)(environment|conda)[\w.-]*\.ya?ml$")
_DEPENDENCIES_KEY = lazy(r"^dependencies:", re.MULTILINE)
_CHANNELS_KEY = lazy(r"^channels:", re.MULTILINE)
_PARENT_KEY = lazy(r"^[ \t]*(?:-[ \t]*)?([\w.-]+):")
#: Tools an environment installs to run pip or the interpreter itself; unpinned on purpose in most files.
_UNVERSIONED_OK = frozenset({"pip", "python", "setuptools", "wheel"})


@rule(
    code="DEP013",
    slug="unportable-conda-environment",
    title="Non-portable or unpinned conda environment file",
    category=Category.DEPENDENCY,
    severity=Severity.LOW,
    effort=10,
    remediation=(
        "Export with `conda env export --from-history --no-builds`, drop `prefix:`, and pin versions "
        "(`numpy=1.26`), or generate a lock file with conda-lock."
    ),
    docs=Docs(
        what=(
            "An environment.yml line adds an absolute `prefix:` (a path on the author's machine), a package "
            "with a build string (`numpy=1.26.4=py311h64a7726_0`, one platform's binary), or a dependency "
            "with no version at all (conda or pip section). Channels, `pip`/`python` themselves and files "
            "next to a conda-lock.yml (which holds the pins) are not flagged for missing versions."
        ),
        why=(
            "`conda env export` output only recreates on the same OS and machine layout, and an unversioned "
            "environment resolves differently every month: colleagues and CI get other environments "
            "(conda docs on exporting environments across platforms)."
        ),
        example=(
            "prefix: /home/alice/miniconda3/envs/train\ndependencies:\n  - numpy=1.26.4=py311h64a7726_0\n  - pandas"
        ),
        fix="dependencies:\n  - numpy=1.26.4\n  - pandas=2.2.2",
    ),
    kinds={Kind.CONDA, Kind.YAML},
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE),
)
def unportable_conda_environment(view: FileView) -> Iterator[Hit]:
    if in_docs_folder(view.path) or not _is_conda_environment(view):
        return
    locked = view.snapshot.exists(posixpath.join(posixpath.dirname(view.path), "conda-lock.yml")) is True
    for side in view.sides():
        for m in side.search(_PREFIX):
            yield side.hit(m, f"`prefix: {m.group('path')}` is a path on one machine", content="prefix")
        builds = [m for m in side.search(_BUILD_STRING) if not side.in_comment(m)]
        if builds:
            # One hit per file side: build strings come from one `conda env export`, fixed by one re-export,
            # and re-exporting with new builds is not new debt.
            first = builds[0]
            example = f"{first.group('name')}={first.group('version')}={first.group('build')}"
            count = f"{len(builds)} packages are" if len(builds) > 1 else "1 package is"
            message = f"{count} pinned to platform build strings (`{example}`): the file installs on one platform only"
            yield side.hit(first, message, content="build strings")
        if locked:
            continue
        for m in side.search(_BARE_ITEM):
            name = m.group("name")
            if name.lower() in _UNVERSIONED_OK or _parent(view, side, m) not in ("dependencies", "pip"):
                continue
            yield side.hit(m, f"`{name}` has no version", content=f"unversioned {name.lower()}")


def _is_conda_environment(view: FileView) -> bool:
    """Whether the file is a conda environment: `env*.yml` and other YAML may be any settings file.

    Named like conda's (environment*.yml, conda*.yml, gpu-environment.yml), a YAML file must have a
    top-level `dependencies:`; any other YAML file must have `channels:` as well.
    """
    name = view.path.rsplit("/", 1)[-1].lower()
    if view.kind is Kind.CONDA and _CONDA_FILE_NAME.search(view.path):
        return True
    if view.kind is Kind.YAML and "dependencies:" not in view.patch.added.text + view.patch.removed.text:
        return False  # the common case for YAML, decided at C speed
    text = view.text if view.text is not None else view.patch.added.text + "\n" + view.patch.removed.text
    if _DEPENDENCIES_KEY.search(text) is None:
        return False
    return "environment" in name or "conda" in name or _CHANNELS_KEY.search(text) is not None


def _parent(view: FileView, side: SideView, m: Match) -> str | None:
    """The key a list item belongs to: the nearest line above that is less indented, or a key at its indent.

    YAML allows `dependencies:` with its `- items` at the same indent, hence the second case.
    """
    indent = len(m.group("indent"))
    for line in reversed(lines_before(view, side.side, m.number, 200)):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        depth = len(line) - len(line.lstrip())
        key = _PARENT_KEY.match(line)
        if depth < indent or (depth == indent and not line.lstrip().startswith("-")):
            return key.group(1) if key is not None else None
    return None


# --- DEP014 --------------------------------------------------------------------------------------------------------

#: Cheap first look at every changed path; the precise reading is `environment_root`.
_ENV_HINT = lazy(r"site-packages/|conda-meta/|pyvenv\.cfg$|/activate[\w.]*$|(?:^|/)\.?v(?:irtual)?env/", re.I)
_ACTIVATE = lazy(r"(?i)^(activate(\.(bat|csh|fish|ps1|nu|xsh))?|Activate\.ps1)$")
_VENV_NAMES = frozenset({"venv", ".venv", "virtualenv", ".virtualenv"})
_VENV_PARTS = frozenset({"bin", "scripts", "lib", "lib64", "include"})


def environment_root(path: str) -> str | None:
    """The folder of the virtual or conda environment `path` belongs to, or None when it shows no marker.

    Markers: site-packages/, conda-meta/, pyvenv.cfg, bin/activate (Scripts/activate.bat), or the
    bin/lib/include folders of a folder named venv/.venv/virtualenv. A folder merely called env/ is not one.
    """
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        lowered = part.lower()
        if lowered == "site-packages":
            root = parts[:i]
            if root and root[-1].lower().startswith("python"):
                root = root[:-1]
            if root and root[-1].lower() in ("lib", "lib64"):
                root = root[:-1]
            return "/".join(root)
        if lowered == "conda-meta":
            return "/".join(parts[:i])
        if lowered in _VENV_NAMES and i + 1 < len(parts) - 1 and parts[i + 1].lower() in _VENV_PARTS:
            return "/".join(parts[: i + 1])
    if parts[-1] == "pyvenv.cfg":
        return "/".join(parts[:-1])
    if len(parts) >= 2 and parts[-2].lower() in ("bin", "scripts") and _ACTIVATE.match(parts[-1]):
        return "/".join(parts[:-2])
    return None


@rule(
    code="DEP014",
    slug="committed-virtualenv",
    title="Virtual environment or site-packages committed",
    category=Category.DEPENDENCY,
    severity=Severity.HIGH,
    effort=10,
    remediation=(
        "Remove the environment from Git (`git rm -r --cached <folder>`), add it to .gitignore, and declare "
        "the dependencies in a manifest and lock file instead."
    ),
    docs=Docs(
        what=(
            "The change adds files of a virtual or conda environment: site-packages/, conda-meta/, "
            "pyvenv.cfg, bin/activate, or the bin/lib/include folders of a venv/.venv/virtualenv folder. "
            "One finding per environment, however many files it has. A source folder merely named env/ is "
            "not an environment; test fixtures are not read."
        ),
        why=(
            "Environments hold compiled binaries for one OS and Python, absolute paths of the author's "
            "machine and often hundreds of megabytes: they bloat every clone forever and do not run "
            "elsewhere (GitHub's Python .gitignore template ignores venv/, env/; mllint git-no-big-files)."
        ),
        example="venv/lib/python3.11/site-packages/numpy/__init__.py (added with 4,000 more files)",
        fix="git rm -r --cached venv && echo 'venv/' >> .gitignore",
    ),
    scope=Scope.CHANGE,
    reads_lines=False,
)
def committed_virtualenv(view: ChangeView) -> Iterator[Hit]:
    found: dict[tuple[Side, str], list[str]] = defaultdict(list)
    for patch in view.patches:
        if patch.status is FileStatus.MODIFIED:
            continue  # an environment committed before this change is not its debt
        side = Side.REMOVED if patch.status is FileStatus.REMOVED else Side.ADDED
        path = patch.path if side is Side.ADDED else (patch.old_path or patch.path)
        if not _ENV_HINT.search(path) or roles(path) & {Role.TEST, Role.FIXTURE}:
            continue
        root = environment_root(path)
        if root is not None:
            found[(side, root)].append(path)
    for (side, root), paths in sorted(found.items()):
        anchor = min(paths, key=lambda p: (not p.endswith("pyvenv.cfg"), p.count("/"), p))
        where = f"`{root}/`" if root else "the repository root"
        yield Hit(
            side=side,
            path=anchor,
            line=None,
            content=f"environment {root or '.'}",
            message=f"an environment is committed at {where} ({len(paths)} file{'s' if len(paths) != 1 else ''})",
        )
