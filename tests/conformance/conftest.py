"""The ``channel`` fixture: each conformance test runs once per chat channel, through its own wire
fake. A channel moved onto the turn pipeline joins by adding its driver to DRIVERS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conformance.drivers import Driver, FlakyStore, console_driver, echo_driver, slack_driver, teams_driver

DRIVERS = {
    "slack": lambda store, folder: slack_driver(store),
    "teams": lambda store, folder: teams_driver(store),
    "console": console_driver,
    "echo": lambda store, folder: echo_driver(store),
}


@pytest.fixture
def store_kind() -> str:
    """SQLite: what is checked here is each channel's conversation, which no store changes."""
    return "sqlite"


@pytest.fixture(params=list(DRIVERS))
async def channel(request: pytest.FixtureRequest, store, tmp_path: Path) -> AsyncIterator[Driver]:
    async with DRIVERS[request.param](FlakyStore(store), tmp_path / "files") as driver:
        yield driver
