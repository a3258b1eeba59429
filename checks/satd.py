"""Self-admitted technical debt vocabulary, shared by the code (CODE001/CODE002) and model (MODEL017) rules."""

from __future__ import annotations

import re

#: Task tags, case-insensitive as measured (precision 0.87, Maldonado & Shihab); not inside identifiers.
TAG = re.compile(r"(?<![\w-])(TODO|FIXME|XXX|HACK|todo|fixme|Fixme|Todo|ToDo|hack)(?![\w-])")
TAG_OWNER = re.compile(r"\b(?:TODO|FIXME|XXX|HACK)\s*\(\s*[\w.@-]+\s*\)", re.IGNORECASE)
TAG_LINK = re.compile(r"(#\d+|https?://\S+|\b[A-Z][A-Z0-9]+-\d+\b)")

#: ML concepts that make a debt comment ML debt (OBrien et al., 23 shades of ML SATD).
ML_TOPIC = re.compile(
    # Words that name models, data or training in any codebase; generic ones ("optimize", "batch",
    # "validate", "features", "metrics") claimed ordinary TODOs as ML debt and were left out.
    r"\b(epochs?|lr|learning.?rate|layers?|weights?|loss|accuracy|overfit\w*|hyper.?param\w*|models?|"
    r"train\w*|validation.?(?:set|split|data|loss)|test.?set|datasets?|labels?|embeddings?|batch.?size|"
    r"checkpoints?|seeds?|tokeni[sz]\w*|gradients?|optimizers?|inference|predictions?|fine.?tun\w*)\b",
    re.IGNORECASE,
)


def is_ml_comment(comment: str) -> bool:
    """True when a debt comment speaks of models, data or training (then MODEL017 owns it, not CODE001)."""
    return ML_TOPIC.search(comment) is not None


_NT = r"n['’]?t"  # "doesn't", "doesn’t", "doesnt"

#: Potdar & Shihab (2014) SATD comment patterns that admit a defect: medium severity for CODE002.
DEFECT_PHRASE = re.compile(
    r"\b(?:probably a bug|prolly a bug|certainly buggy|this is wrong|this is" + _NT + r" quite right|"
    r"does" + _NT + r" look right|something serious is wrong|is this (?:next )?line (?:really )?safe|"
    r"doubt that this (?:would|will) work|risk of this blowing up|it does" + _NT + r" work yet|"
    r"fix this crap|remove me before production|temporary (?:solution|crutch|fix|workaround|hack)|"
    r"this is temporary)\b",
    re.IGNORECASE,
)

#: Potdar & Shihab (2014) SATD comment patterns (measured precision 0.83 on Maldonado & Shihab's comments),
#: without those that read as plain prose in ML code ("give up" after retries, "bail out", "take care of",
#: "at a loss", "nuke", "barf", "inconsistency" in data checks, "something bad happened" in error handling),
#: and never the modal phrases ("should have", "need to": precision 0.26).
SATD_PHRASE = re.compile(
    DEFECT_PHRASE.pattern + r"|\b(?:hack(?:s|y|ish|ed)?|kludge[sy]?|workaround for (?:a |the )?bug|ugly|"
    r"is problematic|may cause (?:a )?problems?|trial and error|give up and go away|just abandon it|"
    r"abandon all hope|remove this code|get rid of this|do" + _NT + r" use this|stupid|silly|yuck|crap|"
    r"kaboom|this is bs|this is uncool|you can be unhappy now|hang our heads in shame|"
    r"hope everything will work|this can be a mess|this is" + _NT + r" very solid|"
    r"this indicates a more fundamental problem|unknown why we ever experience this|"
    r"treat this as a soft error|something bad is going on)\b",
    re.IGNORECASE,
)
