"""Mood check-ins through Slack and Teams over real HTTP, on both stores: five faces to tap,
a word or a feeling typed, the daily check-in at the time the user picked, the week's chart,
the low-mood insight and the pet's comfort, and a mood nobody else ever reads."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app import ENGINE_KEY, SERVICES_KEY
from domain.services.pet import REACTIONS
from tests.conformance.drivers import FlakyStore, console_driver
from tests.fake_connector import START, cards, submit_actions, teams_world, visible_text
from tests.fake_slack import NOW
from tests.integration.conftest import Api, make_settings

U1, U2 = "slack:T0TEAM:U1", "slack:T0TEAM:U2"
FACES = ["😫", "😕", "😐", "🙂", "😄"]
COMFORT = REACTIONS["mood_low"]["*"]


async def moods_of(slack, user: str = U1) -> list[tuple[int, str | None]]:
    """The user's stored check-ins (the fake clock stands still: same-time ones in any order)."""
    logs = await slack.app[SERVICES_KEY].repos.mood_logs.find(user, (), "at")
    return [(log.value, log.word) for log in logs]


async def met(slack, user: str = "U1") -> None:
    """First contact, onboarding answered (the time zone Slack tells, the usual hours): later
    messages get one reply each."""
    await slack.workspace.say("hello", user=user, count=2)
    await slack.workspace.say("yes", user=user)
    await slack.workspace.say("skip", user=user)


async def run_reminders(slack, minutes: float) -> dict:
    now = (NOW + timedelta(minutes=minutes)).isoformat()
    return await slack.rest.json("POST", "/api/reminders/run", 200, json={"now": now})


async def uploaded(slack, since: int) -> tuple[dict, bytes]:
    [completed] = await slack.api.wait_for("files.completeUploadExternal", since=since)
    [entry] = completed.body["files"]
    return entry, slack.api.uploads[entry["id"]]


async def test_mood_with_a_word_is_kept_privately_and_the_pet_comforts_a_low_one(slack):
    await met(slack)
    [reply] = await slack.workspace.say("mood 2 tired")
    assert "Noted: 😕 not great (2/5, tired)" in reply.text and "Only you can see" in reply.text
    assert any(line in reply.text for line in COMFORT)  # comfort, whatever the pet's own mood
    assert await moods_of(slack) == [(2, "tired")]
    # In a channel, the check-in's reply is for the user's eyes only.
    since = len(slack.api.calls)
    await slack.workspace.command("mood 4")
    [note] = await slack.api.wait_for("response_url", since=since)
    assert "Noted: 🙂 good (4/5)" in note.text
    assert note.body.get("response_type", "ephemeral") == "ephemeral"


async def test_mood_asks_with_five_faces_and_one_tap_logs_it(slack):
    await met(slack)
    [question] = await slack.workspace.say("mood")
    assert [b["text"]["text"] for _, b in question.buttons()] == FACES
    assert await moods_of(slack) == []
    [noted] = await slack.workspace.click(question, "🙂")
    assert "Noted: 🙂 good (4/5)" in noted.text
    assert await moods_of(slack) == [(4, None)]


async def test_feelings_in_words_are_logged_and_unsure_words_get_the_faces_instead(slack):
    await met(slack)
    [tired] = await slack.workspace.say("I feel tired")
    assert "(2/5, tired)" in tired.text
    [great] = await slack.workspace.say("feeling great!")
    assert "(5/5, great)" in great.text
    [asked] = await slack.workspace.say("i feel like skipping lunch")
    assert "not sure" in asked.text and [b["text"]["text"] for _, b in asked.buttons()] == FACES
    [asked] = await slack.workspace.say("mood 9")
    assert [b["text"]["text"] for _, b in asked.buttons()] == FACES
    assert sorted(await moods_of(slack)) == [(2, "tired"), (5, "great")]


