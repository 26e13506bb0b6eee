"""Personal things through Slack over real HTTP, on both stores: onboarding from users.info,
the stored DM, the App Home, tokens only where only the user sees them, the data export
as a file upload, and deleting all data."""

from __future__ import annotations

import json
import re

from app import SERVICES_KEY
from tests.integration.conftest import Api

U1 = "slack:T0TEAM:U1"


async def tasks_of(slack, user=U1):
    return await slack.rest.json("GET", f"/api/tasks?user_id={user}", 200)


async def test_onboarding_runs_the_first_command_then_proposes_the_slack_time_zone(slack):
    added, question = await slack.workspace.say("add Water the plants", count=2)
    assert "Added *Water the plants*" in added.text
    assert "are you in Europe/Madrid (it's 11:00 there)?" in question.text
    [hours] = await slack.workspace.click(question, "Yes")
    assert hours.method == "chat.update" and hours.body["ts"] == question.ts
    assert "Time zone: Europe/Madrid. What are your working hours?" in hours.text
    [done] = await slack.workspace.say("08:30-16:30")
    assert "All set: 08:30-16:30, Europe/Madrid" in done.text
    user = await slack.app[SERVICES_KEY].users.get_user(U1)
    assert (user.name, user.timezone, user.work_start) == ("Ada Lovelace", "Europe/Madrid", "08:30")
    await slack.workspace.say("tasks")
    assert len(slack.api.calls_to("users.info")) == 1  # only on first contact


async def test_numeric_dates_follow_the_locale_slack_tells_on_first_contact(slack):
    # users.info gives the locale only when asked (include_locale); it is kept on the user, since
    # later messages carry none.
    slack.api.add_user("U3", "Marie Curie", "Europe/Paris", locale="fr-FR")
    added, _question = await slack.workspace.say("add Pay rent due 3/12", user="U3", count=2)
    assert "Added *Pay rent*, due Thu 03 Dec 17:30." in added.text
    [added] = await slack.workspace.say("add Call the bank due 4/12", user="U3")
    assert "Added *Call the bank*, due Fri 04 Dec 17:30." in added.text
    added, _question = await slack.workspace.say("add Pay rent due 3/12", count=2)  # U1 is en-US
    assert "Added *Pay rent*, due Thu 12 Mar 17:30." in added.text
    user = await slack.app[SERVICES_KEY].users.get_user("slack:T0TEAM:U3")
    assert user.locale == "fr-FR"


async def test_the_dm_channel_is_stored_once_for_reminders(slack):
    # A slash command in a channel: the DM has to be opened, once.
    await slack.workspace.say("help", user="U2", via="command", count=2)
    await slack.workspace.say("tasks", user="U2", via="command")
    await slack.workspace.say("water", user="U2", via="mention")
    assert [call.body["users"] for call in slack.api.calls_to("conversations.open")] == ["U2"]
    address = await slack.app[SERVICES_KEY].conversations.address("slack:T0TEAM:U2", "slack")
    assert address.data == {"team_id": "T0TEAM", "user": "U2", "channel": "D2"}
    # A DM carries its channel: nothing to open.
    await slack.workspace.say("help", count=2)
    address = await slack.app[SERVICES_KEY].conversations.address(U1, "slack")
    assert address.data["channel"] == "D1"
    assert len(slack.api.calls_to("conversations.open")) == 1


async def test_app_home_shows_the_session_open_tasks_and_today(slack):
    await slack.workspace.say("add Write the report !high", count=2)
    await slack.workspace.say("add Call the bank")
    await slack.workspace.say("start")
    assert (await slack.workspace.home_opened()).status == 200
    [home] = await slack.api.wait_for("views.publish")
    assert home.body["user_id"] == "U1" and home.body["view"]["type"] == "home"
    texts = json.dumps(home.body["view"]["blocks"])
    assert "Clocked in since 10:00" in texts and "Write the report" in texts and "Call the bank" in texts
    assert "Your Avanochi (egg)" in texts and "*Energy*" in texts  # the pet, with its stats
    assert [b["text"]["text"] for _, b in home.buttons()] == ["Clock out", "Done", "Done", "Show my pet"]
    # A press in the Home answers in the DM and refreshes the Home.
    since = len(slack.api.calls)
    [done] = await slack.workspace.click(home, "Done")
    assert done.body["channel"] == "D1" and "Done: *Write the report*" in done.text
    [refreshed] = await slack.api.wait_for("views.publish", since=since)
    assert "Write the report" not in json.dumps(refreshed.body["view"]["blocks"])
    assert "*Tasks done*\\n1" in json.dumps(refreshed.body["view"]["blocks"])


