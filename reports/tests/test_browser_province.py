"""The province page in a real Chromium, on a 375 px phone and a desktop: the province admin
lands on it, ranks the counties by another figure, opens a county's figures and comes back;
nothing scrolls sideways and nothing breaks the Content-Security-Policy."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = [pytest.mark.browser]


def test_the_province_admin_reads_the_counties_on_a_phone_and_a_desktop(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world, make_org, make_user
    from orgs.models import Membership, Organisation, OrgLevel, Role

    from .history import build_history

    world = build_world()
    build_history(world)
    province = Organisation.objects.create(name="甲省", level=OrgLevel.PROVINCE)
    Organisation.objects.filter(pk__in=[world.county.pk]).update(parent=province)
    sibling = make_org("丙县", OrgLevel.COUNTY)
    Organisation.objects.filter(pk=sibling.pk).update(parent=province)
    admin = make_user("province_admin")
    Membership.objects.create(user=admin, org=province, role=Role.PROVINCE_ADMIN)
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        for label, make in (("phone", offline.phone), ("desktop", offline.context)):
            context = make(browser, locale="zh-CN")
            csp = CspWatch(context)
            page = offline.watch(context.new_page())
            log_in(page, base, admin.username, PASSWORD)
            expect(page.get_by_test_id("county-table")).to_be_visible()
            rows = page.get_by_test_id("county-table").locator("tbody tr")
            expect(rows).to_have_count(2)
            expect(page.get_by_test_id("county-ranking")).not_to_contain_text("乙县")
            # The last twelve months hold the world's history: 甲县 ranks first by sessions.
            page.get_by_role("link", name="近12个月").click()
            expect(rows.first).to_contain_text("甲县")
            page.get_by_test_id("rank-active_lecturers").click()
            expect(page.get_by_test_id("rank-active_lecturers")).to_have_attribute(
                "aria-current", "true"
            )
            if label == "phone":
                assert_fits_phone(page)
            page.screenshot(path=str(ARTIFACTS / f"province-{label}.png"), full_page=True)
            rows.first.get_by_role("link", name="甲县").click()
            expect(page.get_by_test_id("headline")).to_be_visible()
            expect(page.locator("section.chart .chart-canvas canvas").first).to_be_visible()
            if label == "phone":
                assert_fits_phone(page)
            page.get_by_test_id("back-to-province").click()
            expect(page.get_by_test_id("county-table")).to_be_visible()
            csp.assert_clean()
            offline.assert_clean()
            context.close()
