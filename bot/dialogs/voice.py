"""Voice notes in chat: download the clip, say what was heard, then run it through the same
parser as typed text, or ask first when the transcript is not clean enough to act on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from bot.dialogs.turn import Turn, yes_no
from bot.downloads import FileRefused, FileTooLarge
from bot.messages import Attachment, IncomingMessage, Reply
from bot.voice.decode import MAX_BYTES, TooLarge
from bot.voice.learning import VoiceLearning
from bot.voice.queue import SpeechQueue
from bot.voice.transcribe import Heard, hear_attachment, is_audio_attachment, read_transcript
from domain.errors import Unavailable

# How an adapter fetches an attachment's bytes (it knows the platform's auth).
Fetch = Callable[[Attachment], Awaitable[bytes]]


class DownloadFailed(Unavailable):
    def __init__(self) -> None:
        super().__init__("I couldn't download that voice note. Please try sending it again.")


class VoiceDialog:
    def __init__(self, speech: SpeechQueue, learning: VoiceLearning | None = None) -> None:
        self._speech = speech
        self._learning = learning

    @staticmethod
    def audio_of(message: IncomingMessage) -> Attachment | None:
        return next((a for a in message.attachments if is_audio_attachment(a.content_type, a.name)), None)

    async def hear(self, attachment: Attachment, fetch: Fetch, user_id: str, titles: Sequence[str] = ()) -> Heard:
        """The transcript and its reading; AudioError (friendly) when the clip can't be used,
        Busy when the speech queue has no room for it. ``titles``: the user's open tasks, which
        the engine listens for."""
        if attachment.size is not None and attachment.size > MAX_BYTES:
            raise TooLarge()  # don't download what we would refuse anyway
        voice = await self.voice_of(user_id)
        # Admitted before the download: a note that would be refused costs no bandwidth.
        async with self._speech.admit(user_id) as engine:
            try:
                data = await fetch(attachment)
            except FileTooLarge:
                raise TooLarge() from None
            except FileRefused:
                raise
            except Exception as error:  # the platform's file server failed us: say so, don't crash
                raise DownloadFailed() from error
            transcript, audio = await hear_attachment(
                data, attachment.content_type, attachment.name, engine, titles, voice
            )
            return replace(read_transcript(transcript), pcm=audio.pcm, sample_rate=audio.sample_rate)

    async def voice_of(self, user_id: str) -> str | None:
        """The user's learned voice, for the engine (None: heard as anyone's)."""
        return await self._learning.voice_of(user_id) if self._learning else None

    def ran(self, user_id: str, heard: Heard) -> None:
        """The note's command runs as heard: its words are what it said (voice learning)."""
        if self._learning is not None:
            self._learning.ran(user_id, heard.pcm, heard.sample_rate, heard.transcript.text)

    def asking(self, user_id: str, heard: Heard, proposal: str) -> None:
        """The note is asked about. Only a question that says back the words heard can confirm
        them: "did you mean <another command>?" says nothing of what was said."""
        if self._learning is not None and proposal == heard.text:
            self._learning.asked(user_id, heard.pcm, heard.sample_rate, heard.transcript.text)

    def answered(self, user_id: str, yes: bool) -> None:
        if self._learning is not None:
            self._learning.confirmed(user_id, yes)

    async def learning_switch(self, turn: Turn, args: str) -> list[Reply]:
        """'voice learning [on|off]'."""
        learning = self._learning
        if learning is None or not learning.on:
            return [Reply(NOT_LEARNING, kind="voice_learning")]
        word = args.strip().lower().rstrip(".!")
        if word in ("off", "no", "stop"):
            await learning.turn_off(turn.user_id)
            return [Reply(LEARNING_OFF, kind="voice_learning")]
        if word in ("on", "yes", "start"):
            await learning.turn_on(turn.user_id)
            return [Reply(LEARNING_ON, kind="voice_learning")]
        on, notes = await learning.status(turn.user_id)
        if not on:
            return [Reply(LEARNING_IS_OFF, kind="voice_learning")]
        return [
            Reply(
                f"Voice learning is on: I've learned from {_notes(notes)} of your voice notes. "
                "Say 'voice learning off' to stop and forget them.",
                kind="voice_learning",
            )
        ]

    @staticmethod
    def heard(heard: Heard) -> Reply:
        return Reply(f'Heard: "{heard.text}"', kind="heard")

    @staticmethod
    def proposal(heard: Heard) -> str:
        """The command to propose for a transcript not clean enough to act on: what was heard
        when the doubt is about acting on it, else the parser's suggestion."""
        suggestion = getattr(heard.command, "suggestion", None)
        if heard.doubt in ("destructive", "title") or suggestion is None:
            return heard.text
        return suggestion

    @staticmethod
    def confirm(heard: Heard, proposal: str, question: str) -> Reply:
        """The question with Yes/No buttons that answer ``question``: what was heard, said back
        in full, so a mishearing shows before anything happens."""
        if heard.doubt == "destructive":
            text, yes = f"I heard '{heard.text}'. Do that?", "Yes"
        elif heard.doubt == "title":
            text, yes = f"I heard '{heard.text}'. Add it?", "Yes"
        else:
            text, yes = f'Heard: "{heard.text}". Did you mean *{proposal}*?', "Yes, do it"
        return yes_no(question, text, yes)


NOT_LEARNING = (
    "Your voice notes are heard by a speech service that doesn't learn voices, so there is nothing to switch."
)
LEARNING_IS_OFF = "Voice learning is off. Say 'voice learning on' to let your voice notes teach me your voice."
LEARNING_OFF = "Voice learning off: I forgot what I had learned of your voice and won't learn it again."
LEARNING_ON = (
    "Voice learning on: each voice note I run, or that you confirm, teaches me your voice. "
    "What I keep is a summary of its sound, not the audio."
)


def _notes(notes: float) -> str:
    """The count of notes learned, as a person would say it (older ones weigh less, so it is a sum)."""
    count = round(notes)
    return "no" if count == 0 else "one" if count == 1 else str(count)
