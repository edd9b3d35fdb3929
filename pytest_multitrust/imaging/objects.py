"""Recognisable everyday objects drawn with PIL primitives, for captioning tasks.

Each object (house, tree, car, cat, cup, boat, ...) is a small function that paints it
into a box with flat colours and a dark outline, the way a children's picture book or an
icon set would. The robustness tasks restyle these pictures
(:mod:`pytest_multitrust.imaging.styles`) and attack them
(:mod:`pytest_multitrust.imaging.adversarial`); the object's name and its synonyms
(:data:`pytest_multitrust.scoring.mentions.OBJECT_SYNONYMS`) are what a caption has to
mention.

Nothing is random here except what a caller passes in: colours come from a small palette
per object chosen by index, positions from the box.

Example:
    >>> from PIL import Image, ImageDraw
    >>> image = Image.new("RGB", (336, 336), "white")
    >>> draw_object(ImageDraw.Draw(image), "boat", (40, 60, 296, 296), variant=1)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PIL import ImageDraw

from pytest_multitrust.errors import DataError

if TYPE_CHECKING:
    from pytest_multitrust.imaging.primitives import RGB

__all__ = ["OBJECTS", "ObjectPainter", "draw_object"]

#: Outline colour of every object.
INK: RGB = (35, 30, 30)

#: A painter draws one object into ``box`` with the colour set ``variant`` picks.
ObjectPainter = Callable[[ImageDraw.ImageDraw, "_Frame", int], None]


class _Frame:
    """Maps unit coordinates (0-1 across the box, y down) to pixels."""

    def __init__(self, box: Sequence[float]) -> None:
        self.x1, self.y1, self.x2, self.y2 = (float(v) for v in box)
        self.w = self.x2 - self.x1
        self.h = self.y2 - self.y1
        self.line = max(2, round(min(self.w, self.h) / 60))  # outline width in pixels

    def p(self, x: float, y: float) -> tuple[float, float]:
        """One point."""
        return (self.x1 + x * self.w, self.y1 + y * self.h)

    def box(self, x1: float, y1: float, x2: float, y2: float) -> tuple[float, float, float, float]:
        """A box ``(x1, y1, x2, y2)`` in pixels."""
        a, b = self.p(x1, y1)
        c, d = self.p(x2, y2)
        return (a, b, c, d)

    def pts(self, *points: tuple[float, float]) -> list[tuple[float, float]]:
        """Several points."""
        return [self.p(x, y) for x, y in points]

    def s(self, length: float) -> float:
        """A length relative to the smaller side, in pixels."""
        return length * min(self.w, self.h)


def _pick(options: Sequence[RGB], variant: int) -> RGB:
    return options[variant % len(options)]


def _house(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    wall = _pick([(235, 200, 150), (200, 220, 240), (240, 235, 220), (250, 215, 200)], variant)
    roof = _pick([(190, 50, 40), (90, 70, 60), (60, 90, 150), (140, 60, 40)], variant)
    d.rectangle(f.box(0.14, 0.45, 0.86, 0.95), fill=wall, outline=INK, width=f.line)
    d.polygon(f.pts((0.05, 0.48), (0.5, 0.08), (0.95, 0.48)), fill=roof, outline=INK, width=f.line)
    d.rectangle(f.box(0.66, 0.14, 0.76, 0.32), fill=(150, 80, 60), outline=INK, width=f.line)
    d.rectangle(f.box(0.42, 0.66, 0.58, 0.95), fill=(120, 70, 40), outline=INK, width=f.line)
    d.ellipse(f.box(0.53, 0.8, 0.56, 0.83), fill=(240, 200, 60))
    for x in (0.2, 0.66):
        d.rectangle(f.box(x, 0.56, x + 0.14, 0.7), fill=(170, 215, 245), outline=INK, width=f.line)
        d.line(f.pts((x + 0.07, 0.56), (x + 0.07, 0.7)), fill=INK, width=max(1, f.line // 2))
        d.line(f.pts((x, 0.63), (x + 0.14, 0.63)), fill=INK, width=max(1, f.line // 2))


def _tree(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    leaves = _pick([(60, 150, 60), (40, 120, 50), (90, 170, 60), (200, 120, 40)], variant)
    dark = tuple(max(0, c - 35) for c in leaves)
    d.polygon(
        f.pts((0.42, 0.95), (0.45, 0.55), (0.55, 0.55), (0.58, 0.95)),
        fill=(120, 80, 45),
        outline=INK,
        width=f.line,
    )
    for cx, cy, r in ((0.5, 0.3, 0.24), (0.3, 0.42, 0.18), (0.7, 0.42, 0.18), (0.5, 0.5, 0.2)):
        d.ellipse(f.box(cx - r, cy - r, cx + r, cy + r), fill=leaves, outline=INK, width=f.line)
    for cx, cy in ((0.42, 0.28), (0.6, 0.4), (0.36, 0.46)):
        d.ellipse(f.box(cx - 0.05, cy - 0.04, cx + 0.05, cy + 0.04), fill=dark)
    d.line(f.pts((0.3, 0.96), (0.7, 0.96)), fill=(90, 140, 60), width=f.line * 2)


def _car(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    body = _pick([(210, 40, 40), (40, 90, 200), (240, 190, 30), (40, 150, 80)], variant)
    d.polygon(
        f.pts((0.24, 0.46), (0.34, 0.26), (0.68, 0.26), (0.8, 0.46)),
        fill=body,
        outline=INK,
        width=f.line,
    )
    d.rounded_rectangle(
        f.box(0.04, 0.44, 0.96, 0.74), radius=f.s(0.07), fill=body, outline=INK, width=f.line
    )
    d.polygon(
        f.pts((0.29, 0.45), (0.37, 0.3), (0.49, 0.3), (0.49, 0.45)),
        fill=(190, 225, 245),
        outline=INK,
        width=f.line,
    )
    d.polygon(
        f.pts((0.53, 0.45), (0.53, 0.3), (0.66, 0.3), (0.75, 0.45)),
        fill=(190, 225, 245),
        outline=INK,
        width=f.line,
    )
    d.rectangle(f.box(0.9, 0.5, 0.96, 0.57), fill=(250, 240, 150), outline=INK, width=1)
    d.rectangle(f.box(0.04, 0.5, 0.08, 0.57), fill=(230, 60, 40), outline=INK, width=1)
    for cx in (0.25, 0.75):
        d.ellipse(
            f.box(cx - 0.11, 0.62, cx + 0.11, 0.84), fill=(40, 40, 45), outline=INK, width=f.line
        )
        d.ellipse(f.box(cx - 0.05, 0.68, cx + 0.05, 0.78), fill=(180, 180, 185))


def _cat(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    fur = _pick([(240, 150, 60), (120, 120, 125), (60, 55, 55), (235, 225, 210)], variant)
    inner = (245, 170, 180)
    # body and tail behind the head
    d.ellipse(f.box(0.22, 0.55, 0.78, 0.98), fill=fur, outline=INK, width=f.line)
    d.arc(f.box(0.62, 0.5, 0.98, 0.95), start=200, end=60, fill=INK, width=f.line * 4)
    d.arc(f.box(0.62, 0.5, 0.98, 0.95), start=205, end=55, fill=fur, width=f.line * 2)
    # ears
    d.polygon(f.pts((0.2, 0.32), (0.24, 0.04), (0.44, 0.2)), fill=fur, outline=INK, width=f.line)
    d.polygon(f.pts((0.8, 0.32), (0.76, 0.04), (0.56, 0.2)), fill=fur, outline=INK, width=f.line)
    d.polygon(f.pts((0.25, 0.25), (0.26, 0.12), (0.37, 0.2)), fill=inner)
    d.polygon(f.pts((0.75, 0.25), (0.74, 0.12), (0.63, 0.2)), fill=inner)
    # head
    d.ellipse(f.box(0.16, 0.14, 0.84, 0.68), fill=fur, outline=INK, width=f.line)
    # eyes
    for cx in (0.36, 0.64):
        d.ellipse(
            f.box(cx - 0.07, 0.3, cx + 0.07, 0.44),
            fill=(150, 210, 80),
            outline=INK,
            width=max(1, f.line // 2),
        )
        d.ellipse(f.box(cx - 0.02, 0.31, cx + 0.02, 0.43), fill=INK)
    # nose, mouth, whiskers
    d.polygon(f.pts((0.46, 0.48), (0.54, 0.48), (0.5, 0.53)), fill=(230, 110, 130))
    d.arc(f.box(0.42, 0.48, 0.5, 0.58), start=0, end=160, fill=INK, width=max(1, f.line // 2))
    d.arc(f.box(0.5, 0.48, 0.58, 0.58), start=20, end=180, fill=INK, width=max(1, f.line // 2))
    for dy in (-0.03, 0.02):
        d.line(f.pts((0.4, 0.52 + dy), (0.1, 0.48 + 2 * dy)), fill=INK, width=max(1, f.line // 2))
        d.line(f.pts((0.6, 0.52 + dy), (0.9, 0.48 + 2 * dy)), fill=INK, width=max(1, f.line // 2))


def _cup(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    glaze = _pick([(230, 80, 70), (70, 130, 210), (245, 245, 240), (90, 170, 120)], variant)
    d.ellipse(f.box(0.08, 0.84, 0.92, 0.98), fill=(225, 225, 230), outline=INK, width=f.line)
    d.arc(f.box(0.62, 0.36, 0.92, 0.72), start=270, end=90, fill=INK, width=f.line * 5)
    d.arc(f.box(0.64, 0.38, 0.9, 0.7), start=272, end=88, fill=glaze, width=f.line * 3)
    d.polygon(
        f.pts((0.18, 0.26), (0.78, 0.26), (0.72, 0.88), (0.24, 0.88)),
        fill=glaze,
        outline=INK,
        width=f.line,
    )
    d.ellipse(f.box(0.18, 0.2, 0.78, 0.32), fill=(110, 70, 40), outline=INK, width=f.line)
    for x in (0.38, 0.5, 0.62):  # steam
        d.arc(
            f.box(x - 0.04, 0.02, x + 0.04, 0.12),
            start=90,
            end=270,
            fill=(150, 150, 150),
            width=max(1, f.line),
        )
        d.arc(
            f.box(x - 0.04, 0.1, x + 0.04, 0.2),
            start=270,
            end=90,
            fill=(150, 150, 150),
            width=max(1, f.line),
        )


def _boat(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    hull = _pick([(150, 80, 40), (200, 50, 50), (40, 70, 150), (245, 245, 245)], variant)
    sail = _pick([(250, 250, 245), (250, 220, 90), (240, 120, 80), (120, 190, 230)], variant)
    d.polygon(f.pts((0.52, 0.06), (0.52, 0.66), (0.14, 0.66)), fill=sail, outline=INK, width=f.line)
    d.polygon(f.pts((0.56, 0.14), (0.56, 0.66), (0.84, 0.66)), fill=sail, outline=INK, width=f.line)
    d.line(f.pts((0.54, 0.04), (0.54, 0.7)), fill=INK, width=f.line * 2)
    d.polygon(
        f.pts((0.04, 0.68), (0.96, 0.68), (0.82, 0.86), (0.18, 0.86)),
        fill=hull,
        outline=INK,
        width=f.line,
    )
    for i in range(4):  # waves
        x = 0.02 + i * 0.25
        d.arc(
            f.box(x, 0.86, x + 0.24, 0.98),
            start=180,
            end=360,
            fill=(40, 110, 200),
            width=f.line * 2,
        )


def _fish(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    scale = _pick([(245, 140, 30), (60, 150, 220), (230, 80, 120), (250, 200, 40)], variant)
    d.polygon(
        f.pts((0.7, 0.5), (0.96, 0.24), (0.9, 0.5), (0.96, 0.76)),
        fill=scale,
        outline=INK,
        width=f.line,
    )
    d.polygon(f.pts((0.36, 0.3), (0.5, 0.12), (0.6, 0.32)), fill=scale, outline=INK, width=f.line)
    d.ellipse(f.box(0.04, 0.26, 0.78, 0.74), fill=scale, outline=INK, width=f.line)
    d.ellipse(f.box(0.16, 0.38, 0.26, 0.48), fill=(255, 255, 255), outline=INK, width=f.line)
    d.ellipse(f.box(0.19, 0.41, 0.23, 0.45), fill=INK)
    d.arc(f.box(0.3, 0.3, 0.5, 0.7), start=300, end=60, fill=INK, width=f.line)
    for x in (0.48, 0.58):
        d.arc(
            f.box(x - 0.05, 0.4, x + 0.05, 0.6),
            start=300,
            end=60,
            fill=INK,
            width=max(1, f.line // 2),
        )
    for cx, cy in ((0.04, 0.2), (0.1, 0.08)):  # bubbles
        d.ellipse(
            f.box(cx - 0.025, cy - 0.025, cx + 0.025, cy + 0.025),
            outline=(80, 150, 220),
            width=max(1, f.line // 2),
        )


def _bird(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    plume = _pick([(70, 130, 210), (220, 60, 50), (240, 200, 40), (120, 90, 60)], variant)
    belly = _pick([(230, 240, 250), (250, 200, 160), (255, 245, 200), (220, 200, 170)], variant)
    d.line(f.pts((0.05, 0.9), (0.95, 0.9)), fill=(110, 75, 40), width=f.line * 3)  # branch
    for x in (0.44, 0.54):
        d.line(f.pts((x, 0.78), (x, 0.9)), fill=(230, 150, 40), width=f.line)
    d.polygon(
        f.pts((0.7, 0.55), (0.98, 0.72), (0.92, 0.8), (0.66, 0.7)),
        fill=plume,
        outline=INK,
        width=f.line,
    )  # tail
    d.ellipse(f.box(0.22, 0.4, 0.8, 0.84), fill=plume, outline=INK, width=f.line)  # body
    d.ellipse(f.box(0.28, 0.56, 0.62, 0.82), fill=belly)
    d.ellipse(f.box(0.14, 0.16, 0.5, 0.52), fill=plume, outline=INK, width=f.line)  # head
    d.polygon(
        f.pts((0.15, 0.3), (0.0, 0.36), (0.16, 0.4)),
        fill=(245, 170, 30),
        outline=INK,
        width=max(1, f.line // 2),
    )
    d.ellipse(f.box(0.24, 0.26, 0.32, 0.34), fill=(255, 255, 255), outline=INK, width=1)
    d.ellipse(f.box(0.26, 0.28, 0.3, 0.32), fill=INK)
    d.chord(
        f.box(0.4, 0.46, 0.76, 0.74),
        start=200,
        end=20,
        fill=tuple(max(0, c - 40) for c in plume),
        outline=INK,
        width=f.line,
    )


def _flower(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    petal = _pick([(250, 250, 250), (245, 120, 170), (250, 210, 40), (200, 60, 60)], variant)
    centre = _pick([(250, 200, 40), (250, 220, 80), (130, 80, 30), (60, 40, 30)], variant)
    d.line(f.pts((0.5, 0.5), (0.5, 0.98)), fill=(50, 140, 50), width=f.line * 3)
    d.ellipse(f.box(0.5, 0.7, 0.78, 0.8), fill=(70, 160, 60), outline=INK, width=f.line)
    d.ellipse(f.box(0.22, 0.78, 0.5, 0.88), fill=(70, 160, 60), outline=INK, width=f.line)
    cx, cy, r = 0.5, 0.34, 0.19
    for k in range(10):
        angle = 2 * math.pi * k / 10
        px, py = cx + r * math.cos(angle), cy + r * math.sin(angle)
        d.ellipse(
            f.box(px - 0.1, py - 0.1, px + 0.1, py + 0.1),
            fill=petal,
            outline=INK,
            width=max(1, f.line // 2),
        )
    d.ellipse(
        f.box(cx - 0.12, cy - 0.12, cx + 0.12, cy + 0.12), fill=centre, outline=INK, width=f.line
    )


def _umbrella(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    cloth = _pick([(220, 50, 60), (60, 90, 200), (250, 190, 30), (60, 160, 90)], variant)
    other = _pick([(250, 250, 250), (250, 220, 90), (240, 110, 40), (250, 250, 250)], variant)
    d.line(f.pts((0.5, 0.1), (0.5, 0.84)), fill=INK, width=f.line * 2)
    d.arc(f.box(0.5, 0.74, 0.66, 0.94), start=0, end=180, fill=INK, width=f.line * 2)
    d.pieslice(
        f.box(0.04, 0.08, 0.96, 0.92), start=180, end=360, fill=cloth, outline=INK, width=f.line
    )
    for k, start in enumerate(range(180, 360, 30)):
        if k % 2:
            d.pieslice(
                f.box(0.04, 0.08, 0.96, 0.92),
                start=start,
                end=start + 30,
                fill=other,
                outline=INK,
                width=f.line,
            )
    for k in range(6):  # scalloped rim
        x = 0.04 + k * (0.92 / 6)
        d.chord(
            f.box(x, 0.45, x + 0.92 / 6, 0.55), start=180, end=360, fill=(0, 0, 0, 0), outline=None
        )
    d.line(f.pts((0.5, 0.03), (0.5, 0.1)), fill=INK, width=f.line * 2)


def _clock(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    rim = _pick([(200, 50, 50), (60, 60, 70), (60, 110, 200), (200, 150, 60)], variant)
    d.ellipse(f.box(0.04, 0.04, 0.96, 0.96), fill=rim, outline=INK, width=f.line)
    d.ellipse(f.box(0.12, 0.12, 0.88, 0.88), fill=(252, 250, 240), outline=INK, width=f.line)
    for hour in range(12):
        angle = 2 * math.pi * hour / 12
        inner = 0.3 if hour % 3 else 0.26
        d.line(
            f.pts(
                (0.5 + inner * math.sin(angle), 0.5 - inner * math.cos(angle)),
                (0.5 + 0.34 * math.sin(angle), 0.5 - 0.34 * math.cos(angle)),
            ),
            fill=INK,
            width=f.line if hour % 3 else f.line * 2,
        )
    hour_angle = 2 * math.pi * ((variant * 5 + 10) % 12) / 12
    hand = (0.5 + 0.18 * math.sin(hour_angle), 0.5 - 0.18 * math.cos(hour_angle))
    d.line(f.pts((0.5, 0.5), hand), fill=INK, width=f.line * 3)
    d.line(f.pts((0.5, 0.5), (0.5, 0.2)), fill=INK, width=f.line * 2)
    d.ellipse(f.box(0.47, 0.47, 0.53, 0.53), fill=INK)


def _apple(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    skin = _pick([(210, 30, 40), (120, 190, 60), (230, 60, 40), (240, 200, 60)], variant)
    d.ellipse(f.box(0.08, 0.22, 0.56, 0.94), fill=skin, outline=INK, width=f.line)
    d.ellipse(f.box(0.44, 0.22, 0.92, 0.94), fill=skin, outline=INK, width=f.line)
    d.ellipse(f.box(0.2, 0.3, 0.8, 0.9), fill=skin)
    d.line(f.pts((0.5, 0.3), (0.56, 0.06)), fill=(100, 60, 30), width=f.line * 2)
    d.ellipse(f.box(0.56, 0.06, 0.8, 0.2), fill=(60, 150, 50), outline=INK, width=f.line)
    d.ellipse(f.box(0.2, 0.36, 0.3, 0.5), fill=(255, 255, 255))


def _bicycle(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    frame = _pick([(220, 50, 50), (40, 110, 210), (40, 150, 80), (240, 160, 30)], variant)
    for cx in (0.22, 0.78):
        d.ellipse(f.box(cx - 0.19, 0.45, cx + 0.19, 0.83), outline=INK, width=f.line * 2)
        d.ellipse(f.box(cx - 0.03, 0.61, cx + 0.03, 0.67), fill=INK)
        for k in range(6):
            angle = math.pi * k / 6
            d.line(
                f.pts(
                    (cx + 0.18 * math.cos(angle), 0.64 + 0.18 * math.sin(angle)),
                    (cx - 0.18 * math.cos(angle), 0.64 - 0.18 * math.sin(angle)),
                ),
                fill=(120, 120, 120),
                width=1,
            )
    width = f.line * 2
    d.line(
        f.pts((0.22, 0.64), (0.45, 0.64), (0.68, 0.38), (0.36, 0.38), (0.22, 0.64)),
        fill=frame,
        width=width,
        joint="curve",
    )
    d.line(f.pts((0.45, 0.64), (0.34, 0.3)), fill=frame, width=width)
    d.line(f.pts((0.68, 0.38), (0.78, 0.64)), fill=frame, width=width)
    d.line(f.pts((0.68, 0.38), (0.66, 0.26), (0.74, 0.24)), fill=INK, width=width)
    d.rounded_rectangle(f.box(0.26, 0.26, 0.42, 0.31), radius=f.s(0.02), fill=INK)
    d.ellipse(f.box(0.42, 0.61, 0.48, 0.67), fill=INK)


def _airplane(d: ImageDraw.ImageDraw, f: _Frame, variant: int) -> None:
    paint = _pick([(235, 235, 240), (210, 60, 60), (60, 110, 200), (250, 200, 60)], variant)
    d.polygon(
        f.pts((0.42, 0.52), (0.2, 0.92), (0.32, 0.92), (0.62, 0.52)),
        fill=paint,
        outline=INK,
        width=f.line,
    )  # near wing
    d.polygon(
        f.pts((0.1, 0.5), (0.02, 0.26), (0.1, 0.26), (0.2, 0.46)),
        fill=paint,
        outline=INK,
        width=f.line,
    )  # tail fin
    d.rounded_rectangle(
        f.box(0.04, 0.42, 0.96, 0.58), radius=f.s(0.08), fill=paint, outline=INK, width=f.line
    )  # fuselage
    d.polygon(
        f.pts((0.44, 0.46), (0.3, 0.14), (0.4, 0.14), (0.6, 0.46)),
        fill=paint,
        outline=INK,
        width=f.line,
    )  # far wing
    for k in range(7):
        x = 0.3 + k * 0.075
        d.ellipse(f.box(x, 0.46, x + 0.04, 0.5), fill=(120, 190, 240), outline=INK, width=1)
    d.polygon(f.pts((0.86, 0.44), (0.94, 0.48), (0.88, 0.5)), fill=(60, 80, 110))


_PAINTERS: dict[str, ObjectPainter] = {
    "house": _house,
    "tree": _tree,
    "car": _car,
    "cat": _cat,
    "cup": _cup,
    "boat": _boat,
    "fish": _fish,
    "bird": _bird,
    "flower": _flower,
    "umbrella": _umbrella,
    "clock": _clock,
    "apple": _apple,
    "bicycle": _bicycle,
    "airplane": _airplane,
}

#: The objects :func:`draw_object` knows, in documentation order.
OBJECTS: tuple[str, ...] = tuple(_PAINTERS)


def draw_object(
    draw: ImageDraw.ImageDraw, name: str, box: Sequence[float], *, variant: int = 0
) -> None:
    """Paint object ``name`` into ``box`` (pixels ``(x1, y1, x2, y2)``).

    Args:
        draw: the target.
        name: one of :data:`OBJECTS`.
        box: where the object goes; it fills the box.
        variant: picks the object's colour set (any integer).

    Raises:
        DataError: for an unknown object, listing the known ones.
    """
    painter = _PAINTERS.get(name)
    if painter is None:
        raise DataError(f"unknown object {name!r}; known objects: {', '.join(OBJECTS)}")
    painter(draw, _Frame(box), variant)
