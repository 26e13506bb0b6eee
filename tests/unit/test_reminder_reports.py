"""The weekly report and the private burnout-risk alert, sent by the reminder engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.reminders.engine import ReminderEngine
from domain.clock import FakeClock
from domain.reminders.policy import SPREAD
from domain.services import Services
from persistence.repositories import Repositories
from tests.companion_setup import live
from tests.fakes import InMemoryDocumentStore
from tests.reminder_doubles import RecordingNotifier


def world():
    clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
    return clock, Services.build(Repositories(InMemoryDocumentStore()), clock), RecordingNotifier()


async def persona(name: str):
    clock, services, notifier = world()
    user_id = await live(name, services, clock)
    await services.conversations.remember_address(user_id, "slack", {"user": name, "channel": "D" + name})
    for kind in ("water", "break", "lunch", "wrap_up", "long_session", "weekly_report"):
        await services.users.update_user(user_id, reminder=(kind, {"on": False}))
    return clock, services, notifier, user_id


async def run_at(services, notifier, clock, instant):
    clock.set(instant)
    return await ReminderEngine(services, {"slack": notifier}).run()


async def test_an_overworked_user_gets_one_private_alert_a_week():
    clock, services, notifier, _ = await persona("overworked")
    monday_evening = datetime(2026, 3, 16, 16, 50, tzinfo=UTC) + SPREAD  # 17:50 in Madrid and a wave
    summary = await run_at(services, notifier, clock, monday_evening)
    assert summary.sent == 1
    [(_, alert)] = notifier.sent
    assert alert.private and "risk" in alert.text and alert.title == "A word about your pace"
    for day in range(1, 7):  # the rest of the week: checked, not sent again
        await run_at(services, notifier, clock, monday_evening + timedelta(days=day))
    assert len(notifier.sent) == 1


async def test_a_balanced_user_gets_no_alert():
    clock, services, notifier, _ = await persona("balanced")
    summary = await run_at(services, notifier, clock, datetime(2026, 3, 16, 16, 50, tzinfo=UTC) + SPREAD)
    assert notifier.sent == [] and summary.skipped == 1


async def test_the_weekly_report_comes_on_the_last_working_day_after_work():
    clock, services, notifier = world()
    user = "slack:T1:report"
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    await services.users.ensure(user)
    await services.users.update_user(user, timezone="Europe/Madrid")
    await services.conversations.remember_address(user, "slack", {"user": "R", "channel": "DR"})
    for kind in ("water", "break", "lunch", "wrap_up", "risk_alert"):
        await services.users.update_user(user, reminder=(kind, {"on": False}))
    task = await services.tasks.create_task(user, "weekly thing")
    await services.tasks.complete_task(user, task.id)
    await run_at(services, notifier, clock, datetime(2026, 3, 5, 16, 45, tzinfo=UTC))  # Thursday
    assert notifier.sent == []
    await run_at(services, notifier, clock, datetime(2026, 3, 6, 16, 39, tzinfo=UTC))  # Friday 17:39
    assert notifier.sent == []
    await run_at(services, notifier, clock, datetime(2026, 3, 6, 16, 40, tzinfo=UTC) + SPREAD)  # Friday 17:40+
    [(_, report)] = notifier.sent
    assert report.title == "Your week with Avanochi" and report.private
    assert {fact.label: fact.value for fact in report.facts}["Tasks done"] == "1"


async def test_the_stop_buttons_of_reports_switch_them_off():
    from bot.dialogs.router import Dialogs
    from bot.messages import IncomingMessage

    clock, services, _ = world()
    dialogs = Dialogs(services)
    for kind, args in (("weekly_report", "weekly report off"), ("risk_alert", "risk alert off")):
        message = IncomingMessage("slack:T1:stopper", "slack", "D1", action={"command": "remind", "args": args})
        [reply, *_] = await dialogs.handle(message)
        assert "reminders off" in reply.text
        user = await services.users.get_user("slack:T1:stopper")
        assert user.reminder_settings[kind]["on"] is False


async def test_working_days_set_in_chat_move_the_weekly_report_and_the_lunch_nudge():
    from bot.dialogs.router import Dialogs
    from bot.messages import IncomingMessage

    clock, services, notifier = world()
    clock.set(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))  # a Sunday
    dialogs = Dialogs(services)
    user = "slack:T1:sunthu"
    say = lambda text: dialogs.handle(IncomingMessage(user, "slack", "D1", text=text))  # noqa: E731
    [reply, *_] = await say("days sun-thu")
    assert "Sun Mon Tue Wed Thu" in reply.text or "Mon Tue Wed Thu Sun" in reply.text
    assert (await services.users.get_user(user)).work_days == [0, 1, 2, 3, 6]
    [error, *_] = await say("days funday")
    assert "not a day" in error.text
    await services.conversations.remember_address(user, "slack", {"user": "S", "channel": "DS"})
    for kind in ("water", "break", "wrap_up", "risk_alert"):
        await services.users.update_user(user, reminder=(kind, {"on": False}))
    # Friday is now a day off: no lunch nudge; Thursday is the last working day: the weekly report.
    await run_at(services, notifier, clock, datetime(2026, 3, 6, 11, 31, tzinfo=UTC))  # Fri 12:31 UTC
    assert notifier.sent == []
    await run_at(services, notifier, clock, datetime(2026, 3, 12, 17, 40, tzinfo=UTC) + SPREAD)  # Thu 17:40+ UTC
    assert [reply.title for _, reply in notifier.sent][-1] == "Your week with Avanochi"


def test_the_last_working_day_ends_the_working_week():
    from domain.reminders.policy import last_working_day

    assert last_working_day([0, 1, 2, 3, 4]) == 4  # Friday
    assert last_working_day([0, 1, 2, 3, 6]) == 3  # Sunday to Thursday: Thursday
    assert last_working_day([0, 1, 2, 3, 4, 5, 6]) == 6  # no day off: Sunday
