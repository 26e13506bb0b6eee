"""Replies keep to docs/voice-and-tone.md where a machine can tell: a scripted day through the real
dialogs (with counts of 0, 1 and 2 of everything), every nudge and the App Home, read for
"task(s)", "1 tasks", "2 task", ids used as names, raw field names, stack traces, "None",
unfilled {placeholders} and exclamation spam."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

from bot.adapters.slack.render import home_view
from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage, Reply
from bot.reminders.nudges import compose
from domain.clock import FakeClock
from domain.reminders.schedule import OutboxEntry
from domain.services import Services

USER = "slack:T0TONE:U0TONE1"
COUNTED = (
    "task|open task|session|work session|focus session|day|interruption|minute|second|record|break|night|"
    "time|character|hour|glass|achievement|field|meal|reminder"
)
# "1 tasks" (one with a plural noun) and "2 task" (many with a singular one); "10-minute break" is fine.
ONE_WITH_A_PLURAL = re.compile(rf"(?<![\d.,:/-])\b1 (?:{COUNTED})e?s\b")
MANY_WITH_A_SINGULAR = re.compile(rf"(?<![\d.,:/-])\b(?:0|[2-9]|\d\d+) (?:{COUNTED})\b(?![s-])")
MACHINE_TALK = re.compile(
    r"\(s\)|\(es\)|Field '|Traceback|File \"|Exception|Error:|object at 0x|<bound|\bNone\b|\{|\}|\bnull\b"
)
EXCLAMATION = re.compile(r"!(?=\s|$)")
NAME_LIKE_AN_ID = re.compile(r"\bHi,? (?:\S*[:@]\S*|[UW][A-Z0-9]{6,})")

DELIVERIES = itertools.count(1)

# A working day, in the order a person might type it; "+N" moves the clock N minutes.
SCRIPT = [
    "hello",
    "tasks",
    "done 1",
    "stats",
    "stats all",
    "status",
    "add Write the report",
    "tasks",
    "done 1",
    "done report",
    "add Call the bank",
    "add Pay rent",
    "add Book the train",
    "tasks",
    "done 1",
    "tasks",
    "done 1",
    "stats",
    "start",
    "status",
    "start",
    "focus 25",
    "focus 25",
    "interrupted",
    "+25",
    "focus stop",
    "focus 25",
    "interrupted",
    "interrupted",
    "+25",
    "focus stop",
    "focus 25",
    "+3",
    "focus stop",
    "focus 10",
    "focus cancel",
    "focus stop",
    "focus 200",
    "water",
    "water 2 glasses",
    "water 99999",
    "break",
    "break 1",
    "break 500",
    "lunch",
    "lunch",
    "pet",
    "achievements",
    "insights",
    "settings",
    "timezone London",
    "timezone Mars/Olympus",
    "hours 9 to 6",
    "remind water every 90m",
    "remind coffee every 5m",
    "snooze 1m",
    "snooze 2m",
    "pause until monday",
    "reminders on",
    "add",
    "Buy milk",
    "undo",
    "add x",
    "delete x",
    "yes",
    "edit 1 Call the bank today",
    "edit 9 Nothing",
    "due 1 tomorrow 5pm",
    "remind me to stretch in 20 minutes",
    "remind me to stretch",
    "reminders",
    "cancel reminder 1",
    "cancel reminder 1",
    "remind due 30m",
    "remind due off",
    "done nothing like this at all",
    "add " + "x" * 245,
    "export my data",
    "token",
    "stats week",
    "stats month",
    "+120",
    "stop",
    "stop",
    "blargh",
    "yes",
    "help",
    "delete my data",
    "no",
]


def words_of(reply: Reply) -> str:
    """Everything a person reads in a reply: text, facts, list lines, buttons and image alt text."""
    parts = [reply.plain()]
    parts += [button.label for item in reply.items if item.button for button in [item.button]]
    if reply.image:
        parts.append(reply.image.alt)
    return "\n".join(parts)


def broken_rules(reply: Reply, user_id: str = USER) -> list[str]:
    text = words_of(reply)
    found = [f"machine talk {m.group()!r}" for m in MACHINE_TALK.finditer(text)]
    found += [f"plural after one: {m.group()!r}" for m in ONE_WITH_A_PLURAL.finditer(text)]
    found += [f"singular after many: {m.group()!r}" for m in MANY_WITH_A_SINGULAR.finditer(text)]
    found += [f"an id as a name: {m.group()!r}" for m in NAME_LIKE_AN_ID.finditer(text)]
    if reply.kind != "token" and (user_id in text or user_id.rsplit(":", 1)[-1] in text):
        found.append("the user id shown")
    # An exclamation mark ends a sentence; "!high" in the help is a command's syntax.
    exclaimed = [len(EXCLAMATION.findall(line)) for line in text.splitlines()]
    found += [f"exclamation spam: {line!r}" for line, n in zip(text.splitlines(), exclaimed, strict=True) if n > 1]
    if reply.kind == "error" and any(exclaimed):
        found.append("an exclamation in an error")
    return found


async def say(dialogs: Dialogs, text: str, user_id: str = USER, name: str | None = None) -> list[Reply]:
    message = IncomingMessage(user_id, "slack", "D1", text=text, delivery_id=f"t{next(DELIVERIES)}", user_name=name)
    return await dialogs.handle(message)


async def test_a_scripted_day_keeps_every_reply_to_the_voice_and_tone_rules(
    services: Services, clock: FakeClock
) -> None:
    dialogs = Dialogs(services)
    seen: list[tuple[str, Reply]] = []
    unanswered = []
    for line in SCRIPT:
        if line.startswith("+"):
            clock.advance(minutes=int(line[1:]))
            continue
        replies = await say(dialogs, line)
        unanswered += [] if replies else [line]
        seen += [(line, reply) for reply in replies]
    broken = [(said[:30], reply.text[:80], rule) for said, reply in seen for rule in broken_rules(reply)]
    assert broken == []
    assert unanswered == []


async def test_counts_of_zero_one_and_two_read_right(services: Services, clock: FakeClock) -> None:
    dialogs = Dialogs(services)
    texts = []
    for title in ("A", "B", "C"):
        await say(dialogs, f"add {title}")
    for number in (1, 1, 1):
        await say(dialogs, "tasks")
        texts.append((await say(dialogs, f"done {number}"))[0].text)
    assert [text.split("\n")[0].split(". ", 1)[1] for text in texts] == [
        "2 open tasks left.",
        "1 open task left.",
        "No open tasks left: well done.",
    ]
    await say(dialogs, "focus 25")
    assert (await say(dialogs, "interrupted"))[0].text == "Noted: 1 interruption so far. Back to it when you can."
    assert (await say(dialogs, "interrupted"))[0].text == "Noted: 2 interruptions so far. Back to it when you can."
    clock.advance(minutes=25)
    stopped = (await say(dialogs, "focus stop"))[0].text
    assert stopped.startswith("Focus session complete: 25 min with 2 interruptions.")
    [today] = [reply for reply in await say(dialogs, "stats") if reply.kind == "stats"]
    assert {fact.label: fact.value for fact in today.facts}["Focus"] == "1 of 1 session, 25 min planned"


async def test_the_pet_never_contradicts_the_answer(services: Services, clock: FakeClock) -> None:
    dialogs = Dialogs(services)
    added, *_ = await say(dialogs, "add Report")  # and the first-contact time zone question
    done = next(button for button in added.buttons if button.label == "Done")
    await say(dialogs, "done report")
    message = IncomingMessage(USER, "slack", "D1", action=done.payload, delivery_id=f"t{next(DELIVERIES)}")
    [again] = await dialogs.handle(message)  # an older message's Done button
    assert "was already done" in again.text and "🐾" not in again.text  # nothing changed: nothing to cheer
    await say(dialogs, "focus 25")
    clock.advance(minutes=3)
    [stopped] = await say(dialogs, "focus stop")
    assert "not counted as a completed session" in stopped.text
    pet_line = next(line for line in stopped.text.splitlines() if line.startswith("🐾"))
    assert not re.search(r"finished|complete|whole session", pet_line, re.IGNORECASE)


@pytest.mark.parametrize(
    ("user_id", "name"),
    [
        ("console:root", "console:root"),
        ("slack:T0TONE:U0TONE2", None),
        ("slack:T0TONE:U0TONE3", "U0TONE3"),
        ("msteams:tenant:6f1c2e7a-0b1d-4c5e-9a7b-3d2c1b0a9f8e", "6f1c2e7a-0b1d-4c5e-9a7b-3d2c1b0a9f8e"),
    ],
)
async def test_no_name_means_no_name_never_an_id(services: Services, user_id: str, name: str | None) -> None:
    dialogs = Dialogs(services)
    [welcome] = await dialogs.welcome(IncomingMessage(user_id, "slack", "D1", user_name=name))
    assert welcome.text.startswith("Hi, I'm Avanochi")
    [hello, *_] = await say(dialogs, "hello", user_id, name)
    assert hello.text.split("!")[0] in ("Hi", "Good morning", "Good afternoon")  # the greeting, no name
    assert broken_rules(welcome, user_id) == [] and broken_rules(hello, user_id) == []


async def test_a_real_name_is_used_by_its_first_name(services: Services) -> None:
    dialogs = Dialogs(services)
    [welcome] = await dialogs.welcome(IncomingMessage(USER, "slack", "D1", user_name="Ada Lovelace"))
    assert welcome.text.startswith("Hi Ada, I'm Avanochi")
    assert "Ada!" in (await say(dialogs, "hello"))[0].text.split(".")[0]


async def test_an_old_done_button_of_a_deleted_task_says_so_in_words(services: Services) -> None:
    dialogs = Dialogs(services)
    added, *_ = await say(dialogs, "add Report")
    done = next(button for button in added.buttons if button.label == "Done")
    await say(dialogs, "delete report")
    await say(dialogs, "yes")
    message = IncomingMessage(USER, "slack", "D1", action=done.payload, delivery_id=f"t{next(DELIVERIES)}")
    [gone] = await dialogs.handle(message)
    assert gone.text == "That task doesn't exist any more: it may have been deleted."


async def test_a_validation_error_in_chat_is_in_plain_words(services: Services) -> None:
    [refused, *_] = await say(Dialogs(services), "add " + "x" * 245)
    assert refused.kind == "error"
    assert refused.text == "A task title can be at most 200 characters (this one has 245)."


NUDGES = ("water", "break", "lunch", "wrap_up", "long_session", "weekly_report", "risk_alert", "focus_end")


@pytest.mark.parametrize("count", [0, 1, 2])
async def test_nudges_and_the_app_home_keep_to_the_rules_for_0_1_and_2(
    services: Services, clock: FakeClock, count: int
) -> None:
    await services.users.ensure(USER, "Ada Lovelace")
    await services.work_sessions.start_session(USER)
    for number in range(count):
        task = await services.tasks.create_task(USER, f"task {number}")
        await services.tasks.complete_task(USER, task.id)
        focus = await services.focus.start(USER, 25)
        for _ in range(count):
            await services.focus.interrupt(USER, focus.session_id)
        clock.advance(minutes=25)
        await services.focus.complete(USER, focus.session_id)
        await services.habits.log_break(USER, 10)
    for number in range(count):
        await services.tasks.create_task(USER, f"open {number}")
    clock.advance(hours=count)
    replies = []
    for kind in NUDGES:
        entry = OutboxEntry(f"{kind}:x", kind, clock.now(), clock.now())
        nudge = await compose(entry, USER, services)
        replies += [nudge] if nudge else []
    broken = [(reply.text[:60], rule) for reply in replies for rule in broken_rules(reply)]
    assert broken == []
    home = home_view(
        await services.work_sessions.get_active_session(USER),
        await services.tasks.list_tasks(USER, "open"),
        await services.stats.period(USER, "today"),
        "UTC",
        clock.now() + timedelta(minutes=1),
        await Dialogs(services).home_pet(USER),
    )
    shown = "\n".join(str(text) for text in texts_in(home))
    assert broken_rules(Reply(shown)) == []
    assert ("No open tasks" in shown or "Nothing open" in shown) if count == 0 else f"{count} open task" in shown


def texts_in(node) -> list[str]:
    """Every "text" string of a Block Kit view."""
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [text for value in node.values() for text in texts_in(value)]
    if isinstance(node, list):
        return [text for value in node for text in texts_in(value)]
    return []
