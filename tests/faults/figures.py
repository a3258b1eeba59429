"""What a fault scenario measured: deliveries sent and answered, reviews completed, and what GitHub holds per head.

The bar: every delivery answered 2xx is reviewed exactly once in its effect (one completed check run per head,
one review, one summary comment, no inline comment twice), and every delivery refused with 503 is reviewed
once redelivered. Each test asserts its figures and records them; `pytest tests/faults` prints them all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from bot.publish.comments import parse_markers
from bot.publish.sticky import MARKER as STICKY_MARKER
from tests.fakegithub import FakeGitHub
from tests.worker.world import REPO

#: Every scenario's figures, in the order the tests ran (printed by the terminal summary of the conftest).
FIGURES: list[Figures] = []


@dataclass(frozen=True)
class Figures:
    scenario: str
    #: Distinct deliveries (X-GitHub-Delivery ids) and the POSTs that carried them, redeliveries included.
    deliveries: int
    attempts: int
    #: Answers 2xx, and 503 ("temporarily unavailable; redeliver later").
    acknowledged: int
    refused: int
    #: Deliveries refused with 503 and sent again (a redelivery keeps its id).
    redelivered: int
    #: Heads (one per delivery) whose check run is completed, out of all heads.
    reviewed: int
    heads: int
    #: Check runs per head, as "n" when every head has n, else "min-max".
    check_runs_per_head: str
    #: Extra check runs, reviews and summary comments, inline comments posted twice for the same debt, and
    #: annotations a check run holds twice.
    duplicates: int


def record(figures: Figures) -> Figures:
    FIGURES.append(figures)
    return figures


@dataclass(frozen=True)
class FaultFigures:
    """One GitHub fault: the waits the review job asked for between its tries, how it ended, what GitHub holds."""

    fault: str
    waits: str
    outcome: str
    check_runs: int
    conclusion: str | None
    duplicates: int


#: Every GitHub fault's figures, in the order the tests ran.
FAULT_FIGURES: list[FaultFigures] = []


@dataclass(frozen=True)
class HeadState:
    """What GitHub holds for one pull request at one head, as the App wrote it."""

    check_runs: int
    completed: int
    conclusions: tuple[str | None, ...]
    reviews: int
    duplicate_inline: int
    summaries: int
    #: Annotations a check run holds more than once (each update appends the annotations it carries).
    duplicate_annotations: int = 0

    @property
    def duplicates(self) -> int:
        extra_runs, extra_reviews, extra_summaries = self.check_runs - 1, self.reviews - 1, self.summaries - 1
        extras = max(extra_runs, 0) + max(extra_reviews, 0) + max(extra_summaries, 0)
        return extras + self.duplicate_inline + self.duplicate_annotations


def head_state(fake: FakeGitHub, number: int, head_sha: str) -> HeadState:
    bot = fake.world.app.bot_login
    runs = fake.check_runs(head_sha=head_sha)
    reviews = [r for r in fake.reviews(REPO, number) if r.commit_id == head_sha and r.user == bot]
    marks: Counter[str] = Counter()
    for comment in fake.review_comments(REPO, number):
        if comment.user == bot:
            marks.update(parse_markers(comment.body))
    summaries = [c for c in fake.comments(REPO, number) if c.user == bot and STICKY_MARKER in c.body]
    annotations: Counter[str] = Counter()
    for run in runs:
        annotations.update(json.dumps(a, sort_keys=True) for a in run.annotations)
    return HeadState(
        check_runs=len(runs),
        completed=sum(run.status == "completed" for run in runs),
        conclusions=tuple(run.conclusion for run in runs),
        reviews=len(reviews),
        duplicate_inline=sum(count - 1 for count in marks.values()),
        summaries=len(summaries),
        duplicate_annotations=sum(count - 1 for count in annotations.values()),
    )


def measure(
    scenario: str,
    fake: FakeGitHub,
    heads: Mapping[int, str],
    answers: Iterable[tuple[str, int]],
) -> Figures:
    """The figures of a scenario: `heads` maps each pull request to the head its delivery announced, `answers`
    is every (delivery id, status) the webhook gave, in order."""
    answers = list(answers)
    states = [head_state(fake, number, sha) for number, sha in heads.items()]
    per_head = sorted({s.check_runs for s in states})
    refused_ids = {delivery for delivery, status in answers if status == 503}
    seen: Counter[str] = Counter(delivery for delivery, _ in answers)
    return Figures(
        scenario=scenario,
        deliveries=len(seen),
        attempts=len(answers),
        acknowledged=sum(200 <= status < 300 for _, status in answers),
        refused=sum(status == 503 for _, status in answers),
        redelivered=sum(1 for delivery in refused_ids if seen[delivery] > 1),
        reviewed=sum(s.completed == 1 for s in states),
        heads=len(states),
        check_runs_per_head=str(per_head[0]) if len(per_head) == 1 else f"{per_head[0]}-{per_head[-1]}",
        duplicates=sum(s.duplicates for s in states),
    )


def table(rows: Sequence[Figures] | Sequence[FaultFigures]) -> list[str]:
    """Figures as a Markdown table (what docs/reliability.md shows)."""
    if not rows:
        return []
    names = [f.name for f in fields(rows[0])]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(str(getattr(row, name)) for name in names) + " |" for row in rows]
    return lines
