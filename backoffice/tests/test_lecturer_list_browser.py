"""The lecturer list and the add-a-lecturer page in a real Chromium, on a 375 px phone and a
desktop: filter, tick a candidate and activate it, add a lecturer and see the initial password
once; nothing scrolls sideways and the Content-Security-Policy reports nothing."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_the_county_admin_filters_activates_and_adds_lecturers_on_a_phone_and_a_desktop(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world, make_lecturer
    from lecturers.models import Lecturer

    world = build_world()
    second = make_lecturer(world.county, "候选乙", status="candidate")
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        for n, (label, make) in enumerate((("phone", offline.phone), ("desktop", offline.context))):
            context = make(browser)
            csp = CspWatch(context)
            page = offline.watch(context.new_page())
            log_in(page, base, world.county_admin.username, PASSWORD)
            page.goto(f"{base}/manage/")
            page.get_by_test_id("manage-lecturers").click()
            expect(page.get_by_test_id("lecturer-row").first).to_be_visible()
            if label == "phone":
                assert_fits_phone(page)
            page.select_option("select[name=status]", "candidate")
            with page.expect_navigation():
                page.click("[data-testid=lecturer-filters] button[type=submit]")
            candidate = world.candidate if n == 0 else second
            page.check(f"input[name=lecturers][value='{candidate.pk}']")
            page.fill("input[name=reason]", "试讲通过")
            with page.expect_navigation():
                page.get_by_test_id("bulk-submit").click()
            expect(page.locator(".notice-success")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"manage-lecturers-{label}.png"), full_page=True)
            assert Lecturer.objects.get(pk=candidate.pk).status == "active"

            page.get_by_test_id("add-lecturer").first.click()
            page.fill("input[name=name]", f"新讲师{n}")
            page.fill("input[name=phone]", f"1371234567{n}")
            page.select_option("select[name=source]", "expert")
            page.select_option("select[name=level]", "county")
            with page.expect_navigation():
                page.get_by_test_id("lecturer-create-submit").click()
            password = page.get_by_test_id("initial-password").inner_text()
            assert Lecturer.objects.get(name=f"新讲师{n}").user.check_password(password)
            if label == "phone":
                assert_fits_phone(page)
            page.reload()
            expect(page.get_by_test_id("password-gone")).to_be_visible()
            assert password not in page.content()
            csp.assert_clean()
            context.close()
        offline.assert_clean()
