"""Smoke test of the wave benchmark (bench/reminders_wave.py) at a size that runs in seconds:
its bulk-written users are what the services would have written, one and two engines deliver
the wave exactly once, and a wave paced by the shared workspace budget keeps to the limit."""

from __future__ import annotations

from bench import reminders_wave


async def test_a_wave_is_delivered_exactly_once_by_one_engine_and_by_two() -> None:
    one = await reminders_wave.throughput_sqlite(80, "no-op", 16, None)
    two = await reminders_wave.instances_in_process(80, 16, 2, own_connection=False)

    assert (one["sent"], one["missing"], one["duplicates"]) == (80, 0, 0)
    assert (two["sent"], two["missing"], two["duplicates"]) == (80, 0, 0)
    assert all(two["shards_drained"])  # both instances took part


async def test_a_paced_wave_never_sends_one_workspace_much_more_than_its_rate() -> None:
    # 50 users of one Slack workspace at 10/s. Sends are counted at the fake clock's second when
    # they go out, so a send granted at a window's end may land in the next: allow half a window.
    # (Each shard once spent from budget windows of its own start time, minutes behind: 2x.)
    result = await reminders_wave.simulate(50, 1, "slack", 16)

    assert result["duplicates"] == 0 and result["missing"] == 0
    assert result["max_sends_in_one_window"] <= 14
    assert result["simulated_seconds"] >= result["computed_seconds"]
