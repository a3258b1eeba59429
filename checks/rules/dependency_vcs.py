"""DEP002: VCS and archive dependencies that follow a branch or tag instead of a commit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.prefilter import any_case
from checks.registry import Docs, rule
from checks.rules.dependency_common import REQUIREMENTS_FOLDER, in_docs_folder
from checks.views import FileView, Match, SideView

_URL_END = r"[^\s\"'`,;\]\)}]"
#: `git+https://host/org/repo.git@ref#egg=x`, and the same for Mercurial.
_VCS = lazy(rf"(?i)\b(?:git|hg)\+(?:https?|ssh|git|file)://{_URL_END}+")
#: Source archives of a forge: github.com/org/repo/archive/<ref>.zip, gitlab's -/archive, codeload.
_ARCHIVE = lazy(
    rf"(?i)\bhttps?://(?:(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org)/{_URL_END}+?/(?:-/)?(?:archive|get)/"
    rf"|codeload\.github\.com/){_URL_END}+"
)
#: Poetry, uv and Pipenv name git dependencies in an inline table: `x = { git = "...", rev = "..." }`.
_GIT_TABLE = lazy(r"\{[^}\n]*?\bgit[ \t]*=[ \t]*[\"'](?P<url>[^\"']+)[\"'][^}\n]*\}?")
_TABLE_REF = lazy(r"\b(?:rev|ref|commit)[ \t]*=[ \t]*[\"']([0-9a-f]{40}|[0-9a-f]{64})[\"']")
_TABLE_NAMED_REF = lazy(r"\b(?:rev|ref|branch|tag)[ \t]*=[ \t]*[\"']([^\"']+)[\"']")
_COMMIT = lazy(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_HASH_PIN = lazy(r"#(?:sha256|sha384|sha512)=|--hash[= ]")
#: A quoted string that *is* a requirement: it starts with the URL or with `name @ `.
_STRING_HEAD = lazy(r"[\"'][ \t]*(?:[A-Za-z0-9][\w.-]*[ \t]*(?:\[[^\]]*\])?[ \t]*@[ \t]*)?$")
#: setup.cfg lists requirements unquoted under install_requires.
_BARE_HEAD = lazy(r"^[ \t]*(?:-[ \t]*)?(?:[A-Za-z0-9][\w.-]*[ \t]*(?:\[[^\]]*\])?[ \t]*@[ \t]*)?$")
_MANIFEST_KINDS = frozenset({Kind.PYPROJECT, Kind.SETUP, Kind.PIPFILE})
_REQUIREMENT_COMMENT = lazy(r"(?:^|\s)#")


@rule(
    code="DEP002",
    slug="unpinned-vcs-dependency",
    title="VCS/URL dependency not pinned to a commit",
    category=Category.DEPENDENCY,
    severity=Severity.MEDIUM,
    effort=5,
    remediation="Pin it to a full commit SHA (`git+https://...@<40-hex sha>`) or depend on a released version.",
    docs=Docs(
        what=(
            "A dependency is installed from a git (or Mercurial) URL without `@<full commit sha>`, from a "
            "forge archive of a branch or tag without a `#sha256=` hash, or from a Poetry/uv/Pipenv `git = ` "
            "table without a commit `rev`. Only requirement strings are read: requirement lines, "
            "install_requires/dependencies entries, conda pip entries, and `pip install` in Dockerfiles; "
            "never `setup(url=...)`, project URLs or README links."
        ),
        why=(
            "Branches and tags move: the same commit of your project installs different dependency code on "
            "different days, and a compromised upstream branch is installed silently (pip's VCS support "
            "docs recommend a commit hash; bandit B615 on mutable references)."
        ),
        example="git+https://github.com/org/lib.git@main#egg=lib",
        fix="git+https://github.com/org/lib.git@3f1c2b7e9d0a4c5b6e7f8a9b0c1d2e3f4a5b6c7d#egg=lib",
    ),
    kinds={
        Kind.REQUIREMENTS,
        Kind.PYPROJECT,
        Kind.SETUP,
        Kind.PIPFILE,
        Kind.CONDA,
        Kind.DOCKERFILE,
        Kind.OTHER,
    },
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.TEST, Role.FIXTURE, Role.EXAMPLE),
    # `git+`/`hg+` URLs, github/gitlab/codeload archives (any case) and `git =` tables all write `git`, or
    # else `hg+` or bitbucket.org's `.org/`.
    needles=any_case("git", "hg+", ".org/"),
)
def unpinned_vcs_dependency(view: FileView) -> Iterator[Hit]:
    if (view.kind is Kind.OTHER and not REQUIREMENTS_FOLDER.search(view.path)) or in_docs_folder(view.path):
        return
    for side in view.sides():
        for m in side.search(_VCS):
            if _is_requirement(view.kind, side, m, archive=False):
                ref = _vcs_ref(m.group())
                if ref is None or not _COMMIT.fullmatch(ref):
                    yield _hit(side, m, m.group(), ref)
        for m in side.search(_ARCHIVE):
            if _is_requirement(view.kind, side, m, archive=True) and not _HASH_PIN.search(m.text):
                ref = _archive_ref(m.group())
                if not _COMMIT.fullmatch(ref):
                    yield _hit(side, m, m.group(), ref)
        if view.kind in _MANIFEST_KINDS:
            for m in side.search(_GIT_TABLE):
                if not side.in_comment(m) and not _TABLE_REF.search(m.group()):
                    named = _TABLE_NAMED_REF.search(m.group())
                    yield _hit(side, m, m.group("url"), named.group(1) if named else None)


def _is_requirement(file_kind: Kind, side: SideView, m: Match, *, archive: bool) -> bool:
    """Whether the URL sits in a requirement string rather than a comment, project metadata or a download."""
    if side.in_comment(m):
        return False
    before = m.text[: side.column(m)]
    if file_kind is Kind.DOCKERFILE:
        # `git+` URLs are pip's alone; an archive URL may be a plain download (curl, ADD).
        return not archive or re.search(r"\b(?:pip3?|uv)\b", before) is not None
    if file_kind is Kind.CONDA:
        return before.lstrip().startswith("-")
    if file_kind in _MANIFEST_KINDS:
        head = _STRING_HEAD.search(before)
        if head is None:
            return file_kind is Kind.SETUP and _BARE_HEAD.match(before) is not None
        # A requirement string is a list item; a string assigned to a key (`url=`, `"Source":`,
        # `Homepage =`) is metadata, except the `url` of a Poetry dependency table.
        prefix = before[: head.start()].rstrip()
        return not prefix or prefix[-1] in "[,(" or re.search(r"\{[^}]*\burl\s*=$", prefix) is not None
    # A requirements-file line is a requirement, up to its comment: pip reads `#` at a line's start or after a space
    # as one, in any file it is given (`requirements/testing_image.txt` as well as `requirements.txt`).
    return _REQUIREMENT_COMMENT.search(before) is None


def _vcs_ref(url: str) -> str | None:
    """The revision after `@` in the URL's path (`git@host` user names are before the path)."""
    body = url.split("#", 1)[0].split("?", 1)[0]
    path = body.split("://", 1)[-1].partition("/")[2]
    return path.rsplit("@", 1)[1] if "@" in path else None


