"""Decoding voice notes: every container users send becomes 16 kHz mono PCM of the right length,
and everything else becomes a friendly, typed error."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.voice.decode import (
    MAX_BYTES,
    SAMPLE_RATE,
    AudioError,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
    TooLarge,
    TooLong,
    decode_audio,
    decode_audio_async,
)
from domain.errors import ValidationError
from tools.voice_clips import FIXTURES, clips, encode, manifest, tone

CONTAINER_CLIPS = clips("containers")
SECONDS = {clip["file"]: clip["seconds"] for phrase in manifest()["phrases"] for clip in phrase["clips"]}
CODECS = {"ogg": "opus", "webm": "opus", "m4a": "aac", "mp3": "mp3", "wav": "pcm_s16le"}


@pytest.mark.parametrize("name", [name for _, name, _ in CONTAINER_CLIPS])
def test_every_container_decodes_to_16k_mono_pcm_of_the_spoken_length(name: str) -> None:
    audio = decode_audio((FIXTURES / name).read_bytes())

    assert audio.sample_rate == SAMPLE_RATE
    assert len(audio.pcm) % 2 == 0  # whole 16-bit samples, one channel
    # AAC and MP3 encoders add tens of milliseconds of priming; nothing else may change the length.
    assert audio.seconds == pytest.approx(SECONDS[name], abs=0.08)
    assert audio.codec.startswith(CODECS[name.rsplit(".", 1)[1]])


def test_slack_clip_is_an_mp4_with_aac() -> None:
    audio = decode_audio((FIXTURES / "audio_message_0001.m4a").read_bytes())

    assert "mp4" in audio.container and audio.codec == "aac"


def test_the_samples_are_the_speech_not_silence() -> None:
    audio = decode_audio((FIXTURES / "voice-message.ogg").read_bytes())
    samples = memoryview(audio.pcm).cast("h")

    assert max(abs(sample) for sample in samples) > 3000


@pytest.mark.parametrize("kind", ["ogg", "wav", "m4a"])
def test_stereo_and_other_rates_are_mixed_down_and_resampled(kind: str) -> None:
    data = encode(tone(1.5, rate=44100), 44100, kind, stereo=True)

    audio = decode_audio(data)

    assert audio.sample_rate == 16000
    assert audio.seconds == pytest.approx(1.5, abs=0.08)


@pytest.mark.parametrize("name", manifest()["not_audio"])
def test_a_file_that_is_not_audio_is_refused_kindly(name: str) -> None:
    with pytest.raises(NotAudio) as caught:
        decode_audio((FIXTURES / name).read_bytes())

    assert "voice notes" in str(caught.value)


@pytest.mark.parametrize("name", manifest()["corrupt"])
def test_a_damaged_audio_file_is_corrupt_not_a_crash(name: str) -> None:
    with pytest.raises(CorruptAudio) as caught:
        decode_audio((FIXTURES / name).read_bytes())

    assert "damaged" in str(caught.value)


@pytest.mark.parametrize("name", ["voice-message.ogg", "voice-message.mp3", "voice-message.webm"])
def test_garbage_after_a_valid_header_is_corrupt(name: str) -> None:
    data = bytearray((FIXTURES / name).read_bytes())
    rng = random.Random(1)
    for index in range(400, len(data)):
        data[index] = rng.randrange(256)

    with pytest.raises(CorruptAudio):
        decode_audio(bytes(data))


def test_no_bytes_is_an_empty_note() -> None:
    with pytest.raises(EmptyAudio):
        decode_audio(b"")


def test_a_tap_on_the_record_button_is_an_empty_note() -> None:
    with pytest.raises(EmptyAudio):
        decode_audio(encode(tone(0.05), 16000, "ogg"))


@pytest.mark.parametrize("kind", ["ogg", "wav"])
def test_over_a_minute_is_too_long(kind: str) -> None:
    # Made here, not committed: a 61 s clip is the one fixture that would cost real space.
    data = encode(tone(61, rate=8000), 8000, kind)

    with pytest.raises(TooLong) as caught:
        decode_audio(data)

    assert "60 seconds" in str(caught.value)


def test_length_is_measured_by_decoding_not_only_by_what_the_header_claims() -> None:
    # A raw ADTS/mp3 stream declares no duration; the decoder must count samples itself.
    data = encode(tone(61, rate=8000), 8000, "mp3")

    with pytest.raises(TooLong):
        decode_audio(data)


def test_exactly_the_limit_is_allowed() -> None:
    audio = decode_audio(encode(tone(59.5, rate=8000), 8000, "ogg"))

    assert audio.seconds == pytest.approx(59.5, abs=0.1)


def test_over_ten_megabytes_is_too_large_before_any_decoding() -> None:
    with pytest.raises(TooLarge) as caught:
        decode_audio(b"\0" * (MAX_BYTES + 1))

    assert "10 MB" in str(caught.value)


def test_audio_errors_are_validation_errors_so_chat_and_api_map_them_once() -> None:
    for error in (NotAudio(), CorruptAudio(), EmptyAudio(), TooLong(75), TooLarge()):
        assert isinstance(error, AudioError) and isinstance(error, ValidationError)
        assert str(error)[0].isupper() and "Traceback" not in str(error)


async def test_async_decoding_leaves_the_event_loop_free() -> None:
    data = encode(tone(30, rate=16000), 16000, "ogg")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    audio = await decode_audio_async(data)
    task.cancel()

    assert audio.seconds == pytest.approx(30, abs=0.1)
    assert ticks > 1  # the loop kept running while FFmpeg decoded on a worker thread
