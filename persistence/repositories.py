"""Repositories: entities in and out of the document store, written once on the port.

Every entity write may carry roll-up changes; the entity document holds them as a
``rollup_pending`` marker until the ledger has applied them (see rollup_ledger.py), so a
crash between the two writes is finished by the next reader instead of lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

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
from domain.errors import NotFound, StaleEntity, Unavailable
from domain.ports import Find
from domain.progress.record import ProgressRecord
from domain.reminders.budget import RateWindow
from domain.reminders.schedule import ReminderSchedule
from domain.reminders.shards import ShardLease
from domain.rollups import TOTALS, RollupChanges
from domain.teams import Team, TeamConsent
from persistence import mapping
from persistence.mapping import Codec
from persistence.port import (
    Condition,
    Document,
    DocumentExists,
    DocumentMissing,
    DocumentStore,
    EtagMismatch,
    Query,
    StoreUnavailable,
    where,
)
from persistence.rollup_ledger import ROLLUP_TYPE, RollupLedger
from persistence.team_mapping import TEAM, TEAM_CONSENT

if TYPE_CHECKING:  # the unit of work builds on this module
    from persistence.unit_of_work import TurnRepositories

E = TypeVar("E")


@asynccontextmanager
async def store_errors_as_domain_errors():
    try:
        yield
    except StoreUnavailable:
        raise Unavailable("The data store is busy right now; please try again in a moment.") from None


class EntityRepository(Generic[E]):
    """Loads and saves one kind of entity; ``id_of`` names its id attribute."""

    def __init__(
        self,
        store: DocumentStore,
        ledger: RollupLedger,
        doc_type: str,
        id_of: Callable[[E], str],
        codec: Codec[E],
        not_found: str,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self.doc_type = doc_type
        self._id_of = id_of
        self._codec = codec
        self._not_found = not_found

    def _document(self, entity: E, changes: RollupChanges | None) -> Document:
        doc = self._codec.to_doc(entity)
        doc["id"] = self._id_of(entity)
        doc.setdefault("user_id", doc["id"])  # a user's own document lives in its partition
        doc["type"] = self.doc_type
        doc["rollup_pending"] = mapping.rollup_marker(changes) if changes else None
        return doc

    def _entity(self, doc: Document) -> E:
        return self._codec.from_doc(doc, doc.get("_etag"))

    async def get(self, user_id: str, entity_id: str) -> E:
        async with store_errors_as_domain_errors():
            try:
                doc = await self._store.read(user_id, entity_id)
            except DocumentMissing:
                raise NotFound(self._not_found) from None
            if doc.get("type") != self.doc_type:
                raise NotFound(self._not_found)
            if doc.get("rollup_pending"):
                settled = await self.settle(doc)
                if settled is None:
                    raise NotFound(self._not_found)
                doc = settled
            return self._entity(doc)

    async def add(self, entity: E, changes: RollupChanges | None = None) -> E:
        async with store_errors_as_domain_errors():
            try:
                stored = await self._store.create(self._document(entity, changes))
            except DocumentExists:
                raise StaleEntity(self._id_of(entity)) from None
            return await self._finish(entity, stored)

    async def save(self, entity: E, changes: RollupChanges | None = None) -> E:
        """Write back an entity loaded with ``get``; StaleEntity if it changed meanwhile."""
        async with store_errors_as_domain_errors():
            try:
                stored = await self._store.replace(
                    self._document(entity, changes),
                    entity.version,  # type: ignore[attr-defined]
                )
            except (EtagMismatch, DocumentMissing):
                raise StaleEntity(self._id_of(entity)) from None
            return await self._finish(entity, stored)

    async def save_many(self, entities: Sequence[E]) -> list[bool]:
        """Write back entities loaded with ``get`` (no roll-up changes), as few commits as the
        store allows; for each, whether it was written (False: it changed meanwhile or is gone)."""
        if not entities:
            return []  # no round trip for nothing
        items = [(self._document(entity, None), entity.version) for entity in entities]  # type: ignore[attr-defined]
        async with store_errors_as_domain_errors():
            stored = await self._store.replace_many(items)
        for entity, written in zip(entities, stored, strict=True):
            if written is not None:
                entity.version = written["_etag"]  # type: ignore[attr-defined]
        return [written is not None for written in stored]

    def query_of(self, user_id: str, find: Find, where: tuple[Condition, ...]) -> Query:
        """The store query for ``find`` of one user; ``where``: its conditions, converted."""
        return Query(self.doc_type, user_id, where, find.order_by, find.descending, find.limit)

    def entities(self, docs: list[Document]) -> list[E]:
        """Query results as entities; a document caught half-way through its deletion is
        already gone for the user."""
        return [self._entity(doc) for doc in docs if not (doc.get("rollup_pending") or {}).get("then_delete")]

    async def remove(self, entity: E, changes: RollupChanges | None = None) -> None:
        """Delete an entity loaded with ``get``; StaleEntity if it changed meanwhile."""
        if not changes or not changes.increments:
            # Nothing to count: a plain conditional delete, no marker round trip.
            async with store_errors_as_domain_errors():
                try:
                    await self._store.delete(self._user_of(entity), self._id_of(entity), entity.version)  # type: ignore[attr-defined]
                except (EtagMismatch, DocumentMissing):
                    raise StaleEntity(self._id_of(entity)) from None
            return
        changes.then_delete = True
        await self.save(entity, changes)

    def _user_of(self, entity: E) -> str:
        doc = self._codec.to_doc(entity)
        return doc.get("user_id") or doc["id"]

    async def _finish(self, entity: E, stored: Document) -> E:
        current: Document | None = stored
        if stored.get("rollup_pending"):
            current = await self.settle(stored)
        if current is not None:
            entity.version = current["_etag"]  # type: ignore[attr-defined]
        return entity

    async def settle(self, doc: Document) -> Document | None:
        """Apply a document's pending roll-up changes and clear the marker.

        Returns the document as it now stands, or None once it is deleted."""
        while doc.get("rollup_pending"):
            changes = mapping.rollup_changes_from_marker(doc["rollup_pending"])
            await self._ledger.apply(doc["user_id"], changes)
            try:
                if changes.then_delete:
                    await self._store.delete(doc["user_id"], doc["id"], doc["_etag"])
                    return None
                settled = {k: v for k, v in doc.items() if k != "_etag"}
                settled["rollup_pending"] = None
                return await self._store.replace(settled, doc["_etag"])
            except DocumentMissing:
                return None
            except EtagMismatch:
                # Another reader settled it (or a new change landed): look again.
                try:
                    doc = await self._store.read(doc["user_id"], doc["id"])
                except DocumentMissing:
                    return None
        return doc

    async def find(
        self,
        user_id: str,
        conditions: Iterable[Condition] = (),
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[E]:
        query = Query(self.doc_type, user_id, _conditions(conditions), order_by, descending, limit)
        async with store_errors_as_domain_errors():
            docs = await self._store.query(query)
        return self.entities(docs)

    async def find_across_users(
        self, conditions: Iterable[Condition | tuple], order_by: str | None = None, limit: int | None = None
    ) -> list[E]:
        """A cross-partition query; only for indexed lookups such as "schedules due now"."""
        query = Query(self.doc_type, None, _conditions(conditions), order_by, False, limit)
        async with store_errors_as_domain_errors():
            docs = await self._store.query(query)
        return [self._entity(doc) for doc in docs]

    async def count(self, user_id: str, conditions: Iterable[Condition] = ()) -> int:
        async with store_errors_as_domain_errors():
            return await self._store.count(Query(self.doc_type, user_id, _conditions(conditions)))

    async def find_owner(self, entity_id: str) -> str:
        """Whose entity this id is: a cross-partition lookup, only for the admin token,
        whose seed-era clients name a task or session without its user."""
        async with store_errors_as_domain_errors():
            docs = await self._store.query(Query(self.doc_type, None, (where("id", "=", entity_id),), limit=1))
        if not docs:
            raise NotFound(self._not_found)
        return docs[0]["user_id"]


def _repository(find: Find) -> EntityRepository[Any]:
    return cast("EntityRepository[Any]", find.repository)


def _conditions(conditions: Iterable[Condition | tuple]) -> tuple[Condition, ...]:
    """Services speak in ("field", "op", value) triples; the port wants Conditions."""
    return tuple(c if isinstance(c, Condition) else Condition(*c) for c in conditions)


class Repositories:
    """Every repository over one store; built once by the composition root."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.ledger = RollupLedger(store)
        repo = self._repository
        self.tasks: EntityRepository[Task] = repo(
            "task", lambda t: t.id, mapping.TASK, "That task doesn't exist any more: it may have been deleted."
        )
        self.work_sessions: EntityRepository[WorkSession] = repo(
            "work_session", lambda s: s.id, mapping.WORK_SESSION, "That work session doesn't exist."
        )
        self.focus_sessions: EntityRepository[FocusSession] = repo(
            "focus_session", lambda s: s.session_id, mapping.FOCUS_SESSION, "That focus session doesn't exist."
        )
        self.users: EntityRepository[User] = repo("user", lambda u: u.id, mapping.USER, "There is no such user yet.")
        self.api_tokens: EntityRepository[ApiToken] = repo(
            "api_token", lambda t: t.digest, mapping.API_TOKEN, "Unknown token"
        )
        self.token_slots: EntityRepository[TokenSlot] = repo(
            "token_slot", lambda s: s.id, mapping.TOKEN_SLOT, "No token"
        )
        self.active_slots: EntityRepository[ActiveSlot] = repo(
            "active_slot", lambda s: s.id, mapping.ACTIVE_SLOT, "No running work session"
        )
        self.focus_slots: EntityRepository[FocusSlot] = repo(
            "focus_slot", lambda s: s.id, mapping.FOCUS_SLOT, "No running focus session"
        )
        self.habit_logs: EntityRepository[HabitLog] = repo(
            "habit_log", lambda h: h.id, mapping.HABIT_LOG, "That habit entry doesn't exist."
        )
        self.mood_logs: EntityRepository[MoodLog] = repo(
            "mood_log", lambda m: m.id, mapping.MOOD_LOG, "That mood check-in doesn't exist."
        )
        self.conversation_states: EntityRepository[ConversationState] = repo(
            "conversation_state", lambda c: c.id, mapping.CONVERSATION_STATE, "No conversation yet"
        )
        self.channel_addresses: EntityRepository[ChannelAddress] = repo(
            "channel_address", lambda a: a.id, mapping.CHANNEL_ADDRESS, "No address for that channel"
        )
        self.reminder_schedules: EntityRepository[ReminderSchedule] = repo(
            "reminder_schedule", lambda r: r.id, mapping.REMINDER_SCHEDULE, "No reminder schedule"
        )
        self.reminder_shards: EntityRepository[ShardLease] = repo(
            "reminder_shard", lambda s: s.id, mapping.SHARD_LEASE, "No lease of that shard"
        )
        self.rate_windows: EntityRepository[RateWindow] = repo(
            "rate_window", lambda w: w.id, mapping.RATE_WINDOW, "No rate window"
        )
        self.progress_records: EntityRepository[ProgressRecord] = repo(
            "progress", lambda p: p.id, mapping.PROGRESS_RECORD, "No progress yet"
        )
        self.teams: EntityRepository[Team] = repo("team", lambda t: t.id, TEAM, "This channel has no team pulse.")
        self.team_consents: EntityRepository[TeamConsent] = repo(
            "team_consent", lambda c: c.id, TEAM_CONSENT, "No answer about that team yet"
        )

    def _repository(self, doc_type: str, id_of: Callable, codec: Codec, not_found: str) -> EntityRepository:
        return EntityRepository(self.store, self.ledger, doc_type, id_of, codec, not_found)

    async def settle_pending(self, user_id: str) -> None:
        """Finish the roll-up changes writers left behind, for every kind of entity, in one query."""
        kinds = (self.tasks, self.work_sessions, self.focus_sessions, self.habit_logs, self.mood_logs)
        by_type = {repo.doc_type: repo for repo in kinds}
        async with store_errors_as_domain_errors():
            docs = await self.store.query(Query(None, user_id, (where("rollup_pending", "!=", None),)))
            for doc in docs:
                repository = by_type.get(doc["type"])
                if repository is not None:
                    await repository.settle(doc)

    async def find_together(self, user_id: str, finds: Sequence[Find]) -> list[list[Any]]:
        return (await self.find_for_users([(user_id, finds)]))[0]

    async def find_for_users(self, finds: Sequence[tuple[str, Sequence[Find]]]) -> list[list[list[Any]]]:
        # Finds name the repositories built here (the domain sees them through its Repository port).
        # The same Find often serves every user (a wave's activity reads): its conditions are
        # converted once, not once a user.
        converted: dict[int, tuple[Find, tuple[Condition, ...]]] = {}  # the Find is kept: its id stays its own
        queries = []
        for user_id, each in finds:
            for find in each:
                seen = converted.get(id(find))
                if seen is None or seen[0] is not find:
                    seen = converted[id(find)] = (find, _conditions(find.conditions))
                queries.append(_repository(find).query_of(user_id, find, seen[1]))
        async with store_errors_as_domain_errors():
            answers = iter(await self.store.query_many(queries))
        return [[_repository(find).entities(next(answers)) for find in each] for _, each in finds]

    async def rollups_between(self, user_id: str, first: str, last: str) -> dict[str, dict[str, float]]:
        """Roll-ups whose keys sort between ``first`` and ``last`` (day keys: a date range), in
        one indexed query rather than one read per day."""
        query = Query(ROLLUP_TYPE, user_id, (where("key", ">=", first), where("key", "<=", last)))
        async with store_errors_as_domain_errors():
            docs = await self.store.query(query)
        return {doc["key"]: doc["counters"] for doc in docs}

    async def all_rollups(self, user_id: str) -> dict[str, dict[str, float]]:
        async with store_errors_as_domain_errors():
            docs = await self.store.query(Query(ROLLUP_TYPE, user_id, order_by="key"))
        return {doc["key"]: doc["counters"] for doc in docs}

    async def replace_rollups(self, user_id: str, counters_by_key: dict[str, dict[str, float]]) -> None:
        """Make the user's roll-ups exactly these (a rebuild): roll-ups not named are emptied."""
        async with store_errors_as_domain_errors():
            existing = {doc["key"] for doc in await self.store.query(Query(ROLLUP_TYPE, user_id))}
            for key in sorted(existing | counters_by_key.keys()):
                await self.ledger.overwrite(user_id, key, counters_by_key.get(key, {}))

    async def users_with_history(self) -> list[str]:
        """Every user who has a profile or anything counted (REST-only users have no profile but
        have totals): cross-partition, for operator commands only."""
        async with store_errors_as_domain_errors():
            profiles = await self.store.query(Query("user", None))
            totals = await self.store.query(Query(ROLLUP_TYPE, None, (where("key", "=", TOTALS),)))
        return sorted({doc["user_id"] for doc in profiles} | {doc["user_id"] for doc in totals})

    async def erase(self, user_id: str) -> int:
        async with store_errors_as_domain_errors():
            return await self.store.delete_partition(user_id)

    async def for_turn(self, user_id: str, entity_ids: Sequence[str], rollup_keys: Sequence[str]) -> TurnRepositories:
        from persistence.unit_of_work import open_turn  # it builds on this module

        async with store_errors_as_domain_errors():
            return await open_turn(self.store, user_id, entity_ids, rollup_keys)

    async def rollup(self, user_id: str, key: str) -> dict[str, float]:
        async with store_errors_as_domain_errors():
            return await self.ledger.read(user_id, key)
