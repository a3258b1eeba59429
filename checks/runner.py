"""run the catalog over a change: rules -> net-new hits -> suppressions -> findings -> verdict."""

from __future__ import annotations

import builtins
import dataclasses
import keyword
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from checks.defaults import DEFAULTS, Settings
from checks.diff import Diff, FilePatch, Hunk, iter_file_patches
from checks.finding import Category, Finding, Hit, Occurrence, Severity, Side, fingerprint, normalize
from checks.gc_threshold import raised_gc_threshold
from checks.globs import Glob
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.policy import Conclusion, Verdict, decide
from checks.prefilter import Prefilter, prefilter_for
from checks.registry import Rule, Scope, catalog
from checks.satd import task_marks
from checks.similar import at_least
from checks.snapshot import Snapshot
from checks.views import ChangeView, FileView

if TYPE_CHECKING:
    # Only a caller that read a config file has imported these (and pydantic): see `checks.defaults`.
    from checks.config import AcceptedDebt, Config, ConfigError, LoadedConfig

#: `# debtbot: ignore[CODE001, DATA003] reason` on the line or the line above it.
SUPPRESSION = lazy(r"debtbot:\s*ignore\[([A-Za-z0-9_,\s-]+)\]\s*(.*)")
MIN_REASON_LENGTH = 3
#: How alike a debt's removed and added text must be, within one hunk, to be one debt edited rather than one paid
#: and another new (difflib's own cutoff for a close match).
EDITED_SIMILARITY = 0.6
#: How alike the code under two copies of a debt in modules of one name must read for them to be one debt moved with
#: its module and edited on the way (an identifier renamed), not two.
MOVED_SIMILARITY = 0.8
#: How alike the code under two copies of a debt in modules of any names must read for them to be one debt moved.
MOVED_ANYWHERE_SIMILARITY = 0.9
#: How long the shorter of two contents must be for one beginning the other to make them one debt re-wrapped.
MIN_REWRAPPED_CHARS = 40
#: How long the code one debt sits on must be (brackets and commas aside) for its being part of another's to make them
#: one statement split over lines or joined into one (`f(a, b)  # type: ignore` -> `b,  # type: ignore[arg-type]`).
MIN_REWRAPPED_CODE = 8
#: What a statement split over lines leaves at the ends of its pieces.
_WRAPPING = " \t,;()[]{}\\"
#: How far above a like debt of its hunk the code under a debt is looked for, re-wrapped (see `_Likeness.one_debt`).
MAX_REWRAPPED_LINES = 12
#: A name in code, as the re-wrapped statements are compared by.
_NAME = lazy(r"[A-Za-z_]\w+")
#: Like debts elsewhere in the change compared with each copy of a loose pair at most (see `_loosened`).
MAX_LOOSE_COPIES = 200
#: Removed and added debts of one rule and hunk compared with each other at most (a few milliseconds).
MAX_EDIT_COMPARISONS = 400
#: Copies of one debt removed and added in one hunk whose lines are compared to pair them at most (each comparison a
#: few microseconds); past that, they pair in order (a generated module rewritten whole).
MAX_LIKENESS_COMPARISONS = 400
#: Removed and added copies of one debt in one file whose anchors are compared to pair them at most (each a few
#: microseconds, most told apart by difflib's quick bounds); past that, they cancel in order.
MAX_ANCHOR_COMPARISONS = 10_000

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
    #: Debt edited where it stands (`torch.load(path)` -> `torch.load(resolve(path))`): neither new nor paid, so
    #: outside the findings and the verdict. As it reads after the change, and as it read before: a ledger keyed by
    #: fingerprints books the one owed and the other paid (see `_without_edited_debt`).
    carried: tuple[Finding, ...] = ()
    carried_from: tuple[Finding, ...] = ()
    #: Each edited debt's occurrence fingerprint before the change and after it, (before, after): a ledger moves
    #: the debt it owes from one to the other, keeping when and by whom it was accrued.
    moves: tuple[tuple[str, str], ...] = ()

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

    config: Settings
    rules: tuple[Rule, ...]
    exclude: tuple[Glob, ...] = field(default=())
    path_rules: tuple[tuple[tuple[Glob, ...], frozenset[str], dict[str, Severity]], ...] = field(default=())
    accept: tuple[tuple[AcceptedDebt, tuple[Glob, ...]], ...] = field(default=())

    @classmethod
    def of(cls, config: Settings) -> _Selection:
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