async def test_first_visit_to_the_messages_tab_says_welcome_once(slack):
    await slack.workspace.home_opened(tab="messages")
    [welcome] = await slack.api.wait_for("chat.postMessage")
    assert welcome.body["channel"] == "D1" and "Hi Ada, I'm Avanochi" in welcome.text
    await slack.workspace.home_opened(tab="messages")
    # The first real message still gets the time-zone question from users.info.
    replies = await slack.workspace.say("tasks", count=2)
    assert "Europe/Madrid" in replies[1].text
    assert sum("I'm Avanochi" in call.text for call in slack.api.calls) == 1


async def test_token_in_the_dm_works_on_the_rest_api(slack):
    [reply, _] = await slack.workspace.say("token", count=2)
    # Ephemeral even in the DM: the secret does not stay in the conversation's history.
    assert reply.method == "chat.postEphemeral" and reply.body["channel"] == "D1" and reply.body["user"] == "U1"
    found = re.search(r"`([^`\s]{20,})`", reply.text)
    assert found is not None, reply.text
    token = found.group(1)
    mine = Api(slack.rest.session, slack.rest.base, token=token)
    assert await mine.json("GET", "/api/tasks", 200) == []
    await mine.json("GET", "/api/tasks?user_id=slack:T0TEAM:U2", 403)


async def test_token_is_never_posted_in_a_channel(slack):
    [refusal, _] = await slack.workspace.say("token", via="mention", count=2)
    assert refusal.method == "chat.postEphemeral" and refusal.body["user"] == "U1"
    assert "ask me in a direct message" in refusal.text
    # By slash command, the answer is ephemeral: only the user ever sees it.
    [reply] = await slack.workspace.say("token", via="command")
    assert reply.method == "response_url" and reply.body["response_type"] == "ephemeral"
    assert re.search(r"`([^`\s]{20,})`", reply.text)
    channel_posts = [call for call in slack.api.calls_to("chat.postMessage") if call.body["channel"] == "C0GENERAL"]
    assert not any("token" in call.text.lower() for call in channel_posts)


async def test_export_uploads_the_data_to_the_dm(slack):
    await slack.workspace.say("add Export me", count=2)
    since = len(slack.api.calls)
    # Asked in a channel: the file goes to the DM, and the channel gets a private note.
    await slack.workspace.command("export my data")
    [completed] = await slack.api.wait_for("files.completeUploadExternal", since=since)
    [note] = await slack.api.wait_for("response_url", since=since)
    assert "sent it to you in our direct messages" in note.text
    [asked] = slack.api.calls_to("files.getUploadURLExternal")
    assert asked.body["filename"] == "avanochi-export.json"
    assert completed.body["channel_id"] == "D1" and "Here is everything I keep about you" in completed.text
    file_id = completed.body["files"][0]["id"]
    exported = json.loads(slack.api.uploads[file_id])
    assert [task["title"] for task in exported["tasks"]] == ["Export me"]
    assert int(asked.body["length"]) == len(slack.api.uploads[file_id])


async def test_delete_my_data_asks_then_erases_everything(slack):
    await slack.workspace.say("add Secret plan", count=2)
    await slack.workspace.say("start")
    [question] = await slack.workspace.say("delete my data")
    assert question.button("Delete everything")[1]["style"] == "danger"
    [kept] = await slack.workspace.click(question, "Cancel")
    assert "Nothing deleted" in kept.text and len(await tasks_of(slack)) == 1
    [question] = await slack.workspace.say("forget me")
    [gone] = await slack.workspace.click(question, "Delete everything")
    assert gone.method == "chat.update" and "records deleted" in gone.text
    assert await tasks_of(slack) == []
    services = slack.app[SERVICES_KEY]
    assert await services.conversations.address(U1, "slack") is None
    assert await slack.rest.json("GET", f"/api/work_sessions?user_id={U1}", 200) == []
    # Talking again starts afresh: a new user, onboarding from Slack's profile again.
    replies = await slack.workspace.say("tasks", count=2)
    assert "Europe/Madrid" in replies[1].text
    assert len(slack.api.calls_to("users.info")) == 2
    assert (await services.conversations.address(U1, "slack")).data["channel"] == "D1"


async def test_delete_my_data_is_refused_in_a_channel_and_a_later_yes_deletes_nothing(slack):
    await slack.workspace.say("add Channel secret", via="mention", count=2)
    [refusal] = await slack.workspace.say("delete my data", via="mention")
    assert refusal.method == "chat.postEphemeral" and "direct message" in refusal.text
    await slack.workspace.say("yes")
    assert [t["title"] for t in await tasks_of(slack)] == ["Channel secret"]
