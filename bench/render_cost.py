"""What drawing the pet and the stats charts costs: bytes and milliseconds.

    .venv/bin/python -m bench.render_cost            # 5 rounds of each, medians
    .venv/bin/python -m bench.render_cost --rounds 20

Prints the import time of matplotlib (paid once, on the first chart), the first chart
(fonts and caches warming up), then medians of warm renders, and the PNG sizes: every pet
stage x mood x awake/asleep, a week chart and a month chart of made-up but plausible days.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta


def plausible_days(count: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    days = []
    for n in range(count):
        day = date(2026, 3, 2) + timedelta(days=n)
        started = rng.randint(0, 5) if day.weekday() < 5 else 0
        days.append(
            {
                "day": day.isoformat(),
                "hours_total": round(rng.uniform(5, 10), 2) if started else 0,
                "tasks_completed": rng.randint(0, 6),
                "tasks_created": rng.randint(0, 5),
                "focus_total": started,
                "focus_completed": rng.randint(0, started),
                "water_ml": rng.choice([0, 750, 1500, 2250]),
            }
        )
    return {"period": "week" if count == 7 else "month", "days": days}


def timed(call, rounds: int) -> tuple[float, bytes]:
    times, result = [], b""
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds

    from bot.images.pet_image import draw_pet
    from domain.services.pet import MOODS, STAGES, Pet

    sizes, times = [], []
    for stage in STAGES:
        for mood in MOODS:
            for asleep in (False, True):
                pet = Pet(stage, mood, 60, 40, asleep, 7)
                ms, png = timed(lambda pet=pet: draw_pet(pet), rounds)
                sizes.append(len(png))
                times.append(ms)
    print(f"pet: {len(sizes)} variants, {min(sizes)}-{max(sizes)} bytes, median {statistics.median(times):.1f} ms")

    from bot.images.charts import period_chart

    loaded_before = "matplotlib" in sys.modules  # False: importing charts must not load it
    started = time.perf_counter()
    import matplotlib.backends.backend_agg  # noqa: F401  (what the first chart pays for)
    import matplotlib.figure  # noqa: F401

    print(
        f"matplotlib import: {(time.perf_counter() - started) * 1000:.0f} ms "
        f"(loaded with the charts module: {loaded_before})"
    )
    started = time.perf_counter()
    period_chart(plausible_days(7), workday_hours=8.5)
    print(f"first chart (cold): {(time.perf_counter() - started) * 1000:.0f} ms")
    for count in (7, 30):
        numbers = plausible_days(count)
        ms, png = timed(lambda numbers=numbers: period_chart(numbers, workday_hours=8.5), rounds)
        print(f"{numbers['period']} chart: {len(png)} bytes, median {ms:.0f} ms")


if __name__ == "__main__":
    main()
