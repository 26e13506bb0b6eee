"""The local terminal chat (python app.py chat): lines typed in, replies printed as plain text,
through the same turn pipeline as every other channel, with the same reminders.

What a bare number means: while the last replies printed show buttons ([1] Yes  [2] No), typing
one of their numbers alone presses that button, exactly as a click does in Slack or Teams; any
other line, and any number when no button has that number, is an ordinary message ("done 2"
always is). The console's own words: ``open`` (the last picture saved), ``quit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from bot.adapters.console.channel import ConsoleChannel
from bot.adapters.console.terminal import LineReader, OsUser
from bot.adapters.console.viewer import SystemViewer, Viewer
from bot.messages import IncomingMessage
from bot.reminders.engine import ReminderEngine
from bot.runtime import Arrival, TurnPipeline

log = logging.getLogger("avanochi.console")

PROMPT = "you> "
INTRO = (
    "Avanochi in your terminal. Say 'help' to see what I understand. Buttons show as [1] Yes  [2] No: "
    "type a button's number alone to press it. 'open' shows the last picture, 'quit' leaves."
)
QUIT = frozenset({"quit", "exit"})
OPEN = frozenset({"open", "open image", "open picture", "open chart", "open pet", "open it"})
# The terminal is the address reminders go to: the engine delivering them runs in this chat.
ADDRESS = {"terminal": "the running chat"}


@dataclass(frozen=True)
class Reminders:
    engine: ReminderEngine
    every: float  # seconds between two passes; 0: no reminders


async def chat(
    pipeline: TurnPipeline,
    lines: LineReader,
    console: ConsoleChannel,
    user: OsUser,
    *,
    reminders: Reminders | None = None,
    viewer: Viewer | None = None,
) -> None:
    """Talk until the user says quit or input ends; reminders print in between."""
    user_id = user.user_id
    viewer = viewer or SystemViewer()
    with lines.printing():
        console.note(INTRO, indent=False)
        hello = IncomingMessage(user_id, "console", "console", user_name=user.name)
        await pipeline.greet(console, Arrival(hello, address=ADDRESS))
        nudging = None
        if reminders is not None and reminders.every > 0:
            nudging = asyncio.create_task(_remind(reminders, user_id))
        try:
            await _converse(pipeline, lines, console, user, viewer)
        finally:
            if nudging is not None:
                nudging.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await nudging
        console.note("bye!", indent=False)


async def _converse(
    pipeline: TurnPipeline, lines: LineReader, console: ConsoleChannel, user: OsUser, viewer: Viewer
) -> None:
    user_id = user.user_id
    while True:
        line = await lines.read(PROMPT)
        if line is None:
            return
        text = line.strip()
        if text.lower() in QUIT:
            return
        if text.lower() in OPEN:
            await _open(console, viewer)
            continue
        button = console.button(text)
        if button is not None:
            console.note(f"(pressed {button.label})")
        message = IncomingMessage(
            user_id,
            "console",
            "console",
            text="" if button else text,
            action=button.payload if button else None,
            user_name=user.name,
        )
        await pipeline.turn(console, Arrival(message, address=ADDRESS))


async def _open(console: ConsoleChannel, viewer: Viewer) -> None:
    picture = console.last_image
    if picture is None or not picture.exists():
        console.note("No picture to open yet: 'stats week' draws a chart, 'pet' shows your pet.")
        return
    console.note(f"Opening {picture}")
    trouble = await viewer.open(picture)
    if trouble:
        console.note(trouble)


async def _remind(reminders: Reminders, user_id: str) -> None:
    """The reminder engine, for this user alone, every few seconds while the chat is open."""
    while True:
        await asyncio.sleep(reminders.every)
        try:
            await reminders.engine.run_for(user_id)
        except Exception:  # the next pass tries again; the chat goes on
            log.exception("reminder pass failed")
