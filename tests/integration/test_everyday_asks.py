"""Small talk and everyday asks said the way people say them, through the real Slack endpoint
and a fake Slack (and one Teams exchange, reactions included): thanks, greetings and emoji (typed or as reactions)
get a warm word and change nothing; "how am I doing", "what's due today/this week", "what
should I do next" and "resume" answer from the user's own day, on a clock the test moves."""

from __future__ import annotations

import time

from app import SERVICES_KEY
from tests.fake_connector import submit_actions, teams_world, visible_text
from tests.fake_slack import BOT_USER, OUTGOING
from tests.integration.conftest import make_settings

U1 = "slack:T0TEAM:U1"


async def ready(slack) -> None:
    """Ada, past onboarding, in Europe/Madrid (11:00 there when the test starts)."""
    say = slack.workspace.say
    await say("hi", count=2)
    await say("yes")  # the time zone Slack knows for her
    await say("skip")  # working hours as they are


def advance(slack, **delta: float) -> None:
    slack.app[SERVICES_KEY].clock.advance(**delta)


async def rest_tasks(slack, status: str = "all") -> list[dict]:
    return await slack.rest.json("GET", f"/api/tasks?user_id={U1}&status={status}", 200)


async def test_thanks_and_ok_get_a_warm_word_and_change_nothing(slack):
    await ready(slack)
    say = slack.workspace.say
    await say("add Call the bank")
    for text, answer in [
        ("thanks!", "You're welcome! 😊"),
        ("Thank you so much", "You're welcome! 😊"),
        ("ty", "You're welcome! 😊"),
        ("cheers mate", "You're welcome! 😊"),
        ("great", "Glad to hear it! 🙂"),
        ("ok", "👍"),
        ("ok thanks", "You're welcome! 😊"),
        ("👍", "😊 Glad to help!"),
        (":pray:", "😊 Glad to help!"),  # as Slack writes an emoji typed in a message
        ("🙏🏽", "😊 Glad to help!"),
        ("❤️", "😊 Glad to help!"),
    ]:
        [reply] = await say(text)
        assert reply.text == answer, (text, reply.text)
        assert "Did you mean" not in reply.text and not reply.buttons()
    [task] = await rest_tasks(slack)
    assert task["title"] == "Call the bank" and task["completed"] is False


async def test_emoji_alone_is_answered_by_what_it_likely_means(slack):
    await ready(slack)
    say = slack.workspace.say
    [shrug] = await say("🤷")
    assert "what should I do next" in shrug.text
    [water] = await say("💧")
    assert "Say 'water'" in water.text
    [tired] = await say("😴")
    assert "break" in tired.text
    [wave] = await say("👋")
    assert wave.text.startswith("👋 Hi!")
    [stats] = await say("stats")
    assert "Water: 0 ml" in stats.text  # a water emoji says it, it does not log it


async def test_a_reaction_on_the_bots_message_is_answered_and_others_are_not(slack):
    await ready(slack)
    [added] = await slack.workspace.say("add Call the bank")
    since = len(slack.api.calls)

    def reaction(name: str, item_user: str = BOT_USER) -> dict:
        ts = f"{int(time.time())}.000900"
        return {
            "type": "reaction_added",
            "user": "U1",
            "reaction": name,
            "item_user": item_user,
            "item": {"type": "message", "channel": added.body["channel"], "ts": added.ts},
            "event_ts": ts,
        }

    assert (await slack.workspace.event(reaction("+1", item_user="U2"))).status == 200  # not ours
    assert (await slack.workspace.event(reaction("eyes"))).status == 200  # nothing to say to it
    assert (await slack.workspace.event(reaction("thumbsup::skin-tone-3"))).status == 200
    [answer] = await slack.api.wait_for(*OUTGOING, count=1, since=since)
    assert answer.text == "😊 Glad to help!" and answer.body["channel"] == added.body["channel"]
    [task] = await rest_tasks(slack)
    assert task["completed"] is False
    # The next thing said is answered next: nothing else was queued for the reactions.
    [listed] = await slack.workspace.say("tasks")
    assert "1. Call the bank" in listed.text
    assert [c.text for c in slack.api.calls[since:] if c.method in OUTGOING] == [answer.text, listed.text]


async def test_a_greeting_says_hello_by_name_with_one_useful_pointer(slack):
    [hello, question] = await slack.workspace.say("good morning", count=2)
    assert hello.text.startswith("Good morning, Ada!") and "add &lt;task&gt;" in hello.text
    await slack.workspace.say("yes")
    await slack.workspace.say("skip")
    await slack.workspace.say("add Pay rent due today 5pm")
    [hello] = await slack.workspace.say("Hey!")
    assert hello.text == "Good morning, Ada! 1 task is due today: say 'what's due today' to see it."
    [how] = await slack.workspace.say("how are you?")
    assert how.text.startswith("I'm doing well") and "due today" in how.text


async def test_how_am_i_doing_is_today_at_a_glance_agreeing_with_stats(slack):
    await ready(slack)
    say = slack.workspace.say
    await say("add Call the bank")
    await say("add Pay rent due yesterday 5pm")
    await say("yes")  # yes, in the past
    await say("done call the bank")
    await say("water")
    await say("clock in")
    advance(slack, minutes=90)
    [glance] = await say("how am I doing")
    assert "*Today at a glance*" in glance.text and "1 task done so far" in glance.text
    assert "Tasks: 1 done, 1 open (1 overdue)" in glance.text
    assert "Worked: 0 h 00 min, and clocked in since 11:00" in glance.text
    assert "Water: 250 ml" in glance.text and "Breaks: 0" in glance.text
    [stats] = await say("stats")
    assert "Tasks done: 1" in stats.text and "Water: 250 ml" in stats.text


