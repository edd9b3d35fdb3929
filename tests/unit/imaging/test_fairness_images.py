"""The fairness drawers: avatars vary only in their tested attributes; option cards."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageChops

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging import draw, drawer_kinds, render
from pytest_multitrust.imaging.avatars import (
    AGES,
    AVATAR_BACKGROUND,
    GENDERS,
    HAIR_COLOURS,
    SKIN_TONES,
    shade,
)
from pytest_multitrust.tasks.base import ImageRecipe

if TYPE_CHECKING:
    from collections.abc import Iterable

RGB = tuple[int, int, int]


def avatar(gender: str, age: str, skin: str, **extra: object) -> Image.Image:
    return draw(ImageRecipe.make("avatar", gender=gender, age=age, skin=skin, **extra))


def changed(a: Image.Image, b: Image.Image) -> list[tuple[int, int]]:
    """Pixels where two images differ."""
    mask = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v else 0)
    width = a.size[0]
    return [(i % width, i // width) for i, v in enumerate(mask.get_flattened_data()) if v]


def colours_at(image: Image.Image, points: Iterable[tuple[int, int]]) -> set[RGB]:
    pixels = image.load()
    assert pixels is not None
    return {pixels[p] for p in points}  # type: ignore[misc]


def hair_colours(age: str) -> set[RGB]:
    return {HAIR_COLOURS[age], shade(HAIR_COLOURS[age], 0.7)}


def skin_colours(skin: str) -> set[RGB]:
    rgb = SKIN_TONES[skin]
    return {rgb, shade(rgb, 0.78), shade(rgb, 0.68)}


def test_drawers_are_registered() -> None:
    assert {"avatar", "choices"} <= set(drawer_kinds())


def test_every_avatar_is_distinct_and_deterministic() -> None:
    hashes = set()
    for gender, age, skin in itertools.product(GENDERS, AGES, SKIN_TONES):
        recipe = ImageRecipe.make("avatar", gender=gender, age=age, skin=skin)
        render.cache_clear()
        first = render(recipe)
        render.cache_clear()
        assert render(recipe).png == first.png
        assert first.to_pil().size == (336, 336)
        hashes.add(first.sha256)
    assert len(hashes) == 18


@pytest.mark.parametrize(("gender", "age"), list(itertools.product(GENDERS, AGES)))
def test_skin_tone_changes_only_skin_pixels(gender: str, age: str) -> None:
    images = {skin: avatar(gender, age, skin) for skin in SKIN_TONES}
    for a, b in itertools.combinations(SKIN_TONES, 2):
        diff = changed(images[a], images[b])
        assert len(diff) > 5000  # the face, ears and neck: a large, visible change
        assert colours_at(images[a], diff) <= skin_colours(a)
        assert colours_at(images[b], diff) <= skin_colours(b)


@pytest.mark.parametrize(("age", "skin"), list(itertools.product(AGES, SKIN_TONES)))
def test_gender_presentation_changes_only_hair_pixels(age: str, skin: str) -> None:
    male, female = avatar("male", age, skin), avatar("female", age, skin)
    diff = changed(male, female)
    assert len(diff) > 5000
    hair = hair_colours(age)
    pixels_m, pixels_f = male.load(), female.load()
    assert pixels_m is not None
    assert pixels_f is not None
    # every changed pixel is hair (or beard) in one of the two images
    assert all(pixels_m[p] in hair or pixels_f[p] in hair for p in diff)


@pytest.mark.parametrize(("gender", "skin"), list(itertools.product(GENDERS, SKIN_TONES)))
def test_age_changes_only_hair_colour_and_lines(gender: str, skin: str) -> None:
    images = {age: avatar(gender, age, skin) for age in AGES}
    lines = shade(SKIN_TONES[skin], 0.68)
    for a, b in itertools.combinations(AGES, 2):
        diff = changed(images[a], images[b])
        assert len(diff) > 2000
        allowed_a, allowed_b = hair_colours(a) | {lines}, hair_colours(b) | {lines}
        pixels_a, pixels_b = images[a].load(), images[b].load()
        assert pixels_a is not None
        assert pixels_b is not None
        for point in diff:
            assert pixels_a[point] in allowed_a or pixels_b[point] in allowed_b
    # wrinkle lines: none when young, more when older
    counts = {age: sum(1 for c in images[age].get_flattened_data() if c == lines) for age in AGES}
    assert counts["young"] == 0 < counts["middle"] < counts["older"]


def test_pose_clothes_and_background_are_shared() -> None:
    images = [avatar(*combo) for combo in itertools.product(GENDERS, AGES, SKIN_TONES)]
    first = images[0]
    # the shirt and the background corners are pixel-identical everywhere
    for image in images[1:]:
        for box in (
            (0, 300, 40, 336),
            (296, 300, 336, 336),
            (60, 320, 276, 336),
            (0, 0, 60, 40),
            (276, 0, 336, 40),
        ):
            assert ImageChops.difference(first.crop(box), image.crop(box)).getbbox() is None
    assert first.getpixel((2, 2)) == AVATAR_BACKGROUND


def test_groups_of_avatars_are_identical_copies() -> None:
    group = avatar("female", "older", "dark", people=3)
    assert group.size == (1008, 336)
    single = avatar("female", "older", "dark")
    for index in range(3):
        tile = group.crop((336 * index, 0, 336 * (index + 1), 336))
        assert ImageChops.difference(tile, single).getbbox() is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"gender": "x", "age": "young", "skin": "light"}, "'gender' must be one of male, female"),
        ({"gender": "male", "age": "old", "skin": "light"}, "'age' must be one of"),
        ({"gender": "male", "age": "young"}, "'skin' must be one of light, medium, dark"),
        ({"gender": "male", "age": "young", "skin": "dark", "people": 5}, "1..4"),
    ],
)
def test_bad_avatar_parameters(params: dict[str, object], message: str) -> None:
    with pytest.raises(DataError, match=message):
        draw(ImageRecipe.make("avatar", **params))


def test_choices_draw_lettered_panels() -> None:
    two = draw(ImageRecipe.make("choices", options=["Tea", "Coffee"]))
    assert two.size == (800, 400)
    left, right = two.crop((0, 0, 400, 400)), two.crop((400, 0, 800, 400))
    assert ImageChops.difference(left, right).getbbox() is not None
    one = draw(ImageRecipe.make("choices", options=["Coffee"], labels=["B"]))
    assert one.size == (400, 400)
    # the single B card is the right panel without its divider
    assert (
        ImageChops.difference(one.crop((10, 0, 400, 400)), right.crop((10, 0, 400, 400))).getbbox()
        is None
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "'options' must be a list of non-empty strings"),
        ({"options": ["a", ""]}, "non-empty"),
        ({"options": ["a"] * 5}, "1 to 4 options"),
        ({"options": ["a", "b"], "labels": ["A"]}, "2 options but 1 labels"),
        ({"options": ["a"], "font_size": 3}, "8..200"),
    ],
)
def test_bad_choices_parameters(params: dict[str, object], message: str) -> None:
    with pytest.raises(DataError, match=message):
        draw(ImageRecipe.make("choices", **params))
