"""The learned-voice record on both stores: notes add up, two notes learned at once both count
(ETags), an unreadable record starts afresh, and a user erased meanwhile gets nothing written."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from bot.voice.adaptation import VoiceStats
from bot.voice.learning import VoiceLearning
from persistence.voice_profiles import DOC_ID, VoiceProfiles


def adding(note: VoiceStats):
    def add(stored: str | None) -> tuple[str, float]:
        total = (VoiceStats.from_text(stored) if stored else VoiceStats()).learned(note)
        return total.to_text(), total.notes

    return add


async def a_user(store, user_id: str = "console:ana") -> str:
    await store.upsert({"id": user_id, "user_id": user_id, "type": "user", "name": "Ana"})
    return user_id


async def test_notes_add_up_and_concurrent_ones_both_count(store):
    profiles = VoiceProfiles(store)
    user = await a_user(store)
    note = VoiceStats(notes=1.0)
    note.k[0, 0, 0] = 2.0

    assert await profiles.get(user) is None
    results = await asyncio.gather(*(profiles.learn(user, adding(note)) for _ in range(2)))
    assert results == [True, True]
    assert await profiles.learn(user, adding(note))

    stored = VoiceStats.from_text(await profiles.get(user) or "")
    assert stored.notes == pytest.approx(1 + 0.98 + 0.98**2)
    assert stored.k[0, 0, 0] == pytest.approx(2 * (1 + 0.98 + 0.98**2))


async def test_a_user_erased_meanwhile_gets_no_record_and_forgetting_drops_it(store):
    profiles = VoiceProfiles(store)
    user = await a_user(store)
    assert await profiles.learn(user, adding(VoiceStats(notes=1.0)))
    assert await profiles.forget(user)
    assert await profiles.get(user) is None
    assert not await profiles.forget(user)

    await store.delete_partition(user)
    assert not await profiles.learn(user, adding(VoiceStats(notes=1.0)))
    assert await profiles.get(user) is None


class LearningEngine:
    """An engine that learns: every note adds one note of no evidence."""

    name = "learning"
    learns_voices = True

    async def learn(self, pcm: bytes, sample_rate: int, text: str, voice: str | None = None) -> str:
        return VoiceStats(notes=1.0).to_text()


async def test_an_unreadable_record_is_heard_as_no_voice_and_learning_starts_afresh(store):
    user = await a_user(store)
    await store.upsert({"id": DOC_ID, "user_id": user, "type": "voice", "notes": 9, "stats": "damaged"})
    learning = VoiceLearning(LearningEngine(), VoiceProfiles(store))  # type: ignore[arg-type]
    assert await learning.voice_of(user) is None

    for _ in range(3):
        learning.ran(user, b"\0\0" * 1600, 16000, "water two cups")
        await learning.drain()

    assert VoiceStats.from_text(await VoiceProfiles(store).get(user) or "").notes == pytest.approx(1 + 0.98 + 0.98**2)
    assert VoiceStats.from_text(await learning.voice_of(user) or "").ready


async def test_the_largest_record_fits_and_reads_back(store):
    """Every Gaussian heard: the most a record can hold (about 700 kB), well under Cosmos DB's
    2 MB per document."""
    from bot.voice import adaptation

    rng = np.random.default_rng(2)
    occupancy = rng.uniform(1, 50, size=adaptation.GAUSSIANS)
    first = rng.normal(size=(*adaptation.GAUSSIANS, 13)) * occupancy[..., None]
    full = VoiceStats(notes=40.0, occupancy=occupancy, first=first)
    profiles = VoiceProfiles(store)
    user = await a_user(store)

    assert await profiles.learn(user, lambda stored: (full.to_text(), full.notes))

    stored = await profiles.get(user)
    assert stored is not None and len(stored) < 1_000_000
    assert np.allclose(VoiceStats.from_text(stored).occupancy, occupancy, rtol=1e-6)


async def test_a_long_note_teaches_nothing_and_holds_no_audio(store):
    """A minute of audio would hold the shared worker for seconds: only command-length notes teach."""
    from bot.voice import learning as voice_learning

    user = await a_user(store)
    learning = VoiceLearning(LearningEngine(), VoiceProfiles(store))  # type: ignore[arg-type]
    long_note = b"\0\0" * int(16000 * (voice_learning.MAX_SECONDS + 1))

    learning.ran(user, long_note, 16000, "water two cups")
    learning.asked(user, long_note, 16000, "water two cups")
    learning.confirmed(user, yes=True)
    await learning.drain()
    assert await VoiceProfiles(store).get(user) is None

    learning.ran(user, b"\0\0" * 16000, 16000, "water two cups")
    await learning.drain()
    assert await VoiceProfiles(store).get(user) is not None


async def test_a_yes_long_after_the_question_teaches_nothing(store, monkeypatch):
    """The note's audio waits for its answer a quarter of an hour at most."""
    from bot.voice import learning as voice_learning

    user = await a_user(store)
    learning = VoiceLearning(LearningEngine(), VoiceProfiles(store))  # type: ignore[arg-type]
    learning.asked(user, b"\0\0" * 16000, 16000, "stop focus")
    later = voice_learning.time.monotonic() + voice_learning.PENDING_FOR + 1
    monkeypatch.setattr(voice_learning.time, "monotonic", lambda: later)

    learning.confirmed(user, yes=True)
    await learning.drain()
    assert await VoiceProfiles(store).get(user) is None


async def test_only_a_question_that_says_back_the_words_heard_teaches_when_answered_yes(store):
    """'Did you mean *done 3*?' over a note heard 'dumb three' proposes other words than were
    heard: a Yes to it says nothing of what the note said. 'I heard ... Do that?' does."""
    from bot.dialogs.voice import VoiceDialog
    from bot.language.parser import NotUnderstood
    from bot.voice.engines import Transcript
    from bot.voice.queue import SpeechQueue
    from bot.voice.transcribe import Heard

    user = await a_user(store)
    engine = LearningEngine()
    learning = VoiceLearning(engine, VoiceProfiles(store))  # type: ignore[arg-type]
    dialog = VoiceDialog(SpeechQueue(engine), learning)  # type: ignore[arg-type]
    heard = Heard(
        Transcript("dumb three", 0.4, engine.name),
        "dumb three",
        NotUnderstood("dumb three"),
        clean=False,
        doubt="unsure",
        pcm=b"\0\0" * 16000,
    )

    dialog.asking(user, heard, "done 3")
    dialog.answered(user, yes=True)
    await learning.drain()
    assert await VoiceProfiles(store).get(user) is None

    dialog.asking(user, heard, heard.text)
    dialog.answered(user, yes=True)
    await learning.drain()
    assert await VoiceProfiles(store).get(user) is not None
