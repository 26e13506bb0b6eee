"""Voice learning in chat (bot/voice/learning.py): voice notes sent as files in a Slack DM and a
Teams chat, heard by the real offline engine. Notes whose command ran teach it the user's voice,
the next note is heard with it, a note asked about teaches only after Yes, and erasing the user
erases what was learned."""

from __future__ import annotations

import pytest

from bot.voice.adaptation import VoiceStats
from bot.voice.decode import decode_audio
from bot.voice.offline import PocketsphinxEngine
from persistence.port import DocumentMissing
from persistence.voice_profiles import DOC_ID
from tests.conformance.drivers import Driver
from tests.integration.voice_chat import settled, sqlite_only, voice_channel  # noqa: F401 (fixtures)
from tools.voice_clips import FIXTURES

# Earlier notes of the espeak-ng en-us voice (tests/fixtures/voice/manifest.json "learning") that
# run without a question: "water two cups", "take a break", "clock out" (heard at 0.97-0.98).
CLEAN = ("learn-03.ogg", "learn-06.ogg", "learn-07.ogg")
ASKED = "learn-11.ogg"  # "start work", heard "start where day" (0.08): asked about


@pytest.fixture
def voices(monkeypatch) -> list[str | None]:
    """The learned voice the offline engine was handed with each note, in order."""
    handed: list[str | None] = []
    transcribe = PocketsphinxEngine.transcribe

    async def spy(self, pcm, sample_rate=16000, hints=(), voice=None):
        handed.append(voice)
        return await transcribe(self, pcm, sample_rate, hints, voice)

    monkeypatch.setattr(PocketsphinxEngine, "transcribe", spy)
    return handed


async def send(channel: Driver, name: str) -> list:
    return await channel.send_file((FIXTURES / name).read_bytes(), name, "audio/ogg")


async def learned_notes(channel: Driver) -> float | None:
    await channel.container.voice_learning.drain()
    try:
        doc = await channel.store.read(channel.user_id, DOC_ID)
    except DocumentMissing:
        return None
    return float(doc["notes"])


async def test_notes_that_ran_teach_the_engine_and_the_next_note_is_heard_with_that_voice(channel, voices):
    await settled(channel, "hello")

    for name in CLEAN:
        replies = await send(channel, name)
        assert replies[0].text.startswith("Heard:")
        assert not any(reply.buttons == ["Yes", "No"] for reply in replies)
    assert await learned_notes(channel) == pytest.approx(1 + 0.98 + 0.98**2, abs=0.01)
    assert voices == [None, None, None]  # nothing learned yet when they were heard

    [heard, *_] = await send(channel, "learn-03.ogg")

    assert heard.text == 'Heard: "water two cups"'
    assert voices[-1] is not None and VoiceStats.from_text(voices[-1]).ready  # the user's learned voice


async def test_a_note_asked_about_teaches_only_once_the_user_says_yes(channel):
    await settled(channel, "hello")

    [question] = await send(channel, ASKED)
    assert question.buttons
    await channel.press(question, question.buttons[-1])  # No
    assert await learned_notes(channel) is None

    [question] = await send(channel, ASKED)
    await channel.press(question, question.buttons[0])  # Yes
    assert await learned_notes(channel) == pytest.approx(1.0)


async def test_erasing_the_user_erases_their_voice_and_nothing_learned_later_brings_it_back(channel):
    await settled(channel, "hello")
    for name in CLEAN:
        await send(channel, name)
    assert await learned_notes(channel)

    [question] = await channel.say("delete my data")
    await channel.press(question, question.buttons[0])

    assert await learned_notes(channel) is None
    # A note learned after the erase (it was in the worker meanwhile) finds no user: not written.
    learning = channel.container.voice_learning
    pcm = decode_audio((FIXTURES / "learn-03.ogg").read_bytes()).pcm
    learning.ran(channel.user_id, pcm, 16000, "water two cups")
    assert await learned_notes(channel) is None


async def test_voice_learning_off_forgets_the_voice_and_learns_no_more_until_on(channel):
    await settled(channel, "hello")
    await send(channel, CLEAN[0])
    assert await learned_notes(channel) == pytest.approx(1.0)
    [status] = await channel.say("voice learning")
    assert "Voice learning is on: I've learned from one of your voice notes" in status.text

    [off] = await channel.say("voice learning off")

    assert "forgot what I had learned of your voice" in off.text
    assert await learned_notes(channel) == 0
    assert await channel.container.voice_learning.voice_of(channel.user_id) is None
    await send(channel, CLEAN[1])
    assert await learned_notes(channel) == 0  # not learned
    [status] = await channel.say("voice learning")
    assert "Voice learning is off" in status.text

    [on] = await channel.say("voice learning on")

    assert "Voice learning on" in on.text
    await send(channel, CLEAN[1])
    assert await learned_notes(channel) == pytest.approx(1.0)


async def test_notes_over_rest_are_heard_with_the_voice_and_teach_it_as_chat_notes_do(slack, voices):
    from app import CONTAINER_KEY

    user = "slack:T0TEAM:U1"
    await slack.workspace.say("hello")  # the user exists: a note learned for nobody is not written
    token = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": user}))["token"]
    for name in (*CLEAN, CLEAN[0]):
        body = await slack.rest.json(
            "POST",
            "/api/voice",
            200,
            token=token,
            data=(FIXTURES / name).read_bytes(),
            headers={"Content-Type": "audio/ogg"},
        )
        assert body["clean"] is True
        await slack.app[CONTAINER_KEY].voice_learning.drain()

    assert voices[:3] == [None, None, None]
    assert voices[3] is not None and VoiceStats.from_text(voices[3]).ready
