"""Slack's transport over real HTTP, on both stores: signatures, the timestamp window,
url_verification, the 3-second ack, redeliveries, ignored events and Web API failures."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

from aiohttp.test_utils import TestServer

from app import STORE_KEY, build_app
from domain.clock import FakeClock
from tests.fake_slack import BOT_TOKEN, BOT_USER, NOW, SIGNING_SECRET
from tests.integration.conftest import make_settings

U1 = "slack:T0TEAM:U1"


async def tasks_of(slack, user=U1):
    return await slack.rest.json("GET", f"/api/tasks?user_id={user}", 200)


async def barrier(slack, user="U1"):
    """One more message of the same user and its reply: turns of a user run in order, so
    whatever an earlier request started has finished by then."""
    return await slack.workspace.say("tasks", user)


async def test_url_verification_answers_the_challenge(slack):
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    response = await slack.workspace.post_json({"token": "legacy", "challenge": challenge, "type": "url_verification"})
    assert response.status == 200
    assert (await response.json())["challenge"] == challenge


async def test_forged_signature_is_401_and_nothing_happens(slack):
    workspace = slack.workspace
    assert (await workspace.dm("add Forged task", secret="not-the-secret")).status == 401
    assert (await workspace.command("add Forged task", secret="not-the-secret")).status == 401
    body = json.dumps(workspace.event_body(workspace.dm_event("add Forged task"))).encode()
    stamp = str(int(time.time()))
    unsigned = await workspace.session.post(
        workspace.url, data=body, headers={"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp}
    )
    assert unsigned.status == 401
    await barrier(slack)
    assert await tasks_of(slack) == []
    assert not any("Forged" in call.text for call in slack.api.calls)


async def test_timestamps_outside_five_minutes_are_401(slack):
    workspace = slack.workspace
    stale = int(time.time()) - 6 * 60
    assert (await workspace.dm("add Replayed task", timestamp=stale)).status == 401
    assert (await workspace.command("add Replayed task", timestamp=stale)).status == 401
    assert (await workspace.dm("add Future task", timestamp=int(time.time()) + 6 * 60)).status == 401
    await barrier(slack)
    assert await tasks_of(slack) == []


async def test_slash_command_is_acknowledged_before_the_slow_work(slack):
    slack.api.slow("users.info", 2.0)  # a slow Web API on the user's first contact
    started = time.monotonic()
    response = await slack.workspace.command("add Prepare the demo")
    acked = time.monotonic() - started
    assert response.status == 200
    assert acked < 1.5, f"the ack took {acked:.2f}s"
    replies = await slack.api.wait_for("response_url", count=2)
    assert time.monotonic() - started >= 2.0  # the reply came after the ack, from the background
    assert "Added *Prepare the demo*" in replies[0].text
    assert replies[0].body["response_type"] == "ephemeral"
    assert [task["title"] for task in await tasks_of(slack)] == ["Prepare the demo"]


async def test_a_redelivery_to_another_instance_is_dropped_too(slack):
    # Two instances behind a load balancer share only the store.
    settings = make_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.api.base_url
    )
    other = TestServer(build_app(settings, store=slack.app[STORE_KEY], clock=FakeClock(NOW)), host="127.0.0.1")
    await other.start_server()
    try:
        workspace = slack.workspace
        elsewhere = replace(workspace, url=str(other.make_url("/slack/events")))
        body = workspace.event_body(workspace.dm_event("add Pay the rent"), event_id="Ev0TWICE")
        first, retry = await asyncio.gather(
            workspace.post_json(body),
            elsewhere.post_json(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}),
        )
        assert first.status == retry.status == 200
        await barrier(slack)
        since = len(slack.api.calls)
        await elsewhere.dm("status")
        await slack.api.wait_for("chat.postMessage", since=since)
    finally:
        await other.close()
    assert [task["title"] for task in await tasks_of(slack)] == ["Pay the rent"]
    assert sum("Added *Pay the rent*" in call.text for call in slack.api.calls) == 1, [
        (c.method, c.text[:80]) for c in slack.api.calls
    ]


async def test_edits_bot_messages_and_own_messages_are_ignored(slack):
    workspace = slack.workspace
    edited = workspace.dm_event(
        "", subtype="message_changed", message={"type": "message", "user": "U1", "text": "add Edited task"}
    )
    edited.pop("user")
    for event in (
        edited,
        workspace.dm_event("add Bot task", subtype="bot_message", bot_id="B0OTHER"),
        workspace.dm_event("add Own task", user=BOT_USER, bot_id="B0BOT"),
        workspace.dm_event("add Deleted task", subtype="message_deleted"),
    ):
        assert (await workspace.event(event)).status == 200
    await barrier(slack)
    assert await tasks_of(slack) == []
    assert await tasks_of(slack, f"slack:T0TEAM:{BOT_USER}") == []


async def test_file_share_messages_are_kept(slack):
    workspace = slack.workspace
    event = workspace.dm_event(
        "add Listen to the voice note",
        subtype="file_share",
        files=[
            {
                "id": "F0VOICE",
                "name": "audio_message.m4a",
                "mimetype": "audio/mp4",
                "size": 1200,
                "url_private": "https://files.slack.com/files-pri/T0TEAM-F0VOICE/audio_message.m4a",
                "url_private_download": "https://files.slack.com/files-pri/T0TEAM-F0VOICE/download/audio_message.m4a",
            }
        ],
    )
    await workspace.event(event)
    await slack.api.wait_for("chat.postMessage", where=lambda call: "Added" in call.text)
    assert [task["title"] for task in await tasks_of(slack)] == ["Listen to the voice note"]


async def test_events_the_bot_does_not_use_are_acknowledged(slack):
    response = await slack.workspace.event({"type": "team_join", "user": {"id": "U9"}})
    assert response.status == 200  # not 404: Slack would retry it and finally disable events


async def test_rate_limited_reply_is_sent_after_retry_after(slack):
    slack.api.fail("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    started = time.monotonic()
    await slack.workspace.dm("help")
    posted = await slack.api.wait_for("chat.postMessage", count=2)
    assert time.monotonic() - started >= 1.0
    assert posted[0].text == posted[1].text and "Here is what I understand" in posted[1].text


async def test_refused_blocks_fall_back_to_plain_text(slack):
    slack.api.fail("chat.postMessage", error="invalid_blocks")
    await slack.workspace.dm("help")
    posted = await slack.api.wait_for("chat.postMessage", count=2)
    assert "blocks" in posted[0].body and "blocks" not in posted[1].body
    assert "Here is what I understand" in posted[1].text


async def test_failing_web_api_never_makes_a_500(slack):
    slack.api.fail("auth.test", status=500, error="fatal_error")
    assert (await slack.workspace.dm("add Lost in the outage")).status < 500
    slack.api.fail("chat.postMessage", status=500, error="internal_error")
    slack.api.fail("response_url", status=500)
    assert (await slack.workspace.dm("add Still works")).status == 200
    assert (await slack.workspace.command("tasks")).status == 200
    # Once Slack is back, the conversation carries on.
    since = len(slack.api.calls)
    await slack.workspace.dm("tasks")
    listed = await slack.api.wait_for("chat.postMessage", since=since, where=lambda call: "Open tasks" in call.text)
    assert "Still works" in listed[0].text


async def test_a_user_slack_cannot_describe_is_asked_for_the_time_zone(slack):
    replies = await slack.workspace.say("add Unknown user task", user="U404", count=2)
    assert "Added" in replies[0].text
    assert "which time zone are you in" in replies[1].text
