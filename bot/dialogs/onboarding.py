"""Welcome, help and first-time onboarding (time zone, then working hours).

Onboarding never blocks: a new user's first command runs, and the question follows it. Each
question is asked once; it then waits quietly (a day) while other commands run, answered by a
typed zone or hours, 'skip', or its card's buttons, and settled by 'timezone' or 'hours'."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.dialogs.turn import Turn, yes_no
from bot.language.arguments import parse_time_range
from bot.messages import Button, Reply
from domain.errors import ValidationError
from domain.validation import clean_timezone
from domain.wording import first_name

# Every capability, grouped; "help <topic>" shows one group with a few more examples.
HELP_TOPICS: dict[str, tuple[str, str]] = {
    "tasks": (
        "Tasks",
        "*add* <title> [due <when>] [!high|!low] · *tasks* [today|week|done|all] · *done* <n or words> · "
        "*edit* <n> <title> · *due* <n> <when> · *delete* <n> · *undo* · *what's due today* · "
        "*what should I do next* · *add* <title> every monday|weekday at 9|2 weeks|month on the 1st · "
        "*stop repeating* <n>",
    ),
    "work": (
        "Work & focus",
        "*start* / *stop* / *status* — clock in and out · *focus* [minutes] [on <n>] · *focus stop* · "
        "*interrupted* · *focus cancel* · *resume* — the last stopped session or focus · "
        "*focus status on|off* — your Slack status or Teams presence says you're focusing (not in the terminal) · "
        "*export timesheet* [week|month] — your sessions as a CSV file",
    ),
    "habits": (
        "Habits",
        "*water* [ml|glasses] · *break* [minutes] · *lunch* · *mood* [1-5] [word] or *I feel tired* — only you "
        "see it · *mood week* · *checkin at 16:00* / *checkin off* — a daily mood question",
    ),
    "companion": (
        "Companion",
        "*pet* — your Avanochi · *achievements* · *insights* — patterns and burnout signs · "
        "*stats* [today|week|month|all] · *how am I doing* — today at a glance",
    ),
    "settings": (
        "Settings & reminders",
        "*timezone* <city or Area/City> · *hours* 9-17:30 · *days* mon-fri · *quiet* 18:00-08:00 · *settings* · "
        "*remind water every 90m* · *lunch at 12:30* · *remind plan off* · *remind longbreak after 4* · "
        "*reminders off|on* · *snooze 15m* · *pause until monday*",
    ),
    "asked": (
        "Your own reminders",
        "*remind me to* stretch *in 20 minutes* | *at 3pm* | *tomorrow 9am* · *reminders* · *cancel reminder* 2 · "
        "*remind due* 30m|off — the nudge before a due date",
    ),
    "account": (
        "Account & data",
        "*dashboard* — your own web page · *token* · *token revoke* · *export my data* · *delete my data* · "
        "*voice learning on|off* — your voice notes teach me your voice",
    ),
}
TOPIC_WORDS = {
    "task": "tasks",
    "todo": "tasks",
    "todos": "tasks",
    "due": "tasks",
    "work": "work",
    "focus": "work",
    "session": "work",
    "sessions": "work",
    "pomodoro": "work",
    "resume": "work",
    "habit": "habits",
    "water": "habits",
    "break": "habits",
    "breaks": "habits",
    "lunch": "habits",
    "mood": "habits",
    "checkin": "habits",
    "pet": "companion",
    "achievements": "companion",
    "insights": "companion",
    "stats": "companion",
    "setting": "settings",
    "reminders": "settings",
    "reminder": "settings",
    "timezone": "settings",
    "hours": "settings",
    "data": "account",
    "token": "account",
    "privacy": "account",
    "dashboard": "account",
    "voice": "account",
}
HELP = (
    "Here is what I understand:\n"
    + "\n".join(f"• *{title}*: {text}" for title, text in HELP_TOPICS.values())
    + "\nSay *help <topic>* (tasks, work, habits, companion, settings, account) for one group."
)


class OnboardingDialog:
    async def help(self, turn: Turn, args: str = "") -> list[Reply]:
        word = args.strip().lower().removeprefix("with ").strip()
        topic = word if word in HELP_TOPICS else TOPIC_WORDS.get(word)
        if topic is None:
            return [Reply(HELP, title="Avanochi help", kind="help")]
        title, text = HELP_TOPICS[topic]
        return [Reply(f"{text}\nSay *help* for everything else.", title=f"Help: {title}", kind="help")]

    def welcome(self, name: str | None) -> Reply:
        first = first_name(name)
        who = f" {first}" if first else ""
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
        if turn.state.onboarding != "new" or turn.asked:  # one question a turn
            return None
        hint = turn.message.timezone_hint
        try:
            proposed = clean_timezone(hint) if hint else None
        except ValidationError:
            proposed = None
        turn.state.onboarding = "asked_timezone"
        asked = turn.ask("onboarding_timezone", proposed=proposed)
        if proposed:
            local = turn.now.astimezone(ZoneInfo(proposed))
            return yes_no(
                asked,
                f"By the way, are you in {proposed} (it's {local:%H:%M} there)? I use it for due dates and reminders.",
                kind="question",
            )
        return Reply("By the way, which time zone are you in? Say e.g. 'Europe/Madrid' (or 'skip').", kind="question")

    async def answer_timezone(self, turn: Turn, text: str) -> list[Reply]:
        question = turn.question or {}
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
