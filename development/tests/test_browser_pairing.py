"""Old-new pairing in a real Chromium on a 375 px phone: the county admin pairs a mentor with
a new lecturer, the mentee attaches the topic's material, the mentor records the stage with a
comment, and the county's list shows where the pair stands and the late one."""

from datetime import timedelta

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_a_pairing_on_the_phone_from_pairing_to_the_first_stage(
    live_server, transactional_db, allow_orm_beside_playwright, tmp_path
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world
    from development import services
    from development.models import Pairing

    world = build_world()
    today = timezone.localdate()
    late_start = today - timedelta(days=30)
    services.pairing_create(
        actor=world.county_admin, mentor_id=world.li.pk, mentee_id=world.zhang.pk,
        starts_on=late_start,
        planned={s: late_start + timedelta(days=i + 1) for i, s in enumerate(
            ["topic", "preparation", "talk", "trial", "teaching"])},
    )  # fmt: skip
    material = tmp_path / "选题.pdf"
    material.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    offline = Offline(base)
    with chromium() as browser:
        # 1. The county admin pairs 张三丰 (mentor) with the candidate 王五 on the phone.
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        log_in(page, base, world.county_admin.username, PASSWORD)
        page.goto(f"{base}/selection/pairings/")
        expect(page.get_by_test_id("late-row")).to_have_count(1)
        assert_fits_phone(page)
        page.get_by_test_id("pairing-new").click()
        page.select_option("select[name=mentor_id]", str(world.zhang.pk))
        page.select_option("select[name=mentee_id]", str(world.candidate.pk))
        page.fill("input[name=starts_on]", today.isoformat())
        for i, stage in enumerate(["topic", "preparation", "talk", "trial", "teaching"]):
            page.fill(f"input[name=planned_{stage}]", (today + timedelta(days=7 * (i + 1))).isoformat())  # fmt: skip
        assert_fits_phone(page)
        with page.expect_navigation():
            page.get_by_test_id("pairing-submit").click()
        pairing = Pairing.objects.get(mentee=world.candidate)
        expect(page.get_by_test_id("pairing-stage")).to_have_text("选题")
        csp.assert_clean()
        context.close()

        # 2. The mentee attaches the topic's material.
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        log_in(page, base, world.candidate.user.username, PASSWORD)
        page.goto(f"{base}/selection/pairings/{pairing.pk}/")
        page.set_input_files("input[name=material]", str(material))
        with page.expect_navigation():
            page.get_by_test_id("material-submit").click()
        expect(page.get_by_text("选题.pdf")).to_be_visible()
        assert_fits_phone(page)
        context.close()

        # 3. The mentor records the topic as done with a comment.
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        log_in(page, base, world.lecturer.username, PASSWORD)
        page.goto(f"{base}/selection/pairings/")
        # 张三丰 mentors 王五 and is himself mentored by 李四光: both pairings are his.
        expect(page.get_by_test_id("pairing-row")).to_have_count(2)
        with page.expect_navigation():
            page.get_by_test_id("pairing-row").filter(has_text="王五").click()
        page.fill("input[name=done_on]", today.isoformat())
        page.fill("textarea[name=comment]", "选题贴近群众，可以进入备课。")
        with page.expect_navigation():
            page.get_by_test_id("done-submit").click()
        expect(page.get_by_test_id("pairing-stage")).to_have_text("备课")
        expect(page.get_by_test_id("reached")).to_have_text("1/5")
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "pairing-mentor-375.png"), full_page=True)
        context.close()
    offline.assert_clean()
