"""Draws `mood week`: each day's mood check-in (1-5) as a line over the hours worked as
bars, in one chart, so a user sees whether long days and low moods come together.
As in charts.py: matplotlib on first use, object-oriented API with the Agg canvas only."""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.images.charts import DPI, GRID, HOURS, INK, MUTED, _labels, _smaller, _style
from bot.language.moods import FACES
from domain.services.moods import MoodDay

MOOD = "#8c7ae6"
WIDTH_IN, HEIGHT_IN = 8.0, 4.0  # 720 x 360 pixels


def mood_week_chart(days: Sequence[MoodDay]) -> bytes:
    """The chart as PNG bytes: hours per day (bars, left axis) and mood per day (line, right axis)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x = list(range(len(days)))
    hours = [day.hours for day in days]
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    hours_ax = figure.subplots()
    hours_ax.bar(x, hours, 0.6, color=HOURS, label="hours worked")
    hours_ax.set_ylim(0, max(max(hours, default=0) * 1.15, 1))
    hours_ax.set_ylabel("hours", color=MUTED, fontsize=8)
    _style(hours_ax, f"Mood beside hours worked  ({sum(hours):.1f} h)")
    hours_ax.set_xticks(x, _labels([day.day for day in days]))
    hours_ax.set_xlim(-0.6, max(len(days), 1) - 0.4)

    mood_ax = hours_ax.twinx()
    logged = [(i, day.mood) for i, day in enumerate(days) if day.mood is not None]
    if logged:
        mood_ax.plot(
            [i for i, _ in logged], [m for _, m in logged], "o-", color=MOOD, linewidth=2, markersize=6, label="mood"
        )
    mood_ax.set_ylim(0.5, 5.5)
    mood_ax.set_yticks(list(FACES), [str(value) for value in FACES])
    mood_ax.set_ylabel("mood (1 awful - 5 great)", color=MOOD, fontsize=8)
    mood_ax.tick_params(colors=MUTED, labelsize=8, length=0)
    mood_ax.spines[["top", "left"]].set_visible(False)
    mood_ax.spines["right"].set_color(GRID)
    figure.suptitle("Your mood, last 7 days", x=0.02, ha="left", fontsize=12, fontweight="bold", color=INK)
    figure.subplots_adjust(left=0.07, right=0.92, top=0.82, bottom=0.14)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return _smaller(out.getvalue())


def mood_week_alt_text(days: Sequence[MoodDay]) -> str:
    """What the chart shows, in words: each day's mood and hours, then the week's average."""
    parts = [
        f"{day.day:%a %d}: "
        + (f"mood {day.mood:.1f} of 5" if day.mood is not None else "no check-in")
        + f", {day.hours:.1f} h worked"
        for day in days
    ]
    logged = [day.mood for day in days if day.mood is not None]
    summary = (
        f"Average mood {sum(logged) / len(logged):.1f} of 5 over {len(logged)} day{'s' if len(logged) != 1 else ''}"
        if logged
        else "No mood check-ins"
    )
    return f"Mood beside hours worked, last 7 days. {summary}; {sum(d.hours for d in days):.1f} h worked. " + (
        "; ".join(parts) + "."
    )
