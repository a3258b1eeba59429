"""Self-admitted technical debt in comments: task tags (CODE001) and debt phrases (CODE002)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ahocorasick_rs import AhoCorasick, MatchKind

from checks.finding import Category, Hit, Severity
from checks.languages import comment_start, comment_text
from checks.lazyre import lazy
from checks.paths import Role
from checks.registry import Docs, rule
from checks.rules.code_common import (
    COMMENT_KINDS,
    MARKER_CHARS,
    comment_only,
    comment_tags,
    expects_failure,
    in_string_text,
    ml_task,
    search_comments,
    task_words,
    tasks_by_line,
)
from checks.rules.satd_tags import in_commented_out_code, is_tag
from checks.satd import (
    DEFECT_PHRASE,
    SATD_PHRASE,
    SATD_PHRASE_LITERALS,
    SATD_PHRASE_NEEDLES,
    TAG,
    TAG_LINK,
    TAG_NEEDLES,
    TAG_OWNER,
)
from checks.views import FileView, Match, SideView

#: A comment opened after another on its line (`# type: ignore[override]  # TODO(ana): ...`).
_NESTED_COMMENT = lazy(r"\s(?:#+|//)\s")
_PHRASE_PREFILTER = lazy(SATD_PHRASE.pattern)
_FREE_OF = ("-free", "-proof")
#: After "hack", words of the other sense: an attack on the system.
_BREAK_IN = lazy(r"[ \t]+(?:attempts?|attacks?|into)\b", re.IGNORECASE)
#: What every phrase holds: most comments hold none, and are not scanned with the phrase alternatives.
_PHRASE_LITERALS = AhoCorasick(list(SATD_PHRASE_LITERALS), matchkind=MatchKind.LeftmostFirst)


@rule(
    code="CODE001",
    slug="satd-tag",
    title="Self-admitted technical debt tag in a comment",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=15,
    remediation="Resolve it before merging, or open an issue and reference it: `TODO(owner): ... #123`.",
    docs=Docs(
        what=(
            "A comment added by the change carries a task tag: TODO, FIXME, XXX or HACK. In lower or mixed case "
            "the word must be written as a tag (`todo:`, `Fixme(bob)`, `hack -`, `todo 0.29.0:`) or open its comment "
            "with an order "
            "(`# todo add retries`): `# todo items per user` and "
            "`# a hack attempt` are prose, and so is a tag word ending a path (`issues/XXX`) or one a comment "
            "points at (`See TODO there`, `the TODO above`, `the NOTE and TODO above`), while a word right after "
            "a tag is the task's (`# TODO: hack, ...`); a "
            "`# TODO` line of a "
            "docstring's or any triple-quoted string's text (a template a program writes) is no comment (known "
            "from the module's text), nor is a tag in a piece of commented-out Python that CODE008 reports, as a "
            "comment of a comment inside it or heading it (`#     # TODO: ...` in a function commented out with it, "
            "`# # TODO: ...` right above it) or after the code of its line (`#     x = inputs[0]  # TODO check`): "
            "the task goes with the dead code and is paid with it; MODEL017 reads such tags alike. One comment line "
            "holds "
            "one task, as grave as its gravest tag (`# TODO: crude hack`, `# TODO: this is a hack.`), unless a "
            "later tag opens its own (`# TODO: clean up. FIXME: fails on empty input`); tags stacked on one task "
            "(`# TODO FIXME: ...`) are one. Comments about models, data or training are reported "
            "as ML debt (MODEL017) instead, read with the comment lines under the tag that carry its sentence on."
        ),
        why=(
            "Self-admitted debt is the debt developers know about; untracked tags pile up and are rarely "
            "paid. A case-insensitive tag rule has precision 0.87 on 62,275 labelled comments "
            "(Maldonado & Shihab). FIXME, XXX and HACK admit defects or hacks (medium); a tag with an "
            "owner and a link to an issue or review (on its line, or on the comment lines that carry its sentence "
            "on; Google's `TODO(b/253238305)` is both) is tracked (info), whichever tag it is."
        ),
        example="retries = 3  # FIXME: the client hangs when the server closes early",
        fix="retries = 3  # The client hangs when the server closes early, see #412",
    ),
    kinds=COMMENT_KINDS,
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.TEMPLATE),
    needles=TAG_NEEDLES,
    prose=True,
)
def satd_tag(view: FileView) -> Iterator[Hit]:
    for side in view.source_sides():
        previous = -1  # the line of the task before
        # One hit a task, at its first tag, as grave as its gravest (`# TODO: crude hack` is one debt).
        for m, *others in tasks_by_line(side, (m for m in comment_tags(side) if is_tag(side, m))):
            later_on_its_line, previous = m.index == previous, m.index
            if in_string_text(view, side, m):
                continue  # a `# TODO` line of a docstring's (or a template's) text is text, not a comment
            if in_commented_out_code(view, side, m):
                continue  # `#     # TODO: ...` in code commented out with it: CODE008's, paid with the dead code
            # From the tag on, as MODEL017 reads it: exactly one of the two rules owns each tagged comment.
            comment = m.text[side.column(m) :]
            said = task_words(side, m)
            if ml_task(view, side, said) is not None:
                continue
            tag = m.group(1).upper()
            # Shown whole: a tag that closes its comment (`# torch distributed hack`) says little alone. A second
            # task on its line (`# HACK around x - TODO: remove when ...`), or a tag in a comment after another
            # (`# type: ignore  # TODO: ...`), is shown from its tag.
            shown = comment_text(m.text, side.kind) or comment
            if later_on_its_line or _NESTED_COMMENT.search(shown, 0, len(shown) - len(comment)):
                shown = comment
            # Tracked or not, as its whole sentence says: the issue link may carry it on to the next line.
            severity = max((_tag_severity(t.group(1).upper(), said) for t in (m, *others)), key=lambda s: s.rank)
            yield side.hit(
                m,
                f"{tag} comment: {shown.strip().lstrip('#/*-; ').strip()[:120]}",
                content=comment,
                severity=severity,
            )


def _tag_severity(tag: str, comment: str) -> Severity:
    if TAG_OWNER.search(comment) and TAG_LINK.search(comment):
        return Severity.INFO
    return Severity.LOW if tag == "TODO" else Severity.MEDIUM


@rule(
    code="CODE002",
    slug="satd-phrase",
    title="Technical debt admitted in a comment's words",
    category=Category.CODE,
    severity=Severity.LOW,
    effort=20,
    remediation="Replace the workaround with a proper fix, or open an issue for it and reference it in the comment.",
    docs=Docs(
        what=(
            "A comment added by the change admits debt in words rather than with a tag: 'hacky', 'kludge', "
            "'ugly', 'temporary solution', 'probably a bug', 'this is wrong'... (the Potdar & Shihab "
            "patterns). Comments that also carry a TODO/FIXME/XXX/HACK tag, or continue a comment block that "
            "opens with one, are left to CODE001 (a tag word written as prose is no tag: `# dirty hack to keep the "
            "order` counts here, a `hack attempt` on a server does not), and comments about models, data or "
            "training are reported as ML debt (MODEL017). A phrase for what the code prevents or replaces is no "
            "admission: 'as otherwise we get an ugly border', 'to avoid a hacky reshape'; nor, in a test, one on code "
            "a `with pytest.raises(...)` or `assertRaises` block expects to fail (`# this is wrong`: on purpose); "
            'nor a word joined to a name, a path or a value (`"iic--hacked--evil"`).'
        ),
        why=(
            "Developers admit debt in plain words as often as with tags. Potdar & Shihab's 62 patterns "
            "find it at precision 0.83 on Maldonado & Shihab's labelled comments; the patterns that read as "
            "ordinary prose in ML code ('give up' after retries, 'bail out', 'inconsistency') are left out, "
            "as are modal phrases ('should have', 'need to': precision 0.26). Phrases that admit a defect "
            "('probably a bug', 'this is wrong', 'temporary solution') are medium."
        ),
        example="# Temporary solution until the PDF parser handles emoji: strip them.\ntext = EMOJI.sub('', text)",
        fix="# The PDF parser drops emoji (issue #88); strip them so offsets stay aligned.\ntext = EMOJI.sub('', text)",
    ),
    kinds=COMMENT_KINDS,
    skip_roles=(Role.VENDORED, Role.GENERATED, Role.TEMPLATE),
    needles=SATD_PHRASE_NEEDLES,
    prose=True,
)
def satd_phrase(view: FileView) -> Iterator[Hit]:
    for side in view.source_sides():
        for m, comment in phrase_comments(side):
            words = phrase_words(side, m, comment)
            if ml_task(view, side, words) is not None or in_string_text(view, side, m):
                continue  # MODEL017 reports debt about models, data or training
            if Role.TEST in view.roles and expects_failure(view, side, m):
                continue  # `x = [[2.]]  # this is wrong` under `pytest.raises`: the input is wrong on purpose
            severity = Severity.MEDIUM if DEFECT_PHRASE.search(comment) else Severity.LOW
            yield side.hit(
                m,
                f"Debt admitted in a comment ('{m.group().lower()}'): {comment.strip()[:120]}",
                content=comment,
                severity=severity,
            )


def phrase_words(side: SideView, m: Match, comment: str) -> str:
    """What a phrase's comment says: its line's comment, and the comment lines under it that carry its sentence on
    (`# This is a bit hacky, but it` then `# allows ... during fine-tuning`), as a tag's task is read, up to a line
    that admits debt of its own."""
    words = [comment]
    for line in task_words(side, m)[len(m.text) - side.column(m) :].split("\n")[1:]:
        if SATD_PHRASE.search(line):
            break
        words.append(line)
    return "\n".join(words)


def phrase_comments(side: SideView) -> list[tuple[Match, str]]:
    """The untagged comments of a side that admit debt in words, each with its first phrase, found once for
    CODE002 and MODEL017 (a comment with a tag is CODE001's or MODEL017's already)."""
    return side.memo("phrase-comments", lambda: list(_phrase_comments(side)))


def _phrase_comments(side: SideView) -> Iterator[tuple[Match, str]]:
    reported: set[int] = set()
    tagged: set[int] | None = None  # the lines holding a tag CODE001 takes for one
    for m in search_comments(side, _PHRASE_PREFILTER, SATD_PHRASE, _PHRASE_LITERALS):
        if m.index in reported or not side.in_comment(m):
            continue
        end = side.column(m) + len(m.group())
        if m.text.startswith(_FREE_OF, end):
            continue  # "hack-free", "kludge-proof": the opposite of an admission
        if m.text[side.column(m) - 1 : side.column(m)] in _JOINED_BEFORE or m.text[end : end + 1] in _JOINED_AFTER:
            continue  # a piece of a name, a path or a value (`"iic--hacked--evil"`, `ddim_hacked`), not a word of prose
        if m.group().lower() == "hack" and _BREAK_IN.match(m.text, end):
            continue  # "a hack attempt", "hack into": someone breaking in, not a shortcut taken
        comment = _comment(side, m.text)
        if TAG.search(comment):
            # A tag word written as prose (`# dirty hack to keep the colours`) opens no task: the phrase reads.
            if tagged is None:
                tagged = {t.index for t in comment_tags(side) if is_tag(side, t)}
            if m.index in tagged:
                continue
        if _continues_a_task(side, m) or _prevented(side, m):
            continue
        reported.add(m.index)
        yield m, comment


#: What joins a phrase's word to a name, a path or a value around it (`ddim_hacked`, `iic--hacked`, `hacks/x.py`);
#: a hyphen after it may still make an adjective of prose (`ugly-looking`).
_JOINED_BEFORE = frozenset({"-", "_", "/", "."})
_JOINED_AFTER = frozenset({"_", "/"})
#: Words that make what follows them in a sentence what the code prevents or replaces, not what it is
#: ("as otherwise we get an ugly black border", "to avoid a hacky reshape").
_COUNTERFACTUAL = lazy(r"\b(?:otherwise|avoid(?:s|ing)?|prevents?|instead of)\b", re.IGNORECASE)


def _prevented(side: SideView, m: Match) -> bool:
    """Whether a counterfactual word stands before the phrase in its sentence: on its line, or on the comment line
    above when its line carries that sentence on (it opens with a lowercase word)."""
    start = comment_start(m.text, side.kind) or 0
    sentence = m.text[start : side.column(m)].lstrip(MARKER_CHARS)
    if not sentence or sentence[:1].islower():
        above = next(side.lines_upward(m.index, 1), "")
        if comment_only(above, side.kind):
            sentence = f"{comment_text(above, side.kind)} {sentence}"
    return _COUNTERFACTUAL.search(sentence.rpartition(". ")[2]) is not None


#: How far up a comment block is followed to the tag that opens it (a long explanation under a `# HACK:` is one).
_BLOCK_LOOKBACK = 40


def _continues_a_task(side: SideView, m: Match) -> bool:
    """Whether the match's line, a comment alone on its line, continues a comment block whose tag is above it
    (`# TODO: induce this` then `# without the branches. This is a hacky solution.`): one task, CODE001's."""
    if not comment_only(m.text, side.kind):
        return False
    for above in side.lines_upward(m.index, _BLOCK_LOOKBACK):
        if not comment_only(above, side.kind):
            return False
        if TAG.search(_comment(side, above)):
            return True
    return False


def _comment(side: SideView, line: str) -> str:
    """The whole comment of a line, not only from the match on."""
    return comment_text(line, side.kind) or ""
