"""Voice learning's parts with the real pocketsphinx model: the front end we call matches the
decoder's, the model files read right, the stored sums survive a round trip and refuse damage,
and notes of a robotic voice make the engine hear that voice's held-out clips better."""

from __future__ import annotations

import base64
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


def sample_stats(notes: float = 4.5) -> VoiceStats:
    rng = np.random.default_rng(1)
    g = rng.normal(size=(3, 13, 14, 14))
    occupancy = np.zeros(adaptation.GAUSSIANS)
    occupancy[3, 1, 7] = 12.5
    occupancy[40, 2, 127] = 0.75
    first = np.zeros((*adaptation.GAUSSIANS, 13))
    first[3, 1, 7] = rng.normal(size=13) * 12.5
    first[40, 2, 127] = rng.normal(size=13) * 0.75
    return VoiceStats(g + g.transpose(0, 1, 3, 2), rng.normal(size=(3, 13, 14)), notes, occupancy, first)


def test_learned_sums_round_trip_and_damaged_records_are_refused():
    stats = sample_stats()
    again = VoiceStats.from_text(stats.to_text())
    assert np.array_equal(again.g, stats.g) and np.array_equal(again.k, stats.k) and again.notes == 4.5
    assert np.array_equal(again.occupancy, stats.occupancy)
    assert np.allclose(again.first, stats.first, rtol=1e-3, atol=1e-3)  # frame means kept as float16

    text = stats.to_text()
    nan = sample_stats()
    nan.k[0, 0, 0] = np.nan
    raw = base64.b64decode(text)
    count_at = len(adaptation.MAGIC) + 8 * (1 + 3 * 13 * (105 + 14))
    doubled = raw[: count_at + 4] + raw[count_at + 4 : count_at + 6] * 2 + raw[count_at + 8 :]  # one index twice
    outside = raw[: count_at + 4] + (60000).to_bytes(2, "little") + raw[count_at + 6 :]  # no such Gaussian
    for damaged in (
        text[:-8],
        "not base64!",
        "",
        sample_stats(notes=-1).to_text(),
        nan.to_text(),
        "QUJD" + text[4:],
        base64.b64encode(doubled).decode(),
        base64.b64encode(outside).decode(),
    ):
        with pytest.raises(ValueError):
            VoiceStats.from_text(damaged)


def test_gaussians_heard_too_little_are_not_stored():
    stats = sample_stats()
    stats.occupancy[0, 0, 0] = adaptation.KEPT / 2
    stats.first[0, 0, 0] = 1.0
    again = VoiceStats.from_text(stats.to_text())
    assert again.occupancy[0, 0, 0] == 0 and not again.first[0, 0, 0].any()
    assert again.occupancy[3, 1, 7] == 12.5


def test_no_adaptation_until_a_few_notes_and_no_evidence_changes_nothing():
    model = AcousticModel.load(MODEL)
    assert VoiceStats(notes=2).adapted_means(model) is None
    assert not VoiceStats(notes=2).ready
    adapted = VoiceStats(notes=adaptation.MIN_NOTES).adapted_means(model)
    assert adapted is not None and np.allclose(adapted, model.means)


def test_a_learned_voice_is_read_back_by_pocketsphinx_as_its_means(recognizer, tmp_path):
    """The means file we write is one pocketsphinx loads, and its means are the ones used: the
    model's own means written back hear a note as the model does, means moved far do not."""
    model = AcousticModel.load(MODEL)
    pcm = pcm_of("voice-message.ogg")
    (tmp_path / "same").write_bytes(adaptation.means_file(MODEL, model.means))
    assert Recognizer(mean=str(tmp_path / "same")).load().recognize(pcm) == recognizer.recognize(pcm)

    moved = model.means.copy()
    moved[:, 0] += 8.0  # every cepstral mean far off: the words' scores fall
    (tmp_path / "moved").write_bytes(adaptation.means_file(MODEL, moved))
    heard = Recognizer(mean=str(tmp_path / "moved")).load().recognize(pcm)
    assert (heard.confidence or 0) < (recognizer.recognize(pcm).confidence or 0)


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
        learned = recognizer.learn(pcm_of(note["file"]), note["text"], stats.to_text() if stats.ready else None)
        if learned is not None:
            stats = stats.learned(VoiceStats.from_text(learned))
    assert stats.notes > 10 and stats.ready
    voice = stats.to_text()

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