@dataclass(frozen=True)
class Collected:
    """What the file rules found in some files of a change, before netting: plain data that pickles.

    `collect` may run over parts of a change (in other processes, say); `merge` joins the parts in file
    order and `finish` nets the hits across ALL files, so a review in parts equals the review whole.
    """

    #: (rule code, hit), in file order then rule order.
    hits: tuple[tuple[str, Hit], ...] = ()
    #: Every file, with its hunks only when a change rule reads them.
    kept: tuple[FilePatch, ...] = ()
    suppressions: Suppressions = field(default_factory=dict)
    errors: tuple[RuleError, ...] = ()
    #: Kept files whose hunks were withheld (`collect(withhold=True)`): only rules with a `keeps_if` keep them,
    #: and `finish` asks for them again when one of those holds for the change.
    withheld: frozenset[str] = frozenset()
    #: (rule code, removed hit, added hit) of debt edited where it stands: left out of `hits` (see
    #: `_without_edited_debt`).
    carried: tuple[tuple[str, Hit, Hit], ...] = ()
    #: (rule code, removed hit, added hit) of like debt on unlike code of one hunk, taken for one debt re-wrapped
    #: and left out of `hits`, unless a copy elsewhere in the change is the likelier move (see `_loosened`).
    loose: tuple[tuple[str, Hit, Hit], ...] = ()

    @classmethod
    def merge(cls, parts: Iterable[Collected]) -> Collected:
        """The parts of one change, given in the order of their files."""
        listed = list(parts)
        if len(listed) == 1:
            return listed[0]
        suppressions: Suppressions = {}
        for part in listed:
            suppressions.update(part.suppressions)
        return cls(
            hits=tuple(h for part in listed for h in part.hits),
            kept=tuple(p for part in listed for p in part.kept),
            suppressions=suppressions,
            errors=tuple(e for part in listed for e in part.errors),
            withheld=frozenset().union(*(part.withheld for part in listed)),
            carried=tuple(h for part in listed for h in part.carried),
            loose=tuple(h for part in listed for h in part.loose),
        )

    def with_lines(self, patches: Iterable[FilePatch]) -> Collected:
        """These withheld files given back with their hunks."""
        given = {p.path: p for p in patches if p.path in self.withheld}
        return dataclasses.replace(
            self,
            kept=tuple(given.get(p.path, p) if p.path in self.withheld else p for p in self.kept),
            withheld=self.withheld - given.keys(),
        )


def review(
    diff: str | bytes | Diff,
    *,
    snapshot: Snapshot | None = None,
    config: Config | LoadedConfig | None = None,
    prefilter: bool = True,
) -> ReviewResult:
    """Review a change. Raises `DiffError` on a malformed diff; every other problem is reported.

    `prefilter=False` runs every rule on every file, needles or not: the same result, more slowly.
    """
    patches: Iterable[FilePatch] = diff.files if isinstance(diff, Diff) else iter_file_patches(diff)
    collected = collect(patches, snapshot=snapshot, config=config, prefilter=prefilter)
    return finish(collected, snapshot=snapshot, config=config)


@raised_gc_threshold()  # the syntax trees of the post-change texts: see `checks.gc_threshold`
def collect(
    patches: Iterable[FilePatch],
    *,
    snapshot: Snapshot | None = None,
    config: Config | LoadedConfig | None = None,
    prefilter: bool = True,
    withhold: bool = False,
) -> Collected:
    """Run the file rules over `patches` (all of a change's files, or some of them).

    `withhold=True` keeps no hunks of the files that only rules with a `keeps_if` keep (they are listed in
    `Collected.withheld`): for parts collected in another process, whose kept lines would cross a pipe.
    """
    settings, _ = _settings(config)
    snapshot = snapshot or Snapshot()
    selection = _Selection.of(settings)
    file_rules = [r for r in selection.rules if r.scope is Scope.FILE]
    # Per kind and roles of file: the rules that read such a file, and the prefilter of their needles.
    plans: dict[tuple[Kind, frozenset[Role]], tuple[tuple[Rule, ...], Prefilter]] = {}
    keepers = [r for r in selection.rules if r.scope is Scope.CHANGE and r.keeps is not None]

    hits: list[tuple[str, Hit]] = []
    carried: list[tuple[str, Hit, Hit]] = []
    loose: list[tuple[str, Hit, Hit]] = []
    errors: list[RuleError] = []
    kept: list[FilePatch] = []
    withheld: dict[str, FilePatch] = {}  # the files as given, until the end of this part
    suppressions: Suppressions = {}
    for patch in patches:
        keeping = [r for r in keepers if r.keeps is not None and r.keeps(patch.path)]
        if keeping and withhold and all(r.keeps_if is not None for r in keeping):
            withheld[patch.path] = patch
            keeping = []
        # A copy either way: lines a change rule extracts go with the review, not with the caller's diff.
        kept.append(dataclasses.replace(patch) if keeping else dataclasses.replace(patch, hunks=()))
        if selection.excluded(patch.path):
            continue
        extracted = _LINE_CACHES & patch.__dict__.keys()
        view = FileView(patch, snapshot, settings)
        file_hits: list[tuple[Rule, Hit]] = []
        hunkless = not patch.hunks
        plan = plans.get((view.kind, view.roles))
        if plan is None:
            applicable = tuple(r for r in file_rules if r.applies_to(view.kind, view.roles))
            plan = plans[(view.kind, view.roles)] = (
                applicable,
                prefilter_for(applicable if prefilter else (), view.kind),
            )
        applicable, needles = plan
        present: frozenset[int] | None = None  # the needles in this file's hunks, found when first asked
        for r in applicable:
            if r.reads_lines and hunkless:
                continue
            if needles.gates(r):
                if present is None:
                    present = needles.found(patch)
                if not needles.may_find(r, present):
                    continue
            if selection.enabled_at(r, patch.path):
                file_hits.extend(_run(r, view, errors))
        file_hits, edited, rewrapped = _without_edited_debt(file_hits, patch)
        carried.extend((r.code, before, after) for r, before, after in edited)
        loose.extend((r.code, before, after) for r, before, after in rewrapped)
        if any(h.side is Side.ADDED and h.line is not None for _, h in file_hits):
            suppressions[patch.path] = _suppressions(patch)
        hits.extend((r.code, h) for r, h in file_hits)
        # The lines this review extracted go once the file's rules have run: a release diff's would otherwise
        # all stay in memory, with the caller's diff, until the review ends.
        for name in _LINE_CACHES - extracted:
            patch.__dict__.pop(name, None)
    collected = Collected(
        hits=tuple(hits),
        kept=tuple(kept),
        suppressions=suppressions,
        errors=tuple(errors),
        withheld=frozenset(withheld),
        carried=tuple(carried),
        loose=tuple(loose),
    )
    # What holds for some of a change's files holds for all of it (`Rule.keeps_if`): these lines are needed.
    needed = _withheld_needed(collected, selection, snapshot)
    return collected.with_lines(dataclasses.replace(withheld[path]) for path in needed) if needed else collected


