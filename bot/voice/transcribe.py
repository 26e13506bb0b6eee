"""The voice-note flow: attachment bytes -> PCM -> transcript -> the parser's reading of it,
and whether that reading is sure enough to run without asking the user first.

Channel-neutral: adapters download the attachment and hand over the bytes with what the
platform said about them; dialogs get a ``Heard`` and either run its command or ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.language.parser import Command, NotUnderstood, parse
from bot.voice.decode import AudioError, NotAudio, decode_audio_async
from bot.voice.engines import SpeechToText, Transcript

# Below this the dialog asks "Did you mean ...?" with buttons. The engines' confidence is the
# geometric mean of word posteriors (pocketsphinx) or Azure's NBest confidence. 0.6 was chosen on
# clips of training sentences (not the held-out set): 3.7% of the commands it lets through are
# wrong (against 14% with no threshold) while half of the ones it stops were right.
CONFIDENCE_THRESHOLD = 0.6
# A spoken "yes" answers "delete all your data?": a mishearing there costs most.
STRICTER_THRESHOLDS = {"yes": 0.85}

AUDIO_EXTENSIONS = {
    ".ogg",
    ".oga",
    ".opus",
    ".webm",
    ".weba",
    ".m4a",
    ".mp4",
    ".aac",
    ".mp3",
    ".wav",
    ".flac",
    ".amr",
    ".3gp",
    ".caf",
}
# Types platforms give audio (browsers record webm as video/webm; Slack's clips are audio/mp4).
AUDIO_TYPES = ("audio/", "video/webm", "video/mp4", "video/ogg", "application/ogg")
# Types that are surely something else. Anything not listed (octet-stream, Teams'
# application/vnd.microsoft.teams.file.download.info) is judged by its name, then its bytes.
NOT_AUDIO_TYPES = (
    "image/",
    "text/",
    "font/",
    "model/",
    "application/pdf",
    "application/zip",
    "application/json",
    "application/msword",
    "application/vnd.openxmlformats",
    "application/vnd.ms-",
)


class NothingHeard(AudioError):
    def __init__(self) -> None:
        super().__init__(
            "I couldn't make out any words in that voice note. Try again a little closer "
            "to the microphone, or type the command."
        )


@dataclass(frozen=True)
class Heard:
    transcript: Transcript
    text: str  # the transcript as typed text: what the parser read
    command: Command | NotUnderstood
    clean: bool  # sure enough to run without asking

    @property
    def needs_confirmation(self) -> bool:
        return not self.clean


def is_audio_attachment(content_type: str | None, name: str | None) -> bool:
    """Whether an attachment is worth downloading as a voice note (adapters skip the rest)."""
    kind = _media_type(content_type)
    return kind.startswith(AUDIO_TYPES) or (_has_audio_suffix(name) and not kind.startswith(NOT_AUDIO_TYPES))


async def transcribe_attachment(
    data: bytes, content_type: str | None, name: str | None, engine: SpeechToText
) -> Transcript:
    """The words of a voice note. Raises an ``AudioError`` (a ``ValidationError`` with a message for
    the user) when it is not audio, is damaged, empty, too long or too large, or holds no words."""
    if _media_type(content_type).startswith(NOT_AUDIO_TYPES) and not _has_audio_suffix(name):
        # A PDF or a photo: say so without feeding it to FFmpeg.
        raise NotAudio(f"'{name}'" if name else "that file")
    audio = await decode_audio_async(data)
    transcript = await engine.transcribe(audio.pcm, audio.sample_rate)
    if not transcript.text.strip():
        raise NothingHeard()
    return transcript


def read_transcript(transcript: Transcript, threshold: float = CONFIDENCE_THRESHOLD) -> Heard:
    """The parser's reading of a transcript, and whether it is clean: a command (not a guess)
    heard with at least ``threshold`` confidence. An engine that gives no confidence is trusted
    as far as the parser is."""
    text = typed_form(transcript.text)
    command = parse(text) if text else NotUnderstood("")
    if not isinstance(command, Command):
        return Heard(transcript, text, command, clean=False)
    needed = max(threshold, STRICTER_THRESHOLDS.get(command.name, 0.0))
    sure = transcript.confidence is None or transcript.confidence >= needed
    return Heard(transcript, text, command, clean=sure)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _has_audio_suffix(name: str | None) -> bool:
    return PurePosixPath(name or "").suffix.lower() in AUDIO_EXTENSIONS


def typed_form(spoken: str) -> str:
    """The transcript as a person would type it, where the parser's arguments need that.

    Number words stay words: ``bot.language.arguments`` reads them. Only what the recognizer
    spells its own way changes ("p.m." -> "pm", which the due-date reader looks for)."""
    text = re.sub(r"\b([ap])\.m\.", r"\1m", spoken.lower())
    return " ".join(text.split())
