"""Microsoft Teams: the adapter at POST /api/messages, the notifier for reminders, the Adaptive Card
renderer, the access rules of the endpoint, and the app package (manifest.py, icons/)."""
from bot.adapters.teams.adapter import register

__all__ = ["register"]