async def test_the_daily_checkin_comes_at_the_chosen_time_on_working_days_only(slack):
    await met(slack)  # Ada is in Europe/Madrid: NOW (10:00 UTC, a Wednesday) is 11:00 there
    [refused] = await slack.workspace.say("checkin at 22:00")
    assert "quiet hours" in refused.text
    [set_reply] = await slack.workspace.say("checkin at 16:00")
    assert "at 16:00 on your working days" in set_reply.text

    def checkins(since: int = 0):
        return [c for c in slack.api.calls_to("chat.postMessage")[since:] if "How are you feeling today" in c.text]

    assert (await run_reminders(slack, 299)).get("by_kind", {}).get("checkin") is None  # 15:59 in Madrid
    summary = await run_reminders(slack, 305)  # 16:05: within the few minutes a wave is spread over
    assert summary["by_kind"].get("checkin") == 1
    assert (await run_reminders(slack, 306))["by_kind"].get("checkin") is None  # once a day
    [nudge] = checkins()
    assert nudge.body["channel"] == "D1"
    assert [b["text"]["text"] for _, b in nudge.buttons()] == [*FACES, "Stop check-ins"]
    await slack.workspace.click(nudge, "😕")
    assert await moods_of(slack) == [(2, None)]
    # Thursday: asked again; Saturday, a day off: not.
    before = len(slack.api.calls_to("chat.postMessage"))
    assert (await run_reminders(slack, 24 * 60 + 305))["by_kind"].get("checkin") == 1
    assert (await run_reminders(slack, 3 * 24 * 60 + 305))["by_kind"].get("checkin") is None
    assert len(checkins(before)) == 1
    # Off: Monday brings no question.
    [off] = await slack.workspace.say("checkin off")
    assert "check-in off" in off.text
    assert (await run_reminders(slack, 5 * 24 * 60 + 305))["by_kind"].get("checkin") is None


async def test_a_checkin_already_given_today_is_not_asked_again(slack):
    await met(slack)
    await slack.workspace.say("checkin at 16:00")
    await slack.workspace.say("mood 3")
    summary = await run_reminders(slack, 305)
    assert summary["by_kind"].get("checkin") is None
    assert not [c for c in slack.api.calls_to("chat.postMessage") if "How are you feeling today" in c.text]


async def test_mood_week_is_one_chart_of_moods_beside_hours_with_words_for_it(slack):
    await met(slack)
    await slack.workspace.say("start")
    await slack.workspace.say("mood 2 stressed")
    await slack.workspace.say("mood 4")
    since = len(slack.api.calls)
    await slack.workspace.dm("mood week")
    entry, png = await uploaded(slack, since)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and 1_000 < len(png) < 200_000
    alt = entry["title"]
    assert alt.startswith("Mood beside hours worked, last 7 days. Average mood 3.0 of 5 over 1 day")
    assert "Wed 04: mood 3.0 of 5" in alt and "Tue 03: no check-in" in alt


async def test_nobody_else_reads_a_mood_in_chat_stats_or_rest(slack):
    await met(slack)
    await met(slack, "U2")
    await slack.workspace.say("mood 1 awful")
    services = slack.app[SERVICES_KEY]
    # U2's week shows no check-in; U1's stats, read by REST with the admin token, no mood at all.
    since = len(slack.api.calls)
    await slack.workspace.dm("mood week", user="U2")
    entry, _png = await uploaded(slack, since)
    assert "No mood check-ins" in entry["title"]
    assert await moods_of(slack, U2) == []
    for path in (f"/api/stats/{U1}", f"/api/stats?user_id={U1}", f"/api/insights?user_id={U1}"):
        body = json.dumps(await slack.rest.json("GET", path, 200))
        assert "mood" not in body and "awful" not in body
    week = await services.stats.period(U1, "week")
    assert not any("mood_sum" in day or "mood_count" in day for day in week["days"])
    # A personal token of another user is refused U1's insights.
    token = await services.tokens.issue(U2)
    response = await slack.rest.call("GET", f"/api/insights?user_id={U1}", token=token)
    assert response.status == 403


