"""Self-admitted technical debt vocabulary, shared by the code (CODE001/CODE002) and model (MODEL017) rules."""

from __future__ import annotations

import re

from checks.lazyre import lazy
from checks.prefilter import any_case

#: Task tags, case-insensitive as measured (precision 0.87, Maldonado & Shihab); not inside identifiers, nor at the
#: end of a path or address (`issues/XXX` is a placeholder).
TAG = lazy(r"(?<![\w/-])(TODO|FIXME|XXX|HACK|todo|fixme|Fixme|Todo|ToDo|hack|Hack)(?![\w-])")
#: TAG's words as it spells them, for the rule prefilter: every TAG match is one of them.
TAG_NEEDLES = ("TODO", "FIXME", "XXX", "HACK", "todo", "fixme", "Fixme", "Todo", "ToDo", "hack", "Hack")
#: A tag's owner in its brackets: a person (`TODO(alice)`) or a bug that owns it (Google's `TODO(b/253238305)`).
TAG_OWNER = lazy(r"\b(?:TODO|FIXME|XXX|HACK)\s*\(\s*[\w.@-]+(?:/\d+)?\s*\)", re.IGNORECASE)
#: An issue reference: `#123`, a URL, a tracker key (`JIRA-42`), Google's issue tracker (`b/253238305`), Apple's Radar
#: (`rdar://129584011`).
TAG_LINK = lazy(r"(#\d+|https?://\S+|\b[A-Z][A-Z0-9]+-\d+\b|\bb/\d+\b|\brdar://\S+)")


def task_marks(comment: str) -> frozenset[str]:
    """What ties a debt comment to one task: its owners and issue links (`TODO(nabe)`, `numpy/issues/26710`)."""
    owners = (m.group().lower().replace(" ", "") for m in TAG_OWNER.finditer(comment))
    return frozenset((*owners, *TAG_LINK.findall(comment)))


#: ML concepts that make a debt comment ML debt (OBrien et al., 23 shades of ML SATD).
ML_TOPIC = lazy(
    # Words that name models, data or training in any codebase; generic ones ("optimize", "batch",
    # "validate", "features", "metrics") claimed ordinary TODOs as ML debt and were left out. "LR models" are
    # linear or logistic regression models, not a learning rate; shape and type inference are a compiler's, and tick
    # and axis labels a plot's.
    r"\b(epochs?|lr(?![ _-]?models?\b)|learning.?rate|layers?|weights?|loss(?:es)?|accuracy|overfit\w*|hyper.?param\w*|"
    r"hparams?|distill\w*|"
    r"models?|(?:pre.?)?train\w*|validation.?(?:set|split|data|loss)|test.?set|datasets?|(?<!tick.)(?<!axis.)labels?|embeddings?|"
    r"batch.?size|"
    r"checkpoints?|seeds?|tokeni[sz]\w*|gradients?|grads?|optimizers?|(?<!shape )(?<!type )inference|predictions?|"
    r"fine.?tun\w*)\b",
    re.IGNORECASE,
)


#: Paths and addresses in a comment (`tests/models/test_unet.py`): their folders name no topic of the comment.
_PATH_TOKEN = lazy(r"\S*/\S*")
#: Words joined by slashes (`train/dev/test`, `(input/output)`): choices the comment names, not a path; unless a
#: word is a source tree's folder (`src/models`).
_CHOICES = lazy(r"[(\[]?[A-Za-z]+(?:/[A-Za-z]+)+[)\],.;:]*")
_FOLDERS = frozenset({"src", "lib", "tests", "docs", "scripts", "examples", "configs", "utils", "bin", "pkg"})
#: A bracketed list of three names or more (`[batch_size, sequence_length, num_heads, head_dim]`): a tensor's layout
#: or a signature the comment quotes, whose names are not its topic.
_NAME_LIST = lazy(r"[\[(]\s*[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*){2,}\s*[\])]")
#: A tensor's dimensions written with `x` between names (`# batch_size x H`, `B x T x D`, `N × C`): its layout, as a
#: bracketed list of names is.
_DIMENSIONS = lazy(r"\b[A-Za-z_]\w*(?:(?:[ \t]+x[ \t]+|[ \t]*×[ \t]*)\w+)+")
#: A dotted name in a comment (`self.model.run_with_iobinding`) names its last part: the rest only says where
#: that lives.
_DOTTED_NAME = lazy(r"\b(?:\w+\.)+(\w+)")


def _words_of_choices(token: re.Match[str]) -> str:
    """A slash-joined token of a comment as `ml_topic` reads it: words when they are choices, else nothing."""
    text = token.group(0)
    if not _CHOICES.fullmatch(text):
        return " "
    words = text.strip("()[],.;:").split("/")
    return " " if _FOLDERS.intersection(w.lower() for w in words) else " ".join(words)


#: Libraries whose models are schemas, tables or physics (pydantic, an ORM, a physics simulator's model of a robot):
#: in a module importing one, "model" is no ML word.
SCHEMA_LIBRARIES = (
    *("pydantic", "sqlalchemy", "sqlmodel", "django", "marshmallow", "peewee", "tortoise", "odmantic", "beanie"),
    *("mongoengine", "mujoco", "mujoco_py", "dm_control", "pybullet"),
)
SCHEMA_MODELS = lazy(rf"^[ \t]*(?:from|import)[ \t]+(?:{'|'.join(SCHEMA_LIBRARIES)})\b", re.MULTILINE)
MODEL_WORD = lazy(r"\bmodels?\b", re.IGNORECASE)


