"""A branch secretary on a 375 px phone logs a group viewing of a cloud lesson from the course
page: the course lists the lesson, its page offers the form, and the session it makes shows
its evaluation QR code; nothing scrolls sideways and nothing leaves the server."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_a_secretary_logs_a_group_viewing_on_a_phone(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    from classrooms.models import GroupViewing, VideoLesson
    from core.tests.factories import PASSWORD, build_world
    from core.timeutil import local

    world = build_world()
    lesson = VideoLesson.objects.create(
        course=world.course, county=world.county, title="乡村振兴第一讲",
        external_url="https://video.example.cn/v/1", status="ready",
    )  # fmt: skip
    base = live_server.url
    offline = Offline(base)
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        log_in(page, base, world.secretary.username, PASSWORD)
        page.goto(f"{base}/courses/{world.course.pk}/")
        page.get_by_test_id("course-lesson").click()
        page.get_by_test_id("group-viewing-new").click()
        assert_fits_phone(page)
        held = local(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        page.locator("input[name=held_at]").fill(held)
        page.locator("input[name=attendees]").fill("0")
        page.get_by_test_id("group-viewing-submit").click()
        # Bad input comes back on the form, the field marked in Chinese.
        expect(page.get_by_test_id("group-viewing-form")).to_contain_text("1至2000")
        assert_fits_phone(page)
        page.locator("input[name=attendees]").fill("31")
        page.get_by_test_id("group-viewing-submit").click()
        expect(page.locator("body")).to_contain_text("已登记为讲师的一场授课")
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "group-viewing-375.png"), full_page=True)
        csp.assert_clean()
        context.close()
    # The one refusal was the bad input's, answered with the form (422): nothing else failed.
    assert offline.bad_responses == [f"422 {base}/lessons/{lesson.pk}/group-viewing/"]
    offline.bad_responses.clear()
    offline.assert_clean()
    viewing = GroupViewing.objects.get()
    assert (viewing.org, viewing.attendees, viewing.booking.status) == (
        world.branch,
        31,
        "completed",
    )
