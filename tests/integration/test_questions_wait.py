"""Questions that wait: a question the bot asked (a delete to confirm, "Did you mean *tasks*?",
onboarding, a task's title) survives other commands until it is answered, replaced by a newer
one of its kind, or a day old; a typed yes or no answers the newest yes-or-no question; a
button answers the question it was put under, or says plainly that it no longer waits.

Through the real Slack endpoint (fake Slack Web API) on both stores, and one exchange in Teams."""

from __future__ import annotations

from app import SERVICES_KEY
from tests.fake_connector import cards, submit_actions, teams_world, visible_text
from tests.integration.conftest import make_settings

U1 = "slack:T0TEAM:U1"
EXPIRED = "That question has expired or was already answered, so I did nothing."


async def met(slack, *titles: str) -> None:
    """A user past onboarding, with these open tasks."""
    say = slack.workspace.say
    await say(f"add {titles[0]}", count=2)
    await say("skip")
    await say("skip")
    for title in titles[1:]:
        await say(f"add {title}")


async def open_titles(slack) -> list[str]:
    tasks = await slack.rest.json("GET", f"/api/tasks?user_id={U1}&status=open", 200)
    return sorted(task["title"] for task in tasks)


async def test_yes_after_did_you_mean_tasks_runs_tasks(slack):
    await met(slack, "Buy milk")
    [suggestion] = await slack.workspace.say("tsks")
    assert "Did you mean *tasks*?" in suggestion.text
    [listed] = await slack.workspace.say("yes")
    assert "1. Buy milk" in listed.text


async def test_no_after_did_you_mean_says_ok_and_does_nothing(slack):
    await met(slack, "Buy milk")
    await slack.workspace.say("delte 1")
    [answer] = await slack.workspace.say("no")
    assert answer.text == "OK."
    assert await open_titles(slack) == ["Buy milk"]
    [nothing] = await slack.workspace.say("yes")  # the suggestion was answered: nothing waits
    assert "nothing waiting for a yes or no" in nothing.text


async def test_a_suggested_command_that_asks_is_answered_in_turn(slack):
    await met(slack, "Buy milk")
    await slack.workspace.say("delte 1")
    [question] = await slack.workspace.say("yes")
    assert "Delete *Buy milk*?" in question.text
    [deleted] = await slack.workspace.say("yes")
    assert "Deleted *Buy milk*" in deleted.text and await open_titles(slack) == []


async def test_a_delete_to_confirm_waits_while_other_commands_run(slack):
    await met(slack, "Old idea", "Call the bank")
    [question] = await slack.workspace.say("delete old idea")
    assert "Delete *Old idea*?" in question.text
    [listed] = await slack.workspace.say("tasks")
    assert "Old idea" in listed.text and "Call the bank" in listed.text
    [stats] = await slack.workspace.say("stats")
    assert "Here is how it went" in stats.text
    [deleted] = await slack.workspace.say("yes")
    assert "Deleted *Old idea*" in deleted.text
    assert await open_titles(slack) == ["Call the bank"]


async def test_a_typed_yes_answers_the_newest_yes_or_no_question_and_the_older_one_still_waits(slack):
    await met(slack, "Old idea")
    await slack.workspace.say("delete old idea")
    await slack.workspace.say("tsks")
    [listed] = await slack.workspace.say("yes")  # the suggestion, asked last
    assert "1. Old idea" in listed.text and await open_titles(slack) == ["Old idea"]
    [deleted] = await slack.workspace.say("yes")  # then the delete, still waiting
    assert "Deleted *Old idea*" in deleted.text and await open_titles(slack) == []


async def test_an_older_cards_button_answers_its_question_while_it_waits(slack):
    await met(slack, "Old idea", "Call the bank")
    [confirm] = await slack.workspace.say("delete old idea")
    [guess] = await slack.workspace.say("done bank statement")
    assert "Did you mean *Call the bank*?" in guess.text
    await slack.workspace.say("tasks")
    [deleted] = await slack.workspace.click(confirm, "Delete")
    assert "Deleted *Old idea*" in deleted.text
    [done] = await slack.workspace.click(guess, "Yes")
    assert "Done: *Call the bank*" in done.text
    assert await open_titles(slack) == []


async def test_a_button_pressed_twice_says_its_question_was_answered_and_does_nothing(slack):
    await met(slack, "Old idea")
    [confirm] = await slack.workspace.say("delete old idea")
    await slack.workspace.click(confirm, "Keep it")
    [again] = await slack.workspace.click(confirm, "Delete")
    assert again.text == EXPIRED
    assert await open_titles(slack) == ["Old idea"]


async def test_a_question_replaced_by_a_newer_one_of_its_kind_expires_and_its_button_does_nothing(slack):
    await met(slack, "Old idea", "Call the bank")
    [first] = await slack.workspace.say("delete old idea")
    [second] = await slack.workspace.say("delete call the bank")
    [pressed] = await slack.workspace.click(first, "Delete")
    assert pressed.text == EXPIRED
    assert await open_titles(slack) == ["Call the bank", "Old idea"]
    [deleted] = await slack.workspace.say("yes")
    assert "Deleted *Call the bank*" in deleted.text


