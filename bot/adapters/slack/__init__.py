"""Slack through Bolt: the adapter at POST /slack/events (Bolt payloads in, Arrivals to the turn
pipeline), the channel that renders and sends the replies (Block Kit, Web API), the App Home, the
notifier for reminders, and the app manifest (manifest.json)."""

from bot.adapters.slack.adapter import register

__all__ = ["register"]
