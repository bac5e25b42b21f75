"""Demand → recommendations → broadcast → grab in two phone-sized Chromium windows, offline.

In the demo, a secretary posts “乡村振兴 产业发展 讲座” for next week, sees ranked lecturers
with reasons, and pushes the demand; a notified lecturer grabs it from the phone page; the
booking appears on both sides. Screenshots of the recommendations, the lecturer's orders and
the grab page at 375 px go to test-artifacts/.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from core.tests.browser import ARTIFACTS, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser

TOPIC = "乡村振兴 产业发展 讲座"


def test_post_recommend_broadcast_and_grab_on_phones(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from demo.demo import seed_demo
    from matching.models import Demand, DemandNotice, DemandStatus, NoticeOutcome
    from scheduling.models import BookingStatus

    seed_demo()
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())  # next week, Monday to Friday
    friday = monday + timedelta(days=4)
    ARTIFACTS.mkdir(exist_ok=True)

    offline = Offline(live_server.url)

    with chromium() as browser:

        def phone(username):
            context = offline.phone(browser)
            page = offline.watch(context.new_page())
            log_in(page, live_server.url, username)
            return context, page

        secretary_context, branch_page = phone("secretary")

        # 1. From the home page the secretary posts the demand for next week.
        with branch_page.expect_navigation():
            branch_page.click("[data-testid=post-demand]")
        assert urlsplit(branch_page.url).path == "/demands/new/"
        expect(branch_page.locator("#field-topic .help")).to_contain_text("乡村振兴 产业发展")
        branch_page.fill("input[name=topic]", TOPIC)
        branch_page.fill("input[name=date_from]", monday.isoformat())
        branch_page.fill("input[name=date_to]", friday.isoformat())
        branch_page.fill("input[name=expected_attendees]", "45")
        assert_fits_phone(branch_page)
        branch_page.screenshot(path=str(ARTIFACTS / "demand-form-375.png"), full_page=True)
        with branch_page.expect_navigation():
            branch_page.click("[data-testid=submit-demand]")
        demand = Demand.objects.get(topic=TOPIC)
        assert urlsplit(branch_page.url).path == f"/demands/{demand.pk}/"
        assert demand.expected_attendees == 45
        assert timezone.localtime(demand.window_start).date() == monday

        # 2. Ranked lecturers, each with a score, its five parts and a reason in Chinese.
        cards = branch_page.locator("[data-testid=recommendation]")
        expect(cards.first).to_be_visible()
        assert cards.count() >= 3
        first = cards.first
        expect(first.locator("[data-testid=reason]")).to_contain_text("讲授《")
        expect(first.locator(".components li")).to_have_count(5)
        expect(first.locator(".components")).to_contain_text("话题相关")
        expect(first.locator(".rec-score")).to_contain_text("%")
        assert_fits_phone(branch_page)
        branch_page.screenshot(
            path=str(ARTIFACTS / "demand-recommendations-375.png"), full_page=True
        )

        # 3. Push it to the top three.
        branch_page.select_option("select[name=limit]", "3")
        with branch_page.expect_navigation():
            branch_page.click("[data-testid=broadcast]")
        expect(branch_page.locator(".notice-success")).to_be_visible()
        expect(branch_page.locator("[data-testid=notice]")).to_have_count(3)
        notices = list(DemandNotice.objects.filter(demand=demand).order_by("rank"))
        assert len(notices) == 3
        winner = notices[0].lecturer
        assert_fits_phone(branch_page)

        # 4. The first notified lecturer (demo logins are phone numbers) grabs it.
        lecturer_context, teacher = phone(winner.user.username)
        expect(teacher.locator("[data-testid=orders-to-grab] b")).to_have_text("1")
        with teacher.expect_navigation():
            teacher.click("[data-testid=orders-to-grab]")
        assert urlsplit(teacher.url).path == "/demands/"
        order = teacher.locator(f"#order-{demand.pk}")
        expect(order).to_contain_text(TOPIC)
        expect(order.locator("[data-testid=grab]")).to_be_visible()
        assert_fits_phone(teacher)
        teacher.screenshot(path=str(ARTIFACTS / "demand-orders-375.png"), full_page=True)

        teacher.goto(f"{live_server.url}/demands/{demand.pk}/")
        grab_form = teacher.locator("[data-testid=grab-form]")
        expect(grab_form).to_be_visible()
        assert teacher.locator("input[name=date]").input_value() == monday.isoformat()
        expect(teacher.locator("[data-testid=recommendation]")).to_have_count(0)
        assert_fits_phone(teacher)
        teacher.screenshot(path=str(ARTIFACTS / "demand-grab-375.png"), full_page=True)
        with teacher.expect_navigation():
            grab_form.locator("[data-testid=grab]").click()
        demand.refresh_from_db()
        booking = demand.booking
        assert demand.status == DemandStatus.TAKEN and booking is not None
        assert urlsplit(teacher.url).path == f"/bookings/{booking.pk}/"
        expect(teacher.locator(".notice-success")).to_be_visible()
        assert booking.status == BookingStatus.CONFIRMED and booking.lecturer == winner
        assert booking.expected_attendees == 45
        assert DemandNotice.objects.get(demand=demand, lecturer=winner).outcome == (
            NoticeOutcome.GRABBED
        )

        # 5. The booking is on both sides' /bookings/, and the demand shows it taken.
        teacher.goto(f"{live_server.url}/bookings/")
        expect(teacher.locator(f"#booking-{booking.pk}")).to_be_visible()
        branch_page.goto(f"{live_server.url}/bookings/")
        expect(branch_page.locator(f"#booking-{booking.pk}")).to_be_visible()
        expect(branch_page.locator(f"#booking-{booking.pk}")).to_contain_text(winner.name)
        branch_page.goto(f"{live_server.url}/demands/{demand.pk}/")
        expect(branch_page.locator("[data-testid=taken]")).to_contain_text(winner.name)
        expect(branch_page.locator("[data-testid=notice]").first).to_contain_text("已抢单")
        assert_fits_phone(branch_page)
        lecturer_context.close()
        secretary_context.close()

    offline.assert_clean()
