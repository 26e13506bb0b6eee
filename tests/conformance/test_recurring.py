"""Repeating tasks hold the same way in every chat channel: added with its rule said back, its
rule in the list, and its Done button bringing the next occurrence once."""

from __future__ import annotations

from tests.conformance.drivers import Driver
from tests.conformance.test_conversation import first_contact


async def test_a_repeating_task_comes_back_after_its_done_button(channel: Driver):
    await first_contact(channel, "tasks")
    [added] = await channel.say("add standup every weekday at 9")
    assert "Added standup, every weekday at 09:00, next on Thu 05 Mar" in added.text, added.text
    [listed] = await channel.say("tasks")
    assert "every weekday at 09:00" in listed.text
    done_button = next(label for label in listed.buttons if label.startswith("Done"))  # the console adds the due date
    [done] = await channel.press(listed, done_button)
    assert "Done: standup. Next one on Fri 06 Mar." in done.text
    open_ = await channel.services.tasks.list_tasks(channel.user_id, "open")
    assert [(task.title, task.recurrence and task.recurrence.number) for task in open_] == [("standup", 2)]
    [stopped] = await channel.say("stop repeating standup")
    assert "standup won't repeat any more" in stopped.text
