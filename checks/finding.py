"""Findings: what a rule reports, with a fingerprint that survives rebases and line shifts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    DATA = "data"
    MODEL = "model"
    DEPENDENCY = "dependency"
    CODE = "code"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class Side(StrEnum):
    """Which side of the diff a hit was seen on: added debt, or removed (paid) debt."""

    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Hit:
    """One raw match of a rule, before net-new filtering and aggregation.

    `content` identifies the debt independently of where it sits (the normalized statement,
    the file's name...): a hit added and a hit removed with the same rule and content cancel
    out, which is how moved or reformatted code draws no finding. `anchor`, when a content
    alone says little (`# type: ignore`), is the code the debt sits on: copies in different
    files cancel only when it is the same too (moved code carries its line along). `context` is
    the line above and the line below (see `views.neighbours`): of like copies in other files, the
    one that kept its neighbours is the one that moved. An `undecided` hit is a line the rule cannot judge (a
    `weights_only` passed on through a variable): it pairs with a like debt the change removes, which is then edited
    and still owed rather than paid, and is never new itself; a removed one (a waiver the lint configuration took
    over) pairs with a like debt the change adds, as moved, and is never paid itself. `silences`: the checks a
    suppression names (None when it names none, or is no suppression): one edited to name more is graver, not the
    same debt edited.
    """

    side: Side
    path: str
    line: int | None
    content: str
    message: str
    end_line: int | None = None
    severity: Severity | None = None
    anchor: str = ""
    context: str = ""
    undecided: bool = False
    silences: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    line: int | None
    end_line: int | None
    fingerprint: str
    message: str
    #: The hit's own severity: a finding is as grave as its gravest occurrence, and a `# type: ignore[x]` (info)
    #: beside a bare one (low) is still info. None: the finding's.
    severity: Severity | None = None


@dataclass(frozen=True)
class Finding:
    """One rule's debt in one file; several hits of a rule in a file are one finding."""

    rule: str
    slug: str
    category: Category
    severity: Severity
    message: str
    path: str
    line: int | None
    end_line: int | None
    remediation: str
    effort_minutes: int
    fingerprint: str
    occurrences: tuple[Occurrence, ...] = ()
    #: Why the debt was let in: an inline `debtbot: ignore[...]` reason or an accepted-debt entry.
    acknowledged: str | None = None

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(o.line for o in self.occurrences if o.line is not None)

    def severity_of(self, occurrence: Occurrence) -> Severity:
        """One occurrence's severity: its own, or the finding's when it names none."""
        return occurrence.severity or self.severity

    @property
    def counts_against_policy(self) -> bool:
        return self.acknowledged is None


def normalize(content: str) -> str:
    """Whitespace-insensitive form of a piece of code, so reformatting keeps the fingerprint."""
    return " ".join(content.split())


def fingerprint(rule: str, path: str, content: str, occurrence: int) -> str:
    """rule + path + normalized content + occurrence index: never line numbers or SHAs."""
    digest = hashlib.sha256(f"{rule}\0{path}\0{normalize(content)}\0{occurrence}".encode())
    return digest.hexdigest()[:24]
