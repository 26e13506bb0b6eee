"""Welcome, help and first-time onboarding (time zone, then working hours).

Onboarding never blocks: a new user's first command runs, and the question follows it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.dialogs.turn import Turn
from bot.language.arguments import parse_time_range
from bot.messages import Button, Reply
from domain.errors import ValidationError
from domain.validation import clean_timezone

HELP = """Here is what I understand:
• *add* <title> [due <when>] [!high|!low] — e.g. add Write the report due friday 5pm
• *tasks* [today|week|done|all] · *done* <n or words> · *edit* <n> <title> · *due* <n> <when> · *delete* <n> · *undo*
• *start* / *stop* / *status* — clock in and out · *export timesheet* [week|month]
• *focus* [minutes] [on <n>] · *focus stop* · *interrupted* · *focus cancel*
• *water* [ml|glasses] · *break* [minutes] · *lunch*
• *stats* [today|week|month|all]
• *timezone* <Area/City> · *hours* 09:00-17:30 · *days* mon-fri · *quiet* 18:00-08:00 · *settings*
• *remind water every 90m* · *reminders off|on* · *snooze 15m* · *pause until monday*
• *token* · *token revoke* · *export my data* · *delete my data*"""


class OnboardingDialog:
    async def help(self, turn: Turn, args: str = "") -> list[Reply]:
        return [Reply(HELP, title="Avanochi help", kind="help")]

    async def hello(self, turn: Turn, args: str = "") -> list[Reply]:
        first = turn.user.name.split(" ")[0] if turn.user.name != turn.user_id else "there"
        return [Reply(f"Hi {first}! Say 'help' to see what I can do, or 'add <task>' to get going.")]

    def welcome(self, name: str | None) -> Reply:
        who = f" {name.split(' ')[0]}" if name else ""
        return Reply(
            f"Hi{who}, I'm Avanochi, your work companion. I keep your tasks, clock your work, run focus "
            "sessions, remind you to drink water and take breaks — and my pet grows with your finished work.\n"
            "Try: *add Write the report due friday 5pm*, *tasks*, *start*, *focus 25*, *water*, *stats*.",
            title="Welcome to Avanochi",
            buttons=[Button("Show my tasks", {"command": "tasks"}), Button("Help", {"command": "help"})],
            kind="welcome",
        )

    def next_question(self, turn: Turn) -> Reply | None:
        """After a new user's first command: propose the platform's time zone, then ask for hours."""
        if turn.state.onboarding != "new" or turn.state.question is not None:
            return None
        hint = turn.message.timezone_hint
        try:
            proposed = clean_timezone(hint) if hint else None
        except ValidationError:
            proposed = None
        turn.state.onboarding = "asked_timezone"
        turn.ask("onboarding_timezone", proposed=proposed)
        if proposed:
            local = turn.now.astimezone(ZoneInfo(proposed))
            return Reply(
                f"By the way, are you in {proposed} (it's {local:%H:%M} there)? I use it for due dates and reminders.",
                buttons=[Button("Yes", {"command": "yes"}, "primary"), Button("No", {"command": "no"})],
                kind="question",
            )
        return Reply("By the way, which time zone are you in? Say e.g. 'Europe/Madrid' (or 'skip').", kind="question")

    async def answer_timezone(self, turn: Turn, text: str) -> list[Reply]:
        question = turn.state.question or {}
        answer = text.strip()
        zone = question.get("proposed") if answer.lower() in ("yes", "y", "yep", "sure", "ok") else answer
        turn.forget_question()
        if answer.lower() not in ("skip", "no", "n", "nope"):
            try:
                turn.user = await turn.services.users.update_user(turn.user_id, timezone=zone)
            except ValidationError as error:
                turn.ask("onboarding_timezone", proposed=None)
                return [Reply(f"{error} Which time zone, then? (or 'skip')", kind="question")]
        elif answer.lower() in ("no", "n", "nope") and question.get("proposed"):
            turn.ask("onboarding_timezone", proposed=None)
            return [
                Reply("Which time zone are you in, then? Say e.g. 'America/New_York' (or 'skip').", kind="question")
            ]
        turn.state.onboarding = "asked_hours"
        turn.ask("onboarding_hours")
        return [
            Reply(
                f"Time zone: {turn.user.timezone}. What are your working hours? "
                "Say e.g. '09:00-17:30' (or 'skip' to keep 09:00-17:30).",
                kind="question",
            )
        ]

    async def answer_hours(self, turn: Turn, text: str) -> list[Reply]:
        turn.forget_question()
        turn.state.onboarding = "done"
        if text.strip().lower() not in ("skip", "no", "n"):
            try:
                start, end = parse_time_range(text, overnight=False)
            except ValidationError as error:
                turn.state.onboarding = "asked_hours"
                turn.ask("onboarding_hours")
                return [Reply(f"{error} Try '09:00-17:30' or 'skip'.", kind="question")]
            turn.user = await turn.services.users.update_user(turn.user_id, work_start=start, work_end=end)
        return [
            Reply(
                f"All set: {turn.user.work_start}-{turn.user.work_end}, {turn.user.timezone}. "
                "I'll only nudge you inside those hours. Say 'help' any time."
            )
        ]
