"""Voice learning's parts with the real pocketsphinx model: the front end we call matches the
decoder's, the model files read right, the stored sums survive a round trip and refuse damage,
and notes of a robotic voice make the engine hear that voice's held-out clips better."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.voice import adaptation, frontend, language_model
from bot.voice.adaptation import AcousticModel, VoiceStats
from bot.voice.decode import decode_audio
from bot.voice.offline import Recognizer
from bot.voice.scoring import same_command
from tools.voice_clips import FIXTURES

MODEL = language_model.model_dir() / "en-us"


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer().load()


def pcm_of(name: str) -> bytes:
    return decode_audio((FIXTURES / name).read_bytes()).pcm


def manifest() -> dict:
    return json.loads((FIXTURES / "manifest.json").read_text())


def test_our_front_end_gives_the_decoder_the_frames_it_computes_itself(recognizer):
    settings = frontend.model_settings((MODEL / "feat.params").read_text())
    decoder = recognizer._decoder
    for name in ("voice-message.ogg", "heldout-26b.wav", "learn-03.ogg"):
        pcm = pcm_of(name)
        heard = recognizer.recognize(pcm)
        cepstra = frontend.cepstra(pcm, settings, Recognizer.DECODER_CONFIG)
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_cep(cepstra.astype(np.float32).tobytes(), full_utt=True)
        decoder.end_utt()
        assert decoder.hyp().hypstr == heard.text != ""


def test_the_model_files_read_as_pocketsphinx_reads_them():
    model = AcousticModel.load(MODEL)
    assert model.phones[:3] == ("+NSN+", "+SPN+", "AA") and "SIL" in model.phones
    assert model.means.shape == (len(model.phones), 3, 128, 13) == model.variances.shape
    # Each senone's mixture weights are a distribution: the 8-bit scale is read right.
    totals = np.exp(model.log_weights).sum(axis=1)
    assert np.allclose(totals, 1.0, atol=0.1)


def test_learned_sums_round_trip_and_damaged_records_are_refused():
    rng = np.random.default_rng(1)
    g = rng.normal(size=(3, 13, 14, 14))
    stats = VoiceStats(g + g.transpose(0, 1, 3, 2), rng.normal(size=(3, 13, 14)), 4.5)
    again = VoiceStats.from_text(stats.to_text())
    assert np.array_equal(again.g, stats.g) and np.array_equal(again.k, stats.k) and again.notes == 4.5

    text = stats.to_text()
    nan = VoiceStats(stats.g.copy(), stats.k.copy(), 1.0)
    nan.k[0, 0, 0] = np.nan
    for damaged in (text[:-8], "not base64!", "", VoiceStats(notes=-1).to_text(), nan.to_text(), "QUJD" + text[4:]):
        with pytest.raises(ValueError):
            VoiceStats.from_text(damaged)


def test_no_transform_until_a_few_notes_and_no_evidence_changes_nothing():
    assert VoiceStats(notes=2).mllr() is None
    rows = VoiceStats(notes=adaptation.MIN_NOTES).transform()
    assert rows is not None
    identity = np.concatenate([np.zeros((13, 1)), np.eye(13)], axis=1)
    assert all(np.allclose(stream, identity) for stream in rows)


def test_a_note_whose_words_cannot_be_lined_up_teaches_nothing(recognizer):
    pcm = pcm_of("learn-03.ogg")  # "water two cups"
    assert recognizer.learn(pcm, "water two cups") is not None
    assert recognizer.learn(pcm, "zzyzx qwerty") is None  # no pronunciation
    assert recognizer.learn(b"", "water two cups") is None


def test_a_robotic_voice_is_heard_better_after_its_earlier_notes_are_learned(recognizer):
    """Thirteen earlier notes of the espeak-ng en-us voice (everyday commands, no held-out
    phrase), then the held-out clips of that voice: one misheard before is heard right after,
    and none heard right before is lost."""
    data = manifest()
    stats = VoiceStats()
    for note in data["learning"]:
        learned = recognizer.learn(pcm_of(note["file"]), note["text"])
        if learned is not None:
            stats = stats.learned(VoiceStats.from_text(learned))
    assert stats.notes > 10
    voice = stats.mllr()
    assert voice is not None

    clips = [
        (phrase["text"], clip["file"])
        for phrase in data["phrases"]
        for clip in phrase["clips"]
        if clip["voice"] == "espeak:en-us"
    ]
    before = {name for text, name in clips if same_command(text, recognizer.recognize(pcm_of(name)).text)}
    after = {name for text, name in clips if same_command(text, recognizer.recognize(pcm_of(name), voice=voice).text)}
    assert before < after  # heldout-31b "i had a glass of water" was heard "i took a glass of water"
    assert "heldout-31b.webm" in after - before
