"""A headless Chromium for the tests that open the project's HTML pages (report, board).

The browser is the system's Chromium (Debian's package) driven by Playwright pointed at
that executable: nothing is downloaded (no ``playwright install``). It starts with a
fresh profile and with a browser's own background traffic switched off. From
:meth:`Browser.open` on it records every request of the page (the DevTools protocol's
``Network.requestWillBeSent``, which includes ``data:`` URLs, and Playwright's request
events of the whole context) and every console error and uncaught script error, so a test
can say that no request left the page and that its script raised nothing (a request the
page's Content-Security-Policy refuses shows there too).

Playwright, not Selenium: Selenium needs ``trio``, and with ``trio`` installed the
``anyio`` pytest plugin imports it in every pytest process, the test suite's hundreds of
inner runs included.

Example (in a test, with the ``browser`` fixture of ``tests/acceptance/conftest.py``)::

    browser.open(tmp_path / "report.html")
    browser.click("a.thumb")
    assert browser.outside_requests() == []
    assert browser.console_errors() == []
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright

#: What installs the browser on Debian and Ubuntu (named in the skip reason).
INSTALL_LINE = "apt-get install chromium"
#: The browser (``MT_CHROMIUM`` names another).
CHROMIUM = Path(os.environ.get("MT_CHROMIUM", "/usr/bin/chromium"))
#: Chromium's switches besides ``--headless`` (Playwright adds that one, and
#: ``--user-data-dir`` for the fresh profile): no sandbox (containers), no GPU, and none
#: of the browser's own network traffic.
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: The URL schemes a self-contained page may load from.
LOCAL_SCHEMES = ("file:", "data:", "blob:")
#: How long an action waits for its element (milliseconds).
TIMEOUT_MS = 5000


def browser_missing() -> str | None:
    """Why no browser test can run here (a skip reason naming the install line), or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"needs Chromium ({CHROMIUM} not found): {INSTALL_LINE}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs playwright: pip install -c constraints-cpu.txt -e '.[test]'"
    return None


class Browser:
    """One headless Chromium: :meth:`open` a page, act on it, read its requests and console.

    ``page`` is the Playwright page for anything the helpers below do not cover.
    """

    def __init__(self) -> None:
        """Start the browser with a fresh profile (a second or two)."""
        from playwright.sync_api import sync_playwright

        self.profile = Path(tempfile.mkdtemp(prefix="mt-chromium-"))
        self._playwright: Playwright = sync_playwright().start()
        try:
            self.context: BrowserContext = self._playwright.chromium.launch_persistent_context(
                str(self.profile),
                executable_path=str(CHROMIUM),
                headless=True,
                args=list(FLAGS),
                viewport={"width": 1280, "height": 900},
            )
        except BaseException:
            self._playwright.stop()
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page: Page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self._requests: list[str] = []
        self._errors: list[str] = []
        self.context.on("request", lambda request: self._requests.append(request.url))
        self.page.on("websocket", lambda socket: self._requests.append(socket.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._errors.append(f"uncaught: {error}"))
        self._cdp = self.context.new_cdp_session(self.page)
        self._cdp.send("Network.enable")
        self._cdp.on(
            "Network.requestWillBeSent",
            lambda event: self._requests.append(str(event["request"]["url"])),
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":  # with where it came from: a failed load names its URL
            where = message.location.get("url", "")
            self._errors.append(f"{message.text} ({where})" if where else message.text)

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        try:
            self.context.close()
            self._playwright.stop()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, page: Path) -> None:
        """Load a local page (until its load event); recording starts afresh here."""
        self._requests.clear()
        self._errors.clear()
        self.page.goto(page.resolve().as_uri())

    def _settle(self) -> None:
        self.page.evaluate("0")  # one round trip: the events sent before it are dispatched

    def requests(self) -> list[str]:
        """Every URL asked for since :meth:`open`, once each, in order (data: shortened)."""
        self._settle()
        seen = dict.fromkeys(
            u[:60] + "…" if u.startswith("data:") and len(u) > 60 else u for u in self._requests
        )
        return list(seen)

    def outside_requests(self) -> list[str]:
        """The requests since :meth:`open` that are not ``file:``, ``data:`` or ``blob:``."""
        return [u for u in self.requests() if not u.startswith(LOCAL_SCHEMES)]

    def console_errors(self) -> list[str]:
        """Console errors and uncaught script errors since :meth:`open` (CSP refusals too)."""
        self._settle()
        return list(self._errors)

    def js(self, expression: str, arg: object = None) -> Any:
        """Evaluate a JavaScript expression or function (given ``arg``) in the page."""
        return self.page.evaluate(expression, arg)

    def click(self, css: str) -> None:
        """Click the element matching ``css`` (a real click: it must be visible)."""
        self.page.click(css)

    def type(self, css: str, text: str) -> None:
        """Empty the input matching ``css``, then type ``text`` into it key by key."""
        field = self.page.locator(css)
        field.fill("")
        if text:
            field.press_sequentially(text)

    def fill(self, css: str, text: str) -> None:
        """Set the input matching ``css`` to ``text`` at once (one input event, as a paste)."""
        self.page.fill(css, text)

    def choose(self, css: str, value: str) -> None:
        """Pick the option with ``value`` in the ``<select>`` matching ``css``."""
        self.page.select_option(css, value)

    def press(self, key: str) -> None:
        """Press a key on the page (Playwright's names: ``"Escape"``, ``"Enter"``)."""
        self.page.keyboard.press(key)

    def text(self, css: str) -> str:
        """The text of the element matching ``css`` as the reader sees it."""
        return self.page.inner_text(css)

    def shown(self, css: str, expression: str = "e.textContent") -> list[Any]:
        """``expression`` (of ``e``) for each displayed element matching ``css``, in one call.

        Displayed: the element has a box on the page (no ``display:none`` on it or above
        it) and is not ``visibility:hidden``.
        """
        return list(
            self.js(
                "(css) => Array.from(document.querySelectorAll(css))"
                ".filter((e) => e.getClientRects().length > 0 && "
                "getComputedStyle(e).visibility !== 'hidden')"
                f".map((e) => {expression})",
                css,
            )
        )

    def wait_for(self, expression: str, arg: object = None) -> Any:
        """Evaluate ``expression`` until it is true (then its value), or fail after 5 s."""
        return self.page.wait_for_function(expression, arg=arg).json_value()
