"""How the dashboard writes minutes, ages and categories for people."""

from __future__ import annotations

from datetime import datetime

from checks.finding import Category

#: The order categories are listed and stacked in.
CATEGORIES = (Category.DATA, Category.MODEL, Category.DEPENDENCY, Category.CODE)
#: Distinct for the common kinds of colour blindness (GitHub's Primer palette).
COLORS = {
    Category.DATA: "#0969da",
    Category.MODEL: "#8250df",
    Category.DEPENDENCY: "#bf8700",
    Category.CODE: "#1a7f37",
}
MINUTES_PER_HOUR = 60
#: From this many hours on, the minutes are left out.
WHOLE_HOURS_FROM = 10


def minutes_text(minutes: int) -> str:
    """`45 min`, `3 h 20 min`, `12 h`, `1,250 h`."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    if minutes < MINUTES_PER_HOUR:
        return f"{sign}{minutes} min"
    hours, rest = divmod(minutes, MINUTES_PER_HOUR)
    if hours >= WHOLE_HOURS_FROM:
        return f"{sign}{round(minutes / MINUTES_PER_HOUR):,} h"
    return f"{sign}{hours} h" + (f" {rest} min" if rest else "")


def age_days(since: datetime, now: datetime) -> int:
    return max(0, (now - since).days)


def age_text(since: datetime, now: datetime) -> str:
    days = age_days(since, now)
    return "today" if days == 0 else "1 day" if days == 1 else f"{days:,} days"
