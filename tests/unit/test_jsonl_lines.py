"""JSONL holding U+2028/U+2029/U+0085/U+001C-1E is valid and read with the right line
numbers (#19 item 13) by every reader: custom task data, built-in data, official data.

``str.splitlines`` split a line at each of these characters, which JSON allows raw inside
strings: a valid sample was refused, and each later error named the wrong line.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.custom.data import read_custom_samples
from pytest_multitrust.errors import DataError
from pytest_multitrust.jsonl import json_lines, text_lines
from pytest_multitrust.official.layout import Layout, UnreadableData
from pytest_multitrust.tasks.data import read_samples

if TYPE_CHECKING:
    from pathlib import Path

# Every character str.splitlines treats as a line end that is not one in a file.
ODD = ["\u2028", "\u2029", "\x85", "\x1c", "\x1d", "\x1e", "\x0b", "\x0c"]
TEXT = "".join(f"a{c}b" for c in ODD)


def _raw(value: object) -> str:
    """JSON with the odd characters written raw (as ensure_ascii=False leaves them)."""
    return json.dumps(value, ensure_ascii=False)


def test_custom_samples_keep_the_characters_and_count_lines_right(tmp_path: Path) -> None:
    path = tmp_path / "task.jsonl"
    lines = [_raw({"id": f"s{i}", "prompt": f"{TEXT} {i}", "truth": TEXT}) for i in range(3)]
    path.write_text("\n".join([*lines, "{broken", ""]), encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_custom_samples(path)
    message = str(raised.value)
    assert f"{path}:4: not valid JSON" in message  # the fourth line, not the 28th
    assert "1 problem(s)" in message
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    samples = read_custom_samples(path)
    assert [s.prompt for s in samples] == [f"{TEXT} {i}" for i in range(3)]
    assert samples[0].truth == TEXT


def test_a_line_of_only_odd_space_is_an_error_not_blank(tmp_path: Path) -> None:
    path = tmp_path / "task.jsonl"
    path.write_text(_raw({"id": "a", "prompt": "p"}) + "\n\x1c\n\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"task\.jsonl:2: not valid JSON"):
        read_custom_samples(path)


def _builtin_root(tmp_path: Path, body: str) -> Path:
    root = tmp_path / "data"
    (root / "x").mkdir(parents=True)
    payload = body.encode("utf-8")
    (root / "x" / "X.1.jsonl").write_bytes(payload)
    manifest = {
        "files": {
            "x/X.1.jsonl": {
                "version": "1",
                "samples": 2,
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        }
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_builtin_data_reader_keeps_the_characters(tmp_path: Path) -> None:
    body = "".join(_raw({"id": f"s{i}", "variant": "v", "prompt": TEXT}) + "\r\n" for i in range(2))
    samples = read_samples("x/X.1.jsonl", _builtin_root(tmp_path, body))
    assert [s.prompt for s in samples] == [TEXT, TEXT]
    body += "\u2028{\n"
    with pytest.raises(DataError, match=r"X\.1\.jsonl:3: not valid JSON"):
        read_samples("x/X.1.jsonl", _builtin_root(tmp_path / "bad", body))


def test_official_reader_keeps_the_characters(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    rows = [{"q": TEXT, "n": i} for i in range(3)]
    (tmp_path / "t" / "a.jsonl").write_text(
        "\n".join(_raw(r) for r in rows) + "\n", encoding="utf-8"
    )
    (tmp_path / "t" / "b.jsonl").write_text(_raw(rows[0]) + "\n\n[1]\n", encoding="utf-8")
    (tmp_path / "t" / "c.txt").write_text(f"{TEXT}\nsecond\n", encoding="utf-8")
    (tmp_path / "t" / "d.csv").write_text(f'id,text\n1,"{TEXT}"\n2,plain\n', encoding="utf-8")
    layout = Layout(tmp_path, seed=0, task_id="X.1")
    assert layout.jsonl("t/a.jsonl") == rows
    with pytest.raises(UnreadableData, match=r"t/b\.jsonl:3: expected a JSON object"):
        layout.jsonl("t/b.jsonl")
    assert layout.lines("t/c.txt") == [TEXT, "second"]
    assert [r["text"] for r in layout.csv("t/d.csv", ("id", "text"))] == [TEXT, "plain"]


@given(
    st.lists(st.text(alphabet=st.sampled_from([*ODD, "x", " ", "é", "\t"]), max_size=8), max_size=6)
)
def test_json_lines_round_trips_any_strings(values: list[str]) -> None:
    text = "".join(_raw({"v": v}) + "\n" for v in values)
    assert [json.loads(line)["v"] for _, line in json_lines(text)] == values
    assert [n for n, _ in json_lines(text)] == list(range(1, len(values) + 1))


def test_text_lines_splits_where_a_file_reader_does() -> None:
    assert text_lines("a\rb\r\nc\n\nd") == ["a", "b", "c", "", "d"]
    assert text_lines("") == []
    assert text_lines(TEXT) == [TEXT]
