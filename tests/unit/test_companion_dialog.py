"""The companion in chat: pet, achievements and insights replies, and the pet's reaction after actions."""

from __future__ import annotations

import itertools

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage, Reply
from domain.clock import FakeClock
from domain.services import Services

USER = "slack:T1:U1"


DELIVERIES = itertools.count(1)  # each message a new delivery, so none is taken for a redelivery


async def say(dialogs: Dialogs, text: str) -> list[Reply]:
    number = next(DELIVERIES)
    return await dialogs.handle(IncomingMessage(USER, "slack", "D1", text=text, delivery_id=f"m{number}"))


async def test_actions_get_a_reaction_and_announce_what_they_earned(services: Services) -> None:
    dialogs = Dialogs(services)
    await say(dialogs, "timezone UTC")
    replies = await say(dialogs, "water 2000")
    logged = replies[0]
    assert logged.text.startswith("Logged 2000 ml") and "\n🐾 " in logged.text
    assert "Well watered" in logged.text
    assert "Well watered" not in (await say(dialogs, "water 250"))[0].text


async def test_pet_shows_the_picture_and_its_numbers(services: Services) -> None:
    dialogs = Dialogs(services)
    [reply] = [r for r in await say(dialogs, "pet") if r.kind == "pet"]
    assert reply.image and reply.image.png.startswith(b"\x89PNG")
    assert {"Level", "Streak", "Mood", "Energy", "Hydration"} <= {fact.label for fact in reply.facts}


async def test_achievements_and_insights(services: Services) -> None:
    dialogs = Dialogs(services)
    [listing] = [r for r in await say(dialogs, "achievements") if r.kind == "achievements"]
    assert len(listing.items) >= 15 and not any(item.done for item in listing.items)
    [insight] = [r for r in await say(dialogs, "insights") if r.kind == "insights"]
    assert insight.title and insight.title.startswith("Burnout risk:")
    assert insight.private and 2 <= len(insight.items) <= 3


async def test_stats_week_carries_a_chart(services: Services) -> None:
    dialogs = Dialogs(services)
    [stats] = [r for r in await say(dialogs, "stats week") if r.kind == "stats"]
    assert stats.image and stats.image.png.startswith(b"\x89PNG")


async def test_a_pause_said_in_chat_keeps_the_streak_through_silent_days(services: Services, clock: FakeClock) -> None:
    dialogs = Dialogs(services)
    await say(dialogs, "add Report")
    await say(dialogs, "done report")  # Monday
    await say(dialogs, "pause until friday")  # and not a word until Friday
    clock.advance(days=4)
    assert (await services.progress.snapshot(USER)).streak_days == 1
