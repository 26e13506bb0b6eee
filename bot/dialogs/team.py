"""The opt-in team pulse in a shared channel: 'team pulse' sets the channel up, 'share with
team on|off' is each member's own consent, 'kudos @someone for ...' thanks a consenting member.

In a private chat, 'share with team on|off' applies to the one team the user answered about
before; with several, they say it in the team's channel (a DM names no channel).

Someone's own answers are private replies: shown to them alone, or in their 1:1 chat with the
bot; where neither is possible (Teams, before that chat exists) only words that name no one
else and repeat what they said in the channel themselves (``Reply.in_group``) stay there.
"""

from __future__ import annotations

import re

from bot.dialogs.turn import Turn
from bot.messages import Fact, IncomingMessage, Mention, Reply
from domain.errors import ValidationError
from domain.services.teams import valid_kudos
from domain.teams import KUDOS_MAX, MIN_CONTRIBUTORS, Pulse, team_key

KUDOS = re.compile(r"^(@\S+)\s+(?:for\s+)?(.*)$", re.IGNORECASE | re.DOTALL)
FOR = re.compile(r"^for\b\s*", re.IGNORECASE)


def pulse_reply(pulse: Pulse | int) -> Reply:
    """The team's week, aggregates only; a count of who opted in when they are too few."""
    if not isinstance(pulse, Pulse):
        return Reply(f"Not enough members have opted in yet ({pulse} of {MIN_CONTRIBUTORS}).", kind="team_pulse")
    facts = [
        Fact("Average focus", f"{pulse.focus_hours:.1f} h per person"),
        Fact("Days with a break", "no days worked" if pulse.break_share is None else f"{pulse.break_share:.0%}"),
        Fact("Overtime days", str(pulse.overtime_days)),
    ]
    if pulse.mood_trend is not None:
        word = "up" if pulse.mood_trend > 0.05 else "down" if pulse.mood_trend < -0.05 else "steady"
        facts.append(Fact("Mood", f"{word} ({pulse.mood_trend:+.1f} on a 1-5 scale)"))
    return Reply(
        f"Last week, across the {pulse.contributors} members who share with the team.",
        title="Team pulse",
        facts=facts,
        kind="team_pulse",
    )


def own(text: str) -> Reply:
    """A reply about the user's own choice: private, and fine to say in the group they said it in."""
    return Reply(text, private=True, in_group=text)


def recipient(message: IncomingMessage, args: str) -> tuple[str, Mention | None, str] | None:
    """Who the kudos are for and what for: a mention the platform marked (Teams), or "@name" as
    the platform writes it in the text (Slack: the member id), with the reason after it."""
    text = args.strip()
    for mention in message.mentions:
        if text.startswith(mention.text):
            return mention.label, mention, FOR.sub("", text[len(mention.text) :].strip(), count=1)
    found = KUDOS.match(text)
    return (found.group(1), None, found.group(2)) if found else None


def on_off(args: str) -> bool | None:
    word = args.strip().lower().rstrip(".!")
    return {"on": True, "yes": True, "": True, "off": False, "no": False, "stop": False}.get(word)


class TeamDialog:
    async def pulse(self, turn: Turn, args: str) -> list[Reply]:
        message = turn.message
        if message.room is None:
            return [Reply("Ask for the team pulse in the team's channel: add me there and mention me with it.")]
        teams = turn.services.teams
        team, created = await teams.set_up(
            turn.user_id, message.conversation_id, message.channel, message.room, turn.user.timezone
        )
        if not created:
            return [pulse_reply(await teams.pulse(team.id, turn.now))]
        return [
            Reply(
                "This channel now has a team pulse. Each member decides for themselves: say "
                "'share with team on' here to count in it, 'share with team off' to stop at once. "
                f"Every Monday I post averages only, and only once at least {MIN_CONTRIBUTORS} members "
                "share: never anyone's own numbers, and nothing about those who don't.",
                title="Team pulse",
            )
        ]

    async def share(self, turn: Turn, args: str) -> list[Reply]:
        choice = on_off(args)
        if choice is None:
            return [own("Say 'share with team on' or 'share with team off'.")]
        team_id = await self._team_of(turn)
        if team_id is None:
            return [Reply("Say 'share with team on' or 'off' in the team's channel, so I know which team.")]
        await turn.services.teams.set_share(turn.user_id, team_id, choice)
        if choice:
            text = (
                "You're in: your week counts in this team's pulse, only ever inside averages of "
                f"{MIN_CONTRIBUTORS} or more people. 'share with team off' takes you out at once."
            )
        else:
            text = "You're out: from now on your numbers are not read for this team's pulse."
        return [own(text)]

    async def kudos(self, turn: Turn, args: str) -> list[Reply]:
        message = turn.message
        choice = on_off(args) if args.strip() else None
        if message.room is None:
            return [Reply("Kudos go in the team's channel: mention me there with 'kudos @someone for ...'.")]
        team_id = team_key(turn.user_id, message.conversation_id)
        teams = turn.services.teams
        if choice is not None:
            await teams.set_kudos(turn.user_id, team_id, choice)
            text = (
                "Thanks! Teammates can now post kudos for you here."
                if choice
                else "OK, I won't post kudos for you here."
            )
            return [own(text)]
        found = recipient(message, args)
        if found is None:
            return [own("Say who and what for: 'kudos @someone for the release notes'.")]
        label, mention, reason = found
        for other in message.mentions:  # anyone else named in the reason, by name only: no one is notified
            reason = reason.replace(other.text, other.name)
        try:
            reason = valid_kudos(reason, KUDOS_MAX)
        except ValidationError as error:
            return [own(str(error))]
        await teams.team(team_id)
        person = mention.user_id if mention else turn.user_id.rsplit(":", 1)[0] + ":" + label.lstrip("@")
        consent = await teams.consent(person, team_id) if person != turn.user_id else None
        if consent is None or not consent.kudos:
            # One answer whether they said no or were never asked: their choice stays theirs. It
            # names them, so it never stands in the channel (no in_group): the pointer to the 1:1
            # chat does instead.
            return [
                Reply(
                    f"I only post kudos for people who said yes to them in this channel ('kudos on'), so I "
                    f"didn't post this one. Why not tell {label} directly?",
                    private=True,
                )
            ]
        sender = turn.user.name or "a teammate"
        return [
            Reply(f"🎉 Kudos to {label} from {sender}: {reason}", kind="kudos", mentions=[mention] if mention else [])
        ]

    @staticmethod
    async def _team_of(turn: Turn) -> str | None:
        message = turn.message
        if message.room is not None:
            return team_key(turn.user_id, message.conversation_id)
        answered = await turn.services.teams.teams_of(turn.user_id)
        return answered[0].team_id if len(answered) == 1 else None
