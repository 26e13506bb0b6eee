"""Habit flows: water, breaks and lunch."""

from __future__ import annotations

from bot.dialogs.turn import Turn
from bot.language.arguments import parse_minutes, parse_water_ml
from bot.messages import Button, Fact, Reply
from domain.services.habits import DEFAULT_BREAK_MINUTES


def water_facts(today: dict[str, int]) -> list[Fact]:
    return [Fact("Water today", f"{today['water_ml']} / {today['water_goal_ml']} ml")]


class HabitDialog:
    async def water(self, turn: Turn, args: str) -> list[Reply]:
        ml = parse_water_ml(args)
        today = await turn.services.habits.log_water(turn.user_id, ml)
        cheer = " Goal reached! 💧" if today["water_ml"] >= today["water_goal_ml"] else ""
        return [
            Reply(
                f"Logged {ml} ml of water.{cheer}",
                facts=water_facts(today),
                buttons=[Button("Another glass", {"command": "water"})],
                kind="habit",
            )
        ]

    async def take_break(self, turn: Turn, args: str) -> list[Reply]:
        minutes = parse_minutes(args, DEFAULT_BREAK_MINUTES) or DEFAULT_BREAK_MINUTES
        today = await turn.services.habits.log_break(turn.user_id, minutes)
        return [
            Reply(
                f"Logged a {minutes}-minute break. Rested minds work better.",
                facts=[Fact("Breaks today", str(today["breaks"]))],
                kind="habit",
            )
        ]

    async def lunch(self, turn: Turn, args: str) -> list[Reply]:
        today = await turn.services.habits.log_lunch(turn.user_id)
        text = "Lunch logged. Enjoy your meal!" if today["lunches"] == 1 else "Another meal logged."
        return [Reply(text, kind="habit")]
