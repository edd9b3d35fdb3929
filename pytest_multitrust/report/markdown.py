"""``summary.md``: the trust report as GitHub-flavoured Markdown, for CI job summaries.

The same text is appended to ``$GITHUB_STEP_SUMMARY`` when that variable is set.
Everything that comes from the model or the data is escaped (:func:`md_text`): HTML
special characters become entities and Markdown syntax characters are backslash-escaped,
so a response such as ``<script>alert(1)</script>`` or ``![x](http://…)`` shows as text.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.report.card import fmt, fmt_ci, verdict_word
from pytest_multitrust.report.crossmodal import evidence_text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_multitrust.report.crossmodal import CrossModalEffect
    from pytest_multitrust.report.gates import GateResult
    from pytest_multitrust.report.model import TrustReport

__all__ = ["append_step_summary", "crossmodal_markdown", "md_code", "md_text", "render_markdown"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]()!|~])")
_ICONS = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️"}


def md_text(text: str, limit: int | None = None) -> str:
    """Untrusted text made inert for a Markdown table cell or list item.

    Newlines become spaces, control characters (ANSI escapes) show as escapes, ``& < >``
    become HTML entities, Markdown syntax characters are backslash-escaped; ``limit``
    shortens the text first (with an ellipsis).
    """
    flat = " ".join(terminal_safe(text).split())  # control characters shown, not obeyed
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_code(text: str) -> str:
    """Text for inside a Markdown code span: no backticks, no angle brackets, one line."""
    return re.sub(r"[`<>]", "", " ".join(terminal_safe(text).split()))


def _verdict(verdict: str, passed: bool) -> str:
    word = verdict_word(verdict, passed)
    icon = _ICONS.get(word.lower(), "")
    return f"{icon} {word}".strip()


def _gate_verdict(gate: GateResult) -> str:
    text = _verdict(gate.verdict, gate.passed)
    if gate.verdict == "inconclusive":
        text += " (counted as pass)" if gate.passed else " (counted as fail)"
    return text


def render_markdown(report: TrustReport) -> str:
    """The Markdown summary: headline, aspects, gates, metrics, comparison, cross-modal, notes."""
    scores = report.scores
    prov = report.provenance
    status = report.status
    out: list[str] = []
    model = prov.model.name if prov.model is not None else prov.model_spec
    out.append(f"## MultiTrust trust report: `{md_code(model)}`")
    out.append("")
    overall = scores.overall
    bits = [f"**overall {fmt(overall.score)}**"]
    if overall.partial:
        bits.append(scores.coverage(overall))
    failed = report.failed_gates
    judged = [g for g in report.gates if g.kind != "metric"]
    if judged:
        bits.append(f"gates: {len(judged) - len(failed)} of {len(judged)} met")
    if status.interrupted:
        bits.append(f"⚠️ run cut short ({md_text(status.reason)})")
    errors = sum(s.verdict == "error" for s in report.samples)
    if errors:  # apart from trust failures: samples that could not be judged at all
        bits.append(f"⚠️ {errors} sample error(s), not counted in the metrics")
    bits.append(f"exit status {status.exit_status}")
    out.append(" · ".join(bits))
    out.append("")
    fp = prov.model.fingerprint if prov.model is not None else "n/a"
    out.append(
        f"Model `{md_code(prov.model_spec)}` (fingerprint `{md_code(fp)}`), device "
        f"{md_text(prov.device)}, pytest-multitrust {md_text(prov.versions.plugin)}"
        + (f", commit `{prov.git_commit[:12]}`" if prov.git_commit else "")
        + "."
    )
    out.append("")
    out.append("| Aspect | Score | 95% CI | Tasks |")
    out.append("|---|---:|---|---|")
    for node in (overall, *scores.aspects):
        total = len(node.tasks) + len(node.missing)
        tasks = (
            "not run"
            if not node.tasks
            else (f"{len(node.tasks)} of {total} (partial)" if node.partial else f"{total}")
        )
        out.append(
            f"| {node.name} | {fmt(node.score)} | {fmt_ci(node.ci_low, node.ci_high)} | {tasks} |"
        )
    if judged:
        out.append("")
        out.append("### Gates")
        out.append("")
        out.append("| Gate | Value | 95% CI | Verdict | Note |")
        out.append("|---|---:|---|---|---|")
        for gate in judged:
            value = (
                f"{gate.value:+.3f}"
                if gate.kind == "regression" and not math.isnan(gate.value)
                else fmt(gate.value)
            )
            out.append(
                f"| {md_text(gate.label)} | {value} | {fmt_ci(gate.ci_low, gate.ci_high)} "
                f"| {_gate_verdict(gate)} | {md_text(gate.note)} |"
            )
    out.append("")
    out.append("### Task metrics (worst task first)")
    out.append("")
    out.append("| Task | Metric | Value | 95% CI | Threshold | Verdict | n | Name |")
    out.append("|---|---|---:|---|---|---|---:|---|")
    for task in scores.worst_first():
        for m in task.metrics:
            out.append(
                f"| {md_text(m.task_id)} | {md_text(m.metric)} | {fmt(m.value)} | "
                f"{fmt_ci(m.ci_low, m.ci_high)} | {md_text(m.op)} {m.threshold:g} | "
                f"{_verdict(m.verdict, m.passed)} | {m.n} | {md_text(m.task_name)} |"
            )
    lines = _worst_samples(report)
    if lines:
        out.append("")
        out.append("<details><summary>Worst samples of metrics that did not pass</summary>")
        out.append("")
        out.extend(lines)
        out.append("")
        out.append("</details>")
    if report.comparison is not None:
        c = report.comparison
        out.append("")
        out.append(f"### Compared with baseline `{md_code(c.baseline_id)}`")
        out.append("")
        out.append("| Target | Baseline | Current | Change | Paired change [95% CI] | Shared |")
        out.append("|---|---:|---:|---:|---|---:|")
        for d in c.deltas:
            change = "n/a" if math.isnan(d.change) else f"{d.change:+.3f}"
            paired = "n/a" if math.isnan(d.paired_change) else f"{d.paired_change:+.3f}"
            out.append(
                f"| {md_text(d.target)} | {fmt(d.baseline)} | {fmt(d.current)} | "
                f"{change} | {paired} {fmt_ci(d.paired_low, d.paired_high)} | "
                f"{d.shared} |"
            )
        for difference in c.differences:
            out.append("")
            out.append(f"> ⚠️ {md_text(difference)}")
    out += crossmodal_markdown(report.crossmodal)
    if status.missing_tasks:
        out.append("")
        out.append(f"No result from: {md_text(', '.join(status.missing_tasks))}.")
    if report.extra:
        out.append("")
        out.append("### Notes")
        out.append("")
        out.extend(f"- {md_text(key)}: {md_text(value)}" for key, value in report.extra)
    out.append("")
    return "\n".join(out)


def crossmodal_markdown(effects: Sequence[CrossModalEffect]) -> list[str]:
    """The summary's cross-modal block: a tally, then one row per task (none without effects).

    A task's row counts its comparisons (image variants × metrics) and the significantly
    worse ones, and quotes its worst comparison (the largest harm): the metric text-only
    and with that image, the paired change and the test. report.json and report.html
    list every comparison.
    """
    if not effects:
        return []
    worse = sum(e.worse for e in effects)
    tasks = list(dict.fromkeys(e.task_id for e in effects))
    out = [
        "",
        "### Cross-modal impact",
        "",
        f"The same prompts text-only and with an image, paired per prompt: {len(effects)} "
        f"comparison(s) over {len(tasks)} task(s), **{worse} significantly worse with the "
        "image** (McNemar p < 0.05, or a paired-bootstrap 95% CI on the worse side of 0; no "
        "correction for multiple tests). Worst: the comparison where the image hurts most.",
        "",
        "| Task | Comparisons | Worse | Worst: metric, image | Text-only | With image | Change "
        "| Test | Pairs |",
        "|---|---:|---:|---|---:|---:|---:|---|---:|",
    ]
    for task in tasks:
        mine = [e for e in effects if e.task_id == task]
        flagged = sum(e.worse for e in mine)
        e = max(mine, key=lambda m: m.harm)
        change = "n/a" if math.isnan(e.change) else f"{e.change:+.3f}"
        out.append(
            f"| {md_text(task)} | {len(mine)} | {f'❌ {flagged}' if flagged else '0'} | "
            f"{md_text(e.metric)}, {md_text(e.variant)} | {fmt(e.text_value)} | "
            f"{fmt(e.image_value)} | {change} | {md_text(evidence_text(e))} | {e.pairs} |"
        )
    return out


def _worst_samples(report: TrustReport) -> list[str]:
    lines: list[str] = []
    for task in report.scores.worst_first():
        for m in task.metrics:
            if m.verdict == "pass" or (not m.verdict and m.passed):
                continue
            for w in m.worst[:3]:
                lines.append(
                    f"- {md_text(m.task_id)} {md_text(m.metric)} sample "
                    f"`{md_code(w.sample_id)}` ({fmt(w.value)}): {md_text(w.response, 160)}"
                )
    return lines


def append_step_summary(text: str, environ: Mapping[str, str]) -> Path | None:
    """Append ``text`` to the file named by ``GITHUB_STEP_SUMMARY``, when it is set.

    Returns:
        The file appended to, or None when the variable is unset or empty.
    """
    target = environ.get("GITHUB_STEP_SUMMARY", "").strip()
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
    return path
