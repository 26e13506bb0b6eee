"""The command language: words in, a Command out.

One parser for every way in: Teams, Slack, the console and voice transcripts. It is
forgiving: case, punctuation, synonyms, a leading @mention, and for typos it
suggests the command the user probably meant instead of guessing.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.language.moods import read_feeling
from domain.errors import ValidationError

# Longer messages are refused unread: no command is that long, and the cap bounds the
# CPU any one message can cost (every input is capped before it is parsed).
TEXT_MAX = 2_000

# Phrases that start a command, with the command they mean. Longer phrases win, so
# "delete my data" is not "delete" and "focus stop" is not "focus".
PHRASES: dict[str, str] = {
    "help": "help",
    "?": "help",
    "commands": "help",
    "what can you do": "help",
    "add": "add",
    "task add": "add",
    "add task": "add",
    "add a task": "add",
    "new task": "add",
    "todo": "add",
    "to do": "add",
    "create task": "add",
    "remember to": "add",
    "tasks": "tasks",
    "task list": "tasks",
    "list": "tasks",
    "my tasks": "tasks",
    "list tasks": "tasks",
    "show tasks": "tasks",
    "show my tasks": "tasks",
    "todos": "tasks",
    "what are my tasks": "tasks",
    "done": "done",
    "task done": "done",
    "mark done": "done",
    "complete": "done",
    "completed": "done",
    "finish": "done",
    "finished": "done",
    "i finished": "done",
    "check off": "done",
    "edit": "edit",
    "rename": "edit",
    "due": "due",
    "reschedule": "due",
    "move": "due",
    "delete": "delete",
    "remove": "delete",
    "del": "delete",
    "delete task": "delete",
    "undo": "undo",
    "stop repeating": "stop_repeating",
    "don't repeat": "stop_repeating",
    "dont repeat": "stop_repeating",
    "no longer repeat": "stop_repeating",
    "start": "start",
    "clock in": "start",
    "start work": "start",
    "start working": "start",
    "start session": "start",
    "check in": "start",
    "stop": "stop",
    "clock out": "stop",
    "stop work": "stop",
    "stop working": "stop",
    "end session": "stop",
    "end work": "stop",
    "check out": "stop",
    # The end of a working day, not a task: "done" alone would complete whichever task matched.
    "done for the day": "stop",
    "done for today": "stop",
    "i'm done for the day": "stop",
    "im done for the day": "stop",
    "i'm done for today": "stop",
    "finished for the day": "stop",
    "finished for today": "stop",
    "i'm finished for the day": "stop",
    "that's it for today": "stop",
    "calling it a day": "stop",
    "call it a day": "stop",
    "signing off": "stop",
    "logging off": "stop",
    "status": "status",
    "where am i": "status",
    "focus": "focus",
    "pomodoro": "focus",
    "start focus": "focus",
    "start focusing": "focus",
    "focus stop": "focus_stop",
    "stop focus": "focus_stop",
    "end focus": "focus_stop",
    "focus done": "focus_stop",
    "focus end": "focus_stop",
    "stop focusing": "focus_stop",
    "focus cancel": "focus_cancel",
    "focus status": "focus_status",
    "voice learning": "voice_learning",
    "cancel focus": "focus_cancel",
    "abort focus": "focus_cancel",
    "interrupted": "interrupted",
    "interruption": "interrupted",
    "i was interrupted": "interrupted",
    "water": "water",
    "drink": "water",
    "drank": "water",
    "i drank": "water",
    "i had": "water",
    "log water": "water",
    "hydrate": "water",
    "break": "break",
    "take a break": "break",
    "took a break": "break",
    "i took a break": "break",
    "lunch": "lunch",
    "had lunch": "lunch",
    "i had lunch": "lunch",
    "ate lunch": "lunch",
    # Setting the time of the lunch nudge, not logging a lunch ("had lunch at 1" still logs).
    "lunch at": "lunch_time",
    "lunch time": "lunch_time",
    "lunchtime": "lunch_time",
    "stats": "stats",
    "statistics": "stats",
    "summary": "stats",
    "progress": "stats",
    "report": "stats",
    "pet": "pet",
    "my pet": "pet",
    "avanochi": "pet",
    "achievements": "achievements",
    "badges": "achievements",
    "insights": "insights",
    "burnout": "insights",
    "timezone": "timezone",
    "time zone": "timezone",
    "tz": "timezone",
    "hours": "hours",
    "working hours": "hours",
    "work hours": "hours",
    "quiet": "quiet",
    "quiet hours": "quiet",
    "days": "days",
    "work days": "days",
    "working days": "days",
    "workdays": "days",
    "remind": "remind",
    "reminders": "reminders",
    "remind me": "remind_me",
    "remind me to": "remind_me",
    "set a reminder": "remind_me",
    "set a reminder to": "remind_me",
    "my reminders": "reminders",
    "list reminders": "reminders",
    "show reminders": "reminders",
    "cancel reminder": "cancel_reminder",
    "cancel my reminder": "cancel_reminder",
    "delete reminder": "cancel_reminder",
    "remove reminder": "cancel_reminder",
    "snooze": "snooze",
    "pause": "pause",
    "settings": "settings",
    "preferences": "settings",
    "token": "token",
    "api token": "token",
    "my token": "token",
    "revoke token": "token_revoke",
    "revoke my token": "token_revoke",
    "revoke api token": "token_revoke",
    "export my data": "export",
    "dashboard": "dashboard",
    "my dashboard": "dashboard",
    "export timesheet": "timesheet",
    "export": "export",
    "download my data": "export",
    "delete my data": "delete_data",
    "erase my data": "delete_data",
    "forget me": "delete_data",
    "yes": "yes",
    "y": "yes",
    "yep": "yes",
    "sure": "yes",
    "confirm": "yes",
    "ok": "yes",
    "no": "no",
    "n": "no",
    "nope": "no",
    "cancel": "no",
    "never mind": "no",
    "okay": "yes",
    "hi": "hello",
    "hello": "hello",
    "hey": "hello",
    "hiya": "hello",
    "howdy": "hello",
    "yo": "hello",
    "hi there": "hello",
    "hey there": "hello",
    "hello there": "hello",
    "morning": "hello",
    "good morning": "hello",
    "good afternoon": "hello",
    "good evening": "hello",
    "gm": "hello",
    "how are you": "how_are_you",
    "how are you doing": "how_are_you",
    "how r u": "how_are_you",
    "how are u": "how_are_you",
    "how's it going": "how_are_you",
    "hows it going": "how_are_you",
    "what's up": "how_are_you",
    "whats up": "how_are_you",
    "sup": "how_are_you",
    # Small talk: a warm word back, nothing done (see THANKS_TAILS for what may follow).
    "thanks": "thanks",
    "thank you": "thanks",
    "thank u": "thanks",
    "thankyou": "thanks",
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "ty": "thanks",
    "tysm": "thanks",
    "ta": "thanks",
    "cheers": "thanks",
    "many thanks": "thanks",
    "much appreciated": "thanks",
    "appreciate it": "thanks",
    "great": "thanks",
    "awesome": "thanks",
    "nice": "thanks",
    "nice one": "thanks",
    "cool": "thanks",
    "perfect": "thanks",
    "brilliant": "thanks",
    "lovely": "thanks",
    "excellent": "thanks",
    "great job": "thanks",
    "good job": "thanks",
    "well done": "thanks",
    "good bot": "thanks",
    "love it": "thanks",
    "love you": "thanks",
    "you're the best": "thanks",
    "youre the best": "thanks",
    "got it": "thanks",
    "noted": "thanks",
    "sounds good": "thanks",
    # Everyday asks.
    "how am i doing": "glance",
    "how am i doing today": "glance",
    "how's my day": "glance",
    "hows my day": "glance",
    "how's my day going": "glance",
    "hows my day going": "glance",
    "how is my day going": "glance",
    "how did i do": "glance",
    "how did i do today": "glance",
    "my day": "glance",
    "today at a glance": "glance",
    "what's due": "agenda",
    "whats due": "agenda",
    "what is due": "agenda",
    "anything due": "agenda",
    "is anything due": "agenda",
    "what do i have due": "agenda",
    "what have i got due": "agenda",
    "what's on today": "agenda",
    "whats on today": "agenda",
    "what's on for today": "agenda",
    "what's on my plate": "agenda",
    "whats on my plate": "agenda",
    "what do i have today": "agenda",
    "what's on this week": "agenda",
    "whats on this week": "agenda",
    # Longer than "due": the window, not a task to reschedule.
    "due today": "agenda",
    "due this week": "agenda",
    "what should i do next": "next",
    "what should i do": "next",
    "what should i do now": "next",
    "what should i work on": "next",
    "what should i work on next": "next",
    "what to do next": "next",
    "what next": "next",
    "what's next": "next",
    "whats next": "next",
    "what now": "next",
    "next": "next",
    "next task": "next",
    "what's my next task": "next",
    "whats my next task": "next",
    "what's most urgent": "next",
    "whats most urgent": "next",
    "what do i have to do": "tasks",
    "what do i need to do": "tasks",
    "what have i got to do": "tasks",
    "what's on my list": "tasks",
    "whats on my list": "tasks",
    "what's left": "tasks",
    "whats left": "tasks",
    "what is left": "tasks",
    # Not "starting" alone: "starting focus" or "starting lunch" is no clocking in.
    "starting now": "start",
    "starting work": "start",
    "starting work now": "start",
    "start work now": "start",
    "start working now": "start",
    "i'm starting work": "start",
    "im starting work": "start",
    "starting focus": "focus",
    "starting a focus": "focus",
    "back to work": "start",
    # How the user feels (a mood check-in); "i'm ..." only with a feeling word after it (MOOD_IF_SURE).
    "mood": "mood",
    "i feel": "mood",
    "feeling": "mood",
    "i'm feeling": "mood",
    "im feeling": "mood",
    "i am feeling": "mood",
    "i'm": "mood",
    "im": "mood",
    "i am": "mood",
    "checkin": "checkin",
    "check-in": "checkin",
    "mood checkin": "checkin",
    "mood check-in": "checkin",
    "mood check in": "checkin",
    "daily checkin": "checkin",
    "daily check-in": "checkin",
    "resume": "resume",
    "resume work": "resume",
    "resume focus": "resume",
    "resume focusing": "resume",
    "continue": "resume",
    "carry on": "resume",
    "pick up where i left off": "resume",
    "i'm back": "resume",
    "im back": "resume",
    # The opt-in team pulse of a shared channel (bot/dialogs/team.py).
    "team pulse": "team_pulse",
    "share with team": "team_share",
    "share with the team": "team_share",
    "kudos": "kudos",
}
# "thanks a lot", "cheers mate": what may follow a word of thanks for it to be only that.
THANKS_TAILS = frozenset(
    "thank thanks ty a lot so much very much again mate man buddy friend avanochi bot you u for the help that it this "
    "everything all of and x xx love guys team 🙏 👍 ❤️ 😊 🙂".split()
)
# Typos of these are not worth a "did you mean": "thnaks" would be offered as "tasks".
NOT_SUGGESTED = frozenset({"thanks", "how_are_you"})
# Asks that are the whole message: "next week call mum" or "continue the report" are not
# "next" or "resume", so only these words may follow them (and thanks, and politeness).
ASK_TAILS = frozenset(
    "today tomorrow this week for now then please pls i me my session work working focus focusing again today's".split()
)
# "i'm back", "i'm tired": only a feeling after these makes them a mood; anything else reads on.
MOOD_IF_SURE = frozenset({"i'm", "im", "i am"})
WHOLE_MESSAGE_ASKS = frozenset({"how_are_you", "glance", "agenda", "next", "resume"})
# "i had" is water only when water follows ("i had a glass of water"); "i had lunch" is longer.
SUGGESTABLE = sorted(
    {
        phrase
        for phrase, name in PHRASES.items()
        if len(phrase) > 2 and " " not in phrase and "'" not in phrase and name not in NOT_SUGGESTED
    }
)

ANSWER_TAILS = ("", "please", "thanks", "thank you", "do it", "go ahead")

LEADING_COLON = re.compile(r"^\s*([^\W\d_]+)(?::|,|\.{2,}|…)(?=\s)")
MENTION = re.compile(r"^\s*(?:<@[^>]+>|@\S+)\s*")
# Slack's :shortcodes: (the last colon may be gone with the trailing punctuation) and smileys.
EMOJI_WORDS = re.compile(r"(?:(?<!\S):[a-z0-9_+'-]+(?:::skin-tone-\d)?:?(?!\S)|(?<!\S)(?:[:;]-?[)(DPp]|<3)(?!\S))")
# Stripped with str.rstrip once whitespace is single spaces: a regex anchored at the end
# ("[\s.!?,;:]+$") is retried from every start in a long run of spaces, which is quadratic.
TRAILING_PUNCTUATION = " .!?,;:"
# Hesitations a voice transcript (or a chatty message) may start with: "um done the passport".
LEADING_FILLERS = re.compile(r"^(?:(?:u+m+|u+h+|e+r+m*|a+h+|h+m+|like|so|okay|ok)[,.…]*\s+)+", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    name: str
    args: str = ""  # the rest of the words, original case kept


@dataclass(frozen=True)
class NotUnderstood:
    text: str
    suggestion: str | None = None  # the command the user probably meant


@dataclass(frozen=True)
class TooLong(NotUnderstood):
    """Text over TEXT_MAX characters, not read at all (``text`` stays empty)."""

    length: int = 0


class MessageTooLong(ValidationError):
    def __init__(self, length: int) -> None:
        super().__init__(
            f"That message is too long for me ({length:,} characters). "
            f"Please keep commands under {TEXT_MAX:,} characters."
        )
        self.length = length


def refuse_long(text: str) -> None:
    """Raise MessageTooLong for text over the cap, before anything reads it."""
    if len(text) > TEXT_MAX:
        raise MessageTooLong(len(text))


def normalize(text: str) -> str:
    text = MENTION.sub("", text or "")
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    text = LEADING_COLON.sub(r"\1 ", text)  # "Done: call the bank", "done, the report"
    return " ".join(text.split()).rstrip(TRAILING_PUNCTUATION)


def parse(text: str) -> Command | NotUnderstood:
    if len(text or "") > TEXT_MAX:
        return TooLong("", length=len(text))
    cleaned = normalize(text)
    if not cleaned:
        return Command("help")
    if cleaned == "?":
        return Command("help")
    lowered = cleaned.lower()
    filler = LEADING_FILLERS.match(cleaned)
    if filler and filler.end() < len(cleaned):
        # Dropped only when a command follows, and only at the start: "so tired" stays as it was,
        # and a task title never loses a word.
        command = parse(cleaned[filler.end() :])
        if isinstance(command, Command):
            return command
    for phrase in sorted(PHRASES, key=len, reverse=True):
        if lowered == phrase or lowered.startswith((phrase + " ", phrase + ", ")):
            name = PHRASES[phrase]
            args = cleaned[len(phrase) :].lstrip(",").strip()
            if phrase == "i had" and "water" not in args.lower() and "glass" not in args.lower():
                continue
            # "ok so", "no idea": a yes or no is the whole message, or it might confirm a deletion.
            if name in ("yes", "no") and args.lower() not in ANSWER_TAILS:
                continue
            if name == "thanks" and not only_words(args, THANKS_TAILS):
                continue
            if name in WHOLE_MESSAGE_ASKS and not only_words(args, ASK_TAILS | THANKS_TAILS):
                continue
            if phrase in MOOD_IF_SURE and read_feeling(args).value is None:
                continue
            return Command(name, args)
    if is_emoji_only(cleaned):
        return Command("emoji", cleaned)
    if len(lowered) >= 6 and max(fuzz.ratio(lowered, word) for word in ("thanks", "thank you")) >= 80:
        return Command("thanks")  # "thnaks", "thank yuo": offering "tasks" for it would be silly
    return NotUnderstood(cleaned, suggest(lowered))


def is_emoji_only(text: str) -> bool:
    """Only emoji (with their skin tones and joiners), Slack :shortcodes: or :) smileys."""
    rest = EMOJI_WORDS.sub(" ", text)
    if rest != text and not rest.strip():
        return True
    kinds = {unicodedata.category(char) for char in rest if not char.isspace()}
    return "So" in kinds and kinds <= {"So", "Sk", "Mn", "Cf"}


def only_words(args: str, allowed: frozenset[str]) -> bool:
    """Whether every word of ``args`` is one of ``allowed`` (none at all is fine too)."""
    return all(word.strip(".,!?") in allowed or not word.strip(".,!?") for word in args.lower().split())


def suggest(lowered: str) -> str | None:
    """The known command closest to the first word, when it is close enough to be a typo."""
    first = lowered.split(" ", 1)[0]
    if first in PHRASES:  # a word known for itself ("thanks, add milk"), not a typo of another
        return None
    matches = process.extract(first, SUGGESTABLE, scorer=fuzz.ratio, score_cutoff=70, limit=5)
    if not matches:
        return None
    # Among equally close words, the one sharing the longest start with what was typed is
    # the likelier ("stat" and "statz" -> "stats", not "start").
    best = max(matches, key=lambda m: (m[1], len(os.path.commonprefix([m[0], first]))))[0]
    rest = lowered[len(first) :].strip()
    return f"{best} {rest}".strip()
