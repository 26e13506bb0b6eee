"""The offline speech engine: pocketsphinx's en-us acoustic model with the bot's own language model,
run in a worker process.

Why a process: pocketsphinx holds the GIL for the whole of a decode (measured: a 42 s note froze
the event loop for 2.4 s), so a thread would stall every other request, Slack's 3 s ack included.
Feeding it in small blocks would free the GIL but loses whole-note cepstral normalisation, which
costs 12 points of command accuracy (148 -> 122 of 220 dev clips). The worker loads the decoder once and then
takes one note at a time; a crash of the native code costs that note, not the bot. The worker
dies with the bot: killed with it on Linux, and on its own within a second elsewhere.
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import logging
import math
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, ClassVar, Literal

from bot.voice import frontend, language_model
from bot.voice.adaptation import AcousticModel, VoiceStats, features, means_file, note_stats
from bot.voice.audio_format import SAMPLE_RATE
from bot.voice.engines import SpeechUnavailable, Transcript, Word

log = logging.getLogger("avanochi.voice")

ModelName = Literal["commands", "general"]


def is_word(token: str) -> bool:
    """False for what pocketsphinx emits that is not speech: <s>, </s>, <sil> and the noise
    fillers of the acoustic model's noisedict ([NOISE], [SPEECH], ...)."""
    return bool(token) and token[0] not in "<[" and not token.startswith("++")


