"""The judge's scoring sheet in a real Chromium on a 375 px phone: the own-unit entry shows
no form, points outside the range come back marked, the saved points show; the results page
and the round page fit the phone too. No page scrolls sideways."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_the_judge_scores_on_the_phone(live_server, transactional_db, allow_orm_beside_playwright):
    from playwright.sync_api import expect

    from appraisal.models import Score
    from core.tests.factories import PASSWORD, build_world

    from .competition_fixture import make_round

    world = build_world()
    r = make_round(world)
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        log_in(page, base, world.secretary.username, PASSWORD)
        page.goto(f"{base}/appraisals/competitions/{r.round.pk}/judge/")
        expect(page.get_by_test_id("sheet-row")).to_have_count(2)
        zhang = page.locator(f'[data-entry="{r.zhang.pk}"]')
        expect(zhang.get_by_test_id("conflict")).to_be_visible()
        assert zhang.get_by_test_id("score-form").count() == 0
        assert_fits_phone(page)
        li = page.locator(f'[data-entry="{r.li.pk}"]')
        inputs = li.locator("input[type=number]")
        inputs.nth(0).fill("99")
        inputs.nth(1).fill("20")
        inputs.nth(2).fill("20")
        li.get_by_test_id("score-submit").click()
        li = page.locator(f'[data-entry="{r.li.pk}"]')
        expect(li.locator(".has-error")).to_have_count(1)
        assert Score.objects.count() == 0
        assert_fits_phone(page)
        li.locator("input[type=number]").nth(0).fill("35")
        li.get_by_test_id("score-submit").click()
        expect(page.locator(f'[data-entry="{r.li.pk}"]').get_by_test_id("given")).to_be_visible()
        assert Score.objects.count() == 3
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "competition-judge-375.png"), full_page=True)

        page = offline.watch(offline.phone(browser).new_page())
        log_in(page, base, world.county_admin.username, PASSWORD)
        page.goto(f"{base}/appraisals/competitions/{r.round.pk}/")
        expect(page.get_by_test_id("round-status")).to_have_attribute("data-status", "judging")
        assert_fits_phone(page)
        page.goto(f"{base}/appraisals/competitions/{r.round.pk}/results/")
        expect(page.get_by_test_id("result-row")).to_have_count(2)
        assert_fits_phone(page)
        # the one refused answer is the deliberate bad input: the form comes back with 422
        assert [u.split(" ")[0] for u in offline.bad_responses] == ["422"]
        offline.bad_responses.clear()
        offline.assert_clean()
        assert csp.violations == []
