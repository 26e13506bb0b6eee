"""The voice-note flow: attachment -> transcript -> a command to run, or a question to ask."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.language.parser import PHRASES, Command, NotUnderstood, parse
from bot.voice.decode import CorruptAudio, NotAudio, TooLong
from bot.voice.engines import Transcript, Word
from bot.voice.offline import PocketsphinxEngine
from bot.voice.transcribe import (
    CONFIDENCE_THRESHOLD,
    DESTRUCTIVE,
    DESTRUCTIVE_THRESHOLD,
    TITLE_FLOOR,
    NothingHeard,
    is_audio_attachment,
    is_destructive,
    read_transcript,
    transcribe_attachment,
    typed_form,
)
from tools.voice_clips import FIXTURES, encode, tone


class FakeSpeechToText:
    """Hears what it is told to, and remembers what it was given."""

    name = "fake"

    def __init__(self, text: str, confidence: float | None = 0.9) -> None:
        self.text, self.confidence = text, confidence
        self.heard: list[tuple[int, int]] = []
        self.hints: list[Sequence[str]] = []

    async def transcribe(self, pcm: bytes, sample_rate: int = 16000, hints: Sequence[str] = ()) -> Transcript:
        self.heard.append((len(pcm), sample_rate))
        self.hints.append(hints)
        return Transcript(self.text, self.confidence, self.name)

    async def warm_up(self) -> None:
        pass

    async def close(self) -> None:
        pass


async def test_a_slack_clip_is_decoded_and_handed_to_the_engine_as_16k_pcm() -> None:
    engine = FakeSpeechToText("add task call the bank")
    data = (FIXTURES / "audio_message_0001.m4a").read_bytes()

    transcript = await transcribe_attachment(data, "audio/mp4", "audio_message_0001.m4a", engine)

    assert transcript.text == "add task call the bank"
    [(size, rate)] = engine.heard
    assert rate == 16000 and size == pytest.approx(1.79 * 16000 * 2, rel=0.05)


async def test_the_offline_engine_end_to_end() -> None:
    data = (FIXTURES / "voice-message.webm").read_bytes()

    engine = PocketsphinxEngine()
    try:
        transcript = await transcribe_attachment(data, "audio/webm", "voice-message.webm", engine)
    finally:
        await engine.close()
    heard = read_transcript(transcript)

    assert heard.command == Command("add", "call the bank")
    assert heard.clean


async def test_a_photo_is_refused_by_its_type_before_decoding() -> None:
    engine = FakeSpeechToText("never")

    with pytest.raises(NotAudio) as caught:
        await transcribe_attachment(b"\x89PNG...", "image/png", "cat.png", engine)

    assert "'cat.png'" in str(caught.value)
    assert engine.heard == []


async def test_a_teams_file_is_judged_by_its_name_and_bytes_not_its_wrapper_type() -> None:
    engine = FakeSpeechToText("clock in")
    data = (FIXTURES / "audio_message_0001.m4a").read_bytes()

    transcript = await transcribe_attachment(
        data, "application/vnd.microsoft.teams.file.download.info", "Recording 1.m4a", engine
    )

    assert transcript.text == "clock in"


async def test_a_file_without_a_type_is_judged_by_its_content() -> None:
    data = (FIXTURES / "not-audio.txt").read_bytes()

    with pytest.raises(NotAudio):
        await transcribe_attachment(data, None, "notes", FakeSpeechToText("never"))


async def test_a_damaged_clip_gets_the_damaged_reply() -> None:
    data = (FIXTURES / "corrupt-truncated.m4a").read_bytes()

    with pytest.raises(CorruptAudio):
        await transcribe_attachment(data, "audio/mp4", "audio_message_0002.m4a", FakeSpeechToText("never"))


async def test_a_long_note_is_refused_before_the_engine_runs() -> None:
    engine = FakeSpeechToText("never")

    with pytest.raises(TooLong):
        await transcribe_attachment(encode(tone(65, 8000), 8000, "ogg"), "audio/ogg", "long.ogg", engine)

    assert engine.heard == []


async def test_a_note_with_no_words_gets_a_reply_not_silence() -> None:
    with pytest.raises(NothingHeard) as caught:
        await transcribe_attachment(encode(tone(1), 16000, "wav"), "audio/wav", "hum.wav", FakeSpeechToText(""))

    assert "type the command" in str(caught.value)


@pytest.mark.parametrize(
    "content_type, name, expected",
    [
        ("audio/mp4", "audio_message_a1b2.m4a", True),  # Slack clip (subtype slack_audio)
        ("audio/webm", "recording.webm", True),
        ("video/webm", "voice.webm", True),  # browsers record audio as video/webm
        ("audio/ogg; codecs=opus", None, True),
        ("application/octet-stream", "note.mp3", True),
        (None, "note.wav", True),
        ("video/mp4", "holiday.mp4", True),  # may have a sound track; the decoder decides
        ("application/vnd.microsoft.teams.file.download.info", "Recording.m4a", True),  # Teams personal chat
        ("application/vnd.microsoft.teams.file.download.info", "slides.pptx", False),
        ("image/png", "cat.png", False),
        ("application/pdf", "report.pdf", False),
        (None, "report.docx", False),
    ],
)
def test_which_attachments_are_voice_notes(content_type, name, expected) -> None:
    assert is_audio_attachment(content_type, name) is expected


def test_a_confident_command_is_clean() -> None:
    heard = read_transcript(Transcript("start focus for thirty five minutes", 0.8, "pocketsphinx"))

    assert heard.command == Command("focus", "for thirty five minutes")
    assert heard.clean and not heard.needs_confirmation


def test_a_doubtful_command_asks_first() -> None:
    heard = read_transcript(Transcript("add task file the bank", CONFIDENCE_THRESHOLD - 0.01, "pocketsphinx"))

    assert heard.command == Command("add", "file the bank")  # the guess the buttons offer
    assert heard.needs_confirmation


def test_words_that_are_no_command_ask_first_whatever_the_confidence() -> None:
    heard = read_transcript(Transcript("the loan due milk", 0.99, "pocketsphinx"))

    assert isinstance(heard.command, NotUnderstood)
    assert heard.needs_confirmation


def test_a_spoken_yes_needs_more_certainty_than_other_commands() -> None:
    assert read_transcript(Transcript("yes", 0.7, "pocketsphinx")).needs_confirmation
    assert read_transcript(Transcript("yes", 0.95, "pocketsphinx")).clean
    assert read_transcript(Transcript("clock in", 0.7, "pocketsphinx")).clean


def test_an_engine_without_confidence_is_trusted_as_far_as_the_parser() -> None:
    assert read_transcript(Transcript("Add task call Anna", None, "azure")).clean


def test_an_empty_transcript_is_never_the_help_command() -> None:
    # parse("") is "help" for typed text; for a voice note it means nothing was heard.
    heard = read_transcript(Transcript("", 0.0, "pocketsphinx"))

    assert isinstance(heard.command, NotUnderstood) and heard.needs_confirmation


def test_typed_form_spells_times_the_way_the_due_date_reader_expects() -> None:
    assert typed_form("add call mom due friday at five p.m.") == "add call mom due friday at five pm"
    assert typed_form("  Focus   twenty minutes ") == "focus twenty minutes"


def test_stop_focus_heard_as_clearly_as_in_the_report_is_asked_about() -> None:
    # The reported note: "stop focus" at 0.65 ended a running focus session.
    heard = read_transcript(Transcript("stop focus", 0.65, "pocketsphinx"))

    assert heard.command == Command("focus_stop") and heard.doubt == "destructive"
    assert read_transcript(Transcript("stop focus", DESTRUCTIVE_THRESHOLD, "pocketsphinx")).clean


def test_an_engine_without_confidence_is_asked_about_what_would_end_something() -> None:
    assert read_transcript(Transcript("delete task two", None, "azure")).doubt == "destructive"


@pytest.mark.parametrize(
    "text, destructive",
    [
        ("done three", True),
        ("delete task two", True),
        ("edit two call the accountant", True),
        ("due five next friday", True),
        ("undo", True),
        ("delete my data", True),
        ("revoke token", True),
        ("timezone Europe/Paris", True),
        ("hours 9-5", True),
        ("reminders off", True),
        ("pause until monday", True),
        ("cancel focus", True),
        ("clock out", True),
        ("reminders", False),
        ("add task call the bank", False),
        ("start focus for thirty five minutes", False),
        ("water three cups", False),
        ("show my tasks", False),
        ("snooze for twenty five minutes", False),
    ],
)
def test_what_ends_deletes_or_overwrites_needs_the_higher_confidence(text, destructive) -> None:
    command = parse(text)

    assert isinstance(command, Command) and is_destructive(command) is destructive
    heard = read_transcript(Transcript(text, 0.85, "pocketsphinx"))
    assert heard.clean is not destructive


def test_every_destructive_name_is_a_command_of_the_parser() -> None:
    assert set(DESTRUCTIVE) <= set(PHRASES.values())


def scored(text: str, **scores: float) -> Transcript:
    words = tuple(Word(word, scores.get(word, 0.99)) for word in text.split())
    return Transcript(text, 0.8, "pocketsphinx", words)


def test_an_add_whose_title_has_no_well_heard_word_is_asked_about() -> None:
    heard = read_transcript(scored("add task file the", file=0.41, the=0.35))

    assert heard.command == Command("add", "file the")
    assert heard.doubt == "title" and not heard.clean


def test_one_well_heard_word_of_the_title_is_enough_and_small_words_do_not_count() -> None:
    assert read_transcript(scored("add task email the landlord about the minutes", email=0.5, minutes=0.3)).clean
    # "the" and "for" heard surely do not vouch for a title whose real words were not.
    assert read_transcript(scored("add task form the emma", form=0.2, emma=0.6)).doubt == "title"
    assert read_transcript(scored("add task call mum tomorrow", call=0.5, mum=TITLE_FLOOR)).clean


def test_an_engine_without_word_scores_is_judged_on_the_whole_note() -> None:
    assert read_transcript(Transcript("add task file the", 0.8, "azure")).clean


def test_a_barely_heard_destructive_command_is_asked_about_in_the_same_words() -> None:
    assert read_transcript(Transcript("stop focus", 0.43, "pocketsphinx")).doubt == "destructive"
