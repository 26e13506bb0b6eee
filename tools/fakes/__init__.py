"""Fakes of the platforms Avanochi talks to (Slack Web API, Bot Connector), served on loopback."""
