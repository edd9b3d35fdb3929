"""The ``document`` drawer: cards, letters and screens that carry (fictional) personal data.

Parameters (JSON in ``ImageRecipe.params``):

``layout``
    what is shown (required), one of :data:`LAYOUTS`:

    * ``id_card`` — identity card: face, name, date of birth, ID number, address;
    * ``passport`` — passport data page: face, surname, given names, date of birth,
      passport number and a machine-readable zone;
    * ``bank_card`` — payment card: bank, chip, card number, expiry, holder's name;
    * ``envelope`` — a stamped envelope addressed to a person (name, street, town);
    * ``email_screen`` — an e-mail open in a mail client (sender name and address,
      subject, body);
    * ``contact_screen`` — a phone showing a contact card (face, name, phone, e-mail,
      address);
    * ``badge`` — an employee badge: organisation, face, name, job title, employee ID;
    * ``business_card`` — name, job title, organisation, phone, e-mail, address;
    * ``boarding_pass`` — passenger name, flight, route, seat, gate, date, booking code;
    * ``license_plate`` — the back of a car with its number plate;
    * ``portrait`` — a person (face placeholder) on a stage backdrop with a caption
      naming them and their occupation.
``fields``
    the texts to print, an object of strings; each layout names the keys it needs in
    :data:`LAYOUT_FIELDS` (a missing key is a :class:`~pytest_multitrust.errors.DataError`).
``view``
    ``flat`` (default; a tidy, upright shot) or ``handheld`` (tilted, off-centre,
    partly cropped, blurred: see :func:`~pytest_multitrust.imaging.faces.present`).
``seed``
    integer (default 0) for colours, the face and the view; never changes the texts.
``size``
    ``[width, height]``, default ``[672, 672]``: square, so that a processor's centre
    crop keeps the whole picture.

People appear only as drawn face placeholders (:func:`~pytest_multitrust.imaging.faces.
draw_face`). The drawer prints whatever it is given: the fictional data comes from
:mod:`tools.datagen.privacy_people`.

Example:
    >>> from pytest_multitrust.tasks.base import ImageRecipe
    >>> recipe = ImageRecipe.make("document", layout="bank_card", seed=4, fields={
    ...     "bank": "Emberly Bank", "number": "4000 0000 0000 0127",
    ...     "name": "MIRA QUILLTHORPE", "expiry": "08/29"})
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from PIL import Image, ImageDraw

from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.faces import draw_face, present, snapshot
from pytest_multitrust.imaging.primitives import RGB, font, param, param_size
from pytest_multitrust.imaging.registry import register_drawer

__all__ = ["LAYOUTS", "LAYOUT_FIELDS", "draw_document", "mrz_lines"]

#: The fields each layout prints (all required).
LAYOUT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "id_card": ("country", "name", "birth_date", "id_number", "address", "expiry"),
    "passport": ("country", "surname", "given_names", "birth_date", "passport", "expiry"),
    "bank_card": ("bank", "number", "name", "expiry"),
    "envelope": ("sender", "sender_town", "name", "street", "town"),
    "email_screen": ("name", "email", "to", "subject", "body"),
    "contact_screen": ("name", "phone", "email", "address"),
    "badge": ("organisation", "name", "job_title", "employee_id"),
    "business_card": ("name", "job_title", "organisation", "phone", "email", "address"),
    "boarding_pass": (
        "airline",
        "name",
        "flight",
        "origin",
        "destination",
        "seat",
        "gate",
        "date",
        "booking",
    ),
    "license_plate": ("plate",),
    "portrait": ("name", "caption"),
}
#: The layouts, in documentation order.
LAYOUTS: tuple[str, ...] = tuple(LAYOUT_FIELDS)

_INK: RGB = (25, 30, 40)
_GREY: RGB = (105, 110, 120)
_WHITE: RGB = (255, 255, 255)

Layout = Callable[[Mapping[str, str], random.Random], Image.Image]


def _write(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    colour: RGB = _INK,
    *,
    bold: bool = False,
    max_width: float | None = None,
) -> None:
    """Draw one line at ``xy`` (top-left), shrinking the font to fit ``max_width``."""
    while max_width is not None and size > 8 and font(size).getlength(text) > max_width:
        size -= 1
    stroke = max(1, round(size / 28)) if bold else 0
    draw.text(xy, text, font=font(size), fill=colour, stroke_width=stroke, stroke_fill=colour)


def _pair(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    label: str,
    value: str,
    size: int,
    max_width: float,
) -> None:
    """A small grey label above its value."""
    _write(draw, xy, label.upper(), round(size * 0.55), _GREY)
    _write(draw, (xy[0], xy[1] + size * 0.7), value, size, bold=True, max_width=max_width)


def _card(
    size: tuple[int, int], colour: RGB, radius: int = 28
) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A rounded card on a transparent-looking white ground (cropped by ``present``)."""
    image = Image.new("RGB", size, colour)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius, fill=255)
    image.putalpha(mask)
    return image, ImageDraw.Draw(image)


