"""The build-time data generator (tools/datagen): reproducible, complete, outside the wheel.

``python -m tools.datagen`` regenerates every built-in data file and ``data/manifest.json``;
these tests rebuild all of it into a scratch folder and compare with the checked-in
``data/`` byte for byte, so CI fails when a generator and the shipped data drift apart.
"""

from __future__ import annotations

import ast
import json
import shutil
import tomllib
from pathlib import Path

import pytest

from pytest_multitrust.errors import DataError
from pytest_multitrust.tasks.manifest import MANIFEST, load_manifest
from tools.datagen import all_builders, write_data
from tools.datagen.__main__ import DEFAULT_ROOT
from tools.datagen.__main__ import main as datagen_main
from tools.datagen.truthfulness import T1_PATH

REPO = Path(__file__).resolve().parents[3]


def _data_files(root: Path) -> dict[str, bytes]:
    """Every generated file under ``root`` (the data and the manifest, not README.md)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and (path.suffix == ".jsonl" or path.name == MANIFEST)
    }


def test_default_root_is_the_checked_in_data() -> None:
    assert DEFAULT_ROOT == REPO / "data"
    assert (DEFAULT_ROOT / MANIFEST).is_file()


def test_regenerating_everything_reproduces_data_byte_for_byte(tmp_path: Path) -> None:
    entries = write_data(tmp_path)
    generated = _data_files(tmp_path)
    shipped = _data_files(DEFAULT_ROOT)
    assert sorted(generated) == sorted(shipped)  # no file without a builder, none missing
    for path, payload in generated.items():
        assert payload == shipped[path], f"data/{path} differs from its rebuild"
    manifest = load_manifest(DEFAULT_ROOT)
    assert sorted(manifest) == [entry.path for entry in entries]
    for entry in entries:
        assert manifest[entry.path] == entry


def test_cli_check_passes_on_the_checked_in_data(capsys: pytest.CaptureFixture[str]) -> None:
    count = len(all_builders())
    assert datagen_main(["--check"]) == 0
    assert f"{count}/{count} data files up to date" in capsys.readouterr().out


def test_cli_check_flags_a_changed_file_an_orphan_and_a_stale_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shutil.copytree(DEFAULT_ROOT, tmp_path / "data")
    assert datagen_main(["--check", "--root", str(root)]) == 0
    capsys.readouterr()

    (root / T1_PATH).write_bytes((root / T1_PATH).read_bytes() + b"\n")
    (root / "safety" / "S.99.jsonl").write_text("{}\n", encoding="utf-8")
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["old/O.1.jsonl"] = {"version": "1", "sha256": "0" * 64, "samples": 1}
    (root / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    assert datagen_main(["--check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"out of date: {root / T1_PATH}" in out
    assert f"no builder writes {root / 'safety' / 'S.99.jsonl'}" in out
    assert f"out of date: {root / MANIFEST}" in out
    # a check of named files looks at those files only
    assert datagen_main(["--check", "--root", str(root), "safety/S.4.jsonl"]) == 0


def test_generator_keeps_other_manifest_entries(tmp_path: Path) -> None:
    other = {"version": "3", "sha256": "0" * 64, "samples": 7}
    (tmp_path / "manifest.json").write_text(json.dumps({"files": {"privacy/P.9.jsonl": other}}))
    write_data(tmp_path, [T1_PATH])
    files = json.loads((tmp_path / "manifest.json").read_text())["files"]
    assert files["privacy/P.9.jsonl"] == other
    assert files[T1_PATH]["samples"] == 200
    with pytest.raises(DataError, match=r"no data builder for nope\.jsonl"):
        write_data(tmp_path, ["nope.jsonl"])


def _imported_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("tools.")
            and " " not in node.value
        ):
            names.add(node.value)  # importlib.import_module("tools....")
    return names


def test_the_runtime_package_never_imports_the_tools() -> None:
    offenders = [
        f"{source.relative_to(REPO)}: {name}"
        for source in sorted((REPO / "pytest_multitrust").rglob("*.py"))
        for name in sorted(_imported_modules(source))
        if name == "tools" or name.startswith("tools.")
    ]
    assert offenders == []
    assert not (REPO / "pytest_multitrust" / "datagen").exists()


def test_the_wheel_ships_the_package_and_data_but_not_the_tools() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    targets = config["tool"]["hatch"]["build"]["targets"]
    assert targets["wheel"]["packages"] == ["pytest_multitrust"]
    assert targets["wheel"]["force-include"] == {"data": "pytest_multitrust/data"}
    assert "tools" in targets["sdist"]["include"]  # the sdist's tests import tools.datagen
