r"""Lines of text files as a file reader sees them, for every JSONL and text reader.

``str.splitlines`` also splits on U+2028, U+2029, U+0085, U+000B, U+000C and U+001C–U+001E,
which JSON allows raw inside strings: a valid JSONL line holding one was cut in two and
refused, and every later line number was wrong. These helpers split only where a file
reader does (``\n``, ``\r\n``, ``\r``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["json_lines", "text_lines"]

_NEWLINE = re.compile(r"\r\n|\r|\n")
# JSON's own whitespace (RFC 8259): a line of only these is blank.
_JSON_SPACE = " \t\r\n"


def text_lines(text: str) -> list[str]:
    r"""The lines of ``text``, split only at ``\n``, ``\r\n`` and ``\r`` (no line ends kept).

    Example:
        >>> text_lines("a\u2028b\nc\r\nd\x1ce\n")
        ['a\u2028b', 'c', 'd\x1ce']
    """
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def json_lines(text: str) -> Iterator[tuple[int, str]]:
    r"""``(line number, line)`` of every non-blank line of JSONL ``text`` (numbers from 1).

    Blank means only JSON whitespace; a line of other white space (``\x1c``) is kept, so
    the JSON parser reports it.

    Example:
        >>> list(json_lines('{"a": "x\u2028y"}\n\n{"b": 1}\n'))
        [(1, '{"a": "x\u2028y"}'), (3, '{"b": 1}')]
    """
    for number, line in enumerate(text_lines(text), start=1):
        if line.strip(_JSON_SPACE):
            yield number, line
