"""One lecturer's management pages in a real Chromium, on a 375 px phone and a desktop: the
county admin edits the résumé with a photo, grants an honour, and moves the lecturer to cold
store seeing the future booking it leaves; nothing scrolls sideways, the policy reports
nothing."""

import io

import pytest
from PIL import Image

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium

pytestmark = pytest.mark.browser


def test_the_county_admin_manages_a_lecturer_on_a_phone_and_a_desktop(
    live_server, transactional_db, allow_orm_beside_playwright, tmp_path
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world, make_lecturer, session
    from lecturers.models import Lecturer, LecturerHonour

    world = build_world()
    booking = session(world, started_minutes_ago=-3 * 24 * 60, status="confirmed")
    photo = tmp_path / "photo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (180, 40, 40)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        for label, make in (("phone", offline.phone), ("desktop", offline.context)):
            lecturer = world.zhang if label == "phone" else make_lecturer(world.county, "孙十")
            context = make(browser)
            csp = CspWatch(context)
            page = offline.watch(context.new_page())
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", world.county_admin.username)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("form button[type=submit]")
            page.goto(f"{base}/manage/lecturers/{lecturer.pk}/")
            expect(page.get_by_test_id("status")).to_have_attribute("data-status", "active")
            if label == "phone":
                assert_fits_phone(page)

            page.get_by_test_id("edit").click()
            page.fill("input[name=specialties]", "乡村振兴、党史")
            page.set_input_files("input[name=photo]", str(photo))
            page.get_by_test_id("save").click()
            expect(page.get_by_test_id("phone")).to_be_visible()
            assert page.locator(".profile img").count() == 1

            page.get_by_test_id("honours").click()
            page.select_option("select[name=title]", "famous_lecturer")
            page.fill("textarea[name=note], input[name=note]", "年度考核为好")
            page.get_by_test_id("grant").click()
            expect(page.get_by_test_id("honour")).to_have_count(1)
            if label == "phone":
                assert_fits_phone(page)

            page.goto(f"{base}/manage/lecturers/{lecturer.pk}/status/")
            if label == "phone":
                expect(page.get_by_test_id("open-bookings")).to_contain_text(booking.course.title)
                assert_fits_phone(page)
            page.check("input[name=status][value=cold_store]")
            page.fill("textarea[name=reason]", "年度考核为差")
            page.get_by_test_id("move-submit").click()
            expect(page.get_by_test_id("status")).to_have_attribute("data-status", "cold_store")
            if label == "phone":
                expect(page.get_by_test_id("open-bookings")).to_contain_text(booking.course.title)
                assert_fits_phone(page)
            page.screenshot(path=str(ARTIFACTS / f"manage-lecturer-{label}.png"), full_page=True)
            assert csp.violations == [], csp.violations
            context.close()
        offline.assert_clean()
    for lecturer in Lecturer.objects.filter(name__in=["张三丰", "孙十"]):
        assert lecturer.status == "cold_store" and lecturer.specialties == "乡村振兴、党史"
        assert lecturer.photo.name.endswith(".jpg")
        assert LecturerHonour.objects.filter(lecturer=lecturer, title="famous_lecturer").exists()
