"""The conversation every chat channel must hold the same way, run through each channel's own
wire fake (see drivers.py): commands, buttons, questions, privacy, voice notes, errors,
duplicates, order, the greeting and a fresh start after erasing everything."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conformance.drivers import Driver

VOICE = Path(__file__).resolve().parent.parent / "fixtures" / "voice"
SECRET = re.compile(r"avn_[A-Za-z0-9_-]{20,}")


async def first_contact(channel: Driver, text: str = "add Buy milk") -> list:
    """A new user's first message, with onboarding's two questions skipped; its replies."""
    replies = await channel.say(text)
    assert "time zone" in replies[-1].text or "are you in" in replies[-1].text, replies
    await channel.say("skip")
    [done] = await channel.say("skip")
    assert "All set" in done.text
    return replies


async def titles(channel: Driver, status: str = "all") -> list[str]:
    return [task.title for task in await channel.services.tasks.list_tasks(channel.user_id, status)]


async def test_a_command_is_answered_and_carried_out(channel):
    [added, question] = await channel.say("add Write the report !high")
    assert "Added Write the report" in added.text and "high priority" in added.text
    assert await titles(channel) == ["Write the report"]
    assert added.private


async def test_a_new_user_is_offered_the_platforms_time_zone_and_asked_for_hours(channel):
    *_, question = await channel.say("tasks")
    if channel.zone:
        assert f"are you in {channel.zone}" in question.text and question.buttons[:2] == ["Yes", "No"]
        [hours] = await channel.say("yes")
    else:
        assert "which time zone are you in" in question.text
        [hours] = await channel.say("Europe/Madrid")
    assert "Time zone: Europe/Madrid. What are your working hours?" in hours.text
    [done] = await channel.say("08:30-16:30")
    assert "All set: 08:30-16:30, Europe/Madrid" in done.text
    user = await channel.services.users.get_user(channel.user_id)
    assert (user.timezone, user.work_start, user.work_end) == ("Europe/Madrid", "08:30", "16:30")


async def test_a_question_is_answered_by_typing_yes_or_no(channel):
    await first_contact(channel, "add Old idea")
    await channel.say("tasks")
    [question] = await channel.say("delete 1")
    assert "Delete Old idea?" in question.text
    [kept] = await channel.say("no")
    assert "Kept it" in kept.text and await titles(channel) == ["Old idea"]
    await channel.say("delete 1")
    [deleted] = await channel.say("yes")
    assert "Deleted Old idea" in deleted.text and await titles(channel) == []


async def test_a_pressed_button_runs_what_it_says(channel):
    await first_contact(channel)
    [listed] = await channel.say("tasks")
    assert "1. Buy milk" in listed.text and "Done" in listed.buttons
    [done] = await channel.press(listed, "Done")
    assert "Done: Buy milk" in done.text
    assert await titles(channel, "done") == ["Buy milk"]
    [suggestion] = await channel.say("statts")
    [stats] = await channel.press(suggestion, "Yes, stats")
    assert "Here is how it went" in stats.text


async def test_a_question_waits_through_other_commands_and_its_button_still_answers(channel):
    channel.needs("older_cards")
    await first_contact(channel, "add Old idea")
    [question] = await channel.say("delete old idea")
    await channel.say("tasks")
    [suggestion] = await channel.say("tsks")
    assert "Did you mean tasks?" in suggestion.text
    [deleted] = await channel.press(question, "Delete")
    assert "Deleted Old idea" in deleted.text and await titles(channel) == []
    [again] = await channel.press(question, "Delete")
    assert "That question has expired or was already answered" in again.text
    [listed] = await channel.say("yes")  # "Did you mean tasks?" still waits
    assert "No open tasks" in listed.text


async def test_a_typed_yes_answers_the_newest_question_and_the_older_one_still_waits(channel):
    await first_contact(channel, "add Old idea")
    await channel.say("delete old idea")
    await channel.say("tsks")
    [listed] = await channel.say("yes")
    assert "1. Old idea" in listed.text and await titles(channel) == ["Old idea"]
    [deleted] = await channel.say("yes")
    assert "Deleted Old idea" in deleted.text and await titles(channel) == []


async def test_thanks_is_welcomed_and_what_next_offers_its_task_with_buttons(channel):
    await first_contact(channel)
    [welcome] = await channel.say("thanks!")
    assert welcome.text.strip() == "You're welcome! 😊" and not welcome.buttons
    [nxt] = await channel.say("what should I do next")
    assert "Next up: Buy milk" in nxt.text and nxt.buttons == ["Done", "Start focus"]
    [focus] = await channel.press(nxt, "Start focus")
    assert "Focus on Buy milk for 25 min" in focus.text
    assert await titles(channel, "open") == ["Buy milk"]


async def test_a_token_asked_for_in_a_shared_conversation_never_shows_there(channel):
    channel.needs("shared")
    await first_contact(channel)
    replies = await channel.say("token", shared=True)
    # Each is the user's alone, or only says where to look (the 1:1 chat, the direct messages).
    assert replies and all(
        reply.private or "1:1 chat" in reply.text or "direct messages" in reply.text for reply in replies
    ), replies
    assert any("direct message" in reply.text or "1:1 chat" in reply.text for reply in replies)
    await channel.say("export my data", shared=True)
    shown = channel.others_saw()
    assert not any(SECRET.search(seen.text) or "everything I keep" in seen.text or seen.file for seen in shown)
    assert await channel.services.tokens.list_tokens(channel.user_id) == []


async def test_a_token_and_an_export_asked_for_in_private_reach_the_user_alone(channel):
    await first_contact(channel)
    [token] = await channel.say("token")
    secret = SECRET.search(token.text)
    assert secret and token.private
    assert (await channel.services.tokens.authenticate(secret.group(0))).owner == channel.user_id
    replies = await channel.say("export my data")
    [export] = [reply for reply in replies if reply.file]
    assert export.private and export.file == "avanochi-export.json"


async def test_reminders_are_addressed_to_the_private_chat_only(channel):
    channel.needs("shared")
    await channel.say("water", shared=True)
    assert await channel.services.conversations.address(channel.user_id, channel.channel_name) is None
    await channel.say("water")
    assert await channel.services.conversations.address(channel.user_id, channel.channel_name) is not None


async def test_a_voice_note_runs_its_spoken_command(channel):
    channel.needs("files")
    replies = await channel.send_file((VOICE / "voice-message.ogg").read_bytes(), "voice-message.ogg", "audio/ogg")
    assert replies[0].text == 'Heard: "add task call the bank"'
    assert "Added call the bank" in replies[1].text
    assert await titles(channel) == ["call the bank"]


async def test_a_file_that_is_not_audio_gets_a_friendly_reply(channel):
    channel.needs("files")
    data = (VOICE / "corrupt-truncated.m4a").read_bytes()
    [reply, *_] = await channel.send_file(data, "audio_message_0002.m4a", "audio/mp4")
    assert "voice note" in reply.text.lower() or "audio" in reply.text.lower()
    assert await titles(channel) == []


async def test_an_unexpected_failure_gets_an_apology_and_the_next_message_works(channel):
    await first_contact(channel)
    channel.store.failing = True
    [sorry] = await channel.say("tasks")
    assert "Sorry, something went wrong on my side" in sorry.text
    channel.store.failing = False
    [listed] = await channel.say("tasks")
    assert "1. Buy milk" in listed.text


async def test_an_over_long_message_is_refused_unread(channel):
    [reply] = await channel.say("add " + "x" * 2_100)
    assert "too long for me (2,104 characters)" in reply.text
    assert await titles(channel) == []


async def test_a_message_delivered_twice_is_answered_once(channel):
    channel.needs("redelivery")
    replies = await channel.say_twice("add Pay the rent")
    assert sum("Added Pay the rent" in reply.text for reply in replies) == 1
    assert await titles(channel) == ["Pay the rent"]


async def test_an_over_long_message_delivered_twice_is_refused_once(channel):
    channel.needs("redelivery")
    replies = await channel.say_twice("add " + "x" * 2_100)
    assert sum("too long for me" in reply.text for reply in replies) == 1


async def test_one_users_messages_are_answered_in_the_order_sent(channel):
    channel.needs("at_once")
    replies = await channel.say_at_once([f"add Errand {letter}" for letter in "abcdef"])
    added = [re.search(r"Added Errand (\w)", reply.text) for reply in replies]
    assert [match.group(1) for match in added if match] == list("abcdef")


async def test_the_welcome_comes_once(channel):
    channel.needs("greeting")
    [welcome] = await channel.open()
    assert "I'm Avanochi" in welcome.text and {"Show my tasks", "Help"} <= set(welcome.buttons)
    assert await channel.open() == []
    replies = await channel.say("tasks")
    assert not any("I'm Avanochi" in reply.text for reply in replies)


async def test_after_erasing_everything_the_user_is_met_afresh(channel):
    await first_contact(channel, "add Secret plan")
    [question] = await channel.say("delete my data")
    assert "Delete everything" in question.buttons
    [gone] = await channel.say("yes")
    assert "records deleted" in gone.text
    assert await titles(channel) == []
    *_, asked = await channel.say("tasks")  # onboarding again, with what the platform knows
    assert (f"are you in {channel.zone}" if channel.zone else "which time zone") in asked.text
    if channel.reminders:  # where to reach them is kept again
        assert await channel.services.conversations.address(channel.user_id, channel.channel_name)
