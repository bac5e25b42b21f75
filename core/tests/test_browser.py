"""A real phone-sized Chromium walks the main flow against the live server, fully offline.

Log in → home → lecturer catalogue → search by full pinyin and by initials (htmx) → résumé →
like (htmx). Every request to another host is blocked and must not even be attempted.
Full-page screenshots go to test-artifacts/ at the repository root.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

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
LIKES = re.compile(r"(\d+)\s*$")

pytestmark = pytest.mark.browser


@pytest.fixture
def allow_orm_beside_playwright(monkeypatch):
    """Playwright's sync API keeps an event loop on the main thread, where Django would then
    refuse the test's own ORM calls (SynchronousOnlyOperation)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _pick_lecturer(user):
    """An active lecturer with a course who is not on the unfiltered first page (so seeing the
    card proves the search ran) but is on the first page for both pinyin keys; and the
    expected number of cards for each key."""
    from courses.models import CourseStatus
    from lecturers.models import Lecturer
    from lecturers.selectors import lecturer_list_for_user
    from lecturers.views import PAGE_SIZE

    def first_page(**kw):
        return list(lecturer_list_for_user(user, **kw).values_list("pk", flat=True)[:PAGE_SIZE])

    unfiltered = set(first_page())
    for lecturer in Lecturer.objects.filter(status="active").order_by("id"):
        course = lecturer.courses.filter(status=CourseStatus.ACTIVE).order_by("id").first()
        if course is None or lecturer.pk in unfiltered or lecturer.likes.filter(user=user).exists():
            continue
        by_pinyin = first_page(q=lecturer.name_pinyin)
        by_initials = first_page(q=lecturer.name_initials)
        if lecturer.pk in by_pinyin and lecturer.pk in by_initials:
            return lecturer, course, len(by_pinyin), len(by_initials)
    raise AssertionError("the demo county has no lecturer fit for this test")


def _assert_fits_phone(page):
    """No horizontal overflow at 375 px. A mobile browser widens the layout viewport (zooms
    out) to take in content that is too wide, so innerWidth itself must stay at 375 too."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner == PHONE_WIDTH, (
        f"horizontal overflow at {page.url}: scrollWidth {scroll}, innerWidth {inner}, "
        f"phone {PHONE_WIDTH} px"
    )


def _search(page, q: str):
    """Type into the search box and wait for htmx to swap #results (no page load)."""
    box = page.locator("input[name=q]")
    with page.expect_response(
        lambda r: (
            urlsplit(r.url).path == "/lecturers/"
            and r.request.headers.get("hx-request") == "true"
            and f"q={q}" in r.url
        )
    ) as response:
        box.fill(q)
    assert response.value.status == 200
    page.wait_for_url(re.compile(rf"[?&]q={q}(&|$)"), timeout=TIMEOUT_MS)


def test_phone_flow_login_search_resume_like(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect, sync_playwright

    from accounts.models import User
    from core.demo import demo_password, seed_demo
    from lecturers.models import Lecturer, Like

    seed_demo()
    secretary = User.objects.get(username="secretary")
    lecturer, course, n_pinyin, n_initials = _pick_lecturer(secretary)
    likes_before = lecturer.likes_count
    ARTIFACTS.mkdir(exist_ok=True)

    server = urlsplit(live_server.url)
    own_origin = (server.scheme, server.hostname, server.port)
    foreign: list[str] = []
    page_errors: list[str] = []
    bad_responses: list[str] = []

    def only_own_host(route):
        url = urlsplit(route.request.url)
        if (url.scheme, url.hostname, url.port) == own_origin:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": PHONE_WIDTH, "height": 812},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                user_agent=WECHAT_UA,
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", only_own_host)
            page = context.new_page()
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.on(
                "response",
                lambda r: bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )

            # Log in and land on the home page.
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "secretary")
            page.fill("input[name=password]", demo_password())
            with page.expect_navigation():
                page.click("form button[type=submit]")
            assert urlsplit(page.url).path == "/"
            expect(page.locator(".tabbar")).to_be_visible()
            _assert_fits_phone(page)

            # The catalogue, reached through the bottom tab bar.
            with page.expect_navigation():
                page.locator(".tabbar a[href='/lecturers/']").click()
            assert urlsplit(page.url).path == "/lecturers/"
            cards = page.locator("#results [data-testid=lecturer-card]")
            expect(cards.first).to_be_visible()
            _assert_fits_phone(page)
            page.screenshot(path=str(ARTIFACTS / "catalogue-375.png"), full_page=True)
            # htmx swaps in place: this marker survives only if no full page load happens.
            page.evaluate("window.__sameDocument = true")

            card = page.locator(
                f"#results [data-testid=lecturer-card][href='{reverse('lecturer_detail', args=[lecturer.pk])}']"
            )
            expect(card).to_have_count(0)  # not on the unfiltered first page

            # Full pinyin, then initials: the card appears, and only the matching ones.
            _search(page, lecturer.name_pinyin)
            expect(card).to_contain_text(lecturer.name)
            expect(cards).to_have_count(n_pinyin)
            _search(page, lecturer.name_initials)
            expect(card).to_contain_text(lecturer.name)
            expect(cards).to_have_count(n_initials)
            assert page.evaluate("window.__sameDocument === true"), "search reloaded the page"
            _assert_fits_phone(page)

            # The résumé.
            with page.expect_navigation():
                card.click()
            assert urlsplit(page.url).path == reverse("lecturer_detail", args=[lecturer.pk])
            expect(page.locator("h1")).to_have_text(lecturer.name)
            expect(page.locator("a.course").filter(has_text=course.title)).to_have_count(1)
            _assert_fits_phone(page)
            page.screenshot(path=str(ARTIFACTS / "resume-375.png"), full_page=True)

            # Like it through htmx: the count goes up by one and the button shows "liked".
            button = page.locator("#like button")
            expect(
                button, "the like button must sit inside #like, the element htmx swaps"
            ).to_be_enabled()
            shown_before = int(LIKES.search(button.inner_text()).group(1))
            assert shown_before == likes_before
            page.evaluate("window.__sameDocument = true")
            with page.expect_response(
                lambda r: urlsplit(r.url).path == reverse("lecturer_like", args=[lecturer.pk])
            ) as response:
                button.click()
            assert response.value.status == 200
            expect(button).to_be_disabled()
            expect(button).to_have_text(re.compile(rf"\b{likes_before + 1}\s*$"))
            expect(
                page.locator(".like-button"), "one like button, not the old beside the new"
            ).to_have_count(1)
            assert page.evaluate("window.__sameDocument === true"), "like reloaded the page"
            _assert_fits_phone(page)
            page.screenshot(path=str(ARTIFACTS / "resume-375.png"), full_page=True)
            context.close()
        finally:
            browser.close()

    assert foreign == [], f"pages tried to reach other hosts: {foreign}"
    assert page_errors == [], f"JavaScript errors: {page_errors}"
    assert bad_responses == [], f"failed responses: {bad_responses}"
    lecturer = Lecturer.objects.get(pk=lecturer.pk)
    assert lecturer.likes_count == likes_before + 1
    assert Like.objects.filter(user=secretary, lecturer=lecturer).exists()
