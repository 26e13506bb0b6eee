"""Every command family of the command language, said through Slack over real HTTP (DMs,
/avanochi, mentions and buttons), checked in what Slack receives and through the REST API."""

from __future__ import annotations

from app import SERVICES_KEY

U1 = "slack:T0TEAM:U1"


async def first_contact(slack, text="help"):
    """The first message of a new user: its reply, then the onboarding question (skipped)."""
    replies = await slack.workspace.say(text, count=2)
    assert "time zone" in replies[1].text or "Europe/Madrid" in replies[1].text
    return replies[0]


async def tasks_of(slack, status="all"):
    return await slack.rest.json("GET", f"/api/tasks?user_id={U1}&status={status}", 200)


async def test_tasks_add_list_done_edit_due_undo(slack):
    say = slack.workspace.say
    added = await first_contact(slack, "add Write the report due tomorrow 5pm !high")
    assert "Added *Write the report*" in added.text and "high priority" in added.text
    [report] = await tasks_of(slack)
    assert report["priority"] == "high" and report["due_at"] == "2026-03-05T17:00:00+00:00"

    await say("skip")  # no time zone for now
    await say("todo Call the bank")
    [listed] = await say("tasks")
    assert listed.body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Open tasks", "emoji": True},
    }
    assert [label for _, b in listed.buttons() if (label := b["text"]["text"]) == "Done"] == ["Done", "Done"]
    assert "1. Write the report" in listed.text and "2. Call the bank" in listed.text

    [done] = await say("done 1")
    assert "Done: *Write the report*" in done.text
    [undone] = await say("undo")
    assert "Reopened" in undone.text
    [done] = await say("complete the report")
    assert "Done: *Write the report*" in done.text
    assert [t["title"] for t in await tasks_of(slack, "done")] == ["Write the report"]

    await say("tasks")
    [renamed] = await say("edit 1 Call the bank about the mortgage")
    assert "Renamed to *Call the bank about the mortgage*" in renamed.text
    [due] = await say("due 1 friday 9am")
    assert "due Fri 06 Mar 09:00" in due.text
    [bank] = await tasks_of(slack, "open")
    assert (bank["title"], bank["due_at"]) == ("Call the bank about the mortgage", "2026-03-06T09:00:00+00:00")


async def test_delete_asks_to_confirm_with_a_button(slack):
    await first_contact(slack, "add Old idea")
    await slack.workspace.say("tasks")
    [question] = await slack.workspace.say("delete 1")
    assert "Delete *Old idea*?" in question.text
    assert question.button("Delete")[1]["style"] == "danger"
    [answer] = await slack.workspace.click(question, "Delete")
    # The answer replaces the question, so its buttons cannot be pressed twice.
    assert answer.method == "chat.update" and answer.body["ts"] == question.ts
    assert "Deleted *Old idea*" in answer.text
    assert await tasks_of(slack) == []
    [restored] = await slack.workspace.say("undo")
    assert "Restored" in restored.text
    assert [t["title"] for t in await tasks_of(slack)] == ["Old idea"]


async def test_work_session_start_status_stop(slack):
    started = await first_contact(slack, "clock in")
    assert "Clocked in at 10:00" in started.text
    active = await slack.rest.json("GET", f"/api/work_sessions/active?user_id={U1}", 200)
    assert active["end_time"] is None
    [status] = await slack.workspace.say("status")
    assert "Clocked in" in status.text and status.button("Clock out")
    [stopped] = await slack.workspace.click(status, "Clock out")
    assert "Clocked out after 0 h 00 min" in stopped.text
    assert await slack.rest.json("GET", f"/api/work_sessions/active?user_id={U1}", 200) is None


async def test_focus_start_interrupted_stop_and_cancel(slack):
    focusing = await first_contact(slack, "focus 30")
    assert "Focus for 30 min, until 10:30" in focusing.text
    [noted] = await slack.workspace.click(focusing, "Interrupted")
    assert "Noted: 1 interruption so far." in noted.text
    slack.app[SERVICES_KEY].clock.advance(minutes=30)  # a whole session later
    [stopped] = await slack.workspace.say("focus stop")
    assert "Focus session complete" in stopped.text and "1 interruption" in stopped.text
    await slack.workspace.say("pomodoro 15")
    [early] = await slack.workspace.say("focus stop")  # at once: cut short, not completed
    assert "not counted as a completed session" in early.text
    await slack.workspace.say("pomodoro 15")
    [cancelled] = await slack.workspace.say("focus cancel")
    assert "cancelled" in cancelled.text
    sessions = await slack.rest.json("GET", f"/api/v1/focus/sessions/user/{U1}", 200)
    assert sorted((s["duration_minutes"], s["completed"], s["interruptions"]) for s in sessions) == [
        (15, False, 0),
        (15, False, 0),
        (30, True, 1),
    ]