@raised_gc_threshold()  # DEP009 parses every changed Python file's imports
def finish(
    collected: Collected,
    *,
    snapshot: Snapshot | None = None,
    config: Config | LoadedConfig | None = None,
    reread: Callable[[frozenset[str]], Iterable[FilePatch]] | None = None,
) -> ReviewResult:
    """Run the change rules, net added against removed hits across every file, aggregate, and decide.

    `reread(paths)` gives back withheld files (with their hunks) when a rule needs their lines after all.
    """
    settings, config_errors = _settings(config)
    snapshot = snapshot or Snapshot()
    selection = _Selection.of(settings)
    needed = _withheld_needed(collected, selection, snapshot)
    if needed:
        if reread is None:
            raise ValueError(f"the lines of {len(needed)} withheld files are needed, and nothing can read them again")
        collected = collected.with_lines(reread(needed))
    by_code = {r.code: r for r in selection.rules}
    hits: list[tuple[Rule, Hit]] = [(by_code[code], h) for code, h in collected.hits]
    errors = list(collected.errors)
    suppressions = dict(collected.suppressions)

    change = ChangeView(collected.kept, snapshot, settings)
    for r in selection.rules:
        if r.scope is not Scope.CHANGE:
            continue
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

    def aggregate(listed: list[tuple[Rule, Hit]]) -> tuple[Finding, ...]:
        return tuple(_aggregate(listed, selection, lambda *_: None, lambda *_: None))

    hits.extend(_loosened(collected.loose, hits, by_code))
    new_hits, paid_hits = _net(hits)
    findings = _aggregate(new_hits, selection, acknowledge, accept_whole)
    paid = aggregate(paid_hits)
    # Once each: a directive split into several on its code is carried into each of them (see `_pairs`).
    before = list({id(old): (by_code[code], old) for code, old, _ in collected.carried}.values())
    after = [(by_code[code], new) for code, _, new in collected.carried]
    # The same fingerprints `_aggregate` gives each occurrence, so a move names what the findings name.
    was = {id(h): fp for _, h, fp in _with_fingerprints(before)}
    now = {id(h): fp for _, h, fp in _with_fingerprints(after)}
    verdict = decide(findings, paid, settings.policy)
    return ReviewResult(
        findings=tuple(findings),
        paid=paid,
        verdict=verdict,
        config_errors=config_errors,
        rule_errors=tuple(errors),
        files=len(collected.kept),
        carried=aggregate(after),
        carried_from=aggregate(before),
        moves=tuple((was[id(old)], now[id(new)]) for _, old, new in collected.carried),
    )


def _withheld_needed(collected: Collected, selection: _Selection, snapshot: Snapshot) -> frozenset[str]:
    """The withheld files kept by a rule whose `keeps_if` holds for this change."""
    if not collected.withheld:
        return frozenset()
    wanting = [
        r.keeps
        for r in selection.rules
        if r.keeps is not None and r.keeps_if is not None and r.keeps_if(collected.kept, snapshot)
    ]
    return frozenset(path for path in collected.withheld if any(keeps(path) for keeps in wanting))


#: The line sets `FilePatch` caches (its `added` and `removed` cached properties).
_LINE_CACHES = frozenset({"added", "removed"})


def _settings(config: Config | LoadedConfig | None) -> tuple[Settings, tuple[ConfigError, ...]]:
    """The settings to review with, and the errors of the config file they were read from."""
    if config is None:
        return DEFAULTS, ()
    from checks.config import LoadedConfig  # noqa: PLC0415  (already imported by whoever loaded `config`)

    if isinstance(config, LoadedConfig):
        return config.config, config.errors
    return config, ()


