"""Encoding PCM into the containers users send (ogg/opus, webm, m4a/aac, mp3, wav) with PyAV,
for the voice fixtures and for clips the tests make on the fly (the over-long one); and speaking
text with flite or espeak-ng (installed only where fixtures or dev clips are made)."""
from __future__ import annotations

import io
import json
import math
import struct
import subprocess
import tempfile
import wave
from fractions import Fraction
from io import BytesIO
from pathlib import Path

import av

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "voice"

# container -> (PyAV muxer, encoder, encoder sample rate, bit rate)
FORMATS = {
    "ogg": ("ogg", "libopus", 48000, 24000),
    "webm": ("webm", "libopus", 48000, 24000),
    "m4a": ("mp4", "aac", 22050, 32000),
    "mp3": ("mp3", "libmp3lame", 22050, 32000),
    "wav": ("wav", "pcm_s16le", 16000, None),
}


def encode(pcm: bytes, rate: int, kind: str, *, stereo: bool = False) -> bytes:
    """Mono s16le ``pcm`` at ``rate`` encoded as ``kind`` (a key of FORMATS); ``stereo`` puts
    the same signal on two channels, as phones and desktop recorders often do."""
    muxer, codec, out_rate, bit_rate = FORMATS[kind]
    layout = "stereo" if stereo else "mono"
    if stereo:
        samples = memoryview(pcm).cast("h")
        pcm = struct.pack(f"<{2 * len(samples)}h", *(value for sample in samples for value in (sample, sample)))
    width = 4 if stereo else 2  # bytes per sample frame
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=muxer) as container:
        stream = container.add_stream(codec, rate=out_rate, layout=layout)
        assert isinstance(stream, av.AudioStream) and stream.codec_context.format is not None
        if bit_rate:
            stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=layout, rate=out_rate)
        step = rate // 10  # feed 100 ms at a time, like a recorder would
        for start in range(0, len(pcm) // width, step):
            chunk = pcm[start * width:(start + step) * width]
            frame = av.AudioFrame(format="s16", layout=layout, samples=len(chunk) // width)
            frame.sample_rate = rate
            # Explicit timestamps: without them some rate pairs (16 -> 22.05 kHz AAC) end in a
            # flush packet the mp4 muxer rejects.
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            frame.planes[0].update(chunk)
            for out in resampler.resample(frame):
                container.mux(stream.encode(out))
        for out in resampler.resample(None):
            container.mux(stream.encode(out))
        container.mux(stream.encode(None))
    return buffer.getvalue()


# Voices rotate so that no single synthetic speaker is all the test hears: flite's four English
# voices (US female slt, US male rms and kal, Scottish male awb) and four espeak-ng ones.
FLITE_VOICES = ["flite:slt", "flite:rms", "flite:awb", "flite:kal16"]
ESPEAK_VOICES = ["espeak:en-us+f2", "espeak:en-us+m3", "espeak:en-us", "espeak:en-gb"]
CONTAINERS = ["ogg", "m4a", "webm", "ogg", "mp3", "m4a", "wav", "webm", "m4a"]


def speak(text: str, voice: str) -> tuple[bytes, int]:
    """Mono s16le PCM and its sample rate from a 'synthesizer:voice'."""
    synthesizer, name = voice.split(":")
    with tempfile.TemporaryDirectory() as directory:
        # flite writes a WAV header it cannot fix up on a pipe, so both write to a real file.
        path = Path(directory) / "speech.wav"
        if synthesizer == "flite":
            command = ["flite", "-voice", name, "-t", text, "-o", str(path)]
        else:
            command = ["espeak-ng", "-v", name, "-s", "165", "-w", str(path), text]
        subprocess.run(command, check=True, capture_output=True)
        wav = path.read_bytes()
    with wave.open(BytesIO(wav)) as reader:
        return reader.readframes(reader.getnframes()), reader.getframerate()


def tone(seconds: float, rate: int = 16000, hz: float = 440.0) -> bytes:
    """A quiet sine tone: audio with a known length and no words in it."""
    count = int(seconds * rate)
    return struct.pack(f"<{count}h", *(int(3000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(count)))


def manifest() -> dict:
    return json.loads((FIXTURES / "manifest.json").read_text())


def clips(phrase_set: str) -> list[tuple[str, str, str]]:
    """(reference text, file name, voice) of every clip of a set ("heldout", "containers")."""
    return [(phrase["text"], clip["file"], clip["voice"])
            for phrase in manifest()["phrases"] if phrase["set"] == phrase_set for clip in phrase["clips"]]
