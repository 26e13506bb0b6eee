"""Draws the `stats week` / `stats month` chart as a PNG: hours per day, tasks done, focus
sessions finished of started, and water, from what ``StatsService.period`` returns.

matplotlib is imported on first use, not with the module: it costs a few hundred
milliseconds, which a bot that never draws a chart should not pay at start-up. Only the
object-oriented API with the Agg canvas is used (no pyplot), so there is no global
figure state and a chart may be drawn in a worker thread (``asyncio.to_thread``) while
the event loop keeps serving.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from domain.entities import WATER_GOAL_ML
from domain.wording import of_total, plural

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 5.6, 90  # 720 x 504 pixels
INK, MUTED, GRID = "#3b3355", "#8a86a0", "#e6e3ee"
HOURS, TASKS, FOCUS, WATER, LIMIT = "#f4a27a", "#7cc4a4", "#8c7ae6", "#4aa3df", "#c8435b"
TITLES = {"today": "Today", "week": "Last 7 days", "month": "Last 30 days"}


def _labels(days: list[date]) -> list[str]:
    if len(days) <= 7:
        return [f"{d:%a}\n{d.day}" for d in days]
    # A month is too many labels to read: one a week, counted back from today, which is the day that matters.
    last = len(days) - 1
    return [f"{d.day}\n{d:%b}" if (last - i) % 7 == 0 else "" for i, d in enumerate(days)]


def _style(axis: Any, title: str) -> None:
    axis.set_title(title, loc="left", fontsize=10, color=INK, pad=4)
    axis.spines[["top", "right"]].set_visible(False)
    axis.spines[["left", "bottom"]].set_color(GRID)
    axis.tick_params(colors=MUTED, labelsize=8, length=0)
    axis.grid(axis="y", color=GRID, linewidth=0.8)
    axis.set_axisbelow(True)


def _legend(axis: Any) -> None:
    # Above the plot, right-aligned with the title: inside it would cover the bars.
    axis.legend(
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=2,
        fontsize=7,
        frameon=False,
        borderaxespad=0.1,
        handlelength=1.2,
    )


def period_chart(
    numbers: dict[str, Any], *, workday_hours: float | None = None, water_goal_ml: int = WATER_GOAL_ML
) -> bytes:
    """The chart for one period as PNG bytes. ``numbers`` is ``StatsService.period``'s
    result; ``workday_hours`` draws the length of the user's working day as a line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    entries = numbers.get("days") or []
    days = [date.fromisoformat(entry["day"]) for entry in entries]
    x = list(range(len(days)))

    def series(name: str) -> list[float]:
        return [float(entry.get(name, 0) or 0) for entry in entries]

    hours, done, created = series("hours_total"), series("tasks_completed"), series("tasks_created")
    started, finished = series("focus_total"), series("focus_completed")
    water = [ml / 1000 for ml in series("water_ml")]

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, 2, sharex=True)
    (hours_ax, tasks_ax), (focus_ax, water_ax) = axes
    width = 0.7 if len(days) <= 7 else 0.8

    hours_ax.bar(x, hours, width, color=HOURS)
    if workday_hours:
        hours_ax.axhline(workday_hours, color=LIMIT, linewidth=1, linestyle="--")
        hours_ax.set_ylim(top=max(max(hours, default=0), workday_hours) * 1.1)
    _style(hours_ax, f"Hours worked  ({sum(hours):.1f} h)")

    tasks_ax.bar(x, done, width, color=TASKS, label="done")
    tasks_ax.plot(x, created, "o", color=MUTED, markersize=3, label="added")
    tasks_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(tasks_ax)
    _style(tasks_ax, f"Tasks done  ({sum(done):.0f})")

    focus_ax.bar(x, started, width, color="white", edgecolor=FOCUS, linewidth=1, label="started")
    focus_ax.bar(x, finished, width, color=FOCUS, label="done")
    focus_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(focus_ax)
    rate = f"{sum(finished) / sum(started):.0%}" if sum(started) else "none"
    _style(focus_ax, f"Focus  ({rate} finished)")

    water_ax.bar(x, water, width, color=WATER)
    water_ax.axhline(water_goal_ml / 1000, color=LIMIT, linewidth=1, linestyle="--")
    water_ax.set_ylim(top=max(max(water, default=0), water_goal_ml / 1000) * 1.1)
    goal_days = sum(1 for litres in water if litres * 1000 >= water_goal_ml)
    _style(water_ax, f"Water, litres  (goal met {goal_days} of {len(days)} days)")

    for axis in (focus_ax, water_ax):
        axis.set_xticks(x, _labels(days))
    for axis in axes.flat:
        axis.set_xlim(-0.6, max(len(days), 1) - 0.4)
        axis.set_ylim(bottom=0, top=max(axis.get_ylim()[1], 1))
    figure.suptitle(
        TITLES.get(numbers.get("period", ""), "Your stats"),
        x=0.02,
        ha="left",
        fontsize=12,
        fontweight="bold",
        color=INK,
    )
    # Fixed margins rather than tight_layout: the layout is always the same, and measuring
    # every label to compute it took a third of the drawing time.
    figure.subplots_adjust(left=0.05, right=0.985, top=0.87, bottom=0.09, wspace=0.12, hspace=0.32)

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return _smaller(out.getvalue())


def _smaller(png: bytes) -> bytes:
    """A palette PNG of the same picture: a chart has few colours, and this halves the bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    reduced = image.quantize(128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def chart_alt_text(numbers: dict[str, Any]) -> str:
    """What the chart says, for screen readers and text-only channels."""
    return (
        f"{TITLES.get(numbers.get('period', ''), 'Stats')}: {numbers.get('hours', 0)} h worked, "
        f"{plural(numbers.get('tasks_completed', 0), 'task')} done, "
        f"{of_total(numbers.get('focus_completed', 0), numbers.get('focus_sessions', 0), 'focus session')} "
        f"finished, {numbers.get('water_ml', 0)} ml water."
    )
