"""When a tag word in a comment writes a task (`# TODO: x`, `# todo add retries`) and when it is prose (`# looks like a
hack attempt`): the reading CODE001 and MODEL017 share, so one of them, or CODE002, owns each comment."""

from __future__ import annotations

from checks.lazyre import lazy
from checks.paths import Kind
from checks.rules.code_dead import commented_out_code
from checks.rules.dependency_common import lines_after
from checks.views import FileView, Match, SideView

#: After a tag not written in capitals: a tag's punctuation, or the end of the comment, a version it is due at
#: between (`todo 0.29.0: remove`, `todo v2 -`). "# todo: x" is a task note, "# todo items are stored per user" and
#: "# looks like a hack attempt" are prose.
_TAG_PUNCTUATION = lazy(r"[ \t]*(?:v?\d+(?:\.\d+)*[ \t]*)?(?:[:(!\-—]|$)")
_CAPITAL_TAGS = frozenset({"TODO", "FIXME", "XXX", "HACK"})
_CAPITAL_TAG = lazy(r"\b(?:TODO|FIXME|XXX|HACK)\b")
#: A sentence's punctuation after a word (not a file name's dot: `hack.py`).
_SENTENCE_END = lazy(r"[.,;)](?:\s|$)")
#: A tag word the comment points at rather than writes: "See TODO there", "The TODO above is stale", "The above
#: NOTE and TODO are not true".
_REFERENCE = lazy(r"\b(?:[Ss]ee|[Tt]he|[Tt]hat|[Tt]his|[Tt]hese|[Tt]hose)[ \t]+$|\b[A-Z]{3,}[ \t]+(?:and|or)[ \t]+$")
#: A file's extension after the word (`TODO.md`): the name of a file of tasks, not one.
_FILE_EXTENSION = lazy(r"\.(?:md|txt|rst|org|adoc)\b")
#: The task's first word after another tag (`TODO: hack, wrap the envs`): the task is named a hack.
_AFTER_TAG = lazy(r"\b(?:TODO|FIXME|XXX)(?:\([^)]*\))?[ \t]*:[ \t]*$")
#: Nothing but a comment marker before the tag on its line.
_COMMENT_OPENS = lazy(r"(?:^|[ \t])(?:#+|//+|--|;+|/?\*+|<!--)[ \t]*$")
#: The verbs a task note starts with, done anew too (`re-add`); "# todo items are stored per user" is prose, and so
#: is "# todo reset is done by the caller".
_TASK_VERB = lazy(
    r"[ \t]+(?:re-)?(?:add|fix|remove|handle|use|make|check|implement|support|refactor|clean|move|replace|update|"
    r"rename|split|merge|document|investigate|find|avoid|drop|delete|cache|retry|validate|verify|consider|improve|"
    r"rewrite|switch|migrate|expose|allow|return|raise|log|pass|read|write|set|get|call|wrap|limit|test|"
    r"change|confirm|convert|deprecate|port|reuse|simplify|unify|restore|revisit|enable|reenable|disable)\b"
)


def is_tag(side: SideView, m: Match) -> bool:
    """Whether a tag word the comment readers found (`comment_tags`) writes a task, rather than naming one in prose
    (`# a hack attempt`, `See TODO there`, `# todo items are stored per user`)."""
    column = side.column(m)
    if _REFERENCE.search(m.text, 0, column) is not None:
        return False  # "See TODO there": it points at another task
    end = column + len(m.group())
    after = m.text[end : end + 1]
    if after == "." and _FILE_EXTENSION.match(m.text, end) is not None:
        return False  # "like RELEASE_NOTES.md, TODO.md": a file's name
    if after and after in "\"'" and column > 0 and m.text[column - 1] == after:
        return False  # `# "gtag": "TODO",`: a string whose value is the word, a placeholder in a commented setting
    if m.group(1) in _CAPITAL_TAGS:
        return True
    if _TAG_PUNCTUATION.match(m.text, end) is not None or _AFTER_TAG.search(m.text, 0, column) is not None:
        return True
    if _SENTENCE_END.match(m.text, end) is not None and _CAPITAL_TAG.search(m.text, 0, column) is not None:
        return True  # "TODO: this is a hack.": the task names itself one, as "TODO: crude hack" does
    # "# todo add retries": a comment that opens with the word and an order is a task note too.
    return (
        m.group(1).lower() in ("todo", "fixme")
        and _COMMENT_OPENS.search(m.text, 0, column) is not None
        and _TASK_VERB.match(m.text, end) is not None
    )


def in_commented_out_code(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the tag sits in a piece of commented-out code CODE008 reports: after the code on its own line
    (`#     input = inputs[0]  ##TODO check this`), as a comment of a comment inside it (`#     # TODO: improve
    plotting` under `# def toDot(self):`), or heading it so (`# # TODO: ...` right above `# k = self.k`). The task goes
    with the dead code it was written on, whose deletion pays it: no task of its own."""
    if view.kind is not Kind.PYTHON:
        return False
    text = m.text.lstrip()
    if not text.startswith("#") or "#" not in m.text[len(m.text) - len(text) + 1 : side.column(m)]:
        return False  # the tag is its line's own comment, not one inside commented-out code
    for hit in commented_out_code(view, side):
        if hit.line is None or m.number > (hit.end_line or hit.line):
            continue
        if hit.line <= m.number:
            return True
        if hit.line - m.number > _HEADING_LINES:
            return False
        between = lines_after(view, side.side, m.number, hit.line - m.number - 1)
        heads = _COMMENT_OF_COMMENT.match(m.text) is not None
        return heads and all(_COMMENT_OF_COMMENT.match(line) for line in between)
    return False


#: How many comment lines of comments may head a piece of commented-out code.
_HEADING_LINES = 4
#: A comment of a comment (`# # print(queries)`): code's own comment, commented out with it; not `## TODO`, a style
#: of comment.
_COMMENT_OF_COMMENT = lazy(r"[ \t]*#[ \t]+#")