def ml_topic(comment: str, *, schema_models: bool = False) -> str | None:
    """The word that makes a debt comment ML debt (models, data, training), read outside paths, receivers and lists
    of names, and but for "model" in a module of schema models (`schema_models`); None if none."""
    if schema_models:
        comment = MODEL_WORD.sub(" ", comment)
    if "/" in comment:
        comment = _PATH_TOKEN.sub(_words_of_choices, comment)
    if "," in comment:
        comment = _NAME_LIST.sub(" ", comment)
    if " x " in comment or "×" in comment:
        comment = _DIMENSIONS.sub(" ", comment)
    if "." in comment:
        comment = _DOTTED_NAME.sub(r"\1", comment)
    topic = ML_TOPIC.search(comment)
    return topic.group(0) if topic is not None else None


def is_ml_comment(comment: str) -> bool:
    """True when a debt comment speaks of models, data or training (then MODEL017 owns it, not CODE001)."""
    return ml_topic(comment) is not None


_NT = r"n['’]?t"  # "doesn't", "doesn’t", "doesnt"

#: Potdar & Shihab (2014) SATD comment patterns that admit a defect: medium severity for CODE002.
_DEFECT_PHRASES = (
    *("probably a bug", "prolly a bug", "certainly buggy", "this is wrong", "this is" + _NT + " quite right"),
    *("does" + _NT + " look right", "something serious is wrong", "is this (?:next )?line (?:really )?safe"),
    *("doubt that this (?:would|will) work", "risk of this blowing up", "it does" + _NT + " work yet"),
    *("fix this crap", "remove me before production", "temporary (?:solution|crutch|fix|workaround|hack)"),
    "this is temporary",
)
DEFECT_PHRASE = lazy(r"\b(?:" + "|".join(_DEFECT_PHRASES) + r")\b", re.IGNORECASE)

#: Potdar & Shihab (2014) SATD comment patterns (measured precision 0.83 on Maldonado & Shihab's comments),
#: without those that read as plain prose in ML code ("give up" after retries, "bail out", "take care of",
#: "at a loss", "nuke", "barf", "inconsistency" in data checks, "something bad happened" in error handling),
#: and never the modal phrases ("should have", "need to": precision 0.26).
_DEBT_PHRASES = (
    *("hack(?:s|y|ish|ed)?", "kludge[sy]?", "workaround for (?:a |the )?bug", "ugly", "is problematic"),
    *("may cause (?:a )?problems?", "trial and error", "give up and go away", "just abandon it"),
    *("abandon all hope", "remove this code", "get rid of this", "do" + _NT + " use this", "stupid", "silly"),
    *("yuck", "crap", "kaboom", "this is bs", "this is uncool", "you can be unhappy now"),
    *("hang our heads in shame", "hope everything will work", "this can be a mess", "this is" + _NT + " very solid"),
    *("this indicates a more fundamental problem", "unknown why we ever experience this"),
    *("treat this as a soft error", "something bad is going on"),
)
SATD_PHRASE = lazy(DEFECT_PHRASE.pattern + r"|\b(?:" + "|".join(_DEBT_PHRASES) + r")\b", re.IGNORECASE)


def _literal_prefix(phrase: str) -> str:
    """The start of a phrase pattern up to its first regex syntax (a character a quantifier follows excluded):
    every match of the phrase holds it."""
    end = 0
    while end < len(phrase) and phrase[end] not in "\\[](){}?*+|.^$":
        end += 1
    if end < len(phrase) and phrase[end] in "?*{":
        end -= 1
    return phrase[:end]


#: Literals in lower case, one of which every SATD_PHRASE match holds once lowercased: the start of each
#: phrase, with each spelling of its "n't" (a "don" alone would be in every "done").
SATD_PHRASE_LITERALS = tuple(
    dict.fromkeys(
        _literal_prefix(phrase.replace(_NT, nt))
        for phrase in (*_DEFECT_PHRASES, *_DEBT_PHRASES)
        for nt in ("nt", "n't", "n’t")
    )
)

#: For the rule prefilter, a part of every SATD_PHRASE alternative (DEFECT_PHRASE's included) in every case:
#: few letters, as each doubles the spellings. Not across a "n't", also spelt "nt" or "n’t" (JSON escapes it).
SATD_PHRASE_NEEDLES = any_case(
    " bug",  # probably a bug, prolly a bug, certainly buggy, workaround for (a, the) bug
    " wrong",  # this is wrong, something serious is wrong
    " quite",  # this isn't quite right
    " look r",  # doesn't look right
    " line s",  # is this (next) line safe
    " line r",  # is this (next) line really safe
    "doubt",  # doubt that this would work
    " blow",  # risk of this blowing up
    " work y",  # it doesn't work yet
    "crap",  # fix this crap, crap
    " me b",  # remove me before production
    "porar",  # temporary solution/crutch/fix/workaround/hack, this is temporary
    "hack",  # hack, hacks, hacky, hackish, hacked
    "kludge",  # kludge, kludges, kludgey
    "ugly",
    " problem",  # is problematic, may cause (a) problem(s), indicates a more fundamental problem
    " and err",  # trial and error
    " go away",  # give up and go away
    "abandon",  # just abandon it, abandon all hope
    " this cod",  # remove this code
    " rid of",  # get rid of this
    "don",  # don't use this ("t use this" is in every Apache license header: "may not use this file")
    "stupid",
    "silly",
    "yuck",
    "kaboom",
    " is bs",  # this is bs
    " uncool",  # this is uncool
    " unhappy",  # you can be unhappy now
    " shame",  # hang our heads in shame
    " will w",  # hope everything will work
    " a mess",  # this can be a mess
    " very so",  # this isn't very solid
    " we ever",  # unknown why we ever experience this
    " soft e",  # treat this as a soft error
    " bad is",  # something bad is going on
)