def _archive_ref(url: str) -> str:
    tail = re.split(r"/(?:archive|get)/|codeload\.github\.com/[^/]+/[^/]+/(?:zip|tar\.gz|legacy\.\w+)/", url)[-1]
    tail = tail.split("#", 1)[0].split("?", 1)[0]
    tail = re.sub(r"^refs/(?:heads|tags)/", "", tail)
    return re.sub(r"\.(?:zip|tar\.gz|tgz|tar\.bz2)$", "", tail)


def _hit(side: SideView, m: Match, url: str, ref: str | None) -> Hit:
    where = f"`{ref}`" if ref else "no revision"
    # The content is the repository without its revision: re-pointing a floating ref is not new debt.
    repository = re.sub(r"(?i)^(?:git|hg)\+", "", url.split("#", 1)[0])
    if ref:
        repository = repository.rsplit("@" + ref, 1)[0]
    repository = re.sub(r"(?i)(?:\.git)?/*$", "", repository.split("://", 1)[-1].split("@", 1)[-1])
    repository = re.sub(r"(?i)/(?:-/)?(?:archive|get|zip|tar\.gz|legacy\.\w+)/.*$", "", repository)
    message = f"`{url}` follows {where}, not a commit: it installs different code over time"
    return side.hit(m, message, content=repository)
