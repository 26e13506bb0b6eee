"""Where each reply may go: personal replies never show in a shared conversation.

Decided once for every channel from what the channel can do: a personal reply asked for in a
group is shown to the user alone (ephemeral), sent to their DM (one the channel can open, or one
it knows already), or, where neither is possible, replaced by the words the reply allows in a
group (``Reply.in_group``) or by a pointer to the 1:1 chat. Files and images need a conversation
that keeps messages; where there is none here (an ephemeral slash-command answer) they go to the DM.
"""

from __future__ import annotations

from dataclasses import replace

from bot.messages import IncomingMessage, Reply
from bot.runtime.channel import ChannelCapabilities, Placed, Where

ASK_IN_PRIVATE = Reply(
    "That one is personal, so I only answer it in our 1:1 chat. Open a chat with me (Avanochi) and ask there.",
    kind="text",
)
SENT_TO_DM = Reply("I sent it to you in our direct messages. 📬", private=True)
NO_FILES = Reply("I can't send files here, sorry.", kind="error")


def place(
    replies: list[Reply],
    message: IncomingMessage,
    capabilities: ChannelCapabilities,
    *,
    lasting: bool = True,
    dm_known: bool = False,
) -> list[Placed]:
    """The replies with where each goes, in order; a refused reply is replaced by the words it
    allows in a group or by one note saying where to ask, and replies sent elsewhere by one note
    saying where they went. ``dm_known``: the user's private chat is known (``known_dm``)."""
    placed: list[Placed] = []
    notes: list[Reply] = []
    for reply in replies:
        if not capabilities.buttons:
            reply = without_buttons(reply)
        where = where_to(reply, message.private, capabilities, lasting, dm_known)
        if where is None and reply.in_group is not None and reply.file is None:
            placed.append(Placed(Reply(reply.in_group, kind=reply.kind), Where.HERE))
            continue
        if where is None:
            note = NO_FILES if reply.file is not None and not capabilities.files else ASK_IN_PRIVATE
            notes += [note] if note not in notes else []
            continue
        placed.append(Placed(reply, where))
        if where is Where.DM and SENT_TO_DM not in notes:
            notes.append(SENT_TO_DM)
    for note in notes:
        if note is SENT_TO_DM:
            # Says only that something went to the DM: shown where the user asked, to them alone
            # where the platform can.
            where = Where.USER_ONLY if capabilities.ephemeral and not message.private else Where.HERE
        else:
            where = where_to(note, message.private, capabilities, lasting) or Where.HERE
        placed.append(Placed(note, where))
    return placed


def where_to(
    reply: Reply,
    private_conversation: bool,
    capabilities: ChannelCapabilities,
    lasting: bool,
    dm_known: bool = False,
) -> Where | None:
    """Where one reply goes; None when it may go nowhere this channel can reach."""
    upload = reply.file is not None or reply.image is not None
    if reply.file is not None and not capabilities.files:
        return None
    if (reply.private or reply.file is not None) and not private_conversation:
        if capabilities.ephemeral and not upload:
            return Where.USER_ONLY
        if capabilities.dm or (dm_known and capabilities.known_dm and not upload):
            # A known DM is reached by a proactive message: words and cards, no file consent or upload.
            return Where.DM
        return None
    if upload and not lasting:
        return Where.DM if capabilities.dm else Where.HERE
    if reply.ephemeral and capabilities.ephemeral:
        return Where.USER_ONLY  # a secret: not kept in the history, even of a private chat
    return Where.HERE


def without_buttons(reply: Reply) -> Reply:
    if not reply.buttons and not any(item.button for item in reply.items):
        return reply
    return replace(reply, buttons=[], items=[replace(item, button=None) for item in reply.items])
