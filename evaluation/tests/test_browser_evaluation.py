"""The evaluation flow in real Chromium windows against the live server, offline (issue 6).

The branch secretary opens the booking of a session that started ten minutes ago, follows the
link to the QR poster and prints it to an A4 PDF; a screenshot of the printed code is decoded
with a real scanner (zbarimg) to the trainee page's absolute URL. A trainee opens that URL on
a 375 px phone without an account, checks in and rates; the page shows the own record. The
lecturer's star level and score follow in the database, the booking page counts the
attendance, and the rankings page ranks the lecturer. Screenshots of the poster and the
trainee page go to test-artifacts/.
"""

import re
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from core.tests.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE_WIDTH,
    TIMEOUT_MS,
    WECHAT_UA,
    _assert_fits_phone,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def allow_orm_beside_playwright(monkeypatch):
    """Playwright's sync API keeps an event loop on the main thread, where Django would then
    refuse the test's own ORM calls (SynchronousOnlyOperation)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _zbar(path) -> str:
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, f"zbarimg could not read {path}: {result.stderr}"
    return result.stdout.strip()


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_print_the_poster_scan_it_check_in_rate_and_rank(
    live_server, transactional_db, allow_orm_beside_playwright, settings
):
    from django.utils import timezone
    from playwright.sync_api import expect, sync_playwright

    from accounts.models import User
    from core.demo import demo_password, seed_demo
    from courses.models import CourseStatus
    from evaluation.models import TraineeRating
    from evaluation.services import token_for
    from lecturers.models import Lecturer
    from orgs import access
    from scheduling.models import Booking, BookingStatus

    seed_demo()
    settings.SITE_URL = live_server.url  # the QR code must point at this server
    lecturer = Lecturer.objects.get(user__username="lecturer")
    secretary = User.objects.get(username="secretary")
    branch = access.orgs_held_by(secretary).get()
    course = lecturer.courses.filter(status=CourseStatus.ACTIVE).order_by("id").first()
    now = timezone.now()
    booking = Booking.objects.create(
        county_id=branch.county_id, org=branch, lecturer=lecturer, course=course,
        start_at=now - timedelta(minutes=10), end_at=now + timedelta(minutes=110),
        venue=branch.address or "党群服务中心", expected_attendees=40, classroom="classroom",
        requested_by=secretary, expires_at=now, status=BookingStatus.CONFIRMED,
    )  # fmt: skip
    before = (lecturer.star, lecturer.score, lecturer.rating_count)
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

    def watch(page):
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        page.on(
            "response",
            lambda r: bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        return page

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # 1. The secretary, at the desk, opens the booking and follows the poster link.
            office = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="zh-CN", device_scale_factor=2
            )
            office.set_default_timeout(TIMEOUT_MS)
            office.route("**/*", only_own_host)
            desk = watch(office.new_page())
            desk.goto(f"{live_server.url}/accounts/login/")
            desk.fill("input[name=username]", "secretary")
            desk.fill("input[name=password]", demo_password())
            with desk.expect_navigation():
                desk.click("form button[type=submit]")
            assert urlsplit(desk.url).path == "/"
            desk.goto(f"{live_server.url}/bookings/{booking.pk}/")
            expect(desk.locator("[data-testid=attendance]")).to_have_text("0")
            with desk.expect_navigation():
                desk.click("[data-testid=poster-link]")
            assert urlsplit(desk.url).path == f"/bookings/{booking.pk}/poster/"
            poster = desk.locator("[data-testid=poster]")
            expect(poster).to_contain_text(course.title)
            expect(poster).to_contain_text(lecturer.name)
            expect(poster).to_contain_text(branch.name)
            expect(poster).to_contain_text("扫码签到并评价")
            trainee_url = f"{live_server.url}/e/{token_for(booking)}"
            expect(desk.locator("[data-testid=poster-url]")).to_have_text(trainee_url)

            # 2. Print it: one A4 page; the code as printed, photographed, is read by zbarimg.
            pdf = desk.pdf(
                path=str(ARTIFACTS / "evaluation-poster.pdf"), format="A4", print_background=True
            )
            assert pdf.startswith(b"%PDF") and _pdf_pages(pdf) == 1
            desk.emulate_media(media="print")
            desk.screenshot(path=str(ARTIFACTS / "evaluation-poster.png"), full_page=True)
            code = ARTIFACTS / "evaluation-poster-qr.png"
            desk.locator("[data-testid=poster-qr]").screenshot(path=str(code))
            desk.emulate_media(media="screen")
            scanned = _zbar(code)
            assert scanned == trainee_url

            # 3. A trainee scans it: a 375 px phone, no account.
            phone = browser.new_context(
                viewport={"width": PHONE_WIDTH, "height": 812},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                user_agent=WECHAT_UA,
            )
            phone.set_default_timeout(TIMEOUT_MS)
            phone.route("**/*", only_own_host)
            trainee = watch(phone.new_page())
            trainee.goto(scanned)
            expect(trainee.locator("h1").first).to_contain_text(course.title)
            _assert_fits_phone(trainee)
            trainee.fill("input[name=name]", "李学员")
            trainee.fill("input[name=phone]", "13912345678")
            for field, value in (("content", "96"), ("method", "88"), ("effect", "92")):
                trainee.fill(f"input[name={field}]", value)
                expect(trainee.locator(f"#id_{field}-out")).to_have_text(value)
            trainee.fill("textarea[name=comment]", "联系实际，通俗易懂")
            trainee.screenshot(path=str(ARTIFACTS / "evaluation-trainee-375.png"), full_page=True)
            with trainee.expect_navigation():
                trainee.click("button[type=submit]")
            mine = trainee.locator("[data-testid=my-rating]")
            expect(mine).to_contain_text("96")
            expect(mine).to_contain_text("88")
            expect(mine).to_contain_text("92")
            expect(mine).to_contain_text("联系实际，通俗易懂")
            _assert_fits_phone(trainee)
            trainee.screenshot(
                path=str(ARTIFACTS / "evaluation-trainee-done-375.png"), full_page=True
            )
            # Scanning again on the same phone shows the own record, not a new form.
            trainee.goto(scanned)
            expect(trainee.locator("[data-testid=my-rating]")).to_be_visible()
            expect(trainee.locator("form button[type=submit]")).to_have_count(0)

            # 4. The lecturer's star level and score follow; the attendance counts the check-in.
            record = TraineeRating.objects.get(booking=booking)
            assert (record.content, record.method, record.effect) == (96, 88, 92)
            lecturer.refresh_from_db()
            after = (lecturer.star, lecturer.score, lecturer.rating_count)
            assert after != before
            assert lecturer.rating_count == before[2] + 1
            assert lecturer.score == round((96 + 88 + 92) / 3, 2) and lecturer.star == 5
            desk.goto(f"{live_server.url}/bookings/{booking.pk}/")
            expect(desk.locator("[data-testid=attendance]")).to_have_text("1")
            expect(desk.locator("[data-testid=rating-count]")).to_have_text("1")

            # 5. The rankings rank the lecturer (on the desktop, through the top bar).
            with desk.expect_navigation():
                desk.locator(".topnav a[href='/rankings/']").click()
            row = desk.locator(f"[data-testid=ranking-row][data-id='{lecturer.pk}']")
            expect(row).to_contain_text(lecturer.name)
            expect(row.locator(".rank")).to_have_text("1")
            expect(row.locator(".stars")).to_be_visible()

            # On a phone the rankings are one tap from the lecturer pool and fit the screen.
            staff = browser.new_context(
                viewport={"width": PHONE_WIDTH, "height": 812},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                user_agent=WECHAT_UA,
                storage_state=office.storage_state(),
            )
            staff.set_default_timeout(TIMEOUT_MS)
            staff.route("**/*", only_own_host)
            mobile = watch(staff.new_page())
            mobile.goto(f"{live_server.url}/lecturers/")
            with mobile.expect_navigation():
                mobile.click("[data-testid=rankings-link]")
            expect(
                mobile.locator(f"[data-testid=ranking-row][data-id='{lecturer.pk}']")
            ).to_be_visible()
            _assert_fits_phone(mobile)
            mobile.screenshot(path=str(ARTIFACTS / "evaluation-rankings-375.png"), full_page=True)
            for context in (office, phone, staff):
                context.close()
        finally:
            browser.close()

    assert foreign == [], f"pages tried to reach other hosts: {foreign}"
    assert page_errors == [], f"JavaScript errors: {page_errors}"
    assert bad_responses == [], f"failed responses: {bad_responses}"
