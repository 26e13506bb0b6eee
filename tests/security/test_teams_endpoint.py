"""POST /api/messages is never open by accident, and no activity makes it answer 500.

Without MicrosoftAppId nothing proves who sent an activity: the endpoint then serves the Bot
Framework Emulator only when HOST is a loopback address or AVANOCHI_TEAMS_EMULATOR=1 says so, and
even then replies only to a serviceUrl on this machine; anywhere else it is a 404 that does nothing.
With an app id, valid tokens from other channels of the same bot resource (Web Chat, Direct Line)
cannot act as Teams users. All over real HTTP against the whole app, with the fake Bot Connector
counting what the bot sends.
"""

from __future__ import annotations

import copy
import logging
from datetime import timedelta

import pytest

from app import ENGINE_KEY, SERVICES_KEY, STORE_KEY
from bot.adapters.teams.access import is_loopback_host, is_loopback_url
from bot.adapters.teams.adapter import TEAMS_ENDPOINT
from bot.adapters.teams.auth import bot_framework_authentication
from persistence.port import Query
from tests.conftest import opened_store
from tests.fake_connector import BOT_ID, START, FakeIssuer, StaticTokenProvider, teams_world, visible_text
from tests.integration.conftest import make_settings

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
OUTBOUND_TOKEN = "outbound-token-for-the-connector"
FOREIGN_SERVICE_URLS = [
    "http://attacker.example/",
    "https://smba.trafficmanager.net/emea/",
    "http://127.0.0.1@attacker.example/",
    "http://127.0.0.1\\@attacker.example/",
    "http://10.0.0.8:3978/",
    "http://0.0.0.0:3978/",
    "file:///etc/passwd",
    "not a url",
]


def install_activity(chat) -> dict:
    """What Teams posts when a user adds the bot in personal scope."""
    return chat.activity(None, type="conversationUpdate", id="f:install-1", membersAdded=[{"id": BOT_ID}])


async def assert_nothing_done(world, user_id: str) -> None:
    """Nothing sent, nothing kept: no conversation address, no document in the user's partition."""
    assert world.connector.activities == []
    assert await world.app[SERVICES_KEY].conversations.address(user_id, "msteams") is None
    assert await world.app[STORE_KEY].query(Query(None, user_id)) == []


async def teams_users(world) -> list[str]:
    return [
        doc["id"] for doc in await world.app[STORE_KEY].query(Query("user", None)) if doc["id"].startswith("msteams:")
    ]


# --- without an app id, on a network address: off --------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "avanochi.example.com"])
async def test_a_server_open_to_the_network_without_an_app_id_does_not_serve_teams(store, host):
    async with teams_world(make_settings(HOST=host), store) as world:
        chat = world.chat
        for activity in (chat.activity("add Sneaky task"), install_activity(chat)):
            status, body = await chat.post(activity)
            assert status == 404, body
            assert body["error"].startswith("Teams is not configured")
        await assert_nothing_done(world, chat.user_id)


# --- Emulator mode: explicit setting, or loopback ----------------------------------------------------


async def test_the_emulator_setting_serves_any_host_with_a_loud_warning(store, caplog):
    with caplog.at_level(logging.WARNING, logger="avanochi.teams"):
        async with teams_world(make_settings(HOST="0.0.0.0", AVANOCHI_TEAMS_EMULATOR="1"), store) as world:
            assert "Added **Emulated task**" in visible_text((await world.chat.say("add Emulated task"))[0])
            stranger = world.chat_as(aad="aad-stranger")
            foreign = stranger.activity("add Sneaky task", serviceUrl="http://attacker.example/")
            status, body = await stranger.post(foreign)
            assert status == 403 and "error" in body
            assert await world.app[SERVICES_KEY].conversations.address(stranger.user_id, "msteams") is None
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.name == "avanochi.teams" and record.levelno >= logging.WARNING
    ]
    assert any("AVANOCHI_TEAMS_EMULATOR" in m and "UNAUTHENTICATED" in m for m in warnings), warnings


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.53"])
async def test_on_loopback_the_emulator_is_served_but_replies_only_to_this_machine(store, host):
    async with teams_world(make_settings(HOST=host), store) as world:
        assert await world.chat.say("help")  # served, replies at the loopback connector
        for url in FOREIGN_SERVICE_URLS:
            stranger = world.chat_as(aad="aad-stranger")
            for activity in (
                stranger.activity("add Sneaky task", serviceUrl=url),
                install_activity(stranger) | {"serviceUrl": url},
            ):
                before = len(world.connector.activities)
                status, body = await stranger.post(activity)
                assert status == 403 and "error" in body, (url, status, body)
                assert world.connector.activities[before:] == []
            assert await world.app[SERVICES_KEY].conversations.address(stranger.user_id, "msteams") is None
            assert await world.app[STORE_KEY].query(Query(None, stranger.user_id)) == []


