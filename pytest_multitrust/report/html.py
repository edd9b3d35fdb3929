"""``report.html``: a self-contained page (no network, no external assets).

An overview heatmap of every task with its gate state, an inline SVG chart of the five
aspects, the gates, the comparison with a baseline, and per-task tables of metrics and
samples that the page's one small script filters by verdict and searches by text.

The samples are not markup: they are packed once (:func:`sample_data`: each distinct
string once, each row a list of indices; gzip-compressed JSON in base64,
:func:`encode_sample_data`) in a data block the browser does not run, and the script
unpacks them with the browser's own ``DecompressionStream`` and draws a task's rows
(with ``textContent`` only) when the task is opened or a search or filter shows it.
Each sample row shows its image as a thumbnail; a click opens the full image beside the
prompt and response (a lightbox). Each distinct image is named once: in the packed
samples by its hash (the script shows the file ``images/<sha256>.webp`` of the report
folder) or, in the single-file mode, in a CSS class named after its hash whose rule holds
its ``data:`` URI (:mod:`pytest_multitrust.report.images`). Every string from the model,
the data or the settings in the markup goes through :func:`html.escape`; the page's
Content-Security-Policy allows no network access at all.

The page is a list of sections (:func:`render_html`); a new section is one more entry.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import math
import re
from typing import TYPE_CHECKING

from pytest_multitrust.reliability import terminal_safe
from pytest_multitrust.report.assemble import setting_text
from pytest_multitrust.report.card import fmt, fmt_ci, verdict_word
from pytest_multitrust.report.crossmodal import crossmodal_html

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_multitrust.records import MetricResult, SampleRecord
    from pytest_multitrust.report.gates import GateResult
    from pytest_multitrust.report.model import TrustReport
    from pytest_multitrust.report.scores import ScoreNode, TaskScore
    from pytest_multitrust.tasks.comparability import Comparability

__all__ = [
    "ROWS_PER_TASK",
    "SAMPLE_DATA_ID",
    "SAMPLE_FIELDS",
    "aspect_chart_svg",
    "encode_sample_data",
    "overview_heatmap",
    "render_html",
    "sample_data",
    "task_gate_state",
]

#: What an image may be referenced as: a data URI, or a file of the report's images/.
_IMAGE_URL = re.compile(
    r"^(data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/]+=*|images/[0-9a-f]{64}\.(png|webp))$"
)
#: How many sample rows of a task (its first matches) the page draws at first; a button
#: under them draws the others.
ROWS_PER_TASK = 25
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
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
article.task{content-visibility:auto;contain-intrinsic-size:auto 420px}
details.samples tr{display:grid;grid-template-columns:116px 230px minmax(0,1fr)}
tr.sample{content-visibility:auto;contain-intrinsic-size:auto 200px}
.more-rows{display:flex;gap:8px;align-items:center;margin:8px 0}.more-rows.hidden{display:none}
details>summary{cursor:pointer;color:var(--muted);margin:6px 0}
.thumb{display:block;background-color:#fff;background-position:center;
background-size:contain;background-repeat:no-repeat;width:96px;height:96px;
border:1px solid var(--line);border-radius:4px;cursor:zoom-in}
.lightbox{position:fixed;inset:0;background:rgba(20,24,32,.82);display:flex;gap:16px;
padding:24px;z-index:10}
.lightbox.hidden{display:none}
.lb-pic{flex:1 1 auto;min-width:0;display:flex}
.lb-pic img{width:100%;height:100%;object-fit:contain;background:#fff;border-radius:6px}
.lb-side{flex:0 0 360px;background:var(--card);border-radius:6px;padding:12px;overflow:auto}
.lb-side .text{max-height:none}
.search{display:flex;gap:8px;align-items:center;margin:8px 0}
.search select{font:inherit;font-size:12px;max-width:220px}
.search input{font:inherit;flex:0 1 420px;padding:4px 8px;border:1px solid var(--line);
border-radius:6px}
.heat{display:grid;grid-template-columns:max-content 1fr;gap:6px 12px;align-items:center}
.heat .cells{display:flex;flex-wrap:wrap;gap:4px}
.cell{display:block;width:70px;padding:3px 5px;border-radius:5px;border:2px solid transparent;
color:var(--fg);text-decoration:none;font-size:12px;line-height:1.25}
.cell small{display:block;font-variant-numeric:tabular-nums}
.cell.g-fail{border-color:var(--bad)}.cell.g-inconclusive{border-color:var(--warn)}
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
  var state={task:'all',sample:'all',id:'all',variant:'all',q:''};
  var PILL={pass:'ok',fail:'bad',inconclusive:'warn',miss:'warn',error:'bad'};
  var samples=null, byTask={}, texts=null;
  var articles=Array.prototype.slice.call(document.querySelectorAll('article.task'));
  function byId(i){return document.getElementById(i);}
  function el(tag,cls,text){
    var e=document.createElement(tag); if(cls){e.className=cls;}
    if(text!==undefined){e.textContent=text;} return e;}
  /* the samples: gzip-compressed JSON in base64, in the page's data block */
  function unpack(){
    var bin=atob(byId('mt-samples').textContent), bytes=new Uint8Array(bin.length);
    for(var i=0;i<bin.length;i++){bytes[i]=bin.charCodeAt(i);}
    var raw=new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(raw).text().then(JSON.parse);}
  function load(d){
    var f={}, s=d.strings, all=[];
    d.fields.forEach(function(n,i){f[n]=i;});
    d.tasks.forEach(function(t){
      byTask[t[0]]=t[1].map(function(r){
        var x={task:t[0],id:s[r[f.sample_id]],variant:s[r[f.variant]],
          verdict:s[r[f.verdict]],values:s[r[f.values]],prompt:s[r[f.prompt]],
          response:s[r[f.response]],expected:s[r[f.expected]],detail:s[r[f.detail]],
          error:s[r[f.error]],image:r[f.image]<0?null:d.images[r[f.image]],row:null,ok:true};
        all.push(x); return x;});});
    return all;}
  function haystack(x){
    if(!texts){texts=samples.map(function(y){
      return [y.task,y.id,y.variant,y.verdict,y.values,y.prompt,y.response,y.expected,
        y.detail,y.error,y.image?y.image[0]:''].join(' ').toLowerCase();});}
    return texts[x];}
  function thumb(x){
    if(!x.image){return el('div','noimg','text only');}
    var where=x.image[1], a=el('a','thumb'), url;
    if(where===null){return el('div','noimg','no preview');}
    if(where){url='images/'+x.image[0]+'.'+where; a.href=url;
      a.style.backgroundImage='url("'+url+'")';}
    else{a.href='#'; a.classList.add('im-'+x.image[0].slice(0,20));}
    a.setAttribute('role','img'); a.title='click for the full image';
    a.setAttribute('aria-label','image '+x.image[0].slice(0,12)+': click for the full image');
    a.addEventListener('click',function(e){e.preventDefault(); show(a,x);});
    return a;}
  function row(x){
    var tr=el('tr','sample'), td=[el('td'),el('td'),el('td')], more=el('details');
    tr.setAttribute('data-task',x.task); tr.setAttribute('data-variant',x.variant);
    tr.setAttribute('data-verdict',x.verdict);
    td[0].appendChild(thumb(x));
    [el('div','mono s-id',x.id),el('div','muted',x.variant),
     el('span','pill '+(PILL[x.verdict]||'muted'),x.verdict.toUpperCase()),
     el('div','mono muted',x.values)].forEach(function(e){td[1].appendChild(e);});
    [el('div','label','prompt'),el('div','text s-prompt',x.prompt),
     el('div','label','response'),el('div','text s-response',x.response)
    ].forEach(function(e){td[2].appendChild(e);});
    more.appendChild(el('summary','','more'));
    [['expected',x.expected,'text'],['scorer saw',x.detail,'text'],['error',x.error,'text'],
     ['image sha256',x.image?x.image[0]:'','mono muted']].forEach(function(p){
      if(p[1]){more.appendChild(el('div','label',p[0])); more.appendChild(el('div',p[2],p[1]));}});
    td[2].appendChild(more);
    td.forEach(function(c){tr.appendChild(c);});
    return tr;}
  /* a task's rows are drawn when its samples are shown: its first PAGE matches, the
     others on request, so that a broad search builds and lays out few rows per task */
  var PAGE=parseInt(byId('tasks').getAttribute('data-page'),10)||25, gen=0, view={};
  function draw(a){
    var t=a.getAttribute('data-task'), body=a.querySelector('tbody.rows');
    if(!samples||!body){return;}
    var v=view[t]||(view[t]={gen:-1,limit:PAGE,drawn:-1});
    if(v.gen!==gen){v.gen=gen; v.limit=PAGE; v.drawn=-1;}
    if(v.drawn===v.limit){return;}
    var list=byTask[t]||[], hits=list.filter(function(x){return x.ok;});
    var n=Math.min(hits.length,v.limit), bar=a.querySelector('div.more-rows');
    var rows=document.createDocumentFragment();
    for(var i=0;i<n;i++){var x=hits[i]; if(!x.row){x.row=row(x);} rows.appendChild(x.row);}
    body.textContent=''; body.appendChild(rows); v.drawn=v.limit;
    bar.classList.toggle('hidden',n===hits.length);
    bar.querySelector('span.muted').textContent=n+' of '+hits.length+
      (hits.length<list.length?' matching':'')+' samples shown';
    bar.querySelector('button').textContent='show the other '+(hits.length-n);
    a.setAttribute('data-drawn','');}
  function apply(){
    document.querySelectorAll('button[data-filter]').forEach(function(b){
      var g=b.getAttribute('data-filter');
      b.classList.toggle('on', state[g]===b.getAttribute('data-value'));});
    if(!samples){return;}
    gen++;
    var terms=state.q.toLowerCase().split(/\\s+/).filter(Boolean), shown=0;
    samples.forEach(function(x,i){
      x.ok=(state.sample==='all'||x.verdict===state.sample)&&
        (state.variant==='all'||x.variant===state.variant)&&
        terms.every(function(t){return haystack(i).indexOf(t)>=0;});});
    var rowsNarrowed=state.sample!=='all'||state.variant!=='all'||terms.length>0;
    var narrowed=rowsNarrowed||state.id!=='all';
    articles.forEach(function(a){
      var v=(a.getAttribute('data-verdicts')||'').split(' ');
      var n=(byTask[a.getAttribute('data-task')]||[]).filter(function(x){return x.ok;}).length;
      var off=(state.task!=='all'&&v.indexOf(state.task)<0)||
        (state.id!=='all'&&a.getAttribute('data-task')!==state.id)||(rowsNarrowed&&n===0);
      var d=a.querySelector('details.samples');
      if(d&&narrowed&&!off){d.open=n>0;}
      if(d&&d.open&&!off){draw(a);}
      a.classList.toggle('hidden',off); if(!off){shown+=n;}});
    byId('found').textContent=narrowed?shown+' of '+samples.length+' samples':'';
  }
  articles.forEach(function(a){
    var d=a.querySelector('details.samples'), t=a.getAttribute('data-task');
    if(d){d.addEventListener('toggle', function(){if(d.open){draw(a);}});
      a.querySelector('div.more-rows button').addEventListener('click', function(){
        view[t].limit=Infinity; draw(a);});}});
  document.querySelectorAll('button[data-filter]').forEach(function(b){
    b.addEventListener('click', function(){
      state[b.getAttribute('data-filter')]=b.getAttribute('data-value'); apply();});});
  byId('search').addEventListener('input', function(e){state.q=e.target.value; apply();});
  byId('f-task').addEventListener('change', function(e){state.id=e.target.value; apply();});
  byId('f-variant').addEventListener('change', function(e){
    state.variant=e.target.value; apply();});
  /* an overview cell whose task the filters hide clears them first, then goes there */
  document.querySelectorAll('a.cell').forEach(function(c){
    c.addEventListener('click', function(){
      var a=byId(c.getAttribute('href').slice(1));
      if(!a||!a.classList.contains('hidden')){return;}
      state={task:'all',sample:'all',id:'all',variant:'all',q:''};
      byId('search').value=''; byId('f-task').value='all'; byId('f-variant').value='all';
      apply();});});
  var box=byId('lightbox'), big=byId('lb-img'), last=null;
  function close(){
    if(box.classList.contains('hidden')){return;}
    box.classList.add('hidden'); big.removeAttribute('src'); if(last){last.focus();}}
  function show(t,x){
    /* the image's URL is named once: the thumbnail's background */
    var m=/^url\\("(.*)"\\)$/.exec(getComputedStyle(t).backgroundImage);
    if(!m){return;}
    var title=x.task+' '+x.id;
    last=t; big.src=m[1]; big.alt='full image of '+title;
    byId('lb-title').textContent=title; byId('lb-prompt').textContent=x.prompt;
    byId('lb-response').textContent=x.response;
    box.classList.remove('hidden'); byId('lb-close').focus();}
  byId('lb-close').addEventListener('click', close);
  box.addEventListener('click', function(e){if(e.target===box){close();}});
  document.addEventListener('keydown', function(e){if(e.key==='Escape'){close();}});
  byId('found').textContent='unpacking the samples…';
  Promise.resolve().then(unpack).then(function(d){
    samples=load(d); byId('found').textContent='';
    apply(); document.body.setAttribute('data-samples','ready');
  }, function(e){
    byId('found').textContent='This browser could not unpack the samples ('+e+
      '): read samples.jsonl beside this page.';
    document.body.setAttribute('data-samples','failed');});
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


def _image_class(sha256: str) -> str:
    """The CSS class that shows the image with this hash (its URL is given once)."""
    return "im-" + sha256[:20]


def _image_styles(images: Mapping[str, str]) -> str:
    """One CSS rule per image embedded in the page (a ``data:`` URI): its class and URL.

    Image files need no rule: the script names ``images/<sha256>.webp`` from the samples.
    """
    return "".join(
        f'.{_image_class(sha)}{{background-image:url("{url}")}}'
        for sha, url in sorted(images.items())
        if url.startswith("data:")
    )


def _usable_images(images: Mapping[str, str]) -> dict[str, str]:
    """The images whose hash and URL are what they should be (others show a placeholder)."""
    return {sha: url for sha, url in images.items() if _SHA256.match(sha) and _IMAGE_URL.match(url)}


#: What each sample row of the embedded data holds, in order: indices into its string
#: table, and last the index of its image (-1: text only).
SAMPLE_FIELDS = (
    "sample_id",
    "variant",
    "verdict",
    "values",
    "prompt",
    "response",
    "expected",
    "detail",
    "error",
    "image",
)
#: The layout of the embedded sample data (``v``); the page's script reads this one.
SAMPLE_DATA_VERSION = 1
#: The id of the ``<script type="application/gzip">`` data block that holds them.
SAMPLE_DATA_ID = "mt-samples"


def sample_data(
    by_task: Sequence[tuple[str, Sequence[SampleRecord]]], images: Mapping[str, str]
) -> dict[str, object]:
    """The samples the page lists, as compact JSON: every distinct string once.

    ``{"v": 1, "fields": [...], "strings": [...], "images": [[sha256, where], ...],
    "tasks": [[task_id, [row, ...]], ...]}``, the tasks in the page's order. A row is a
    list of integers, one per :data:`SAMPLE_FIELDS`: an index into ``strings`` (the
    prompt and response stripped, ``values`` as ``metric=0.00, ...``, a missing error
    ""), and last an index into ``images`` or -1. An image is ``[sha256, where]``:
    ``where`` is the type of its file ``images/<sha256>.<where>`` (``webp``, ``png``),
    "" when the page embeds it (the CSS rule of the class ``im-<first 20 hex digits>``
    holds its ``data:`` URI), or null when it has no usable URL (no preview). Every
    string is terminal-safe (control characters shown as escapes).

    Args:
        by_task: each task's id and its samples, in the order the page shows them.
        images: image sha256 → checked URL (:func:`_usable_images`).
    """
    strings: dict[str, int] = {}
    image_index: dict[str, int] = {}
    image_rows: list[list[str | None]] = []

    def text(value: str | None) -> int:
        return strings.setdefault(terminal_safe(value or ""), len(strings))

    def image(sha: str | None) -> int:
        if sha is None:
            return -1
        if sha not in image_index:
            url = images.get(sha)
            image_index[sha] = len(image_rows)
            image_rows.append([terminal_safe(sha), None if url is None else _image_where(sha, url)])
        return image_index[sha]

    tasks = [
        [
            terminal_safe(task_id),
            [
                [
                    text(s.sample_id),
                    text(s.variant),
                    text(s.verdict),
                    text(", ".join(f"{k}={fmt(v, 2)}" for k, v in sorted(s.values.items()))),
                    text(s.prompt.strip()),
                    text(s.response.strip()),
                    text(s.expected),
                    text(s.detail),
                    text(s.error),
                    image(s.image_sha256),
                ]
                for s in samples
            ],
        ]
        for task_id, samples in by_task
    ]
    return {
        "v": SAMPLE_DATA_VERSION,
        "fields": list(SAMPLE_FIELDS),
        "strings": list(strings),
        "images": image_rows,
        "tasks": tasks,
    }


def _image_where(sha: str, url: str) -> str | None:
    """Where the script finds an image: its file's type, "" (embedded), None (nowhere).

    A file is ``images/<sha256>.<type>``; one named after another hash is not shown.
    """
    if not url.startswith("images/"):
        return ""  # a data: URI, in the CSS rule of the image's class
    kind = url.rpartition(".")[2]
    return kind if url == f"images/{sha}.{kind}" else None


def encode_sample_data(data: object) -> str:
    """JSON, gzip-compressed (reproducibly: no timestamp), in base64: the data block's text.

    The page unpacks it with the browser's own ``DecompressionStream('gzip')``.
    """
    raw = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    packed = gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def _task_article(
    task: TaskScore,
    samples: list[SampleRecord],
    open_samples: bool,
    comparable: Comparability | None = None,
) -> str:
    verdicts = sorted({_metric_verdict(m) for m in task.metrics})
    counts = {v: sum(s.verdict == v for s in samples) for v in ("pass", "miss", "error", "skip")}
    skipped = f", {counts['skip']} skip" if counts["skip"] else ""
    score = fmt(task.score)
    ci = fmt_ci(task.ci_low, task.ci_high)
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
        f'data-task="{esc(task.task_id)}" '
        f'data-verdicts="{esc(" ".join(verdicts))}">'
        f'<h3><span class="mono">{esc(task.task_id)}</span> {esc(task.name)}{scope}'
        f'<span class="muted">{esc(task.aspect)} / {esc(task.sub_aspect)}</span>'
        f'<span>trust score <b>{esc(score)}</b> <span class="mono muted">{esc(ci)}</span>'
        f"</span></h3>{paper}{_metrics_table(task)}"
        f'<details class="samples"{opened}><summary>{len(samples)} samples: '
        f"{counts['pass']} pass, {counts['miss']} miss, {counts['error']} error{skipped}"
        "</summary>"
        "<table><thead><tr><th>image</th><th>sample</th><th>prompt and response</th></tr>"
        '</thead><tbody class="rows"></tbody></table><div class="more-rows hidden">'
        '<span class="muted"></span><button type="button"></button></div></details></article>'
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
    items += [(f"time {t.task_id}", t.describe()) for t in report.timings]
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


_GATE_ORDER = ("fail", "inconclusive", "pass")


def task_gate_state(task: TaskScore) -> str:
    """A task's gate state: its worst metric verdict (fail, inconclusive, pass), or "none"."""
    verdicts = {_metric_verdict(m) for m in task.metrics}
    return next((v for v in _GATE_ORDER if v in verdicts), "none")


