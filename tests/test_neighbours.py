"""`views.neighbours`: the lines around a debt, which code moved between files carries along with it."""

from __future__ import annotations

import pytest

from checks.views import neighbours

TEXT = "first\n    second  \nthird\n\nfifth"


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ("first", "\nsecond"),  # no line above the first
        ("second", "first\nthird"),  # stripped
        ("ond", "first\nthird"),  # from any offset on the line
        ("third", "second\n"),  # a blank line below
        ("fifth", "\n"),  # a blank line above, none below
    ],
)
def test_the_lines_above_and_below(marker: str, expected: str) -> None:
    assert neighbours(TEXT, TEXT.index(marker)) == expected


def test_a_single_line_has_no_neighbours() -> None:
    assert neighbours("x = 1  # noqa", 7) == "\n"
