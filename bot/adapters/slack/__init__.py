"""Slack through Bolt: the adapter at POST /slack/events, the notifier for reminders, the Block Kit
renderer and the app manifest (manifest.json)."""
from bot.adapters.slack.adapter import register

__all__ = ["register"]