async def test_water_break_lunch_and_stats(slack):
    water = await first_contact(slack, "water")
    assert "Logged 250 ml of water" in water.text
    await slack.workspace.click(water, "Another glass")
    await slack.workspace.say("water 500 ml")
    [rest] = await slack.workspace.say("break 10")
    assert "10-minute break" in rest.text
    [lunch] = await slack.workspace.say("had lunch")
    assert "Lunch logged" in lunch.text
    [stats] = await slack.workspace.say("stats")
    fields = [field["text"] for block in stats.body["blocks"] for field in block.get("fields", [])]
    assert "*Water*\n1000 ml" in fields and "*Breaks*\n1" in fields
    [week] = await slack.workspace.say("stats week")
    assert "Last 7 days" in week.text


async def test_settings_time_zone_hours_quiet_and_reminders(slack):
    await first_contact(slack)
    say = slack.workspace.say
    # Skip the onboarding question first: while it waits, the router would take
    # "timezone Asia/Tokyo" (it has a "/") as its answer.
    await say("skip")
    assert "Time zone set to Asia/Tokyo (it is 19:00 there)" in (await say("timezone Asia/Tokyo"))[0].text
    assert "Working hours set to 08:00-16:00" in (await say("hours 8:00-16:00"))[0].text
    assert "Quiet hours set to 19:00-07:00" in (await say("quiet 19:00-07:00"))[0].text
    assert "every 90 minutes" in (await say("remind water every 90m"))[0].text
    assert "Reminders off" in (await say("reminders off"))[0].text
    assert "Reminders on" in (await say("reminders on"))[0].text
    assert "Snoozed for 15 minutes" in (await say("snooze 15m"))[0].text
    [paused] = await say("pause until monday")
    assert "paused until Monday" in paused.text
    user = await slack.app[SERVICES_KEY].users.get_user(U1)
    assert (user.timezone, user.work_start, user.work_end) == ("Asia/Tokyo", "08:00", "16:00")
    assert (user.quiet_start, user.quiet_end, user.reminders_on) == ("19:00", "07:00", True)
    assert user.reminder_settings["water"] == {"on": True, "every": 90}
    assert user.snoozed_until is not None and user.paused_until is not None
    [resumed] = await slack.workspace.click(paused, "Resume now")
    assert "Reminders on" in resumed.text


async def test_help_and_a_typo_suggestion_with_a_working_button(slack):
    helped = await first_contact(slack, "help")
    assert helped.body["blocks"][0]["text"]["text"] == "Avanochi help"
    assert "*add* &lt;title&gt;" in helped.text  # user-visible angle brackets are escaped for Slack
    [suggestion] = await slack.workspace.say("statts")
    assert "Did you mean *stats*?" in suggestion.text
    [stats] = await slack.workspace.click(suggestion, "Yes, stats")
    assert stats.method == "chat.update" and stats.body["ts"] == suggestion.ts
    assert "Here is how it went" in stats.text


async def test_slash_commands_answer_ephemerally_and_their_buttons_work(slack):
    replies = await slack.workspace.say("add Review the budget", via="command", count=2)
    assert all(reply.method == "response_url" and reply.body["response_type"] == "ephemeral" for reply in replies)
    await slack.workspace.say("skip", via="command")
    [listed] = await slack.workspace.say("tasks", via="command")
    assert "1. Review the budget" in listed.text
    [done] = await slack.workspace.click(listed, "Done")
    assert done.method == "response_url" and not done.body["replace_original"]
    assert "Done: *Review the budget*" in done.text
    assert [t["completed"] for t in await tasks_of(slack)] == [True]


async def test_a_mention_in_a_channel_is_answered_in_its_thread(slack):
    workspace = slack.workspace
    replies = await workspace.say("add Plan the offsite & <the party>", via="mention", count=2)
    assert replies[0].method == "chat.postMessage" and replies[0].body["channel"] == "C0GENERAL"
    assert replies[0].body["thread_ts"]  # answered in the thread of the mention
    assert "Added *Plan the offsite &amp; &lt;the party&gt;*" in replies[0].text
    assert [t["title"] for t in await tasks_of(slack)] == ["Plan the offsite & <the party>"]
