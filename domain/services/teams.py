"""The team pulse: set a shared channel up as a team, record each member's consent, and read
the week's numbers of consenting members only (one bounded roll-up query each)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.clock import Clock, to_iso
from domain.concurrency import retry_stale
from domain.errors import NotFound, StaleEntity, ValidationError
from domain.ports import Repository, RepositorySet, UserLookup
from domain.teams import (
    MIN_CONTRIBUTORS,
    WEEK,
    MemberWeek,
    Pulse,
    Team,
    TeamConsent,
    aggregate,
    first_post,
    team_key,
)

# Enough for any one team's channel; a pass posts for at most this many teams.
TEAMS_PER_PASS = 100
MEMBERS_MAX = 500  # consenting members read for one post: a channel, not a company


class TeamService:
    def __init__(self, repos: RepositorySet, users: UserLookup, clock: Clock) -> None:
        self._repos = repos
        # The port says Any (domain.teams builds on the history the port's users import).
        self._teams: Repository[Team] = repos.teams
        self._consents: Repository[TeamConsent] = repos.team_consents
        self._users = users
        self._clock = clock

    async def set_up(
        self, user_id: str, conversation_id: str, platform: str, address: dict[str, Any], timezone: str
    ) -> tuple[Team, bool]:
        """The team of this shared conversation, created on the first ask; and whether it is new.
        Each ask keeps the address it came from: a platform may move a conversation's endpoint
        (Teams' serviceUrl), and the weekly post goes where the last ask came from."""
        team_id = team_key(user_id, conversation_id)
        try:
            team = await self._teams.get(team_id, team_id)
        except NotFound:
            pass
        else:
            if address and team.address != address:
                team.address = dict(address)
                try:
                    team = await self._teams.save(team)
                except StaleEntity:  # moved on by a weekly post or another ask: theirs will do
                    pass
            return team, False
        now = self._clock.now()
        team = Team(team_id, platform, dict(address), user_id, now, first_post(now, timezone, team_id))
        try:
            return await self._teams.add(team), True
        except StaleEntity:  # set up by someone else this very moment
            return await self._teams.get(team_id, team_id), False

    async def team(self, team_id: str) -> Team:
        """NotFound with a hint when the channel never asked for the pulse."""
        try:
            return await self._teams.get(team_id, team_id)
        except NotFound:
            raise NotFound("This channel has no team pulse yet: a team lead can start one with 'team pulse'.") from None

    async def consent(self, user_id: str, team_id: str) -> TeamConsent | None:
        try:
            return await self._consents.get(user_id, TeamConsent(user_id, team_id).id)
        except NotFound:
            return None

    async def teams_of(self, user_id: str) -> list[TeamConsent]:
        """The teams the user answered about (their own partition only)."""
        return await self._consents.find(user_id, limit=50)

    async def set_share(self, user_id: str, team_id: str, share: bool) -> TeamConsent:
        return await self._answer(user_id, team_id, share=share)

    async def set_kudos(self, user_id: str, team_id: str, allowed: bool) -> TeamConsent:
        return await self._answer(user_id, team_id, kudos=allowed)

    async def _answer(self, user_id: str, team_id: str, **answer: bool) -> TeamConsent:
        await self.team(team_id)

        async def attempt() -> TeamConsent:
            consent = await self.consent(user_id, team_id)
            if consent is None:
                consent = TeamConsent(user_id, team_id, updated_at=self._clock.now(), **answer)  # type: ignore[arg-type]
                return await self._consents.add(consent)
            for name, value in answer.items():
                setattr(consent, name, value)
            consent.updated_at = self._clock.now()
            return await self._consents.save(consent)

        return await retry_stale(attempt)

    async def sharing(self, team_id: str) -> list[str]:
        """Who shares with the team now: one indexed query over the consents, no one's numbers."""
        consent_id = TeamConsent("", team_id).id
        found = await self._consents.find_across_users(
            (("id", "=", consent_id), ("share", "=", True)), limit=MEMBERS_MAX
        )
        return sorted({consent.user_id for consent in found})

    async def pulse(self, team_id: str, now: datetime) -> Pulse | int:
        """The week before ``now``'s aggregates, or how many share when they are too few (then
        no one's numbers are read at all)."""
        members = await self.sharing(team_id)
        if len(members) < MIN_CONTRIBUTORS:
            return len(members)
        end = now.date()
        first, last = "day:" + (end - 2 * WEEK).isoformat(), "day:" + (end - timedelta(days=1)).isoformat()
        weeks: list[MemberWeek] = []
        for member in members:
            try:
                user = await self._users.get_user(member)
            except NotFound:  # erased meanwhile: their consent went with them
                continue
            weeks.append(MemberWeek(user, await self._repos.rollups_between(member, first, last)))
        return aggregate(weeks, end) or len(weeks)

    async def due(self, now: datetime) -> list[Team]:
        return await self._teams.find_across_users((("next_due", "<=", to_iso(now)),), "next_due", TEAMS_PER_PASS)

    async def claim(self, team: Team, now: datetime) -> bool:
        """Move the team's next post a week on; False when another instance did first."""
        while team.next_post <= now:
            team.next_post += WEEK
        try:
            await self._teams.save(team)
        except StaleEntity:
            return False
        return True


def valid_kudos(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationError("Say what the kudos are for: 'kudos @someone for the release notes'.")
    if len(text) > limit:
        raise ValidationError(f"Kudos fit in {limit} characters; this one has {len(text)}.")
    return text
