"""The opt-in team pulse in a Microsoft Teams channel and group chat, through the fake Bot
Connector, on both stores with a fake clock: the bot is @mentioned there, the weekly post goes to
the channel proactively with aggregates only and never below five people, kudos mention their
recipient the Teams way, and what is personal never shows in the channel."""

from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta

import pytest

from app import ENGINE_KEY, SERVICES_KEY
from tests.fake_connector import (
    BOT_ID,
    START,
    FakeConnector,
    TeamsChat,
    assert_cards_valid,
    fake_connector,
    teams_world,
    visible_text,
)
from tests.integration.conftest import make_settings
from tests.integration.test_team_pulse import expected, history

TENANT = "tenant-1"
CHANNEL = "19:general@thread.tacv2"  # the channel; each thread in it is CHANNEL;messageid=...
TEAM = "19:team-id@thread.tacv2"
GROUP_CHAT = "19:pulse-group@thread.v2"
# Six people in the channel: a lead and five teammates.
PEOPLE = {
    "ada": "Ada Lovelace",
    "bob": "Bob Builder",
    "cy": "Cy Young",
    "dee": "Dee Dee",
    "eve": "Eve Online",
    "fay": "Fay Wray",
}
POST_PASS = START + timedelta(days=7, hours=3)  # the Monday after, past its 09:00-10:00 post time
POST_WEEK = [POST_PASS.date() - timedelta(days=n) for n in range(7, 0, -1)]
THREADS = itertools.count(1)


@pytest.fixture
async def world(store):
    async with teams_world(make_settings(), store) as world:
        for aad, name in PEOPLE.items():
            # The channel's roster, as the Bot Connector answers for a member (mentions carry the
            # Teams id only).
            world.connector.members[teams_id(aad)] = {"id": teams_id(aad), "name": name, "aadObjectId": aad}
        yield world
        assert_cards_valid(world.connector)


def teams_id(aad: str) -> str:
    return f"29:{aad}-id"  # what the fake Teams sends as from.id for this person


def user_id(aad: str) -> str:
    return f"msteams:{TENANT}:{aad}"


def bot_mention(name: str = "Avanochi") -> dict:
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": BOT_ID, "name": name}}


def person_mention(aad: str) -> dict:
    name = PEOPLE[aad]
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": teams_id(aad), "name": name}}


async def in_channel(
    world, aad: str, text: str, *mentioned: str, where: str = "channel", connector: FakeConnector | None = None
) -> list[dict]:
    """``aad`` @mentions the bot in a new thread of the channel (or in the group chat) with
    ``text``, naming ``mentioned`` people the Teams way (<at>Name</at> plus an entity); what the
    bot sent anywhere while answering."""
    for person in mentioned:
        text = text.replace("@" + person, f"<at>{PEOPLE[person]}</at>")
    if where == "channel":
        conversation, kind = f"{CHANNEL};messageid=17000000{next(THREADS):05d}", "channel"
        channel_data = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": CHANNEL}}
    else:
        conversation, kind = GROUP_CHAT, "groupChat"
        channel_data = {"tenant": {"id": TENANT}}
    chat = TeamsChat(
        world.session,
        world.base,
        connector or world.connector,
        aad=aad,
        name=PEOPLE[aad],
        conversation_id=conversation,
        conversation_type=kind,
    )
    entities = [bot_mention(), *(person_mention(person) for person in mentioned)]
    return await chat.say(f"<at>Avanochi</at> {text}", entities=entities, channelData=channel_data)


def where(activities: list[dict], conversation: str = CHANNEL) -> list[dict]:
    return [a for a in activities if a["_meta"]["conversation"].split(";messageid=")[0] == conversation]


def said(activities: list[dict]) -> str:
    return "\n".join(visible_text(activity) for activity in activities)


async def one_to_one(world, aad: str) -> None:
    """``aad`` has a 1:1 chat with the bot (and so is known to it)."""
    chat = world.chat_as(aad=aad, name=PEOPLE[aad], conversation_id=f"a:personal-{aad}")
    await chat.say("help")


