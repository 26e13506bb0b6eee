"""The local terminal chat (python app.py chat): the same turn pipeline, replies as plain text."""

from bot.adapters.console.adapter import chat

__all__ = ["chat"]
