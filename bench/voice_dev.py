"""Dev clips for tuning the offline engine, never the held-out fixtures (bench/VOICE.md).

    .venv/bin/python -m bench.voice_dev make [--dir /tmp/voice-dev]   # synthesize (flite, espeak-ng)
    .venv/bin/python -m bench.voice_dev score [--dir ...]              # command accuracy, one core

Sentences come from the command language only: training sentences (``vocabulary.sentences()``)
and sentences of the same templates drawn with another seed that are not training sentences
("novel": new title combinations). Each is spoken by the same eight voices as the fixtures, run
through the same containers and ``decode_audio``, and cached as 16 kHz PCM. Nothing here reads
tests/fixtures/voice. The clips are not committed: ``make`` rebuilds them in a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

DEV_SEED = 777  # the training corpus uses vocabulary.sentences()'s own seed
TRAINING_CLIPS = 160
NOVEL_CLIPS = 80


def dev_phrases() -> list[tuple[str, str]]:
    """(text, "training" | "novel"), the same on every run."""
    from bot.voice import vocabulary

    training = vocabulary.sentences()
    known = set(training)
    rng = random.Random(DEV_SEED)
    picked = rng.sample(training, TRAINING_CLIPS)
    others = [line for line in vocabulary.sentences(seed=DEV_SEED) if line not in known]
    novel = rng.sample(sorted(set(others)), NOVEL_CLIPS)
    return [(text, "training") for text in picked] + [(text, "novel") for text in novel]


def make(directory: Path) -> None:
    from bot.voice.decode import decode_audio
    from tools.voice_clips import CONTAINERS, ESPEAK_VOICES, FLITE_VOICES, encode, speak

    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, (text, kind) in enumerate(dev_phrases()):
        voices = FLITE_VOICES if index % 2 == 0 else ESPEAK_VOICES
        voice = voices[(index // 2) % len(voices)]
        container = CONTAINERS[index % len(CONTAINERS)]
        pcm, rate = speak(text.replace("p.m.", "pm").replace("a.m.", "am"), voice)
        audio = decode_audio(encode(pcm, rate, container))
        name = f"dev-{index:03d}.pcm"
        (directory / name).write_bytes(audio.pcm)
        rows.append({"file": name, "text": text, "kind": kind, "voice": voice, "seconds": round(audio.seconds, 2)})
    (directory / "dev.json").write_text(json.dumps(rows, indent=1))
    print(f"{len(rows)} dev clips in {directory}", file=sys.stderr)


def load(directory: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((directory / "dev.json").read_text())
    for row in rows:
        row["pcm"] = (directory / row["file"]).read_bytes()
    return rows


def score(rows: list[dict[str, Any]], hear: Any) -> dict[str, Any]:
    """Command accuracy of ``hear(pcm) -> text`` on the dev clips, by voice family and kind."""
    from bot.voice.scoring import same_command

    results = []
    spent = 0.0
    audio = 0.0
    for row in rows:
        started = time.perf_counter()
        text = hear(row["pcm"])
        spent += time.perf_counter() - started
        audio += row["seconds"]
        kept = {key: value for key, value in row.items() if key != "pcm"}
        results.append({**kept, "heard": text, "right": same_command(row["text"], text)})

    def share(selected: list[dict[str, Any]]) -> str:
        return f"{sum(r['right'] for r in selected)}/{len(selected)}"

    return {
        "all": share(results),
        "flite": share([r for r in results if r["voice"].startswith("flite")]),
        "espeak": share([r for r in results if r["voice"].startswith("espeak")]),
        "novel": share([r for r in results if r["kind"] == "novel"]),
        "rtf": round(spent / audio, 4),
        "rows": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["make", "score"])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/voice-dev"))
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {0})
    if args.action == "make":
        make(args.dir)
        return
    from bot.voice.offline import Recognizer

    recognizer = Recognizer().load()
    result = score(load(args.dir), lambda pcm: recognizer.recognize(pcm).text)
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}))
    print("median clip", statistics.median(r["seconds"] for r in result["rows"]), file=sys.stderr)


if __name__ == "__main__":
    main()
