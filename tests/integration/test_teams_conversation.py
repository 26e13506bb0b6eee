"""What only Teams does around the commands: who an activity is from, the conversation reference kept
for reminders, @mentions in channels, the file consent flow for exports, typing, proactive messages
and the Bot Connector's failures. Both stores. What every channel does the same way (greeting once,
redeliveries, order, privacy, onboarding with the platform's time zone) is in tests/conformance."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from microsoft_agents.activity import Activity

from app import SERVICES_KEY
from bot.adapters.teams.activities import incoming_message
from bot.adapters.teams.adapter import TEAMS_ENDPOINT
from bot.messages import Button, Reply
from tests.fake_connector import BOT_ID, assert_cards_valid, cards, submit_actions, teams_world, visible_text
from tests.integration.conftest import Api, make_settings

VOICE = Path(__file__).resolve().parent.parent / "fixtures" / "voice"
CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
CHANNEL_ID = "19:general@thread.tacv2;messageid=1700000000001"


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store) as world:
        yield world
        assert_cards_valid(world.connector)


@pytest.fixture
def api(world) -> Api:
    return Api(world.session, world.base)


def text_of(activities: list[dict]) -> str:
    return "\n".join(visible_text(activity) for activity in activities)


def mention() -> dict:
    return {"type": "mention", "text": "<at>Avanochi</at>", "mentioned": {"id": BOT_ID, "name": "Avanochi"}}


def install_activity(chat, activity_id: str = "f:install-1") -> dict:
    """What Teams posts when a user adds the bot in personal scope."""
    activity = chat.activity(None, type="conversationUpdate", id=activity_id, membersAdded=[{"id": BOT_ID}])
    activity["from"] = {"id": f"29:{chat.aad}-id", "aadObjectId": chat.aad}
    return activity


async def test_members_added_without_the_bot_are_ignored(world):
    chat = world.chat
    activity = install_activity(chat)
    activity["membersAdded"] = [{"id": "29:someone-else"}]
    assert (await chat.post(activity))[0] == 200
    assert world.connector.activities == []


async def test_the_conversation_reference_is_stored_in_the_shape_reminders_read(world):
    chat = world.chat
    await chat.say("help")
    address = await world.app[SERVICES_KEY].conversations.address(chat.user_id, "msteams")
    reference = address.data
    assert reference["serviceUrl"] == world.connector.url
    assert reference["conversation"]["id"] == chat.conversation_id
    assert reference["user"]["aadObjectId"] == chat.aad and reference["bot"]["id"] == BOT_ID
    assert reference["channelId"] == "msteams" and "activityId" not in reference
    assert reference["conversation"]["tenantId"] == chat.tenant


async def test_channel_mention_is_stripped_and_replies_thread(world, api):
    channel = world.chat_as(conversation_id=CHANNEL_ID, conversation_type="channel")
    activity = channel.activity("<at>Avanochi</at> add Team retro notes", entities=[mention()])
    before = len(world.connector.activities)
    assert (await channel.post(activity))[0] == 200
    replies = world.connector.messages(before)
    assert "Added **Team retro notes**" in text_of(replies)
    assert all(a["_meta"]["reply_to"] == activity["id"] for a in replies)
    assert all(a["_meta"]["conversation"] == CHANNEL_ID for a in replies)
    tasks = await api.json("GET", f"/api/tasks?user_id={channel.user_id}", 200)
    assert [task["title"] for task in tasks] == ["Team retro notes"]


async def test_tenant_comes_from_conversation_when_channel_data_has_none(world, api):
    chat = world.chat_as(tenant="tenant-9", aad="aad-bob")
    activity = chat.activity("add From conversation tenant")
    activity["channelData"] = {}
    assert (await chat.post(activity))[0] == 200
    tasks = await api.json("GET", "/api/tasks?user_id=msteams:tenant-9:aad-bob", 200)
    assert len(tasks) == 1


async def test_user_without_aad_object_id_is_known_by_from_id(world, api):
    chat = world.chat
    activity = chat.activity("add Anonymous")
    activity["from"] = {"id": "29:raw-from-id", "name": "Guest"}
    assert (await chat.post(activity))[0] == 200
    tasks = await api.json("GET", "/api/tasks?user_id=msteams:tenant-1:29:raw-from-id", 200)
    assert len(tasks) == 1


async def test_a_new_user_is_known_by_the_name_and_time_zone_teams_sends(world):
    chat = world.chat_as(aad="aad-grace", name="Grace Hopper", timezone="America/New_York")
    replies = await chat.say("add Review the notes")
    assert "are you in America/New_York" in visible_text(replies[-1])
    user = await world.app[SERVICES_KEY].users.get_user(chat.user_id)
    assert user.name == "Grace Hopper"


async def test_numeric_dates_follow_the_language_teams_sends(world):
    # 3/12 is 3 December in Paris and 12 March in New York; Teams says which on every activity.
    paris = world.chat_as(aad="aad-marie", name="Marie Curie", timezone="Europe/Paris", locale="fr-FR")
    replies = await paris.say("add Pay rent due 3/12")
    assert "Added *Pay rent*, due Thu 03 Dec 17:30." in visible_text(replies[0])
    new_york = world.chat_as(aad="aad-grace", name="Grace Hopper", timezone="America/New_York", locale="en-US")
    replies = await new_york.say("add Pay rent due 3/12")
    assert "Added *Pay rent*, due Thu 12 Mar 17:30." in visible_text(replies[0])
    user = await world.app[SERVICES_KEY].users.get_user(paris.user_id)
    assert user.locale == "fr-FR"


async def test_typing_goes_out_while_a_slow_turn_runs_and_before_its_replies(world):
    chat = world.chat
    await chat.say("help")  # a fast turn: its reply is the only signal
    assert {activity["type"] for activity in world.connector.activities} == {"message"}

    async def slow_download(request: web.Request) -> web.Response:
        for _ in range(1000):  # the file arrives only once the user was told a reply is coming
            if any(activity["type"] == "typing" for activity in world.connector.activities):
                break
            await asyncio.sleep(0.01)
        return web.Response(body=(VOICE / "corrupt-truncated.m4a").read_bytes())

    files = web.Application()
    files.router.add_get("/note.m4a", slow_download)
    server = TestServer(files, host="127.0.0.1")
    await server.start_server()
    try:
        before = len(world.connector.activities)
        note = {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": "note.m4a",
            "content": {"downloadUrl": str(server.make_url("/note.m4a")), "fileType": "m4a"},
        }
        assert (await chat.post(chat.activity(None, attachments=[note])))[0] == 200
    finally:
        await server.close()
    kinds = [activity["type"] for activity in world.connector.activities[before:]]
    assert kinds[0] == "typing" and kinds[1:] and set(kinds[1:]) == {"message"}


async def export_and_accept(world, chat) -> tuple[list[dict], dict]:
    offered = await chat.say("export my data")
    consent = next(a for r in offered for a in r.get("attachments") or [] if a["contentType"] == CONSENT_TYPE)
    invoke = chat.activity(
        None,
        type="invoke",
        name="fileConsent/invoke",
        replyToId="sent-1",
        value={
            "type": "fileUpload",
            "action": "accept",
            "context": consent["content"]["acceptContext"],
            "uploadInfo": {
                "name": consent["name"],
                "uploadUrl": world.connector.url + "upload/" + consent["name"],
                "contentUrl": "https://contoso-my.sharepoint.com/personal/ada/Documents/" + consent["name"],
                "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
                "fileType": "json",
            },
        },
    )
    return offered, invoke


async def test_export_goes_through_the_file_consent_flow(world):
    chat = world.chat
    await chat.say("add Exported task")
    offered, invoke = await export_and_accept(world, chat)
    assert "Here is everything I keep about you (1 task, 0 work sessions and 0 focus sessions)" in text_of(offered)
    consent = next(a for r in offered for a in r.get("attachments") or [] if a["contentType"] == CONSENT_TYPE)
    assert consent["name"] == "avanochi-export.json" and consent["content"]["sizeInBytes"] > 0
    before = len(world.connector.activities)
    status, body = await chat.post(invoke)
    assert status == 200
    exported = json.loads(world.connector.uploads["avanochi-export.json"])
    assert [task["title"] for task in exported["tasks"]] == ["Exported task"]
    [ready] = world.connector.messages(before)
    [info] = ready["attachments"]
    assert info["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    assert info["content"] == {"uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D", "fileType": "json"}
    assert info["contentUrl"].endswith("avanochi-export.json")


async def test_declined_file_consent_sends_nothing(world):
    chat = world.chat
    _, invoke = await export_and_accept(world, chat)
    invoke["value"]["action"] = "decline"
    del invoke["value"]["uploadInfo"]  # Teams sends none with a decline
    before = len(world.connector.activities)
    assert (await chat.post(invoke))[0] == 200
    assert world.connector.uploads == {}
    assert "won't send the file" in text_of(world.connector.messages(before))


async def test_emulator_gets_the_export_as_a_data_uri(world):
    emulator = world.chat_as(conversation_id="emulator-conversation")
    activity = emulator.activity("export my data", channelId="emulator")
    del activity["conversation"]["conversationType"], activity["channelData"], activity["conversation"]["tenantId"]
    before = len(world.connector.activities)
    assert (await emulator.post(activity))[0] == 200
    files = [
        a
        for r in world.connector.messages(before)
        for a in r.get("attachments") or []
        if a["contentType"] == "application/json"
    ]
    assert files and files[0]["contentUrl"].startswith("data:application/json;base64,")


async def test_proactive_message_reaches_the_stored_conversation(world):
    chat = world.chat
    await chat.say("help")
    address = await world.app[SERVICES_KEY].conversations.address(chat.user_id, "msteams")
    endpoint = world.app[TEAMS_ENDPOINT]
    before = len(world.connector.activities)
    nudge = Reply("Time for a glass of water 💧", buttons=[Button("Logged it", {"command": "water"})])
    assert await endpoint.send_proactive(address.data, [nudge]) is True
    [sent] = world.connector.messages(before)
    assert sent["_meta"]["conversation"] == chat.conversation_id and sent["_meta"]["reply_to"] is None
    assert submit_actions(cards([sent])[0])[0]["data"] == {"command": "water"}
    world.connector.refuse[chat.conversation_id] = 403  # the user blocked the bot
    assert await endpoint.send_proactive(address.data, [nudge]) is False


async def test_replies_reuse_one_connection_to_the_connector(world):
    chat = world.chat
    for _ in range(5):
        assert await chat.say("help")
    assert len(world.connector.peers) == 1  # in production, one TLS handshake instead of one per reply


async def test_a_connector_that_refuses_the_reply_is_a_502(world):
    chat = world.chat
    world.connector.refuse[chat.conversation_id] = 403
    status, body = await chat.post(chat.activity("help"))
    assert status == 502 and body == {"error": "Could not reach the Bot Connector"}


async def test_non_activity_bodies_are_rejected(world):
    async with world.session.post(
        world.base + "/api/messages", data="not json", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400 and "error" in await response.json()
    async with world.session.post(world.base + "/api/messages", json={"text": "no type"}) as response:
        assert response.status == 400
    async with world.session.post(world.base + "/api/messages", data="x") as response:
        assert response.status == 415
    for partial in ({"type": "message"}, {"type": "message", "text": "hi", "from": None}):
        async with world.session.post(world.base + "/api/messages", json=partial) as response:
            assert response.status == 400


def test_translation_of_a_channel_message_with_a_file():
    """The neutral message a Teams activity becomes (the part voice notes will rely on)."""
    body = {
        "type": "message",
        "id": "1700000000123",
        "channelId": "msteams",
        "serviceUrl": "https://smba.example/",
        "text": "<at>Avanochi</at>&nbsp;add  Review <at>Bob</at>'s notes",
        "localTimezone": "America/New_York",
        "from": {"id": "29:1abc", "name": "Grace Hopper", "aadObjectId": "aad-grace"},
        "conversation": {"id": CHANNEL_ID, "conversationType": "channel", "tenantId": "t-conv", "isGroup": True},
        "recipient": {"id": BOT_ID, "name": "Avanochi"},
        "channelData": {"tenant": {"id": "t-data"}},
        "entities": [mention(), {"type": "mention", "text": "<at>Bob</at>", "mentioned": {"id": "29:bob"}}],
        "attachments": [
            {"contentType": "text/html", "content": "<p>copy of the text</p>"},
            {
                "contentType": "application/vnd.microsoft.teams.file.download.info",
                "name": "note.m4a",
                "contentUrl": "https://contoso.sharepoint.com/note.m4a",
                "content": {"downloadUrl": "https://download.example/note.m4a", "fileType": "m4a", "uniqueId": "u-1"},
            },
            {"contentType": "audio/ogg", "contentUrl": "https://smba.example/v3/attachments/1/views/original"},
        ],
    }
    message = incoming_message(Activity.model_validate(body))
    assert message.user_id == "msteams:t-data:aad-grace"  # channelData.tenant wins over conversation
    # The channel, whichever thread the message is in: a room stays one room.
    assert message.channel == "msteams" and message.conversation_id == "19:general@thread.tacv2"
    assert message.room is not None and message.room["conversation"]["id"] == "19:general@thread.tacv2"
    assert [(m.user_id, m.name, m.handle) for m in message.mentions] == [("msteams:t-data:29:bob", "Bob", "29:bob")]
    assert message.text == "add Review <at>Bob</at>'s notes"  # only the bot's own mention goes
    assert message.private is False and message.delivery_id == "1700000000123"
    assert message.action is None
    assert [(a.url, a.content_type, a.name) for a in message.attachments] == [
        ("https://download.example/note.m4a", "m4a", "note.m4a"),
        ("https://smba.example/v3/attachments/1/views/original", "audio/ogg", None),
    ]
    press = incoming_message(Activity.model_validate({**body, "text": None, "value": {"command": "done"}}))
    assert press.action == {"command": "done"} and press.text == ""
