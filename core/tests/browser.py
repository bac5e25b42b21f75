"""Shared set-up of the Playwright browser tests: Chromium, phone contexts, offline routing.

Every context made through `Offline` may reach only the live server's host; requests to any
other host are aborted and recorded, as are JavaScript errors and failed responses of the
pages it watches.
"""

from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) "
    "NetType/WIFI Language/zh_CN"
)
TIMEOUT_MS = 15_000
PHONE_WIDTH = 375


@contextmanager
def chromium():
    """A launched headless Chromium, closed on the way out.

    Inside the block the test's ORM calls run in Playwright's context, where Django keeps
    database connections of their own (they are per context, not per thread); those are
    closed here too, or PostgreSQL would refuse to drop the test database at the end."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


class Offline:
    """Browser contexts for one live server that may reach only that server's host.

    `foreign` lists the requests to other hosts that were attempted (and aborted);
    `page_errors` and `bad_responses` collect what the pages passed to `watch` report.
    """

    def __init__(self, live_server_url: str):
        server = urlsplit(live_server_url)
        self.own_origin = (server.scheme, server.hostname, server.port)
        self.foreign: list[str] = []
        self.page_errors: list[str] = []
        self.bad_responses: list[str] = []

    def _only_own_host(self, route):
        url = urlsplit(route.request.url)
        if (url.scheme, url.hostname, url.port) == self.own_origin:
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def context(self, browser, **options):
        """A new context (desktop unless options say otherwise) with the offline route."""
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", self._only_own_host)
        return context

    def phone(self, browser, **options):
        """A 375 px phone context in WeChat, with the offline route."""
        phone = {
            "viewport": {"width": PHONE_WIDTH, "height": 812},
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
            "locale": "zh-CN",
            "user_agent": WECHAT_UA,
        }
        return self.context(browser, **{**phone, **options})

    def watch(self, page):
        """Record the page's JavaScript errors and responses with status 400 or above."""
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on(
            "response",
            lambda r: self.bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        return page

    def assert_clean(self):
        assert self.foreign == [], f"pages tried to reach other hosts: {self.foreign}"
        assert self.page_errors == [], f"JavaScript errors: {self.page_errors}"
        assert self.bad_responses == [], f"failed responses: {self.bad_responses}"


class CspWatch:
    """Content-Security-Policy violations of every page of a context: the browser's
    `securitypolicyviolation` events (reported through a binding, which the policy does not
    govern) and its console errors about the policy."""

    def __init__(self, context):
        self.violations: list[str] = []
        context.expose_function("__jiangtaiCspViolation", self._report)
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " window.__jiangtaiCspViolation(location.pathname + ': ' + e.effectiveDirective"
            " + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':'"
            " + e.lineNumber); });"
        )
        context.on("console", self._console)

    def _report(self, text):
        self.violations.append(text)

    def _console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def assert_clean(self):
        assert self.violations == [], f"Content-Security-Policy violations: {self.violations}"


def log_in(page, live_server_url: str, username: str, password: str | None = None):
    """Log in through the login form (as a demo user unless a password is given) and land on
    the home page."""
    from demo.demo import demo_password

    page.goto(f"{live_server_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or demo_password())
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert urlsplit(page.url).path == "/"


def assert_fits_phone(page):
    """No horizontal overflow at 375 px. A mobile browser widens the layout viewport (zooms
    out) to take in content that is too wide, so innerWidth itself must stay at 375 too.
    Measured once the page has loaded: right after a form's answer arrives, an expectation
    on its markup can pass before the stylesheet applies."""
    page.wait_for_load_state("load")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll <= inner == PHONE_WIDTH:
        return
    # Name the elements that reach past the phone's edge, innermost first, to say what to fix:
    # laid out at the phone's width (the widened viewport has room for them).
    wide = page.evaluate(
        """(width) => {
            const root = document.documentElement, before = root.style.width;
            root.style.width = `${width}px`;
            const past = (e) => e.getBoundingClientRect().right > width + 0.5;
            const found = [...document.querySelectorAll("body *")]
                .filter((e) => past(e) && ![...e.children].some(past))
                .slice(0, 5)
                .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}"> right ${Math.round(e.getBoundingClientRect().right)}: ${e.textContent.trim().slice(0, 40)}`);
            root.style.width = before;
            return found;
        }""",
        PHONE_WIDTH,
    )
    raise AssertionError(
        f"horizontal overflow at {page.url}: scrollWidth {scroll}, innerWidth {inner}, "
        f"phone {PHONE_WIDTH} px; too wide: {wide}"
    )