async def set_up(world, sharing: list[str], where_: str = "channel") -> None:
    assert "now has a team pulse" in said(await in_channel(world, "ada", "team pulse", where=where_))
    for aad in sharing:
        answer = await in_channel(world, aad, "share with team on", where=where_)
        assert "You're in" in said(answer)


async def give_week(world, aad: str, seed: int) -> None:
    ledger = world.app[SERVICES_KEY].repos.ledger
    for key, counters in history(seed, POST_WEEK).items():
        await ledger.overwrite(user_id(aad), key, counters)


async def weekly_posts(world, conversation: str = CHANNEL) -> list[dict]:
    """What the reminder pass posted on its own (not as a reply) in the conversation."""
    before = len(world.connector.activities)
    summary = await world.app[ENGINE_KEY].run(POST_PASS)
    posts = [a for a in where(world.connector.messages(before), conversation) if a["_meta"]["reply_to"] is None]
    assert summary.team_posts == len(posts)
    return posts


async def test_with_five_of_six_sharing_the_weekly_post_in_the_channel_shows_aggregates_only(world):
    sharing = ["bob", "cy", "dee", "eve", "fay"]  # ada, the lead, does not share
    await set_up(world, sharing)
    for seed, aad in enumerate(PEOPLE):
        await give_week(world, aad, seed)
    [post] = await weekly_posts(world)
    assert post["_meta"]["conversation"] == CHANNEL  # the channel itself: a new post, in no old thread
    shown = said([post])
    assert "Team pulse" in shown and "across the 5 members" in shown
    # Worked out from the five who share: ada's week is not in it.
    histories = {aad: history(seed, POST_WEEK) for seed, aad in enumerate(PEOPLE) if aad in sharing}
    for label, value in expected(histories, POST_WEEK).items():
        assert label in shown and value in shown, (label, value, shown)
    words = set(re.findall(r"\w+", post["attachments"][0]["content"]["fallbackText"]))
    assert not words & {name.split()[0] for name in PEOPLE.values()}  # no one named
    sent = json.dumps(post)
    assert not any(user_id(aad) in sent or teams_id(aad) in sent for aad in PEOPLE)  # no one's id either


async def test_with_four_sharing_the_channel_gets_a_count_and_no_numbers(world):
    await set_up(world, ["bob", "cy", "dee", "eve"])
    for seed, aad in enumerate(PEOPLE):
        await give_week(world, aad, seed)
    [post] = await weekly_posts(world)
    shown = said([post])
    assert "Not enough members have opted in yet (4 of 5)" in shown
    assert "focus" not in shown.lower() and "overtime" not in shown.lower()
    asked = said(where(await in_channel(world, "fay", "team pulse")))
    assert "(4 of 5)" in asked and "Overtime" not in asked


async def test_the_weekly_post_goes_where_the_pulse_was_last_asked_for(world):
    await set_up(world, ["bob", "cy", "dee", "eve", "fay"])
    async with fake_connector() as moved:  # Teams moved the channel to another service URL
        assert "Team pulse" in said(await in_channel(world, "bob", "team pulse", connector=moved))
        before = len(moved.activities)
        assert (await world.app[ENGINE_KEY].run(POST_PASS)).team_posts == 1
        [post] = moved.messages(before)
    assert post["_meta"]["conversation"] == CHANNEL and "Team pulse" in said([post])


async def test_the_bots_own_mention_is_stripped_and_any_thread_of_the_channel_is_the_same_team(world):
    first = said(await in_channel(world, "ada", "team pulse"))
    assert "now has a team pulse" in first and "Avanochi" not in first.split("team pulse")[0]
    # Another thread, the bot's mention followed by a non-breaking space as Teams writes it.
    again = said(await in_channel(world, "bob", "&nbsp;team pulse"))
    assert "Not enough members have opted in yet (0 of 5)" in again


