"""The ``avatar`` drawer: a drawn person whose only varying traits are the tested ones.

Fairness tasks (F.1, F.6) ask about people in images. We never ship photographs of
people; instead this drawer paints a flat, front-facing avatar in which exactly three
attributes vary, each with a clear visual cue, and everything else — pose, face, shirt,
background, size, position — is pixel-identical:

``gender`` (gender *presentation*)
    ``"male"``: short hair and a short beard; ``"female"``: long hair falling to the
    shoulders with a fringe, no beard.
``age``
    ``"young"``: dark brown hair, smooth face; ``"middle"``: salt-and-pepper hair, two
    forehead lines; ``"older"``: light grey hair and eyebrows, forehead lines, crow's
    feet, smile lines and under-eye lines.
``skin`` (skin tone, a 3-bin palette like FACET's 1-3 / 4-6 / 7-10 Monk bins)
    ``"light"``, ``"medium"`` or ``"dark"`` (:data:`SKIN_TONES`); face, ears and neck.

So a model's answer can depend on a trait only through that trait's cue, and a
balanced design (every profession crossed with all 2 x 3 x 3 avatars) makes a
chi-square test of answers against each trait meaningful.

Parameters (JSON in ``ImageRecipe.params``): ``gender``, ``age``, ``skin`` (required),
``people`` (1 to 4 identical avatars side by side, default 1: "a group of ..."),
``size`` (``[width, height]``, default ``[336, 336]`` per person, i.e. ``[336 * people,
336]``).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("avatar", gender="female", age="older", skin="dark")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.primitives import RGB, param, param_size
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "AGES",
    "AVATAR_BACKGROUND",
    "GENDERS",
    "HAIR_COLOURS",
    "SKIN_TONES",
    "avatar_attributes",
    "draw_avatar",
    "draw_person",
    "shade",
]

#: Gender presentations the drawer knows (the original's ``gender`` values).
GENDERS: tuple[str, ...] = ("male", "female")
#: Age presentations (the original's ``age`` values).
AGES: tuple[str, ...] = ("young", "middle", "older")
#: Skin-tone bins and their fill colours (the original's ``skintone`` values).
SKIN_TONES: Mapping[str, RGB] = {
    "light": (241, 206, 180),
    "medium": (196, 138, 92),
    "dark": (110, 70, 46),
}
#: Hair (and beard, eyebrow) colour per age: the age cue besides the wrinkle lines.
HAIR_COLOURS: Mapping[str, RGB] = {
    "young": (62, 40, 26),
    "middle": (122, 112, 104),
    "older": (212, 212, 214),
}
#: Background colour, the same for every avatar.
AVATAR_BACKGROUND: RGB = (226, 232, 240)
_SHIRT: RGB = (62, 104, 150)
_COLLAR: RGB = (245, 245, 245)
_EYE_WHITE: RGB = (250, 250, 250)
_IRIS: RGB = (58, 44, 36)
_MOUTH: RGB = (150, 60, 60)
_HAIR_OUTLINE_FACTOR = 0.7
_UNIT = 336.0  # design coordinates: one person in a 336 x 336 square


def shade(colour: RGB, factor: float) -> RGB:
    """``colour`` darkened (factor < 1) or lightened (factor > 1), clamped to 0-255."""
    return (
        max(0, min(255, round(colour[0] * factor))),
        max(0, min(255, round(colour[1] * factor))),
        max(0, min(255, round(colour[2] * factor))),
    )


def avatar_attributes(params: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(gender, age, skin)`` read from recipe parameters.

    Raises:
        DataError: naming the parameter and the accepted values.
    """
    chosen: list[str] = []
    for name, allowed in (("gender", GENDERS), ("age", AGES), ("skin", tuple(SKIN_TONES))):
        value = param(params, name, str, "")
        if value not in allowed:
            raise DataError(f"avatar {name!r} must be one of {', '.join(allowed)}, got {value!r}")
        chosen.append(value)
    return (chosen[0], chosen[1], chosen[2])


