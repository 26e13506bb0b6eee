"""How a user says how they feel: a face from 1 to 5 ("mood 4", "mood 2 tired", 🙂) or a few
words ("tired", "feeling great"). Only a small lexicon of feeling words is read; anything
else is unsure, and the dialog asks with the faces rather than guess a mood."""

from __future__ import annotations

import re
from dataclasses import dataclass

FACES = {1: "😫", 2: "😕", 3: "😐", 4: "🙂", 5: "😄"}
FACE_VALUES = {face: value for value, face in FACES.items()} | {
    "😩": 1,
    "😞": 2,
    "😔": 2,
    "😶": 3,
    "😊": 4,
    "😀": 5,
    "😁": 5,
}
# Feeling words and the face they mean. Negated or mixed feelings ("not tired", "tired but
# happy") are not here on purpose: they are asked about.
LEXICON = {
    **dict.fromkeys(
        "awful terrible horrible miserable exhausted drained overwhelmed dreadful depressed wrecked".split(), 1
    ),
    "burnt out": 1,
    "burned out": 1,
    **dict.fromkeys(
        "tired stressed sad down low anxious worried frustrated bad sleepy grumpy annoyed rough sick unwell "
        "upset lonely nervous bored".split(),
        2,
    ),
    "not great": 2,
    "not good": 2,
    "not so good": 2,
    "not well": 2,
    **dict.fromkeys("ok okay fine alright meh neutral average so-so".split(), 3),
    "all right": 3,
    "so so": 3,
    "not bad": 3,
    **dict.fromkeys("good well calm relaxed content productive motivated focused positive rested".split(), 4),
    "pretty good": 4,
    **dict.fromkeys(
        "great amazing awesome fantastic excellent wonderful happy energized energised brilliant excited".split(), 5
    ),
    "on fire": 5,
}
# Words around a feeling that do not change it ("really tired today", "a bit stressed").
AROUND = frozenset(
    "so very really quite pretty a bit little kinda kind of super extremely totally rather somewhat "
    "today now right at the moment this morning afternoon evening tonight lately again too and "
    "i i'm im am feel feeling moment this".split()
)
# At most three digits: a long run of them is no face, and never reaches int().
NUMBER = re.compile(r"^(\d{1,3})(?!\d)(?:\s*(?:/|out of|of)\s*5)?(?:\s+(.*))?$")
WORD_MAX = 30


@dataclass(frozen=True)
class MoodReading:
    value: int | None  # 1..5, None: unsure (ask)
    word: str | None = None


def read_feeling(text: str) -> MoodReading:
    """Feeling words only (with the words around them that change nothing); the lowest
    feeling named wins ("tired and stressed" is 2), and anything else is unsure."""
    words = text.lower().replace(",", " ").replace("!", " ").replace(".", " ").split()
    found: list[tuple[int, str]] = []
    index = 0
    while index < len(words):
        pair = " ".join(words[index : index + 2])
        if pair in LEXICON:
            found.append((LEXICON[pair], pair))
            index += 2
        elif words[index] in LEXICON:
            found.append((LEXICON[words[index]], words[index]))
            index += 1
        elif words[index] in AROUND:
            index += 1
        else:
            return MoodReading(None)
    if not found:
        return MoodReading(None)
    value, word = min(found)
    return MoodReading(value, word)


def read_mood(args: str) -> MoodReading:
    """'4', '2 tired', '3/5', '🙂', 'tired': a mood; '', '9', 'board' or 'like skipping lunch': unsure."""
    text = " ".join(args.split())
    if not text:
        return MoodReading(None)
    first, _, rest = text.partition(" ")
    if first in FACE_VALUES:
        return MoodReading(FACE_VALUES[first], _word(rest))
    match = NUMBER.match(text.lower())
    if match:
        value = int(match.group(1))
        return MoodReading(value if 1 <= value <= 5 else None, _word(match.group(2) or ""))
    return read_feeling(text)


def _word(text: str) -> str | None:
    """The word kept beside a face: short, letters only ("tired", "burnt out")."""
    text = " ".join(text.lower().split())
    if text and len(text) <= WORD_MAX and all(part.isalpha() or part in ("-", "'") for part in text.split()):
        return text
    return None
