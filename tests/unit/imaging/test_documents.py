from __future__ import annotations

import random

import pytest
from PIL import Image, ImageChops, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging import draw, drawer_kinds
from pytest_multitrust.imaging.benign import BENIGN_FIELDS
from pytest_multitrust.imaging.documents import LAYOUT_FIELDS, mrz_lines
from pytest_multitrust.imaging.faces import draw_face, present, snapshot
from pytest_multitrust.tasks.base import ImageRecipe

FIELDS = {
    "country": "Utopia",
    "name": "Mira Quillthorpe",
    "birth_date": "14 Mar 1987",
    "id_number": "ZZ-1234-5678",
    "address": "48 Lanternfall Lane, Quillmere",
    "expiry": "03 Sep 2031",
    "surname": "QUILLTHORPE",
    "given_names": "MIRA",
    "passport": "ZZ1234567",
    "bank": "Emberly Bank",
    "number": "4000 0000 0000 0127",
    "sender": "Owlsbrook Health",
    "sender_town": "Fernhaze",
    "street": "48 Lanternfall Lane",
    "town": "Quillmere",
    "email": "mira.quillthorpe@example.com",
    "to": "Theo Marrowby <theo.marrowby@example.org>",
    "subject": "Parcel",
    "body": "Hi Theo,\ncall me on (212) 555-0147",
    "phone": "(212) 555-0147",
    "organisation": "Quillmere Analytics",
    "job_title": "Data Analyst",
    "employee_id": "E-123456",
    "airline": "Utopia Air",
    "flight": "ZU 482",
    "origin": "QLM",
    "destination": "BRW",
    "seat": "14C",
    "gate": "B7",
    "date": "12 May",
    "booking": "KX7Q2M",
    "plate": "ZZ42 KTR",
    "caption": "novelist",
    "title": "Lanternfall Cafe",
    "items": "Tomato soup 4.50\nApple pie 3.80",
    "brand": "Sunny Oats",
    "product": "Honey Crunch",
    "tagline": "Whole grain goodness",
    "when": "Saturday 8 pm",
    "where": "Quillmere Town Hall",
}


def _document(layout: str, **overrides: str) -> Image.Image:
    fields = {k: FIELDS[k] for k in LAYOUT_FIELDS[layout]} | overrides
    return draw(ImageRecipe.make("document", layout=layout, fields=fields, seed=3))


def test_drawers_are_registered() -> None:
    assert {"document", "benign"} <= set(drawer_kinds())


@pytest.mark.parametrize("layout", sorted(LAYOUT_FIELDS))
def test_every_field_of_a_layout_is_printed(layout: str) -> None:
    base = _document(layout)
    assert base.size == (672, 672)
    assert base == _document(layout)  # deterministic
    for key in LAYOUT_FIELDS[layout]:
        changed = _document(layout, **{key: FIELDS[key][::-1] + " X"})
        assert ImageChops.difference(base, changed).getbbox() is not None, (layout, key)


@pytest.mark.parametrize("scene", sorted(BENIGN_FIELDS))
def test_benign_scenes_render_in_both_views(scene: str) -> None:
    fields = {k: FIELDS[k] for k in BENIGN_FIELDS[scene]}
    flat = draw(ImageRecipe.make("benign", scene=scene, fields=fields, seed=1))
    handheld = draw(ImageRecipe.make("benign", scene=scene, fields=fields, seed=1, view="handheld"))
    assert flat.size == handheld.size == (672, 672)
    assert ImageChops.difference(flat, handheld).getbbox() is not None
    for key in BENIGN_FIELDS[scene]:
        changed = draw(
            ImageRecipe.make("benign", scene=scene, seed=1, fields=fields | {key: "Something else"})
        )
        assert ImageChops.difference(flat, changed).getbbox() is not None, (scene, key)


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("document", {"layout": "diary"}, "layout' must be one of id_card"),
        (
            "document",
            {"layout": "bank_card", "fields": {"bank": "B"}},
            "needs fields number, name, expiry",
        ),
        ("document", {"layout": "license_plate", "fields": {"plate": 7}}, "object of strings"),
        (
            "document",
            {"layout": "license_plate", "fields": {"plate": "A"}, "view": "aerial"},
            "unknown view 'aerial'",
        ),
        ("benign", {"scene": "selfie"}, "scene' must be one of landscape"),
        ("benign", {"scene": "menu", "fields": {"title": "T"}}, "needs fields items"),
    ],
)
def test_bad_parameters_name_the_problem(
    kind: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        draw(ImageRecipe.make(kind, **params))


def test_face_stays_inside_its_box_and_varies_with_the_seed() -> None:
    faces = []
    for seed in range(6):
        image = Image.new("RGB", (200, 240), "white")
        draw_face(image, (40, 30, 160, 190), random.Random(seed))
        bbox = ImageChops.difference(image, Image.new("RGB", (200, 240), "white")).getbbox()
        assert bbox is not None
        assert bbox[0] >= 40
        assert bbox[1] >= 30
        assert bbox[2] <= 160
        assert bbox[3] <= 190
        faces.append(image.tobytes())
    assert len(set(faces)) == 6
    with pytest.raises(DataError, match="at least 8 x 8"):
        draw_face(Image.new("RGB", (10, 10)), (0, 0, 4, 4), random.Random(0))


def _upright_share(image: Image.Image) -> float:
    """How much of the bounding box of the item's white pixels they fill (1 = upright)."""
    mask = image.convert("L").point(lambda v: 255 if v >= 249 else 0)
    bbox = mask.getbbox()
    if bbox is None:
        return 0.0
    area = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1])
    return mask.crop(bbox).histogram()[255] / area


def test_handheld_view_is_tilted_and_soft() -> None:
    item = Image.new("RGB", (300, 200), (250, 250, 250))
    flat = present(item, (672, 448), "flat", random.Random(1), surface="desk")
    handheld = present(item, (672, 448), "handheld", random.Random(1), surface="desk")
    assert flat.getpixel((336, 224)) == (250, 250, 250)
    assert _upright_share(flat) > 0.99  # an upright rectangle, centred
    assert _upright_share(handheld) < 0.9  # tilted (and blurred, lit unevenly)


def test_snapshot_covers_the_size_without_distorting_the_scene() -> None:
    scene = Image.new("RGB", (900, 600), (255, 255, 255))  # 3:2 into a square
    ImageDraw.Draw(scene).ellipse((300, 150, 600, 450), fill=(0, 0, 0))  # a centred disc
    picture = snapshot(scene, (300, 300), "flat", random.Random(0))
    assert picture.size == (300, 300)
    bbox = picture.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
    assert bbox is not None
    width, height = bbox[2] - bbox[0], bbox[3] - bbox[1]
    assert abs(width - height) <= 2  # still a disc (a plain resize makes it 100 x 150)
    assert abs(width - 150) <= 2  # scaled by 300/600: the sides were cut, not squeezed
    assert abs((bbox[0] + bbox[2]) / 2 - 150) <= 1  # cut evenly: still centred


def test_mrz_lines() -> None:
    first, second = mrz_lines("Quill-Thorpe", "Mira", "ZZ1234567", "1987-03-14")
    assert len(first) == len(second) == 44
    assert first.startswith("P<UTOQUILL<THORPE<<MIRA<")
    assert second.startswith("ZZ1234567<0UTO870314")
