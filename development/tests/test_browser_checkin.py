"""QR check-in to a training activity in a real Chromium on a 375 px phone: the county admin
shows the activity's code, the lecturer opens the scanned link logged in and checks in once,
a second scan says so, another lecturer types the short code, a check-in after the end is
refused in words, and the hours show on the lecturer's record."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_qr_check_in_on_the_phone(live_server, transactional_db, allow_orm_beside_playwright):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world
    from development import programme_services
    from development.programme_models import Attendance

    from .pool_helpers import activity

    world = build_world()
    planned = activity(world, title="师资培训班：备课与授课技巧", kind="training_class")
    ended = activity(world, minutes_from_now=-300, length=60, title="已结束的沙龙", kind="salon")
    token = programme_services.checkin_token(planned)
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    offline = Offline(base)
    with chromium() as browser:
        # 1. The county admin shows the activity's code on the phone.
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        log_in(page, base, world.county_admin.username, PASSWORD)
        page.goto(f"{base}/selection/activities/")
        expect(page.get_by_test_id("activity-row")).to_have_count(2)
        assert_fits_phone(page)
        page.goto(f"{base}/selection/activities/{planned.pk}/")
        expect(page.get_by_test_id("activity-qr").locator("img")).to_be_visible()
        svg = page.request.get(f"{base}/selection/activities/{planned.pk}/qr.svg")
        assert svg.ok and b"<svg" in svg.body()
        code = page.get_by_test_id("short-code").inner_text().strip()
        assert code == programme_services.checkin_code(planned)
        assert_fits_phone(page)
        csp.assert_clean()
        context.close()

        # 2. The lecturer scans: the link opens the check-in page; one tap checks in.
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        log_in(page, base, world.lecturer.username, PASSWORD)
        page.goto(f"{base}/selection/checkin/{token}/")
        assert_fits_phone(page)
        with page.expect_navigation():
            page.get_by_test_id("checkin-submit").click()
        expect(page.get_by_test_id("checkin-done")).to_contain_text("签到成功")
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "checkin-375.png"), full_page=True)
        # A second scan records nothing more and says so.
        page.goto(f"{base}/selection/checkin/{token}/")
        with page.expect_navigation():
            page.get_by_test_id("checkin-submit").click()
        expect(page.get_by_test_id("checkin-done")).to_contain_text("已签到过")
        # After the end, the page explains and offers no button.
        page.goto(f"{base}/selection/checkin/{programme_services.checkin_token(ended)}/")
        expect(page.get_by_test_id("checkin-error")).to_contain_text("签到已关闭")
        expect(page.get_by_test_id("checkin-submit")).to_have_count(0)
        # That page answers 410 on purpose; any other failed response still fails the test.
        closed = [r for r in offline.bad_responses if r.startswith("410 ") and "/checkin/" in r]
        assert len(closed) == 1, offline.bad_responses
        offline.bad_responses.remove(closed[0])
        # The hours are on the lecturer's own record.
        page.goto(f"{base}/my/record/")
        expect(page.get_by_test_id("training-year")).to_contain_text("2.0")
        assert_fits_phone(page)
        context.close()

        # 3. Another lecturer types the short code.
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        log_in(page, base, world.li.user.username, PASSWORD)
        page.goto(f"{base}/selection/checkin/")
        page.fill("input[name=code]", code)
        assert_fits_phone(page)
        with page.expect_navigation():
            page.get_by_test_id("code-submit").click()
        expect(page.get_by_test_id("checkin-done")).to_be_visible()
        context.close()
    offline.assert_clean()
    assert Attendance.objects.filter(activity=planned).count() == 2
