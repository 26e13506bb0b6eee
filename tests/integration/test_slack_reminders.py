"""Reminders delivered to a Slack user through chat.postMessage, over real HTTP, on both stores."""

from __future__ import annotations

from datetime import timedelta

from app import SERVICES_KEY
from tests.fake_slack import NOW

U1 = "slack:T0TEAM:U1"


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


async def clocked_in(slack) -> None:
    await slack.workspace.say("start", count=2)  # the reply, then the onboarding question
    await slack.workspace.say("skip")


async def run(slack, minutes: float) -> dict:
    return await slack.rest.json("POST", "/api/reminders/run", 200, json={"now": at(minutes)})


def nudges(slack) -> list:
    """Nudges Slack accepted (a refused call gets no ts)."""
    return [c for c in slack.api.calls_to("chat.postMessage") if c.ts and ("Stand up" in c.text or "water" in c.text)]


async def test_a_clocked_in_user_gets_a_break_nudge_once_with_its_buttons(slack):
    await clocked_in(slack)
    assert (await run(slack, 49))["sent"] == 0
    summary = await run(slack, 50)
    assert summary["by_kind"] == {"break": 1}
    assert (await run(slack, 50.5))["sent"] == 0
    [nudge] = nudges(slack)
    assert nudge.body["channel"].startswith("D")  # the user's DM
    assert [b["text"]["text"] for _, b in nudge.buttons()] == ["Took a break", "Snooze 15 min", "Stop break reminders"]
    # Pressing "Took a break" logs it, through the same dialogs as typing it.
    await slack.workspace.click(nudge, "Took a break")
    habits = await slack.app[SERVICES_KEY].habits.today(U1)
    assert habits["breaks"] == 1


async def test_a_429_waits_for_retry_after_and_then_delivers(slack):
    await clocked_in(slack)
    slack.api.fail("chat.postMessage", status=429, error="ratelimited", retry_after=30)
    summary = await run(slack, 50)
    assert (summary["retried"], summary["sent"]) == (1, 0)
    assert (await run(slack, 50.25))["sent"] == 0
    assert (await run(slack, 50.6))["sent"] == 1
    assert len(nudges(slack)) == 1


async def test_an_uninstalled_app_pauses_the_users_reminders(slack):
    await clocked_in(slack)
    slack.api.fail("chat.postMessage", error="account_inactive")
    summary = await run(slack, 50)
    assert summary["paused_users"] == 1
    assert (await slack.app[SERVICES_KEY].users.get_user(U1)).reminders_on is False
    assert (await run(slack, 200))["sent"] == 0
