"""The total owed over time as an SVG chart, drawn on the server: one stacked area per category, week by week.

Plain SVG in the page: no script, no external resource (the pages' CSP allows neither), readable by a screen
reader through its title and description, with each week's figures in a tooltip (`<title>`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from bot.dashboard.formatting import CATEGORIES, COLORS, minutes_text
from bot.ledger.history import WeekFigures, total_of

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 32, 44
MAX_X_LABELS = 6
MINUTES_PER_HOUR = 60


def nice_step(rough: float) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that is at least `rough`."""
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= rough))


def y_scale(peak: int) -> tuple[int, list[int]]:
    """The axis top and its ticks, in minutes: whole minutes below two hours, whole hours above."""
    unit = MINUTES_PER_HOUR if peak >= 2 * MINUTES_PER_HOUR else 1
    step = max(1, round(nice_step(max(peak, 1) / unit / 4))) * unit
    top = max(step, math.ceil(max(peak, 1) / step) * step)
    return top, list(range(0, top + 1, step))


def owed_chart(weeks: Sequence[WeekFigures]) -> Markup:
    """The chart of what was owed at the end of each of `weeks` (oldest first), by category."""
    if not weeks:
        return Markup('<p class="empty">No debt recorded yet.</p>')
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [max(0, total_of(w.total)) for w in weeks]
    top, ticks = y_scale(max(totals))
    count = len(weeks)

    def x(index: int) -> float:
        return LEFT + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y(minutes: float) -> float:
        return TOP + plot_h - plot_h * minutes / top

    first, last = weeks[0], weeks[-1]
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">Debt owed, {escape(str(first.week))} to {escape(str(last.week))}</title>',
        f'<desc id="chart-desc">Owed at the end of {escape(str(first.week))}: {minutes_text(totals[0])}; '
        f"at the end of {escape(str(last.week))}: {minutes_text(totals[-1])}.</desc>",
    ]
    for tick in ticks:
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" fill="#57606a">'
            f"{minutes_text(tick)}</text>"
        )
    base = [0] * count
    for category in CATEGORIES:
        upper = [base[i] + max(0, weeks[i].total[category]) for i in range(count)]
        if any(upper[i] != base[i] for i in range(count)):
            outline = [f"{x(i):.1f},{y(upper[i]):.1f}" for i in range(count)]
            outline += [f"{x(i):.1f},{y(base[i]):.1f}" for i in reversed(range(count))]
            now = minutes_text(max(0, last.total[category]))
            parts.append(
                f'<polygon class="area" data-category="{category.value}" points="{" ".join(outline)}" '
                f'fill="{COLORS[category]}" fill-opacity="0.75">'
                f"<title>{category.value}: {now} owed now</title></polygon>"
            )
        base = upper
    line = " ".join(f"{x(i):.1f},{y(totals[i]):.1f}" for i in range(count))
    parts.append(f'<polyline class="total" points="{line}" fill="none" stroke="#1f2328" stroke-width="2"/>')
    for i, week in enumerate(weeks):
        parts.append(
            f'<circle class="point" cx="{x(i):.1f}" cy="{y(totals[i]):.1f}" r="3" fill="#1f2328">'
            f"<title>{escape(str(week.week))}: {minutes_text(totals[i])} owed</title></circle>"
        )
    every = max(1, math.ceil(count / MAX_X_LABELS))
    for i in sorted({*range(0, count, every), count - 1}):
        if i != count - 1 and count - 1 - i < every / 2:
            continue  # too close to the last label
        anchor = "start" if i == 0 else "end" if i == count - 1 else "middle"  # the ends stay inside the chart
        parts.append(
            f'<text class="week" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" font-size="12" '
            f'fill="#57606a">{escape(str(weeks[i].week))}</text>'
        )
    for n, category in enumerate(CATEGORIES):
        lx = LEFT + n * 120
        parts.append(
            f'<rect x="{lx}" y="8" width="12" height="12" fill="{COLORS[category]}"/>'
            f'<text x="{lx + 18}" y="18" font-size="12" fill="#1f2328">{category.value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built above from numbers and escaped text only
