"""Voice learning on the held-out clips: each voice as a user whose earlier notes were the dev clips
in that voice (bench/voice_dev.py), then heard on its 12 held-out clips (bench/VOICE.md).

    .venv/bin/python -m bench.voice_dev make          # the earlier notes (a minute)
    .venv/bin/python -m bench.voice_learning [--notes 30] [--json out.json]

A dev clip teaches only what the bot would learn from in chat: its command ran, or the user
confirmed it, so its words are the reference text. Nothing here reads a held-out clip's text
before it is scored. One core, like the other voice benchmarks.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/voice-dev"))
    parser.add_argument("--notes", type=int, default=30, help="earlier notes per voice (at most 30)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {0})

    from bench.voice_dev import load
    from bot.voice.adaptation import VoiceStats
    from bot.voice.decode import decode_audio
    from bot.voice.offline import Recognizer
    from bot.voice.scoring import same_command
    from bot.voice.transcribe import read_transcript
    from tools.voice_clips import FIXTURES

    recognizer = Recognizer().load()
    earlier: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in load(args.dir):
        earlier[row["voice"]].append(row)
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    held_out: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for phrase in manifest["phrases"]:
        if phrase["set"] == "heldout":
            for clip in phrase["clips"]:
                held_out[clip["voice"]].append((phrase["text"], clip["file"]))

    rows: list[dict[str, Any]] = []
    learn_seconds, learned_notes, hear_seconds, audio_seconds = 0.0, 0, 0.0, 0.0
    for voice, clips in sorted(held_out.items()):
        stats = VoiceStats()
        for note in earlier[voice][: args.notes]:
            started = time.perf_counter()
            learned = recognizer.learn(note["pcm"], note["text"], stats.to_text() if stats.ready else None)
            learn_seconds += time.perf_counter() - started
            if learned is not None:
                stats = stats.learned(VoiceStats.from_text(learned))
                learned_notes += 1
        transform = stats.to_text()
        for text, name in clips:
            pcm = decode_audio((FIXTURES / name).read_bytes()).pcm
            before = recognizer.recognize(pcm).text
            recognizer.recognize(pcm, voice=transform)  # the adapted decoder is built: not timed
            started = time.perf_counter()
            heard = recognizer.recognize(pcm, voice=transform)
            hear_seconds += time.perf_counter() - started
            after = heard.text
            reading = read_transcript(heard)
            audio_seconds += len(pcm) / 32000
            rows.append(
                {
                    "voice": voice,
                    "file": name,
                    "text": text,
                    "before": before,
                    "after": after,
                    "right_before": same_command(text, before),
                    "right_after": same_command(text, after),
                    "confidence": heard.confidence,
                    "runs_without_asking": reading.clean,
                }
            )

    def share(selected: list[dict[str, Any]], key: str) -> str:
        return f"{sum(row[key] for row in selected)}/{len(selected)}"

    summary: dict[str, Any] = {"notes_per_voice": args.notes, "learned_notes": learned_notes}
    for family in ("", "flite", "espeak"):
        selected = [row for row in rows if row["voice"].startswith(family)]
        summary[family or "all"] = {"before": share(selected, "right_before"), "after": share(selected, "right_after")}
    summary["per_voice"] = {
        voice: f"{sum(r['right_before'] for r in rows if r['voice'] == voice)} -> "
        f"{sum(r['right_after'] for r in rows if r['voice'] == voice)}"
        for voice in sorted(held_out)
    }
    # What the bot would do with the adapted transcripts: a wrong one that runs without a question
    # is the mistake that matters (bench/VOICE.md, "Asking before acting").
    summary["after_wrong_that_run"] = [
        f"{row['text']} -> {row['after']}" for row in rows if row["runs_without_asking"] and not row["right_after"]
    ]
    summary["after_right_that_ask"] = sum(1 for row in rows if row["right_after"] and not row["runs_without_asking"])
    summary["learn_seconds_per_note"] = round(learn_seconds / max(learned_notes, 1), 3)
    summary["rtf_adapted"] = round(hear_seconds / audio_seconds, 4)
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))
    print(f"{len(rows)} held-out clips", file=sys.stderr)


if __name__ == "__main__":
    main()