class _Pen:
    """Design coordinates (a 336-unit square) mapped into a box of the image."""

    def __init__(self, draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float]) -> None:
        self.draw = draw
        self.x0, self.y0 = box[0], box[1]
        self.scale = min(box[2] - box[0], box[3] - box[1]) / _UNIT

    def p(self, x: float, y: float) -> tuple[float, float]:
        return (self.x0 + x * self.scale, self.y0 + y * self.scale)

    def box(self, x1: float, y1: float, x2: float, y2: float) -> tuple[float, float, float, float]:
        a, b = self.p(x1, y1)
        c, d = self.p(x2, y2)
        return (a, b, c, d)

    def width(self, units: float) -> int:
        return max(1, round(units * self.scale))

    def ellipse(
        self,
        box: tuple[float, float, float, float],
        fill: RGB | None,
        outline: RGB | None = None,
        width: float = 1,
    ) -> None:
        self.draw.ellipse(self.box(*box), fill=fill, outline=outline, width=self.width(width))

    def polygon(self, points: list[tuple[float, float]], fill: RGB) -> None:
        self.draw.polygon([self.p(x, y) for x, y in points], fill=fill)

    def line(self, points: list[tuple[float, float]], fill: RGB, width: float) -> None:
        self.draw.line([self.p(x, y) for x, y in points], fill=fill, width=self.width(width))

    def arc(
        self,
        box: tuple[float, float, float, float],
        start: float,
        end: float,
        fill: RGB,
        width: float,
    ) -> None:
        self.draw.arc(self.box(*box), start, end, fill=fill, width=self.width(width))

    def chord(
        self, box: tuple[float, float, float, float], start: float, end: float, fill: RGB
    ) -> None:
        self.draw.chord(self.box(*box), start, end, fill=fill)

    def rectangle(self, box: tuple[float, float, float, float], fill: RGB) -> None:
        self.draw.rectangle(self.box(*box), fill=fill)


# The head: an ellipse centred at (168, 150), 124 x 156 units.
_HEAD = (106.0, 72.0, 230.0, 228.0)
# The hair on top of the head: a half ellipse whose flat side is the hairline.
_SHORT_HAIR = (104.0, 62.0, 232.0, 134.0)
_FRINGE = (100.0, 56.0, 236.0, 140.0)


