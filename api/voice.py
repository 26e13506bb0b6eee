"""POST /api/voice: an audio body in, the transcript and the spoken command's result out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from api.auth import acting_user
from bot.dialogs.router import Dialogs
from bot.downloads import read_capped
from bot.messages import IncomingMessage
from bot.voice.decode import MAX_BYTES, TooLarge
from bot.voice.queue import SpeechQueue
from bot.voice.transcribe import hear_attachment, read_transcript


def register(app: web.Application, dialogs: Dialogs, speech: SpeechQueue) -> None:
    async def voice(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        if request.content_length is not None and request.content_length > MAX_BYTES:
            raise TooLarge()  # refused before reading it
        data = await read_capped(request.content, MAX_BYTES)  # a chunked upload arrives in pieces
        if len(data) > MAX_BYTES:
            raise TooLarge()
        name = request.query.get("filename")
        listener = dialogs.voice
        learned = await listener.voice_of(user_id) if listener else None  # heard as chat hears them
        async with speech.admit(user_id) as engine:  # Busy (429) when the queue has no room
            transcript, audio = await hear_attachment(data, request.content_type, name, engine, voice=learned)
        heard = replace(read_transcript(transcript), pcm=audio.pcm, sample_rate=audio.sample_rate)
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
            if listener is not None:
                listener.ran(user_id, heard)  # it runs as heard: its words teach the user's voice
            body["replies"] = [reply.plain() for reply in await dialogs.handle(message)]
        else:
            body["suggestion"] = getattr(heard.command, "suggestion", None) or heard.text
        return web.json_response(body)

    app.router.add_post("/api/voice", voice)
