"""Proactive nudges: composing them as replies and running the reminder engine."""
