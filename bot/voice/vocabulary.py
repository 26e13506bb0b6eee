"""What the offline recognizer listens for: sentences generated from the command language.

The parser's own phrases (``bot.language.parser.PHRASES``) are combined with argument templates
(numbers, minutes, water amounts, days and times, task numbers) and task titles built from a
vocabulary of common task words. The sentences train the n-gram model of ``language_model``;
every word of the vocabulary is also added on its own, so a title word never seen in a
template can still be heard. Phrases the tests hold out for measuring accuracy are not here.
"""

from __future__ import annotations

import random
import re

from bot.language.parser import PHRASES

# Numbers a user says for minutes, task numbers and amounts (arguments.NUMBER_WORDS reads them back).
UNITS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
MINUTES = [
    "five",
    "ten",
    "fifteen",
    "twenty",
    "twenty five",
    "thirty",
    "forty",
    "forty five",
    "fifty",
    "sixty",
    "ninety",
    "twenty two",
    "fifty two",
]
TASK_NUMBERS = UNITS[:12]
PERIODS = ["today", "week", "month", "all", "this week", "this month"]
LIST_FILTERS = ["today", "week", "done", "all"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAY_WORDS = ["today", "tomorrow", "tonight", "next week", "next monday", "next friday", "the weekend"]
HOURS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
DAY_PARTS = ["morning", "afternoon", "evening", "noon", "lunch time", "end of day"]

# Open-ended task titles: verbs, objects and people that to-do lists are made of.
TITLE_VERBS = [
    "call",
    "email",
    "text",
    "write",
    "review",
    "send",
    "buy",
    "fix",
    "book",
    "pay",
    "update",
    "prepare",
    "schedule",
    "read",
    "clean",
    "plan",
    "submit",
    "check",
    "order",
    "renew",
    "cancel",
    "reply to",
    "ask",
    "meet",
    "finish",
    "draft",
    "print",
    "sign",
    "file",
    "test",
    "deploy",
    "merge",
    "organize",
    "pick up",
    "drop off",
    "return",
    "wash",
    "cook",
    "visit",
    "pack",
    "share",
    "publish",
    "approve",
    "follow up with",
    "practice",
    "research",
    "install",
    "upgrade",
    "document",
    "translate",
    "design",
    "present",
    "clear",
    "sort",
    "archive",
    "backup",
    "refill",
    "repair",
    "invite",
    "thank",
    "remind",
    "confirm",
    "water",
]
TITLE_DETERMINERS = ["the", "the", "the", "a", "my", "our", "", ""]
TITLE_DESCRIPTORS = [
    "weekly",
    "monthly",
    "quarterly",
    "annual",
    "sales",
    "marketing",
    "project",
    "team",
    "new",
    "old",
    "final",
    "budget",
    "travel",
    "client",
    "board",
    "product",
    "code",
]
TITLE_OBJECTS = [
    "bank",
    "report",
    "invoice",
    "dentist",
    "doctor",
    "team",
    "slides",
    "budget",
    "meeting",
    "contract",
    "client",
    "landlord",
    "groceries",
    "car",
    "kitchen",
    "laundry",
    "tickets",
    "flight",
    "hotel",
    "presentation",
    "proposal",
    "code",
    "bug",
    "tests",
    "website",
    "newsletter",
    "taxes",
    "rent",
    "bills",
    "insurance",
    "plants",
    "garden",
    "package",
    "printer",
    "laptop",
    "server",
    "database",
    "roadmap",
    "agenda",
    "notes",
    "survey",
    "training",
    "interview",
    "candidate",
    "manager",
    "boss",
    "recruiter",
    "lawyer",
    "plumber",
    "vet",
    "gym",
    "library",
    "passport",
    "license",
    "documents",
    "receipts",
    "expenses",
    "design",
    "release",
    "pull request",
    "demo",
    "workshop",
    "dinner",
    "present",
    "flowers",
    "cake",
    "milk",
    "bread",
    "coffee",
    "electricity bill",
    "phone bill",
    "appointment",
    "birthday card",
    "gift",
    "password",
    "calendar",
    "inbox",
    "emails",
    "spreadsheet",
    "dashboard",
    "website",
    "blog post",
    "article",
    "book",
    "table",
    "room",
    "desk",
    "office",
    "keys",
    "bike",
    "shoes",
    "jacket",
    "haircut",
    "prescription",
    "pharmacy",
    "mechanic",
    "accountant",
    "supplier",
    "vendor",
    "partner",
    "customer",
    "team lunch",
    "standup",
    "retro",
    "sprint",
    "backlog",
    "ticket",
    "feedback",
    "minutes",
    "summary",
    "forecast",
    "plan",
    "strategy",
    "pitch",
    "deck",
    "form",
    "application",
    "visa",
    "payment",
    "refund",
    "order",
    "delivery",
    "subscription",
    "account",
    "mortgage",
    "loan",
    "school",
    "kids",
    "mom",
    "dad",
    "sister",
    "brother",
    "grandma",
    "neighbor",
    "friend",
    "wife",
    "husband",
]
PEOPLE = [
    "john",
    "sarah",
    "alex",
    "maria",
    "david",
    "emma",
    "michael",
    "lisa",
    "tom",
    "anna",
    "peter",
    "kate",
    "james",
    "laura",
    "mark",
    "sophie",
    "paul",
    "julia",
    "daniel",
    "nina",
    "chris",
    "olivia",
]
TITLE_LINKS = ["for", "with", "about", "to", "on", "from", "at"]

# Templates: "{slot}" is filled by a generator below, "[a|b]" picks one alternative ("" allowed).
TEMPLATES: list[tuple[int, str]] = [
    (30, "{add} {title}"),
    (8, "{add} {title} {due} {when}"),
    (4, "{add} {title} [with|] {priority} priority"),
    (4, "{tasks}"),
    (4, "{tasks} {list_filter}"),
    (8, "{done} [task|number|] {number}"),
    (5, "{done} {title}"),
    (3, "{delete} [task|number|] {number}"),
    (3, "edit {number} {title}"),
    (3, "rename [task|] {number} {title}"),
    (3, "{due} {number} {when}"),
    (2, "{due} task {number} to {when}"),
    (2, "{undo}"),
    (3, "{start}"),
    (2, "{start} {title}"),
    (3, "{stop}"),
    (2, "{status}"),
    (4, "{focus}"),
    (8, "{focus} [for|] {minutes}"),
    (3, "{focus} on [task|] {number}"),
    (2, "{focus} [for|] {minutes} on [task|] {number}"),
    (3, "{focus_stop}"),
    (2, "{focus_cancel}"),
    (2, "{interrupted}"),
    (4, "{water}"),
    (6, "{water} {amount}"),
    (4, "[i drank|i had|drank] {amount} of water"),
    (3, "{break}"),
    (4, "{break} [for|] {minutes}"),
    (3, "{lunch}"),
    (3, "{stats}"),
    (4, "{stats} {period}"),
    (2, "{pet}"),
    (2, "{achievements}"),
    (2, "{insights}"),
    (2, "{help}"),
    (1, "{hello}"),
    (2, "remind [me to|] water every {minutes}"),
    (2, "remind [me to|] break every {minutes}"),
    (2, "[remind|] [take a|] break every {minutes}"),
    (2, "reminders [off|on]"),
    (3, "snooze [for|] {minutes}"),
    (1, "pause [reminders|]"),
    (2, "{settings}"),
    (1, "{token}"),
    (1, "{export}"),
    (1, "{delete_data}"),
    (3, "{yes}"),
    (3, "{no}"),
    (1, "{timezone}"),
    (1, "{hours}"),
    (1, "{quiet}"),
]
SENTENCES_PER_WEIGHT = 40


def spoken_phrases(command: str) -> list[str]:
    """The parser's phrases for a command that a person can say (not '?', 'tz' or 'del')."""
    return [
        phrase
        for phrase, name in PHRASES.items()
        if name == command and re.fullmatch(r"[a-z' ]+", phrase) and phrase not in UNSPOKEN
    ]


UNSPOKEN = {"tz", "del", "y", "n", "todos"}


def sentences(seed: int = 20240601, per_weight: int = SENTENCES_PER_WEIGHT) -> list[str]:
    """The training corpus: every template expanded many times with random slot values (seeded,
    so the model is the same on every start)."""
    rng = random.Random(seed)
    out: list[str] = []
    for weight, template in TEMPLATES:
        seen: set[str] = set()
        for _ in range(weight * per_weight):
            sentence = _clean(_expand(template, rng))
            if sentence and sentence not in seen:
                seen.add(sentence)
                out.append(sentence)
    # Every phrase of the parser at least once, even one no template uses.
    out += sorted({phrase for command in set(PHRASES.values()) for phrase in spoken_phrases(command)})
    return out


# How a user names one of their own tasks by voice: the commands whose argument is a task's title.
TITLE_COMMANDS = ("done", "delete", "start")


def title_sentences(titles: list[str]) -> list[str]:
    """Sentences that name each of ``titles`` (a user's open tasks): "done call the notary",
    "add call the notary" and the like, one per phrase of the commands that take a title."""
    phrases = [phrase for command in ("add",) + TITLE_COMMANDS for phrase in spoken_phrases(command)]
    return [f"{phrase} {title}" for title in titles for phrase in phrases]


def words(corpus: list[str] | None = None) -> set[str]:
    """Every word the recognizer may output: the corpus plus the title vocabulary on its own."""
    vocabulary = {word for sentence in (sentences() if corpus is None else corpus) for word in sentence.split()}
    for group in (TITLE_VERBS, TITLE_OBJECTS, TITLE_DESCRIPTORS, PEOPLE, TITLE_LINKS, DAYS, UNITS, TENS):
        vocabulary.update(word for entry in group for word in entry.split())
    return vocabulary


def _expand(template: str, rng: random.Random) -> str:
    text = re.sub(r"\[([^\]]*)\]", lambda m: rng.choice(m.group(1).split("|")), template)
    return re.sub(r"\{(\w+)\}", lambda m: _slot(m.group(1), rng), text)


def _slot(name: str, rng: random.Random) -> str:
    if name in SLOTS:
        return SLOTS[name](rng)
    phrases = spoken_phrases(name)
    if not phrases:
        raise KeyError(f"no spoken phrase for slot {name!r}")
    return rng.choice(phrases)


def _title(rng: random.Random) -> str:
    parts = [rng.choice(TITLE_VERBS), rng.choice(TITLE_DETERMINERS)]
    if rng.random() < 0.25:
        parts.append(rng.choice(TITLE_DESCRIPTORS))
    parts.append(rng.choice(TITLE_OBJECTS))
    roll = rng.random()
    if roll < 0.25:
        parts += [rng.choice(TITLE_LINKS), rng.choice(PEOPLE)]
    elif roll < 0.4:
        parts += [rng.choice(TITLE_LINKS), rng.choice(TITLE_DETERMINERS), rng.choice(TITLE_OBJECTS)]
    elif roll < 0.5:
        return f"{rng.choice(TITLE_VERBS)} {rng.choice(PEOPLE)}"
    return " ".join(parts)


def _when(rng: random.Random) -> str:
    day = rng.choice(DAYS + DAY_WORDS)
    roll = rng.random()
    if roll < 0.35:
        return f"{day} at {rng.choice(HOURS)} {rng.choice(['p.m.', 'a.m.', ''])}"
    if roll < 0.5:
        return f"{day} {rng.choice(DAY_PARTS)}"
    if roll < 0.6:
        return f"in {rng.choice(UNITS[:5])} {rng.choice(['hours', 'days', 'weeks'])}"
    return day


def _amount(rng: random.Random) -> str:
    # Glasses, cups and bottles only: arguments.words_to_numbers reads "five hundred" as 105,
    # so a spoken "five hundred ml" would log the wrong amount.
    count = rng.choice(["a", "one", "two", "three", "four"])
    unit = rng.choice(["glass", "cup", "bottle"])
    plural = "" if count in ("a", "one") else ("es" if unit == "glass" else "s")
    return f"{count} {unit}{plural}"


def _number(rng: random.Random) -> str:
    return rng.choice(TASK_NUMBERS)


SLOTS = {
    "title": _title,
    "when": _when,
    "due": lambda rng: rng.choice(["due", "due on", "due by", "by"]),
    "priority": lambda rng: rng.choice(["high", "low", "normal"]),
    "minutes": lambda rng: f"{rng.choice(MINUTES)} minutes"
    if rng.random() < 0.85
    else rng.choice(["one hour", "two hours"]),
    "number": _number,
    "amount": _amount,
    "period": lambda rng: rng.choice(PERIODS),
    "list_filter": lambda rng: rng.choice(LIST_FILTERS),
}


def _clean(sentence: str) -> str:
    return " ".join(sentence.split())
