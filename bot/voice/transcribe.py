"""The voice-note flow: attachment bytes -> PCM -> transcript -> the parser's reading of it,
and whether that reading is sure enough to run without asking the user first.

Channel-neutral: adapters download the attachment and hand over the bytes with what the
platform said about them; dialogs get a ``Heard`` and either run its command or ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from bot.language.arguments import parse_new_task
from bot.language.matching import meaningful_words
from bot.language.parser import Command, NotUnderstood, parse
from bot.voice.decode import AudioError, DecodedAudio, NotAudio, decode_audio_async
from bot.voice.engines import SpeechToText, Transcript, transcribe_with

# Below this the dialog asks "Did you mean ...?" with buttons. The engines' confidence is the
# geometric mean of word posteriors (pocketsphinx) or Azure's NBest confidence. 0.6 was chosen on
# clips of training sentences (not the held-out set): 3.7% of the commands it lets through are
# wrong (against 14% with no threshold) while half of the ones it stops were right.
CONFIDENCE_THRESHOLD = 0.6
# A spoken "yes" answers "delete all your data?": a mishearing there costs most.
STRICTER_THRESHOLDS = {"yes": 0.85}

# Commands that end, delete or overwrite something: a mishearing into one of them loses the
# user's work or settings, where any other command costs at most an extra entry to undo.
# Ends: done (a task), stop (the work session), focus_stop / focus_cancel (a focus session),
# and interrupted, which marks the running focus session against its record.
# Deletes: delete, delete_data, token_revoke, and undo (it takes back the last change).
# Overwrites: edit and due (a task's title or date), timezone / hours / quiet / days (the
# profile), remind / pause and "reminders on|off" (when and whether reminders come).
# Not here: add, start, focus, water, break, lunch, snooze (they add a record or start
# something and leave what exists alone), token and export (they hand something over),
# every read-only command, and yes/no (yes has its own threshold above; no changes nothing).
DESTRUCTIVE = frozenset(
    {
        "done",
        "stop",
        "focus_stop",
        "focus_cancel",
        "interrupted",
        "delete",
        "delete_data",
        "token_revoke",
        "undo",
        "edit",
        "due",
        "timezone",
        "hours",
        "quiet",
        "days",
        "remind",
        "pause",
    }
)
# Read-only alone, an overwrite with one of these ("voice learning off" forgets the user's voice).
SWITCHES = {"reminders": ("on", "off"), "voice_learning": ("on", "off")}
# A destructive command from voice runs without asking only at or above this confidence; below
# it the bot asks "I heard 'stop focus'. Do that?". Measured on the 96 held-out clips with the
# offline engine (``python -m bench.voice_confirm``, bench/VOICE.md; the model of that time, today's
# numbers are there too: still none of the wrong ones runs): 24 transcripts read as a
# destructive command, 3 of them wrong. At 0.6, 1 of the 3 wrong ones would run and 3 of the
# 21 right ones need a tap; at 0.85, 1 and 10; at 0.9, none and 11 (52%); at 0.95, none and 13.
# Of all 10 wrong commands of any kind, 0.9 is the lowest threshold that lets none through
# (0.85 lets one). An engine that gives no confidence is not "very sure": it is asked too.
DESTRUCTIVE_THRESHOLD = 0.9
# A voice ``add`` creates its task without asking only when a meaningful word of its title (not
# an article, preposition or time word) was heard with at least this word confidence. Measured
# (``python -m bench.voice_confirm``, bench/VOICE.md) on 61 clips made by putting a clear "add
# task" before each other held-out clip, so that the title is words the speaker did or did not
# say: at 0.8, 1 of 6 titles with no word the speaker said is created (its "team" scored 0.96)
# and 5 of 55 said titles are asked about; 0.75 lets 2 of 6 through, 0.9 asks about 8 of 55.
# Of the 28 real clips read as ``add``, 0.8 asks about 1 of 27 titles with a said word ("fix
# the prepare read the office") and the one title with none ("by two hours form emma").
TITLE_FLOOR = 0.8

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
    # Why it is not clean, which decides the question: "unsure" (a guess, or low confidence),
    # "destructive" (it would end, delete or overwrite something and the engine is not very
    # sure) or "title" (an add whose title has no well-heard word). None when clean.
    doubt: Literal["unsure", "destructive", "title"] | None = None
    pcm: bytes = field(default=b"", repr=False)  # the note's audio, for voice learning (learning.py)
    sample_rate: int = 16000

    @property
    def needs_confirmation(self) -> bool:
        return not self.clean


def is_audio_attachment(content_type: str | None, name: str | None) -> bool:
    """Whether an attachment is worth downloading as a voice note (adapters skip the rest)."""
    kind = _media_type(content_type)
    return kind.startswith(AUDIO_TYPES) or (_has_audio_suffix(name) and not kind.startswith(NOT_AUDIO_TYPES))


async def transcribe_attachment(
    data: bytes, content_type: str | None, name: str | None, engine: SpeechToText, hints: Sequence[str] = ()
) -> Transcript:
    """The words of a voice note. Raises an ``AudioError`` (a ``ValidationError`` with a message for
    the user) when it is not audio, is damaged, empty, too long or too large, or holds no words.
    ``hints``: the user's open task titles (see ``SpeechToText.transcribe``)."""
    return (await hear_attachment(data, content_type, name, engine, hints))[0]


