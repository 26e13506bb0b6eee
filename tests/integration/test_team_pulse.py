"""The opt-in team pulse in a Slack channel, through the fake Slack Web API, on both stores with a
fake clock: aggregates only, never below five people, nothing of those who did not opt in."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from app import SERVICES_KEY
from bot.adapters.slack.adapter import SLACK_ADAPTER
from tests.fake_slack import NOW

CHANNEL = "C0GENERAL"
TEAM = "slack:T0TEAM"
MEMBERS = ["U1", "U3", "U4", "U5", "U6"]
OUTSIDER = "U7"  # in the channel, never opts in
POST_PASS = NOW + timedelta(days=6)  # the Tuesday after the first Monday post time
POST_WEEK = [POST_PASS.date() - timedelta(days=n) for n in range(7, 0, -1)]
ASK_WEEK = [NOW.date() - timedelta(days=n) for n in range(7, 0, -1)]


async def in_channel(slack, text: str, user: str = "U1") -> list:
    """Mention the bot in the channel; the calls the turn made once it finished."""
    since = len(slack.api.calls)
    response = await slack.workspace.mention(text, user, CHANNEL)
    assert response.status == 200
    await slack.app[SLACK_ADAPTER].drain()
    return slack.api.calls[since:]


def said(calls: list) -> str:
    return "\n".join(json.dumps(call.body.get("blocks") or call.text) for call in calls)


def history(seed: int, days: list[date]) -> dict[str, dict[str, float]]:
    """A week of day roll-ups for one person, varied by ``seed``."""
    rng = random.Random(seed)
    found = {}
    for day in days:
        if rng.random() < 0.2:
            continue  # a day off
        found["day:" + day.isoformat()] = {
            "hours_total": rng.choice([4.0, 7.5, 8.5, 9.5, 11.0]),
            "sessions_total": 1,
            "focus_minutes": rng.choice([0, 25, 50, 100]),
            "breaks": rng.choice([0, 0, 1, 2]),
            "lunches": rng.choice([0, 1]),
        }
    return found


async def give(slack, user: str, days: dict[str, dict[str, float]]) -> None:
    ledger = slack.app[SERVICES_KEY].repos.ledger
    for key, counters in days.items():
        await ledger.overwrite(f"{TEAM}:{user}", key, counters)


def expected(histories: dict[str, dict[str, dict[str, float]]], week: list[date]) -> dict[str, str]:
    """The post's numbers, worked out here from the members' data (default hours 09:00-17:30)."""
    keys = {"day:" + day.isoformat() for day in week}
    focus = worked = breaks = overtime = 0.0
    for days in histories.values():
        for key, counters in days.items():
            if key not in keys:
                continue
            focus += counters["focus_minutes"]
            worked += 1
            breaks += counters["breaks"] + counters["lunches"] > 0
            overtime += counters["hours_total"] > 8.75
    return {
        "Average focus": f"{focus / 60 / len(histories):.1f} h per person",
        "Days with a break": f"{breaks / worked:.0%}",
        "Overtime days": str(int(overtime)),
    }


async def set_up(slack, sharing: list[str]) -> None:
    for user in [*MEMBERS, OUTSIDER]:
        slack.api.add_user(user, f"Person {user}", "UTC")
    assert "now has a team pulse" in said(await in_channel(slack, "team pulse"))
    for user in sharing:
        assert "You're in" in said(await in_channel(slack, "share with team on", user))


async def weekly_posts(slack, when=POST_PASS) -> list:
    summary = await slack.rest.json("POST", "/api/reminders/run", 200, json={"now": when.isoformat()})
    # Posted on their own, not as the answer (in a thread) to someone's message.
    posts = [
        c
        for c in slack.api.calls_to("chat.postMessage")
        if c.body.get("channel") == CHANNEL and not c.body.get("thread_ts")
    ]
    assert summary["team_posts"] <= len(posts)
    return posts


async def test_four_members_sharing_get_only_a_count_and_no_numbers(slack):
    await set_up(slack, MEMBERS[:4])
    for n, user in enumerate(MEMBERS):
        await give(slack, user, history(n, POST_WEEK))
    [post] = await weekly_posts(slack)
    assert "Not enough members have opted in yet (4 of 5)" in post.text
    assert "focus" not in said([post]).lower() and "overtime" not in said([post]).lower()
    asked = said(await in_channel(slack, "team pulse", "U3"))
    assert "Not enough members have opted in yet (4 of 5)" in asked and "Overtime" not in asked


async def test_five_members_get_the_weekly_averages_worked_out_from_their_data(slack):
    await set_up(slack, MEMBERS)
    histories = {user: history(n, POST_WEEK) for n, user in enumerate(MEMBERS)}
    for user, days in histories.items():
        await give(slack, user, days)
    await give(slack, OUTSIDER, history(99, POST_WEEK))
    assert await weekly_posts(slack, POST_PASS - timedelta(days=2)) == []  # not Monday yet
    [post] = await weekly_posts(slack)
    shown = said([post])
    assert "across the 5 members" in shown
    for label, value in expected(histories, POST_WEEK).items():
        assert label in shown and value in shown, (label, value, shown)
    assert await weekly_posts(slack, POST_PASS + timedelta(hours=1)) == [post]  # once a week


async def test_a_member_who_does_not_share_changes_nothing_in_the_pulse(slack):
    await set_up(slack, MEMBERS)
    for n, user in enumerate(MEMBERS):
        await give(slack, user, history(n, ASK_WEEK))
    shown = set()
    for seed in range(4):  # whatever the outsider's week, the pulse reads the same
        await give(slack, OUTSIDER, history(100 + seed, ASK_WEEK))
        shown.add(said([c for c in await in_channel(slack, "team pulse", "U3") if c.method == "chat.postMessage"]))
    assert len(shown) == 1 and "Team pulse" in shown.pop()


async def test_opting_out_takes_effect_at_once(slack):
    await set_up(slack, MEMBERS)
    for n, user in enumerate(MEMBERS):
        await give(slack, user, history(n, ASK_WEEK))
    assert "across the 5 members" in said(await in_channel(slack, "team pulse"))
    assert "You're out" in said(await in_channel(slack, "share with team off", "U6"))
    assert "(4 of 5)" in said(await in_channel(slack, "team pulse"))


async def test_deleting_my_data_withdraws_the_consent(slack):
    await set_up(slack, MEMBERS)
    await slack.app[SERVICES_KEY].account.erase(f"{TEAM}:U6")
    assert "(4 of 5)" in said(await in_channel(slack, "team pulse"))


async def test_kudos_are_posted_only_for_someone_who_said_yes(slack):
    await set_up(slack, [])
    refused = said(await in_channel(slack, "kudos @U3 for the release notes", "U1"))
    assert "didn't post this one" in refused and "Kudos to" not in refused
    assert "Teammates can now post kudos" in said(await in_channel(slack, "kudos on", "U3"))
    posted = await in_channel(slack, "kudos @U3 for the release notes", "U1")
    [kudos] = [c for c in posted if c.method == "chat.postMessage" and "Kudos to @U3" in c.text]
    assert "the release notes" in kudos.text and kudos.body["channel"] == CHANNEL
    await in_channel(slack, "kudos off", "U3")
    assert "didn't post this one" in said(await in_channel(slack, "kudos @U3 for the demo", "U1"))
    too_long = said(await in_channel(slack, "kudos @U3 for " + "x" * 300, "U1"))
    assert "fit in 200 characters" in too_long


async def test_the_mood_trend_shows_once_members_have_mood_check_ins_in_both_weeks(slack):
    await set_up(slack, MEMBERS)
    for n, user in enumerate(MEMBERS):
        days = history(n, POST_WEEK)
        days["day:" + POST_WEEK[0].isoformat()] = {"mood_sum": 4.0, "mood_count": 1}
        days["day:" + (POST_WEEK[0] - timedelta(days=7)).isoformat()] = {"mood_sum": 3.0, "mood_count": 1}
        await give(slack, user, days)
    [post] = await weekly_posts(slack)
    assert "up (+1.0 on a 1-5 scale)" in said([post])
