"""Documents of the team pulse: the team (its own partition) and each member's consent (in
the member's partition, so that erasing the member erases it)."""

from __future__ import annotations

from domain.clock import from_iso, to_iso
from domain.teams import Team, TeamConsent
from persistence.mapping import Codec
from persistence.port import Document


def team_doc(team: Team) -> Document:
    return {
        "id": team.id,
        "user_id": team.id,
        "platform": team.platform,
        "address": team.address,
        "set_up_by": team.set_up_by,
        "created_at": to_iso(team.created_at),
        # Named like a reminder schedule's field: the engine's due lookup uses the same index.
        "next_due": to_iso(team.next_post),
    }


def team_from_doc(data: Document, version: str | None = None) -> Team:
    return Team(
        id=data["id"],
        platform=data["platform"],
        address=data["address"],
        set_up_by=data["set_up_by"],
        created_at=from_iso(data["created_at"]),
        next_post=from_iso(data["next_due"]),
        version=version,
    )


def team_consent_doc(consent: TeamConsent) -> Document:
    return {
        "id": consent.id,
        "user_id": consent.user_id,
        "team_id": consent.team_id,
        "share": consent.share,
        "kudos": consent.kudos,
        "updated_at": to_iso(consent.updated_at),
    }


def team_consent_from_doc(data: Document, version: str | None = None) -> TeamConsent:
    return TeamConsent(
        user_id=data["user_id"],
        team_id=data["team_id"],
        share=bool(data.get("share")),
        kudos=data.get("kudos"),
        updated_at=from_iso(data.get("updated_at")),
        version=version,
    )


TEAM = Codec(team_doc, team_from_doc)
TEAM_CONSENT = Codec(team_consent_doc, team_consent_from_doc)
