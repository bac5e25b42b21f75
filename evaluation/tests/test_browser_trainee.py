"""Trainees on a 375 px phone in WeChat against the live server (issue 11): a bare tap on
submit is refused beside the scores, then the trainee rates; a second trainee rates from the
same phone; a trainee rates with no connection, the phone comes back online, and exactly one
record arrives."""

import pytest

from core.tests.browser import ARTIFACTS, Offline, assert_fits_phone, chromium

pytestmark = pytest.mark.browser


def _fill(page, name: str, phone: str, scores=(80, 85, 90)):
    page.fill("input[name=name]", name)
    page.fill("input[name=phone]", phone)
    for field, value in zip(("content", "method", "effect"), scores, strict=True):
        slider = page.locator(f"#slide-{field}")
        slider.fill(str(value))  # a slide: sets the value and fires input


def test_trainees_rate_on_one_phone_and_offline(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from core.tests.factories import build_world, session
    from evaluation.models import TraineeRating
    from evaluation.services import token_for

    world = build_world()
    booking = session(world)
    url = f"{live_server.url}/e/{token_for(booking)}"
    offline = Offline(live_server.url)
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        context = offline.phone(browser, locale="en-US")  # the page is Chinese all the same
        page = offline.watch(context.new_page())
        page.goto(url)
        expect(page.locator("button[type=submit]")).to_have_text("签到并提交")
        assert_fits_phone(page)

        # A bare tap on submit: a message beside each score, nothing sent.
        page.fill("input[name=name]", "甲学员")
        page.fill("input[name=phone]", "13911110001")
        page.click("button[type=submit]")
        errors = page.locator("[data-score] .error:visible")
        expect(errors).to_have_count(3)
        expect(errors.first).to_have_text("请滑动选择分数。")
        assert TraineeRating.objects.count() == 0
        _fill(page, "甲学员", "13911110001")
        expect(errors).to_have_count(0)
        page.click("button[type=submit]")
        expect(page.locator("[data-testid=my-rating]")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "trainee-rated-375.png"), full_page=True)

        # The second trainee on the same phone.
        with page.expect_navigation(wait_until="load"):  # the page's script is in place
            page.click("[data-testid=another]")
        _fill(page, "乙学员", "13911110002", (70, 75, 80))
        page.click("button[type=submit]")
        expect(page.locator("[data-testid=my-rating]")).to_contain_text("乙学员")

        # A third with no signal: kept on the phone, sent once back online.
        with page.expect_navigation(wait_until="load"):  # the page's script is in place
            page.click("[data-testid=another]")
        _fill(page, "丙学员", "13911110003", (95, 95, 95))
        context.set_offline(True)
        page.click("button[type=submit]")
        expect(page.locator("[data-testid=pending]")).to_have_text("已保存，联网后自动提交。")
        page.screenshot(path=str(ARTIFACTS / "trainee-offline-375.png"), full_page=True)
        assert not TraineeRating.objects.filter(phone="13911110003").exists()
        context.set_offline(False)
        expect(page.locator("[data-testid=my-rating]")).to_contain_text("丙学员")
        assert page.evaluate("Object.keys(localStorage).length") == 0
        page.reload()  # nothing is sent a second time
        context.close()
    offline.assert_clean()
    assert sorted(TraineeRating.objects.values_list("name", flat=True)) == [
        "丙学员",
        "乙学员",
        "甲学员",
    ]
    assert TraineeRating.objects.get(phone="13911110003").content == 95
