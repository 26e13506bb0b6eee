"""The exchanges a new user had with the bot on a simulated working day (issue 11), replayed on
every chat channel: each test is one of them, and says what a person expects instead.

The clock stands still on a Wednesday at 10:00 UTC (11:00 in Madrid, the zone the platforms
report). Voice notes heard wrongly are replayed in tests/integration/test_voice_confirmation.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re

from domain.errors import Conflict
from tests.conformance.drivers import Driver, EchoDriver, Seen, SlackDriver, TeamsDriver
from tests.conformance.test_conversation import first_contact, titles

REPORT = "write the quarterly report"


def said(replies: list[Seen]) -> str:
    return "\n".join(reply.text for reply in replies)


async def rest_figures(channel: Driver) -> tuple[int, int, int]:
    """Tasks done today (the roll-up every period is summed from) and done and added ever (what
    the REST API's /api/stats reports)."""
    today = await channel.services.stats.period(channel.user_id, "today")
    ever = await channel.services.stats.summary(channel.user_id)
    return today["tasks_completed"], ever["completed_tasks"], ever["total_tasks"]


def speaks(channel: Driver, locale: str) -> None:
    """The platform tells the bot the user's language (Slack's profile, Teams' activities)."""
    channel.needs("locale")
    if isinstance(channel, SlackDriver):
        channel._api.users["U1"]["locale"] = locale
    elif isinstance(channel, TeamsDriver):
        channel._chat.locale = locale
    elif isinstance(channel, EchoDriver):
        channel._echo.profiles["ada"] = dataclasses.replace(channel._echo.profiles["ada"], locale=locale)
    else:
        raise AssertionError(f"{channel.name} tells no locale: add it to the channel's 'cannot'")


async def test_done_with_words_of_no_task_never_completes_the_report(channel):
    await first_contact(channel, f"add {REPORT}")
    for text in ("done for the day", "finished the slides", "done the thing", "finish the budget review"):
        replies = await channel.say(text)
        assert "Done:" not in said(replies), (text, replies)
        assert await titles(channel, "open") == [REPORT], text
    assert await titles(channel, "done") == []


async def test_hour_ranges_mean_the_afternoon_they_are_said_for(channel):
    await first_contact(channel, "hello")
    [nine_to_six] = await channel.say("hours 9 to 6")
    assert "09:00-18:00" in nine_to_six.text
    [nine_to_five] = await channel.say("hours 9-5")
    assert "09:00-17:00" in nine_to_five.text
    user = await channel.services.users.get_user(channel.user_id)
    assert (user.work_start, user.work_end) == ("09:00", "17:00")
    [due_today, *_] = await channel.say("add send the invoice due today")
    assert "due Wed 04 Mar 17:00" in due_today.text and "already past" not in due_today.text
    [half_past, *_] = await channel.say("hours 8:30-17")
    assert "08:30-17:00" in half_past.text
    [spoken, *_] = await channel.say("hours 9am-5:30pm")
    assert "09:00-17:30" in spoken.text and "overnight" not in spoken.text


async def test_a_date_in_a_new_task_leaves_its_title_and_is_shown_back(channel):
    await first_contact(channel, "hello")
    [added, *_] = await channel.say("add call mum tomorrow")
    assert "Added call mum, due Thu 05 Mar" in added.text
    [rent, *_] = await channel.say("add pay rent monday 10")
    assert "Added pay rent, due Mon 09 Mar 10:00" in rent.text
    assert sorted(await titles(channel)) == ["call mum", "pay rent"]


async def test_due_monday_10_is_next_monday_at_ten(channel):
    await first_contact(channel, f"add {REPORT}")
    [due, *_] = await channel.say("due 1 monday 10")
    assert "due Mon 09 Mar 10:00" in due.text


async def test_a_weekday_said_on_that_weekday_is_today(channel):
    await first_contact(channel, "hello")
    [added, *_] = await channel.say("add gym wednesday")
    assert "due Wed 04 Mar" in added.text
    [behind, *_] = await channel.say("add swim wednesday 9am")  # 9:00 has gone by today
    assert "due Wed 11 Mar 09:00" in behind.text


async def test_a_numeric_date_follows_the_users_locale(channel):
    speaks(channel, "fr-FR")  # a user in Paris
    await first_contact(channel, "hello")
    [french, *_] = await channel.say("add book trains 3/12")
    assert "Added book trains, due Thu 03 Dec" in french.text


async def test_an_impossible_numeric_date_is_refused_not_read_as_another_day(channel):
    await first_contact(channel, "hello")
    [refused] = await channel.say("add renew passport due 32/13")  # was 13 March 2032, shown as "Sat 13 Mar"
    assert "I couldn't read '32/13' as a date" in refused.text
    assert await titles(channel) == []
    [added, *_] = await channel.say("add book flights 25/12")  # one reading only, whatever the locale
    assert "Added book flights, due Fri 25 Dec" in added.text


async def test_a_numeric_date_is_month_first_for_an_american_user(channel):
    await first_contact(channel, "hello")  # en-US: what every platform here says by default
    [american, *_] = await channel.say("add book flights 3/12")
    assert "Added book flights, due Thu 12 Mar" in american.text


async def test_a_past_date_is_questioned_before_it_is_set(channel):
    await first_contact(channel, "hello")
    [question] = await channel.say("add pay the fine due yesterday")
    assert "Tue 03 Mar 17:30 is already past" in question.text and question.buttons[:2] == ["Yes", "No"]
    await channel.say("no")
    # Said without its year two days after it, a date is a slip too, not one a year away.
    [question] = await channel.say("add renew passport due 2 march")
    assert "Mon 02 Mar 17:30 is already past" in question.text
    await channel.say("no")
    assert not [task for task in await channel.services.tasks.list_tasks(channel.user_id, "all") if task.due]
    [question] = await channel.say("add renew passport due 2 march")
    [kept, *_] = await channel.say("yes")
    [task] = await channel.services.tasks.list_tasks(channel.user_id, "all")
    assert task.due_at.date().isoformat() == "2026-03-02"


async def test_a_weak_match_asks_which_task_and_waits_for_a_typed_answer(channel):
    await first_contact(channel, f"add {REPORT}")
    await channel.say("add write the annual report")
    [question] = await channel.say("done report")  # both are reports: it names one, the other has a button
    [meant] = re.findall(r"Did you mean (write the \w+ report)\?", question.text)[:1]
    [other] = {REPORT, "write the annual report"} - {meant}
    assert question.buttons == ["Yes", "No", other]
    [kept] = await channel.say("no")
    assert "Done" not in kept.text and await titles(channel, "done") == []
    [question] = await channel.say("done report")
    assert f"Did you mean {meant}?" in question.text
    await channel.say("tasks")  # the question waits through other commands
    [done, *_] = await channel.say("yes")
    assert f"Done: {meant}" in done.text
    assert await titles(channel, "done") == [meant]

    await channel.say(f"add {meant}")  # two reports again: the other one is a press away
    [question] = await channel.say("done report")
    [named] = re.findall(r"Did you mean (write the \w+ report)\?", question.text)[:1]
    [button] = question.buttons[2:]
    assert {named, button} == {meant, other}
    [pressed, *_] = await channel.press(question, button)
    assert f"Done: {button}" in pressed.text
    assert named in await titles(channel, "open")


async def test_a_typed_yes_answers_did_you_mean(channel):
    await first_contact(channel)
    [suggestion] = await channel.say("tsks")
    assert "Did you mean tasks?" in suggestion.text
    [listed] = await channel.say("yes")
    assert "1. Buy milk" in listed.text


async def test_an_older_cards_yes_button_still_answers(channel):
    channel.needs("older_cards")
    await first_contact(channel)
    [suggestion] = await channel.say("tsks")
    await channel.say("add Call the bank")
    [listed] = await channel.press(suggestion, "Yes, tasks")
    assert "Buy milk" in listed.text and "Call the bank" in listed.text
    [again] = await channel.press(suggestion, "Yes, tasks")
    assert "expired or was already answered" in again.text


async def test_time_zones_are_read_from_city_names_in_any_case(channel):
    *_, question = await channel.say("hello")
    if channel.zone:
        await channel.say("no")
    [hours] = await channel.say("London")
    assert "Time zone: Europe/London" in hours.text
    await channel.say("skip")
    [lower] = await channel.say("timezone europe/london")
    assert "Time zone set to Europe/London" in lower.text
    [country] = await channel.say("timezone France")  # a country with one zone
    assert "Time zone set to Europe/Paris" in country.text
    [new_york] = await channel.say("timezone America/New York")
    assert "Time zone set to America/New_York" in new_york.text
    assert (await channel.services.users.get_user(channel.user_id)).timezone == "America/New_York"


async def test_small_talk_and_everyday_asks_are_understood(channel):
    await first_contact(channel, "add Pay the rent due today")
    [welcome] = await channel.say("thanks!")
    assert "welcome" in welcome.text and "Did you mean" not in welcome.text
    [glance] = await channel.say("how am I doing")
    assert "Today at a glance" in glance.text and "1 open" in glance.text
    [due] = await channel.say("what's due today")
    assert "1 task due today" in due.text and "Pay the rent" in due.text
    await channel.say("start")
    await channel.say("stop")
    [resumed, *_] = await channel.say("resume")
    assert "Resumed work" in resumed.text
    [emoji] = await channel.say("👍")
    assert "didn't catch" not in emoji.text and "Did you mean" not in emoji.text


async def test_help_mentions_the_pet_achievements_and_insights(channel):
    [shown, *_] = await channel.say("help")
    for capability in ("pet", "achievements", "insights"):
        assert capability in shown.text, capability


async def test_replies_count_in_words_and_greet_by_name(channel):
    replies = await first_contact(channel, "add Buy milk")
    replies += await channel.say("add Pay the rent due today")
    replies += await channel.say("add Call the bank due today")
    replies += (due := await channel.say("what's due today"))
    assert "2 tasks due today" in said(due)
    replies += (done := await channel.say("done 1"))
    assert "2 open tasks left" in said(done)
    replies += (done := await channel.say("done 2"))
    assert "1 open task left" in said(done)
    replies += (hello := await channel.say("hello"))
    assert "Ada" in said(hello) and channel.user_id not in said(hello)
    replies += await channel.say("start")
    replies += await channel.say("stop")
    replies += await channel.say("stats all")
    assert not re.search(r"\(s\)|\b1 [a-z]+ sessions\b|\b1 tasks\b", said(replies)), said(replies)


async def test_a_validation_error_is_said_in_plain_words(channel):
    [refused, *_] = await channel.say("add " + "y" * 250)
    assert "A task title can be at most 200 characters (this one has 250)" in refused.text
    assert "Field" not in refused.text and "'title'" not in refused.text
    assert await titles(channel) == []


async def test_todays_tasks_done_agree_with_all_time(channel):
    await first_contact(channel, "add Alpha")
    await channel.say("add Beta")
    await channel.say("add Gamma")
    await channel.say("done alpha")
    await channel.say("done beta")
    [today] = await channel.say("stats")
    assert "Tasks done: 2" in today.text
    [ever] = await channel.say("stats all")
    assert "Tasks done: 2 of 3" in ever.text
    assert await rest_figures(channel) == (2, 2, 3)
    for period in ("week", "month"):
        [summed] = await channel.say(f"stats {period}")
        assert "Tasks done: 2" in summed.text, period
    [glance] = await channel.say("how am I doing")
    assert "Tasks: 2 done, 1 open" in glance.text


async def test_a_cancelled_or_stopped_focus_is_reported_as_such(channel):
    await first_contact(channel, "hello")
    await channel.say("focus 25")
    stopped = said(await channel.say("stop focus"))
    assert "not counted as a completed session" in stopped and "finished" not in stopped
    await channel.say("focus 25")
    await channel.say("focus cancel")
    [today] = await channel.say("stats")
    assert "Focus: 0 of 2 sessions (2 cancelled or cut short), 0 min planned" in today.text


async def test_two_focus_sessions_never_run_at_once(channel):
    channel.needs("at_once")
    await first_contact(channel, "hello")
    replies = await channel.say_at_once(["focus 25", "focus 25"])
    assert sum("Focus for 25 min" in reply.text for reply in replies) == 1
    assert "already focusing" in said(replies)

    async def from_another_device() -> bool:  # what POST /api/focus does
        try:
            await channel.services.focus.start(channel.user_id, 25)
        except Conflict:
            return False
        return True

    assert not await from_another_device()  # the one started in the chat still runs
    await channel.say("focus cancel")
    chat, elsewhere = await asyncio.gather(channel.say("focus 25"), from_another_device())
    assert sum(["Focus for 25 min" in said(chat), elsewhere]) == 1, (said(chat), elsewhere)
    [today] = await channel.say("stats")
    assert "0 of 2 sessions" in today.text


async def test_a_deleted_task_leaves_todays_figures(channel):
    await first_contact(channel, "add Alpha")
    await channel.say("add Beta")
    await channel.say("done alpha")
    await channel.say("done beta")
    await channel.say("delete beta")
    await channel.say("yes")
    [today] = await channel.say("stats")
    assert "Tasks done: 1" in today.text
    [ever] = await channel.say("stats all")
    assert "Tasks done: 1 of 1" in ever.text
    assert await rest_figures(channel) == (1, 1, 1)


async def test_done_and_a_thumbs_up_completes_the_first_task_tasks_would_show(channel):
    await first_contact(channel, "add Alpha")
    await channel.say("add Beta due tomorrow")
    await channel.say("add Gamma due today")
    [done, *_] = await channel.say("done 1 👍")  # no list shown yet: the order 'tasks' shows
    assert "Done: Gamma" in done.text
    assert await titles(channel, "done") == ["Gamma"]
    [listed] = await channel.say("tasks")
    assert re.findall(r"\b\d\. (\w+)", listed.text)[:2] == ["Beta", "Alpha"]
