"""The close-match test: difflib's cheap upper bounds first, and never an answer the full ratio would not give."""

from __future__ import annotations

from difflib import SequenceMatcher

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.similar import at_least


@pytest.mark.parametrize(
    ("a", "b", "least", "alike"),
    [
        ("x = f(a)  # type: ignore", "x = f(a, b)  # type: ignore", 0.8, True),
        ("x = f(a)  # type: ignore", "import os", 0.8, False),
        ("abcd", "abce", 0.75, True),  # ratio is exactly 0.75: the bound is inclusive
        ("abcd", "abce", 0.76, False),
        ("", "", 1.0, True),
    ],
)
def test_at_least(a: str, b: str, least: float, alike: bool) -> None:
    assert at_least(SequenceMatcher(None, a, b), least) is alike


@settings(max_examples=300, deadline=None)
@given(st.text("abc de", max_size=30), st.text("abc de", max_size=30), st.sampled_from([0.5, 0.6, 0.8, 0.9]))
def test_at_least_is_the_ratio_cut_off(a: str, b: str, least: float) -> None:
    # The quick ratios only bound the full one from above: they may end the test early, never change its answer.
    assert at_least(SequenceMatcher(None, a, b), least) is (SequenceMatcher(None, a, b).ratio() >= least)
