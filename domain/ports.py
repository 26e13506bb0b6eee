"""What the domain needs from storage, as interfaces; persistence/ provides them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from domain.entities import (
    ActiveSlot,
    ApiToken,
    ChannelAddress,
    ConversationState,
    FocusSession,
    FocusSlot,
    HabitLog,
    MoodLog,
    Task,
    TokenSlot,
    User,
    WorkSession,
)
from domain.rollups import RollupChanges

E = TypeVar("E")

# Called with a user id when what the user does changes in a way reminders care about.
ActivityHook = Callable[[str], Awaitable[None]]


async def ignore_activity(user_id: str) -> None:
    return None


class FocusWatcher(Protocol):
    """Hears focus sessions start and end (a platform status follows them). It must return at
    once: whatever it does runs after, off the caller's path."""

    def started(self, session: FocusSession, timezone: str) -> None: ...

    def ended(self, session: FocusSession) -> None: ...

    async def erasing(self, user_id: str) -> None:
        """The user's data is about to be erased: give back what they let the platform's status
        be changed with. Awaited (before the erase) and best effort: it never raises."""


class UserLookup(Protocol):
    """Reads a user; UserService provides it. Rules below the services (progress, insights)
    take this port so that they need not import the services that use them."""

    async def get_user(self, user_id: str) -> User: ...


class Repository(Protocol, Generic[E]):
    async def get(self, user_id: str, entity_id: str) -> E:
        """The entity; NotFound if absent (or owned by another user)."""

    async def add(self, entity: E, changes: RollupChanges | None = None) -> E: ...

    async def save(self, entity: E, changes: RollupChanges | None = None) -> E:
        """StaleEntity when it changed since it was loaded."""

    async def remove(self, entity: E, changes: RollupChanges | None = None) -> None: ...

    async def save_many(self, entities: Sequence[E]) -> list[bool]:
        """``save`` of each (no roll-up changes), in as few commits as the store allows; for
        each, whether it was written (False: it changed since it was loaded, or is gone)."""

    async def find(
        self,
        user_id: str,
        conditions: Iterable[Any] = (),
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[E]: ...

    async def count(self, user_id: str, conditions: Iterable[Any] = ()) -> int: ...

    async def find_across_users(
        self, conditions: Iterable[Any], order_by: str | None = None, limit: int | None = None
    ) -> list[E]:
        """Cross-partition; only for indexed lookups."""

    async def find_owner(self, entity_id: str) -> str:
        """The user an entity id belongs to (cross-partition; admin use only)."""


@dataclass(frozen=True)
class Find:
    """One ``find`` of a user's entities, to be answered with others at once (``find_together``)."""

    repository: Repository[Any]
    conditions: tuple[Any, ...] = ()
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None


class RepositorySet(Protocol):
    """The repositories the services share (persistence.repositories.Repositories)."""

    # Read-only, so that a repository of a more specific class (persistence's) satisfies them.
    @property
    def tasks(self) -> Repository[Task]: ...
    @property
    def work_sessions(self) -> Repository[WorkSession]: ...
    @property
    def focus_sessions(self) -> Repository[FocusSession]: ...
    @property
    def users(self) -> Repository[User]: ...
    @property
    def api_tokens(self) -> Repository[ApiToken]: ...
    @property
    def token_slots(self) -> Repository[TokenSlot]: ...
    @property
    def active_slots(self) -> Repository[ActiveSlot]: ...
    @property
    def focus_slots(self) -> Repository[FocusSlot]: ...
    @property
    def habit_logs(self) -> Repository[HabitLog]: ...
    @property
    def mood_logs(self) -> Repository[MoodLog]: ...
    @property
    def conversation_states(self) -> Repository[ConversationState]: ...
    @property
    def channel_addresses(self) -> Repository[ChannelAddress]: ...
    # Their entities live in subpackages that import this module; the services using them say the type.
    @property
    def reminder_schedules(self) -> Repository[Any]: ...
    @property
    def progress_records(self) -> Repository[Any]: ...
    @property
    def reminder_shards(self) -> Repository[Any]: ...
    @property
    def rate_windows(self) -> Repository[Any]: ...
    @property
    def teams(self) -> Repository[Any]: ...
    @property
    def team_consents(self) -> Repository[Any]: ...

    async def settle_pending(self, user_id: str) -> None: ...

    async def find_together(self, user_id: str, finds: Sequence[Find]) -> list[list[Any]]:
        """The answers of several finds in one user's partition, in order, in one store query
        where the store can (SQLite); as ``find`` each, concurrently, elsewhere."""

    async def find_for_users(self, finds: Sequence[tuple[str, Sequence[Find]]]) -> list[list[list[Any]]]:
        """``find_together`` for several users at once, in as few store round trips as the store
        allows (a few statements on SQLite for dozens of users)."""

    async def rollup(self, user_id: str, key: str) -> dict[str, float]: ...

    async def all_rollups(self, user_id: str) -> dict[str, dict[str, float]]: ...

    async def rollups_between(self, user_id: str, first: str, last: str) -> dict[str, dict[str, float]]: ...

    async def erase(self, user_id: str) -> int:
        """Delete every document in the user's partition."""

    async def for_turn(self, user_id: str, entity_ids: Sequence[str], rollup_keys: Sequence[str]) -> TurnRepositorySet:
        """The repositories for one chat turn of one user, with these of their entities and
        roll-ups read at once (one round trip)."""


# Called before each write of a turn (and not for the writes it makes itself).
WriteHook = Callable[[], Awaitable[None]]


class TurnRepositorySet(RepositorySet, Protocol):
    """One turn's repositories: each document of the user is read at most once (what the
    turn loaded up front or read since is served again, one object per entity), writes go
    to the store at once with their ETag, and a document whose write lost a race is read
    afresh next time."""

    erased: bool  # the user's partition was erased during the turn

    def before_write(self, hook: WriteHook) -> None: ...
