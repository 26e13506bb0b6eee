"""One truth for numbers: today's, the period's and all-time figures agree in chat and over REST,
on both stores, whatever was deleted, undone, cancelled or cut short."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage
from domain.clock import FakeClock
from domain.services import Services
from domain.services.pet import REACTIONS
from persistence.repositories import Repositories
from tests.integration.conftest import serving

USER = "slack:T1:U1"
NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)  # a Monday morning
DELIVERIES = itertools.count(1)


class Chat:
    def __init__(self, store, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock(NOW)
        self.services = Services.build(Repositories(store), self.clock)
        self.dialogs = Dialogs(self.services)

    async def say(self, text: str) -> str:
        message = IncomingMessage(USER, "slack", "D1", text=text, delivery_id=f"n{next(DELIVERIES)}")
        return "\n".join(reply.plain() for reply in await self.dialogs.handle(message))

    async def figures(self) -> tuple[str, str]:
        return await self.say("stats today"), await self.say("stats all")


async def test_deleting_a_done_task_takes_it_out_of_today_and_all_time(store) -> None:
    chat = Chat(store)
    await chat.say("timezone UTC")
    for title in ("report", "slides", "budget"):
        await chat.say(f"add {title}")
    await chat.say("done report")
    await chat.say("done slides")
    await chat.say("delete slides")
    assert "Deleted" in await chat.say("yes")
    today, all_time = await chat.figures()
    assert "Tasks done: 1\n" in today
    assert "Tasks done: 1 of 2" in all_time
    assert "Restored" in await chat.say("undo")  # and back again, in both
    today, all_time = await chat.figures()
    assert "Tasks done: 2\n" in today
    assert "Tasks done: 2 of 3" in all_time


async def test_today_and_all_time_agree_over_rest_after_a_delete(store) -> None:
    async with serving(store, clock=FakeClock(NOW)) as api:
        ids = [
            (await api.json("POST", "/api/tasks", 201, json={"user_id": USER, "title": title}))["id"]
            for title in ("report", "slides")
        ]
        for task_id in ids:
            await api.json("PATCH", f"/api/tasks/{task_id}", 200, json={"completed": True})
        before = await api.json("GET", f"/api/stats/{USER}", 200)
        assert (await api.call("DELETE", f"/api/tasks/{ids[1]}")).status in (200, 204)
        stats = await api.json("GET", f"/api/stats/{USER}", 200)
    assert (stats["completed_tasks"], stats["total_tasks"]) == (1, 1)
    # The XP of today follows: a deleted task does not keep what its completion earned.
    assert stats["xp_today"] < before["xp_today"] and stats["xp"] == stats["xp_today"]


async def test_an_early_stop_is_reported_as_such_and_the_pet_does_not_call_it_finished(store) -> None:
    chat = Chat(store)
    await chat.say("timezone UTC")
    await chat.say("focus 30")
    assert "already focusing" in await chat.say("focus 25")  # one at a time, said kindly
    chat.clock.advance(seconds=2)
    stopped = await chat.say("focus stop")
    assert "not counted as a completed session" in stopped
    finished_lines = [line for lines in REACTIONS["focus_stop"].values() for line in lines]
    assert not any(line in stopped for line in finished_lines), stopped
    assert (await chat.services.progress.snapshot(USER)).xp == 0


async def test_cancelled_focus_is_not_planned_minutes_and_is_reported(store) -> None:
    chat = Chat(store)
    await chat.say("timezone UTC")
    await chat.say("focus 40")
    chat.clock.advance(minutes=5)
    await chat.say("focus cancel")
    await chat.say("focus 25")
    chat.clock.advance(minutes=25)
    assert "Focus session complete" in await chat.say("focus stop")
    today, all_time = await chat.figures()
    assert "Focus: 1 of 2 sessions (1 cancelled or cut short), 25 min planned" in today
    assert "Focus sessions: 1 of 2 completed" in all_time


async def test_two_instances_starting_focus_at_once_run_one_session(store) -> None:
    first = Chat(store)
    await first.say("timezone UTC")
    second = Chat(store, first.clock)  # another server instance on the same store
    replies = await asyncio.gather(first.say("focus 25"), second.say("focus 40"))
    assert sum("Focus for" in reply for reply in replies) == 1, replies
    assert sum("already focusing" in reply for reply in replies) == 1, replies
    assert "🐾" not in next(reply for reply in replies if "already focusing" in reply)
    assert len(await first.services.focus.list_sessions(USER)) == 1
