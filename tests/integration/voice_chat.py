"""What the voice tests in chat share: a Slack DM or a Teams chat through its wire fake, with the
real offline engine, on SQLite (what they check is what the engine hears and the bot asks, which
no store changes), and a user past onboarding."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conformance.drivers import Driver, FlakyStore, slack_driver, teams_driver


# Named apart from their fixture names, so a test module imports them without shadowing its arguments.
@pytest.fixture(name="store_kind")
def sqlite_only() -> str:
    return "sqlite"


@pytest.fixture(name="channel", params=["slack", "teams"])
async def voice_channel(request: pytest.FixtureRequest, store) -> AsyncIterator[Driver]:
    drivers = {"slack": slack_driver, "teams": teams_driver}
    async with drivers[request.param](FlakyStore(store)) as driver:
        yield driver


async def settled(channel: Driver, first: str) -> None:
    """A user past onboarding: their first message, then both questions skipped."""
    replies = await channel.say(first)
    if "time zone" in replies[-1].text or "are you in" in replies[-1].text:
        await channel.say("skip")
        await channel.say("skip")
