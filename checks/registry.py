"""The rule catalog: every rule's metadata and docs in one typed object, registered by decorator."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.prefilter import invalid_needle, valid_needles

if TYPE_CHECKING:
    from checks.diff import FilePatch
    from checks.snapshot import Snapshot
    from checks.views import ChangeView, FileView

_CODE = lazy(r"^(DATA|MODEL|DEP|CODE)\d{3}$")
_SLUG = lazy(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PREFIX = {Category.DATA: "DATA", Category.MODEL: "MODEL", Category.DEPENDENCY: "DEP", Category.CODE: "CODE"}


class Scope(StrEnum):
    FILE = "file"  # sees one changed file at a time
    CHANGE = "change"  # sees the whole change and the repository tree


@dataclass(frozen=True)
class Docs:
    """What the rule finds, why it matters, an example that triggers it, and how to fix it."""

    what: str
    why: str
    example: str
    fix: str


FileCheck = Callable[["FileView"], Iterable[Hit]]
ChangeCheck = Callable[["ChangeView"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    slug: str
    title: str
    category: Category
    severity: Severity
    effort_minutes: int
    remediation: str
    docs: Docs
    scope: Scope
    #: File kinds the rule reads (FILE scope); None means every kind.
    kinds: frozenset[Kind] | None
    #: Roles where the rule stays silent (tests, vendored code...).
    skip_roles: frozenset[Role]
    #: Whether the rule finds its debt in diff lines: such a rule is not run on a file without hunks, and only such a
    #: rule may name needles (see `checks.prefilter`). False for a rule that judges files by name, size or first
    #: lines (a binary model, a text model's header), which runs on every file.
    reads_lines: bool
    check: Callable[..., Iterable[Hit]]
    #: For CHANGE rules: files whose lines the rule reads, so the runner keeps them.
    keeps: Callable[[str], bool] | None = None
    #: For CHANGE rules that keep files: whether this change needs their lines, from every file's header and the
    #: snapshot (None: always). True for some of a change's files must mean true for all of them (so "the change
    #: deletes a data file", not "it deletes none"). A review in parts then sends between its processes only the
    #: lines some rule will read.
    keeps_if: Callable[[Sequence[FilePatch], Snapshot], bool] | None = None
    #: For FILE rules: strings of which one occurs, as written, in the hunks of every file where the rule finds
    #: something; the rule is not run on other files (see `checks.prefilter`). None: run everywhere.
    needles: tuple[str, ...] | None = None
    #: Narrower needles for some of the kinds the rule reads (its Python spellings, not its JavaScript ones).
    kind_needles: tuple[tuple[Kind, tuple[str, ...]], ...] = ()
    #: Whether its debt is a comment's words (a TODO): a copy removed in one place and one added in another worded
    #: nearly alike is the same debt moved and reworded, not one paid and one new (see `checks.runner._net`).
    prose: bool = False

    def needles_for(self, path_kind: Kind) -> tuple[str, ...] | None:
        """The needles that gate the rule on a file of this kind."""
        return next((listed for k, listed in self.kind_needles if k is path_kind), self.needles)

    def applies_to(self, path_kind: Kind, path_roles: frozenset[Role]) -> bool:
        if self.kinds is not None and path_kind not in self.kinds:
            return False
        return not (self.skip_roles & path_roles)


_CATALOG: dict[str, Rule] = {}


def rule(
    *,
    code: str,
    slug: str,
    title: str,
    category: Category,
    severity: Severity,
    effort: int,
    remediation: str,
    docs: Docs,
    scope: Scope = Scope.FILE,
    kinds: Iterable[Kind] | None = None,
    skip_roles: Iterable[Role] = (Role.VENDORED, Role.GENERATED),
    reads_lines: bool = True,
    keeps: Callable[[str], bool] | None = None,
    keeps_if: Callable[[Sequence[FilePatch], Snapshot], bool] | None = None,
    needles: Iterable[str] | None = None,
    needles_by_kind: Mapping[Kind, Iterable[str]] | None = None,
    prose: bool = False,
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register a rule. Codes carry their family prefix (DATA, MODEL, DEP, CODE) and never change."""
    if not _CODE.match(code) or not code.startswith(_PREFIX[category]):
        raise ValueError(f"rule code {code!r} must be {_PREFIX[category]} followed by three digits")
    if not _SLUG.match(slug):
        raise ValueError(f"rule slug {slug!r} must be kebab-case")
    if keeps_if is not None and keeps is None:
        raise ValueError(f"rule {code}: keeps_if says when the files `keeps` names are needed; it needs keeps")
    listed = tuple(needles) if needles is not None else None
    by_kind = tuple((k, tuple(n)) for k, n in (needles_by_kind or {}).items())
    if by_kind and (listed is None or kinds is None or not {k for k, _ in by_kind} <= set(kinds)):
        raise ValueError(f"rule {code}: needles by kind narrow the rule's needles, for kinds it reads")
    for group in (listed, *(n for _, n in by_kind)):
        if group is None:
            continue
        if scope is not Scope.FILE or not reads_lines or not group:
            raise ValueError(f"rule {code}: needles gate a file rule that reads lines, and are never an empty list")
        if not valid_needles(group):
            reasons = (invalid_needle(needle) for needle in group)
            raise ValueError(f"rule {code}: {next(why for why in reasons if why)}")

    def register(check: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if code in _CATALOG or any(r.slug == slug for r in _CATALOG.values()):
            raise ValueError(f"rule {code} / {slug} is registered twice")
        _CATALOG[code] = Rule(
            code=code,
            slug=slug,
            title=title,
            category=category,
            severity=severity,
            effort_minutes=effort,
            remediation=remediation,
            docs=docs,
            scope=scope,
            kinds=frozenset(kinds) if kinds is not None else None,
            skip_roles=frozenset(skip_roles),
            reads_lines=reads_lines,
            check=check,
            keeps=keeps,
            keeps_if=keeps_if,
            needles=listed,
            kind_needles=by_kind,
            prose=prose,
        )
        return check

    return register


def catalog() -> tuple[Rule, ...]:
    """Every registered rule, ordered by code."""
    import checks.rules  # noqa: F401, PLC0415  (the rule modules import this one to register)

    return tuple(sorted(_CATALOG.values(), key=lambda r: (r.category.value, r.code)))


def find(code_or_slug: str) -> Rule | None:
    for r in catalog():
        if code_or_slug in (r.code, r.slug):
            return r
    return None