def _run(r: Rule, view: FileView | ChangeView, errors: list[RuleError]) -> Iterator[tuple[Rule, Hit]]:
    try:
        found = list(r.check(view))
    except Exception as exc:  # noqa: BLE001  (one crashing rule never kills a review)
        path = view.path if isinstance(view, FileView) else None
        errors.append(RuleError(r.code, path, f"{type(exc).__name__}: {exc}"))
        return
    for h in found:
        yield r, h


#: A hit with the keys it cancels by: its rule and normalized content, its normalized anchor.
_Keyed = tuple[Rule, Hit, tuple[str, str], str]


def _net(hits: list[tuple[Rule, Hit]]) -> tuple[list[tuple[Rule, Hit]], list[tuple[Rule, Hit]]]:
    """Cancel debt the change both adds and removes (moved or reformatted code), first ones first: copies in one
    file on the same code (`Hit.anchor`), then across files on the same code (a function moved to another module
    keeps its `# type: ignore`, which a new one elsewhere must not take), then in one file on code edited (see
    `_cancel_edited_anchors`). Across files, copies in files of the same name, then between the same lines
    (`Hit.context`), then over the same line, pair first: the copy that moved is the one that cancels, and a like
    one added elsewhere is new."""
    keyed: list[_Keyed] = [
        (r, h, (r.code, normalize(h.content)), normalize(h.anchor) if h.anchor else "") for r, h in hits
    ]
    # Only hits like a removed one can cancel: most hits of a change are added, and unlike any removed.
    removed = {key for _, h, key, _ in keyed if h.side is Side.REMOVED}
    alike = [item for item in keyed if item[2] in removed]
    places: tuple[Callable[[Hit, tuple[str, str], str], object], ...] = (
        lambda h, key, anchor: (key, anchor, h.path),
        lambda h, key, anchor: (key, anchor, _name(h)),
        lambda h, key, anchor: (key, anchor, h.context) if h.context.strip() else id(h),
        lambda h, key, anchor: (key, anchor, _below(h)) if _below(h) else id(h),
        # Over the same line alone: unless that line names no code of its own (a docstring's closing quotes, a
        # bracket, `except Exception:`), which any module could hold.
        lambda h, key, anchor: (key, anchor) if not h.anchor or _names_own_code(anchor) else id(h),
    )
    uncancelled = alike
    for place in places:
        uncancelled = _cancel(uncancelled, place)
    uncancelled = _cancel_edited_anchors(uncancelled, lambda h: h.path, EDITED_SIMILARITY)
    # A module moved to another package and edited on the way keeps its name (`pallas/mosaic/primitives.py` ->
    # `state/primitives.py`): its copies cancel on code that reads nearly alike.
    uncancelled = _cancel_edited_anchors(uncancelled, _name, MOVED_SIMILARITY)
    # Anywhere else, on code that reads all but the same (`_parse(x)` -> `parse(x)` in a module moved and renamed).
    uncancelled = _cancel_edited_anchors(uncancelled, _anywhere, MOVED_ANYWHERE_SIMILARITY)
    cancelled = {id(item) for item in alike} - {id(item) for item in uncancelled}
    left = _cancel_reworded([item for item in keyed if id(item) not in cancelled])
    new = [(r, h) for r, h, _, _ in left if h.side is Side.ADDED and not h.undecided]
    paid = [(r, h) for r, h, _, _ in left if h.side is Side.REMOVED and not h.undecided]
    return new, paid


def _cancel_reworded(hits: list[_Keyed]) -> list[_Keyed]:
    """The hits left once removed and added copies of a rule's prose debt (a TODO) that read nearly alike, worded
    anew where they moved (`treating stable diffusion separately` -> `treating diffusion separately`, an owner added),
    cancel: long enough to tell (MIN_REWRAPPED_CHARS), at least MOVED_SIMILARITY alike, with the same owner and issue
    when both name them, each removed copy with the likeliest added one left. Past MAX_ANCHOR_COMPARISONS for one rule,
    none do (a release's thousands of TODOs are not compared each to each)."""
    groups: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for index, (r, h, _, _) in enumerate(hits):
        if r.prose and len(h.content) >= MIN_REWRAPPED_CHARS:
            groups[r.code][h.side is Side.ADDED].append(index)
    cancelled: set[int] = set()
    for gone, came in groups.values():
        if not gone or not came or len(gone) * len(came) > MAX_ANCHOR_COMPARISONS:
            continue
        words = {i: frozenset(normalize(hits[i][1].content).split()) for i in (*gone, *came)}
        marks = {i: task_marks(hits[i][1].content) for i in (*gone, *came)}
        for i in gone:
            # Texts alike past MOVED_SIMILARITY share most of their words (a set test spares difflib most pairs), and
            # a task's owner and issue go with it: two tasks worded from one template name different ones.
            likely = [
                j
                for j in came
                if j not in cancelled and _share_most(words[i], words[j]) and _same_task(marks[i], marks[j])
            ]
            old, new = [normalize(hits[i][1].content)], [normalize(hits[j][1].content) for j in likely]
            for _, j in _alike([i], likely, old, new, MOVED_SIMILARITY):
                cancelled.update((i, j))
    return [item for index, item in enumerate(hits) if index not in cancelled] if cancelled else hits


