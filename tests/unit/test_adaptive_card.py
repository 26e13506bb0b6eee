"""Reply -> Adaptive Card 1.5: the layout rules, and every reply the dialogs produce validating
against the official 1.5 schema."""

from __future__ import annotations

import pytest
from jsonschema import Draft6Validator

from bot.adapters.teams.render import needs_card, render, to_card, to_markdown
from bot.dialogs.router import Dialogs
from bot.messages import Button, Fact, FileOut, Image, IncomingMessage, ListItem, Reply
from tests.schemas import load_schema

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def validator() -> Draft6Validator:
    return Draft6Validator(load_schema("adaptive-card-1.5.json"))


def schema_errors(validator: Draft6Validator, card: dict) -> list[str]:
    """Readable causes: the schema's root anyOf hides them in error.context."""
    found = []
    for error in validator.iter_errors(card):
        causes = error.context or [error]
        found += [f"{'/'.join(map(str, cause.absolute_path))}: {cause.message}" for cause in causes]
    return found


def test_plain_reply_is_markdown_text_not_a_card():
    rendered = render(Reply("Logged a *10-minute* break.\nRested minds work better."))
    assert rendered.card is None
    assert rendered.text == "Logged a **10-minute** break.\n\nRested minds work better."


def test_markdown_keeps_double_stars_and_lone_asterisks():
    assert to_markdown("**already** bold, 2 * 3 = 6") == "**already** bold, 2 * 3 = 6"


def test_structured_replies_need_a_card():
    assert not needs_card(Reply("hi"))
    assert needs_card(Reply("hi", title="T"))
    assert needs_card(Reply("hi", facts=[Fact("a", "b")]))
    assert needs_card(Reply("hi", buttons=[Button("x", {"command": "help"})]))
    assert needs_card(Reply("hi", items=[ListItem("1. a")]))


def test_title_text_and_facts(validator):
    card = to_card(
        Reply(
            "Here is how it went:",
            title="Today",
            facts=[Fact("Tasks done", "3"), Fact("Water", "750 ml")],
            kind="stats",
        )
    )
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    title, text, facts = card["body"]
    assert title["text"] == "Today" and title["weight"] == "Bolder" and title["wrap"] is True
    assert text == {"type": "TextBlock", "wrap": True, "text": "Here is how it went:"}
    assert facts == {
        "type": "FactSet",
        "facts": [{"title": "Tasks done", "value": "3"}, {"title": "Water", "value": "750 ml"}],
    }
    assert "Tasks done: 3" in card["fallbackText"]
    assert schema_errors(validator, card) == []


def test_buttons_are_submit_actions_carrying_the_payload(validator):
    card = to_card(
        Reply(
            "Delete *Pay rent*?",
            buttons=[
                Button("Delete", {"command": "yes"}, "danger"),
                Button("Keep it", {"command": "no"}),
                Button("Go", {"command": "run", "text": "stats"}, "primary"),
            ],
        )
    )
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "Delete", "data": {"command": "yes"}, "style": "destructive"},
        {"type": "Action.Submit", "title": "Keep it", "data": {"command": "no"}},
        {"type": "Action.Submit", "title": "Go", "data": {"command": "run", "text": "stats"}, "style": "positive"},
    ]
    assert card["body"][0]["text"] == "Delete **Pay rent**?"
    assert schema_errors(validator, card) == []


def test_each_list_item_is_a_row_with_its_own_done_button(validator):
    payload = {"command": "done", "task_id": "t-1"}
    card = to_card(
        Reply(
            "Say 'done <number>' when you finish one.",
            title="Open tasks",
            items=[
                ListItem("1. Pay rent ❗", detail="due Fri 06 Mar 17:00", button=Button("Done", payload)),
                ListItem("2. Old thing", done=True),
            ],
            kind="tasks",
        )
    )
    container = card["body"][-1]
    assert container["type"] == "Container"
    first, second = container["items"]
    text_column, button_column = first["columns"]
    assert text_column["items"][0]["text"] == "1. Pay rent ❗"
    assert text_column["items"][1]["text"] == "due Fri 06 Mar 17:00"
    assert button_column["items"] == [
        {"type": "ActionSet", "actions": [{"type": "Action.Submit", "title": "Done", "data": payload}]}
    ]
    assert len(second["columns"]) == 1 and second["columns"][0]["items"][0]["text"].startswith("✓ ")
    assert schema_errors(validator, card) == []


