"""Which speech engine the settings choose, the offline engine's language model, and its worker
process (the Azure engine has its own tests: test_voice_azure.py)."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.voice import language_model, vocabulary
from bot.voice.decode import decode_audio
from bot.voice.engines import SpeechUnavailable, build_speech_to_text
from bot.voice.offline import PocketsphinxEngine, Recognizer
from bot.voice.transcribe import transcribe_attachment
from tools.voice_clips import FIXTURES, clips


@pytest.mark.parametrize("key, region", [(None, None), ("", ""), ("key", None), (None, "westeurope"), ("key", "")])
def test_offline_engine_unless_both_azure_settings_are_set(key, region) -> None:
    engine = build_speech_to_text(key, region)

    assert isinstance(engine, PocketsphinxEngine)
    assert engine.name == "pocketsphinx"


def test_choosing_the_offline_engine_loads_no_model_and_no_azure_sdk(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "bot.voice.azure_speech", raising=False)

    engine = build_speech_to_text(None, None)

    assert isinstance(engine, PocketsphinxEngine)
    assert engine._pool is None  # no worker until the first note or warm_up
    assert "bot.voice.azure_speech" not in sys.modules


def test_language_model_covers_the_command_language(tmp_path: Path) -> None:
    files = language_model.build(tmp_path)

    dictionary = {line.split()[0].split("(")[0] for line in files.dictionary.read_text().splitlines()}
    arpa = files.language_model.read_text()
    assert files.words == len(dictionary) > 300
    assert "\\data\\" in arpa and "ngram 3=" in arpa
    for phrase in ("add task", "clock in", "focus stop", "i drank", "snooze", "avanochi"):
        assert set(phrase.split()) <= dictionary, phrase
    # Every title word of the vocabulary can be heard, even one no template sentence used.
    assert set(" ".join(vocabulary.TITLE_OBJECTS + vocabulary.TITLE_VERBS).split()) <= dictionary


def test_the_training_sentences_are_the_same_on_every_start() -> None:
    assert vocabulary.sentences() == vocabulary.sentences()
    assert len(vocabulary.sentences()) > 2000


def test_offline_recognizer_refuses_audio_at_another_rate() -> None:
    with pytest.raises(ValueError):
        Recognizer().recognize(b"\0\0" * 800, sample_rate=8000)


async def test_offline_engine_recognizes_in_a_worker_process_and_keeps_the_loop_free() -> None:
    engine = PocketsphinxEngine()
    pcm = b"".join(
        decode_audio((FIXTURES / name).read_bytes()).pcm for _, name, _ in clips("heldout")[:16]
    )  # about 25 s of speech
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    try:
        await engine.warm_up()
        assert engine.worker_pids() and os.getpid() not in engine.worker_pids()
        task = asyncio.create_task(ticker())
        transcript = await engine.transcribe(pcm)
        task.cancel()
    finally:
        await engine.close()

    assert len(transcript.text.split()) > 30
    # pocketsphinx holds the GIL while it decodes; in a thread this gap was the whole decode.
    assert max(gaps) < 0.25


async def test_a_dead_worker_costs_one_note_not_the_engine() -> None:
    engine = PocketsphinxEngine()
    try:
        await engine.warm_up()
        for pid in engine.worker_pids():
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(SpeechUnavailable):
            await engine.transcribe(b"\0\0" * 16000)
        transcript = await engine.transcribe(decode_audio((FIXTURES / "voice-message.ogg").read_bytes()).pcm)
    finally:
        await engine.close()

    assert transcript.text == "add task call the bank"


async def test_the_worker_hears_a_users_own_task_title_handed_over_with_the_note() -> None:
    engine = PocketsphinxEngine()
    data = (FIXTURES / "hint-done-notary.ogg").read_bytes()
    try:
        with_task = await transcribe_attachment(data, "audio/ogg", "note.ogg", engine, ["Call the notary"])
        without = await transcribe_attachment(data, "audio/ogg", "note.ogg", engine)
    finally:
        await engine.close()

    assert with_task.text == "done call the notary"
    assert "notary" not in without.text


def test_a_note_is_expected_to_start_with_a_phrase_of_the_command_language(tmp_path: Path) -> None:
    from pocketsphinx import NGramModel

    files = language_model.build(tmp_path)
    model = NGramModel.readfile(str(files.language_model))
    hundredfold = math.log(100) / math.log(1.0001)  # the model's log base

    # Log probabilities, newest word first: "on" starts no command, "add" starts many.
    starts_with_on = model.prob(["on", "<s>"])
    on_anywhere = model.prob(["on"])
    assert starts_with_on < on_anywhere - hundredfold
    assert model.prob(["add", "<s>"]) > on_anywhere
