"""How alike two texts read, by difflib's close-match tests."""

from __future__ import annotations

from difflib import SequenceMatcher


def at_least(matcher: SequenceMatcher[str], least: float) -> bool:
    """Whether the matcher's two texts are at least `least` alike. difflib's upper bounds are asked first, as
    `difflib.get_close_matches` does: each is cheaper than the next, and most unlike pairs fail the first."""
    return matcher.real_quick_ratio() >= least and matcher.quick_ratio() >= least and matcher.ratio() >= least
