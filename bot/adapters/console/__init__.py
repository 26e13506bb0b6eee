"""The local terminal chat (python app.py chat): the same turn pipeline and reminders, replies as
plain text with numbered buttons, pictures saved to a folder."""

from bot.adapters.console.adapter import Reminders, chat
from bot.adapters.console.channel import ConsoleChannel
from bot.adapters.console.notifier import ConsoleNotifier
from bot.adapters.console.terminal import os_user, terminal

__all__ = ["ConsoleChannel", "ConsoleNotifier", "Reminders", "chat", "os_user", "terminal"]
