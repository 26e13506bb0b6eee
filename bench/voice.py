"""Voice notes on one core: real-time factor, end-to-end latency, memory and command accuracy
of the offline engine with the bot-vocabulary language model and with pocketsphinx's general one.

    .venv/bin/python -m bench.voice                 # both models, ~2 minutes on one core
    .venv/bin/python -m bench.voice --models commands --json /tmp/voice.json

Each model runs in its own child process pinned to CPU 0 (``os.sched_setaffinity``, inherited by
the engine's worker process too), so everything shares one core and the memory it reports is that
model's alone. In the child, for every committed clip of tests/fixtures/voice (the held-out
phrases and the five containers of one phrase):

- decode: ``decode_audio`` (PyAV) to 16 kHz mono PCM;
- recognition: ``Recognizer.recognize`` on that PCM in the same process: pure decoding time;
  real-time factor = recognition time / audio length;
- end to end: ``transcribe_attachment`` + ``read_transcript`` through asyncio with the real
  ``PocketsphinxEngine`` (worker process, so IPC included): bytes in, command out;
- command accuracy (``bot.voice.scoring.same_command``) and word error rate against the reference.

Plus one 58 s note (held-out clips joined), the worst case the 60 s limit allows, and memory
(VmRSS, VmHWM = peak): the engine's worker process after loading and at the end, and an
in-process recognizer's cost over the imports. See bench/VOICE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "voice"


def rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def process_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker(model: str) -> dict[str, Any]:
    """Everything measured for one model, in this (pinned, fresh) process."""
    return asyncio.run(_measure(model))


async def _measure(model: str) -> dict[str, Any]:
    import pocketsphinx  # noqa: F401  (counted in the baseline, as in the worker)

    from bot.voice import vocabulary
    from bot.voice.decode import decode_audio
    from bot.voice.offline import PocketsphinxEngine, Recognizer
    from bot.voice.scoring import same_command, word_errors
    from bot.voice.transcribe import read_transcript, transcribe_attachment

    engine = PocketsphinxEngine(model)  # type: ignore[arg-type]
    started = time.perf_counter()
    await engine.warm_up()
    worker_start = time.perf_counter() - started
    [pid] = engine.worker_pids()
    memory = {"worker_loaded_mib": process_mib(pid)}

    in_process = {"after_imports_mib": rss_mib()}
    recognizer = Recognizer(model)  # type: ignore[arg-type]
    started = time.perf_counter()
    recognizer.load()
    load_seconds = time.perf_counter() - started
    in_process["recognizer_loaded_mib"] = rss_mib()

    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    training = set(vocabulary.sentences())
    rows = []
    for phrase in manifest["phrases"]:
        for clip in phrase["clips"]:
            data = (FIXTURES / clip["file"]).read_bytes()
            started = time.perf_counter()
            audio = decode_audio(data)
            decode_seconds = time.perf_counter() - started
            started = time.perf_counter()
            transcript = recognizer.recognize(audio.pcm)
            recognize_seconds = time.perf_counter() - started
            started = time.perf_counter()
            heard = read_transcript(await transcribe_attachment(data, None, clip["file"], engine))
            end_to_end = time.perf_counter() - started
            errors, words = word_errors(phrase["text"], transcript.text)
            rows.append(
                {
                    "file": clip["file"],
                    "set": phrase["set"],
                    "voice": clip["voice"],
                    "novel": phrase["text"] not in training,
                    "reference": phrase["text"],
                    "transcript": transcript.text,
                    "confidence": transcript.confidence,
                    "right": same_command(phrase["text"], transcript.text),
                    "clean": heard.clean,
                    "same_in_worker": heard.transcript == transcript,
                    "word_errors": errors,
                    "words": words,
                    "audio_seconds": round(audio.seconds, 3),
                    "decode_ms": round(decode_seconds * 1000, 2),
                    "recognize_ms": round(recognize_seconds * 1000, 1),
                    "rtf": round(recognize_seconds / audio.seconds, 4),
                    "end_to_end_ms": round(end_to_end * 1000, 1),
                }
            )
    longest = await _longest_note(engine)
    memory["worker_end_mib"] = process_mib(pid)
    memory["worker_peak_mib"] = process_mib(pid, "VmHWM")
    await engine.close()
    return {
        "model": model,
        "engine": engine.name,
        "load_seconds": round(load_seconds, 3),
        "worker_start_seconds": round(worker_start, 3),
        "memory": memory,
        "in_process": in_process,
        "rows": rows,
        "longest_note": longest,
    }


async def _longest_note(engine: Any) -> dict[str, Any]:
    """A 58 s note made of held-out speech: the slowest note the limits let through."""
    from bot.voice.decode import decode_audio
    from bot.voice.transcribe import transcribe_attachment
    from tools.voice_clips import encode

    pcm = b""
    for path in sorted(FIXTURES.glob("heldout-*a.*")):
        pcm += decode_audio(path.read_bytes()).pcm + b"\0\0" * 4000  # a quarter second between commands
        if len(pcm) > 58 * 32000:
            break
    pcm = pcm[: 58 * 32000]
    data = encode(pcm, 16000, "ogg")
    started = time.perf_counter()
    transcript = await transcribe_attachment(data, "audio/ogg", "long.ogg", engine)
    seconds = time.perf_counter() - started
    return {
        "audio_seconds": round(len(pcm) / 32000, 2),
        "end_to_end_ms": round(seconds * 1000, 1),
        "rtf": round(seconds / (len(pcm) / 32000), 4),
        "words": len(transcript.text.split()),
    }


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    rows = [row for row in result["rows"] if row["set"] == "heldout"]
    every = result["rows"]

    def accuracy(selected: list[dict[str, Any]]) -> str:
        right = sum(row["right"] for row in selected)
        return f"{right}/{len(selected)} ({100 * right / len(selected):.0f}%)" if selected else "-"

    accepted = [row for row in rows if row["clean"]]
    return {
        "model": result["model"],
        "accuracy": accuracy(rows),
        "flite": accuracy([row for row in rows if row["voice"].startswith("flite")]),
        "espeak": accuracy([row for row in rows if row["voice"].startswith("espeak")]),
        "novel": accuracy([row for row in rows if row["novel"]]),
        "in_corpus": accuracy([row for row in rows if not row["novel"]]),
        "wer": round(sum(row["word_errors"] for row in rows) / sum(row["words"] for row in rows), 3),
        "run_without_asking": f"{len(accepted)}/{len(rows)}, of which wrong {sum(not r['right'] for r in accepted)}",
        "rtf_median": round(statistics.median(row["rtf"] for row in every), 3),
        "rtf_max": round(max(row["rtf"] for row in every), 3),
        "decode_ms_median": round(statistics.median(row["decode_ms"] for row in every), 2),
        "end_to_end_ms_median": round(statistics.median(row["end_to_end_ms"] for row in every), 1),
        "end_to_end_ms_p90": round(statistics.quantiles([row["end_to_end_ms"] for row in every], n=10)[-1], 1),
        "end_to_end_ms_max": round(max(row["end_to_end_ms"] for row in every), 1),
        "clip_seconds_median": round(statistics.median(row["audio_seconds"] for row in every), 2),
        "longest_note": result["longest_note"],
        "same_transcript_in_worker": all(row["same_in_worker"] for row in every),
        "load_seconds": result["load_seconds"],
        "worker_start_seconds": result["worker_start_seconds"],
        "worker_memory_mib": {key: round(value, 1) for key, value in result["memory"].items()},
        "in_process_memory_mib": {key: round(value, 1) for key, value in result["in_process"].items()},
    }


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    import av
    import pocketsphinx  # noqa: F401

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores_used": 1,
        "python": platform.python_version(),
        "av": av.__version__,
        "ffmpeg_libavcodec": ".".join(map(str, av.library_versions["libavcodec"])),
        "pocketsphinx": version("pocketsphinx"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="commands,general")
    parser.add_argument("--json", type=Path, help="write the per-clip rows and the summary here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {0})  # one core, inherited by the workers
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    results, summaries = {}, []
    for model in args.models.split(","):
        # A fresh process per model: its RSS is that model's, not the sum of both.
        child = subprocess.run(
            [sys.executable, "-m", "bench.voice", "--worker", model],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        results[model] = json.loads(child.stdout.strip().splitlines()[-1])
        summaries.append(summarize(results[model]))
    report = {"environment": environment(), "summary": summaries}
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps({**report, "results": results}, indent=1))


if __name__ == "__main__":
    main()