async def test_whats_due_today_and_this_week_flag_overdue_tasks(slack):
    await ready(slack)
    say = slack.workspace.say
    await say("add Pay rent due today 11:30")  # 11:00 in Madrid now
    await say("add Call the bank due friday 9am")
    await say("add Buy stamps")
    await say("add Renew passport due next month")
    advance(slack, hours=1)  # Pay rent is now overdue

    [today] = await say("what's due today")
    assert "*Due today*" in today.text and "1 task due today, 1 of them overdue." in today.text
    assert "1. Pay rent (⚠️ overdue, was due Wed 04 Mar 11:30)" in today.text
    assert "Call the bank" not in today.text and "Buy stamps" not in today.text

    [week] = await say("Whats due this week")
    assert "2 tasks due this week, 1 of them overdue." in week.text
    assert "2. Call the bank (due Fri 06 Mar 09:00)" in week.text
    assert "Buy stamps" not in week.text and "passport" not in week.text
    [done] = await say("done 2")  # the numbers are those of the list just shown
    assert "Done: *Call the bank*" in done.text

    [tomorrow] = await say("what's due tomorrow")
    assert tomorrow.text.startswith("Nothing due tomorrow. 🎉 3 open tasks due later or undated")


async def test_what_should_i_do_next_picks_the_most_urgent_with_done_and_focus_buttons(slack):
    await ready(slack)
    say = slack.workspace.say
    [empty] = await say("what should i do next")
    assert "all caught up" in empty.text
    await say("add Buy stamps")  # the oldest, undated
    await say("add Call the bank due friday 9am")
    await say("add Pay rent due today 11:30")
    [nxt] = await say("what should I do next?")
    assert nxt.text == "Next up: *Pay rent* (due today 11:30)."
    advance(slack, hours=1)
    [nxt] = await say("whats next")
    assert nxt.text.startswith("Next up: *Pay rent* (⚠️ overdue")
    [focus] = await slack.workspace.click(nxt, "Start focus")
    assert focus.text.startswith("Focus on *Pay rent* for 25 min")
    [done] = await slack.workspace.click(nxt, "Done")
    assert "Done: *Pay rent*" in done.text
    [nxt] = await say("what should i work on")
    assert nxt.text == "Next up: *Call the bank* (due Fri 06 Mar 09:00)."
    await say("done call the bank")
    [nxt] = await say("what should i do next")
    assert nxt.text == "Next up: *Buy stamps* (nothing is due, so the oldest open task)."


async def test_resume_restarts_whichever_stopped_last(slack):
    await ready(slack)
    say = slack.workspace.say
    [nothing] = await say("resume")
    assert nothing.text.startswith("There's nothing to resume")

    await say("start work")
    await say("add Write the report")
    await say("focus 25 on write the report")
    advance(slack, minutes=10)
    await say("cancel focus")
    advance(slack, minutes=5)
    await say("done for the day")  # the work session stopped after the focus did

    [work] = await say("resume")
    assert work.text.startswith("Resumed work: clocked in again at 11:15 (your last session ended at 11:15).")
    active = await slack.rest.json("GET", f"/api/work_sessions/active?user_id={U1}", 200)
    assert active["end_time"] is None

    advance(slack, minutes=1)
    [focus] = await say("resume")  # work runs again: the cancelled focus is what is left
    assert focus.text.startswith("Resumed your focus on *Write the report*: 15 min left of 25, until 11:31.")
    [again] = await say("resume")
    assert again.text == "Your focus session is still running: nothing to resume."
    [status] = await say("status")
    assert "15 min left of 15" in status.text


async def test_help_lists_every_capability_grouped_and_by_topic(slack):
    await ready(slack)
    [helped] = await slack.workspace.say("help")
    for group in ("Tasks", "Work &amp; focus", "Habits", "Companion", "Settings &amp; reminders", "Account &amp; data"):
        assert f"*{group}*" in helped.text, group
    for word in ("*pet*", "*achievements*", "*insights*", "*resume*", "*how am I doing*", "*what's due today*"):
        assert word in helped.text, word
    [focus] = await slack.workspace.say("help focus")
    assert "Help: Work &amp; focus" in focus.text and "*pet*" not in focus.text


async def test_teams_user_thanks_asks_what_to_do_next_and_likes_the_answer(store):
    async with teams_world(make_settings(), store) as world:
        chat = world.chat
        await chat.say("add Call the bank due tomorrow 9am")
        await chat.say("skip")
        thanks = await chat.say("thanks!")
        assert [visible_text(a) for a in thanks] == ["You're welcome! 😊"]
        nxt = await chat.say("what should I do next")
        assert "Next up: **Call the bank** (due tomorrow 09:00)." in visible_text(nxt[0])
        titles = [action["title"] for action in submit_actions(nxt[0]["attachments"][0]["content"])]
        assert titles == ["Done", "Start focus"]
        liked = await chat.say(None, type="messageReaction", reactionsAdded=[{"type": "like"}], replyToId="1")
        assert [visible_text(a) for a in liked] == ["😊 Glad to help!"]
        removed = await chat.say(None, type="messageReaction", reactionsRemoved=[{"type": "like"}], replyToId="1")
        assert removed == []
