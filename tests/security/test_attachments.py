"""Attachments are fetched only from the platform's own file hosts, the platform token goes
nowhere else, no redirect is followed, and files and uploads are read to their end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.adapters.slack.adapter import slack_files
from bot.adapters.teams.activities import teams_files
from bot.adapters.teams.adapter import TEAMS_ENDPOINT
from bot.adapters.teams.auth import bot_framework_authentication
from tests.fake_connector import FakeIssuer, StaticTokenProvider, teams_world, visible_text
from tests.integration.conftest import make_settings

VOICE = Path(__file__).resolve().parents[1] / "fixtures" / "voice"
U1 = "slack:T0TEAM:U1"
CANT_OPEN = "I can't open that file"


@asynccontextmanager
async def attacker() -> AsyncIterator[tuple[str, list[dict]]]:
    """A server that records every request it gets (and the headers it was sent)."""
    seen: list[dict] = []

    async def record(request: web.Request) -> web.Response:
        seen.append({"path": request.path, "authorization": request.headers.get("Authorization")})
        return web.Response(body=(VOICE / "audio_message_0001.m4a").read_bytes())

    app = web.Application()
    app.router.add_get("/{tail:.*}", record)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), seen
    finally:
        await server.close()


def file_event(slack, url: str, **extra) -> dict:
    event = slack.workspace.dm_event("", subtype="file_share")
    event["files"] = [
        {
            "id": "F0VOICE",
            "name": "audio_message_0001.m4a",
            "mimetype": "audio/mp4",
            "filetype": "m4a",
            "size": 8689,
            "url_private": url,
            "url_private_download": url,
            **extra,
        }
    ]
    return event


async def reply_to(slack, event) -> str:
    since = len(slack.api.calls)
    assert (await slack.workspace.event(event)).status == 200
    [reply] = await slack.api.wait_for("chat.postMessage", since=since, timeout=30)
    return reply.text


async def test_the_slack_bot_token_is_never_sent_to_a_foreign_file_url(slack):
    async with attacker() as (base, seen):
        text = await reply_to(slack, file_event(slack, f"{base}/steal.m4a"))
    assert CANT_OPEN in text
    assert seen == []  # nothing fetched at all, so no token either
    assert await slack.rest.json("GET", f"/api/tasks?user_id={U1}", 200) == []


async def test_a_remote_slack_file_is_not_fetched_even_on_a_slack_looking_url(slack):
    url = slack.api.share_file("audio_message_0001.m4a", (VOICE / "audio_message_0001.m4a").read_bytes())
    text = await reply_to(slack, file_event(slack, url, is_external=True, external_type="gdrive"))
    assert CANT_OPEN in text
    assert slack.api.calls_to("download") == []


async def test_a_redirect_from_the_file_host_is_not_followed_with_the_token(slack):
    async with attacker() as (base, seen):
        url = slack.api.share_file("moved.m4a", b"")
        slack.api.redirects["moved.m4a"] = f"{base}/stolen"
        text = await reply_to(slack, file_event(slack, url))
    assert "couldn't download" in text.lower()
    assert seen == []
    [download] = slack.api.calls_to("download")
    assert download.body["auth"].startswith("Bearer xoxb-")  # the token went to Slack's host only


async def test_a_slack_file_that_arrives_in_pieces_is_read_whole(slack):
    # The fake file host sends 2 KB pieces with pauses, as a real network does; a reader that
    # took only what had arrived heard nothing (or a fragment) of the note.
    data = (VOICE / "audio_message_0001.m4a").read_bytes()
    url = slack.api.share_file("audio_message_0001.m4a", data)
    since = len(slack.api.calls)
    await slack.workspace.event(file_event(slack, url))
    [heard, *_] = await slack.api.wait_for("chat.postMessage", since=since, timeout=60)
    assert heard.text == 'Heard: "add task call the bank"'


async def test_a_chunked_voice_upload_is_transcribed_whole(slack):
    data = (VOICE / "voice-message.ogg").read_bytes()  # "add task call the bank"
    token = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": U1}))["token"]

    async def pieces():
        for start in range(0, len(data), 1024):
            yield data[start : start + 1024]
            await asyncio.sleep(0.005)

    body = await slack.rest.json(
        "POST",
        "/api/voice?filename=voice-message.ogg",
        200,
        token=token,
        data=pieces(),
        headers={"Content-Type": "audio/ogg"},
    )
    assert body["transcript"] == "add task call the bank"


async def test_a_chunked_upload_past_the_limit_is_refused(slack):
    token = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": U1}))["token"]

    async def endless():
        for _ in range(11 * 16):  # 11 MB in 64 KB pieces, no Content-Length
            yield b"\0" * 65536

    response = await slack.rest.call(
        "POST", "/api/voice", token=token, data=endless(), headers={"Content-Type": "audio/ogg"}
    )
    assert response.status == 413 and "error" in await response.json()


def test_slack_files_go_only_to_slack_and_the_configured_api_host():
    files = slack_files("xoxb-1", "http://127.0.0.1:4010/api/")
    assert files.allows("https://files.slack.com/files-pri/T1-F1/download/clip.m4a")
    assert files.allows("http://127.0.0.1:4010/files-pri/clip.m4a")
    for url in (
        "http://files.slack.com/x",
        "https://files.slack.com.evil.example/x",
        "https://evil.example/x",
        "http://127.0.0.1:4011/x",
        "https://user:pw@files.slack.com/x",
        "file:///etc/passwd",
        "data:audio/ogg;base64,AAAA",
        "",
        "https://files.slack.com:8443/x",
        "https://[::1/x",
    ):
        assert not files.allows(url), url


def test_teams_files_come_only_from_sharepoint_hosts_outside_the_emulator():
    production, emulator = teams_files(emulator=False), teams_files(emulator=True)
    sharepoint = "https://contoso-my.sharepoint.com/personal/ada/_layouts/15/download.aspx?tempauth=x"
    assert production.allows(sharepoint) and emulator.allows(sharepoint)
    for url in (
        "http://contoso-my.sharepoint.com/x",
        "https://sharepoint.com.evil.example/x",
        "https://evilsharepoint.com/x",
        "https://smba.trafficmanager.net/emea/v3/attachments/1",
        "http://127.0.0.1:9/x",
    ):
        assert not production.allows(url), url
    assert emulator.allows("http://127.0.0.1:9/x") and not emulator.allows("https://evil.example/x")


async def test_a_teams_file_on_a_foreign_host_is_not_fetched(store):
    issuer = FakeIssuer()
    issuer.start()
    app_id = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    settings = make_settings(MicrosoftAppId=app_id, MicrosoftAppPassword="app-password")
    try:
        async with attacker() as (base, seen), teams_world(settings, store) as world:
            world.app[TEAMS_ENDPOINT].use_authentication(
                bot_framework_authentication(
                    settings,
                    channel_openid_metadata_url=issuer.metadata_url,
                    token_provider=StaticTokenProvider("outbound"),
                )
            )
            world.chat.authorization = "Bearer " + issuer.token(app_id, world.connector.url)
            attachment = {
                "contentType": "application/vnd.microsoft.teams.file.download.info",
                "name": "voice.m4a",
                "content": {"downloadUrl": f"{base}/voice.m4a", "uniqueId": "1", "fileType": "m4a"},
            }
            replies = await world.chat.say(None, attachments=[attachment])
            assert any(CANT_OPEN in visible_text(reply) for reply in replies)
            assert seen == []
    finally:
        issuer.close()