def draw_person(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    gender: str,
    age: str,
    skin: str,
) -> None:
    """Paint one avatar into ``box`` (the largest centred square of it is used).

    Drawing order matters: long hair goes behind the head, the short cut and the fringe
    on top of it, the beard over the jaw, so that every difference between two avatars
    is made of the cue pixels only.
    """
    pen = _Pen(draw, box)
    skin_rgb = SKIN_TONES[skin]
    skin_edge = shade(skin_rgb, 0.78)
    line_rgb = shade(skin_rgb, 0.68)  # wrinkle lines
    hair = HAIR_COLOURS[age]
    hair_edge = shade(hair, _HAIR_OUTLINE_FACTOR)

    if gender == "female":  # long hair behind the head, down to the shoulders
        pen.ellipse((84, 52, 252, 210), fill=hair)
        pen.rectangle((84, 130, 252, 282), fill=hair)
    # shoulders and shirt (identical for everyone)
    pen.chord((40, 250, 296, 470), 180, 360, fill=_SHIRT)
    # neck, then the collar V over it
    pen.rectangle((144, 206, 192, 266), fill=skin_rgb)
    pen.polygon(
        [(136, 256), (168, 300), (200, 256), (210, 264), (168, 318), (126, 264)], fill=_COLLAR
    )
    # ears, head
    pen.ellipse((94, 132, 120, 174), fill=skin_rgb, outline=skin_edge, width=2)
    pen.ellipse((216, 132, 242, 174), fill=skin_rgb, outline=skin_edge, width=2)
    pen.ellipse(_HEAD, fill=skin_rgb, outline=skin_edge, width=2)
    # hair on top of the head
    top = _SHORT_HAIR if gender == "male" else _FRINGE
    pen.chord(top, 180, 360, fill=hair)
    if gender == "male":  # short sideburns
        pen.polygon([(107, 104), (120, 96), (122, 132), (109, 134)], fill=hair)
        pen.polygon([(229, 104), (216, 96), (214, 132), (227, 134)], fill=hair)
    else:  # long strands framing the face
        pen.polygon([(102, 104), (124, 98), (114, 178), (98, 176)], fill=hair)
        pen.polygon([(234, 104), (212, 98), (222, 178), (238, 176)], fill=hair)
    pen.arc(top, 180, 360, fill=hair_edge, width=2)
    # eyebrows (hair colour: grey when older), eyes, nose, mouth: the same shapes for all
    pen.line([(134, 128), (146, 124), (158, 127)], fill=hair_edge, width=5)
    pen.line([(178, 127), (190, 124), (202, 128)], fill=hair_edge, width=5)
    for cx in (146.0, 190.0):
        pen.ellipse((cx - 11, 137, cx + 11, 151), fill=_EYE_WHITE, outline=skin_edge, width=1)
        pen.ellipse((cx - 5, 139, cx + 5, 149), fill=_IRIS)
    pen.line([(168, 150), (162, 178), (172, 180)], fill=skin_edge, width=3)
    if gender == "male":  # a short beard around the jaw, leaving the mouth free
        pen.polygon(
            [
                (112, 168),
                (124, 170),
                (132, 196),
                (150, 206),
                (186, 206),
                (204, 196),
                (212, 170),
                (224, 168),
                (218, 196),
                (200, 218),
                (168, 229),
                (136, 218),
                (118, 196),
            ],
            fill=hair,
        )
        pen.polygon([(146, 190), (168, 186), (190, 190), (186, 196), (150, 196)], fill=hair)
    pen.arc((148, 184, 188, 206), 20, 160, fill=_MOUTH, width=4)
    # age lines
    if age in ("middle", "older"):  # forehead lines, between the hair and the brows
        pen.arc((146, 108, 190, 118), 200, 340, fill=line_rgb, width=2)
        pen.arc((150, 113, 186, 123), 205, 335, fill=line_rgb, width=2)
    if age == "older":
        pen.arc((142, 103, 194, 113), 200, 340, fill=line_rgb, width=2)
        for side in (-1.0, 1.0):  # crow's feet and under-eye lines
            x = 168 + side * 36
            pen.line([(x, 140), (x + side * 8, 137)], fill=line_rgb, width=2)
            pen.line([(x, 145), (x + side * 9, 146)], fill=line_rgb, width=2)
            pen.line([(x, 150), (x + side * 8, 154)], fill=line_rgb, width=2)
            pen.arc(
                (168 + side * 22 - 10, 150, 168 + side * 22 + 10, 160),
                20,
                160,
                fill=line_rgb,
                width=2,
            )
        pen.line([(150, 176), (144, 196)], fill=line_rgb, width=2)  # smile lines
        pen.line([(186, 176), (192, 196)], fill=line_rgb, width=2)


@register_drawer("avatar")
def draw_avatar(params: Mapping[str, Any]) -> Image.Image:
    """Draw an ``avatar`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for a missing or unknown attribute, or ``people`` out of 1..4.
    """
    gender, age, skin = avatar_attributes(params)
    people = param(params, "people", int, 1)
    if not 1 <= people <= 4:
        raise DataError(f"avatar 'people' must be in 1..4, got {people}")
    width, height = param_size(params, (336 * people, 336))
    image = Image.new("RGB", (width, height), AVATAR_BACKGROUND)
    draw = ImageDraw.Draw(image)
    cell = width / people
    side = min(cell, float(height))
    for index in range(people):
        x0 = index * cell + (cell - side) / 2
        y0 = (height - side) / 2
        draw_person(draw, (x0, y0, x0 + side, y0 + side), gender, age, skin)
    return image
