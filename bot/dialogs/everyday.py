"""Small talk and everyday asks: thanks, greetings and emoji answered warmly without doing
anything; "how am I doing", "what's due", "what should I do next" and "resume"."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.dialogs.focus import FocusDialog, already_focusing, focus_buttons
from bot.dialogs.turn import Turn
from bot.dialogs.work import hours_and_minutes
from bot.messages import Button, Fact, ListItem, Reply
from domain.entities import Task
from domain.errors import Conflict, NotFound
from domain.services import Services
from domain.services.agenda import AgendaService, minutes_left
from domain.wording import first_name as person_name

# Emoji said alone (typed, or a reaction on one of the bot's messages), by what they most
# likely mean. Slack's names are translated to the characters by the Slack adapter.
EMOJI_MEANINGS = {
    "thanks": "👍 👌 🙏 ❤ ♥ 💚 💙 💜 🧡 💛 🖤 🤍 😊 🙂 😀 😃 😄 😁 ☺ 🥰 😍 🤗 🎉 🥳 👏 🙌 "
    "💪 🔥 ✅ ✔ ⭐ 🌟 ✨ 💯 😎 🤩 🏆 🚀 :) :D <3 :-) ;)",
    "greeting": "👋 🖐 ✋ 🤙",
    "down": "👎 😞 😢 😭 😔 😕 🙁 ☹ 😩 😫 😤 😠 😡 😣 😖 🤯 😵 :( :-(",
    "tired": "😴 🥱 💤 😪",
    "water": "💧 🥤 🚰 🫗 🥛",
    "coffee": "☕ 🍵 🧋",
    "lunch": "🍔 🥪 🍕 🍱 🍝 🥗 🌮 🍜 🍣 🍽 🥙 🌯 🍲",
    "unsure": "🤷 🤔 ❓ ❔ 😐 😶 🫤",
}
MEANING_OF = {emoji: meaning for meaning, emojis in EMOJI_MEANINGS.items() for emoji in emojis.split()}
EMOJI_REPLIES = {
    "thanks": "😊 Glad to help!",
    "greeting": "👋 Hi! Say 'how am I doing' for your day so far, or 'help' for everything I do.",
    "down": "Sorry about that. If something I said was wrong, 'undo' takes back the last task change, and 'help' "
    "shows what I understand.",
    "tired": "Sounds like a break is due. Step away for a few minutes, then say 'break' and I'll log it.",
    "water": "Good call. Say 'water' and I'll log a glass.",
    "coffee": "Coffee time? Say 'break' if you're taking one and I'll log it.",
    "lunch": "Enjoy! Say 'lunch' and I'll log it.",
    "unsure": "Not sure what's next? Say 'what should I do next', or 'help' for everything I do.",
}
# What a character of an emoji sequence adds without changing its meaning.
MODIFIERS = re.compile("[\ufe0f\ufe0e\u200d\U0001f3fb-\U0001f3ff\u2640\u2642]|::skin-tone-\\d:?")
SHORTCODE_OR_CHAR = re.compile(r":-?[()D]|;\)|<3|.", re.DOTALL)
THANKED = re.compile(r"\b(thank|thanks|thx|thnx|thanx|ty|tysm|ta|cheers|appreciate|appreciated)\b|🙏", re.IGNORECASE)
ACKNOWLEDGEMENTS = ("ok", "okay", "ok thanks", "okay thanks", "ok thank you", "sure", "sure thanks")


Handler = Callable[[Turn, str], Awaitable[list[Reply]]]


def count(number: int, word: str, plural: str | None = None) -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"


def them(things: list[Task]) -> str:
    return "it" if len(things) == 1 else "them"


def meaning_of(emoji: str) -> str | None:
    """The meaning of the first emoji of the text that has one."""
    for token in SHORTCODE_OR_CHAR.findall(MODIFIERS.sub("", emoji)):
        if token in MEANING_OF:
            return MEANING_OF[token]
    return None


def first_name(turn: Turn) -> str:
    return person_name(turn.user.name, turn.user_id) or ""


def due_detail(task: Task, turn: Turn) -> str:
    """'overdue, was due Tue 03 Mar 17:00', 'due today 17:00', 'due Fri 06 Mar 09:00' or 'no due date'."""
    if task.due_at is None:
        return "no due date"
    zone = ZoneInfo(turn.user.timezone)
    local, today = task.due_at.astimezone(zone), turn.now.astimezone(zone).date()
    if task.due_at <= turn.now:
        return f"⚠️ overdue, was due {local:%a %d %b %H:%M}"
    if local.date() == today:
        return f"due today {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"due tomorrow {local:%H:%M}"
    return f"due {local:%a %d %b %H:%M}"


def agenda_of(services: Services) -> AgendaService:
    return AgendaService(services.tasks, services.work_sessions, services.focus)


class EverydayDialog:
    def __init__(self, focus: FocusDialog) -> None:
        self._focus = focus

    # -- small talk: a warm word, nothing done --------------------------------------------

    async def thanks(self, turn: Turn, args: str) -> list[Reply]:
        if THANKED.search(turn.message.text or ""):
            return [Reply("You're welcome! 😊")]
        return [Reply("Glad to hear it! 🙂")]

    async def emoji(self, turn: Turn, args: str) -> list[Reply]:
        meaning = meaning_of(args)
        if meaning is None:
            # A reaction nobody can read meaning into needs no answer; a message does.
            return [] if turn.message.reaction else [Reply("🙂 Say 'help' any time to see what I can do.")]
        return [Reply(EMOJI_REPLIES[meaning])]

    def nod_or(self, otherwise: Handler) -> Handler:
        """The handler of a yes with no question waiting: 'ok' or 'sure' is a nod, answered
        with one (or a welcome, with thanks); a plain yes or no goes to ``otherwise``."""

        async def handle(turn: Turn, args: str) -> list[Reply]:
            text = " ".join((turn.message.text or "").lower().split()).rstrip(" .!?,;:")
            if turn.message.action or text not in ACKNOWLEDGEMENTS:
                return await otherwise(turn, args)
            return [Reply("You're welcome! 😊" if THANKED.search(text) else "👍")]

        return handle

    async def hello(self, turn: Turn, args: str) -> list[Reply]:
        hour = turn.now.astimezone(ZoneInfo(turn.user.timezone)).hour
        greeting = "Good morning" if 5 <= hour < 12 else "Good afternoon" if 12 <= hour < 18 else "Hi"
        name = first_name(turn)
        return [Reply(f"{greeting}{', ' + name if name else ''}! {await self._pointer(turn)}")]

    async def how_are_you(self, turn: Turn, args: str) -> list[Reply]:
        return [Reply(f"I'm doing well, thanks for asking! 🙂 {await self._pointer(turn)}")]

    async def _pointer(self, turn: Turn) -> str:
        """One useful thing to say next, from where the user's day stands."""
        services = turn.services
        running = await services.focus.active(turn.user_id)
        if running:
            left = running.duration_minutes - (turn.now - running.started_at).total_seconds() / 60
            return f"You're focusing: {max(0, round(left))} min to go."
        due_today = await agenda_of(services).due_in(turn.user_id, "today", turn.now, turn.user.timezone)
        overdue = [task for task in due_today if task.due_at is not None and task.due_at <= turn.now]
        if overdue:
            are = "is" if len(overdue) == 1 else "are"
            return f"{count(len(overdue), 'task')} {are} overdue: say 'what's due today' to see {them(overdue)}."
        if due_today:
            are = "is" if len(due_today) == 1 else "are"
            return f"{count(len(due_today), 'task')} {are} due today: say 'what's due today' to see {them(due_today)}."
        if await services.tasks.count_open(turn.user_id):
            return "Say 'what should I do next' when you want a pick, or 'help' for everything I do."
        return "Say 'add <task>' to get going, or 'help' for everything I do."

    # -- everyday asks --------------------------------------------------------------------

    async def glance(self, turn: Turn, args: str) -> list[Reply]:
        """Today at a glance, from the same roll-ups as 'stats'."""
        services = turn.services
        today = await services.stats.period(turn.user_id, "today")
        open_tasks = await services.tasks.list_tasks(turn.user_id, "open")
        overdue = sum(1 for task in open_tasks if task.due_at is not None and task.due_at <= turn.now)
        session = await services.work_sessions.get_active_session(turn.user_id)
        worked = hours_and_minutes(today["hours"])  # ended sessions, as 'stats' counts them
        if session:
            local = session.start_time.astimezone(ZoneInfo(turn.user.timezone))
            worked += f", and clocked in since {local:%H:%M}"
        focus = f"{today['focus_completed']} of {count(today['focus_sessions'], 'session')} completed"
        if today["focus_cancelled"]:
            focus += f", {today['focus_cancelled']} cut short or cancelled"
        facts = [
            Fact(
                "Tasks",
                f"{today['tasks_completed']} done, {len(open_tasks)} open"
                + (f" ({overdue} overdue)" if overdue else ""),
            ),
            Fact("Worked", worked),
            Fact("Focus", focus),
            Fact("Water", f"{today['water_ml']} ml"),
            Fact("Breaks", str(today["breaks"])),
        ]
        done = today["tasks_completed"]
        text = f"{count(done, 'task')} done so far. Keep it up!" if done else "Here's your day so far."
        if "week" in args.lower():
            text += " For the whole week, say 'stats week'."
        return [Reply(text, title="Today at a glance", facts=facts, kind="stats")]

    async def agenda(self, turn: Turn, args: str) -> list[Reply]:
        """Open tasks due today, tomorrow or this week, overdue ones flagged; numbered like 'tasks'."""
        words = args.lower()
        window = "week" if "week" in words else "tomorrow" if "tomorrow" in words else "today"
        found = await agenda_of(turn.services).due_in(turn.user_id, window, turn.now, turn.user.timezone)
        turn.state.last_list = [task.id for task in found]
        label = {"today": "today", "tomorrow": "tomorrow", "week": "this week"}[window]
        if not found:
            others = await turn.services.tasks.count_open(turn.user_id)
            rest = f" {count(others, 'open task')} due later or undated: say 'tasks'." if others else ""
            return [Reply(f"Nothing due {label}. 🎉{rest}", kind="tasks")]
        items = [
            ListItem(
                text=f"{number}. {task.title}" + (" ❗" if task.priority == "high" else ""),
                detail=due_detail(task, turn),
                button=Button("Done", {"command": "done", "task_id": task.id}),
            )
            for number, task in enumerate(found, start=1)
        ]
        overdue = sum(1 for task in found if task.due_at is not None and task.due_at <= turn.now)
        text = f"{count(len(found), 'task')} due {label}" + (f", {overdue} of them overdue" if overdue else "") + "."
        return [
            Reply(text + " Say 'done <number>' when you finish one.", title=f"Due {label}", items=items, kind="tasks")
        ]

    async def next(self, turn: Turn, args: str) -> list[Reply]:
        """The most urgent open task, with buttons to finish it or start focusing on it."""
        task = await agenda_of(turn.services).next_task(turn.user_id)
        if task is None:
            return [Reply("Nothing open: you're all caught up! 🎉 Add one with 'add <title>'.", kind="tasks")]
        why = due_detail(task, turn)
        if why == "no due date":
            why = "nothing is due, so the oldest open task"
        return [
            Reply(
                f"Next up: *{task.title}* ({why}).",
                buttons=[
                    Button("Done", {"command": "done", "task_id": task.id}, "primary"),
                    Button("Start focus", {"command": "focus_task", "args": task.id}),
                ],
                kind="task",
            )
        ]

    async def focus_task(self, turn: Turn, args: str) -> list[Reply]:
        """The 'Start focus' button of 'what should I do next': focus on the task it names."""
        try:
            task = await turn.services.tasks.get_task(turn.user_id, args.strip())
        except NotFound:
            return [Reply("That task is gone. Say 'what should I do next' for a fresh pick.", kind="error")]
        if task.completed:
            return [Reply(f"*{task.title}* is already done. Say 'what should I do next' for another.")]
        turn.outcome = "focus"
        return await self._focus.start(turn, "", task=task)

    async def resume(self, turn: Turn, args: str) -> list[Reply]:
        """Restart whichever stopped more recently: the last work session, or the last focus
        session cut short or cancelled."""
        words = args.lower()
        kinds = (
            ("focus",)
            if "focus" in words
            else ("work",)
            if ("work" in words or "session" in words)
            else ("work", "focus")
        )
        services = turn.services
        found = await agenda_of(services).resumable(turn.user_id, turn.now, kinds)
        if found is not None and found.focus is not None:
            last = found.focus
            minutes = minutes_left(last)
            try:
                await services.focus.start(turn.user_id, minutes, task_id=last.task_id)
            except Conflict:
                running = await services.focus.active(turn.user_id)
                if running is None:
                    raise
                return [already_focusing(turn, running)]
            turn.outcome = "focus"
            on = await self._task_title(turn, last.task_id)
            ends = (turn.now + timedelta(minutes=minutes)).astimezone(ZoneInfo(turn.user.timezone))
            return [
                Reply(
                    f"Resumed your focus{on}: {minutes} min left of {last.duration_minutes}, until {ends:%H:%M}.",
                    buttons=focus_buttons(),
                    kind="focus",
                )
            ]
        if found is not None and found.work is not None:
            try:
                session = await services.work_sessions.start_session(turn.user_id, note=found.work.note)
            except Conflict:
                return [Reply("You're already clocked in.", kind="session")]
            turn.outcome = "start"
            zone = ZoneInfo(turn.user.timezone)
            since = found.stopped_at.astimezone(zone)
            when = f"{since:%H:%M}" if since.date() == turn.now.astimezone(zone).date() else f"{since:%a %d %b %H:%M}"
            return [
                Reply(
                    f"Resumed work: clocked in again at {session.start_time.astimezone(zone):%H:%M} "
                    f"(your last session ended at {when}).",
                    buttons=[Button("Clock out", {"command": "stop"}, "danger")],
                    kind="session",
                )
            ]
        return [Reply(await self._nothing_to_resume(turn, kinds))]

    async def _nothing_to_resume(self, turn: Turn, kinds: tuple[str, ...]) -> str:
        services = turn.services
        if "focus" in kinds and await services.focus.active(turn.user_id):
            return "Your focus session is still running: nothing to resume."
        if "work" in kinds and await services.work_sessions.get_active_session(turn.user_id):
            return "You're clocked in already: nothing to resume. Say 'focus' to start a focus session."
        return (
            "There's nothing to resume: no stopped work session or unfinished focus. "
            "Say 'start' to clock in or 'focus' to focus."
        )

    async def _task_title(self, turn: Turn, task_id: str | None) -> str:
        if not task_id:
            return ""
        try:
            task = await turn.services.tasks.get_task(turn.user_id, task_id)
        except NotFound:
            return ""
        return f" on *{task.title}*"
