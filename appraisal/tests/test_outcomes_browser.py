"""The outcomes in a real Chromium on a 375 px phone: the county applies the published year's
outcomes, confirms the commendation list, sets the time of a reminder talk, names the mentor
and a step of a help plan, looks at the renewal list; the cold-stored lecturer reports
progress on the plan. No page scrolls sideways and the Content-Security-Policy reports
nothing."""

from datetime import timedelta

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_the_outcomes_on_the_phone(live_server, transactional_db, allow_orm_beside_playwright):
    from django.utils import timezone
    from playwright.sync_api import expect

    from appraisal.models import HelpPlan, ReminderTalk
    from core.tests.factories import PASSWORD, build_world
    from lecturers.models import LecturerStatus

    from .fixture import build_year
    from .test_outcomes import published

    world = build_world()
    year = build_year(world)
    published(world, year.year)
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        log_in(page, base, world.county_admin.username, PASSWORD)
        page.goto(f"{base}/appraisals/{year.year}/")
        page.get_by_test_id("apply-outcomes").click()
        expect(page.get_by_test_id("outcomes-applied")).to_be_visible()
        assert_fits_phone(page)
        page.get_by_test_id("commendations-link").click()
        expect(page.get_by_test_id("commendation-row")).to_have_count(1)
        assert_fits_phone(page)
        page.get_by_test_id("commend-confirm").click()
        expect(page.get_by_test_id("commendation-row")).to_have_attribute("data-status", "confirmed")  # fmt: skip

        page.goto(f"{base}/appraisals/talks/")
        expect(page.get_by_test_id("talk-row")).to_have_count(1)
        assert_fits_phone(page)
        page.get_by_test_id("talk-row").click()
        when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
        page.fill("input[name=when]", when)
        page.fill("input[name=place]", "组织部二楼会议室")
        page.fill("input[name=held_by]", "副部长 王明")
        page.get_by_test_id("talk-time-submit").click()
        expect(page.get_by_test_id("talk-facts")).to_have_attribute("data-status", "scheduled")
        assert_fits_phone(page)

        page.goto(f"{base}/appraisals/plans/")
        page.get_by_test_id("plan-row").click()
        page.fill("input[name=mentor]", "党校 刘老师")
        page.get_by_test_id("plan-submit").click()
        expect(page.get_by_test_id("plan-mentor")).to_have_text("党校 刘老师")
        page.fill("input[name=title]", "跟班听课三次")
        page.fill("input[name=due_on]", (timezone.localdate() + timedelta(days=30)).isoformat())
        page.get_by_test_id("step-submit").click()
        expect(page.get_by_test_id("step")).to_have_count(1)
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "appraisal-plan-phone.png"), full_page=True)

        page.goto(f"{base}/appraisals/renewal/")
        expect(page.get_by_test_id("renewal-count")).to_be_visible()
        assert_fits_phone(page)
        context.close()

        context = offline.phone(browser)
        csp_lecturer = CspWatch(context)
        page = offline.watch(context.new_page())
        log_in(page, base, year.poor.user.username, PASSWORD)
        page.goto(f"{base}/appraisals/mine/")
        page.get_by_test_id("my-plans").click()
        page.get_by_test_id("plan-row").click()
        page.fill("textarea[name=text]", "已跟班听课一次，正在重新备课")
        page.get_by_test_id("note-submit").click()
        expect(page.get_by_test_id("note")).to_contain_text("正在重新备课")
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "appraisal-plan-lecturer-phone.png"), full_page=True)
        context.close()
        assert csp.violations == [] and csp_lecturer.violations == []
        offline.assert_clean()
    assert ReminderTalk.objects.get().place == "组织部二楼会议室"
    plan = HelpPlan.objects.get()
    assert plan.lecturer.status == LecturerStatus.COLD_STORE and plan.notes.count() == 1
