"""How the terminal shows replies: plain text, buttons numbered [1] Yes  [2] No, and pictures and
files saved in a folder of the user's own with their path printed."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from bot.messages import Button, Reply
from bot.runtime import ChannelBase, ChannelCapabilities, Placed, Profile
from bot.runtime.channel import DirectAddress

SPEAKER = "avanochi> "
INDENT = " " * len(SPEAKER)
# A task title can come from anywhere (the REST API): escape sequences in it must not move the
# cursor, retitle the window or hide the lines around it.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BOLD = re.compile(r"\*([^*\n]+)\*")  # the *bold* of chat markup, which a terminal would show as stars
TERMINAL_HELP = (
    "In this terminal: buttons show as [1] Yes  [2] No; type a button's number alone to press it "
    "(with no buttons shown, a number is an ordinary message). *open* shows the last picture I saved; "
    "↑ and ↓ bring back what you typed before; *quit* leaves."
)


class Screen(Protocol):
    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class ConsoleChannel(ChannelBase):
    name = "console"
    # ``profiles``: the OS account names the user (onboarding greets them by it).
    capabilities = ChannelCapabilities(files=True, buttons=True, profiles=True)

    def __init__(self, screen: Screen, folder: Path, user_name: str) -> None:
        self._screen = screen
        self._folder = folder
        self._user_name = user_name
        self._saved = itertools.count(1)
        self._buttons: dict[str, Button] = {}  # the number to type -> the button it presses
        self.last_image: Path | None = None  # what ``open`` shows: only ever a file written here

    # -- the channel contract ------------------------------------------------------------------

    async def send(self, route: Any, replies: list[Placed], dm: DirectAddress) -> None:
        # An answer to what the user typed: its buttons are the ones to press now, from 1.
        self._buttons = {}
        self.show([placed.reply for placed in replies])

    async def profile(self, route: Any) -> Profile | None:
        return Profile(name=self._user_name)

    # -- what the console session and its notifier use ------------------------------------------

    def show(self, replies: list[Reply]) -> None:
        """Print replies; a reminder's buttons are numbered after those still shown, so a number
        typed for the card above still presses what the user read next to it."""
        for reply in replies:
            text = self._render(reply).replace("\n", "\n" + INDENT)
            self._screen.write(SPEAKER + text + "\n")
            if reply.file:
                self._screen.write(f"{INDENT}(saved {self._save(reply.file.name, reply.file.content)})\n")
            if reply.image:
                self.last_image = self._save(self._new_image_name(), reply.image.png)
                self._screen.write(f"{INDENT}(saved {self.last_image}; type open to view it)\n")
        self._screen.flush()

    def button(self, text: str) -> Button | None:
        """The shown button a typed number presses; None for anything else."""
        return self._buttons.get(text)

    def note(self, text: str, *, indent: bool = True) -> None:
        """A line of the console's own, not the bot's: the introduction, a pressed button, bye."""
        self._screen.write((INDENT if indent else "") + text + "\n")
        self._screen.flush()

    # -- rendering -------------------------------------------------------------------------------

    def _render(self, reply: Reply) -> str:
        items = [
            replace(item, text=f"{item.text}  {self._number(item.button)}") if item.button else item
            for item in reply.items
        ]
        text = reply.text + ("\n\n" + TERMINAL_HELP if reply.kind == "help" else "")
        labels = "  ".join(self._number(button) for button in reply.buttons)
        shown = "\n".join(filter(None, [replace(reply, text=text, items=items, buttons=[]).plain(), labels]))
        return BOLD.sub(r"\1", CONTROL.sub("", shown))

    def _number(self, button: Button) -> str:
        number = str(len(self._buttons) + 1)
        self._buttons[number] = button
        return f"[{number}] {button.label}"

    # -- files -----------------------------------------------------------------------------------

    def _new_image_name(self) -> str:
        """The next avanochi-N.png not in the folder yet: pictures of earlier sessions stay."""
        return next(name for number in self._saved if not (self._folder / (name := f"avanochi-{number}.png")).exists())

    def _save(self, name: str, content: bytes) -> Path:
        # Pictures and exports tell about the user's work: a folder and files for them alone.
        make_private_folder(self._folder)
        path = self._folder.resolve() / Path(name).name
        # O_NOFOLLOW: a link planted under our file's name must not redirect the write.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        return path


def make_private_folder(folder: Path) -> None:
    """The folder and any missing parent, created readable by the user alone (``mkdir(parents=True)``
    would give the parents the umask's wider mode)."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
