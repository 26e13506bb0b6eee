"""The morning plan, one's own lunch time and the long break after four focus sessions, through
the Slack and Teams fakes (and the console) with a fake clock: the reminder pass is POST /api/reminders/run at a
time, and the clock of the chat turns is set to that time as well. Both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import SERVICES_KEY
from domain.clock import FakeClock
from domain.reminders.policy import spread
from tests.conformance.drivers import FlakyStore, console_driver
from tests.fake_connector import cards, submit_actions, teams_world
from tests.fake_slack import NOW, Call
from tests.integration.conftest import Api, make_settings

U1 = "slack:T0TEAM:U1"  # Ada, in Europe/Madrid: UTC+1 until 29 March 2026, then UTC+2
THU = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)  # 09:00 in Madrid: the start of her working day


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def madrid(slack) -> None:
    await slack.workspace.say("hello")
    await slack.workspace.say("timezone Europe/Madrid")


async def run(harness, rest: Api, instant: datetime) -> dict:
    """A reminder pass at ``instant``, with the app's clock there too (the plan reads "today")."""
    harness.app[SERVICES_KEY].clock.set(instant)
    return await rest.json("POST", "/api/reminders/run", 200, json={"now": instant.isoformat()})


def slack_nudges(slack, words: str) -> list[Call]:
    return [c for c in slack.api.calls_to("chat.postMessage") if c.ts and words in json.dumps(c.body)]


def row(message: Call, title: str) -> Call:
    """The message cut down to the list row of one task (to press that row's button)."""
    [block] = [b for b in message.body["blocks"] if title in json.dumps(b.get("text", {}))]
    return Call(message.method, {**message.body, "blocks": [block]}, message.ts)


def row_text(message: Call, title: str) -> str:
    return row(message, title).body["blocks"][0]["text"]["text"]


async def test_the_morning_plan_comes_once_at_the_start_of_work_lists_overdue_once_and_starts_focus(slack):
    services = slack.app[SERVICES_KEY]
    await madrid(slack)  # Wednesday 11:00 in Madrid: too late for today's plan
    tasks = services.tasks
    await tasks.create_task(U1, "call the bank", due_at=utc(4, 15))  # Wednesday 16:00
    today = await tasks.create_task(U1, "write the report", due_at=utc(5, 14))  # Thursday 15:00
    await tasks.create_task(U1, "file the expenses", due_at=utc(2, 10))  # Monday: old news
    await tasks.create_task(U1, "renew passport")
    services.clock.advance(minutes=1)
    await tasks.create_task(U1, "book dentist")
    services.clock.advance(minutes=1)
    await tasks.create_task(U1, "book the train")  # the fourth undated: not in the top three
    tidy = await tasks.create_task(U1, "tidy the desk")
    await tasks.complete_task(U1, tidy.id)  # yesterday, seen from Thursday
    assert "plan" not in (await run(slack, slack.rest, utc(4, 10, 30)))["by_kind"]

    due = THU + spread(U1, "plan")
    assert "plan" not in (await run(slack, slack.rest, due - timedelta(seconds=1)))["by_kind"]
    assert (await run(slack, slack.rest, due))["by_kind"] == {"plan": 1}
    assert "plan" not in (await run(slack, slack.rest, due + timedelta(minutes=5)))["by_kind"]
    assert "plan" not in (await run(slack, slack.rest, THU + timedelta(hours=3)))["by_kind"]

    [plan] = slack_nudges(slack, "Your plan for today")
    assert plan.body["channel"].startswith("D")
    blocks = json.dumps(plan.body["blocks"])
    assert "2 tasks due today, 1 of them overdue" in blocks
    assert "Yesterday: 1 task done" in blocks
    titles = ["call the bank", "write the report", "file the expenses", "renew passport", "book dentist"]
    positions = [blocks.index(title) for title in titles]
    assert positions == sorted(positions) and "book the train" not in blocks
    assert all(blocks.count(title) == 1 for title in titles)  # each task once, overdue ones too
    assert "overdue" in row_text(plan, "call the bank")
    assert "overdue" not in row_text(plan, "file the expenses")  # overdue before the last plan: said then
    assert [b["text"]["text"] for _, b in plan.buttons()].count("Start focus") == len(titles)

    # Its Start focus button focuses on that task, through the same dialogs as typing it.
    [started] = await slack.workspace.click(row(plan, "write the report"), "Start focus")
    assert "write the report" in started.text
    focus = await services.focus.active(U1)
    assert focus is not None and focus.task_id == today.id
    await slack.workspace.say("focus cancel")

    # Friday: the report fell due on Thursday afternoon, so it is the one mentioned as overdue now.
    assert (await run(slack, slack.rest, THU + timedelta(days=1, minutes=5)))["by_kind"] == {"plan": 1}
    friday = slack_nudges(slack, "Your plan for today")[-1]
    assert "overdue" in row_text(friday, "write the report")
    assert "overdue" not in row_text(friday, "call the bank")

    # Not on the weekend; again on Monday.
    for day in (1, 2):
        summary = await run(slack, slack.rest, THU + timedelta(days=1 + day, minutes=5))
        assert "plan" not in summary["by_kind"]
    assert (await run(slack, slack.rest, THU + timedelta(days=4, minutes=5)))["by_kind"] == {"plan": 1}


