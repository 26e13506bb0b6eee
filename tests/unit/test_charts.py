"""The stats chart: a valid PNG of sane size from StatsService.period, for a week and a month."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.images.charts import chart_alt_text, period_chart
from domain.clock import FakeClock
from domain.services import Services
from tests.unit.conftest import USER

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 150_000
ROOT = Path(__file__).resolve().parents[2]


def decoded(png: bytes) -> Image.Image:
    assert png.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


async def a_month_of_work(services: Services, clock: FakeClock) -> None:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for n in range(30):
        clock.set(start + timedelta(days=n))
        if clock.now().weekday() >= 5:
            continue
        await services.work_sessions.start_session(USER)
        session = await services.focus.start(USER, 25)
        clock.advance(minutes=25)
        if n % 3:
            await services.focus.complete(USER, session.session_id)
        else:
            await services.focus.cancel(USER, session.session_id)
        for _ in range(n % 4 + 1):
            task = await services.tasks.create_task(USER, f"task {n}")
            await services.tasks.complete_task(USER, task.id)
        await services.habits.log_water(USER, 500 * (n % 5 + 1))
        clock.advance(hours=6 + n % 5)
        await services.work_sessions.end_active_session(USER)
    clock.set(start + timedelta(days=29, hours=12))


@pytest.mark.parametrize(("period", "days"), [("week", 7), ("month", 30)])
async def test_a_chart_of_the_period_is_a_sane_png(
    services: Services, clock: FakeClock, period: str, days: int
) -> None:
    await a_month_of_work(services, clock)
    numbers = await services.stats.period(USER, period)
    assert len(numbers["days"]) == days
    started = time.perf_counter()
    png = period_chart(numbers, workday_hours=8.5)
    elapsed = time.perf_counter() - started
    image = decoded(png)
    assert image.format == "PNG" and image.size == (720, 504)
    assert len(png) < MAX_BYTES
    assert elapsed < 10  # generous for a loaded CI machine; bench it, don't time it here
    assert "tasks done" in chart_alt_text(numbers)


async def test_an_empty_period_still_draws(services: Services) -> None:
    numbers = await services.stats.period(USER, "week")
    image = decoded(period_chart(numbers))
    assert image.size == (720, 504)


async def test_different_numbers_draw_different_charts(services: Services, clock: FakeClock) -> None:
    empty = period_chart(await services.stats.period(USER, "week"))
    await services.habits.log_water(USER, 2000)
    assert period_chart(await services.stats.period(USER, "week")) != empty


def test_importing_the_module_does_not_import_matplotlib() -> None:
    # Start-up should not pay for matplotlib: it loads on the first chart.
    code = "import sys, bot.images.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
