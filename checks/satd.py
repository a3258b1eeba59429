"""Self-admitted technical debt vocabulary, shared by the code (CODE001/CODE002) and model (MODEL017) rules."""

from __future__ import annotations

import re

#: Task tags, case-insensitive as measured (precision 0.87, Maldonado & Shihab); not inside identifiers.
TAG = re.compile(r"(?<![\w-])(TODO|FIXME|XXX|HACK|todo|fixme|Fixme|Todo|ToDo|hack)(?![\w-])")
TAG_OWNER = re.compile(r"\b(?:TODO|FIXME|XXX|HACK)\s*\(\s*[\w.@-]+\s*\)", re.IGNORECASE)
TAG_LINK = re.compile(r"(#\d+|https?://\S+|\b[A-Z][A-Z0-9]+-\d+\b)")

#: ML concepts that make a debt comment ML debt (OBrien et al., 23 shades of ML SATD).
ML_TOPIC = re.compile(
    r"\b(epochs?|lr|learning.?rate|layers?|weights?|loss|accuracy|overfit\w*|hyper.?param\w*|models?|"
    r"train\w*|valid\w*|test.?set|datasets?|labels?|features?|embeddings?|metrics?|batch\w*|"
    r"checkpoints?|seed|random\w*|tokeni[sz]\w*|gradients?|optimi[sz]\w*|inference|predictions?)\b",
    re.IGNORECASE,
)


def is_ml_comment(comment: str) -> bool:
    """True when a debt comment speaks of models, data or training (then MODEL017 owns it, not CODE001)."""
    return ML_TOPIC.search(comment) is not None
