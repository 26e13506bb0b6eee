"""Voice notes over REST: POST /api/voice, transcribed by the real offline engine (pocketsphinx
with the bot's language model) and run as a command, on both stores. Voice notes in chat are in
the channel conformance suite (tests/conformance)."""

from __future__ import annotations

from pathlib import Path

VOICE = Path(__file__).resolve().parent.parent / "fixtures" / "voice"
U1 = "slack:T0TEAM:U1"


async def test_the_rest_endpoint_transcribes_and_runs_the_command(slack):
    data = (VOICE / "voice-message.ogg").read_bytes()  # "add task call the bank"
    token = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": U1}))["token"]
    body = await slack.rest.json(
        "POST",
        "/api/voice?filename=voice-message.ogg",
        200,
        token=token,
        data=data,
        headers={"Content-Type": "audio/ogg"},
    )
    assert body["transcript"] == "add task call the bank" and body["clean"] is True
    assert body["command"] == "add" and body["engine"]
    assert any("Added *call the bank*" in reply for reply in body["replies"])
    not_audio = await slack.rest.call(
        "POST", "/api/voice", token=token, data=b"hello, not audio", headers={"Content-Type": "text/plain"}
    )
    assert not_audio.status == 400 and "error" in await not_audio.json()
    too_big = await slack.rest.call(
        "POST", "/api/voice", token=token, data=b"\0" * (10 * 1024 * 1024 + 10), headers={"Content-Type": "audio/ogg"}
    )
    assert too_big.status == 413
    assert (await slack.rest.call("POST", "/api/voice", token=None, data=data)).status == 401
