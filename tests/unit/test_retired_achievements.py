"""An achievement retired from the catalogue ("Night owl", once awarded for working past 22:00)
stays in the user's progress record, unlisted: the chat listing and its count read as if it was
never there, and nothing crashes on it."""

from __future__ import annotations

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage
from domain.progress import CATALOGUE, ProgressRecord
from domain.services import Services
from persistence.repositories import Repositories
from tests.companion_setup import progress_records

USER = "slack:T1:U1"


async def test_an_earned_night_owl_is_no_longer_listed_nor_counted(repos: Repositories, services: Services) -> None:
    dialogs = Dialogs(services)
    await dialogs.handle(IncomingMessage(USER, "slack", "D1", text="timezone UTC", delivery_id="m1"))
    await progress_records(repos).add(ProgressRecord(USER, achievements={"night_owl": "2026-02-20"}))
    replies = await dialogs.handle(IncomingMessage(USER, "slack", "D1", text="achievements", delivery_id="m2"))
    [listing] = [r for r in replies if r.kind == "achievements"]
    assert listing.text.startswith(f"0 of {len(CATALOGUE)} earned.")
    assert not any("Night owl" in item.text for item in listing.items)
    names = {item.text for item in listing.items}
    assert {"🧘 Breaks kept", "🕰️ Within hours", "🌿 Rested weekend"} <= names
