"""run the catalog over a change: rules -> net-new hits -> suppressions -> findings -> verdict."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from checks.config import AcceptedDebt, Config, ConfigError, LoadedConfig
from checks.diff import Diff, FilePatch, iter_file_patches
from checks.finding import Category, Finding, Hit, Occurrence, Severity, Side, fingerprint, normalize
from checks.globs import Glob
from checks.policy import Conclusion, Verdict, decide
from checks.registry import Rule, Scope, catalog
from checks.snapshot import Snapshot
from checks.views import ChangeView, FileView

#: `# debtbot: ignore[CODE001, DATA003] reason` on the line or the line above it.
SUPPRESSION = re.compile(r"debtbot:\s*ignore\[([A-Za-z0-9_,\s-]+)\]\s*(.*)")
MIN_REASON_LENGTH = 3

#: Per path, the added line numbers an inline suppression covers: (rule codes or slugs, reason).
Suppressions = dict[str, dict[int, tuple[frozenset[str], str]]]
#: Why a hit is acknowledged (suppressed inline or accepted in config), given its occurrence fingerprint.
Acknowledge = Callable[[Rule, Hit, str], str | None]
#: Why a finding of several hits is accepted as a whole, given (rule, path, the finding's fingerprint).
AcceptWhole = Callable[[Rule, str, str], str | None]


@dataclass(frozen=True)
class RuleError:
    """A rule that crashed on a file: reported, never fatal to the review."""

    rule: str
    path: str | None
    message: str


@dataclass(frozen=True)
class ReviewResult:
    findings: tuple[Finding, ...]
    paid: tuple[Finding, ...]
    verdict: Verdict
    config_errors: tuple[ConfigError, ...] = ()
    rule_errors: tuple[RuleError, ...] = ()
    files: int = 0

    @property
    def conclusion(self) -> Conclusion:
        return self.verdict.conclusion

    def by_category(self) -> dict[Category, dict[str, int]]:
        totals = {c: {"findings": 0, "effort_minutes": 0, "paid_minutes": 0} for c in Category}
        for f in self.findings:
            totals[f.category]["findings"] += 1
            totals[f.category]["effort_minutes"] += f.effort_minutes
        for f in self.paid:
            totals[f.category]["paid_minutes"] += f.effort_minutes
        return totals


@dataclass
class _Selection:
    """Which rules run where, resolved once from the config."""

    config: Config
    rules: tuple[Rule, ...]
    exclude: tuple[Glob, ...] = field(default=())
    path_rules: tuple[tuple[tuple[Glob, ...], frozenset[str], dict[str, Severity]], ...] = field(default=())
    accept: tuple[tuple[AcceptedDebt, tuple[Glob, ...]], ...] = field(default=())

    @classmethod
    def of(cls, config: Config) -> _Selection:
        off = set(config.disable) | {k for k, v in config.rules.items() if not v.enabled}
        rules = tuple(
            r for r in catalog() if config.categories.get(r.category, True) and r.code not in off and r.slug not in off
        )
        return cls(
            config=config,
            rules=rules,
            exclude=tuple(Glob(p) for p in config.exclude),
            path_rules=tuple(
                (tuple(Glob(p) for p in ps.paths), frozenset(ps.disable), dict(ps.severity)) for ps in config.paths
            ),
            accept=tuple((entry, tuple(Glob(p) for p in entry.paths)) for entry in config.accept),
        )

    def excluded(self, path: str) -> bool:
        return any(g.matches(path) for g in self.exclude)

    def enabled_at(self, rule: Rule, path: str) -> bool:
        for globs, disabled, _ in self.path_rules:
            if (rule.code in disabled or rule.slug in disabled) and any(g.matches(path) for g in globs):
                return False
        return True

    def severity(self, rule: Rule, hit: Hit) -> Severity:
        severity = hit.severity or rule.severity
        settings = self.config.rules.get(rule.code) or self.config.rules.get(rule.slug)
        if settings is not None and settings.severity is not None:
            severity = settings.severity
        for globs, _, severities in self.path_rules:
            override = severities.get(rule.code) or severities.get(rule.slug)
            if override is not None and any(g.matches(hit.path) for g in globs):
                severity = override
        return severity


def review(
    diff: str | bytes | Diff,
    *,
    snapshot: Snapshot | None = None,
    config: Config | LoadedConfig | None = None,
) -> ReviewResult:
    """Review a change. Raises `DiffError` on a malformed diff; every other problem is reported."""
    loaded = config if isinstance(config, LoadedConfig) else LoadedConfig(config or Config())
    snapshot = snapshot or Snapshot()
    selection = _Selection.of(loaded.config)
    file_rules = [r for r in selection.rules if r.scope is Scope.FILE]
    change_rules = [r for r in selection.rules if r.scope is Scope.CHANGE]
    patches: Iterable[FilePatch] = diff.files if isinstance(diff, Diff) else iter_file_patches(diff)

    hits: list[tuple[Rule, Hit]] = []
    errors: list[RuleError] = []
    kept: list[FilePatch] = []
    suppressions: Suppressions = {}
    for patch in patches:
        keep = any(r.keeps is not None and r.keeps(patch.path) for r in change_rules)
        kept.append(patch if keep else dataclasses.replace(patch, hunks=()))
        if selection.excluded(patch.path):
            continue
        view = FileView(patch, snapshot, loaded.config)
        file_hits: list[tuple[Rule, Hit]] = []
        for r in file_rules:
            if not (r.applies_to(view.kind, view.roles) and selection.enabled_at(r, patch.path)):
                continue
            if r.reads_lines and not patch.hunks:
                continue
            file_hits.extend(_run(r, view, errors))
        if any(h.side is Side.ADDED and h.line is not None for _, h in file_hits):
            suppressions[patch.path] = _suppressions(patch)
        hits.extend(file_hits)

    change = ChangeView(kept, snapshot, loaded.config)
    for r in change_rules:
        for rule_hit in _run(r, change, errors):
            hit = rule_hit[1]
            if selection.excluded(hit.path) or not selection.enabled_at(r, hit.path):
                continue
            hits.append(rule_hit)
            # A change rule's hit on an added line honours that file's inline suppressions too.
            if hit.side is Side.ADDED and hit.line is not None and hit.path not in suppressions:
                target = change.file(hit.path)
                suppressions[hit.path] = _suppressions(target.patch) if target is not None else {}

    def acknowledge(r: Rule, h: Hit, occurrence: str) -> str | None:
        reason = _acknowledged(r, h, suppressions)
        if reason is not None:
            return f"suppressed inline: {reason}"
        return _accepted(selection, snapshot, r, h.path, occurrence)

    def accept_whole(r: Rule, path: str, key: str) -> str | None:
        return _accepted(selection, snapshot, r, path, key)

    new_hits, paid_hits = _net(hits)
    findings = _aggregate(new_hits, selection, acknowledge, accept_whole)
    paid = _aggregate(paid_hits, selection, lambda *_: None, lambda *_: None)
    verdict = decide(findings, paid, loaded.config.policy)
    return ReviewResult(
        findings=tuple(findings),
        paid=tuple(paid),
        verdict=verdict,
        config_errors=loaded.errors,
        rule_errors=tuple(errors),
        files=len(kept),
    )


def _run(r: Rule, view: FileView | ChangeView, errors: list[RuleError]) -> Iterator[tuple[Rule, Hit]]:
    try:
        found = list(r.check(view))
    except Exception as exc:  # noqa: BLE001  (one crashing rule never kills a review)
        path = view.path if isinstance(view, FileView) else None
        errors.append(RuleError(r.code, path, f"{type(exc).__name__}: {exc}"))
        return
    for h in found:
        yield r, h


def _net(hits: list[tuple[Rule, Hit]]) -> tuple[list[tuple[Rule, Hit]], list[tuple[Rule, Hit]]]:
    """Cancel debt the change both adds and removes (moved or reformatted code), across files."""
    removed = Counter((r.code, normalize(h.content)) for r, h in hits if h.side is Side.REMOVED)
    added = Counter((r.code, normalize(h.content)) for r, h in hits if h.side is Side.ADDED)
    new: list[tuple[Rule, Hit]] = []
    paid: list[tuple[Rule, Hit]] = []
    for r, h in hits:
        key = (r.code, normalize(h.content))
        if h.side is Side.ADDED:
            if removed[key] > 0:
                removed[key] -= 1
            else:
                new.append((r, h))
        elif added[key] > 0:
            added[key] -= 1
        else:
            paid.append((r, h))
    return new, paid


def _suppressions(patch: FilePatch) -> dict[int, tuple[frozenset[str], str]]:
    """Inline `debtbot: ignore[...]` comments on added lines, by the line they cover."""
    found: dict[int, tuple[frozenset[str], str]] = {}
    lines = patch.added
    if "debtbot:" not in lines.text:
        return found
    for index, text in enumerate(lines.texts()):
        m = SUPPRESSION.search(text)
        if m is None:
            continue
        codes = frozenset(c.strip() for c in m.group(1).split(",") if c.strip())
        reason = m.group(2).strip().rstrip("-*/ >").strip()
        number = lines.number(index)
        # A comment alone on its line covers the next line; a trailing one covers its own.
        standalone = text.lstrip().startswith(("#", "//", "--", "<!--", "*", "/*"))
        found[number] = (codes, reason)
        if standalone:
            found[number + 1] = (codes, reason)
    return found


def _aggregate(
    hits: list[tuple[Rule, Hit]], selection: _Selection, acknowledge: Acknowledge, accept_whole: AcceptWhole
) -> list[Finding]:
    """One finding per (rule, file, acknowledgement): a research repo's 100 paths are one finding a file.

    Each hit's fingerprint (rule, path, content, and how many hits of the same content precede it in
    the file) is fixed before grouping, so acknowledging one hit never changes another's fingerprint,
    and accepting one occurrence never accepts the others.
    """
    groups: dict[tuple[str, str, str | None], list[tuple[Rule, Hit, str]]] = defaultdict(list)
    seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for r, h in sorted(hits, key=lambda rh: (rh[1].path, rh[1].line or 0, rh[0].code)):
        content = normalize(h.content)
        before = seen[(r.code, h.path)]
        occurrence = fingerprint(r.code, h.path, content, before[content])
        before[content] += 1
        groups[(r.code, h.path, acknowledge(r, h, occurrence))].append((r, h, occurrence))
    findings: list[Finding] = []
    for (code, path, why), members in groups.items():
        r = members[0][0]
        acknowledged = why
        occurrences = [Occurrence(h.line, h.end_line or h.line, fp, h.message) for _, h, fp in members]
        first = members[0][1]
        severity = max((selection.severity(r, h) for _, h, _ in members), key=lambda s: s.rank)
        if len(members) == 1:
            message, key = first.message, occurrences[0].fingerprint
        else:
            lines = ", ".join(str(o.line) for o in occurrences if o.line is not None)
            message = f"{first.message} ({len(members)} occurrences in this file: lines {lines})"
            contents = sorted({normalize(h.content) for _, h, _ in members})
            key = fingerprint(code, path, "\n".join(contents), 0)
            if acknowledged is None:
                # An entry may also name the finding by the fingerprint its report showed.
                acknowledged = accept_whole(r, path, key)
        findings.append(
            Finding(
                rule=code,
                slug=r.slug,
                category=r.category,
                severity=severity,
                message=message,
                path=path,
                line=first.line,
                end_line=first.end_line or first.line,
                remediation=r.remediation,
                effort_minutes=r.effort_minutes * len(members),
                fingerprint=key,
                occurrences=tuple(occurrences),
                acknowledged=acknowledged,
            )
        )
    findings.sort(key=lambda f: (-f.severity.rank, f.path, f.line or 0, f.rule))
    return findings


def _acknowledged(r: Rule, h: Hit, suppressions: Suppressions) -> str | None:
    if h.side is not Side.ADDED or h.line is None:
        return None
    entry = suppressions.get(h.path, {}).get(h.line)
    if entry is None:
        return None
    codes, reason = entry
    if (r.code in codes or r.slug in codes) and len(reason) >= MIN_REASON_LENGTH:
        return reason
    return None


def _accepted(selection: _Selection, snapshot: Snapshot, r: Rule, path: str, fingerprint: str) -> str | None:
    """The config's accepted debt for one hit (or a whole finding): it stops failing the check until its date."""
    for entry, globs in selection.accept:
        if entry.until is not None and snapshot.today is not None and snapshot.today > entry.until:
            continue
        if entry.rule and entry.rule not in (r.code, r.slug):
            continue
        if entry.fingerprint and entry.fingerprint != fingerprint:
            continue
        if globs and not any(g.matches(path) for g in globs):
            continue
        until = f" (until {entry.until.isoformat()})" if entry.until else ""
        return f"accepted: {entry.reason}{until}"
    return None
