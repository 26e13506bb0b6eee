"""The pet picture: a valid, small PNG, different for every stage, mood and sleep."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from bot.images.pet_image import SIZE, draw_pet, pet_alt_text
from domain.services.pet import MOODS, STAGES, Pet

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 60_000


def decoded(png: bytes) -> Image.Image:
    assert png.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every byte, so a truncated file fails here
    return image


def test_every_stage_and_mood_is_a_small_valid_png_of_its_own() -> None:
    digests = set()
    for stage in STAGES:
        for mood in MOODS:
            for asleep in (False, True):
                png = draw_pet(Pet(stage, mood, 60, 40, asleep, 3))
                image = decoded(png)
                assert (image.format, image.size) == ("PNG", (SIZE, SIZE))
                assert len(png) < MAX_BYTES
                digests.add(hashlib.sha256(png).hexdigest())
    assert len(digests) == len(STAGES) * len(MOODS) * 2


def test_the_pictures_differ_in_what_they_show_not_only_in_bytes() -> None:
    def pixels(pet: Pet) -> bytes:
        return decoded(draw_pet(pet)).convert("RGB").tobytes()

    egg, elder = pixels(Pet("egg", "happy", 50, 50, False, 1)), pixels(Pet("elder", "happy", 50, 50, False, 1))
    happy, stressed = pixels(Pet("teen", "happy", 50, 50, False, 1)), pixels(Pet("teen", "stressed", 50, 50, False, 1))
    differing = sum(a != b for a, b in zip(egg, elder, strict=True)) / len(egg)
    assert differing > 0.05  # the body, not just a label
    assert happy != stressed


def test_bars_follow_energy_and_hydration() -> None:
    low = decoded(draw_pet(Pet("baby", "content", 10, 10, False, 2))).convert("RGB")
    high = decoded(draw_pet(Pet("baby", "content", 100, 100, False, 2))).convert("RGB")
    # Near the right end of both bars: white track when low, colour when full.
    for y in (214, 236):
        assert low.getpixel((225, y)) != high.getpixel((225, y))


def test_alt_text_says_what_the_picture_shows() -> None:
    text = pet_alt_text(Pet("adult", "tired", 31, 77, False, 12))
    assert "level 12 adult" in text and "tired" in text and "31/100" in text
    assert "asleep" in pet_alt_text(Pet("egg", "happy", 50, 50, True, 1))
