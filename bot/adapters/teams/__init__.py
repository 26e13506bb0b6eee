"""Microsoft Teams on the Microsoft 365 Agents SDK: the adapter at POST /api/messages (adapter.py),
which hands each activity to the turn pipeline; the channel that sends the pipeline's replies
through the request's turn context (channel.py); its translation of activities (activities.py),
the Bot Framework token check and the bot's own token (auth.py), the personal tab's single sign-on
(sso.py), the Bot Connector clients (connector.py), file consent (files.py), presence during focus
through Microsoft Graph (presence.py), the notifier for reminders, the Adaptive Card renderer, the
access rules of the endpoint, and the app package (manifest.py, icons/)."""

from bot.adapters.teams.adapter import register

__all__ = ["register"]
