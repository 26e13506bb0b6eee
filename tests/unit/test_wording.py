"""Counts and names as a person writes them: "1 task", "2 glasses", "Hi Ada", never "task(s)" or "Hi U0ADA"."""

from __future__ import annotations

import pytest

from domain.wording import first_name, listed, of_total, plural


@pytest.mark.parametrize(
    ("count", "noun", "said"),
    [
        (0, "task", "0 tasks"),
        (1, "task", "1 task"),
        (2, "task", "2 tasks"),
        (1, "open task", "1 open task"),
        (3, "focus session", "3 focus sessions"),
        (2, "glass", "2 glasses"),
        (2, "entry", "2 entries"),
        (2, "day", "2 days"),
        (1.5, "hour", "1.5 hours"),
        (1.0, "hour", "1 hour"),
        (12000, "record", "12000 records"),
    ],
)
def test_a_count_agrees_with_its_noun(count, noun: str, said: str) -> None:
    assert plural(count, noun) == said


def test_a_part_of_a_total_agrees_with_the_total() -> None:
    assert of_total(1, 2, "session") == "1 of 2 sessions"
    assert of_total(0, 1, "session") == "0 of 1 session"


def test_lists_read_as_a_sentence() -> None:
    assert listed([]) == "" and listed(["a"]) == "a"
    assert listed(["a", "b"]) == "a and b"
    assert listed(["high", "normal", "low"], "or") == "high, normal or low"


@pytest.mark.parametrize(
    ("name", "user_id", "greeted"),
    [
        ("Ada Lovelace", "slack:T1:U1", "Ada"),
        ("  Grace   Hopper ", "msteams:t:a", "Grace"),
        ("Lovelace, Ada", "msteams:t:a", "Ada"),
        ("Zoë", None, "Zoë"),
        ("console:root", "console:root", None),
        ("slack:T1:U1", "slack:T1:U1", None),
        ("U0ADA1234", None, None),
        ("W012ABCDEF", None, None),
        ("29:1AbC-dEf", None, None),
        ("6f1c2e7a-0b1d-4c5e-9a7b-3d2c1b0a9f8e", None, None),
        ("ada@contoso.com", None, None),
        ("12345", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_only_a_persons_name_is_used_to_greet_them(name, user_id, greeted) -> None:
    assert first_name(name, user_id) == greeted