class Recognizer:
    """One pocketsphinx decoder, used in the calling thread: the worker process's engine, and what
    tests and the benchmark call directly.

    ``language_model="commands"`` listens only for the bot's vocabulary (``language_model.build``);
    ``"general"`` uses the wheel's general English model (22% of held-out commands right against
    78%, several times slower: bench/VOICE.md) and exists for that comparison.
    """

    # Dither: synthetic and trimmed clips hold stretches of digital zero, whose log energy wrecks
    # the features (44% -> 54% of commands right on espeak-ng dev clips). A fixed seed, re-applied
    # before every note (``reinit_feat``), makes the result depend on the note alone. Beams and
    # language weight stay at pocketsphinx's defaults: wider ones were slower and no better.
    # Frequency warping by 0.8 (vocal tract length normalisation, pocketsphinx's default warp
    # type) stretches the spectrum toward the acoustic model's speakers: on dev clips espeak-ng
    # voices went from 68 to 73 of 120 and flite voices stayed at 104 of 120 (0.75: 74 and 102,
    # 0.85: 71 and 103, 1.1 and 1.2 worse). See bench/VOICE.md.
    DECODER_CONFIG: ClassVar[dict[str, Any]] = {"dither": True, "seed": 1, "warp_params": "0.8"}
    # Decoders built with users' task titles or their learned voice (``adaptation``), kept for
    # their next notes (each holds its own acoustic model and language model: about 15 MiB;
    # building one takes about 0.3 s).
    HINTED_DECODERS = 3

    def __init__(self, language_model: ModelName = "commands", **decoder_options: Any) -> None:
        self.name = "pocketsphinx" if language_model == "commands" else "pocketsphinx-general"
        self.language_model = language_model
        self._options = decoder_options
        self._decoder: Any = None
        self._hinted: OrderedDict[tuple[tuple[str, ...], str | None], Any] = OrderedDict()
        self._aligner: Any = None

    def load(self) -> Recognizer:
        if self._decoder is None:
            self._decoder = self._build()
        return self

    def recognize(
        self, pcm: bytes, sample_rate: int = SAMPLE_RATE, hints: Sequence[str] = (), voice: str | None = None
    ) -> Transcript:
        """The words of a note. ``hints`` are the user's open task titles: with them the note is
        heard with a model that knows those titles (``language_model.build``). ``voice``: the
        user's learned voice (``VoiceStats.to_text``), which adapts the acoustic model to them."""
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"pocketsphinx's en-us model takes {SAMPLE_RATE} Hz audio, not {sample_rate}")
        decoder = self._decoder_for(hints, voice if self.language_model == "commands" else None)
        decoder.reinit_feat()  # fresh dither seed and cepstral mean: no memory of earlier notes
        decoder.start_utt()
        # full_utt: the whole note is here, so cepstral normalisation can use all of it.
        decoder.process_raw(pcm, no_search=False, full_utt=True)
        decoder.end_utt()
        segments = [(segment.word, segment.prob) for segment in decoder.seg()]
        words = tuple(Word(_word(word), _posterior(prob)) for word, prob in segments if is_word(word))
        if decoder.hyp() is None or not words:
            return Transcript("", 0.0, self.name)
        return Transcript(" ".join(word.text for word in words), _confidence(segments), self.name, words)

    def learn(self, pcm: bytes, text: str, voice: str | None = None) -> str | None:
        """What one note adds to its speaker's learned voice (``VoiceStats.to_text``), given the
        words it turned out to say and what was learned before (``voice``); None when they can't
        be lined up with the audio (a word the model has no pronunciation for, or audio that does
        not fit them at all)."""
        model_directory = language_model.model_dir() / "en-us"
        cepstra = frontend.cepstra(
            pcm, frontend.model_settings((model_directory / "feat.params").read_text()), self.DECODER_CONFIG
        )
        if len(cepstra) < 10:  # under 0.1 s: no words to line up
            return None
        alignment = self._align(cepstra, text)
        if alignment is None:
            return None
        senones, phones = alignment
        model = AcousticModel.load(model_directory)
        adapted = _adapted_means(model, voice)
        stats = note_stats(model, features(cepstra), senones, phones, adapted)
        return stats.to_text()

    def _align(self, cepstra: Any, text: str) -> tuple[Any, list[str]] | None:
        """The senone and CI phone of each frame, from a forced alignment of ``text``."""
        import numpy as np

        if self._aligner is None:
            self._aligner = self._build()  # its own decoder: an aligning one can't recognize
        aligner = self._aligner
        data = cepstra.astype(np.float32).tobytes()
        try:
            aligner.set_align_text(" ".join(text.lower().split()))
            # The words' places first; then, from those, their phones' and states'. (Asking the
            # second pass for its hypothesis crashes pocketsphinx 5.1.1: the alignment is read.)
            aligner.start_utt()
            aligner.process_cep(data, no_search=False, full_utt=True)
            aligner.end_utt()
            if aligner.hyp() is None:
                return None
            aligner.set_alignment()
            aligner.start_utt()
            aligner.process_cep(data, no_search=False, full_utt=True)
            aligner.end_utt()
        except RuntimeError:  # a word without a pronunciation, or no path through the audio
            return None
        alignment = aligner.get_alignment()
        if alignment is None:
            return None
        senones = np.full(len(cepstra), -1)
        phones = [""] * len(cepstra)
        for word in alignment:
            for phone in word:
                for state in phone:
                    end = min(state.start + state.duration, len(cepstra))
                    senones[state.start : end] = int(state.name)
                    phones[state.start : end] = [phone.name] * max(0, end - state.start)
        return senones, phones

    def _decoder_for(self, hints: Sequence[str], voice: str | None = None) -> Any:
        """The base decoder, or one that also knows the titles among ``hints`` with a word the base
        model lacks, or listens with the user's learned ``voice``. Titles made of known words
        change nothing: a decoder is built (about 0.3 s, in the worker) only for words that could
        not be heard otherwise."""
        base = self.load()._decoder
        if self.language_model != "commands":
            return base
        titles = tuple(
            sorted(
                title
                for title in language_model.clean_hints(hints)
                if any(base.lookup_word(word) is None for word in title.split())
            )
        )
        # The whole learned voice would make a long key: its digest names it.
        key = (titles, hashlib.sha256(voice.encode()).hexdigest() if voice else None)
        decoder = self._hinted.pop(key, None)
        if decoder is None:
            adapted = _adapted_means(AcousticModel.load(language_model.model_dir() / "en-us"), voice)
            if adapted is None:  # too few notes yet, or unreadable: as if there were no voice
                if not titles:
                    return base
                key = (titles, None)
                decoder = self._hinted.pop(key, None)
            if decoder is None:
                try:
                    decoder = self._build(titles, adapted)
                except RuntimeError:  # adapted means pocketsphinx refuses: hear the note without them
                    log.warning("learned voice refused; listening without it")
                    if not titles:
                        return base
                    key, decoder = (titles, None), self._build(titles)
        self._hinted[key] = decoder  # the most recently used last
        while len(self._hinted) > self.HINTED_DECODERS:
            del self._hinted[next(iter(self._hinted))]
        return decoder

    def _build(self, hints: Sequence[str] = (), means: Any = None) -> Any:
        from pocketsphinx import Decoder  # imported here: the Azure-only deployment doesn't load it

        models = language_model.model_dir()
        options: dict[str, Any] = {
            "hmm": str(models / "en-us"),
            "samprate": SAMPLE_RATE,
            "loglevel": "FATAL",
            **self.DECODER_CONFIG,
        }
        if self.language_model == "general":
            options.update(lm=str(models / "en-us.lm.bin"), dict=str(models / "cmudict-en-us.dict"))
            return Decoder(**{**options, **self._options})
        with tempfile.TemporaryDirectory(prefix="avanochi-lm-") as directory:
            # The decoder reads the files while it is built; they are not needed afterwards.
            files = language_model.build(Path(directory), hints=hints)
            if not hints and means is None:
                log.info("voice language model: %d words, %d sentences", files.words, files.sentences)
            options.update(lm=str(files.language_model), dict=str(files.dictionary))
            if means is not None:
                adapted = Path(directory) / "means"
                adapted.write_bytes(means_file(models / "en-us", means))
                options["mean"] = str(adapted)
            return Decoder(**{**options, **self._options})


