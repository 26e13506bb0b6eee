"""Voice notes that would end, delete or overwrite something, or add a task with a title nobody
said: sent as files in a Slack DM (the fake Web API) and a Teams chat (the fake Bot Connector),
heard by the real offline engine from the committed clips, and asked about before anything
happens unless the engine is very sure."""

from __future__ import annotations

from bot.voice.decode import decode_audio
from bot.voice.engines import Transcript, Word
from tests.conformance.drivers import Driver, SlackDriver
from tests.fake_slack import slack_world
from tests.integration.voice_chat import settled, sqlite_only, voice_channel  # noqa: F401 (fixtures)
from tools.voice_clips import FIXTURES, encode

CLIP_TYPES = {"m4a": "audio/mp4", "wav": "audio/wav", "ogg": "audio/ogg", "webm": "audio/webm", "mp3": "audio/mpeg"}


async def send_clip(channel: Driver, name: str) -> list:
    return await channel.send_file((FIXTURES / name).read_bytes(), name, CLIP_TYPES[name.rsplit(".", 1)[1]])


async def focus_running(channel: Driver) -> bool:
    return await channel.services.focus.active(channel.user_id) is not None


async def titles(channel: Driver) -> list[str]:
    return [task.title for task in await channel.services.tasks.list_tasks(channel.user_id, "all")]


async def test_stop_focus_heard_with_ordinary_confidence_asks_and_leaves_the_focus_running(channel):
    await settled(channel, "focus 25")
    assert await focus_running(channel)

    # "stop focus" in an espeak-ng voice: heard word for word, confidence 0.83 (clear enough
    # for any other command, not for one that ends something).
    [question] = await send_clip(channel, "heldout-26b.wav")

    assert "I heard 'stop focus'. Do that?" in question.text
    assert question.buttons == ["Yes", "No"]
    assert await focus_running(channel)

    [stopped, *_] = await channel.press(question, "Yes")

    assert "Stopped after 0 of 25 min" in stopped.text
    assert not await focus_running(channel)


async def test_no_to_a_heard_stop_focus_keeps_the_session(channel):
    await settled(channel, "focus 25")
    [question] = await send_clip(channel, "heldout-26b.wav")

    [kept] = await channel.press(question, "No")

    assert "let that one go" in kept.text
    assert await focus_running(channel)


async def test_a_destructive_command_heard_very_surely_runs_at_once(channel):
    await settled(channel, "clock in")
    assert await channel.services.work_sessions.get_active_session(channel.user_id) is not None

    # "clock out" in a flite voice, confidence 0.99.
    [heard, stopped, *_] = await send_clip(channel, "heldout-36a.webm")

    assert 'Heard: "clock out"' in heard.text
    assert not heard.buttons
    assert await channel.services.work_sessions.get_active_session(channel.user_id) is None


def add_task_then(tail: str) -> bytes:
    """A clear "add task" (the first 0.76 s of the committed clip) followed by another clip: the
    command words are heard surely, and the title is whatever the engine makes of the rest."""
    head = decode_audio((FIXTURES / "voice-message.wav").read_bytes()).pcm[: 76 * 320]
    return encode(head + decode_audio((FIXTURES / tail).read_bytes()).pcm, 16000, "wav")


async def test_an_add_whose_title_nobody_said_is_asked_about_not_created(channel):
    await settled(channel, "tasks")

    # "add task" then a robotic "help": heard as "add task" and a short word nobody said (which
    # word depends on the language model, which follows the command language), barely heard.
    [question] = await channel.send_file(add_task_then("heldout-43b.mp3"), "note.wav", "audio/wav")

    assert "add task" in question.text and "?" in question.text
    assert question.buttons in (["Yes", "No"], ["Yes, do it", "No"])
    assert await titles(channel) == []

    await channel.press(question, "No")
    assert await titles(channel) == []


async def test_an_add_whose_title_was_heard_surely_is_created(channel):
    await settled(channel, "tasks")

    [heard, added, *_] = await send_clip(channel, "voice-message.wav")

    assert 'Heard: "add task call the bank"' in heard.text
    assert "Added call the bank" in added.text
    assert await titles(channel) == ["call the bank"]


class HeardAs:
    """The engine double: hears every note as the transcript it is given (the platform edge)."""

    name = "double"

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript

    async def transcribe(self, pcm: bytes, sample_rate: int = 16000) -> Transcript:
        return self.transcript

    async def warm_up(self) -> None:
        pass

    async def close(self) -> None:
        pass


async def test_the_reported_add_task_file_the_is_asked_about(store):
    # The exchange reported: "add task call the bank" heard as "add task file the", the command
    # words sure and the title not (no committed clip gives exactly these words).
    words = (Word("add", 0.99), Word("task", 0.98), Word("file", 0.41), Word("the", 0.35))
    engine = HeardAs(Transcript("add task file the", 0.66, "double", words))
    async with slack_world(store, speech=engine) as harness:
        slack = SlackDriver(harness, store)
        await settled(slack, "tasks")

        [question] = await send_clip(slack, "voice-message.ogg")

        assert question.text == "I heard 'add task file the'. Add it?"
        assert await titles(slack) == []
        [added, *_] = await slack.press(question, "Yes")
        assert await titles(slack) == ["file the"]  # the user's own choice, once asked


async def test_a_surely_heard_stop_focus_ends_the_session_without_a_question(store):
    engine = HeardAs(Transcript("stop focus", 0.95, "double", (Word("stop", 0.96), Word("focus", 0.94))))
    async with slack_world(store, speech=engine) as harness:
        slack = SlackDriver(harness, store)
        await settled(slack, "focus 25")

        [heard, *_] = await send_clip(slack, "voice-message.ogg")

        assert heard.text == 'Heard: "stop focus"'
        assert not await focus_running(slack)
