"""A user's own task titles are heard in their voice notes, even words outside the offline
engine's vocabulary: sent as files in a Slack DM and a Teams chat, heard by the real engine."""

from __future__ import annotations

from tests.conformance.drivers import Driver
from tests.integration.voice_chat import settled, sqlite_only, voice_channel  # noqa: F401 (fixtures)
from tools.voice_clips import FIXTURES


async def open_titles(channel: Driver) -> list[str]:
    return [task.title for task in await channel.services.tasks.list_tasks(channel.user_id, "open")]


async def test_done_with_a_title_word_outside_the_vocabulary_finishes_that_task(channel):
    await settled(channel, "add call the notary")
    await channel.say("add buy milk")

    # "done call the notary" in a flite voice; "notary" is in no sentence of the command language.
    replies = await channel.send_file((FIXTURES / "hint-done-notary.ogg").read_bytes(), "note.ogg", "audio/ogg")

    assert 'Heard: "done call the notary"' in replies[0].text
    assert "Done: call the notary" in replies[1].text
    assert await open_titles(channel) == ["buy milk"]


async def test_without_that_task_the_word_is_not_heard(channel):
    await settled(channel, "add buy milk")

    replies = await channel.send_file((FIXTURES / "hint-done-notary.ogg").read_bytes(), "note.ogg", "audio/ogg")

    assert not any("notary" in reply.text for reply in replies)
    assert await open_titles(channel) == ["buy milk"]
