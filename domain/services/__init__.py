"""The application's services, built together over one set of repositories."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.clock import Clock
from domain.insights import InsightService
from domain.ports import RepositorySet
from domain.progress import ProgressService
from domain.reminders.service import ReminderService
from domain.services.account import AccountService
from domain.services.conversations import ConversationService
from domain.services.focus import FocusService
from domain.services.habits import HabitService
from domain.services.pet import PetService
from domain.services.stats import StatsService
from domain.services.tasks import TaskService
from domain.services.tokens import DEFAULT_LIFETIME, TokenService
from domain.services.users import UserService
from domain.services.work_sessions import WorkSessionService


@dataclass
class Services:
    users: UserService
    tasks: TaskService
    work_sessions: WorkSessionService
    focus: FocusService
    stats: StatsService
    tokens: TokenService
    habits: HabitService
    reminders: ReminderService
    conversations: ConversationService
    account: AccountService
    progress: ProgressService
    pet: PetService
    insights: InsightService
    clock: Clock

    @classmethod
    def build(cls, repos: RepositorySet, clock: Clock, token_lifetime: timedelta = DEFAULT_LIFETIME) -> Services:
        reminders = ReminderService(repos, clock)
        users = UserService(repos, clock, reminders.touch)
        tokens = TokenService(repos, clock, token_lifetime)
        progress = ProgressService(repos, users, clock, repos.progress_records)
        return cls(
            users=users,
            tasks=TaskService(repos, users, clock),
            work_sessions=WorkSessionService(repos, users, clock, reminders.touch),
            focus=FocusService(repos, users, clock, reminders.touch),
            reminders=reminders,
            stats=StatsService(repos, users, clock),
            tokens=tokens,
            habits=HabitService(repos, users, clock),
            conversations=ConversationService(repos, clock),
            account=AccountService(repos, tokens, clock),
            progress=progress,
            pet=PetService(repos, users, progress, clock),
            insights=InsightService(repos, users, clock),
            clock=clock,
        )
