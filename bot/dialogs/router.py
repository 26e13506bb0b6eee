"""The dialog router: one entry point for every channel. A neutral message in, neutral
replies out; each turn is one unit of work on the store (see Services.turn). The per-message
policies around it (order, pace, size cap, apology) are the turn pipeline's (bot/runtime);
redelivery dedupe is the turn's own, so that it costs no store call of its own."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.dialogs.account import AccountDialog
from bot.dialogs.companion import CompanionDialog
from bot.dialogs.dashboard import DashboardDialog, LinkIssuer
from bot.dialogs.everyday import EverydayDialog
from bot.dialogs.focus import FocusDialog
from bot.dialogs.focus_status import FocusStatusDialog, StatusConsent
from bot.dialogs.habits import HabitDialog
from bot.dialogs.mood import MoodDialog
from bot.dialogs.onboarding import OnboardingDialog
from bot.dialogs.reminders import PAST_REMINDER, RemindersDialog
from bot.dialogs.settings import SettingsDialog
from bot.dialogs.stats import StatsDialog
from bot.dialogs.tasks import TaskDialog
from bot.dialogs.team import TeamDialog
from bot.dialogs.timesheet import TimesheetDialog
from bot.dialogs.turn import OPEN_LIST_LIMIT, Turn, answering
from bot.dialogs.voice import NOT_LEARNING, Fetch, VoiceDialog
from bot.dialogs.work import WorkDialog
from bot.language.arguments import looks_like_time_range
from bot.language.parser import Command, MessageTooLong, NotUnderstood, TooLong, parse
from bot.messages import Button, IncomingMessage, Reply
from bot.voice.learning import VoiceLearning
from bot.voice.queue import SpeechQueue
from domain.errors import DomainError, DuplicateDelivery, Unavailable
from domain.services import Services
from domain.timezones import resolve_timezone

log = logging.getLogger("avanochi.dialogs")

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]
YES, NO = "yes", "no"
# The questions a yes or a no answers ("Delete *X*?", "Did you mean *tasks*?").
YES_NO_QUESTIONS = frozenset(
    {
        *("confirm_delete_task", "confirm_delete_data", "task_guess", "confirm_past_due", "voice_confirm"),
        *("suggestion", "confirm_plain_task"),
    }
) | {PAST_REMINDER}


@dataclass(frozen=True)
class TurnResult:
    replies: list[Reply]
    erased: bool = False  # the user deleted all their data: whatever remembers them must forget


def error_reply(error: DomainError) -> Reply:
    """What the user reads when a turn stops on a domain error."""
    if isinstance(error, Unavailable):
        return Reply(f"Sorry, {error}", kind="error")
    return Reply(str(error), kind="error")


class Dialogs:
    def __init__(
        self,
        services: Services,
        speech: SpeechQueue | None = None,
        narrator=None,
        dashboard_link: LinkIssuer | None = None,
        focus_status: StatusConsent | None = None,
        voice_learning: VoiceLearning | None = None,
    ) -> None:
        self._services = services
        self.voice = VoiceDialog(speech, voice_learning) if speech is not None else None
        self.tasks = TaskDialog()
        self.work = WorkDialog()
        self.focus = FocusDialog()
        self.habits = HabitDialog()
        self.mood = MoodDialog()
        self.stats = StatsDialog()
        self.settings = SettingsDialog()
        self.account = AccountDialog()
        self.onboarding = OnboardingDialog()
        self.companion = CompanionDialog(narrator)
        self.everyday = EverydayDialog(self.focus)
        self.asked = RemindersDialog(self.settings)
        self._handlers: dict[str, Handler] = {
            "help": self.onboarding.help,
            "hello": self.everyday.hello,
            "how_are_you": self.everyday.how_are_you,
            "thanks": self.everyday.thanks,
            "emoji": self.everyday.emoji,
            "glance": self.everyday.glance,
            "agenda": self.everyday.agenda,
            "next": self.everyday.next,
            "focus_task": self.everyday.focus_task,
            "resume": self.everyday.resume,
            "add": self.tasks.add,
            "tasks": self.tasks.listing,
            "done": self.tasks.done,
            "edit": self.tasks.edit,
            "due": self.tasks.due,
            "delete": self.tasks.delete,
            "undo": self.tasks.undo,
            "stop_repeating": self.tasks.stop_repeating,
            "start": self.work.start,
            "stop": self.work.stop,
            "status": self.work.status,
            "focus": self.focus.start,
            "focus_stop": self.focus.stop,
            "interrupted": self.focus.interrupted,
            "focus_cancel": self.focus.cancel,
            "focus_status": FocusStatusDialog(focus_status).status,
            "voice_learning": self._voice_learning,
            "water": self.habits.water,
            "break": self.habits.take_break,
            "lunch": self.habits.lunch,
            "mood": self.mood.mood,
            "checkin": self.mood.checkin,
            "stats": self.stats.stats,
            "pet": self.companion.pet,
            "achievements": self.companion.achievements,
            "insights": self.companion.insights,
            "timezone": self.settings.timezone,
            "hours": self.settings.hours,
            "quiet": self.settings.quiet,
            "days": self.settings.days,
            "remind": self.asked.remind,
            "reminders": self.asked.reminders,
            "remind_me": self.asked.remind_me,
            "cancel_reminder": self.asked.cancel,
            "remind_again": self.asked.remind_again,
            "due_tomorrow": self.asked.due_tomorrow,
            "lunch_time": self.settings.lunch_time,
            "snooze": self.settings.snooze,
            "pause": self.settings.pause,
            "settings": self.settings.show,
            "token": self.account.token,
            "token_revoke": self.account.revoke_token,
            "export": self.account.export,
            "delete_data": self.account.delete_data,
            "dashboard": DashboardDialog(dashboard_link).link,
            "yes": self.everyday.nod_or(self._nothing_to_confirm),
            "timesheet": TimesheetDialog().export,
            "no": self._nothing_to_confirm,
        }
        team = TeamDialog()
        self._handlers.update(team_pulse=team.pulse, team_share=team.share, kudos=team.kudos)

    async def home_pet(self, user_id: str) -> Reply | None:
        """The pet's section of a home page; None if it can't be drawn up now (the page still shows)."""
        try:
            return await self.companion.home(self._services, user_id)
        except DomainError:
            return None

    async def welcome(self, message: IncomingMessage) -> list[Reply]:
        """The greeting when the bot is installed or first opened."""
        services = self._services
        await services.users.ensure(message.user_id, message.user_name, message.locale_hint)
        return [self.onboarding.welcome(message.user_name)]

    async def respond(
        self, message: IncomingMessage, fetch: Fetch | None = None, services: Services | None = None
    ) -> TurnResult:
        """One turn of the conversation, as one unit of work on the store: the user, what the bot
        remembers and the day's roll-ups are read once, each changed document written once (the
        conversation, with this delivery's id, first: a platform's retry handled by another
        instance loses the race for it before changing anything, and is dropped). ``fetch``
        downloads attachments (voice notes) with the platform's credentials; without it,
        attachments are ignored. Domain errors raise: the turn pipeline (bot/runtime) turns them
        into replies, with its per-message policies.

        ``services`` are those of a turn the caller opened (``Services.turn``) and noted the
        delivery in already, as the pipeline does to drop a retry before anything else."""
        if services is not None:
            return await self._respond(message, fetch, services)
        try:
            async with self._services.turn(message.user_id) as services:
                if not await services.conversations.first_delivery(message.user_id, message.delivery_id):
                    raise DuplicateDelivery()
                return await self._respond(message, fetch, services)
        except DuplicateDelivery:
            log.info("duplicate delivery dropped", extra={"channel": message.channel})
            return TurnResult([], erased=False)

    async def _respond(self, message: IncomingMessage, fetch: Fetch | None, services: Services) -> TurnResult:
        user = await services.users.ensure(message.user_id, message.user_name, message.locale_hint)
        turn = Turn(message, user, await services.conversations.state(message.user_id), services)
        # A clip with words typed beside it: the words are the command.
        voice = self.voice if fetch and not message.action and not message.text.strip() else None
        audio = voice.audio_of(message) if voice else None
        replies = await (self._listen(turn, audio, fetch) if audio and fetch else self._run(turn))
        if not turn.erased:
            await services.conversations.save_state(turn.state)
        return TurnResult(replies, erased=turn.erased)

    async def handle(self, message: IncomingMessage, fetch: Fetch | None = None) -> list[Reply]:
        """The replies to one message, with domain errors as friendly replies."""
        try:
            return (await self.respond(message, fetch)).replies
        except DomainError as error:
            return [error_reply(error)]

    async def _voice_learning(self, turn: Turn, args: str) -> list[Reply]:
        if self.voice is None:  # no speech engine at all (REST-only tests): nothing learns
            return [Reply(NOT_LEARNING, kind="voice_learning")]
        return await self.voice.learning_switch(turn, args)

    async def _listen(self, turn: Turn, audio, fetch: Fetch) -> list[Reply]:
        """A voice note: say what was heard, then run it as if typed, or ask when unsure."""
        # The user's open task titles: the offline engine hears a title's words even when they
        # are not in its vocabulary ("done call the notary").
        open_tasks = await turn.services.tasks.list_tasks(turn.user_id, "open", limit=OPEN_LIST_LIMIT)
        titles = [task.title for task in open_tasks]
        try:
            heard = await self.voice.hear(audio, fetch, turn.message.user_id, titles)  # type: ignore[union-attr]
        except DomainError as error:  # not audio, too long, nothing heard, engine down or busy
            return [Reply(str(error), kind="error")]
        if not heard.clean:
            proposal = self.voice.proposal(heard)  # type: ignore[union-attr]
            asked = turn.ask("voice_confirm", text=proposal)
            self.voice.asking(turn.user_id, heard, proposal)  # type: ignore[union-attr]
            return [self.voice.confirm(heard, proposal, asked)]  # type: ignore[union-attr]
        self.voice.ran(turn.user_id, heard)  # type: ignore[union-attr]
        turn.message = replace(turn.message, text=heard.text, attachments=())
        return [self.voice.heard(heard)] + await self._run(turn)  # type: ignore[union-attr]

    async def _run(self, turn: Turn) -> list[Reply]:
        answered = await self._answer_question(turn)
        if answered is not None:
            return answered
        command = self._command(turn.message)
        if isinstance(command, NotUnderstood):
            return [self._not_understood(turn, command)]
        try:
            replies = await self._dispatch(turn, command)
        except DomainError as error:
            replies = [Reply(str(error), kind="error")]
        follow_up = None if turn.erased else self.onboarding.next_question(turn)
        return replies + ([follow_up] if follow_up else [])

    @staticmethod
    def _command(message: IncomingMessage) -> Command | NotUnderstood:
        action = message.action
        if action:
            if action.get("command") == "run":  # a "did you mean" button carries the words
                return parse(str(action.get("text", "")))
            return Command(str(action.get("command", "help")), str(action.get("args", "")))
        return parse(message.text)

    async def _dispatch(self, turn: Turn, command: Command) -> list[Reply]:
        action = turn.message.action or {}
        if command.name == "done" and action.get("task_id"):
            replies = await self.tasks.done(turn, "", task_id=str(action["task_id"]))
            return await self.companion.after(turn, "done", replies)
        if command.name == "snooze" and isinstance(action.get("minutes"), int):
            return await self.settings.snooze(turn, "", minutes=action["minutes"])
        handler = self._handlers.get(command.name, self.onboarding.help)
        return await self.companion.after(turn, command.name, await handler(turn, command.args))

    async def _answer_question(self, turn: Turn) -> list[Reply] | None:
        """Route the message to the waiting question it answers, if any; anything else runs as
        a command and the questions keep waiting. A button names its question: pressed on an
        older card it answers that one while it waits. A typed answer goes to the newest
        question it can answer (a typed yes or no: the newest yes-or-no question)."""
        action = turn.message.action or {}
        if action.get("question") and action.get("command") in (YES, NO):
            question = turn.question_with_id(str(action["question"]))
            if question is None:
                return [Reply("That question has expired or was already answered, so I did nothing.")]
            return await self._answer(turn, question, str(action["command"]), "")
        waiting = turn.waiting()
        if not waiting:
            return None
        command = self._command(turn.message)
        name = command.name if isinstance(command, Command) else None
        text = turn.message.text.strip() if not action else str(action.get("args", ""))
        question = next((q for q in waiting if self._answers(q, name, text, bool(action))), None)
        if question is not None:
            return await self._answer(turn, question, name, text)
        self._settled_by(turn, name, command.args if isinstance(command, Command) else "")
        return None

    @staticmethod
    def _answers(question: dict, name: str | None, text: str, pressed: bool) -> bool:
        """Whether a typed message (or a button that names no question) answers ``question``."""
        kind = question.get("kind")
        if kind in YES_NO_QUESTIONS:
            return name in (YES, NO)
        if kind == "task_title":  # any words that are not a command are the title
            return not pressed and name in (None, NO)
        if kind == "onboarding_timezone":
            # A bare zone, city or country name answers; "timezone Asia/Tokyo" is a command and runs as one.
            bare_zone = (name is None or "/" in text) and resolve_timezone(text) is not None
            proposed = name in (YES, NO) and bool(question.get("proposed"))  # "Are you in X?"
            return proposed or bare_zone or text.lower() in ("skip", "utc")
        if kind == "onboarding_hours":
            return looks_like_time_range(text) or text.lower() == "skip"
        return False

    def _settled_by(self, turn: Turn, name: str | None, args: str) -> None:
        """A command that does what a waiting question asks settles it: setting the time zone or
        hours by hand ends onboarding, a new 'add' replaces the title it waited for."""
        settled = {"timezone": "onboarding_timezone", "hours": "onboarding_hours", "add": "task_title"}.get(name or "")
        if settled is None or (name != "add" and not args.strip()):
            return
        for question in turn.waiting(settled):
            turn.forget_question(question)
            if settled.startswith("onboarding"):
                turn.state.onboarding = "done"

    async def _answer(self, turn: Turn, question: dict, name: str | None, text: str) -> list[Reply]:
        """Carry out the answer ``name`` (yes, no or a command's name) or ``text`` to ``question``."""
        turn.question = question
        kind = question.get("kind")
        try:
            if kind in ("confirm_delete_task", "confirm_delete_data"):
                confirm = (
                    self.tasks.confirm_delete if kind == "confirm_delete_task" else self.account.confirm_delete_data
                )
                return await confirm(turn, name == YES)
            if kind == "task_guess":
                command_name = str(question.get("command", "done")) if name == YES else NO
                return await self.companion.after(turn, command_name, await self.tasks.answer_guess(turn, name == YES))
            if kind == "confirm_past_due":
                return await self.tasks.confirm_past_due(turn, name == YES)
            if kind == PAST_REMINDER:
                return await self.asked.confirm_past(turn, name == YES)
            if kind == "confirm_plain_task":
                return await self.tasks.confirm_plain_task(turn, name == YES)
            if kind in ("voice_confirm", "suggestion"):
                turn.forget_question()
                if kind == "voice_confirm" and self.voice is not None:
                    self.voice.answered(turn.user_id, name == YES)
                if name == NO:
                    return [
                        Reply("OK, I'll let that one go. You can always type it." if kind == "voice_confirm" else "OK.")
                    ]
                turn.message = replace(turn.message, text=str(question.get("text", "")), action=None)
                return await self._run(turn)
            if kind == "task_title":
                if name == NO:
                    turn.forget_question()
                    return [Reply("OK, no task added.")]
                return await self.tasks.answer_title(turn, text)
            if kind == "onboarding_timezone":
                return await self.onboarding.answer_timezone(turn, name if name in (YES, NO) else text)
            if kind == "onboarding_hours":
                return await self.onboarding.answer_hours(turn, text)
        except DomainError as error:
            return [Reply(str(error), kind="error")]
        turn.forget_question()  # a kind this version no longer asks
        return [Reply("That question has expired or was already answered, so I did nothing.")]

    @staticmethod
    def _not_understood(turn: Turn, command: NotUnderstood) -> Reply:
        if isinstance(command, TooLong):
            return Reply(str(MessageTooLong(command.length)), kind="error")
        if command.suggestion:
            asked = turn.ask("suggestion", text=command.suggestion)
            return Reply(
                f"I didn't catch that. Did you mean *{command.suggestion}*?",
                buttons=[
                    Button(f"Yes, {command.suggestion}", answering(asked, YES), "primary"),
                    Button("Help", {"command": "help"}),
                ],
                kind="suggestion",
            )
        return Reply(
            "I didn't catch that. Say 'help' to see what I understand.",
            buttons=[Button("Help", {"command": "help"})],
            kind="suggestion",
        )

    @staticmethod
    async def _nothing_to_confirm(turn: Turn, args: str) -> list[Reply]:
        return [Reply("There's nothing waiting for a yes or no. Say 'help' to see what I can do.")]
