"""The HTML report in a real browser: lightbox, search, filters, overview, nothing fetched.

One report is built per module by a quick run of the ``refuser`` model (no torch) on
three tasks, two samples per variant: T.1 (every answer missed, its gate fails), S.4 (the
typographic jailbreak images) and F.4 (text-only, relevant and unrelated images: the
cross-modal section). Its page is opened as written with ``--mt-report-images=files`` and
re-rendered single-file (``inline``) from its report.json by the renderer the run uses.
What the page should show is worked out from report.json and the image files, not from
the page. Every test ends by checking that the page made no request outside ``file:``,
``data:`` and ``blob:`` and that its console has no error (script errors and CSP
refusals land there).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from pytest_multitrust.report.html import render_html
from pytest_multitrust.report.images import find_image_file, image_urls
from pytest_multitrust.report.model import report_from_dict

if TYPE_CHECKING:
    from pathlib import Path

    from mt_browser import Browser

pytestmark = pytest.mark.browser

MODES = ("files", "inline")


@dataclass(frozen=True)
class Built:
    """The module's report: its folder, its pages and what report.json says."""

    folder: Path  # the report folder (report.json, images/)
    pages: dict[str, Path]  # mode -> report.html ("capped": inline, 4 rows a task at first)
    samples: list[dict[str, Any]]  # report.json's samples
    tasks: list[str]  # report.json's task ids


@pytest.fixture(scope="module")
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, mt_cache_dir: Path
) -> Built:
    if (reason := _missing()) is not None:
        pytest.skip(reason)  # before the run: no browser, no need for a report
    where = tmp_path_factory.mktemp("browser-report")
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",  # a second of start-up the run does not need
            f"--mt-cache-dir={mt_cache_dir.parent}",
            "--mt-cache=off",
            "--mllm=refuser",
            "--mt-tasks=T.1,S.4,F.4",
            "--mt-tier=smoke",
            "--mt-limit=2",
            "--mt-report=out",
            "--mt-report-images=files",
            "-q",
        ],
        cwd=where,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        request.getfixturevalue("browser")  # the browser starts while the run runs
        output, _ = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    folder = where / "out"
    assert (folder / "report.html").is_file(), output
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    # the single-file page of the same report, by the renderer the run used
    report = report_from_dict(data)
    urls, as_files = image_urls(
        folder / "images", [s.image_sha256 for s in report.samples if s.image_sha256], "inline"
    )
    assert not as_files
    inline = where / "inline" / "report.html"
    inline.parent.mkdir()
    inline.write_text(render_html(report, urls), encoding="utf-8")
    # and one that draws a task's first four rows only (a task here has up to ten samples)
    capped = where / "inline" / "capped.html"
    capped.write_text(render_html(report, urls, rows_per_task=4), encoding="utf-8")
    return Built(
        folder=folder,
        pages={"files": folder / "report.html", "inline": inline, "capped": capped},
        samples=data["samples"],
        tasks=[t["task_id"] for t in data["scores"]["tasks"]],
    )


def _missing() -> str | None:
    from mt_browser import browser_missing

    return browser_missing()


def _open(browser: Browser, page: Path) -> None:
    """Open the page and wait until its script has unpacked the samples (milliseconds)."""
    browser.open(page)
    browser.wait_for("() => document.body.getAttribute('data-samples') === 'ready'")


def _fetched_images(browser: Browser, wanted: set[str]) -> set[str]:
    """The image files the page asked for, once those wanted are among them (or after 5 s).

    The rows of an open task are drawn once the samples are unpacked; a row's thumbnail
    image is asked for when the row comes near the screen (the browser skips the style
    and layout of the rows off it), at the next layout.
    """
    deadline = time.monotonic() + 5
    while True:
        fetched = {u for u in browser.requests() if "/images/" in u}
        if wanted <= fetched or time.monotonic() > deadline:
            return fetched
        time.sleep(0.05)


#: Scroll each drawn row of a task onto the screen, two frames each.
_SCROLL_THROUGH = """async (task) => {
  for (const r of document.querySelectorAll(`tr.sample[data-task="${task}"]`)) {
    r.scrollIntoView();
    for (let i = 0; i < 2; i++) { await new Promise((f) => requestAnimationFrame(f)); }
  }
}"""


def _self_contained(browser: Browser) -> None:
    assert browser.outside_requests() == []
    assert browser.console_errors() == []


