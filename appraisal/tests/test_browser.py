"""The appraisal in a real Chromium: the county admin computes the year (the task worker runs
it, the page follows by htmx), changes one grade with a reason and publishes; the lecturer
then reads the own result and its explanation on a 375 px phone. No page scrolls sideways and
the Content-Security-Policy reports nothing."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_the_county_reviews_and_publishes_and_the_lecturer_reads_it_on_the_phone(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from appraisal.models import AppraisalResult
    from backoffice.tests.test_browser import _worker_thread
    from core.tests.factories import PASSWORD, build_world

    from .fixture import build_year

    world = build_world()
    year = build_year(world)
    base = live_server.url
    worker, thread = _worker_thread()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with chromium() as browser:
            offline = Offline(base)
            context = offline.phone(browser)
            csp = CspWatch(context)
            page = offline.watch(context.new_page())
            log_in(page, base, world.county_admin.username, PASSWORD)
            page.goto(f"{base}/appraisals/")
            page.select_option("select[name=year]", str(year.year))
            page.get_by_test_id("run-start").click()
            expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "draft", timeout=30_000)  # fmt: skip
            expect(page.get_by_test_id("result-row")).to_have_count(9)
            assert_fits_phone(page)
            row = page.locator(f"#r{year.poor.pk}")
            row.locator("summary").click()
            row.locator("select[name=grade]").select_option("fair")
            row.locator("input[name=reason]").fill("下半年进步明显")
            row.get_by_role("button").click()
            expect(page.locator(f"#r{year.poor.pk} [data-testid=override-reason]")).to_contain_text("下半年进步明显")  # fmt: skip
            page.get_by_test_id("publish").click()
            expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "published")
            page.screenshot(path=str(ARTIFACTS / "appraisal-year-phone.png"), full_page=True)
            context.close()

            context = offline.phone(browser)
            csp_lecturer = CspWatch(context)
            page = offline.watch(context.new_page())
            log_in(page, base, year.poor.user.username, PASSWORD)
            page.goto(f"{base}/appraisals/mine/")
            page.get_by_test_id(f"my-year-{year.year}").click()
            expect(page.get_by_test_id("grade")).to_have_text("一般")
            expect(page.get_by_test_id("steps")).to_contain_text("综合得分 57.5 < 60 → 差")
            expect(page.get_by_test_id("override")).to_contain_text("下半年进步明显")
            expect(page.get_by_test_id("session-row")).to_have_count(2)
            assert_fits_phone(page)
            page.screenshot(path=str(ARTIFACTS / "appraisal-mine-phone.png"), full_page=True)
            context.close()
            assert csp.violations == [] and csp_lecturer.violations == []
            offline.assert_clean()
        assert AppraisalResult.objects.get(lecturer=year.poor).grade == "fair"
    finally:
        worker.running = False
        thread.join(timeout=10)
