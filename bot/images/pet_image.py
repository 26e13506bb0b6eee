"""Draws the Avanochi pet as a small PNG: body by stage, face by mood, Zzz when asleep,
and bars for energy and hydration. Channel-neutral bytes; the renderers embed or upload them.

Drawn at twice the size and scaled down, which is Pillow's way to smooth edges, then
reduced to a small palette: the picture has few colours, and the PNG stays a few KB,
well inside what an Adaptive Card can carry inline.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from domain.services.pet import Pet

SIZE = 256
SCALE = 2  # supersampling factor
PALETTE_COLOURS = 64

BODY = {"egg": "#f3e6c8", "baby": "#9be3c3", "teen": "#8ccaf0", "adult": "#f4a27a", "elder": "#b9a4e0"}
OUTLINE = "#3b3355"
# The body's half-width, half-height and centre height per stage: the pet grows.
SHAPE = {
    "egg": (40, 52, 118),
    "baby": (44, 40, 130),
    "teen": (54, 50, 124),
    "adult": (64, 58, 118),
    "elder": (64, 58, 118),
}
BACKGROUND = {"happy": "#fff4c2", "content": "#dff3e4", "bored": "#e6e6e6", "tired": "#e3dcf5", "stressed": "#fbd9d3"}
NIGHT, STAR = "#25284a", "#f6f1c7"
ENERGY_COLOUR, WATER_COLOUR, TRACK = "#f2b632", "#4aa3df", "#ffffff"


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # a Pillow built without FreeType has one bitmap size
        return ImageFont.load_default()


class _Pen:
    """ImageDraw in 256-pixel coordinates over the supersampled canvas."""

    def __init__(self, draw: ImageDraw.ImageDraw) -> None:
        self.draw = draw

    @staticmethod
    def _box(cx: float, cy: float, rx: float, ry: float) -> list[float]:
        return [SCALE * (cx - rx), SCALE * (cy - ry), SCALE * (cx + rx), SCALE * (cy + ry)]

    def ellipse(self, cx, cy, rx, ry, fill=None, outline=OUTLINE, width=3) -> None:
        self.draw.ellipse(self._box(cx, cy, rx, ry), fill=fill, outline=outline, width=SCALE * width)

    def arc(self, cx, cy, rx, ry, start, end, width=3, fill=OUTLINE) -> None:
        self.draw.arc(self._box(cx, cy, rx, ry), start, end, fill=fill, width=SCALE * width)

    def chord(self, cx, cy, rx, ry, start, end, fill, outline=OUTLINE) -> None:
        self.draw.chord(self._box(cx, cy, rx, ry), start, end, fill=fill, outline=outline, width=SCALE * 2)

    def line(self, points, width=3, fill=OUTLINE) -> None:
        self.draw.line([(SCALE * x, SCALE * y) for x, y in points], fill=fill, width=SCALE * width, joint="curve")

    def polygon(self, points, fill, outline=OUTLINE) -> None:
        self.draw.polygon([(SCALE * x, SCALE * y) for x, y in points], fill=fill, outline=outline, width=SCALE * 2)

    def rect(self, x0, y0, x1, y1, fill, outline=OUTLINE) -> None:
        self.draw.rounded_rectangle(
            [SCALE * x0, SCALE * y0, SCALE * x1, SCALE * y1], radius=SCALE * 4, fill=fill, outline=outline, width=SCALE
        )

    def text(self, x, y, words, size, fill=OUTLINE) -> None:
        self.draw.text((SCALE * x, SCALE * y), words, font=_font(SCALE * size), fill=fill)


def _body(pen: _Pen, stage: str) -> tuple[float, float, float, float]:
    rx, ry, cy = SHAPE[stage]
    cx, colour = SIZE / 2, BODY[stage]
    if stage in ("teen", "adult", "elder"):  # ears
        for side in (-1, 1):
            pen.polygon(
                [
                    (cx + side * rx * 0.35, cy - ry * 0.75),
                    (cx + side * rx * 0.85, cy - ry * 1.35),
                    (cx + side * rx * 0.85, cy - ry * 0.45),
                ],
                colour,
            )
    if stage in ("adult", "elder"):  # arms and feet
        for side in (-1, 1):
            pen.ellipse(cx + side * rx * 1.02, cy + ry * 0.15, 12, 20, colour)
            pen.ellipse(cx + side * rx * 0.45, cy + ry * 0.95, 18, 10, colour)
    if stage == "elder":  # a walking stick
        pen.line([(cx + rx * 1.25, cy - ry * 0.1), (cx + rx * 1.25, cy + ry * 1.05)], width=4, fill="#8a5a2b")
        pen.arc(cx + rx * 1.12, cy - ry * 0.1, 8, 8, 180, 360, width=4, fill="#8a5a2b")
    pen.ellipse(cx, cy, rx, ry, colour)
    if stage == "egg":  # spots and the crack it will hatch from
        for dx, dy, r in ((-22, -30, 6), (20, 22, 8), (-18, 30, 5)):
            pen.ellipse(cx + dx, cy + dy, r, r, "#e2cf9f", outline=None)
        pen.line(
            [(cx - 24, cy - 38), (cx - 12, cy - 46), (cx - 2, cy - 36), (cx + 10, cy - 46), (cx + 24, cy - 38)], width=2
        )
    if stage == "baby":  # a tuft
        pen.arc(cx + 6, cy - ry - 6, 8, 10, 150, 330, width=3)
    return cx, cy, rx, ry


def _face(pen: _Pen, cx: float, cy: float, rx: float, mood: str, asleep: bool, stage: str) -> None:
    ex, ey, eye = rx * 0.38, cy - 6, max(5.0, rx * 0.12)
    my = cy + 16
    if asleep:  # closed eyes; the mouth still tells how the day went
        for side in (-1, 1):
            pen.arc(cx + side * ex, ey, eye, eye * 0.7, 20, 160)
        if mood == "happy":
            pen.arc(cx, my - 6, 10, 7, 20, 160)
        elif mood == "bored":
            pen.line([(cx - 8, my), (cx + 8, my)])
        elif mood == "tired":
            pen.ellipse(cx, my + 2, 6, 7, "#7a4a5a")  # snoring
        elif mood == "stressed":
            pen.line([(cx - 10 + 5 * i, my + (2 if i % 2 else -2)) for i in range(5)], width=2)
            pen.ellipse(cx + rx * 0.78, cy - 18, 6, 5, "#7cc4f2", outline="#3d8fc4")
        else:
            pen.ellipse(cx, my, 4, 3, "#7a4a5a")
    elif mood == "happy":
        for side in (-1, 1):
            pen.arc(cx + side * ex, ey + 3, eye, eye, 200, 340)
            pen.ellipse(cx + side * ex * 1.45, my - 4, 7, 4, "#f59ab0", outline=None)
        pen.chord(cx, my - 4, 16, 14, 0, 180, "#c8435b")
    elif mood == "content":
        for side in (-1, 1):
            pen.ellipse(cx + side * ex, ey, eye * 0.6, eye * 0.75, OUTLINE)
        pen.arc(cx, my - 6, 12, 8, 20, 160)
    elif mood == "bored":
        for side in (-1, 1):
            pen.ellipse(cx + side * ex, ey + 2, eye * 0.55, eye * 0.55, OUTLINE)
            pen.line([(cx + side * ex - eye, ey - 1), (cx + side * ex + eye, ey - 1)], width=3)
        pen.line([(cx - 10, my), (cx + 10, my)])
    elif mood == "tired":
        for side in (-1, 1):
            pen.arc(cx + side * ex, ey - 2, eye, eye * 0.8, 20, 160)
            pen.arc(cx + side * ex, ey + 7, eye * 0.9, 3, 20, 160, width=2, fill="#8a7fb0")
        pen.ellipse(cx, my + 2, 5, 6, "#7a4a5a")
    else:  # stressed
        for side in (-1, 1):
            pen.ellipse(cx + side * ex, ey, eye, eye, "#ffffff")
            pen.ellipse(cx + side * ex, ey, eye * 0.35, eye * 0.35, OUTLINE)
            pen.line([(cx + side * (ex - eye), ey - eye - 8), (cx + side * (ex + eye), ey - eye - 3)], width=3)
        pen.line([(cx - 14 + 7 * i, my + (3 if i % 2 else -3)) for i in range(5)], width=3)
        pen.polygon(
            [(cx + rx * 0.78, cy - 34), (cx + rx * 0.70, cy - 20), (cx + rx * 0.86, cy - 20)],
            "#7cc4f2",
            outline="#3d8fc4",
        )
        pen.ellipse(cx + rx * 0.78, cy - 18, 8, 7, "#7cc4f2", outline="#3d8fc4")
    if stage == "elder":  # bushy brows and a beard, drawn around the face, not over it
        for side in (-1, 1):
            pen.ellipse(cx + side * ex, ey - eye - 7, eye + 4, 4, "#f4f4f4", outline="#9b97a8")
        pen.chord(cx, my + 10, 24, 20, 0, 180, "#f4f4f4", outline="#9b97a8")


def _night(pen: _Pen) -> None:
    pen.draw.rectangle([0, 0, SCALE * SIZE, SCALE * SIZE], fill=NIGHT)
    for x, y in ((30, 30), (70, 60), (200, 40), (160, 20), (225, 90), (24, 100)):
        pen.ellipse(x, y, 2, 2, STAR, outline=None)
    pen.ellipse(34, 58, 14, 14, STAR, outline=None)
    pen.ellipse(42, 52, 12, 12, NIGHT, outline=None)  # the shadow that makes it a crescent


def _zzz(pen: _Pen, cx: float, cy: float, ry: float) -> None:
    for step, size in enumerate((14, 18, 24)):
        pen.text(cx + 30 + step * 18, cy - ry - step * 20, "z" if step < 2 else "Z", size, fill=STAR)


def _bars(pen: _Pen, pet: Pet, ink: str) -> None:
    for row, (label, value, colour) in enumerate(
        (("Energy", pet.energy, ENERGY_COLOUR), ("Water", pet.hydration, WATER_COLOUR))
    ):
        y = 208 + row * 22
        pen.text(14, y - 3, label, 12, fill=ink)
        pen.rect(72, y, 238, y + 12, TRACK)
        if value > 0:
            pen.rect(72, y, 72 + 166 * min(100, value) / 100, y + 12, colour)


def draw_pet(pet: Pet) -> bytes:
    """The pet as PNG bytes, 256 x 256."""
    canvas = Image.new("RGB", (SIZE * SCALE, SIZE * SCALE), NIGHT if pet.asleep else BACKGROUND[pet.mood])
    pen = _Pen(ImageDraw.Draw(canvas))
    if pet.asleep:
        _night(pen)
    ink = STAR if pet.asleep else OUTLINE
    pen.ellipse(SIZE / 2, 192, 60, 7, "#1c1f3a" if pet.asleep else "#cfc6b0", outline=None)  # its shadow
    cx, cy, rx, ry = _body(pen, pet.stage)
    _face(pen, cx, cy, rx, pet.mood, pet.asleep, pet.stage)
    if pet.asleep:
        _zzz(pen, cx, cy, ry)
    pen.text(10, 8, f"Lv {pet.level} · {pet.stage}", 14, fill=ink)
    if not pet.asleep:
        pen.text(10, 26, pet.mood, 12, fill=ink)
    _bars(pen, pet, ink)
    image = canvas.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    image = image.quantize(PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def pet_alt_text(pet: Pet) -> str:
    """What the picture shows, for screen readers and text-only channels."""
    state = "asleep" if pet.asleep else pet.mood
    return (
        f"Your Avanochi, a level {pet.level} {pet.stage}, is {state}: "
        f"energy {pet.energy}/100, hydration {pet.hydration}/100."
    )