def test_image_is_an_inline_data_uri(validator):
    card = to_card(Reply("Your week", title="Chart", image=Image(PNG_1X1, "Hours per day")))
    image = card["body"][-1]
    assert image["type"] == "Image" and image["altText"] == "Hours per day"
    assert image["url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert schema_errors(validator, card) == []


def test_a_token_line_is_monospace_without_backticks(validator):
    card = to_card(
        Reply(
            "Your personal API token:\n`abc.DEF-123`\nUse it as `Authorization: Bearer <token>`.",
            title="API token",
            kind="token",
            private=True,
        )
    )
    token = card["body"][2]
    assert token["text"] == "abc.DEF-123" and token["fontType"] == "Monospace"
    assert card["body"][3]["text"] == "Use it as Authorization: Bearer <token>."
    assert schema_errors(validator, card) == []


def test_the_schema_check_catches_a_broken_card(validator):
    card = to_card(Reply("x", title="T"))
    card["body"].append({"type": "TextBlock"})  # no text: invalid
    assert schema_errors(validator, card)


# Every command family of the command language, run through the real dialogs: whatever they answer
# must render to a valid card (or to plain text).
SCRIPT = [
    "hello",
    "help",
    "add Write the report due friday 5pm !high",
    "Europe/Madrid",
    "09:00-17:30",
    "add Call the bank",
    "add",
    "Buy milk",
    "tasks",
    "tasks today",
    "tasks week",
    "done 2",
    "done milk",
    "tasks done",
    "tasks all",
    "edit 1 Write the final report",
    "due 1 tomorrow 9am",
    "delete 1",
    "yes",
    "delete 1",
    "no",
    "undo",
    "start writing",
    "status",
    "focus 25 on 1",
    "focus",
    "interrupted",
    "focus stop",
    "focus 10",
    "focus cancel",
    "stop",
    "water",
    "water 2 glasses",
    "break 15",
    "lunch",
    "stats",
    "stats week",
    "stats month",
    "stats all",
    "pet",
    "timezone Europe/Madrid",
    "hours 08:30-17:00",
    "quiet 19:00-07:00",
    "settings",
    "remind water every 90m",
    "remind break off",
    "reminders off",
    "reminders on",
    "snooze 15m",
    "pause until monday",
    "token",
    "export my data",
    "statz",
    "blargh",
    "yes",
    "delete my data",
    "no",
    "delete my data",
    "yes",
]


async def test_every_reply_the_dialogs_produce_validates(services, validator):
    dialogs = Dialogs(services)
    user = "msteams:tenant-1:aad-ada"
    replies: list[Reply] = list(await dialogs.welcome(IncomingMessage(user, "msteams", "c1", user_name="Ada")))
    for number, text in enumerate(SCRIPT):
        message = IncomingMessage(
            user, "msteams", "c1", text=text, delivery_id=f"d{number}", timezone_hint="Europe/Madrid", user_name="Ada"
        )
        replies += await dialogs.handle(message)
    # And a button press: the Done button of a fresh list.
    await dialogs.handle(IncomingMessage(user, "msteams", "c1", text="add Press me", delivery_id="p1"))
    listing = await dialogs.handle(IncomingMessage(user, "msteams", "c1", text="tasks", delivery_id="p2"))
    button = next(item.button for item in listing[0].items if item.button)
    replies += listing + await dialogs.handle(
        IncomingMessage(user, "msteams", "c1", action=button.payload, delivery_id="p3")
    )
    kinds = {reply.kind for reply in replies}
    assert {
        "welcome",
        "help",
        "tasks",
        "task",
        "confirm",
        "session",
        "focus",
        "habit",
        "stats",
        "settings",
        "token",
        "export",
        "suggestion",
        "question",
        "error",
    } <= kinds
    assert any(reply.file for reply in replies) and any(reply.items for reply in replies)
    checked = 0
    for reply in replies:
        rendered = render(reply)
        if rendered.card is None:
            assert rendered.text and rendered.text.strip()
            continue
        errors = schema_errors(validator, rendered.card)
        assert errors == [], (reply.kind, reply.text, errors)
        checked += 1
    assert checked >= 30


def test_a_file_reply_without_structure_stays_text():
    reply = Reply("Here is everything.", file=FileOut("export.json", b"{}"), kind="export", private=True)
    assert render(reply).card is None
