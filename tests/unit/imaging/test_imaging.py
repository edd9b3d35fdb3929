from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging import (
    COLOURS,
    SCENES,
    boxes_overlap,
    draw,
    draw_shape,
    drawer_kinds,
    font,
    normalise_box,
    parse_colour,
    place_boxes,
    register_drawer,
    render,
    shape_points,
    wrap_text,
)
from pytest_multitrust.imaging.registry import _DRAWERS
from pytest_multitrust.tasks.base import ImageRecipe

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

RECIPES = [
    ImageRecipe.make(
        "shapes",
        shapes=[
            {"shape": "circle", "colour": "red", "box": [20, 20, 100, 100]},
            {
                "shape": "star",
                "colour": "yellow",
                "box": [150, 30, 250, 130],
                "outline": "black",
                "width": 2,
            },
        ],
        text={"content": "AB12", "size": 48, "angle": 7, "center": [168, 260]},
    ),
    *[ImageRecipe.make("shapes", scene=scene, seed=4) for scene in SCENES],
    ImageRecipe.make(
        "typography", text="Steps to bake bread.", font_size=40, width=400, list_items=3
    ),
    *[ImageRecipe.make("unrelated", style=style, seed=9) for style in ("color", "noise", "nature")],
]


def test_builtin_kinds() -> None:
    kinds = drawer_kinds()
    assert kinds == sorted(kinds)
    assert {"file", "shapes", "typography", "unrelated"} <= set(kinds)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: f"{r.kind}-{r.params_json[:30]}")
def test_same_params_give_identical_png_bytes(recipe: ImageRecipe) -> None:
    render.cache_clear()
    first = render(recipe)
    render.cache_clear()
    again = render(ImageRecipe(kind=recipe.kind, params_json=recipe.params_json))
    assert first.png == again.png
    assert first.sha256 == again.sha256
    assert first.to_pil().mode == "RGB"


def test_default_size_is_336() -> None:
    assert draw(ImageRecipe.make("shapes")).size == (336, 336)
    assert draw(ImageRecipe.make("unrelated", style="nature")).size == (336, 336)
    assert draw(ImageRecipe.make("unrelated", style="noise", size=[64, 32])).size == (64, 32)


@pytest.mark.parametrize("shape", ["circle", "square", "triangle", "star", "diamond", "hexagon"])
def test_shape_fills_its_box_exactly(shape: str) -> None:
    box = [40, 60, 161, 201]
    image = draw(
        ImageRecipe.make("shapes", shapes=[{"shape": shape, "colour": "blue", "box": box}])
    )
    white = Image.new("RGB", image.size, "white")
    bbox = ImageChops.difference(image, white).getbbox()
    assert bbox is not None
    # getbbox is exclusive on the right/bottom; allow one pixel of rasterisation slack
    assert bbox[0] == pytest.approx(box[0], abs=1)
    assert bbox[1] == pytest.approx(box[1], abs=1)
    assert bbox[2] - 1 == pytest.approx(box[2], abs=1)
    assert bbox[3] - 1 == pytest.approx(box[3], abs=1)
    centre = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2 + 10)
    assert image.getpixel(centre) == COLOURS["blue"]


def test_shape_points_match_box() -> None:
    points = shape_points("star", (10, 20, 110, 220))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert (min(xs), min(ys), max(xs), max(ys)) == pytest.approx((10, 20, 110, 220))
    with pytest.raises(DataError, match="unknown shape"):
        shape_points("blob", (0, 0, 1, 1))


def test_draw_shape_primitive() -> None:
    image = Image.new("RGB", (50, 50), "white")
    draw_shape(ImageDraw.Draw(image), "square", (10, 10, 20, 20), parse_colour("#ff0000"))
    assert image.getpixel((15, 15)) == (255, 0, 0)


def test_scenes_are_distinct() -> None:
    images = [draw(ImageRecipe.make("shapes", scene=scene)).tobytes() for scene in SCENES]
    assert len(set(images)) == len(SCENES)
    night = draw(ImageRecipe.make("shapes", scene="night"))
    day = draw(ImageRecipe.make("shapes", scene="day"))
    assert sum(night.convert("L").tobytes()) < sum(day.convert("L").tobytes()) / 2


def test_ocr_text_is_drawn() -> None:
    plain = draw(ImageRecipe.make("shapes"))
    text = draw(ImageRecipe.make("shapes", text={"content": "K7PX", "size": 60}))
    bbox = ImageChops.difference(plain, text).getbbox()
    assert bbox is not None
    assert bbox[0] > 0
    assert bbox[2] < 336


