"""POST /api/voice: an audio body in, the transcript and the spoken command's result out."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.auth import acting_user
from bot.dialogs.router import Dialogs
from bot.downloads import read_capped
from bot.messages import IncomingMessage
from bot.voice.decode import MAX_BYTES, TooLarge
from bot.voice.queue import SpeechQueue
from bot.voice.transcribe import read_transcript, transcribe_attachment


def register(app: web.Application, dialogs: Dialogs, speech: SpeechQueue) -> None:
    async def voice(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        if request.content_length is not None and request.content_length > MAX_BYTES:
            raise TooLarge()  # refused before reading it
        data = await read_capped(request.content, MAX_BYTES)  # a chunked upload arrives in pieces
        if len(data) > MAX_BYTES:
            raise TooLarge()
        name = request.query.get("filename")
        async with speech.admit(user_id) as engine:  # Busy (429) when the queue has no room
            transcript = await transcribe_attachment(data, request.content_type, name, engine)
        heard = read_transcript(transcript)
        body: dict[str, Any] = {
            "transcript": heard.text,
            "confidence": transcript.confidence,
            "engine": transcript.engine,
            "clean": heard.clean,
            "command": getattr(heard.command, "name", None),
            "replies": [],
        }
        if heard.clean:
            # The same dialogs as chat; a REST caller sees its own replies, so it counts as private.
            message = IncomingMessage(user_id, "api", f"api:{user_id}", text=heard.text)
            body["replies"] = [reply.plain() for reply in await dialogs.handle(message)]
        else:
            body["suggestion"] = getattr(heard.command, "suggestion", None) or heard.text
        return web.json_response(body)

    app.router.add_post("/api/voice", voice)