async def test_export_includes_the_moods_and_delete_removes_them(slack):
    await met(slack)
    await slack.workspace.say("mood 2 tired")
    since = len(slack.api.calls)
    await slack.workspace.dm("export my data")
    _entry, data = await uploaded(slack, since)
    exported = json.loads(data)
    assert [(m["value"], m["word"]) for m in exported["moods"]] == [(2, "tired")]
    [question] = await slack.workspace.say("delete my data")
    await slack.workspace.click(question, "Delete everything")
    assert await moods_of(slack) == []
    assert await slack.app[SERVICES_KEY].repos.all_rollups(U1) == {}


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store) as world:
        yield world


async def test_in_teams_a_low_mood_streak_shows_in_insights_and_the_faces_are_card_buttons(world):
    chat = world.chat
    await chat.say("hello")
    await chat.say("skip")
    [question] = await chat.say("mood")
    data = [action["data"] for action in submit_actions(cards([question])[0])]
    assert data == [{"command": "mood", "args": str(value)} for value in range(1, 6)]
    # Monday to Wednesday, a low mood each day (tapped, typed, said in words).
    [noted] = await chat.press({"command": "mood", "args": "2"})
    assert "(2/5)" in visible_text(noted)
    world.clock.advance(days=1)
    await chat.say("mood 1 exhausted")
    world.clock.advance(days=1)
    await chat.say("i'm so stressed today")
    [insights] = await chat.say("insights")
    assert "low mood on 3 of the last 5 days" in visible_text(insights)
    services = world.app[SERVICES_KEY]
    assert (await services.insights.assess(chat.user_id)).factors[0].key == "low_mood"
    # Over REST, the user's own token reads the factor; the admin token reads the insight without it.
    rest = Api(world.session, world.base)
    own = await rest.json("GET", "/api/insights", 200, token=await services.tokens.issue(chat.user_id))
    admin = await rest.json("GET", f"/api/insights?user_id={chat.user_id}", 200)
    assert [f["key"] for f in own["factors"]] == ["low_mood"] and own["score"] >= 9
    assert admin["factors"] == [] and admin["score"] == own["score"] - 9
    # Two low days are no streak.
    world.clock.advance(days=3)
    [insights] = await chat.say("insights")
    assert "low mood" not in visible_text(insights)


async def test_the_checkin_nudge_reaches_teams_as_a_card_of_faces(world):
    chat = world.chat
    await chat.say("hello")
    await chat.say("yes")  # Europe/Madrid, as Teams tells
    await chat.say("skip")
    assert (await world.app[SERVICES_KEY].users.get_user(chat.user_id)).timezone == "Europe/Madrid"
    await chat.say("checkin at 15:00")  # START is Monday 09:00 UTC, 10:00 in Madrid
    before = len(world.connector.activities)
    summary = await world.app[ENGINE_KEY].run(START + timedelta(hours=5, minutes=5))
    assert summary.by_kind.get("checkin") == 1
    [nudge] = [a for a in world.connector.messages(before) if "How are you feeling today" in visible_text(a)]
    data = [action["data"] for action in submit_actions(cards([nudge])[0])]
    assert data[:5] == [{"command": "mood", "args": str(value)} for value in range(1, 6)]


async def test_in_the_console_a_face_is_picked_by_its_number(store, tmp_path):
    async with console_driver(FlakyStore(store), tmp_path / "files") as console:
        await console.say("hello")
        await console.say("skip")
        await console.say("skip")
        [question] = await console.say("mood")
        assert list(question.ref) == FACES
        [noted] = await console.say(question.ref["😄"])
        assert "Noted: 😄 great (5/5)" in noted.text
        logs = await console.services.repos.mood_logs.find(console.user_id)
        assert [log.value for log in logs] == [5]
