"""The embedded store keeps people's data owner-only and durable: its files and the directories it
creates are private, and a commit is synced to disk (PRAGMA synchronous=FULL) unless set otherwise."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import build_store
from persistence.sqlite_store import SqliteDocumentStore
from tests.integration.conftest import make_settings

PRAGMA_SYNCHRONOUS = {1: "NORMAL", 2: "FULL"}


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems start services with, which leaves new files world-readable."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def write_something(store: SqliteDocumentStore) -> None:
    await store.create({"id": "t1", "user_id": "u1", "type": "task", "title": "private"})


async def test_a_new_database_and_the_directories_made_for_it_are_owner_only(tmp_path: Path, usual_umask):
    os.chmod(tmp_path, 0o755)
    path = tmp_path / "data" / "avanochi" / "store.sqlite3"
    store = SqliteDocumentStore(str(path))
    await store.open()
    try:
        await write_something(store)
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(file.exists() for file in files)
        assert {file.name: oct(mode_of(file)) for file in files} == {file.name: "0o600" for file in files}
        assert oct(mode_of(path.parent)) == oct(mode_of(path.parent.parent)) == "0o700"
        assert oct(mode_of(tmp_path)) == "0o755"  # a directory the operator chose keeps its mode
    finally:
        await store.close()


async def test_an_existing_world_readable_database_is_closed_up_when_opened(tmp_path: Path, usual_umask):
    path = tmp_path / "store.sqlite3"
    first = SqliteDocumentStore(str(path))
    await first.open()
    await write_something(first)
    await first.close()
    os.chmod(path, 0o644)
    os.chmod(tmp_path, 0o755)
    again = SqliteDocumentStore(str(path))
    await again.open()
    try:
        await again.read("u1", "t1")
        assert oct(mode_of(path)) == "0o600"
        assert oct(mode_of(tmp_path)) == "0o755"
    finally:
        await again.close()


@pytest.mark.parametrize(("setting", "expected"), [(None, "FULL"), ("NORMAL", "NORMAL"), ("full", "FULL")])
async def test_commits_are_synced_to_disk_unless_the_operator_says_otherwise(tmp_path: Path, setting, expected):
    overrides = {"AVANOCHI_DB_PATH": str(tmp_path / "store.sqlite3")}
    if setting is not None:
        overrides["AVANOCHI_SQLITE_SYNCHRONOUS"] = setting
    store = build_store(make_settings(**overrides))
    assert isinstance(store, SqliteDocumentStore)
    await store.open()
    try:
        async with store._require().execute("PRAGMA synchronous") as cursor:
            row = await cursor.fetchone()
        assert row is not None and PRAGMA_SYNCHRONOUS[row[0]] == expected
    finally:
        await store.close()


def test_an_unknown_synchronous_mode_stops_the_start_with_a_clear_message():
    with pytest.raises(SystemExit, match="AVANOCHI_SQLITE_SYNCHRONOUS must be FULL or NORMAL"):
        make_settings(AVANOCHI_SQLITE_SYNCHRONOUS="OFF")