def _heat_colour(score: float) -> str:
    """Red (0) through yellow to green (1); grey when there is no score."""
    if math.isnan(score):
        return "#eef1f6"
    return f"hsl({max(0.0, min(score, 1.0)) * 120:.0f},62%,80%)"


def overview_heatmap(report: TrustReport) -> str:
    """Every task on one screen: a cell per task, by aspect, coloured by its trust score.

    The cell's border is its gate state (red: a threshold failed, yellow: inconclusive) and
    it links to the task's section.
    """
    by_aspect: dict[str, list[TaskScore]] = {}
    for task in report.scores.tasks:
        by_aspect.setdefault(task.aspect, []).append(task)
    mark = {"fail": "✕", "inconclusive": "?", "pass": "✓", "none": ""}
    rows = []
    for aspect, tasks in by_aspect.items():
        cells = []
        for t in tasks:
            state = task_gate_state(t)
            title = f"{t.task_id} {t.name}: score {fmt(t.score)} {fmt_ci(t.ci_low, t.ci_high)}"
            cells.append(
                f'<a class="cell g-{esc(state)}" href="#task-{esc(t.task_id)}" '
                f'style="background:{_heat_colour(t.score)}" title="{esc(title)}; '
                f'thresholds: {esc(state)}"><b class="mono">{esc(t.task_id)}</b> '
                f"{esc(mark[state])}<small>{esc(fmt(t.score))}</small></a>"
            )
        rows.append(f'<div>{esc(aspect)}</div><div class="cells">{"".join(cells)}</div>')
    if not rows:
        return ""
    return (
        '<section><h2>Overview</h2><div class="card"><div class="heat">'
        f"{''.join(rows)}</div>"
        '<p class="muted">One cell per task: colour = trust score (red 0, green 1, grey: no '
        "score); border and mark = its thresholds (✕ failed, ? inconclusive, ✓ met). Click a "
        "cell to go to the task.</p></div></section>"
    )


