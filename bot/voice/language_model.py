"""Building the offline recognizer's language model and pronunciation dictionary from the
bot's own vocabulary (``vocabulary.sentences``), with the tooling the pocketsphinx wheel ships.

A trigram ARPA model (``pocketsphinx.lm.ArpaBoLM``, the library behind ``pocketsphinx_lm``) and
a dictionary cut down from the wheel's CMU dictionary to the words the model knows. Both are
written to a directory the decoder reads once at start-up; building takes well under a second.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.voice import vocabulary

log = logging.getLogger("avanochi.voice")

# Words of the command language that the CMU dictionary does not know.
EXTRA_PRONUNCIATIONS = {
    "avanochi": ["AA V AH N OW CH IY"],
}


# The backoff weight of the sentence start: how likely a note is to begin with a word no
# sentence of the command language begins with. The fixed-discount model gives that half the
# mass, so a misheard first word ("on organize ...", "boss at my ...") cost little; every command
# starts with one of its phrases. 0.001 raised dev clips from 166 to 172 of 240 (espeak-ng 62 ->
# 68 of 120, flite unchanged); 1e-5 gave the same (bench/VOICE.md).
START_BACKOFF = 1e-3
# The most task titles one note's model is built with, and the longest title (in words).
MAX_HINTS = 50
MAX_HINT_WORDS = 10


@dataclass(frozen=True)
class ModelFiles:
    language_model: Path
    dictionary: Path
    words: int
    sentences: int


def model_dir() -> Path:
    """The acoustic model, dictionary and general language model inside the pocketsphinx wheel."""
    from pocketsphinx import get_model_path  # imported here: only the offline engine needs it

    return Path(get_model_path("en-us"))


def build(directory: Path, *, sentences: list[str] | None = None, hints: Iterable[str] = ()) -> ModelFiles:
    """Write ``commands.lm`` (ARPA) and ``commands.dict`` into ``directory``.

    ``hints`` are the user's open task titles: the sentences that name them ("done call the
    notary") join the corpus, so their words can be heard even outside the title vocabulary."""
    from pocketsphinx.lm import ArpaBoLM

    base = sentences if sentences is not None else vocabulary.sentences()
    corpus = base + vocabulary.title_sentences(clean_hints(hints))
    pronunciations = _pronunciations(model_dir() / "cmudict-en-us.dict")
    every_word = vocabulary.words(corpus)
    known = {word for word in every_word if _base(word) in pronunciations}
    # Only the command language's own words are named: a task title's belong to its user.
    unknown = sorted(vocabulary.words(base) - known)
    if unknown:
        # A word with no pronunciation can never be recognized; say so rather than fail quietly.
        log.warning("voice vocabulary words without a pronunciation: %s", ", ".join(unknown))
    kept = [line for line in corpus if all(word in known for word in line.split())]

    # The library's fixed discount (0.5): 0.1 to 0.7 were within one clip of each other on dev clips.
    model = ArpaBoLM(text="\n".join(kept), add_start=True)
    for word in known:
        # Title words that no template used still get a unigram, so they can be heard at all.
        if word not in model.grams_1:
            model.grams_1[word] = 1
    model.compute()
    # Notes start with a phrase of the command language (see START_BACKOFF).
    model.alpha_1["<s>"] = START_BACKOFF
    directory.mkdir(parents=True, exist_ok=True)
    lm_path = directory / "commands.lm"
    with lm_path.open("w") as out:
        model.write(out)
    dict_path = directory / "commands.dict"
    with dict_path.open("w") as out:
        for word in sorted(known):
            for variant, phones in enumerate(pronunciations[word]):
                out.write(f"{word}{'' if variant == 0 else f'({variant + 1})'} {phones}\n")
    return ModelFiles(lm_path, dict_path, words=len(known), sentences=len(kept))


def clean_hints(hints: Iterable[str]) -> list[str]:
    """The titles a model can use: lower case, words only, the first ``MAX_HINTS`` distinct ones."""
    out: list[str] = []
    for hint in hints:
        words = re.findall(r"[a-z][a-z']*", hint.lower())
        title = " ".join(words[:MAX_HINT_WORDS])
        if title and title not in out:
            out.append(title)
        if len(out) == MAX_HINTS:
            break
    return out


def _pronunciations(path: Path) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {word: list(phones) for word, phones in EXTRA_PRONUNCIATIONS.items()}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, phones = line.strip().partition(" ")
            # Alternates ("read(2)") are variants of the same word; keep them all.
            table.setdefault(_base(word), []).append(phones.split("#")[0].strip())
    return table


def _base(word: str) -> str:
    return word.split("(", 1)[0]
