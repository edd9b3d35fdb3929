"""Layout helpers for data generators: non-overlapping boxes and box arithmetic.

Pure functions of their arguments and a seeded ``random.Random``; no drawing.

Example:
    >>> import random
    >>> boxes = place_boxes(random.Random(0), 3, (336, 336), min_side=60, max_side=100)
    >>> len(boxes)
    3
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_multitrust.errors import DataError

if TYPE_CHECKING:
    import random
    from collections.abc import Sequence

__all__ = ["boxes_overlap", "normalise_box", "place_boxes"]

PixelBox = tuple[int, int, int, int]


def boxes_overlap(a: Sequence[float], b: Sequence[float], gap: float = 0.0) -> bool:
    """Whether boxes ``a`` and ``b`` (``x1, y1, x2, y2``) overlap or come within ``gap``."""
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def place_boxes(
    rng: random.Random,
    count: int,
    size: tuple[int, int],
    *,
    min_side: int,
    max_side: int,
    margin: int = 12,
    gap: int = 12,
    avoid: Sequence[Sequence[float]] = (),
    attempts: int = 2000,
) -> list[PixelBox]:
    """``count`` square boxes inside ``size`` that neither overlap nor touch.

    Sides are drawn uniformly from ``[min_side, max_side]``; boxes keep ``margin`` pixels
    from the border, ``gap`` pixels from each other and from every box in ``avoid``.

    Raises:
        DataError: when the boxes do not fit after ``attempts`` tries (a generator bug:
            ask for fewer or smaller boxes).
    """
    width, height = size
    placed: list[PixelBox] = []
    tries = 0
    while len(placed) < count:
        tries += 1
        if tries > attempts:
            raise DataError(
                f"cannot place {count} boxes of side {min_side}-{max_side} in {width}x{height}"
            )
        side = rng.randint(min_side, max_side)
        if side + 2 * margin > min(width, height):
            continue
        x1 = rng.randint(margin, width - margin - side)
        y1 = rng.randint(margin, height - margin - side)
        box = (x1, y1, x1 + side, y1 + side)
        if any(boxes_overlap(box, other, gap) for other in [*placed, *avoid]):
            continue
        placed.append(box)
    return placed


def normalise_box(
    box: Sequence[float], size: tuple[int, int], digits: int = 3
) -> tuple[float, ...]:
    """A pixel box divided by the image ``size``, rounded to ``digits`` decimals."""
    width, height = size
    return (
        round(box[0] / width, digits),
        round(box[1] / height, digits),
        round(box[2] / width, digits),
        round(box[3] / height, digits),
    )
