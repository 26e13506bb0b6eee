"""Where a voice note should be asked about before it acts: the numbers behind
``DESTRUCTIVE_THRESHOLD`` and ``TITLE_FLOOR`` (bot/voice/transcribe.py), on the committed clips.

    .venv/bin/python -m bench.voice_confirm      # about 20 s, the offline engine in this process

- Destructive commands: every held-out clip whose transcript parses to a command that ends,
  deletes or overwrites something (``is_destructive``). For each threshold, how many of the
  wrong ones would run without asking, and how many of the right ones would need a tap.
- Task titles: every clip whose transcript is an ``add`` ("real"), plus "made" clips: the first
  0.76 s of the clear "add task call the bank" clip (the words "add task") followed by each
  other held-out clip, so the title is words the speaker did or did not say. A title counts as
  said when one of its meaningful words is in the clip's reference (for made clips: the
  reference of the clip after "add task"). Made clips under ``CONFIDENCE_THRESHOLD`` are left
  out: they are asked about whatever their title. For each floor, how many unsaid titles would
  be created and how many said ones asked about. See bench/VOICE.md.
"""

from __future__ import annotations

import json
from typing import Any

from bot.language.matching import meaningful_words
from bot.language.parser import Command, parse
from bot.voice.decode import decode_audio
from bot.voice.engines import Transcript
from bot.voice.offline import Recognizer
from bot.voice.scoring import same_command
from bot.voice.transcribe import CONFIDENCE_THRESHOLD, is_destructive
from tools.voice_clips import FIXTURES, clips

THRESHOLDS = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
FLOORS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
ADD_TASK_BYTES = 76 * 320  # 0.76 s of 16 kHz 16-bit audio: "add task" in voice-message.wav


def best_title_word(transcript: Transcript) -> tuple[str, float, set[str]]:
    """The title, the best confidence of its meaningful words, and those words."""
    from bot.language.arguments import parse_new_task

    command = parse(transcript.text)
    assert isinstance(command, Command)
    title = parse_new_task(command.args).title
    words = meaningful_words(title) or tuple(title.lower().split())
    scores = [score for score in map(transcript.word_confidence, words) if score is not None]
    return title, max(scores, default=0.0), set(words)


def measure() -> dict[str, Any]:
    recognizer = Recognizer().load()
    held_out = clips("heldout")
    heard = {name: recognizer.recognize(decode_audio((FIXTURES / name).read_bytes()).pcm) for _, name, _ in held_out}

    destructive = []
    for text, name, _ in held_out:
        command = parse(heard[name].text)
        if isinstance(command, Command) and is_destructive(command):
            destructive.append((heard[name].confidence or 0.0, same_command(text, heard[name].text)))
    wrong = [confidence for confidence, right in destructive if not right]
    right = [confidence for confidence, right in destructive if right]

    titles = []  # (best word confidence, said)
    for text, name, _ in held_out + clips("containers"):
        transcript = heard.get(name) or recognizer.recognize(decode_audio((FIXTURES / name).read_bytes()).pcm)
        command = parse(transcript.text)
        if isinstance(command, Command) and command.name == "add":
            _, best, words = best_title_word(transcript)
            titles.append(("real", best, bool(words & set(text.lower().split()))))
    head = decode_audio((FIXTURES / "voice-message.wav").read_bytes()).pcm[:ADD_TASK_BYTES]
    for text, name, _ in held_out:
        if parse(text).name == "add":  # type: ignore[union-attr]
            continue
        transcript = recognizer.recognize(head + decode_audio((FIXTURES / name).read_bytes()).pcm)
        command = parse(transcript.text)
        if not (isinstance(command, Command) and command.name == "add"):
            continue
        if (transcript.confidence or 0.0) < CONFIDENCE_THRESHOLD:
            continue
        _, best, words = best_title_word(transcript)
        titles.append(("made", best, bool(words & set(text.lower().split()))))

    def share(count: int, total: int) -> str:
        return f"{count}/{total}"

    return {
        "destructive": {
            "clips": len(destructive),
            "wrong": len(wrong),
            "right": len(right),
            "by_threshold": {
                t: {
                    "wrong_run": share(sum(c >= t for c in wrong), len(wrong)),
                    "right_asked": share(sum(c < t for c in right), len(right)),
                }
                for t in THRESHOLDS
            },
        },
        "titles": {
            kind: {
                f: {
                    "unsaid_created": share(
                        sum(b >= f for k, b, said in titles if k == kind and not said),
                        sum(1 for k, _, said in titles if k == kind and not said),
                    ),
                    "said_asked": share(
                        sum(b < f for k, b, said in titles if k == kind and said),
                        sum(1 for k, _, said in titles if k == kind and said),
                    ),
                }
                for f in FLOORS
            }
            for kind in ("real", "made")
        },
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1))
