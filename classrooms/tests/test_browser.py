"""A member answers the needs survey on a 375 px phone in WeChat from a branch's QR link: a
topic, the phone number, send — three taps after the page opens."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium

pytestmark = pytest.mark.browser


def test_a_member_answers_from_the_qr_link_in_three_taps(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from classrooms import services
    from classrooms.models import SurveyAnswer
    from core.tests.factories import build_world

    world = build_world()
    survey = services.survey_create(
        actor=world.county_admin, title="党员培训需求调研", topics=["乡村振兴", "红色家书"]
    )
    offline = Offline(live_server.url)
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        page.goto(f"{live_server.url}/survey/{survey.pk}/?org={world.branch.pk}")
        assert_fits_phone(page)
        page.get_by_label("红色家书").tap()  # 1
        page.locator("input[name=phone]").tap()  # 2
        page.keyboard.type("13812345678")
        with page.expect_navigation():
            page.locator("button[type=submit]").tap()  # 3
        expect(page.locator("[data-testid=thanks]")).to_contain_text("红色家书")
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "survey-answered-375.png"), full_page=True)
        csp.assert_clean()
    offline.assert_clean()
    answer = SurveyAnswer.objects.get()
    assert (answer.org_id, answer.group, answer.phone) == (world.branch.pk, "rural", "13812345678")
