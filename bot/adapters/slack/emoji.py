"""Slack's emoji names (":+1:" in a message's text, "+1" in a reaction) as the characters
every other channel sends, so the dialogs read one kind of emoji."""

from __future__ import annotations

import re

CHARACTERS = {
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
    "thumbsdown": "👎",
    "pray": "🙏",
    "heart": "❤️",
    "hearts": "♥️",
    "green_heart": "💚",
    "blue_heart": "💙",
    "purple_heart": "💜",
    "yellow_heart": "💛",
    "orange_heart": "🧡",
    "tada": "🎉",
    "partying_face": "🥳",
    "clap": "👏",
    "raised_hands": "🙌",
    "muscle": "💪",
    "fire": "🔥",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "ballot_box_with_check": "☑️",
    "ok_hand": "👌",
    "smile": "😄",
    "smiley": "😃",
    "grinning": "😀",
    "grin": "😁",
    "blush": "😊",
    "slightly_smiling_face": "🙂",
    "relaxed": "☺️",
    "heart_eyes": "😍",
    "smiling_face_with_3_hearts": "🥰",
    "hugging_face": "🤗",
    "star": "⭐",
    "star2": "🌟",
    "sparkles": "✨",
    "100": "💯",
    "sunglasses": "😎",
    "star-struck": "🤩",
    "trophy": "🏆",
    "rocket": "🚀",
    "wave": "👋",
    "droplet": "💧",
    "cup_with_straw": "🥤",
    "coffee": "☕",
    "tea": "🍵",
    "hamburger": "🍔",
    "sandwich": "🥪",
    "pizza": "🍕",
    "bento": "🍱",
    "sleeping": "😴",
    "yawning_face": "🥱",
    "zzz": "💤",
    "cry": "😢",
    "sob": "😭",
    "disappointed": "😞",
    "pensive": "😔",
    "confused": "😕",
    "slightly_frowning_face": "🙁",
    "weary": "😩",
    "tired_face": "😫",
    "angry": "😠",
    "rage": "😡",
    "shrug": "🤷",
    "thinking_face": "🤔",
    "question": "❓",
    "eyes": "👀",
    "joy": "😂",
    "laughing": "😆",
}
SHORTCODE = re.compile(r":([a-z0-9_+'-]+):(?::skin-tone-\d:)?")


def character(name: str) -> str | None:
    """The character of a reaction's name ("+1", "thumbsup::skin-tone-2"), or None if unknown."""
    return CHARACTERS.get(name.split("::", 1)[0])


def with_characters(text: str) -> str:
    """Known :shortcodes: in a message replaced by their characters; unknown ones kept."""
    return SHORTCODE.sub(lambda match: CHARACTERS.get(match.group(1), match.group(0)), text)
