"""A real phone-sized Chromium walks the main flow against the live server, fully offline.

Log in → home → lecturer catalogue → search by full pinyin and by initials (htmx) → résumé →
like (htmx). Every request to another host is blocked and must not even be attempted.
Full-page screenshots go to test-artifacts/ at the repository root.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from core.tests.browser import (
    ARTIFACTS,
    TIMEOUT_MS,
    Offline,
    assert_fits_phone,
    chromium,
    log_in,
)

LIKES = re.compile(r"(\d+)\s*$")

pytestmark = pytest.mark.browser


def _pick_lecturer(user):
    """An active lecturer with a course who is not on the unfiltered first page (so seeing the
    card proves the search ran) but is on the first page for both pinyin keys; and the
    expected number of cards for each key."""
    from courses.models import CourseStatus
    from lecturers.models import Lecturer
    from lecturers.selectors import lecturer_list_for_user
    from reports.views import LECTURER_PAGE_SIZE as PAGE_SIZE

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
    from playwright.sync_api import expect

    from accounts.models import User
    from demo.demo import seed_demo
    from lecturers.models import Lecturer, Like

    seed_demo()
    secretary = User.objects.get(username="secretary")
    lecturer, course, n_pinyin, n_initials = _pick_lecturer(secretary)
    likes_before = lecturer.likes_count
    ARTIFACTS.mkdir(exist_ok=True)

    offline = Offline(live_server.url)

    with chromium() as browser:
        context = offline.phone(browser)
        page = offline.watch(context.new_page())

        # Log in and land on the home page.
        log_in(page, live_server.url, "secretary")
        expect(page.locator(".tabbar")).to_be_visible()
        assert_fits_phone(page)
        # Reached by the keyboard, a link shows where the focus is (WeUI's reset removes it).
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; })()"
        )
        assert outline[0] == "A" and outline[1] != "none" and outline[2] != "0px", outline

        # The catalogue, reached through the bottom tab bar.
        with page.expect_navigation():
            page.locator(".tabbar a[href='/lecturers/']").click()
        assert urlsplit(page.url).path == "/lecturers/"
        cards = page.locator("#results [data-testid=lecturer-card]")
        expect(cards.first).to_be_visible()
        assert_fits_phone(page)
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
        assert_fits_phone(page)

        # The résumé.
        with page.expect_navigation():
            card.click()
        assert urlsplit(page.url).path == reverse("lecturer_detail", args=[lecturer.pk])
        expect(page.locator("h1")).to_have_text(lecturer.name)
        expect(page.locator("a.course").filter(has_text=course.title)).to_have_count(1)
        assert_fits_phone(page)
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
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "resume-375.png"), full_page=True)
        context.close()

    offline.assert_clean()
    lecturer = Lecturer.objects.get(pk=lecturer.pk)
    assert lecturer.likes_count == likes_before + 1
    assert Like.objects.filter(user=secretary, lecturer=lecturer).exists()
