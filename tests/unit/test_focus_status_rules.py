"""The focus-status rules: what a focus shows, and what comes back when it ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.entities import FocusSession
from domain.focus_status import (
    CLEAR,
    Profile,
    Shown,
    ends_snooze,
    focus_profile,
    remembered,
    restoration,
    snooze_minutes,
)

START = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
SESSION = FocusSession("s1", "slack:T:U1", START, START, duration_minutes=25)
OURS = focus_profile(SESSION, "Europe/Madrid")
END = START + timedelta(minutes=25)


def shown(previous: Profile = CLEAR, snoozed: bool = True) -> Shown:
    return Shown("s1", END, OURS, previous, snoozed)


def test_the_status_says_until_when_in_the_users_own_time_and_clears_itself_at_the_end():
    assert OURS == Profile("Focusing until 15:25", ":tomato:", END)


def test_the_previous_status_comes_back_unless_it_was_one_of_ours_or_has_run_out():
    commuting = Profile("Commuting", ":train:")
    assert restoration(shown(commuting), OURS, START + timedelta(minutes=10)) == commuting
    assert remembered(OURS) == CLEAR  # left behind by a restart: nothing to put back
    brief = Profile("Back soon", ":coffee:", START + timedelta(minutes=20))
    assert restoration(shown(brief), OURS, END) == CLEAR


def test_a_status_the_user_set_during_the_focus_is_theirs_to_keep():
    lunch = Profile("Lunch", ":sandwich:")
    assert restoration(shown(Profile("Commuting", ":train:")), lunch, START + timedelta(minutes=5)) is None


def test_ours_gone_by_its_own_expiry_still_brings_the_previous_one_back():
    commuting = Profile("Commuting", ":train:")
    assert restoration(shown(commuting), CLEAR, END) == commuting
    assert restoration(shown(commuting), CLEAR, START + timedelta(minutes=5)) is None  # the user cleared it


def test_only_a_snooze_we_started_and_the_user_did_not_stretch_is_ended():
    assert ends_snooze(shown(), True, END)
    assert not ends_snooze(shown(snoozed=False), True, END)
    assert not ends_snooze(shown(), False, None)
    assert not ends_snooze(shown(), True, END + timedelta(hours=1))


def test_notifications_pause_for_what_is_left_and_at_least_a_minute():
    assert snooze_minutes(SESSION, START) == 25
    assert snooze_minutes(SESSION, START + timedelta(minutes=30)) == 1
