"""A model that cannot load stops the run before any test, with exit 4 and the cause.

Before, loading happened in the first test: every test failed (exit 1, so CI could not
tell "did not load" from "failed its thresholds") with thousands of lines. Now the
controller (or the only process) checks an ``hf:`` model without its weights and builds a
named or ``py:`` model before the tests; a failure is a usage error naming the cause, and
under ``-n`` no worker starts.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from typing import TYPE_CHECKING

import pytest
from mt_families import ensure_family_in_child

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


#: Lines of a pytest run that reached the tests: outcomes, xdist's worker start, a summary.
_TEST_TRACES = re.compile(
    r"PASSED|FAILED|ERROR at|MISS|created: \d+/\d+ worker|\d+ (passed|failed)"
)


def _assert_stopped_before_tests(result: pytest.RunResult, cause: str) -> str:
    """Exit 4, one short error line holding ``cause``, and no test outcome anywhere."""
    out = result.stdout.str()
    err = result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, out[-3000:] + err[-3000:]
    errors = [line for line in err.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1, err
    assert cause in errors[0], errors[0]
    assert not _TEST_TRACES.search(out + err), out + err
    assert "Traceback" not in out + err
    assert len((out + err).splitlines()) < 20  # was ~6,700 lines for a 1-sample T.1
    return errors[0]


@pytest.fixture
def llava_copy(mt_cache_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the tiny LLaVA family checkpoint (built in a child process)."""
    target = tmp_path / "broken-llava"
    shutil.copytree(ensure_family_in_child("llava", mt_cache_dir), target)
    return target


def _edit_config(model: Path, **changes: object) -> None:
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config.update(changes)
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")


def _truncate(path: Path, size: int) -> None:
    path.write_bytes(path.read_bytes()[:size])


