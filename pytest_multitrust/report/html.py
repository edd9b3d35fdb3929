"""``report.html``: one self-contained page (no network, no external assets).

An inline SVG chart of the five aspects, the gates, the comparison with a baseline, and
per-task tables of metrics and samples that a little inline script filters by verdict.
Sample rows open to show the image thumbnail (a ``data:`` URI), prompt, response and what
the scorer saw. Every string from the model, the data or the settings goes through
:func:`html.escape`; the page's Content-Security-Policy allows no network access at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from typing import TYPE_CHECKING

from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.report.assemble import setting_text
from pytest_multitrust.report.card import fmt, fmt_ci, verdict_word
from pytest_multitrust.report.crossmodal import crossmodal_html

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_multitrust.records import MetricResult, SampleRecord
    from pytest_multitrust.report.gates import GateResult
    from pytest_multitrust.report.model import TrustReport
    from pytest_multitrust.report.scores import ScoreNode, TaskScore
    from pytest_multitrust.tasks.comparability import Comparability

__all__ = ["aspect_chart_svg", "render_html"]

_DATA_URI = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/]+=*$")
_VERDICT_CLASS = {
    "pass": "ok",
    "fail": "bad",
    "inconclusive": "warn",
    "miss": "warn",
    "error": "bad",
}


def esc(text: object) -> str:
    """HTML-escape anything (quotes included, so it is safe in attributes too).

    Control characters (an ANSI escape in a model's answer) show as text, not as bytes.
    """
    return html.escape(terminal_safe(str(text)), quote=True)


_CSS = """
:root{--fg:#1d2330;--muted:#5d6677;--line:#d8dde6;--bg:#f6f7fa;--card:#fff;
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;
--bar:#3b6fd8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
h3{font-size:15px;margin:0 0 8px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.sub{color:var(--muted);margin:0}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.head{display:flex;justify-content:space-between;gap:24px;align-items:flex-start;
flex-wrap:wrap}
.big{font-size:34px;font-weight:650;line-height:1}
.big small{display:block;font-size:12px;font-weight:400;color:var(--muted);margin-top:4px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;
margin:12px 0}
.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;
font-weight:600;white-space:nowrap}
.ok{color:var(--ok);background:var(--ok-bg)}.bad{color:var(--bad);background:var(--bad-bg)}
.warn{color:var(--warn);background:var(--warn-bg)}.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.metrics td:not(:last-child){white-space:nowrap}
.filters{display:flex;gap:18px;flex-wrap:wrap;align-items:center;margin:8px 0 4px}
.filters span{color:var(--muted);font-size:12px;margin-right:4px}
button{font:inherit;font-size:12px;border:1px solid var(--line);background:var(--card);
border-radius:6px;padding:3px 10px;cursor:pointer}
button.on{background:var(--fg);color:#fff;border-color:var(--fg)}
.hidden{display:none}
details>summary{cursor:pointer;color:var(--muted);margin:6px 0}
.thumb{width:72px;height:72px;object-fit:contain;border:1px solid var(--line);
border-radius:4px;background:#fff;image-rendering:auto}
.noimg{width:72px;height:72px;display:flex;align-items:center;justify-content:center;
border:1px dashed var(--line);border-radius:4px;color:var(--muted);font-size:11px}
.text{white-space:pre-wrap;word-break:break-word;max-height:9em;overflow:auto;
background:var(--bg);border-radius:4px;padding:4px 6px;margin:2px 0 6px}
.label{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.chart text{font:13px system-ui,sans-serif;fill:var(--fg)}
.chart .axis{font-size:11px;fill:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dt{color:var(--muted)}dd{margin:0;word-break:break-all}
"""

_SCRIPT = """
(function(){
  function apply(group, value){
    document.querySelectorAll('button[data-filter="'+group+'"]').forEach(function(b){
      b.classList.toggle('on', b.getAttribute('data-value')===value);});
    if(group==='task'){
      document.querySelectorAll('article.task').forEach(function(a){
        var v=(a.getAttribute('data-verdicts')||'').split(' ');
        a.classList.toggle('hidden', value!=='all' && v.indexOf(value)<0);});
    } else {
      document.querySelectorAll('tr.sample').forEach(function(r){
        r.classList.toggle('hidden', value!=='all' && r.getAttribute('data-verdict')!==value);});
      document.querySelectorAll('details.samples').forEach(function(d){
        if(value!=='all'){d.open=d.querySelector('tr.sample:not(.hidden)')!==null;}});
    }
  }
  document.querySelectorAll('button[data-filter]').forEach(function(b){
    b.addEventListener('click', function(){
      apply(b.getAttribute('data-filter'), b.getAttribute('data-value'));});});
})();
"""


def _script_hash() -> str:
    """CSP source for the page's one script: only that exact script may run."""
    digest = hashlib.sha256(_SCRIPT.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _pill(verdict: str, text: str | None = None) -> str:
    cls = _VERDICT_CLASS.get(verdict, "muted")
    return f'<span class="pill {cls}">{esc(text if text is not None else verdict.upper())}</span>'


def _metric_verdict(m: MetricResult) -> str:
    return m.verdict or ("pass" if m.passed else "fail")


def aspect_chart_svg(report: TrustReport) -> str:
    """The five aspects (and overall) as horizontal bars with 95 % whiskers and gate marks."""
    scores = report.scores
    gates = {g.target: g for g in report.gates if g.kind in ("aspect", "overall")}
    nodes: list[ScoreNode] = [*scores.aspects, scores.overall]
    left, bar_w, row_h, top = 130, 470, 38, 28
    width = left + bar_w + 170
    height = top + row_h * len(nodes) + 14
    parts = [
        f'<svg class="chart" role="img" aria-label="Aspect trust scores" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * bar_w
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 10}" stroke="#e3e7ee"/>'
        )
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{top - 12}" text-anchor="middle">{tick:g}</text>'
        )
    for i, node in enumerate(nodes):
        y = top + i * row_h
        mid = y + row_h / 2
        weight = ' font-weight="650"' if node.level == "overall" else ""
        parts.append(
            f'<text x="{left - 10}" y="{mid + 4:.1f}" text-anchor="end"{weight}>'
            f"{esc(node.name)}</text>"
        )
        parts.append(
            f'<rect x="{left}" y="{mid - 9:.1f}" width="{bar_w}" height="18" rx="3" '
            'fill="#eef1f6"/>'
        )
        if math.isnan(node.score):
            parts.append(f'<text class="axis" x="{left + 8}" y="{mid + 4:.1f}">not run</text>')
            continue
        gate = gates.get(node.name)
        colour = "#3b6fd8"
        if gate is not None:
            colour = {"pass": "#1a7f37", "fail": "#cf222e"}.get(gate.verdict, "#bf8700")
        parts.append(
            f'<rect x="{left}" y="{mid - 9:.1f}" width="{node.score * bar_w:.1f}" '
            f'height="18" rx="3" fill="{colour}" opacity="0.85"/>'
        )
        if not (math.isnan(node.ci_low) or math.isnan(node.ci_high)):
            x1, x2 = left + node.ci_low * bar_w, left + node.ci_high * bar_w
            parts.append(
                f'<line x1="{x1:.1f}" y1="{mid:.1f}" x2="{x2:.1f}" y2="{mid:.1f}" '
                'stroke="#1d2330" stroke-width="1.5"/>'
            )
            for x in (x1, x2):
                parts.append(
                    f'<line x1="{x:.1f}" y1="{mid - 5:.1f}" x2="{x:.1f}" '
                    f'y2="{mid + 5:.1f}" stroke="#1d2330" stroke-width="1.5"/>'
                )
        if gate is not None:
            gx = left + min(max(gate.limit, 0.0), 1.0) * bar_w
            parts.append(
                f'<line x1="{gx:.1f}" y1="{mid - 13:.1f}" x2="{gx:.1f}" '
                f'y2="{mid + 13:.1f}" stroke="#1d2330" stroke-width="2" '
                'stroke-dasharray="3 2"/>'
            )
        label = fmt(node.score)
        if node.partial:
            label += f"  ({len(node.tasks)}/{len(node.tasks) + len(node.missing)} tasks)"
        parts.append(f'<text x="{left + bar_w + 10}" y="{mid + 4:.1f}">{esc(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _gates_table(gates: list[GateResult]) -> str:
    rows = []
    for g in gates:
        value = (
            f"{g.value:+.3f}"
            if g.kind == "regression" and not math.isnan(g.value)
            else fmt(g.value)
        )
        word = verdict_word(g.verdict, g.passed)
        if g.verdict == "inconclusive":
            word += " (counted as pass)" if g.passed else " (counted as fail)"
        rows.append(
            f'<tr><td class="mono">{esc(g.label)}</td><td>{esc(g.kind)}</td>'
            f'<td class="num">{esc(value)}</td><td class="mono">{esc(fmt_ci(g.ci_low, g.ci_high))}'
            f"</td><td>{_pill(g.verdict, word)}</td><td>{esc(g.mode)}</td>"
            f'<td class="muted">{esc(g.note)}</td></tr>'
        )
    return (
        '<table><thead><tr><th>gate</th><th>kind</th><th class="num">value</th>'
        "<th>95% CI</th><th>verdict</th><th>judged on</th><th>note</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _metrics_table(task: TaskScore) -> str:
    rows = []
    for m in task.metrics:
        verdict = _metric_verdict(m)
        rows.append(
            f'<tr data-verdict="{esc(verdict)}"><td class="mono">{esc(m.metric)}</td>'
            f"<td>{esc(m.direction)} is better</td>"
            f'<td class="num">{esc(fmt(m.value))}</td>'
            f'<td class="mono">{esc(fmt_ci(m.ci_low, m.ci_high))}</td>'
            f'<td class="mono">{esc(m.op)} {esc(f"{m.threshold:g}")}</td>'
            f'<td>{_pill(verdict)}</td><td class="num">{m.n}</td>'
            f'<td class="num">{m.errors}</td><td class="muted">{esc(m.scorer)}</td></tr>'
        )
    return (
        '<table class="metrics"><thead><tr><th>metric</th><th>direction</th>'
        '<th class="num">value</th><th>95% CI</th><th>threshold</th><th>verdict</th>'
        '<th class="num">n</th><th class="num">errors</th><th>scorer</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _thumb(sample: SampleRecord, thumbnails: Mapping[str, str]) -> str:
    if sample.image_sha256 is None:
        return '<div class="noimg">text only</div>'
    uri = thumbnails.get(sample.image_sha256, "")
    if not _DATA_URI.match(uri):
        return '<div class="noimg">no preview</div>'
    return f'<img class="thumb" alt="image {esc(sample.image_sha256[:12])}" src="{esc(uri)}">'


def _sample_row(sample: SampleRecord, thumbnails: Mapping[str, str]) -> str:
    values = ", ".join(f"{k}={fmt(v, 2)}" for k, v in sorted(sample.values.items()))
    extra = []
    if sample.expected:
        extra.append(
            f'<div class="label">expected</div><div class="text">{esc(sample.expected)}</div>'
        )
    if sample.detail:
        extra.append(
            f'<div class="label">scorer saw</div><div class="text">{esc(sample.detail)}</div>'
        )
    if sample.error:
        extra.append(f'<div class="label">error</div><div class="text">{esc(sample.error)}</div>')
    image = (
        f'<div class="label">image sha256</div><div class="mono muted">'
        f"{esc(sample.image_sha256)}</div>"
        if sample.image_sha256
        else ""
    )
    return (
        f'<tr class="sample" data-verdict="{esc(sample.verdict)}">'
        f"<td>{_thumb(sample, thumbnails)}</td>"
        f'<td><div class="mono">{esc(sample.sample_id)}</div>'
        f'<div class="muted">{esc(sample.variant)}</div>{_pill(sample.verdict)}'
        f'<div class="mono muted">{esc(values)}</div></td>'
        f'<td><div class="label">prompt</div><div class="text">{esc(sample.prompt.strip())}'
        f'</div><div class="label">response</div><div class="text">'
        f"{esc(sample.response.strip())}</div>"
        f"<details><summary>more</summary>{''.join(extra)}{image}</details></td></tr>"
    )


def _task_article(
    task: TaskScore,
    samples: list[SampleRecord],
    thumbnails: Mapping[str, str],
    open_samples: bool,
    comparable: Comparability | None = None,
) -> str:
    verdicts = sorted({_metric_verdict(m) for m in task.metrics})
    counts = {v: sum(s.verdict == v for s in samples) for v in ("pass", "miss", "error", "skip")}
    skipped = f", {counts['skip']} skip" if counts["skip"] else ""
    score = fmt(task.score)
    ci = fmt_ci(task.ci_low, task.ci_high)
    rows = "".join(_sample_row(s, thumbnails) for s in samples)
    opened = " open" if open_samples else ""
    scope = (
        ""
        if task.in_aggregate
        else ' <span class="pill muted">no score</span>'
        if task.in_an_aspect
        else ' <span class="pill muted">custom</span>'
    )
    paper = ""
    if comparable is not None:  # how comparable with the paper, and what stands in
        scope += f' <span class="pill muted">paper: {esc(comparable.label)}</span>'
        paper = (
            f'<p class="muted">comparable with the paper: <b>{esc(comparable.label)}'
            f"</b> — {esc(comparable.note)}</p>"
        )
    return (
        f'<article class="card task" id="task-{esc(task.task_id)}" '
        f'data-verdicts="{esc(" ".join(verdicts))}">'
        f'<h3><span class="mono">{esc(task.task_id)}</span> {esc(task.name)}{scope}'
        f'<span class="muted">{esc(task.aspect)} / {esc(task.sub_aspect)}</span>'
        f'<span>trust score <b>{esc(score)}</b> <span class="mono muted">{esc(ci)}</span>'
        f"</span></h3>{paper}{_metrics_table(task)}"
        f'<details class="samples"{opened}><summary>{len(samples)} samples: '
        f"{counts['pass']} pass, {counts['miss']} miss, {counts['error']} error{skipped}"
        "</summary>"
        "<table><thead><tr><th>image</th><th>sample</th><th>prompt and response</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></details></article>"
    )


def _comparison(report: TrustReport) -> str:
    c = report.comparison
    if c is None:
        return ""
    rows = []
    for d in c.deltas:
        change = "n/a" if math.isnan(d.change) else f"{d.change:+.3f}"
        paired = "n/a" if math.isnan(d.paired_change) else f"{d.paired_change:+.3f}"
        cls = ""
        if not math.isnan(d.paired_high) and d.paired_high < 0:
            cls = "bad"
        elif not math.isnan(d.paired_low) and d.paired_low > 0:
            cls = "ok"
        rows.append(
            f'<tr><td class="mono">{esc(d.target)}</td><td class="num">{esc(fmt(d.baseline))}'
            f'</td><td class="num">{esc(fmt(d.current))}</td><td class="num">{esc(change)}</td>'
            f'<td class="num"><span class="pill {cls}">{esc(paired)}</span></td>'
            f'<td class="mono">{esc(fmt_ci(d.paired_low, d.paired_high))}</td>'
            f'<td class="num">{d.shared}</td></tr>'
        )
    notes = "".join(f"<p>{_pill('inconclusive', 'note')} {esc(x)}</p>" for x in c.differences)
    return (
        f'<section><h2>Compared with baseline <span class="mono">{esc(c.baseline_id)}</span>'
        f'</h2><div class="card">{notes}<table><thead><tr><th>target</th>'
        '<th class="num">baseline</th><th class="num">current</th><th class="num">change</th>'
        '<th class="num">paired change</th><th>95% CI</th><th class="num">shared samples</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _provenance(report: TrustReport) -> str:
    p = report.provenance
    v = p.versions
    items: list[tuple[str, str]] = [
        ("model spec", p.model_spec),
        (
            "model",
            "n/a" if p.model is None else f"{p.model.name} ({p.model.backend}, {p.model.dtype})",
        ),
        ("fingerprint", "n/a" if p.model is None else p.model.fingerprint),
        ("device", p.device),
        (
            "workers",
            ", ".join(w.worker + (" (crashed)" if w.crashed else "") for w in p.workers)
            or "none reported",
        ),
        ("pytest-multitrust", v.plugin),
        ("python", v.python),
        ("pytest", v.pytest or "n/a"),
        ("pytest-xdist", v.xdist or "n/a"),
        ("torch", v.torch or "n/a"),
        ("transformers", v.transformers or "n/a"),
        ("platform", p.platform),
        ("machine id", p.machine_id),
        ("git commit", (p.git_commit or "n/a") + (" (uncommitted changes)" if p.git_dirty else "")),
        ("started", p.started),
        ("finished", p.finished),
        (
            "duration",
            f"{p.duration_s:.1f} s (model load {p.model_load_s:.1f} s, generation "
            f"{p.generation_s:.1f} s)",
        ),
    ]
    items += [(f"setting {k}", setting_text(val)) for k, val in p.settings]
    items += [
        (
            f"data {d.task_id}",
            f"{d.path} v{d.version} sha256 {d.sha256[:16]}… ({d.samples} samples)",
        )
        for d in p.data
    ]
    items += list(report.extra)
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(val)}</dd>" for k, val in items)
    return (
        f'<section><h2>Provenance</h2><details class="card"><summary>versions, model, '
        f"settings, data, timings</summary><dl>{rows}</dl></details></section>"
    )


def render_html(report: TrustReport, thumbnails: Mapping[str, str] | None = None) -> str:
    """The whole page.

    Args:
        report: the report.
        thumbnails: image sha256 → ``data:image/png;base64,...`` thumbnail; images
            without one show a placeholder.
    """
    thumbs = thumbnails or {}
    scores = report.scores
    p = report.provenance
    status = report.status
    overall = scores.overall
    failed = report.failed_gates
    judged = [g for g in report.gates if g.kind != "metric"]
    badges = []
    if judged:
        badges.append(
            _pill("fail", f"{len(failed)} gate(s) failed")
            if failed
            else _pill("pass", f"all {len(judged)} gate(s) met")
        )
    metric_verdicts = [_metric_verdict(m) for t in scores.tasks for m in t.metrics]
    for verdict in ("fail", "inconclusive"):
        count = metric_verdicts.count(verdict)
        if count:
            badges.append(_pill(verdict, f"{count} metric(s) {verdict}"))
    if overall.partial:
        badges.append(_pill("inconclusive", scores.coverage(overall)))
    if status.interrupted:
        badges.append(_pill("fail", f"cut short: {status.reason}"))
    if status.missing_tasks:
        badges.append(_pill("inconclusive", "no result: " + ", ".join(status.missing_tasks)))
    model_name = p.model.name if p.model is not None else p.model_spec
    by_task: dict[str, list[SampleRecord]] = {}
    for sample in report.samples:
        by_task.setdefault(sample.task_id, []).append(sample)
    worst = scores.worst_first()
    comparable = {c.task_id: c for c in report.comparability}
    articles = "".join(
        _task_article(
            t,
            by_task.get(t.task_id, []),
            thumbs,
            # the worst task's samples start open, when there is something to look at
            open_samples=i == 0 and any(s.verdict != "pass" for s in by_task.get(t.task_id, [])),
            comparable=comparable.get(t.task_id),
        )
        for i, t in enumerate(worst)
    )
    task_buttons = "".join(
        f'<button data-filter="task" data-value="{v}"{" class=on" if v == "all" else ""}>'
        f"{v}</button>"
        for v in ("all", "fail", "inconclusive", "pass")
    )
    sample_buttons = "".join(
        f'<button data-filter="sample" data-value="{v}"{" class=on" if v == "all" else ""}>'
        f"{v}</button>"
        for v in ("all", "miss", "error", "pass")
        + (("skip",) if any(s.verdict == "skip" for s in report.samples) else ())
    )
    gates_html = (
        f'<section><h2>Gates</h2><div class="card">{_gates_table(judged)}</div></section>'
        if judged
        else ""
    )
    fingerprint = p.model.fingerprint if p.model is not None else "n/a"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"img-src data:; style-src 'unsafe-inline'; script-src '{_script_hash()}'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>MultiTrust trust report: {esc(model_name)}</title>"
        f"<style>{_CSS}</style></head><body><main>"
        '<div class="head"><div><h1>MultiTrust trust report</h1>'
        f'<p class="sub">model <code>{esc(p.model_spec)}</code> · fingerprint '
        f"<code>{esc(fingerprint)}</code> · device {esc(p.device)} · {esc(report.created)} · "
        f"pytest-multitrust {esc(p.versions.plugin)}"
        + (f" · commit <code>{esc(p.git_commit[:12])}</code>" if p.git_commit else "")
        + f"</p><p>{' '.join(badges)}</p></div>"
        f'<div class="big">{esc(fmt(overall.score))}<small>overall trust score '
        f"{esc(fmt_ci(overall.ci_low, overall.ci_high))}</small></div></div>"
        '<section><h2>Aspects</h2><div class="card">'
        f"{aspect_chart_svg(report)}"
        '<p class="muted">Bars: trust score (0-1, higher is better), MultiTrust aggregation; '
        "whiskers: 95% CI; dashed line: the gate's threshold.</p></div></section>"
        f"{gates_html}{_comparison(report)}{crossmodal_html(report.crossmodal)}"
        "<section><h2>Tasks, worst first</h2>"
        f'<div class="filters"><div><span>tasks</span>{task_buttons}</div>'
        f"<div><span>samples</span>{sample_buttons}</div></div>"
        f"{articles or '<p class=muted>No task reported a metric.</p>'}</section>"
        f"{_provenance(report)}"
        f"</main><script>{_SCRIPT}</script></body></html>\n"
    )
