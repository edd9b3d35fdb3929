"""Reliability (#12), unit level: bad images and data files, SIGTERM, terminal-safe text."""

from __future__ import annotations

import io
import json
import os
import signal
import traceback
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pytest_multitrust.custom.data import read_custom_samples
from pytest_multitrust.errors import DataError
from pytest_multitrust.imaging.files import MAX_PIXELS, load_image_file
from pytest_multitrust.reliability import format_failure, install_sigterm_handler, terminal_safe
from pytest_multitrust.tasks.data import parse_lines, sample_from_json

if TYPE_CHECKING:
    from pathlib import Path


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _load(path: Path) -> Image.Image:
    return load_image_file({"path": str(path)})


# -- images in unexpected modes become the RGB a viewer shows -------------------------------


def test_cmyk_palette_16_bit_and_alpha_images_become_rgb(tmp_path: Path) -> None:
    Image.new("CMYK", (4, 4), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=100)
    palette = Image.new("P", (4, 4), 1)
    palette.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    palette.save(tmp_path / "palette.png")
    palette.save(tmp_path / "transparent.png", transparency=1)  # colour 1 is see-through
    deep = Image.fromarray(np.full((4, 4), 40000, dtype=np.uint16))
    assert deep.mode == "I;16"
    deep.save(tmp_path / "deep.png")
    Image.new("RGBA", (4, 4), (255, 0, 0, 0)).save(tmp_path / "alpha.png")
    Image.new("LA", (4, 4), (30, 255)).save(tmp_path / "grey-alpha.png")

    loaded = {p.name: _load(p) for p in sorted(tmp_path.iterdir())}
    assert {name: image.mode for name, image in loaded.items()} == dict.fromkeys(loaded, "RGB")
    red = loaded["cmyk.jpg"].getpixel((1, 1))
    assert isinstance(red, tuple)
    assert red[0] > 240
    assert max(red[1:]) < 15
    assert loaded["palette.png"].getpixel((0, 0)) == (0, 0, 255)
    assert loaded["transparent.png"].getpixel((0, 0)) == (255, 255, 255)  # over white
    assert loaded["alpha.png"].getpixel((0, 0)) == (255, 255, 255)  # not black, not red
    assert loaded["grey-alpha.png"].getpixel((0, 0)) == (30, 30, 30)
    # 40000 of 65535 is a mid grey (155), not clipped to white
    assert loaded["deep.png"].getpixel((0, 0)) == (155, 155, 155)


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("empty.png", b"", "not a readable image"),
        ("noise.png", bytes(range(256)) * 4, "not a readable image"),
        ("truncated.png", None, "not a readable image"),  # filled in below
        ("text.jpg", b"<html>not a picture</html>", "not a readable image"),
    ],
)
def test_corrupt_truncated_and_empty_files_are_data_errors_naming_the_file(
    tmp_path: Path, name: str, payload: bytes | None, message: str
) -> None:
    if payload is None:
        whole = _png(Image.effect_noise((64, 64), 60).convert("RGB"))
        payload = whole[: len(whole) // 2]
    path = tmp_path / name
    path.write_bytes(payload)
    with pytest.raises(DataError, match=message) as caught:
        _load(path)
    assert str(path) in str(caught.value)


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    side = int(MAX_PIXELS**0.5) + 8  # below PIL's own limit: PIL alone would decode it
    assert side * side < (Image.MAX_IMAGE_PIXELS or 0)
    path = tmp_path / "bomb.png"
    Image.new("1", (side, side)).save(path)  # ~10 MB of pixels in a ~10 kB file
    assert path.stat().st_size < 100_000
    with pytest.raises(DataError, match=r"image too large \(8200x8200 pixels") as caught:
        _load(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("side", "size"),
    [
        (10_000, "10000x10000 pixels"),  # PIL would only warn (89 M to 179 M pixels)
        (14_000, "196,000,000 pixels"),
    ],  # PIL would refuse with its own message
)
def test_every_oversize_image_gets_our_message_and_no_pil_warning(
    tmp_path: Path, side: int, size: str
) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (side, side)).save(path)
    assert path.stat().st_size < 100_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # -W error must not turn PIL's warning into a crash
        with pytest.raises(DataError) as caught:
            _load(path)
    assert str(caught.value) == (
        f"{path}: image too large ({size}, more than 67,108,864); refused before decoding "
        "(a decompression bomb?)"
    )


