"""Drawers of the safety tasks: hazard scenes, content-warning cards, icon + phrase layouts.

No harmful imagery: concepts are text and flat pictograms
(:mod:`pytest_multitrust.imaging.pictograms`).

``hazard`` (S.2 risk identification)
    one hazard pictogram (``object``: one of :data:`~pytest_multitrust.imaging.pictograms.
    HAZARDS`) on a plain background, optionally with a small child figure beside it
    (``child``: true). ``seed`` varies the background colour, placement and colours.
``content_warning`` (S.1 NSFW image description)
    a card standing in for an unsafe image: a ``headline`` band ("GRAPHIC VIOLENCE"),
    a grey silhouette behind a ``motif`` (``mosaic`` censor block, red ``splatter`` dots,
    or a ``weapon`` / ``pills`` / ``speech`` pictogram), a ``badge`` ("18+", "NSFW",
    "!") and a ``caption`` naming the concept.
``icon_phrase`` (S.5 MM-SafetyBench-style, S.6 relevant images)
    a topic ``icon`` (any pictogram) and a typographic ``text`` in one of four
    ``layout`` s: ``below`` (picture above, phrase below: MM-SafetyBench's SD+TYPO),
    ``above`` (phrase first), ``overlay`` (phrase on a banner across the picture) and
    ``text-only`` (MM-SafetyBench's TYPO). ``width`` (default 512) sets the size. The
    picture is square, the layout centred on white (a short text-only strip gets white
    above and below), so a processor's centre crop keeps the whole phrase.
``safety_cue`` (S.6 negative images)
    a ``cue`` (``stop``, ``warning`` or ``shield``) with an optional ``text`` below.

Every drawer is deterministic in its parameters (``seed`` included).

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("hazard", object="knife", child=True, seed=3)
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.pictograms import (
    CUES,
    HAZARDS,
    PICTOGRAMS,
    draw_child,
    draw_pictogram,
)
from pytest_multitrust.imaging.primitives import (
    draw_text,
    font,
    pad_to_square,
    param,
    param_size,
    parse_colour,
    wrap_text,
)
from pytest_multitrust.imaging.registry import register_drawer

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_multitrust.imaging.primitives import RGB

__all__ = [
    "BADGES",
    "LAYOUTS",
    "MOTIFS",
    "draw_content_warning",
    "draw_hazard",
    "draw_icon_phrase",
    "draw_safety_cue",
]

#: Pale backgrounds for hazard pictures (chosen by seed).
_PALE: tuple[RGB, ...] = (
    (255, 255, 255),
    (236, 244, 252),
    (250, 242, 228),
    (236, 248, 236),
    (246, 238, 250),
    (242, 242, 242),
)
#: Motifs of a content-warning card.
MOTIFS: tuple[str, ...] = ("mosaic", "splatter", "weapon", "pills", "speech")
#: Badges of a content-warning card.
BADGES: tuple[str, ...] = ("18+", "NSFW", "!")
#: Layouts of an icon + phrase picture.
LAYOUTS: tuple[str, ...] = ("below", "above", "overlay", "text-only")


def _choice(params: Mapping[str, Any], name: str, options: tuple[str, ...]) -> str:
    value = params.get(name)
    if value not in options:
        raise DataError(f"{name!r} must be one of {', '.join(options)}; got {value!r}")
    return str(value)


def _centred_lines(
    draw: ImageDraw.ImageDraw,
    text: str,
    box: tuple[int, int, int, int],
    size: int,
    colour: RGB,
) -> None:
    """Wrap ``text`` into ``box`` at ``size`` px (shrinking until it fits), centred."""
    x1, y1, x2, y2 = box
    width, height = x2 - x1, y2 - y1
    while True:
        face = font(size)
        lines = wrap_text(text, face, width)
        total = size * 1.15 * len(lines)
        if total <= height or size <= 8:
            break
        size -= 2
    top = y1 + (height - total) / 2
    draw_text(
        draw,
        (x1, top),
        lines,
        face,
        colour,
        line_height=size * 1.15,
        bold=True,
        align="center",
        block_width=width,
    )


@register_drawer("hazard")
def draw_hazard(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``hazard`` recipe (see the module docstring).

    Raises:
        DataError: for an unknown object or a bad parameter, naming it.
    """
    name = _choice(params, "object", HAZARDS)
    width, height = param_size(params)
    seed = param(params, "seed", int, 0)
    rng = random.Random(f"hazard:{name}:{seed}")
    background = params.get("background")
    fill = parse_colour(background) if background is not None else rng.choice(_PALE)
    image = Image.new("RGB", (width, height), fill)
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    if param(params, "child", bool, False):
        object_side = round(side * rng.uniform(0.56, 0.62))
        left = rng.random() < 0.5
        ox = round(width * 0.06) if left else width - object_side - round(width * 0.06)
        oy = round((height - object_side) / 2 + rng.uniform(-0.05, 0.05) * height)
        draw_pictogram(draw, name, (ox, oy, ox + object_side, oy + object_side), variant=seed)
        child_w, child_h = round(side * 0.24), round(side * 0.42)
        cx = width - child_w - round(width * 0.05) if left else round(width * 0.05)
        cy = height - child_h - round(height * 0.06)
        draw_child(draw, (cx, cy, cx + child_w, cy + child_h), variant=seed)
    else:
        object_side = round(side * rng.uniform(0.62, 0.78))
        ox = round((width - object_side) / 2 + rng.uniform(-0.06, 0.06) * width)
        oy = round((height - object_side) / 2 + rng.uniform(-0.06, 0.06) * height)
        draw_pictogram(draw, name, (ox, oy, ox + object_side, oy + object_side), variant=seed)
    return image


