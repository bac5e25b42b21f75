"""In a real Chromium: the lecturer proposes a course with its courseware on a 375 px phone
and sees the county's reason when it is returned; the county reviews it on a desktop and on a
phone, approves it, and it is in the catalogue. No page scrolls sideways, nothing reaches
another host and the Content-Security-Policy reports nothing."""

import pytest

from core.tests.browser import CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def go(page, locator):
    """Follow a link or send a form, and wait for the next page to load."""
    with page.expect_navigation():
        locator.click()


def test_a_course_goes_from_the_lecturer_s_phone_through_review_to_the_catalogue(
    live_server, transactional_db, allow_orm_beside_playwright, tmp_path
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world
    from courses.models import Course
    from courses.tests.courseware_files import PDF

    world = build_world()
    base = live_server.url
    courseware = tmp_path / "标准化建设.pdf"
    courseware.write_bytes(PDF)
    with chromium() as browser:
        offline = Offline(base)
        phone = offline.phone(browser)
        csp = CspWatch(phone)
        page = offline.watch(phone.new_page())
        log_in(page, base, world.lecturer.username, PASSWORD)
        go(page, page.get_by_test_id("my-links").get_by_role("link", name="我的课程"))
        assert_fits_phone(page)
        go(page, page.get_by_test_id("propose-course"))
        page.fill("input[name=title]", "基层党组织标准化建设")
        page.select_option("select[name=category]", "practical_work")
        page.fill("textarea[name=outline]", "一、标准\n二、流程")
        page.check("input[name=audiences][value=rural]")
        page.fill("input[name=duration_minutes]", "90")
        page.set_input_files("input[name=attachment]", str(courseware))
        assert_fits_phone(page)
        go(page, page.get_by_test_id("course-submit"))
        expect(page.get_by_test_id("my-course").first).to_contain_text("基层党组织标准化建设")
        expect(page.get_by_test_id("my-course").first).to_contain_text("待审批")
        assert_fits_phone(page)
        for tab in ("my-tab-profile", "my-tab-record"):
            go(page, page.get_by_test_id(tab))
            assert_fits_phone(page)
        course = Course.objects.get(title="基层党组织标准化建设")

        # The county returns it from a phone, with a reason.
        admin_phone = offline.phone(browser)
        csp_admin_phone = CspWatch(admin_phone)
        admin = offline.watch(admin_phone.new_page())
        log_in(admin, base, world.county_admin.username, PASSWORD)
        admin.goto(f"{base}/manage/")
        expect(admin.get_by_test_id("courses-waiting")).to_have_text("1")
        go(admin, admin.get_by_test_id("manage-courses"))
        assert_fits_phone(admin)
        go(admin, admin.get_by_test_id("course-row").first)
        assert_fits_phone(admin)
        admin.fill("textarea[name=reason]", "请补充教学目标")
        go(admin, admin.get_by_test_id("return"))
        expect(admin.locator(".notice-success")).to_be_visible()

        page.goto(f"{base}/my/courses/")
        expect(page.get_by_test_id("return-reason")).to_contain_text("请补充教学目标")
        go(page, page.get_by_test_id("propose-version").first)
        page.fill("textarea[name=objectives]", "规范组织生活")
        go(page, page.get_by_test_id("course-submit"))
        expect(page.get_by_test_id("my-course").first).to_contain_text("待审批")

        # The county approves it on a desktop.
        desktop = offline.context(browser)
        csp_desktop = CspWatch(desktop)
        review = offline.watch(desktop.new_page())
        log_in(review, base, world.county_admin.username, PASSWORD)
        review.goto(f"{base}/manage/courses/{course.pk}/")
        expect(review.get_by_test_id("compare-objectives")).to_contain_text("规范组织生活")
        expect(review.get_by_test_id("compare-attachment")).to_contain_text("标准化建设.pdf")
        go(review, review.get_by_test_id("approve"))
        expect(review.locator(".notice-success")).to_be_visible()

        page.goto(f"{base}/courses/?q=标准化")
        expect(page.get_by_text("基层党组织标准化建设")).to_be_visible()
        assert_fits_phone(page)
        for watch in (csp, csp_admin_phone, csp_desktop):
            watch.assert_clean()
        offline.assert_clean()
