"""How counts and names read in what users see: "1 task", "3 tasks", "Hi Ada" and never "task(s)"
or "Hi U0ADA". Shared by chat replies, nudges, the App Home and the domain's own messages."""

from __future__ import annotations

import re

# Nouns whose plural is not the noun plus -s or -es.
IRREGULAR = {"person": "people", "child": "children", "entry": "entries", "reply": "replies"}


def plural_of(noun: str) -> str:
    """The plural of an English noun, or of the last word of a phrase ("focus session")."""
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR:
        word = IRREGULAR[last]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        word = last + "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        word = last[:-1] + "ies"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def _number(count: float) -> str:
    return f"{count:g}" if isinstance(count, float) else str(count)


def plural(count: float, noun: str, plural_form: str | None = None) -> str:
    """The count with its noun, singular for exactly one: "1 task", "0 tasks", "2 glasses"."""
    return f"{_number(count)} {noun_for(count, noun, plural_form)}"


def noun_for(count: float, noun: str, plural_form: str | None = None) -> str:
    """Only the noun, in the form the count asks for: "3 of 1 *session*" reads the total."""
    return noun if count == 1 else plural_form or plural_of(noun)


def of_total(part: float, total: float, noun: str) -> str:
    """ "1 of 2 sessions", "0 of 1 session": the noun agrees with the total."""
    return f"{_number(part)} of {plural(total, noun)}"


def listed(words: list[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


# What a platform id looks like, so it is never taken for a name: slack:T1:U1, console:root,
# msteams:...:29:..., a bare Slack id (U0123ABCD, W..., B...), a GUID, an e-mail address.
_ID_LIKE = re.compile(
    r".*[:@].*"
    r"|[UWBTE][A-Z0-9]{6,}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def first_name(name: str | None, user_id: str | None = None) -> str | None:
    """The name to greet someone by, or None when what we hold is not a person's name (an id,
    an address, nothing): then the greeting goes without one ("Hi!"). "Lovelace, Ada" (a
    directory's order) gives "Ada"."""
    if not name:
        return None
    name = " ".join(name.split())
    if not name or name == user_id or _ID_LIKE.fullmatch(name) or not any(ch.isalpha() for ch in name):
        return None
    family, comma, given = name.partition(",")
    words = (given if comma and given.strip() else family).split()
    return words[0] if words else None
