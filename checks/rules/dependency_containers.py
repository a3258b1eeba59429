"""Dependency debt in container builds: floating base images (DEP011) and unpinned installs (DEP012)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.prefilter import any_case
from checks.registry import Docs, rule
from checks.rules.dependency_common import (
    canonical,
    changed_numbers,
    continued,
    file_lines,
    known_file,
    lines_after,
    lines_before,
    words,
)
from checks.views import FileView, Match, SideView

_NOT_OURS = (Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE)

# --- DEP011 --------------------------------------------------------------------------------------------------------

_FROM = lazy(
    r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*(?P<image>[^\s#]+)(?:[ \t]+AS[ \t]+(?P<alias>\S+))?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
_ARG = lazy(r"^[ \t]*ARG[ \t]+(?P<name>\w+)(?:=(?P<value>\S*))?", re.IGNORECASE)
_VARIABLE = lazy(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")
_IMAGE_KEY = lazy(
    r"^(?P<indent>[ \t]*)(?:-[ \t]+)?image:[ \t]*(?P<quote>[\"']?)(?P<image>[^\s\"'#]+)(?P=quote)[ \t]*(?:#.*)?$",
    re.MULTILINE,
)
_KEY = lazy(r"^([ \t]*)(?:-[ \t]+)?([\w.-]+):")
#: Official images that are never stage names; a bare `FROM <word>` is judged only for these when the
#: rest of the Dockerfile (where stage aliases are declared) is unknown.
OFFICIAL_IMAGES = words(
    "ubuntu debian python alpine centos fedora rockylinux almalinux amazonlinux busybox node golang rust "
    "openjdk eclipse-temurin r-base julia nginx httpd redis postgres mysql mongo buildpack-deps gcc ruby "
    "php perl bash continuumio/miniconda3 continuumio/anaconda3 tensorflow/tensorflow pytorch/pytorch"
)


@dataclass(frozen=True, slots=True)
class ImageRef:
    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, ref: str) -> ImageRef:
        name, _, digest = ref.partition("@")
        last = name.rsplit("/", 1)[-1]  # a registry's `host:port/` has a colon too
        if ":" in last:
            repository, tag = name.rsplit(":", 1)
            return cls(repository, tag, digest or None)
        return cls(name, None, digest or None)

    @property
    def floating(self) -> bool:
        return self.digest is None and self.tag in (None, "", "latest")


@rule(
    code="DEP011",
    slug="floating-image-tag",
    title="Container image with a floating tag (latest or untagged)",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=5,
    remediation=(
        "Pin the image to a version tag, ideally with its digest (`python:3.11.9-slim@sha256:...`), and "
        "let Renovate or Dependabot propose updates."
    ),
    docs=Docs(
        what=(
            "A Dockerfile `FROM`, or a Compose/Kubernetes `image:`, names an image without a tag or with "
            "`:latest`, and without an `@sha256:` digest. Earlier build stages (`FROM builder`), `scratch`, "
            "tags set by an `ARG` without a default, templated values and Compose services that build their "
            "own image are not flagged."
        ),
        why=(
            "`latest` is whatever was pushed last: rebuilding the same commit changes the OS, Python and "
            "CUDA underneath the model, and rollbacks do not roll the base back (hadolint DL3006, DL3007)."
        ),
        example="FROM python\nFROM pytorch/pytorch:latest",
        fix="FROM python:3.11.9-slim\nFROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime",
    ),
    kinds={Kind.DOCKERFILE, Kind.COMPOSE, Kind.KUBERNETES},
    skip_roles=_NOT_OURS,
    # Only changed `FROM` (any case) and `image:` lines are judged; the rest of the file resolves ARGs and stages.
    needles=(*any_case("from"), "image:"),
)
def floating_image_tag(view: FileView) -> Iterator[Hit]:
    if view.kind is Kind.DOCKERFILE:
        yield from _dockerfile_images(view)
    else:
        yield from _manifest_images(view)


def _dockerfile_images(view: FileView) -> Iterator[Hit]:
    known_text = view.text is not None
    for side in view.sides():
        matches = list(side.search(_FROM))
        if not matches:
            continue
        other = Side.REMOVED if side.side is Side.ADDED else Side.ADDED
        # This side's own lines come last, so its ARG defaults win over the other side's.
        lines = [*file_lines(view, other), *file_lines(view, side.side)]
        aliases = {a.group("alias").lower() for line in lines if (a := _FROM.match(line)) and a.group("alias")}
        args = {a.group("name"): a.group("value") for line in lines if (a := _ARG.match(line))}
        for m in matches:
            image = _resolve(m.group("image"), args)
            if image is None or image.lower() in aliases or image.lower() == "scratch":
                continue
            ref = ImageRef.parse(image)
            if not ref.floating:
                continue
            bare = ref.tag is None and "/" not in ref.repository
            if bare and not (known_text and side.side is Side.ADDED) and ref.repository.lower() not in OFFICIAL_IMAGES:
                continue  # could be a stage declared on a line this diff does not show
            yield side.hit(m, _message(image, ref), content=ref.repository)


def _resolve(image: str, args: dict[str, str | None]) -> str | None:
    """The image with `${ARG}`s replaced by their defaults; None when one has no default (set per build)."""
    unresolved = False

    def substitute(v: re.Match[str]) -> str:
        nonlocal unresolved
        value = args.get(v.group(1) or v.group(3))
        if value is None:
            value = v.group(2)
        if not value:
            unresolved = True
            return ""
        return value.strip("\"'")

    resolved = _VARIABLE.sub(substitute, image)
    return None if unresolved else resolved


def _message(image: str, ref: ImageRef) -> str:
    if ref.tag is None:
        return f"image `{image}` has no tag: every build pulls whatever `latest` is that day"
    return f"image `{image}` uses `:latest`: every build pulls whatever was pushed last"


def _manifest_images(view: FileView) -> Iterator[Hit]:
    for side in view.sides():
        for m in side.search(_IMAGE_KEY):
            image = m.group("image")
            if any(c in image for c in "${}<>") or side.in_comment(m):
                continue
            ref = ImageRef.parse(image)
            if not ref.floating:
                continue
            if view.kind is Kind.COMPOSE and _builds_locally(view, side, m):
                continue
            yield side.hit(m, _message(image, ref), content=ref.repository)


def _builds_locally(view: FileView, side: SideView, m: Match) -> bool:
    """A Compose service with `build:` names the image it builds: the name need not be pinned."""
    indent = len(m.group("indent"))
    above = reversed(lines_before(view, side.side, m.number, 40))
    below = lines_after(view, side.side, m.number, 40)
    for neighbours in (above, below):
        for line in neighbours:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            depth = len(line) - len(line.lstrip())
            if depth < indent:
                break  # left the service's mapping
            key = _KEY.match(line)
            if depth == indent and key is not None and key.group(2) == "build":
                return True
    return False


# --- DEP012 --------------------------------------------------------------------------------------------------------

_INSTALL = lazy(
    r"(?:^|[\s;&|(])(?P<tool>pip3?(?:\.\d+)?|python3?(?:\.\d+)?[ \t]+-m[ \t]+pip|uv[ \t]+pip|conda|mamba|micromamba"
    r"|apt-get|apt)[ \t]+(?:-\S+[ \t]+)*install\b",
    re.MULTILINE,
)
_COMMAND_END = frozenset({"&&", "||", ";", "|", ">", ">>", "2>&1", "&"})
#: Options that take a value, so the value is not read as a package.
_VALUE_OPTIONS = {
    "pip": words(
        "-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links -t "
        "--target --prefix --root --trusted-host --platform --python-version --implementation --abi "
        "--only-binary --no-binary -C --config-settings --global-option --src --progress-bar --timeout "
        "--retries --cache-dir --log --proxy --root-user-action --report --exists-action --upgrade-strategy "
        "--python -p --index --default-index"
    ),
    "conda": words("-c --channel -n --name -p --prefix --file --solver --repodata-fn"),
    "apt": words("-o --option -t --target-release --default-release"),
}
#: Build tooling bootstrapped in nearly every image (`pip install -U pip setuptools wheel`).
_BOOTSTRAP = frozenset({"pip", "setuptools", "wheel", "uv"})


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    spec: str
    line: int


def tool_family(tool: str) -> str:
    if "pip" in tool:
        return "pip"
    if tool.startswith("apt"):
        return "apt"
    return "conda"


def install_arguments(lines: list[tuple[int, str]], start_column: int) -> Iterator[tuple[int, str]]:
    """The words of one install command, from `install` to the end of the shell command, with their lines."""
    first = True
    for number, text in lines:
        body = text[start_column:] if first else text
        body = body.rstrip().removesuffix("\\")
        if first:
            parts = re.split(r"\sinstall\b", body, maxsplit=1)
            body = parts[1] if len(parts) == 2 else ""
            first = False
        for raw in body.split():
            if raw in _COMMAND_END or raw.startswith("#"):
                return
            word = raw.rstrip(";").strip("\"'")
            if word:
                yield number, word
            if raw.endswith(";"):
                return


def packages(family: str, words: Iterator[tuple[int, str]]) -> Iterator[Package]:
    """Package arguments of an install command; options, files, URLs and variables are not packages."""
    listed = list(words)
    skip_next = False
    for at, (number, word) in enumerate(listed):
        if skip_next:
            skip_next = False
            continue
        if word.startswith("-"):
            skip_next = word in _VALUE_OPTIONS[family]
            continue
        following = listed[at + 1][1] if at + 1 < len(listed) else ""
        if "@" in word or following.startswith("@"):
            continue  # `name @ url`: a direct reference, judged by DEP002
        if any(c in word for c in "/$`*()") or word.startswith(".") or word.endswith((".whl", ".gz", ".zip")):
            continue
        if re.fullmatch(r"[\d.]+", word):
            continue  # a conda version written apart (`numpy 1.26`)
        m = re.match(r"([A-Za-z0-9][\w.+-]*)(\[[^\]]*\])?(.*)", word)
        if m is None:
            continue
        yield Package(m.group(1), m.group(3), number)


def pinned(family: str, spec: str) -> bool:
    if family == "pip":
        return spec.startswith("===") or (spec.startswith("==") and "*" not in spec)
    if family == "conda":
        return re.match(r"=?=[^=<>]", spec) is not None
    return spec.startswith("=")


@rule(
    code="DEP012",
    slug="unpinned-image-install",
    title="Unpinned package install in a Dockerfile",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=5,
    remediation=(
        "Pin versions in the image (`pip install pkg==x.y.z`, `conda install pkg=x.y`, "
        "`apt-get install pkg=<version>`) or install from a pinned lock file (`pip install -r requirements.txt`)."
    ),
    docs=Docs(
        what=(
            "A Dockerfile `RUN` installs a package with pip, conda/mamba or apt-get without a version: "
            "`pip install torch`, `conda install numpy`, `apt-get install curl`. Installs from files "
            "(`-r`, `-e .`, wheels), URLs, variables and the pip/setuptools/wheel bootstrap are not flagged. "
            "apt packages are low severity: distributions patch them in place and many teams leave them "
            "unpinned on purpose."
        ),
        why=(
            "The image is rebuilt from scratch on every change, so an unpinned install takes whatever is "
            "newest that day and the same Dockerfile builds different environments (hadolint DL3013, DL3008)."
        ),
        example="RUN pip install --no-cache-dir torch transformers",
        fix="RUN pip install --no-cache-dir torch==2.3.1 transformers==4.44.2",
    ),
    kinds={Kind.DOCKERFILE},
    skip_roles=_NOT_OURS,
)
def unpinned_image_install(view: FileView) -> Iterator[Hit]:
    for side_kind in (Side.ADDED, Side.REMOVED):
        changed = changed_numbers(view, side_kind)
        if not changed:
            continue
        # Search the whole known file: a package added to an unchanged `RUN apt-get install \` list counts,
        # and only packages on changed lines are reported, so both sides see the same commands.
        side = known_file(view, side_kind)
        for m in side.search(_INSTALL):
            if side.in_comment(m):
                continue
            command = continued(view, side_kind, m.number, m.text)
            if not any(number in changed for number, _ in command):
                continue
            family = tool_family(m.group("tool"))
            for package in packages(family, install_arguments(command, side.column(m))):
                key = package.name.lower() if family == "apt" else canonical(package.name)
                if package.line not in changed or pinned(family, package.spec):
                    continue
                if family == "pip" and key in _BOOTSTRAP:
                    continue
                yield Hit(
                    side=side_kind,
                    path=side.path,
                    line=package.line,
                    content=f"{family} {key}",
                    message=f"`{package.name}{package.spec}` installed with {m.group('tool')} without a version pin",
                    severity=Severity.LOW if family == "apt" else None,
                )
