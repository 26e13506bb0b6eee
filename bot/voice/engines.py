"""Speech-to-text engines behind one interface, and the choice between them by settings.

``SpeechToText.transcribe`` takes 16 kHz mono 16-bit PCM (what ``decode.decode_audio`` makes) and
returns a ``Transcript``. Azure Speech (``azure_speech``) is used when both ``AZURE_SPEECH_KEY``
and ``AZURE_SPEECH_REGION`` are set; otherwise the embedded pocketsphinx engine (``offline``),
which needs no network and listens with a language model built from the command language.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.voice.audio_format import SAMPLE_RATE
from domain.errors import Unavailable

log = logging.getLogger("avanochi.voice")


@dataclass(frozen=True)
class Word:
    text: str  # lower case, as the engine spells it
    confidence: float | None  # 0..1, None when the engine gave this word no score


@dataclass(frozen=True)
class Transcript:
    text: str  # the words as the engine heard them, no final punctuation; "" when it heard nothing
    confidence: float | None  # 0..1, None when the engine gives no score
    engine: str
    # Each word with its own score, where the engine gives one (empty otherwise): a task title
    # is judged by its own words, not by the command words around it.
    words: tuple[Word, ...] = ()

    def word_confidence(self, word: str) -> float | None:
        """The engine's score for a word of the transcript (the best, if it was heard twice);
        None when the engine gave no score for it or the word is not one it heard as such."""
        scores = [w.confidence for w in self.words if w.text == word.lower() and w.confidence is not None]
        return max(scores) if scores else None


class SpeechUnavailable(Unavailable):
    """The engine failed (service down, worker crashed); the user may type the command instead."""

    def __init__(self, reason: str = "my speech recognition isn't working right now") -> None:
        super().__init__(f"{reason}. Please type the command instead.")


@runtime_checkable
class SpeechToText(Protocol):
    name: str

    async def transcribe(self, pcm: bytes, sample_rate: int = SAMPLE_RATE, hints: Sequence[str] = ()) -> Transcript:
        """The words of the note. ``hints``: the user's open task titles, which an engine with a
        closed vocabulary uses to hear title words it would not know otherwise."""
        ...

    async def warm_up(self) -> None:
        """Load what the first note would otherwise wait for (call at start-up, in the background)."""

    async def close(self) -> None:
        """Release workers and connections (call when the app stops)."""


async def transcribe_with(
    engine: SpeechToText, pcm: bytes, sample_rate: int, hints: Sequence[str], voice: str | None = None
) -> Transcript:
    """``engine.transcribe``, handing over ``hints`` only when there are some, and the user's
    learned ``voice`` only to an engine that ``learns_voices``: an engine written before either
    existed (a test double, a wrapper, Azure) keeps working."""
    extra: dict[str, object] = {}
    if hints:
        extra["hints"] = hints
    if voice and learns_voices(engine):
        extra["voice"] = voice
    return await engine.transcribe(pcm, sample_rate, **extra)  # type: ignore[arg-type]


def learns_voices(engine: object) -> bool:
    """Whether the engine can learn a user's voice (``learn``) and listen with it (``voice``)."""
    return bool(getattr(engine, "learns_voices", False))


def build_speech_to_text(azure_key: str | None = None, azure_region: str | None = None) -> SpeechToText:
    """Azure Speech when both of its settings are given, else the offline engine.

    One half of the Azure settings alone is a configuration mistake: it is logged, and the
    offline engine is used rather than failing every voice note. Nothing is loaded here:
    both engines import their SDK and models on first use or ``warm_up``."""
    if azure_key and azure_region:
        from bot.voice.azure_speech import AzureSpeechEngine  # the Azure SDK is optional

        return AzureSpeechEngine(azure_key, azure_region)
    if azure_key or azure_region:
        log.warning("AZURE_SPEECH_KEY and AZURE_SPEECH_REGION must both be set; using the offline engine")
    from bot.voice.offline import PocketsphinxEngine

    return PocketsphinxEngine()
