"""Times and dates as people say them, in whole chat exchanges: hours, due dates, past dates, zones."""

from __future__ import annotations

import itertools

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage, Reply
from domain.clock import FakeClock
from domain.services import Services

USER = "slack:T1:U1"
DELIVERIES = itertools.count(1)  # each message a new delivery, so none is taken for a redelivery


async def say(dialogs: Dialogs, text: str) -> list[Reply]:
    number = next(DELIVERIES)
    return await dialogs.handle(IncomingMessage(USER, "slack", "D1", text=text, delivery_id=f"d{number}"))


async def answer(dialogs: Dialogs, text: str) -> str:
    """The first reply's own words, without the pet's line under it."""
    return (await say(dialogs, text))[0].text.split("\n🐾")[0]


async def started(services: Services) -> Dialogs:
    """A user past onboarding, in UTC, working 09:00-17:00, on Monday 2 March 2026 at 09:00."""
    dialogs = Dialogs(services)
    await say(dialogs, "timezone UTC")
    await say(dialogs, "skip")
    await say(dialogs, "hours 09:00-17:00")
    return dialogs


async def test_hours_9_5_is_a_working_day_not_a_night(services: Services) -> None:
    dialogs = await started(services)
    assert (await answer(dialogs, "hours 9-5")) == "Working hours set to 09:00-17:00."
    assert (await answer(dialogs, "hours 9 to 6")) == "Working hours set to 09:00-18:00."
    assert (await answer(dialogs, "hours 22:00-06:00")) == "Working hours set to 22:00-06:00 (overnight)."
    assert (await answer(dialogs, "quiet 18-8")) == "Quiet hours set to 18:00-08:00: no nudges then."


async def test_a_date_in_a_new_task_is_taken_out_of_the_title_and_shown_back(services: Services) -> None:
    dialogs = await started(services)
    assert (await answer(dialogs, "add call mum tomorrow")) == "Added *call mum*, due Tue 03 Mar 17:00."
    assert (await answer(dialogs, "add pay rent friday 10")) == "Added *pay rent*, due Fri 06 Mar 10:00."
    assert (await answer(dialogs, "add read Monday's report")) == "Added *read Monday's report*."
    titles = [task.title for task in await services.tasks.list_tasks(USER, "open")]
    assert sorted(titles) == ["call mum", "pay rent", "read Monday's report"]


async def test_a_weekday_said_that_day_means_today_while_its_time_is_ahead(
    services: Services, clock: FakeClock
) -> None:
    dialogs = await started(services)  # Monday 09:00
    assert (await answer(dialogs, "add standup notes monday 5pm")).endswith("due Mon 02 Mar 17:00.")
    assert (await answer(dialogs, "add pay rent monday 10")) == "Added *pay rent*, due Mon 02 Mar 10:00."
    assert (await answer(dialogs, "add plan the week due 8")) == "Added *plan the week*, due Tue 03 Mar 08:00."
    clock.advance(hours=9)  # Monday 18:00
    assert (await answer(dialogs, "add standup notes monday 5pm")).endswith("due Mon 09 Mar 17:00.")


async def test_a_due_date_in_the_past_is_asked_about_not_stored(services: Services) -> None:
    dialogs = await started(services)
    question = (await say(dialogs, "add file taxes due 1/3/2026"))[0]
    # 1/3 is 3 January for this user (en-US, the default reading).
    assert question.text == "Sat 03 Jan 17:00 is already past. Set it as the due date of *file taxes* anyway?"
    assert [button.label for button in question.buttons] == ["Yes", "No"]
    assert await services.tasks.list_tasks(USER, "open") == []
    assert (await answer(dialogs, "yes")) == "Added *file taxes*, due Sat 03 Jan 17:00."
    await say(dialogs, "tasks")
    await say(dialogs, "due 1 tomorrow")
    assert (await answer(dialogs, "due 1 1/3/2026")).endswith("anyway?")
    assert (await answer(dialogs, "no")).startswith("OK, nothing changed.")
    [task] = await services.tasks.list_tasks(USER, "open")
    assert task.due_at is not None and task.due_at.date().isoformat() == "2026-03-03"


async def test_time_zones_by_city_country_or_any_spelling(services: Services) -> None:
    dialogs = await started(services)
    for said, zone in [
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("Tokyo", "Asia/Tokyo"),
        ("europe/london", "Europe/London"),
        ("America/New York", "America/New_York"),
        ("France", "Europe/Paris"),
        ("Japan", "Asia/Tokyo"),
        ("Europe/Madrid", "Europe/Madrid"),
    ]:
        assert (await answer(dialogs, f"timezone {said}")).startswith(f"Time zone set to {zone} ")
    refused = (await say(dialogs, "timezone Atlantis"))[0]
    assert refused.kind == "error" and "not a time zone I know" in refused.text


async def test_onboarding_takes_a_city_for_the_time_zone_and_9_to_5_for_hours(services: Services) -> None:
    dialogs = Dialogs(services)
    await say(dialogs, "tasks")
    assert "Time zone: Europe/London." in (await answer(dialogs, "London"))
    assert (await answer(dialogs, "9-5")).startswith("All set: 09:00-17:00, Europe/London.")
