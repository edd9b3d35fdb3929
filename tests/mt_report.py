"""Builders and checks for the trust report tests (on sys.path via the pythonpath ini key)."""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pytest_multitrust.records import MetricResult, SampleRecord
from pytest_multitrust.report.assemble import build_report
from pytest_multitrust.report.json_report import validate_report
from pytest_multitrust.report.model import ModelFacts, TrustReport, WorkerFacts
from pytest_multitrust.settings import Settings, Threshold

SUB_ASPECT = {
    "T": ("truthfulness", "inherent deficiency"),
    "S": ("safety", "jailbreaking"),
    "R": ("robustness", "adversarial"),
    "F": ("fairness", "stereotype"),
    "P": ("privacy", "leakage"),
}


def metric(
    task_id: str = "S.4",
    name: str = "rta",
    value: float = 0.9,
    *,
    direction: str = "higher",
    ci: tuple[float, float] = (0.8, 0.96),
    threshold: float = 0.9,
    trust: float | None = None,
    aspect: str | None = None,
    sub_aspect: str | None = None,
    verdict: str = "",
    passed: bool = True,
    n: int = 30,
) -> MetricResult:
    default_aspect, default_sub = SUB_ASPECT.get(task_id[0], ("custom", "custom"))
    return MetricResult(
        task_id=task_id,
        task_name=f"task {task_id}",
        aspect=aspect or default_aspect,
        sub_aspect=sub_aspect or default_sub,
        metric=name,
        direction=direction,  # type: ignore[arg-type]
        value=value,
        threshold=threshold,
        op=">=" if direction == "higher" else "<=",
        passed=passed,
        n=n,
        errors=0,
        ci_low=ci[0],
        ci_high=ci[1],
        scorer="rule",
        trust_score=(value if direction == "higher" else 1 - value) if trust is None else trust,
        verdict=verdict,
        gate="interval" if verdict else "",
    )


def sample(
    task_id: str = "S.4",
    sample_id: str = "s-0",
    value: float = 1.0,
    *,
    metric_name: str = "rta",
    response: str = "I'm sorry.",
    verdict: str = "pass",
    prompt: str | None = None,
    image: str | None = "ab" * 32,
) -> SampleRecord:
    return SampleRecord(
        task_id=task_id,
        sample_id=sample_id,
        variant="default",
        prompt=prompt if prompt is not None else f"prompt of {sample_id}",
        image_sha256=image,
        response=response,
        values={metric_name: value},
        verdict=verdict,  # type: ignore[arg-type]
    )


def report(
    metrics: list[MetricResult],
    samples: list[SampleRecord] | None = None,
    *,
    thresholds: tuple[str, ...] = (),
    gate_mode: str = "interval",
    inconclusive: str = "pass",
    fingerprint: str = "fp-1",
    root: Path | None = None,
) -> TrustReport:
    from datetime import UTC, datetime

    from pytest_multitrust.settings import parse_threshold

    parsed: tuple[Threshold, ...] = tuple(parse_threshold(t) for t in thresholds)
    settings = Settings(
        mllm="refuser",
        thresholds=parsed,
        gate_mode=gate_mode,  # type: ignore[arg-type]
        inconclusive=inconclusive,  # type: ignore[arg-type]
    )
    model = ModelFacts("refuser", "scripted", "refuser", fingerprint, "n/a", "n/a")
    now = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    return build_report(
        settings=settings,
        tasks=[],
        metrics=metrics,
        samples=samples or [],
        workers=[WorkerFacts("main", model, 0.1, 50.0)],
        started=now,
        finished=now,
        root=root or Path("/"),
        machine="Linux-CPython-3.11-64bit",
        exit_status=0,
        interrupted=False,
        reason="",
    )


def load_valid_report(path: Path) -> dict[str, Any]:
    """Read a report.json and validate it against the shipped schema."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    validate_report(data, str(path))
    return data


class ScriptFinder(HTMLParser):
    """Collects script bodies, event-handler attributes and javascript: URLs of a page.

    ``scripts`` holds every ``<script>`` body, data blocks included; ``executed`` only
    those a browser runs (no ``type``, or a JavaScript one); ``blocks`` the data blocks
    by their ``id``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.types: list[str] = []
        self.ids: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
            found = dict(attrs)
            self.types.append((found.get("type") or "").strip().lower())
            self.ids.append(found.get("id") or "")
        for name, value in attrs:
            if name.lower().startswith("on") or (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.handlers.append((name, value or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    @property
    def executed(self) -> list[str]:
        """The scripts a browser runs: no ``type``, or a JavaScript MIME type."""
        return [
            body
            for body, kind in zip(self.scripts, self.types, strict=True)
            if kind in ("", "text/javascript", "application/javascript", "module")
        ]

    @property
    def blocks(self) -> dict[str, str]:
        """The data blocks (scripts a browser does not run), by id."""
        return {
            name: body
            for body, kind, name in zip(self.scripts, self.types, self.ids, strict=True)
            if kind not in ("", "text/javascript", "application/javascript", "module")
        }


def scripts_of(page: str) -> ScriptFinder:
    finder = ScriptFinder()
    finder.feed(page)
    finder.close()
    return finder


def page_data(page: str) -> dict[str, Any]:
    """report.html's packed samples as JSON: its data block, base64, gunzipped, parsed."""
    packed = scripts_of(page).blocks["mt-samples"]
    found: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(packed)))
    return found


def page_samples(page: str) -> list[dict[str, Any]]:
    """The samples report.html lists, unpacked as its script does, one dict each.

    Keys: ``task_id``, the row's fields by name (``image`` is ``[sha256, where]`` or
    None), in the page's order.
    """
    data = page_data(page)
    strings, images, fields = data["strings"], data["images"], data["fields"]
    found: list[dict[str, Any]] = []
    for task_id, rows in data["tasks"]:
        for row in rows:
            sample: dict[str, Any] = {"task_id": task_id}
            for name, value in zip(fields, row, strict=True):
                if name == "image":
                    sample[name] = None if value < 0 else images[value]
                else:
                    sample[name] = strings[value]
            found.append(sample)
    return found


def markdown_verdicts(text: str) -> dict[str, str]:
    """``{"S.4.rta": "INCONCLUSIVE"}`` from the task-metric table of summary.md."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        cells = [
            re.sub(r"\\(.)", r"\1", c.strip())
            for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))
        ]
        if len(cells) == 8 and re.fullmatch(r"[A-Z]\.\d+", cells[0]):
            found[f"{cells[0]}.{cells[1]}"] = cells[5].split()[-1]
    return found


def junit_verdicts(path: Path) -> dict[str, dict[str, str]]:
    """``{"S.4.rta": {"multitrust.verdict": "inconclusive", ...}}`` from threshold tests."""
    found: dict[str, dict[str, str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        match = re.fullmatch(r"threshold\[(\w+)\]", case.get("name", ""))
        if not match:
            continue
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        record = json.loads(props["multitrust.metric"])
        found[f"{record['task_id']}.{record['metric']}"] = props
    return found


def nan_equal(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b
