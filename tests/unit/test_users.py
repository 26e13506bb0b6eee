"""UserService: users appear on first contact, and keep valid preferences."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import FakeClock
from domain.errors import NotFound, StaleEntity, ValidationError
from domain.services import Services
from persistence.port import Query
from tests.fakes import InMemoryDocumentStore
from tests.unit.conftest import START, USER


async def test_ensure_creates_the_user_once(services: Services, store: InMemoryDocumentStore, clock: FakeClock) -> None:
    first = await services.users.ensure(USER, "Ana")
    clock.advance(days=1)
    again = await services.users.ensure(USER, "Someone else")
    assert (again.id, again.name, again.created_at) == (USER, "Ana", START)
    assert first == again
    assert await store.count(Query("user", None)) == 1


async def test_ensure_of_a_known_user_is_a_single_read(services: Services, store: InMemoryDocumentStore) -> None:
    # Every chat message ensures its user, so the common case must cost one point read.
    await services.users.ensure(USER)
    store.operations.reset()
    await services.users.ensure(USER)
    assert store.operations.by_kind == {"read": 1}


async def test_ensure_without_a_name_uses_the_id(services: Services) -> None:
    user = await services.users.ensure(USER)
    assert (user.name, user.timezone, user.work_start, user.work_end, user.work_days) == (
        USER,
        "UTC",
        "09:00",
        "17:30",
        [0, 1, 2, 3, 4],
    )


async def test_create_user_twice_with_the_same_id_is_refused(services: Services) -> None:
    await services.users.create_user("Ana", user_id=USER)
    with pytest.raises(StaleEntity):
        await services.users.create_user("Ana again", user_id=USER)
    assert (await services.users.get_user(USER)).name == "Ana"


async def test_unknown_user_is_not_found_and_has_utc(services: Services) -> None:
    with pytest.raises(NotFound):
        await services.users.get_user("nobody")
    assert await services.users.timezone("nobody") == "UTC"


async def test_update_time_zone_and_hours(services: Services, clock: FakeClock) -> None:
    await services.users.ensure(USER, "Ana")
    clock.advance(hours=1)
    user = await services.users.update_user(
        USER, timezone=" Europe/Madrid ", work_start="8:30", work_end="16:00", work_days=[4, 0, 2, 2]
    )
    assert (user.timezone, user.work_start, user.work_end, user.work_days) == (
        "Europe/Madrid",
        "08:30",
        "16:00",
        [0, 2, 4],
    )
    assert user.updated_at == START + timedelta(hours=1)
    assert await services.users.get_user(USER) == user
    assert await services.users.timezone(USER) == "Europe/Madrid"


async def test_update_creates_a_user_on_first_contact(services: Services) -> None:
    user = await services.users.update_user(USER, timezone="Asia/Tokyo")
    assert (user.id, user.name, user.timezone) == (USER, USER, "Asia/Tokyo")


async def test_a_platform_name_that_breaks_the_rules_for_names_still_lets_the_user_in(services: Services) -> None:
    # A directory name with a right-to-left mark, and one far past the 100 characters a name may have.
    marked = await services.users.ensure(USER, "\u200fAda  Lovelace\u200e")
    assert marked.name == "Ada Lovelace"
    long = await services.users.ensure("slack:T1:U2", "Grace " + "H" * 300)
    assert long.name == ("Grace " + "H" * 300)[:100]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "not a time zone"),
        ({"timezone": ""}, "Europe/Madrid"),
        ({"work_start": "25:00"}, "work_start"),
        ({"work_end": "5pm"}, "work_end"),
        ({"name": "   "}, "^Please give a name: it can't be empty.$"),
        ({"name": "n" * 101}, r"^A name can be at most 100 characters \(this one has 101\).$"),
    ],
)
async def test_bad_preferences_are_rejected_and_change_nothing(services: Services, changes: dict, message: str) -> None:
    before = await services.users.update_user(USER, timezone="Europe/Madrid")
    with pytest.raises(ValidationError, match=message):
        await services.users.update_user(USER, **changes)
    after = await services.users.get_user(USER)
    assert after == before
    assert after.timezone == "Europe/Madrid"


async def test_create_user_validates_name_and_time_zone(services: Services) -> None:
    with pytest.raises(ValidationError):
        await services.users.create_user("Ana", user_id=USER, timezone="Nowhere/City")
    with pytest.raises(ValidationError):
        await services.users.create_user("", user_id=USER)
    with pytest.raises(NotFound):
        await services.users.get_user(USER)


async def test_work_days_that_are_not_numbers_are_a_validation_error(services: Services) -> None:
    with pytest.raises(ValidationError):
        await services.users.update_user(USER, work_days=["mon", "tue"])


async def test_work_days_outside_0_to_6_are_rejected(services: Services) -> None:
    with pytest.raises(ValidationError):
        await services.users.update_user(USER, work_days=[1, 2, 3, 4, 7])


def test_an_unknown_log_level_stops_start_up_with_a_clear_message():
    import pytest as _pytest

    from settings import CredentialManager, Settings

    with _pytest.raises(SystemExit, match="LOG_LEVEL must be"):
        Settings.load(CredentialManager({"LOG_LEVEL": "verbose"}, env_file=None))
