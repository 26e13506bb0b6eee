"""Recurring tasks through Slack over real HTTP and the REST API, on both stores: adding one says
how it repeats, completing an occurrence brings the next exactly once (by chat, button or REST,
retried or undone), the list shows the rule, and 'stop repeating' ends the series."""

from __future__ import annotations

import asyncio

from app import SERVICES_KEY

U1 = "slack:T0TEAM:U1"


async def paris_user(slack) -> None:
    """Ada, on Paris time (the fake clock: Wednesday 4 March 2026, 10:00 UTC, 11:00 in Paris)."""
    await slack.workspace.say("timezone Europe/Paris", count=2)  # and the onboarding question
    await slack.workspace.say("hours 9-17:30")


async def tasks_of(slack, status: str = "all") -> list[dict]:
    return await slack.rest.json("GET", f"/api/tasks?user_id={U1}&status={status}", 200)


async def test_adding_a_repeating_task_says_the_rule_and_the_first_date(slack):
    await paris_user(slack)
    [added] = await slack.workspace.say("add water the plants every monday")
    assert "Added *water the plants*, every Monday, next on Mon 09 Mar." in added.text
    [standup] = await slack.workspace.say("add standup every weekday at 9")
    assert "every weekday at 09:00, next on Thu 05 Mar" in standup.text
    [rent] = await slack.workspace.say("add pay rent every month on the 1st")
    assert "monthly on the 1st, next on Wed 01 Apr" in rent.text
    [review] = await slack.workspace.say("add review every 2 weeks")
    assert "every 2 weeks, next on Wed 04 Mar" in review.text  # today, before the end of the day

    by_title = {task["title"]: task for task in await tasks_of(slack, "open")}
    assert set(by_title) == {"water the plants", "standup", "pay rent", "review"}
    assert by_title["standup"]["due_at"] == "2026-03-05T08:00:00+00:00"  # 09:00 in Paris
    assert by_title["water the plants"]["due_at"] == "2026-03-09T16:30:00+00:00"  # the end of her day
    assert by_title["standup"]["recurrence"] == {
        "rule": "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
        "start": "2026-03-05T09:00:00",
        "timezone": "Europe/Paris",
        "words": "every weekday at 09:00",
        "series": by_title["standup"]["recurrence"]["series"],
        "occurrence": 1,
    }
    [listed] = await slack.workspace.say("tasks")
    assert "every weekday at 09:00" in listed.text and "monthly on the 1st" in listed.text
    assert "every Monday" in listed.text and "every 2 weeks" in listed.text


async def test_completing_brings_the_next_occurrence_once_across_daylight_saving(slack):
    await paris_user(slack)
    await slack.workspace.say("add standup every weekday at 9")
    clock = slack.app[SERVICES_KEY].clock
    clock.advance(days=23)  # Friday 27 March; Paris moves its clocks on Sunday 29 March
    [standup] = await tasks_of(slack, "open")
    # Three completions at once, then one retried, still make one next occurrence.
    racing = await asyncio.gather(
        *(slack.rest.call("PATCH", f"/api/tasks/{standup['id']}", json={"action": "complete"}) for _ in range(3))
    )
    assert [response.status for response in racing] == [200, 200, 200]
    await slack.rest.json("PATCH", f"/api/tasks/{standup['id']}", 200, json={"action": "complete"})
    [upcoming] = await tasks_of(slack, "open")
    assert upcoming["due_at"] == "2026-03-30T07:00:00+00:00"  # Monday 09:00 CEST
    assert upcoming["recurrence"]["occurrence"] == 2

    [listed] = await slack.workspace.say("tasks")
    [done] = await slack.workspace.click(listed, "Done")
    assert "Done: *standup*. Next one on Tue 31 Mar." in done.text
    [after] = await tasks_of(slack, "open")
    assert (after["due_at"], after["recurrence"]["occurrence"]) == ("2026-03-31T07:00:00+00:00", 3)
    stats = await slack.rest.json("GET", f"/api/stats?user_id={U1}", 200)
    assert (stats["total_tasks"], stats["completed_tasks"]) == (3, 2)


async def test_undo_of_a_completion_leaves_no_duplicate(slack):
    await paris_user(slack)
    await slack.workspace.say("add water the plants every monday")
    [done] = await slack.workspace.say("done water the plants")
    assert "Next one on Mon 16 Mar" in done.text
    [undone] = await slack.workspace.say("undo")
    assert "Reopened" in undone.text
    [plants] = await tasks_of(slack)
    assert plants["due_at"] == "2026-03-09T16:30:00+00:00" and not plants["completed"]
    await slack.workspace.say("done water the plants")
    assert [t["due_at"] for t in await tasks_of(slack, "open")] == ["2026-03-16T16:30:00+00:00"]


async def test_stop_repeating_keeps_the_task_and_ends_the_series(slack):
    await paris_user(slack)
    await slack.workspace.say("add pay rent every month on the 1st")
    await slack.workspace.say("tasks")
    [stopped] = await slack.workspace.say("stop repeating 1")
    assert "*pay rent* won't repeat any more" in stopped.text
    [rent] = await tasks_of(slack)
    assert rent["recurrence"] is None and not rent["completed"]
    [listed] = await slack.workspace.say("tasks")
    assert "monthly" not in listed.text
    await slack.workspace.say("done 1")
    assert await tasks_of(slack, "open") == []


async def test_words_after_every_that_are_no_repeat_are_asked_about(slack):
    await paris_user(slack)
    [question] = await slack.workspace.say("add check every file")
    assert "I couldn't read 'every file' as a repeat" in question.text
    assert "add *check every file* as a task that doesn't repeat?" in question.text
    assert await tasks_of(slack) == []
    [added] = await slack.workspace.click(question, "Add it once")
    assert "Added *check every file*" in added.text
    [task] = await tasks_of(slack)
    assert (task["title"], task["recurrence"]) == ("check every file", None)


async def test_rest_creates_a_repeating_task_from_words_and_refuses_others(slack):
    rest, user = slack.rest, "slack:T0TEAM:U9"  # never spoke in chat: UTC, the default working day
    created = await rest.json(
        "POST", "/api/tasks", 201, json={"title": "team sync", "user_id": user, "recurrence": "every friday at 8"}
    )
    assert created["due_at"] == "2026-03-06T08:00:00+00:00"
    assert created["recurrence"]["words"] == "every Friday at 08:00"
    await rest.json("PATCH", f"/api/tasks/{created['id']}", 200, json={"action": "complete"})
    [upcoming] = await rest.json("GET", f"/api/tasks?user_id={user}&status=open", 200)
    assert upcoming["due_at"] == "2026-03-13T08:00:00+00:00" and upcoming["title"] == "team sync"

    for bad in ("every now and then", 7, "x" * 500):
        error = await rest.json("POST", "/api/tasks", 400, json={"title": "odd", "user_id": user, "recurrence": bad})
        assert "error" in error
    plain = await rest.json("POST", "/api/tasks", 201, json={"title": "once", "user_id": user})
    assert plain["recurrence"] is None
