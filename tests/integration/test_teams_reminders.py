"""Reminders delivered to a Teams user through the stored conversation reference (also one stored by
the Bot Framework SDK before the move), and how the Bot Connector's answers are read; over real
HTTP, both stores."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import ENGINE_KEY, SERVICES_KEY
from bot.adapters.teams.adapter import TEAMS_ENDPOINT
from bot.adapters.teams.notifier import TeamsNotifier
from bot.messages import Reply
from bot.reminders.engine import Delivery, Outcome
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
    assert data == [
        {"command": "break"},
        {"command": "snooze", "minutes": 15},
        {"command": "remind", "args": "break off"},
    ]
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


def stored_by_botbuilder(connector_url: str, **conversation: str) -> dict:
    """A conversation reference exactly as the adapter stored it on botbuilder 4.17.1
    (TurnContext.get_conversation_reference(activity) with activity_id = None, serialized, and
    conversation.tenantId set from the user id)."""
    return {
        "activityId": None,
        "user": {"id": "29:aad-ada-id", "name": "Ada Lovelace", "aadObjectId": "aad-ada"},
        "bot": {"id": "28:avanochi-bot-id", "name": "Avanochi"},
        "conversation": {
            "isGroup": False,
            "conversationType": "personal",
            "id": "a:personal-ada-kept",
            "tenantId": "tenant-1",
            **conversation,
        },
        "channelId": "msteams",
        "locale": "en-US",
        "serviceUrl": connector_url,
    }


@pytest.mark.parametrize("shape", ["as stored", "botbuilder's own spellings"])
async def test_a_reference_stored_by_the_old_sdk_still_gets_the_reminders(world, shape):
    await clock_in(world)
    reference = stored_by_botbuilder(world.connector.url)
    if shape != "as stored":  # its tenantID spelling, and the empty strings its models allowed
        reference["conversation"] = {**reference["conversation"], "tenantID": "tenant-1", "name": ""}
        del reference["conversation"]["tenantId"]
        reference.update(locale="", activityId="")
    # Put in the store as it was kept, in place of what the messages above stored.
    await world.app[SERVICES_KEY].conversations.remember_address(world.chat.user_id, "msteams", reference)
    before = len(world.connector.activities)
    summary = await run(world, 50)
    assert (summary.sent, summary.retried, summary.dropped) == (1, 0, 0)
    [nudge] = world.connector.messages(before)
    assert nudge["_meta"]["conversation"] == "a:personal-ada-kept" and nudge["_meta"]["reply_to"] is None
    assert nudge["conversation"]["tenantId"] == "tenant-1"
    assert nudge["from"]["id"] == "28:avanochi-bot-id" and nudge["recipient"]["aadObjectId"] == "aad-ada"
    assert [a["data"] for a in submit_actions(cards([nudge])[0])][0] == {"command": "break"}


@pytest.mark.parametrize(
    "answer, outcome",
    [
        ((429, {"Retry-After": "7"}), Outcome(Delivery.RETRY, retry_after=7.0)),
        (429, Outcome(Delivery.RETRY)),
        (412, Outcome(Delivery.RETRY)),
        (500, Outcome(Delivery.RETRY)),
        (502, Outcome(Delivery.RETRY)),
        (504, Outcome(Delivery.RETRY)),
        (403, Outcome(Delivery.UNREACHABLE)),
        (404, Outcome(Delivery.UNREACHABLE)),
    ],
)
async def test_the_notifier_reads_the_connector_answer_as_teams_asks(world, answer, outcome):
    await world.chat.say("help")
    address = await world.app[SERVICES_KEY].conversations.address(world.chat.user_id, "msteams")
    world.connector.refuse[world.chat.conversation_id] = answer
    notifier = TeamsNotifier(world.app[TEAMS_ENDPOINT])
    assert await notifier.deliver(address, [Reply("Time for a glass of water")]) == outcome


async def test_an_unreachable_connector_is_retried_later(world):
    await world.chat.say("help")
    address = await world.app[SERVICES_KEY].conversations.address(world.chat.user_id, "msteams")
    await world.connector.close()  # nothing listens there any more
    notifier = TeamsNotifier(world.app[TEAMS_ENDPOINT])
    assert await notifier.deliver(address, [Reply("Time for a glass of water")]) == Outcome(Delivery.RETRY)