def _same_task(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two debts' owners and issue links allow one task: the same, or one of them names none."""
    return not a or not b or a == b


def _share_most(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two texts' words are mostly the same: half of the smaller set's at least."""
    return 2 * len(a & b) >= min(len(a), len(b))


def _cancel_edited_anchors(hits: list[_Keyed], where: Callable[[Hit], object], least: float) -> list[_Keyed]:
    """The hits left once removed and added copies of one debt at one place (`where`: one file, files of one name,
    or anywhere) whose anchors are at least `least` alike (a `# type: ignore` on a signature edited and moved within its
    module) cancel, the likeliest pairs first. A like debt on unrelated code (a `# noqa: F401` on a new re-export,
    where another was removed) is new, and the removed one paid. Past MAX_ANCHOR_COMPARISONS at one place, copies
    in one file cancel in order, as a rewrite's; copies in several files do not."""
    groups: dict[tuple[tuple[str, str], object], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for index, (_, h, key, _) in enumerate(hits):
        groups[(key, where(h))][h.side is Side.ADDED].append(index)
    cancelled: set[int] = set()
    for gone, came in groups.values():
        if not gone or not came:
            continue
        pairs: Iterable[tuple[int, int]]
        if len(gone) * len(came) <= MAX_ANCHOR_COMPARISONS:
            pairs = _alike(gone, came, [hits[i][3] for i in gone], [hits[j][3] for j in came], least)
        elif len({hits[i][1].path for i in (*gone, *came)}) == 1:
            pairs = zip(gone, came, strict=False)  # one file rewritten: its copies in order
        else:
            continue
        for i, j in pairs:
            cancelled.update((i, j))
    return [item for index, item in enumerate(hits) if index not in cancelled]


def _alike(gone: list[int], came: list[int], old: list[str], new: list[str], least: float) -> Iterator[tuple[int, int]]:
    """Pairs of `gone` and `came` (each in one pair at most) whose texts `old` and `new` are at least `least` alike, or
    one part of the other (see `_split_or_joined`), the likeliest first."""
    scored: list[tuple[float, int, int]] = []
    matcher = SequenceMatcher()
    for b, added in enumerate(new):
        matcher.set_seq2(added)
        for a, removed in enumerate(old):
            matcher.set_seq1(removed)
            if _split_or_joined(removed, added):
                scored.append((-max(matcher.ratio(), least), a, b))
            elif at_least(matcher, least):
                scored.append((-matcher.ratio(), a, b))
    scored.sort()
    for a, b in _one_to_one((a, b) for _, a, b in scored):
        yield gone[a], came[b]


def _one_to_one(ranked: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The pairs (i, j) in the order given, the likeliest first, each i and each j in one pair at most."""
    taken_i: set[int] = set()
    taken_j: set[int] = set()
    for i, j in ranked:
        if i not in taken_i and j not in taken_j:
            taken_i.add(i)
            taken_j.add(j)
            yield i, j


#: Words any module's code may hold: Python's keywords and builtins (`except Exception:`, `return None`).
_EVERY_MODULES_WORDS = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"self", "cls"}


def _names_own_code(anchor: str) -> bool:
    """Whether the code under a debt names something of its own: a name of three characters or more that is not a
    keyword or a builtin (not `\"\"\"`, `)` or `except Exception:`)."""
    return any(len(word) >= 3 and word not in _EVERY_MODULES_WORDS for word in _NAME.findall(anchor))


#: File names nearly every package or project has: two files so named are no one module moved.
_EVERY_PACKAGES = frozenset({"__init__.py", "__main__.py", "conftest.py", "setup.py", "conf.py"})


def _below(h: Hit) -> str:
    """The line under a hit (the second line of its context): what follows a debt moves with it, where the line
    before may be a new one."""
    return h.context.partition("\n")[2]


def _name(h: Hit) -> object:
    """The name of a hit's file without its folders: a module moved to another package keeps it. A name every
    package has (`__init__.py`) says nothing of a move: such a hit is only alike itself."""
    name = h.path.rpartition("/")[2]
    return id(h) if name in _EVERY_PACKAGES else name


def _anywhere(h: Hit) -> object:
    """One place for every copy whose code names some of its own (a bracket or `except Exception:` moves only with
    its neighbours); each of the others only alike itself."""
    return "" if h.anchor and _names_own_code(h.anchor) else id(h)


def _cancel(hits: list[_Keyed], place: Callable[[Hit, tuple[str, str], str], object]) -> list[_Keyed]:
    """The hits left once as many removed and added ones as can pair at the same `place` cancel, first ones first."""
    gone = Counter(place(h, key, anchor) for _, h, key, anchor in hits if h.side is Side.REMOVED)
    came = Counter(place(h, key, anchor) for _, h, key, anchor in hits if h.side is Side.ADDED)
    pairs = {at: min(count, came[at]) for at, count in gone.items() if at in came}
    if not pairs:
        return hits
    left_gone, left_came = Counter(pairs), Counter(pairs)
    left: list[_Keyed] = []
    for item in hits:
        _, h, key, anchor = item
        mine = left_came if h.side is Side.ADDED else left_gone
        at = place(h, key, anchor)
        if mine[at] > 0:
            mine[at] -= 1
        else:
            left.append(item)
    return left


def _without_edited_debt(
    hits: list[tuple[Rule, Hit]], patch: FilePatch
) -> tuple[list[tuple[Rule, Hit]], list[tuple[Rule, Hit, Hit]], list[tuple[Rule, Hit, Hit]]]:
    """The file's hits without the debt a hunk both removes and adds; that debt as (rule, removed hit, added hit) when
    a line was edited around it (`torch.load(path)` -> `torch.load(resolve(path))`), carried over, neither new nor
    paid (see `_pairs`); and the like copies on unlike code taken for one debt re-wrapped (`x = f(a, b)  # noqa` ->
    `)  # noqa`), which `finish` weighs against the rest of the change (see `_loosened`). A block only reformatted
    is dropped; the rest is new or paid, and exact copies elsewhere in the change still cancel (see `_net`)."""
    sides = {h.side for _, h in hits if h.line is not None}
    if len(sides) < 2:  # nearly always: a file's change adds debt or removes it
        return hits, [], []
    rules = {r.code: r for r, _ in hits}
    gone: dict[tuple[str, int], list[Hit]] = defaultdict(list)
    came: dict[tuple[str, int], list[Hit]] = defaultdict(list)
    for r, h in hits:
        at = _hunk_of(patch, h) if h.line is not None else None
        if at is not None:
            (came if h.side is Side.ADDED else gone)[(r.code, at)].append(h)
    paired = [
        pair
        for key in gone.keys() & came.keys()
        for pair in _pairs(gone[key], came[key], rules[key[0]].severity, _Likeness(patch.hunks[key[1]]))
    ]
    # The same debt reformatted cancels out here, as it would across the change (see `_net`): nothing to carry.
    rule_of = {id(h): r for r, h in hits}
    carried = [(rule_of[id(old)], old, new) for old, new in paired if normalize(old.content) != normalize(new.content)]
    loose = [(rule_of[id(old)], old, new) for old, new in paired if _rewrapped_on_unlike_code(old, new)]
    dropped = {id(h) for pair in paired for h in pair}
    return [(r, h) for r, h in hits if id(h) not in dropped], carried, loose


def _rewrapped_on_unlike_code(removed: Hit, added: Hit) -> bool:
    """Whether a pair of like copies the hunk took for one debt sit on code that reads unlike: a statement re-wrapped
    (its comment now after a closing bracket), as far as the hunk tells (see `_Likeness.one_debt`)."""
    if not (removed.anchor and added.anchor) or normalize(removed.content) != normalize(added.content):
        return False
    return not _anchors_alike(removed.anchor, added.anchor)


@lru_cache(maxsize=256)  # a loose pair is asked twice: by the hunk's pairing, then to tell it loose
def _anchors_alike(removed: str, added: str) -> bool:
    """Whether the code under two like debts is one line edited, or one statement split or joined."""
    return _split_or_joined(removed, added) or at_least(SequenceMatcher(None, removed, added), EDITED_SIMILARITY)


def _loosened(
    loose: Iterable[tuple[str, Hit, Hit]], hits: list[tuple[Rule, Hit]], by_code: dict[str, Rule]
) -> list[tuple[Rule, Hit]]:
    """The pairs of `loose` to net with the rest of the change after all: those of which one copy has a copy on the
    other side in another file that `_net` will cancel it with (on the same code, or on code nearly alike in a module
    of the same name: its line copied to another module). That copy is the move; the other of the pair is then new,
    or paid."""
    listed = list(loose)
    if not listed:
        return []
    like: dict[tuple[str, Side, str], list[Hit]] = defaultdict(list)
    for r, h in hits:
        if h.anchor:
            like[(r.code, h.side, normalize(h.content))].append(h)

    def copied(code: str, h: Hit, side: Side) -> bool:
        anchor, name = normalize(h.anchor), _name(h)
        for other in like.get((code, side, normalize(h.content)), ())[:MAX_LOOSE_COPIES]:
            if other.path == h.path:
                continue  # in its own file, the hunk's pairing knows best (a method re-wrapped, a like one added)
            theirs = normalize(other.anchor)
            if theirs == anchor or (
                _name(other) == name and SequenceMatcher(None, anchor, theirs).ratio() >= MOVED_SIMILARITY
            ):
                return True
        return False

    back: list[tuple[Rule, Hit]] = []
    for code, removed, added in listed:
        if copied(code, removed, Side.ADDED) or copied(code, added, Side.REMOVED):
            back += [(by_code[code], removed), (by_code[code], added)]
    return back


def _pairs(gone: list[Hit], came: list[Hit], default: Severity, likeness: _Likeness) -> Iterator[tuple[Hit, Hit]]:
    """The (removed, added) hits of one rule and hunk that are one debt: the same content first (a reformat), the
    likeliest such pairs first (`likeness` of their lines: of two added `# type: ignore`, the one on the line
    edited from the removed one is the old debt), then the closest contents left (an edit:
    `SequenceMatcher` ratio of at least EDITED_SIMILARITY), each hit in one pair at most. A TODO replaced by an
    unrelated FIXME is a debt paid and a new one, and so is an edit that makes the debt graver (a TODO turned
    FIXME: `default` is the rule's severity, for hits that name none; a suppression made to silence more checks)."""

    def rank(h: Hit) -> int:
        return (h.severity or default).rank

    by_content: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, g in enumerate(gone):
        by_content[normalize(g.content)][0].append(i)
    for j, h in enumerate(came):
        by_content[normalize(h.content)][1].append(j)
    twins: list[tuple[int, int, int]] = []
    for olds, news in by_content.values():
        if len(olds) * len(news) > MAX_LIKENESS_COMPARISONS:
            twins.extend((0, i, j) for i, j in zip(olds, news, strict=False))  # too many: in order
        else:
            twins.extend(
                (-likeness(gone[i], came[j]), i, j) for i in olds for j in news if likeness.one_debt(gone[i], came[j])
            )
    twins.sort()
    paired = list(_one_to_one((i, j) for _, i, j in twins))
    yield from ((gone[i], came[j]) for i, j in paired)
    taken_gone, taken_came = {i for i, _ in paired}, {j for _, j in paired}
    gone = [g for i, g in enumerate(gone) if i not in taken_gone]
    came = [h for j, h in enumerate(came) if j not in taken_came]
    if len(gone) * len(came) > MAX_EDIT_COMPARISONS:
        return  # a rewrite of many debts: compared only as wholes (above), not each with each
    scored = sorted(
        (
            # Of suppressions alike, one naming some of the removed one's checks is its piece, before another tool's.
            (_edited_likeness(g, h), _split_from(g, h), i, j)
            for i, g in enumerate(gone)
            for j, h in enumerate(came)
            if rank(h) <= rank(g) and not _silences_more(g, h)
        ),
        reverse=True,
    )
    edited = list(_one_to_one((i, j) for ratio, _, i, j in scored if ratio >= EDITED_SIMILARITY))
    yield from ((gone[i], came[j]) for i, j in edited)
    # One directive split into one a check on the same code (`disable=a,b` -> `disable=a` and `disable=b` over the
    # same `def`): each piece is the old debt, and only checks it did not name are new.
    taken = {j for _, j in edited}
    for j, h in enumerate(came):
        whole = next((g for g in gone if _split_from(g, h)), None) if j not in taken else None
        if whole is not None:
            yield whole, h


def _silences_more(removed: Hit, added: Hit) -> bool:
    """Whether an added suppression names the removed one's checks and more (`# noqa: E501` -> `# noqa: E501, F401`).
    Names with none in common are another tool's for the same check (mypy's `index` made ty's `not-subscriptable`)."""
    before, after = removed.silences, added.silences
    return before is not None and after is not None and bool(before & after) and not after <= before


def _split_from(removed: Hit, added: Hit) -> bool:
    """Whether an added suppression on the same code names only checks the removed one named: a piece of it."""
    before, after = removed.silences, added.silences
    anchor = removed.anchor.strip()
    return bool(before and after and after <= before) and bool(anchor) and anchor == added.anchor.strip()


def _edited_likeness(removed: Hit, added: Hit) -> float:
    """How alike a removed and an added debt read, as one debt edited: their contents, and the code they sit on when
    they have an anchor (two `# type: ignore` spelled a little apart on unrelated lines are two debts)."""
    if _rewrapped(removed.content, added.content):
        return 1.0
    if removed.anchor and removed.anchor.strip() == added.anchor.strip() and _names_own_code(removed.anchor):
        return 1.0  # the same code, its suppression written anew (pylint's line-too-long rewritten as flake8's E501)
    ratio = SequenceMatcher(None, removed.content, added.content).ratio()
    if (
        removed.anchor
        and added.anchor
        and ratio >= EDITED_SIMILARITY
        and not _split_or_joined(removed.anchor, added.anchor)
    ):
        ratio = min(ratio, SequenceMatcher(None, removed.anchor, added.anchor).ratio())
    return ratio


def _split_or_joined(removed: str, added: str) -> bool:
    """Whether the code one debt sits on is part of the other's: a statement split over lines, its comment landing
    on one piece (`f(a, b)  # type: ignore` -> `b,  # type: ignore[arg-type]`), or pieces joined into one line
    (`from m import A  # noqa` -> `    A,  # noqa` in a parenthesised import)."""
    shorter, longer = sorted((removed.strip(_WRAPPING), added.strip(_WRAPPING)), key=len)
    return len(shorter) >= MIN_REWRAPPED_CODE and shorter in longer


def _rewrapped(removed: str, added: str) -> bool:
    """Whether one content begins the other: a long comment re-wrapped over several lines keeps its first line's
    words (a TODO of 260 characters whose first 105 now end its line), which a ratio of the two reads as unlike."""
    a, b = sorted((normalize(removed), normalize(added)), key=len)
    return len(a) >= MIN_REWRAPPED_CHARS and b.startswith(a)


class _Likeness:
    """How alike the lines of a removed and an added hit of one hunk read: how many characters both begin or end
    with, indentation aside (cheap enough for a hunk's hundreds of pairs of like debts): a line edited at its end
    or at its start (`:param x: ...  # noqa` made `x: ...  # noqa`) stays like itself. The hunk's lines are read
    when first asked."""

    def __init__(self, hunk: Hunk) -> None:
        self._hunk = hunk

    @cached_property
    def _texts(self) -> dict[tuple[Side, int], str]:
        texts: dict[tuple[Side, int], str] = {}
        for side, prefix in ((Side.REMOVED, "-"), (Side.ADDED, "+")):
            lines = [raw[1:] for raw in self._hunk.body.split("\n") if raw[:1] == prefix]
            texts.update(((side, n), text) for n, text in zip(self._hunk.numbered(prefix), lines, strict=True))
        return texts

    def one_debt(self, removed: Hit, added: Hit) -> bool:
        """Whether like copies of a debt can be one debt kept: no code under them to tell (a TODO), code alike (a
        line edited), or the code under one found again around the other (a statement split over lines, its comment
        now after the closing bracket; or lines joined). A like suppression on an unrelated line is another debt."""
        if not (removed.anchor and added.anchor):
            return True
        # The cheap readings first: most like copies of a hunk are one line re-wrapped or edited.
        return (
            self._found_around(removed, Side.ADDED, added)
            or self._found_around(added, Side.REMOVED, removed)
            or _anchors_alike(removed.anchor, added.anchor)
        )

    def _found_around(self, hit: Hit, side: Side, other: Hit) -> bool:
        """Whether most names of the code under `hit` are on `other`'s side of the hunk, in the lines up to it, and
        below it when `other` stands alone on its line (a comment is about the code under it: a waiver inside a
        signature black spread over lines)."""
        names = set(_NAME.findall(hit.anchor))
        if not names:
            return True  # a closing bracket or quotes: nothing to look for
        at = other.line or 0
        below = MAX_REWRAPPED_LINES if self._texts.get((side, at), "").lstrip().startswith("#") else 0
        around = " ".join(self._texts.get((side, n), "") for n in range(at - MAX_REWRAPPED_LINES, at + below + 1))
        return len(names & set(_NAME.findall(around))) >= EDITED_SIMILARITY * len(names)

    def __call__(self, removed: Hit, added: Hit) -> int:
        # Quotes alike: a formatter turning a waived line's single quotes into double ones keeps the line what it was.
        before = self._texts.get((Side.REMOVED, removed.line or 0), "").strip().replace("'", '"')
        after = self._texts.get((Side.ADDED, added.line or 0), "").strip().replace("'", '"')
        shared = _shared_start(before, after) + _shared_start(before[::-1], after[::-1])
        return min(shared, len(before), len(after))


def _shared_start(a: str, b: str) -> int:
    """How many characters `a` and `b` begin with alike (halving the span: each test one comparison in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _hunk_of(patch: FilePatch, h: Hit) -> int | None:
    """The index of the hunk that holds the hit's line, on the hit's side."""
    for index, hunk in enumerate(patch.hunks):
        start, length = (hunk.new_start, hunk.new_length) if h.side is Side.ADDED else (hunk.old_start, hunk.old_length)
        if h.line is not None and start <= h.line < start + length:
            return index
    return None


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


def _with_fingerprints(hits: list[tuple[Rule, Hit]]) -> list[tuple[Rule, Hit, str]]:
    """The hits in file order, each with its fingerprint: rule, path, content, and how many hits of the same
    content precede it in the file; never its line, so it survives the lines above moving."""
    found: list[tuple[Rule, Hit, str]] = []
    seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for r, h in sorted(hits, key=lambda rh: (rh[1].path, rh[1].line or 0, rh[0].code)):
        content = normalize(h.content)
        before = seen[(r.code, h.path)]
        found.append((r, h, fingerprint(r.code, h.path, content, before[content])))
        before[content] += 1
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
    for r, h, occurrence in _with_fingerprints(hits):
        groups[(r.code, h.path, acknowledge(r, h, occurrence))].append((r, h, occurrence))
    findings: list[Finding] = []
    for (code, path, why), members in groups.items():
        r = members[0][0]
        acknowledged = why
        occurrences = [
            Occurrence(h.line, h.end_line or h.line, fp, h.message, selection.severity(r, h)) for _, h, fp in members
        ]
        first = members[0][1]
        severity = max((o.severity or r.severity for o in occurrences), key=lambda s: s.rank)
        if len(members) == 1:
            message, key = first.message, occurrences[0].fingerprint
        else:
            # Two hits on one line (a type-checker and a linter suppression) name the line once.
            numbers = [str(n) for n in dict.fromkeys(o.line for o in occurrences if o.line is not None)]
            where = f"line{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
            # Hits that read differently (a `# type: ignore` after a `# pragma: no cover`) are not the first again.
            alike = all(h.message == first.message for _, h, _ in members)
            count = f"{len(members)} occurrences" if alike else f"and {len(members) - 1} more; {len(members)}"
            message = f"{first.message} ({count} in this file: {where})"
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
