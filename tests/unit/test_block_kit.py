"""Reply -> Block Kit within Slack's limits, and the Slack app manifest against Slack's schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jsonschema import Draft7Validator

from bot.adapters.slack.adapter import words
from bot.adapters.slack.render import (
    HOME_TASKS,
    MAX_FALLBACK_TEXT,
    home_view,
    kind_of,
    mrkdwn,
    payload_of,
    render_message,
    render_text_only,
    render_view,
)
from bot.messages import Button, Fact, ListItem, Reply
from domain.entities import Task, WorkSession
from tests.schemas import load_schema

ROOT = Path(__file__).resolve().parents[2]


def all_texts(blocks):
    """Every text string in the blocks, with the limit that applies to it."""
    for block in blocks:
        if block["type"] == "header":
            yield block["text"]["text"], 150
        if "text" in block and block["type"] == "section":
            yield block["text"]["text"], 3000
        for field in block.get("fields", []):
            yield field["text"], 2000
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button":
                yield element["text"]["text"], 75
                yield element["value"], 2000


def ids(blocks):
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    action_ids = [
        element["action_id"]
        for block in blocks
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
        if "action_id" in element
    ]
    return block_ids, action_ids


def test_a_full_reply_becomes_header_text_fields_items_and_buttons():
    reply = Reply(
        "Say 'done <number>' when you finish one.",
        title="Open tasks",
        facts=[Fact("Open", "2")],
        items=[
            ListItem(
                "1. Write the report",
                detail="due Fri 06 Mar 17:00",
                button=Button("Done", {"command": "done", "task_id": "t-1"}),
            ),
            ListItem("2. Old thing", done=True),
        ],
        buttons=[Button("Add one", {"command": "help"}, "primary"), Button("Delete all", {"command": "x"}, "danger")],
        kind="tasks",
    )
    message = render_message(reply)
    blocks = message["blocks"]
    assert [block["type"] for block in blocks] == ["header", "section", "section", "section", "section", "actions"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Open tasks", "emoji": True}
    assert blocks[1]["text"] == {"type": "mrkdwn", "text": "Say 'done &lt;number&gt;' when you finish one."}
    assert blocks[2]["fields"] == [{"type": "mrkdwn", "text": "*Open*\n2"}]
    assert blocks[3]["text"]["text"] == "1. Write the report\n_due Fri 06 Mar 17:00_"
    assert payload_of(blocks[3]["accessory"]) == {"command": "done", "task_id": "t-1"}
    assert blocks[4]["text"]["text"] == "✓ 2. Old thing" and "accessory" not in blocks[4]
    assert [(e["text"]["text"], e.get("style")) for e in blocks[5]["elements"]] == [
        ("Add one", "primary"),
        ("Delete all", "danger"),
    ]
    assert kind_of(blocks[5]["block_id"]) == "tasks"
    # The fallback is the plain reply, without the noise of button labels.
    assert message["text"].startswith("*Open tasks*\nSay 'done &lt;number&gt;'")
    assert "[Add one]" not in message["text"]
    assert render_text_only(reply) == {"text": message["text"]}
    block_ids, action_ids = ids(blocks)
    assert len(set(block_ids)) == len(block_ids) and len(set(action_ids)) == len(action_ids)


def test_user_text_cannot_ping_a_channel_or_inject_markup():
    message = render_message(Reply("Added *<!channel> & <https://evil.example|click>*."))
    assert message["blocks"][0]["text"]["text"] == "Added *&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;*."
    assert "<" not in message["text"]


def test_every_limit_holds_for_oversized_replies():
    reply = Reply(
        "\n".join(f"line {n} " + "x" * 90 for n in range(120)),  # about 12 000 characters
        title="T" * 400,
        facts=[Fact(f"fact {n}", "v" * 2500) for n in range(15)],
        items=[
            ListItem(
                f"{n}. " + "task " * 800,
                detail="d" * 500,
                button=Button("B" * 100, {"command": "done", "task_id": str(n)}),
            )
            for n in range(80)
        ],
        buttons=[Button(f"button {n}", {"command": "help"}) for n in range(30)]
        + [Button("Too big", {"command": "x", "blob": "y" * 3000})],
    )
    message = render_message(reply)
    blocks = message["blocks"]
    assert len(blocks) <= 50
    assert blocks[-1]["type"] == "actions" and len(blocks[-1]["elements"]) == 25
    assert blocks[-2]["type"] == "context" and blocks[-2]["elements"][0]["text"].startswith("…and ")
    assert all(len(section.get("fields", [])) <= 10 for section in blocks)
    for text, limit in all_texts(blocks):
        assert len(text) <= limit
    assert len(message["text"]) <= MAX_FALLBACK_TEXT
    assert not any(payload_of(element) == {"command": "x", "blob": "y" * 3000} for element in blocks[-1]["elements"])


def test_long_text_is_split_on_lines_and_cut_outside_entities():
    sections = render_message(Reply("a" * 2000 + "\n" + "b" * 2000))["blocks"]
    assert [len(block["text"]["text"]) for block in sections] == [2000, 2000]
    cut = mrkdwn("&" * 1000, 3000)
    assert len(cut) <= 3000 and cut.endswith("&amp;…")


def test_home_view_stacks_replies_within_a_hundred_blocks():
    replies = [
        Reply("Not clocked in.", title="Avanochi", buttons=[Button("Clock in", {"command": "start"})]),
        Reply(
            "60 open.",
            title="Open tasks",
            kind="tasks",
            items=[
                ListItem(f"task {n}", button=Button("Done", {"command": "done", "task_id": str(n)})) for n in range(120)
            ],
        ),
        Reply("Today", facts=[Fact("Water", "500 ml")]),
    ]
    view = render_view(replies)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert view["blocks"][3]["type"] == "divider"
    block_ids, action_ids = ids(view["blocks"])
    assert len(set(block_ids)) == len(block_ids) and len(set(action_ids)) == len(action_ids)


def test_a_button_that_is_not_ours_has_no_payload():
    assert payload_of({"value": "not json"}) is None
    assert payload_of({"value": "[1, 2]"}) is None
    assert payload_of({}) is None
    assert kind_of("someone-else") is None


def test_words_undo_slack_markup():
    assert words("<@U0BOT> add milk &amp; eggs", "U0BOT") == "add milk & eggs"
    assert (
        words("add call <@U2|grace> about <#C1|general> &lt;soon&gt;", "U0BOT")
        == "add call @grace about #general <soon>"
    )
    assert words("add read <https://example.com/a|the article>") == "add read the article"
    assert words("add read <https://example.com/a>") == "add read https://example.com/a"
    assert words(":+1: :pray::skin-tone-2: :party_parrot:") == "👍 🙏 :party_parrot:"  # known ones as characters


def test_the_slack_manifest_validates_against_slacks_schema():
    schema = load_schema("slack-app-manifest.schema.json")
    manifest = json.loads((ROOT / "bot" / "adapters" / "slack" / "manifest.json").read_text(encoding="utf-8"))
    assert [error.message for error in Draft7Validator(schema).iter_errors(manifest)] == []
    features, settings = manifest["features"], manifest["settings"]
    assert [command["command"] for command in features["slash_commands"]] == ["/avanochi"]
    assert features["app_home"]["messages_tab_enabled"] and features["app_home"]["home_tab_enabled"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.im",
        "app_mention",
        "app_home_opened",
        "reaction_added",  # an emoji on one of the bot's messages is answered like one typed
        "app_uninstalled",  # an OAuth installation's token is deleted when its workspace removes the app
        "tokens_revoked",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "reactions:read",
        "commands",
        "chat:write",
        "im:history",
        "im:read",
        "im:write",
        "app_mentions:read",
        "users:read",
        "files:read",
        "files:write",
    }
    urls = [
        features["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls) and settings["interactivity"]["is_enabled"]


def test_home_view_lists_the_first_open_tasks_and_the_session():
    now = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    today = {
        "tasks_completed": 2,
        "hours": 1.5,
        "focus_completed": 1,
        "focus_sessions": 2,
        "water_ml": 500,
        "breaks": 1,
    }
    tasks = [
        Task(str(n), "slack:T:U", f"task {n}", now, priority="high" if n == 0 else "normal")
        for n in range(HOME_TASKS + 1)
    ]
    session = WorkSession("s", "slack:T:U", now - timedelta(minutes=90))
    view = home_view(session, tasks, today, "Europe/Madrid", now)
    text = json.dumps(view, ensure_ascii=False)
    assert "Clocked in since 09:30 (1 h 30 min)." in text and "task 0 ❗" in text
    assert "task 20" not in text and "the first 20" in text
    labels = [
        element["text"]["text"]
        for block in view["blocks"]
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
        if element.get("type") == "button"
    ]
    assert labels == ["Clock out"] + ["Done"] * HOME_TASKS
    empty = json.dumps(home_view(None, [], today, "UTC", now))
    assert "Not clocked in." in empty and "Nothing open" in empty and "Clock in" in empty
