"""Reminders delivered to a Teams user through continue_conversation, over real HTTP, both stores."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import ENGINE_KEY, SERVICES_KEY
from tests.fake_connector import START, assert_cards_valid, cards, submit_actions, teams_world
from tests.integration.conftest import make_settings


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store) as world:
        yield world
        assert_cards_valid(world.connector)


async def clock_in(world) -> None:
    await world.chat.say("start")
    await world.chat.say("skip")


async def run(world, minutes: float):
    return await world.app[ENGINE_KEY].run(START + timedelta(minutes=minutes))


async def test_a_break_nudge_arrives_once_as_a_card_with_log_snooze_and_stop(world):
    await clock_in(world)
    before = len(world.connector.activities)
    assert (await run(world, 49)).sent == 0
    assert (await run(world, 50)).by_kind == {"break": 1}
    assert (await run(world, 50.5)).sent == 0
    [nudge] = world.connector.messages(before)
    assert nudge["_meta"]["conversation"] == world.chat.conversation_id
    data = [action["data"] for action in submit_actions(cards([nudge])[0])]
    assert data == [{"command": "break"}, {"command": "snooze", "minutes": 15},
                    {"command": "remind", "args": "break off"}]
    await world.chat.press({"command": "snooze", "minutes": 15})
    user = await world.app[SERVICES_KEY].users.get_user(world.chat.user_id)
    assert user.snoozed_until is not None


async def test_a_throttled_conversation_is_retried_later_and_a_blocked_bot_pauses(world):
    await clock_in(world)
    world.connector.refuse[world.chat.conversation_id] = 429
    summary = await run(world, 50)
    assert (summary.retried, summary.sent) == (1, 0)
    world.connector.refuse.pop(world.chat.conversation_id)
    summary = await run(world, 60)  # well past the jittered backoff of the first retry
    assert summary.sent == 1
    world.connector.refuse[world.chat.conversation_id] = 403
    summary = await run(world, 140)  # the water nudge, into a blocked conversation
    assert summary.paused_users == 1
    assert (await world.app[SERVICES_KEY].users.get_user(world.chat.user_id)).reminders_on is False
