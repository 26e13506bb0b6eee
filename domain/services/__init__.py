"""The application's services, built together over one set of repositories; and the same
services for one chat turn, over the turn's unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from domain.clock import Clock
from domain.entities import ActiveSlot, ConversationState
from domain.history import days_between
from domain.insights import InsightService
from domain.ports import FocusWatcher, RepositorySet, TurnRepositorySet
from domain.progress import ProgressRecord, ProgressService
from domain.progress.service import WINDOW_DAYS
from domain.reminders.service import ReminderService
from domain.rollups import TOTALS
from domain.services.account import AccountService
from domain.services.conversations import ConversationService, TurnConversation
from domain.services.focus import FocusService
from domain.services.habits import HabitService
from domain.services.moods import MoodService
from domain.services.pet import PetService
from domain.services.stats import StatsService
from domain.services.tasks import TaskService
from domain.services.teams import TeamService
from domain.services.tokens import DEFAULT_LIFETIME, TokenService
from domain.services.users import UserService
from domain.services.work_sessions import WorkSessionService

# A user's local day is within a day of the UTC one; the progress window reaches WINDOW_DAYS
# back from it, and the day before the window is the one the checkpoint folds in next.
TURN_DAYS_BACK, TURN_DAYS_AHEAD = WINDOW_DAYS + 1, 1


@dataclass
class Services:
    users: UserService
    tasks: TaskService
    work_sessions: WorkSessionService
    focus: FocusService
    stats: StatsService
    tokens: TokenService
    habits: HabitService
    moods: MoodService
    reminders: ReminderService
    conversations: ConversationService
    account: AccountService
    progress: ProgressService
    pet: PetService
    insights: InsightService
    teams: TeamService
    clock: Clock
    repos: RepositorySet = field(repr=False)
    token_lifetime: timedelta = DEFAULT_LIFETIME
    focus_watcher: FocusWatcher | None = field(default=None, repr=False)  # a platform status follows focus

    @classmethod
    def build(
        cls,
        repos: RepositorySet,
        clock: Clock,
        token_lifetime: timedelta = DEFAULT_LIFETIME,
        conversations: ConversationService | None = None,
        focus_watcher: FocusWatcher | None = None,
    ) -> Services:
        reminders = ReminderService(repos, clock)
        users = UserService(repos, clock, reminders.touch)
        tokens = TokenService(repos, clock, token_lifetime)
        progress = ProgressService(repos, users, clock, repos.progress_records)
        conversations = conversations or ConversationService(repos, clock)
        return cls(
            users=users,
            tasks=TaskService(repos, users, clock, conversations, reminders.touch),
            work_sessions=WorkSessionService(repos, users, clock, reminders.touch),
            focus=FocusService(repos, users, clock, reminders.touch, focus_watcher),
            reminders=reminders,
            stats=StatsService(repos, users, clock),
            tokens=tokens,
            habits=HabitService(repos, users, clock),
            moods=MoodService(repos, users, clock),
            conversations=conversations,
            account=AccountService(repos, tokens, clock, focus_watcher),
            progress=progress,
            pet=PetService(repos, users, progress, clock),
            insights=InsightService(repos, users, clock),
            teams=TeamService(repos, users, clock),
            clock=clock,
            repos=repos,
            token_lifetime=token_lifetime,
            focus_watcher=focus_watcher,
        )

    @asynccontextmanager
    async def turn(self, user_id: str) -> AsyncIterator[Services]:
        """The services for one chat turn of ``user_id``: the unit of work of the turn.

        What a turn of a chat command reads about the user (their document, conversation,
        progress record, running session's slot, totals and the day roll-ups progress and
        the pet look at) is read up front in one round trip, and each of them at most once;
        each changed document is written once, the conversation first (it carries the
        delivery id that keeps a retried message from running twice). Leaving the block
        normally writes what the turn left in the conversation; an exception writes nothing
        more."""
        today = self.clock.now().date()
        days = days_between(today - timedelta(days=TURN_DAYS_BACK), today + timedelta(days=TURN_DAYS_AHEAD))
        repos: TurnRepositorySet = await self.repos.for_turn(
            user_id,
            [user_id, ConversationState.id, ProgressRecord.id, ActiveSlot.id],
            [TOTALS, *("day:" + day.isoformat() for day in days)],
        )
        conversation = TurnConversation(repos, self.clock, user_id)
        yield Services.build(repos, self.clock, self.token_lifetime, conversation, self.focus_watcher)
        await conversation.finish()
