"""People are called by the name Slack or Teams gives for them, and never by an id or a login
handle: with no name to go by, the greeting goes without one. Both stores."""

from __future__ import annotations

import re

import pytest

from tests.fake_connector import assert_cards_valid, teams_world, visible_text
from tests.integration.conftest import make_settings

# "Hi", or the time of day's greeting, then the name or nothing.
GREETING = "(Hi|Good morning|Good afternoon)"


async def test_slack_greets_by_the_profile_name_never_by_the_handle_or_the_id(slack):
    # Only a display name set: that is the name the person goes by.
    slack.api.add_user("U4", "Lin Chen")
    slack.api.users["U4"].update(real_name="", profile={"real_name": "", "display_name": "Lin"})
    # No name at all, only a login handle.
    slack.api.add_user("U5", "Nobody Here")
    slack.api.users["U5"].update(real_name="", name="jdoe99", profile={"real_name": "", "display_name": ""})

    hello, _question = await slack.workspace.say("hello", user="U4", count=2)
    assert re.match(GREETING + ",? Lin! ", hello.text)
    hello, _question = await slack.workspace.say("hello", user="U5", count=2)
    assert re.match(GREETING + "! ", hello.text)
    assert "jdoe99" not in hello.text and "U5" not in hello.text and "slack:" not in hello.text


@pytest.fixture
async def teams(store):
    async with teams_world(make_settings(), store) as world:
        yield world
        assert_cards_valid(world.connector)


async def test_teams_greets_by_from_name_and_without_a_name_when_it_sends_none(teams):
    grace = teams.chat_as(aad="aad-grace", name="Hopper, Grace")  # a directory's order
    said = "\n".join(visible_text(activity) for activity in await grace.say("hello"))
    assert re.search(GREETING + ",? Grace! ", said)
    nameless = teams.chat_as(aad="aad-nameless", name="")
    said = "\n".join(visible_text(activity) for activity in await nameless.say("hello"))
    assert re.search(GREETING + "! ", said)
    assert "aad-nameless" not in said and "msteams:" not in said and "29:" not in said
