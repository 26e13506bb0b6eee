"""Every command family of the command language through Teams: real activity JSON posted to
/api/messages, replies read at the fake Bot Connector, results read back through the REST API.
Runs on SQLite and on the Cosmos DB test server."""

from __future__ import annotations

import pytest

from tests.fake_connector import assert_cards_valid, cards, submit_actions, teams_world, visible_text
from tests.integration.conftest import Api, make_settings


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store) as world:
        yield world
        assert assert_cards_valid(world.connector) > 0


@pytest.fixture
def api(world) -> Api:
    return Api(world.session, world.base)


async def rest_tasks(api: Api, user_id: str, status: str = "all") -> list[dict]:
    return await api.json("GET", f"/api/tasks?user_id={user_id}&status={status}", 200)


def find_submit(activities: list[dict], title: str) -> dict:
    for card in cards(activities):
        for action in submit_actions(card):
            if action["title"] == title:
                return action["data"]
    raise AssertionError(f"no {title!r} button in {activities}")


def text_of(activities: list[dict]) -> str:
    return "\n".join(visible_text(activity) for activity in activities)


async def test_add_with_due_date_and_priority(world, api):
    chat = world.chat
    replies = await chat.say("add Write the report due friday 5pm !high")
    assert "Added **Write the report**, due Fri 06 Mar 17:00 (high priority)" in text_of(replies)
    [task] = await rest_tasks(api, chat.user_id)
    assert task["title"] == "Write the report" and task["priority"] == "high"
    assert task["due_at"] == "2026-03-06T17:00:00+00:00" and task["user_id"] == "msteams:tenant-1:aad-ada"


async def test_task_list_card_and_pressing_done(world, api):
    chat = world.chat
    await chat.say("add Pay rent")
    await chat.say("todo Call the bank by tomorrow")
    listing = await chat.say("tasks")
    [card] = cards(listing)
    rows = card["body"][-1]["items"]
    # Tasks with a due date come first.
    assert [row["columns"][0]["items"][0]["text"] for row in rows] == ["1. Call the bank", "2. Pay rent"]
    done_buttons = [action for action in submit_actions(card) if action["title"] == "Done"]
    assert len(done_buttons) == 2 and all(b["data"]["command"] == "done" for b in done_buttons)
    assert done_buttons == [submit_actions(row)[0] for row in rows]
    # Teams posts the button's data as the activity's value, with no text at all.
    pressed = await chat.press(done_buttons[1]["data"])
    assert "Done: **Pay rent**. 1 open task left." in text_of(pressed)
    tasks = {task["title"]: task for task in await rest_tasks(api, chat.user_id)}
    assert tasks["Pay rent"]["completed"] is True and tasks["Call the bank"]["completed"] is False
    again = await chat.press(done_buttons[1]["data"])
    assert "was already done" in text_of(again)


async def test_done_by_words_edit_and_due(world, api):
    chat = world.chat
    await chat.say("add Write the quarterly report")
    await chat.say("add Water the plants")
    assert "Done: **Write the quarterly report**" in text_of(await chat.say("done quarterly report"))
    await chat.say("tasks")  # numbers refer to the last list: now only the plants
    assert "Renamed to **Water the office plants**" in text_of(await chat.say("edit 1 Water the office plants"))
    assert "due Tue 03 Mar 09:00" in text_of(await chat.say("due 1 tomorrow 9am"))
    open_tasks = await rest_tasks(api, chat.user_id, "open")
    assert [(t["title"], t["due_at"]) for t in open_tasks] == [("Water the office plants", "2026-03-03T09:00:00+00:00")]


async def test_delete_confirmed_by_button_then_undo(world, api):
    chat = world.chat
    await chat.say("add Old idea")
    await chat.say("tasks")
    asked = await chat.say("delete 1")
    assert "Delete **Old idea**?" in text_of(asked)
    [card] = cards(asked)
    delete = next(a for a in card["actions"] if a["title"] == "Delete")
    assert delete["style"] == "destructive"
    assert "Deleted **Old idea**" in text_of(await chat.press(delete["data"]))
    assert await rest_tasks(api, chat.user_id) == []
    assert "Restored: **Old idea**" in text_of(await chat.say("undo"))
    assert [t["title"] for t in await rest_tasks(api, chat.user_id)] == ["Old idea"]


async def test_delete_answered_no_keeps_the_task(world, api):
    chat = world.chat
    await chat.say("add Keep me")
    await chat.say("tasks")
    asked = await chat.say("delete 1")
    kept = await chat.press(find_submit(asked, "Keep it"))
    assert "Kept it." in text_of(kept)
    assert len(await rest_tasks(api, chat.user_id)) == 1