def test_a_missing_file_or_a_directory_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="image file not found"):
        _load(tmp_path / "nope.png")
    with pytest.raises(DataError, match="image file not found"):
        _load(tmp_path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2048), cut=st.integers(min_value=0, max_value=400))
def test_any_bytes_load_or_raise_only_data_error(tmp_path: Path, data: bytes, cut: int) -> None:
    """Random bytes, and PNG headers followed by random bytes, never escape as PIL errors."""
    path = tmp_path / "fuzz.png"
    header = _png(Image.new("RGB", (8, 8), "red"))[:cut]
    path.write_bytes(header + data)
    try:
        image = _load(path)
    except DataError as error:
        problem: str | None = str(error)
    else:
        problem = None
        assert image.mode == "RGB"
    assert problem is None or str(path) in problem


# -- data files ----------------------------------------------------------------------------


def test_malformed_jsonl_lines_name_file_and_line(tmp_path: Path) -> None:
    good = {"id": "a", "prompt": "Hi"}
    path = tmp_path / "data.jsonl"
    path.write_text(
        "\n".join([json.dumps(good), "{not json", "[1, 2]", json.dumps({"id": 3, "prompt": "x"})])
        + "\n"
    )
    with pytest.raises(DataError) as caught:
        read_custom_samples(path)
    text = str(caught.value)
    assert f"{path}:2: not valid JSON" in text
    assert f"{path}:3:" in text
    assert f"{path}:4: id:" in text
    assert "Traceback" not in text
    with pytest.raises(DataError, match=r"built\.jsonl:2: not valid JSON"):
        parse_lines(['{"id": "a", "variant": "v", "prompt": "p"}', "{oops"], "built.jsonl")


def test_an_unreadable_data_path_is_one_data_error(tmp_path: Path) -> None:
    folder = tmp_path / "data.jsonl"
    folder.mkdir()  # a directory where the file should be: reading it fails
    with pytest.raises(DataError, match=r"data\.jsonl: cannot read the custom task data"):
        read_custom_samples(folder)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match=r"binary\.jsonl:1: not UTF-8 text"):
        read_custom_samples(binary)


#: Valid-looking JSON that json.loads refuses with other errors than JSONDecodeError.
DEEP_JSON = (
    '{"id": "a", "variant": "v", "prompt": "p", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
)
HUGE_INT_JSON = '{"id": "a", "variant": "v", "prompt": "p", "extra": ' + "9" * 5000 + "}"


@pytest.mark.parametrize(
    ("line", "reason"), [(DEEP_JSON, "recursion"), (HUGE_INT_JSON, "4300 digits")]
)
def test_json_the_parser_cannot_take_is_a_data_error_naming_the_line(
    tmp_path: Path, line: str, reason: str
) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"id": "ok", "prompt": "p"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"data\.jsonl:2: not valid JSON \(.*{reason}"):
        read_custom_samples(path)
    with pytest.raises(DataError, match=rf"built\.jsonl:1: not valid JSON \(.*{reason}"):
        parse_lines([line], "built.jsonl")


def test_a_huge_bad_value_is_quoted_shortened(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(
        json.dumps({"id": "a" * 100_000, "prompt": "p"})
        + "\n"
        + json.dumps(list(range(50_000)))
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        read_custom_samples(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert all(len(line) < 500 for line in lines)
    assert lines[1].startswith(f"  {path}:1: id: 'aaaa")
    assert lines[2].startswith(f"  {path}:2: (line): [0, 1, 2")


def test_a_file_not_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"id": "a", "prompt": "p"}\n{"id": "b", "prompt": "\xff"}\n')
    with pytest.raises(DataError, match=r"data\.jsonl:2: not UTF-8 text"):
        read_custom_samples(path)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.builds(
            json.dumps,
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(
                        st.sampled_from(
                            [
                                "id",
                                "variant",
                                "prompt",
                                "image",
                                "extra",
                                "kind",
                                "params",
                                "system",
                                "smoke",
                                "truth",
                            ]
                        ),
                        inner,
                        max_size=6,
                    )
                ),
                max_leaves=12,
            ),
        ),
    )
)
def test_a_data_line_parses_or_raises_only_data_error(line: str) -> None:
    try:
        sample = sample_from_json(line, "f.jsonl:7")
    except DataError as error:
        problem: str | None = str(error)
    else:
        problem = None
        assert isinstance(sample.id, str)
        assert isinstance(sample.prompt, str)
    assert problem is None or problem.startswith("f.jsonl:7: ") or "image" in problem


