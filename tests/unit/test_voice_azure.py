"""The Azure Speech engine: chosen only when both settings are set, built offline, fed PCM
through a push stream. Azure can't be reached from tests: the SDK objects are real up to the
recognizer, which is a fake at the SDK edge."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace
from typing import Any

import pytest

from bot.language.parser import Command
from bot.voice.engines import SpeechToText, SpeechUnavailable, Transcript, Word, build_speech_to_text
from bot.voice.transcribe import read_transcript
from domain.errors import Unavailable

speechsdk = pytest.importorskip("azure.cognitiveservices.speech")

from bot.voice.azure_speech import AzureSpeechEngine  # noqa: E402


def test_azure_engine_when_key_and_region_are_set() -> None:
    engine = build_speech_to_text("0123456789abcdef", "westeurope")

    assert isinstance(engine, AzureSpeechEngine)
    assert isinstance(engine, SpeechToText)
    assert engine.config.region == "westeurope"
    assert engine.config.speech_recognition_language == "en-US"
    assert engine.config.output_format == speechsdk.OutputFormat.Detailed
    assert "0123456789abcdef" not in repr(engine)


class FakeSignal:
    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def connect(self, handler: Any) -> None:
        self.handlers.append(handler)

    def fire(self, event: Any) -> None:
        for handler in self.handlers:
            handler(event)


class Done:
    def get(self) -> None:
        return None


class FakeRecognizer:
    """Plays the service: once started, it reports its phrases from another thread (as the SDK
    calls back) and ends the session, or cancels it with an error."""

    def __init__(self, results: list[tuple[str, float] | tuple[str, float, list]], *, fail: str | None = None) -> None:
        self.results, self.fail = results, fail
        self.recognized, self.canceled, self.session_stopped = FakeSignal(), FakeSignal(), FakeSignal()
        self.started = self.stopped = False

    def start_continuous_recognition_async(self) -> Done:
        self.started = True
        threading.Timer(0.05, self._respond).start()
        return Done()

    def stop_continuous_recognition_async(self) -> Done:
        self.stopped = True
        return Done()

    def _respond(self) -> None:
        if self.fail:
            details = SimpleNamespace(reason=speechsdk.CancellationReason.Error, error_code=1, error_details=self.fail)
            self.canceled.fire(SimpleNamespace(cancellation_details=details))
            return
        for text, confidence, *words in self.results:
            best: dict[str, Any] = {"Confidence": confidence}
            if words:  # the service's shape with word-level timestamps requested
                best["Words"] = [
                    {"Word": word, "Offset": 1000 * n, "Duration": 900, "Confidence": score}
                    for n, (word, score) in enumerate(words[0])
                ]
            result = SimpleNamespace(
                reason=speechsdk.ResultReason.RecognizedSpeech,
                text=text,
                json=json.dumps({"NBest": [best]}),
            )
            self.recognized.fire(SimpleNamespace(result=result))
        self.session_stopped.fire(SimpleNamespace())


def azure_with(recognizer: FakeRecognizer, captured: dict[str, Any]) -> AzureSpeechEngine:
    def factory(config: Any, audio: Any) -> FakeRecognizer:
        captured["config"], captured["audio"] = config, audio
        return recognizer

    return AzureSpeechEngine("key", "westeurope", recognizer_factory=factory)


async def test_azure_joins_phrases_and_reports_the_least_confident() -> None:
    recognizer = FakeRecognizer([("Add task, call the bank.", 0.93), ("Due Friday.", 0.71)])
    captured: dict[str, Any] = {}
    engine = azure_with(recognizer, captured)

    transcript = await engine.transcribe(b"\0\0" * 16000)

    assert transcript == Transcript("Add task call the bank Due Friday", 0.71, "azure")
    assert recognizer.started and recognizer.stopped
    assert isinstance(captured["audio"], speechsdk.audio.AudioConfig)
    assert captured["config"] is engine.config


async def test_an_azure_title_heard_with_no_sure_word_is_asked_about_not_added() -> None:
    words = [("add", 0.97), ("task", 0.95), ("file", 0.31), ("the", 0.42)]
    engine = azure_with(FakeRecognizer([("Add task file the.", 0.82, words)]), {})

    transcript = await engine.transcribe(b"\0\0" * 16000)

    assert transcript.words == tuple(Word(word, score) for word, score in words)
    assert engine.config.get_property(speechsdk.PropertyId.SpeechServiceResponse_RequestWordLevelTimestamps) == "true"
    heard = read_transcript(transcript)
    assert heard.command == Command("add", "file the") and heard.doubt == "title" and not heard.clean


async def test_azure_failure_is_a_friendly_unavailable() -> None:
    engine = azure_with(FakeRecognizer([], fail="401 unauthorized"), {})

    with pytest.raises(SpeechUnavailable) as caught:
        await engine.transcribe(b"\0\0" * 16000)

    assert "type the command" in str(caught.value)
    assert isinstance(caught.value, Unavailable)


def test_azure_is_biased_toward_the_command_phrases() -> None:
    engine = AzureSpeechEngine("key", "westeurope")
    stream = speechsdk.audio.PushAudioInputStream(
        stream_format=speechsdk.audio.AudioStreamFormat(samples_per_second=16000, bits_per_sample=16, channels=1)
    )

    recognizer = engine._recognizer(engine.config, speechsdk.audio.AudioConfig(stream=stream))

    assert isinstance(recognizer, speechsdk.SpeechRecognizer)  # built offline; nothing is sent yet
    assert {"add task", "clock in", "focus stop", "i drank"} <= set(engine.phrases)
    assert "?" not in engine.phrases
