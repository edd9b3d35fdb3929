"""Safety pictograms drawn with PIL primitives: hazards, topic icons and safety cues.

The safety tasks never ship harmful imagery: a hazard is a flat pictogram of the kind
found on warning labels and in icon sets (a kitchen knife, a pistol silhouette, a lit
cigarette, a bottle and glass, a wet-floor sign, a poison label, a flame, a high-voltage
sign), a request's topic is a neutral icon (a laptop with a bug, a credit card, a pill
bottle, ...), and a safety cue is a stop sign, a warning triangle or a shield.

Each painter draws into a box given in pixels, through :class:`Frame` (unit coordinates
0-1 across the box, y down). ``variant`` only picks colours. Nothing is random here.

Example:
    >>> from PIL import Image, ImageDraw
    >>> image = Image.new("RGB", (336, 336), "white")
    >>> draw_pictogram(ImageDraw.Draw(image), "knife", (40, 40, 296, 296))
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import font

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from PIL import ImageDraw

    from pytest_multitrust.imaging.primitives import RGB

__all__ = [
    "CUES",
    "HAZARDS",
    "PICTOGRAMS",
    "TOPIC_ICONS",
    "Frame",
    "draw_child",
    "draw_pictogram",
]

INK: RGB = (30, 28, 28)
WHITE: RGB = (255, 255, 255)
SIGN_YELLOW: RGB = (250, 200, 20)
SIGN_RED: RGB = (205, 25, 30)
SKIN: tuple[RGB, ...] = ((241, 194, 160), (198, 134, 90), (141, 85, 50), (224, 172, 105))
SHIRTS: tuple[RGB, ...] = ((40, 110, 210), (220, 60, 60), (40, 160, 90), (240, 170, 30))


class Frame:
    """Maps unit coordinates (0-1 across a box, y down) to pixels, optionally rotated.

    Args:
        box: ``(x1, y1, x2, y2)`` in pixels.
        angle: rotation in degrees, counter-clockwise, about the box centre.
    """

    def __init__(self, box: Sequence[float], angle: float = 0.0) -> None:
        self.x1, self.y1, self.x2, self.y2 = (float(v) for v in box)
        self.w = self.x2 - self.x1  # width in pixels
        self.h = self.y2 - self.y1  # height in pixels
        self.line = max(2, round(min(self.w, self.h) / 70))  # outline width in pixels
        self._cos = math.cos(math.radians(angle))
        self._sin = math.sin(math.radians(angle))

    def p(self, x: float, y: float) -> tuple[float, float]:
        """One point in pixels."""
        cx, cy = self.x1 + self.w / 2, self.y1 + self.h / 2
        dx, dy = (x - 0.5) * self.w, (y - 0.5) * self.h
        return (cx + dx * self._cos + dy * self._sin, cy - dx * self._sin + dy * self._cos)

    def pts(self, *points: tuple[float, float]) -> list[tuple[float, float]]:
        """Several points in pixels."""
        return [self.p(x, y) for x, y in points]

    def box(self, x1: float, y1: float, x2: float, y2: float) -> tuple[float, float, float, float]:
        """An axis-aligned box in pixels (rotation ignored: use for round parts)."""
        a, b = self.p(x1, y1)
        c, d = self.p(x2, y2)
        return (min(a, c), min(b, d), max(a, c), max(b, d))

    def rect(self, x1: float, y1: float, x2: float, y2: float) -> list[tuple[float, float]]:
        """A rectangle as a (possibly rotated) polygon."""
        return self.pts((x1, y1), (x2, y1), (x2, y2), (x1, y2))

    def s(self, length: float) -> float:
        """A length relative to the smaller side, in pixels."""
        return length * min(self.w, self.h)


def _pick(options: Sequence[RGB], variant: int) -> RGB:
    return options[variant % len(options)]


def _label(
    d: ImageDraw.ImageDraw, f: Frame, text: str, cx: float, cy: float, size: float, colour: RGB
) -> None:
    face = font(max(6, round(f.s(size))))
    x, y = f.p(cx, cy)
    d.text(
        (x, y),
        text,
        font=face,
        fill=colour,
        anchor="mm",
        stroke_width=max(1, round(face.size / 30)),
        stroke_fill=colour,
    )


# --- hazards ------------------------------------------------------------------------


def _knife(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    handle = _pick([(40, 35, 35), (120, 70, 35), (30, 60, 120), (150, 30, 30)], variant)
    k = Frame(f.box(0, 0, 1, 1), angle=35)
    d.polygon(
        k.pts((0.08, 0.42), (0.62, 0.42), (0.62, 0.58), (0.3, 0.58), (0.08, 0.5)),
        fill=(205, 210, 218),
        outline=INK,
        width=f.line,
    )  # blade, tip on the left
    d.line(k.pts((0.14, 0.47), (0.6, 0.47)), fill=(240, 243, 247), width=max(1, f.line))
    d.polygon(k.rect(0.6, 0.4, 0.66, 0.6), fill=(120, 120, 128), outline=INK, width=f.line)
    d.polygon(
        k.pts((0.66, 0.43), (0.95, 0.44), (0.97, 0.5), (0.95, 0.56), (0.66, 0.57)),
        fill=handle,
        outline=INK,
        width=f.line,
    )
    for x in (0.74, 0.86):
        cx, cy = k.p(x, 0.5)
        r = f.s(0.018)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(220, 220, 225))


def _pistol(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    body = _pick([(25, 25, 28), (60, 60, 66), (35, 35, 40)], variant)
    d.polygon(
        f.pts((0.1, 0.3), (0.9, 0.3), (0.9, 0.45), (0.1, 0.45)),
        fill=body,
        outline=INK,
        width=f.line,
    )  # slide and barrel, muzzle on the right
    d.rectangle(f.box(0.86, 0.26, 0.89, 0.3), fill=body)  # front sight
    d.polygon(
        f.pts((0.12, 0.45), (0.36, 0.45), (0.34, 0.55), (0.3, 0.88), (0.08, 0.88), (0.12, 0.6)),
        fill=body,
        outline=INK,
        width=f.line,
    )  # grip
    guard = max(3, f.line * 2)
    d.line(
        f.pts((0.34, 0.45), (0.37, 0.6), (0.56, 0.6), (0.6, 0.45)),
        fill=body,
        width=guard,
        joint="curve",
    )  # trigger guard
    d.line(f.pts((0.47, 0.45), (0.44, 0.55)), fill=body, width=guard)  # trigger
    for y in (0.62, 0.7, 0.78):  # grip texture
        d.line(f.pts((0.13, y), (0.3, y)), fill=(90, 90, 96), width=1)


def _cigarette(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    k = Frame(f.box(0, 0, 1, 1), angle=12)
    d.polygon(k.rect(0.08, 0.6, 0.3, 0.7), fill=(225, 150, 60), outline=INK, width=f.line)
    d.polygon(k.rect(0.3, 0.6, 0.84, 0.7), fill=(250, 250, 245), outline=INK, width=f.line)
    d.polygon(k.rect(0.84, 0.6, 0.88, 0.7), fill=(150, 150, 150), outline=INK, width=f.line)
    d.polygon(k.rect(0.88, 0.6, 0.92, 0.7), fill=(240, 80, 20), outline=INK, width=f.line)
    for k_ in range(3):  # smoke
        x0 = 0.84 + 0.035 * k_
        points = [f.p(x0 + 0.05 * math.sin(t / 3 + k_), 0.5 - 0.05 * t) for t in range(9)]
        d.line(points, fill=(150, 150, 158), width=max(2, f.line), joint="curve")


def _alcohol(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    glass_colour = _pick([(110, 70, 20), (30, 100, 50), (70, 40, 20)], variant)
    d.polygon(
        f.pts(
            (0.14, 0.95),
            (0.14, 0.45),
            (0.22, 0.36),
            (0.26, 0.36),
            (0.26, 0.12),
            (0.34, 0.12),
            (0.34, 0.36),
            (0.38, 0.36),
            (0.46, 0.45),
            (0.46, 0.95),
        ),
        fill=glass_colour,
        outline=INK,
        width=f.line,
    )  # bottle
    d.rectangle(f.box(0.25, 0.07, 0.35, 0.12), fill=(200, 170, 40), outline=INK, width=f.line)
    d.rectangle(f.box(0.16, 0.58, 0.44, 0.78), fill=(245, 235, 200), outline=INK, width=f.line)
    d.ellipse(f.box(0.24, 0.62, 0.36, 0.74), fill=(190, 40, 40))  # label seal
    d.polygon(
        f.pts((0.58, 0.3), (0.9, 0.3), (0.86, 0.55), (0.62, 0.55)),
        fill=(230, 240, 250),
        outline=INK,
        width=f.line,
    )  # wine glass bowl
    d.polygon(f.pts((0.6, 0.42), (0.88, 0.42), (0.86, 0.55), (0.62, 0.55)), fill=(150, 20, 45))
    d.line(f.pts((0.74, 0.55), (0.74, 0.86)), fill=INK, width=f.line * 2)
    d.ellipse(f.box(0.62, 0.84, 0.86, 0.92), fill=(230, 240, 250), outline=INK, width=f.line)


def _wet_floor(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.ellipse(f.box(0.02, 0.82, 0.98, 0.98), fill=(120, 180, 235))  # puddle
    d.polygon(
        f.pts((0.3, 0.06), (0.7, 0.06), (0.86, 0.9), (0.14, 0.9)),
        fill=SIGN_YELLOW,
        outline=INK,
        width=f.line,
    )  # A-frame sign
    d.polygon(
        f.pts((0.5, 0.16), (0.7, 0.52), (0.3, 0.52)),
        fill=SIGN_YELLOW,
        outline=INK,
        width=f.line * 2,
    )
    _label(d, f, "!", 0.5, 0.39, 0.2, INK)
    w = max(3, f.line * 2)  # a person slipping backwards
    d.ellipse(f.box(0.56, 0.56, 0.64, 0.64), fill=INK)
    d.line(f.pts((0.58, 0.64), (0.44, 0.74)), fill=INK, width=w)
    d.line(f.pts((0.44, 0.74), (0.34, 0.66)), fill=INK, width=w)
    d.line(f.pts((0.44, 0.74), (0.56, 0.82)), fill=INK, width=w)
    d.line(f.pts((0.54, 0.67), (0.66, 0.72)), fill=INK, width=w)
    d.line(f.pts((0.26, 0.84), (0.74, 0.84)), fill=INK, width=max(2, f.line))


def _skull(
    d: ImageDraw.ImageDraw, f: Frame, cx: float, cy: float, r: float, ink: RGB, paper: RGB
) -> None:
    for a, b in (
        ((cx - r * 1.5, cy + r * 0.5), (cx + r * 1.5, cy + r * 2.0)),
        ((cx + r * 1.5, cy + r * 0.5), (cx - r * 1.5, cy + r * 2.0)),
    ):
        d.line(f.pts(a, b), fill=ink, width=max(3, round(f.s(r * 0.35))))
    d.ellipse(f.box(cx - r, cy - r, cx + r, cy + r * 0.8), fill=ink)
    d.rectangle(f.box(cx - r * 0.55, cy + r * 0.5, cx + r * 0.55, cy + r * 1.15), fill=ink)
    for ex in (cx - r * 0.42, cx + r * 0.42):
        d.ellipse(f.box(ex - r * 0.25, cy - r * 0.2, ex + r * 0.25, cy + r * 0.3), fill=paper)
    d.polygon(
        f.pts((cx, cy + r * 0.4), (cx - r * 0.12, cy + r * 0.62), (cx + r * 0.12, cy + r * 0.62)),
        fill=paper,
    )


def _poison(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    bottle = _pick([(120, 60, 150), (40, 110, 60), (140, 90, 40)], variant)
    d.rounded_rectangle(
        f.box(0.22, 0.28, 0.78, 0.96), radius=f.s(0.06), fill=bottle, outline=INK, width=f.line
    )
    d.rectangle(f.box(0.38, 0.1, 0.62, 0.28), fill=bottle, outline=INK, width=f.line)
    d.rectangle(f.box(0.35, 0.03, 0.65, 0.12), fill=(60, 60, 60), outline=INK, width=f.line)
    # a GHS-style label: red-bordered diamond, skull and crossbones
    d.polygon(
        f.pts((0.5, 0.36), (0.74, 0.62), (0.5, 0.88), (0.26, 0.62)),
        fill=WHITE,
        outline=SIGN_RED,
        width=max(3, f.line * 2),
    )
    _skull(d, f, 0.5, 0.56, 0.085, INK, WHITE)


def _flame(
    d: ImageDraw.ImageDraw, f: Frame, cx: float, base: float, height: float, colours: Sequence[RGB]
) -> None:
    """Nested teardrop flames: a pointed, slightly bent tip and a round bottom."""
    for index, colour in enumerate(colours):
        scale = 1.0 - 0.3 * index
        h = height * scale
        w = height * 0.34 * scale
        bottom = base - height * 0.04 * index
        right: list[tuple[float, float]] = []
        left: list[tuple[float, float]] = []
        for step in range(25):
            t = step / 24  # 0 at the tip, 1 at the bottom
            half = w * math.sin(math.pi / 2 * min(1.0, t / 0.72)) ** 1.6
            if t > 0.72:  # round the bottom off
                half = w * math.sqrt(max(0.0, 1 - ((t - 0.72) / 0.28) ** 2))
            lean = 0.18 * w * (1 - t) ** 2  # the tip bends to the right
            y = bottom - h + h * t
            right.append((cx + lean + half, y))
            left.append((cx + lean - half, y))
        d.polygon(f.pts(*right, *reversed(left)), fill=colour)


def _fire(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.polygon(
        f.pts((0.5, 0.02), (0.98, 0.5), (0.5, 0.98), (0.02, 0.5)),
        fill=WHITE,
        outline=SIGN_RED,
        width=max(4, f.line * 3),
    )  # GHS "flammable" frame
    _flame(d, f, 0.5, 0.72, 0.5, ((225, 50, 20), (250, 150, 20), (255, 225, 90)))
    d.line(f.pts((0.28, 0.76), (0.72, 0.76)), fill=INK, width=max(3, f.line * 2))


def _electricity(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.polygon(
        f.pts((0.5, 0.04), (0.97, 0.9), (0.03, 0.9)),
        fill=SIGN_YELLOW,
        outline=INK,
        width=max(4, f.line * 3),
    )
    d.polygon(
        f.pts(
            (0.56, 0.24),
            (0.38, 0.58),
            (0.5, 0.58),
            (0.42, 0.84),
            (0.64, 0.48),
            (0.52, 0.48),
            (0.6, 0.24),
        ),
        fill=INK,
    )  # lightning bolt


# --- topic icons (for typographic jailbreak layouts) ----------------------------------


def _laptop_bug(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.rounded_rectangle(
        f.box(0.14, 0.14, 0.86, 0.66),
        radius=f.s(0.03),
        fill=(60, 65, 75),
        outline=INK,
        width=f.line,
    )
    d.rectangle(f.box(0.19, 0.19, 0.81, 0.61), fill=(30, 40, 60))
    d.polygon(
        f.pts((0.06, 0.7), (0.94, 0.7), (0.98, 0.8), (0.02, 0.8)),
        fill=(150, 155, 165),
        outline=INK,
        width=f.line,
    )
    d.ellipse(f.box(0.41, 0.3, 0.59, 0.54), fill=(90, 200, 90))  # a bug on screen
    d.ellipse(f.box(0.45, 0.24, 0.55, 0.32), fill=(90, 200, 90))
    for y in (0.36, 0.42, 0.48):
        d.line(f.pts((0.36, y), (0.64, y)), fill=(90, 200, 90), width=max(2, f.line))


def _credit_card(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    colour = _pick([(30, 90, 170), (160, 40, 60), (40, 130, 90)], variant)
    d.rounded_rectangle(
        f.box(0.08, 0.22, 0.92, 0.78), radius=f.s(0.05), fill=colour, outline=INK, width=f.line
    )
    d.rectangle(f.box(0.08, 0.32, 0.92, 0.42), fill=(25, 25, 25))
    d.rounded_rectangle(f.box(0.16, 0.48, 0.3, 0.58), radius=f.s(0.01), fill=(230, 200, 90))
    for x in (0.16, 0.33, 0.5, 0.67):
        d.rectangle(f.box(x, 0.64, x + 0.13, 0.68), fill=(235, 235, 240))


def _pills(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.rounded_rectangle(
        f.box(0.12, 0.3, 0.46, 0.92),
        radius=f.s(0.04),
        fill=(240, 150, 40),
        outline=INK,
        width=f.line,
    )
    d.rectangle(f.box(0.1, 0.18, 0.48, 0.3), fill=WHITE, outline=INK, width=f.line)
    d.rectangle(f.box(0.16, 0.48, 0.42, 0.74), fill=WHITE)
    capsules = (
        (0.68, 0.48, 30, (220, 60, 60)),
        (0.8, 0.7, -20, (60, 120, 220)),
        (0.64, 0.84, 70, (240, 240, 240)),
    )
    for cx, cy, angle, colour in capsules:
        capsule = Frame((*f.p(cx - 0.12, cy - 0.05), *f.p(cx + 0.12, cy + 0.05)), angle)
        d.polygon(capsule.rect(0, 0, 1, 1), fill=colour, outline=INK, width=f.line)
        d.line(capsule.pts((0.5, 0), (0.5, 1)), fill=INK, width=max(1, f.line // 2))


def _flask(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.polygon(
        f.pts((0.4, 0.08), (0.6, 0.08), (0.6, 0.38), (0.86, 0.9), (0.14, 0.9), (0.4, 0.38)),
        fill=(230, 240, 250),
        outline=INK,
        width=f.line,
    )
    d.polygon(f.pts((0.27, 0.64), (0.73, 0.64), (0.86, 0.9), (0.14, 0.9)), fill=(120, 200, 80))
    for cx, cy, r in ((0.46, 0.74, 0.03), (0.58, 0.8, 0.02), (0.52, 0.56, 0.025)):
        d.ellipse(f.box(cx - r, cy - r, cx + r, cy + r), fill=WHITE, outline=INK, width=1)


def _speech(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.rounded_rectangle(
        f.box(0.06, 0.12, 0.94, 0.7),
        radius=f.s(0.12),
        fill=(240, 90, 80),
        outline=INK,
        width=f.line,
    )
    d.polygon(
        f.pts((0.24, 0.68), (0.2, 0.92), (0.42, 0.68)),
        fill=(240, 90, 80),
        outline=INK,
        width=f.line,
    )
    _label(d, f, "#@%!", 0.5, 0.41, 0.2, WHITE)


def _lock(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.arc(
        f.box(0.28, 0.08, 0.72, 0.6),
        start=180,
        end=360,
        fill=(120, 125, 135),
        width=max(6, round(f.s(0.07))),
    )
    d.line(f.pts((0.31, 0.34), (0.31, 0.46)), fill=(120, 125, 135), width=max(6, round(f.s(0.07))))
    d.rounded_rectangle(
        f.box(0.18, 0.42, 0.82, 0.92),
        radius=f.s(0.05),
        fill=(240, 180, 30),
        outline=INK,
        width=f.line,
    )
    d.ellipse(f.box(0.44, 0.55, 0.56, 0.67), fill=INK)
    d.rectangle(f.box(0.48, 0.62, 0.52, 0.8), fill=INK)


def _id_card(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.rounded_rectangle(
        f.box(0.06, 0.2, 0.94, 0.8),
        radius=f.s(0.04),
        fill=(235, 240, 250),
        outline=INK,
        width=f.line,
    )
    d.rectangle(f.box(0.06, 0.2, 0.94, 0.3), fill=(40, 90, 170))
    d.rectangle(f.box(0.12, 0.36, 0.38, 0.72), fill=(200, 205, 215), outline=INK, width=1)
    d.ellipse(f.box(0.19, 0.4, 0.31, 0.54), fill=(150, 150, 160))
    d.pieslice(f.box(0.15, 0.54, 0.35, 0.8), start=180, end=360, fill=(150, 150, 160))
    for y in (0.42, 0.52, 0.62):
        d.rectangle(f.box(0.44, y, 0.86, y + 0.04), fill=(150, 155, 170))


def _money(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    for dx, dy in ((0.06, 0.06), (0.0, 0.0)):
        d.rectangle(
            f.box(0.08 + dx, 0.26 + dy, 0.86 + dx, 0.66 + dy),
            fill=(120, 180, 110),
            outline=INK,
            width=f.line,
        )
    d.ellipse(f.box(0.36, 0.32, 0.58, 0.6), fill=(200, 230, 190), outline=INK, width=f.line)
    _label(d, f, "$", 0.47, 0.46, 0.2, (40, 90, 40))


# --- safety cues ------------------------------------------------------------------------


def _stop(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    points = [
        (
            0.5 + 0.47 * math.cos(math.radians(22.5 + 45 * k)),
            0.5 + 0.47 * math.sin(math.radians(22.5 + 45 * k)),
        )
        for k in range(8)
    ]
    d.polygon(f.pts(*points), fill=SIGN_RED, outline=WHITE, width=max(4, f.line * 2))
    _label(d, f, "STOP", 0.5, 0.5, 0.24, WHITE)


def _warning(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.polygon(
        f.pts((0.5, 0.05), (0.96, 0.9), (0.04, 0.9)),
        fill=SIGN_YELLOW,
        outline=INK,
        width=max(4, f.line * 3),
    )
    _label(d, f, "!", 0.5, 0.6, 0.45, INK)


def _shield(d: ImageDraw.ImageDraw, f: Frame, variant: int) -> None:
    d.polygon(
        f.pts((0.5, 0.04), (0.9, 0.18), (0.86, 0.56), (0.5, 0.96), (0.14, 0.56), (0.1, 0.18)),
        fill=(40, 120, 200),
        outline=INK,
        width=f.line,
    )
    w = max(4, round(f.s(0.07)))
    d.line(f.pts((0.3, 0.5), (0.45, 0.66), (0.72, 0.34)), fill=WHITE, width=w, joint="curve")


_HAZARD_PAINTERS: Mapping[str, Callable[[ImageDraw.ImageDraw, Frame, int], None]] = {
    "knife": _knife,
    "pistol": _pistol,
    "cigarette": _cigarette,
    "alcohol": _alcohol,
    "wet_floor": _wet_floor,
    "poison": _poison,
    "fire": _fire,
    "electricity": _electricity,
}
_ICON_PAINTERS: Mapping[str, Callable[[ImageDraw.ImageDraw, Frame, int], None]] = {
    "laptop_bug": _laptop_bug,
    "credit_card": _credit_card,
    "pills": _pills,
    "flask": _flask,
    "speech": _speech,
    "lock": _lock,
    "id_card": _id_card,
    "money": _money,
}
_CUE_PAINTERS: Mapping[str, Callable[[ImageDraw.ImageDraw, Frame, int], None]] = {
    "stop": _stop,
    "warning": _warning,
    "shield": _shield,
}
_PAINTERS = {**_HAZARD_PAINTERS, **_ICON_PAINTERS, **_CUE_PAINTERS}

#: Hazard pictograms (S.2), in documentation order.
HAZARDS: tuple[str, ...] = tuple(_HAZARD_PAINTERS)
#: Neutral topic icons for typographic jailbreak layouts (S.5, S.6).
TOPIC_ICONS: tuple[str, ...] = tuple(_ICON_PAINTERS)
#: Safety cues (S.6 "neg" images).
CUES: tuple[str, ...] = tuple(_CUE_PAINTERS)
#: Every pictogram :func:`draw_pictogram` knows.
PICTOGRAMS: tuple[str, ...] = tuple(_PAINTERS)


def draw_pictogram(
    draw: ImageDraw.ImageDraw, name: str, box: Sequence[float], *, variant: int = 0
) -> None:
    """Paint pictogram ``name`` into ``box`` (pixels ``(x1, y1, x2, y2)``).

    Raises:
        DataError: for an unknown name, listing the known ones.
    """
    painter = _PAINTERS.get(name)
    if painter is None:
        raise DataError(f"unknown pictogram {name!r}; known: {', '.join(PICTOGRAMS)}")
    painter(draw, Frame(box), variant)


def draw_child(draw: ImageDraw.ImageDraw, box: Sequence[float], *, variant: int = 0) -> None:
    """A small child figure (round head, shirt, arms and legs) standing in ``box``."""
    f = Frame(box)
    skin = _pick(SKIN, variant)
    shirt = _pick(SHIRTS, variant // len(SKIN))
    limb = max(3, round(f.s(0.09)))
    d = draw
    d.line(f.pts((0.42, 0.66), (0.36, 0.97)), fill=(50, 60, 110), width=limb)  # legs
    d.line(f.pts((0.58, 0.66), (0.64, 0.97)), fill=(50, 60, 110), width=limb)
    d.line(f.pts((0.32, 0.42), (0.14, 0.62)), fill=skin, width=limb)  # arms
    d.line(f.pts((0.68, 0.42), (0.88, 0.3)), fill=skin, width=limb)
    d.rounded_rectangle(
        f.box(0.3, 0.34, 0.7, 0.7),
        radius=f.s(0.08),
        fill=shirt,
        outline=INK,
        width=max(1, f.line // 2),
    )
    d.ellipse(f.box(0.3, 0.02, 0.7, 0.34), fill=skin, outline=INK, width=max(1, f.line // 2))
    d.ellipse(f.box(0.4, 0.14, 0.45, 0.19), fill=INK)  # eyes
    d.ellipse(f.box(0.55, 0.14, 0.6, 0.19), fill=INK)
    d.arc(f.box(0.42, 0.16, 0.58, 0.28), start=20, end=160, fill=INK, width=1)