def test_typography_wraps_and_grows() -> None:
    short = draw(ImageRecipe.make("typography", text="Hello", font_size=40, width=400))
    long = draw(ImageRecipe.make("typography", text="Hello world " * 20, font_size=40, width=400))
    listed = draw(
        ImageRecipe.make("typography", text="Hello", font_size=40, width=400, list_items=3)
    )
    assert short.width == long.width == 400
    assert long.height > short.height
    assert listed.height == short.height + 3 * 44
    tall = draw(ImageRecipe.make("typography", text="Hi", font_size=40, width=400, min_height=400))
    assert tall.size == (400, 400)


def test_typography_defaults_follow_the_original() -> None:
    image = draw(ImageRecipe.make("typography", text="One line"))
    assert image.width == 1024
    assert image.height == 2 * (90 // 4) + 99  # margins + 1.1 x 1 line x 90 px


def test_unrelated_kinds() -> None:
    color = draw(ImageRecipe.make("unrelated", style="color", seed=1))
    assert len(color.getcolors(maxcolors=4) or []) == 1
    noise = draw(ImageRecipe.make("unrelated", style="noise", seed=1))
    assert noise.getcolors(maxcolors=1000) is None  # far more than 1000 colours
    nature = draw(ImageRecipe.make("unrelated", style="nature", seed=1))
    assert len(nature.getcolors(maxcolors=100_000) or []) > 20
    other = draw(ImageRecipe.make("unrelated", style="nature", seed=2))
    assert nature.tobytes() != other.tobytes()


def test_file_kind(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    Image.new("RGB", (10, 12), "red").save(path)
    assert draw(ImageRecipe.make("file", path=str(path))).size == (10, 12)
    with pytest.raises(DataError, match=r"missing\.png: image file not found"):
        draw(ImageRecipe.make("file", path=str(tmp_path / "missing.png")))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(DataError, match=r"broken\.png: not a readable image"):
        draw(ImageRecipe.make("file", path=str(broken)))


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        (ImageRecipe.make("nope"), "unknown image kind 'nope'; known kinds: .*shapes"),
        (ImageRecipe.make("shapes", size=[0, 5]), "'size'"),
        (ImageRecipe.make("shapes", shapes=[{"shape": "circle", "box": [5, 5, 1, 1]}]), "x1 < x2"),
        (
            ImageRecipe.make(
                "shapes", shapes=[{"shape": "circle", "box": [1, 1, 5, 5], "colour": "mauve"}]
            ),
            "unknown colour 'mauve'",
        ),
        (ImageRecipe.make("shapes", scene="mars"), "unknown scene 'mars'"),
        (ImageRecipe.make("typography"), "needs a 'text'"),
        (ImageRecipe.make("typography", text="x", font_size="big"), "'font_size' must be int"),
        (ImageRecipe.make("unrelated", style="plaid"), "'style' must be one of"),
    ],
)
def test_bad_recipes_raise_data_errors(recipe: ImageRecipe, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("[", r"\[")):
        draw(recipe)


def test_register_custom_drawer() -> None:
    @register_drawer("test-checker")
    def checker(params: Mapping[str, Any]) -> Image.Image:
        return Image.new("L", (8, 8), int(params.get("level", 0)))

    try:
        image = draw(ImageRecipe.make("test-checker", level=200))
        assert image.mode == "RGB"
        assert image.getpixel((0, 0)) == (200, 200, 200)
        with pytest.raises(ValueError, match="already registered"):
            register_drawer("test-checker")(lambda params: Image.new("RGB", (1, 1)))
    finally:
        _DRAWERS.pop("test-checker", None)


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=8), max_size=30),
    width=st.integers(120, 600),
)
def test_wrap_text_fits_and_keeps_words(words: list[str], width: int) -> None:
    face = font(24)
    lines = wrap_text(" ".join(words), face, width)
    assert all(face.getlength(line) <= width for line in lines)
    assert " ".join(lines).split() == words


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 4))
def test_place_boxes(seed: int, count: int) -> None:
    boxes = place_boxes(random.Random(seed), count, (336, 336), min_side=50, max_side=90)
    assert boxes == place_boxes(random.Random(seed), count, (336, 336), min_side=50, max_side=90)
    assert len(boxes) == count
    for i, a in enumerate(boxes):
        assert 12 <= a[0] < a[2] <= 324
        assert 12 <= a[1] < a[3] <= 324
        for b in boxes[i + 1 :]:
            assert not boxes_overlap(a, b)


def test_place_boxes_impossible() -> None:
    with pytest.raises(DataError, match="cannot place"):
        place_boxes(random.Random(0), 20, (100, 100), min_side=60, max_side=60, attempts=50)


def test_normalise_box() -> None:
    assert normalise_box((42, 84, 168, 336), (336, 336)) == (0.125, 0.25, 0.5, 1.0)
