"""Voice learning: each user's notes teach the offline engine their voice (bot/voice/adaptation.py).

A note teaches only once we know what it said: its command ran without a question, or the user
pressed Yes on "I heard '...'. Do that?". A note that was asked about and not confirmed (No, or
no answer) teaches nothing: a mishearing must never be learned as the truth.

Best effort and off the turn's path, like the focus status: the reply goes out first, then the
note is aligned in the engine's worker (about 0.3 s a note) and added to the user's record. A
failure is logged and forgotten. The audio of a note asked about waits in memory for the answer
(at most ``PENDING_NOTES`` notes, ``PENDING_FOR``); an answer on another instance, or after a
restart, teaches nothing, which is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from bot.background import BackgroundWork
from bot.voice.adaptation import VoiceStats
from bot.voice.engines import SpeechToText, learns_voices
from persistence.voice_profiles import VoiceProfiles

log = logging.getLogger("avanochi.voice")

MAX_PENDING_WORK = 32  # notes waiting to be learned; past it new ones are skipped
# Commands are short (median 1.6 s). A long note would hold the shared worker for seconds
# (0.27 s of alignment per 1.7 s of audio) and its audio would sit in memory: not learned from.
MAX_SECONDS = 15.0
# Notes waiting for a Yes, across users (at most 64 x 15 s of 16-bit audio: 31 MB).
PENDING_NOTES = 64
PENDING_FOR = 15 * 60.0  # seconds a note waits for its Yes


class VoiceLearning:
    def __init__(self, engine: SpeechToText, profiles: VoiceProfiles) -> None:
        self._engine = engine
        self._profiles = profiles
        self._background = BackgroundWork(log, "voice note learning", MAX_PENDING_WORK)
        self._asked: OrderedDict[str, tuple[float, bytes, int, str]] = OrderedDict()
        self._one_at_a_time = asyncio.Lock()  # the worker is shared with everyone's notes

    @property
    def on(self) -> bool:
        return learns_voices(self._engine)

    async def voice_of(self, user_id: str) -> str | None:
        """The user's learned voice as the engine takes it (``VoiceStats.to_text``); None until a
        few notes were learned, for engines that don't learn, and whenever the record can't be read."""
        if not self.on:
            return None
        try:
            stored = await self._profiles.get(user_id)
            return stored if stored and VoiceStats.from_text(stored).ready else None
        except Exception as error:  # a damaged record, a store hiccup: hear the note as anyone's
            log.warning("learned voice not read", extra={"error": type(error).__name__})
            return None

    def ran(self, user_id: str, pcm: bytes, sample_rate: int, words: str) -> None:
        """A note whose command ran as heard: learn from it."""
        if self._worth_learning(pcm, sample_rate, words):
            self._background.later(self._learn(user_id, pcm, sample_rate, words))

    def asked(self, user_id: str, pcm: bytes, sample_rate: int, words: str) -> None:
        """A note asked about: kept until the user answers (``confirmed``), one per user."""
        if not self._worth_learning(pcm, sample_rate, words):
            return
        self._asked.pop(user_id, None)
        self._asked[user_id] = (time.monotonic() + PENDING_FOR, pcm, sample_rate, words)
        while len(self._asked) > PENDING_NOTES:
            self._asked.popitem(last=False)

    def confirmed(self, user_id: str, yes: bool) -> None:
        """The answer to the question about the user's last note."""
        kept = self._asked.pop(user_id, None)
        if yes and kept is not None and kept[0] > time.monotonic():
            _, pcm, sample_rate, words = kept
            self._background.later(self._learn(user_id, pcm, sample_rate, words))

    def _worth_learning(self, pcm: bytes, sample_rate: int, words: str) -> bool:
        return self.on and bool(words.strip()) and len(pcm) / 2 / sample_rate <= MAX_SECONDS

    async def status(self, user_id: str) -> tuple[bool, float]:
        """Whether the user's notes teach the engine, and how many it holds (older ones weigh less)."""
        return await self._profiles.status(user_id)

    async def turn_off(self, user_id: str) -> None:
        """'voice learning off': forget the user's voice and learn no more of it."""
        self._asked.pop(user_id, None)
        await self._profiles.turn_off(user_id)

    async def turn_on(self, user_id: str) -> bool:
        """'voice learning on': learn again, from nothing. True when it was off."""
        return await self._profiles.turn_on(user_id)

    async def drain(self) -> None:
        """Wait for the learning scheduled so far (at shutdown, and in tests)."""
        await self._background.drain()

    async def _learn(self, user_id: str, pcm: bytes, sample_rate: int, words: str) -> None:
        known = await self.voice_of(user_id)  # the note is heard as the model adapted so far hears it
        async with self._one_at_a_time:
            learned = await self._engine.learn(pcm, sample_rate, words, known)  # type: ignore[attr-defined]
        if learned is None:
            return  # the words could not be lined up with the audio
        note = VoiceStats.from_text(learned)

        def add(stored: str | None) -> tuple[str, float]:
            try:
                known = VoiceStats.from_text(stored) if stored else VoiceStats()
            except ValueError:
                known = VoiceStats()  # unreadable: start afresh rather than never learn again
            total = known.learned(note)
            return total.to_text(), total.notes

        await self._profiles.learn(user_id, add)
