"""What only the terminal chat does: images and files are saved to a folder readable by the user
alone, and the path is printed (the rest of its conversation is in tests/conformance)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conformance.drivers import FlakyStore, console_driver

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def store_kind() -> str:
    return "sqlite"


async def test_the_pet_is_saved_as_an_image_and_its_path_printed(store, tmp_path: Path):
    folder = tmp_path / "files"
    async with console_driver(FlakyStore(store), folder) as console:
        await console.say("hello")
        replies = await console.say("pet")
        [image] = [reply for reply in replies if reply.file]
        assert image.file is not None
        saved = folder / image.file
        assert saved.read_bytes().startswith(PNG)
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