async def test_work_session_start_status_stop(world, api):
    chat = world.chat
    assert "Clocked in at 09:00" in text_of(await chat.say("clock in writing"))
    active = await api.json("GET", f"/api/work_sessions/active?user_id={chat.user_id}", 200)
    assert active and active["end_time"] is None
    world.clock.advance(hours=2, minutes=30)
    status = await chat.say("status")
    facts = {fact["title"]: fact["value"] for fact in cards(status)[0]["body"][2]["facts"]}
    assert facts["Clocked in"] == "since 09:00 (2 h 30 min)"
    stopped = await chat.say("stop")
    assert "Clocked out after 2 h 30 min." in text_of(stopped)
    assert await api.json("GET", f"/api/work_sessions/active?user_id={chat.user_id}", 200) is None
    stats = await api.json("GET", f"/api/stats?user_id={chat.user_id}", 200)
    assert stats["total_sessions"] == 1 and stats["total_hours"] == 2.5


async def test_focus_start_interrupted_stop_and_cancel(world, api):
    chat = world.chat
    await chat.say("add Draft the plan")
    await chat.say("tasks")
    started = await chat.say("focus 25 on 1")
    assert "Focus on **Draft the plan** for 25 min, until 09:25" in text_of(started)
    assert "Noted: 1 interruption so far." in text_of(await chat.press(find_submit(started, "Interrupted")))
    world.clock.advance(minutes=25)
    assert "Focus session complete: 25 min with 1 interruption" in text_of(await chat.say("focus stop"))
    await chat.say("focus 10")
    assert "Focus session cancelled" in text_of(await chat.say("focus cancel"))
    sessions = await api.json("GET", f"/api/v1/focus/sessions/user/{chat.user_id}", 200)
    assert sorted((s["duration_minutes"], s["completed"], s["interruptions"]) for s in sessions) == [
        (10, False, 0),
        (25, True, 1),
    ]


async def test_water_break_lunch_and_stats(world, api):
    chat = world.chat
    water = await chat.say("water 2 glasses")
    assert "Logged 500 ml of water." in text_of(water)
    await chat.press(find_submit(water, "Another glass"))
    assert "Logged a 15-minute break." in text_of(await chat.say("break 15"))
    assert "Lunch logged." in text_of(await chat.say("lunch"))
    stats = await chat.say("stats")
    [card] = cards(stats)
    facts = {fact["title"]: fact["value"] for fact in card["body"][2]["facts"]}
    assert facts["Water"] == "750 ml" and facts["Breaks"] == "1"
    for period, title in (("week", "Last 7 days"), ("month", "Last 30 days"), ("all", "All-time stats")):
        assert title in text_of(await chat.say(f"stats {period}"))


async def test_settings_commands(world):
    chat = world.chat
    assert "Time zone set to Europe/Madrid (it is 10:00 there)" in text_of(await chat.say("timezone Europe/Madrid"))
    assert "Working hours set to 08:30-17:00" in text_of(await chat.say("hours 08:30-17:00"))
    assert "Quiet hours set to 19:00-07:00" in text_of(await chat.say("quiet 19:00-07:00"))
    assert "every 90 minutes" in text_of(await chat.say("remind water every 90m"))
    assert "Snoozed for 15 minutes" in text_of(await chat.say("snooze 15m"))
    assert "Reminders off" in text_of(await chat.say("reminders off"))
    shown = await chat.say("settings")
    facts = {fact["title"]: fact["value"] for fact in cards(shown)[0]["body"][2]["facts"]}
    assert facts["Time zone"] == "Europe/Madrid" and facts["Quiet hours"] == "19:00-07:00"
    assert facts["Working hours"].startswith("08:30-17:00") and facts["Reminders"] == "off"


async def test_token_in_personal_chat_works_on_the_rest_api(world, api):
    chat = world.chat
    await chat.say("add Private task")
    replies = await chat.say("token")
    [card] = cards(replies)
    token = next(block["text"] for block in card["body"] if block.get("fontType") == "Monospace")
    mine = await api.json("GET", "/api/tasks", 200, token=token)
    assert [task["title"] for task in mine] == ["Private task"]


async def test_delete_my_data_confirmed_leaves_nothing(world, api):
    chat = world.chat
    await chat.say("add Something")
    await chat.say("start")
    await chat.say("water")
    asked = await chat.say("delete my data")
    assert "Are you sure?" in text_of(asked)
    done = await chat.press(find_submit(asked, "Delete everything"))
    assert "records deleted" in text_of(done)
    assert await rest_tasks(api, chat.user_id) == []
    assert await api.json("GET", f"/api/work_sessions?user_id={chat.user_id}", 200) == []
    stats = await api.json("GET", f"/api/stats?user_id={chat.user_id}", 200)
    assert stats["total_tasks"] == 0 and stats["total_sessions"] == 0


def mention(name: str = "Avanochi") -> dict:
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": "28:avanochi-bot-id", "name": name}}
