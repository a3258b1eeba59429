"""Self-admitted ML debt: task-tag comments about models, data or training (CODE001 leaves these to this rule)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.finding import Category, Hit, Severity
from checks.lazyre import lazy
from checks.paths import CODE_KINDS, HASH_COMMENT_KINDS, Role
from checks.registry import Docs, rule
from checks.rules.code_common import comment_tags, in_string_text, ml_task, task_words, tasks_by_line
from checks.rules.code_satd import phrase_comments, phrase_words
from checks.rules.satd_tags import in_commented_out_code, is_tag
from checks.satd import SATD_PHRASE_NEEDLES, TAG_LINK, TAG_OWNER
from checks.views import FileView

#: OBrien et al. (2022) ML SATD groups, by the first ML word of the comment.
_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hyper-parameter configuration", lazy(r"epoch|^lr$|learning|hyper|batch.?size|seed|random", re.I)),
    ("model configuration", lazy(r"model|layer|weight|embedding|checkpoint", re.I)),
    ("data dependency", lazy(r"data|label|feature|tokeni", re.I)),
    ("training", lazy(r"train|loss|gradient|optimi|overfit", re.I)),
    ("prediction quality", lazy(r"accura|metric|valid|test|predict|inference", re.I)),
)
_LOWER_ROLES = frozenset({Role.TEST, Role.EXAMPLE, Role.DOCS, Role.FIXTURE})
#: The spellings `TAG` accepts (case matters): every hit holds one, so the rule runs only where one is.
TAG_SPELLINGS = ("TODO", "FIXME", "XXX", "HACK", "todo", "fixme", "Fixme", "Todo", "ToDo", "hack")


@rule(
    code="MODEL017",
    slug="ml-satd",
    title="Self-admitted ML debt (TODO/FIXME about model, data or training)",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=30,
    remediation=(
        "Open a tracked issue for the ML concern and link it in the comment, and add a test or metric that shows "
        "when it is resolved."
    ),
    docs=Docs(
        what=(
            "A comment added by the change carries a task tag (TODO, FIXME, XXX, HACK) or admits debt in words "
            "('hacky', 'temporary workaround', CODE002's phrases) and speaks of models, data or training (epochs, "
            "learning rate, layers, weights, loss, labels, datasets, checkpoints, tokenizers...; not the words "
            "ordinary code shares with ML, such as features, metrics or batch). The finding names the ML debt "
            "group. Such comments are reported here instead of by CODE001 or CODE002. The comment's words decide, "
            "not the module's name: a TODO about retries in train.py stays CODE001's; a path's folders and a dotted "
            "name's owners say nothing (`self.model.run_with_iobinding` speaks of `run_with_iobinding`), while words "
            "joined by slashes are choices it names (`the train/dev/test data`), and a tensor's layout names no "
            "topic (`[batch_size, seq_len, heads]`, `batch_size x H`); in a module that imports pydantic "
            "or an ORM (SQLAlchemy, Django...), whose models are schemas or tables, or a physics simulator (MuJoCo, "
            "PyBullet), whose models are robots and scenes, 'model' is no ML word. A tag's "
            "or phrase's comment is read "
            "with the comment lines under it that carry its sentence on (text indented past the tag's, or a "
            "lowercase word after a line that ends no sentence). Info when "
            "the tag has an owner and an issue link; low in tests, examples and docs."
        ),
        why=(
            "ML projects carry about twice the self-admitted debt of other software, and ML debt (hyper-parameter, "
            "data and model configuration, prediction quality) is the kind that silently degrades results "
            "(OBrien et al. 2022, 23 shades of self-admitted technical debt in ML; Bhatia et al. 2023)."
        ),
        example="lr = 3e-4  # TODO: tune the learning rate, diverges on the large dataset",
        fix="lr = config.lr  # tuned in sweep #214; divergence tracked in #219",
    ),
    kinds=CODE_KINDS | HASH_COMMENT_KINDS,
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.TEMPLATE),
    needles=(*TAG_SPELLINGS, *SATD_PHRASE_NEEDLES),
    prose=True,
)
def ml_satd(view: FileView) -> Iterator[Hit]:
    for side in view.source_sides():
        # The tags CODE001 reads and the phrases CODE002 reads, from the same text on: exactly one of the rules
        # owns each comment. Both readings are shared with those rules (and their comment tails with CODE018).
        # One hit a task: a tag further along a line is the task before it unless it opens one (`tasks_by_line`),
        # and a phrase on a tagged line is the tag's.
        tasks = tasks_by_line(side, (m for m in comment_tags(side) if is_tag(side, m)))
        tagged_lines = {task[0].index for task in tasks}
        # Each as (match, its comment from the match on, the words that tell its topic, how it admits debt).
        found = [
            *((m, m.text[side.column(m) :], task_words(side, m), f"{m.group(1).upper()} comment") for m, *_ in tasks),
            *(
                (m, comment, phrase_words(side, m, comment), f"admitted in words ('{m.group().lower()}')")
                for m, comment in phrase_comments(side)
                if m.index not in tagged_lines
            ),
        ]
        for m, comment, words, how in found:
            topic = ml_task(view, side, words)
            if topic is not None and not in_string_text(view, side, m) and not in_commented_out_code(view, side, m):
                yield side.hit(
                    m,
                    f"ML debt ({_group(topic)}), {how}: {comment.strip()[:120]}",
                    content=comment,
                    severity=_severity(view, comment),
                )


def _group(word: str) -> str:
    """The ML debt group of a comment's ML word."""
    return next((name for name, pattern in _GROUPS if pattern.search(word)), "ML knowledge")


def _severity(view: FileView, comment: str) -> Severity | None:
    if TAG_OWNER.search(comment) and TAG_LINK.search(comment):
        return Severity.INFO
    if view.roles & _LOWER_ROLES:
        return Severity.LOW
    return None
