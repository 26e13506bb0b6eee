"""Delivery shards: how several instances on one store split the reminders that are due.

Every schedule belongs to one of SHARDS shards by its user id. A pass takes the shards in a
random order and drains each one it can lease: a lease is one ETag write of a small document,
so two instances never read the same due schedules, and a lease left by a crashed instance
runs out. Leases are for throughput only: each nudge is still claimed by an ETag write of its
user's schedule, so a nudge goes out once even if two instances ever drained one shard.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from domain.clock import Clock
from domain.errors import NotFound, StaleEntity
from domain.ports import Repository

# Enough shards for a few dozen instances to find free ones; few enough that an idle pass
# (one lease read per shard) stays cheap.
SHARDS = 32
# The partition of the bookkeeping documents that belong to no user.
SYSTEM_USER = "system:reminders"
# A lease outlives one page of work by far; a dead holder's lease frees its shard this soon.
SHARD_LEASE = timedelta(seconds=60)


def shard_of(user_id: str) -> int:
    """A user's shard: stable across processes and releases (not Python's salted hash)."""
    return zlib.crc32(user_id.encode("utf-8")) % SHARDS


@dataclass
class ShardLease:
    shard: int
    holder: str | None = None
    leased_until: datetime | None = None
    swept_at: datetime | None = None  # the pass instant up to which the shard was last drained
    version: str | None = field(default=None, compare=False, repr=False)

    user_id: ClassVar[str] = SYSTEM_USER

    @property
    def id(self) -> str:
        return lease_id(self.shard)


def lease_id(shard: int) -> str:
    return f"reminder_shard:{shard:02d}"


class ShardLeases:
    """Leases of delivery shards for one instance (``holder``)."""

    def __init__(self, repository: Repository[ShardLease], clock: Clock, holder: str) -> None:
        self._leases = repository
        self._clock = clock
        self.holder = holder

    async def acquire(self, shard: int, due_at: datetime) -> ShardLease | None:
        """The shard's lease for this instance, or None when another instance holds it or has
        already drained it for this instant."""
        now = self._clock.now()
        try:
            lease = await self._leases.get(SYSTEM_USER, lease_id(shard))
        except NotFound:
            lease = ShardLease(shard, self.holder, now + SHARD_LEASE)
            try:
                return await self._leases.add(lease)
            except StaleEntity:
                return None  # another instance created it just now
        held_elsewhere = lease.holder not in (None, self.holder) and (lease.leased_until or now) > now
        if held_elsewhere or (lease.swept_at is not None and lease.swept_at >= due_at):
            return None
        lease.holder, lease.leased_until = self.holder, now + SHARD_LEASE
        return await self._write(lease)

    async def renew(self, lease: ShardLease) -> ShardLease | None:
        """Keep the lease for another term; None when it was lost meanwhile (stop draining)."""
        lease.leased_until = self._clock.now() + SHARD_LEASE
        return await self._write(lease)

    async def release(self, lease: ShardLease, swept_at: datetime | None) -> None:
        lease.holder, lease.leased_until = None, None
        if swept_at is not None:
            lease.swept_at = max(swept_at, lease.swept_at or swept_at)
        await self._write(lease)

    async def _write(self, lease: ShardLease) -> ShardLease | None:
        try:
            return await self._leases.save(lease)
        except StaleEntity:
            return None
