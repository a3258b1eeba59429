"""The trend chart is well-formed SVG whose shapes follow the figures, and minutes read as people write them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.dashboard.chart import owed_chart, y_scale
from bot.dashboard.formatting import minutes_text
from bot.ledger.history import IsoWeek, Minutes, WeekFigures, zero
from checks.finding import Category

SVG = "{http://www.w3.org/2000/svg}"


def week(number: int, **owed: int) -> WeekFigures:
    total: Minutes = {**zero(), **{Category(name): minutes for name, minutes in owed.items()}}
    return WeekFigures(week=IsoWeek(2026, number), added=zero(), baseline=zero(), paid=zero(), total=total)


def test_the_chart_stacks_each_category_owed_and_marks_every_week() -> None:
    weeks = [week(10, code=30), week(11, code=30, data=90), week(12, data=90), week(13, data=240)]
    svg = ET.fromstring(str(owed_chart(weeks)))

    areas = svg.findall(f"{SVG}polygon")
    points = svg.findall(f"{SVG}circle")
    assert sorted(area.get("data-category") or "" for area in areas) == ["code", "data"]
    assert len(points) == 4
    heights = [float(point.get("cy") or 0) for point in points]
    # Owed 30, 120, 90 and 240 minutes: more owed is drawn higher (a smaller y).
    assert heights[0] > heights[2] > heights[1] > heights[3]
    labels = [text.text for text in svg.findall(f"{SVG}text") if text.get("class") == "week"]
    assert labels[0] == "2026-W10"
    assert labels[-1] == "2026-W13"
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Debt owed, 2026-W10 to 2026-W13"
    assert "4 h" in (svg.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]


def test_no_weeks_is_said_in_words() -> None:
    assert "No debt recorded yet" in str(owed_chart([]))


@pytest.mark.parametrize(
    ("peak", "top", "ticks"),
    [
        (0, 1, [0, 1]),
        (45, 60, [0, 20, 40, 60]),
        (250, 360, [0, 120, 240, 360]),
        (6000, 6000, [0, 3000, 6000]),
    ],
)
def test_the_axis_ends_on_a_round_figure_above_the_peak(peak: int, top: int, ticks: list[int]) -> None:
    assert y_scale(peak) == (top, ticks)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0 min"),
        (45, "45 min"),
        (60, "1 h"),
        (200, "3 h 20 min"),
        (600, "10 h"),
        (75_000, "1,250 h"),
        (-90, "-1 h 30 min"),
    ],
)
def test_minutes_read_as_people_write_them(minutes: int, text: str) -> None:
    assert minutes_text(minutes) == text
