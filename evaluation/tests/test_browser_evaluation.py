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

from core.tests.browser import ARTIFACTS, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


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
    from playwright.sync_api import expect

    import access
    from accounts.models import User
    from courses.models import CourseStatus
    from demo.demo import seed_demo
    from evaluation.models import TraineeRating
    from evaluation.services import token_for
    from lecturers.models import Lecturer
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

    offline = Offline(live_server.url)

    with chromium() as browser:
        # 1. The secretary, at the desk, opens the booking and follows the poster link.
        office = offline.context(
            browser, viewport={"width": 1280, "height": 900}, locale="zh-CN", device_scale_factor=2
        )
        desk = offline.watch(office.new_page())
        log_in(desk, live_server.url, "secretary")
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
        phone = offline.phone(browser)
        trainee = offline.watch(phone.new_page())
        trainee.goto(scanned)
        expect(trainee.locator("h1").first).to_contain_text(course.title)
        assert_fits_phone(trainee)
        trainee.fill("input[name=name]", "李学员")
        trainee.fill("input[name=phone]", "13912345678")
        for field, value in (("content", "96"), ("method", "88"), ("effect", "92")):
            trainee.fill(f"#slide-{field}", value)  # the slider fills the hidden score
            expect(trainee.locator(f"#slide-{field}-out")).to_have_text(value)
        trainee.fill("textarea[name=comment]", "联系实际，通俗易懂")
        trainee.screenshot(path=str(ARTIFACTS / "evaluation-trainee-375.png"), full_page=True)
        trainee.click("button[type=submit]")  # sent in the background, the answer shown
        mine = trainee.locator("[data-testid=my-rating]")
        expect(mine).to_contain_text("96")
        expect(mine).to_contain_text("88")
        expect(mine).to_contain_text("92")
        expect(mine).to_contain_text("联系实际，通俗易懂")
        assert_fits_phone(trainee)
        trainee.screenshot(path=str(ARTIFACTS / "evaluation-trainee-done-375.png"), full_page=True)
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
        staff = offline.phone(browser, storage_state=office.storage_state())
        mobile = offline.watch(staff.new_page())
        mobile.goto(f"{live_server.url}/lecturers/")
        with mobile.expect_navigation():
            mobile.click("[data-testid=rankings-link]")
        expect(
            mobile.locator(f"[data-testid=ranking-row][data-id='{lecturer.pk}']")
        ).to_be_visible()
        assert_fits_phone(mobile)
        mobile.screenshot(path=str(ARTIFACTS / "evaluation-rankings-375.png"), full_page=True)
        for context in (office, phone, staff):
            context.close()

    offline.assert_clean()
