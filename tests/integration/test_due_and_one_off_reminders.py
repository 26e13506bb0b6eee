"""Reminders people ask for: a nudge before a task's due time (with Done, Snooze and Tomorrow) and
one-off reminders ("remind me to stretch in 20 minutes"), listed, cancelled, snoozed and said exactly
once; through the Slack and Teams fakes over real HTTP with a fake clock, on both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import ENGINE_KEY, SERVICES_KEY
from domain.clock import FakeClock
from domain.reminders.policy import SPREAD
from persistence.port import Query, where
from persistence.sqlite_store import SqliteDocumentStore
from tests.conformance.drivers import FlakyStore, console_driver
from tests.fake_connector import assert_cards_valid, cards, submit_actions, teams_world
from tests.fake_slack import NOW
from tests.integration.conftest import make_settings
from tests.integration.test_sqlite_plans import plan_of

U1 = "slack:T0TEAM:U1"  # in Europe/Madrid: NOW (10:00 UTC on a Wednesday) is 11:00 there


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


async def run(slack, minutes: float) -> dict[str, int]:
    """One engine pass at NOW + ``minutes``: the asked-for nudges it sent, by kind (the water and
    break nudges of a working day come and go beside them)."""
    summary = await slack.rest.json("POST", "/api/reminders/run", 200, json={"now": at(minutes)})
    return mine(summary["by_kind"])


def mine(by_kind: dict[str, int]) -> dict[str, int]:
    return {kind: n for kind, n in by_kind.items() if kind in ("due", "reminder")}


def posted(slack, since: int, marker: str = "⏰") -> list:
    return [c for c in slack.api.calls_to("chat.postMessage")[since:] if c.ts and marker in c.text]


def labels(message) -> list[str]:
    return [button["text"]["text"] for _, button in message.buttons()]


async def onboarded(slack) -> None:
    await slack.workspace.say("hello", count=2)
    await slack.workspace.say("skip")
    await slack.workspace.say("skip")
    await slack.workspace.say("timezone Europe/Madrid")


def slack_clock(slack):
    return slack.app[SERVICES_KEY].clock


async def test_a_task_due_at_4pm_is_nudged_once_15_minutes_before_and_never_nagged_when_overdue(slack):
    await onboarded(slack)
    [reply] = await slack.workspace.say("add Send the invoice due today 4pm")  # 15:00 UTC, NOW + 300 min
    assert "Send the invoice" in reply.text
    sent = len(slack.api.calls_to("chat.postMessage"))
    assert await run(slack, 284) == {}
    assert await run(slack, 285) == {"due": 1}
    assert await run(slack, 286) == {}
    [nudge] = posted(slack, sent)
    assert nudge.text == "⏰ *Send the invoice* is due at 16:00."
    assert labels(nudge) == ["Done", "Snooze 15 min", "Tomorrow"]
    # Past its due time the task is overdue: no more nudges, however often the engine looks.
    for minutes in (301, 400, 24 * 60):
        assert await run(slack, minutes) == {}
    assert len(posted(slack, sent)) == 1


async def test_snooze_on_a_due_nudge_says_it_again_once_15_minutes_later_and_done_completes_it(slack):
    await onboarded(slack)
    await slack.workspace.say("add Send the invoice due today 4pm")
    sent = len(slack.api.calls_to("chat.postMessage"))
    assert await run(slack, 285) == {"due": 1}
    [nudge] = posted(slack, sent)
    slack_clock(slack).advance(minutes=285)
    [reply] = await slack.workspace.click(nudge, "Snooze 15 min")
    assert reply.text == "OK, I'll remind you about *Send the invoice* today at 16:00."
    [reply] = await slack.workspace.click(nudge, "Snooze 15 min")  # pressed twice: still one
    assert reply.text == "OK, I'll remind you about *Send the invoice* today at 16:00."
    assert await run(slack, 299) == {}
    assert await run(slack, 300) == {"reminder": 1}
    again = posted(slack, sent)[-1]
    assert labels(again) == ["Done", "Snooze 15 min", "Tomorrow"]
    await slack.workspace.click(again, "Done")
    [task] = await slack.app[SERVICES_KEY].tasks.list_tasks(U1, "done")
    assert task.title == "Send the invoice"


async def test_tomorrow_on_a_due_nudge_moves_the_due_date_and_arms_a_new_nudge(slack):
    await onboarded(slack)
    await slack.workspace.say("add Send the invoice due today 4pm")
    sent = len(slack.api.calls_to("chat.postMessage"))
    assert await run(slack, 285) == {"due": 1}
    [nudge] = posted(slack, sent)
    [reply] = await slack.workspace.click(nudge, "Tomorrow")
    assert reply.text == "*Send the invoice* is now due tomorrow at 16:00."
    [task] = await slack.app[SERVICES_KEY].tasks.list_tasks(U1, "open")
    assert task.due_at == datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
    assert await run(slack, 300) == {}
    assert await run(slack, 24 * 60 + 285) == {"due": 1}
    assert await run(slack, 24 * 60 + 286) == {}


async def test_adding_a_due_task_wakes_an_engine_that_had_nothing_to_do(slack):
    await onboarded(slack)
    for text in ("remind water off", "remind lunch off"):
        await slack.workspace.say(text)
    assert await run(slack, 1) == {}  # nothing ahead: the engine looks again in hours
    await slack.workspace.say("add Send the invoice due today 4pm")
    assert await run(slack, 285) == {"due": 1}


async def test_a_task_done_and_then_undone_gets_its_nudge_back(slack):
    await onboarded(slack)
    for text in ("remind water off", "remind lunch off"):  # nothing else wakes the engine before 15:45
        await slack.workspace.say(text)
    await slack.workspace.say("add Send the invoice due today 4pm")
    await slack.workspace.say("done 1")
    assert await run(slack, 10) == {}  # looked at while done: the engine sleeps past 15:45
    await slack.workspace.say("undo")
    assert await run(slack, 285) == {"due": 1}


async def test_remind_due_sets_the_lead_time_and_off_stops_due_nudges(slack):
    await onboarded(slack)
    [reply] = await slack.workspace.say("remind due 30m")
    assert reply.text == "I'll nudge you 30 min before a task is due."
    await slack.workspace.say("add Send the invoice due today 4pm")
    assert await run(slack, 269) == {}
    assert await run(slack, 270) == {"due": 1}
    [reply] = await slack.workspace.say("remind due off")
    assert reply.text.startswith("No more nudges before due dates.")
    await slack.workspace.say("add Call the bank due today 5pm")
    assert await run(slack, 330) == {}
    assert await run(slack, 359) == {}


async def test_a_one_off_reminder_comes_once_at_its_time_and_snooze_brings_it_back(slack):
    await onboarded(slack)
    [reply] = await slack.workspace.say("remind me to stretch in 20 minutes")
    assert reply.text == "OK, I'll remind you today at 11:20: stretch"
    sent = len(slack.api.calls_to("chat.postMessage"))
    assert await run(slack, 19) == {}
    assert await run(slack, 20) == {"reminder": 1}
    assert await run(slack, 21) == {}
    [nudge] = posted(slack, sent)
    assert nudge.text == "⏰ Reminder: stretch"
    assert labels(nudge) == ["Snooze 15 min"]
    slack_clock(slack).advance(minutes=20)
    await slack.workspace.click(nudge, "Snooze 15 min")
    assert await run(slack, 34) == {}
    assert await run(slack, 35) == {"reminder": 1}
    assert await run(slack, 60) == {}
    assert [c.text for c in posted(slack, sent)] == ["⏰ Reminder: stretch", "⏰ Reminder: stretch"]


async def test_reminders_lists_the_waiting_ones_beside_the_settings_and_cancel_removes_one(slack):
    await onboarded(slack)
    await slack.workspace.say("remind me to call Sam tomorrow 9am")
    await slack.workspace.say("remind me on friday to water the plants")
    settings, listing = await slack.workspace.say("reminders", count=2)
    assert "Reminders" in json.dumps(settings.body)  # the settings stay visible
    text = json.dumps(listing.body)
    assert "1. call Sam" in text and "tomorrow at 09:00" in text
    assert "2. water the plants" in text and "Fri 06 Mar 09:00" in text
    assert "15 min ahead" in text
    [reply] = await slack.workspace.say("cancel reminder 1")
    assert reply.text == "Cancelled reminder 1: call Sam"
    _, listing = await slack.workspace.say("reminders", count=2)
    assert "call Sam" not in json.dumps(listing.body)
    assert await run(slack, 23 * 60) == {}  # 09:00 tomorrow in Madrid
    [reply] = await slack.workspace.say("cancel reminder 7")
    assert "no reminder number 7" in reply.text
    await slack.workspace.say("reminders off")
    _, listing = await slack.workspace.say("reminders", count=2)
    assert "these wait until you say 'reminders on'" in json.dumps(listing.body)
    exported = await slack.app[SERVICES_KEY].account.export(U1)  # the user's words are theirs to take
    assert [(r["number"], r["text"]) for r in exported["reminders"]] == [(2, "water the plants")]


async def test_a_reminder_without_a_time_or_in_the_past_is_questioned_not_kept(slack):
    await onboarded(slack)
    [reply] = await slack.workspace.say("remind me to stretch")
    assert reply.text.startswith("When should I remind you?")
    [reply] = await slack.workspace.say("remind me in 20 minutes")
    assert reply.text.startswith("What should I remind you of?")
    [reply] = await slack.workspace.say("remind me to call mum today 9am")  # 11:00 in Madrid already
    assert reply.text.startswith("Wed 04 Mar 09:00 is already past. Remind you at 09:00 tomorrow instead?")
    [reply] = await slack.workspace.say("no")
    assert reply.text.startswith("OK, no reminder set.")
    assert await slack.app[SERVICES_KEY].reminders.pending_one_offs(U1) == []
    await slack.workspace.say("remind me to call mum today 9am")
    [reply] = await slack.workspace.say("yes")
    assert reply.text == "OK, I'll remind you tomorrow at 09:00: call mum"


async def test_reminder_text_is_capped(slack):
    await onboarded(slack)
    [reply] = await slack.workspace.say("remind me to " + "x" * 250 + " in 20 minutes")
    assert reply.text.startswith("A reminder can be at most 200 characters")
    assert await slack.app[SERVICES_KEY].reminders.pending_one_offs(U1) == []


# -- Teams: the same through the Bot Connector fake, with a clock across a DST change --------------

SATURDAY_BEFORE_DST = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 10:00 in Paris; clocks go forward tonight


def said(activities: list[dict]) -> str:
    return json.dumps(activities, ensure_ascii=False)


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store, start=SATURDAY_BEFORE_DST) as world:
        await world.chat.say("timezone Europe/Paris")
        await world.chat.say("skip")
        yield world
        assert_cards_valid(world.connector)


async def test_tomorrow_9am_across_the_dst_change_comes_at_9_local_in_teams(world):
    replies = await world.chat.say("remind me to call mum tomorrow 9am")
    assert "OK, I'll remind you tomorrow at 09:00: call mum" in said(replies)
    listed = said(await world.chat.say("reminders"))  # its card is checked against the schema too
    assert "1. call mum" in listed and "tomorrow at 09:00" in listed
    engine = world.app[ENGINE_KEY]
    nine_cest = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 in Paris after the change to summer time
    before = len(world.connector.activities)
    assert mine((await engine.run(nine_cest - timedelta(minutes=1))).by_kind) == {}
    assert mine((await engine.run(nine_cest)).by_kind) == {"reminder": 1}
    assert mine((await engine.run(nine_cest + timedelta(minutes=5))).by_kind) == {}
    [nudge] = world.connector.messages(before)
    assert "Reminder: call mum" in said([nudge])
    assert [a["data"] for a in submit_actions(cards([nudge])[0])] == [{"command": "remind_again", "text": "call mum"}]


async def test_a_due_nudge_in_teams_carries_done_snooze_and_tomorrow(world):
    await world.chat.say("add Water the plants due today 3pm")  # 14:00 UTC
    engine = world.app[ENGINE_KEY]
    before = len(world.connector.activities)
    assert mine((await engine.run(datetime(2026, 3, 28, 13, 45, tzinfo=UTC))).by_kind) == {"due": 1}
    [nudge] = world.connector.messages(before)
    data = [a["data"] for a in submit_actions(cards([nudge])[0])]
    assert [d["command"] for d in data] == ["done", "remind_again", "due_tomorrow"]
    replies = await world.chat.press(data[2])
    assert "now due tomorrow at 15:00" in said(replies)
    [task] = await world.app[SERVICES_KEY].tasks.list_tasks(world.chat.user_id, "open")
    assert task.due_at == datetime(2026, 3, 29, 13, 0, tzinfo=UTC)  # 15:00 in summer time


async def test_a_task_added_after_that_morning_is_nudged_before_its_end_of_day_not_at_once(world):
    await world.chat.say("add Pay the rent due today")  # 17:30 in Paris; it is 10:00 there
    engine = world.app[ENGINE_KEY]
    assert mine((await engine.run(SATURDAY_BEFORE_DST + timedelta(minutes=1))).by_kind) == {}
    assert mine((await engine.run(datetime(2026, 3, 28, 16, 15, tzinfo=UTC))).by_kind) == {"due": 1}


async def test_a_task_due_sooner_than_the_lead_time_gets_no_nudge_right_after_it_is_added(world):
    await world.chat.say("add Join the call due today 10:10")  # in 10 minutes: the user knows
    engine = world.app[ENGINE_KEY]
    for minutes in (1, 5, 9):
        assert mine((await engine.run(SATURDAY_BEFORE_DST + timedelta(minutes=minutes))).by_kind) == {}


async def test_a_task_due_on_a_day_without_a_time_is_nudged_that_morning(world):
    await world.chat.say("hours 09:00-17:30")
    await world.chat.say("add Pay the rent due monday")  # stored at the end of the working day
    engine = world.app[ENGINE_KEY]
    morning = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 in Paris
    assert mine((await engine.run(morning - timedelta(minutes=1))).by_kind) == {}
    # Within a few minutes of the start of working hours (each user's morning is spread).
    assert mine((await engine.run(morning + SPREAD)).by_kind) == {"due": 1}
    assert mine((await engine.run(morning + timedelta(hours=8, minutes=15))).by_kind) == {}


# -- the terminal chat: printed while it waits for a line ----------------------------------------


async def test_a_one_off_reminder_is_printed_by_the_console_once_with_its_snooze(store, tmp_path: Path):
    clock = FakeClock(NOW)
    async with console_driver(FlakyStore(store), tmp_path / "files", clock=clock, reminders_every=0.02) as console:
        for text in ("hello", "skip", "skip"):
            await console.say(text)
        [kept] = await console.say("remind me to stretch in 20 minutes")
        assert "OK, I'll remind you today at 10:20: stretch" in kept.text
        start = len(console.screen.text)
        clock.set(NOW + timedelta(minutes=21))
        await console.printed(lambda text: "Reminder: stretch" in text, start)
        [nudge] = [seen for seen in console.seen(start) if "Reminder: stretch" in seen.text]
        assert nudge.buttons == ["Snooze 15 min"]
        await console.press(nudge, "Snooze 15 min")
        [again] = await console.services.reminders.pending_one_offs(console.user_id)
        assert (again.text, again.at) == ("stretch", NOW + timedelta(minutes=36))


# -- what the engine's look at a user costs -------------------------------------------------------


async def test_the_engine_reads_the_tasks_due_soonest_on_an_index_without_sorting_a_history(tmp_path: Path):
    store = SqliteDocumentStore(str(tmp_path / "plans.sqlite3"))
    await store.open()
    try:
        conditions = (where("completed", "=", False), where("due_at", ">", "2026-03-04T10:00:00+00:00"))
        plan = await plan_of(store, Query("task", "u", conditions, "due_at", False, 10))
    finally:
        await store.close()
    assert "USING INDEX documents_by_due" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
