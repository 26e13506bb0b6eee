"""Files the bot sends in Teams (the data export), through the file consent flow.

Bots can push files in Teams only this way, and only in personal chat. The bot sends a
FileConsentCard; when the user accepts, Teams sends a fileConsent/invoke with a OneDrive upload
URL, and the bot re-runs the command that produced the file (nothing is kept in memory between
the two, as any instance may get the invoke), uploads the bytes and posts a FileInfoCard. Other
channels (the Emulator) get a data URI. The card models are the Agents SDK's; the content types
are Teams' (the SDK has no constants for them).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from microsoft_agents.activity import Attachment
from microsoft_agents.activity.teams import FileConsentCard, FileInfoCard, FileUploadInfo
from pydantic import ValidationError

from bot.adapters.teams.access import TEAMS_CHANNEL
from bot.messages import FileOut, IncomingMessage

log = logging.getLogger("avanochi.teams")

FILE_CONSENT_INVOKE = "fileConsent/invoke"
FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"  # a file a user sent
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)


class BadConsent(ValueError):
    """A fileConsent/invoke whose value is not an accept or a decline Teams would send (a 400)."""


@dataclass(frozen=True)
class Consent:
    """The user's answer to a FileConsentCard."""

    accepted: bool
    context: dict[str, Any]  # what the card carried: the file name and the command to run again
    upload: FileUploadInfo | None  # where to PUT the bytes (accept only)


def read_consent(value: Any) -> Consent:
    """The answer in a fileConsent/invoke; raises BadConsent. Teams sends no uploadInfo with a
    decline, so it is read only when present."""
    if not isinstance(value, dict) or value.get("action") not in ("accept", "decline"):
        raise BadConsent("A fileConsent/invoke needs a file consent response (accept or decline)")
    upload = value.get("uploadInfo")
    try:
        info = FileUploadInfo.model_validate(upload) if upload is not None else None
    except ValidationError:
        raise BadConsent("The file consent response has no usable uploadInfo") from None
    context = value.get("context")
    return Consent(value["action"] == "accept", context if isinstance(context, dict) else {}, info)


def file_attachment(file: FileOut, message: IncomingMessage, channel_id: str | None) -> Attachment | None:
    """The attachment that delivers a file: a consent card in a Teams personal chat, a data URI
    elsewhere (the Emulator), None in a Teams group conversation (no file consent there)."""
    if channel_id != TEAMS_CHANNEL:
        encoded = base64.b64encode(file.content).decode("ascii")
        return Attachment(
            content_type=file.content_type, name=file.name, content_url=f"data:{file.content_type};base64,{encoded}"
        )
    if not message.private:
        return None
    # What to run again when the user accepts: the file is rebuilt then, on whichever instance.
    context = {"file": file.name, "text": message.text, "action": message.action}
    card = FileConsentCard(
        description=f"{file.name} ({_size(len(file.content))})",
        size_in_bytes=len(file.content),
        accept_context=context,
        decline_context=context,
    )
    return Attachment(content=_json(card), content_type=FILE_CONSENT_CARD, name=file.name)


def file_info_attachment(upload: FileUploadInfo) -> Attachment:
    """The card that shows the uploaded file in the chat."""
    card = FileInfoCard(unique_id=upload.unique_id, file_type=upload.file_type, etag=None)
    return Attachment(
        content=_json(card), content_type=FILE_INFO_CARD, name=upload.name, content_url=upload.content_url
    )


async def upload(url: str | None, content: bytes) -> bool:
    """PUT the bytes to the OneDrive upload session Teams handed over (pre-authorised URL)."""
    if not url or not content:
        return False
    headers = {"Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
    try:
        async with aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as session:
            async with session.put(url, data=content, headers=headers) as answer:
                if answer.status in (200, 201):
                    return True
                log.warning("file upload refused", extra={"status": answer.status})
    except (TimeoutError, aiohttp.ClientError):
        log.warning("file upload failed", exc_info=True)
    return False


def _json(card: FileConsentCard | FileInfoCard) -> dict[str, Any]:
    return card.model_dump(mode="json", by_alias=True, exclude_none=True)


def _size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} KB"