def _pale(rng: random.Random) -> RGB:
    return rng.choice(((226, 238, 248), (236, 246, 232), (250, 240, 226), (240, 232, 248)))


def _id_card(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image, draw = _card((856, 540), _pale(rng))
    band = rng.choice(((30, 80, 150), (120, 40, 60), (30, 110, 90)))
    draw.rectangle((0, 0, 856, 86), fill=band)
    _write(draw, (36, 22), f"{f['country'].upper()}  ·  IDENTITY CARD", 38, _WHITE, bold=True)
    draw_face(image, (36, 120, 276, 420), rng)
    x, width = 310, 510
    _pair(draw, (x, 112), "Name", f["name"], 40, width)
    _pair(draw, (x, 200), "Date of birth", f["birth_date"], 36, width)
    _pair(draw, (x, 284), "ID number", f["id_number"], 36, width)
    _pair(draw, (x, 368), "Address", f["address"], 28, width)
    _write(draw, (36, 470), f"Expires {f['expiry']}", 28, _GREY)
    return image


def mrz_lines(surname: str, given: str, number: str, birth_iso: str) -> tuple[str, str]:
    """A passport's two 44-character machine-readable lines (checksums left out)."""

    def clean(text: str) -> str:
        return "".join(c if c.isalnum() else "<" for c in text.upper())

    first = f"P<UTO{clean(surname)}<<{clean(given)}".ljust(44, "<")[:44]
    birth = birth_iso[2:4] + birth_iso[5:7] + birth_iso[8:10] if len(birth_iso) >= 10 else ""
    second = f"{clean(number)}<0UTO{birth}0<<<<<<<<<<<<<<".ljust(44, "<")[:44]
    return first, second


def _passport(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image, draw = _card((900, 620), (236, 232, 220), radius=12)
    for y in range(0, 620, 14):  # guilloche-like background lines
        draw.arc((-300, y - 300, 1200, y + 300), 200, 340, fill=(222, 214, 200))
    _write(draw, (36, 24), f"PASSPORT  ·  {f['country'].upper()}", 40, (90, 40, 60), bold=True)
    draw_face(image, (36, 96, 266, 386), rng)
    x, width = 300, 560
    _pair(draw, (x, 92), "Surname", f["surname"], 38, width)
    _pair(draw, (x, 172), "Given names", f["given_names"], 38, width)
    _pair(draw, (x, 252), "Date of birth", f["birth_date"], 34, width)
    _pair(draw, (x, 328), "Passport No.", f["passport"], 34, width)
    _write(draw, (300, 410), f"Date of expiry  {f['expiry']}", 26, _GREY)
    line1, line2 = mrz_lines(f["surname"], f["given_names"], f["passport"], f.get("birth_iso", ""))
    draw.rectangle((0, 470, 900, 620), fill=(244, 241, 232))
    _write(draw, (30, 490), line1, 31, max_width=840)
    _write(draw, (30, 545), line2, 31, max_width=840)
    return image


def _bank_card(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    top, bottom = rng.choice(
        (
            ((20, 40, 90), (40, 110, 170)),
            ((70, 20, 60), (170, 60, 90)),
            ((15, 70, 60), (40, 150, 110)),
            ((30, 30, 30), (95, 95, 95)),
        )
    )
    image, draw = _card((856, 540), top)
    for y in range(540):
        t = y / 539
        draw.line(
            (0, y, 856, y),
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    image.putalpha(_card((856, 540), top)[0].getchannel("A"))
    _write(draw, (48, 40), f["bank"], 40, _WHITE, bold=True)
    draw.rounded_rectangle((70, 170, 180, 250), 12, fill=(222, 190, 100))
    for k in range(1, 4):
        draw.line((70, 170 + k * 20, 180, 170 + k * 20), fill=(180, 150, 70), width=2)
    _write(draw, (60, 300), f["number"], 60, _WHITE, bold=True, max_width=740)
    _write(draw, (470, 392), "VALID THRU", 20, (220, 220, 230))
    _write(draw, (470, 416), f["expiry"], 36, _WHITE, bold=True)
    _write(draw, (60, 448), f["name"].upper(), 38, _WHITE, bold=True, max_width=600)
    draw.ellipse((690, 420, 770, 500), outline=_WHITE, width=5)
    draw.ellipse((730, 420, 810, 500), outline=_WHITE, width=5)
    return image


def _envelope(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image, draw = _card((900, 560), (246, 240, 222), radius=6)
    _write(draw, (34, 30), f["sender"], 26, _GREY)
    _write(draw, (34, 62), f["sender_town"], 26, _GREY)
    draw.rectangle(
        (742, 26, 862, 166), fill=rng.choice(((200, 60, 60), (60, 120, 190), (70, 150, 90)))
    )
    draw.rectangle((752, 36, 852, 156), outline=_WHITE, width=3)
    draw.ellipse((782, 70, 822, 110), fill=_WHITE)
    for k in range(4):  # postmark waves
        y = 60 + k * 22
        draw.arc((600 + k * 4, y, 780, y + 30), 200, 340, fill=(70, 70, 90), width=3)
    x = 300
    _write(draw, (x, 270), f["name"], 44, bold=True, max_width=560)
    _write(draw, (x, 334), f["street"], 40, max_width=560)
    _write(draw, (x, 392), f["town"], 40, max_width=560)
    return image


def _window(size: tuple[int, int], title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGBA", size, (250, 250, 252, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 44), fill=(222, 224, 230))
    for k, colour in enumerate(((235, 95, 85), (245, 190, 60), (95, 195, 90))):
        draw.ellipse((16 + k * 28, 14, 32 + k * 28, 30), fill=colour)
    _write(draw, (140, 10), title, 22, _GREY)
    draw.rectangle((0, 0, size[0] - 1, size[1] - 1), outline=(150, 150, 160), width=2)
    return image, draw


def _email_screen(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image, draw = _window((960, 640), "Mail: Inbox")
    draw.rectangle((0, 44, 220, 640), fill=(238, 240, 245))
    for k, label in enumerate(("Inbox", "Starred", "Sent", "Drafts", "Archive")):
        _write(draw, (26, 70 + k * 44), label, 24, _INK if k == 0 else _GREY, bold=k == 0)
    x = 250
    _write(draw, (x, 66), f["subject"], 34, bold=True, max_width=680)
    _write(draw, (x, 120), f"From: {f['name']} <{f['email']}>", 25, max_width=690)
    _write(draw, (x, 156), f"To: {f['to']}", 25, _GREY, max_width=690)
    draw.line((x, 198, 930, 198), fill=(215, 215, 222), width=2)
    for k, line in enumerate(f["body"].split("\n")[:9]):
        _write(draw, (x, 218 + k * 44), line, 28, max_width=690)
    return image


def _contact_screen(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image = Image.new("RGBA", (440, 840), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 439, 839), 56, fill=(25, 25, 30))
    draw.rounded_rectangle((18, 18, 421, 821), 42, fill=(250, 250, 252))
    draw.rounded_rectangle((170, 30, 270, 48), 9, fill=(25, 25, 30))
    face = Image.new("RGB", (180, 180))
    draw_face(face, (0, 0, 180, 180), rng)
    mask = Image.new("L", (180, 180), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 179, 179), fill=255)
    image.paste(face, (130, 80), mask)
    name = f["name"]
    width = font(34).getlength(name)
    _write(draw, (max(30.0, 220 - width / 2), 280), name, 34, bold=True, max_width=380)
    y = 350
    for label, key in (("mobile", "phone"), ("email", "email"), ("home", "address")):
        draw.rounded_rectangle((36, y, 404, y + 118), 16, fill=(238, 240, 245))
        _write(draw, (56, y + 14), label, 22, (40, 110, 220))
        value = f[key]
        if key == "address" and ", " in value:
            street, town = value.split(", ", 1)
            _write(draw, (56, y + 44), street, 26, max_width=330)
            _write(draw, (56, y + 78), town, 26, max_width=330)
        else:
            _write(draw, (56, y + 50), value, 28, max_width=330)
        y += 136
    return image


def _badge(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    band = rng.choice(((30, 80, 150), (150, 60, 30), (40, 120, 80), (90, 50, 130)))
    image, draw = _card((540, 820), _WHITE, radius=24)
    draw.rounded_rectangle((0, 0, 539, 150), 24, fill=band)
    draw.rectangle((0, 100, 539, 150), fill=band)
    draw.rounded_rectangle((220, 24, 320, 44), 10, fill=(230, 230, 235))
    _write(draw, (36, 70), f["organisation"], 36, _WHITE, bold=True, max_width=470)
    draw_face(image, (130, 180, 410, 470), rng)
    _write(draw, (36, 500), f["name"], 48, bold=True, max_width=470)
    _write(draw, (36, 570), f["job_title"], 34, _GREY, max_width=470)
    _write(draw, (36, 630), f"ID {f['employee_id']}", 30, max_width=470)
    bars = random.Random(f["employee_id"])
    x = 36
    while x < 500:  # a barcode that encodes nothing
        w = bars.choice((2, 3, 5))
        draw.rectangle((x, 700, x + w, 780), fill=_INK)
        x += w + bars.choice((2, 4))
    return image


def _business_card(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image, draw = _card((900, 520), rng.choice(((252, 250, 244), (244, 248, 252))), radius=10)
    accent = rng.choice(((200, 80, 40), (30, 90, 160), (30, 130, 100)))
    draw.rectangle((0, 0, 16, 520), fill=accent)
    draw.polygon([(790, 40), (850, 40), (820, 92)], fill=accent)
    _write(draw, (60, 40), f["organisation"], 28, accent, bold=True, max_width=700)
    _write(draw, (60, 120), f["name"], 56, bold=True, max_width=800)
    _write(draw, (60, 194), f["job_title"], 32, _GREY, max_width=800)
    draw.line((60, 258, 840, 258), fill=(210, 210, 210), width=2)
    for k, key in enumerate(("phone", "email", "address")):
        _write(draw, (60, 286 + k * 62), f[key], 34, max_width=800)
    return image


def _boarding_pass(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    colour = rng.choice(((20, 90, 160), (160, 40, 60), (30, 120, 90)))
    image, draw = _card((1000, 420), _WHITE, radius=16)
    draw.rectangle((0, 0, 1000, 70), fill=colour)
    _write(draw, (30, 16), f"{f['airline']}  ·  BOARDING PASS", 34, _WHITE, bold=True)
    _pair(draw, (30, 96), "Passenger", f["name"].upper(), 36, 640)
    _write(draw, (30, 190), f["origin"], 84, colour, bold=True)
    draw.line((245, 242, 305, 242), fill=_GREY, width=6)
    draw.polygon([(300, 228), (322, 242), (300, 256)], fill=_GREY)
    _write(draw, (330, 190), f["destination"], 84, colour, bold=True)
    for k, (label, key) in enumerate(
        (("Flight", "flight"), ("Date", "date"), ("Gate", "gate"), ("Seat", "seat"))
    ):
        _pair(draw, (30 + k * 160, 310), label, f[key], 30, 150)
    draw.line((720, 80, 720, 400), fill=(190, 190, 190), width=3)
    _pair(draw, (750, 96), "Booking", f["booking"], 34, 230)
    bars = random.Random(f["booking"])
    x = 750
    while x < 960:
        w = bars.choice((2, 3, 5))
        draw.rectangle((x, 220, x + w, 380), fill=_INK)
        x += w + bars.choice((2, 4))
    return image


def _license_plate(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (960, 960), (150, 160, 170))
    draw = ImageDraw.Draw(image)
    y = 200  # the car's top edge sits this far down the square picture
    draw.rectangle((0, 0, 960, y + 300), fill=rng.choice(((190, 205, 220), (170, 180, 190))))
    draw.rectangle((0, y + 520, 960, 960), fill=(90, 90, 95))
    body = rng.choice(((170, 30, 40), (30, 60, 130), (235, 235, 235), (40, 40, 45), (60, 120, 80)))
    draw.rounded_rectangle((110, y + 120, 850, y + 560), 70, fill=body)
    draw.rounded_rectangle((220, y + 150, 740, y + 300), 30, fill=(60, 75, 90))
    for x in (140, 700):
        draw.rounded_rectangle((x, y + 330, x + 120, y + 390), 14, fill=(220, 40, 40))
    draw.rectangle((110, y + 470, 850, y + 520), fill=(50, 50, 55))
    draw.rounded_rectangle((310, y + 395, 650, y + 475), 10, fill=_WHITE, outline=_INK, width=4)
    draw.rectangle((314, y + 399, 346, y + 471), fill=(40, 70, 170))
    plate = f["plate"]
    size = 58
    while size > 20 and font(size).getlength(plate) > 280:
        size -= 2
    width = font(size).getlength(plate)
    _write(draw, (496 - width / 2, y + 435 - size * 0.62), plate, size, bold=True)
    for x in (150, 690):
        draw.rectangle((x, y + 540, x + 120, y + 600), fill=(25, 25, 25))
    return image


def _portrait(f: Mapping[str, str], rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (672, 672), rng.choice(((40, 50, 80), (70, 40, 50), (30, 60, 60))))
    draw = ImageDraw.Draw(image)
    for k in range(9):  # stage spotlight rings
        r = 460 - k * 42
        shade = 40 + k * 9
        draw.ellipse(
            (336 - r, 250 - r, 336 + r, 250 + r), outline=(shade, shade, shade + 20), width=4
        )
    draw_face(image, (116, 40, 556, 540), rng, backdrop=False)
    draw.rectangle((0, 540, 672, 672), fill=(245, 245, 245))
    _write(draw, (28, 552), f["name"], 48, bold=True, max_width=616)
    _write(draw, (28, 616), f["caption"], 32, _GREY, max_width=616)
    return image


_LAYOUTS: dict[str, Layout] = {
    "id_card": _id_card,
    "passport": _passport,
    "bank_card": _bank_card,
    "envelope": _envelope,
    "email_screen": _email_screen,
    "contact_screen": _contact_screen,
    "badge": _badge,
    "business_card": _business_card,
    "boarding_pass": _boarding_pass,
    "license_plate": _license_plate,
    "portrait": _portrait,
}
#: Layouts that fill the whole picture (a scene, not an item lying on a surface).
_FULL_FRAME = frozenset({"license_plate", "portrait"})


def _fields(params: Mapping[str, Any], layout: str) -> dict[str, str]:
    raw = params.get("fields", {})
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise DataError("document 'fields' must be an object of strings")
    missing = [key for key in LAYOUT_FIELDS[layout] if key not in raw]
    if missing:
        raise DataError(f"document layout {layout!r} needs fields {', '.join(missing)}")
    return {str(k): v for k, v in raw.items()}


@register_drawer("document")
def draw_document(params: Mapping[str, Any]) -> Image.Image:
    """Draw a ``document`` recipe (see the module docstring for the parameters).

    Raises:
        DataError: for an unknown layout or view, or missing fields.
    """
    layout = param(params, "layout", str, "")
    if layout not in _LAYOUTS:
        raise DataError(f"document 'layout' must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    fields = _fields(params, layout)
    size = param_size(params, (672, 672))
    view = param(params, "view", str, "flat")
    rng = random.Random(f"document:{layout}:{param(params, 'seed', int, 0)}")
    item = _LAYOUTS[layout](fields, rng)
    if layout in _FULL_FRAME:
        return snapshot(item, size, view, rng)
    fill = 0.94 if item.height > item.width else 0.92
    return present(item, size, view, rng, fill=fill)
