"""The booking flow in two phone-sized Chromium windows against the live server, offline.

The lecturer publishes a free time for next month; the branch secretary opens the lecturer's
résumé and books that time; the lecturer accepts it on the orders page; both calendar feeds
(the links shown on /bookings/) carry the session; once it is over it is marked as held.
Screenshots of the booking form and the lecturer's orders at 375 px go to test-artifacts/.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from core.tests.browser import ARTIFACTS, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def _event_of(ics: bytes, booking_id: int):
    from icalendar import Calendar

    calendar = Calendar.from_ical(ics)
    events = [
        e for e in calendar.walk("VEVENT") if str(e["UID"]) == f"booking-{booking_id}@jiangtai"
    ]
    assert len(events) == 1, ics.decode()[:2000]
    return events[0]


def test_publish_book_accept_subscribe_and_complete_on_phones(
    live_server, transactional_db, allow_orm_beside_playwright, settings
):
    from django.utils import timezone
    from playwright.sync_api import expect

    import access
    from accounts.models import User
    from core.timeutil import add_months, aware, local
    from courses.models import CourseStatus
    from demo.demo import seed_demo
    from lecturers.models import Lecturer
    from scheduling.models import Booking, BookingStatus, OfferingSlot

    seed_demo()
    settings.SITE_URL = live_server.url  # the feed links the pages show point at this server
    lecturer = Lecturer.objects.get(user__username="lecturer")
    secretary = User.objects.get(username="secretary")
    branch = access.orgs_held_by(secretary).get()
    course = lecturer.courses.filter(status=CourseStatus.ACTIVE).order_by("id").last()
    next_month = add_months(local(timezone.now()).date().replace(day=1), 1)
    day = next_month.replace(day=10)
    start = aware(datetime(day.year, day.month, day.day, 9, 0))
    ARTIFACTS.mkdir(exist_ok=True)

    offline = Offline(live_server.url)

    with chromium() as browser:

        def phone(username):
            context = offline.phone(browser)
            page = offline.watch(context.new_page())
            log_in(page, live_server.url, username)
            return context, page

        lecturer_context, teacher = phone("lecturer")
        secretary_context, branch_page = phone("secretary")

        # 1. The lecturer publishes one free time next month (all courses stay ticked).
        teacher.goto(f"{live_server.url}/offerings/publish/?month={next_month:%Y-%m}")
        expect(teacher.locator("[data-testid=slot-row]")).to_have_count(8)
        assert_fits_phone(teacher)
        teacher.fill("input[name=slots-0-date]", day.isoformat())
        teacher.fill("input[name=slots-0-start_time]", "09:00")
        teacher.fill("input[name=slots-0-end_time]", "11:00")
        with teacher.expect_navigation():
            teacher.click("[data-testid=publish]")
        expect(teacher.locator(".notice-success")).to_be_visible()
        slot = OfferingSlot.objects.get(offering__lecturer=lecturer)
        assert slot.start_at == start and slot.end_at == start + timedelta(hours=2)

        # 2. The secretary opens the résumé and books that time.
        branch_page.goto(f"{live_server.url}/lecturers/{lecturer.pk}/")
        expect(branch_page.locator("[data-testid=book]")).to_be_visible()
        with branch_page.expect_navigation():
            branch_page.locator("[data-testid=book-slot]").first.click()
        assert urlsplit(branch_page.url).path == "/bookings/new/"
        expect(branch_page.locator(f"input[name=slot][value='{slot.pk}']")).to_be_checked()
        branch_page.select_option("select[name=course]", str(course.pk))
        branch_page.fill("input[name=expected_attendees]", "35")
        branch_page.fill("textarea[name=note]", "请准备20分钟互动")
        assert_fits_phone(branch_page)
        branch_page.screenshot(path=str(ARTIFACTS / "booking-form-375.png"), full_page=True)
        with branch_page.expect_navigation():
            branch_page.click("[data-testid=submit-booking]")
        booking = Booking.objects.get()
        assert urlsplit(branch_page.url).path == f"/bookings/{booking.pk}/"
        expect(branch_page.locator(".notice-success")).to_be_visible()
        assert booking.slot == slot and booking.course == course and booking.org == branch
        assert booking.venue == branch.address and booking.expected_attendees == 35
        assert_fits_phone(branch_page)

        # 3. The lecturer sees the order (and the unread message) and accepts it.
        teacher.goto(f"{live_server.url}/bookings/")
        expect(teacher.locator(".tabbar .nav-badge")).to_have_text("1")
        row = teacher.locator(f"#booking-{booking.pk}")
        expect(row).to_contain_text(course.title)
        expect(row.locator("[data-testid=accept]")).to_be_visible()
        assert_fits_phone(teacher)
        teacher.screenshot(path=str(ARTIFACTS / "lecturer-orders-375.png"), full_page=True)
        with teacher.expect_navigation():
            row.locator("[data-testid=accept]").click()
        assert urlsplit(teacher.url).path == "/bookings/"
        expect(teacher.locator(".notice-success")).to_be_visible()
        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED

        # 4. Both calendar feeds, as the link on /bookings/ gives them, carry the session.
        for context, page in ((lecturer_context, teacher), (secretary_context, branch_page)):
            page.goto(f"{live_server.url}/bookings/")
            url = page.locator("[data-testid=feed-url]").input_value()
            assert url.startswith(f"{live_server.url}/calendar/")
            response = context.request.get(url)
            assert response.status == 200
            assert response.headers["content-type"].startswith("text/calendar")
            event = _event_of(response.body(), booking.pk)
            assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
            assert event["DTSTART"].dt == start
            assert event["DTSTART"].dt.utcoffset() == timedelta(hours=8)
            assert event["DTEND"].dt == start + timedelta(hours=2)
            assert str(event["LOCATION"]) == branch.address
            assert str(event["URL"]) == f"{live_server.url}/bookings/{booking.pk}/"
            assert str(event["STATUS"]) == "CONFIRMED"

        # 5. Once the session is over, the secretary marks it as held.
        now = timezone.now()
        Booking.objects.filter(pk=booking.pk).update(
            start_at=now - timedelta(hours=3), end_at=now - timedelta(hours=1)
        )
        branch_page.goto(f"{live_server.url}/bookings/{booking.pk}/")
        with branch_page.expect_navigation():
            branch_page.click("[data-testid=complete]")
        expect(branch_page.locator(".notice-success")).to_be_visible()
        expect(branch_page.locator("[data-testid=complete]")).to_have_count(0)
        assert_fits_phone(branch_page)
        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.COMPLETED
        lecturer_context.close()
        secretary_context.close()

    offline.assert_clean()
