"""Which task a few words mean: scored on the words that carry meaning, never on filler.

"done the thing" or "finish the budget review" must not complete *write the quarterly report*
because they share "the": words of completion, filler and time phrases are dropped before
scoring, each remaining word counts by how rare it is among the user's titles, and only a
strong, unique match may act. A weaker one is a question; no shared word is no action.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from domain.entities import Task

# Words that say what to do with a task, or nothing at all, rather than which task.
IGNORED = frozenset(
    """
    a an the this that these those it its it's thing things stuff one ones my our your his her their
    i i'm im me we you he she they is am are was were be been being have has had do does did
    done finish finished finishing complete completed completing mark marked tick ticked check
    checked off close closed delete deleted remove removed task tasks todo item number
    for to of in on at w by with from about as and or but so just now already all also too very
    really please pls plz thanks thank ok okay yes no not up out over again still then
    day today tonight tomorrow yesterday morning afternoon evening week weekend
    """.split()
)
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")

STRONG = 0.9  # share of the meaningful words found in one title, weighted by rarity: acts
WEAK = 0.5  # at least this much, or a tie: asks "Did you mean ...?" first
TIE = 0.05  # scores this close to the best are as likely: the question names them all
CHOICES_MAX = 4  # a question with more buttons than this is a list, not a choice
WORD_SIMILARITY = 80  # a typo still counts as the word ("quartely" for "quarterly")


@dataclass(frozen=True)
class TaskMatch:
    """``task`` is None when nothing matched; ``sure`` says whether acting on it is safe;
    ``tied`` holds every task as likely as ``task`` (itself first) when the words fit several."""

    task: Task | None
    sure: bool
    words: tuple[str, ...]  # the meaningful words that were looked for
    tied: tuple[Task, ...] = ()


def meaningful_words(text: str) -> tuple[str, ...]:
    """The words of a reference or a title that can tell tasks apart, lower case, in order."""
    return tuple(word for word in WORD.findall(text.lower()) if word not in IGNORED)


def _stem(word: str) -> str:
    """'calling' -> 'call', 'slides' -> 'slide': the same word said another way still counts."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word  # "prepare", "preparing"


def _similarity(word: str, other: str) -> float:
    if word == other or _stem(word) == _stem(other):
        return 100.0
    # A swapped pair of letters ("sildes") is one slip, not two.
    return max(fuzz.ratio(word, other), OSA.normalized_similarity(word, other) * 100)


def _word_score(word: str, title_words: Sequence[str]) -> float:
    best = max((_similarity(word, other) for other in title_words), default=0.0)
    return best / 100 if best >= WORD_SIMILARITY else 0.0


def match_task(reference: str, tasks: Sequence[Task]) -> TaskMatch:
    """The task the words point to, and whether they point to it clearly enough to act."""
    words = meaningful_words(reference)
    if not words or not tasks:
        return TaskMatch(None, False, words)
    titles = [meaningful_words(task.title) for task in tasks]
    # A word found in many titles tells little ("report" among five reports): weigh by rarity.
    weights = []
    for word in words:
        holders = sum(1 for title in titles if _word_score(word, title) > 0)
        weights.append(math.log(1 + len(tasks) / holders) if holders else 1.0)
    total = sum(weights)
    scores = [
        sum(weight * _word_score(word, title) for word, weight in zip(words, weights, strict=True)) / total
        for title in titles
    ]
    ranked = sorted(range(len(tasks)), key=lambda index: scores[index], reverse=True)
    best = ranked[0]
    top = scores[best]
    if top <= 0:
        return TaskMatch(None, False, words)
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    unique = runner_up < top - TIE
    if top >= STRONG and unique:
        return TaskMatch(tasks[best], True, words)
    if top >= WEAK:
        # "done report" with two report tasks: asking about one of them hides the other.
        tied = tuple(tasks[index] for index in ranked if scores[index] >= top - TIE)
        return TaskMatch(tasks[best], False, words, tied if 1 < len(tied) <= CHOICES_MAX else ())
    # A minor word in common (one of three) is no reason to name a task.
    return TaskMatch(None, False, words)
