"""Decoding any audio attachment to the 16 kHz mono 16-bit PCM that speech engines read.

PyAV bundles its own FFmpeg libraries, so ogg/opus, webm/opus, m4a/mp4 AAC (Slack clips),
mp3 and wav all decode in-process with no system ffmpeg. Everything a user can send that is
not usable speech ends as one ``AudioError`` subclass whose message is safe to show them.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass

import av
import av.error

from bot.voice.audio_format import BYTES_PER_SAMPLE, SAMPLE_RATE
from domain.errors import ValidationError

log = logging.getLogger("avanochi.voice")

MAX_SECONDS = 60.0
MAX_BYTES = 10 * 1024 * 1024
# Anything shorter carries no word; a tap on the record button is about this long.
MIN_SECONDS = 0.2


class AudioError(ValidationError):
    """The attachment cannot be heard as a voice note; the message tells the user what to do."""


class NotAudio(AudioError):
    def __init__(self, what: str = "that file") -> None:
        super().__init__(
            f"I can only listen to voice notes and audio files, and {what} isn't one. Try recording a voice clip."
        )


class CorruptAudio(AudioError):
    def __init__(self) -> None:
        super().__init__("That audio file seems damaged: I couldn't play it. Could you record it again?")


class EmptyAudio(AudioError):
    def __init__(self) -> None:
        super().__init__("That voice note is empty or too short to hear anything. Could you record it again?")


class TooLong(AudioError):
    def __init__(self, seconds: float | None = None) -> None:
        said = f" (this one is over {int(seconds)} s)" if seconds and seconds > MAX_SECONDS else ""
        super().__init__(
            f"Voice notes can be at most {int(MAX_SECONDS)} seconds{said}. "
            "Say one command per note, like 'add task call the bank'."
        )


class TooLarge(AudioError):
    def __init__(self, size: int | None = None) -> None:
        super().__init__(
            f"That file is too big for a voice note: I take up to {MAX_BYTES // (1024 * 1024)} MB "
            f"and {int(MAX_SECONDS)} seconds."
        )


@dataclass(frozen=True)
class DecodedAudio:
    pcm: bytes  # 16 kHz mono s16le
    codec: str
    container: str

    sample_rate: int = SAMPLE_RATE

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (BYTES_PER_SAMPLE * self.sample_rate)


def decode_audio(data: bytes, *, max_seconds: float = MAX_SECONDS, max_bytes: int = MAX_BYTES) -> DecodedAudio:
    """The first audio stream of ``data`` as 16 kHz mono PCM, or an ``AudioError``.

    CPU-bound (a 60 s clip takes tens of milliseconds): call ``decode_audio_async`` from the event loop.
    """
    if len(data) > max_bytes:
        raise TooLarge(len(data))
    if not data:
        raise EmptyAudio()
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError as error:
        log.info("unreadable attachment: %s", error)
        # FFmpeg can't tell "not a media file" from "a broken one"; the first bytes can.
        raise CorruptAudio() if _media_signature(data) else NotAudio() from None
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        log.info("unreadable attachment: %s", error)
        raise CorruptAudio() from None
    try:
        return _decode(container, max_seconds)
    finally:
        container.close()


async def decode_audio_async(data: bytes, **limits: float) -> DecodedAudio:
    """``decode_audio`` on a worker thread: FFmpeg releases the GIL, so the loop keeps serving."""
    return await asyncio.to_thread(decode_audio, data, **limits)  # type: ignore[arg-type]


def _decode(container: av.container.InputContainer, max_seconds: float) -> DecodedAudio:
    if not container.streams.audio:
        # An image, a video without sound, a subtitle file: FFmpeg opened it, but there is nothing to hear.
        raise NotAudio()
    stream = container.streams.audio[0]
    declared = _declared_seconds(container, stream)
    if declared is not None and declared > max_seconds + 1.0:
        # Refuse before decoding: a 10 MB opus file can hold an hour of speech.
        raise TooLong(declared)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    max_bytes = int(max_seconds * SAMPLE_RATE) * BYTES_PER_SAMPLE
    chunks: list[bytes] = []
    size = 0
    broken = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                # One bad packet in a long note is noise; a stream of them is a broken file.
                broken += 1
                if broken > 3:
                    raise CorruptAudio() from None
                continue
            for frame in frames:
                frame.pts = None  # the resampler needs no timestamps; some muxers write odd ones
                for out in resampler.resample(frame):
                    size += _append(chunks, out)
            if size > max_bytes:
                raise TooLong(size / (BYTES_PER_SAMPLE * SAMPLE_RATE))
        for out in resampler.resample(None):
            size += _append(chunks, out)
    except av.error.FFmpegError as error:
        log.info("audio decoding failed: %s", error)
        raise CorruptAudio() from None
    if size > max_bytes:
        raise TooLong(size / (BYTES_PER_SAMPLE * SAMPLE_RATE))
    if size < MIN_SECONDS * SAMPLE_RATE * BYTES_PER_SAMPLE:
        # Headers and no sound: either truncated on upload or the user let go of the button at once.
        raise CorruptAudio() if broken else EmptyAudio()
    return DecodedAudio(pcm=b"".join(chunks), codec=stream.codec_context.name, container=container.format.name)


def _append(chunks: list[bytes], frame: av.AudioFrame) -> int:
    # s16 mono is packed: plane 0 holds every sample, but may be padded past the last one.
    data = bytes(frame.planes[0])[: frame.samples * BYTES_PER_SAMPLE]
    chunks.append(data)
    return len(data)


def _media_signature(data: bytes) -> bool:
    """Whether ``data`` starts like one of the audio containers people send."""
    head = data[:12]
    return (
        head.startswith((b"OggS", b"ID3", b"fLaC", b"#!AMR", b"\x1aE\xdf\xa3"))  # ogg, mp3, flac, amr, webm
        or (head.startswith(b"RIFF") and head[8:12] == b"WAVE")
        or head[4:8] == b"ftyp"  # mp4 / m4a, Slack's clips
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    )  # mp3 or ADTS AAC frame


def _declared_seconds(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None