async def test_lunch_at_a_time_of_ones_own_moves_the_nudge_across_a_daylight_saving_change(slack):
    services = slack.app[SERVICES_KEY]
    services.clock.set(utc(27, 8, month=3))  # Friday 27 March, 09:00 in Madrid (UTC+1)
    await madrid(slack)
    [reply] = await slack.workspace.say("lunch at 13:15")
    assert "13:15" in reply.text
    assert (await services.habits.today(U1))["lunches"] == 0  # set, not logged
    [shown] = await slack.workspace.say("settings")
    assert "at 13:15" in json.dumps(shown.body)
    late = spread(U1, "lunch")

    async def lunch_nudges_at(instant: datetime) -> int:
        return (await run(slack, slack.rest, instant))["by_kind"].get("lunch", 0)

    assert await lunch_nudges_at(utc(27, 11, 30) + late) == 0  # 12:30, the default time: nothing
    assert await lunch_nudges_at(utc(27, 12, 15) + late - timedelta(seconds=1)) == 0
    assert await lunch_nudges_at(utc(27, 12, 15) + late) == 1
    # Summer time from Sunday 29 March: Monday's 13:15 in Madrid is 11:15 UTC, an hour earlier.
    assert await lunch_nudges_at(utc(30, 11, 15) + late - timedelta(seconds=1)) == 0
    assert await lunch_nudges_at(utc(30, 11, 15) + late) == 1
    # Still skipped once lunch is logged, and not on a day off.
    services.clock.set(utc(31, 10))
    await slack.workspace.say("had lunch")
    assert await lunch_nudges_at(utc(31, 11, 15) + late) == 0
    assert await lunch_nudges_at(utc(4, 11, 15, month=4) + late) == 0  # a Saturday


async def test_after_the_fourth_focus_session_of_the_day_the_nudge_suggests_a_long_break(slack):
    services = slack.app[SERVICES_KEY]
    await madrid(slack)
    endings, done = [], []
    for _ in range(5):
        await slack.workspace.say("focus 25")
        ends = services.clock.advance(minutes=25)
        assert (await run(slack, slack.rest, ends))["by_kind"].get("focus_end") == 1
        endings.append(slack_nudges(slack, "Focus time is up")[-1].text)
        [reply] = await slack.workspace.click(slack_nudges(slack, "Focus time is up")[-1], "Done")
        done.append(reply.text)
        services.clock.advance(minutes=5)
    assert ["long break" in text for text in endings] == [False, False, False, True, False]
    assert "15-30 minutes" in endings[3]
    # Pressing Done on it says the same, not "stretch a little".
    assert ["long break" in text for text in done] == [False, False, False, True, False]
    assert "stretch" not in done[3]


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store) as world:  # Monday 2 March, 10:00 in Madrid
        yield world


async def test_in_teams_remind_plan_off_stops_it_and_its_start_focus_button_works(world):
    rest = Api(world.session, world.base)
    services = world.app[SERVICES_KEY]
    await world.chat.say("hello")
    await world.chat.say("timezone Europe/Madrid")
    task = await services.tasks.create_task(world.chat.user_id, "prepare the slides")
    [off] = await world.chat.say("remind plan off")
    assert "Morning plan off" in json.dumps(off)
    tuesday = utc(3, 8, 5)
    assert "plan" not in (await run(world, rest, tuesday))["by_kind"]
    await world.chat.say("remind plan on")
    before = len(world.connector.activities)
    assert (await run(world, rest, tuesday + timedelta(days=1)))["by_kind"] == {"plan": 1}
    [plan] = world.connector.messages(before)
    [card] = cards([plan])
    assert "Your plan for today" in json.dumps(card)
    start = [a["data"] for a in submit_actions(card) if a["title"] == "Start focus"]
    assert start == [{"command": "focus_task", "args": task.id}]
    await world.chat.press(start[0])
    focus = await services.focus.active(world.chat.user_id)
    assert focus is not None and focus.task_id == task.id


async def test_in_teams_the_long_break_comes_after_the_number_of_sessions_one_chose_or_never(world):
    rest = Api(world.session, world.base)
    await world.chat.say("hello")
    await world.chat.say("remind longbreak after 2")
    texts = []
    for switch_off_after in (False, False, True, False):
        await world.chat.say("focus 25")
        ends = world.clock.advance(minutes=25)
        before = len(world.connector.activities)
        assert (await run(world, rest, ends))["by_kind"].get("focus_end") == 1
        texts.append(json.dumps(world.connector.messages(before)))
        await world.chat.say("focus done")
        world.clock.advance(minutes=5)
        if switch_off_after:
            await world.chat.say("remind longbreak off")
    assert ["long break" in text for text in texts] == [False, True, False, False]


async def test_at_the_console_the_plan_is_printed_while_it_waits_and_start_focus_works(store, tmp_path: Path):
    clock = FakeClock(NOW)
    async with console_driver(FlakyStore(store), tmp_path / "files", clock=clock, reminders_every=0.02) as console:
        for line in ("hello", "skip", "skip", "timezone Europe/Madrid"):
            await console.say(line)
        task = await console.services.tasks.create_task(console.user_id, "sketch the poster")
        start = len(console.screen.text)
        clock.set(THU + spread(console.user_id, "plan"))
        await console.printed(lambda text: "Your plan for today" in text, start)
        [plan] = [seen for seen in console.seen(start) if "Your plan for today" in seen.text]
        assert "sketch the poster" in plan.text
        # The terminal prints a row's detail after its button: "[4] Start focus (next up)".
        [label] = [button for button in plan.buttons if button.startswith("Start focus")]
        [started, *_] = await console.press(plan, label)
        assert "sketch the poster" in started.text
        focus = await console.services.focus.active(console.user_id)
        assert focus is not None and focus.task_id == task.id
