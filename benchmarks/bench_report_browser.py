"""How fast report.html answers in a browser: load, search, clear, verdict filter.

Run from the repository root on a report folder's page (make one with
``pytest --mllm=oracle --mt-tier=standard --mt-report=<dir> -p no:randomly -q``)::

    python benchmarks/bench_report_browser.py <dir>/report.html
    python benchmarks/bench_report_browser.py old.html new.html --rounds 2 --json out.json

Each page is opened in the browser tests' headless Chromium (``tests/mt_browser.py``) and
driven through the same steps, timed in wall seconds from the action to the page being
settled (its script has applied the last input and three animation frames have passed, so
the layout and paint of the new rows are done):

``load``
    opening the page until its samples are unpacked and the open task's rows drawn;
``type <word>``
    typing a broad word key by key (``--broad``; each key held 120 ms, as a quick typist:
    ``the`` has 0.36 s of typing in it);
``search <id>``
    pasting a narrow search at once (``--narrow``: by default the id of report.json's
    first sample of the page's last task);
``clear``
    emptying the search (the tasks the broad search opened stay open);
``verdict <v>``, ``verdict all``
    a sample verdict button (``--verdict``, default ``pass``: most samples), then ``all``;
``open <task>``, ``show the other N``
    opening the task with the most samples (closed first, untimed: a search may have
    opened it), then its "show the other N" button (on a page that draws a task's first
    rows only: not an older one).

Pages are run in turns (``--rounds``), so that pages compared meet the same load. Each
step's result also has the count the page shows (``#found``), which must be the same for
pages of the same report. The machine's load (``os.getloadavg``) is printed with it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from mt_browser import Browser

ROOT = Path(__file__).resolve().parents[1]

#: Settled: the script has run (it runs on the event), three animation frames have passed.
_SETTLED = """async () => {
  for (let i = 0; i < 3; i++) { await new Promise((r) => requestAnimationFrame(r)); }
  return document.getElementById('found').textContent;
}"""

_SAMPLE_BUTTON = 'button[data-filter="sample"]'


def _timed(browser: Browser, action: Callable[[], None]) -> tuple[float, str]:
    """Seconds from the action's start until the page is settled, and its count."""
    started = time.perf_counter()
    action()
    found = str(browser.js(_SETTLED))
    return round(time.perf_counter() - started, 3), found


def _steps(
    browser: Browser, page: Path, broad: str, narrow: str, verdict: str, largest: str
) -> list[Any]:
    def load() -> None:
        browser.open(page)
        browser.wait_for("() => document.body.getAttribute('data-samples') === 'ready'")

    def typed() -> None:
        browser.page.locator("#search").press_sequentially(broad, delay=120)

    steps: list[tuple[str, Callable[[], None]]] = [
        ("load", load),
        (f"type {broad}", typed),
        (f"search {narrow}", lambda: browser.fill("#search", narrow)),
        ("clear", lambda: browser.fill("#search", "")),
        (f"verdict {verdict}", lambda: browser.click(f'{_SAMPLE_BUTTON}[data-value="{verdict}"]')),
        ("verdict all", lambda: browser.click(f'{_SAMPLE_BUTTON}[data-value="all"]')),
    ]
    task = f'article[id="task-{largest}"]'
    more = f"{task} div.more-rows:not(.hidden) button"
    steps.append((f"open {largest}", lambda: browser.click(f"{task} details.samples > summary")))
    steps.append(("show the other N", lambda: browser.click(more)))
    results = []
    for name, action in steps:
        if name == "show the other N" and not browser.js(
            f"document.querySelector('{more}') !== null"
        ):
            continue  # a page that draws every row at once
        if name.startswith("open "):  # a search may have opened it: closed first, untimed
            browser.js(f"document.querySelector('{task} details.samples').open = false")
            browser.js(_SETTLED)
        seconds, found = _timed(browser, action)
        results.append({"step": name, "s": seconds, "found": found})
    errors = browser.console_errors()
    outside = browser.outside_requests()
    if errors or outside:
        raise SystemExit(f"{page}: console errors {errors}, outside requests {outside}")
    return results


def _from_report(page: Path) -> tuple[str, str]:
    """The first sample id of report.json's last task, and the task with most samples."""
    data = json.loads((page.parent / "report.json").read_text(encoding="utf-8"))
    tasks = [t["task_id"] for t in data["scores"]["tasks"]]
    ids = [(s["task_id"], s["sample_id"]) for s in data["samples"] if s["task_id"] in tasks]
    first = next(i for t, i in ids if t == tasks[-1])
    return first, max(tasks, key=lambda t: sum(x == t for x, _ in ids))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Time the steps on each page, in turns; print and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=Path, nargs="+", help="report.html pages")
    parser.add_argument("--rounds", type=int, default=1, help="turns over the pages")
    parser.add_argument("--broad", default="the", help="a word most samples have")
    parser.add_argument("--narrow", default="", help="a narrow search (default: a sample id)")
    parser.add_argument("--verdict", default="pass", help="a sample verdict button")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    from mt_browser import Browser, browser_missing

    if (reason := browser_missing()) is not None:
        raise SystemExit(reason)
    first, largest = _from_report(args.pages[0])
    narrow = args.narrow or first
    runs = []
    browser = Browser()
    browser.context.set_default_timeout(120_000)  # a slow page is measured, not failed
    try:
        for turn in range(args.rounds):
            for page in args.pages:
                load = [round(x, 2) for x in os.getloadavg()]
                steps = _steps(browser, page, args.broad, narrow, args.verdict, largest)
                runs.append({"page": str(page), "round": turn, "load": load, "steps": steps})
                print(json.dumps(runs[-1]), flush=True)
    finally:
        browser.close()
    result = {"runs": runs}
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
