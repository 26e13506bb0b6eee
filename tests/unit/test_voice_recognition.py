"""The offline engine hears the committed spoken commands as the commands they are.

The held-out clips were spoken from phrases that are not in the language model's training
sentences (tests/fixtures/voice/generate.py). Measured command accuracy: 75/96 (78%) overall,
flite voices 46/48, espeak-ng voices 29/48 (bench/VOICE.md); the thresholds below leave a margin.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.language.arguments import parse_new_task
from bot.language.matching import meaningful_words
from bot.language.parser import Command, parse
from bot.voice import vocabulary
from bot.voice.decode import decode_audio
from bot.voice.engines import Transcript
from bot.voice.offline import Recognizer
from bot.voice.scoring import command_key, same_command
from bot.voice.transcribe import is_destructive, read_transcript, title_was_heard
from tools.voice_clips import FIXTURES, clips

HELD_OUT = clips("heldout")


@pytest.fixture(scope="module")
def engine() -> Recognizer:
    # In this process, not the engine's worker: the same decoder, and the clips are many.
    return Recognizer().load()  # once for the module (about half a second)


@pytest.fixture(scope="module")
def heard(engine: Recognizer) -> dict[str, Transcript]:
    return {name: engine.recognize(decode_audio((FIXTURES / name).read_bytes()).pcm) for _, name, _ in HELD_OUT}


@pytest.mark.parametrize(
    "name",
    ["voice-message.ogg", "audio_message_0001.m4a", "voice-message.webm", "voice-message.wav", "voice-message.mp3"],
)
def test_a_clear_command_is_heard_word_for_word_from_every_container(engine, name) -> None:
    audio = decode_audio((FIXTURES / name).read_bytes())

    transcript = engine.recognize(audio.pcm)

    assert transcript.text == "add task call the bank"
    assert transcript.engine == "pocketsphinx"
    assert 0.0 < transcript.confidence <= 1.0


@pytest.mark.parametrize(
    "name, text",
    [
        ("heldout-22a.wav", "start focus for thirty five minutes"),
        ("heldout-29a.webm", "i drank two glasses of water"),
        ("heldout-41a.m4a", "remind water every forty minutes"),
    ],
)
def test_very_clear_held_out_clips_are_heard_exactly(heard, name, text) -> None:
    assert heard[name].text == text


def test_most_held_out_clips_are_heard_as_the_right_command(heard) -> None:
    right = [same_command(text, heard[name].text) for text, name, _ in HELD_OUT]

    # Measured 75/96 (0.78); the margin absorbs a different FFmpeg or pocketsphinx build.
    assert sum(right) / len(right) >= 0.70


def test_the_closer_to_a_person_the_voice_the_better_it_is_heard(heard) -> None:
    right: dict[str, list[bool]] = defaultdict(list)
    for text, name, voice in HELD_OUT:
        right[voice.split(":")[0]].append(same_command(text, heard[name].text))

    assert sum(right["flite"]) / len(right["flite"]) >= 0.85  # measured 46/48
    assert sum(right["espeak"]) / len(right["espeak"]) >= 0.50  # measured 29/48


def test_right_commands_are_heard_more_confidently_than_wrong_ones(heard) -> None:
    right: list[float] = []
    wrong: list[float] = []
    for text, name, _ in HELD_OUT:
        (right if same_command(text, heard[name].text) else wrong).append(heard[name].confidence or 0.0)

    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.2


def test_the_same_note_is_heard_the_same_whatever_came_before(engine) -> None:
    first = decode_audio((FIXTURES / "heldout-05a.m4a").read_bytes()).pcm
    other = decode_audio((FIXTURES / "heldout-13b.webm").read_bytes()).pcm

    before = engine.recognize(first)
    engine.recognize(other)

    assert engine.recognize(first) == before


def test_silence_is_heard_as_nothing(engine) -> None:
    transcript = engine.recognize(b"\0\0" * 16000)

    assert transcript.text == ""


def test_held_out_phrases_are_not_training_sentences() -> None:
    training = set(vocabulary.sentences())
    held_out = {text for text, _, _ in HELD_OUT}
    # Short closed commands ("clock in", "water three cups") are the language itself: any model of
    # it contains them. Every phrase with a task title must be new to the model, and so must be
    # well over a third of the set (bench/VOICE.md reports accuracy on the new ones apart).
    with_titles = {text for text in held_out if command_key(text)[0] in ("add", "edit")}

    assert len(with_titles) >= 12
    assert not with_titles & training
    assert len(held_out - training) >= 18


def test_held_out_references_are_all_commands() -> None:
    for text, _, _ in HELD_OUT:
        assert command_key(text) != ("not understood",), text


def test_each_word_of_a_note_carries_its_own_confidence(engine) -> None:
    transcript = engine.recognize(decode_audio((FIXTURES / "voice-message.wav").read_bytes()).pcm)

    assert " ".join(word.text for word in transcript.words) == transcript.text
    assert all(0.0 < (word.confidence or 0.0) <= 1.0 for word in transcript.words)
    assert transcript.word_confidence("bank") == pytest.approx(1.0, abs=0.01)


def test_no_misheard_destructive_command_of_the_held_out_clips_runs_without_asking(heard) -> None:
    # Measured (bench/VOICE.md): 26 clips are read as a command that ends, deletes or
    # overwrites something; 3 of them wrongly. At DESTRUCTIVE_THRESHOLD none of the 3 runs, and
    # 15 of the 23 right ones need a tap (11 of 21 with the model before the start constraint).
    right_asked, right = 0, 0
    for text, name, _ in HELD_OUT:
        reading = read_transcript(heard[name])
        if not (isinstance(reading.command, Command) and is_destructive(reading.command)):
            continue
        if same_command(text, heard[name].text):
            right += 1
            right_asked += not reading.clean
        else:
            assert not reading.clean, (name, heard[name])
    assert right >= 15 and right_asked / right <= 0.7


def test_a_title_with_no_word_the_speaker_said_is_not_vouched_for(heard) -> None:
    right = vouched = 0
    for text, name, _ in HELD_OUT:
        command = parse(heard[name].text)
        if not (isinstance(command, Command) and command.name == "add"):
            continue
        title = parse_new_task(command.args).title
        if not set(meaningful_words(title)) & set(text.split()):
            # A title with no word that was said: measured two, "add buy flowers for anna" heard
            # as "add by two hours on monday" and "my pet" as "add six".
            assert not title_was_heard(command, heard[name]), heard[name]
        elif same_command(text, heard[name].text):
            right += 1
            vouched += title_was_heard(command, heard[name])
    # Word scores move with the language model, which follows the command language: most titles
    # heard right must still be vouched for (a title asked about costs a tap, not a wrong task).
    assert right and vouched / right >= 0.75, (vouched, right)


@pytest.mark.parametrize(
    "name, title, said",
    [
        ("hint-done-notary.ogg", "Call the notary", "done call the notary"),
        ("hint-delete-locksmith.m4a", "Pay the locksmith", "delete pay the locksmith"),
    ],
)
def test_a_title_word_outside_the_vocabulary_is_heard_when_the_user_has_that_task(engine, name, title, said) -> None:
    pcm = decode_audio((FIXTURES / name).read_bytes()).pcm
    assert title.split()[-1].lower() not in vocabulary.words()  # "notary", "locksmith"

    with_the_task = engine.recognize(pcm, hints=[title, "Buy milk", "email the landlord"])
    # Another user's note, heard after: their titles are not in it.
    without = engine.recognize(pcm)

    assert with_the_task.text == said
    assert with_the_task.word_confidence(title.split()[-1]) > 0.9
    assert not same_command(said, without.text)
    assert title.split()[-1].lower() not in without.text


def test_titles_of_known_words_hear_a_note_with_the_shared_model(engine) -> None:
    pcm = decode_audio((FIXTURES / "voice-message.wav").read_bytes()).pcm

    assert engine.recognize(pcm, hints=["call the bank", "Buy milk!"]) == engine.recognize(pcm)
    assert engine._decoder_for(["call the bank", "Buy milk!"]) is engine._decoder_for([])
