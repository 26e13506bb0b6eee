"""Voice notes end to end: a Slack audio clip and POST /api/voice, transcribed by the real offline
engine (pocketsphinx with the bot's language model) and run as commands, on both stores."""
from __future__ import annotations

from pathlib import Path

from app import SERVICES_KEY

VOICE = Path(__file__).resolve().parent.parent / "fixtures" / "voice"
U1 = "slack:T0TEAM:U1"


def clip_event(slack, url: str, size: int, name: str = "audio_message_0001.m4a") -> dict:
    event = slack.workspace.dm_event("", subtype="file_share")
    event["files"] = [{"id": "F0VOICE", "name": name, "mimetype": "audio/mp4", "filetype": "m4a",
                       "subtype": "slack_audio", "size": size, "url_private": url, "url_private_download": url}]
    return event


async def test_a_slack_voice_clip_runs_the_spoken_command_with_a_visible_transcript(slack):
    data = (VOICE / "audio_message_0001.m4a").read_bytes()  # "add task call the bank"
    url = slack.api.share_file("audio_message_0001.m4a", data)
    since = len(slack.api.calls)
    response = await slack.workspace.event(clip_event(slack, url, len(data)))
    assert response.status == 200  # acknowledged before any transcription
    [heard, added, *_] = await slack.api.wait_for("chat.postMessage", count=2, since=since, timeout=60)
    assert heard.text == 'Heard: "add task call the bank"'
    assert "Added *call the bank*" in added.text
    [download] = slack.api.calls_to("download")
    assert download.body["auth"].startswith("Bearer xoxb-")
    tasks = await slack.rest.json("GET", f"/api/tasks?user_id={U1}", 200)
    assert [t["title"] for t in tasks] == ["call the bank"]


async def test_a_file_that_is_not_audio_gets_a_friendly_reply(slack):
    data = (VOICE / "corrupt-truncated.m4a").read_bytes()
    url = slack.api.share_file("audio_message_0002.m4a", data)
    since = len(slack.api.calls)
    await slack.workspace.event(clip_event(slack, url, len(data), "audio_message_0002.m4a"))
    [reply] = await slack.api.wait_for("chat.postMessage", since=since, timeout=30)
    assert "voice note" in reply.text.lower() or "audio" in reply.text.lower()
    assert await slack.rest.json("GET", f"/api/tasks?user_id={U1}", 200) == []


async def test_the_rest_endpoint_transcribes_and_runs_the_command(slack):
    data = (VOICE / "voice-message.ogg").read_bytes()  # "add task call the bank"
    token = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": U1}))["token"]
    body = await slack.rest.json("POST", "/api/voice?filename=voice-message.ogg", 200, token=token,
                                 data=data, headers={"Content-Type": "audio/ogg"})
    assert body["transcript"] == "add task call the bank" and body["clean"] is True
    assert body["command"] == "add" and body["engine"]
    assert any("Added *call the bank*" in reply for reply in body["replies"])
    not_audio = await slack.rest.call("POST", "/api/voice", token=token, data=b"hello, not audio",
                                      headers={"Content-Type": "text/plain"})
    assert not_audio.status == 400 and "error" in await not_audio.json()
    too_big = await slack.rest.call("POST", "/api/voice", token=token, data=b"\0" * (10 * 1024 * 1024 + 10),
                                    headers={"Content-Type": "audio/ogg"})
    assert too_big.status == 413
    assert (await slack.rest.call("POST", "/api/voice", token=None, data=data)).status == 401


async def test_a_voice_file_in_teams_personal_chat_runs_its_command(store):
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from tests.fake_connector import teams_world, visible_text
    from tests.integration.conftest import make_settings

    files = web.Application()
    data = (VOICE / "voice-message.webm").read_bytes()  # "add task call the bank"
    files.router.add_get("/download/voice.webm", lambda request: web.Response(body=data))
    server = TestServer(files, host="127.0.0.1")
    await server.start_server()
    try:
        async with teams_world(make_settings(), store) as world:
            attachment = {"contentType": "application/vnd.microsoft.teams.file.download.info",
                          "name": "voice.webm",
                          "content": {"downloadUrl": str(server.make_url("/download/voice.webm")),
                                      "uniqueId": "1", "fileType": "webm"}}
            replies = await world.chat.say(None, attachments=[attachment])
            texts = [visible_text(reply) for reply in replies]
            assert texts[0] == 'Heard: "add task call the bank"'
            assert any("Added *call the bank*" in text or "Added **call the bank**" in text for text in texts)
            tasks = await world.app[SERVICES_KEY].tasks.list_tasks(world.chat.user_id)
            assert [task.title for task in tasks] == ["call the bank"]
    finally:
        await server.close()