async def test_emulator_reminders_never_go_to_a_foreign_stored_service_url(store):
    async with teams_world(make_settings(), store) as world:
        chat = world.chat
        await chat.say("start")
        await chat.say("skip")  # clocked in: a break nudge is due after 50 minutes
        conversations = world.app[SERVICES_KEY].conversations
        address = await conversations.address(chat.user_id, "msteams")
        assert address is not None
        stored = address.data
        # An address kept by an older version, or another mode, that points away from this machine.
        await conversations.remember_address(
            chat.user_id, "msteams", {**stored, "serviceUrl": "http://attacker.example/"}
        )
        before = len(world.connector.activities)
        summary = await world.app[ENGINE_KEY].run(START + timedelta(minutes=50))
        assert (summary.sent, summary.retried, summary.dropped) == (0, 0, 1)
        assert world.connector.activities[before:] == []


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.0.2.10", False),
        ("localhost.attacker.example", False),
        ("127.0.0.1.nip.io", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_which_hosts_count_as_this_machine_only(host, loopback):
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    "url, loopback",
    [
        ("http://127.0.0.1:3978/", True),
        ("https://localhost/api/", True),
        ("http://[::1]:9000", True),
        *[(url, False) for url in FOREIGN_SERVICE_URLS],
        ("http://localhost:notaport/", False),
        ("http://127.0.0.1 /", False),
        ("", False),
        (None, False),
    ],
)
def test_which_service_urls_count_as_this_machine_only(url, loopback):
    assert is_loopback_url(url) is loopback


# --- authenticated mode: Teams only -----------------------------------------------------------------


@pytest.fixture
def issuer():
    # Microsoft's signing keys vouch for several channels, not Teams alone.
    issuer = FakeIssuer(endorsements=("msteams", "webchat", "directline", "slack"))
    issuer.start()
    yield issuer
    issuer.close()


@pytest.fixture
async def issued(store, issuer):
    """The app with an app id, checking tokens against the local issuer's keys."""
    settings = make_settings(HOST="0.0.0.0", MicrosoftAppId=APP_ID, MicrosoftAppPassword="app-password")
    async with teams_world(settings, store) as world:
        world.app[TEAMS_ENDPOINT].use_authentication(
            bot_framework_authentication(
                settings,
                channel_openid_metadata_url=issuer.metadata_url,
                token_provider=StaticTokenProvider(OUTBOUND_TOKEN),
            )
        )
        world.chat.authorization = "Bearer " + issuer.token(APP_ID, world.connector.url)
        yield world


@pytest.mark.parametrize("channel", ["webchat", "directline", "slack", None])
async def test_a_valid_token_from_another_channel_cannot_act_as_a_teams_user(issued, channel):
    chat = issued.chat
    for activity in (
        chat.activity("add Impersonated task", channelId=channel),
        install_activity(chat) | {"channelId": channel},
    ):
        status, body = await chat.post(activity)
        assert status == 403 and "msteams" in body["error"], (status, body)
    await assert_nothing_done(issued, chat.user_id)
    assert await teams_users(issued) == []
    assert await chat.say("add Real task")  # the same token from Teams is served


async def test_a_reminder_never_goes_to_an_address_teams_did_not_give(issued):
    chat = issued.chat
    await chat.say("start")
    await chat.say("skip")  # clocked in: a break nudge is due after 50 minutes
    conversations = issued.app[SERVICES_KEY].conversations
    stored = (await conversations.address(chat.user_id, "msteams")).data
    await conversations.remember_address(chat.user_id, "msteams", {**stored, "channelId": "webchat"})
    before = len(issued.connector.activities)
    summary = await issued.app[ENGINE_KEY].run(START + timedelta(minutes=50))
    assert (summary.sent, summary.retried, summary.dropped) == (0, 0, 1)
    assert issued.connector.activities[before:] == []


# --- bad activities: 4xx or a reply, never a 500 --------------------------------------------------------


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store) as world:
        yield world


async def test_expect_replies_get_the_replies_in_the_http_answer(world):
    chat = world.chat
    status, body = await chat.post(chat.activity("add Buffered task", deliveryMode="expectReplies"))
    assert status == 200, body
    texts = [visible_text(activity) for activity in body["activities"] if activity["type"] == "message"]
    assert any("Added **Buffered task**" in text for text in texts), texts
    assert world.connector.activities == []  # the replies went in the answer, not to the connector
    tasks = await world.app[SERVICES_KEY].tasks.list_tasks(chat.user_id)
    assert [task.title for task in tasks] == ["Buffered task"]


