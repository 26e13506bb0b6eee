"""A user's Slack status and Do Not Disturb during a focus session, through the user token they
granted (user scopes users.profile:read/write, dnd:read/write), with the Slack Web API client."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.oauth import FOCUS_STATUS
from bot.status.providers import ConsentLost
from domain.entities import FocusSession
from domain.focus_status import (
    STATUS_TEXT_MAX,
    FocusStatus,
    Profile,
    Shown,
    ends_snooze,
    focus_profile,
    planned_end,
    remembered,
    restoration,
    snooze_minutes,
)

CONSENT_PATH = f"/slack/install?for={FOCUS_STATUS}"  # where a user grants the user scopes
# Errors meaning the grant is gone for good: forget the token rather than retry.
CONSENT_ERRORS = frozenset(
    {"token_revoked", "invalid_auth", "missing_scope", "not_authed", "account_inactive", "token_expired"}
    | {"no_permission"}
)
TIMEOUT = 10  # seconds: a status is best effort, never worth a long wait


def _epoch(instant: datetime | None) -> int:
    return int(instant.timestamp()) if instant else 0


def _instant(epoch: object) -> datetime | None:
    try:
        seconds = int(epoch or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


class SlackStatus:
    channel = "slack"
    needs_grant = True

    def __init__(self, api_url: str, consent_link: str | None) -> None:
        self._base_url = api_url.rstrip("/") + "/"
        self.consent_link = consent_link

    def serves(self, user_id: str) -> bool:
        return user_id.startswith("slack:")

    def _client(self, record: FocusStatus) -> AsyncWebClient:
        token = record.grant.get("token")
        if not token:
            raise ConsentLost("no user token")
        return AsyncWebClient(token=token, base_url=self._base_url, timeout=TIMEOUT)

    async def show(self, record: FocusStatus, session: FocusSession, timezone: str, now: datetime) -> Shown:
        client = self._client(record)
        try:
            previous = remembered(await self._profile(client))
            profile = focus_profile(session, timezone)
            await self._set(client, profile)
            await client.dnd_setSnooze(num_minutes=snooze_minutes(session, now))
        except SlackApiError as error:
            raise _translated(error) from error
        return Shown(session.session_id, planned_end(session), profile, previous, snoozed=True)

    async def restore(self, record: FocusStatus, shown: Shown, now: datetime) -> None:
        client = self._client(record)
        try:
            put_back = restoration(shown, await self._profile(client), now)
            if put_back is not None:
                await self._set(client, put_back)
            if shown.snoozed:
                dnd = await client.dnd_info()
                if ends_snooze(shown, bool(dnd.get("snooze_enabled")), _instant(dnd.get("snooze_endtime"))):
                    await client.dnd_endSnooze()
        except SlackApiError as error:
            raise _translated(error) from error

    async def revoke(self, record: FocusStatus) -> None:
        try:
            await self._client(record).auth_revoke()
        except SlackApiError as error:
            if _reason(error) not in CONSENT_ERRORS:
                raise
        except ConsentLost:
            pass  # nothing to give back

    @staticmethod
    async def _profile(client: AsyncWebClient) -> Profile:
        found = (await client.users_profile_get()).get("profile") or {}
        return Profile(
            str(found.get("status_text") or "")[:STATUS_TEXT_MAX],
            str(found.get("status_emoji") or ""),
            _instant(found.get("status_expiration")),
        )

    @staticmethod
    async def _set(client: AsyncWebClient, profile: Profile) -> None:
        await client.users_profile_set(
            profile={
                "status_text": profile.text,
                "status_emoji": profile.emoji,
                "status_expiration": _epoch(profile.expires_at),
            }
        )


def _reason(error: SlackApiError) -> str:
    return str(error.response.get("error", "")) if error.response is not None else ""


def _translated(error: SlackApiError) -> Exception:
    reason = _reason(error)
    status = getattr(error.response, "status_code", 200) if error.response is not None else 200
    if reason in CONSENT_ERRORS or status in (401, 403):
        return ConsentLost(reason or str(status))
    return error
