"""The Dialogs calls of a channel not yet moved onto the pipeline (Teams, while its SDK changes),
answered under the pipeline's policies: per-user order, pace, dedupe, size cap, apology.

It goes away when the last such channel hands the pipeline an Arrival instead."""
from __future__ import annotations

from bot.dialogs.router import Dialogs
from bot.dialogs.voice import Fetch
from bot.messages import IncomingMessage, Reply
from bot.runtime.pipeline import TurnPipeline


class PipelineDialogs:
    def __init__(self, pipeline: TurnPipeline, dialogs: Dialogs) -> None:
        self._pipeline = pipeline
        self._dialogs = dialogs

    async def handle(self, message: IncomingMessage, fetch: Fetch | None = None) -> list[Reply]:
        return await self._pipeline.answer(message, fetch)

    async def welcome(self, message: IncomingMessage) -> list[Reply]:
        return await self._dialogs.welcome(message)