def _lightbox() -> str:
    """The full-image viewer the script opens (text is filled in as text, never as HTML)."""
    return (
        '<div id="lightbox" class="lightbox hidden" role="dialog" aria-modal="true" '
        'aria-label="full image"><div class="lb-pic"><img id="lb-img" alt=""></div>'
        '<div class="lb-side"><button type="button" id="lb-close">close (Esc)</button>'
        '<h3 id="lb-title" class="mono"></h3><div class="label">prompt</div>'
        '<div class="text" id="lb-prompt"></div><div class="label">response</div>'
        '<div class="text" id="lb-response"></div></div></div>'
    )


def render_html(
    report: TrustReport,
    images: Mapping[str, str] | None = None,
    rows_per_task: int = ROWS_PER_TASK,
) -> str:
    """The whole page.

    Args:
        report: the report.
        images: image sha256 → its URL: a ``data:image/webp;base64,...`` (or ``png``) URI
            (single-file page) or ``images/<sha256>.webp`` (or ``.png``: a file of the
            report folder); images without
            one, or with any other URL, show a placeholder.
        rows_per_task: how many sample rows of a task the script draws at first (its
            first matches); a button under them ("show the other N") draws the others.
    """
    if rows_per_task < 1:
        raise ValueError(f"rows_per_task must be at least 1, not {rows_per_task}")
    usable = _usable_images(images or {})
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
            # the worst task's samples start open, when there is something to look at
            open_samples=i == 0 and any(s.verdict != "pass" for s in by_task.get(t.task_id, [])),
            comparable=comparable.get(t.task_id),
        )
        for i, t in enumerate(worst)
    )
    shown = sample_data([(t.task_id, by_task.get(t.task_id, [])) for t in worst], usable)
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
    task_options = "".join(
        f'<option value="{esc(t.task_id)}">{esc(t.task_id)} {esc(t.name)}</option>'
        for t in scores.tasks
    )
    variant_options = "".join(
        f'<option value="{esc(v)}">{esc(v)}</option>'
        for v in sorted({s.variant for s in report.samples})
    )
    gates_html = (
        f'<section><h2>Gates</h2><div class="card">{_gates_table(judged)}</div></section>'
        if judged
        else ""
    )
    tasks_section = (
        f'<section id="tasks" data-page="{rows_per_task}"><h2>Tasks, worst first</h2>'
        '<div class="search"><input type="search" id="search" placeholder="search samples: '
        'text, id, task, variant, verdict" aria-label="search samples">'
        '<select id="f-task" aria-label="task"><option value="all">all tasks</option>'
        f"{task_options}</select>"
        '<select id="f-variant" aria-label="variant"><option value="all">all variants'
        f"</option>{variant_options}</select>"
        '<span class="muted" id="found"></span></div>'
        "<noscript><p>The sample rows are drawn by the page's script from the samples packed "
        "in the page. Without the script, read them in samples.jsonl or report.json beside "
        "this page.</p></noscript>"
        f'<div class="filters"><div><span>tasks</span>{task_buttons}</div>'
        f"<div><span>samples</span>{sample_buttons}</div></div>"
        f"{articles or '<p class=muted>No task reported a metric.</p>'}</section>"
    )
    aspects_section = (
        '<section><h2>Aspects</h2><div class="card">'
        f"{aspect_chart_svg(report)}"
        '<p class="muted">Bars: trust score (0-1, higher is better), MultiTrust aggregation; '
        "whiskers: 95% CI; dashed line: the gate's threshold.</p></div></section>"
    )
    # the page's sections, top to bottom: a new section is one more entry
    sections = [
        overview_heatmap(report),
        aspects_section,
        gates_html,
        _comparison(report),
        crossmodal_html(report.crossmodal),
        tasks_section,
        _provenance(report),
    ]
    fingerprint = p.model.fingerprint if p.model is not None else "n/a"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"img-src 'self' data:; style-src 'unsafe-inline'; script-src '{_script_hash()}'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>MultiTrust trust report: {esc(model_name)}</title>"
        f"<style>{_CSS}{_image_styles(usable)}</style></head><body><main>"
        '<div class="head"><div><h1>MultiTrust trust report</h1>'
        f'<p class="sub">model <code>{esc(p.model_spec)}</code> · fingerprint '
        f"<code>{esc(fingerprint)}</code> · device {esc(p.device)} · {esc(report.created)} · "
        f"pytest-multitrust {esc(p.versions.plugin)}"
        + (f" · commit <code>{esc(p.git_commit[:12])}</code>" if p.git_commit else "")
        + f"</p><p>{' '.join(badges)}</p></div>"
        f'<div class="big">{esc(fmt(overall.score))}<small>overall trust score '
        f"{esc(fmt_ci(overall.ci_low, overall.ci_high))}</small></div></div>"
        f"{''.join(sections)}"
        f"</main>{_lightbox()}"
        f'<script type="application/gzip" id="{SAMPLE_DATA_ID}">'
        f"{encode_sample_data(shown)}</script>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
