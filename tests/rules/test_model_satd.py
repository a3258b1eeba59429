"""MODEL017 claims exactly the debt comments that `is_ml_comment` gives it, read as CODE001 and CODE002 read them."""

from __future__ import annotations

import pytest

from checks import review
from checks.config import Config
from checks.diff import parse_diff
from checks.finding import Side
from checks.prefilter import any_case
from checks.registry import find
from checks.rules.model_satd import ml_satd
from checks.satd import SATD_PHRASE_NEEDLES, TAG, is_ml_comment
from checks.snapshot import Snapshot
from checks.views import FileView
from tests.rules.casefile import build_diff

LINES = [
    "lr = 3e-4  # TODO: tune the learning rate",
    "# FIXME: labels are shifted by one",
    "# TODO: switch to pathlib",
    'url = "http://x/#todo"  # HACK: the model server drops keep-alive',
    'colour = "#fff"  # XXX: weights are not normalised',
    'msg = "# TODO: train more"',
    "todo_model = load()  # nothing to do here",
    "# ToDo: check the dataset split",
    "#TODO(bob): overfits after epoch 5, see #12",
    "# hack-free code for the optimizer",
    "# TODO: clean up the CLI. FIXME: the loss is NaN on empty batches",
    "x = 1",
]


def _reference(lines: list[str], view: FileView) -> list[tuple[int, str]]:
    """CODE001's reading: every TAG match inside a comment, the comment text from the tag on."""
    side = view.added
    found = []
    for m in side.search(TAG):
        if side.in_comment(m):
            comment = m.text[side.column(m) :]
            if is_ml_comment(comment):
                found.append((m.number, comment))
    return found


@pytest.mark.parametrize("path", ["src/train.py", "configs/train.yaml", "scripts/run.sh"])
def test_model017_claims_what_code001_would_hand_over(path: str) -> None:
    diff = parse_diff(build_diff([{"path": path, "added": "\n".join(LINES) + "\n"}]))
    view = FileView(diff.files[0], Snapshot(), Config())
    hits = [(h.line, h.content) for h in ml_satd(view) if h.side is Side.ADDED and "admitted in words" not in h.message]
    assert hits == _reference(LINES, view)
    assert [line for line, _ in hits] == [1, 2, 4, 5, 8, 9, 11, 11]


def test_model017_needles_are_every_spelling_of_a_task_tag() -> None:
    """The prefilter runs MODEL017 only where a needle occurs (case matters): a tag `TAG` accepts but the
    needles miss would silently lose its findings."""
    spellings = set(any_case("todo", "fixme", "xxx", "hack"))
    accepted = {word for word in spellings if TAG.fullmatch(word)}
    rule = find("MODEL017")
    assert rule is not None
    assert rule.needles is not None
    assert set(rule.needles) == accepted | set(SATD_PHRASE_NEEDLES)


def test_each_phrase_comment_is_reported_by_exactly_one_of_code002_and_model017() -> None:
    lines = [
        "x = 1  # hacky: clip the loss until the bad rows are found",
        "y = 2  # ugly, but the API wants strings",
        "# temporary workaround: the tokenizer drops emoji",
        "# kludge around the proxy's timeouts",
        "z = 3  # hack-free code for the optimizer",
    ]
    diff = parse_diff(build_diff([{"path": "src/job.py", "added": "\n".join(lines) + "\n"}]))
    result = review(diff, snapshot=Snapshot())
    owners: dict[int, list[str]] = {}
    for finding in result.findings:
        if finding.rule in ("CODE002", "MODEL017"):
            for line in finding.lines:
                owners.setdefault(line, []).append(finding.rule)
    assert owners == {1: ["MODEL017"], 2: ["CODE002"], 3: ["MODEL017"], 4: ["CODE002"]}
