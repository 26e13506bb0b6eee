"""Azure Speech as a ``SpeechToText`` engine: PCM pushed through a PushAudioInputStream.

Used when AZURE_SPEECH_KEY and AZURE_SPEECH_REGION are set. The SDK
(``azure-cognitiveservices-speech``) is imported when the engine is built, so a deployment
that never configures Azure need not install it. Continuous recognition is used rather than
``recognize_once``, which stops at the first pause and would drop the end of a longer note.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from bot.language.parser import PHRASES
from bot.voice import vocabulary
from bot.voice.audio_format import BYTES_PER_SAMPLE, SAMPLE_RATE
from bot.voice.engines import SpeechUnavailable, Transcript, Word

log = logging.getLogger("avanochi.voice")

# A 60 s note is recognized in a few seconds; past this the service is in trouble.
RECOGNITION_TIMEOUT = 45.0
PUSH_CHUNK = SAMPLE_RATE * BYTES_PER_SAMPLE // 10  # 100 ms, the SDK's preferred block size


def _sdk() -> Any:
    try:
        import azure.cognitiveservices.speech as speechsdk
    except ImportError as error:  # configured for Azure, but the package is missing
        raise RuntimeError("AZURE_SPEECH_KEY is set but azure-cognitiveservices-speech is not installed") from error
    return speechsdk


class AzureSpeechEngine:
    name = "azure"

    def __init__(
        self,
        key: str,
        region: str,
        *,
        language: str = "en-US",
        recognizer_factory: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        self._sdk = _sdk()
        speechsdk = self._sdk
        self.config = speechsdk.SpeechConfig(subscription=key, region=region)
        self.config.speech_recognition_language = language
        # Detailed output carries NBest with a confidence per alternative; with word-level
        # timestamps requested, its best alternative lists its Words, each with a Confidence,
        # which is what judges a spoken task title (``transcribe.title_was_heard``).
        self.config.output_format = speechsdk.OutputFormat.Detailed
        self.config.request_word_level_timestamps()
        self.region = region
        # Tests give a fake recognizer; production builds the SDK's.
        self._recognizer_factory = recognizer_factory or self._recognizer
        self.phrases = sorted(
            {phrase for command in set(PHRASES.values()) for phrase in vocabulary.spoken_phrases(command)}
        )

    def __repr__(self) -> str:  # never show the key, even in a log line
        return f"AzureSpeechEngine(region={self.region!r})"

    async def transcribe(self, pcm: bytes, sample_rate: int = SAMPLE_RATE, hints: Sequence[str] = ()) -> Transcript:
        # ``hints`` (the user's task titles) are not needed: the service hears open vocabulary.
        # The SDK releases the GIL while it waits on the service, so a thread is enough here.
        return await asyncio.to_thread(self.transcribe_sync, pcm, sample_rate)

    async def warm_up(self) -> None:
        """Nothing to load: each note opens its own connection."""

    async def close(self) -> None:
        """Nothing held between notes."""

    def transcribe_sync(self, pcm: bytes, sample_rate: int = SAMPLE_RATE) -> Transcript:
        speechsdk = self._sdk
        stream_format = speechsdk.audio.AudioStreamFormat(
            samples_per_second=sample_rate, bits_per_sample=16, channels=1
        )
        stream = speechsdk.audio.PushAudioInputStream(stream_format=stream_format)
        recognizer = self._recognizer_factory(self.config, speechsdk.audio.AudioConfig(stream=stream))

        texts: list[str] = []
        confidences: list[float] = []
        words: list[Word] = []
        failure: list[str] = []
        done = threading.Event()

        def recognized(event: Any) -> None:
            result = event.result
            if result.reason == speechsdk.ResultReason.RecognizedSpeech and result.text:
                texts.append(_plain(result.text))
                best = _best(result.json)
                confidence = _number(best.get("Confidence"))
                if confidence is not None:
                    confidences.append(confidence)
                words.extend(_words(best))

        def canceled(event: Any) -> None:
            details = event.cancellation_details
            if details.reason == speechsdk.CancellationReason.Error:
                failure.append(f"{details.error_code}: {details.error_details}")
            done.set()

        recognizer.recognized.connect(recognized)
        recognizer.canceled.connect(canceled)
        recognizer.session_stopped.connect(lambda event: done.set())
        try:
            recognizer.start_continuous_recognition_async().get()
            for start in range(0, len(pcm), PUSH_CHUNK):
                stream.write(pcm[start : start + PUSH_CHUNK])
            stream.close()  # end of stream: the service finishes the last phrase and stops the session
            finished = done.wait(RECOGNITION_TIMEOUT)
            recognizer.stop_continuous_recognition_async().get()
        except RuntimeError as error:  # the SDK's way of saying the connection could not be made
            failure.append(str(error))
            finished = False
        if failure or not finished:
            log.warning("azure speech failed: %s", failure[0] if failure else "timed out")
            raise SpeechUnavailable("the speech service isn't answering right now")
        return Transcript(" ".join(texts), min(confidences) if confidences else None, self.name, tuple(words))

    def _recognizer(self, config: Any, audio: Any) -> Any:
        recognizer = self._sdk.SpeechRecognizer(speech_config=config, audio_config=audio)
        # Bias recognition toward the command words, the way the offline engine's model does.
        phrase_list = self._sdk.PhraseListGrammar.from_recognizer(recognizer)
        for phrase in self.phrases:
            phrase_list.addPhrase(phrase)
        return recognizer


def _best(result_json: str | None) -> dict[str, Any]:
    """The best alternative of a Detailed result (NBest[0]); {} when there is none."""
    try:
        best = (json.loads(result_json or "{}").get("NBest") or [{}])[0]
    except (ValueError, AttributeError, TypeError):
        return {}
    return best if isinstance(best, dict) else {}


def _words(best: dict[str, Any]) -> list[Word]:
    """The best alternative's words (lexical form: lower case, numbers spelled out), each with
    its confidence when the service gave one."""
    words = best.get("Words")
    if not isinstance(words, list):
        return []
    return [
        Word(str(word["Word"]).lower(), _number(word.get("Confidence")))
        for word in words
        if isinstance(word, dict) and word.get("Word")
    ]


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (ValueError, TypeError):
        return None


def _plain(text: str) -> str:
    # Azure punctuates ("Add task, call the bank."); the parser wants the words. Case is kept:
    # the parser ignores it for commands, and a title keeps its names ("call Anna").
    return " ".join(text.replace(",", " ").rstrip(".!?").split())