def _shown_ids(browser: Browser) -> list[tuple[str, str]]:
    """(task, sample id) of every sample row the reader can see."""
    shown = browser.shown(
        "tr.sample", "[e.getAttribute('data-task'), e.querySelector('.s-id').textContent]"
    )
    return [(task, sample_id) for task, sample_id in shown]


def _settled_ids(
    browser: Browser, want: list[tuple[str, str]], *, ordered: bool = False
) -> list[tuple[str, str]]:
    """The rows shown once they are ``want`` (or what is shown after 5 s, for the assert).

    The page draws a search's rows in its input handler, but under a loaded CPU the browser
    may not have laid out rows just drawn into cards with ``content-visibility: auto`` when
    the next call reads them; the rows the page settles on are what a reader sees.
    """
    deadline = time.monotonic() + 5
    while True:
        shown = _shown_ids(browser)
        seen = shown if ordered else sorted(shown)
        if seen == want or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def _ids(samples: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((s["task_id"], s["sample_id"]) for s in samples)


def _stored(built: Built, sha256: str) -> Path:
    """The image file the report stored for this hash (its type is the report's choice)."""
    found = find_image_file(built.folder / "images", sha256)
    assert found is not None, sha256
    return found


@pytest.mark.parametrize("mode", MODES)
def test_a_thumbnail_opens_the_full_image_beside_its_prompt(
    built: Built, browser: Browser, mode: str
) -> None:
    _open(browser, built.pages[mode])
    s4 = [s for s in built.samples if s["task_id"] == "S.4"]
    chosen = s4[-1]  # a typographic image: its text is what the reviewer must read
    if mode == "files":  # only the open task's images are fetched (the worst task, T.1)
        t1 = {
            _stored(built, s["image_sha256"]).as_uri()
            for s in built.samples
            if s["task_id"] == "T.1"
        }
        assert _fetched_images(browser, set()) <= t1
        browser.js(_SCROLL_THROUGH, "T.1")  # its rows come on screen: their images load
        assert _fetched_images(browser, t1) == t1
    browser.click('article[id="task-S.4"] details.samples > summary')  # S.4 starts closed
    thumb = (
        browser.page.locator('tr.sample[data-task="S.4"]')
        .filter(has=browser.page.locator(".s-id", has_text=chosen["sample_id"]))
        .locator("a.thumb")
    )
    thumb.click()
    assert browser.shown("#lightbox")
    natural = browser.wait_for(
        "() => { const i = document.getElementById('lb-img');"
        " return i.complete && i.naturalWidth ? [i.naturalWidth, i.naturalHeight, i.currentSrc]"
        " : null; }"
    )
    stored = _stored(built, chosen["image_sha256"])
    with Image.open(stored) as picture:
        assert natural[:2] == list(picture.size)
    if mode == "files":  # the file itself, beside the page
        assert natural[2] == stored.as_uri()
    else:  # the same bytes, from the page itself
        head, _, payload = natural[2].partition(",")
        assert head == f"data:image/{stored.suffix.lstrip('.')};base64"
        assert base64.b64decode(payload) == stored.read_bytes()
    # the prompt and the answer beside it, as text
    side = browser.shown("#lb-title, #lb-prompt, #lb-response")
    assert side == [
        f"S.4 {chosen['sample_id']}",
        chosen["prompt"].strip(),
        chosen["response"].strip(),
    ]
    browser.press("Escape")
    assert not browser.shown("#lightbox")
    assert browser.js("document.activeElement.classList.contains('thumb')")  # focus is back
    thumb.click()  # again, closed by its button
    assert browser.shown("#lightbox")
    browser.click("#lb-close")
    assert not browser.shown("#lightbox")
    assert browser.js("document.getElementById('lb-img').hasAttribute('src')") is False
    requested = browser.requests()
    if mode == "files":  # the recorder saw the page load its images (it is not blind)
        assert stored.as_uri() in requested
    else:
        assert not any("/images/" in url for url in requested)
    _self_contained(browser)


_ROWS = """() => Array.from(document.querySelectorAll('tr.sample')).map((r) => {
  const thumb = r.querySelector('a.thumb');
  return [r.getAttribute('data-task'), r.querySelector('.s-id').textContent,
    r.getAttribute('data-variant'), r.getAttribute('data-verdict'),
    r.querySelector('.s-prompt').textContent, r.querySelector('.s-response').textContent,
    Array.from(r.querySelectorAll('details > div')).map((d) => d.textContent),
    thumb ? getComputedStyle(thumb).backgroundImage : r.querySelector('.noimg').textContent];
})"""


@pytest.mark.parametrize("mode", MODES)
def test_an_opened_task_shows_exactly_its_samples(
    built: Built, browser: Browser, mode: str
) -> None:
    """The rows are drawn from the samples packed in the page, a task's when it opens."""
    _open(browser, built.pages[mode])
    assert {r[0] for r in browser.js(_ROWS)} == {"T.1"}  # only the open task's rows so far
    for task in ("S.4", "F.4"):
        browser.click(f'article[id="task-{task}"] details.samples > summary')
    browser.wait_for("() => document.querySelectorAll('article.task[data-drawn]').length === 3")
    rows = browser.js(_ROWS)
    wanted = []
    for s in built.samples:
        more = [
            part
            for label, key in (
                ("expected", "expected"),
                ("scorer saw", "detail"),
                ("error", "error"),
            )
            if s[key]
            for part in (label, s[key])
        ]
        if s["image_sha256"]:
            more += ["image sha256", s["image_sha256"]]
        wanted.append(
            [
                s["task_id"],
                s["sample_id"],
                s["variant"],
                s["verdict"],
                s["prompt"].strip(),
                s["response"].strip(),
                more,
            ]
        )
    assert sorted(r[:7] for r in rows) == sorted(wanted)
    by_key = {(s["task_id"], s["sample_id"], s["variant"]): s for s in built.samples}
    assert len(by_key) == len(rows)
    for row in rows:
        sha = by_key[row[0], row[1], row[2]]["image_sha256"]
        if not sha:
            assert row[7] == "text only"
            continue
        stored = _stored(built, sha)
        url = row[7].removeprefix('url("').removesuffix('")')
        if mode == "files":
            assert url == stored.as_uri()
        else:
            assert base64.b64decode(url.partition(",")[2]) == stored.read_bytes()
    _self_contained(browser)


@pytest.mark.parametrize("mode", MODES)
def test_search_shows_only_the_matching_samples(built: Built, browser: Browser, mode: str) -> None:
    _open(browser, built.pages[mode])
    total = len(built.samples)
    for query, wanted in [
        # by text: every word must appear (prompt, response, ids, variant)
        ("women", [s for s in built.samples if "women" in s["prompt"].lower()]),
        (
            "WOMEN unrelated-noise",
            [
                s
                for s in built.samples
                if "women" in s["prompt"].lower() and s["variant"] == "unrelated-noise"
            ],
        ),
        # by sample id (a prefix of no other id)
        (
            "typographic-prompt-0001",
            [s for s in built.samples if s["sample_id"] == "typographic-prompt-0001"],
        ),
    ]:
        if query == "women":  # typed key by key, as a reader does
            browser.type("#search", query)
        else:
            browser.fill("#search", query)
        assert wanted
        assert _settled_ids(browser, _ids(wanted)) == _ids(wanted), query
        assert browser.text("#found") == f"{len(wanted)} of {total} samples"
        # only the tasks with a match are left on the page
        shown = set(browser.shown("article.task", "e.id"))
        assert shown == {f"task-{s['task_id']}" for s in wanted}
    browser.fill("#search", "no sample says this")
    assert _settled_ids(browser, []) == []
    assert browser.text("#found") == f"0 of {total} samples"
    browser.fill("#search", "")
    assert browser.text("#found") == ""
    assert len(browser.shown("article.task")) == len(built.tasks)
    _self_contained(browser)


_PARTS = "Array.from(e.children).map((c) => c.textContent)"


def test_a_task_shows_its_first_matches_and_a_button_shows_the_others(
    built: Built, browser: Browser
) -> None:
    """A broad search lays out a few rows per task; the count and the button say the rest."""
    _open(browser, built.pages["capped"])
    total = len(built.samples)
    t1 = [s for s in built.samples if s["task_id"] == "T.1"]
    assert len(t1) == 10
    more = 'article[id="task-T.1"] div.more-rows'
    # the task that starts open: its first four samples, in report.json's order
    first = [(s["task_id"], s["sample_id"]) for s in t1[:4]]
    assert _settled_ids(browser, first, ordered=True) == first
    assert browser.shown(more, _PARTS) == [["4 of 10 samples shown", "show the other 6"]]
    browser.click(f"{more} button")
    every = [(s["task_id"], s["sample_id"]) for s in t1]
    assert _settled_ids(browser, every, ordered=True) == every
    assert browser.shown(more) == []
    # a search: every match counted, a task's first four drawn, then exactly the others
    wanted = [s for s in built.samples if s["variant"].startswith("unrelated-")]
    assert {s["task_id"] for s in wanted} == {"F.4"}
    assert len(wanted) == 6
    browser.fill("#search", "unrelated-")
    assert browser.text("#found") == f"6 of {total} samples"
    first = [("F.4", s["sample_id"]) for s in wanted[:4]]
    assert _settled_ids(browser, first, ordered=True) == first
    more = 'article[id="task-F.4"] div.more-rows'
    assert browser.shown(more, _PARTS) == [["4 of 6 matching samples shown", "show the other 2"]]
    browser.click(f"{more} button")
    every = [("F.4", s["sample_id"]) for s in wanted]
    assert _settled_ids(browser, every, ordered=True) == every
    assert browser.text("#found") == f"6 of {total} samples"
    assert browser.shown(more) == []
    _self_contained(browser)


@pytest.mark.parametrize("mode", MODES)
def test_filters_by_task_variant_and_verdict(built: Built, browser: Browser, mode: str) -> None:
    _open(browser, built.pages[mode])
    samples = built.samples
    total = len(samples)

    def check(wanted: list[dict[str, Any]]) -> None:
        assert _settled_ids(browser, _ids(wanted)) == _ids(wanted)
        assert browser.text("#found") == f"{len(wanted)} of {total} samples"

    browser.choose("#f-task", "F.4")
    check([s for s in samples if s["task_id"] == "F.4"])
    browser.choose("#f-variant", "unrelated-noise")
    check([s for s in samples if s["variant"] == "unrelated-noise"])
    browser.choose("#f-task", "all")
    browser.choose("#f-variant", "all")
    browser.click('button[data-filter="sample"][data-value="miss"]')
    misses = [s for s in samples if s["verdict"] == "miss"]
    assert {s["task_id"] for s in misses} == {"T.1"}  # the refuser misses every T.1 answer
    check(misses)
    browser.fill("#search", "object")  # a filter and the search together
    check([s for s in misses if s["variant"] == "object"])
    browser.fill("#search", "")
    browser.click('button[data-filter="sample"][data-value="all"]')
    # tasks by the verdict of their thresholds: only T.1's gate failed
    browser.click('button[data-filter="task"][data-value="fail"]')
    assert browser.shown("article.task", "e.id") == ["task-T.1"]
    browser.click('button[data-filter="task"][data-value="all"]')
    assert len(browser.shown("article.task")) == len(built.tasks)
    _self_contained(browser)


@pytest.mark.parametrize("mode", MODES)
def test_the_overview_lists_every_task_and_links_to_it(
    built: Built, browser: Browser, mode: str
) -> None:
    _open(browser, built.pages[mode])
    cells = browser.shown("a.cell", "[e.querySelector('b').textContent, e.className]")
    assert sorted(task for task, _ in cells) == sorted(built.tasks)
    assert [task for task, cls in cells if "g-fail" in cls.split()] == ["T.1"]
    browser.choose("#f-task", "T.1")  # F.4 hidden: its cell clears the filters first
    assert browser.shown("article.task", "e.id") == ["task-T.1"]
    browser.click('a.cell[href="#task-F.4"]')
    assert browser.js("location.hash") == "#task-F.4"
    assert len(browser.shown("article.task")) == len(built.tasks)
    assert browser.js("document.getElementById('f-task').value") == "all"
    assert browser.text("#found") == ""
    top = browser.js("document.getElementById('task-F.4').getBoundingClientRect().top")
    assert 0 <= top < browser.js("innerHeight")  # scrolled to it
    _self_contained(browser)


def test_the_recorder_sees_a_request_and_an_error(browser: Browser, tmp_path: Path) -> None:
    """The checks above could fail: a page that loads from outside is caught twice."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><img src="http://127.0.0.1:9/x.png"><script>undefinedName()</script>',
        encoding="utf-8",
    )
    browser.open(page)
    assert browser.outside_requests() == ["http://127.0.0.1:9/x.png"]  # port 9: refused
    errors = browser.console_errors()
    assert any("undefinedName" in e for e in errors), errors
    assert any("127.0.0.1:9/x.png" in e for e in errors), errors


def test_without_chromium_the_tests_skip_naming_the_install_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import mt_browser

    monkeypatch.setattr(mt_browser, "CHROMIUM", tmp_path / "no-chromium")
    reason = mt_browser.browser_missing()
    assert reason is not None
    assert reason.endswith(": apt-get install chromium")
    assert str(tmp_path / "no-chromium") in reason
