"""Slack through Bolt: the adapter at POST /slack/events and over Socket Mode (Bolt payloads in,
Arrivals to the turn pipeline), the channel that renders and sends the replies (Block Kit, Web
API), the App Home, the notifier for reminders, OAuth installation into many workspaces with each
workspace's bot token (workspaces.py), a user's status and Do Not Disturb during focus with the
user token they granted (status.py), and the app manifests (manifest.json over HTTP,
manifest.socket-mode.json for Socket Mode)."""

from bot.adapters.slack.adapter import register

__all__ = ["register"]