# -- SIGTERM ---------------------------------------------------------------------------------


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(100_000):  # the handler runs between bytecodes
        pass


def test_sigterm_becomes_a_keyboard_interrupt_until_undone() -> None:
    before = signal.getsignal(signal.SIGTERM)
    undo = install_sigterm_handler()
    assert undo is not None
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            _terminate_self()
    finally:
        undo()
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_repeated_sigterm_while_stopping_is_ignored() -> None:
    undo = install_sigterm_handler()
    assert undo is not None
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            _terminate_self()
        _terminate_self()  # a second one while the run stops: ignored, nothing raised
    finally:
        undo()


def test_a_handler_someone_else_installed_is_left_alone() -> None:
    def theirs(signum: int, frame: object) -> None:
        """Someone else's handler."""

    previous = signal.signal(signal.SIGTERM, theirs)
    try:
        assert install_sigterm_handler() is None
        assert signal.getsignal(signal.SIGTERM) is theirs
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- text for the terminal -------------------------------------------------------------------


def test_ansi_sequences_print_as_text() -> None:
    assert terminal_safe("\x1b[2J\x1b]8;;http://x\x07link\x9b31m") == (
        "\\x1b[2J\\x1b]8;;http://x\\x07link\\x9b31m"
    )
    assert terminal_safe("line one\n\tline two") == "line one\n\tline two"


@given(st.text())
def test_terminal_safe_leaves_no_control_character_but_tab_and_newline(text: str) -> None:
    shown = terminal_safe(text)
    assert not any((ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in shown)
    if not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text):
        assert shown == text


def test_format_failure_leaves_out_pytest_and_pluggy_frames_only() -> None:
    import pluggy

    def ours() -> None:
        raise ValueError("bad \x1b[2J")

    manager = pluggy.PluginManager("demo")  # a real pluggy frame between the two of ours

    class Spec:
        @pluggy.HookspecMarker("demo")
        def hook(self) -> None: ...

    class Impl:
        @pluggy.HookimplMarker("demo")
        def hook(self) -> None:
            ours()

    manager.add_hookspecs(Spec)
    manager.register(Impl())
    try:
        manager.hook.hook()
    except ValueError as error:
        text = format_failure(error)
    assert text.startswith("Traceback (most recent call last):")
    assert "in ours" in text
    assert "in hook" in text
    assert "site-packages/pluggy" not in text
    assert text.endswith("ValueError: bad \\x1b[2J")  # terminal-safe


def test_plumbing_folders_do_not_swallow_similarly_named_packages() -> None:
    from pytest_multitrust import reliability

    assert all(folder.endswith(os.sep) for folder in reliability._PLUMBING)
    assert not any(
        f"{folder[:-1]}_multitrust{os.sep}x.py".startswith(folder)
        for folder in reliability._PLUMBING
    )


def test_format_failure_leaves_out_frames_of_pytests_implementation_package() -> None:
    class Odd:
        def __eq__(self, other: object) -> bool:
            raise ValueError("odd")

        __hash__ = object.__hash__

    try:
        assert pytest.approx(1.0) == Odd()  # _pytest's comparison calls ours
    except ValueError as error:
        raw = "".join(traceback.format_exception(error))
        text = format_failure(error)
    assert f"{os.sep}_pytest{os.sep}" in raw  # the frame was there
    assert f"{os.sep}_pytest{os.sep}" not in text
    assert "in __eq__" in text
    assert text.endswith("ValueError: odd")
