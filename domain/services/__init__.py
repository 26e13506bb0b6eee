"""The application's services, built together over one set of repositories."""
from __future__ import annotations

from dataclasses import dataclass

from domain.clock import Clock
from domain.ports import RepositorySet
from domain.services.focus import FocusService
from domain.services.stats import StatsService
from domain.services.tasks import TaskService
from domain.services.tokens import TokenService
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
    clock: Clock

    @classmethod
    def build(cls, repos: RepositorySet, clock: Clock) -> Services:
        users = UserService(repos, clock)
        return cls(
            users=users,
            tasks=TaskService(repos, users, clock),
            work_sessions=WorkSessionService(repos, users, clock),
            focus=FocusService(repos, users, clock),
            stats=StatsService(repos),
            tokens=TokenService(repos, clock),
            clock=clock,
        )