async def test_a_question_left_a_day_expires(slack):
    await met(slack, "Old idea")
    [confirm] = await slack.workspace.say("delete old idea")
    slack.app[SERVICES_KEY].clock.advance(hours=23)
    await slack.workspace.say("tasks")
    slack.app[SERVICES_KEY].clock.advance(hours=2)
    [pressed] = await slack.workspace.click(confirm, "Delete")
    assert pressed.text == EXPIRED
    [nothing] = await slack.workspace.say("yes")
    assert "nothing waiting for a yes or no" in nothing.text
    assert await open_titles(slack) == ["Old idea"]


async def test_onboarding_asks_once_waits_quietly_and_its_card_still_answers(slack):
    say = slack.workspace.say
    added, question = await say("add Buy milk", count=2)
    assert "are you in Europe/Madrid" in question.text
    # Other commands run and are not followed by the question again.
    since = len(slack.api.calls)
    [listed] = await say("tasks")
    await say("water")
    assert "1. Buy milk" in listed.text
    await slack.api.wait_for("chat.postMessage", count=2, since=since)
    assert not any("time zone" in call.text for call in slack.api.calls[since:])
    [hours] = await slack.workspace.click(question, "Yes")
    assert "Time zone: Europe/Madrid. What are your working hours?" in hours.text
    await say("stats")
    [done] = await say("08:30-16:30")
    assert "All set: 08:30-16:30, Europe/Madrid" in done.text
    user = await slack.app[SERVICES_KEY].users.get_user(U1)
    assert (user.timezone, user.work_start, user.work_end) == ("Europe/Madrid", "08:30", "16:30")


async def test_a_city_typed_after_other_commands_answers_the_time_zone_question(slack):
    await slack.workspace.say("add Buy milk", count=2)
    await slack.workspace.say("tasks")
    [answered] = await slack.workspace.say("london")
    assert "Time zone: Europe/London. What are your working hours?" in answered.text
    [done] = await slack.workspace.say("skip")
    assert "All set" in done.text


async def test_setting_the_time_zone_by_hand_settles_onboarding(slack):
    _, question = await slack.workspace.say("add Buy milk", count=2)
    await slack.workspace.say("timezone Asia/Tokyo")
    [pressed] = await slack.workspace.click(question, "Yes")
    assert pressed.text == EXPIRED
    user = await slack.app[SERVICES_KEY].users.get_user(U1)
    assert user.timezone == "Asia/Tokyo"


async def test_a_task_title_asked_for_waits_through_another_command(slack):
    await met(slack, "Buy milk")
    [asked] = await slack.workspace.say("add")
    assert "What should the task be called?" in asked.text
    await slack.workspace.say("tasks")
    [added] = await slack.workspace.say("Call the bank")
    assert "Added *Call the bank*" in added.text
    assert await open_titles(slack) == ["Buy milk", "Call the bank"]


async def test_a_question_stored_by_an_earlier_version_is_still_answered(slack, store):
    await met(slack, "Old idea")
    await slack.workspace.say("delete old idea")
    # The conversation as an earlier version stored it: one question, with no id or expiry.
    stored = await store.read(U1, "state:conversation")
    [question] = stored.pop("questions")
    legacy = {key: value for key, value in question.items() if key not in ("id", "slot", "expires_at")}
    await store.upsert({**stored, "question": legacy})
    [deleted] = await slack.workspace.say("yes")
    assert "Deleted *Old idea*" in deleted.text and await open_titles(slack) == []


async def test_in_teams_an_older_cards_button_still_answers_and_then_says_it_was_answered(store):
    async with teams_world(make_settings(), store) as world:
        chat = world.chat
        await chat.say("add Old idea")
        await chat.say("skip")
        await chat.say("skip")
        asked = await chat.say("delete old idea")
        [delete] = [a["data"] for a in submit_actions(cards(asked)[0]) if a["title"] == "Delete"]
        await chat.say("tasks")
        await chat.say("tsks")
        deleted = await chat.press(delete)
        assert "Deleted **Old idea**" in "\n".join(visible_text(a) for a in deleted)
        again = await chat.press(delete)
        assert EXPIRED in "\n".join(visible_text(a) for a in again)
        listed = await chat.say("yes")  # "Did you mean tasks?" still waits
        assert "No open tasks" in "\n".join(visible_text(a) for a in listed)


async def test_a_yes_goes_past_a_which_time_zone_question_to_the_yes_or_no_question_before_it(store):
    # Teams sent no time zone, so onboarding asks which one: a yes does not answer that.
    async with teams_world(make_settings(), store) as world:
        chat = world.chat_as(aad="aad-zoneless", timezone=None)
        await chat.say("tsks")
        asked = await chat.say("tasks")
        assert "which time zone are you in" in "\n".join(visible_text(a) for a in asked)
        listed = await chat.say("yes")
        assert "No open tasks" in "\n".join(visible_text(a) for a in listed)
        answered = await chat.say("Europe/Madrid")
        assert "Time zone: Europe/Madrid" in "\n".join(visible_text(a) for a in answered)