def _silhouette(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: RGB) -> None:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    draw.ellipse((x1 + w * 0.36, y1 + h * 0.04, x1 + w * 0.64, y1 + h * 0.34), fill=colour)
    draw.rounded_rectangle(
        (x1 + w * 0.2, y1 + h * 0.36, x1 + w * 0.8, y2), radius=w * 0.16, fill=colour
    )


@register_drawer("content_warning")
def draw_content_warning(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``content_warning`` recipe (see the module docstring).

    Raises:
        DataError: for a missing headline or a bad parameter, naming it.
    """
    headline = params.get("headline")
    if not isinstance(headline, str) or not headline.strip():
        raise DataError("content_warning needs a non-empty 'headline'")
    caption = param(params, "caption", str, "")
    motif = _choice(params, "motif", MOTIFS)
    badge = _choice({"badge": params.get("badge", "18+")}, "badge", BADGES)
    width, height = param_size(params)
    seed = param(params, "seed", int, 0)
    rng = random.Random(f"content_warning:{headline}:{motif}:{seed}")
    image = Image.new("RGB", (width, height), (38, 38, 44))
    draw = ImageDraw.Draw(image)
    band = round(height * 0.2)
    draw.rectangle((0, 0, width, band), fill=(180, 20, 30))
    _centred_lines(
        draw, headline.upper(), (8, 4, width - 8, band - 4), round(height * 0.085), (255, 255, 255)
    )
    panel = (
        round(width * 0.08),
        band + round(height * 0.04),
        round(width * 0.92),
        round(height * 0.76),
    )
    draw.rectangle(panel, fill=rng.choice(((70, 70, 80), (60, 64, 74), (80, 72, 72))))
    px1, py1, px2, py2 = panel
    pw, ph = px2 - px1, py2 - py1
    figure_x = px1 + round(pw * rng.uniform(0.05, 0.3))
    figure = (figure_x, py1 + round(ph * 0.08), figure_x + round(pw * 0.42), py2)
    _silhouette(draw, figure, (120, 120, 130))
    if motif == "mosaic":  # a pixelated censor block over the figure
        cell = max(4, round(pw / 18))
        fx1, fy1, fx2, _ = figure
        top = fy1 + round((py2 - fy1) * 0.3)
        for y in range(top, py2 - cell + 1, cell):
            for x in range(fx1, fx2 - cell + 1, cell):
                tone = rng.choice(
                    ((228, 184, 150), (205, 150, 115), (180, 130, 100), (240, 200, 170))
                )
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=tone)
        bar_y = top + round((py2 - top) * 0.4)
        draw.rectangle((px1, bar_y, px2, bar_y + round(ph * 0.14)), fill=(0, 0, 0))
        _centred_lines(
            draw,
            "CENSORED",
            (px1, bar_y, px2, bar_y + round(ph * 0.14)),
            round(ph * 0.1),
            (255, 255, 255),
        )
    elif motif == "splatter":  # abstract red dots, no wound, no body part
        for _ in range(28):
            r = rng.uniform(0.01, 0.05) * pw
            dx = rng.uniform(px1 + r, px2 - r)
            dy = rng.uniform(py1 + r, py2 - r)
            draw.ellipse((dx - r, dy - r, dx + r, dy + r), fill=(150 + rng.randrange(60), 0, 10))
    else:
        icon = {"weapon": rng.choice(("pistol", "knife")), "pills": "pills", "speech": "speech"}[
            motif
        ]
        side = round(min(pw * 0.46, ph * 0.8))
        ix = px2 - side - round(pw * 0.04)
        iy = py1 + (ph - side) // 2
        # A pale plate: dark pictograms (the pistol) vanish on the dark panel without it.
        draw.rounded_rectangle(
            (ix, iy, ix + side, iy + side), radius=max(4, side // 10), fill=(214, 214, 222)
        )
        draw_pictogram(draw, icon, (ix, iy, ix + side, iy + side), variant=seed)
    radius = round(min(width, height) * 0.085)
    bx, by = px2 - radius - 4, py1 + radius + 4
    draw.ellipse(
        (bx - radius, by - radius, bx + radius, by + radius),
        fill=(220, 20, 30),
        outline=(255, 255, 255),
        width=max(2, radius // 8),
    )
    _centred_lines(
        draw,
        badge,
        (bx - radius + 3, by - radius, bx + radius - 3, by + radius),
        round(radius * 0.9),
        (255, 255, 255),
    )
    if caption:
        _centred_lines(
            draw,
            caption,
            (8, py2 + 4, width - 8, height - 4),
            round(height * 0.06),
            (235, 235, 235),
        )
    return image


@register_drawer("icon_phrase")
def draw_icon_phrase(params: Mapping[str, Any]) -> Image.Image:
    """Draw an ``icon_phrase`` recipe (see the module docstring).

    Raises:
        DataError: for an unknown icon or layout, or a missing text.
    """
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DataError("icon_phrase needs a non-empty 'text'")
    layout = _choice({"layout": params.get("layout", "below")}, "layout", LAYOUTS)
    width = param(params, "width", int, 512)
    if not 128 <= width <= 2048:
        raise DataError(f"icon_phrase 'width' must be in 128..2048, got {width}")
    seed = param(params, "seed", int, 0)
    rng = random.Random(f"icon_phrase:{text}:{seed}")
    font_size = round(width * 0.085)
    lines = wrap_text(text, font(font_size), width * 0.92)
    text_h = round(font_size * 1.2 * len(lines) + width * 0.06)
    base_h = 0 if layout == "text-only" else round(width * 0.7)
    banner = layout == "overlay"
    # The banner lies across the picture's lower part, below the icon (never over it).
    picture_h = max(base_h, round(base_h * 0.7) + text_h) if banner else base_h
    height = picture_h + (0 if banner else text_h)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    if layout != "text-only":
        icon = _choice(params, "icon", PICTOGRAMS)
        top = text_h if layout == "above" else 0
        draw.rectangle((0, top, width, top + picture_h), fill=rng.choice(_PALE[1:]))
        side = round(base_h * (0.62 if banner else 0.8))
        ix = (width - side) // 2
        iy = top + (round(base_h * 0.06) if banner else (picture_h - side) // 2)
        draw_pictogram(draw, icon, (ix, iy, ix + side, iy + side), variant=seed)
    if banner:
        band_top = picture_h - text_h
        draw.rectangle((0, band_top, width, picture_h), fill=(255, 255, 255))
        text_top = band_top
    else:
        text_top = 0 if layout == "above" else picture_h
    draw_text(
        draw,
        (width * 0.04, text_top + width * 0.03),
        lines,
        font(font_size),
        parse_colour("black"),
        line_height=font_size * 1.2,
        bold=True,
        align="center",
        block_width=width * 0.92,
    )
    return pad_to_square(image)


@register_drawer("safety_cue")
def draw_safety_cue(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``safety_cue`` recipe (see the module docstring).

    Raises:
        DataError: for an unknown cue.
    """
    cue = _choice(params, "cue", CUES)
    text = param(params, "text", str, "")
    width, height = param_size(params)
    seed = param(params, "seed", int, 0)
    rng = random.Random(f"safety_cue:{cue}:{seed}")
    image = Image.new("RGB", (width, height), rng.choice(_PALE))
    draw = ImageDraw.Draw(image)
    picture_h = round(height * (0.7 if text else 0.9))
    side = round(min(width * 0.8, picture_h * 0.9))
    ix = (width - side) // 2
    iy = round(height * 0.05)
    draw_pictogram(draw, cue, (ix, iy, ix + side, iy + side), variant=seed)
    if text:
        _centred_lines(
            draw,
            text,
            (8, iy + side + 4, width - 8, height - 4),
            round(height * 0.08),
            (20, 20, 20),
        )
    return image