BROKEN: dict[str, tuple[Callable[[Path], object], str]] = {
    "config-not-json": (
        lambda m: _truncate(m / "config.json", 40),
        "config.json' is not a valid JSON file",
    ),
    "unknown-model-type": (
        lambda m: _edit_config(m, model_type="no_such_family"),
        "has model type `no_such_family` but Transformers does not recognize this architecture",
    ),
    "not-image-text-to-text": (
        lambda m: (m / "config.json").write_text('{"model_type": "bert"}', encoding="utf-8"),
        "BertConfig is not an image-text-to-text model: there is no "
        "AutoModelForImageTextToText class for it",
    ),
    "impossible-architecture": (
        lambda m: _edit_config(
            m,
            text_config={
                **json.loads((m / "config.json").read_text(encoding="utf-8"))["text_config"],
                "num_attention_heads": 7,
            },
        ),
        "is not a multiple of the number of attention heads (7)",
    ),
    "no-chat-template": (
        lambda m: (m / "chat_template.jinja").unlink(),
        "the processor has no chat template (chat_template.jinja or chat_template.json)",
    ),
    "chat-template-error": (
        lambda m: (m / "chat_template.jinja").write_text(
            "{% for m in messages %}{{ m.content[0].nope() }}{% endfor %}", encoding="utf-8"
        ),
        "the processor and chat template cannot encode a chat with one image",
    ),
    "truncated-weights": (
        lambda m: _truncate(m / "model.safetensors", 5000),
        "model.safetensors is not a complete safetensors file",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_hf_folder_stops_before_any_test_naming_the_cause(
    run_trust: Callable[..., pytest.RunResult],
    llava_copy: Path,
    case: str,
) -> None:
    break_it, cause = BROKEN[case]
    break_it(llava_copy)
    result = run_trust(
        f"--mllm=hf:{llava_copy}", "--mt-device=cpu", "--mt-tasks=T.1", "--mt-limit=1"
    )
    line = _assert_stopped_before_tests(result, cause)
    assert line.startswith(f"ERROR: --mllm=hf:{llava_copy}: ")
    assert "trust_remote_code" not in line  # the model ships no code: no such hint


PROCESSOR_CODE = (
    "import multitrust_absent_pkg\nfrom transformers import LlavaProcessor\n\n\n"
    "class CustomProcessor(LlavaProcessor):\n    pass\n"
)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_processor_needing_a_missing_package_stops_with_the_install_line(
    run_trust: Callable[..., pytest.RunResult],
    llava_copy: Path,
    workers: str,
) -> None:
    config_file = llava_copy / "processor_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["auto_map"] = {"AutoProcessor": "processing_custom.CustomProcessor"}
    config_file.write_text(json.dumps(config), encoding="utf-8")
    (llava_copy / "processing_custom.py").write_text(PROCESSOR_CODE, encoding="utf-8")
    result = run_trust(
        f"--mllm=hf:{llava_copy}",
        "--mt-trust-remote-code",
        "--mt-device=cpu",
        "--mt-tasks=T.1,S.4",
        "--mt-limit=1",
        "-n",
        workers,
    )
    line = _assert_stopped_before_tests(
        result,
        "it needs multitrust_absent_pkg, not installed here; pip install multitrust_absent_pkg",
    )
    assert "enable trust_remote_code" not in line  # the old, wrong hint


def test_remote_code_left_off_is_hinted_only_when_the_model_ships_code(
    run_trust: Callable[..., pytest.RunResult],
    llava_copy: Path,
) -> None:
    _edit_config(
        llava_copy, model_type="team_vlm", auto_map={"AutoConfig": "configuration_team.TeamConfig"}
    )
    result = run_trust(
        f"--mllm=hf:{llava_copy}", "--mt-device=cpu", "--mt-tasks=T.1", "--mt-limit=1"
    )
    _assert_stopped_before_tests(
        result, "The model ships its own code (auto_map); --mt-trust-remote-code runs it."
    )


FACTORIES = """
import os
import sys
from pathlib import Path

from pytest_multitrust import ScriptedModel


def raises(options):
    raise RuntimeError("weights missing at /models/x \\x1b[2J")


def exits(options):
    sys.exit("no GPU for this model")


def not_a_model(options):
    return 42


def counted(options):
    with open("builds.txt", "a") as log:
        log.write(os.environ.get("PYTEST_XDIST_WORKER", "main") + "\\n")
    return ScriptedModel.constant("No.", name="counted")
"""


@pytest.mark.parametrize("workers", ["0", "2"])
@pytest.mark.parametrize(
    ("factory", "cause"),
    [
        pytest.param(
            "raises",
            "the model failed to load before any test ran: RuntimeError: "
            "weights missing at /models/x \\x1b[2J (raised at ",
            id="raises",
        ),
        pytest.param(
            "exits",
            "the model failed to load before any test ran: SystemExit: no GPU "
            "for this model (raised at ",
            id="exits",
        ),
        pytest.param(
            "not_a_model",
            "the factory returned int, which has no 'info' and 'generate(requests, config)'",
            id="not_a_model",
        ),
    ],
)
def test_a_py_factory_that_fails_stops_before_any_test(
    run_trust: Callable[..., pytest.RunResult],
    pytester: pytest.Pytester,
    factory: str,
    cause: str,
    workers: str,
) -> None:
    pytester.makepyfile(factories=FACTORIES)
    result = run_trust(
        f"--mllm=py:factories:{factory}", "--mt-tasks=T.1,S.4", "--mt-limit=1", "-n", workers
    )
    line = _assert_stopped_before_tests(result, cause)
    assert line.startswith(f"ERROR: --mllm=py:factories:{factory}: ")
    if factory != "not_a_model":
        assert re.search(r"\(raised at \S*factories\.py:\d+, in " + factory + r"\)$", line)
    assert "\x1b" not in result.stdout.str() + result.stderr.str()


def test_a_factory_is_built_once_without_xdist_and_checked_on_the_controller_with_it(
    run_trust: Callable[..., pytest.RunResult],
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(factories=FACTORIES)
    args = ("--mllm=py:factories:counted", "--mt-tasks=T.1,S.4", "--mt-limit=1")
    alone = run_trust(*args)
    assert alone.ret in (0, 1), alone.stdout.str()[-3000:]
    builds = pytester.path / "builds.txt"
    assert builds.read_text(encoding="utf-8").split() == ["main"]  # kept for the tests
    builds.unlink()
    spread = run_trust(*args, "-n", "2")
    assert spread.ret == alone.ret, spread.stdout.str()[-3000:]
    assert sorted(builds.read_text(encoding="utf-8").split()) == ["gw0", "gw1", "main"]


def test_a_device_that_is_not_there_stops_before_any_test(
    run_trust: Callable[..., pytest.RunResult],
    mt_cache_dir: Path,
) -> None:
    model = ensure_family_in_child("llava", mt_cache_dir)
    result = run_trust(
        f"--mllm=hf:{model}", "--mt-device=cuda:99", "--mt-tasks=T.1", "--mt-limit=1", "-n", "2"
    )
    line = _assert_stopped_before_tests(result, "device 'cuda:99'")
    assert re.search(r"needs CUDA|only \d+ CUDA device", line), line


def test_a_family_whose_processor_needs_torchvision_names_the_extra_before_any_test(
    run_trust: Callable[..., pytest.RunResult],
    pytester: pytest.Pytester,
    mt_cache_dir: Path,
) -> None:
    model = ensure_family_in_child("qwen2-vl-files", mt_cache_dir)
    args = (
        f"--mllm=hf:{model}",
        "--mt-device=cpu",
        "--mt-dtype=float32",
        "--mt-tasks=T.1",
        "--mt-limit=1",
    )
    has_torchvision = (
        pytester.run(sys.executable, "-c", "import torchvision", timeout=120).ret == 0
    )  # asked in a child: importing torchvision here would import torch
    result = run_trust(*args)
    if has_torchvision:  # the vision extra installed: the family runs
        assert result.ret in (0, 1), result.stdout.str()[-3000:]
        return
    from pytest_multitrust.models.hf import install_line  # reads torch's metadata only

    # The exact line: torchvision of this torch's release, from its index, then the extra
    # (torch 2.13.0+cpu here: torchvision==0.28.0 from download.pytorch.org/whl/cpu).
    line = _assert_stopped_before_tests(
        result, f"it needs torchvision, not installed here; {install_line(['torchvision'])}"
    )
    assert line.endswith("pip install 'pytest-multitrust[vision]'"), line
    assert "trust_remote_code" not in line


def test_an_hf_judge_that_cannot_load_stops_before_any_test(
    run_trust: Callable[..., pytest.RunResult],
    llava_copy: Path,
) -> None:
    _truncate(llava_copy / "config.json", 40)
    result = run_trust(
        "--mllm=echo", f"--mt-judge=hf:{llava_copy}", "--mt-tasks=T.1", "--mt-limit=1", "-n", "2"
    )
    line = _assert_stopped_before_tests(result, "config.json' is not a valid JSON file")
    assert line.startswith(f"ERROR: --mt-judge=hf:{llava_copy}: ")