@pytest.mark.parametrize("conversation", [None, {}, {"id": ""}, {"conversationType": "personal"}])
@pytest.mark.parametrize("kind", ["message", "conversationUpdate", "invoke"])
async def test_an_activity_without_a_conversation_id_is_a_400(world, kind, conversation):
    chat = world.chat
    activity = {
        "message": chat.activity("add Nowhere task"),
        "conversationUpdate": install_activity(chat),
        "invoke": chat.activity(
            None,
            type="invoke",
            name="fileConsent/invoke",
            value={"type": "fileUpload", "action": "decline", "context": {}},
        ),
    }[kind]
    if conversation is None:
        del activity["conversation"]
    else:
        activity["conversation"] = conversation
    status, body = await chat.post(activity)
    assert status == 400 and "conversation" in body["error"], (status, body)
    await assert_nothing_done(world, chat.user_id)


@pytest.mark.parametrize(
    "conversation_id",
    ["a:x/../../v3/conversations/a:other", "a:x?isTargetedActivity=true", "a:x#fragment", "a:x\\..\\y", "a:x y"],
)
async def test_a_conversation_id_that_would_change_the_connector_url_is_a_400(world, conversation_id):
    chat = world.chat_as(conversation_id=conversation_id)
    status, body = await chat.post(chat.activity("add Misrouted task"))
    assert status == 400 and "conversation" in body["error"], (status, body)
    await assert_nothing_done(world, chat.user_id)


@pytest.mark.parametrize("place", ["text", "from.name", "from.aadObjectId", "conversation.id", "id", "value.command"])
async def test_lone_surrogates_are_a_400_with_nothing_done(world, place):
    chat = world.chat
    activity = chat.activity("add Broken \ud800 task", value={"command": "help"})
    if place != "text":
        *path, name = place.split(".")
        target = activity
        for part in path:
            target = target[part]
        target[name] = "x\ud800"
        activity["text"] = "add Whole task"
    status, body = await chat.post(activity)  # aiohttp sends it as the JSON escape \ud800
    assert status == 400 and "Unicode" in body["error"], (status, body)
    await assert_nothing_done(world, chat.user_id)


ACTIVITY_TYPES = [
    "message",
    "conversationUpdate",
    "invoke",
    "messageReaction",
    "event",
    "installationUpdate",
    "typing",
    "endOfConversation",
    "deleteUserData",
    "messageUpdate",
    "messageDelete",
    "trace",
    "handoff",
    "command",
    "suggestion",
    "contactRelationUpdate",
    "not-a-type",
]


def odd_shapes(chat, kind: str) -> dict[str, dict]:
    """One activity of ``kind`` in the shapes a careless or hostile client might send."""
    base = chat.activity("help", type=kind, membersAdded=[{"id": BOT_ID}])
    shapes = {
        "plain": base,
        "expectReplies": base | {"deliveryMode": "expectReplies"},
        "channelData as text": base | {"channelData": "x"},
        "channelData of odd shape": base | {"channelData": {"tenant": "x", "eventType": 5, "team": []}},
        "value as text": base | {"value": "x"},
        "entities of odd shape": base | {"entities": ["x", 1]},
        "attachments of odd shape": base | {"attachments": ["x"]},
        "no recipient": {k: v for k, v in base.items() if k != "recipient"},
        "no from": {k: v for k, v in base.items() if k != "from"},
        "no serviceUrl": {k: v for k, v in base.items() if k != "serviceUrl"},
        "unknown time zone": base | {"localTimezone": "Nowhere/Zone"},
    }
    for name, value in {
        "file consent as text": "x",
        "file consent of odd shape": {"action": "accept", "context": "x", "uploadInfo": "y"},
        "no file consent": None,
        "unknown consent action": {"action": "steal", "context": {}},
    }.items():
        shapes[name] = base | {"name": "fileConsent/invoke", "value": value}
    for name in ("composeExtension/query", "adaptiveCard/action", "task/fetch", "signin/verifyState"):
        shapes[name] = base | {"name": name, "value": {"x": 1}}
    return copy.deepcopy(shapes)


async def test_no_activity_type_or_shape_gets_a_500(tmp_path):
    async with opened_store("sqlite", tmp_path) as store, teams_world(make_settings(), store) as world:
        chat = world.chat
        for kind in ACTIVITY_TYPES:
            for shape, activity in odd_shapes(chat, kind).items():
                status, body = await chat.post(activity)
                assert status < 500, (kind, shape, status, body)
                assert status < 400 or isinstance(body, dict) and body.get("error"), (kind, shape, status, body)
