"""Account flows: a personal REST token, exporting all data, deleting all data."""

from __future__ import annotations

import json

from bot.dialogs.turn import Turn, yes_no
from bot.messages import FileOut, Reply
from domain.wording import listed, plural

PRIVATE_ONLY = Reply("That's personal: ask me in a direct message.", private=True)
REVOKE_WORDS = frozenset({"revoke", "revoke it", "revoke all", "off", "delete", "remove"})


class AccountDialog:
    async def token(self, turn: Turn, args: str) -> list[Reply]:
        if not turn.message.private:
            return [PRIVATE_ONLY]
        wanted = args.strip().lower()
        if wanted in REVOKE_WORDS:
            return await self.revoke_token(turn, "")
        if wanted not in ("", "new"):
            # A secret goes out only when asked for plainly, not on a guess at what was meant.
            return [Reply("Say *token* for a new API token, or *token revoke* to switch yours off.")]
        issued = await turn.services.tokens.grant(turn.user_id)
        days = (issued.info.expires_at - issued.info.created_at).days
        return [
            Reply(
                f"Your personal API token (shown once; a new one replaces it; it expires in {plural(days, 'day')}):\n"
                f"`{issued.secret}`\n"
                f"Use it as `Authorization: Bearer <token>` on the REST API. Your user id is `{turn.user_id}`. "
                "Say *token revoke* to switch it off.",
                title="API token",
                kind="token",
                private=True,
                ephemeral=True,
            )
        ]

    async def revoke_token(self, turn: Turn, args: str) -> list[Reply]:
        if not turn.message.private:
            return [PRIVATE_ONLY]
        if await turn.services.tokens.revoke_all(turn.user_id):
            return [
                Reply("Done: your API token no longer works. Say *token* whenever you want a new one.", private=True)
            ]
        return [Reply("You have no API token, so there is nothing to revoke.", private=True)]

    async def export(self, turn: Turn, args: str) -> list[Reply]:
        if not turn.message.private:
            return [PRIVATE_ONLY]
        data = await turn.services.account.export(turn.user_id)
        content = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        counts = listed(
            [
                plural(len(data["tasks"]), "task"),
                plural(len(data["work_sessions"]), "work session"),
                plural(len(data["focus_sessions"]), "focus session"),
            ]
        )
        return [
            Reply(
                f"Here is everything I keep about you ({counts}).",
                file=FileOut("avanochi-export.json", content),
                kind="export",
                private=True,
            )
        ]

    async def delete_data(self, turn: Turn, args: str) -> list[Reply]:
        # Only in a private chat: a "yes" must come from where the question was seen.
        if not turn.message.private:
            return [PRIVATE_ONLY]
        asked = turn.ask("confirm_delete_data")
        text = "This deletes all your tasks, sessions, habits, settings and tokens, for good. Are you sure?"
        return [yes_no(asked, text, "Delete everything", "Cancel", style="danger", private=True)]

    async def confirm_delete_data(self, turn: Turn, yes: bool) -> list[Reply]:
        turn.forget_question()
        if not yes:
            return [Reply("Nothing deleted.")]
        removed = await turn.services.account.erase(turn.user_id)
        turn.erased = True
        return [Reply(f"Done: {plural(removed, 'record')} deleted. If you talk to me again, I'll start afresh.")]
