"""The local terminal chat (python app.py chat): lines typed in, replies printed as plain text,
through the same turn pipeline as every other channel.

Buttons are numbered and pressed by typing their number; files and images are saved in a folder
of their own and their path printed.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from bot.messages import Button, IncomingMessage, Reply
from bot.runtime import Arrival, ChannelBase, ChannelCapabilities, Placed, TurnPipeline
from bot.runtime.channel import DirectAddress

PROMPT = "you> "
INDENT = " " * len("avanochi> ")
FOLDER = Path("avanochi-files")


class Keyboard(Protocol):
    def readline(self) -> str: ...


class Screen(Protocol):
    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class ConsoleChannel(ChannelBase):
    name = "console"
    capabilities = ChannelCapabilities(files=True, buttons=True)

    def __init__(self, stdout: Screen, folder: Path = FOLDER) -> None:
        self._stdout = stdout
        self._folder = folder
        self._saved = itertools.count(1)
        self.buttons: dict[str, dict[str, Any]] = {}  # the number to type -> the payload it sends

    async def send(self, route: Any, replies: list[Placed], dm: DirectAddress) -> None:
        self.buttons = {}
        for placed in replies:
            self._stdout.write("avanochi> " + self._render(placed.reply).replace("\n", "\n" + INDENT) + "\n")
            if placed.reply.file:
                self._saved_as(placed.reply.file.name, placed.reply.file.content)
            if placed.reply.image:
                self._saved_as(self._new_image_name(), placed.reply.image.png)

    def _render(self, reply: Reply) -> str:
        items = [
            replace(item, text=f"{item.text}  {self._label(item.button)}") if item.button else item
            for item in reply.items
        ]
        labels = "  ".join(self._label(button) for button in reply.buttons)
        return "\n".join(filter(None, [replace(reply, items=items, buttons=[]).plain(), labels]))

    def _label(self, button: Button) -> str:
        """The button as "[1 Done]", remembering what typing its number sends."""
        number = str(len(self.buttons) + 1)
        self.buttons[number] = button.payload
        return f"[{number} {button.label}]"

    def _new_image_name(self) -> str:
        """The next avanochi-N.png not in the folder yet: pictures of earlier sessions stay."""
        return next(name for number in self._saved if not (self._folder / (name := f"avanochi-{number}.png")).exists())

    def _saved_as(self, name: str, content: bytes) -> None:
        # Exports hold everything the bot keeps about the user: readable by them alone.
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = (self._folder / Path(name).name).resolve()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        self._stdout.write(f"{INDENT}(saved {path})\n")


async def chat(
    pipeline: TurnPipeline,
    user_id: str | None = None,
    stdin: Keyboard = sys.stdin,
    stdout: Screen = sys.stdout,
    folder: Path = FOLDER,
) -> None:
    name = getpass.getuser()
    user_id = user_id or f"console:{name}"
    channel = ConsoleChannel(stdout, folder)
    stdout.write("Avanochi in your terminal: say 'help', type a button's number to press it, 'quit' to leave.\n")
    await pipeline.greet(channel, Arrival(IncomingMessage(user_id, "console", "console", user_name=name)))
    loop = asyncio.get_running_loop()
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        text = line.strip()
        if not line or text.lower() in ("quit", "exit"):
            stdout.write("bye!\n")
            return
        pressed = channel.buttons.get(text)
        message = IncomingMessage(user_id, "console", "console", text="" if pressed else text, action=pressed)
        await pipeline.turn(channel, Arrival(message))
