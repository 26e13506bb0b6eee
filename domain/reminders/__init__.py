"""Proactive nudges: when each is due (policy), and the schedule the engine works from."""
