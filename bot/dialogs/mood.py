"""Mood flows: a check-in with five faces (typed, tapped or said in words), the daily
check-in's time, and the week's moods beside the hours worked. Every reply is private."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from bot.dialogs.turn import Turn
from bot.images.mood_chart import mood_week_alt_text, mood_week_chart
from bot.language.arguments import parse_clock_time
from bot.language.moods import FACES, read_mood
from bot.messages import Button, Image, Reply
from domain.errors import ValidationError
from domain.reminders.policy import in_window, setting

WEEK_WORDS = frozenset({"week", "this week", "last week", "trend", "chart", "7 days"})
FACE_NAMES = {1: "awful", 2: "not great", 3: "okay", 4: "good", 5: "great"}
# The pet's word after a check-in, by how it went: a low mood is comforted, never judged.
OUTCOMES = {1: "mood_low", 2: "mood_low", 3: "mood_ok", 4: "mood_high", 5: "mood_high"}


def mood_question(text: str, word: str | None = None) -> Reply:
    """The five faces, one tap each; a word the user gave already goes along with every face."""
    return Reply(
        text,
        buttons=[
            Button(face, {"command": "mood", "args": f"{value} {word or ''}".strip()}) for value, face in FACES.items()
        ],
        kind="question",
        private=True,
    )


class MoodDialog:
    async def mood(self, turn: Turn, args: str) -> list[Reply]:
        if " ".join(args.lower().split()) in WEEK_WORDS:
            return await self.week(turn)
        reading = read_mood(args)
        if reading.value is None:
            # Unsure what the words mean: ask, never guess a feeling.
            text = "How are you feeling right now? Only you will see this."
            if args.strip():
                text = f"I'm not sure how that feels. {text}"
            return [mood_question(text, reading.word)]
        await turn.services.moods.log(turn.user_id, reading.value, reading.word)
        turn.outcome = OUTCOMES[reading.value]
        said = f", {reading.word}" if reading.word else ""
        return [
            Reply(
                f"Noted: {FACES[reading.value]} {FACE_NAMES[reading.value]} ({reading.value}/5{said}). "
                "Only you can see your moods.",
                buttons=[Button("My mood this week", {"command": "mood", "args": "week"})],
                kind="mood",
                private=True,
            )
        ]

    async def week(self, turn: Turn) -> list[Reply]:
        days = await turn.services.moods.week(turn.user_id)
        png = await asyncio.to_thread(mood_week_chart, days)  # matplotlib is CPU work: off the event loop
        logged = sum(1 for day in days if day.mood is not None)
        text = (
            "Your moods beside your hours over the last 7 days."
            if logged
            else "No check-ins in the last 7 days yet: say 'mood' to add one. Your hours are in the chart."
        )
        return [
            Reply(text, title="Mood this week", image=Image(png, mood_week_alt_text(days)), kind="mood", private=True)
        ]

    async def checkin(self, turn: Turn, args: str) -> list[Reply]:
        """`checkin at 16:00`, `checkin off`, `checkin on`; bare, what it is set to."""
        words = args.strip().lower()
        words = words.removeprefix("at ").strip()
        user = turn.user
        if not words:
            if setting(user, "checkin", "on"):
                at = setting(user, "checkin", "at")
                return [Reply(f"I ask how you feel at {at} on your working days. 'checkin off' stops it.")]
            return [Reply("No daily mood check-in yet. Pick a time: 'checkin at 16:00'.")]
        if words == "off":
            await turn.services.users.update_user(turn.user_id, reminder=("checkin", {"on": False}))
            return [Reply("Daily mood check-in off. You can still say 'mood' any time.", kind="settings")]
        at = setting(user, "checkin", "at") if words == "on" else parse_clock_time(words)
        local = turn.now.astimezone(ZoneInfo(user.timezone)).replace(
            hour=int(at[:2]), minute=int(at[3:]), second=0, microsecond=0
        )
        if in_window(local, user.quiet_start, user.quiet_end):
            raise ValidationError(
                f"{at} is in your quiet hours ({user.quiet_start}-{user.quiet_end}), when I don't nudge. "
                "Pick a time outside them."
            )
        turn.user = await turn.services.users.update_user(turn.user_id, reminder=("checkin", {"on": True, "at": at}))
        return [
            Reply(
                f"I'll ask how you feel at {at} on your working days, with five faces to tap. "
                "Say 'checkin off' to stop.",
                kind="settings",
            )
        ]
