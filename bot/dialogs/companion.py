"""Companion flows: the pet, achievements and insights, and the pet's word after an action."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.dialogs.turn import Turn
from bot.images.pet_image import draw_pet, pet_alt_text
from bot.messages import Button, Fact, Image, ListItem, Reply
from domain.progress import CATALOGUE
from domain.services.pet import reaction
from domain.wording import plural

# The commands the pet reacts to, and as what.
# Replies that mean nothing happened yet (an error, a question): the pet has nothing to react to.
NOT_YET_DONE = ("error", "confirm", "question", "tasks")
REACTS_TO = {
    "done": "done",
    "add": "add",
    "water": "water",
    "break": "break",
    "lunch": "lunch",
    "focus": "focus_start",
    "focus_stop": "focus_stop",
    "focus_cancel": "focus_cancel",
    "focus_cut_short": "focus_cancel",
    "start": "start",
    "stop": "stop",
    "undo": "undo",
    # A mood check-in, by how it went (bot/dialogs/mood.py sets which).
    "mood_low": "mood_low",
    "mood_ok": "mood_ok",
    "mood_high": "mood_high",
}


class CompanionDialog:
    def __init__(self, narrator=None) -> None:
        self._narrator = narrator  # bot.narrator.AzureOpenAINarrator, or None for template text

    async def pet(self, turn: Turn, args: str) -> list[Reply]:
        view = await turn.services.pet.look(turn.user_id)
        png = await asyncio.to_thread(draw_pet, view.pet)  # ~20 ms of CPU: off the event loop
        return [replace(pet_reply(view), image=Image(png, pet_alt_text(view.pet)))]

    async def home(self, services, user_id: str) -> Reply:
        """The pet as a section of a home page (Slack's App Home shows no uploaded image)."""
        reply = pet_reply(await services.pet.look(user_id))
        return replace(reply, buttons=[Button("Show my pet", {"command": "pet"})])

    async def achievements(self, turn: Turn, args: str) -> list[Reply]:
        progress = await turn.services.progress.snapshot(turn.user_id)
        earned = {entry.achievement.id: entry.earned_on for entry in progress.achievements}
        items = [
            ListItem(
                f"{a.icon} {a.name}",
                detail=f"earned {earned[a.id]}" if a.id in earned else a.description,
                done=a.id in earned,
            )
            for a in CATALOGUE
        ]
        return [
            Reply(
                f"{len(earned)} of {len(CATALOGUE)} earned. Level {progress.level}, {progress.streak_days}-day streak.",
                title="Achievements",
                items=items,
                kind="achievements",
            )
        ]

    async def insights(self, turn: Turn, args: str) -> list[Reply]:
        insight = await turn.services.insights.assess(turn.user_id)
        lines = insight.explain()
        body = "\n".join(lines[1:]) or "Nothing in the last two weeks points to overload."
        story = await self._narrator.narrate(insight) if self._narrator else None
        if story:
            body = f"{story}\n{body}"  # the narrative first; the explained factors stay below it
        return [
            Reply(
                body,
                title=lines[0],
                items=[ListItem(r) for r in insight.recommendations],
                kind="insights",
                private=True,
            )
        ]

    async def after(self, turn: Turn, command: str, replies: list[Reply]) -> list[Reply]:
        """The action's reply, carrying the pet's one-line reaction and any level or
        achievement just earned (in the same message: no extra post, no reordering)."""
        action = REACTS_TO.get(turn.outcome or command)
        # A question (a past due date to confirm, a title to give) means nothing happened yet.
        if action is None or turn.erased or not replies or any(r.kind in NOT_YET_DONE for r in replies):
            return replies
        news = await turn.services.progress.announce(turn.user_id)
        view = await turn.services.pet.look(turn.user_id, news.progress)
        lines = [f"🐾 {reaction(action, view.pet)}"]
        if news.level_up:
            lines.append(f"⭐ Level {news.level_up}! Your Avanochi is a {view.pet.stage} now.")
        lines += [f"{a.icon} {a.name}: {a.description}" for a in news.achievements]
        first = replies[0]
        return [replace(first, text=f"{first.text}\n" + "\n".join(lines))] + replies[1:]


def pet_reply(view) -> Reply:
    """The pet's stage, mood, energy and hydration, with the level and streak behind them."""
    pet, progress = view.pet, view.progress
    facts = [
        Fact("Level", f"{progress.level} · {progress.xp} XP, {progress.next_level_xp - progress.xp} to the next"),
        Fact("Streak", f"{plural(progress.streak_days, 'day')} (best {plural(progress.best_streak, 'day')})"),
        Fact("Mood", "asleep" if pet.asleep else pet.mood),
        Fact("Energy", f"{pet.energy}/100"),
        Fact("Hydration", f"{pet.hydration}/100"),
    ]
    why = f"Lately: {', '.join(pet.reasons)}." if pet.reasons else ""
    return Reply(
        f"{reaction('look', pet)} {why}".strip(), title=f"Your Avanochi ({pet.stage})", facts=facts, kind="pet"
    )