def _adapted_means(model: AcousticModel, voice: str | None) -> Any:
    """The means adapted to a learned voice; None for no voice, too few notes, or a record that
    does not read (the note is then heard as anyone's)."""
    if not voice:
        return None
    try:
        return VoiceStats.from_text(voice).adapted_means(model)
    except ValueError:
        log.warning("learned voice unreadable; listening without it")
        return None


class PocketsphinxEngine:
    """``SpeechToText`` over a ``Recognizer`` in a worker process (see the module docstring)."""

    def __init__(self, language_model: ModelName = "commands", *, workers: int = 1, **decoder_options: Any) -> None:
        self.name = "pocketsphinx" if language_model == "commands" else "pocketsphinx-general"
        self._model: ModelName = language_model
        self._options = decoder_options
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    async def warm_up(self) -> None:
        """Start the worker and load its models now (about a second), not on the first note."""
        await asyncio.wrap_future(self._executor().submit(_worker_ready))

    learns_voices = True  # ``voice`` and ``learn``: see bot/voice/adaptation.py

    async def transcribe(
        self, pcm: bytes, sample_rate: int = SAMPLE_RATE, hints: Sequence[str] = (), voice: str | None = None
    ) -> Transcript:
        return await self._in_worker(_worker_recognize, pcm, sample_rate, tuple(hints), voice)

    async def learn(self, pcm: bytes, sample_rate: int, text: str, voice: str | None = None) -> str | None:
        """What this note, which said ``text``, adds to its speaker's ``voice`` (``Recognizer.learn``)."""
        if sample_rate != SAMPLE_RATE:
            return None
        return await self._in_worker(_worker_learn, pcm, text, voice)

    async def _in_worker(self, work: Any, *args: Any) -> Any:
        pool = self._executor()
        try:
            return await asyncio.wrap_future(pool.submit(work, *args))
        except BrokenProcessPool:
            # The native decoder died (or was killed for memory): start afresh on the next note.
            log.exception("offline speech worker died")
            self._discard(pool)
            raise SpeechUnavailable("my speech recognizer stumbled on that note") from None

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        """The worker processes (the benchmark reads their memory)."""
        return list(self._pool._processes) if self._pool is not None else []

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the parent runs an event loop and threads that a fork would copy mid-state.
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_start,
                initargs=(self._model, self._options, os.getpid()),
            )
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


# The worker process's own recognizer. A per-process global is what a ProcessPoolExecutor
# initializer can hand to later calls; it never exists in the bot's own process.
_worker_recognizer: Recognizer | None = None

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_CHECK_SECONDS = 0.5


def _worker_start(model: ModelName, options: dict[str, Any], parent_pid: int) -> None:
    global _worker_recognizer
    _die_with_parent(parent_pid)
    _worker_recognizer = Recognizer(model, **options).load()


def _die_with_parent(parent_pid: int) -> None:
    """A worker whose bot was killed (kill -9, the OOM killer) would otherwise wait for notes
    forever, holding its models' memory: it keeps a copy of the write end of its own queue, so
    it never sees the queue close."""
    if sys.platform.startswith("linux"):
        # The kernel kills us when the thread that started us ends. The pool starts its workers
        # from the thread that submits work, the event loop's, which lives as long as the bot.
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl in this libc: the watch below still works
    if os.getppid() != parent_pid:  # the bot died before the line above took effect
        os._exit(1)
    # Everywhere (and should the signal not come): an orphan is adopted by another process.
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _worker_ready() -> bool:
    return _worker_recognizer is not None


def _worker_recognize(
    pcm: bytes, sample_rate: int, hints: tuple[str, ...] = (), voice: str | None = None
) -> Transcript:
    assert _worker_recognizer is not None, "the pool initializer loads the recognizer"
    return _worker_recognizer.recognize(pcm, sample_rate, hints, voice)


def _worker_learn(pcm: bytes, text: str, voice: str | None = None) -> str | None:
    assert _worker_recognizer is not None, "the pool initializer loads the recognizer"
    return _worker_recognizer.learn(pcm, text, voice)


def _word(word: str) -> str:
    return word.split("(", 1)[0]  # "read(2)" is the second pronunciation of "read"


def _confidence(segments: list[tuple[str, float]]) -> float:
    """The geometric mean of the words' lattice posteriors.

    Of the scores tried on clips of training sentences it separated right from wrong commands
    best (ROC AUC 0.92, against 0.88 for the least certain word and 0.86 for the hypothesis
    posterior)."""
    posteriors = [_posterior(prob) for word, prob in segments if is_word(word)]
    if not posteriors:
        return 0.0
    return round(math.exp(sum(math.log(prob) for prob in posteriors) / len(posteriors)), 4)


def _posterior(prob: float) -> float:
    """A word's lattice posterior, kept off zero so that a log of it stays finite."""
    return min(1.0, max(prob, 1e-6))
