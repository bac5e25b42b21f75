"""A branch secretary on a 375 px phone books through the organisation picker by typing the
pinyin initials of a branch (issue 11)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.tests.browser import Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_a_secretary_books_for_a_branch_found_by_its_initials(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world
    from orgs.models import Membership, Role
    from scheduling.models import Booking

    world = build_world()
    # A secretary of three branches (a first secretary sent to other villages, say).
    for branch in (world.sibling_branch, world.unit):
        Membership.objects.create(user=world.secretary, org=branch, role=Role.SECRETARY)
    day = timezone.localdate() + timedelta(days=10)
    offline = Offline(live_server.url)
    with chromium() as browser:
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        log_in(page, live_server.url, "secretary", PASSWORD)
        page.goto(f"{live_server.url}/bookings/new/?lecturer={world.zhang.pk}")
        options = page.locator("[data-testid=org-option]")
        expect(options).to_have_count(3)
        expect(page.locator("[data-testid=org-option]:checked")).to_have_value(
            str(world.branch.pk)  # the own first branch, chosen already
        )
        with page.expect_response(lambda r: "/orgs/pick/" in r.url):
            page.locator("[data-testid=org-search]").type("ncd")  # 南村党支部
        expect(options).to_have_count(2)  # the chosen one stays, the match joins it
        page.get_by_text("南村党支部 · 东镇").click()
        page.fill("input[name=date]", day.isoformat())
        page.fill("input[name=start_time]", "09:00")
        page.fill("input[name=end_time]", "11:00")
        page.fill("input[name=expected_attendees]", "30")
        page.fill("input[name=venue]", "南村党群服务中心")
        assert_fits_phone(page)
        with page.expect_navigation():
            page.click("form[data-testid=booking-form] button[type=submit]")
        context.close()
    offline.assert_clean()
    booking = Booking.objects.get()
    assert booking.org == world.sibling_branch and booking.requested_by == world.secretary