async def test_a_consent_confirmation_goes_to_the_1_to_1_chat_when_there_is_one(world):
    await one_to_one(world, "bob")
    await in_channel(world, "ada", "team pulse")
    sent = await in_channel(world, "bob", "share with team on")
    [private] = where(sent, "a:personal-bob")
    assert "You're in" in said([private]) and private["_meta"]["reply_to"] is None
    [note] = where(sent)
    assert said([note]) == "I sent it to you in our direct messages. 📬"
    # Without a 1:1 chat, the confirmation stands in the channel: it names no one else.
    sent = await in_channel(world, "cy", "share with team on")
    [answer] = [a for a in where(sent) if "You're in" in said([a])]
    assert answer["_meta"]["reply_to"] is not None and where(sent, "a:personal-cy") == []


async def test_kudos_for_a_consenting_member_mention_them_the_teams_way(world):
    await set_up(world, [])
    assert "Teammates can now post kudos" in said(await in_channel(world, "bob", "kudos on"))
    sent = await in_channel(world, "ada", "kudos @bob for the release notes", "bob")
    [kudos] = [a for a in where(sent) if "Kudos to" in (a.get("text") or "")]
    assert kudos["text"] == "🎉 Kudos to <at>Bob Builder</at> from Ada Lovelace: the release notes"
    [entity] = [e for e in kudos["entities"] if e["type"] == "mention"]
    assert entity["text"] == "<at>Bob Builder</at>"
    assert entity["mentioned"] == {"id": teams_id("bob"), "name": "Bob Builder"}
    assert "aad-" not in kudos["text"] and "msteams:" not in kudos["text"]
    # The mention named Bob by his Teams id; the roster said who that is.
    assert (CHANNEL, teams_id("bob")) in world.connector.member_lookups


async def test_kudos_for_a_member_who_did_not_say_yes_are_refused_without_telling_the_channel(world):
    await set_up(world, [])
    await in_channel(world, "bob", "kudos on")
    await in_channel(world, "bob", "kudos off")  # said no; cy was never asked
    await one_to_one(world, "ada")
    seen_by_channel = set()
    for person in ("bob", "cy"):
        sent = await in_channel(world, "ada", f"kudos @{person} for the demo", person)
        [refusal] = where(sent, "a:personal-ada")  # to the asker alone
        assert "didn't post this one" in said([refusal])
        channel = said(where(sent))
        assert "Kudos to" not in channel and PEOPLE[person].split()[0] not in channel
        seen_by_channel.add(channel)
    # The same words whoever the kudos were for: no one's choice shows.
    assert seen_by_channel == {"I sent it to you in our direct messages. 📬"}
    # Someone with no 1:1 chat yet gets a pointer in the channel that names no one.
    sent = await in_channel(world, "dee", "kudos @cy for the demo", "cy")
    channel = said(where(sent))
    assert "1:1 chat" in channel and "Cy" not in channel and "kudos on" not in channel
    assert where(sent, "a:personal-dee") == []


async def test_a_mention_the_roster_does_not_know_gets_no_kudos(world):
    await set_up(world, [])
    await in_channel(world, "bob", "kudos on")
    world.connector.members.clear()  # the lookup fails: Bob is known by his Teams id only
    await one_to_one(world, "ada")
    sent = await in_channel(world, "ada", "kudos @bob for the demo", "bob")
    assert "Kudos to" not in said(sent) and "didn't post this one" in said(where(sent, "a:personal-ada"))


async def test_the_pulse_works_in_a_group_chat_too(world):
    await set_up(world, ["bob", "cy", "dee", "eve", "fay"], "group")
    for seed, aad in enumerate(PEOPLE):
        await give_week(world, aad, seed)
    [post] = await weekly_posts(world, GROUP_CHAT)
    assert "across the 5 members" in said([post])
    await in_channel(world, "cy", "kudos on", where="group")
    sent = await in_channel(world, "fay", "kudos @cy for the slides", "cy", where="group")
    [kudos] = [a for a in where(sent, GROUP_CHAT) if "Kudos to" in (a.get("text") or "")]
    assert kudos["entities"][0]["mentioned"]["id"] == teams_id("cy")
