"""Bring documents from elsewhere (the original Avanochi) into the store, then recount.

Entities keep their ids, so importing twice writes nothing the second time: what is already
there is counted as such and left as it is. Nothing here touches roll-ups on the way; once the
documents are in, each user's roll-ups are rebuilt from everything they have, so the figures
agree with the documents whatever was there before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.entities import ActiveSlot, Task, User, WorkSession
from domain.errors import NotFound, StaleEntity
from domain.ports import Repository
from domain.services.rollup_rebuild import RebuildRepositories, RollupRebuild


class ImportRepositories(RebuildRepositories, Protocol):
    @property
    def active_slots(self) -> Repository[ActiveSlot]: ...


@dataclass
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)  # by kind: task, work_session, user
    existing: Counter[str] = field(default_factory=Counter)  # already there: left as they were
    skipped: Counter[str] = field(default_factory=Counter)  # by reason
    users: set[str] = field(default_factory=set)
    still_running: int = 0  # open work sessions imported as the user's running session
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The report as an operator reads it (counts and reasons, never a document's content)."""
        verb = "would import" if self.dry_run else "imported"
        lines = [f"{verb}: {_counts(self.created)}", f"already there: {_counts(self.existing)}"]
        lines.append(f"{_count(len(self.users), 'user')}; {_count(self.still_running, 'running work session')}")
        lines += [f"skipped {count}: {reason}" for reason, count in sorted(self.skipped.items())]
        return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _counts(by_kind: Counter[str]) -> str:
    return ", ".join(_count(by_kind[kind], kind.replace("_", " ")) for kind in ("task", "work_session", "user"))


Entity = Task | WorkSession | User
Item = Entity | str  # an entity to import, or the reason a document was left out


class Importer:
    def __init__(self, repos: ImportRepositories) -> None:
        self._repos = repos

    async def run(self, items: AsyncIterable[Item], *, dry_run: bool = False) -> ImportReport:
        report = ImportReport(dry_run=dry_run)
        async for item in items:
            if isinstance(item, str):
                report.skipped[item] += 1
                continue
            kind = _kind(item)
            report.users.add(item.id if isinstance(item, User) else item.user_id)
            if await self._exists(item):
                report.existing[kind] += 1
                continue
            report.created[kind] += 1
            if not dry_run:
                await self._write(item, report)
        if not dry_run:
            rebuild = RollupRebuild(self._repos)
            for user_id in sorted(report.users):
                await rebuild.rebuild(user_id)
        return report

    async def _exists(self, entity: Entity) -> bool:
        repository = self._repository(entity)
        user_id = entity.id if isinstance(entity, User) else entity.user_id
        try:
            await repository.get(user_id, entity.id)
        except NotFound:
            return False
        return True

    async def _write(self, entity: Entity, report: ImportReport) -> None:
        try:
            await self._repository(entity).add(entity)
        except StaleEntity:  # written meanwhile by another import
            return
        if isinstance(entity, WorkSession) and entity.active:
            # A session the original never ended is the user's running one, so `stop` ends it;
            # unless one already runs here, in which case it stays open in the history only.
            try:
                await self._repos.active_slots.add(ActiveSlot(entity.user_id, entity.id, entity.start_time))
                report.still_running += 1
            except StaleEntity:
                report.skipped["open work session while another runs (kept, not running)"] += 1

    def _repository(self, entity: Entity) -> Repository[Any]:
        if isinstance(entity, Task):
            return self._repos.tasks
        if isinstance(entity, WorkSession):
            return self._repos.work_sessions
        return self._repos.users


def _kind(entity: Entity) -> str:
    return "task" if isinstance(entity, Task) else "work_session" if isinstance(entity, WorkSession) else "user"