async def hear_attachment(
    data: bytes,
    content_type: str | None,
    name: str | None,
    engine: SpeechToText,
    hints: Sequence[str] = (),
    voice: str | None = None,
) -> tuple[Transcript, DecodedAudio]:
    """``transcribe_attachment``, with the decoded audio (which voice learning learns from) and
    the user's learned ``voice`` handed to the engine."""
    if _media_type(content_type).startswith(NOT_AUDIO_TYPES) and not _has_audio_suffix(name):
        # A PDF or a photo: say so without feeding it to FFmpeg.
        raise NotAudio(f"'{name}'" if name else "that file")
    audio = await decode_audio_async(data)
    transcript = await transcribe_with(engine, audio.pcm, audio.sample_rate, hints, voice)
    if not transcript.text.strip():
        raise NothingHeard()
    return transcript, audio


def read_transcript(transcript: Transcript, threshold: float = CONFIDENCE_THRESHOLD) -> Heard:
    """The parser's reading of a transcript, and whether it is clean: a command (not a guess)
    heard with at least ``threshold`` confidence, ``DESTRUCTIVE_THRESHOLD`` for a command that
    ends, deletes or overwrites something, and for an ``add`` a title with a word heard above
    ``TITLE_FLOOR``. An engine that gives no confidence is trusted as far as the parser is,
    except for destructive commands."""
    text = typed_form(transcript.text)
    command = parse(text) if text else NotUnderstood("")
    if not isinstance(command, Command):
        return Heard(transcript, text, command, clean=False, doubt="unsure")
    confidence = transcript.confidence
    if is_destructive(command) and (confidence is None or confidence < max(threshold, DESTRUCTIVE_THRESHOLD)):
        return Heard(transcript, text, command, clean=False, doubt="destructive")
    needed = max(threshold, STRICTER_THRESHOLDS.get(command.name, 0.0))
    if confidence is not None and confidence < needed:
        return Heard(transcript, text, command, clean=False, doubt="unsure")
    if command.name == "add" and not title_was_heard(command, transcript):
        return Heard(transcript, text, command, clean=False, doubt="title")
    return Heard(transcript, text, command, clean=True)


def is_destructive(command: Command) -> bool:
    """Whether the command ends, deletes or overwrites something (see ``DESTRUCTIVE``)."""
    if command.name in DESTRUCTIVE:
        return True
    return command.args.strip().lower() in SWITCHES.get(command.name, ())


def title_was_heard(command: Command, transcript: Transcript) -> bool:
    """Whether the title of an ``add`` has a meaningful word (any word, if it has none) that
    the engine heard with at least ``TITLE_FLOOR`` confidence. True when the engine scored none
    of the title's words (no per-word scores, or words it spelled another way): nothing to judge by."""
    title = parse_new_task(command.args).title
    words = meaningful_words(title) or tuple(title.lower().split())
    scores = [score for score in map(transcript.word_confidence, words) if score is not None]
    return not scores or max(scores) >= TITLE_FLOOR


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
